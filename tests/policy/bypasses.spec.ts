// Red-teaming issue #12: each case is another way to reach a blocked outcome that the pack once let through,
// or a legitimate shape it must keep passing. Each starts from a passing fixture and changes one thing.
import * as assert from "assert";
import * as zlib from "zlib";
import {
    imageBlockPublicAccessOn, imageBuilderImagesDeprecate, imageKeysCustomerManaged, imageRegionsBlockPublicSharing, imagesTagged, instanceLaunchesHardened,
    instancesGetNoPublicIp, launchTemplatesDeclared, launchTemplatesHardened, noPublicImages,
} from "../../policy/policies";
import * as fixtures from "./fixtures";
import {
    autoScalingGroup, blockPublicAccess, distributionConfiguration, image, imagePipeline, imageRecipe, imageTags, instance, launchConfiguration,
    launchTemplate, lifecyclePolicy, regionalProvider, subnet, SUBNET_ID, TEMPLATE_ID,
} from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const UNDECLARED_TEMPLATE = "lt-0fedcba9876543210";

/** An `aws.ec2.SpotInstanceRequest` shaped like the passing instance fixture: it takes the same inputs. */
function spotInstanceRequest(): ResourceFixture {
    const request = instance();
    return { ...request, type: "aws:ec2/spotInstanceRequest:SpotInstanceRequest", name: "spot-builder", props: { ...request.props, spotType: "one-time" } };
}

function nodeGroup(): ResourceFixture {
    return {
        type: "aws:eks/nodeGroup:NodeGroup",
        name: "workers",
        provider: regionalProvider(),
        props: {
            clusterName: "apps", nodeRoleArn: "arn:aws:iam::111111111111:role/workers", subnetIds: [SUBNET_ID],
            scalingConfig: { desiredSize: 2, maxSize: 4, minSize: 1 }, launchTemplate: { id: TEMPLATE_ID, version: "3" },
        },
    };
}

function computeEnvironment(): ResourceFixture {
    return {
        type: "aws:batch/computeEnvironment:ComputeEnvironment",
        name: "jobs",
        provider: regionalProvider(),
        props: {
            type: "MANAGED",
            computeResources: { type: "EC2", maxVcpus: 16, subnets: [SUBNET_ID], securityGroupIds: ["sg-0123456789abcdef0"], launchTemplate: { launchTemplateId: TEMPLATE_ID, version: "3" } },
        },
    };
}

const findings = async (policy: Parameters<typeof runPolicy>[0], resources: ResourceFixture[], config: Record<string, unknown> = {}) =>
    (await runPolicy(policy, resources, config)).map(detail);

describe("bypasses: instances launched by other means", () => {
    it("holds a Spot Instance request to the instance rules: IMDSv1, unencrypted volumes, public IP, secrets in user data", async () => {
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [spotInstanceRequest()]), []);
        const changes: Array<[RegExp, (props: any) => void]> = [
            [/^metadataOptions\.httpTokens is "optional": set it to "required"/, props => { props.metadataOptions.httpTokens = "optional"; }],
            [/^metadataOptions\.httpTokens is not set/, props => { props.metadataOptions = { httpPutResponseHopLimit: 1 }; }],
            [/^metadataOptions\.httpPutResponseHopLimit is 3, above the allowed 1/, props => { props.metadataOptions.httpPutResponseHopLimit = 3; }],
            [/^rootBlockDevice\.encrypted is false: set it to true\.$/, props => { props.rootBlockDevice.encrypted = false; }],
            [/^ebsBlockDevices\[0\]\.encrypted is "false": set it to true\.$/, props => { props.ebsBlockDevices[0].encrypted = "false"; }],
            [/^associatePublicIpAddress is "true": set it to false/, props => { props.associatePublicIpAddress = "true"; }],
            [/^userData contains an AWS access key id in plain text/, props => { props.userData = "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"; }],
        ];
        for (const [expected, change] of changes) {
            const request = spotInstanceRequest();
            change(request.props);
            const found = await findings(instanceLaunchesHardened, [request]);
            assert.strictEqual(found.length, 1, `${expected}: ${JSON.stringify(found)}`);
            assert.match(found[0], expected);
        }
    });

    it("requires Spot Instance requests, EKS node groups and Batch compute environments to launch from templates the stack declares", async () => {
        const stack = () => [launchTemplate(), subnet()];
        const launchers = [spotInstanceRequest, nodeGroup, computeEnvironment];
        for (const launcher of launchers) {
            const declared = launcher();
            if (declared.type.includes("spotInstanceRequest")) declared.props.launchTemplate = { id: TEMPLATE_ID, version: "3" };
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, [...stack(), declared]), [], declared.type);
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [...stack(), declared]), [], declared.type);
        }
        const cases: Array<[ResourceFixture, string]> = [
            [{ ...spotInstanceRequest(), props: { ...spotInstanceRequest().props, launchTemplate: { id: UNDECLARED_TEMPLATE } } }, "launchTemplate.id"],
            [{ ...nodeGroup(), props: { ...nodeGroup().props, launchTemplate: { id: UNDECLARED_TEMPLATE, version: "1" } } }, "launchTemplate.id"],
            [{ ...computeEnvironment(), props: { ...computeEnvironment().props, computeResources: { ...computeEnvironment().props.computeResources, launchTemplate: { launchTemplateId: UNDECLARED_TEMPLATE } } } },
                "computeResources.launchTemplate.launchTemplateId"],
        ];
        for (const [launcher, field] of cases) {
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, [...stack(), launcher]), [
                `${field} is "${UNDECLARED_TEMPLATE}", a launch template this stack does not declare, so the pack cannot check its metadata options, ` +
                "volumes, public IP, user data or image: declare the aws.ec2.LaunchTemplate in this stack and pass its id.",
            ], launcher.type);
        }
    });

    it("gives no public IP to a Spot Instance request or node group in a subnet that maps one", async () => {
        const request = spotInstanceRequest();
        delete request.props.associatePublicIpAddress;
        assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [request, subnet(true)]), [
            `associatePublicIpAddress is not set and subnet fleet-${SUBNET_ID} has mapPublicIpOnLaunch true, so instances get a public IP: set associatePublicIpAddress to false.`,
        ]);
        const template = launchTemplate();
        delete template.props.networkInterfaces;
        assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [template, nodeGroup(), subnet(true)]), [
            `launchTemplate.id (web's networkInterfaces[0].associatePublicIpAddress) is not set and subnet fleet-${SUBNET_ID} has mapPublicIpOnLaunch true, ` +
            'so instances get a public IP: set the template\'s networkInterfaces[0].associatePublicIpAddress to "false".',
        ]);
    });

    it("blocks, under dev.json, an Auto Scaling group on a launch configuration the stack does not declare", async () => {
        const group = autoScalingGroup();
        delete group.props.launchTemplate;
        group.props.launchConfiguration = "someone-elses";
        const diagnostics = (await runPolicies([group, launchTemplate(), subnet()], loadPackConfig("dev"))).filter(d => d.policy === "launch-templates-declared");
        assert.deepStrictEqual(diagnostics.map(d => [d.level, detail(d)]), [["mandatory",
            'launchConfiguration is "someone-elses", a launch configuration this stack does not declare, so the pack cannot check its metadata options, ' +
            "volumes, public IP or user data: use launchTemplate { id, version } with an aws.ec2.LaunchTemplate declared in this stack."]]);
        group.props.launchConfiguration = "legacy";
        assert.deepStrictEqual(await findings(launchTemplatesDeclared, [group, launchConfiguration()]), []);
    });

    it("requires a template an Image Builder distribution sets the new image in to be one the stack declares", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].launchTemplateConfigurations = [{ launchTemplateId: TEMPLATE_ID, setDefaultVersion: true }];
        assert.deepStrictEqual(await findings(launchTemplatesDeclared, [launchTemplate(), distribution]), []);
        distribution.props.distributions[0].launchTemplateConfigurations.push({ launchTemplateId: UNDECLARED_TEMPLATE });
        assert.deepStrictEqual(await findings(launchTemplatesDeclared, [launchTemplate(), distribution]), [
            `distributions[0].launchTemplateConfigurations[1].launchTemplateId is "${UNDECLARED_TEMPLATE}", a launch template this stack does not declare, ` +
            "so the pack cannot check the instances it launches from each new image: declare the aws.ec2.LaunchTemplate in this stack and pass its id.",
        ]);
    });

    it("judges a template's public IP by its primary interface (deviceIndex 0) wherever it is listed, and blocks carrier IPs", async () => {
        const template = launchTemplate();
        template.props.networkInterfaces = [
            { deviceIndex: 1, associatePublicIpAddress: "false", subnetId: SUBNET_ID },
            { deviceIndex: 0, subnetId: SUBNET_ID },
        ];
        assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [template, autoScalingGroup(), subnet(true)]), [
            `launchTemplate.id (web's networkInterfaces[1].associatePublicIpAddress) is not set and subnet fleet-${SUBNET_ID} has mapPublicIpOnLaunch true, ` +
            'so instances get a public IP: set the template\'s networkInterfaces[1].associatePublicIpAddress to "false".',
        ]);
        template.props.networkInterfaces[1].associatePublicIpAddress = "false";
        assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [template, autoScalingGroup(), subnet(true)]), []);

        const carrier = launchTemplate();
        carrier.props.networkInterfaces[0].associateCarrierIpAddress = "true";
        assert.deepStrictEqual(await findings(launchTemplatesHardened, [carrier]), [
            'networkInterfaces[0].associateCarrierIpAddress is "true": set it to "false" and reach instances through a load balancer or Systems Manager.',
        ]);
    });
});

describe("bypasses: secrets in user data, however they are written", () => {
    const base64 = (text: string) => Buffer.from(text).toString("base64");
    const gzip64 = (text: string) => zlib.gzipSync(text).toString("base64");
    const hidden: Array<[string, string, string]> = [
        ["aws configure with a space", "#!/bin/bash\naws configure set aws_secret_access_key wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n", "an AWS secret access key"],
        ["echo <base64> | base64 -d", `#!/bin/bash\necho ${base64("[default]\naws_access_key_id = AKIAIOSFODNN7EXAMPLE\n")} | base64 -d > /root/.aws/credentials\n`, "an AWS access key id"],
        ["a base64 MIME part", `Content-Type: multipart/mixed; boundary="B"\nMIME-Version: 1.0\n\n--B\nContent-Type: text/x-shellscript\nContent-Transfer-Encoding: base64\n\n${base64("#!/bin/bash\nexport DB_PASSWORD=hunter22\n")}\n--B--\n`, "a password"],
        ["base64 twice", base64(base64("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=ASIAIOSFODNN7EXAMPLE\n")), "an AWS access key id"],
        ["gzip inside a script", `#!/bin/bash\necho ${gzip64("password=hunter22\n")} | base64 -d | gunzip | sh\n`, "a password"],
        ["an EC private key", gzip64("-----BEGIN EC PRIVATE KEY-----\nMHcCAQEE\n-----END EC PRIVATE KEY-----\n"), "a private key"],
        ["passwd --stdin", "#!/bin/bash\necho hunter22 | passwd --stdin ec2-user\n", "a password"],
        ["net user /add", "<powershell>\nnet user admin P@ssw0rd1 /add\n</powershell>", "a password"],
        ["a plain-text SecureString", '<powershell>$p = ConvertTo-SecureString "P@ssw0rd1" -AsPlainText -Force</powershell>', "a password"],
    ];
    for (const [how, userData, what] of hidden) {
        it(`finds ${what} written as ${how}`, async () => {
            const template = launchTemplate();
            template.props.userData = base64(userData);
            const found = await findings(launchTemplatesHardened, [template]);
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(found[0], new RegExp(`^userData contains ${what} in plain text`));
        });
    }

    it("finds secrets in an Image Builder component's document, which build instances run", async () => {
        const component: ResourceFixture = {
            type: "aws:imagebuilder/component:Component", name: "al2023-base-build", provider: regionalProvider(),
            props: { name: "al2023-base-build", version: "1.4.0", platform: "Linux", data: "phases:\n  - name: build\n    steps:\n      - name: creds\n" +
                "        action: ExecuteBash\n        inputs:\n          commands:\n            - export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n" },
        };
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [component]), [
            "data contains an AWS access key id in plain text, readable by anyone who can get the component: remove it and have the instance fetch " +
            "what it needs through its role (Secrets Manager, SSM Parameter Store SecureString).",
        ]);
        component.props.data = component.props.data.replace("AKIAIOSFODNN7EXAMPLE", "$(aws configure get aws_access_key_id)");
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [component]), []);
    });

    it("passes user data that only refers to secrets or carries public keys", async () => {
        const template = launchTemplate();
        template.props.userData = base64("#!/bin/bash\nexport PASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)\n" +
            "echo $PASSWORD | passwd --stdin ec2-user\nnet user admin * /add\n" +
            "echo 'ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIGx3d0p5c2VjcmV0a2V5bm90aGVyZWF0YWxsMTIzNDU2 ops' >> /home/ec2-user/.ssh/authorized_keys\n");
        assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
    });
});

describe("bypasses: deprecation that never happens", () => {
    const exclusions: Array<[string, Record<string, unknown>, string]> = [
        ["a tag the image carries", { tagMap: { Environment: "dev" } }, "policyDetails[0].exclusionRules.tagMap excludes the image's tag Environment=dev"],
        ["a tag its AMIs carry", { amis: { tagMap: { Owner: "platform-team" } } },
            "policyDetails[0].exclusionRules.amis.tagMap excludes its AMIs' tag Owner=platform-team (the distribution's amiTags)"],
        ["its region", { amis: { regions: ["us-east-1"] } }, "policyDetails[0].exclusionRules.amis.regions excludes its AMIs in us-east-1"],
        ["recent launches", { amis: { lastLaunched: { value: 7, unit: "DAYS" } } },
            "policyDetails[0].exclusionRules.amis.lastLaunched keeps any image launched lately, so one in use is never deprecated"],
        ["the accounts it is shared with", { amis: { sharedAccounts: ["222222222222"] } },
            "policyDetails[0].exclusionRules.amis.sharedAccounts keeps the images shared with 222222222222"],
    ];
    for (const [what, exclusionRules, reason] of exclusions) {
        it(`fails a DEPRECATE rule whose exclusionRules exclude the image by ${what}`, async () => {
            const lifecycle = lifecyclePolicy();
            lifecycle.props.policyDetails[0].exclusionRules = exclusionRules;
            assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [image(), distributionConfiguration(), lifecycle]), [
                `the aws.imagebuilder.LifecyclePolicy in us-east-1 selects this image but never deprecates it: ${reason}. Narrow the DEPRECATE rule's ` +
                "exclusionRules so they do not match this image (exclude only the AMIs a tag marks as pinned), or deprecate it with another rule.",
            ]);
        });
    }

    it("passes the program's exclusion of pinned AMIs by a keep tag, and an exclusion of other regions", async () => {
        const lifecycle = lifecyclePolicy();
        lifecycle.props.policyDetails[0].exclusionRules = { amis: { tagMap: { GoldenAmiKeep: "true" }, regions: ["eu-north-1"] } };
        lifecycle.props.policyDetails[1].exclusionRules = { amis: { tagMap: { GoldenAmiKeep: "true" }, lastLaunched: { value: 14, unit: "DAYS" } } };
        assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [image(), distributionConfiguration(), lifecycle]), []);
    });

    it("says a DEPRECATE rule's age unknown at preview is unknown, not missing, and blocks it once it resolves beyond the horizon", async () => {
        const lifecycle = lifecyclePolicy();
        lifecycle.props.policyDetails[0].filter.value = UNKNOWN;
        assert.deepStrictEqual((await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check al2023-base-lifecycle.policyDetails[0].filter: value unknown until apply"],
        ]);
        lifecycle.props.policyDetails[0].filter.value = 1000;
        assert.deepStrictEqual((await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle])).map(d => d.level), ["mandatory", "mandatory"]);
    });

    it("requires a lifecycle policy for the images a pipeline builds, as for an Image", async () => {
        assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [imagePipeline(), lifecyclePolicy()]), []);
        assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [imagePipeline()]), [
            'no aws.imagebuilder.LifecyclePolicy deprecates images in us-east-1: add one there with resourceType "AMI_IMAGE", a policyDetails entry ' +
            'whose action.type is "DEPRECATE", and a resourceSelection that selects this image.',
        ]);
    });
});

describe("bypasses: images encrypted with a key nobody chose", () => {
    it("fails an AMI registered with a volume that comes from no snapshot, which takes the account's default EBS key", async () => {
        const registered = fixtures.ami();
        const stack = () => [registered, fixtures.snapshotCopy(), fixtures.kmsKey()];
        assert.deepStrictEqual(await findings(imageKeysCustomerManaged, stack()), []);
        registered.props.ebsBlockDevices.push({ deviceName: "/dev/xvdb", encrypted: true, volumeSize: 100 });
        assert.deepStrictEqual(await findings(imageKeysCustomerManaged, stack()), [
            "ebsBlockDevices[1].snapshotId is not set, so that volume is encrypted (if at all) with the account's default EBS key, aws/ebs unless changed, " +
            "and the image cannot be shared: register every volume from an aws.ebs.SnapshotCopy in this stack with encrypted: true and a customer-managed kmsKeyId.",
        ]);
    });
});

describe("bypasses: public images and tags by other means", () => {
    it("requires a block on public sharing where a pipeline builds, as where an Image does", async () => {
        const pipeline = imagePipeline();
        pipeline.provider = regionalProvider("eu-north-1");
        const found = await findings(imageRegionsBlockPublicSharing, [pipeline, blockPublicAccess()]);
        assert.deepStrictEqual(found.map(finding => finding.split(", but")[0]), ["every image this pipeline builds is in eu-north-1"]);
        assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [imagePipeline(), blockPublicAccess()]), []);
    });

    it("does not take a provider with static credentials for the deploying account: it needs its own block", async () => {
        const copy = fixtures.amiCopy();
        copy.provider = regionalProvider(undefined, { accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "[secret]" });
        const found = await findings(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()]);
        assert.deepStrictEqual(found.map(finding => finding.split(", but")[0]), ["this image is in us-east-1 of the account of access key AKIAIOSFODNN7EXAMPLE"]);
        const sameCredentials = blockPublicAccess();
        sameCredentials.provider = copy.provider;
        assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [copy, sameCredentials]), []);
    });

    it("fails an aws.ec2.Tag that blanks a required tag, and passes the program's keep tag, which shares nothing", async () => {
        const tag = (key: string, value: string): ResourceFixture => ({
            type: "aws:ec2/tag:Tag", name: `tag-${key}`, provider: regionalProvider(), props: { resourceId: fixtures.SOURCE_AMI, key, value },
        });
        for (const blank of ["", "  "]) {
            assert.deepStrictEqual(await findings(imagesTagged, [tag("Owner", blank)]), [
                "value is blank, so this tag strips the required tag Owner from the resource it tags: give it a non-blank value, " +
                "or remove this aws.ec2.Tag and set Owner on the image itself.",
            ]);
        }
        const keep = tag("GoldenAmiKeep", "true");
        assert.deepStrictEqual((await runPolicies([keep], loadPackConfig("prod"))).filter(d => d.level === "mandatory"), []);
        assert.deepStrictEqual(await findings(noPublicImages, [tag("group", "all")]), []);
    });

    it("keeps the public-access and tag rules on what they already covered (no regression)", async () => {
        assert.deepStrictEqual(await findings(imageBlockPublicAccessOn, [blockPublicAccess()]), []);
        assert.deepStrictEqual(await findings(imagesTagged, [image(), imageRecipe(), distributionConfiguration()]), []);
        assert.deepStrictEqual(imageTags().Owner, "platform-team");
    });
});
