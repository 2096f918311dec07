// What every command is handed: clients, output streams, the repository's files and the clock, so
// tests can replace each.
import type { WatchContext } from "./aws/buildProgress";
import { ClientFactory } from "./aws/clients";
import { RepoFiles } from "./repoFiles";
import type { StackLoader } from "./target";
import { ExitCode as SharedExitCode } from "../cli";

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

/** What the images program hands each command: the context and how stack files are read. */
export interface ImagesEnvironment {
    context: CommandContext;
    loadStack: StackLoader;
    /** `images watch`: the terminal, Ctrl-C and its clients; made for the terminal when absent. */
    watch?: () => WatchContext;
}

/** The shared exit codes (tools/cli) under the names the images commands use. */
export const ExitCode = {
    ok: SharedExitCode.ok,
    /** verify found drift, a gate failed, no build was found, or prune could not deregister or delete something. */
    problemsFound: SharedExitCode.failed,
    /** Bad flags, stack config or allow-list: nothing was read from AWS. */
    badInput: SharedExitCode.usage,
    /** AWS could not be read (credentials, permissions, throttling, the network, no answer in time). */
    regionFailed: SharedExitCode.unreachable,
} as const;

/** Progress for a command's output mode: none at all with --json, so nothing extra reaches a pipe. */
export function progressFor(context: CommandContext, json: boolean): (line: string) => void {
    return json ? () => undefined : context.progress;
}
