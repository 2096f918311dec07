import * as fs from "fs";
import * as path from "path";
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { amiNameTemplate, ImageConfig, LifecycleConfig, SharingConfig } from "./config";
import { BuildLogsBucket } from "./BuildLogsBucket";
import { instanceProfile } from "./iam";
import { ImageKey } from "./ImageKey";
import { ImageLifecycle, LIFECYCLE_SELECTION_TAG } from "./ImageLifecycle";

/** The AWSTOE documents, in recipe order: the hygiene step must be the last build step. */
export const COMPONENT_DOCUMENTS = ["build", "boot-test", "hygiene"] as const;
export type ComponentDocument = typeof COMPONENT_DOCUMENTS[number];

/** Real builds with tests and scanning take 30–90 minutes; the provider's 60-minute default is too short. */
export const BUILD_TIMEOUT = "4h";

export interface GoldenImageArgs {
    /** The home region's provider: everything is built there. */
    provider: aws.Provider;
    image: ImageConfig;
    lifecycle: LifecycleConfig;
    /** Principals the image's key lets launch it (the launch permissions themselves are `ImageSharing`'s). */
    sharedWith: SharingConfig;
    /** Tags for every resource and the AMI. */
    tags: Record<string, string>;
    /** Name prefix for account-wide names (key alias), so stacks sharing an account do not collide. */
    stack: string;
}

/** An EC2 Image Builder pipeline for one golden image, and the current version built during `pulumi up`. */
export class GoldenImage extends pulumi.ComponentResource {
    /** The AMI built for the configured version, in the home region. */
    public readonly amiId: pulumi.Output<string>;
    public readonly imageArn: pulumi.Output<string>;
    /** Image Builder's version of the build, e.g. `1.4.0/1`. */
    public readonly imageVersion: pulumi.Output<string>;
    public readonly pipelineArn: pulumi.Output<string>;
    /** The customer-managed key the AMI is encrypted with. */
    public readonly kmsKeyArn: pulumi.Output<string>;

    constructor(name: string, args: GoldenImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:imagebuilder:GoldenImage", name, {}, opts);
        const { image, provider } = args;
        const child = { parent: this, provider };
        const tags = { ...args.tags, [LIFECYCLE_SELECTION_TAG]: image.name };
        const partition = aws.getPartitionOutput({}, child).partition;

        const key = new ImageKey(`${name}-key`, {
            provider,
            alias: `golden-ami/${args.stack}/${image.name}`,
            sharedWith: args.sharedWith,
            serviceRoles: ["imageBuilder", "autoScaling"],
            tags,
        }, { parent: this });

        const components = COMPONENT_DOCUMENTS.map(document => new aws.imagebuilder.Component(`${name}-${document}`, {
            name: `${image.name}-${document}`,
            version: image.version,
            platform: image.platform,
            description: `golden-ami ${document} step for ${image.name}`,
            data: readComponentDocument(document),
            kmsKeyId: key.arn,
            tags,
        }, child));

        const recipe = new aws.imagebuilder.ImageRecipe(`${name}-recipe`, {
            name: image.name,
            version: image.version,
            parentImage: image.baseImage,
            components: components.map(component => ({ componentArn: component.arn })),
            blockDeviceMappings: [{
                deviceName: image.rootDeviceName,
                ebs: {
                    encrypted: "true",
                    kmsKeyId: key.arn,
                    volumeSize: image.rootVolumeGiB,
                    volumeType: "gp3",
                    deleteOnTermination: "true",
                },
            }],
            systemsManagerAgent: { uninstallAfterBuild: false },
            tags,
        }, child);

        const logs = new BuildLogsBucket(`${name}-logs`, { provider, tags }, { parent: this });
        const notifications = new aws.sns.Topic(`${name}-builds`, { kmsMasterKeyId: key.arn, tags }, child);
        const instanceProfile = buildInstanceProfile(`${name}-build`, { logsBucketArn: logs.arn, partition, tags }, child);

        const infrastructure = new aws.imagebuilder.InfrastructureConfiguration(`${name}-infrastructure`, {
            name: image.name,
            description: `Build and test instances for ${image.name}`,
            instanceProfileName: instanceProfile.name,
            instanceTypes: image.instanceTypes,
            terminateInstanceOnFailure: true,
            snsTopicArn: notifications.arn,
            logging: { s3Logs: { s3BucketName: logs.bucket, s3KeyPrefix: image.name } },
            instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
            resourceTags: args.tags,
            tags,
        }, child);

        const distribution = new aws.imagebuilder.DistributionConfiguration(`${name}-distribution`, {
            name: image.name,
            description: `${image.name} in its home region, encrypted with the image key`,
            distributions: [{
                region: aws.getRegionOutput({}, child).region,
                amiDistributionConfiguration: {
                    name: amiNameTemplate(image),
                    description: `${image.name} ${image.version} golden image`,
                    amiTags: args.tags,
                    kmsKeyId: key.arn,
                },
            }],
            tags,
        }, child);

        const buildSettings = {
            imageRecipeArn: recipe.arn,
            infrastructureConfigurationArn: infrastructure.arn,
            distributionConfigurationArn: distribution.arn,
            imageTestsConfiguration: { imageTestsEnabled: true, timeoutMinutes: 90 },
            imageScanningConfiguration: { imageScanningEnabled: true },
            enhancedImageMetadataEnabled: true,
            tags,
        };
        const pipeline = new aws.imagebuilder.ImagePipeline(`${name}-pipeline`, {
            name: image.name,
            description: `Rebuilds ${image.name} on schedule when the base image or a component changed`,
            schedule: {
                scheduleExpression: image.schedule,
                pipelineExecutionStartCondition: "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE",
                timezone: image.scheduleTimezone,
            },
            ...buildSettings,
        }, child);

        const built = new aws.imagebuilder.Image(`${name}-image`, buildSettings, {
            ...child,
            customTimeouts: { create: BUILD_TIMEOUT },
        });

        new ImageLifecycle(`${name}-lifecycle`, {
            provider,
            imageName: image.name,
            lifecycle: args.lifecycle,
            partition,
            tags,
        }, { parent: this });

        this.amiId = built.outputResources.apply(firstAmiId);
        this.imageArn = built.arn;
        this.imageVersion = built.version;
        this.pipelineArn = pipeline.arn;
        this.kmsKeyArn = key.arn;
        this.registerOutputs({
            amiId: this.amiId, imageArn: this.imageArn, imageVersion: this.imageVersion,
            pipelineArn: this.pipelineArn, kmsKeyArn: this.kmsKeyArn,
        });
    }
}

export function readComponentDocument(document: ComponentDocument): string {
    return fs.readFileSync(path.join(__dirname, "documents", `${document}.yaml`), "utf8");
}

/** The AMI Image Builder distributed to the home region (the only distribution). */
export function firstAmiId(outputResources: aws.types.output.imagebuilder.ImageOutputResource[]): string {
    const ami = outputResources[0]?.amis?.[0]?.image;
    if (!ami) throw new Error("Image Builder reported no AMI for the build: see the build logs in the logs bucket");
    return ami;
}

interface BuildInstanceProfileArgs {
    logsBucketArn: pulumi.Input<string>;
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
}

/** The build instances' role: Systems Manager and Image Builder's managed policies, and writing its own logs. */
function buildInstanceProfile(name: string, args: BuildInstanceProfileArgs, opts: pulumi.CustomResourceOptions): aws.iam.InstanceProfile {
    const { profile, role } = instanceProfile(name, {
        description: "EC2 Image Builder build and test instances",
        managedPolicies: ["AmazonSSMManagedInstanceCore", "EC2InstanceProfileForImageBuilder"],
        partition: args.partition,
        tags: args.tags,
    }, opts);
    new aws.iam.RolePolicy(`${name}-write-logs`, {
        role: role.id,
        policy: pulumi.jsonStringify({
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:PutObject", Resource: pulumi.interpolate`${args.logsBucketArn}/*` }],
        }),
    }, opts);
    return profile;
}
