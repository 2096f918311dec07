// What every command is handed: clients, output streams and the clock, so tests can replace each.
import { ClientFactory } from "./clients";

export interface CommandContext {
    clientsFor: ClientFactory;
    /** Results: the table, the JSON, the report. */
    stdout: (text: string) => void;
    /** Progress and warnings, one line at a time, kept out of the results. */
    stderr: (line: string) => void;
    now: () => Date;
    writeReport: (file: string, contents: string) => void;
}

export const ExitCode = {
    ok: 0,
    /** verify found drift, or prune could not deregister or delete something. */
    problemsFound: 1,
    /** Bad flags or stack config: nothing was read from AWS. */
    badInput: 2,
    /** At least one region could not be read (credentials, permissions, throttling, network). */
    regionFailed: 3,
} as const;
