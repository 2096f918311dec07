// `npm run plan -- --diff [<git-ref>]`: the program at the ref (a temporary detached worktree) and at
// the working tree, each run in its own child process, then what `pulumi preview` would do between them.
import { exitCodeOf, renderPolicies } from "./verdicts";
import { defaultBase, GitRefError, headCommitTime, resolveCommit, withWorktree } from "./gitRef";
import { buildPlanDiff, PlanDiff, renderPlanDiff, renderPlanDiffMarkdown } from "./diffReport";
import { PlanOptions } from "./options";
import { snapshot, Snapshot } from "./snapshot";
import { runPackOverProgram } from "../engine/policyRunner";
import { REPO_ROOT } from "../engine/stackFile";
import { lockedVersionsOf } from "../../components/versionLock";
import { compareVersions } from "../../components/versions";

/** Prints the diff in the form the options ask for; returns the exit code. */
export async function diffCommand(options: PlanOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
    let diff: PlanDiff;
    try {
        diff = await planDiff(options);
    } catch (error) {
        if (!(error instanceof GitRefError)) throw error;
        err(`plan --diff: ${error.message}`);
        return 2;
    }
    if (options.json) out(JSON.stringify(diff, null, 2));
    else if (options.markdown) out(renderPlanDiffMarkdown(diff));
    else out(renderPlanDiff(diff, policies => renderPolicies(diff.stack, policies)));
    return exitCodeOf({ mandatoryFailures: diff.mandatoryFailures, error: diff.error });
}

export async function planDiff(options: Pick<PlanOptions, "stack" | "diff" | "now">): Promise<PlanDiff> {
    const base = options.diff ? { ref: options.diff, commit: resolveCommit(options.diff) } : defaultBase();
    const clock = options.now ?? headCommitTime();
    // The ref's program as it was deployed (an `up`), then this one previewed against that state.
    const before = await withWorktree(base.commit, root => snapshot(root, options.stack, { now: clock, preview: false }));
    checkComparable(before, base.ref);
    const after = await snapshot(REPO_ROOT, options.stack, { now: clock, preview: true, previous: before });
    const policies = after.error ? [] : await runPackOverProgram(after, options.stack);
    return buildPlanDiff({ stack: options.stack, base, clock, before, after, policies, versionsHeld: versionsHeld(before) });
}

/** The image's locked versions up to the one the base deployed: what the stack may still hold, retained. */
function versionsHeld(before: Snapshot): string[] | undefined {
    const name = before.outputs.imageName;
    const current = before.outputs.imageVersion;
    if (typeof name !== "string" || typeof current !== "string") return undefined;
    try {
        return lockedVersionsOf(name).filter(version => compareVersions(version, current) <= 0);
    } catch {
        return undefined;
    }
}

/** A ref whose program failed, or older than the URNs in tools/engine/mockRun.ts, is no state to compare with. */
function checkComparable(before: Snapshot, ref: string): void {
    if (before.error) throw new GitRefError(`the program at ${ref} did not run (${before.error.message.split("\n")[0]}): compare with another ref`);
    if (before.resources.length > 0 && before.resources.some(resource => typeof resource.urn !== "string")) {
        throw new GitRefError(
            `the program at ${ref} predates resource URNs in tools/engine/mockRun.ts, so its resources cannot be matched: compare with a later ref`,
        );
    }
}
