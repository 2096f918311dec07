import * as assert from "assert";
import { imagesEncryptedWithCmk } from "../../policy/policies";
import { amiCopy, distributionConfiguration, imageRecipe } from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("rule 6: images-encrypted-with-cmk (AMI copies)", () => {
    it("passes a copy encrypted with a customer-managed key", async () => {
        assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [amiCopy()]), []);
    });

    it("fails a copy that is not encrypted", async () => {
        const copy = amiCopy();
        copy.props.encrypted = false;
        assert.deepStrictEqual((await runPolicy(imagesEncryptedWithCmk, [copy])).map(detail), [
            "encrypted is false: set encrypted: true, with kmsKeyId a customer-managed key in the destination region.",
        ]);
    });

    it("accepts the provider's string boolean \"true\"", async () => {
        const copy = amiCopy();
        copy.props.encrypted = "true";
        assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [copy]), []);
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

    it("says plainly when the key is unknown until apply, and still checks encrypted", async () => {
        const copy = amiCopy();
        copy.props.kmsKeyId = UNKNOWN;
        copy.props.encrypted = false;
        const diagnostics = await runPolicy(imagesEncryptedWithCmk, [copy]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, d.level === "advisory" ? unknownDetail(d) : detail(d)]), [
            ["mandatory", "encrypted is false: set encrypted: true, with kmsKeyId a customer-managed key in the destination region."],
            ["advisory", "could not check kmsKeyId: value unknown until apply"],
        ]);
    });
});

describe("rule 6: images-encrypted-with-cmk (Image Builder recipes)", () => {
    it("passes a recipe whose EBS volumes are encrypted with a customer-managed key", async () => {
        assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [imageRecipe()]), []);
    });

    it("fails ebs.encrypted other than \"true\" (a string in the provider)", async () => {
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

    it("says plainly when ebs.encrypted is unknown until apply", async () => {
        const recipe = imageRecipe();
        recipe.props.blockDeviceMappings[0].ebs.encrypted = UNKNOWN;
        const diagnostics = await runPolicy(imagesEncryptedWithCmk, [recipe]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check blockDeviceMappings[0].ebs.encrypted: value unknown until apply"],
        ]);
    });

    it("says the mappings are unknown, rather than that there are none, when the list is unknown", async () => {
        const recipe = imageRecipe();
        recipe.props.blockDeviceMappings = UNKNOWN;
        const diagnostics = await runPolicy(imagesEncryptedWithCmk, [recipe]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check blockDeviceMappings: value unknown until apply"],
        ]);
    });
});

describe("rule 6: images-encrypted-with-cmk (Image Builder distributions)", () => {
    it("passes a distribution with a customer-managed kmsKeyId", async () => {
        assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [distributionConfiguration()]), []);
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

    it("skips container distributions, which make no AMI", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions.push({ region: "us-west-2", containerDistributionConfiguration: { targetRepository: { repositoryName: "r", service: "ECR" } } });
        assert.deepStrictEqual(await runPolicy(imagesEncryptedWithCmk, [distribution]), []);
    });

    it("says plainly when the distribution's key is unknown until apply", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].amiDistributionConfiguration.kmsKeyId = UNKNOWN;
        const diagnostics = await runPolicy(imagesEncryptedWithCmk, [distribution]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check distributions[0].amiDistributionConfiguration.kmsKeyId: value unknown until apply"],
        ]);
    });
});
