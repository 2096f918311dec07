// What each image version is made of, committed in image-versions.lock.json. Image Builder components
// and recipes are immutable per name and version: changing what goes into one without a new version
// fails on AWS (ResourceAlreadyExistsException) halfway through an update. The lock turns that into a
// refusal before any resource is declared, naming what changed.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { GoldenAmiConfig, ImageConfig, recipeSteps, StepConfig } from "./config";
import { BuildOrigin, recipeSettings, RecipeSettings } from "./GoldenImage";
import { compareVersions } from "./versions";
import { PLATFORM_DEFAULTS } from "./platforms";

export const VERSION_LOCK_FILE = "image-versions.lock.json";
/** Offline what-if runs (tools/engine/mockRun.ts) may point at another lock; the Pulumi CLI always reads the committed one. */
const LOCK_PATH_VARIABLE = "GOLDEN_AMI_VERSION_LOCK";
const lockPath = () => process.env[LOCK_PATH_VARIABLE] ?? path.resolve(__dirname, "..", VERSION_LOCK_FILE);

/** The recipe's inputs that Image Builder cannot change in place, as the lock records them. */
export interface RecipeInputs {
    platform: string;
    architecture: string;
    baseImage: string;
    /** A layered image's parent (`<name>@<version>`): a new parent version needs a new version of the child. */
    parentImage?: string;
    rootVolumeGiB: number;
    rootDeviceName: string;
    settings: RecipeSettings;
    /** Windows: the services the boot test expects (recipe parameters are immutable with the recipe). */
    expectedServices?: string[];
    /**
     * The recipe's components in order: `<document path> sha256:<digest>` for a document of the repository,
     * `aws:<name>@<version>` for an AWS-managed component.
     */
    steps: string[];
}

export interface LockedVersion {
    recipe: RecipeInputs;
    /** The AMI `baseImage` resolved to when the version was locked: the recipe builds on exactly it. */
    baseImageId?: string;
    /** When and from which commit the version was locked (recorded on the AMI). */
    lockedAt: string;
    commit?: string;
}

export type VersionLock = Record<string, LockedVersion>;

export { LOCK_PATH_VARIABLE };

export function lockKey(image: Pick<ImageConfig, "name" | "version">): string {
    return `${image.name}@${image.version}`;
}

export function recipeInputs(image: ImageConfig, parent?: Pick<ImageConfig, "name" | "version">): RecipeInputs {
    return {
        platform: PLATFORM_DEFAULTS[image.platform].imageBuilderPlatform,
        architecture: image.architecture,
        baseImage: image.baseImage,
        ...(parent && { parentImage: lockKey(parent) }),
        rootVolumeGiB: image.rootVolumeGiB,
        rootDeviceName: image.rootDeviceName,
        settings: recipeSettings(image.platform),
        steps: recipeSteps(image).map(lockedStep),
        ...(image.expectedServices && { expectedServices: image.expectedServices }),
    };
}

/** How the lock records a step: a document by path and content digest, a managed component by name and version. */
export function lockedStep(step: StepConfig): string {
    return step.kind === "document"
        ? `${step.path} sha256:${crypto.createHash("sha256").update(step.content).digest("hex")}`
        : `aws:${step.name}@${step.version}`;
}

/** The catalog image a layered image is built on. */
export function parentOf(image: ImageConfig, images: ImageConfig[]): ImageConfig | undefined {
    return image.parentImage === undefined ? undefined : images.find(candidate => candidate.name === image.parentImage);
}

export function readVersionLock(file: string = lockPath()): VersionLock {
    if (!fs.existsSync(file)) return {};
    try {
        return JSON.parse(fs.readFileSync(file, "utf8")) as VersionLock;
    } catch (error) {
        throw new Error(`${VERSION_LOCK_FILE} is not valid JSON (${error instanceof Error ? error.message : error}); restore it from git`);
    }
}

export function writeVersionLock(lock: VersionLock, file: string = lockPath()): void {
    const sorted = Object.fromEntries(
        Object.keys(lock)
            .sort()
            .map(key => [key, lock[key]]),
    );
    fs.writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
}

/**
 * The locked entry of the version the stack builds, or the problems that stop the build: the version is
 * not locked yet, or what it is made of changed since it was locked.
 */
export function checkLockedVersion(image: ImageConfig, stack: string, lock: VersionLock, parent?: ImageConfig): { locked?: LockedVersion; problems: string[] } {
    const key = lockKey(image);
    const locked = lock[key];
    const lockCommand = `npm run lock -- --stack ${stack} --image ${image.name}`;
    if (!locked) {
        return {
            problems: [
                `golden-ami:images.${image.name}.version ${image.version} is not in ${VERSION_LOCK_FILE}: run \`${lockCommand}\` and commit the file (it records what the version is made of)`,
            ],
        };
    }
    const now = recipeInputs(image, parent);
    const changed = differences(locked.recipe as unknown as Record<string, unknown>, now as unknown as Record<string, unknown>);
    if (changed.length > 0) {
        return {
            problems: [
                `${changed.map(inputPath => describeInput(image, inputPath, locked.recipe, now)).join(", ")} changed since ${image.name} ${image.version} was locked, and Image Builder versions are immutable: ` +
                    `bump golden-ami:images.${image.name}.version and run \`${lockCommand}\` (or \`${lockCommand} --bump patch\`, or undo the change)`,
            ],
        };
    }
    return { locked, problems: [] };
}

function describeInput(image: ImageConfig, inputPath: string, before: RecipeInputs, after: RecipeInputs): string {
    const key = `golden-ami:images.${image.name}`;
    if (inputPath === "steps") {
        const removed = (before.steps ?? []).filter(step => !after.steps.includes(step)).map(step => step.split(" ")[0]);
        const added = after.steps.filter(step => !(before.steps ?? []).includes(step)).map(step => step.split(" ")[0]);
        const moved = removed.length === 0 && added.length === 0 ? " (their order)" : "";
        return `the build and test steps${moved}${added.length ? ` (now: ${added.join(", ")})` : ""}${removed.length ? ` (before: ${removed.join(", ")})` : ""}`;
    }
    if (inputPath === "parentImage")
        return `the parent image (${before.parentImage ?? "none"} → ${after.parentImage ?? "none"}: a new parent version rebuilds its children)`;
    if (inputPath.startsWith("settings.")) return `the recipe's ${inputPath.slice("settings.".length)} (recipeSettings in components/GoldenImage.ts)`;
    return `${key}.${inputPath}`;
}

/** Dotted paths whose values differ, e.g. `documents.hygiene`, `rootVolumeGiB`. */
function differences(before: Record<string, unknown>, after: Record<string, unknown>, prefix = ""): string[] {
    const keys = [...new Set([...Object.keys(before ?? {}), ...Object.keys(after)])].sort();
    return keys.flatMap(key => {
        const [old, now] = [before?.[key], after[key]];
        if (isObject(old) && isObject(now)) return differences(old, now, `${prefix}${key}.`);
        return JSON.stringify(old) === JSON.stringify(now) ? [] : [`${prefix}${key}`];
    });
}

function isObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Every version of an image the lock holds, newest first. */
export function lockedVersionsOf(image: string, lock: VersionLock = readVersionLock()): string[] {
    return Object.keys(lock)
        .filter(key => key.startsWith(`${image}@`))
        .map(key => key.slice(image.length + 1))
        .sort((left, right) => compareVersions(right, left));
}

/** The building stack's locked origin of each image's version; bad or missing lock entries of any image end the program cleanly, all listed. */
export function lockedBuilds(config: Pick<GoldenAmiConfig, "images" | "stack">, lock: VersionLock = readVersionLock()): Map<string, BuildOrigin> {
    const origins = new Map<string, BuildOrigin>();
    const problems: string[] = [];
    for (const image of config.images) {
        const checked = checkLockedVersion(image, config.stack, lock, parentOf(image, config.images));
        problems.push(...checked.problems);
        if (checked.locked) origins.set(image.name, { baseImageId: checked.locked.baseImageId, commit: checked.locked.commit });
    }
    if (problems.length > 0) throw new pulumi.RunError(`Invalid stack configuration:\n${problems.map(problem => `  - ${problem}`).join("\n")}`);
    return origins;
}
