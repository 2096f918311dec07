// What every command is handed: clients, output streams, the repository's files and the clock, so
// tests can replace each.
import { ClientFactory } from "./aws/clients";
import { RepoFiles } from "./repoFiles";

export interface CommandContext {
    clientsFor: ClientFactory;
    /** Results: the table, the JSON, the report. */
    stdout: (text: string) => void;
    /** Warnings and errors, one line at a time, kept out of the results. */
    stderr: (line: string) => void;
    /**
     * What a long run is doing ("us-east-1: reading al2023-base images… 40 so far"). The terminal shows
     * it only when stderr is a terminal; commands send none in --json mode.
     */
    progress: (line: string) => void;
    now: () => Date;
    /** Waits between tries of a call EC2 refuses for a moment (prune's snapshot deletes); tests do not really wait. */
    sleep: (milliseconds: number) => Promise<void>;
    writeReport: (file: string, contents: string) => void;
    /** The repository: stack files, promotion records, the findings allow-list. */
    files: RepoFiles;
}

export const ExitCode = {
    ok: 0,
    /** verify found drift, a gate failed, no build was found, or prune could not deregister or delete something. */
    problemsFound: 1,
    /** Bad flags, stack config or allow-list: nothing was read from AWS. */
    badInput: 2,
    /** AWS could not be read (credentials, permissions, throttling, no answer in time). */
    regionFailed: 3,
} as const;

/** Progress for a command's output mode: none at all with --json, so nothing extra reaches a pipe. */
export function progressFor(context: CommandContext, json: boolean): (line: string) => void {
    return json ? () => undefined : context.progress;
}
