// Red-team round 2: each case is another way to reach a blocked outcome that the pack (0.3.0) let through, or a
// legitimate shape it must keep passing. Each starts from a passing fixture and changes one thing.
import * as assert from "assert";
import * as zlib from "zlib";
import {
    imageBuilderImagesDeprecate, imageKeysCustomerManaged, imageRegionsBlockPublicSharing, imageSharingAllowListed, imagesEncryptedWithCmk, imagesTagged,
    instanceLaunchesHardened, launchTemplatesDeclared, launchTemplatesHardened, noPublicImages,
} from "../../policy/policies";
import * as fixtures from "./fixtures";
import {
    amiCopy, amiFromInstance, blockPublicAccess, distributionConfiguration, image, instance, KEY_ARN, kmsKey, launchPermission, launchTemplate, lifecyclePolicy,
    regionalProvider, SOURCE_AMI, SUBNET_ID, TEMPLATE_ID,
} from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies, runPolicy } from "./harness";

const findings = async (policy: Parameters<typeof runPolicy>[0], resources: ResourceFixture[], config: Record<string, unknown> = {}) =>
    (await runPolicy(policy, resources, config)).map(detail);
const base64 = (text: string) => Buffer.from(text).toString("base64");
const ALLOW_LIST = { allowedAccounts: ["222222222222"] };

/** A Data Lifecycle Manager policy that makes AMIs of tagged instances, shared with and copied where `schedule` says. */
function dlmPolicy(schedule: Record<string, unknown> = {}, details: Record<string, unknown> = {}): ResourceFixture {
    return {
        type: "aws:dlm/lifecyclePolicy:LifecyclePolicy",
        name: "golden-backups",
        provider: regionalProvider(),
        props: {
            description: "AMIs of golden instances",
            executionRoleArn: "arn:aws:iam::111111111111:role/dlm",
            state: "ENABLED",
            policyDetails: {
                policyType: "IMAGE_MANAGEMENT", resourceTypes: ["INSTANCE"], targetTags: { GoldenAmi: "true" },
                schedules: [{ name: "daily", createRule: { interval: 24, intervalUnit: "HOURS" }, retainRule: { count: 7 }, ...schedule }],
                ...details,
            },
        },
    };
}

describe("bypasses 2: sharing an image by other means", () => {
    it("image-sharing-allow-listed holds a Data Lifecycle Manager share rule's targetAccounts to the allow-list (object or list, one or many)", async () => {
        assert.deepStrictEqual(await findings(imageSharingAllowListed, [dlmPolicy({ shareRule: { targetAccounts: ["222222222222"] } })], ALLOW_LIST), []);
        const variants: Array<Record<string, unknown>> = [
            { shareRule: { targetAccounts: ["999999999999"] } },
            { shareRule: [{ targetAccounts: ["222222222222", "999999999999"] }] },
            { shareRules: [{ targetAccounts: "999999999999" }] },
        ];
        for (const schedule of variants) {
            const found = await findings(imageSharingAllowListed, [dlmPolicy(schedule)], ALLOW_LIST);
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(found[0], /^policyDetails\.schedules\[0\]\.shareRules?\[0\]\.targetAccounts\[\d\] is "999999999999", which is not allow-listed: share only with the principals in this policy's allowedAccounts config/);
        }
    });

    it("no-public-images finds \"all\" given as a single value where a list is expected, or inside a list where one value is expected", async () => {
        const single = distributionConfiguration();
        single.props.distributions[0].amiDistributionConfiguration.launchPermission = { userGroups: "all" };
        assert.deepStrictEqual(await findings(noPublicImages, [single]), [
            'distributions[0].amiDistributionConfiguration.launchPermission.userGroups[0] is "all", which makes every image this distribution makes public: ' +
            "remove it and share with userIds, organizationArns or organizationalUnitArns instead.",
        ]);
        const blocks = distributionConfiguration();
        blocks.props.distributions[0].amiDistributionConfiguration.launchPermission = [{ userGroups: ["ALL"] }];
        assert.strictEqual((await findings(noPublicImages, [blocks])).length, 1);
        const listed = distributionConfiguration();
        listed.props.distributions[0].amiDistributionConfiguration = [{ ...listed.props.distributions[0].amiDistributionConfiguration, launchPermission: { userGroups: ["all"] } }];
        assert.strictEqual((await findings(noPublicImages, [listed])).length, 1);
        const permission = launchPermission({ group: "all" });
        permission.props.group = [" All "];
        assert.deepStrictEqual(await findings(noPublicImages, [permission]), [
            'group is [" All "], which makes the image public: remove this launch permission, or share with an accountId, organizationArn or organizationalUnitArn instead.',
        ]);
    });

    it("image-sharing-allow-listed reads a distribution's userIds and targetAccountIds given as one string, not as its characters", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].amiDistributionConfiguration.launchPermission = { userIds: "999999999999" };
        distribution.props.distributions[0].amiDistributionConfiguration.targetAccountIds = "888888888888";
        const found = await findings(imageSharingAllowListed, [distribution], ALLOW_LIST);
        assert.deepStrictEqual(found.map(finding => finding.split(", which")[0]), [
            'distributions[0].amiDistributionConfiguration.launchPermission.userIds[0] is "999999999999"',
            'distributions[0].amiDistributionConfiguration.targetAccountIds[0] is "888888888888"',
        ]);
    });
});

describe("bypasses 2: public access blocks per account", () => {
    it("image-regions-block-public-sharing does not take a provider with other credential or config files for the deploying account", async () => {
        for (const files of [{ sharedCredentialsFiles: ["/home/ci/.aws/other-credentials"] }, { sharedConfigFiles: '["/home/ci/.aws/other-config"]' }]) {
            const copy = amiCopy();
            copy.provider = regionalProvider(undefined, files);
            const found = await findings(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()]);
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(found[0], /^this image is in us-east-1 of the account of profile "default" in \/home\/ci\/\.aws\/other-(credentials|config), but the stack has no aws\.ec2\.ImageBlockPublicAccess/);
            const sameFiles = blockPublicAccess();
            sameFiles.provider = copy.provider;
            assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [copy, sameFiles]), []);
        }
    });
});

describe("bypasses 2: encryption everywhere an image can come from", () => {
    const volume = (props: Record<string, unknown>): ResourceFixture => ({
        type: "aws:ebs/volume:Volume", name: "data", provider: regionalProvider(),
        props: { availabilityZone: "us-east-1a", size: 100, ...props }, outputs: { id: "vol-0123456789abcdef0", arn: "arn:aws:ec2:us-east-1:111111111111:volume/vol-0123456789abcdef0" },
    });
    const attachment = (volumeId = "vol-0123456789abcdef0"): ResourceFixture => ({
        type: "aws:ec2/volumeAttachment:VolumeAttachment", name: "data-attachment", provider: regionalProvider(),
        props: { deviceName: "/dev/sdf", instanceId: "i-0123456789abcdef0", volumeId },
    });

    it("image-keys-customer-managed follows volumes attached to the captured instance with aws.ec2.VolumeAttachment", async () => {
        const stack = (...more: ResourceFixture[]) => [amiFromInstance(), instance(), kmsKey(), ...more];
        assert.deepStrictEqual(await findings(imageKeysCustomerManaged, stack(volume({ encrypted: true, kmsKeyId: KEY_ARN }), attachment())), []);
        const cases: Array<[ResourceFixture[], RegExp]> = [
            [[volume({}), attachment()], /attaches aws\.ebs\.Volume data, which does not set encrypted: true with a kmsKeyId/],
            [[volume({ encrypted: "true" }), attachment()], /attaches aws\.ebs\.Volume data, which does not set encrypted: true with a kmsKeyId/],
            [[volume({ encrypted: true, kmsKeyId: "ALIAS/AWS/EBS" }), attachment()], /whose kmsKeyId is "ALIAS\/AWS\/EBS", an AWS-managed key/],
            [[volume({ encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000" }), attachment()],
                /^data\.kmsKeyId is .*, a key this stack does not declare/],
            [[attachment("vol-0fedcba9876543210")], /attaches volume "vol-0fedcba9876543210", which this stack does not declare/],
        ];
        for (const [more, expected] of cases) {
            const found = await findings(imageKeysCustomerManaged, stack(...more));
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(found[0], expected);
        }
    });

    it("images-encrypted-with-cmk requires Data Lifecycle Manager cross-region copies to be encrypted with a customer-managed key", async () => {
        assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [dlmPolicy({ crossRegionCopyRules: [{ target: "us-west-2", encrypted: true, cmkArn: fixtures.keyArn("us-west-2") }] })]), []);
        const cases: Array<[ResourceFixture, string[]]> = [
            [dlmPolicy({ crossRegionCopyRules: [{ target: "us-west-2", encrypted: false, cmkArn: fixtures.keyArn("us-west-2") }] }),
                ["policyDetails.schedules[0].crossRegionCopyRules[0].encrypted is false: set encrypted: true, with cmkArn a customer-managed key in the target region."]],
            [dlmPolicy({ crossRegionCopyRules: [{ targetRegion: "us-west-2", encrypted: true }] }),
                ["policyDetails.schedules[0].crossRegionCopyRules[0].cmkArn is not set, so the AWS-managed aws/ebs key is used and the image cannot be shared: " +
                "set cmkArn to a customer-managed key in the target region."]],
            [dlmPolicy({ crossRegionCopyRules: [{ target: "us-west-2", encrypted: true, cmkArn: "arn:aws:kms:us-west-2:111111111111:alias/aws/ebs" }] }),
                ['policyDetails.schedules[0].crossRegionCopyRules[0].cmkArn is "arn:aws:kms:us-west-2:111111111111:alias/aws/ebs", an AWS-managed key, and images under it ' +
                "cannot be shared: set cmkArn to a customer-managed key in the target region."]],
            [dlmPolicy({}, { policyType: "EVENT_BASED_POLICY", action: { name: "copy", crossRegionCopies: [{ target: "us-west-2", encryptionConfiguration: { encrypted: true, cmkArn: "aws/ebs" } }] } }),
                ['policyDetails.action.crossRegionCopies[0].encryptionConfiguration.cmkArn is "aws/ebs", an AWS-managed key, and images under it cannot be shared: ' +
                "set cmkArn to a customer-managed key in the target region."]],
        ];
        for (const [policy, expected] of cases) assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [policy]), expected);
        const undeclared = dlmPolicy({ crossRegionCopyRules: [{ target: "us-west-2", encrypted: true, cmkArn: "arn:aws:kms:us-west-2:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000" }] });
        const found = await findings(imageKeysCustomerManaged, [undeclared, kmsKey("us-west-2")]);
        assert.strictEqual(found.length, 1, JSON.stringify(found));
        assert.match(found[0], /^policyDetails\.schedules\[0\]\.crossRegionCopyRules\[0\]\.cmkArn is .*, a key this stack does not declare/);
    });
});

describe("bypasses 2: instances launched from the image, however launched", () => {
    it("instance-launches-hardened blocks Elastic IPs on instances and their interfaces, and passes a NAT gateway's", async () => {
        const eip = (props: Record<string, unknown>): ResourceFixture => ({ type: "aws:ec2/eip:Eip", name: "public", provider: regionalProvider(), props: { domain: "vpc", ...props } });
        const association = (props: Record<string, unknown>): ResourceFixture => ({
            type: "aws:ec2/eipAssociation:EipAssociation", name: "public", provider: regionalProvider(), props: { allocationId: "eipalloc-0123456789abcdef0", ...props },
        });
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [eip({})]), []);
        const cases: Array<[ResourceFixture, RegExp]> = [
            [eip({ instance: "i-0123456789abcdef0" }), /^instance is "i-0123456789abcdef0": an Elastic IP gives that instance a public address/],
            [eip({ networkInterface: "eni-0123456789abcdef0" }), /^networkInterface is "eni-0123456789abcdef0": an Elastic IP/],
            [association({ instanceId: "i-0123456789abcdef0" }), /^instanceId is "i-0123456789abcdef0": associating an Elastic IP gives that instance a public address/],
            [association({ networkInterfaceId: "eni-0123456789abcdef0" }), /^networkInterfaceId is "eni-0123456789abcdef0": associating an Elastic IP/],
        ];
        for (const [resource, expected] of cases) {
            const found = await findings(instanceLaunchesHardened, [resource]);
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(found[0], expected);
        }
    });

    it("instance-launches-hardened blocks account metadata defaults that allow IMDSv1 or a long hop limit", async () => {
        const defaults = (props: Record<string, unknown>): ResourceFixture => ({
            type: "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults", name: "imds", provider: regionalProvider(), props,
        });
        for (const passing of [{ httpTokens: "required", httpPutResponseHopLimit: 1 }, { httpTokens: "no-preference", httpPutResponseHopLimit: -1 }, { httpEndpoint: "disabled", httpTokens: "optional" }]) {
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [defaults(passing)]), [], JSON.stringify(passing));
        }
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [defaults({ httpTokens: " Optional " })]), [
            'httpTokens is " Optional ", which makes IMDSv1 the default for every instance launched in this account and region without its own setting: ' +
            'set it to "required" (or "no-preference").',
        ]);
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [defaults({ httpTokens: "required", httpPutResponseHopLimit: 3 })], { maxHopLimit: 2 }), [
            "httpPutResponseHopLimit is 3, above the allowed 2, as the default for every instance launched in this account and region: set it to at most 2 (or -1 for no preference).",
        ]);
    });

    it("launch-templates-declared blocks a Batch compute environment that launches an image without a launch template", async () => {
        const environment = (computeResources: Record<string, unknown>): ResourceFixture => ({
            type: "aws:batch/computeEnvironment:ComputeEnvironment", name: "jobs", provider: regionalProvider(),
            props: { type: "MANAGED", computeResources: { type: "EC2", maxVcpus: 16, subnets: [SUBNET_ID], securityGroupIds: ["sg-0123456789abcdef0"], ...computeResources } },
        });
        const stack = (...more: ResourceFixture[]) => [launchTemplate(), fixtures.subnet(), ...more];
        assert.deepStrictEqual(await findings(launchTemplatesDeclared, stack(environment({}))), []);
        assert.deepStrictEqual(await findings(launchTemplatesDeclared, stack(environment({
            ec2Configurations: [{ imageType: "ECS_AL2", imageIdOverride: SOURCE_AMI }], launchTemplate: { launchTemplateId: TEMPLATE_ID, version: "3" },
        }))), []);
        const cases: Array<[Record<string, unknown>, string]> = [
            [{ ec2Configurations: [{ imageType: "ECS_AL2023", imageIdOverride: SOURCE_AMI }] }, "computeResources.ec2Configurations[0].imageIdOverride"],
            [{ imageId: SOURCE_AMI }, "computeResources.imageId"],
        ];
        for (const [computeResources, field] of cases) {
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, stack(environment(computeResources))), [
                `${field} is "${SOURCE_AMI}" but computeResources.launchTemplate is not set, so Batch launches the image with its own metadata options ` +
                "(IMDSv1 allowed), volumes and network settings, which no rule sees: set computeResources.launchTemplate to an aws.ec2.LaunchTemplate declared in this stack.",
            ]);
        }
    });
});

describe("bypasses 2: secrets in user data, in other encodings and documents", () => {
    const mime = (encoding: string, body: string) =>
        `Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: ${encoding}\n\n${body}\n--B--\n`;
    const wrap = (text: string, width = 76) => text.replace(new RegExp(`(.{${width}})`, "g"), "$1\n");

    it("launch-templates-hardened finds a key in base64 wrapped over lines, wherever the line breaks fall", async () => {
        for (let pad = 0; pad < 60; pad++) {
            const script = `#!/bin/bash\n#${"-".repeat(pad)}\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n`;
            for (const userData of [mime("base64", wrap(base64(script))), `#cloud-config\nwrite_files:\n  - encoding: b64\n    path: /etc/profile.d/aws.sh\n    content: |\n      ${wrap(base64(script), 60).split("\n").join("\n      ")}\n`]) {
                const template = launchTemplate();
                template.props.userData = base64(userData);
                const found = await findings(launchTemplatesHardened, [template]);
                assert.strictEqual(found.length, 1, `pad ${pad}: ${JSON.stringify(found)}`);
                assert.match(found[0], /^userData contains an AWS access key id in plain text/);
            }
        }
    });

    const hidden: Array<[string, string, string]> = [
        ["a quoted-printable MIME part with a soft line break inside the key", mime("quoted-printable", "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=3DAKIAIOSFO=\nDNN7EXAMPLE\n"), "an AWS access key id"],
        ["PowerShell -EncodedCommand (base64 of UTF-16LE)",
            `<powershell>\npowershell.exe -EncodedCommand ${Buffer.from("$env:AWS_ACCESS_KEY_ID = 'AKIAIOSFODNN7EXAMPLE'", "utf16le").toString("base64")}\n</powershell>`, "an AWS access key id"],
        ["aws_secret_key, as older tools name it", "[default]\naws_secret_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "an AWS secret access key"],
        ["SecretKey in JSON", '{"AccessKeyId": "x", "SecretKey": "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}', "an AWS secret access key"],
        ["gzip in base64 wrapped over lines in a MIME part", mime("base64", wrap(zlib.gzipSync("#!/bin/bash\necho root:hunter22 | chpasswd\n").toString("base64"), 20)), "a password"],
    ];
    for (const [how, userData, what] of hidden) {
        it(`launch-templates-hardened finds ${what} written as ${how}`, async () => {
            const template = launchTemplate();
            template.props.userData = base64(userData);
            const found = await findings(launchTemplatesHardened, [template]);
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(found[0], new RegExp(`^userData contains ${what} in plain text`));
        });
    }

    it("instance-launches-hardened finds secrets in an Image Builder workflow document (a LaunchInstance userDataOverride, a command)", async () => {
        const workflow = (data: string): ResourceFixture => ({
            type: "aws:imagebuilder/workflow:Workflow", name: "build", provider: regionalProvider(), props: { name: "build", version: "1.0.0", type: "BUILD", data },
        });
        const document = (inputs: string) => `name: build\nschemaVersion: 1.0\nsteps:\n  - name: LaunchBuildInstance\n    action: LaunchInstance\n    onFailure: Abort\n    inputs:\n${inputs}`;
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [workflow(document('      waitFor: "ssmAgent"\n'))]), []);
        for (const inputs of [`      userDataOverride: ${base64("#!/bin/bash\nexport DB_PASSWORD=hunter22\n")}\n`, "      userDataOverride: |\n        echo 'root:hunter22' | chpasswd\n"]) {
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [workflow(document(inputs))]), [
                "data contains a password in plain text, readable by anyone who can get the workflow: remove it and have the instance fetch what it needs " +
                "through its role (Secrets Manager, SSM Parameter Store SecureString).",
            ]);
        }
    });

    it("passes wrapped base64 and MIME parts that carry no secret (no false positives)", async () => {
        const script = "#!/bin/bash\ndnf -y update\nsystemctl enable --now amazon-ssm-agent\necho 'export PASSWORD=$(aws ssm get-parameter --name db --with-decryption --query Parameter.Value --output text)' >> /etc/profile\n";
        for (const userData of [mime("base64", wrap(base64(script))), mime("quoted-printable", script.replace(/=/g, "=3D")), script]) {
            const template = launchTemplate();
            template.props.userData = base64(userData);
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
        }
    });
});

describe("bypasses 2: tags and deprecation", () => {
    it("images-tagged blocks a provider whose ignoreTags drops a required tag (keys or keyPrefixes, object or JSON string)", async () => {
        const variants: Array<[Record<string, unknown>, string]> = [
            [{ ignoreTags: { keys: ["Owner"] } }, "Owner"],
            [{ ignoreTags: '{"keyPrefixes":["Ver"]}' }, "Version"],
            [{ ignoreTags: { keys: ["Name", "Environment"] } }, "Name, Environment"],
        ];
        for (const [props, tags] of variants) {
            const copy = amiCopy();
            copy.provider = regionalProvider(undefined, props);
            assert.deepStrictEqual(await findings(imagesTagged, [copy]), [
                `the provider's ignoreTags matches ${tags}, so the provider never sets, updates or restores ${tags.includes(",") ? "those tags" : "that tag"} on this image: ` +
                "remove the required tags from the provider's ignoreTags.keys and keyPrefixes.",
            ], JSON.stringify(props));
        }
        const harmless = image();
        harmless.provider = regionalProvider(undefined, { ignoreTags: { keys: ["LastScanned"], keyPrefixes: ["kubernetes.io/"] } });
        assert.deepStrictEqual(await findings(imagesTagged, [harmless]), []);
    });

    it("image-builder-images-deprecate does not count a COUNT (or untyped) filter as deprecation within the horizon", async () => {
        for (const filter of [{ type: "COUNT", value: 1000 }, { type: "COUNT", value: 3 }, { value: 30, unit: "DAYS" }]) {
            const lifecycle = lifecyclePolicy();
            lifecycle.props.policyDetails[0].filter = filter;
            const found = await findings(imageBuilderImagesDeprecate, [image(), lifecycle]);
            assert.strictEqual(found.length, 2, JSON.stringify(found));
            assert.match(found[0], /^policyDetails\[0\]\.filter\.type is ("COUNT"|not set), which deprecates by number, not age, .*use an AGE filter \(type "AGE"\)/);
            assert.match(found[1], /^no aws\.imagebuilder\.LifecyclePolicy deprecates images in us-east-1/);
        }
        const lowercase = lifecyclePolicy();
        lowercase.props.policyDetails[0].filter.type = "age";
        assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [image(), lowercase]), []);
    });
});

describe("bypasses 2: the real stacks' shapes still pass", () => {
    it("passes dev's and prod's fixture programs under their configs, with a NAT gateway's Elastic IP and hardened account defaults added", async () => {
        const extras: ResourceFixture[] = [
            { type: "aws:ec2/eip:Eip", name: "nat", provider: regionalProvider(), props: { domain: "vpc" } },
            { type: "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults", name: "imds", provider: regionalProvider(), props: { httpTokens: "required", httpPutResponseHopLimit: 1 } },
        ];
        for (const [stack, program] of [["dev", fixtures.devProgram()], ["prod", fixtures.prodProgram()]] as const) {
            const mandatory = (await runPolicies([...program, ...extras], loadPackConfig(stack), { stack })).filter(d => d.level === "mandatory");
            assert.deepStrictEqual(mandatory.map(detail), [], stack);
        }
    });
});
