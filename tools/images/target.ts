// What a command works on: the stack's values (through the same validation the program uses),
// overridden by flags. Nothing here calls AWS.
import { Region } from "@pulumi/aws/types/enums";
import { GoldenAmiConfig, LIFECYCLE_DEFAULTS, parseStackConfig, SharingConfig } from "../../components/config";
import { readStackConfig } from "../stackFile";
import { DEFAULT_REQUIRED_TAGS } from "./drift";
import { CliOptions, UsageError } from "./options";

export interface ImageTarget {
    stack?: string;
    /** Image family: AMI names start with `<name>-`, and the program tags `Name=<name>`. */
    name: string;
    /** The stack's image.version; verify needs it. */
    version?: string;
    /** The home region first when read from the stack. */
    regions: string[];
    /** The stack's sharing; verify needs it. */
    sharing?: SharingConfig;
    keep: number;
    launchedWithinDays: number;
    requiredTags: string[];
    ssmPaths: string[];
}

export type StackLoader = (stack: string) => GoldenAmiConfig;

export const loadStackFile: StackLoader = stack => parseStackConfig(readStackConfig(stack), stack);

const KNOWN_REGIONS = new Set<string>(Object.values(Region));

export function resolveTarget(options: CliOptions, loadStack: StackLoader = loadStackFile): ImageTarget {
    const config = options.stack === undefined ? undefined : readStack(options.stack, loadStack);
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
        sharing: config?.sharing,
        keep: options.keep ?? config?.lifecycle.keepAtLeast ?? LIFECYCLE_DEFAULTS.keepAtLeast,
        launchedWithinDays: options.launchedWithinDays ?? config?.lifecycle.keepIfLaunchedWithinDays ?? LIFECYCLE_DEFAULTS.keepIfLaunchedWithinDays,
        requiredTags: options.requireTags ?? DEFAULT_REQUIRED_TAGS,
        ssmPaths: options.ssmPaths,
    };
}

function readStack(stack: string, loadStack: StackLoader): GoldenAmiConfig {
    try {
        return loadStack(stack);
    } catch (error) {
        throw new UsageError(`--stack ${stack}: ${error instanceof Error ? error.message : String(error)}`);
    }
}

function checkRegions(regions: string[]): void {
    const unknown = regions.filter(region => !KNOWN_REGIONS.has(region));
    if (unknown.length > 0) {
        throw new UsageError(`--regions: ${unknown.map(region => `"${region}"`).join(", ")} ${unknown.length === 1 ? "is not an AWS region" : "are not AWS regions"}; expected names like us-east-1 or eu-west-1`);
    }
}
