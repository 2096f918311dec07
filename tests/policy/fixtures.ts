// Passing resources, shaped like the ones the golden-ami program registers. Every builder returns a fresh
// copy, so a test changes one field and leaves the others passing.
import { ProviderFixture, ResourceFixture } from "./harness";

export const HOME_REGION = "us-east-1";
export const KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
export const SOURCE_AMI = "ami-0123456789abcdef0";
/** The stack's own golden image in the home region: what its build distributes there, or its copy there. */
export const GOLDEN_AMI = "ami-0a0b0c0d0e0f00001";
export const DEV_SHARED_ACCOUNT = "222222222222";
export const SUBNET_ID = "subnet-0123456789abcdef0";
export const TEMPLATE_ID = "lt-0123456789abcdef0";
const DAY_MS = 24 * 60 * 60 * 1000;

/** An RFC 3339 time `days` from now, as the program sets deprecation times (within every stack's horizon). */
export function inDays(days: number): string {
    return new Date(Date.now() + days * DAY_MS).toISOString().replace(/\.\d{3}Z$/, "Z");
}

export function imageTags(): Record<string, string> {
    return {
        Name: "al2023-base",
        Owner: "platform-team",
        CostCenter: "cc-1042",
        Environment: "dev",
        Version: "1.4.0",
        ManagedBy: "golden-ami",
    };
}

export function regionalProvider(region = HOME_REGION, props: Record<string, any> = {}): ProviderFixture {
    return { type: "pulumi:providers:aws", name: `aws-${region}`, props: { region, ...props } };
}

export function keyArn(region = HOME_REGION): string {
    return KEY_ARN.replace(HOME_REGION, region);
}

/** The region's customer-managed image key, as the stack declares it (its ARN is an output). */
export function kmsKey(region = HOME_REGION): ResourceFixture {
    return {
        type: "aws:kms/key:Key",
        name: `al2023-base-${region}-key`,
        provider: regionalProvider(region),
        props: { description: "Encrypts golden images", enableKeyRotation: true, tags: imageTags() },
        outputs: { arn: keyArn(region), keyId: keyArn(region).split("/").pop(), id: keyArn(region).split("/").pop() },
    };
}

export function amiCopy(region = HOME_REGION): ResourceFixture {
    return {
        type: "aws:ec2/amiCopy:AmiCopy",
        name: `al2023-base-${region}-copy`,
        provider: regionalProvider(region),
        props: {
            name: "al2023-base-1.4.0-dev",
            sourceAmiId: SOURCE_AMI,
            sourceAmiRegion: HOME_REGION,
            encrypted: true,
            kmsKeyId: keyArn(region),
            deprecationTime: inDays(30),
            tags: imageTags(),
        },
        outputs: { id: region === HOME_REGION ? GOLDEN_AMI : `ami-0a0b0c0d0e0f${region.replace(/\W/g, "").slice(-5)}` },
    };
}

export function ami(): ResourceFixture {
    return {
        type: "aws:ec2/ami:Ami",
        name: "al2023-base-registered",
        provider: regionalProvider(),
        props: {
            name: "al2023-base-registered",
            rootDeviceName: "/dev/xvda",
            ebsBlockDevices: [{ deviceName: "/dev/xvda", snapshotId: "snap-0123456789abcdef0" }],
            deprecationTime: inDays(30),
            tags: imageTags(),
        },
    };
}

export function amiFromInstance(): ResourceFixture {
    return {
        type: "aws:ec2/amiFromInstance:AmiFromInstance",
        name: "al2023-base-captured",
        provider: regionalProvider(),
        props: {
            name: "al2023-base-captured",
            sourceInstanceId: "i-0123456789abcdef0",
            snapshotWithoutReboot: false,
            deprecationTime: inDays(30),
            tags: imageTags(),
        },
    };
}

export function launchPermission(grant: Record<string, string> = { accountId: DEV_SHARED_ACCOUNT }, region = HOME_REGION): ResourceFixture {
    const principal = Object.values(grant)[0];
    return {
        type: "aws:ec2/amiLaunchPermission:AmiLaunchPermission",
        name: `al2023-base-${region}-sharing-${principal.split("/").pop()}`,
        provider: regionalProvider(region),
        props: { imageId: SOURCE_AMI, ...grant },
    };
}

export function blockPublicAccess(region = HOME_REGION): ResourceFixture {
    return {
        type: "aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess",
        name: `al2023-base-${region}-sharing`,
        provider: regionalProvider(region),
        props: { state: "block-new-sharing" },
    };
}

const BUILD_SETTINGS = {
    imageRecipeArn: "arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/al2023-base/1.4.0",
    infrastructureConfigurationArn: "arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/al2023-base",
    distributionConfigurationArn: "arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/al2023-base",
};

export function imageRecipe(): ResourceFixture {
    return {
        type: "aws:imagebuilder/imageRecipe:ImageRecipe",
        name: "al2023-base-recipe",
        provider: regionalProvider(),
        props: {
            name: "al2023-base",
            version: "1.4.0",
            parentImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
            components: [{ componentArn: "arn:aws:imagebuilder:us-east-1:111111111111:component/al2023-base-build/1.4.0/1" }],
            blockDeviceMappings: [
                {
                    deviceName: "/dev/xvda",
                    ebs: { encrypted: "true", kmsKeyId: KEY_ARN, volumeSize: 20, volumeType: "gp3", deleteOnTermination: "true" },
                },
            ],
            tags: imageTags(),
        },
        outputs: { arn: BUILD_SETTINGS.imageRecipeArn },
    };
}

export function distributionConfiguration(): ResourceFixture {
    return {
        type: "aws:imagebuilder/distributionConfiguration:DistributionConfiguration",
        name: "al2023-base-distribution",
        provider: regionalProvider(),
        props: {
            name: "al2023-base",
            distributions: [
                {
                    region: HOME_REGION,
                    amiDistributionConfiguration: {
                        name: "al2023-base-1.4.0-{{ imagebuilder:buildDate }}",
                        amiTags: imageTags(),
                        kmsKeyId: KEY_ARN,
                        launchPermission: { userIds: [DEV_SHARED_ACCOUNT] },
                    },
                },
            ],
            tags: imageTags(),
        },
        outputs: { arn: BUILD_SETTINGS.distributionConfigurationArn },
    };
}

export function imagePipeline(): ResourceFixture {
    return {
        type: "aws:imagebuilder/imagePipeline:ImagePipeline",
        name: "al2023-base-pipeline",
        provider: regionalProvider(),
        props: {
            name: "al2023-base",
            ...BUILD_SETTINGS,
            schedule: { scheduleExpression: "cron(0 4 ? * SUN *)", pipelineExecutionStartCondition: "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE" },
            tags: { ...imageTags(), GoldenAmiFamily: "al2023-base" },
        },
    };
}

export function image(): ResourceFixture {
    return {
        type: "aws:imagebuilder/image:Image",
        name: "al2023-base-image",
        provider: regionalProvider(),
        props: { ...BUILD_SETTINGS, tags: { ...imageTags(), GoldenAmiFamily: "al2023-base" } },
        outputs: { outputResources: [{ amis: [{ image: GOLDEN_AMI, region: HOME_REGION, accountId: "111111111111" }] }] },
    };
}

export function lifecyclePolicy(region = HOME_REGION): ResourceFixture {
    return {
        type: "aws:imagebuilder/lifecyclePolicy:LifecyclePolicy",
        name: "al2023-base-lifecycle",
        provider: regionalProvider(region),
        props: {
            name: "al2023-base",
            executionRole: "arn:aws:iam::111111111111:role/al2023-base-lifecycle",
            resourceType: "AMI_IMAGE",
            resourceSelection: { tagMap: { GoldenAmiFamily: "al2023-base" } },
            policyDetails: [
                { action: { type: "DEPRECATE", includeResources: { amis: true } }, filter: { type: "AGE", value: 30, unit: "DAYS", retainAtLeast: 5 } },
                { action: { type: "DELETE", includeResources: { amis: true, snapshots: true } }, filter: { type: "AGE", value: 90, unit: "DAYS" } },
            ],
        },
    };
}

export function launchTemplate(): ResourceFixture {
    return {
        type: "aws:ec2/launchTemplate:LaunchTemplate",
        name: "web",
        provider: regionalProvider(),
        props: {
            imageId: GOLDEN_AMI,
            instanceType: "t3.medium",
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", kmsKeyId: KEY_ARN, volumeSize: 20 } }],
            networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", subnetId: SUBNET_ID }],
        },
        outputs: { id: TEMPLATE_ID, arn: `arn:aws:ec2:us-east-1:111111111111:launch-template/${TEMPLATE_ID}`, latestVersion: 3 },
    };
}

export function autoScalingGroup(): ResourceFixture {
    return {
        type: "aws:autoscaling/group:Group",
        name: "web",
        provider: regionalProvider(),
        props: {
            minSize: 2,
            maxSize: 4,
            vpcZoneIdentifiers: [SUBNET_ID],
            launchTemplate: { id: TEMPLATE_ID, version: "3" },
            instanceRefresh: { strategy: "Rolling" },
        },
    };
}

export const ARM64_TEMPLATE_ID = "lt-0a1b2c3d4e5f60718";

/** The arm64 template of a mixed-architecture fleet: `launchTemplate()` on a Graviton type and its own image. */
export function arm64LaunchTemplate(): ResourceFixture {
    const template = launchTemplate();
    return {
        ...template,
        name: "web-arm64",
        props: { ...template.props, imageId: "ami-0fedcba9876543210", instanceType: "m7g.large" },
        outputs: { id: ARM64_TEMPLATE_ID, arn: `arn:aws:ec2:us-east-1:111111111111:launch-template/${ARM64_TEMPLATE_ID}`, latestVersion: 2 },
    };
}

/** A group that runs both architectures as the program makes it: each override on its own architecture's template, at a numbered version. */
export function mixedArchitectureGroup(): ResourceFixture {
    const { launchTemplate: _, ...props } = autoScalingGroup().props;
    const x86 = { launchTemplateId: TEMPLATE_ID, version: "3" };
    const arm64 = { launchTemplateId: ARM64_TEMPLATE_ID, version: "2" };
    return {
        ...autoScalingGroup(),
        props: {
            ...props,
            mixedInstancesPolicy: {
                launchTemplate: {
                    launchTemplateSpecification: { ...x86 },
                    overrides: [
                        { instanceType: "m7i.large", launchTemplateSpecification: { ...x86 } },
                        { instanceType: "m7g.large", launchTemplateSpecification: { ...arm64 } },
                    ],
                },
            },
        },
    };
}

/** What the dev stack registers that the pack looks at: a pipeline building in us-east-1, a copy in us-west-2. */
export function devProgram(): ResourceFixture[] {
    return [
        kmsKey(HOME_REGION),
        kmsKey("us-west-2"),
        imageRecipe(),
        distributionConfiguration(),
        imagePipeline(),
        image(),
        lifecyclePolicy(),
        launchPermission({ accountId: DEV_SHARED_ACCOUNT }, HOME_REGION),
        blockPublicAccess(HOME_REGION),
        amiCopy("us-west-2"),
        launchPermission({ accountId: DEV_SHARED_ACCOUNT }, "us-west-2"),
        blockPublicAccess("us-west-2"),
        launchTemplate(),
        autoScalingGroup(),
    ];
}

export const PROD_PRINCIPALS: Array<Record<string, string>> = [
    { accountId: "333333333333" },
    { accountId: "444444444444" },
    { organizationalUnitArn: "arn:aws:organizations::555555555555:ou/o-a1b2c3d4e5/ou-ab12-workload1" },
];

/** What the prod stack registers: an encrypted, shared copy of dev's image in every region. */
export function prodProgram(): ResourceFixture[] {
    return [HOME_REGION, "us-west-2", "eu-west-1", "ap-southeast-2"].flatMap(region => {
        const copy = amiCopy(region);
        copy.props.tags.Environment = "prod";
        return [kmsKey(region), copy, ...PROD_PRINCIPALS.map(grant => launchPermission(grant, region)), blockPublicAccess(region)];
    });
}

// Other ways to share, launch or hold an image: each passes as built, so a test changes one field.

export function snapshotPermission(accountId = DEV_SHARED_ACCOUNT): ResourceFixture {
    return {
        type: "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission",
        name: `al2023-base-snapshot-${accountId}`,
        provider: regionalProvider(),
        props: { snapshotId: "snap-0123456789abcdef0", accountId },
    };
}

export function snapshotBlockPublicAccess(region = HOME_REGION): ResourceFixture {
    return {
        type: "aws:ebs/snapshotBlockPublicAccess:SnapshotBlockPublicAccess",
        name: `snapshots-${region}`,
        provider: regionalProvider(region),
        props: { state: "block-all-sharing" },
    };
}

export function ramPrincipalAssociation(principal = DEV_SHARED_ACCOUNT): ResourceFixture {
    return {
        type: "aws:ram/principalAssociation:PrincipalAssociation",
        name: `al2023-base-share-${principal.split(/[:/]/).pop()}`,
        provider: regionalProvider(),
        props: { principal, resourceShareArn: "arn:aws:ram:us-east-1:111111111111:resource-share/1234abcd-12ab-34cd-56ef-1234567890ab" },
    };
}

export function snapshotCopy(region = HOME_REGION): ResourceFixture {
    return {
        type: "aws:ebs/snapshotCopy:SnapshotCopy",
        name: `al2023-base-${region}-snapshot`,
        provider: regionalProvider(region),
        props: { sourceSnapshotId: "snap-0fedcba9876543210", sourceRegion: HOME_REGION, encrypted: true, kmsKeyId: keyArn(region), tags: imageTags() },
        outputs: { id: "snap-0123456789abcdef0", arn: `arn:aws:ec2:${region}::snapshot/snap-0123456789abcdef0` },
    };
}

/** A subnet the stack declares, private unless told otherwise. */
export function subnet(mapPublicIpOnLaunch = false, id = SUBNET_ID): ResourceFixture {
    return {
        type: "aws:ec2/subnet:Subnet",
        name: `fleet-${id}`,
        provider: regionalProvider(),
        props: { vpcId: "vpc-0123456789abcdef0", cidrBlock: "10.0.1.0/24", mapPublicIpOnLaunch },
        outputs: { id, arn: `arn:aws:ec2:us-east-1:111111111111:subnet/${id}` },
    };
}

export function instance(): ResourceFixture {
    return {
        type: "aws:ec2/instance:Instance",
        name: "builder",
        provider: regionalProvider(),
        props: {
            ami: SOURCE_AMI,
            instanceType: "t3.small",
            subnetId: SUBNET_ID,
            associatePublicIpAddress: false,
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            rootBlockDevice: { encrypted: true, kmsKeyId: KEY_ARN, volumeSize: 20 },
            ebsBlockDevices: [{ deviceName: "/dev/xvdb", encrypted: true, kmsKeyId: KEY_ARN, volumeSize: 10 }],
            userData: "#!/bin/bash\nsystemctl enable --now amazon-ssm-agent\n",
            tags: imageTags(),
        },
        outputs: { id: "i-0123456789abcdef0", arn: "arn:aws:ec2:us-east-1:111111111111:instance/i-0123456789abcdef0" },
    };
}

export function launchConfiguration(): ResourceFixture {
    return {
        type: "aws:ec2/launchConfiguration:LaunchConfiguration",
        name: "legacy",
        provider: regionalProvider(),
        props: {
            name: "legacy",
            imageId: SOURCE_AMI,
            instanceType: "t3.small",
            associatePublicIpAddress: false,
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            rootBlockDevice: { encrypted: true, volumeSize: 20 },
        },
        outputs: { id: "legacy", arn: "arn:aws:autoscaling:us-east-1:111111111111:launchConfiguration:legacy" },
    };
}

export function ec2Fleet(): ResourceFixture {
    return {
        type: "aws:ec2/fleet:Fleet",
        name: "burst",
        provider: regionalProvider(),
        props: {
            type: "maintain",
            launchTemplateConfigs: [{ launchTemplateSpecification: { launchTemplateId: TEMPLATE_ID, version: "3" }, overrides: [{ subnetId: SUBNET_ID }] }],
            targetCapacitySpecification: { defaultTargetCapacityType: "spot", totalTargetCapacity: 2 },
        },
    };
}

export function spotFleetRequest(): ResourceFixture {
    return {
        type: "aws:ec2/spotFleetRequest:SpotFleetRequest",
        name: "spot",
        provider: regionalProvider(),
        props: {
            iamFleetRole: "arn:aws:iam::111111111111:role/spot-fleet",
            targetCapacity: 2,
            launchTemplateConfigs: [{ launchTemplateSpecification: { id: TEMPLATE_ID, version: "3" }, overrides: [{ subnetId: SUBNET_ID }] }],
        },
    };
}

export function infrastructureConfiguration(): ResourceFixture {
    return {
        type: "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration",
        name: "al2023-base-infrastructure",
        provider: regionalProvider(),
        props: {
            name: "al2023-base",
            instanceProfileName: "al2023-base-build",
            instanceTypes: ["t3.medium"],
            instanceMetadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
            tags: imageTags(),
        },
    };
}

/** One image family of a catalog: its recipe, build, distribution, pipeline, lifecycle and a fleet on its own launch template. */
export function imageFamily(family: string, architecture: "x86_64" | "arm64", instanceTypes: string[], templateId: string, parent?: string): ResourceFixture[] {
    const rename = (resource: ResourceFixture) => ({ ...resource, name: resource.name.replace("al2023-base", family) });
    const arns = {
        imageRecipeArn: `arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/${family}/1.4.0`,
        infrastructureConfigurationArn: `arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/${family}`,
        distributionConfigurationArn: `arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/${family}`,
    };
    const tags = { ...imageTags(), Name: family };
    const recipe = rename(imageRecipe());
    recipe.props.name = family;
    recipe.props.parentImage = parent ?? `ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-${architecture}`;
    recipe.props.tags = { ...tags };
    recipe.outputs = { arn: arns.imageRecipeArn };
    const infrastructure = rename(infrastructureConfiguration());
    infrastructure.props.name = family;
    infrastructure.props.instanceTypes = instanceTypes;
    infrastructure.props.tags = { ...tags };
    infrastructure.outputs = { arn: arns.infrastructureConfigurationArn };
    const distribution = rename(distributionConfiguration());
    distribution.props.name = family;
    distribution.props.distributions[0].amiDistributionConfiguration.amiTags = { ...tags };
    distribution.props.distributions[0].amiDistributionConfiguration.name = `${family}-1.4.0-{{ imagebuilder:buildDate }}`;
    distribution.outputs = { arn: arns.distributionConfigurationArn };
    const pipeline = rename(imagePipeline());
    Object.assign(pipeline.props, arns, { name: family, tags: { ...tags, GoldenAmiFamily: family } });
    const built = rename(image());
    Object.assign(built.props, arns, { tags: { ...tags, GoldenAmiFamily: family } });
    const lifecycle = rename(lifecyclePolicy());
    lifecycle.props.name = family;
    lifecycle.props.resourceSelection = { tagMap: { GoldenAmiFamily: family } };
    const template = launchTemplate();
    template.name = `${family}-fleet`;
    template.props.instanceType = instanceTypes[0];
    template.outputs = { ...template.outputs, id: templateId, arn: `arn:aws:ec2:us-east-1:111111111111:launch-template/${templateId}` };
    const group = autoScalingGroup();
    group.name = `${family}-fleet`;
    group.props.launchTemplate = { id: templateId, version: "3" };
    return [recipe, infrastructure, distribution, pipeline, built, lifecycle, template, group];
}

/** A catalog stack: several families (x86_64, arm64 on Graviton, Windows), each with its own fleet, keys and blocks shared per region. */
export function catalogProgram(): ResourceFixture[] {
    const windows = imageFamily(
        "windows-2022",
        "x86_64",
        ["m6i.large"],
        "lt-0000000000000000c",
        "ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base",
    );
    const windowsTemplate = windows.find(resource => resource.type === "aws:ec2/launchTemplate:LaunchTemplate")!;
    windowsTemplate.props.blockDeviceMappings[0].deviceName = "/dev/sda1";
    windowsTemplate.props.userData = Buffer.from(
        "<powershell>\n$pw = (Get-SSMParameterValue -Name /app/svc -WithDecryption $true).Parameters[0].Value\nnet user svc-app $pw /add\n</powershell>\n",
    ).toString("base64");
    return [
        kmsKey(HOME_REGION),
        kmsKey("us-west-2"),
        blockPublicAccess(HOME_REGION),
        blockPublicAccess("us-west-2"),
        subnet(),
        ...imageFamily("al2023-base", "x86_64", ["t3.medium", "m6i.large", "c6i.large"], "lt-0000000000000000a"),
        ...imageFamily("al2023-arm64", "arm64", ["t4g.medium", "m7g.large", "c7g.large"], "lt-0000000000000000b"),
        ...windows,
        amiCopy("us-west-2"),
        launchPermission({ accountId: DEV_SHARED_ACCOUNT }, HOME_REGION),
        launchPermission({ accountId: DEV_SHARED_ACCOUNT }, "us-west-2"),
    ];
}
