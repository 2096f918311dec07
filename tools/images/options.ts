// Command-line flags: parsed and checked here, before any AWS call.
import { parseArgs } from "util";

export const COMMANDS = ["list", "verify", "prune"] as const;
export type Command = (typeof COMMANDS)[number];

export interface CliOptions {
    command: Command;
    stack?: string;
    regions?: string[];
    name?: string;
    keep?: number;
    launchedWithinDays?: number;
    requireTags?: string[];
    ssmPaths: string[];
    apply: boolean;
    json: boolean;
    report?: string;
}

/** Bad flags or config: the user has to change the command line or the stack file. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export const USAGE = `Usage: npm run images -- <command> [flags]

Commands:
  list     every golden image of the family in each region: version, dates, state, encryption,
           public or not, who may launch it and what uses it
  verify   compare each region's image at the stack's version with the stack (exit 1 on drift)
  prune    deregister images beyond the newest --keep per stack, and their snapshots; never an
           image in use. Dry run unless --apply

Flags:
  --stack <name>           read Pulumi.<name>.yaml for regions, image name, version, sharing, tags, keep
  --regions <a,b>          regions to look in (default: the stack's, home region first)
  --name <image>           image family name (default: the stack's image.name)
  --json                   list, verify: print JSON instead of text
  --require-tags <a,b>     verify: tags that must be present and non-empty (default Name,Owner,Environment,Version)
  --keep <n>               prune: newest available images kept per stack (default: lifecycle.keepAtLeast, else 3)
  --launched-within <days> list, prune: count an image launched this recently as in use
                           (default: lifecycle.keepIfLaunchedWithinDays, else 30; 0 turns it off)
  --ssm-path <p>           list, prune: also protect images named in this SSM parameter or under this path
                           (repeat or comma-separate; /golden-ami is always searched)
  --apply                  prune: really deregister and delete (default: dry run)
  --report <file>          prune: where to write the JSON report (default reports/prune-<timestamp>.json)
  --help                   this text

Exit codes: 0 all well, 1 drift found or a prune action failed, 2 bad flags or stack config,
            3 a region could not be read (credentials, permissions, throttling, network).`;

const FLAGS_OF: Record<Command, string[]> = {
    list: ["stack", "regions", "name", "json", "launched-within", "ssm-path"],
    verify: ["stack", "regions", "name", "json", "require-tags"],
    prune: ["stack", "regions", "name", "keep", "launched-within", "ssm-path", "apply", "report"],
};

/** The parsed command line, or "help" when the user asked for the usage text. */
export function parseOptions(argv: string[]): CliOptions | "help" {
    const parsed = parseFlags(argv);
    const { values, positionals } = parsed;
    if (values.help || positionals.length === 0 || positionals[0] === "help") return "help";
    const [command, ...extra] = positionals;
    if (!(COMMANDS as readonly string[]).includes(command)) {
        throw new UsageError(`unknown command "${command}": expected one of ${COMMANDS.join(", ")}`);
    }
    if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}": flags start with --`);
    for (const flag of Object.keys(values)) {
        if (flag !== "help" && !FLAGS_OF[command as Command].includes(flag)) {
            throw new UsageError(`--${flag} does not apply to ${command}; its flags are ${FLAGS_OF[command as Command].map(name => `--${name}`).join(", ")}`);
        }
    }
    return {
        command: command as Command,
        stack: nonEmpty("--stack", values.stack),
        regions: values.regions === undefined ? undefined : list("--regions", values.regions),
        name: nonEmpty("--name", values.name),
        keep: values.keep === undefined ? undefined : wholeNumber("--keep", values.keep, 1),
        launchedWithinDays: values["launched-within"] === undefined ? undefined : wholeNumber("--launched-within", values["launched-within"], 0),
        requireTags: values["require-tags"] === undefined ? undefined : list("--require-tags", values["require-tags"]),
        ssmPaths: (values["ssm-path"] ?? []).flatMap(path => list("--ssm-path", path)),
        apply: values.apply === true,
        json: values.json === true,
        report: nonEmpty("--report", values.report),
    };
}

function parseFlags(argv: string[]) {
    try {
        return parseArgs({
            args: argv,
            allowPositionals: true,
            strict: true,
            options: {
                stack: { type: "string" },
                regions: { type: "string" },
                name: { type: "string" },
                keep: { type: "string" },
                "launched-within": { type: "string" },
                "require-tags": { type: "string" },
                "ssm-path": { type: "string", multiple: true },
                apply: { type: "boolean" },
                json: { type: "boolean" },
                report: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (error) {
        // parseArgs' messages ("Unknown option '--kep'", "Option '--keep <value>' argument missing") are clear already.
        throw new UsageError(error instanceof Error ? error.message : String(error));
    }
}

function nonEmpty(flag: string, value: string | undefined): string | undefined {
    if (value !== undefined && value.trim() === "") throw new UsageError(`${flag} needs a value`);
    return value?.trim();
}

function list(flag: string, value: string): string[] {
    const items = value.split(",").map(item => item.trim()).filter(item => item !== "");
    if (items.length === 0) throw new UsageError(`${flag} needs at least one value, like ${flag} a,b`);
    return items;
}

function wholeNumber(flag: string, value: string, min: number): number {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < min) {
        throw new UsageError(`${flag} must be a whole number of at least ${min}, got "${value}"`);
    }
    return number;
}
