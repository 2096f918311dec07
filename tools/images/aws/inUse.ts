// Finds what in a region still depends on an image. Prune never removes an image named here.
// Any failed read fails the whole region: an image whose users could not all be checked is never "unused".
import {
    AutoScalingGroup,
    LaunchConfiguration,
    LaunchTemplateSpecification,
    paginateDescribeAutoScalingGroups,
    paginateDescribeLaunchConfigurations,
} from "@aws-sdk/client-auto-scaling";
import {
    EC2Client,
    LaunchTemplate,
    paginateDescribeInstances,
    paginateDescribeLaunchTemplates,
    paginateDescribeLaunchTemplateVersions,
} from "@aws-sdk/client-ec2";
import { GetParametersCommand, paginateGetParametersByPath, Parameter, SSMClient } from "@aws-sdk/client-ssm";
import { awsCall, collectPages } from "./awsErrors";
import { RegionalClients } from "./clients";
import { GoldenImage } from "../decisions/goldenImage";
import { chunks, MAX_FILTER_VALUES } from "./inventory";
import { mapWithLimit } from "./regions";
import { ImageUsage, keptByTag, mergeUsage, recentlyLaunched } from "../decisions/usage";

/** Where the Pulumi program publishes image ids: `/golden-ami/<image>/<stack>/ami-id`. */
export const PUBLISHED_IDS_PATH = "/golden-ami";

/** Instance states that still hold on to their image; terminated instances do not. */
const LIVE_INSTANCE_STATES = ["pending", "running", "shutting-down", "stopping", "stopped"];
const TEMPLATE_CALLS_IN_FLIGHT = 4;
const MAX_NAMES_PER_GET_PARAMETERS = 10;
const AMI_ID = /\bami-[0-9a-f]{8,17}\b/g;

export interface UsageOptions {
    /** Extra SSM parameter names or paths (searched recursively) whose values may hold image ids. */
    ssmPaths: string[];
    /** Told when an `ssmPaths` entry matches nothing, which usually means a typo. */
    warn: (message: string) => void;
}

export interface UsageCheck extends UsageOptions {
    launchedWithinDays: number;
    now: Date;
}

/** Everything that keeps the images from being pruned: what uses them here, and recent launches anywhere. */
export async function findUsage(clients: RegionalClients, images: GoldenImage[], check: UsageCheck): Promise<ImageUsage> {
    const inUse = await findImagesInUse(
        clients,
        images.map(image => image.imageId),
        check,
    );
    return mergeUsage(inUse, recentlyLaunched(images, check.now, check.launchedWithinDays), keptByTag(images));
}

/** Which of `imageIds` are in use in this region, and by what. */
export async function findImagesInUse(clients: RegionalClients, imageIds: string[], options: UsageOptions): Promise<ImageUsage> {
    const usage = new UsageRecorder(imageIds);
    if (imageIds.length === 0) return usage.result;
    const [templates, groups, launchConfigurations] = await Promise.all([
        collectPages("ec2:DescribeLaunchTemplates", paginateDescribeLaunchTemplates({ client: clients.ec2 }, {}), page => page.LaunchTemplates),
        collectPages(
            "autoscaling:DescribeAutoScalingGroups",
            paginateDescribeAutoScalingGroups({ client: clients.autoScaling }, {}),
            page => page.AutoScalingGroups,
        ),
        collectPages(
            "autoscaling:DescribeLaunchConfigurations",
            paginateDescribeLaunchConfigurations({ client: clients.autoScaling }, {}),
            page => page.LaunchConfigurations,
        ),
    ]);
    recordLaunchConfigurations(launchConfigurations, groups, usage);
    await Promise.all([
        recordLaunchTemplates(clients.ec2, templates, groups, usage),
        recordInstances(clients.ec2, imageIds, usage),
        recordParameters(clients.ssm, options, usage),
    ]);
    // The reads finish in any order; sorted reasons make every run's report read the same.
    for (const reasons of Object.values(usage.result)) reasons.sort();
    return usage.result;
}

class UsageRecorder {
    readonly result: ImageUsage = {};
    private readonly wanted: Set<string>;

    constructor(imageIds: string[]) {
        this.wanted = new Set(imageIds);
    }

    add(imageId: string | undefined, reason: string): void {
        if (!imageId || !this.wanted.has(imageId)) return;
        const reasons = (this.result[imageId] ??= []);
        if (!reasons.includes(reason)) reasons.push(reason);
    }
}

interface TemplateReference {
    groupName: string;
    templateId?: string;
    templateName?: string;
    /** "$Default" when the group names none, as Auto Scaling does. */
    version: string;
}

/** Every launch template an Auto Scaling group launches from, mixed instances policy included. */
function templateReferencesOf(group: AutoScalingGroup): TemplateReference[] {
    const mixed = group.MixedInstancesPolicy?.LaunchTemplate;
    const specifications: (LaunchTemplateSpecification | undefined)[] = [
        group.LaunchTemplate,
        mixed?.LaunchTemplateSpecification,
        ...(mixed?.Overrides ?? []).map(override => override.LaunchTemplateSpecification),
    ];
    return specifications.flatMap(specification =>
        specification
            ? [
                  {
                      groupName: group.AutoScalingGroupName ?? "",
                      templateId: specification.LaunchTemplateId,
                      templateName: specification.LaunchTemplateName,
                      version: specification.Version ?? "$Default",
                  },
              ]
            : [],
    );
}

/**
 * Reads, per template, its $Default and $Latest versions plus every version a group names, with
 * `ResolveAlias` so a template whose ImageId is `resolve:ssm:...` reports the image it resolves to.
 */
async function recordLaunchTemplates(ec2: EC2Client, templates: LaunchTemplate[], groups: AutoScalingGroup[], usage: UsageRecorder): Promise<void> {
    const references = groups.flatMap(templateReferencesOf);
    await mapWithLimit(templates, TEMPLATE_CALLS_IN_FLIGHT, async template => {
        const label = `launch template ${template.LaunchTemplateName} (${template.LaunchTemplateId})`;
        const referencing = references.filter(reference =>
            reference.templateId ? reference.templateId === template.LaunchTemplateId : reference.templateName === template.LaunchTemplateName,
        );
        const versions = await collectPages(
            "ec2:DescribeLaunchTemplateVersions",
            paginateDescribeLaunchTemplateVersions(
                { client: ec2 },
                {
                    LaunchTemplateId: template.LaunchTemplateId,
                    Versions: [...new Set(["$Default", "$Latest", ...referencing.map(reference => reference.version)])],
                    ResolveAlias: true,
                },
            ),
            page => page.LaunchTemplateVersions,
        );
        const versionNumber = (version: string): number | undefined =>
            version === "$Default" ? template.DefaultVersionNumber : version === "$Latest" ? template.LatestVersionNumber : Number(version);
        for (const version of versions) {
            const imageId = version.LaunchTemplateData?.ImageId;
            const reasons: string[] = [];
            if (version.DefaultVersion) reasons.push(`${label} $Default version ${version.VersionNumber}`);
            if (version.VersionNumber === template.LatestVersionNumber) reasons.push(`${label} $Latest version ${version.VersionNumber}`);
            for (const reference of referencing) {
                if (versionNumber(reference.version) === version.VersionNumber) {
                    reasons.push(`Auto Scaling group ${reference.groupName} (${label} version ${reference.version})`);
                }
            }
            // Asked for, so in use, even when the template changed between the two calls.
            if (reasons.length === 0) reasons.push(`${label} version ${version.VersionNumber}`);
            for (const reason of reasons) usage.add(imageId, reason);
        }
    });
}

/** Launch configurations are kept whether a group uses them or not: an unused one can still be attached. */
function recordLaunchConfigurations(configurations: LaunchConfiguration[], groups: AutoScalingGroup[], usage: UsageRecorder): void {
    for (const configuration of configurations) {
        const users = groups.filter(group => group.LaunchConfigurationName === configuration.LaunchConfigurationName);
        const label = `launch configuration ${configuration.LaunchConfigurationName}`;
        if (users.length === 0) usage.add(configuration.ImageId, label);
        for (const group of users) usage.add(configuration.ImageId, `Auto Scaling group ${group.AutoScalingGroupName} (${label})`);
    }
}

async function recordInstances(ec2: EC2Client, imageIds: string[], usage: UsageRecorder): Promise<void> {
    for (const ids of chunks(imageIds, MAX_FILTER_VALUES)) {
        const reservations = await collectPages(
            "ec2:DescribeInstances",
            paginateDescribeInstances(
                { client: ec2 },
                {
                    Filters: [
                        { Name: "image-id", Values: ids },
                        { Name: "instance-state-name", Values: LIVE_INSTANCE_STATES },
                    ],
                },
            ),
            page => page.Reservations,
        );
        for (const instance of reservations.flatMap(reservation => reservation.Instances ?? [])) {
            usage.add(instance.ImageId, `instance ${instance.InstanceId} (${instance.State?.Name ?? "unknown state"})`);
        }
    }
}

/** Parameters under the published path, plus each `--ssm-path` read both as a name and as a path. */
async function recordParameters(ssm: SSMClient, options: UsageOptions, usage: UsageRecorder): Promise<void> {
    const byPath = (path: string) =>
        collectPages("ssm:GetParametersByPath", paginateGetParametersByPath({ client: ssm }, { Path: path, Recursive: true }), page => page.Parameters);
    const extraPaths = [...new Set(options.ssmPaths)];
    const [published, underExtraPaths, byName] = await Promise.all([
        byPath(PUBLISHED_IDS_PATH),
        Promise.all(extraPaths.map(path => (path.startsWith("/") ? byPath(path) : Promise.resolve([])))),
        parametersNamed(ssm, extraPaths),
    ]);
    extraPaths.forEach((path, index) => {
        if (underExtraPaths[index].length === 0 && !byName.some(parameter => parameter.Name === path)) {
            options.warn(`--ssm-path ${path} matches no parameter here; images it may point to are not protected by it`);
        }
    });
    for (const parameter of [...published, ...underExtraPaths.flat(), ...byName]) {
        for (const imageId of parameter.Value?.match(AMI_ID) ?? []) usage.add(imageId, `SSM parameter ${parameter.Name}`);
    }
}

async function parametersNamed(ssm: SSMClient, names: string[]): Promise<Parameter[]> {
    const found: Parameter[] = [];
    const possibleNames = names.filter(name => !name.endsWith("/"));
    for (const batch of chunks(possibleNames, MAX_NAMES_PER_GET_PARAMETERS)) {
        // Names that are not parameters come back in InvalidParameters, not as an error.
        const response = await awsCall("ssm:GetParameters", () => ssm.send(new GetParametersCommand({ Names: batch })));
        found.push(...(response.Parameters ?? []));
    }
    return found;
}
