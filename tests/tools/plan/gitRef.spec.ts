import * as assert from "assert";
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { defaultBase, GitRefError } from "../../../tools/plan/gitRef";

function git(cwd: string, ...args: string[]): string {
    return execFileSync("git", ["-c", "user.name=t", "-c", "user.email=t@example.com", "-c", "init.defaultBranch=main", ...args], {
        cwd,
        encoding: "utf8",
        stdio: ["ignore", "pipe", "pipe"],
    }).trim();
}

function commit(cwd: string, file: string): void {
    fs.writeFileSync(path.join(cwd, file), file);
    git(cwd, "add", file);
    git(cwd, "commit", "-q", "-m", file);
}

describe("plan --diff: the base to compare with", () => {
    let scratch: string;
    before(() => {
        scratch = fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-gitref-"));
        const origin = path.join(scratch, "origin");
        fs.mkdirSync(origin);
        git(origin, "init", "-q");
        commit(origin, "one");
        git(origin, "checkout", "-q", "-b", "feature");
        commit(origin, "two");
        git(origin, "checkout", "-q", "main");
        commit(origin, "three");
    });
    after(() => fs.rmSync(scratch, { recursive: true, force: true }));

    it("is the merge base with main in a full clone", () => {
        const full = path.join(scratch, "full");
        git(scratch, "clone", "-q", "--no-local", path.join(scratch, "origin"), full);
        git(full, "checkout", "-q", "feature");
        const base = defaultBase(full);
        assert.strictEqual(base.commit, git(full, "rev-parse", "origin/main~1"));
        assert.strictEqual(base.ref, "merge-base(HEAD, main)");
    });

    it("in a shallow clone says there is no merge base and how to fetch the history", () => {
        const shallow = path.join(scratch, "shallow");
        git(scratch, "clone", "-q", "--depth", "1", "--no-single-branch", `file://${path.join(scratch, "origin")}`, shallow);
        git(shallow, "checkout", "-q", "feature");
        assert.throws(
            () => defaultBase(shallow),
            (error: Error) =>
                error instanceof GitRefError &&
                /^no merge base with origin\/main: fetch more history \(git fetch --deepen=50, or git fetch --unshallow/.test(error.message),
        );
    });
});
