// images-encrypted-with-cmk: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import { imageKeysCustomerManaged, imagesEncryptedWithCmk } from "../../policy/policies";
import { assertOne, AWS_MANAGED, awsManaged, distribute, dlmPolicy, findings, good, registeredAmi, workflow } from "./cases";
import { ami, amiCopy, amiFromInstance, distributionConfiguration, imageRecipe, instance, KEY_ARN, kmsKey, regionalProvider, snapshotCopy } from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("images-encrypted-with-cmk", () => {
    describe("blocks", () => {
        it("images-encrypted-with-cmk requires Data Lifecycle Manager cross-region copies to be encrypted with a customer-managed key", async () => {
            assert.deepStrictEqual(
                await findings(imagesEncryptedWithCmk, [
                    dlmPolicy({ crossRegionCopyRules: [{ target: "us-west-2", encrypted: true, cmkArn: fixtures.keyArn("us-west-2") }] }),
                ]),
                [],
            );
            const cases: Array<[ResourceFixture, string[]]> = [
                [
                    dlmPolicy({ crossRegionCopyRules: [{ target: "us-west-2", encrypted: false, cmkArn: fixtures.keyArn("us-west-2") }] }),
                    [
                        "policyDetails.schedules[0].crossRegionCopyRules[0].encrypted is false: set encrypted: true, with cmkArn a customer-managed key in the target region.",
                    ],
                ],
                [
                    dlmPolicy({ crossRegionCopyRules: [{ targetRegion: "us-west-2", encrypted: true }] }),
                    [
                        "policyDetails.schedules[0].crossRegionCopyRules[0].cmkArn is not set, so the AWS-managed aws/ebs key is used and the image cannot be shared: " +
                            "set cmkArn to a customer-managed key in the target region.",
                    ],
                ],
                [
                    dlmPolicy({ crossRegionCopyRules: [{ target: "us-west-2", encrypted: true, cmkArn: "arn:aws:kms:us-west-2:111111111111:alias/aws/ebs" }] }),
                    [
                        'policyDetails.schedules[0].crossRegionCopyRules[0].cmkArn is "arn:aws:kms:us-west-2:111111111111:alias/aws/ebs", an AWS-managed key, and images under it ' +
                            "cannot be shared: set cmkArn to a customer-managed key in the target region.",
                    ],
                ],
                [
                    dlmPolicy(
                        {},
                        {
                            policyType: "EVENT_BASED_POLICY",
                            action: {
                                name: "copy",
                                crossRegionCopies: [{ target: "us-west-2", encryptionConfiguration: { encrypted: true, cmkArn: "aws/ebs" } }],
                            },
                        },
                    ),
                    [
                        'policyDetails.action.crossRegionCopies[0].encryptionConfiguration.cmkArn is "aws/ebs", an AWS-managed key, and images under it cannot be shared: ' +
                            "set cmkArn to a customer-managed key in the target region.",
                    ],
                ],
            ];
            for (const [policy, expected] of cases) assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [policy]), expected);
            const undeclared = dlmPolicy({
                crossRegionCopyRules: [
                    { target: "us-west-2", encrypted: true, cmkArn: "arn:aws:kms:us-west-2:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000" },
                ],
            });
            const found = await findings(imageKeysCustomerManaged, [undeclared, kmsKey("us-west-2")]);
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(found[0], /^policyDetails\.schedules\[0\]\.crossRegionCopyRules\[0\]\.cmkArn is .*, a key this stack does not declare/);
        });

        it("images-encrypted-with-cmk requires each DistributeImage distribution to name a customer-managed key (class: encryption)", async () => {
            assertOne(
                await findings(imagesEncryptedWithCmk, [workflow(distribute(""))]),
                /^data: steps\[0\]\.inputs\.distributions\[0\]\.kmsKeyId is not set, so the AWS-managed aws\/ebs key is used/,
            );
            for (const key of ["alias/aws/ebs", "arn:aws-us-gov:kms:us-gov-west-1:111111111111:alias/aws/ebs"]) {
                assertOne(
                    await findings(imagesEncryptedWithCmk, [workflow(distribute(`          kmsKeyId: ${key}\n`))]),
                    /kmsKeyId is .*, an AWS-managed key/,
                    key,
                );
            }
            assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [workflow(good)]), []);
        });

        it("images-encrypted-with-cmk blocks EBS encryption by default turned off and an AWS-managed default key; image-keys-customer-managed an undeclared default key", async () => {
            const byDefault = (enabled: unknown): ResourceFixture => ({
                type: "aws:ebs/encryptionByDefault:EncryptionByDefault",
                name: "ebs-default",
                provider: regionalProvider(),
                props: { enabled },
            });
            const defaultKey = (keyArn: string): ResourceFixture => ({
                type: "aws:ebs/defaultKmsKey:DefaultKmsKey",
                name: "ebs-key",
                provider: regionalProvider(),
                props: { keyArn },
            });
            for (const off of [false, "false", "0"]) {
                assertOne(await findings(imagesEncryptedWithCmk, [byDefault(off)]), /^enabled is .*, which turns off EBS encryption by default/, String(off));
            }
            for (const key of awsManaged)
                assertOne(await findings(imagesEncryptedWithCmk, [defaultKey(key)]), /^keyArn is .*, an AWS-managed key, as the default key/, key);
            assertOne(
                await findings(imageKeysCustomerManaged, [defaultKey("arn:aws:kms:us-east-1:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000"), kmsKey()]),
                /^keyArn is .*, a key this stack does not declare/,
            );
            assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [byDefault(true), byDefault(undefined), defaultKey(KEY_ARN)]), []);
            assert.deepStrictEqual(await findings(imageKeysCustomerManaged, [defaultKey(KEY_ARN), kmsKey()]), []);
        });

        it("fails a copy that is not encrypted", async () => {
            const copy = amiCopy();
            copy.props.encrypted = false;
            assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [copy])).map(detail), [
                "encrypted is false: set encrypted: true, with kmsKeyId a customer-managed key in the destination region.",
            ]);
        });

        it("fails a copy without kmsKeyId: it would fall back to aws/ebs", async () => {
            const copy = amiCopy();
            delete copy.props.kmsKeyId;
            assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [copy])).map(detail), [
                "kmsKeyId is not set, so the AWS-managed aws/ebs key is used and the image cannot be shared: " +
                    "set kmsKeyId to a customer-managed key in the destination region.",
            ]);
        });

        it("fails the AWS-managed alias/aws/ebs key, as an alias or an alias ARN", async () => {
            for (const keyId of ["alias/aws/ebs", "arn:aws:kms:us-east-1:111111111111:alias/aws/ebs"]) {
                const copy = amiCopy();
                copy.props.kmsKeyId = keyId;
                assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [copy])).map(detail), [
                    `kmsKeyId is "${keyId}", an AWS-managed key, and images under it cannot be shared: ` +
                        "set kmsKeyId to a customer-managed key in the destination region.",
                ]);
            }
        });

        it('fails ebs.encrypted other than "true" (a string in the provider)', async () => {
            const recipe = imageRecipe();
            recipe.props.blockDeviceMappings[0].ebs.encrypted = "false";
            assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [recipe])).map(detail), [
                'blockDeviceMappings[0].ebs.encrypted is "false": set it to "true", with kmsKeyId the image\'s customer-managed key.',
            ]);
        });

        it("fails a volume without ebs.kmsKeyId", async () => {
            const recipe = imageRecipe();
            delete recipe.props.blockDeviceMappings[0].ebs.kmsKeyId;
            assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [recipe])).map(detail), [
                "blockDeviceMappings[0].ebs.kmsKeyId is not set, so the AWS-managed aws/ebs key is used and the image cannot be shared: " +
                    "set it to the image's customer-managed key.",
            ]);
        });

        it("fails a recipe with no EBS volume: the build would inherit the parent image's encryption", async () => {
            const recipe = imageRecipe();
            delete recipe.props.blockDeviceMappings;
            assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [recipe])).map(detail), [
                "blockDeviceMappings has no EBS volume, so the build inherits the parent image's encryption: " +
                    'map the root device with ebs.encrypted "true" and ebs.kmsKeyId the image\'s customer-managed key.',
            ]);
        });

        it("fails a distribution without kmsKeyId, or with alias/aws/ebs", async () => {
            const distribution = distributionConfiguration();
            delete distribution.props.distributions[0].amiDistributionConfiguration.kmsKeyId;
            distribution.props.distributions.push({ region: "us-west-2", amiDistributionConfiguration: { kmsKeyId: "alias/aws/ebs" } });
            assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [distribution])).map(detail), [
                "distributions[0].amiDistributionConfiguration.kmsKeyId is not set, so the AWS-managed aws/ebs key is used and the image " +
                    "cannot be shared: set it to a customer-managed key in that distribution's region.",
                'distributions[1].amiDistributionConfiguration.kmsKeyId is "alias/aws/ebs", an AWS-managed key, and images under it ' +
                    "cannot be shared: set it to a customer-managed key in that distribution's region.",
            ]);
        });

        it("fails the AWS-managed aws/ebs key however it is written, in copies, snapshot copies, recipes and distributions", async () => {
            for (const keyId of AWS_MANAGED) {
                const copy = amiCopy();
                copy.props.kmsKeyId = keyId;
                const snapshot = snapshotCopy();
                snapshot.props.kmsKeyId = keyId;
                const recipe = imageRecipe();
                recipe.props.blockDeviceMappings[0].ebs.kmsKeyId = keyId;
                const distribution = distributionConfiguration();
                distribution.props.distributions[0].amiDistributionConfiguration.kmsKeyId = keyId;
                const findings = (await runPolicy(imagesEncryptedWithCmk, [copy, snapshot, recipe, distribution])).map(detail);
                assert.deepStrictEqual(
                    findings.map(finding => finding.split(" is ")[0]),
                    ["kmsKeyId", "kmsKeyId", "blockDeviceMappings[0].ebs.kmsKeyId", "distributions[0].amiDistributionConfiguration.kmsKeyId"],
                    keyId,
                );
                assert.ok(
                    findings.every(finding => finding.includes(`${JSON.stringify(keyId)}, an AWS-managed key`)),
                    keyId,
                );
            }
        });

        it("fails an AMI registered from unencrypted snapshots, or from none, and a snapshot copy left unencrypted", async () => {
            const unencrypted = ami();
            assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [unencrypted])).map(detail), [
                "ebsBlockDevices[0].encrypted is not set: register the image from snapshots encrypted with a customer-managed key " +
                    "(an aws.ebs.SnapshotCopy with encrypted: true and kmsKeyId) and set encrypted: true.",
            ]);
            const instanceStore = registeredAmi();
            instanceStore.props.ebsBlockDevices = [];
            assert.match((await runPolicy(imagesEncryptedWithCmk, [instanceStore])).map(detail)[0], /^ebsBlockDevices is empty/);
            const snapshot = snapshotCopy();
            snapshot.props.encrypted = false;
            assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [snapshot])).map(detail), [
                "encrypted is false: set encrypted: true, with kmsKeyId a customer-managed key in the destination region.",
            ]);
        });
    });

    describe("still passes", () => {
        it("passes a copy encrypted with a customer-managed key", async () => {
            assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [amiCopy()]), []);
        });

        it('accepts the provider\'s string boolean "true"', async () => {
            const copy = amiCopy();
            copy.props.encrypted = "true";
            assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [copy]), []);
        });

        it("passes a recipe whose EBS volumes are encrypted with a customer-managed key", async () => {
            assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [imageRecipe()]), []);
        });

        it("passes a distribution with a customer-managed kmsKeyId", async () => {
            assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [distributionConfiguration()]), []);
        });

        it("skips container distributions, which make no AMI", async () => {
            const distribution = distributionConfiguration();
            distribution.props.distributions.push({
                region: "us-west-2",
                containerDistributionConfiguration: { targetRepository: { repositoryName: "r", service: "ECR" } },
            });
            assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [distribution]), []);
        });

        it("passes every image source under a customer-managed key the stack declares", async () => {
            const resources = [kmsKey(), amiCopy(), snapshotCopy(), registeredAmi(), imageRecipe(), distributionConfiguration(), amiFromInstance(), instance()];
            assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, resources), []);
            assert.deepStrictEqual(await runPolicy(imageKeysCustomerManaged, resources), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly when the key is unknown until apply, and still checks encrypted", async () => {
            const copy = amiCopy();
            copy.props.kmsKeyId = UNKNOWN;
            copy.props.encrypted = false;
            const diagnostics = await runPolicy(imagesEncryptedWithCmk, [copy]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, d.level === "advisory" ? unknownDetail(d) : detail(d)]),
                [
                    ["mandatory", "encrypted is false: set encrypted: true, with kmsKeyId a customer-managed key in the destination region."],
                    ["advisory", "could not check kmsKeyId: value unknown until apply"],
                ],
            );
        });

        it("says plainly when ebs.encrypted is unknown until apply", async () => {
            const recipe = imageRecipe();
            recipe.props.blockDeviceMappings[0].ebs.encrypted = UNKNOWN;
            const diagnostics = await runPolicy(imagesEncryptedWithCmk, [recipe]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check blockDeviceMappings[0].ebs.encrypted: value unknown until apply"]],
            );
        });

        it("says the mappings are unknown, rather than that there are none, when the list is unknown", async () => {
            const recipe = imageRecipe();
            recipe.props.blockDeviceMappings = UNKNOWN;
            const diagnostics = await runPolicy(imagesEncryptedWithCmk, [recipe]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check blockDeviceMappings: value unknown until apply"]],
            );
        });

        it("says plainly when the distribution's key is unknown until apply", async () => {
            const distribution = distributionConfiguration();
            distribution.props.distributions[0].amiDistributionConfiguration.kmsKeyId = UNKNOWN;
            const diagnostics = await runPolicy(imagesEncryptedWithCmk, [distribution]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check distributions[0].amiDistributionConfiguration.kmsKeyId: value unknown until apply"]],
            );
        });
    });
});
