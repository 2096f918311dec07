// image-builds-use-stack-distributions: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import { imageBuildsUseStackDistributions } from "../../policy/policies";
import { distributionConfiguration, image, imagePipeline, regionalProvider } from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("image-builds-use-stack-distributions", () => {
    describe("blocks", () => {
        it("fails an Image or pipeline that distributes through a configuration the stack does not declare, and passes the declared one", async () => {
            assert.deepStrictEqual(await runPolicy(imageBuildsUseStackDistributions, [image(), imagePipeline(), distributionConfiguration()]), []);
            const foreign = "arn:aws:imagebuilder:us-east-1:999999999999:distribution-configuration/everyone";
            for (const build of [image(), imagePipeline()]) {
                build.props.distributionConfigurationArn = foreign;
                const diagnostics = await runPolicy(imageBuildsUseStackDistributions, [build, distributionConfiguration()]);
                assert.deepStrictEqual(diagnostics.map(detail), [
                    `distributionConfigurationArn is "${foreign}", a distribution configuration this stack does not declare, so the pack cannot see ` +
                        "which accounts, regions or buckets it sends the image to, nor how it is encrypted and tagged: declare the " +
                        "aws.imagebuilder.DistributionConfiguration in this stack and pass its arn.",
                ]);
                assert.strictEqual(diagnostics[0].urn, `urn:pulumi:dev::golden-ami::${build.type}::${build.name}`);
            }
        });

        it("fails an Image or pipeline that runs a workflow the stack does not declare and AWS does not own; passes declared and AWS-managed ones", async () => {
            const declaredArn = "arn:aws:imagebuilder:us-east-1:111111111111:workflow/distribution/distribute/1.0.0/1";
            const declared: ResourceFixture = {
                type: "aws:imagebuilder/workflow:Workflow",
                name: "distribute",
                provider: regionalProvider(),
                props: { name: "distribute", version: "1.0.0", type: "DISTRIBUTION", data: "name: distribute\nschemaVersion: 1.0\nsteps: []\n" },
                outputs: { arn: declaredArn },
            };
            const awsOwned = [
                "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0",
                "arn:aws-us-gov:imagebuilder:us-gov-west-1:aws:workflow/test/test-image/x.x.x",
            ];
            for (const build of [image(), imagePipeline()]) {
                build.props.workflows = [...awsOwned, ` ${declaredArn.toUpperCase()} `].map(workflowArn => ({ workflowArn }));
                assert.deepStrictEqual(await runPolicy(imageBuildsUseStackDistributions, [build, distributionConfiguration(), declared]), [], build.type);
            }
            const foreign = "arn:aws:imagebuilder:us-east-1:999999999999:workflow/distribution/share-everywhere/1.0.0/1";
            for (const workflows of [[{ workflowArn: awsOwned[0] }, { workflowArn: foreign }], { workflowArn: foreign }]) {
                const build = image();
                build.props.workflows = workflows;
                const diagnostics = await runPolicy(imageBuildsUseStackDistributions, [build, distributionConfiguration(), declared]);
                const index = Array.isArray(workflows) ? 1 : 0;
                assert.deepStrictEqual(
                    diagnostics.map(detail),
                    [
                        `workflows[${index}].workflowArn is "${foreign}", a workflow this stack does not declare and AWS does not own, so the pack cannot see ` +
                            "whether it shares, distributes, encrypts or tags the image: declare the aws.imagebuilder.Workflow in this stack " +
                            "(its document is then checked) and pass its arn, or use an AWS-managed workflow.",
                    ],
                    JSON.stringify(workflows),
                );
                assert.strictEqual(diagnostics[0].level, "mandatory");
            }
            const pending = { ...declared, outputs: { arn: UNKNOWN } };
            const build = image();
            build.props.workflows = [{ workflowArn: foreign }];
            assert.deepStrictEqual(
                (await runPolicy(imageBuildsUseStackDistributions, [build, distributionConfiguration(), pending])).map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check whether al2023-base-image.workflows[0].workflowArn is one of the stack's workflows: value unknown until apply"]],
            );
        });
    });

    describe("still passes", () => {
        it("passes builds on the stack's distribution configuration that run AWS-owned workflows", async () => {
            const pipeline = imagePipeline();
            pipeline.props.workflows = [{ workflowArn: "arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0/1" }];
            assert.deepStrictEqual(await runPolicy(imageBuildsUseStackDistributions, [image(), pipeline, distributionConfiguration()]), []);
        });
    });
});
