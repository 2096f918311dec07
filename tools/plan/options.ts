// `npm run plan` flags: parsed and checked here, before the program runs.
import { parseArgs } from "util";

export interface PlanOptions {
    stack: string;
    json: boolean;
    markdown: boolean;
    /** Set with --diff: the git ref to compare with, or "" for the merge base with main. */
    diff?: string;
    /** --now: the clock the program sees (ISO 8601), for runs that must be reproducible. */
    now?: string;
}

/** Bad flags: the user has to change the command line. */
export class PlanUsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "PlanUsageError";
    }
}

export const PLAN_USAGE = `Usage: npm run plan -- [--stack <name>] [--diff [<git-ref>]] [--json | --markdown] [--now <time>]

What \`pulumi up\` would declare for a stack, worked out offline (no cloud, no Pulumi CLI), with every
policy of the pack run over it. Pipe it with \`npm run -s plan -- ...\` so npm prints nothing else.

Flags:
  --stack <name>      the stack: Pulumi.<name>.yaml and policy/<name>.json (default dev)
  --diff [<git-ref>]  what \`pulumi preview\` would change: runs the program at <git-ref> (default: the
                      merge base with main) and at the working tree, and prints creates, updates,
                      replacements (and the input that forces each) and deletes, per region
  --json              print JSON, for tools
  --markdown          with --diff: a short Markdown summary, for a pull request comment
  --now <time>        the clock the program sees, ISO 8601 (default: the commit time of HEAD), so
                      two runs of the same program and config print the same bytes
  --help              this text

Exit codes: 0 no mandatory policy fails, 1 a mandatory policy fails or the program refused the config,
            2 bad flags, a stack file that cannot be read, a missing policy config, or a git problem.`;

/** The parsed command line, or "help". */
export function parsePlanOptions(argv: string[]): PlanOptions | "help" {
    const { args, diff } = takeDiffRef(argv);
    const { values, positionals } = parseFlags(args);
    if (values.help) return "help";
    if (positionals.length > 0) throw new PlanUsageError(`unexpected argument "${positionals[0]}": plan takes flags only (see --help)`);
    if (values.json && values.markdown) throw new PlanUsageError("--json and --markdown are two forms of one output: pick one");
    if (values.markdown && diff === undefined) throw new PlanUsageError("--markdown summarises a diff: add --diff [<git-ref>]");
    const stack = values.stack ?? "dev";
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(stack)) throw new PlanUsageError(`--stack needs a stack name like dev or prod, got "${stack}"`);
    if (values.now !== undefined && !isIsoTime(values.now)) {
        throw new PlanUsageError(`--now must be an ISO 8601 time like 2026-11-23T00:00:00Z, got "${values.now}"`);
    }
    return { stack, json: values.json === true, markdown: values.markdown === true, diff, now: values.now };
}

/**
 * `--diff` takes an optional value, which parseArgs cannot express: the word after it is the ref
 * unless it is another flag. `--diff=<ref>` works too.
 */
function takeDiffRef(argv: string[]): { args: string[]; diff?: string } {
    const args: string[] = [];
    let diff: string | undefined;
    for (let index = 0; index < argv.length; index++) {
        const arg = argv[index];
        if (arg === "--") {
            args.push(...argv.slice(index));
            break;
        }
        if (arg !== "--diff" && !arg.startsWith("--diff=")) {
            args.push(arg);
            continue;
        }
        if (diff !== undefined) throw new PlanUsageError("--diff is given twice: compare with one ref");
        if (arg.startsWith("--diff=")) {
            diff = arg.slice("--diff=".length);
            if (diff === "") throw new PlanUsageError("--diff= needs a git ref, like --diff=main; or leave out the = for the merge base with main");
        } else if (index + 1 < argv.length && !argv[index + 1].startsWith("-")) {
            diff = argv[++index];
        } else {
            diff = "";
        }
    }
    return { args, diff };
}

function parseFlags(args: string[]) {
    try {
        return parseArgs({
            args,
            allowPositionals: true,
            strict: true,
            options: {
                stack: { type: "string" },
                json: { type: "boolean" },
                markdown: { type: "boolean" },
                now: { type: "string" },
                help: { type: "boolean", short: "h" },
            },
        });
    } catch (error) {
        // parseArgs names the flag already: "Unknown option '--stak'", "Option '--stack <value>' argument missing".
        throw new PlanUsageError(error instanceof Error ? error.message : String(error));
    }
}

function isIsoTime(value: string): boolean {
    return /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) && !Number.isNaN(Date.parse(value));
}
