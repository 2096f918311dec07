// The one place that reads and validates the stack's configuration.
// `parseStackConfig` is pure (tests, the plan and the images CLI call it with a stack file's values);
// `loadConfig` reads `pulumi.Config` and turns every problem into one clean error before any resource exists.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { Region } from "@pulumi/aws/types/enums";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { windowsDocumentProblems } from "./awstoe";
import { Architecture, ARCHITECTURES, architectureOf, exampleInstanceTypes, Platform, PLATFORM_DEFAULTS, PLATFORMS } from "./platforms";

export const PROJECT = "golden-ami";

/** Tags the program derives itself; the stack's `golden-ami:tags` may not set them. */
export const DERIVED_TAG_KEYS = ["Name", "Environment", "Version", "BaseImage", "ManagedBy"] as const;

/** Tags a build's AMI also carries: what the version was locked on (components/GoldenImage.ts `originTags`). */
export const ORIGIN_TAG_KEYS = ["BaseImageId", "SourceCommit"] as const;

const PROGRAM_TAG_KEYS: readonly string[] = [...DERIVED_TAG_KEYS, ...ORIGIN_TAG_KEYS];

/** Per-AMI sharing limits (EC2 quotas): beyond them, share with organizations or OUs instead. */
export const SHARING_LIMITS = { accounts: 50, organizationArns: 25, organizationalUnitArns: 25, promotingAccounts: 50 };

/** The project's config keys (`golden-ami:<key>`), and the fields each structured one may have. */
export const CONFIG_KEYS = ["images", "lifecycle", "regions", "sharing", "tags", "promoteFrom", "blockPublicSharing", "fleets", "build"] as const;

/** Keys of the `aws:` namespace a stack file may set (the provider's config); anything else is a typo. */
export const AWS_CONFIG_KEYS = [
    "region",
    "profile",
    "allowedAccountIds",
    "forbiddenAccountIds",
    "assumeRoles",
    "assumeRoleWithWebIdentity",
    "defaultTags",
    "ignoreTags",
    "endpoints",
    "maxRetries",
    "retryMode",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
    "skipCredentialsValidation",
    "skipMetadataApiCheck",
    "skipRegionValidation",
    "skipRequestingAccountId",
    "stsRegion",
    "useFipsEndpoint",
    "useDualstackEndpoint",
    "customCaBundle",
    "httpProxy",
    "httpsProxy",
    "noProxy",
    "insecure",
    "userAgents",
    "tokenBucketRateLimiterCapacity",
    "tagPolicyCompliance",
    "accessKey",
    "secretKey",
    "token",
] as const;

/** Image Builder renders `{{ imagebuilder:buildDate }}` as e.g. `2026-11-23T04-00-12.345Z`. */
const BUILD_DATE_LENGTH = "2026-11-23T04-00-12.345Z".length;
const MAX_AMI_NAME_LENGTH = 127;
const MAX_TAGS_PER_IMAGE = 50;

/** A build or test step: a document of the repository (read and locked like today's), or an AWS-managed component. */
export type StepConfig = { kind: "document"; path: string; content: string } | { kind: "managed"; name: string; version: string };

export interface ImageConfig {
    /** The catalog's key: Image Builder resource names, the AMI name and the SSM path start with it. */
    name: string;
    /** Semantic version (major.minor.patch) of recipe and components; bump it to build a new image. */
    version: string;
    platform: Platform;
    architecture: Architecture;
    /** `ssm:/...` parameter path, an AMI id, or `image:<name>` for another image of the catalog. */
    baseImage: string;
    /** Set when `baseImage` is `image:<name>`: the catalog image this one is built on. */
    parentImage?: string;
    /** Build and test instance types, all of the image's architecture. */
    instanceTypes: string[];
    rootVolumeGiB: number;
    /** The base image's root device (default the platform's: `/dev/xvda` on Linux). */
    rootDeviceName: string;
    /** The user's build steps in order; the hygiene step follows them (see `recipeSteps`). */
    buildSteps: StepConfig[];
    testSteps: StepConfig[];
    /** S3 prefixes (`s3://bucket/prefix/`) the build instances may read artifacts from. */
    artifacts: string[];
    /** Windows only: the services the boot test expects running; absent, the document's default list. */
    expectedServices?: string[];
    /** Windows only, building stacks: EC2 Fast Launch of the built AMI (pre-provisioned snapshots); absent, off. */
    fastLaunch?: FastLaunchConfig;
}

export interface FastLaunchConfig {
    /** Regions whose AMI gets Fast Launch: Image Builder enables it where it distributes, the home region. */
    regions: string[];
    /** Instances EC2 may run at once to make the snapshots: at least 6 (EC2's minimum), 40 per region by default quota. */
    maxParallelLaunches: number;
    /** Pre-provisioned snapshots kept ready; each is billed as snapshot storage. */
    targetResourceCount: number;
}

/** Fast Launch's defaults: EC2's minimum of parallel launches, and a few snapshots for a small group's launches. */
export const FAST_LAUNCH_DEFAULTS = { maxParallelLaunches: 6, targetResourceCount: 5 } as const;

export interface LifecycleConfig {
    /** Images (and copies) are deprecated this many days after they are made. */
    deprecateAfterDays: number;
    /** Image Builder deletes its images, with their snapshots, after this many days. */
    deleteAfterDays: number;
    /** ...but always keeps at least this many. */
    keepAtLeast: number;
    /** ...and never one launched within this many days. */
    keepIfLaunchedWithinDays: number;
}

export interface SharingConfig {
    /** Accounts that may launch the image. */
    accounts: string[];
    organizationArns: string[];
    organizationalUnitArns: string[];
    /** Accounts that copy the image into their own (promoting stacks): launch rights plus read access to its snapshots. */
    promotingAccounts: string[];
}

export interface PromoteFromConfig {
    /** The building account that owns the proven image. */
    account: string;
    /** The building stack's home region. */
    region: string;
    /** The exact AMI the building stack proved, per image, pinned by `npm run images -- promote --image <name>`. */
    amiIds: Record<string, string>;
    /** The building stack's name, when it is in this repository: its lifecycle then keeps the pinned AMI. */
    stack?: string;
}

/** Where Image Builder launches its build and test instances; absent means the account's default VPC. */
export interface BuildNetworkConfig {
    subnetId: string;
    /** Security groups for the instances; empty means the program makes one with no inbound rules. */
    securityGroupIds: string[];
}

export interface InstanceRefreshConfig {
    /** Share of the group that stays in service while instances are replaced. */
    minHealthyPercentage: number;
    /** Capacity the group may grow to while replacing: above 100, new instances launch before old ones terminate. */
    maxHealthyPercentage: number;
    /** Seconds a new instance gets before it counts as healthy capacity. */
    instanceWarmupSeconds: number;
    /** Pause points (ascending, ending at 100) where the refresh waits `checkpointDelaySeconds`. */
    checkpointPercentages: number[];
    checkpointDelaySeconds: number;
}

export interface FleetConfig {
    /** The fleet's key in `golden-ami:fleets`: its resources are named after it. */
    name: string;
    /** The catalog image the fleet runs. */
    image: string;
    /** Regions that run the fleet: every region holding the image unless the stack lists a subset. */
    regions: string[];
    /** The first is the launch template's; more than one makes a mixed instances group. */
    instanceTypes: string[];
    /** Mixed instances only: on-demand instances before any spot. */
    onDemandBaseCapacity: number;
    /** Mixed instances only: on-demand share above the base. */
    onDemandPercentageAboveBaseCapacity: number;
    minSize: number;
    maxSize: number;
    desiredCapacity: number;
    healthCheckType: "EC2" | "ELB";
    healthCheckGracePeriodSeconds: number;
    instanceRefresh: InstanceRefreshConfig;
    /** Containers on the instances reach the metadata service through one more hop. */
    containers: boolean;
    rootVolumeGiB: number;
    /** Repository path of the user data script, and its contents. */
    userDataFile: string;
    userData: string;
    /** Subnets per region; a fleet region without any gets a VPC of its own. */
    subnetIds: Record<string, string[]>;
    /** NAT gateways of the VPCs this program creates: one per VPC, or one per availability zone. */
    natGateways: "Single" | "OnePerAz";
    /** Address range of the VPCs this program creates (pick one that does not overlap networks you peer with). */
    vpcCidr: string;
}

export interface GoldenAmiConfig {
    stack: string;
    homeRegion: string;
    /** The catalog, in the stack file's order. */
    images: ImageConfig[];
    lifecycle: LifecycleConfig;
    /** Every region that holds the image, the home region first, each once. */
    regions: string[];
    sharing: SharingConfig;
    /** The organisation's tags from the stack (the derived ones are added by `imageTags`). */
    tags: Record<string, string>;
    /** Set on a promoting stack: it copies the image the building account made instead of building. */
    promoteFrom?: PromoteFromConfig;
    /** Keep `ImageBlockPublicAccess` on in every region (default true). */
    blockPublicSharing: boolean;
    /** Launch templates and Auto Scaling groups, each on one image of the catalog. */
    fleets: FleetConfig[];
    /** The building stack's build network; absent means the default VPC. */
    build?: BuildNetworkConfig;
    /** AMIs of this stack that promoting stacks of the repository pin, by stack then image: never deleted while pinned. */
    pinnedBy: Record<string, Record<string, string>>;
    /** Things worth knowing that are not errors (opt-in regions); the program logs them. */
    notes: string[];
}

/** The stack's raw values, keyed without the `golden-ami:` prefix, plus `aws:region`. */
export type RawStackConfig = Record<string, unknown>;

export class ConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`Invalid stack configuration:\n${problems.map(problem => `  - ${problem}`).join("\n")}`);
        this.name = "ConfigError";
    }
}

const KNOWN_REGIONS = new Set<string>(Object.values(Region));
/** Tag keys every AWS service takes (some take more characters, none takes fewer). */
const TAG_KEY = /^[\p{L}\p{N} _.:/=+\-@]{1,128}$/u;
const AMI_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;

/** Offline what-if runs (tools/engine/mockRun.ts) may read the other stacks' files from elsewhere; the Pulumi CLI reads the repository's. */
export const STACK_FILES_VARIABLE = "GOLDEN_AMI_STACK_FILES";

/** Paths in the config (user data) are relative to the repository root, wherever the program runs from. */
const REPOSITORY_ROOT = path.resolve(__dirname, "..");

/** Current EC2 families: family, generation, attributes (a, g, i, d, n, e, z, flex...), size. */
const INSTANCE_TYPE = /^(a|c|d|dl|f|g|gr|h|hpc|i|im|inf|is|m|mac|p|r|t|trn|u|vt|x|z)\d[a-z-]*\.(nano|micro|small|medium|large|metal|\d*xlarge|metal-\d+xl)$/;

/** Image fields the stack may set; the platform module supplies the rest of the defaults. */
const IMAGE_FIELDS = [
    "version",
    "platform",
    "architecture",
    "baseImage",
    "instanceTypes",
    "rootVolumeGiB",
    "rootDeviceName",
    "buildSteps",
    "testSteps",
    "artifacts",
    "expectedServices",
    "fastLaunch",
    "schedule",
    "scheduleTimezone",
];

/** The defaults of an image field, stated once for messages, docs and the JSON Schema. */
export const IMAGE_DEFAULTS = {
    platform: "linux",
    architecture: "x86_64",
} as const;

/** A step: `document: <repository path>` or `managed: <AWS component name>` with an optional `version`. */
const STEP_FIELDS = ["document", "managed", "version"];
const IMAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;
/** AWS-managed component names (`update-linux`, `stig-build-linux-medium`) and their version filters (`1.0.x`, `x.x.x`, `2.3.1`). */
const MANAGED_COMPONENT = /^[a-z0-9][a-z0-9-]{1,125}$/;
const COMPONENT_VERSION = /^(\d+|x)\.(\d+|x)\.(\d+|x)$/;
const ARTIFACT_PREFIX = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([A-Za-z0-9!_.*'()\/-]+\/)?$/;

export const FLEET_DEFAULTS = {
    onDemandBaseCapacity: 0,
    onDemandPercentageAboveBaseCapacity: 100,
    minSize: 1,
    maxSize: 2,
    healthCheckType: "EC2",
    healthCheckGracePeriodSeconds: 300,
    // Launch the new instances before terminating old ones: capacity never drops during a rollout.
    instanceRefresh: {
        minHealthyPercentage: 100,
        maxHealthyPercentage: 200,
        instanceWarmupSeconds: 300,
        checkpointPercentages: [50, 100],
        checkpointDelaySeconds: 300,
    },
    containers: false,
    userDataFile: "components/documents/user-data.sh",
    natGateways: "Single",
    vpcCidr: "10.0.0.0/16",
} as const;

const FLEET_FIELDS = ["image", "regions", "instanceTypes", "desiredCapacity", "rootVolumeGiB", "subnetIds", ...Object.keys(FLEET_DEFAULTS)];

export const LIFECYCLE_DEFAULTS: LifecycleConfig = {
    deprecateAfterDays: 90,
    deleteAfterDays: 180,
    keepAtLeast: 3,
    keepIfLaunchedWithinDays: 30,
};

/** Regions AWS leaves disabled until an account opts in (the Region enum lists them with the rest). */
export const OPT_IN_REGIONS = new Set([
    "af-south-1",
    "ap-east-1",
    "ap-east-2",
    "ap-south-2",
    "ap-southeast-3",
    "ap-southeast-4",
    "ap-southeast-5",
    "ap-southeast-6",
    "ap-southeast-7",
    "ca-west-1",
    "eu-central-2",
    "eu-south-1",
    "eu-south-2",
    "il-central-1",
    "me-central-1",
    "me-south-1",
    "mx-central-1",
]);

/** Validates every key and returns the typed, defaulted config; throws one ConfigError listing every problem. */
export function parseStackConfig(raw: RawStackConfig, stack: string): GoldenAmiConfig {
    const check = new Checker();
    check.stackName(stack);
    const projectKeys = Object.fromEntries(Object.entries(raw).filter(([key]) => !key.includes(":")));
    retiredKeys(check, projectKeys);
    check.knownFields("golden-ami", Object.fromEntries(Object.entries(projectKeys).filter(([key]) => !(key in RETIRED_KEYS))), CONFIG_KEYS, ":");
    const awsKeys = Object.fromEntries(
        Object.entries(raw)
            .filter(([key]) => key.startsWith("aws:"))
            .map(([key, value]) => [key.slice(4), value]),
    );
    check.knownFields("aws", awsKeys, AWS_CONFIG_KEYS, ":");
    for (const key of Object.keys(raw).filter(key => key.includes(":") && !key.startsWith("aws:"))) {
        const namespace = key.split(":")[0];
        const closest = closestOf(namespace, [PROJECT, "aws"]);
        check.fail(
            `${shownKey(key)} is not a key this program reads${closest ? `; did you mean ${closest}:${key.slice(namespace.length + 1)}?` : ""} (its keys are golden-ami:<key> and aws:<provider setting>)`,
        );
    }
    const homeRegion = check.region("aws:region", raw["aws:region"]);
    const images = parseImages(check, raw.images, stack);
    const lifecycle = parseLifecycle(check, raw.lifecycle);
    const regions = parseRegions(check, raw.regions, homeRegion);
    const sharing = parseSharing(check, raw.sharing);
    const tags = parseTags(check, raw.tags);
    const promoteFrom = raw.promoteFrom === undefined ? undefined : parsePromoteFrom(check, raw.promoteFrom, images);
    const blockPublicSharing = check.boolean("golden-ami:blockPublicSharing", raw.blockPublicSharing, true);
    const fleets = raw.fleets === undefined ? [] : parseFleets(check, raw.fleets, regions, images);
    const build = raw.build === undefined ? undefined : parseBuild(check, raw.build);
    if (promoteFrom && build)
        check.fail("golden-ami:build is set, but golden-ami:promoteFrom makes this a promoting stack that never builds; remove one of them");
    for (const image of images) checkCopyableAcrossAccounts(check, image, sharing, promoteFrom);
    for (const image of images) checkFastLaunchRegions(check, image, homeRegion, promoteFrom);
    const shared = [...sharing.accounts, ...sharing.promotingAccounts];
    if (promoteFrom && shared.includes(promoteFrom.account)) {
        check.fail(`golden-ami:sharing lists ${promoteFrom.account}, the account this stack promotes from; it owns the source image already`);
    }
    check.done();
    const notes = [...new Set(regions)]
        .filter(region => OPT_IN_REGIONS.has(region))
        .map(
            region =>
                `${region} is an opt-in region: enable it in every account that builds, copies or launches there (Account settings, or aws account enable-region --region-name ${region})`,
        );
    return { stack, homeRegion, images, lifecycle, regions, sharing, tags, promoteFrom, blockPublicSharing, fleets, build, pinnedBy: {}, notes };
}

/** Keys of the single-image shape this program once read: each is refused with what to write instead. */
const RETIRED_KEYS: Record<string, (value: unknown) => string> = {
    image: value =>
        `golden-ami:image is replaced by golden-ami:images, a map from image name to its definition; write:\n${indent(stringifyYaml({ "golden-ami:images": imagesEntryOf(value) }))}`,
    fleet: value =>
        `golden-ami:fleet is replaced by golden-ami:fleets, a map from fleet name to its definition, which names the image it runs; write:\n${indent(stringifyYaml({ "golden-ami:fleets": fleetsEntryOf(value) }))}`,
};

function retiredKeys(check: Checker, keys: Record<string, unknown>): void {
    for (const [key, explain] of Object.entries(RETIRED_KEYS)) {
        if (keys[key] !== undefined) check.refuse(`golden-ami:${key}`, explain(keys[key]));
    }
}

/** The `images:` entry equal to an old `image:` value (as far as it can be read). */
function imagesEntryOf(value: unknown): Record<string, unknown> {
    const image = isPlainObject(value) ? { ...value } : {};
    const name = typeof image.name === "string" && IMAGE_NAME.test(image.name) ? image.name : "my-image";
    delete image.name;
    delete image.platform;
    return { [name]: { version: image.version ?? "1.0.0", architecture: "x86_64", ...image } };
}

function fleetsEntryOf(value: unknown): Record<string, unknown> {
    const fleet = isPlainObject(value) ? value : {};
    return { "my-image": { image: "my-image", ...fleet } };
}

function indent(text: string): string {
    return text
        .trimEnd()
        .split("\n")
        .map(line => `      ${line}`)
        .join("\n");
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Reads the running stack's config; bad config ends the program with the list of problems, no stack trace. */
export function loadConfig(): GoldenAmiConfig {
    const raw: RawStackConfig = {};
    // Every key of the project and of the aws namespace, known or not, so a misspelt one is refused instead of ignored.
    const prefix = `${PROJECT}:`;
    for (const [fullKey, text] of Object.entries(pulumi.runtime.allConfig())) {
        if (fullKey.startsWith(prefix)) raw[fullKey.slice(prefix.length)] = readValue(text);
        else if (fullKey.startsWith("aws:")) raw[fullKey] = fullKey === "aws:region" ? text : readValue(text);
    }
    try {
        const config = parseStackConfig(raw, pulumi.getStack());
        for (const note of config.notes) pulumi.log.info(note);
        return { ...config, pinnedBy: config.promoteFrom ? {} : pinsOf(config.stack) };
    } catch (error) {
        if (error instanceof ConfigError) throw new pulumi.RunError(error.message);
        throw error;
    }
}

/**
 * The AMIs the repository's promoting stacks pin from `stack` (their `promoteFrom.stack`), by promoting stack
 * and image, read from their stack files: the building stack's lifecycle must keep them, so a pin never dangles.
 */
export function pinsOf(stack: string, root: string = process.env[STACK_FILES_VARIABLE] ?? REPOSITORY_ROOT): Record<string, Record<string, string>> {
    const pins: Record<string, Record<string, string>> = {};
    for (const file of fs
        .readdirSync(root)
        .filter(name => /^Pulumi\.[^.]+\.yaml$/.test(name))
        .sort()) {
        let promoteFrom;
        try {
            promoteFrom = parseYaml(fs.readFileSync(path.join(root, file), "utf8"))?.config?.[`${PROJECT}:promoteFrom`];
        } catch (error) {
            throw new ConfigError([
                `${file} is not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : error}); ` +
                    `the building stack reads every stack file for the AMIs promoting stacks pin`,
            ]);
        }
        if (promoteFrom?.stack !== stack || !isPlainObject(promoteFrom.amiIds)) continue;
        const amiIds = Object.entries(promoteFrom.amiIds).filter((entry): entry is [string, string] => typeof entry[1] === "string");
        if (amiIds.length > 0) pins[file.split(".")[1]] = Object.fromEntries(amiIds);
    }
    return pins;
}

/** The AMIs promoting stacks pin of one image. */
export function pinnedAmiIdsOf(pinnedBy: GoldenAmiConfig["pinnedBy"], image: string): string[] {
    return [...new Set(Object.values(pinnedBy).flatMap(amiIds => (amiIds[image] ? [amiIds[image]] : [])))];
}

/** Config values arrive as strings; structured ones are JSON. */
function readValue(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return text;
    }
}

/** The AMI name Image Builder will give each build; Image Builder caps it at 127 characters. */
export function amiNameTemplate(image: Pick<ImageConfig, "name" | "version">, stack: string): string {
    return `${image.name}-${image.version}-${stack}-{{ imagebuilder:buildDate }}`;
}

function parseImages(check: Checker, value: unknown, stack: string): ImageConfig[] {
    const key = "golden-ami:images";
    const entries = Object.entries(check.object(key, value, true));
    if (isPlainObject(value) && entries.length === 0) {
        check.refuse(
            key,
            `${key} must name at least one image, like ${key}: { al2023-base: { version: 1.0.0, baseImage: ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 } }`,
        );
    }
    const names = entries.map(([name]) => name);
    const images = entries.map(([name, definition]) => parseImage(check, name, definition, stack, names));
    // Layered images: the parent must be of the same platform and architecture, and no image may be its own ancestor.
    for (const image of images) {
        if (!image.parentImage) continue;
        const parent = images.find(candidate => candidate.name === image.parentImage);
        const baseKey = `${key}.${image.name}.baseImage`;
        if (!parent) continue;
        if (parent.architecture !== image.architecture) {
            check.fail(
                `${baseKey} is image:${parent.name}, an ${parent.architecture} image, but ${image.name} is ${image.architecture}; build it on an image of its own architecture`,
            );
        }
        if (parent.platform !== image.platform)
            check.fail(`${baseKey} is image:${parent.name}, a ${parent.platform} image, but ${image.name} is ${image.platform}`);
        const chain = [image.name];
        for (let ancestor: ImageConfig | undefined = parent; ancestor; ancestor = images.find(candidate => candidate.name === ancestor!.parentImage)) {
            if (chain.includes(ancestor.name)) {
                check.fail(`${baseKey} makes a loop (${[...chain, ancestor.name].join(" → ")}): an image cannot be built on itself`);
                break;
            }
            chain.push(ancestor.name);
        }
    }
    return images;
}

function parseImage(check: Checker, name: string, value: unknown, stack: string, catalog: string[]): ImageConfig {
    const key = `golden-ami:images.${shownKey(name)}`;
    if (!IMAGE_NAME.test(name)) {
        check.refuse(
            key,
            `golden-ami:images key ${describe(name)} must be an image name of 1 to 64 letters, digits, '-' or '_', starting with a letter or digit`,
        );
    }
    const image = check.object(key, value, true, IMAGE_FIELDS);
    const version = check.matching(`${key}.version`, image.version, SEMVER, "a semantic version major.minor.patch like 1.4.0");
    const expandedNameLength = name.length + version.length + stack.length + BUILD_DATE_LENGTH + 3;
    if (name && version && expandedNameLength > MAX_AMI_NAME_LENGTH) {
        check.fail(
            `${key}: the image name, its version and the stack name make an AMI name of ${expandedNameLength} characters; the limit is ${MAX_AMI_NAME_LENGTH}`,
        );
    }
    const platform = check.oneOf(`${key}.platform`, or(image.platform, IMAGE_DEFAULTS.platform), PLATFORMS, "the operating system the image runs");
    const defaults = PLATFORM_DEFAULTS[platform];
    const architecture = check.oneOf(
        `${key}.architecture`,
        or(image.architecture, IMAGE_DEFAULTS.architecture),
        ARCHITECTURES,
        platform === "windows" ? "Windows Server images are x86_64 only" : "x86_64 for Intel and AMD, arm64 for AWS Graviton",
    );
    if (check.valid(`${key}.architecture`) && !defaults.architectures.includes(architecture)) {
        check.refuse(`${key}.architecture`, `${key}.architecture must be ${defaults.architectures.join(" or ")} for ${platform}, got "${architecture}"`);
    }
    const baseImage = check.matching(
        `${key}.baseImage`,
        image.baseImage,
        /^(ssm:\/[A-Za-z0-9_.\/-]+|ami-[0-9a-f]{8}([0-9a-f]{9})?|image:[A-Za-z0-9_-]+)$/,
        `an SSM parameter path like ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}, an AMI id, or image:<name> of another image of the catalog`,
    );
    let parentImage: string | undefined;
    if (baseImage.startsWith("image:")) {
        parentImage = baseImage.slice("image:".length);
        if (parentImage === name) {
            check.refuse(
                `${key}.baseImage`,
                `${key}.baseImage is image:${name}, the image itself; name another image of the catalog, an SSM parameter or an AMI id`,
            );
        } else if (!catalog.includes(parentImage)) {
            const closest = closestOf(
                parentImage,
                catalog.filter(other => other !== name),
            );
            check.refuse(
                `${key}.baseImage`,
                `${key}.baseImage is image:${parentImage}, which is not in golden-ami:images${closest ? `; did you mean image:${closest}?` : ""} (images: ${catalog.join(", ")})`,
            );
        }
    } else if (check.valid(`${key}.architecture`) && baseImage.startsWith("ssm:/aws/service/")) {
        const other = ARCHITECTURES.find(candidate => candidate !== architecture && baseImage.includes(candidate));
        if (other && !baseImage.includes(architecture)) {
            check.fail(
                `${key}.baseImage ${baseImage} is an ${other} image, but ${key}.architecture is ${architecture}; use the ${architecture} parameter (…${architecture})`,
            );
        }
    }
    if (check.valid(`${key}.platform`, `${key}.baseImage`)) checkBasePlatform(check, `${key}.baseImage`, baseImage, platform, `${key}.platform`);
    const instanceTypes = check.instanceTypes(`${key}.instanceTypes`, or(image.instanceTypes, [...(defaults.instanceTypes[architecture] ?? [])]));
    if (platform === "windows")
        instanceTypes.forEach((instanceType, index) => {
            // Windows is licensed per instance and needs memory for its updates: no burstable nano, micro or small.
            if (/\.(nano|micro|small)$/.test(instanceType))
                check.fail(
                    `${key}.instanceTypes[${index}] "${instanceType}" is too small to build Windows Server (updates and Sysprep need 4 GiB or more): use m7i.large, t3.large or larger`,
                );
        });
    if (check.valid(`${key}.architecture`)) checkArchitecture(check, `${key}.instanceTypes`, instanceTypes, architecture, `${key}.architecture`);
    const rootVolume = or(image.rootVolumeGiB, defaults.defaultRootVolumeGiB);
    let rootVolumeGiB: number;
    if (platform === "windows" && typeof rootVolume === "number" && Number.isInteger(rootVolume) && rootVolume > 0 && rootVolume < defaults.minRootVolumeGiB) {
        check.refuse(
            `${key}.rootVolumeGiB`,
            `${key}.rootVolumeGiB must be at least ${defaults.minRootVolumeGiB} for windows, got ${rootVolume}: AWS's Windows Server base images have a ${defaults.minRootVolumeGiB} GiB root snapshot, ` +
                `and a volume cannot be smaller than its snapshot (${defaults.defaultRootVolumeGiB}, the default, leaves room for updates)`,
        );
        rootVolumeGiB = defaults.minRootVolumeGiB;
    } else {
        rootVolumeGiB = check.integer(`${key}.rootVolumeGiB`, rootVolume, defaults.minRootVolumeGiB, 16384);
    }
    const rootDeviceName = check.matching(
        `${key}.rootDeviceName`,
        or(image.rootDeviceName, defaults.rootDeviceName),
        /^\/dev\/[a-z0-9]+$/,
        `the base image's root device name like ${defaults.rootDeviceName}`,
    );
    const buildSteps = parseSteps(check, `${key}.buildSteps`, or(image.buildSteps, defaults.buildSteps), platform);
    const testSteps = parseSteps(check, `${key}.testSteps`, or(image.testSteps, defaults.testSteps), platform);
    const stems = [...buildSteps, ...testSteps].map(stepId);
    stems.forEach((stem, index) => {
        if (stems.indexOf(stem) !== index)
            check.fail(`${key} lists the step ${stem} twice (buildSteps and testSteps together): each component is in the recipe once`);
    });
    const artifacts = check.list(`${key}.artifacts`, or(image.artifacts, []), (itemKey, item) =>
        check.matching(
            itemKey,
            item,
            ARTIFACT_PREFIX,
            "an S3 prefix the build may read, like s3://team-artifacts/web-app/ (bucket, then a prefix ending in /)",
        ),
    );
    check.unique(`${key}.artifacts`, artifacts);
    const expectedServices = parseExpectedServices(check, `${key}.expectedServices`, image.expectedServices, platform, testSteps);
    const fastLaunch = image.fastLaunch === undefined ? undefined : parseFastLaunch(check, `${key}.fastLaunch`, image.fastLaunch, platform);
    for (const retired of ["schedule", "scheduleTimezone"]) {
        if (image[retired] !== undefined) {
            check.fail(
                `${key}.${retired} is no longer used: nothing builds outside \`pulumi up\`, so every AMI is tracked; the patch cadence is .github/workflows/patch.yml — remove the key`,
            );
        }
    }
    return {
        name,
        version,
        platform,
        architecture,
        baseImage,
        ...(parentImage && { parentImage }),
        instanceTypes,
        rootVolumeGiB,
        rootDeviceName,
        buildSteps,
        testSteps,
        artifacts,
        ...(expectedServices && { expectedServices }),
        ...(fastLaunch && { fastLaunch }),
    };
}

/**
 * EC2 Fast Launch (Amazon EC2 User Guide, "Use EC2 Fast Launch for your Windows instances"): EC2 launches temporary
 * instances from the AMI, takes a snapshot of each after Windows' first-boot steps, and launches from those snapshots.
 * Its rules: at least 6 parallel launches (EnableFastLaunch), a launch template where IMDSv2 is enforced or the VPC is
 * not the default one (the program always gives one), and an AMI made with Sysprep's shutdown (Image Builder's).
 */
function parseFastLaunch(check: Checker, key: string, value: unknown, platform: Platform): FastLaunchConfig | undefined {
    const fastLaunch = check.object(key, value, true, ["regions", "maxParallelLaunches", "targetResourceCount"]);
    if (platform !== "windows") {
        check.refuse(key, `${key} applies to windows images: EC2 Fast Launch pre-provisions Windows instances only`);
        return undefined;
    }
    const regions = fastLaunch.regions === undefined ? [] : check.list(`${key}.regions`, fastLaunch.regions, (itemKey, item) => check.region(itemKey, item));
    if (Array.isArray(fastLaunch.regions) && fastLaunch.regions.length === 0)
        check.refuse(`${key}.regions`, `${key}.regions must list at least one region, got []: leave the key out for the home region, or remove ${key}`);
    check.unique(`${key}.regions`, regions);
    const maxParallelLaunches = or(fastLaunch.maxParallelLaunches, FAST_LAUNCH_DEFAULTS.maxParallelLaunches);
    if (typeof maxParallelLaunches === "number" && Number.isInteger(maxParallelLaunches) && maxParallelLaunches < 6) {
        check.refuse(
            `${key}.maxParallelLaunches`,
            `${key}.maxParallelLaunches must be at least 6, got ${maxParallelLaunches}: EC2 Fast Launch needs 6 or more parallel launches to make its snapshots`,
        );
    }
    return {
        regions,
        maxParallelLaunches: check.integer(`${key}.maxParallelLaunches`, maxParallelLaunches, 1, 1000),
        targetResourceCount: check.integer(`${key}.targetResourceCount`, or(fastLaunch.targetResourceCount, FAST_LAUNCH_DEFAULTS.targetResourceCount), 1, 1000),
    };
}

/** Where Fast Launch can be enabled: the building stack's home region, whose AMI Image Builder distributes. */
function checkFastLaunchRegions(check: Checker, image: ImageConfig, homeRegion: string, promoteFrom: PromoteFromConfig | undefined): void {
    if (!image.fastLaunch) return;
    const key = `golden-ami:images.${image.name}.fastLaunch`;
    if (promoteFrom) {
        check.fail(
            `${key} is set on a promoting stack, which copies its AMIs instead of building them: Image Builder enables Fast Launch on the AMIs it distributes; ` +
                `enable it in the building stack, or on this stack's copies with \`aws ec2 enable-fast-launch\``,
        );
        return;
    }
    if (image.fastLaunch.regions.length === 0) image.fastLaunch.regions = [homeRegion];
    image.fastLaunch.regions.forEach((region, index) => {
        if (region && region !== homeRegion) {
            check.fail(
                `${key}.regions[${index}] "${region}" is not the home region ${homeRegion}: Image Builder enables Fast Launch on the AMI it distributes, in the home region; ` +
                    `the copies in other regions are made by the program, and the provider has no Fast Launch resource for them (\`aws ec2 enable-fast-launch\` does it by hand)`,
            );
        }
    });
}

/**
 * AWS's public parameters name the platform in their path: a Linux parameter under a Windows image (or the other way)
 * builds a recipe Image Builder refuses, or an image that fails every step. AMI ids and other parameters cannot be told apart here.
 */
function checkBasePlatform(check: Checker, key: string, baseImage: string, platform: Platform, platformKey: string): void {
    if (!baseImage.startsWith("ssm:/aws/service/")) return;
    const path = baseImage.slice("ssm:".length);
    const other = PLATFORMS.find(candidate => candidate !== platform && path.startsWith(PLATFORM_DEFAULTS[candidate].baseImageParameterPrefix));
    if (other) {
        const example =
            platform === "windows"
                ? "ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base (or -2025-, -Core-Base)"
                : "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
        check.fail(`${key} ${baseImage} is a ${other} base image, but ${platformKey} is ${platform}: use a ${platform} parameter like ${example}`);
        return;
    }
    const windowsPrefix = PLATFORM_DEFAULTS.windows.baseImageParameterPrefix;
    if (platform === "windows" && path.startsWith(windowsPrefix) && !WINDOWS_SERVER_PARAMETER.test(path.slice(windowsPrefix.length))) {
        check.fail(
            `${key} ${baseImage} is not a Windows Server ${WINDOWS_SERVER_VERSIONS.join(" or ")} base image in English: use Windows_Server-<version>-English-Full-Base or -Core-Base, like ssm:${windowsPrefix}Windows_Server-2022-English-Full-Base`,
        );
    }
}

/** AWS's public parameters of AWS Marketplace products: AMIs that carry a Marketplace product code. */
const MARKETPLACE_PARAMETER_PREFIX = "ssm:/aws/service/marketplace/";

/**
 * Promotion copies the building account's AMI into the promoting account, and EC2 does not copy an AWS Marketplace AMI
 * (or one built on it) that another account shared: "The CopyImage action is not supported for copying an AWS Marketplace
 * AMI that was shared with you from another account" (Amazon EC2 User Guide, Copy an Amazon EC2 AMI,
 * https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/CopyingAMIs.html). AWS's license-included Windows Server AMIs
 * (/aws/service/ami-windows-latest) are not Marketplace AMIs: their billing code survives the copy. An AMI id cannot be
 * judged offline; `images promote` refuses one with a Marketplace code.
 */
function checkCopyableAcrossAccounts(check: Checker, image: ImageConfig, sharing: SharingConfig, promoteFrom: PromoteFromConfig | undefined): void {
    if (!image.baseImage.startsWith(MARKETPLACE_PARAMETER_PREFIX)) return;
    const key = `golden-ami:images.${image.name}.baseImage`;
    if (promoteFrom) {
        check.fail(
            `${key} is an AWS Marketplace image, and this stack promotes by copying the building account's AMI: EC2 does not copy a Marketplace AMI shared from another account (see docs/windows.md); build it in this account instead`,
        );
    } else if (sharing.promotingAccounts.length > 0) {
        check.fail(
            `${key} is an AWS Marketplace image, but golden-ami:sharing.promotingAccounts (${sharing.promotingAccounts.join(", ")}) copy this stack's images, and EC2 does not copy a Marketplace AMI shared from another account (see docs/windows.md): ` +
                `build from AWS's public parameters (ssm:/aws/service/ami-windows-latest/…, ssm:/aws/service/ami-amazon-linux-latest/…), or share it with golden-ami:sharing.accounts, which launch it without copying`,
        );
    }
}

/** Windows Server releases Image Builder builds and this program tests: 2022 and 2025, Full (desktop experience) or Core. */
const WINDOWS_SERVER_VERSIONS = ["2022", "2025"];
const WINDOWS_SERVER_PARAMETER = new RegExp(`^Windows_Server-(${WINDOWS_SERVER_VERSIONS.join("|")})-English-(Full|Core)-Base$`);

/** The Windows boot test's services: names Get-Service knows (letters, digits, `_`, `-`, `.`, `$`), each once. */
function parseExpectedServices(check: Checker, key: string, value: unknown, platform: Platform, testSteps: StepConfig[]): string[] | undefined {
    if (value === undefined) return undefined;
    if (platform !== "windows") {
        check.refuse(key, `${key} applies to windows images (the Windows boot test's services); the Linux boot test lists its services in its document`);
        return undefined;
    }
    if (!testSteps.some(step => step.kind === "document" && step.path === WINDOWS_BOOT_TEST)) {
        const stepsKey = key.replace(/\.expectedServices$/, ".testSteps");
        check.fail(`${stepsKey} does not run ${WINDOWS_BOOT_TEST}, the test that reads ${key}: add it to ${stepsKey}, or remove ${key}`);
    }
    const services = check.list(key, value, (itemKey, item) =>
        check.matching(itemKey, item, /^[A-Za-z0-9_.$-]{1,256}$/, "a Windows service name as Get-Service shows it, like AmazonSSMAgent or W32Time"),
    );
    if (Array.isArray(value) && value.length === 0) check.refuse(key, `${key} must list at least one service, got []: leave the key out for the default list`);
    check.unique(key, services);
    return services;
}

/** The Windows boot test document: its ExpectedServices parameter comes from the image's `expectedServices`. */
export const WINDOWS_BOOT_TEST = "components/documents/windows/boot-test.yaml";

/** Refuses instance types of the other architecture, naming the key and giving valid examples. */
function checkArchitecture(check: Checker, key: string, instanceTypes: string[], architecture: Architecture, architectureKey: string): void {
    instanceTypes.forEach((instanceType, index) => {
        if (!instanceType || architectureOf(instanceType) === architecture) return;
        check.fail(
            `${key}[${index}] "${instanceType}" is an ${architectureOf(instanceType)} instance type, but ${architectureKey} is ${architecture}: ` +
                `use ${architecture} types like ${exampleInstanceTypes(architecture)}`,
        );
    });
}

function parseSteps(check: Checker, key: string, value: unknown, platform: Platform): StepConfig[] {
    const { hygieneDocument } = PLATFORM_DEFAULTS[platform];
    const steps = check.list(key, value, (itemKey, item): StepConfig | undefined => {
        const step = check.object(itemKey, item, true, STEP_FIELDS);
        if (!isPlainObject(item)) return undefined;
        if ((step.document === undefined) === (step.managed === undefined)) {
            check.refuse(
                itemKey,
                `${itemKey} must have exactly one of document (a path in the repository, like components/documents/build.yaml) ` +
                    `or managed (an AWS-managed component, like update-linux), got ${describe(item)}`,
            );
            return undefined;
        }
        if (step.document !== undefined) {
            if (step.version !== undefined) check.fail(`${itemKey}.version applies to managed components only: a document's version is the image's version`);
            const documentPath = check.matching(
                `${itemKey}.document`,
                step.document,
                /^[\w./-]+\.ya?ml$/,
                "a YAML document's path in the repository, like components/documents/build.yaml",
            );
            const content = check.file(`${itemKey}.document`, documentPath);
            if (content && platform === "windows") {
                for (const problem of windowsDocumentProblems(content)) check.fail(`${itemKey}.document ${documentPath} ${problem}`);
            }
            return documentPath && content ? { kind: "document", path: path.posix.normalize(documentPath), content } : undefined;
        }
        const name = check.matching(
            `${itemKey}.managed`,
            step.managed,
            MANAGED_COMPONENT,
            `an AWS-managed Image Builder component's name, like ${platform === "windows" ? "update-windows or reboot-test-windows" : "update-linux or amazon-cloudwatch-agent-linux"}`,
        );
        // AWS names its components after their platform; one of the other platform's fails the build (Image Builder refuses the recipe).
        const otherPlatform = PLATFORMS.find(candidate => candidate !== platform && name.endsWith(PLATFORM_DEFAULTS[candidate].managedComponentSuffix));
        if (otherPlatform) {
            check.refuse(
                `${itemKey}.managed`,
                `${itemKey}.managed "${name}" is a ${otherPlatform} component, but the image is ${platform}: use its ${platform} counterpart (…${PLATFORM_DEFAULTS[platform].managedComponentSuffix})`,
            );
            return undefined;
        }
        const version = check.matching(
            `${itemKey}.version`,
            or(step.version, "x.x.x"),
            COMPONENT_VERSION,
            "a component version like 1.0.2, or a filter like 1.0.x or x.x.x (the newest when the image builds)",
        );
        return name && version ? { kind: "managed", name, version } : undefined;
    });
    // The hygiene step is always last (see recipeSteps), whatever the list says.
    return steps.filter((step): step is StepConfig => step !== undefined && !(step.kind === "document" && step.path === hygieneDocument));
}

/** The step's name among the image's components: a document's file name without `.yaml`, or the managed component's name. */
export function stepId(step: StepConfig): string {
    return step.kind === "document" ? path.posix.basename(step.path).replace(/\.ya?ml$/, "") : step.name;
}

/** The hygiene document of the image's platform, read from the repository. */
export function hygieneStep(image: Pick<ImageConfig, "platform">): StepConfig & { kind: "document" } {
    const documentPath = PLATFORM_DEFAULTS[image.platform].hygieneDocument;
    return { kind: "document", path: documentPath, content: fs.readFileSync(path.join(REPOSITORY_ROOT, documentPath), "utf8") };
}

/** The recipe's components in order: build steps, test steps, then the hygiene step, always last. */
export function recipeSteps(image: Pick<ImageConfig, "platform" | "buildSteps" | "testSteps">): StepConfig[] {
    return [...image.buildSteps, ...image.testSteps, hygieneStep(image)];
}

/** One image of the catalog by name, with the stack's settings: what the tools work on. */
export function imageNamed(config: Pick<GoldenAmiConfig, "images">, name: string): ImageConfig {
    const image = config.images.find(candidate => candidate.name === name);
    if (!image) {
        const closest = closestOf(
            name,
            config.images.map(candidate => candidate.name),
        );
        throw new ConfigError([
            `no image named "${name}" in golden-ami:images${closest ? `; did you mean ${closest}?` : ""} (images: ${config.images.map(candidate => candidate.name).join(", ")})`,
        ]);
    }
    return image;
}

function parseLifecycle(check: Checker, value: unknown): LifecycleConfig {
    const key = "golden-ami:lifecycle";
    const lifecycle = check.object(key, or(value, {}), false, Object.keys(LIFECYCLE_DEFAULTS));
    // The maxima are Image Builder's: an age filter's value, retainAtLeast, and a lastLaunched exclusion.
    const read = (field: keyof LifecycleConfig, max: number) => check.integer(`${key}.${field}`, or(lifecycle[field], LIFECYCLE_DEFAULTS[field]), 1, max);
    const parsed: LifecycleConfig = {
        deprecateAfterDays: read("deprecateAfterDays", 1000),
        deleteAfterDays: read("deleteAfterDays", 1000),
        keepAtLeast: read("keepAtLeast", 10),
        keepIfLaunchedWithinDays: read("keepIfLaunchedWithinDays", 365),
    };
    if (check.valid(`${key}.deleteAfterDays`, `${key}.deprecateAfterDays`) && parsed.deleteAfterDays <= parsed.deprecateAfterDays) {
        check.fail(`${key}.deleteAfterDays must be greater than deprecateAfterDays (${parsed.deprecateAfterDays}), got ${parsed.deleteAfterDays}`);
    }
    return parsed;
}

function parseRegions(check: Checker, value: unknown, homeRegion: string): string[] {
    const key = "golden-ami:regions";
    const listed = check.list(key, or(value, []), (itemKey, item) => check.region(itemKey, item));
    check.unique(key, listed);
    const partition = partitionOf(homeRegion);
    listed.forEach((region, index) => {
        if (region && homeRegion && partitionOf(region) !== partition) {
            check.fail(
                `${key}[${index}] "${region}" is in partition ${partitionOf(region)}, but aws:region "${homeRegion}" is in ${partition}; images cannot be copied across partitions`,
            );
        }
    });
    return [homeRegion, ...listed.filter(region => region !== homeRegion)];
}

function parseSharing(check: Checker, value: unknown): SharingConfig {
    const key = "golden-ami:sharing";
    const sharing = check.object(key, or(value, {}), false, ["accounts", "organizationArns", "organizationalUnitArns", "promotingAccounts"]);
    const principals = <T extends keyof SharingConfig>(field: T, pattern: RegExp, expected: string): string[] => {
        const fieldKey = `${key}.${field}`;
        const items = check.list(fieldKey, or(sharing[field], []), (itemKey, item) => {
            if (typeof item === "string" && item.trim().toLowerCase() === "all") {
                check.fail(`${itemKey} is "all", which makes the image public; list the accounts, organizations or OUs that may launch it`);
                return "";
            }
            return check.matching(itemKey, item, pattern, expected);
        });
        check.unique(fieldKey, items);
        if (items.length > SHARING_LIMITS[field]) {
            check.fail(
                `${fieldKey} lists ${items.length} entries; an AMI can be shared with at most ${SHARING_LIMITS[field]} — share with organizationArns or organizationalUnitArns instead`,
            );
        }
        return items;
    };
    const accounts = principals("accounts", /^\d{12}$/, "a 12-digit AWS account id");
    const promotingAccounts = principals("promotingAccounts", /^\d{12}$/, "a 12-digit AWS account id");
    promotingAccounts.forEach((account, index) => {
        if (account && accounts.includes(account)) {
            check.fail(
                `${key}.promotingAccounts[${index}] "${account}" is also in ${key}.accounts; list it once, under promotingAccounts, which lets it launch the image too`,
            );
        }
    });
    return {
        accounts,
        promotingAccounts,
        organizationArns: principals(
            "organizationArns",
            /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/,
            "an organization ARN like arn:aws:organizations::111122223333:organization/o-exampleorgid",
        ),
        organizationalUnitArns: principals(
            "organizationalUnitArns",
            /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/,
            "an OU ARN like arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-ab12-cdef3456",
        ),
    };
}

function parseTags(check: Checker, value: unknown): Record<string, string> {
    const key = "golden-ami:tags";
    const tags = check.object(key, value, true);
    const parsed: Record<string, string> = {};
    for (const [tagKey, tagValue] of Object.entries(tags)) {
        const itemKey = `${key}.${shownKey(tagKey)}`;
        if (PROGRAM_TAG_KEYS.includes(tagKey)) {
            check.fail(`${itemKey} is set by the program (${PROGRAM_TAG_KEYS.join(", ")}); remove it from the stack file`);
        } else if (tagKey.toLowerCase().startsWith("aws:") || !TAG_KEY.test(tagKey) || blank(tagKey)) {
            check.fail(`${key} key ${describe(tagKey)} must be 1 to 128 letters, digits, spaces or _.:/=+-@ and not start with "aws:"`);
        } else if (typeof tagValue === "number" || typeof tagValue === "boolean") {
            check.fail(
                `${itemKey} must be a non-empty string of at most 256 characters, got the ${typeof tagValue} ${tagValue}: quote it in the stack file ("${tagValue}")`,
            );
        } else if (typeof tagValue !== "string" || blank(tagValue) || tagValue.length > 256 || INVISIBLE.test(tagValue)) {
            check.fail(`${itemKey} must be a non-empty string of at most 256 characters without invisible characters, got ${describe(tagValue)}`);
        } else {
            // Not `parsed[tagKey] =`: a tag named __proto__ would be dropped without a word.
            Object.defineProperty(parsed, tagKey, { value: tagValue, enumerable: true, writable: true, configurable: true });
        }
    }
    const total = Object.keys(tags).length + PROGRAM_TAG_KEYS.length;
    if (total > MAX_TAGS_PER_IMAGE) {
        check.fail(
            `${key} has ${Object.keys(tags).length} tags; with the ${PROGRAM_TAG_KEYS.length} the program adds an image may carry at most ${MAX_TAGS_PER_IMAGE}`,
        );
    }
    return parsed;
}

function parseFleets(check: Checker, value: unknown, imageRegions: string[], images: ImageConfig[]): FleetConfig[] {
    const key = "golden-ami:fleets";
    return Object.entries(check.object(key, value, false)).map(([name, fleet]) => parseFleet(check, name, fleet, imageRegions, images));
}

function parseFleet(check: Checker, name: string, value: unknown, imageRegions: string[], images: ImageConfig[]): FleetConfig {
    const key = `golden-ami:fleets.${shownKey(name)}`;
    if (!IMAGE_NAME.test(name)) {
        check.refuse(
            key,
            `golden-ami:fleets key ${describe(name)} must be a fleet name of 1 to 64 letters, digits, '-' or '_', starting with a letter or digit`,
        );
    }
    const fleet = check.object(key, value, true, FLEET_FIELDS);
    const imageName = typeof fleet.image === "string" ? fleet.image : undefined;
    let image = images.find(candidate => candidate.name === imageName);
    if (fleet.image === undefined && images.length === 1) image = images[0];
    else if (!image) {
        const closest =
            imageName === undefined
                ? undefined
                : closestOf(
                      imageName,
                      images.map(candidate => candidate.name),
                  );
        check.refuse(
            `${key}.image`,
            `${key}.image must name the image of golden-ami:images the fleet runs${closest ? `; did you mean ${closest}?` : ""}, got ${describe(fleet.image)} (images: ${images.map(candidate => candidate.name).join(", ") || "none"})`,
        );
    }
    const architecture = image?.architecture ?? "x86_64";
    const platform = image?.platform ?? "linux";
    const platformFleet = PLATFORM_DEFAULTS[platform].fleet;
    const regions = fleet.regions === undefined ? imageRegions : check.list(`${key}.regions`, fleet.regions, (itemKey, item) => check.region(itemKey, item));
    if (Array.isArray(fleet.regions) && fleet.regions.length === 0) {
        check.refuse(
            `${key}.regions`,
            `${key}.regions must list at least one region, got []: leave the key out to run the fleet in every image region, or remove the fleet`,
        );
    }
    check.unique(`${key}.regions`, regions);
    regions.forEach((region, index) => {
        if (region && !imageRegions.includes(region)) {
            check.fail(
                `${key}.regions[${index}] "${region}" does not hold the images; add it to golden-ami:regions or remove it from the fleet (image regions: ${imageRegions.join(", ")})`,
            );
        }
    });
    const instanceTypes = check.instanceTypes(
        `${key}.instanceTypes`,
        or(fleet.instanceTypes, [...(PLATFORM_DEFAULTS[image?.platform ?? "linux"].fleetInstanceTypes[architecture] ?? [])]),
    );
    // One launch template per group: every type must run the image's architecture.
    if (image)
        checkArchitecture(check, `${key}.instanceTypes`, instanceTypes, architecture, `golden-ami:images.${image.name}.architecture (the fleet's image)`);
    const count = (field: string, fallback: number | undefined, min: number, max: number) =>
        check.integer(`${key}.${field}`, or(fleet[field], fallback), min, max);
    const minSize = count("minSize", FLEET_DEFAULTS.minSize, 0, 1000);
    const maxSize = count("maxSize", FLEET_DEFAULTS.maxSize, 0, 1000);
    if (check.valid(`${key}.minSize`, `${key}.maxSize`) && minSize > maxSize)
        check.fail(`${key}.minSize (${minSize}) must not be greater than maxSize (${maxSize})`);
    const desiredCapacity = count("desiredCapacity", minSize, 0, 1000);
    if (check.valid(`${key}.minSize`, `${key}.maxSize`, `${key}.desiredCapacity`) && (desiredCapacity < minSize || desiredCapacity > maxSize)) {
        check.fail(`${key}.desiredCapacity must be between minSize (${minSize}) and maxSize (${maxSize}), got ${desiredCapacity}`);
    }
    const refreshKey = `${key}.instanceRefresh`;
    const refresh = check.object(refreshKey, or(fleet.instanceRefresh, {}), false, [
        "minHealthyPercentage",
        "maxHealthyPercentage",
        "instanceWarmupSeconds",
        "checkpointPercentages",
        "checkpointDelaySeconds",
    ]);
    const refreshDefaults = FLEET_DEFAULTS.instanceRefresh;
    const checkpointPercentages = check.list(
        `${refreshKey}.checkpointPercentages`,
        or(refresh.checkpointPercentages, [...refreshDefaults.checkpointPercentages]),
        (itemKey, item) => check.integer(itemKey, item, 1, 100),
    );
    const ascendingTo100 =
        checkpointPercentages.every((percentage, index) => index === 0 || percentage > checkpointPercentages[index - 1]) &&
        checkpointPercentages[checkpointPercentages.length - 1] === 100;
    if (check.valid(`${refreshKey}.checkpointPercentages`) && checkpointPercentages.length > 0 && !ascendingTo100) {
        check.fail(`${refreshKey}.checkpointPercentages must rise and end at 100, got ${JSON.stringify(checkpointPercentages)}`);
    }
    const minHealthyPercentage = check.integer(
        `${refreshKey}.minHealthyPercentage`,
        or(refresh.minHealthyPercentage, refreshDefaults.minHealthyPercentage),
        0,
        100,
    );
    const maxHealthyPercentage = check.integer(
        `${refreshKey}.maxHealthyPercentage`,
        or(refresh.maxHealthyPercentage, refreshDefaults.maxHealthyPercentage),
        101,
        200,
    );
    if (check.valid(`${refreshKey}.minHealthyPercentage`, `${refreshKey}.maxHealthyPercentage`) && maxHealthyPercentage - minHealthyPercentage > 100) {
        check.fail(
            `${refreshKey}.maxHealthyPercentage (${maxHealthyPercentage}) may exceed minHealthyPercentage (${minHealthyPercentage}) by at most 100 (an Auto Scaling rule)`,
        );
    }
    const imageRootGiB = image?.rootVolumeGiB ?? PLATFORM_DEFAULTS.linux.minRootVolumeGiB;
    const rootVolumeGiB = count("rootVolumeGiB", imageRootGiB, imageRootGiB, 16384);
    const userDataFile = check.matching(`${key}.userDataFile`, or(fleet.userDataFile, platformFleet.userDataFile), /^[\w./-]+$/, "a path in the repository");
    const userData = check.file(`${key}.userDataFile`, userDataFile);
    if (userData && image) checkUserDataPlatform(check, `${key}.userDataFile`, userDataFile, userData, platform, image.name);
    const subnetsKey = `${key}.subnetIds`;
    const subnetIds: Record<string, string[]> = {};
    for (const [region, subnets] of Object.entries(check.object(subnetsKey, or(fleet.subnetIds, {}), false))) {
        const regionKey = `${subnetsKey}.${shownKey(region)}`;
        const listed = check.list(regionKey, subnets, (itemKey, item) => check.matching(itemKey, item, SUBNET_ID, "a subnet id like subnet-0123456789abcdef0"));
        if (Array.isArray(subnets) && subnets.length === 0)
            check.fail(`${regionKey} is empty: list its subnets, or leave the region out to get a VPC made for the fleet`);
        if (!regions.includes(region)) check.refuse(regionKey, `${regionKey} is not a fleet region (${regions.join(", ")})`);
        else subnetIds[region] = listed;
    }
    return {
        name,
        image: image?.name ?? "",
        regions,
        instanceTypes,
        onDemandBaseCapacity: count("onDemandBaseCapacity", FLEET_DEFAULTS.onDemandBaseCapacity, 0, 1000),
        onDemandPercentageAboveBaseCapacity: count("onDemandPercentageAboveBaseCapacity", FLEET_DEFAULTS.onDemandPercentageAboveBaseCapacity, 0, 100),
        minSize,
        maxSize,
        desiredCapacity,
        healthCheckType: check.oneOf(
            `${key}.healthCheckType`,
            or(fleet.healthCheckType, FLEET_DEFAULTS.healthCheckType),
            ["EC2", "ELB"] as const,
            "the group's health check",
        ),
        healthCheckGracePeriodSeconds: count("healthCheckGracePeriodSeconds", platformFleet.healthCheckGracePeriodSeconds, 0, 7200),
        instanceRefresh: {
            minHealthyPercentage,
            maxHealthyPercentage,
            instanceWarmupSeconds: check.integer(
                `${refreshKey}.instanceWarmupSeconds`,
                or(refresh.instanceWarmupSeconds, platformFleet.instanceWarmupSeconds),
                0,
                3600,
            ),
            checkpointPercentages,
            checkpointDelaySeconds: check.integer(
                `${refreshKey}.checkpointDelaySeconds`,
                or(refresh.checkpointDelaySeconds, refreshDefaults.checkpointDelaySeconds),
                0,
                172800,
            ),
        },
        containers: check.boolean(`${key}.containers`, fleet.containers, FLEET_DEFAULTS.containers),
        rootVolumeGiB,
        userDataFile,
        userData,
        subnetIds,
        natGateways: check.oneOf(
            `${key}.natGateways`,
            or(fleet.natGateways, FLEET_DEFAULTS.natGateways),
            ["Single", "OnePerAz"] as const,
            "NAT gateways of the VPCs made for the fleet",
        ),
        vpcCidr: vpcCidr(check, `${key}.vpcCidr`, or(fleet.vpcCidr, FLEET_DEFAULTS.vpcCidr)),
    };
}

/**
 * EC2Launch v2 runs user data only inside `<powershell>…</powershell>` (or `<script>`) tags, and cloud-init ignores them:
 * a script for the other platform would launch instances that never run it.
 */
function checkUserDataPlatform(check: Checker, key: string, file: string, userData: string, platform: Platform, image: string): void {
    const tagged = /^\s*<powershell>[\s\S]*<\/powershell>/i.test(userData);
    if (platform === "windows" && !tagged) {
        check.fail(
            `${key} ${file} is not a PowerShell user data script, but the fleet's image ${image} is windows: EC2Launch v2 runs user data between <powershell> and </powershell> (see ${PLATFORM_DEFAULTS.windows.fleet.userDataFile})`,
        );
    } else if (platform === "linux" && tagged) {
        check.fail(
            `${key} ${file} is a <powershell> script, but the fleet's image ${image} is linux: cloud-init runs a shell script (see ${PLATFORM_DEFAULTS.linux.fleet.userDataFile})`,
        );
    }
}

/** The VPC range: its network address (no host bits set), octets 0 to 255, a prefix AWS takes for a VPC. */
function vpcCidr(check: Checker, key: string, value: unknown): string {
    const expected = "an IPv4 CIDR block from /16 to /24 like 10.0.0.0/16";
    const cidr = check.matching(key, value, /^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, expected);
    if (!cidr) return cidr;
    const [address, prefix] = cidr.split("/");
    const octets = address.split(".").map(Number);
    if (octets.some(octet => octet > 255)) {
        check.refuse(key, `${key} must be ${expected}, got ${describe(cidr)}: an address has four numbers from 0 to 255`);
        return "";
    }
    const bits = octets.reduce((sum, octet) => sum * 256 + octet, 0);
    const hostBits = 2 ** (32 - Number(prefix));
    if (bits % hostBits !== 0) {
        const network = Math.floor(bits / hostBits) * hostBits;
        const text = [24, 16, 8, 0].map(shift => Math.floor(network / 2 ** shift) % 256).join(".");
        check.refuse(key, `${key} must be ${expected}, got ${describe(cidr)}: host bits are set; the block's network address is ${text}/${prefix}`);
        return "";
    }
    return cidr;
}

function parsePromoteFrom(check: Checker, value: unknown, images: ImageConfig[]): PromoteFromConfig {
    const key = "golden-ami:promoteFrom";
    const promoteFrom = check.object(key, value, true, ["account", "region", "amiIds", "stack", "amiId"]);
    const pinCommand = "npm run images -- promote --from <building stack> --image <name> --version <version> --stack <this stack>";
    if (promoteFrom.amiId !== undefined) {
        check.refuse(
            `${key}.amiId`,
            `${key}.amiId is replaced by ${key}.amiIds, the pinned AMI of each image; write amiIds: { ${images[0]?.name ?? "<image>"}: ${typeof promoteFrom.amiId === "string" ? promoteFrom.amiId : "ami-…"} }`,
        );
    }
    const amiIdsKey = `${key}.amiIds`;
    const amiIds: Record<string, string> = {};
    if (promoteFrom.amiId === undefined || promoteFrom.amiIds !== undefined) {
        const given = check.object(amiIdsKey, promoteFrom.amiIds, true);
        const names = images.map(image => image.name);
        for (const [name, amiId] of Object.entries(given)) {
            const itemKey = `${amiIdsKey}.${shownKey(name)}`;
            if (!names.includes(name)) {
                const closest = closestOf(name, names);
                check.refuse(
                    itemKey,
                    `${itemKey} pins an image that is not in golden-ami:images${closest ? `; did you mean ${closest}?` : ""} (images: ${names.join(", ")})`,
                );
                continue;
            }
            const pinned = check.matching(
                itemKey,
                amiId,
                AMI_ID,
                `the id of the AMI the building stack proved, like ami-0123456789abcdef0; pin it with \`${pinCommand}\``,
            );
            if (pinned) Object.defineProperty(amiIds, name, { value: pinned, enumerable: true, writable: true, configurable: true });
        }
        if (isPlainObject(promoteFrom.amiIds)) {
            for (const name of names.filter(name => !(name in given))) {
                check.fail(
                    `${amiIdsKey}.${name} is required: a promoting stack copies each of its images from the AMI it pins; pin it with \`${pinCommand.replace("<name>", name)}\``,
                );
            }
        }
    }
    return {
        account: check.matching(`${key}.account`, promoteFrom.account, /^\d{12}$/, "the building account's 12-digit AWS account id"),
        region: check.region(`${key}.region`, promoteFrom.region),
        amiIds,
        ...(promoteFrom.stack !== undefined && {
            stack: check.matching(`${key}.stack`, promoteFrom.stack, /^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "the building stack's name, like dev"),
        }),
    };
}

function parseBuild(check: Checker, value: unknown): BuildNetworkConfig {
    const key = "golden-ami:build";
    const build = check.object(key, value, true, ["subnetId", "securityGroupIds"]);
    const subnetId = check.matching(
        `${key}.subnetId`,
        build.subnetId,
        SUBNET_ID,
        "the subnet id the build and test instances run in, like subnet-0123456789abcdef0 (it needs a route to SSM, S3 and your package mirrors)",
    );
    const securityGroupIds = check.list(`${key}.securityGroupIds`, or(build.securityGroupIds, []), (itemKey, item) =>
        check.matching(itemKey, item, /^sg-[0-9a-f]{8}([0-9a-f]{9})?$/, "a security group id like sg-0123456789abcdef0"),
    );
    check.unique(`${key}.securityGroupIds`, securityGroupIds);
    return { subnetId, securityGroupIds };
}

function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    if (region.startsWith("eusc-")) return "aws-eusc";
    const iso = /^[a-z]+-(iso[a-z]?)-/.exec(region);
    return iso ? `aws-${iso[1]}` : "aws";
}

/** Collects problems instead of stopping at the first, so one run tells the user everything to fix. */
class Checker {
    private readonly problems: string[] = [];
    /** Keys whose own value was refused: checks across keys skip them rather than report a value nobody gave. */
    private readonly refused = new Set<string>();

    fail(problem: string): void {
        this.problems.push(problem);
    }

    refuse(key: string, problem: string): void {
        this.refused.add(key);
        this.fail(problem);
    }

    /** Whether every key given (and everything under it) passed its own check. */
    valid(...keys: string[]): boolean {
        return keys.every(key => ![...this.refused].some(refused => refused === key || refused.startsWith(`${key}.`) || refused.startsWith(`${key}[`)));
    }

    done(): void {
        if (this.problems.length > 0) throw new ConfigError(this.problems);
    }

    /** An object value; with `fields`, a field it does not know is refused with the closest known one. */
    object(key: string, value: unknown, required: boolean, fields?: readonly string[]): Record<string, unknown> {
        if (value === undefined && required) {
            this.refuse(key, `${key} is required: set it in the stack file (Pulumi.<stack>.yaml)`);
            return {};
        }
        if (typeof value !== "object" || value === null || Array.isArray(value)) {
            this.refuse(key, `${key} must be an object, got ${describe(value)}`);
            return {};
        }
        if (fields) this.knownFields(key, value as Record<string, unknown>, fields, ".");
        return value as Record<string, unknown>;
    }

    knownFields(key: string, value: Record<string, unknown>, fields: readonly string[], separator: "." | ":"): void {
        for (const field of Object.keys(value)) {
            if (fields.includes(field)) continue;
            const closest = closestOf(field, fields);
            this.refuse(
                `${key}${separator}${field}`,
                `${key}${separator}${shownKey(field)} is not a known key${closest ? `; did you mean ${key}${separator}${closest}?` : ""} (known: ${fields.join(", ")})`,
            );
        }
    }

    /** Stack names become part of Image Builder and KMS alias names, which allow fewer characters than Pulumi does. */
    stackName(stack: string): void {
        if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$/.test(stack)) {
            this.fail(`the stack name must be 1 to 30 letters, digits, '-' or '_' (it becomes part of Image Builder and KMS alias names), got "${stack}"`);
        }
    }

    list<T>(key: string, value: unknown, item: (itemKey: string, item: unknown) => T): T[] {
        if (!Array.isArray(value)) {
            const hint = typeof value === "string" && !blank(value) ? `: write it as a YAML list, one "- ${shown(value)}" line per item` : "";
            this.refuse(key, `${key} must be a list, got ${describe(value)}${hint}`);
            return [];
        }
        return value.map((element, index) => item(`${key}[${index}]`, element));
    }

    unique(key: string, values: string[]): void {
        const seen = new Set<string>();
        values.forEach((value, index) => {
            if (value && seen.has(value)) this.fail(`${key}[${index}] "${value}" is listed twice`);
            seen.add(value);
        });
    }

    matching(key: string, value: unknown, pattern: RegExp, expected: string): string {
        if (value === undefined) {
            this.refuse(key, `${key} is required: expected ${expected}`);
            return "";
        }
        if (typeof value === "number" && pattern.test(String(value))) {
            this.refuse(key, `${key} must be ${expected}, got the number ${value}: quote it in the stack file ("${value}"), or YAML reads it as a number`);
            return "";
        }
        if (typeof value === "number" && /^\d{1,11}$/.test(String(value)) && pattern.test(String(value).padStart(12, "0"))) {
            this.refuse(
                key,
                `${key} must be ${expected}, got the number ${value}: YAML dropped its leading zeros; quote it in the stack file ("${String(value).padStart(12, "0")}")`,
            );
            return "";
        }
        if (typeof value !== "string" || !pattern.test(value)) {
            this.refuse(key, `${key} must be ${expected}, got ${describe(value)}`);
            return "";
        }
        return value;
    }

    instanceTypes(key: string, value: unknown): string[] {
        const types = this.list(key, value, (itemKey, item) =>
            this.matching(itemKey, item, INSTANCE_TYPE, "an EC2 instance type of a known family like t3.medium, m7i.large or c7g.2xlarge"),
        );
        if (Array.isArray(value) && value.length === 0) this.refuse(key, `${key} must list at least one instance type, got []`);
        this.unique(key, types);
        return types;
    }

    file(key: string, repositoryPath: string): string {
        if (!repositoryPath) return "";
        const file = path.join(REPOSITORY_ROOT, repositoryPath);
        const relative = path.relative(REPOSITORY_ROOT, file);
        if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
            this.refuse(key, `${key} must name a file inside the repository, got ${describe(repositoryPath)}`);
            return "";
        }
        if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
            this.refuse(key, `${key} must name a file in the repository, got ${describe(repositoryPath)} (not found)`);
            return "";
        }
        return fs.readFileSync(file, "utf8");
    }

    region(key: string, value: unknown): string {
        if (value === undefined) {
            this.refuse(key, `${key} is required: expected an AWS region like us-east-1`);
            return "";
        }
        if (typeof value !== "string" || !KNOWN_REGIONS.has(value)) {
            const closest = typeof value === "string" ? closestOf(value, [...KNOWN_REGIONS], 2) : undefined;
            this.refuse(key, `${key} must be an AWS region like us-east-1, got ${describe(value)}${closest ? `; did you mean ${closest}?` : ""}`);
            return "";
        }
        return value;
    }

    oneOf<T extends string>(key: string, value: unknown, allowed: readonly T[], why: string): T {
        if (!allowed.includes(value as T)) {
            this.refuse(key, `${key} must be one of ${allowed.join(", ")} (${why}), got ${describe(value)}`);
            return allowed[0];
        }
        return value as T;
    }

    integer(key: string, value: unknown, min: number, max: number): number {
        if (typeof value === "string" && /^\s*-?\d+\s*$/.test(value)) {
            this.refuse(key, `${key} must be a whole number from ${min} to ${max}, got the string ${describe(value)}: remove the quotes in the stack file`);
            return min;
        }
        if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
            this.refuse(key, `${key} must be a whole number from ${min} to ${max}, got ${describe(value)}`);
            return min;
        }
        return value;
    }

    boolean(key: string, value: unknown, fallback: boolean): boolean {
        if (value === undefined) return fallback;
        if (value === "true" || value === "false") {
            this.refuse(key, `${key} must be true or false, got the string ${describe(value)}: remove the quotes in the stack file`);
            return fallback;
        }
        if (typeof value !== "boolean") {
            this.refuse(key, `${key} must be true or false, got ${describe(value)}`);
            return fallback;
        }
        return value;
    }
}

/** The known name a misspelt one was most likely meant to be: same letters in another case, or a few edits away. */
function closestOf(name: string, known: readonly string[], maxDistance?: number): string | undefined {
    const sameLetters = known.find(candidate => candidate.toLowerCase() === name.toLowerCase());
    if (sameLetters) return sameLetters;
    const scored = known
        .map(candidate => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
        .sort((a, b) => a.distance - b.distance);
    const best = scored[0];
    return best && best.distance <= (maxDistance ?? Math.max(2, Math.floor(name.length / 3))) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/** A value as a message shows it: JSON, with invisible characters spelt out and long values cut short. */
function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null (an empty value)";
    if (typeof value === "number") return String(value);
    if (typeof value === "string" && value.length > 80) return `${describe(value.slice(0, 60))}… (${value.length} characters)`;
    let text: string;
    try {
        text = JSON.stringify(value, (_, item) => (typeof item === "number" && !Number.isFinite(item) ? String(item) : item)) ?? String(value);
    } catch {
        text = String(value);
    }
    return shown(text);
}

const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u3164\uffa0]/u;

/** Text for a message: invisible characters as \\u escapes (a value that looks right but is not), at most 80 characters. */
function shown(text: string): string {
    const visible = text.replace(new RegExp(INVISIBLE.source, "gu"), char => `\\u${char.codePointAt(0)!.toString(16).padStart(4, "0")}`);
    return visible.length > 80 ? `${visible.slice(0, 60)}… (${text.length} characters)` : visible;
}

/** A key the stack file gave, as a message names it. */
function shownKey(key: string): string {
    return key === "" || key.trim() !== key || INVISIBLE.test(key) ? describe(key) : shown(key);
}

/** Blank: nothing but spaces and invisible characters. */
function blank(text: string): boolean {
    return text.replace(new RegExp(`\\s|${INVISIBLE.source}`, "gu"), "") === "";
}

/** A key's value, or the default when the stack leaves the key out; an empty value (null) is not left out: it is refused. */
function or<T>(value: unknown, fallback: T): unknown {
    return value === undefined ? fallback : value;
}

/** One image of a stack, with the stack's settings and that image's pin: what the lock and the images CLI work on. */
export interface StackImage extends Omit<GoldenAmiConfig, "promoteFrom"> {
    image: ImageConfig;
    promoteFrom?: Omit<PromoteFromConfig, "amiIds"> & { amiId: string };
}

/**
 * The stack's image named `name`, or its only image when `name` is left out; a stack of several images
 * needs the name, and the message lists them (`flag` is how the caller asks for it, e.g. `--image <name>`).
 */
export function stackImage(config: GoldenAmiConfig, name: string | undefined, flag = "--image <name>"): StackImage {
    const names = config.images.map(image => image.name);
    if (name === undefined && config.images.length !== 1) {
        throw new ConfigError([`stack ${config.stack} has ${config.images.length} images (${names.join(", ")}): pass ${flag} to say which`]);
    }
    const image = name === undefined ? config.images[0] : imageNamed(config, name);
    const { promoteFrom, ...rest } = config;
    return {
        ...rest,
        image,
        ...(promoteFrom && {
            promoteFrom: {
                account: promoteFrom.account,
                region: promoteFrom.region,
                amiId: promoteFrom.amiIds[image.name],
                ...(promoteFrom.stack && { stack: promoteFrom.stack }),
            },
        }),
    };
}
