import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { readVersionLock, VERSION_LOCK_FILE } from "../../../components/versionLock";
import { runCommandLine } from "../../../tools/cli";
import { bumpVersion, lockCommandLine, lockVersion, LockDependencies, LockUsageError, parseLockOptions } from "../../../tools/release/lock";
import { REPO_ROOT } from "../../../tools/engine/stackFile";
import { stackVersion } from "../../helpers";

/** A copy of the repository's stack files in a temporary folder, so the lock tool can edit them. */
function scratchRepository(): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-lock-"));
    for (const file of ["Pulumi.yaml", "Pulumi.dev.yaml", "Pulumi.prod.yaml"]) fs.copyFileSync(path.join(REPO_ROOT, file), path.join(root, file));
    return root;
}

function dependencies(root: string, resolved: string[] = [], built: string[] = []): LockDependencies {
    return {
        resolveBaseImage: async (parameter, region) => {
            resolved.push(`${region} ${parameter}`);
            return "ami-0abcdef1234567890";
        },
        builtImages: async () => built,
        now: () => new Date("2026-12-07T06:00:00.123Z"),
        commit: () => "feedc0de",
        root,
    };
}

describe("npm run lock", () => {
    it("bumps the version in the stack file, keeping its comments, and locks it on the base AMI resolved now", async () => {
        const root = scratchRepository();
        const resolved: string[] = [];
        const before = fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8");
        const version = /version: (\S+)/.exec(before)![1];
        const result = await lockVersion({ stack: "dev", image: "al2023-base", bump: "patch" }, dependencies(root, resolved));
        const after = fs.readFileSync(path.join(root, "Pulumi.dev.yaml"), "utf8");
        assert.strictEqual(result.version, bumpVersion(version, "patch"));
        assert.ok(after.includes(`version: ${result.version}`), "the stack file has the new version");
        assert.deepStrictEqual(
            after.split("\n").filter(line => !before.split("\n").includes(line)),
            [`      version: ${result.version}`],
            "only that image's version changes",
        );
        assert.deepStrictEqual(
            before.split("\n").filter(line => line.trim().startsWith("#")),
            after.split("\n").filter(line => line.trim().startsWith("#")),
            "comments are kept",
        );
        assert.deepStrictEqual(resolved, ["us-east-1 /aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64"]);
        const entry = readVersionLock(path.join(root, VERSION_LOCK_FILE))[`al2023-base@${result.version}`];
        assert.strictEqual(entry.baseImageId, "ami-0abcdef1234567890");
        assert.strictEqual(entry.commit, "feedc0de");
        assert.strictEqual(entry.lockedAt, "2026-12-07T06:00:00Z");
    });

    it("--bump is all or nothing: when the base image cannot be resolved (no credentials), neither the stack file nor the lock changes", async () => {
        const root = scratchRepository();
        fs.copyFileSync(path.join(REPO_ROOT, VERSION_LOCK_FILE), path.join(root, VERSION_LOCK_FILE));
        const files = ["Pulumi.dev.yaml", VERSION_LOCK_FILE];
        const before = files.map(file => fs.readFileSync(path.join(root, file), "utf8"));
        const noCredentials: LockDependencies = {
            ...dependencies(root),
            resolveBaseImage: async () => {
                throw new Error("Could not load credentials from any providers");
            },
        };
        await assert.rejects(lockVersion({ stack: "dev", image: "al2023-base", bump: "minor" }, noCredentials), /Could not load credentials/);
        assert.deepStrictEqual(
            files.map(file => fs.readFileSync(path.join(root, file), "utf8")),
            before,
        );
        assert.deepStrictEqual(
            fs.readdirSync(root).filter(file => file.endsWith(".tmp")),
            [],
            "no temporary file is left behind",
        );
    });

    it("never rewrites the lock of a version that was built (an AMI carries it) with other contents", async () => {
        const root = scratchRepository();
        await lockVersion({ stack: "dev", image: "al2023-base" }, dependencies(root));
        const lockFile = path.join(root, VERSION_LOCK_FILE);
        const lock = readVersionLock(lockFile);
        const key = `al2023-base@${stackVersion("dev", "al2023-base")}`;
        lock[key].recipe.rootVolumeGiB = 8;
        fs.writeFileSync(lockFile, JSON.stringify(lock));
        await assert.rejects(
            lockVersion({ stack: "dev", image: "al2023-base" }, dependencies(root, [], ["ami-0000000000000a412"])),
            (error: Error) =>
                error instanceof LockUsageError &&
                /is locked already with other contents: golden-ami:images\.al2023-base\.rootVolumeGiB changed.*It was built \(ami-0000000000000a412\), so its lock is final: bump the version/.test(
                    error.message,
                ),
        );
        assert.strictEqual(readVersionLock(lockFile)[key].recipe.rootVolumeGiB, 8, "the lock file is left as it was");
    });

    it("locks a version that was never built again, so a wrong lock does not burn a version number", async () => {
        const root = scratchRepository();
        await lockVersion({ stack: "dev", image: "al2023-base", baseImageId: "ami-0000000000000bad0" }, dependencies(root));
        const lockFile = path.join(root, VERSION_LOCK_FILE);
        const key = Object.keys(readVersionLock(lockFile)).find(candidate => candidate.startsWith("al2023-base@"))!;
        const wrong = readVersionLock(lockFile);
        wrong[key].recipe.rootVolumeGiB = 8;
        fs.writeFileSync(lockFile, JSON.stringify(wrong));
        const relocked = await lockVersion({ stack: "dev", image: "al2023-base", baseImageId: "ami-0abcdef1234567890" }, dependencies(root));
        assert.strictEqual(relocked.written, true);
        const entry = readVersionLock(lockFile)[key];
        assert.deepStrictEqual([entry.baseImageId, entry.recipe.rootVolumeGiB], ["ami-0abcdef1234567890", 20]);
    });

    it("asks which image when the stack has several, naming them", async () => {
        await assert.rejects(
            lockVersion({ stack: "dev" }, dependencies(scratchRepository())),
            (error: Error) =>
                error instanceof LockUsageError &&
                /stack dev has 3 images \(al2023-base, al2023-base-arm64, windows-2022\): pass --image <name>/.test(error.message),
        );
    });

    it("locks only building stacks and refuses bad flags", async () => {
        await assert.rejects(
            lockVersion({ stack: "prod", image: "al2023-base" }, dependencies(scratchRepository())),
            /only a building stack's versions are locked/,
        );
        assert.throws(() => parseLockOptions(["--stack", "dev", "--bump", "tiny"]), /--bump must be one of patch, minor, major, got "tiny"/);
        assert.throws(() => parseLockOptions(["--stack", "dev", "--base-image-id", "amazon-linux"]), /--base-image-id must be an AMI id/);
        assert.throws(() => parseLockOptions(["--stak", "dev"]), LockUsageError);
        assert.throws(() => parseLockOptions([]), /--stack is required/);
    });

    it("prints what it locked as JSON with --json, and says a stack that promotes cannot be locked with exit 2", async () => {
        const root = scratchRepository();
        const out: string[] = [];
        const err: string[] = [];
        const output = { stdout: (text: string) => out.push(text), stderr: (text: string) => err.push(text) };
        assert.strictEqual(
            await runCommandLine(lockCommandLine, ["--stack", "dev", "--image", "al2023-base", "--json"], output, dependencies(root)),
            0,
            err.join("\n"),
        );
        const printed = JSON.parse(out.join("\n"));
        assert.deepStrictEqual([printed.written, printed.entry.baseImageId], [true, "ami-0abcdef1234567890"]);
        assert.match(printed.key, /^al2023-base@\d+\.\d+\.\d+$/);
        assert.strictEqual(await runCommandLine(lockCommandLine, ["--stack", "prod"], output, dependencies(root)), 2);
        assert.match(err.join("\n"), /^error: stack prod promotes \(golden-ami:promoteFrom\): only a building stack's versions are locked$/m);
    });

    it("bumps semantic versions by part", () => {
        assert.deepStrictEqual(
            ["patch", "minor", "major"].map(part => bumpVersion("1.4.9", part as "patch")),
            ["1.4.10", "1.5.0", "2.0.0"],
        );
    });
});
