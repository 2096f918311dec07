import * as aws from "@pulumi/aws";
import * as awsx from "@pulumi/awsx";
import * as pulumi from "@pulumi/pulumi";
import { stackResourceTags } from "./tags";
import { FleetConfig } from "./config";
import { Architecture, ARCHITECTURES, architectureOf } from "./platforms";

export interface FleetArgs {
    /** This region's provider. */
    provider: aws.Provider;
    region: string;
    /** The golden image of each architecture the fleet runs, in this region: one launch template each. */
    images: Partial<Record<Architecture, FleetImage>>;
    /** This region's image key: the fleet's volumes are encrypted with it. */
    kmsKeyArn: pulumi.Input<string>;
    /** Instance profile (IAM is global: one for every region). */
    instanceProfileArn: pulumi.Input<string>;
    fleet: FleetConfig;
    /** Tags for the group and its security group (the templates, instances and volumes carry their image's). */
    tags: Record<string, string>;
}

/** One architecture's image in the fleet's region. */
export interface FleetImage {
    /** The regional copy of the golden image. */
    amiId: pulumi.Input<string>;
    /** The base image's root device, where the encrypted root volume goes. */
    rootDeviceName: string;
    /** Tags for the template, instances and volumes: the image's. */
    tags: Record<string, string>;
}

/**
 * Launch templates on the region's golden images (one per architecture) and an Auto Scaling group that rolls to every
 * new version. The template of the first instance type's architecture keeps the fleet's name; another architecture's
 * is `<name>-<architecture>`, so a fleet of one architecture is named as it always was.
 */
export class Fleet extends pulumi.ComponentResource {
    /** The group's own template: the first instance type's architecture. */
    public readonly launchTemplateId: pulumi.Output<string>;
    /** The template version the group runs: a new image makes a new version, which starts an instance refresh. */
    public readonly launchTemplateVersion: pulumi.Output<number>;
    /** Every template, by architecture. */
    public readonly launchTemplateIds: pulumi.Output<Record<string, string>>;
    public readonly autoScalingGroupName: pulumi.Output<string>;

    constructor(name: string, args: FleetArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:autoscaling:Fleet", name, {}, opts);
        const { fleet, provider } = args;
        const child = { parent: this, provider };
        const primary = architectureOf(fleet.instanceTypes[0]);
        const network = fleetNetwork(name, args, this);

        const securityGroup = new aws.ec2.SecurityGroup(
            name,
            {
                description: "golden-ami fleet: no inbound access (Session Manager reaches the instances)",
                vpcId: network.vpcId,
                egress: [{ protocol: "-1", fromPort: 0, toPort: 0, cidrBlocks: ["0.0.0.0/0"], ipv6CidrBlocks: ["::/0"] }],
                tags: stackResourceTags(args.tags),
            },
            child,
        );

        const architectures = [primary, ...ARCHITECTURES.filter(architecture => architecture !== primary && args.images[architecture])];
        const templates = new Map(
            architectures.map(architecture => [
                architecture,
                fleetLaunchTemplate(architecture === primary ? name : `${name}-${architecture}`, architecture, args, securityGroup, child),
            ]),
        );
        const launchTemplate = templates.get(primary)!;

        // The group names the template's numbered latest version, never "$Latest": only a changed
        // version number makes the provider start an instance refresh.
        const templateVersion = { id: launchTemplate.id, version: launchTemplate.latestVersion.apply(String) };
        const pinnedVersionOf = (template: aws.ec2.LaunchTemplate) => ({ launchTemplateId: template.id, version: template.latestVersion.apply(String) });
        const mixed = fleet.instanceTypes.length > 1;
        const group = new aws.autoscaling.Group(
            name,
            {
                vpcZoneIdentifiers: network.subnetIds,
                minSize: fleet.minSize,
                maxSize: fleet.maxSize,
                desiredCapacity: fleet.desiredCapacity,
                healthCheckType: fleet.healthCheckType,
                healthCheckGracePeriod: fleet.healthCheckGracePeriodSeconds,
                ...(mixed
                    ? {
                          mixedInstancesPolicy: {
                              launchTemplate: {
                                  launchTemplateSpecification: { launchTemplateId: templateVersion.id, version: templateVersion.version },
                                  // Several architectures: each type launches from its own architecture's template, at its pinned version.
                                  overrides: fleet.instanceTypes.map(instanceType =>
                                      templates.size === 1
                                          ? { instanceType }
                                          : { instanceType, launchTemplateSpecification: pinnedVersionOf(templates.get(architectureOf(instanceType))!) },
                                  ),
                              },
                              instancesDistribution: {
                                  onDemandBaseCapacity: fleet.onDemandBaseCapacity,
                                  onDemandPercentageAboveBaseCapacity: fleet.onDemandPercentageAboveBaseCapacity,
                                  spotAllocationStrategy: "price-capacity-optimized",
                              },
                          },
                      }
                    : { launchTemplate: templateVersion }),
                instanceRefresh: {
                    strategy: "Rolling",
                    preferences: {
                        minHealthyPercentage: fleet.instanceRefresh.minHealthyPercentage,
                        // Above 100: new instances launch before old ones terminate, so a group of one never goes to zero.
                        maxHealthyPercentage: fleet.instanceRefresh.maxHealthyPercentage,
                        instanceWarmup: String(fleet.instanceRefresh.instanceWarmupSeconds),
                        checkpointPercentages: fleet.instanceRefresh.checkpointPercentages,
                        // Auto Scaling refuses a checkpoint delay without checkpoints.
                        checkpointDelay:
                            fleet.instanceRefresh.checkpointPercentages.length > 0 ? String(fleet.instanceRefresh.checkpointDelaySeconds) : undefined,
                        // Off: the provider saves the new template version on the group before it starts the refresh, so
                        // a rollback would "restore" the new version (hashicorp/terraform-provider-aws#34189). A failed
                        // refresh stops; rolling back is promoting the previous version, which starts a new refresh.
                        autoRollback: false,
                        skipMatching: true,
                    },
                },
                tags: Object.entries(args.tags).map(([key, value]) => ({ key, value, propagateAtLaunch: true })),
            },
            child,
        );

        this.launchTemplateId = launchTemplate.id;
        this.launchTemplateVersion = launchTemplate.latestVersion;
        this.launchTemplateIds = pulumi.all(Object.fromEntries([...templates].map(([architecture, template]) => [architecture, template.id])));
        this.autoScalingGroupName = group.name;
        this.registerOutputs({
            launchTemplateId: this.launchTemplateId,
            launchTemplateVersion: this.launchTemplateVersion,
            launchTemplateIds: this.launchTemplateIds,
            autoScalingGroupName: this.autoScalingGroupName,
        });
    }
}

/** The fleet's launch template of one architecture: on that architecture's image, IMDSv2, the root encrypted with the region's key, no public IP. */
function fleetLaunchTemplate(
    name: string,
    architecture: Architecture,
    args: FleetArgs,
    securityGroup: aws.ec2.SecurityGroup,
    opts: pulumi.CustomResourceOptions,
): aws.ec2.LaunchTemplate {
    const { fleet } = args;
    const image = args.images[architecture]!;
    return new aws.ec2.LaunchTemplate(
        name,
        {
            description: `golden-ami fleet on ${image.tags.Name} ${image.tags.Version}`,
            imageId: image.amiId,
            instanceType: fleet.instanceTypes.find(instanceType => architectureOf(instanceType) === architecture),
            iamInstanceProfile: { arn: args.instanceProfileArn },
            metadataOptions: {
                httpEndpoint: "enabled",
                httpTokens: "required",
                // Containers sit one network hop further from the metadata service than the instance.
                httpPutResponseHopLimit: fleet.containers ? 2 : 1,
            },
            blockDeviceMappings: [
                {
                    deviceName: image.rootDeviceName,
                    ebs: {
                        encrypted: "true",
                        kmsKeyId: args.kmsKeyArn,
                        volumeSize: fleet.rootVolumeGiB,
                        volumeType: "gp3",
                        deleteOnTermination: "true",
                    },
                },
            ],
            networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", deleteOnTermination: "true", securityGroups: [securityGroup.id] }],
            userData: Buffer.from(fleet.userData).toString("base64"),
            tagSpecifications: ["instance", "volume"].map(resourceType => ({ resourceType, tags: image.tags })),
            updateDefaultVersion: true,
            tags: image.tags,
        },
        opts,
    );
}

/** The stack's subnets for the region, or a VPC of the fleet's own with private subnets behind NAT. */
function fleetNetwork(name: string, args: FleetArgs, parent: pulumi.Resource): { vpcId: pulumi.Output<string>; subnetIds: pulumi.Output<string[]> } {
    const configured = args.fleet.subnetIds[args.region];
    if (configured) {
        const firstSubnet = aws.ec2.getSubnetOutput({ id: configured[0] }, { parent, provider: args.provider });
        return { vpcId: firstSubnet.vpcId, subnetIds: pulumi.output(configured) };
    }
    const vpc = new awsx.ec2.Vpc(
        name,
        {
            cidrBlock: args.fleet.vpcCidr,
            numberOfAvailabilityZones: 2,
            subnetSpecs: [{ type: awsx.ec2.SubnetType.Private }, { type: awsx.ec2.SubnetType.Public }],
            natGateways: { strategy: args.fleet.natGateways },
            tags: stackResourceTags(args.tags),
        },
        { parent, providers: [args.provider] },
    );
    return { vpcId: vpc.vpcId, subnetIds: vpc.privateSubnetIds };
}
