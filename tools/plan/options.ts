// `npm run plan` flags, declared once: the parser, --help and the checks come from here (see tools/cli).
import { flags, FlagValues, UsageError } from "../cli";

export interface PlanOptions {
    stack: string;
    json: boolean;
    markdown: boolean;
    /** Set with --diff: the git ref to compare with, or "" for the merge base with main. */
    diff?: string;
    /** --now: the clock the program sees (ISO 8601), for runs that must be reproducible. */
    now?: string;
}

export const PLAN_SUMMARY =
    "What `pulumi up` would declare for a stack, worked out offline (no cloud, no Pulumi CLI), " + "with every policy of the pack run over it.";

export const PLAN_DESCRIPTION = "Pipe it with `npm run -s plan -- ...` so npm prints nothing else.";

export const PLAN_FOOTER = `Exit codes: 0 no mandatory policy fails, 1 a mandatory policy fails or the program refused the config,
            2 bad flags, a stack file that cannot be read, a missing policy config, or a git problem.`;

export const PLAN_FLAGS = {
    stack: flags
        .value("<name>", "the stack: Pulumi.<name>.yaml and policy/<name>.json (default dev)", (text, flag) => {
            if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(text)) throw new UsageError(`${flag} needs a stack name like dev or prod, got "${text}"`);
            return text;
        })
        .default("dev"),
    diff: flags.optionalValue(
        "<git-ref>",
        "what `pulumi preview` would change: runs the program at <git-ref> (default: the merge base " +
            "with main) and at the working tree, and prints creates, updates, replacements (and the input that forces each) and deletes, per region",
        text => {
            if (text === "") throw new UsageError("--diff= needs a git ref, like --diff=main; or leave out the = for the merge base with main");
            return text;
        },
    ),
    json: flags.boolean("print JSON, for tools"),
    markdown: flags.boolean("with --diff: a short Markdown summary, for a pull request comment"),
    now: flags.value(
        "<time>",
        "the clock the program sees, ISO 8601 (default: the commit time of HEAD), so two runs of the same " + "program and config print the same bytes",
        (text, flag) => {
            if (!isIsoTime(text)) throw new UsageError(`${flag} must be an ISO 8601 time like 2026-11-23T00:00:00Z, got "${text}"`);
            return text;
        },
    ),
};

/** Rules between the flags. */
export function checkPlanFlags(values: FlagValues<typeof PLAN_FLAGS>): void {
    if (values.json && values.markdown) throw new UsageError("--json and --markdown are two forms of one output: pick one");
    if (values.markdown && values.diff === undefined) throw new UsageError("--markdown summarises a diff: add --diff [<git-ref>]");
}

export function planOptionsOf(values: FlagValues<typeof PLAN_FLAGS>): PlanOptions {
    return { stack: values.stack, json: values.json, markdown: values.markdown, diff: values.diff === true ? "" : values.diff, now: values.now };
}

function isIsoTime(value: string): boolean {
    return /^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?$/.test(value) && !Number.isNaN(Date.parse(value));
}
