// Entry point of `npm run images -- <command> [flags]`. See docs/images.md.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../engine/stackFile";
import { awsClientsFor } from "./aws/clients";
import { CommandSpec, defineProgram, Output, runCommandLine, runMain } from "../cli";
import { CommandContext, ImagesEnvironment } from "./context";
import { gateCommandLine } from "./commands/gate";
import { listCommandLine } from "./commands/list";
import { manifestCommandLine } from "./commands/manifest";
import { IMAGES_FOOTER, IMAGES_SUMMARY } from "./options";
import { promoteCommandLine } from "./commands/promote";
import { pruneCommandLine } from "./commands/prune";
import { revokeCommandLine } from "./commands/revoke";
import { repoFilesAt } from "./repoFiles";
import { loadStackFile, StackLoader } from "./target";
import { verifyCommandLine } from "./commands/verify";
import { watchCommandLine } from "./commands/watch";

/** Every images command: a new command declares itself in its file (see tools/cli) and is listed here. */
export const imagesProgram: CommandSpec<ImagesEnvironment> = defineProgram({
    name: "npm run images --",
    summary: IMAGES_SUMMARY,
    footer: IMAGES_FOOTER,
    commands: [
        listCommandLine,
        verifyCommandLine,
        pruneCommandLine,
        revokeCommandLine,
        gateCommandLine,
        manifestCommandLine,
        promoteCommandLine,
        watchCommandLine,
    ],
});

export async function runCli(argv: string[], context: CommandContext, loadStack: StackLoader = loadStackFile): Promise<number> {
    const output: Output = { stdout: context.stdout, stderr: context.stderr };
    return runCommandLine(imagesProgram, argv, output, { context, loadStack });
}

/** Streams as the terminal context needs them; `isTTY` decides whether progress is shown. */
export interface TerminalStreams {
    stdout: { write: (text: string) => unknown };
    stderr: { write: (text: string) => unknown; isTTY?: boolean };
}

export function terminalContext(streams: TerminalStreams = process): CommandContext {
    const showProgress = streams.stderr.isTTY === true;
    return {
        clientsFor: awsClientsFor,
        stdout: text => streams.stdout.write(`${text}\n`),
        stderr: line => streams.stderr.write(`${line}\n`),
        progress: line => {
            if (showProgress) streams.stderr.write(`${line}\n`);
        },
        now: () => new Date(),
        sleep: milliseconds => new Promise(resolve => setTimeout(resolve, milliseconds)),
        writeReport: (file, contents) => {
            fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
            fs.writeFileSync(file, `${contents}\n`);
        },
        files: repoFilesAt(REPO_ROOT),
    };
}

if (require.main === module) {
    const context = terminalContext();
    runMain(imagesProgram, { context, loadStack: loadStackFile }, process.argv.slice(2), { stdout: context.stdout, stderr: context.stderr });
}
