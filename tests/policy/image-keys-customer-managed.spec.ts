// image-keys-customer-managed: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import { imageKeysCustomerManaged, imagesEncryptedWithCmk } from "../../policy/policies";
import { attachment, findings, registeredAmi, RESOLVED_AWS_KEY, volume, workflow } from "./cases";
import {
    amiCopy,
    amiFromInstance,
    devProgram,
    distributionConfiguration,
    imageRecipe,
    instance,
    KEY_ARN,
    kmsKey,
    regionalProvider,
    snapshotCopy,
} from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

/** The stack's alias for the home region's key, as components/ImageKey.ts creates it. */
function alias(targetKeyId = KEY_ARN.split("/").pop()!): ResourceFixture {
    return {
        type: "aws:kms/alias:Alias",
        name: "al2023-base-alias",
        provider: regionalProvider(),
        props: { name: "alias/golden-ami/dev/al2023-base", targetKeyId },
    };
}

describe("image-keys-customer-managed", () => {
    describe("blocks", () => {
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

        it("image-keys-customer-managed follows volumes attached to the captured instance with aws.ec2.VolumeAttachment", async () => {
            const stack = (...more: ResourceFixture[]) => [amiFromInstance(), instance(), kmsKey(), ...more];
            assert.deepStrictEqual(await findings(imageKeysCustomerManaged, stack(volume({ encrypted: true, kmsKeyId: KEY_ARN }), attachment())), []);
            const cases: Array<[ResourceFixture[], RegExp]> = [
                [[volume({}), attachment()], /attaches aws\.ebs\.Volume data, which does not set encrypted: true with a kmsKeyId/],
                [[volume({ encrypted: "true" }), attachment()], /attaches aws\.ebs\.Volume data, which does not set encrypted: true with a kmsKeyId/],
                [[volume({ encrypted: true, kmsKeyId: "ALIAS/AWS/EBS" }), attachment()], /whose kmsKeyId is "ALIAS\/AWS\/EBS", an AWS-managed key/],
                [
                    [volume({ encrypted: true, kmsKeyId: "arn:aws:kms:us-east-1:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000" }), attachment()],
                    /^data\.kmsKeyId is .*, a key this stack does not declare/,
                ],
                [[attachment("vol-0fedcba9876543210")], /attaches volume "vol-0fedcba9876543210", which this stack does not declare/],
            ];
            for (const [more, expected] of cases) {
                const found = await findings(imageKeysCustomerManaged, stack(...more));
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], expected);
            }
        });

        it("image-keys-customer-managed holds a workflow document's DistributeImage kmsKeyId to the keys the stack declares (class: where a key comes from)", async () => {
            const outside = "arn:aws:kms:us-east-1:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000";
            const steps = (keyId: string) =>
                `  - name: Distribute\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions:\n        - region: us-east-1\n          kmsKeyId: ${keyId}\n`;
            assert.deepStrictEqual(await findings(imageKeysCustomerManaged, [kmsKey(), workflow(steps(KEY_ARN))]), []);
            const found = await findings(imageKeysCustomerManaged, [kmsKey(), workflow(steps(outside))]);
            assert.strictEqual(found.length, 1);
            assert.match(
                found[0],
                /^data: steps\[0\]\.inputs\.distributions\[0\]\.kmsKeyId is "arn:aws:kms:us-east-1:999999999999:key\/.*", a key this stack does not declare/,
            );
        });

        it("fails a key ARN the stack does not declare (what getAlias returns for aws/ebs) unless externalKeyArns vouches for it", async () => {
            const copy = amiCopy();
            copy.props.kmsKeyId = RESOLVED_AWS_KEY;
            assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [kmsKey(), copy]), [], "a key ARN alone looks customer-managed");
            const diagnostics = await runPolicy(imageKeysCustomerManaged, [kmsKey(), copy]);
            assert.deepStrictEqual(diagnostics.map(detail), [
                `kmsKeyId is "${RESOLVED_AWS_KEY}", a key this stack does not declare, so the pack cannot tell it is customer-managed ` +
                    "(aws.kms.getAlias on alias/aws/ebs returns just such a key ARN): encrypt with an aws.kms.Key declared in this stack (or its aws.kms.Alias), " +
                    "or list the key's ARN in this policy's externalKeyArns once you have checked it is customer-managed.",
            ]);
            assert.match(diagnostics[0].urn!, /AmiCopy::al2023-base-us-east-1-copy$/);
            assert.deepStrictEqual(await runPolicy(imageKeysCustomerManaged, [kmsKey(), copy], { externalKeyArns: [RESOLVED_AWS_KEY] }), []);
            // The same, written as a bare key id in a recipe and a distribution.
            const recipe = imageRecipe();
            recipe.props.blockDeviceMappings[0].ebs.kmsKeyId = "0000aaaa-12ab-34cd-56ef-1234567890ab";
            const distribution = distributionConfiguration();
            distribution.props.distributions[0].amiDistributionConfiguration.kmsKeyId = "mrk-0000aaaa12ab34cd56ef1234567890ab";
            assert.deepStrictEqual(
                (await runPolicy(imageKeysCustomerManaged, [kmsKey(), recipe, distribution])).map(d => detail(d).split(" is ")[0]),
                ["blockDeviceMappings[0].ebs.kmsKeyId", "distributions[0].amiDistributionConfiguration.kmsKeyId"],
            );
            // An alias is declared only when the stack creates it for a key it declares.
            copy.props.kmsKeyId = "alias/golden-ami/dev/al2023-base";
            assert.deepStrictEqual(await runPolicy(imageKeysCustomerManaged, [kmsKey(), alias(), copy]), []);
        });

        it("resolves an alias to the key the stack declares under it: an alias the stack does not create, one in another account, or one for an outside key is not declared", async () => {
            const cases: Array<[string, ResourceFixture[], RegExp]> = [
                ["alias/golden-ami/dev/al2023-base", [kmsKey()], /an alias this stack does not create, so the pack cannot tell which key it names/],
                [
                    "arn:aws:kms:us-east-1:999999999999:alias/golden-ami/dev/al2023-base",
                    [kmsKey(), alias()],
                    /an alias in account 999999999999, not the stack's alias of that name/,
                ],
                [
                    "alias/golden-ami/dev/al2023-base",
                    [kmsKey(), alias(RESOLVED_AWS_KEY)],
                    /an alias for arn:aws:kms:us-east-1:111111111111:key\/0000aaaa-12ab-34cd-56ef-1234567890ab, a key this stack does not declare/,
                ],
            ];
            assert.strictEqual(cases.length, 3);
            for (const [keyId, declared, why] of cases) {
                const copy = amiCopy();
                copy.props.kmsKeyId = keyId;
                const found = (await runPolicy(imageKeysCustomerManaged, [...declared, copy])).map(detail);
                assert.strictEqual(found.length, 1, keyId);
                assert.match(found[0], why, keyId);
            }
        });

        it("does not count an AWS-managed key imported into the stack as declared", async () => {
            const imported = kmsKey();
            imported.props.description = "Default key that protects my EBS volumes when no other key is defined";
            const found = (await runPolicy(imageKeysCustomerManaged, [imported, amiCopy()])).map(detail);
            assert.strictEqual(found.length, 1);
            assert.match(found[0], /^kmsKeyId is ".*", a key this stack does not declare/);
        });

        it("fails an image captured from an instance the stack does not declare, or whose volumes are not under a customer-managed key", async () => {
            const outside = amiFromInstance();
            outside.props.sourceInstanceId = "i-0fedcba9876543210";
            assert.match(
                (await runPolicy(imageKeysCustomerManaged, [outside, instance()])).map(detail)[0],
                /^sourceInstanceId is "i-0fedcba9876543210", an instance this stack does not declare/,
            );
            for (const change of [
                (source: any) => {
                    delete source.props.rootBlockDevice;
                },
                (source: any) => {
                    source.props.ebsBlockDevices[0].encrypted = false;
                },
                (source: any) => {
                    source.props.rootBlockDevice.kmsKeyId = "alias/aws/ebs";
                },
            ]) {
                const source = instance();
                change(source);
                const findings = (await runPolicy(imageKeysCustomerManaged, [kmsKey(), amiFromInstance(), source])).map(detail);
                assert.strictEqual(findings.length, 1, findings.join("\n"));
                assert.match(findings[0], /^sourceInstanceId is builder, whose (rootBlockDevice|ebsBlockDevices\[0\])/);
            }
        });

        it("fails an AMI registered from a snapshot the stack does not copy", async () => {
            const image = registeredAmi();
            image.props.ebsBlockDevices[0].snapshotId = "snap-0fedcba9876543210";
            assert.deepStrictEqual((await runPolicy(imageKeysCustomerManaged, [kmsKey(), image, snapshotCopy()])).map(detail), [
                'ebsBlockDevices[0].snapshotId is "snap-0fedcba9876543210", a snapshot this stack does not copy, so the pack cannot tell which key it is ' +
                    "encrypted with: register the image from an aws.ebs.SnapshotCopy in this stack with encrypted: true and a customer-managed kmsKeyId.",
            ]);
        });
    });

    describe("still passes", () => {
        it("passes the dev program's keys", async () => {
            assert.deepStrictEqual(await runPolicy(imageKeysCustomerManaged, devProgram()), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says a key is unknown at preview (a new key), and blocks the same copy once its key resolves to one the stack does not declare", async () => {
            const pendingKey = kmsKey();
            pendingKey.outputs = { arn: UNKNOWN, keyId: UNKNOWN, id: UNKNOWN };
            const copy = amiCopy();
            copy.props.kmsKeyId = KEY_ARN;
            assert.deepStrictEqual(
                (await runPolicy(imageKeysCustomerManaged, [pendingKey, copy])).map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check whether al2023-base-us-east-1-copy.kmsKeyId is a key the stack declares: value unknown until apply"]],
            );
            copy.props.kmsKeyId = RESOLVED_AWS_KEY;
            assert.deepStrictEqual(
                (await runPolicy(imageKeysCustomerManaged, [kmsKey(), copy])).map(d => d.level),
                ["mandatory"],
            );
        });
    });
});
