// Class: instances launched from the image, however they are launched.
import * as assert from "assert";
import * as zlib from "zlib";
import {
    asgLaunchTemplatePinned, instanceLaunchesHardened, instancesGetNoPublicIp, launchTemplatesDeclared, launchTemplatesHardened,
} from "../../policy/policies";
import {
    autoScalingGroup, ec2Fleet, imageRecipe, infrastructureConfiguration, instance, launchConfiguration, launchTemplate, spotFleetRequest, subnet, SUBNET_ID,
} from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const SECRETS_FIX = "remove it and have the instance fetch what it needs through its role (Secrets Manager, SSM Parameter Store SecureString).";
const base64 = (text: string) => Buffer.from(text).toString("base64");

describe("class: instances launched from the image, however they are launched", () => {
    it("passes a hardened instance, launch configuration, Spot Fleet on a template, build infrastructure and recipe", async () => {
        const resources = [instance(), launchConfiguration(), spotFleetRequest(), infrastructureConfiguration(), imageRecipe()];
        assert.deepStrictEqual(await runPolicy(instanceLaunchesHardened, resources), []);
    });

    it("fails an instance or launch configuration without IMDSv2, with a long hop limit, an unencrypted volume or a public IP", async () => {
        for (const fixture of [instance, launchConfiguration]) {
            const changes: Array<[(props: any) => void, string]> = [
                [props => { props.metadataOptions.httpTokens = "optional"; }, 'metadataOptions.httpTokens is "optional": set it to "required" so instances use IMDSv2 only.'],
                [props => { props.metadataOptions.httpPutResponseHopLimit = 3; }, "metadataOptions.httpPutResponseHopLimit is 3, above the allowed 1: set it to 1."],
                [props => { props.rootBlockDevice.encrypted = false; }, "rootBlockDevice.encrypted is false: set it to true."],
                [props => { props.associatePublicIpAddress = true; }, "associatePublicIpAddress is true: set it to false and reach instances through a load balancer or Systems Manager."],
            ];
            for (const [change, message] of changes) {
                const launch = fixture();
                change(launch.props);
                assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [launch])).map(detail), [message], `${launch.type}: ${message}`);
            }
            const bare = fixture();
            delete bare.props.metadataOptions;
            assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [bare])).map(detail).map(message => message.split(":")[0]),
                ["metadataOptions.httpTokens is not set", "metadataOptions.httpPutResponseHopLimit is not set, so the AMI's default applies (2 for Amazon Linux 2023)"]);
        }
    });

    it("judges only what an instance sets itself when it launches from a template, which is checked on its own", async () => {
        const fromTemplate = instance();
        fromTemplate.props.launchTemplate = { id: "lt-0123456789abcdef0", version: "3" };
        delete fromTemplate.props.metadataOptions;
        assert.deepStrictEqual(await runPolicy(instanceLaunchesHardened, [fromTemplate]), []);
        fromTemplate.props.metadataOptions = { httpTokens: "optional" };
        assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [fromTemplate])).map(detail),
            ['metadataOptions.httpTokens is "optional": set it to "required" so instances use IMDSv2 only.']);
    });

    it("fails Spot Fleet launch specifications, which cannot require IMDSv2, and Image Builder build instances without it", async () => {
        const fleet = spotFleetRequest();
        fleet.props.launchSpecifications = [{ ami: "ami-1", instanceType: "t3.small", associatePublicIpAddress: false }];
        assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [fleet])).map(detail), [
            "launchSpecifications[0] cannot set metadataOptions, so its instances may use IMDSv1 and any hop limit: use launchTemplateConfigs " +
            "with a launch template that requires IMDSv2 instead.",
        ]);
        const infrastructure = infrastructureConfiguration();
        infrastructure.props.instanceMetadataOptions.httpTokens = "optional";
        assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [infrastructure])).map(detail),
            ['instanceMetadataOptions.httpTokens is "optional": set it to "required" so instances use IMDSv2 only.']);
    });

    it("fails secrets in user data, plain, base64 or gzipped, in templates, instances, launch configurations and recipes", async () => {
        const variants: Array<[string, string]> = [
            ["an AWS access key id", "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n"],
            ["an AWS secret access key", "[default]\naws_secret_access_key = wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY\n"],
            ["a private key", "cat > /root/.ssh/id_rsa <<EOF\n-----BEGIN RSA PRIVATE KEY-----\nMIIEow\nEOF\n"],
            ["a password", "#!/bin/bash\necho 'root:hunter22' | chpasswd\n"],
            ["a password", "#cloud-config\nusers:\n  - name: admin\n    plain_text_passwd: hunter22\n"],
            ["a password", "DB_PASSWORD=hunter22 /opt/app/start\n"],
        ];
        for (const [what, script] of variants) {
            const template = launchTemplate();
            template.props.userData = base64(script);
            const plain = instance();
            plain.props.userData = script;
            const gzipped = launchConfiguration();
            gzipped.props.userDataBase64 = zlib.gzipSync(script).toString("base64");
            const recipe = imageRecipe();
            recipe.props.userDataBase64 = base64(script);
            const findings = [
                ...(await runPolicy(launchTemplatesHardened, [template])).map(detail),
                ...(await runPolicy(instanceLaunchesHardened, [plain, gzipped, recipe])).map(detail),
            ];
            assert.deepStrictEqual(findings.map(finding => finding.split(" contains ")[0]), ["userData", "userData", "userDataBase64", "userDataBase64"], what);
            assert.ok(findings.every(finding => finding.endsWith(`${what} in plain text, readable by anyone who can describe the instance or template: ${SECRETS_FIX}`)), findings.join("\n"));
        }
        const references = launchTemplate();
        references.props.userData = base64('#!/bin/bash\nPASSWORD=$(aws secretsmanager get-secret-value --secret-id db --query SecretString --output text)\nmysql --password="$PASSWORD"\n');
        assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [references]), []);
    });

    it("fails a template image id that floats (resolve:ssm: without a version), and passes a pinned parameter version", async () => {
        for (const imageId of ["resolve:ssm:/golden-ami/al2023-base/dev/ami-id", "RESOLVE:SSM:/golden-ami/al2023-base/dev/ami-id:stable"]) {
            const template = launchTemplate();
            template.props.imageId = imageId;
            assert.match((await runPolicy(asgLaunchTemplatePinned, [template])).map(detail)[0] ?? "", /^imageId is .*, which EC2 resolves at every launch/, imageId);
        }
        const pinned = launchTemplate();
        pinned.props.imageId = "resolve:ssm:/golden-ami/al2023-base/dev/ami-id:7";
        assert.deepStrictEqual(await runPolicy(asgLaunchTemplatePinned, [pinned, launchTemplate()]), []);
    });

    it("fails groups, instances and fleets that launch from a template the stack does not declare", async () => {
        assert.deepStrictEqual(await runPolicy(launchTemplatesDeclared, [launchTemplate(), autoScalingGroup(), ec2Fleet(), spotFleetRequest()]), []);
        const group = autoScalingGroup();
        group.props.launchTemplate = { name: "hand-made", version: "1" };
        const fromTemplate = instance();
        fromTemplate.props.launchTemplate = { id: "lt-0fedcba9876543210" };
        const fleet = ec2Fleet();
        fleet.props.launchTemplateConfigs[0].launchTemplateSpecification.launchTemplateId = "lt-0fedcba9876543210";
        const findings = (await runPolicy(launchTemplatesDeclared, [launchTemplate(), group, fromTemplate, fleet])).map(detail);
        assert.deepStrictEqual(findings.map(finding => finding.split(", a launch template")[0]), [
            'launchTemplate.name is "hand-made"', 'launchTemplate.id is "lt-0fedcba9876543210"',
            'launchTemplateConfigs[0].launchTemplateSpecification.launchTemplateId is "lt-0fedcba9876543210"',
        ]);
        assert.ok(findings[0].endsWith("declare the aws.ec2.LaunchTemplate in this stack and pass its id."));
    });

    it("passes an unset public IP only in a subnet the stack declares without mapPublicIpOnLaunch", async () => {
        const template = launchTemplate();
        delete template.props.networkInterfaces;
        const group = autoScalingGroup();
        assert.deepStrictEqual(await runPolicy(instancesGetNoPublicIp, [template, group, subnet(false)]), []);
        const findings = (await runPolicy(instancesGetNoPublicIp, [template, group, subnet(true)])).map(detail);
        assert.deepStrictEqual(findings, [
            `launchTemplate.id (web's networkInterfaces[0].associatePublicIpAddress) is not set and subnet fleet-${SUBNET_ID} has mapPublicIpOnLaunch true, ` +
            'so instances get a public IP: set the template\'s networkInterfaces[0].associatePublicIpAddress to "false".',
        ]);
        assert.deepStrictEqual((await runPolicy(instancesGetNoPublicIp, [template, group])).map(detail), [
            `launchTemplate.id (web's networkInterfaces[0].associatePublicIpAddress) is not set, so whether instances get a public IP depends on subnet ` +
            `${SUBNET_ID}, which this stack does not declare: set the template's networkInterfaces[0].associatePublicIpAddress to "false".`,
        ]);
    });

    it("fails an instance, launch configuration or Spot Fleet specification with no public IP setting in a public, unseen or default subnet", async () => {
        const open = instance();
        delete open.props.associatePublicIpAddress;
        assert.match((await runPolicy(instancesGetNoPublicIp, [open, subnet(true)])).map(detail)[0], /^associatePublicIpAddress is not set and subnet .* has mapPublicIpOnLaunch true/);
        delete open.props.subnetId;
        assert.match((await runPolicy(instancesGetNoPublicIp, [open])).map(detail)[0], /^associatePublicIpAddress is not set and the pack cannot see the subnet it launches into \(a default subnet assigns public IPs\)/);
        open.props.associatePublicIpAddress = false;
        assert.deepStrictEqual(await runPolicy(instancesGetNoPublicIp, [open]), []);

        const configuration = launchConfiguration();
        delete configuration.props.associatePublicIpAddress;
        const group = autoScalingGroup();
        delete group.props.launchTemplate;
        group.props.launchConfiguration = "legacy";
        assert.match((await runPolicy(instancesGetNoPublicIp, [configuration, group, subnet(true)])).map(detail)[0], /^launchConfiguration \(legacy\) is not set and subnet/);

        const fleet = spotFleetRequest();
        fleet.props.launchSpecifications = [{ ami: "ami-1", instanceType: "t3.small", subnetId: SUBNET_ID }];
        assert.match((await runPolicy(instancesGetNoPublicIp, [launchTemplate(), fleet, subnet(true)])).map(detail)[0], /^launchSpecifications\[0\]\.associatePublicIpAddress is not set and subnet/);
    });

    it("says the subnet is unknown at preview, and blocks once it resolves to a public subnet", async () => {
        const open = instance();
        delete open.props.associatePublicIpAddress;
        const pending = subnet(true);
        pending.outputs = { id: UNKNOWN, arn: UNKNOWN };
        assert.deepStrictEqual((await runPolicy(instancesGetNoPublicIp, [open, pending])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", `could not check whether subnet ${SUBNET_ID} is one the stack declares: value unknown until apply`],
        ]);
        assert.deepStrictEqual((await runPolicy(instancesGetNoPublicIp, [open, subnet(true)])).map(d => d.level), ["mandatory"]);
        const unknownTokens = instance();
        unknownTokens.props.metadataOptions.httpTokens = UNKNOWN;
        assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [unknownTokens])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check metadataOptions.httpTokens: value unknown until apply"],
        ]);
    });
});
