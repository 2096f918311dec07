// The exit codes every command shares, so CI can tell a finding from a typo from an outage.
export const ExitCode = {
    ok: 0,
    /** The command ran and found something wrong (drift, a failed gate or policy, a failed action). */
    failed: 1,
    /** Bad flags, arguments, config or files: nothing was changed or read from the cloud. */
    usage: 2,
    /** AWS could not be read: credentials, permissions, throttling, the network, no answer in time. */
    unreachable: 3,
} as const;

export type ExitCodeValue = (typeof ExitCode)[keyof typeof ExitCode];

/** The user has to change the command line, a stack file or another input: exit 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}
