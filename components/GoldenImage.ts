import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { amiNameTemplate, BuildNetworkConfig, ImageConfig, LifecycleConfig, recipeSteps, StepConfig, stepId } from "./config";
import { BuildLogsBucket } from "./BuildLogsBucket";
import { instanceProfile } from "./iam";
import { ImageLifecycle } from "./ImageLifecycle";
import { Platform, PLATFORM_DEFAULTS, WINDOWS_BOOT_TEST } from "./platforms";
import { IMAGE_FAMILY_TAG, KEEP_TAG, stackResourceTags } from "./tags";

/** The default Linux documents, in recipe order: the hygiene step is always the last build step. */
export const COMPONENT_DOCUMENTS = ["build", "boot-test", "hygiene"] as const;
export type ComponentDocument = (typeof COMPONENT_DOCUMENTS)[number];

/** Real Linux builds with tests and scanning take 30–90 minutes; the provider's 60-minute default is too short. */
export const BUILD_TIMEOUT = PLATFORM_DEFAULTS.linux.buildTimeout;

export interface RecipeSettings {
    workingDirectory: string;
    volumeType: "gp3";
    uninstallSsmAgentAfterBuild: boolean;
}

/** The recipe settings of a platform: what the lock records besides the config. */
export function recipeSettings(platform: Platform): RecipeSettings {
    // AWSTOE works in the recipe's working directory (default /tmp on Linux), which the hygiene step empties: it works elsewhere.
    return { workingDirectory: PLATFORM_DEFAULTS[platform].workingDirectory, volumeType: "gp3", uninstallSsmAgentAfterBuild: false };
}

/**
 * The recipe versions the lifecycle manages: the current one and every locked version no promoting stack pins or would
 * roll back to, newest first, at most the 50 Image Builder accepts. A pinned version's Image Builder image (its record
 * holds the scan findings the gate reads) and its AMI stay until the pin moves on; the next `up` hands it back.
 */
export function lifecycleVersions(current: string, locked: string[], pinned: string[]): string[] {
    const managed = locked.filter(version => version !== current && !pinned.includes(version));
    return [current, ...managed].slice(0, MAX_LIFECYCLE_RECIPES);
}

/** Image Builder's limit on a lifecycle policy's `resourceSelection.recipes`. */
const MAX_LIFECYCLE_RECIPES = 50;

/** What the version was locked from: recorded on every AMI it builds. */
export interface BuildOrigin {
    /** The AMI the recipe builds on; absent: Image Builder resolves `image.baseImage` at build time. */
    baseImageId?: string;
    /** The commit the version was locked on. */
    commit?: string;
}

export interface GoldenImageArgs {
    /** The home region's provider: everything is built there. */
    provider: aws.Provider;
    image: ImageConfig;
    lifecycle: LifecycleConfig;
    /** The home region's image key, shared by every image of the catalog: components, volumes, AMI and topic are encrypted with it. */
    kmsKeyArn: pulumi.Input<string>;
    /** Tags for every resource and the AMI. */
    tags: Record<string, string>;
    /** Part of every account-wide name (Image Builder resources), so stacks sharing an account do not collide. */
    stack: string;
    /** The locked base image and commit of this version (image-versions.lock.json). */
    origin: BuildOrigin;
    /** A layered image: the AMI of the catalog image it is built on (its parent's build); default `image.baseImage`. */
    parentAmiId?: pulumi.Input<string>;
    /** The build network; default the account's default VPC. */
    network?: BuildNetworkConfig;
    /** AMIs of this image the repository's promoting stacks pin: tagged, and never deprecated or deleted by the lifecycle. */
    pinnedAmiIds: string[];
    /** Every version of this image in image-versions.lock.json, newest first: what the lifecycle may manage. */
    lockedVersions: string[];
    /** Versions promoting stacks pin or would roll back to: their Image Builder images are left out of the lifecycle. */
    pinnedVersions: string[];
}

/** EC2 Image Builder components, recipe and infrastructure for one golden image, and its current version built during `pulumi up`. */
export class GoldenImage extends pulumi.ComponentResource {
    /** The AMI built for the configured version, in the home region. */
    public readonly amiId: pulumi.Output<string>;
    public readonly imageArn: pulumi.Output<string>;
    /** Image Builder's version of the build, e.g. `1.4.0/1`. */
    public readonly imageVersion: pulumi.Output<string>;
    /** The SNS topic Image Builder tells of every build's outcome: subscribe to hear of failures. */
    public readonly notificationsTopicArn: pulumi.Output<string>;

    constructor(name: string, args: GoldenImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:imagebuilder:GoldenImage", name, {}, opts);
        const { image, provider } = args;
        const child = { parent: this, provider };
        const platform = PLATFORM_DEFAULTS[image.platform];
        // Image Builder names are per account and region: the image and the stack keep images and stacks apart.
        const builderName = `${image.name}-${args.stack}`;
        const tags = { ...args.tags, [IMAGE_FAMILY_TAG]: builderName };
        // Long-lived resources keep their tags across version bumps: only the image's own carry Version.
        const lasting = stackResourceTags(tags);
        // Image Builder versions are immutable history: a new version adds resources, and the old ones stay,
        // so the lifecycle policy can still find, deprecate and delete the old images with their snapshots.
        const versioned = { ...child, retainOnDelete: true };
        const partition = aws.getPartitionOutput({}, child).partition;
        const region = aws.getRegionOutput({}, child).region;

        // Build steps, test steps, then the hygiene step, last. On Windows, Image Builder's own build workflow runs Sysprep
        // after the last component (its RunSysPrep step, through EC2Launch v2), so no component may: see docs/windows.md.
        const steps = recipeSteps(image);
        const components = steps.map(step =>
            componentArn(
                `${name}-${stepId(step)}`,
                step,
                {
                    builderName,
                    image,
                    kmsKeyArn: args.kmsKeyArn,
                    partition,
                    region,
                    tags,
                },
                versioned,
            ),
        );

        const settings = recipeSettings(image.platform);
        const recipe = new aws.imagebuilder.ImageRecipe(
            `${name}-recipe`,
            {
                name: builderName,
                version: image.version,
                parentImage: args.parentAmiId ?? args.origin.baseImageId ?? image.baseImage,
                components: steps.map((step, index) => ({ componentArn: components[index], ...componentParameters(image, step) })),
                blockDeviceMappings: [
                    {
                        deviceName: image.rootDeviceName,
                        ebs: {
                            encrypted: "true",
                            kmsKeyId: args.kmsKeyArn,
                            volumeSize: image.rootVolumeGiB,
                            volumeType: settings.volumeType,
                            deleteOnTermination: "true",
                        },
                    },
                ],
                workingDirectory: settings.workingDirectory,
                systemsManagerAgent: { uninstallAfterBuild: settings.uninstallSsmAgentAfterBuild },
                tags,
            },
            versioned,
        );

        const logs = new BuildLogsBucket(`${name}-logs`, { provider, tags: lasting }, { parent: this });
        const notifications = new aws.sns.Topic(`${name}-builds`, { kmsMasterKeyId: args.kmsKeyArn, tags: lasting }, child);
        const { profile: instanceProfile, grants: profileGrants } = buildInstanceProfile(
            `${name}-build`,
            { logsBucketArn: logs.arn, artifacts: image.artifacts, partition, tags: lasting, readVolumes: image.platform === "windows" },
            child,
        );

        const securityGroupIds = args.network && buildSecurityGroups(`${name}-build`, args.network, stackResourceTags(args.tags), child);
        const infrastructure = new aws.imagebuilder.InfrastructureConfiguration(
            `${name}-infrastructure`,
            {
                name: builderName,
                description: `Build and test instances for ${image.name}`,
                instanceProfileName: instanceProfile.name,
                instanceTypes: image.instanceTypes,
                terminateInstanceOnFailure: true,
                snsTopicArn: notifications.arn,
                logging: { s3Logs: { s3BucketName: logs.bucket, s3KeyPrefix: image.name } },
                instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
                ...(args.network && { subnetId: args.network.subnetId, securityGroupIds }),
                resourceTags: args.tags,
                tags: lasting,
                // A build that starts before the role has its policies fails to reach SSM or to write its logs.
            },
            { ...child, dependsOn: profileGrants },
        );

        const fastLaunch = image.fastLaunch && fastLaunchConfiguration(`${name}-fast-launch`, image, args, stackResourceTags(args.tags), child);
        const distribution = new aws.imagebuilder.DistributionConfiguration(
            `${name}-distribution`,
            {
                name: builderName,
                description: `${image.name} in its home region, encrypted with the image key`,
                distributions: [
                    {
                        region: aws.getRegionOutput({}, child).region,
                        amiDistributionConfiguration: {
                            name: amiNameTemplate(image, args.stack),
                            description: `${image.name} ${image.version} golden image (${args.stack})`,
                            amiTags: { ...args.tags, ...originTags(args.origin) },
                            kmsKeyId: args.kmsKeyArn,
                        },
                        ...(fastLaunch && { fastLaunchConfigurations: [fastLaunch] }),
                    },
                ],
                tags,
            },
            child,
        );

        // Built here, once per version (and again only on `pulumi up --replace`): no pipeline and no schedule,
        // so every AMI the account gets is a resource of this stack, copied, shared and cleaned up like it.
        const built = new aws.imagebuilder.Image(
            `${name}-image`,
            {
                imageRecipeArn: recipe.arn,
                infrastructureConfigurationArn: infrastructure.arn,
                distributionConfigurationArn: distribution.arn,
                imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: platform.testTimeoutMinutes },
                imageScanningConfiguration: { imageScanningEnabled: true },
                enhancedImageMetadataEnabled: true,
                tags,
            },
            { ...versioned, customTimeouts: { create: platform.buildTimeout } },
        );
        const amiId = pulumi.all([built.outputResources, built.urn]).apply(([resources, urn]) => firstAmiId(resources, urn));

        // The lifecycle never touches an image a promoting stack pins: it carries the tag the rules exclude.
        // A pin that moves on takes its tag along, and the old image ages out. (The current build is the
        // newest, which `keepAtLeast` always keeps; one tag resource per AMI, so no two fight over a tag.)
        for (const pinned of [...new Set(args.pinnedAmiIds)]) {
            new aws.ec2.Tag(`${name}-keep-${pinned}`, { resourceId: pinned, key: KEEP_TAG.key, value: KEEP_TAG.value }, child);
        }

        new ImageLifecycle(
            `${name}-lifecycle`,
            {
                provider,
                policyName: builderName,
                recipeName: builderName,
                versions: lifecycleVersions(image.version, args.lockedVersions, args.pinnedVersions),
                keepTag: KEEP_TAG,
                lifecycle: args.lifecycle,
                partition,
                tags: lasting,
            },
            { parent: this },
        );

        this.amiId = amiId;
        this.imageArn = built.arn;
        this.imageVersion = built.version;
        this.notificationsTopicArn = notifications.arn;
        this.registerOutputs({
            amiId: this.amiId,
            imageArn: this.imageArn,
            imageVersion: this.imageVersion,
            notificationsTopicArn: this.notificationsTopicArn,
        });
    }
}

/**
 * What an AMI was made from, besides its `Version` tag and its name's build date: tags fixed per version
 * (config's ORIGIN_TAG_KEYS), so an unrelated commit changes nothing in a diff.
 */
export function originTags(origin: BuildOrigin): Record<string, string> {
    return {
        BaseImageId: origin.baseImageId ?? "resolved-at-build",
        ...(origin.commit && { SourceCommit: origin.commit }),
    };
}

/**
 * EC2 Fast Launch of the built AMI in the home region, where Image Builder distributes it: EC2 launches up to
 * `maxParallelLaunches` temporary instances from it, snapshots each after Windows' first-boot steps and keeps
 * `targetResourceCount` snapshots ready (billed as snapshot storage). Its launch template enforces IMDSv2 (EC2 Fast Launch
 * requires one when IMDSv2 is enforced, and another VPC than the default one needs it too) and assigns no public address.
 */
function fastLaunchConfiguration(
    name: string,
    image: ImageConfig,
    args: GoldenImageArgs,
    tags: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): aws.types.input.imagebuilder.DistributionConfigurationDistributionFastLaunchConfiguration {
    const settings = image.fastLaunch!;
    const template = new aws.ec2.LaunchTemplate(
        name,
        {
            description: `EC2 Fast Launch of ${image.name}: the temporary instances that make its pre-provisioned snapshots`,
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            networkInterfaces: [
                {
                    deviceIndex: 0,
                    associatePublicIpAddress: "false",
                    deleteOnTermination: "true",
                    ...(args.network && { subnetId: args.network.subnetId }),
                    ...(args.network && args.network.securityGroupIds.length > 0 && { securityGroups: args.network.securityGroupIds }),
                },
            ],
            tagSpecifications: ["instance", "volume"].map(resourceType => ({ resourceType, tags })),
            tags,
        },
        opts,
    );
    return {
        accountId: aws.getCallerIdentityOutput({}, opts).accountId,
        enabled: true,
        launchTemplate: { launchTemplateId: template.id, launchTemplateVersion: template.latestVersion.apply(String) },
        maxParallelLaunches: settings.maxParallelLaunches,
        snapshotConfiguration: { targetResourceCount: settings.targetResourceCount },
    };
}

/** The build instances' security groups: the configured ones, or one of our own with no inbound rules. */
function buildSecurityGroups(
    name: string,
    network: BuildNetworkConfig,
    tags: Record<string, string>,
    opts: pulumi.CustomResourceOptions,
): pulumi.Input<string>[] {
    if (network.securityGroupIds.length > 0) return network.securityGroupIds;
    const subnet = aws.ec2.getSubnetOutput({ id: network.subnetId }, opts);
    const group = new aws.ec2.SecurityGroup(
        name,
        {
            description: "golden-ami builds: no inbound access; outbound to SSM, S3 and package mirrors",
            vpcId: subnet.vpcId,
            egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
            tags,
        },
        opts,
    );
    return [group.id];
}

export function readComponentDocument(document: ComponentDocument): string {
    return fs.readFileSync(path.join(__dirname, "documents", `${document}.yaml`), "utf8");
}

interface ComponentArgs {
    builderName: string;
    image: ImageConfig;
    kmsKeyArn: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    region: pulumi.Input<string>;
    tags: Record<string, string>;
}

/**
 * A step's component ARN: a document of the repository becomes a component of this image, versioned with it;
 * an AWS-managed component is referenced by name and version (a filter like `x.x.x` takes the newest at build time).
 */
function componentArn(name: string, step: StepConfig, args: ComponentArgs, opts: pulumi.CustomResourceOptions): pulumi.Input<string> {
    if (step.kind === "managed") {
        return pulumi.interpolate`arn:${args.partition}:imagebuilder:${args.region}:aws:component/${step.name}/${step.version}`;
    }
    return new aws.imagebuilder.Component(
        name,
        {
            name: `${args.builderName}-${stepId(step)}`,
            version: args.image.version,
            platform: PLATFORM_DEFAULTS[args.image.platform].imageBuilderPlatform,
            description: `golden-ami ${stepId(step)} step for ${args.image.name}`,
            data: step.content,
            kmsKeyId: args.kmsKeyArn,
            tags: args.tags,
        },
        opts,
    ).arn;
}

/** Parameters the recipe passes to a component: the Windows boot test's services, when the image lists them. */
export function componentParameters(image: Pick<ImageConfig, "expectedServices">, step: StepConfig): { parameters?: { name: string; value: string }[] } {
    if (step.kind !== "document" || step.path !== WINDOWS_BOOT_TEST || !image.expectedServices) return {};
    return { parameters: [{ name: "ExpectedServices", value: image.expectedServices.join(",") }] };
}

/**
 * The AMI Image Builder distributed to the home region (the only distribution). A build that failed stays
 * in the state without one, and an update does not build again: only a replacement does.
 */
export function firstAmiId(outputResources: aws.types.output.imagebuilder.ImageOutputResource[], urn: string): string {
    const ami = outputResources[0]?.amis?.[0]?.image;
    if (!ami) {
        throw new Error(
            "Image Builder reported no AMI for this build: it failed or was cancelled. Read why in the build logs " +
                "(the logs bucket) or the build topic; after the fix, build again at the same version with " +
                `\`pulumi up --replace '${urn}'\`, or bump the image's version (npm run lock -- --stack <stack> --image <name> --bump patch)`,
        );
    }
    return ami;
}

interface BuildInstanceProfileArgs {
    logsBucketArn: pulumi.Input<string>;
    /** The Windows boot test reads its own volumes' encryption (ec2:DescribeVolumes: read-only, no resource-level scoping). */
    readVolumes: boolean;
    /** `s3://bucket/prefix/` the build may read artifacts from: exactly those prefixes, nothing else. */
    artifacts: string[];
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
}

/** The build instances' role: Systems Manager and Image Builder's managed policies, and writing its own logs. */
function buildInstanceProfile(
    name: string,
    args: BuildInstanceProfileArgs,
    opts: pulumi.CustomResourceOptions,
): { profile: aws.iam.InstanceProfile; grants: pulumi.Resource[] } {
    const { profile, role, attachments } = instanceProfile(
        name,
        {
            description: "EC2 Image Builder build and test instances",
            managedPolicies: ["AmazonSSMManagedInstanceCore", "EC2InstanceProfileForImageBuilder"],
            partition: args.partition,
            tags: args.tags,
        },
        opts,
    );
    const writeLogs = new aws.iam.RolePolicy(
        `${name}-write-logs`,
        {
            role: role.id,
            policy: pulumi.jsonStringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: pulumi.interpolate`${args.logsBucketArn}/*` }],
            }),
        },
        opts,
    );
    const readArtifacts =
        args.artifacts.length === 0
            ? []
            : [
                  new aws.iam.RolePolicy(
                      `${name}-read-artifacts`,
                      {
                          role: role.id,
                          policy: pulumi.jsonStringify({
                              Version: "2012-10-17",
                              Statement: [
                                  {
                                      Effect: "Allow",
                                      Action: "s3:GetObject",
                                      Resource: args.artifacts.map(prefix => pulumi.interpolate`arn:${args.partition}:s3:::${prefix.slice("s3://".length)}*`),
                                  },
                              ],
                          }),
                      },
                      opts,
                  ),
              ];
    const readVolumes = args.readVolumes
        ? [
              new aws.iam.RolePolicy(
                  `${name}-read-volumes`,
                  {
                      role: role.id,
                      policy: pulumi.jsonStringify({
                          Version: "2012-10-17",
                          Statement: [{ Effect: "Allow", Action: "ec2:DescribeVolumes", Resource: "*" }],
                      }),
                  },
                  opts,
              ),
          ]
        : [];
    return { profile, grants: [...attachments, writeLogs, ...readArtifacts, ...readVolumes] };
}
