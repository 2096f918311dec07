// npm run lock -- --stack dev [--bump patch|minor|major] [--base-image-id ami-…]
// Records what the building stack's image version is made of in image-versions.lock.json (see
// components/versionLock.ts), bumping the version in the stack file first when asked. The base image's
// SSM parameter is resolved with the AWS SDK (read-only credentials of the building account) unless
// --base-image-id gives the AMI. A version that was built (an AMI carries it) is never rewritten with
// other contents; one that was never built may be locked again, so a wrong lock does not burn a version.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { paginateDescribeImages } from "@aws-sdk/client-ec2";
import { AwsCallError, collectPages } from "../images/aws/awsErrors";
import { clientFactory } from "../images/aws/clients";
import { parseDocument } from "yaml";
import { ConfigError, parseStackConfig, PROJECT, RawStackConfig, StackImage, stackImage } from "../../components/config";
import {
    checkLockedVersion,
    lockKey,
    LockedVersion,
    parentOf,
    readVersionLock,
    recipeInputs,
    VERSION_LOCK_FILE,
    VersionLock,
    writeVersionLock,
} from "../../components/versionLock";
import { readStackConfig, REPO_ROOT } from "../engine/stackFile";
import { defineCommand, ExitCode, flags, parseCommandLine, runMain, UsageError } from "../cli";
import { explainAwsError } from "../images/aws/awsErrors";

export type BumpPart = "patch" | "minor" | "major";

export interface LockOptions {
    stack: string;
    /** The catalog image to lock; required when the stack has more than one. */
    image?: string;
    bump?: BumpPart;
    baseImageId?: string;
}

export interface LockDependencies {
    /** Resolves an `ssm:/path` base image to an AMI id in the region. */
    resolveBaseImage: (parameterName: string, region: string) => Promise<string>;
    /** The AMIs of this account in the region built at the version (any state): a version with one is immutable. */
    builtImages: (imageName: string, version: string, stack: string, region: string) => Promise<string[]>;
    now: () => Date;
    commit: () => string | undefined;
    root: string;
}

/** Bad flags or a stack that cannot be locked: exit 2. */
export const LockUsageError = UsageError;

export const LOCK_FLAGS = {
    stack: flags.text("<stack>", "the building stack whose image.version to lock").required("the building stack whose image.version to lock"),
    image: flags.text("<name>", "the image of golden-ami:images to lock (required when the stack has more than one)"),
    bump: flags.oneOf("<part>", "first raise image.version in Pulumi.<stack>.yaml (comments are kept): patch, minor or major", [
        "patch",
        "minor",
        "major",
    ] as const),
    baseImageId: flags.value("<ami>", "the base image's AMI, instead of resolving image.baseImage's SSM parameter", (text, flag) => {
        if (!/^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(text)) throw new UsageError(`${flag} must be an AMI id like ami-0123456789abcdef0, got "${text}"`);
        return text;
    }),
    json: flags.boolean("print { key, version, written, entry } as JSON"),
};

export function parseLockOptions(argv: string[]): LockOptions | "help" {
    const parsed = parseCommandLine(lockCommandLine, argv);
    return parsed === "help" ? "help" : (parsed.values as unknown as LockOptions);
}

export function bumpVersion(version: string, part: BumpPart): string {
    const [major, minor, patch] = version.split(".").map(Number);
    return part === "major" ? `${major + 1}.0.0` : part === "minor" ? `${major}.${minor + 1}.0` : `${major}.${minor}.${patch + 1}`;
}

/**
 * Locks the stack's version (bumped first if asked); returns the key and entry written, or the entry already there.
 * All or nothing: the bump is worked out in memory, the base image resolved, and only then are the lock file and
 * the stack file written (each through a temporary file and a rename). A failure before that (no credentials,
 * no answer from SSM, a lock conflict) leaves both files as they were.
 */
export async function lockVersion(
    options: LockOptions,
    deps: LockDependencies,
): Promise<{ key: string; entry: LockedVersion; written: boolean; version: string }> {
    const raw = readStackConfig(options.stack, deps.root);
    let config = configOf(options.stack, raw, options.image);
    let bumpedStackFile: string | undefined;
    if (options.bump) {
        const version = bumpVersion(config.image.version, options.bump);
        const images = raw.images as Record<string, object>;
        config = configOf(options.stack, { ...raw, images: { ...images, [config.image.name]: { ...images[config.image.name], version } } }, config.image.name);
        bumpedStackFile = withImageVersion(options.stack, config.image.name, version, deps.root);
    }
    const lockFile = path.join(deps.root, VERSION_LOCK_FILE);
    const lock: VersionLock = readVersionLock(lockFile);
    const key = lockKey(config.image);
    const existing = lock[key];
    if (existing) {
        const { problems } = checkLockedVersion(config.image, options.stack, lock, parentOf(config.image, config.images));
        const otherBase = options.baseImageId !== undefined && existing.baseImageId !== undefined && options.baseImageId !== existing.baseImageId;
        if (otherBase) problems.push(`the base image was locked as ${existing.baseImageId}, --base-image-id is ${options.baseImageId}`);
        if (problems.length === 0) {
            if (bumpedStackFile !== undefined) replaceFile(stackFilePath(options.stack, deps.root), bumpedStackFile);
            return { key, entry: existing, written: false, version: config.image.version };
        }
        const built = await deps.builtImages(config.image.name, config.image.version, options.stack, config.homeRegion);
        if (built.length > 0) {
            throw new LockUsageError(
                `${key} is locked already with other contents: ${problems.join("; ")}. ` +
                    `It was built (${built.join(", ")}), so its lock is final: bump the version (--bump patch)`,
            );
        }
        // Never built: no AMI carries the version, so the lock may still change.
    }
    const entry: LockedVersion = {
        recipe: recipeInputs(config.image, parentOf(config.image, config.images)),
        // A layered image builds on its parent's build, whatever AMI that is.
        ...(config.image.parentImage === undefined && { baseImageId: options.baseImageId ?? (await baseImageIdOf(config, deps)) }),
        lockedAt: deps
            .now()
            .toISOString()
            .replace(/\.\d{3}Z$/, "Z"),
        ...(deps.commit() && { commit: deps.commit() }),
    };
    writeVersionLock({ ...lock, [key]: entry }, `${lockFile}.tmp`);
    fs.renameSync(`${lockFile}.tmp`, lockFile);
    if (bumpedStackFile !== undefined) replaceFile(stackFilePath(options.stack, deps.root), bumpedStackFile);
    return { key, entry, written: true, version: config.image.version };
}

function configOf(stack: string, raw: RawStackConfig, image: string | undefined): StackImage {
    try {
        const config = parseStackConfig(raw, stack);
        // Said first: no --image makes a promoting stack lockable.
        if (config.promoteFrom) throw new LockUsageError(`stack ${stack} promotes (golden-ami:promoteFrom): only a building stack's versions are locked`);
        return stackImage(config, image);
    } catch (error) {
        if (error instanceof ConfigError && error.problems.length === 1 && image === undefined) throw new LockUsageError(error.problems[0]);
        throw error;
    }
}

function stackFilePath(stack: string, root: string): string {
    return path.join(root, `Pulumi.${stack}.yaml`);
}

/** Writes through a temporary file and a rename, so a reader never sees half a file. */
function replaceFile(file: string, contents: string): void {
    fs.writeFileSync(`${file}.tmp`, contents);
    fs.renameSync(`${file}.tmp`, file);
}

async function baseImageIdOf(config: StackImage, deps: LockDependencies): Promise<string> {
    const base = config.image.baseImage;
    return base.startsWith("ssm:") ? deps.resolveBaseImage(base.slice("ssm:".length), config.homeRegion) : base;
}

/** The stack file's text with golden-ami:images.<image>.version set, comments and layout kept; nothing is written. */
function withImageVersion(stack: string, image: string, version: string, root: string): string {
    const document = parseDocument(fs.readFileSync(stackFilePath(stack, root), "utf8"));
    document.setIn(["config", `${PROJECT}:images`, image, "version"], version);
    return document.toString();
}

const awsDependencies: LockDependencies = {
    resolveBaseImage: async (parameterName, region) => {
        const client = new SSMClient({ region, maxAttempts: 3 });
        const answer = await client.send(new GetParameterCommand({ Name: parameterName }), { abortSignal: AbortSignal.timeout(30_000) });
        const value = answer.Parameter?.Value;
        if (!value?.startsWith("ami-")) throw new Error(`SSM parameter ${parameterName} in ${region} holds no AMI id (got ${JSON.stringify(value)})`);
        return value;
    },
    builtImages: async (imageName, version, stack, region) => {
        const ec2 = clientFactory()(region).ec2;
        const prefix = `${imageName}-${version}-${stack}-`;
        const images = await collectPages(
            "ec2:DescribeImages",
            paginateDescribeImages({ client: ec2 }, { Owners: ["self"], IncludeDeprecated: true, Filters: [{ Name: "name", Values: [`${prefix}*`] }] }),
            page => page.Images,
        );
        // The build date right after the stack keeps `dev-review`'s images out of `dev`'s.
        return images.filter(image => /^\d{4}-\d{2}-\d{2}T/.test((image.Name ?? "").slice(prefix.length))).map(image => image.ImageId ?? "?");
    },
    now: () => new Date(),
    commit: () => {
        try {
            return execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim() || undefined;
        } catch {
            return undefined;
        }
    },
    root: REPO_ROOT,
};

/** `npm run lock`, declared once (tools/cli). */
export const lockCommandLine = defineCommand({
    name: "npm run lock --",
    summary: `Records what the stack's image.version is made of (component documents, base image and the AMI it resolves to now, root volume) in ${VERSION_LOCK_FILE}.`,
    description: "Commit the file with the stack file. A locked version is never rewritten with other contents.",
    footer:
        "Exit codes: 0 locked (or locked already), 1 the lock could not be written, 2 bad flags or a stack that cannot be locked,\n" +
        "            3 the base image's SSM parameter could not be read (credentials, permissions, network).",
    flags: LOCK_FLAGS,
    run: async (options, dependencies: LockDependencies, output) => {
        let result;
        try {
            result = await lockVersion(options, dependencies);
        } catch (error) {
            if (error instanceof AwsCallError) {
                output.stderr(`error: ${error.message}`);
                return ExitCode.unreachable;
            }
            if (error instanceof UsageError || !isAwsFailure(error)) throw error;
            output.stderr(`error: ${explainAwsError("ssm:GetParameter", error)}`);
            return ExitCode.unreachable;
        }
        const { key, entry, written } = result;
        if (options.json) {
            output.stdout(JSON.stringify({ key, version: result.version, written, entry }, null, 2));
            return ExitCode.ok;
        }
        output.stdout(
            written
                ? `locked ${key} on ${entry.baseImageId}`
                : `${key} is locked already (on ${entry.baseImageId ?? "the base image resolved at build"}); nothing to do`,
        );
        return ExitCode.ok;
    },
});

/** Errors of the SDK (they carry $metadata) or of the network, as opposed to files that could not be written. */
function isAwsFailure(error: unknown): boolean {
    return (
        typeof error === "object" &&
        error !== null &&
        ("$metadata" in error || (error as Error).name === "TimeoutError" || (error as Error).name === "CredentialsProviderError")
    );
}

if (require.main === module) {
    runMain(lockCommandLine, awsDependencies);
}
