// Entry point of `npm run images -- <command> [flags]`. See tools/images/README.md.
import * as fs from "fs";
import * as path from "path";
import { awsClientsFor } from "./clients";
import { CommandContext, ExitCode } from "./context";
import { listCommand } from "./list";
import { parseOptions, USAGE, UsageError } from "./options";
import { pruneCommand } from "./prune";
import { loadStackFile, resolveTarget, StackLoader } from "./target";
import { verifyCommand } from "./verify";

export async function runCli(argv: string[], context: CommandContext, loadStack: StackLoader = loadStackFile): Promise<number> {
    try {
        const options = parseOptions(argv);
        if (options === "help") {
            context.stdout(USAGE);
            return ExitCode.ok;
        }
        const target = resolveTarget(options, loadStack);
        switch (options.command) {
            case "list":
                return await listCommand(target, { json: options.json }, context);
            case "verify":
                return await verifyCommand(target, { json: options.json }, context);
            case "prune":
                return await pruneCommand(target, { apply: options.apply, reportFile: options.report }, context);
        }
    } catch (error) {
        if (!(error instanceof UsageError)) throw error;
        context.stderr(`error: ${error.message}`);
        context.stderr("Run `npm run images -- --help` for the commands and flags.");
        return ExitCode.badInput;
    }
}

const terminal: CommandContext = {
    clientsFor: awsClientsFor,
    stdout: text => process.stdout.write(`${text}\n`),
    stderr: line => process.stderr.write(`${line}\n`),
    now: () => new Date(),
    writeReport: (file, contents) => {
        fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
        fs.writeFileSync(file, `${contents}\n`);
    },
};

if (require.main === module) {
    runCli(process.argv.slice(2), terminal).then(
        code => { process.exitCode = code; },
        error => {
            console.error(error);
            process.exitCode = ExitCode.problemsFound;
        },
    );
}
