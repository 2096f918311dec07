// outside-disks-encrypted-by-default: disks whose encryption the pack cannot see (launches on images the stack does not make,
// volumes attached apart from their instance, imported snapshots) need EBS encryption by default under a declared key.
import * as assert from "assert";
import { outsideDisksEncryptedByDefault } from "../../policy/policies";
import { attachment, computeEnvironment, findings, inAccount, spotRequest, volume } from "./cases";
import {
    amiCopy,
    devProgram,
    GOLDEN_AMI,
    HOME_REGION,
    image,
    instance,
    KEY_ARN,
    kmsKey,
    launchConfiguration,
    launchTemplate,
    prodProgram,
    regionalProvider,
    TEMPLATE_ID,
} from "./fixtures";
import { ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const OUTSIDE_AMI = "ami-0badbadbadbadbad0";

function encryptionByDefault(region = HOME_REGION, enabled: unknown = true): ResourceFixture {
    return { type: "aws:ebs/encryptionByDefault:EncryptionByDefault", name: `ebs-default-${region}`, provider: regionalProvider(region), props: { enabled } };
}

function defaultKey(region = HOME_REGION, keyArn: unknown = KEY_ARN): ResourceFixture {
    return { type: "aws:ebs/defaultKmsKey:DefaultKmsKey", name: `ebs-key-${region}`, provider: regionalProvider(region), props: { keyArn } };
}

/** The account's default encryption in the home region, under the stack's key. */
const encryptedByDefault = () => [kmsKey(), encryptionByDefault(), defaultKey()];

function onOutsideImage(resource: ResourceFixture, field: string): ResourceFixture {
    resource.props[field] = OUTSIDE_AMI;
    return resource;
}

function snapshotImport(props: Record<string, unknown> = {}): ResourceFixture {
    return {
        type: "aws:ebs/snapshotImport:SnapshotImport",
        name: "imported",
        provider: regionalProvider(),
        props: { diskContainer: { format: "VMDK", userBucket: { s3Bucket: "disk-images", s3Key: "disk.vmdk" } }, ...props },
    };
}

const NEEDS =
    "and us-east-1 has no EBS encryption by default in this stack, so those volumes may be unencrypted or under the AWS-managed aws/ebs key: " +
    "add an aws.ebs.EncryptionByDefault (enabled: true) and an aws.ebs.DefaultKmsKey whose keyArn is a customer-managed aws.kms.Key of this stack, " +
    "with us-east-1's provider, so every new volume there is encrypted under it;";

describe("outside-disks-encrypted-by-default", () => {
    describe("blocks", () => {
        it("blocks a launch template, instance, Spot request, launch configuration, Spot Fleet or Batch environment on an image the stack does not make", async () => {
            const fleet = {
                type: "aws:ec2/spotFleetRequest:SpotFleetRequest",
                name: "spot-specs",
                provider: regionalProvider(),
                props: { iamFleetRole: "arn:aws:iam::111111111111:role/spot-fleet", targetCapacity: 1, launchSpecifications: [{ ami: OUTSIDE_AMI }] },
            };
            const batch = computeEnvironment();
            batch.props.computeResources.ec2Configurations = [{ imageType: "ECS_AL2023", imageIdOverride: OUTSIDE_AMI }];
            const cases: Array<[ResourceFixture, string]> = [
                [onOutsideImage(launchTemplate(), "imageId"), "imageId"],
                [onOutsideImage(instance(), "ami"), "ami"],
                [onOutsideImage(spotRequest(), "ami"), "ami"],
                [onOutsideImage(launchConfiguration(), "imageId"), "imageId"],
                [fleet, "launchSpecifications[0].ami"],
                [batch, "computeResources.ec2Configurations[0].imageIdOverride"],
            ];
            for (const [resource, field] of cases) {
                const found = await findings(outsideDisksEncryptedByDefault, [kmsKey(), resource]);
                assert.strictEqual(found.length, 1, `${resource.type}: ${JSON.stringify(found)}`);
                assert.ok(
                    found[0].startsWith(`${field} is "${OUTSIDE_AMI}", an image this stack does not make, so the pack cannot see its block device mappings`),
                    found[0],
                );
                assert.ok(found[0].includes(NEEDS), found[0]);
                assert.match(found[0], /or launch an image this stack makes .*exemptRegions\.$/);
            }
        });

        it("blocks an image the launch states an encrypted root for: the image's other volumes are still unseen", async () => {
            // The fixture states an encrypted root and data volume under the stack's key; an outside image may hold more.
            const found = await findings(outsideDisksEncryptedByDefault, [kmsKey(), onOutsideImage(instance(), "ami")]);
            assert.strictEqual(found.length, 1);
            assert.match(found[0], /^ami is "ami-0badbadbadbadbad0", an image this stack does not make/);
        });

        it("blocks a launch template with no image (an EKS node group or Batch environment then picks its own AMI)", async () => {
            const template = launchTemplate();
            delete template.props.imageId;
            const found = await findings(outsideDisksEncryptedByDefault, [kmsKey(), template]);
            assert.strictEqual(found.length, 1);
            assert.match(
                found[0],
                /^imageId is not set, so what launches this template .* picks an image whose block device mappings the pack cannot see, and us-east-1 has no/,
            );
        });

        it("blocks a resolve:ssm: image that is not a parameter holding one of the stack's images", async () => {
            const template = launchTemplate();
            template.props.imageId = "resolve:ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64";
            const found = await findings(outsideDisksEncryptedByDefault, [kmsKey(), image(), template]);
            assert.strictEqual(found.length, 1);
            assert.match(found[0], /^imageId is "resolve:ssm:\/aws\/service\/.*", an image this stack does not make/);
        });

        it("blocks a volume attached apart from its instance: undeclared, unencrypted, under no key or under a key the stack does not declare", async () => {
            const cases: Array<[ResourceFixture[], RegExp]> = [
                [
                    [attachment("vol-0fedcba9876543210")],
                    /^volumeId is "vol-0fedcba9876543210", a volume this stack does not declare, so the pack cannot see how it is encrypted, and us-east-1 has no EBS encryption by default/,
                ],
                [
                    [volume({}), attachment()],
                    /^volumeId is aws\.ebs\.Volume data does not set encrypted: true, so it is encrypted only if EBS encryption by default is on, and us-east-1 has no/,
                ],
                [[volume({ encrypted: false, kmsKeyId: KEY_ARN }), attachment()], /^volumeId is aws\.ebs\.Volume data sets encrypted: false/],
                [
                    [volume({ encrypted: true }), attachment()],
                    /^volumeId is aws\.ebs\.Volume data sets no kmsKeyId, so it is encrypted under the region's default EBS key, and us-east-1 has no/,
                ],
                [
                    [volume({ encrypted: true, kmsKeyId: "alias/aws/ebs" }), attachment()],
                    /is encrypted with data\.kmsKeyId "alias\/aws\/ebs", an AWS-managed key/,
                ],
                [
                    [volume({ encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000" }), attachment()],
                    /is encrypted with data\.kmsKeyId .*, a key this stack does not declare, so the pack cannot tell it is customer-managed/,
                ],
            ];
            for (const [resources, expected] of cases) {
                const found = await findings(outsideDisksEncryptedByDefault, [kmsKey(), ...resources]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], expected);
            }
        });

        it("blocks an imported snapshot that is not encrypted under a declared key", async () => {
            const cases: Array<[Record<string, unknown>, RegExp]> = [
                [
                    {},
                    /^the imported snapshot does not set encrypted: true, so it is encrypted only if EBS encryption by default is on, and us-east-1 has no .*or set encrypted: true and kmsKeyId/,
                ],
                [{ encrypted: true }, /^the imported snapshot sets no kmsKeyId, so it is encrypted under the region's default EBS key/],
                [{ encrypted: true, kmsKeyId: "alias/aws/ebs" }, /an AWS-managed key/],
            ];
            for (const [props, expected] of cases) {
                const found = await findings(outsideDisksEncryptedByDefault, [kmsKey(), snapshotImport(props)]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], expected);
            }
        });

        it("blocks where encryption by default is off, keyed by an undeclared or AWS-managed key, or only in another region or account", async () => {
            const template = () => onOutsideImage(launchTemplate(), "imageId");
            const cases: Array<[ResourceFixture[], RegExp]> = [
                [[kmsKey(), encryptionByDefault(HOME_REGION, false), defaultKey()], /has no EBS encryption by default in this stack/],
                [[kmsKey(), encryptionByDefault()], /us-east-1 has no default EBS key this stack declares, so/],
                [[kmsKey(), encryptionByDefault(), defaultKey(HOME_REGION, "alias/aws/ebs")], /default EBS key this stack declares/],
                [
                    [kmsKey(), encryptionByDefault(), defaultKey(HOME_REGION, "arn:aws:kms:us-east-1:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000")],
                    /default EBS key this stack declares/,
                ],
                [
                    [kmsKey("us-west-2"), encryptionByDefault("us-west-2"), defaultKey("us-west-2", KEY_ARN.replace(HOME_REGION, "us-west-2"))],
                    /us-east-1 has no/,
                ],
                [[kmsKey(), inAccount(encryptionByDefault(), "333333333333"), inAccount(defaultKey(), "333333333333")], /us-east-1 has no/],
            ];
            for (const [settings, expected] of cases) {
                const found = await findings(outsideDisksEncryptedByDefault, [...settings, template()]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], expected);
            }
        });
    });

    describe("still passes", () => {
        it("passes dev's and prod's fixture programs: their fleets launch the stack's own images", async () => {
            const dev = devProgram();
            assert.ok(dev.some(resource => resource.type === "aws:ec2/launchTemplate:LaunchTemplate" && resource.props.imageId === GOLDEN_AMI));
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, dev), []);
            const prod = [...prodProgram(), launchTemplate()];
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, prod), []);
        });

        it("passes launches on an image copy, an Image Builder build's AMI, and a resolve:ssm: parameter that holds one", async () => {
            const copy = amiCopy();
            const onCopy = launchTemplate();
            const parameter: ResourceFixture = {
                type: "aws:ssm/parameter:Parameter",
                name: "al2023-base-ami-id",
                provider: regionalProvider(),
                props: { name: "/golden-ami/al2023-base/dev/ami-id", type: "String", dataType: "aws:ec2:image", insecureValue: GOLDEN_AMI },
            };
            const onParameter = launchTemplate();
            onParameter.name = "on-parameter";
            onParameter.props.imageId = "resolve:ssm:/golden-ami/al2023-base/dev/ami-id";
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, [kmsKey(), copy, onCopy, parameter, onParameter]), []);
            const onBuild = instance();
            onBuild.props.ami = GOLDEN_AMI;
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, [kmsKey(), image(), onBuild]), []);
        });

        it("passes any image, undeclared volume or imported snapshot where encryption by default is on under the stack's key", async () => {
            const resources = [
                onOutsideImage(launchTemplate(), "imageId"),
                onOutsideImage(instance(), "ami"),
                attachment("vol-0fedcba9876543210"),
                snapshotImport(),
                ...encryptedByDefault(),
            ];
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, resources), []);
            // enabled unset is the provider's default: on.
            const unset = encryptionByDefault();
            delete unset.props.enabled;
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, [...resources.slice(0, 4), kmsKey(), unset, defaultKey()]), []);
            assert.strictEqual((await findings(outsideDisksEncryptedByDefault, resources.slice(0, 4))).length, 4);
        });

        it("passes declared volumes and imported snapshots encrypted under the stack's key, and regions listed in exemptRegions", async () => {
            assert.deepStrictEqual(
                await findings(outsideDisksEncryptedByDefault, [
                    kmsKey(),
                    volume({ encrypted: true, kmsKeyId: KEY_ARN }),
                    attachment(),
                    snapshotImport({ encrypted: true, kmsKeyId: KEY_ARN }),
                ]),
                [],
            );
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, [onOutsideImage(instance(), "ami")], { exemptRegions: [HOME_REGION] }), []);
        });

        it("passes a template Image Builder points at each new image (a distribution's launchTemplateConfigurations) or launches it with (Fast Launch)", async () => {
            const template = onOutsideImage(launchTemplate(), "imageId");
            const distribution = devProgram().find(resource => resource.type === "aws:imagebuilder/distributionConfiguration:DistributionConfiguration")!;
            distribution.props.distributions[0].launchTemplateConfigurations = [{ launchTemplateId: TEMPLATE_ID, setDefaultVersion: true }];
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, [kmsKey(), distribution, template]), []);
            // Windows Fast Launch launches each new image with its template's settings, whatever image the template names (none, here).
            const fastLaunch = launchTemplate();
            fastLaunch.name = "fast-launch";
            fastLaunch.props.name = "windows-fast-launch";
            delete fastLaunch.props.imageId;
            const windows = devProgram().find(resource => resource.type === "aws:imagebuilder/distributionConfiguration:DistributionConfiguration")!;
            windows.props.distributions[0].fastLaunchConfigurations = [
                { enabled: true, maxParallelLaunches: 6, launchTemplate: { launchTemplateName: "windows-fast-launch", launchTemplateVersion: "1" } },
            ];
            assert.deepStrictEqual(await findings(outsideDisksEncryptedByDefault, [kmsKey(), windows, fastLaunch]), []);
            assert.strictEqual((await findings(outsideDisksEncryptedByDefault, [kmsKey(), fastLaunch])).length, 1);
        });

        it("says what it could not check while the stack's images or default key are unknown until apply", async () => {
            const template = launchTemplate();
            template.props.imageId = UNKNOWN;
            const diagnostics = await runPolicy(outsideDisksEncryptedByDefault, [kmsKey(), template]);
            assert.strictEqual(diagnostics.length, 1);
            assert.strictEqual(diagnostics[0].level, "advisory");
            assert.match(unknownDetail(diagnostics[0]), /could not check web\.imageId/);
            const build = image();
            build.outputs = {};
            const onBuild = launchTemplate();
            const pending = await runPolicy(outsideDisksEncryptedByDefault, [kmsKey(), build, onBuild]);
            assert.strictEqual(pending.length, 1);
            assert.match(unknownDetail(pending[0]), /whether web\.imageId is an image the stack makes/);
            const keyPending = await runPolicy(outsideDisksEncryptedByDefault, [
                kmsKey(),
                encryptionByDefault(),
                defaultKey(HOME_REGION, UNKNOWN),
                onOutsideImage(instance(), "ami"),
            ]);
            assert.strictEqual(keyPending.length, 1);
            assert.match(unknownDetail(keyPending[0]), /whether EBS encryption by default is on in us-east-1 for builder/);
            // Turned off, the region fails whatever the unknown key turns out to be.
            const off = await runPolicy(outsideDisksEncryptedByDefault, [
                kmsKey(),
                encryptionByDefault(HOME_REGION, false),
                defaultKey(HOME_REGION, UNKNOWN),
                onOutsideImage(instance(), "ami"),
            ]);
            assert.deepStrictEqual(
                off.map(diagnostic => diagnostic.level),
                ["mandatory"],
            );
        });
    });
});
