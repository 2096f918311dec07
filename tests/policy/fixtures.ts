// Passing resources, shaped like the ones the golden-ami program registers. Every builder returns a fresh
// copy, so a test changes one field and leaves the others passing.
import { ProviderFixture, ResourceFixture } from "./harness";

export const HOME_REGION = "us-east-1";
export const KEY_ARN = "arn:aws:kms:us-east-1:111111111111:key/1234abcd-12ab-34cd-56ef-1234567890ab";
export const SOURCE_AMI = "ami-0123456789abcdef0";
export const DEV_SHARED_ACCOUNT = "222222222222";

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
            deprecationTime: "2027-01-22T09:00:00Z",
            tags: imageTags(),
        },
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
            deprecationTime: "2027-01-22T09:00:00Z",
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
            deprecationTime: "2027-01-22T09:00:00Z",
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
            blockDeviceMappings: [{
                deviceName: "/dev/xvda",
                ebs: { encrypted: "true", kmsKeyId: KEY_ARN, volumeSize: 20, volumeType: "gp3", deleteOnTermination: "true" },
            }],
            tags: imageTags(),
        },
    };
}

export function distributionConfiguration(): ResourceFixture {
    return {
        type: "aws:imagebuilder/distributionConfiguration:DistributionConfiguration",
        name: "al2023-base-distribution",
        provider: regionalProvider(),
        props: {
            name: "al2023-base",
            distributions: [{
                region: HOME_REGION,
                amiDistributionConfiguration: {
                    name: "al2023-base-1.4.0-{{ imagebuilder:buildDate }}",
                    amiTags: imageTags(),
                    kmsKeyId: KEY_ARN,
                    launchPermission: { userIds: [DEV_SHARED_ACCOUNT] },
                },
            }],
            tags: imageTags(),
        },
    };
}

const BUILD_SETTINGS = {
    imageRecipeArn: "arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/al2023-base/1.4.0",
    infrastructureConfigurationArn: "arn:aws:imagebuilder:us-east-1:111111111111:infrastructure-configuration/al2023-base",
    distributionConfigurationArn: "arn:aws:imagebuilder:us-east-1:111111111111:distribution-configuration/al2023-base",
};

export function imagePipeline(): ResourceFixture {
    return {
        type: "aws:imagebuilder/imagePipeline:ImagePipeline",
        name: "al2023-base-pipeline",
        provider: regionalProvider(),
        props: {
            name: "al2023-base",
            ...BUILD_SETTINGS,
            schedule: { scheduleExpression: "cron(0 4 ? * SUN *)", pipelineExecutionStartCondition: "EXPRESSION_MATCH_AND_DEPENDENCY_UPDATES_AVAILABLE" },
            tags: imageTags(),
        },
    };
}

export function image(): ResourceFixture {
    return {
        type: "aws:imagebuilder/image:Image",
        name: "al2023-base-image",
        provider: regionalProvider(),
        props: { ...BUILD_SETTINGS, tags: imageTags() },
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
                { action: { type: "DEPRECATE" }, filter: { type: "AGE", value: 30, unit: "DAYS", retainAtLeast: 5 } },
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
            imageId: SOURCE_AMI,
            instanceType: "t3.medium",
            metadataOptions: { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 },
            blockDeviceMappings: [{ deviceName: "/dev/xvda", ebs: { encrypted: "true", kmsKeyId: KEY_ARN, volumeSize: 20 } }],
            networkInterfaces: [{ deviceIndex: 0, associatePublicIpAddress: "false", subnetId: "subnet-0123456789abcdef0" }],
        },
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
            vpcZoneIdentifiers: ["subnet-0123456789abcdef0"],
            launchTemplate: { id: "lt-0123456789abcdef0", version: "3" },
            instanceRefresh: { strategy: "Rolling" },
        },
    };
}

/** What the dev stack registers that the pack looks at: a pipeline building in us-east-1, a copy in us-west-2. */
export function devProgram(): ResourceFixture[] {
    return [
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
        return [copy, ...PROD_PRINCIPALS.map(grant => launchPermission(grant, region)), blockPublicAccess(region)];
    });
}
