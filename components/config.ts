// The one place that reads and validates the stack's configuration.
// `parseStackConfig` is pure (tests, the plan and the images CLI call it with a stack file's values): the schema
// (components/configSchema.ts) checks every key's shape and own rules, then the rules across keys below run;
// `loadConfig` reads `pulumi.Config` and turns every problem into one clean error before any resource exists.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { parse as parseYaml } from "yaml";
import { closestOf, describe, isPlainObject, problemsOf, shownKey } from "./configMessages";
import { fieldsAt, FleetSettings, ImageSettings, PROJECT, STACK_CONFIG, StackSettings, StepSettings } from "./configSchema";
import { windowsDocumentProblems } from "./awstoe";
import { Architecture, ARCHITECTURES, architectureOf, exampleInstanceTypes, Platform, PLATFORM_DEFAULTS, PLATFORMS, WINDOWS_BOOT_TEST } from "./platforms";

export { DERIVED_TAG_KEYS, ORIGIN_TAG_KEYS, PROJECT, SHARING_LIMITS } from "./configSchema";

/** Image Builder renders `{{ imagebuilder:buildDate }}` as e.g. `2026-11-23T04-00-12.345Z`. */
const BUILD_DATE_LENGTH = "2026-11-23T04-00-12.345Z".length;
const MAX_AMI_NAME_LENGTH = 127;

/** A build or test step: a document of the repository (read and locked like today's), or an AWS-managed component. */
export type StepConfig = { kind: "document"; path: string; content: string } | { kind: "managed"; name: string; version: string };

/** An image of the catalog: its settings (configSchema.ts), with the platform's defaults filled in and its steps read. */
export interface ImageConfig extends Required<Omit<ImageSettings, "buildSteps" | "testSteps" | "expectedServices" | "fastLaunch">> {
    /** The catalog's key: Image Builder resource names, the AMI name and the SSM path start with it. */
    name: string;
    /** Set when `baseImage` is `image:<name>`: the catalog image this one is built on. */
    parentImage?: string;
    /** The user's build steps in order; the hygiene step follows them (see `recipeSteps`). */
    buildSteps: StepConfig[];
    testSteps: StepConfig[];
    /** Windows only: the services the boot test expects running; absent, the document's default list. */
    expectedServices?: string[];
    /** Windows only, building stacks: EC2 Fast Launch of the built AMI (pre-provisioned snapshots); absent, off. */
    fastLaunch?: FastLaunchConfig;
}

/** EC2 Fast Launch: its regions (the home region), the parallel launches that make its snapshots, the snapshots kept ready. */
export type FastLaunchConfig = Required<NonNullable<ImageSettings["fastLaunch"]>>;

export type LifecycleConfig = StackSettings["golden-ami:lifecycle"];
export type SharingConfig = StackSettings["golden-ami:sharing"];
export type PromoteFromConfig = NonNullable<StackSettings["golden-ami:promoteFrom"]>;
/** Where Image Builder launches its build and test instances; absent means the account's default VPC. */
export type BuildNetworkConfig = NonNullable<StackSettings["golden-ami:build"]>;
export type InstanceRefreshConfig = Required<FleetSettings["instanceRefresh"]>;

/** A fleet: its settings (configSchema.ts), with the image's defaults filled in and the user data read. */
export interface FleetConfig extends Required<Omit<FleetSettings, "instanceRefresh" | "image" | "images">> {
    /** The fleet's key in `golden-ami:fleets`: its resources are named after it. */
    name: string;
    /** The image of the first instance type's architecture: the group's own launch template runs it. */
    image: string;
    /** The image each architecture runs: one entry, or one per architecture for a mixed-architecture group. */
    images: Partial<Record<Architecture, string>>;
    instanceRefresh: InstanceRefreshConfig;
    /** The contents of `userDataFile`. */
    userData: string;
}

/** The defaults of `golden-ami:lifecycle`, for tools that work without a stack. */
export const LIFECYCLE_DEFAULTS: LifecycleConfig = STACK_CONFIG.shape["golden-ami:lifecycle"].parse(undefined);

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
    /** Versions of this stack's images that promoting stacks pin or would roll back to, by image: their Image Builder images stay. */
    pinnedVersions: Record<string, string[]>;
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

/** Offline what-if runs (tools/engine/mockRun.ts) may read the other stacks' files from elsewhere; the Pulumi CLI reads the repository's. */
export const STACK_FILES_VARIABLE = "GOLDEN_AMI_STACK_FILES";

/** Paths in the config (user data) are relative to the repository root, wherever the program runs from. */
const REPOSITORY_ROOT = path.resolve(__dirname, "..");

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
    const problems: string[] = [];
    const fail = (problem: string) => problems.push(problem);
    // Stack names become part of Image Builder and KMS alias names, which allow fewer characters than Pulumi does.
    if (!/^[A-Za-z0-9][A-Za-z0-9_-]{0,29}$/.test(stack)) {
        fail(`the stack name must be 1 to 30 letters, digits, '-' or '_' (it becomes part of Image Builder and KMS alias names), got "${stack}"`);
    }
    // Keyed as the stack file has them: golden-ami:<key>, aws:<setting>.
    const input = Object.fromEntries(Object.entries(raw).map(([key, value]) => [key.includes(":") ? key : `${PROJECT}:${key}`, value]));
    const parsed = STACK_CONFIG.safeParse(input, { reportInput: true });
    if (!parsed.success) problems.push(...problemsOf(parsed.error.issues, fieldsAt, input));
    // The rules across keys run on every section that is valid on its own, so one run lists every problem.
    const section = <K extends keyof StackSettings>(key: K): StackSettings[K] | undefined =>
        parsed.success ? parsed.data[key] : (STACK_CONFIG.shape[key].safeParse(input[key]).data as StackSettings[K] | undefined);

    const homeRegion = section("aws:region");
    const listed = section("golden-ami:regions");
    const regions = homeRegion !== undefined && listed ? regionsOf(homeRegion, listed, fail) : undefined;
    const catalog = section("golden-ami:images");
    const images = catalog && Object.entries(catalog).map(([name, image]) => imageOf(name, image, stack, Object.keys(catalog), homeRegion, fail));
    if (images) layeredImages(images, fail);
    // Zod passes over a map key named __proto__ (configSchema.ts `map` checks it): the names are read from the stack's own values.
    const given = input as { "golden-ami:tags": Record<string, string>; "golden-ami:fleets"?: Record<string, { subnetIds?: object }> };
    const fleets =
        images && regions
            ? Object.entries(section("golden-ami:fleets") ?? {}).map(([name, fleet]) =>
                  fleetOf(name, fleet, Object.keys(given["golden-ami:fleets"]?.[name]?.subnetIds ?? {}), regions, images, fail),
              )
            : undefined;
    const promoteFrom = section("golden-ami:promoteFrom");
    if (promoteFrom && images) pinnedImages(promoteFrom, images, fail);
    if (promoteFrom && section("golden-ami:build"))
        fail("golden-ami:build is set, but golden-ami:promoteFrom makes this a promoting stack that never builds; remove one of them");
    const sharing = section("golden-ami:sharing");
    if (images && sharing) for (const image of images) checkCopyableAcrossAccounts(image, sharing, promoteFrom, fail);
    if (images && homeRegion !== undefined) for (const image of images) checkFastLaunchRegions(image, homeRegion, promoteFrom, fail);
    if (promoteFrom && sharing && [...sharing.accounts, ...sharing.promotingAccounts].includes(promoteFrom.account)) {
        fail(`golden-ami:sharing lists ${promoteFrom.account}, the account this stack promotes from; it owns the source image already`);
    }
    if (!parsed.success || problems.length > 0) throw new ConfigError(problems);

    // Every section is valid here, so each rule above ran and made its part.
    const settings = parsed.data;
    return {
        stack,
        homeRegion: settings["aws:region"],
        images: images!,
        lifecycle: settings["golden-ami:lifecycle"],
        regions: regions!,
        sharing: settings["golden-ami:sharing"],
        // Object.fromEntries keeps a tag named __proto__ or constructor as the stack wrote it.
        tags: Object.fromEntries(Object.entries(given["golden-ami:tags"])),
        promoteFrom,
        blockPublicSharing: settings["golden-ami:blockPublicSharing"],
        fleets: fleets!,
        build: settings["golden-ami:build"],
        pinnedBy: {},
        pinnedVersions: {},
        notes: regions!
            .filter(region => OPT_IN_REGIONS.has(region))
            .map(
                region =>
                    `${region} is an opt-in region: enable it in every account that builds, copies or launches there (Account settings, or aws account enable-region --region-name ${region})`,
            ),
    };
}

/** Every region that holds the images, the home region first, each once: all in the home region's partition. */
function regionsOf(homeRegion: string, listed: string[], fail: (problem: string) => void): string[] {
    const partition = partitionOf(homeRegion);
    listed.forEach((region, index) => {
        if (partitionOf(region) !== partition) {
            fail(
                `golden-ami:regions[${index}] "${region}" is in partition ${partitionOf(region)}, but aws:region "${homeRegion}" is in ${partition}; images cannot be copied across partitions`,
            );
        }
    });
    return [homeRegion, ...listed.filter(region => region !== homeRegion)];
}

function imageOf(
    name: string,
    image: ImageSettings,
    stack: string,
    catalog: string[],
    homeRegion: string | undefined,
    fail: (problem: string) => void,
): ImageConfig {
    const key = `golden-ami:images.${name}`;
    const { platform, architecture, baseImage } = image;
    const defaults = PLATFORM_DEFAULTS[platform];
    const amiNameLength = name.length + image.version.length + stack.length + BUILD_DATE_LENGTH + 3;
    if (amiNameLength > MAX_AMI_NAME_LENGTH) {
        fail(`${key}: the image name, its version and the stack name make an AMI name of ${amiNameLength} characters; the limit is ${MAX_AMI_NAME_LENGTH}`);
    }
    const architectureFits = defaults.architectures.includes(architecture);
    if (!architectureFits) fail(`${key}.architecture must be ${defaults.architectures.join(" or ")} for ${platform}, got "${architecture}"`);
    const parentImage = baseImage.startsWith("image:") ? baseImage.slice("image:".length) : undefined;
    if (parentImage === name) {
        fail(`${key}.baseImage is image:${name}, the image itself; name another image of the catalog, an SSM parameter or an AMI id`);
    } else if (parentImage && !catalog.includes(parentImage)) {
        const closest = closestOf(
            parentImage,
            catalog.filter(other => other !== name),
        );
        fail(
            `${key}.baseImage is image:${parentImage}, which is not in golden-ami:images${closest ? `; did you mean image:${closest}?` : ""} (images: ${catalog.join(", ")})`,
        );
    } else if (baseImage.startsWith("ssm:/aws/service/")) {
        const other = ARCHITECTURES.find(candidate => candidate !== architecture && baseImage.includes(candidate));
        if (other && !baseImage.includes(architecture)) {
            fail(
                `${key}.baseImage ${baseImage} is an ${other} image, but ${key}.architecture is ${architecture}; use the ${architecture} parameter (…${architecture})`,
            );
        }
    }
    if (!parentImage) checkBasePlatform(`${key}.baseImage`, baseImage, platform, `${key}.platform`, fail);
    const instanceTypes = image.instanceTypes ?? [...(defaults.instanceTypes[architecture] ?? [])];
    if (architectureFits) checkArchitecture(fail, `${key}.instanceTypes`, instanceTypes, architecture, `${key}.architecture`);
    if (platform === "windows") {
        instanceTypes.forEach((instanceType, index) => {
            // Windows is licensed per instance and needs memory for its updates: no burstable nano, micro or small.
            if (/\.(nano|micro|small)$/.test(instanceType))
                fail(
                    `${key}.instanceTypes[${index}] "${instanceType}" is too small to build Windows Server (updates and Sysprep need 4 GiB or more): use m7i.large, t3.large or larger`,
                );
        });
    }
    const rootVolumeGiB = image.rootVolumeGiB ?? defaults.defaultRootVolumeGiB;
    if (rootVolumeGiB < defaults.minRootVolumeGiB) {
        fail(
            platform === "windows"
                ? `${key}.rootVolumeGiB must be at least ${defaults.minRootVolumeGiB} for windows, got ${rootVolumeGiB}: AWS's Windows Server base images have a ${defaults.minRootVolumeGiB} GiB root snapshot, ` +
                      `and a volume cannot be smaller than its snapshot (${defaults.defaultRootVolumeGiB}, the default, leaves room for updates)`
                : `${key}.rootVolumeGiB must be a whole number from ${defaults.minRootVolumeGiB} to 16384, got ${rootVolumeGiB}`,
        );
    }
    const stepsOf = (field: "buildSteps" | "testSteps") => readSteps(`${key}.${field}`, image[field] ?? defaults[field], platform, fail);
    const buildSteps = stepsOf("buildSteps");
    const testSteps = stepsOf("testSteps");
    const ids = [...buildSteps, ...testSteps].map(stepId);
    ids.forEach((id, index) => {
        if (ids.indexOf(id) !== index) fail(`${key} lists the step ${id} twice (buildSteps and testSteps together): each component is in the recipe once`);
    });
    if (image.expectedServices) checkExpectedServices(`${key}.expectedServices`, platform, testSteps, fail);
    const { fastLaunch, ...settings } = image;
    if (fastLaunch && platform !== "windows") fail(`${key}.fastLaunch applies to windows images: EC2 Fast Launch pre-provisions Windows instances only`);
    return {
        name,
        ...settings,
        ...(parentImage && { parentImage }),
        // Image Builder enables Fast Launch where it distributes: the home region (checkFastLaunchRegions refuses others).
        ...(fastLaunch && { fastLaunch: { ...fastLaunch, regions: fastLaunch.regions ?? (homeRegion === undefined ? [] : [homeRegion]) } }),
        instanceTypes,
        rootVolumeGiB,
        rootDeviceName: image.rootDeviceName ?? defaults.rootDeviceName,
        buildSteps,
        testSteps,
    };
}

/** Layered images: the parent must be of the same platform and architecture, and no image may be its own ancestor. */
function layeredImages(images: ImageConfig[], fail: (problem: string) => void): void {
    const named = (name: string | undefined) => images.find(candidate => candidate.name === name);
    for (const image of images) {
        const parent = named(image.parentImage);
        if (!parent || parent === image) continue;
        const baseKey = `golden-ami:images.${image.name}.baseImage`;
        if (parent.architecture !== image.architecture) {
            fail(
                `${baseKey} is image:${parent.name}, an ${parent.architecture} image, but ${image.name} is ${image.architecture}; build it on an image of its own architecture`,
            );
        }
        if (parent.platform !== image.platform) fail(`${baseKey} is image:${parent.name}, a ${parent.platform} image, but ${image.name} is ${image.platform}`);
        const chain = [image.name];
        for (let ancestor: ImageConfig | undefined = parent; ancestor; ancestor = named(ancestor.parentImage)) {
            if (chain.includes(ancestor.name)) {
                fail(`${baseKey} makes a loop (${[...chain, ancestor.name].join(" → ")}): an image cannot be built on itself`);
                break;
            }
            chain.push(ancestor.name);
        }
    }
}

/** Refuses instance types of the other architecture, naming the key and giving valid examples. */
function checkArchitecture(
    fail: (problem: string) => void,
    key: string,
    instanceTypes: string[],
    architecture: Architecture,
    architectureKey: string,
    otherwise = "",
): void {
    instanceTypes.forEach((instanceType, index) => {
        if (architectureOf(instanceType) === architecture) return;
        fail(
            `${key}[${index}] "${instanceType}" is an ${architectureOf(instanceType)} instance type, but ${architectureKey} is ${architecture}: ` +
                `use ${architecture} types like ${exampleInstanceTypes(architecture)}${otherwise}`,
        );
    });
}

/** The steps with their documents read; the hygiene step is left out, as it always runs last (see recipeSteps). */
function readSteps(key: string, steps: StepSettings[], platform: Platform, fail: (problem: string) => void): StepConfig[] {
    const { hygieneDocument, managedComponentSuffix } = PLATFORM_DEFAULTS[platform];
    return steps.flatMap((step, index): StepConfig[] => {
        if (step.managed !== undefined) {
            // AWS names its components after their platform; one of the other platform's fails the build (Image Builder refuses the recipe).
            const other = PLATFORMS.find(candidate => candidate !== platform && step.managed!.endsWith(PLATFORM_DEFAULTS[candidate].managedComponentSuffix));
            if (other) {
                fail(
                    `${key}[${index}].managed "${step.managed}" is a ${other} component, but the image is ${platform}: use its ${platform} counterpart (…${managedComponentSuffix})`,
                );
                return [];
            }
            return [{ kind: "managed", name: step.managed, version: step.version ?? "x.x.x" }];
        }
        const documentPath = path.posix.normalize(step.document!);
        const content = repositoryFile(`${key}[${index}].document`, step.document!, fail);
        if (content !== undefined && platform === "windows") {
            for (const problem of windowsDocumentProblems(content)) fail(`${key}[${index}].document ${documentPath} ${problem}`);
        }
        return content === undefined || documentPath === hygieneDocument ? [] : [{ kind: "document", path: documentPath, content }];
    });
}

/** A file of the repository, read; undefined (and a problem) when the path leaves the repository or names no file. */
function repositoryFile(key: string, repositoryPath: string, fail: (problem: string) => void): string | undefined {
    const file = path.join(REPOSITORY_ROOT, repositoryPath);
    const relative = path.relative(REPOSITORY_ROOT, file);
    if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) {
        fail(`${key} must name a file inside the repository, got ${describe(repositoryPath)}`);
        return undefined;
    }
    if (!fs.existsSync(file) || !fs.statSync(file).isFile()) {
        fail(`${key} must name a file in the repository, got ${describe(repositoryPath)} (not found)`);
        return undefined;
    }
    return fs.readFileSync(file, "utf8");
}

function fleetOf(
    name: string,
    fleet: FleetSettings,
    subnetRegions: string[],
    imageRegions: string[],
    images: ImageConfig[],
    fail: (problem: string) => void,
): FleetConfig {
    const key = `golden-ami:fleets.${name}`;
    const byArchitecture = fleetImages(key, fleet, images, fail);
    const listed = Object.values(byArchitecture);
    const regions = fleet.regions ?? imageRegions;
    regions.forEach((region, index) => {
        if (!imageRegions.includes(region)) {
            fail(
                `${key}.regions[${index}] "${region}" does not hold the images; add it to golden-ami:regions or remove it from the fleet (image regions: ${imageRegions.join(", ")})`,
            );
        }
    });
    const platform = listed[0]?.platform ?? "linux";
    const platformFleet = PLATFORM_DEFAULTS[platform].fleet;
    const architectures = ARCHITECTURES.filter(architecture => byArchitecture[architecture]);
    const instanceTypes =
        fleet.instanceTypes ??
        (architectures.length > 0 ? architectures : (["x86_64"] as const)).flatMap(
            architecture => PLATFORM_DEFAULTS[platform].fleetInstanceTypes[architecture] ?? [],
        );
    if (fleet.images && listed.length > 0) {
        const named = ARCHITECTURES.filter(architecture => fleet.images![architecture] !== undefined);
        checkFleetArchitectures(key, named, instanceTypes, byArchitecture, images, fail);
    } else if (listed.length === 1) {
        // One image: every type must run its architecture (one launch template per group).
        const [image] = listed;
        checkArchitecture(
            fail,
            `${key}.instanceTypes`,
            instanceTypes,
            image.architecture,
            `golden-ami:images.${image.name}.architecture (the fleet's image)`,
            `; or run both architectures with ${key}.images: { x86_64: <image>, arm64: <image> } instead of image`,
        );
    }
    // The launch template of the first type's architecture is the group's own; its image names the fleet.
    const image = byArchitecture[architectureOf(instanceTypes[0])] ?? listed[0];
    const imageRootGiB = listed.length > 0 ? Math.max(...listed.map(each => each.rootVolumeGiB)) : PLATFORM_DEFAULTS.linux.minRootVolumeGiB;
    const rootVolumeGiB = fleet.rootVolumeGiB ?? imageRootGiB;
    if (rootVolumeGiB < imageRootGiB) fail(`${key}.rootVolumeGiB must be a whole number from ${imageRootGiB} to 16384, got ${rootVolumeGiB}`);
    for (const region of subnetRegions.filter(region => !regions.includes(region))) {
        fail(`${key}.subnetIds.${shownKey(region)} is not a fleet region (${regions.join(", ")})`);
    }
    const userDataFile = fleet.userDataFile ?? platformFleet.userDataFile;
    const userData = repositoryFile(`${key}.userDataFile`, userDataFile, fail);
    if (userData !== undefined && image) checkUserDataPlatform(`${key}.userDataFile`, userDataFile, userData, platform, image.name, fail);
    return {
        name,
        ...fleet,
        image: image?.name ?? "",
        images: Object.fromEntries(architectures.map(architecture => [architecture, byArchitecture[architecture]!.name])),
        regions,
        instanceTypes,
        desiredCapacity: fleet.desiredCapacity ?? fleet.minSize,
        healthCheckGracePeriodSeconds: fleet.healthCheckGracePeriodSeconds ?? platformFleet.healthCheckGracePeriodSeconds,
        instanceRefresh: {
            ...fleet.instanceRefresh,
            instanceWarmupSeconds: fleet.instanceRefresh.instanceWarmupSeconds ?? platformFleet.instanceWarmupSeconds,
        },
        rootVolumeGiB,
        userDataFile,
        userData: userData ?? "",
    };
}

/** The fleet's images by architecture: its one `image`, or `images`, each checked against the catalog; one platform for all. */
function fleetImages(key: string, fleet: FleetSettings, images: ImageConfig[], fail: (problem: string) => void): Partial<Record<Architecture, ImageConfig>> {
    const names = images.map(image => image.name);
    if (fleet.images === undefined) {
        const image = fleet.image === undefined && images.length === 1 ? images[0] : images.find(candidate => candidate.name === fleet.image);
        if (!image) {
            const closest = fleet.image === undefined ? undefined : closestOf(fleet.image, names);
            fail(
                `${key}.image must name the image of golden-ami:images the fleet runs${closest ? `; did you mean ${closest}?` : ""}, got ${describe(fleet.image)} (images: ${names.join(", ")})`,
            );
            return {};
        }
        return { [image.architecture]: image };
    }
    if (fleet.image !== undefined) {
        fail(
            `${key} sets both image (${describe(fleet.image)}) and images (${describe(fleet.images)}): keep image for a fleet of one architecture, ` +
                `or images, one image per architecture, for a group that runs both`,
        );
        return {};
    }
    const byArchitecture: Partial<Record<Architecture, ImageConfig>> = {};
    const entries = ARCHITECTURES.flatMap(architecture =>
        fleet.images![architecture] === undefined ? [] : [[architecture, fleet.images![architecture]!] as const],
    );
    if (entries.length === 0) {
        fail(`${key}.images must name at least one image, like images: { x86_64: <image>, arm64: <image> }, got {}`);
    }
    for (const [architecture, imageName] of entries) {
        const ofArchitecture = images.filter(image => image.architecture === architecture).map(image => image.name);
        const choices = ofArchitecture.length > 0 ? `${architecture} images: ${ofArchitecture.join(", ")}` : `the catalog has no ${architecture} image`;
        const image = images.find(candidate => candidate.name === imageName);
        if (!image) {
            const closest = closestOf(imageName, names);
            fail(
                `${key}.images.${architecture} must name an ${architecture} image of golden-ami:images${closest ? `; did you mean ${closest}?` : ""}, got ${describe(imageName)} (${choices})`,
            );
        } else if (image.architecture !== architecture) {
            fail(
                `${key}.images.${architecture} is ${image.name}, an ${image.architecture} image: list it under images.${image.architecture}, or name an ${architecture} image (${choices})`,
            );
        } else {
            byArchitecture[architecture] = image;
        }
    }
    const platforms = [...new Set(Object.values(byArchitecture).map(image => image.platform))];
    if (platforms.length > 1) {
        fail(
            `${key}.images mixes platforms (${Object.entries(byArchitecture)
                .map(([architecture, image]) => `${architecture}: ${image.name} is ${image.platform}`)
                .join(", ")}): a group runs one platform's user data and boot settings; make one fleet per platform`,
        );
        return {};
    }
    return byArchitecture;
}

/** A fleet of several images: every instance type has the image of its architecture, and every image a type to run it. */
function checkFleetArchitectures(
    key: string,
    named: Architecture[],
    instanceTypes: string[],
    byArchitecture: Partial<Record<Architecture, ImageConfig>>,
    images: ImageConfig[],
    fail: (problem: string) => void,
): void {
    instanceTypes.forEach((instanceType, index) => {
        const architecture = architectureOf(instanceType);
        // An architecture images lists, but whose image was refused above, needs no second message.
        if (named.includes(architecture)) return;
        const candidates = images.filter(image => image.architecture === architecture).map(image => image.name);
        fail(
            `${key}.instanceTypes[${index}] "${instanceType}" is an ${architecture} instance type, but ${key}.images lists no ${architecture} image: ` +
                (candidates.length > 0
                    ? `add images.${architecture}: ${candidates[0]}${candidates.length > 1 ? ` (${architecture} images: ${candidates.join(", ")})` : ""}`
                    : `add an ${architecture} image to golden-ami:images and name it in images.${architecture}`) +
                `, or remove the type`,
        );
    });
    for (const [architecture, image] of Object.entries(byArchitecture) as Array<[Architecture, ImageConfig]>) {
        if (instanceTypes.some(instanceType => architectureOf(instanceType) === architecture)) continue;
        fail(
            `${key}.images.${architecture} is ${image.name}, but no type of ${key}.instanceTypes is ${architecture}: ` +
                `add one like ${exampleInstanceTypes(architecture)}, or remove images.${architecture}`,
        );
    }
}

/**
 * AWS's public parameters name the platform in their path: a Linux parameter under a Windows image (or the other way)
 * builds a recipe Image Builder refuses, or an image that fails every step. AMI ids and other parameters cannot be told apart here.
 */
function checkBasePlatform(key: string, baseImage: string, platform: Platform, platformKey: string, fail: (problem: string) => void): void {
    if (!baseImage.startsWith("ssm:/aws/service/")) return;
    const parameter = baseImage.slice("ssm:".length);
    const other = PLATFORMS.find(candidate => candidate !== platform && parameter.startsWith(PLATFORM_DEFAULTS[candidate].baseImageParameterPrefix));
    if (other) {
        const example =
            platform === "windows"
                ? "ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base (or -2025-, -Core-Base)"
                : "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
        fail(`${key} ${baseImage} is a ${other} base image, but ${platformKey} is ${platform}: use a ${platform} parameter like ${example}`);
        return;
    }
    const windowsPrefix = PLATFORM_DEFAULTS.windows.baseImageParameterPrefix;
    if (platform === "windows" && parameter.startsWith(windowsPrefix) && !WINDOWS_SERVER_PARAMETER.test(parameter.slice(windowsPrefix.length))) {
        fail(
            `${key} ${baseImage} is not a Windows Server ${WINDOWS_SERVER_VERSIONS.join(" or ")} base image in English: use Windows_Server-<version>-English-Full-Base or -Core-Base, like ssm:${windowsPrefix}Windows_Server-2022-English-Full-Base`,
        );
    }
}

/**
 * EC2 Fast Launch (Amazon EC2 User Guide, "Use EC2 Fast Launch for your Windows instances"): EC2 launches temporary
 * instances from the AMI, takes a snapshot of each after Windows' first-boot steps, and launches from those snapshots.
 * Its rules: at least 6 parallel launches (EnableFastLaunch, in the schema), a launch template where IMDSv2 is enforced or
 * the VPC is not the default one (the program always gives one), and an AMI made with Sysprep's shutdown (Image Builder's).
 * Image Builder enables it where it distributes, the building stack's home region: that is the default and the only choice.
 */
function checkFastLaunchRegions(image: ImageConfig, homeRegion: string, promoteFrom: PromoteFromConfig | undefined, fail: (problem: string) => void): void {
    if (!image.fastLaunch) return;
    const key = `golden-ami:images.${image.name}.fastLaunch`;
    if (promoteFrom) {
        fail(
            `${key} is set on a promoting stack, which copies its AMIs instead of building them: Image Builder enables Fast Launch on the AMIs it distributes; ` +
                `enable it in the building stack, or on this stack's copies with \`aws ec2 enable-fast-launch\``,
        );
        return;
    }
    image.fastLaunch.regions.forEach((region, index) => {
        if (region !== homeRegion) {
            fail(
                `${key}.regions[${index}] "${region}" is not the home region ${homeRegion}: Image Builder enables Fast Launch on the AMI it distributes, in the home region; ` +
                    `the copies in other regions are made by the program, and the provider has no Fast Launch resource for them (\`aws ec2 enable-fast-launch\` does it by hand)`,
            );
        }
    });
}

/** Windows Server releases Image Builder builds and this program tests: 2022 and 2025, Full (desktop experience) or Core. */
const WINDOWS_SERVER_VERSIONS = ["2022", "2025"];
const WINDOWS_SERVER_PARAMETER = new RegExp(`^Windows_Server-(${WINDOWS_SERVER_VERSIONS.join("|")})-English-(Full|Core)-Base$`);

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
function checkCopyableAcrossAccounts(
    image: ImageConfig,
    sharing: SharingConfig,
    promoteFrom: PromoteFromConfig | undefined,
    fail: (problem: string) => void,
): void {
    if (!image.baseImage.startsWith(MARKETPLACE_PARAMETER_PREFIX)) return;
    const key = `golden-ami:images.${image.name}.baseImage`;
    if (promoteFrom) {
        fail(
            `${key} is an AWS Marketplace image, and this stack promotes by copying the building account's AMI: EC2 does not copy a Marketplace AMI shared from another account (see docs/windows.md); build it in this account instead`,
        );
    } else if (sharing.promotingAccounts.length > 0) {
        fail(
            `${key} is an AWS Marketplace image, but golden-ami:sharing.promotingAccounts (${sharing.promotingAccounts.join(", ")}) copy this stack's images, and EC2 does not copy a Marketplace AMI shared from another account (see docs/windows.md): ` +
                `build from AWS's public parameters (ssm:/aws/service/ami-windows-latest/…, ssm:/aws/service/ami-amazon-linux-latest/…), or share it with golden-ami:sharing.accounts, which launch it without copying`,
        );
    }
}

/** `expectedServices` feeds the Windows boot test: it applies to Windows images that run it. */
function checkExpectedServices(key: string, platform: Platform, testSteps: StepConfig[], fail: (problem: string) => void): void {
    if (platform !== "windows") {
        fail(`${key} applies to windows images (the Windows boot test's services); the Linux boot test lists its services in its document`);
        return;
    }
    if (!testSteps.some(step => step.kind === "document" && step.path === WINDOWS_BOOT_TEST)) {
        const stepsKey = key.replace(/\.expectedServices$/, ".testSteps");
        fail(`${stepsKey} does not run ${WINDOWS_BOOT_TEST}, the test that reads ${key}: add it to ${stepsKey}, or remove ${key}`);
    }
}

/**
 * EC2Launch v2 runs user data only inside `<powershell>…</powershell>` (or `<script>`) tags, and cloud-init ignores them:
 * a script for the other platform would launch instances that never run it.
 */
function checkUserDataPlatform(key: string, file: string, userData: string, platform: Platform, image: string, fail: (problem: string) => void): void {
    const tagged = /^\s*<powershell>[\s\S]*<\/powershell>/i.test(userData);
    if (platform === "windows" && !tagged) {
        fail(
            `${key} ${file} is not a PowerShell user data script, but the fleet's image ${image} is windows: EC2Launch v2 runs user data between <powershell> and </powershell> (see ${PLATFORM_DEFAULTS.windows.fleet.userDataFile})`,
        );
    } else if (platform === "linux" && tagged) {
        fail(
            `${key} ${file} is a <powershell> script, but the fleet's image ${image} is linux: cloud-init runs a shell script (see ${PLATFORM_DEFAULTS.linux.fleet.userDataFile})`,
        );
    }
}

/** A promoting stack pins one AMI per image of its catalog, and none of an image it does not have. */
function pinnedImages(promoteFrom: PromoteFromConfig, images: ImageConfig[], fail: (problem: string) => void): void {
    const names = images.map(image => image.name);
    const key = "golden-ami:promoteFrom.amiIds";
    const pinCommand = "npm run images -- promote --from <building stack> --image <name> --version <version> --stack <this stack>";
    for (const name of Object.keys(promoteFrom.amiIds).filter(name => !names.includes(name))) {
        const closest = closestOf(name, names);
        fail(`${key}.${name} pins an image that is not in golden-ami:images${closest ? `; did you mean ${closest}?` : ""} (images: ${names.join(", ")})`);
    }
    for (const name of names.filter(name => !(name in promoteFrom.amiIds))) {
        fail(
            `${key}.${name} is required: a promoting stack copies each of its images from the AMI it pins; pin it with \`${pinCommand.replace("<name>", name)}\``,
        );
    }
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
        if (config.promoteFrom) return config;
        return { ...config, pinnedBy: pinsOf(config.stack), pinnedVersions: pinnedVersionsOf(config.stack) };
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
    for (const promoting of promotingStacksOf(stack, root)) {
        const amiIds = Object.entries(promoting.amiIds).filter((entry): entry is [string, string] => typeof entry[1] === "string");
        if (amiIds.length > 0) pins[promoting.stack] = Object.fromEntries(amiIds);
    }
    return pins;
}

/**
 * The versions of the building stack's images that promoting stacks pin (`images.<image>.version` next to a pin in
 * promoteFrom.amiIds), and the version each pin's promotion record names as previous: the rollback target.
 */
export function pinnedVersionsOf(stack: string, root: string = process.env[STACK_FILES_VARIABLE] ?? REPOSITORY_ROOT): Record<string, string[]> {
    const versions: Record<string, Set<string>> = {};
    for (const promoting of promotingStacksOf(stack, root)) {
        for (const image of Object.keys(promoting.amiIds)) {
            const version = (promoting.images[image] as { version?: unknown } | undefined)?.version;
            if (typeof version !== "string") continue;
            (versions[image] ??= new Set()).add(version);
            const record = path.join(root, promotionRecordPath(promoting.stack, image, version));
            const previous = fs.existsSync(record) ? promotionRecordOf(record).previous?.version : undefined;
            if (typeof previous === "string") versions[image].add(previous);
        }
    }
    return Object.fromEntries(Object.entries(versions).map(([image, held]) => [image, [...held]]));
}

/** Where `images promote` records a promotion of an image's version into a stack. */
export function promotionRecordPath(stack: string, image: string, version: string): string {
    return `promotions/${stack}/${image}/${version}.json`;
}

/** The repository's stack files whose `promoteFrom.stack` is `stack`: their stack name, pins and images. */
function promotingStacksOf(stack: string, root: string): { stack: string; amiIds: Record<string, unknown>; images: Record<string, unknown> }[] {
    return fs
        .readdirSync(root)
        .filter(name => /^Pulumi\.[^.]+\.yaml$/.test(name))
        .sort()
        .flatMap(file => {
            let config;
            try {
                config = parseYaml(fs.readFileSync(path.join(root, file), "utf8"))?.config;
            } catch (error) {
                throw new ConfigError([
                    `${file} is not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : error}); ` +
                        `the building stack reads every stack file for the AMIs promoting stacks pin`,
                ]);
            }
            const promoteFrom = config?.[`${PROJECT}:promoteFrom`];
            if (promoteFrom?.stack !== stack || !isPlainObject(promoteFrom.amiIds)) return [];
            const images = config[`${PROJECT}:images`];
            return [{ stack: file.split(".")[1], amiIds: promoteFrom.amiIds, images: isPlainObject(images) ? images : {} }];
        });
}

function promotionRecordOf(file: string): { previous?: { version?: unknown } } {
    try {
        return JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        throw new ConfigError([
            `${path.relative(REPOSITORY_ROOT, file)} is not valid JSON (${error instanceof Error ? error.message : error}); ` +
                "the building stack reads each pin's promotion record for the version a rollback needs",
        ]);
    }
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

function partitionOf(region: string): string {
    if (region.startsWith("cn-")) return "aws-cn";
    if (region.startsWith("us-gov-")) return "aws-us-gov";
    if (region.startsWith("eusc-")) return "aws-eusc";
    const iso = /^[a-z]+-(iso[a-z]?)-/.exec(region);
    return iso ? `aws-${iso[1]}` : "aws";
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
