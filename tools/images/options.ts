// Command-line flags: parsed and checked here, before any AWS call.
import { parseArgs } from "util";
import { isSeverity, SEVERITIES, Severity } from "./decisions/severity";

export const COMMANDS = ["list", "verify", "prune", "gate", "manifest", "promote", "watch"] as const;
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
    /** promote: the building stack the image comes from. */
    from?: string;
    /** gate, manifest, promote: the image version (semver). */
    version?: string;
    /** gate: judge the build of the AMI this promoting stack pins, at the version it pins. */
    pinnedBy?: string;
    /** gate, promote: findings at or above this severity fail the gate. */
    maxSeverity?: Severity;
    dryRun: boolean;
    force: boolean;
    reason?: string;
    write: boolean;
    /** watch: give up after this many minutes. */
    timeoutMinutes?: number;
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
  gate     judge a build's vulnerability scan: exit 1 when a finding at or above --max-severity is
           not allow-listed (promotions/findings-allowlist.json), or the scan is missing or unfinished
  manifest the packages Image Builder recorded for a build, with versions; --write keeps them in
           promotions/<stack>/<version>.manifest.json
  promote  pin a promoting stack (prod) to the first available build of --version of the --from
           stack: edits Pulumi.<stack>.yaml, writes promotions/<stack>/<version>.json and the manifest.
           Runs the gate first. Roll back by promoting an earlier version
  watch    follow the running build of every image of a building stack: each phase and step (build,
           test, distribution, scan) with its elapsed time; on failure the failing step's log and its
           last lines. Exit 0 when AVAILABLE, 1 on FAILED or CANCELLED, 3 when --timeout passes

Flags:
  --stack <name>           read Pulumi.<name>.yaml for regions, image name, version, sharing, tags, keep
  --regions <a,b>          regions to look in (default: the stack's, home region first)
  --name <image>           image family name (default: the stack's image.name)
  --json                   list, verify, gate, manifest: print JSON instead of text
  --require-tags <a,b>     verify: tags that must be present and non-empty (default Name,Owner,Environment,Version)
  --keep <n>               prune: newest available images kept per stack (default: lifecycle.keepAtLeast, else 3)
  --launched-within <days> list, prune: count an image launched this recently as in use
                           (default: lifecycle.keepIfLaunchedWithinDays, else 30; 0 turns it off)
  --ssm-path <p>           list, prune: also protect images named in this SSM parameter or under this path
                           (repeat or comma-separate; /golden-ami is always searched)
  --apply                  prune: really deregister and delete (default: dry run)
  --report <file>          prune: where to write the JSON report (default reports/prune-<timestamp>.json)
  --version <x.y.z>        gate, manifest: the build's version (default: the stack's image.version);
                           promote: the version to pin
  --pinned-by <stack>      gate: judge the build of the AMI that promoting stack pins (promoteFrom.amiId),
                           at its image.version; a forced promotion of that AMI (its promotion record)
                           passes with a warning. What CI runs before prod's \`up\`
  --max-severity <level>   gate, promote: findings at or above it fail the gate (default HIGH);
                           one of ${SEVERITIES.join(", ")}; UNTRIAGED findings fail at every level
  --write                  manifest: also write promotions/<stack>/<version>.manifest.json
  --from <stack>           promote: the building stack whose image is pinned (e.g. dev)
  --dry-run                promote: print what would be written, write nothing
  --force --reason <text>  promote: pin an image that fails the gate; the reason is recorded
  --timeout <minutes>      watch: give up after this long (default 300)
  --help                   this text

Exit codes: 0 all well, 1 drift found, a gate failed, no build found or a prune action failed,
            2 bad flags, stack config or allow-list (nothing was read from AWS),
            3 AWS could not be read (credentials, permissions, throttling, no answer in time).`;

const FLAGS_OF: Record<Command, string[]> = {
    list: ["stack", "regions", "name", "json", "launched-within", "ssm-path"],
    verify: ["stack", "regions", "name", "json", "require-tags"],
    prune: ["stack", "regions", "name", "keep", "launched-within", "ssm-path", "apply", "report"],
    gate: ["stack", "version", "max-severity", "json", "pinned-by"],
    manifest: ["stack", "version", "json", "write"],
    promote: ["stack", "from", "version", "max-severity", "dry-run", "force", "reason"],
    watch: ["stack", "timeout"],
};

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

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
    const options: CliOptions = {
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
        from: nonEmpty("--from", values.from),
        version: values.version === undefined ? undefined : semver(values.version),
        pinnedBy: nonEmpty("--pinned-by", values["pinned-by"]),
        maxSeverity: values["max-severity"] === undefined ? undefined : severity(values["max-severity"]),
        dryRun: values["dry-run"] === true,
        force: values.force === true,
        reason: nonEmpty("--reason", values.reason),
        write: values.write === true,
        timeoutMinutes: values.timeout === undefined ? undefined : wholeNumber("--timeout", values.timeout, 1),
    };
    if (options.command === "watch" && options.stack === undefined) throw new UsageError("watch follows a building stack's build: pass --stack <name>, e.g. --stack dev");
    if (options.command === "promote") checkPromote(options);
    return options;
}

function checkPromote(options: CliOptions): void {
    const missing = [["--from", options.from], ["--version", options.version], ["--stack", options.stack]]
        .filter(([, value]) => value === undefined).map(([flag]) => flag);
    if (missing.length > 0) {
        throw new UsageError(`promote needs ${missing.join(", ")}: e.g. promote --from dev --version 1.4.1 --stack prod`);
    }
    if (options.from === options.stack) {
        throw new UsageError(`--from and --stack are both "${options.stack}": promote from the building stack (e.g. dev) into a promoting one (e.g. prod)`);
    }
    if (options.force && options.reason === undefined) {
        throw new UsageError("--force needs --reason \"<why this image may go out although it fails the gate>\"; the reason is recorded with the promotion");
    }
    if (options.reason !== undefined && !options.force) {
        throw new UsageError("--reason only goes with --force (pinning an image that fails the gate)");
    }
}

function semver(value: string): string {
    const trimmed = value.trim();
    if (!SEMVER.test(trimmed)) throw new UsageError(`--version must be a semantic version major.minor.patch like 1.4.1, got "${value}"`);
    return trimmed;
}

function severity(value: string): Severity {
    const upper = value.trim().toUpperCase();
    if (!isSeverity(upper)) {
        throw new UsageError(`--max-severity must be one of ${SEVERITIES.join(", ")}, got "${value}" (UNTRIAGED findings fail the gate at every level)`);
    }
    return upper;
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
                from: { type: "string" },
                version: { type: "string" },
                "max-severity": { type: "string" },
                "pinned-by": { type: "string" },
                "dry-run": { type: "boolean" },
                force: { type: "boolean" },
                reason: { type: "string" },
                write: { type: "boolean" },
                timeout: { type: "string" },
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
