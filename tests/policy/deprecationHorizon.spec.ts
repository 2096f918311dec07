// Class: deprecation that means something, and untagged images blocked in every stack.
import * as assert from "assert";
import { imageBuilderImagesDeprecate, imagesDeprecate, imagesTagged } from "../../policy/policies";
import { ami, amiCopy, amiFromInstance, image, imagePipeline, imageRecipe, inDays, lifecyclePolicy } from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("class: deprecation that means something (images-deprecate, image-builder-images-deprecate)", () => {
    it("passes a deprecation within the horizon, and fails one beyond it (default two years, or the stack's lifecycle)", async () => {
        for (const fixture of [ami, amiCopy, amiFromInstance]) {
            const image = fixture();
            image.props.deprecationTime = inDays(89);
            assert.deepStrictEqual(await runPolicy(imagesDeprecate, [image], { maxDeprecationDays: 90 }), []);
            image.props.deprecationTime = inDays(120);
            assert.deepStrictEqual(await runPolicy(imagesDeprecate, [image]), [], "within the two-year default");
            assert.match((await runPolicy(imagesDeprecate, [image], { maxDeprecationDays: 90 })).map(detail)[0],
                /^deprecationTime is ".*", 119 days from now, beyond this stack's 90-day horizon, which is no deprecation: set it to an RFC 3339 time at most 90 days ahead/);
        }
        const farOff = amiCopy();
        for (const time of [inDays(800), "2099-12-31T23:59:00Z", "2999-01-01T00:00:00+02:00"]) {
            farOff.props.deprecationTime = time;
            assert.match((await runPolicy(imagesDeprecate, [farOff])).map(detail)[0], /beyond this stack's 730-day horizon/, time);
        }
    });

    it("fails a deprecation time that is not an RFC 3339 time", async () => {
        for (const time of ["next year", "2027-01-22", "1798761600", "2027-13-45T00:00:00Z"]) {
            const copy = amiCopy();
            copy.props.deprecationTime = time;
            assert.deepStrictEqual((await runPolicy(imagesDeprecate, [copy])).map(detail),
                [`deprecationTime is ${JSON.stringify(time)}, which is not an RFC 3339 time: set it to an RFC 3339 time at most 730 days ahead (e.g. the build time plus the stack's lifecycle.deprecateAfterDays).`]);
        }
    });

    it("rejects a horizon beyond two years, as the CLI validates config", async () => {
        await assert.rejects(runPolicy(imagesDeprecate, [amiCopy()], { maxDeprecationDays: 3650 }), /images-deprecate: maxDeprecationDays: Must be less than or equal to 730/);
    });

    it("passes a lifecycle policy that selects the image by tag or by recipe name and version", async () => {
        assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), imageRecipe(), lifecyclePolicy()]), []);
        const byRecipe = lifecyclePolicy();
        byRecipe.props.resourceSelection = { recipes: [{ name: "al2023-base", semanticVersion: "1.4.0" }] };
        assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), imageRecipe(), byRecipe]), []);
        // The recipe's ARN names it too, when the recipe is not in the stack.
        assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), byRecipe]), []);
    });

    it("fails a lifecycle policy that selects nothing, or not this image, or deprecates beyond the horizon", async () => {
        const empty = lifecyclePolicy();
        empty.props.resourceSelection = { tagMap: {} };
        const emptyFindings = (await runPolicy(imageBuilderImagesDeprecate, [image(), empty])).map(detail);
        assert.deepStrictEqual(emptyFindings.map(finding => finding.split(":")[0]), [
            "resourceSelection selects no images (no tagMap entries and no recipes), so this lifecycle policy deprecates nothing",
            "no aws.imagebuilder.LifecyclePolicy deprecates images in us-east-1",
        ]);
        const otherTag = lifecyclePolicy();
        otherTag.props.resourceSelection = { tagMap: { GoldenAmiFamily: "ubuntu-base" } };
        const otherRecipe = lifecyclePolicy();
        otherRecipe.props.resourceSelection = { recipes: [{ name: "al2023-base", semanticVersion: "1.3.9" }] };
        for (const lifecycle of [otherTag, otherRecipe]) {
            assert.deepStrictEqual((await runPolicy(imageBuilderImagesDeprecate, [image(), imageRecipe(), lifecycle])).map(detail), [
                "the aws.imagebuilder.LifecyclePolicy in us-east-1 does not select this image: none of its resourceSelection.tagMap entries is among " +
                "the image's tags and none of its resourceSelection.recipes is the image's recipe (name and version): tag the image with a selected tag, or select its recipe.",
            ]);
        }
        const late = lifecyclePolicy();
        late.props.policyDetails[0].filter = { type: "AGE", value: 3, unit: "YEARS" };
        assert.deepStrictEqual((await runPolicy(imageBuilderImagesDeprecate, [image(), late])).map(detail)[0],
            "policyDetails[0].filter deprecates after 3 years, beyond this stack's 730-day horizon, which is no deprecation: lower filter.value so images are deprecated within 730 days.");
    });

    it("says a recipe selection is unknown at preview (a new recipe's ARN), and blocks once it resolves to another recipe", async () => {
        const byRecipe = lifecyclePolicy();
        byRecipe.props.resourceSelection = { recipes: [{ name: "al2023-base", semanticVersion: "1.4.0" }] };
        const pending = image();
        pending.props.imageRecipeArn = UNKNOWN;
        assert.deepStrictEqual((await runPolicy(imageBuilderImagesDeprecate, [pending, byRecipe])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check al2023-base-image.imageRecipeArn, whether a lifecycle policy in us-east-1 selects al2023-base-image: values unknown until apply"],
        ]);
        pending.props.imageRecipeArn = "arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/other/1.0.0";
        assert.deepStrictEqual((await runPolicy(imageBuilderImagesDeprecate, [pending, byRecipe])).map(d => d.level), ["mandatory"]);
    });
});

describe("class: untagged images are blocked in every stack (images-tagged)", () => {
    it("blocks an Image Builder build with no distribution configuration, whose AMI gets no tags, under dev.json too", async () => {
        for (const build of [image(), imagePipeline()]) {
            delete build.props.distributionConfigurationArn;
            const diagnostics = (await runPolicies([build], loadPackConfig("dev"))).filter(d => d.policy === "images-tagged");
            assert.deepStrictEqual(diagnostics.map(d => [d.level, detail(d)]), [["mandatory",
                "distributionConfigurationArn is not set, so the AMI this build makes carries no tags: set it to an aws.imagebuilder.DistributionConfiguration " +
                "whose amiDistributionConfiguration.amiTags carry Name, Owner, Environment, Version."]]);
        }
        const container: ResourceFixture = image();
        delete container.props.distributionConfigurationArn;
        delete container.props.imageRecipeArn;
        container.props.containerRecipeArn = "arn:aws:imagebuilder:us-east-1:111111111111:container-recipe/app/1.0.0";
        assert.deepStrictEqual(await runPolicy(imagesTagged, [container]), []);
    });

    it("blocks a copy with a blank or missing required tag under dev.json", async () => {
        for (const change of [(tags: any) => { delete tags.Owner; }, (tags: any) => { tags.Owner = " "; }]) {
            const copy = amiCopy();
            change(copy.props.tags);
            const diagnostics = (await runPolicies([copy], loadPackConfig("dev"))).filter(d => d.policy === "images-tagged");
            assert.deepStrictEqual(diagnostics.map(d => [d.level, detail(d)]), [["mandatory",
                "tags is missing Owner (blank values count as missing): add them to the resource's tags or to its provider's defaultTags."]]);
        }
    });
});
