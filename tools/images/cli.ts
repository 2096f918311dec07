// Entry point of `npm run images -- <command> [flags]`. See docs/images.md.
import * as fs from "fs";
import * as path from "path";
import { REPO_ROOT } from "../engine/stackFile";
import { awsClientsFor } from "./aws/clients";
import { CommandContext, ExitCode } from "./context";
import { gateCommand } from "./commands/gate";
import { listCommand } from "./commands/list";
import { manifestCommand } from "./commands/manifest";
import { parseOptions, USAGE, UsageError } from "./options";
import { promoteCommand } from "./commands/promote";
import { pruneCommand } from "./commands/prune";
import { recordedGateCommand } from "./commands/recordedGate";
import { revokeCommand } from "./commands/revoke";
import { repoFilesAt } from "./repoFiles";
import { DEFAULT_THRESHOLD } from "./decisions/severity";
import { loadPromotingStack, loadPromotionStacks, loadStackFile, resolveBuildTarget, resolveTarget, StackLoader } from "./target";
import { verifyCommand } from "./commands/verify";

export async function runCli(argv: string[], context: CommandContext, loadStack: StackLoader = loadStackFile): Promise<number> {
    try {
        const options = parseOptions(argv);
        if (options === "help") {
            context.stdout(USAGE);
            return ExitCode.ok;
        }
        const threshold = options.maxSeverity ?? DEFAULT_THRESHOLD;
        switch (options.command) {
            case "gate":
                if (options.recorded) return recordedGateCommand(loadPromotingStack(options.stack!, loadStack), { json: options.json }, context);
                return await gateCommand(resolveBuildTarget(options, loadStack), { threshold, json: options.json }, context);
            case "manifest":
                return await manifestCommand(resolveBuildTarget(options, loadStack), { json: options.json, write: options.write }, context);
            case "promote":
                return await promoteCommand({
                    ...loadPromotionStacks(options, loadStack),
                    version: options.version!,
                    threshold,
                    dryRun: options.dryRun,
                    forceReason: options.reason,
                }, context);
        }
        const target = resolveTarget(options, loadStack);
        switch (options.command) {
            case "list":
                return await listCommand(target, { json: options.json }, context);
            case "verify":
                return await verifyCommand(target, { json: options.json, stackOutputs: readStackOutputs(options.outputs) }, context);
            case "prune":
                return await pruneCommand(target, { apply: options.apply, includeImageBuilder: options.includeImageBuilder, reportFile: options.report }, context);
            case "revoke":
                return await revokeCommand(target, { apply: options.apply, json: options.json, reportFile: options.report }, context);
        }
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        context.stderr(`error: ${error.message}`);
        context.stderr("Run `npm run images -- --help` for the commands and flags.");
        return ExitCode.badInput;
    }
}

/** `pulumi stack output --json` saved to a file, checked before any AWS call. */
function readStackOutputs(file: string | undefined): { amiIds?: Record<string, string> } | undefined {
    if (file === undefined) return undefined;
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        throw new UsageError(`--outputs ${file}: expected the JSON of \`pulumi stack output --json\` (${error instanceof Error ? error.message : String(error)})`);
    }
    const amiIds = (parsed as { amiIds?: unknown } | null)?.amiIds;
    if (typeof amiIds !== "object" || amiIds === null || Object.values(amiIds).some(value => typeof value !== "string")) {
        throw new UsageError(`--outputs ${file}: expected an amiIds object of region → AMI id, as the stack exports it`);
    }
    return { amiIds: amiIds as Record<string, string> };
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
        progress: line => { if (showProgress) streams.stderr.write(`${line}\n`); },
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
    runCli(process.argv.slice(2), terminalContext()).then(
        code => { process.exitCode = code; },
        error => {
            console.error(error);
            process.exitCode = ExitCode.problemsFound;
        },
    );
}
