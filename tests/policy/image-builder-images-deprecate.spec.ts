// image-builder-images-deprecate: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import { imageBuilderImagesDeprecate } from "../../policy/policies";
import { exclusions, findings, NO_POLICY } from "./cases";
import { amiCopy, distributionConfiguration, image, imagePipeline, imageRecipe, lifecyclePolicy } from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("image-builder-images-deprecate", () => {
    describe("blocks", () => {
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

        it("requires a lifecycle policy for the images a pipeline builds, as for an Image", async () => {
            assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [imagePipeline(), lifecyclePolicy()]), []);
            assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [imagePipeline()]), [
                'no aws.imagebuilder.LifecyclePolicy deprecates images in us-east-1: add one there with resourceType "AMI_IMAGE", a policyDetails entry ' +
                    'whose action.type is "DEPRECATE", and a resourceSelection that selects this image.',
            ]);
        });

        it("image-builder-images-deprecate does not count a COUNT (or untyped) filter as deprecation within the horizon", async () => {
            for (const filter of [
                { type: "COUNT", value: 1000 },
                { type: "COUNT", value: 3 },
                { value: 30, unit: "DAYS" },
            ]) {
                const lifecycle = lifecyclePolicy();
                lifecycle.props.policyDetails[0].filter = filter;
                const found = await findings(imageBuilderImagesDeprecate, [image(), lifecycle]);
                assert.strictEqual(found.length, 2, JSON.stringify(found));
                assert.match(
                    found[0],
                    /^policyDetails\[0\]\.filter\.type is ("COUNT"|not set), which deprecates by number, not age, .*use an AGE filter \(type "AGE"\)/,
                );
                assert.match(found[1], /^no aws\.imagebuilder\.LifecyclePolicy deprecates images in us-east-1/);
            }
            const lowercase = lifecyclePolicy();
            lowercase.props.policyDetails[0].filter.type = "age";
            assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [image(), lowercase]), []);
        });

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

        it('fails a DEPRECATE rule that leaves the distributed AMIs out (includeResources.amis unset, false or "false"), at the policy\'s URN', async () => {
            for (const includeResources of [undefined, {}, { amis: false }, { amis: "false" }, { snapshots: true }]) {
                const lifecycle = lifecyclePolicy();
                lifecycle.props.policyDetails[0].action = { type: "DEPRECATE", ...(includeResources ? { includeResources } : {}) };
                const diagnostics = await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle]);
                assert.deepStrictEqual(
                    diagnostics.map(d => d.urn!.split("::").pop()),
                    ["al2023-base-lifecycle", "al2023-base-image"],
                    JSON.stringify(includeResources),
                );
                assert.match(
                    detail(diagnostics[0]),
                    /^policyDetails\[0\]\.action\.includeResources\.amis is .*, so the rule deprecates Image Builder's record of each image but not the AMI it distributed.*set action\.includeResources\.amis to true\.$/,
                );
                assert.strictEqual(detail(diagnostics[1]), NO_POLICY, "and the image is left with no deprecating policy");
            }
            const asString = lifecyclePolicy();
            asString.props.policyDetails[0].action = { type: "DEPRECATE", includeResources: { amis: "true" } };
            assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), asString]), [], "the provider's string boolean counts");
        });

        it("fails a lifecycle policy that selects nothing, or not this image, or deprecates beyond the horizon", async () => {
            const empty = lifecyclePolicy();
            empty.props.resourceSelection = { tagMap: {} };
            const emptyFindings = (await runPolicy(imageBuilderImagesDeprecate, [image(), empty])).map(detail);
            assert.deepStrictEqual(
                emptyFindings.map(finding => finding.split(":")[0]),
                [
                    "resourceSelection selects no images (no tagMap entries and no recipes), so this lifecycle policy deprecates nothing",
                    "no aws.imagebuilder.LifecyclePolicy deprecates images in us-east-1",
                ],
            );
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
            assert.deepStrictEqual(
                (await runPolicy(imageBuilderImagesDeprecate, [image(), late])).map(detail)[0],
                "policyDetails[0].filter deprecates after 3 years, beyond this stack's 730-day horizon, which is no deprecation: lower filter.value so images are deprecated within 730 days.",
            );
        });
    });

    describe("still passes", () => {
        it("passes the program's exclusion of pinned AMIs by a keep tag, and an exclusion of other regions", async () => {
            const lifecycle = lifecyclePolicy();
            lifecycle.props.policyDetails[0].exclusionRules = { amis: { tagMap: { GoldenAmiKeep: "true" }, regions: ["eu-north-1"] } };
            lifecycle.props.policyDetails[1].exclusionRules = { amis: { tagMap: { GoldenAmiKeep: "true" }, lastLaunched: { value: 14, unit: "DAYS" } } };
            assert.deepStrictEqual(await findings(imageBuilderImagesDeprecate, [image(), distributionConfiguration(), lifecycle]), []);
        });

        it("passes an Image Builder image with a DEPRECATE lifecycle policy in its region", async () => {
            assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), lifecyclePolicy()]), []);
        });

        it("does not apply to a stack without Image Builder images", async () => {
            assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [amiCopy()]), []);
        });

        it("passes a lifecycle policy that selects the image by tag or by recipe name and version", async () => {
            assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), imageRecipe(), lifecyclePolicy()]), []);
            const byRecipe = lifecyclePolicy();
            byRecipe.props.resourceSelection = { recipes: [{ name: "al2023-base", semanticVersion: "1.4.0" }] };
            assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), imageRecipe(), byRecipe]), []);
            // The recipe's ARN names it too, when the recipe is not in the stack.
            assert.deepStrictEqual(await runPolicy(imageBuilderImagesDeprecate, [image(), byRecipe]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says a DEPRECATE rule's age unknown at preview is unknown, not missing, and blocks it once it resolves beyond the horizon", async () => {
            const lifecycle = lifecyclePolicy();
            lifecycle.props.policyDetails[0].filter.value = UNKNOWN;
            assert.deepStrictEqual(
                (await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle])).map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check al2023-base-lifecycle.policyDetails[0].filter: value unknown until apply"]],
            );
            lifecycle.props.policyDetails[0].filter.value = 1000;
            assert.deepStrictEqual(
                (await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle])).map(d => d.level),
                ["mandatory", "mandatory"],
            );
        });

        it("says plainly when includeResources.amis is unknown until apply", async () => {
            const lifecycle = lifecyclePolicy();
            lifecycle.props.policyDetails[0].action = { type: "DEPRECATE", includeResources: { amis: UNKNOWN } };
            const diagnostics = await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check al2023-base-lifecycle.policyDetails[0].action.includeResources.amis: value unknown until apply"]],
            );
        });

        it("says plainly when the lifecycle policy's action is unknown until apply", async () => {
            const lifecycle = lifecyclePolicy();
            lifecycle.props.policyDetails = UNKNOWN;
            const diagnostics = await runPolicy(imageBuilderImagesDeprecate, [image(), lifecycle]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check al2023-base-lifecycle.policyDetails: value unknown until apply"]],
            );
            assert.match(diagnostics[0].message, /the stack is checked again with the real values at the end of `pulumi up`$/);
        });

        it("says a recipe selection is unknown at preview (a new recipe's ARN), and blocks once it resolves to another recipe", async () => {
            const byRecipe = lifecyclePolicy();
            byRecipe.props.resourceSelection = { recipes: [{ name: "al2023-base", semanticVersion: "1.4.0" }] };
            const pending = image();
            pending.props.imageRecipeArn = UNKNOWN;
            assert.deepStrictEqual(
                (await runPolicy(imageBuilderImagesDeprecate, [pending, byRecipe])).map(d => [d.level, unknownDetail(d)]),
                [
                    [
                        "advisory",
                        "could not check al2023-base-image.imageRecipeArn, whether a lifecycle policy in us-east-1 selects al2023-base-image: values unknown until apply",
                    ],
                ],
            );
            pending.props.imageRecipeArn = "arn:aws:imagebuilder:us-east-1:111111111111:image-recipe/other/1.0.0";
            assert.deepStrictEqual(
                (await runPolicy(imageBuilderImagesDeprecate, [pending, byRecipe])).map(d => d.level),
                ["mandatory"],
            );
        });
    });
});
