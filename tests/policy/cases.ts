// Builders and expected messages the policy tests share: cases that start from a passing fixture and change one thing.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import * as zlib from "zlib";
import { imageSharingAllowListed } from "../../policy/policies";
import {
    ami,
    amiCopy,
    amiFromInstance,
    DEV_SHARED_ACCOUNT,
    HOME_REGION,
    image,
    imagePipeline,
    imageRecipe,
    imageTags,
    instance,
    KEY_ARN,
    regionalProvider,
    subnet,
    SUBNET_ID,
    TEMPLATE_ID,
} from "./fixtures";
import { detail, ResourceFixture, runPolicy } from "./harness";
export const PIN = "pin it to the launch template's number, e.g. version: template.latestVersion.apply(String).";

export const UNDECLARED_TEMPLATE = "lt-0fedcba9876543210";

export function spotInstanceRequest(): ResourceFixture {
    const request = instance();
    return { ...request, type: "aws:ec2/spotInstanceRequest:SpotInstanceRequest", name: "spot-builder", props: { ...request.props, spotType: "one-time" } };
}

export function nodeGroup(): ResourceFixture {
    return {
        type: "aws:eks/nodeGroup:NodeGroup",
        name: "workers",
        provider: regionalProvider(),
        props: {
            clusterName: "apps",
            nodeRoleArn: "arn:aws:iam::111111111111:role/workers",
            subnetIds: [SUBNET_ID],
            scalingConfig: { desiredSize: 2, maxSize: 4, minSize: 1 },
            launchTemplate: { id: TEMPLATE_ID, version: "3" },
        },
    };
}

export function computeEnvironment(): ResourceFixture {
    return {
        type: "aws:batch/computeEnvironment:ComputeEnvironment",
        name: "jobs",
        provider: regionalProvider(),
        props: {
            type: "MANAGED",
            computeResources: {
                type: "EC2",
                maxVcpus: 16,
                subnets: [SUBNET_ID],
                securityGroupIds: ["sg-0123456789abcdef0"],
                launchTemplate: { launchTemplateId: TEMPLATE_ID, version: "3" },
            },
        },
    };
}

export const findings = async (policy: Parameters<typeof runPolicy>[0], resources: ResourceFixture[], config: Record<string, unknown> = {}) =>
    (await runPolicy(policy, resources, config)).map(detail);

export const base64 = (text: string) => Buffer.from(text).toString("base64");

export const gzip64 = (text: string) => zlib.gzipSync(text).toString("base64");

export const hiddenSecrets: Array<[string, string, string]> = [
    [
        "aws configure with a space",
        "#!/bin/bash\naws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n",
        "an AWS secret access key",
    ],
    [
        "echo <base64> | base64 -d",
        `#!/bin/bash\necho ${base64("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")} | base64 -d > /root/.aws/credentials\n`,
        "an AWS access key id",
    ],
    [
        "a base64 MIME part",
        `Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n${base64("#!/bin/bash\nexport DB_PASSWORD=hunter22\n")}\n--B--\n`,
        "a password",
    ],
    ["base64 twice", base64(base64("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=ASIAIOSFODNN7EXAMPLE\n")), "an AWS access key id"],
    ["gzip inside a script", `#!/bin/bash\necho ${gzip64("password=hunter22\n")} | base64 -d | gunzip | sh\n`, "a password"],
    ["an EC private key", gzip64("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"), "a private key"],
    ["passwd --stdin", "#!/bin/bash\necho hunter22 | passwd --stdin ec2-user\n", "a password"],
    ["net user /add", "<powershell>\nnet user admin P@ssw0rd1 /add\n</powershell>", "a password"],
    ["a plain-text SecureString", '<powershell>$p = ConvertTo-SecureString "P@ssw0rd1" -AsPlainText -Force</powershell>', "a password"],
];

export const exclusions: Array<[string, Record<string, unknown>, string]> = [
    ["a tag the image carries", { tagMap: { Environment: "dev" } }, "policyDetails[0].exclusionRules.tagMap excludes the image's tag Environment=dev"],
    [
        "a tag its AMIs carry",
        { amis: { tagMap: { Owner: "platform-team" } } },
        "policyDetails[0].exclusionRules.amis.tagMap excludes its AMIs' tag Owner=platform-team (the distribution's amiTags)",
    ],
    ["its region", { amis: { regions: ["us-east-1"] } }, "policyDetails[0].exclusionRules.amis.regions excludes its AMIs in us-east-1"],
    [
        "recent launches",
        { amis: { lastLaunched: { value: 7, unit: "DAYS" } } },
        "policyDetails[0].exclusionRules.amis.lastLaunched keeps any image launched lately, so one in use is never deprecated",
    ],
    [
        "the accounts it is shared with",
        { amis: { sharedAccounts: ["222222222222"] } },
        "policyDetails[0].exclusionRules.amis.sharedAccounts keeps the images shared with 222222222222",
    ],
];

export const ALLOW_LIST = { allowedAccounts: ["222222222222"] };

export function dlmPolicy(schedule: Record<string, unknown> = {}, details: Record<string, unknown> = {}): ResourceFixture {
    return {
        type: "aws:dlm/lifecyclePolicy:LifecyclePolicy",
        name: "golden-backups",
        provider: regionalProvider(),
        props: {
            description: "AMIs of golden instances",
            executionRoleArn: "arn:aws:iam::111111111111:role/dlm",
            state: "ENABLED",
            policyDetails: {
                policyType: "IMAGE_MANAGEMENT",
                resourceTypes: ["INSTANCE"],
                targetTags: { GoldenAmi: "true" },
                schedules: [{ name: "daily", createRule: { interval: 24, intervalUnit: "HOURS" }, retainRule: { count: 7 }, ...schedule }],
                ...details,
            },
        },
    };
}

export const volume = (props: Record<string, unknown>): ResourceFixture => ({
    type: "aws:ebs/volume:Volume",
    name: "data",
    provider: regionalProvider(),
    props: { availabilityZone: "us-east-1a", size: 100, ...props },
    outputs: { id: "vol-0123456789abcdef0", arn: "arn:aws:ec2:us-east-1:111111111111:volume/vol-0123456789abcdef0" },
});

export const attachment = (volumeId = "vol-0123456789abcdef0"): ResourceFixture => ({
    type: "aws:ec2/volumeAttachment:VolumeAttachment",
    name: "data-attachment",
    provider: regionalProvider(),
    props: { deviceName: "/dev/sdf", instanceId: "i-0123456789abcdef0", volumeId },
});

export const mime = (encoding: string, body: string) =>
    `Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: ${encoding}\n\n${body}\n--B--\n`;

export const wrap = (text: string, width = 76) => text.replace(new RegExp(`(.{${width}})`, "g"), "$1\n");

export const encodedSecrets: Array<[string, string, string]> = [
    [
        "a quoted-printable MIME part with a soft line break inside the key",
        mime("quoted-printable", "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=3DAKIAIOSFO=\nDNN7EXAMPLE\n"),
        "an AWS access key id",
    ],
    [
        "PowerShell -EncodedCommand (base64 of UTF-16LE)",
        `<powershell>\npowershell.exe -EncodedCommand ${Buffer.from("$env:AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'", "utf16le").toString("base64")}\n</powershell>`,
        "an AWS access key id",
    ],
    ["aws_secret_key, as older tools name it", "[default]\naws_secret_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "an AWS secret access key"],
    ["SecretKey in JSON", '{"AccessKeyId": "x", "SecretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', "an AWS secret access key"],
    [
        "gzip in base64 wrapped over lines in a MIME part",
        mime("base64", wrap(zlib.gzipSync("#!/bin/bash\necho root:hunter22 | chpasswd\n").toString("base64"), 20)),
        "a password",
    ],
];

export const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

export function assertOne(found: string[], expected: RegExp, label = ""): void {
    assert.strictEqual(found.length, 1, `${label}: ${JSON.stringify(found)}`);
    assert.match(found[0], expected, label);
}

export const workflow = (steps: string): ResourceFixture => ({
    type: "aws:imagebuilder/workflow:Workflow",
    name: "distribute",
    provider: regionalProvider(),
    props: { name: "distribute", version: "1.0.0", type: "DISTRIBUTION", data: `name: distribute\nschemaVersion: 1.0\nsteps:\n${steps}`, tags: imageTags() },
});

export const tags = "            Name: al2023-base\n            Owner: platform-team\n            Environment: dev\n            Version: 1.4.0\n";

export const distribute = (fields: string, amiTags = tags) =>
    `  - name: Distribute\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions:\n        - region: us-east-1\n${fields}          amiTags:\n${amiTags}`;

export const modify = (launchPermission: string) =>
    "  - name: Share\n    action: ModifyImageAttributes\n    onFailure: Abort\n    inputs:\n      distributedImages.$: $.stepOutputs.Distribute.distributedImages\n" +
    `      attributes:\n        - region: us-east-1\n          launchPermission:\n${launchPermission}`;

export const good =
    distribute(`          kmsKeyId: ${KEY_ARN}\n          targetAccountIds: ["222222222222"]\n`) +
    modify('            userIds:\n              - "222222222222"\n');

export const awsManaged = ["alias/aws/ebs", "arn:aws-cn:kms:cn-north-1:111111111111:alias/aws/ebs", " ALIAS/AWS/EBS", "aws/ebs"];

export const passwordCommands: Array<[string, string]> = [
    ["a chpasswd here-string", "#!/bin/bash\nchpasswd <<< 'root:hunter22'\n"],
    ["printf into chpasswd", "#!/bin/bash\nprintf 'root:hunter22' | chpasswd\n"],
    ["echo -e into passwd", "#!/bin/bash\necho -e 'hunter22\\nhunter22' | passwd root\n"],
    ["a passwd --stdin here-string", "#!/bin/bash\npasswd --stdin ec2-user <<< hunter22\n"],
    ["openssl passwd", '#!/bin/bash\nusermod --password "$(openssl passwd -6 hunter22)" root\n'],
];

export function spotRequest(): ResourceFixture {
    const request = instance();
    return { ...request, type: "aws:ec2/spotInstanceRequest:SpotInstanceRequest", name: "builder-spot" };
}

export function ipv6Subnet(
    setting: "assignIpv6AddressOnCreation" | "ipv6Native" = "assignIpv6AddressOnCreation",
    value: unknown = true,
    id = fixtures.SUBNET_ID,
): ResourceFixture {
    const dualStack = subnet(false, id);
    dualStack.props.ipv6CidrBlock = "2600:1f18:1234:5600::/64";
    dualStack.props[setting] = value;
    return dualStack;
}

export const INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\u2060", "\u00ad", "\u180e", "\u3164", " \u200b "];

export const NO_DEPRECATION =
    "deprecationTime is not set: set it to an RFC 3339 time at most 730 days ahead (e.g. the build time plus the stack's " +
    "lifecycle.deprecateAfterDays) so the image stops being offered once it is old.";

export const images: Array<[string, () => ResourceFixture]> = [
    ["aws.ec2.Ami", ami],
    ["aws.ec2.AmiCopy", amiCopy],
    ["aws.ec2.AmiFromInstance", amiFromInstance],
];

export const NO_POLICY =
    `no aws.imagebuilder.LifecyclePolicy deprecates images in ${HOME_REGION}: add one there with ` +
    'resourceType "AMI_IMAGE", a policyDetails entry whose action.type is "DEPRECATE", and a resourceSelection that selects this image.';

export const AWS_MANAGED = [
    "alias/aws/ebs",
    "ALIAS/AWS/EBS",
    "aws/ebs",
    " alias/aws/ebs ",
    `arn:aws:kms:${HOME_REGION}:111111111111:alias/aws/ebs`,
    "arn:aws-us-gov:kms:us-gov-west-1:111111111111:alias/aws/ebs",
];

export const RESOLVED_AWS_KEY = `arn:aws:kms:${HOME_REGION}:111111111111:key/0000aaaa-12ab-34cd-56ef-1234567890ab`;

export function registeredAmi() {
    const image = ami();
    image.props.ebsBlockDevices[0].encrypted = true;
    return image;
}

export const SECRETS_FIX = "remove it and have the instance fetch what it needs through its role (Secrets Manager, SSM Parameter Store SecureString).";

export const PROD_ACCOUNT = "333333333333";

export function providerIn(account: string, region = HOME_REGION, asJson = true) {
    const assumeRoles = [{ roleArn: `arn:aws:iam::${account}:role/deployer`, sessionName: "golden-ami" }];
    return { ...regionalProvider(region, { assumeRoles: asJson ? JSON.stringify(assumeRoles) : assumeRoles }), name: `aws-${account}-${region}` };
}

export function inAccount(resource: ResourceFixture, account: string, asJson = true): ResourceFixture {
    return { ...resource, name: `${resource.name}-${account}`, provider: providerIn(account, HOME_REGION, asJson) };
}

export const UNTIL_APPLY = "the check runs again with the real values when `pulumi up` registers the resource";

export function noBlock(what: string, region: string): string {
    return (
        `${what} is in ${region}, but the stack has no aws.ec2.ImageBlockPublicAccess with state "block-new-sharing" there, ` +
        `so nothing shows the image stays private: add one (with ${region}'s provider, or region: "${region}"), ` +
        "or, if an organization policy keeps it on, say so in this policy's config (enforcedByOrganization or exemptRegions)."
    );
}

export const OU = "arn:aws:organizations::555555555555:ou/o-a1b2c3d4e5/ou-ab12-workload1";

export const ORGANIZATION = "arn:aws:organizations::555555555555:organization/o-a1b2c3d4e5";

export const DEV_ALLOW_LIST = { allowedAccounts: [DEV_SHARED_ACCOUNT] };

export const PROD_ALLOW_LIST = { allowedAccounts: ["333333333333", "444444444444"], allowedOrganizationalUnitArns: [OU] };

export const ALLOW = { allowedAccounts: [DEV_SHARED_ACCOUNT] };

export const OUTSIDER = "999999999999";

export const notAllowListed = (field: string, value: string, list = "allowedAccounts", allowed = DEV_SHARED_ACCOUNT) =>
    `${field} is "${value}", which is not allow-listed: share only with the principals in this policy's ${list} config (${allowed}), ` +
    "or add it there once it has been approved.";

export async function sharingFindings(resource: ResourceFixture, config: Record<string, unknown> = ALLOW): Promise<string[]> {
    return (await runPolicy(imageSharingAllowListed, [resource], config)).map(detail);
}

export const MESSAGE =
    "the snapshot is taken while the instance runs, so writes in flight can leave file systems inconsistent; " +
    "remove it (or set it to false), or build the image with EC2 Image Builder.";

export const TAGS_FIX = "add them to the resource's tags or to its provider's defaultTags.";

export const taggedResources: Array<[string, () => ResourceFixture]> = [
    ["aws.ec2.Ami", ami],
    ["aws.ec2.AmiCopy", amiCopy],
    ["aws.ec2.AmiFromInstance", amiFromInstance],
    ["aws.imagebuilder.Image", image],
    ["aws.imagebuilder.ImagePipeline", imagePipeline],
    ["aws.imagebuilder.ImageRecipe", imageRecipe],
];
