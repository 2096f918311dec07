import * as assert from "assert";
import { imageBuilderImagesDeprecate, imagesDeprecate } from "../../policy/policies";
import { ami, amiCopy, amiFromInstance, HOME_REGION, image, lifecyclePolicy } from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const FIX = "deprecationTime is not set: set it to an RFC 3339 time at most 730 days ahead (e.g. the build time plus the stack's " +
    "lifecycle.deprecateAfterDays) so the image stops being offered once it is old.";

describe("rule 10: images-deprecate", () => {
    const images: Array<[string, () => ResourceFixture]> = [["aws.ec2.Ami", ami], ["aws.ec2.AmiCopy", amiCopy], ["aws.ec2.AmiFromInstance", amiFromInstance]];
    for (const [type, fixture] of images) {
        it(`passes an ${type} with a deprecationTime and fails one without`, async () => {
            assert.deepStrictEqual(await runPolicy(imagesDeprecate, [fixture()]), []);
            const undeprecated = fixture();
            undeprecated.props.deprecationTime = " ";
            assert.deepStrictEqual((await runPolicy(imagesDeprecate, [undeprecated])).map(detail), [FIX]);
        });
    }

    it("says plainly when deprecationTime is unknown until apply", async () => {
        const copy = amiCopy();
        copy.props.deprecationTime = UNKNOWN;
        assert.deepStrictEqual((await runPolicy(imagesDeprecate, [copy])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check deprecationTime: value unknown until apply"],
        ]);
    });
});

describe("rule 10: image-builder-images-deprecate (stack)", () => {
    it("passes an Image Builder image with a DEPRECATE lifecycle policy in its region", async () => {
        assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), lifecyclePolicy()]), []);
    });

    const NO_POLICY = `no aws.imagebuilder.LifecyclePolicy deprecates images in ${HOME_REGION}: add one there with ` +
        'resourceType "AMI_IMAGE", a policyDetails entry whose action.type is "DEPRECATE", and a resourceSelection that selects this image.';

    it("fails an image with no lifecycle policy, at the image's URN", async () => {
        const diagnostics = await runPolicy(imageBuilderImagesDeprecate, [image()]);
        assert.deepStrictEqual(diagnostics.map(detail), [NO_POLICY]);
        assert.match(diagnostics[0].urn!, /imagebuilder\/image:Image::al2023-base-image$/);
    });

    it("fails when the lifecycle policy only deletes, is disabled, is in another region, or manages containers", async () => {
        const onlyDeletes = lifecyclePolicy();
        onlyDeletes.props.policyDetails.shift();
        const disabled = lifecyclePolicy();
        disabled.props.status = "DISABLED";
        const elsewhere = lifecyclePolicy("us-west-2");
        const containers = lifecyclePolicy();
        containers.props.resourceType = "CONTAINER_IMAGE";
        for (const lifecycle of [onlyDeletes, disabled, elsewhere, containers]) {
            assert.deepStrictEqual((await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle])).map(detail), [NO_POLICY]);
        }
    });

    it("fails a DEPRECATE rule that leaves the distributed AMIs out (includeResources.amis unset, false or \"false\"), at the policy's URN", async () => {
        for (const includeResources of [undefined, {}, { amis: false }, { amis: "false" }, { snapshots: true }]) {
            const lifecycle = lifecyclePolicy();
            lifecycle.props.policyDetails[0].action = { type: "DEPRECATE", ...(includeResources ? { includeResources } : {}) };
            const diagnostics = await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle]);
            assert.deepStrictEqual(diagnostics.map(d => d.urn!.split("::").pop()), ["al2023-base-lifecycle", "al2023-base-image"], JSON.stringify(includeResources));
            assert.match(detail(diagnostics[0]), /^policyDetails\[0\]\.action\.includeResources\.amis is .*, so the rule deprecates Image Builder's record of each image but not the AMI it distributed.*set action\.includeResources\.amis to true\.$/);
            assert.strictEqual(detail(diagnostics[1]), NO_POLICY, "and the image is left with no deprecating policy");
        }
        const asString = lifecyclePolicy();
        asString.props.policyDetails[0].action = { type: "DEPRECATE", includeResources: { amis: "true" } };
        assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), asString]), [], "the provider's string boolean counts");
    });

    it("says plainly when includeResources.amis is unknown until apply", async () => {
        const lifecycle = lifecyclePolicy();
        lifecycle.props.policyDetails[0].action = { type: "DEPRECATE", includeResources: { amis: UNKNOWN } };
        const diagnostics = await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check al2023-base-lifecycle.policyDetails[0].action.includeResources.amis: value unknown until apply"],
        ]);
    });

    it("says plainly when the lifecycle policy's action is unknown until apply", async () => {
        const lifecycle = lifecyclePolicy();
        lifecycle.props.policyDetails = UNKNOWN;
        const diagnostics = await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check al2023-base-lifecycle.policyDetails: value unknown until apply"],
        ]);
        assert.match(diagnostics[0].message, /the stack is checked again with the real values at the end of `pulumi up`$/);
    });

    it("does not apply to a stack without Image Builder images", async () => {
        assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [amiCopy()]), []);
    });
});
