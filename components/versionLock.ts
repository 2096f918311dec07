// What each image version is made of, committed in image-versions.lock.json. Image Builder components
// and recipes are immutable per name and version: changing what goes into one without a new version
// fails on AWS (ResourceAlreadyExistsException) halfway through an update. The lock turns that into a
// refusal before any resource is declared, naming what changed.
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { GoldenAmiConfig, ImageConfig } from "./config";
import { BuildOrigin, COMPONENT_DOCUMENTS, readComponentDocument, RECIPE_SETTINGS } from "./GoldenImage";

export const VERSION_LOCK_FILE = "image-versions.lock.json";
/** Offline what-if runs (tools/engine/mockRun.ts) may point at another lock; the Pulumi CLI always reads the committed one. */
const LOCK_PATH_VARIABLE = "GOLDEN_AMI_VERSION_LOCK";
const lockPath = () => process.env[LOCK_PATH_VARIABLE] ?? path.resolve(__dirname, "..", VERSION_LOCK_FILE);

/** The recipe's inputs that Image Builder cannot change in place, as the lock records them. */
export interface RecipeInputs {
    platform: string;
    baseImage: string;
    rootVolumeGiB: number;
    rootDeviceName: string;
    settings: typeof RECIPE_SETTINGS;
    /** sha256 of each component document. */
    documents: Record<string, string>;
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

export function recipeInputs(image: ImageConfig): RecipeInputs {
    return {
        platform: image.platform,
        baseImage: image.baseImage,
        rootVolumeGiB: image.rootVolumeGiB,
        rootDeviceName: image.rootDeviceName,
        settings: RECIPE_SETTINGS,
        documents: Object.fromEntries(COMPONENT_DOCUMENTS.map(document =>
            [document, crypto.createHash("sha256").update(readComponentDocument(document)).digest("hex")])),
    };
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
    const sorted = Object.fromEntries(Object.keys(lock).sort().map(key => [key, lock[key]]));
    fs.writeFileSync(file, `${JSON.stringify(sorted, null, 2)}\n`);
}

/**
 * The locked entry of the version the stack builds, or the problems that stop the build: the version is
 * not locked yet, or what it is made of changed since it was locked.
 */
export function checkLockedVersion(image: ImageConfig, stack: string, lock: VersionLock): { locked?: LockedVersion; problems: string[] } {
    const key = lockKey(image);
    const locked = lock[key];
    const lockCommand = `npm run lock -- --stack ${stack}`;
    if (!locked) {
        return { problems: [`golden-ami:image.version ${image.version} of ${image.name} is not in ${VERSION_LOCK_FILE}: run \`${lockCommand}\` and commit the file (it records what the version is made of)`] };
    }
    const changed = differences(locked.recipe as unknown as Record<string, unknown>, recipeInputs(image) as unknown as Record<string, unknown>);
    if (changed.length > 0) {
        return { problems: [`${changed.map(describeInput).join(", ")} changed since ${image.name} ${image.version} was built from it, and Image Builder versions are immutable: ` +
            `bump golden-ami:image.version and run \`${lockCommand}\` (or undo the change)`] };
    }
    return { locked, problems: [] };
}

function describeInput(inputPath: string): string {
    if (inputPath.startsWith("documents.")) return `components/documents/${inputPath.slice("documents.".length)}.yaml`;
    if (inputPath.startsWith("settings.")) return `the recipe's ${inputPath.slice("settings.".length)} (RECIPE_SETTINGS in components/GoldenImage.ts)`;
    return `golden-ami:image.${inputPath}`;
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

/** The building stack's locked origin of its version; bad or missing lock entries end the program cleanly. */
export function lockedBuild(config: Pick<GoldenAmiConfig, "image" | "stack">, lock: VersionLock = readVersionLock()): BuildOrigin {
    const { locked, problems } = checkLockedVersion(config.image, config.stack, lock);
    if (!locked) throw new pulumi.RunError(`Invalid stack configuration:\n${problems.map(problem => `  - ${problem}`).join("\n")}`);
    return { baseImageId: locked.baseImageId, commit: locked.commit };
}
