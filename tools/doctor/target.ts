// What the preflight checks, read from the stack file through the program's own validation: the
// regions, the images (every image of the stack, each with its base and architecture), the build
// network, what is pinned. Nothing here calls AWS.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";
import { BuildNetworkConfig, GoldenAmiConfig } from "../../components/config";
import { NOT_YET_PINNED } from "../images/target";

export type Architecture = "x86_64" | "arm64";

export interface DoctorImage {
    name: string;
    version: string;
    /** `ssm:/path`, an AMI id, or `image:<name>` for an image built on another of the stack's images. */
    baseImage: string;
    architecture: Architecture;
    /** Promoting stacks: the AMI the stack pins for this image. */
    pinnedAmiId?: string;
}

export interface DoctorTarget {
    stack: string;
    /** A building stack runs Image Builder; a promoting one copies a pinned AMI. */
    building: boolean;
    homeRegion: string;
    /** Every region that holds the images, the home region first. */
    regions: string[];
    images: DoctorImage[];
    build?: BuildNetworkConfig;
    blockPublicSharing: boolean;
    hasFleet: boolean;
    promoteFrom?: { account: string; region: string; stack?: string };
    /** The building stack's `sharing.promotingAccounts`, when its stack file is in the repository. */
    sourcePromotingAccounts?: string[];
    /** The role `pulumi up` runs as: a name, or an ARN. */
    deployRole: string;
    /** The session the deploy job asks for (the workflow's role-duration-seconds). */
    requiredSessionSeconds: number;
}

/** The role docs/setup.md creates for `up`. */
export const DEFAULT_DEPLOY_ROLE = "golden-ami-deploy";

/** Without a deploy job in the workflow: the build's create timeout (4 h) plus an hour for the rest of `up`. */
const BUILDING_SESSION_SECONDS = 5 * 3600;
const PROMOTING_SESSION_SECONDS = 3 * 3600;

/** Graviton families carry a `g` among the attributes after the generation: t4g, m7gd, c7gn. */
const GRAVITON = /^[a-z]+\d[a-z-]*g[a-z-]*\./;

/** The architecture an image declares: its own field where the config has one, else its build instance types'. */
export function architectureOf(image: { instanceTypes?: string[]; architecture?: string }): Architecture {
    if (image.architecture === "arm64" || image.architecture === "x86_64") return image.architecture;
    return (image.instanceTypes ?? []).some(type => GRAVITON.test(type)) ? "arm64" : "x86_64";
}

/**
 * The session the deploy job of `stack` asks for: `role-duration-seconds` of the `up-<stack>` job in
 * the main workflow, so the preflight and CI cannot disagree. Undefined when there is no such job.
 */
export function workflowSessionSeconds(workflowText: string, stack: string): number | undefined {
    const workflow = parseYaml(workflowText);
    const steps: unknown = workflow?.jobs?.[`up-${stack}`]?.steps;
    if (!Array.isArray(steps)) return undefined;
    for (const step of steps) {
        const seconds = Number(step?.with?.["role-duration-seconds"]);
        if (Number.isInteger(seconds) && seconds > 0) return seconds;
    }
    return undefined;
}

export interface TargetInputs {
    config: GoldenAmiConfig;
    /** The building stack's config, when a promoting stack names it (`promoteFrom.stack`) and its file is here. */
    sourceConfig?: GoldenAmiConfig;
    deployRole?: string;
    /** The main workflow's text, when the repository has one. */
    workflowText?: string;
}

export function doctorTargetOf({ config, sourceConfig, deployRole, workflowText }: TargetInputs): DoctorTarget {
    const building = config.promoteFrom === undefined;
    const images: DoctorImage[] = config.images.map(image => ({
        name: image.name,
        version: image.version,
        baseImage: image.baseImage,
        architecture: architectureOf(image),
        ...(config.promoteFrom && { pinnedAmiId: pinnedAmiOf(config.promoteFrom, image.name) }),
    }));
    const fromWorkflow = workflowText === undefined ? undefined : workflowSessionSeconds(workflowText, config.stack);
    return {
        stack: config.stack,
        building,
        homeRegion: config.homeRegion,
        regions: config.regions,
        images,
        ...(config.build && { build: config.build }),
        blockPublicSharing: config.blockPublicSharing,
        hasFleet: hasFleet(config),
        ...(config.promoteFrom && {
            promoteFrom: {
                account: config.promoteFrom.account,
                region: config.promoteFrom.region,
                ...(config.promoteFrom.stack && { stack: config.promoteFrom.stack }),
            },
        }),
        ...(sourceConfig && { sourcePromotingAccounts: sourceConfig.sharing.promotingAccounts }),
        deployRole: deployRole ?? DEFAULT_DEPLOY_ROLE,
        requiredSessionSeconds: fromWorkflow ?? (building ? BUILDING_SESSION_SECONDS : PROMOTING_SESSION_SECONDS),
    };
}

function pinnedAmiOf(promoteFrom: object, imageName: string): string | undefined {
    const { amiId, amiIds } = promoteFrom as { amiId?: string; amiIds?: Record<string, string> };
    const pinned = amiIds?.[imageName] ?? amiId;
    // Nothing promoted yet: there is no AMI to look for.
    return pinned === NOT_YET_PINNED ? undefined : pinned;
}

function hasFleet(config: GoldenAmiConfig): boolean {
    const { fleet, fleets } = config as unknown as { fleet?: unknown; fleets?: unknown[] };
    return fleet !== undefined || (Array.isArray(fleets) && fleets.length > 0);
}

/** The main workflow of the repository at `root`, if any. */
export function readWorkflow(root: string): string | undefined {
    const file = path.join(root, ".github", "workflows", "main.yml");
    return fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined;
}
