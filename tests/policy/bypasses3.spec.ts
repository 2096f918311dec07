// Red-team round 3: each case is another way to reach a blocked outcome that the pack (0.4.0) let through, or a
// legitimate shape it must keep passing. Each starts from a passing fixture and changes one thing.
import * as assert from "assert";
import {
    amiFromInstanceReboots, imageBuilderImagesDeprecate, imageKeysCustomerManaged, imageRegionsBlockPublicSharing, imageSharingAllowListed,
    imagesEncryptedWithCmk, imagesTagged, instanceLaunchesHardened, instancesGetNoPublicIp, launchTemplatesHardened, noPublicImages,
} from "../../policy/policies";
import * as fixtures from "./fixtures";
import {
    amiCopy, amiFromInstance, autoScalingGroup, blockPublicAccess, image, imageTags, instance, KEY_ARN, kmsKey, launchPermission, launchTemplate,
    lifecyclePolicy, regionalProvider, subnet,
} from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies, runPolicy } from "./harness";

const findings = async (policy: Parameters<typeof runPolicy>[0], resources: ResourceFixture[], config: Record<string, unknown> = {}) =>
    (await runPolicy(policy, resources, config)).map(detail);
const base64 = (text: string) => Buffer.from(text).toString("base64");
const ALLOW_LIST = { allowedAccounts: ["222222222222"] };
/** A value as the engine sends a secret (`pulumi.secret(...)`) over the wire: wrapped, with the secret signature. */
const secret = (value: unknown) => ({ "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value });

function assertOne(found: string[], expected: RegExp, label = ""): void {
    assert.strictEqual(found.length, 1, `${label}: ${JSON.stringify(found)}`);
    assert.match(found[0], expected, label);
}

describe("bypasses 3: values sent as secrets are checked like any other", () => {
    it("launch-templates-hardened and instance-launches-hardened see through secret user data, metadata options and public IPs (class: instances launched from the image)", async () => {
        const changes: Array<[string, ResourceFixture, (typeof launchTemplatesHardened), RegExp]> = [];
        const withUserData = launchTemplate();
        withUserData.props.userData = secret(base64("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"));
        changes.push(["template userData", withUserData, launchTemplatesHardened, /^userData contains an AWS access key id in plain text/]);
        const publicIp = launchTemplate();
        publicIp.props.networkInterfaces[0].associatePublicIpAddress = secret("true");
        changes.push(["template public IP", publicIp, launchTemplatesHardened, /^networkInterfaces\[0\]\.associatePublicIpAddress is "true"/]);
        const options = launchTemplate();
        options.props.metadataOptions = secret({ httpTokens: "optional", httpPutResponseHopLimit: 1 });
        changes.push(["template metadata options", options, launchTemplatesHardened, /^metadataOptions\.httpTokens is "optional"/]);
        const instanceUserData = instance();
        instanceUserData.props.userData = secret("#!/bin/bash\necho 'root:hunter22' | chpasswd\n");
        changes.push(["instance userData", instanceUserData, instanceLaunchesHardened, /^userData contains a password in plain text/]);
        const instanceVolume = instance();
        instanceVolume.props.rootBlockDevice = { ...instanceVolume.props.rootBlockDevice, encrypted: secret(false) };
        changes.push(["instance root volume", instanceVolume, instanceLaunchesHardened, /^rootBlockDevice\.encrypted is false/]);
        for (const [label, resource, policy, expected] of changes) assertOne(await findings(policy, [resource]), expected, label);
    });

    it("no-public-images, image-sharing-allow-listed and images-encrypted-with-cmk see through secret principals and keys (classes: sharing, encryption)", async () => {
        const everyone = launchPermission({ group: "all" });
        everyone.props.group = secret(" All ");
        assertOne(await findings(noPublicImages, [everyone]), /^group is " All ", which makes the image public/);
        const distribution = fixtures.distributionConfiguration();
        distribution.props.distributions[0].amiDistributionConfiguration.launchPermission = secret({ userGroups: ["all"] });
        assertOne(await findings(noPublicImages, [distribution]), /^distributions\[0\]\.amiDistributionConfiguration\.launchPermission\.userGroups\[0\] is "all"/);
        const stranger = launchPermission();
        stranger.props.accountId = secret("999999999999");
        assertOne(await findings(imageSharingAllowListed, [stranger], ALLOW_LIST), /^accountId is "999999999999", which is not allow-listed/);
        const copy = amiCopy();
        copy.props.kmsKeyId = secret("alias/aws/ebs");
        assertOne(await findings(imagesEncryptedWithCmk, [copy]), /^kmsKeyId is "alias\/aws\/ebs", an AWS-managed key/);
    });

    it("instances-get-no-public-ip sees through a subnet's secret mapPublicIpOnLaunch (class: no public IP)", async () => {
        const template = launchTemplate();
        delete template.props.networkInterfaces;
        const publicSubnet = subnet(true);
        publicSubnet.props.mapPublicIpOnLaunch = secret(true);
        assertOne(await findings(instancesGetNoPublicIp, [template, autoScalingGroup(), publicSubnet]), /has mapPublicIpOnLaunch true, so instances get a public IP/);
    });

    it("still passes allowed values sent as secrets: an allow-listed account, a blocking state, required tags, a customer-managed key", async () => {
        const allowed = launchPermission();
        allowed.props.accountId = secret("222222222222");
        assert.deepStrictEqual(await findings(imageSharingAllowListed, [allowed], ALLOW_LIST), []);
        const block = blockPublicAccess();
        block.props.state = secret("block-new-sharing");
        assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [amiCopy(), block]), []);
        const copy = amiCopy();
        copy.props.tags = secret(imageTags());
        copy.props.kmsKeyId = secret(KEY_ARN);
        assert.deepStrictEqual(await findings(imagesTagged, [copy]), []);
        assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [copy]), []);
        assert.deepStrictEqual(await findings(imageKeysCustomerManaged, [copy, kmsKey()]), []);
        const template = launchTemplate();
        template.props.userData = secret(base64("#!/bin/bash\nsystemctl enable --now amazon-ssm-agent\n"));
        assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
    });
});

describe("bypasses 3: booleans spelled as the provider parses them", () => {
    it("launch-templates-hardened and instances-get-no-public-ip read \"1\", \"t\", \"T\" and 1 as true (class: no public IP)", async () => {
        for (const yes of ["1", "t", "T", " True ", 1]) {
            const template = launchTemplate();
            template.props.networkInterfaces[0].associatePublicIpAddress = yes;
            assertOne(await findings(launchTemplatesHardened, [template]), /^networkInterfaces\[0\]\.associatePublicIpAddress is .*: set it to "false"/, JSON.stringify(yes));
            const unset = launchTemplate();
            delete unset.props.networkInterfaces;
            const publicSubnet = subnet(true);
            publicSubnet.props.mapPublicIpOnLaunch = yes;
            assertOne(await findings(instancesGetNoPublicIp, [unset, autoScalingGroup(), publicSubnet]), /has mapPublicIpOnLaunch true/, JSON.stringify(yes));
        }
    });

    it("ami-from-instance-reboots reads snapshotWithoutReboot \"1\" as true", async () => {
        const captured = amiFromInstance();
        captured.props.snapshotWithoutReboot = "1";
        assertOne(await findings(amiFromInstanceReboots, [captured]), /^snapshotWithoutReboot is "1": the snapshot is taken while the instance runs/);
    });

    it("still passes volumes encrypted with \"1\" or \"T\" and public IPs turned off with \"0\" or \"f\"", async () => {
        for (const [yes, no] of [["1", "0"], ["T", "f"], ["TRUE", "False"]]) {
            const template = launchTemplate();
            template.props.blockDeviceMappings[0].ebs.encrypted = yes;
            template.props.networkInterfaces[0].associatePublicIpAddress = no;
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), [], yes);
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [template, autoScalingGroup(), subnet(true)]), [], no);
        }
    });
});

describe("bypasses 3: Image Builder distribution workflows share, encrypt and tag the AMIs themselves", () => {
    const workflow = (steps: string): ResourceFixture => ({
        type: "aws:imagebuilder/workflow:Workflow", name: "distribute", provider: regionalProvider(),
        props: { name: "distribute", version: "1.0.0", type: "DISTRIBUTION", data: `name: distribute\nschemaVersion: 1.0\nsteps:\n${steps}`, tags: imageTags() },
    });
    const tags = "            Name: al2023-base\n            Owner: platform-team\n            Environment: dev\n            Version: 1.4.0\n";
    const distribute = (fields: string, amiTags = tags) =>
        `  - name: Distribute\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions:\n        - region: us-east-1\n${fields}          amiTags:\n${amiTags}`;
    const modify = (launchPermission: string) =>
        "  - name: Share\n    action: ModifyImageAttributes\n    onFailure: Abort\n    inputs:\n      distributedImages.$: $.stepOutputs.Distribute.distributedImages\n" +
        `      attributes:\n        - region: us-east-1\n          launchPermission:\n${launchPermission}`;
    const good = distribute(`          kmsKeyId: ${KEY_ARN}\n          targetAccountIds: ["222222222222"]\n`) + modify("            userIds:\n              - \"222222222222\"\n");

    it("no-public-images blocks a ModifyImageAttributes step that grants \"all\", however written, or sets the groups at run time (class: never public)", async () => {
        for (const groups of ["            userGroups: [all]\n", "            userGroups:\n              - \" ALL \"\n", "            UserGroups: all\n"]) {
            assertOne(await findings(noPublicImages, [workflow(distribute(`          kmsKeyId: ${KEY_ARN}\n`) + modify(groups))]),
                /^data: steps\[1\]\.inputs\.attributes\[0\]\.launchPermission\.userGroups is .*, which makes every image this workflow distributes public/, groups);
        }
        assertOne(await findings(noPublicImages, [workflow(modify("            userGroups.$: $.parameters.groups\n"))]),
            /^data: steps\[0\]\.inputs\.attributes\[0\]\.launchPermission\.userGroups\.\$ sets the launch permission's groups at run time/);
        assert.deepStrictEqual(await findings(noPublicImages, [workflow(good)]), []);
    });

    it("image-sharing-allow-listed holds a workflow's launch permissions and DistributeImage targetAccountIds to the allow-lists (class: sharing by other means)", async () => {
        const cases: Array<[string, RegExp]> = [
            [modify("            userIds: [\"999999999999\"]\n"), /^data: steps\[0\]\.inputs\.attributes\[0\]\.launchPermission\.userIds\[0\] is "999999999999", which is not allow-listed/],
            [modify("            userIds:\n              - 999999999999\n"), /userIds\[0\] is "999999999999", which is not allow-listed/],
            [modify("            organizationArns: [\"arn:aws:organizations::999999999999:organization/o-zzzzzzzzzz\"]\n"), /organizationArns\[0\] is .*, which is not allow-listed: .*allowedOrganizationArns/],
            [distribute(`          kmsKeyId: ${KEY_ARN}\n          targetAccountIds:\n            - "999999999999"\n`), /^data: steps\[0\]\.inputs\.distributions\[0\]\.targetAccountIds\[0\] is "999999999999"/],
            [modify("            userIds.$: $.parameters.accounts\n"), /userIds\.\$ sets who gets the image at run time/],
        ];
        for (const [steps, expected] of cases) assertOne(await findings(imageSharingAllowListed, [workflow(steps)], ALLOW_LIST), expected, steps);
        assert.deepStrictEqual(await findings(imageSharingAllowListed, [workflow(good)], ALLOW_LIST), []);
    });

    it("images-encrypted-with-cmk requires each DistributeImage distribution to name a customer-managed key (class: encryption)", async () => {
        assertOne(await findings(imagesEncryptedWithCmk, [workflow(distribute(""))]),
            /^data: steps\[0\]\.inputs\.distributions\[0\]\.kmsKeyId is not set, so the AWS-managed aws\/ebs key is used/);
        for (const key of ["alias/aws/ebs", "arn:aws-us-gov:kms:us-gov-west-1:111111111111:alias/aws/ebs"]) {
            assertOne(await findings(imagesEncryptedWithCmk, [workflow(distribute(`          kmsKeyId: ${key}\n`))]), /kmsKeyId is .*, an AWS-managed key/, key);
        }
        assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [workflow(good)]), []);
    });

    it("images-tagged requires each DistributeImage distribution's amiTags to carry the required tags (class: untagged images)", async () => {
        assertOne(await findings(imagesTagged, [workflow(distribute(`          kmsKeyId: ${KEY_ARN}\n`, "            Name: al2023-base\n"))]),
            /^data: steps\[0\]\.inputs\.distributions\[0\]\.amiTags is missing Owner, Environment, Version/);
        assert.deepStrictEqual(await findings(imagesTagged, [workflow(good)]), []);
    });

    it("still passes build and test workflows, which share nothing", async () => {
        const build = workflow("  - name: Launch\n    action: LaunchInstance\n    onFailure: Abort\n    inputs:\n      waitFor: ssmAgent\n");
        build.props.type = "BUILD";
        for (const policy of [noPublicImages, imageSharingAllowListed, imagesEncryptedWithCmk, imagesTagged, instanceLaunchesHardened]) {
            assert.deepStrictEqual(await findings(policy, [build], policy === imageSharingAllowListed ? ALLOW_LIST : {}), [], policy.name);
        }
    });
});

describe("bypasses 3: AWS-managed keys on launched volumes and account defaults", () => {
    const awsManaged = ["alias/aws/ebs", "arn:aws-cn:kms:cn-north-1:111111111111:alias/aws/ebs", " ALIAS/AWS/EBS", "aws/ebs"];

    it("launch-templates-hardened and instance-launches-hardened block a volume under an AWS-managed key, however written (class: encryption)", async () => {
        for (const key of awsManaged) {
            const template = launchTemplate();
            template.props.blockDeviceMappings[0].ebs.kmsKeyId = key;
            assertOne(await findings(launchTemplatesHardened, [template]), /^blockDeviceMappings\[0\]\.ebs\.kmsKeyId is .*, an AWS-managed key/, key);
            const root = instance();
            root.props.rootBlockDevice.kmsKeyId = key;
            assertOne(await findings(instanceLaunchesHardened, [root]), /^rootBlockDevice\.kmsKeyId is .*, an AWS-managed key/, key);
            const data = instance();
            data.props.ebsBlockDevices[0].kmsKeyId = key;
            assertOne(await findings(instanceLaunchesHardened, [data]), /^ebsBlockDevices\[0\]\.kmsKeyId is .*, an AWS-managed key/, key);
        }
    });

    it("images-encrypted-with-cmk blocks EBS encryption by default turned off and an AWS-managed default key; image-keys-customer-managed an undeclared default key", async () => {
        const byDefault = (enabled: unknown): ResourceFixture => ({ type: "aws:ebs/encryptionByDefault:EncryptionByDefault", name: "ebs-default", provider: regionalProvider(), props: { enabled } });
        const defaultKey = (keyArn: string): ResourceFixture => ({ type: "aws:ebs/defaultKmsKey:DefaultKmsKey", name: "ebs-key", provider: regionalProvider(), props: { keyArn } });
        for (const off of [false, "false", "0"]) {
            assertOne(await findings(imagesEncryptedWithCmk, [byDefault(off)]), /^enabled is .*, which turns off EBS encryption by default/, String(off));
        }
        for (const key of awsManaged) assertOne(await findings(imagesEncryptedWithCmk, [defaultKey(key)]), /^keyArn is .*, an AWS-managed key, as the default key/, key);
        assertOne(await findings(imageKeysCustomerManaged, [defaultKey("arn:aws:kms:us-east-1:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000"), kmsKey()]),
            /^keyArn is .*, a key this stack does not declare/);
        assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [byDefault(true), byDefault(undefined), defaultKey(KEY_ARN)]), []);
        assert.deepStrictEqual(await findings(imageKeysCustomerManaged, [defaultKey(KEY_ARN), kmsKey()]), []);
    });

    it("still passes volumes under a customer-managed key (ARN, alias) or with no key named", async () => {
        for (const key of [KEY_ARN, "alias/golden-ami", undefined]) {
            const template = launchTemplate();
            template.props.blockDeviceMappings[0].ebs.kmsKeyId = key;
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), [], String(key));
            const root = instance();
            root.props.rootBlockDevice.kmsKeyId = key;
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [root]), [], String(key));
        }
    });
});

describe("bypasses 3: secrets in user data, in other commands", () => {
    const hidden: Array<[string, string]> = [
        ["a chpasswd here-string", "#!/bin/bash\nchpasswd <<< 'root:hunter22'\n"],
        ["printf into chpasswd", "#!/bin/bash\nprintf 'root:hunter22' | chpasswd\n"],
        ["echo -e into passwd", "#!/bin/bash\necho -e 'hunter22\\nhunter22' | passwd root\n"],
        ["a passwd --stdin here-string", "#!/bin/bash\npasswd --stdin ec2-user <<< hunter22\n"],
        ["openssl passwd", "#!/bin/bash\nusermod --password \"$(openssl passwd -6 hunter22)\" root\n"],
    ];
    for (const [how, userData] of hidden) {
        it(`launch-templates-hardened finds a password written as ${how} (class: no secrets in user data)`, async () => {
            const template = launchTemplate();
            template.props.userData = base64(userData);
            assertOne(await findings(launchTemplatesHardened, [template]), /^userData contains a password in plain text/);
        });
    }

    it("still passes commands that take the password from elsewhere", async () => {
        const template = launchTemplate();
        template.props.userData = base64("#!/bin/bash\nPW=$(aws secretsmanager get-secret-value --secret-id root --query SecretString --output text)\n" +
            "echo \"root:$PW\" | chpasswd\nprintf '%s' \"$PW\" | passwd --stdin ec2-user\nopenssl passwd -6 -stdin < /run/pw > /run/pw.hash\nchpasswd <<< \"root:$PW\"\n");
        assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
    });
});

describe("bypasses 3: deprecation and metadata options in other spellings", () => {
    it("image-builder-images-deprecate does not read an unrecognised or padded filter unit as days (class: deprecation within a horizon)", async () => {
        for (const unit of [" YEARS", "FORTNIGHTS"]) {
            const lifecycle = lifecyclePolicy();
            lifecycle.props.policyDetails[0].filter = { type: "AGE", value: 100, unit };
            const found = await findings(imageBuilderImagesDeprecate, [image(), lifecycle]);
            assert.strictEqual(found.length, 2, JSON.stringify(found));
            assert.match(found[0], /^policyDetails\[0\]\.filter deprecates after 100 .*, beyond this stack's 730-day horizon/);
        }
        const lowercase = lifecyclePolicy();
        lowercase.props.resourceType = "ami_image";
        lowercase.props.policyDetails[0].action.type = "Deprecate";
        lowercase.props.policyDetails[0].filter.unit = "days";
        assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [image(), lowercase]), []);
    });

    it("launch-templates-hardened reads metadata options given as a list of one block (class: IMDSv2)", async () => {
        const optional = launchTemplate();
        optional.props.metadataOptions = [{ httpTokens: "optional", httpPutResponseHopLimit: 1 }];
        assertOne(await findings(launchTemplatesHardened, [optional]), /^metadataOptions\.httpTokens is "optional"/);
        const required = launchTemplate();
        required.props.metadataOptions = [{ httpEndpoint: "enabled", httpTokens: " Required ", httpPutResponseHopLimit: 1 }];
        assert.deepStrictEqual(await findings(launchTemplatesHardened, [required]), []);
    });
});

describe("bypasses 3: the real stacks' shapes still pass", () => {
    it("passes dev's and prod's fixture programs with EBS encryption by default, a customer-managed default key and a distribution workflow added", async () => {
        const extras: ResourceFixture[] = [
            { type: "aws:ebs/encryptionByDefault:EncryptionByDefault", name: "ebs-default", provider: regionalProvider(), props: { enabled: true } },
            { type: "aws:ebs/defaultKmsKey:DefaultKmsKey", name: "ebs-key", provider: regionalProvider(), props: { keyArn: KEY_ARN } },
        ];
        for (const [stack, program] of [["dev", fixtures.devProgram()], ["prod", fixtures.prodProgram()]] as const) {
            const shared = stack === "dev" ? "222222222222" : "333333333333";
            const environment = stack === "dev" ? "dev" : "prod";
            const workflow: ResourceFixture = {
                type: "aws:imagebuilder/workflow:Workflow", name: "distribute", provider: regionalProvider(),
                props: {
                    name: "distribute", version: "1.0.0", type: "DISTRIBUTION", tags: { ...imageTags(), Environment: environment },
                    data: "name: distribute\nschemaVersion: 1.0\nsteps:\n  - name: Distribute\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n" +
                        `      distributions:\n        - region: us-east-1\n          kmsKeyId: ${KEY_ARN}\n          amiTags: { Name: al2023-base, Owner: platform-team, Environment: ${environment}, Version: 1.4.0 }\n` +
                        "  - name: Share\n    action: ModifyImageAttributes\n    onFailure: Abort\n    inputs:\n      distributedImages.$: $.stepOutputs.Distribute.distributedImages\n" +
                        `      attributes:\n        - region: us-east-1\n          launchPermission: { userIds: ["${shared}"] }\n`,
                },
            };
            const mandatory = (await runPolicies([...program, ...extras, workflow], loadPackConfig(stack), { stack })).filter(d => d.level === "mandatory");
            assert.deepStrictEqual(mandatory.map(detail), [], stack);
        }
    });
});
