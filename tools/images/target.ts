// What a command works on: the stack's values (through the same validation the program uses),
// overridden by flags. Nothing here calls AWS.
import { Region } from "@pulumi/aws/types/enums";
import { ConfigError, GoldenAmiConfig, LIFECYCLE_DEFAULTS, parseStackConfig, SharingConfig, StackImage, stackImage } from "../../components/config";
import { readStackConfig } from "../engine/stackFile";
import { DEFAULT_REQUIRED_TAGS } from "./decisions/drift";
import { recipeNameOf } from "./aws/imageBuilds";
import { CliOptions, UsageError } from "./options";
import type { WatchTarget } from "./aws/buildProgress";

export interface ImageTarget {
    stack?: string;
    /** Image family: AMI names start with `<name>-`, and the program tags `Name=<name>`. */
    name: string;
    /** The stack's image.version: verify checks it, prune always keeps it. */
    version?: string;
    /** The home region first when read from the stack. */
    regions: string[];
    /** Where `regions` came from: `--regions`, or the stack's `golden-ami:regions`. */
    regionsFrom: "flag" | "stack";
    /**
     * The stack's `golden-ami:regions`, home region first. A region outside them can still hold the stack's
     * images: copies are kept (retainOnDelete) when a region is dropped from the config.
     */
    stackRegions?: string[];
    /** The stack's aws:region, where a building stack builds. */
    homeRegion?: string;
    /** The stack's sharing; verify needs it. */
    sharing?: SharingConfig;
    keep: number;
    /** The stack's lifecycle.deleteAfterDays: prune --include-image-builder keeps younger builds. */
    deleteAfterDays: number;
    launchedWithinDays: number;
    requiredTags: string[];
    ssmPaths: string[];
}

/**
 * `unpinned`: a promoting stack nothing was promoted into yet may lack `promoteFrom.amiId`, and one whose
 * pin is malformed (`amiId: ami-123`, a number) may be repinned: promote overwrites the pin either way.
 */
export type StackLoader = (stack: string, options?: { unpinned?: boolean }) => GoldenAmiConfig;

export const loadStackFile: StackLoader = (stack, options) => parseStackFile(stack, undefined, options);

/** Stands in for `promoteFrom.amiId` in a promoting stack nothing was promoted into yet, so its first promotion can pin one. */
export const NOT_YET_PINNED = "ami-00000000";

/** Reads and validates Pulumi.<stack>.yaml under `root` (default: this repository). */
export function parseStackFile(stack: string, root?: string, options?: { unpinned?: boolean }): GoldenAmiConfig {
    const raw = readStackConfig(stack, root);
    const promoteFrom = raw.promoteFrom;
    if (!options?.unpinned || typeof promoteFrom !== "object" || promoteFrom === null || "amiId" in promoteFrom) return parseStackConfig(raw, stack);
    // Images nothing was promoted into yet: a placeholder pin, which the promotion replaces.
    const images = typeof raw.images === "object" && raw.images !== null ? Object.keys(raw.images) : [];
    const given = (promoteFrom as { amiIds?: unknown }).amiIds;
    const amiIds = {
        ...Object.fromEntries(images.map(name => [name, NOT_YET_PINNED])),
        ...(typeof given === "object" && given !== null ? Object.fromEntries(Object.entries(given).filter(([, amiId]) => isAmiId(amiId))) : {}),
    };
    return parseStackConfig({ ...raw, promoteFrom: { ...promoteFrom, amiIds } }, stack);
}

const KNOWN_REGIONS = new Set<string>(Object.values(Region));

/** The AMI id form the config accepts; anything else in a pin is one promote may overwrite. */
function isAmiId(value: unknown): boolean {
    return typeof value === "string" && /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/.test(value);
}

export function resolveTarget(options: CliOptions, loadStack: StackLoader = loadStackFile): ImageTarget {
    const config = options.stack === undefined ? undefined : readStack(options.stack, loadStack, options.image);
    if (options.command === "revoke" && config === undefined) {
        throw new UsageError("revoke reconciles the stack's images with its golden-ami:sharing: pass --stack <name>");
    }
    const name = options.name ?? config?.image.name;
    const regions = options.regions ?? config?.regions;
    if (name === undefined || regions === undefined) {
        throw new UsageError(`${options.command} needs the image name and regions: pass --stack <name>, or --name <image> and --regions <a,b>`);
    }
    if (options.command === "verify" && config === undefined) {
        throw new UsageError("verify compares AWS with a stack's configuration: pass --stack <name>");
    }
    checkRegions(regions);
    return {
        stack: options.stack,
        name,
        version: config?.image.version,
        regions: [...new Set(regions)],
        regionsFrom: options.regions === undefined ? "stack" : "flag",
        ...(config && { stackRegions: [...new Set(config.regions)] }),
        homeRegion: config?.homeRegion,
        sharing: config?.sharing,
        keep: options.keep ?? config?.lifecycle.keepAtLeast ?? LIFECYCLE_DEFAULTS.keepAtLeast,
        deleteAfterDays: config?.lifecycle.deleteAfterDays ?? LIFECYCLE_DEFAULTS.deleteAfterDays,
        launchedWithinDays: options.launchedWithin ?? config?.lifecycle.keepIfLaunchedWithinDays ?? LIFECYCLE_DEFAULTS.keepIfLaunchedWithinDays,
        requiredTags: options.requireTags ?? DEFAULT_REQUIRED_TAGS,
        ssmPaths: options.ssmPath ?? [],
    };
}

/** The stack's image the command works on (`--image`, which a stack of several images needs). */
function readStack(stack: string, loadStack: StackLoader, image: string | undefined, options?: { unpinned?: boolean }): StackImage {
    try {
        return stackImage(loadStack(stack, options), image);
    } catch (error) {
        if (error instanceof ConfigError && error.problems.length === 1) throw new UsageError(`--stack ${stack}: ${error.problems[0]}`);
        throw new UsageError(`--stack ${stack}: ${error instanceof Error ? error.message : String(error)}`);
    }
}

function checkRegions(regions: string[]): void {
    const unknown = regions.filter(region => !KNOWN_REGIONS.has(region));
    if (unknown.length > 0) {
        throw new UsageError(
            `--regions: ${unknown.map(region => `"${region}"`).join(", ")} ${unknown.length === 1 ? "is not an AWS region" : "are not AWS regions"}; expected names like us-east-1 or eu-west-1`,
        );
    }
}

/** A building stack's build of one version: what gate and manifest read from Image Builder. */
export interface BuildTarget {
    stack: string;
    imageName: string;
    /** The Image Builder image: `<image.name>-<stack>`. */
    recipeName: string;
    version: string;
    /** The stack's home region, where Image Builder builds. */
    region: string;
    /** gate --pinned-by: judge the build of the AMI this promoting stack pins, not the version's first build. */
    pin?: { stack: string; amiId: string };
}

export function resolveBuildTarget(options: CliOptions, loadStack: StackLoader = loadStackFile): BuildTarget {
    if (options.stack === undefined) {
        throw new UsageError(`${options.command} reads a building stack's build: pass --stack <name> (e.g. --stack dev) and --version <x.y.z>`);
    }
    const config = readStack(options.stack, loadStack, options.image);
    if (config.promoteFrom !== undefined) {
        throw new UsageError(
            `${options.command}: stack ${options.stack} promotes (golden-ami:promoteFrom) and never builds; ` +
                `pass the building stack it promotes from, e.g. --stack dev` +
                (options.command === "manifest" ? `; promote writes ${options.stack}'s manifests to promotions/${options.stack}/` : ""),
        );
    }
    const pinned = options.pinnedBy === undefined ? undefined : readPin(options, config, loadStack);
    return {
        stack: options.stack,
        imageName: config.image.name,
        recipeName: recipeNameOf(config.image.name, options.stack),
        version: pinned?.version ?? options.version ?? config.image.version,
        region: config.homeRegion,
        ...(pinned && { pin: { stack: options.pinnedBy!, amiId: pinned.amiId } }),
    };
}

/** What the promoting stack named by --pinned-by pins: its image.version and promoteFrom.amiId, checked against the building stack. */
function readPin(options: CliOptions, building: StackImage, loadStack: StackLoader): { version: string; amiId: string } {
    const stack = options.pinnedBy!;
    const promoting = readStack(stack, loadStack, building.image.name);
    const promoteFrom = promoting.promoteFrom;
    const where = `--pinned-by ${stack}`;
    if (promoteFrom === undefined) throw new UsageError(`${where}: that stack has no golden-ami:promoteFrom; name the promoting stack (e.g. prod)`);
    if (promoting.image.name !== building.image.name) {
        throw new UsageError(`${where} holds ${promoting.image.name} but ${options.stack} builds ${building.image.name}`);
    }
    if (promoteFrom.region !== building.homeRegion) {
        throw new UsageError(`${where} promotes from ${promoteFrom.region}, but ${options.stack} builds in ${building.homeRegion}`);
    }
    if (options.version !== undefined && options.version !== promoting.image.version) {
        throw new UsageError(`${where} pins ${promoting.image.version}, not --version ${options.version}; leave --version out`);
    }
    return { version: promoting.image.version, amiId: promoteFrom.amiId };
}

/** Both stacks of a promotion, validated like the program validates them. */
export function loadPromotionStacks(options: CliOptions, loadStack: StackLoader = loadStackFile): { source: StackImage; target: StackImage } {
    const source = readStack(options.from!, loadStack, options.image);
    const target = readStack(options.stack!, loadStack, source.image.name, { unpinned: true });
    if (target.promoteFrom === undefined) {
        throw new UsageError(
            `stack ${options.stack} has no golden-ami:promoteFrom, so it builds its own image and cannot be promoted into; ` +
                `promote into a promoting stack (one with promoteFrom: { account, region, amiIds })`,
        );
    }
    if (source.promoteFrom !== undefined) {
        throw new UsageError(`--from ${options.from}: that stack promotes too (golden-ami:promoteFrom); promote from the stack that builds the image`);
    }
    if (source.image.name !== target.image.name) {
        throw new UsageError(
            `--from ${options.from} builds ${source.image.name} but ${options.stack} holds ${target.image.name}; ` +
                `the image must have the same name in both stack files' golden-ami:images`,
        );
    }
    return { source, target };
}

/** A promoting stack's config (one with golden-ami:promoteFrom), its pin allowed to be missing. */
export function loadPromotingStack(stack: string, loadStack: StackLoader = loadStackFile): GoldenAmiConfig {
    let config: GoldenAmiConfig;
    try {
        config = loadStack(stack, { unpinned: true });
    } catch (error) {
        if (error instanceof ConfigError && error.problems.length === 1) throw new UsageError(`--stack ${stack}: ${error.problems[0]}`);
        throw new UsageError(`--stack ${stack}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (config.promoteFrom === undefined) {
        throw new UsageError(`--stack ${stack} has no golden-ami:promoteFrom: gate --recorded judges a promoting stack's promotion (e.g. --stack prod)`);
    }
    return config;
}

/** What `images watch` follows: every image of a building stack, in its home region. */
export function watchTargetOf(stack: string, loadStack: StackLoader = loadStackFile): WatchTarget {
    let config: GoldenAmiConfig;
    try {
        config = loadStack(stack);
    } catch (error) {
        throw new UsageError(`--stack ${stack}: ${error instanceof Error ? error.message : String(error)}`);
    }
    if (config.promoteFrom !== undefined) {
        throw new UsageError(
            `watch: stack ${stack} promotes (golden-ami:promoteFrom) and never builds; watch the building stack it promotes from, e.g. --stack dev`,
        );
    }
    return {
        stack,
        region: config.homeRegion,
        images: config.images.map(image => ({ image: image.name, recipeName: recipeNameOf(image.name, stack), version: image.version })),
    };
}
