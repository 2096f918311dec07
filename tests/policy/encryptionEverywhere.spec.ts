// Class: encryption everywhere an image can come from, customer-managed keys only, however a key is written.
import * as assert from "assert";
import { imageKeysCustomerManaged, imagesEncryptedWithCmk } from "../../policy/policies";
import {
    ami, amiCopy, amiFromInstance, devProgram, distributionConfiguration, HOME_REGION, imageRecipe, instance, KEY_ARN, kmsKey, snapshotCopy,
} from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const AWS_MANAGED = ["alias/aws/ebs", "ALIAS/AWS/EBS", "aws/ebs", " alias/aws/ebs ", `arn:aws:kms:${HOME_REGION}:111111111111:alias/aws/ebs`, "arn:aws-us-gov:kms:us-gov-west-1:111111111111:alias/aws/ebs"];
/** What `aws.kms.getAlias({ name: "alias/aws/ebs" }).targetKeyArn` returns: a key ARN like any other. */
const RESOLVED_AWS_KEY = `arn:aws:kms:${HOME_REGION}:111111111111:key/0000aaaa-12ab-34cd-56ef-1234567890ab`;

function registeredAmi() {
    const image = ami();
    image.props.ebsBlockDevices[0].encrypted = true;
    return image;
}

describe("class: encryption everywhere an image can come from (images-encrypted-with-cmk, image-keys-customer-managed)", () => {
    it("passes every image source under a customer-managed key the stack declares", async () => {
        const resources = [kmsKey(), amiCopy(), snapshotCopy(), registeredAmi(), imageRecipe(), distributionConfiguration(), amiFromInstance(), instance()];
        assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, resources), []);
        assert.deepStrictEqual(await runPolicy(imageKeysCustomerManaged, resources), []);
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
            assert.deepStrictEqual(findings.map(finding => finding.split(" is ")[0]),
                ["kmsKeyId", "kmsKeyId", "blockDeviceMappings[0].ebs.kmsKeyId", "distributions[0].amiDistributionConfiguration.kmsKeyId"], keyId);
            assert.ok(findings.every(finding => finding.includes(`${JSON.stringify(keyId)}, an AWS-managed key`)), keyId);
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

    it("fails a key ARN the stack does not declare (what getAlias returns for aws/ebs) unless externalKeyArns vouches for it", async () => {
        const copy = amiCopy();
        copy.props.kmsKeyId = RESOLVED_AWS_KEY;
        assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [kmsKey(), copy]), [], "a key ARN alone looks customer-managed");
        const diagnostics = await runPolicy(imageKeysCustomerManaged, [kmsKey(), copy]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            `kmsKeyId is "${RESOLVED_AWS_KEY}", a key this stack does not declare, so the pack cannot tell it is customer-managed ` +
            "(aws.kms.getAlias on alias/aws/ebs returns just such a key ARN): encrypt with an aws.kms.Key declared in this stack, " +
            "or list the key's ARN in this policy's externalKeyArns once you have checked it is customer-managed.",
        ]);
        assert.match(diagnostics[0].urn!, /AmiCopy::al2023-base-us-east-1-copy$/);
        assert.deepStrictEqual(await runPolicy(imageKeysCustomerManaged, [kmsKey(), copy], { externalKeyArns: [RESOLVED_AWS_KEY] }), []);
        // The same, written as a bare key id in a recipe and a distribution.
        const recipe = imageRecipe();
        recipe.props.blockDeviceMappings[0].ebs.kmsKeyId = "0000aaaa-12ab-34cd-56ef-1234567890ab";
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].amiDistributionConfiguration.kmsKeyId = "mrk-0000aaaa12ab34cd56ef1234567890ab";
        assert.deepStrictEqual((await runPolicy(imageKeysCustomerManaged, [kmsKey(), recipe, distribution])).map(d => detail(d).split(" is ")[0]),
            ["blockDeviceMappings[0].ebs.kmsKeyId", "distributions[0].amiDistributionConfiguration.kmsKeyId"]);
        // A customer alias can only point at a customer-managed key.
        copy.props.kmsKeyId = "alias/golden-ami/dev/al2023-base";
        assert.deepStrictEqual(await runPolicy(imageKeysCustomerManaged, [copy]), []);
    });

    it("fails an image captured from an instance the stack does not declare, or whose volumes are not under a customer-managed key", async () => {
        const outside = amiFromInstance();
        outside.props.sourceInstanceId = "i-0fedcba9876543210";
        assert.match((await runPolicy(imageKeysCustomerManaged, [outside, instance()])).map(detail)[0],
            /^sourceInstanceId is "i-0fedcba9876543210", an instance this stack does not declare/);
        for (const change of [(source: any) => { delete source.props.rootBlockDevice; }, (source: any) => { source.props.ebsBlockDevices[0].encrypted = false; },
            (source: any) => { source.props.rootBlockDevice.kmsKeyId = "alias/aws/ebs"; }]) {
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

    it("says a key is unknown at preview (a new key), and blocks the same copy once its key resolves to one the stack does not declare", async () => {
        const pendingKey = kmsKey();
        pendingKey.outputs = { arn: UNKNOWN, keyId: UNKNOWN, id: UNKNOWN };
        const copy = amiCopy();
        copy.props.kmsKeyId = KEY_ARN;
        assert.deepStrictEqual((await runPolicy(imageKeysCustomerManaged, [pendingKey, copy])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check whether al2023-base-us-east-1-copy.kmsKeyId is a key the stack declares: value unknown until apply"],
        ]);
        copy.props.kmsKeyId = RESOLVED_AWS_KEY;
        assert.deepStrictEqual((await runPolicy(imageKeysCustomerManaged, [kmsKey(), copy])).map(d => d.level), ["mandatory"]);
    });

    it("passes the dev program's keys", async () => {
        assert.deepStrictEqual(await runPolicy(imageKeysCustomerManaged, devProgram()), []);
    });
});
