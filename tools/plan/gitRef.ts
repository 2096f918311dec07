// The other side of `plan --diff`: a commit checked out read-only in a temporary, detached git
// worktree that borrows this checkout's node_modules.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { REPO_ROOT } from "../engine/stackFile";

/** git could not give us the ref: the message says what to pass or fetch instead. */
export class GitRefError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "GitRefError";
    }
}

function git(args: string[], cwd = REPO_ROOT): string {
    return execFileSync("git", args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
}

function tryGit(args: string[], cwd = REPO_ROOT): string | undefined {
    try {
        return git(args, cwd);
    } catch {
        return undefined;
    }
}

/** The commit a ref names, or a GitRefError that says how to make it resolvable. */
export function resolveCommit(ref: string): string {
    const commit = tryGit(["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]);
    if (!commit) {
        throw new GitRefError(
            `"${ref}" is not a commit in this repository: pass a branch, tag or commit id to --diff ` +
                "(in CI, check out with fetch-depth: 0 so the base branch is there)",
        );
    }
    return commit;
}

/** Where a pull request starts: the merge base of HEAD with main (or origin/main, as CI has it). */
export function defaultBase(root: string = REPO_ROOT): { ref: string; commit: string } {
    const present: string[] = [];
    for (const branch of ["main", "origin/main"]) {
        if (!tryGit(["rev-parse", "--verify", "--quiet", `${branch}^{commit}`], root)) continue;
        present.push(branch);
        const commit = tryGit(["merge-base", "HEAD", branch], root);
        if (commit) return { ref: `merge-base(HEAD, ${branch})`, commit };
    }
    if (present.length > 0) {
        // A shallow clone (CI's default fetch-depth: 1) holds the tips, not the history that joins them.
        const shallow = tryGit(["rev-parse", "--is-shallow-repository"], root) === "true";
        throw new GitRefError(
            `no merge base with ${present[present.length - 1]}: ` +
                (shallow
                    ? "fetch more history (git fetch --deepen=50, or git fetch --unshallow; in CI, check out with fetch-depth: 0)"
                    : "HEAD and main share no commit; pass --diff <git-ref> to compare with another commit"),
        );
    }
    throw new GitRefError("no branch main or origin/main to compare with: pass --diff <git-ref> " + "(in CI, check out with fetch-depth: 0)");
}

/** The committer time of HEAD, ISO 8601 in UTC: the default clock of a reproducible plan. */
export function headCommitTime(): string {
    const seconds = Number(tryGit(["log", "-1", "--format=%ct", "HEAD"]));
    if (!Number.isFinite(seconds) || seconds <= 0) throw new GitRefError("HEAD has no commit yet: pass --now <time>");
    return new Date(seconds * 1000).toISOString();
}

/** HEAD's commit time, or undefined outside a git checkout (the mocks' own fixed clock then applies). */
export function defaultClock(): string | undefined {
    try {
        return headCommitTime();
    } catch {
        return undefined;
    }
}

export function shortCommit(commit: string): string {
    return commit.slice(0, 12);
}

/**
 * Checks `commit` out in a fresh temporary directory as a detached worktree, runs `use` on it, and
 * removes the worktree again whatever happens.
 */
export async function withWorktree<T>(commit: string, use: (root: string) => Promise<T>): Promise<T> {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-plan-"));
    try {
        git(["worktree", "add", "--detach", "--quiet", root, commit]);
    } catch (error) {
        fs.rmSync(root, { recursive: true, force: true });
        const detail = (error as { stderr?: string }).stderr?.trim() || String(error);
        throw new GitRefError(`could not check out ${shortCommit(commit)} in a temporary worktree: ${detail}`);
    }
    try {
        fs.symlinkSync(path.join(REPO_ROOT, "node_modules"), path.join(root, "node_modules"), "dir");
        return await use(root);
    } finally {
        tryGit(["worktree", "remove", "--force", root]);
        fs.rmSync(root, { recursive: true, force: true });
        tryGit(["worktree", "prune"]);
    }
}
