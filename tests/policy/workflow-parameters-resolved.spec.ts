// workflow-parameters-resolved: a workflow value taken from a workflow parameter is resolved from what the stack's builds pass,
// and judged like a written-out one; a value that cannot be resolved is refused.
import * as assert from "assert";
import { imageRegionsBlockPublicSharing, imageSharingAllowListed, workflowParametersResolved } from "../../policy/policies";
import { findings } from "./cases";
import { blockPublicAccess, image, imagePipeline, imageTags, KEY_ARN, kmsKey, regionalProvider } from "./fixtures";
import { ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const WORKFLOW_ARN = "arn:aws:imagebuilder:us-east-1:111111111111:workflow/distribution/distribute/1.0.0/1";
const CONFIG = { allowedAccounts: ["222222222222"] };
const TAGS = "{ Name: al2023-base, Owner: platform-team, Environment: dev, Version: 1.4.0 }";

/** A distribution workflow whose steps take the given fields, declaring `parameters` (YAML list items). */
function parameterised(distribution: string, launchPermission = "", parameters = ""): ResourceFixture {
    const share = launchPermission
        ? "  - name: Share\n    action: ModifyImageAttributes\n    onFailure: Abort\n    inputs:\n      distributedImages.$: $.stepOutputs.Distribute.distributedImages\n" +
          `      attributes:\n        - region: us-east-1\n          launchPermission:\n${launchPermission}`
        : "";
    return {
        type: "aws:imagebuilder/workflow:Workflow",
        name: "distribute",
        provider: regionalProvider(),
        props: {
            name: "distribute",
            version: "1.0.0",
            type: "DISTRIBUTION",
            tags: imageTags(),
            data:
                `name: distribute\nschemaVersion: 1.0\nparameters:\n${parameters || "  - name: key\n    type: string\n"}steps:\n` +
                `  - name: Distribute\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions:\n        - region: us-east-1\n${distribution}${share}`,
        },
        outputs: { arn: WORKFLOW_ARN, id: WORKFLOW_ARN },
    };
}

/** The stack's build running the workflow with these parameter values. */
function runs(parameters: Record<string, unknown>, build = image()): ResourceFixture {
    build.props.workflows = [{ workflowArn: WORKFLOW_ARN, parameters: Object.entries(parameters).map(([name, value]) => ({ name, value })) }];
    return build;
}

const keyed = (more = "") => `          kmsKeyId.$: $.parameters.key\n          amiTags: ${TAGS}\n${more}`;

describe("workflow-parameters-resolved", () => {
    describe("blocks", () => {
        it("judges a key passed by the build like a written-out one: AWS-managed, or not declared by the stack", async () => {
            const aws = await findings(workflowParametersResolved, [kmsKey(), parameterised(keyed()), runs({ key: "alias/aws/ebs" })], CONFIG);
            assert.strictEqual(aws.length, 1, JSON.stringify(aws));
            assert.match(
                aws[0],
                /^with the parameters al2023-base-image passes \(key = "alias\/aws\/ebs"\): data: steps\[0\]\.inputs\.distributions\[0\]\.kmsKeyId is "alias\/aws\/ebs", an AWS-managed key.* \(images-encrypted-with-cmk\)$/,
            );
            const outside = "arn:aws:kms:us-east-1:999999999999:key/0b9f4c1e-0000-4000-8000-000000000000";
            const undeclared = await findings(workflowParametersResolved, [kmsKey(), parameterised(keyed()), runs({ key: outside })], CONFIG);
            assert.strictEqual(undeclared.length, 1, JSON.stringify(undeclared));
            assert.match(undeclared[0], /a DistributeImage kmsKeyId is "arn:aws:kms:us-east-1:999999999999:key\/.*", a key this stack does not declare/);
        });

        it("judges accounts, groups, tags and whole blocks passed by the build against the allow-lists, the public group and the required tags", async () => {
            const accounts = "  - name: key\n    type: string\n  - name: accounts\n    type: stringList\n";
            const cases: Array<[ResourceFixture, Record<string, unknown>, RegExp]> = [
                [
                    parameterised(keyed(), "            userIds.$: $.parameters.accounts\n", accounts),
                    { key: KEY_ARN, accounts: '["222222222222", "999999999999"]' },
                    /launchPermission\.userIds\[1\] is "999999999999", which is not allow-listed.*\(image-sharing-allow-listed\)$/,
                ],
                [
                    parameterised(
                        keyed(),
                        "            userGroups.$: $.parameters.groups\n",
                        "  - name: key\n    type: string\n  - name: groups\n    type: stringList\n",
                    ),
                    { key: KEY_ARN, groups: "all" },
                    /launchPermission\.userGroups is \["all"\], which makes every image this workflow distributes public.*\(no-public-images\)$/,
                ],
                [
                    parameterised(
                        "          kmsKeyId.$: $.parameters.key\n          amiTags.$: $.parameters.tags\n",
                        "",
                        "  - name: key\n    type: string\n  - name: tags\n    type: string\n",
                    ),
                    { key: KEY_ARN, tags: '{"Name": "al2023-base", "Environment": "dev", "Version": "1.4.0"}' },
                    /amiTags is missing Owner .*\(images-tagged\)$/,
                ],
                [
                    parameterised(keyed("          targetAccountIds.$: $.parameters.accounts\n"), "", accounts),
                    { key: KEY_ARN, accounts: "999999999999" },
                    /targetAccountIds\[0\] is "999999999999", which is not allow-listed/,
                ],
            ];
            for (const [workflow, parameters, expected] of cases) {
                const found = await findings(workflowParametersResolved, [kmsKey(), workflow, runs(parameters)], CONFIG);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], expected);
            }
            // A whole distributions block passed as JSON.
            const whole: ResourceFixture = parameterised("", "", "  - name: targets\n    type: string\n");
            whole.props.data = whole.props.data.replace("      distributions:\n        - region: us-east-1\n", "      distributions.$: $.parameters.targets\n");
            const targets = JSON.stringify([{ region: "us-east-1", kmsKeyId: KEY_ARN, amiTags: imageTags(), targetAccountIds: ["999999999999"] }]);
            const found = await findings(workflowParametersResolved, [kmsKey(), whole, runs({ targets })], CONFIG);
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(found[0], /distributions\[0\]\.targetAccountIds\[0\] is "999999999999", which is not allow-listed/);
        });

        it("refuses a parameter the build does not pass and the document gives no default, and a workflow no build of the stack runs", async () => {
            const unpassed = await findings(workflowParametersResolved, [kmsKey(), parameterised(keyed()), runs({})], CONFIG);
            assert.deepStrictEqual(unpassed, [
                'data: steps[0].inputs.distributions[0].kmsKeyId.$ takes workflow parameter "key", which al2023-base-image does not pass and the document gives no default, ' +
                    "so the pack cannot tell its value: pass it in the build's workflows[].parameters, give it a default, or write the value out in the document.",
            ]);
            const unrun = await findings(workflowParametersResolved, [kmsKey(), parameterised(keyed()), image()], CONFIG);
            assert.strictEqual(unrun.length, 1);
            assert.match(
                unrun[0],
                /^data takes values from workflow parameters .*no aws\.imagebuilder\.Image or ImagePipeline of this stack runs this workflow/,
            );
        });

        it("image-regions-block-public-sharing resolves a DistributeImage region from the build's parameters, and reports one it cannot resolve", async () => {
            const regional = parameterised(
                `          region.$: $.parameters.region\n          kmsKeyId: ${KEY_ARN}\n`,
                "",
                "  - name: region\n    type: string\n",
            );
            regional.props.data = regional.props.data.replace("        - region: us-east-1\n", "        - amiTags: {}\n");
            const blocked = [blockPublicAccess(), blockPublicAccess("us-west-2")];
            assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [...blocked, regional, runs({ region: "us-west-2" })]), []);
            const unblocked = await findings(imageRegionsBlockPublicSharing, [...blocked, regional, runs({ region: "eu-west-1" })]);
            assert.strictEqual(unblocked.length, 1, JSON.stringify(unblocked));
            assert.match(unblocked[0], /of workflow distribute is in eu-west-1, but the stack has no aws\.ec2\.ImageBlockPublicAccess/);
            const unresolved = await findings(imageRegionsBlockPublicSharing, [...blocked, regional, runs({})]);
            assert.ok(
                unresolved.some(message => /^cannot tell which region .* of workflow distribute is in/.test(message)),
                JSON.stringify(unresolved),
            );
        });
    });

    describe("still passes", () => {
        it("passes values the builds pass that the rules allow, a default the build does not override, and a pipeline that runs the workflow", async () => {
            const accounts = "  - name: key\n    type: string\n  - name: accounts\n    type: stringList\n    default: ['222222222222']\n";
            const workflow = parameterised(keyed(), "            userIds.$: $.parameters.accounts\n", accounts);
            assert.deepStrictEqual(await findings(workflowParametersResolved, [kmsKey(), workflow, runs({ key: KEY_ARN })], CONFIG), []);
            assert.deepStrictEqual(
                await findings(workflowParametersResolved, [kmsKey(), workflow, runs({ key: KEY_ARN, accounts: "222222222222" }, imagePipeline())], CONFIG),
                [],
            );
            // The same document is found wanting when the pipeline passes an outsider: the pass is not for want of reading it.
            assert.strictEqual(
                (await findings(workflowParametersResolved, [kmsKey(), workflow, runs({ key: KEY_ARN, accounts: "999999999999" }, imagePipeline())], CONFIG))
                    .length,
                1,
            );
        });

        it("leaves documents without parameters, and what the rules already say of the written document, to the other rules", async () => {
            const written = parameterised(`          kmsKeyId: ${KEY_ARN}\n          amiTags: ${TAGS}\n          targetAccountIds: ["999999999999"]\n`);
            assert.deepStrictEqual(await findings(workflowParametersResolved, [kmsKey(), written, runs({})], CONFIG), []);
            // With a parameter, the document is replayed: the outsider written in it is still the other rules' to report.
            const writtenAndParameterised = parameterised(keyed('          targetAccountIds: ["999999999999"]\n'));
            assert.deepStrictEqual(await findings(workflowParametersResolved, [kmsKey(), writtenAndParameterised, runs({ key: KEY_ARN })], CONFIG), []);
        });

        it("reads a document whose YAML alias makes a step its own descendant, instead of failing the preview", async () => {
            const looped = parameterised(keyed());
            looped.props.data += "  - &loop\n    name: Loop\n    action: WaitForAction\n    inputs:\n      again: *loop\n";
            assert.deepStrictEqual(await findings(workflowParametersResolved, [kmsKey(), looped, runs({ key: KEY_ARN })], CONFIG), []);
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [looped], CONFIG), [], "its commands are read once each");
        });

        it("says what it could not check while a passed value is unknown until apply", async () => {
            const diagnostics = await runPolicy(workflowParametersResolved, [kmsKey(), parameterised(keyed()), runs({ key: UNKNOWN })], CONFIG);
            assert.strictEqual(diagnostics.length, 1);
            assert.strictEqual(diagnostics[0].level, "advisory");
            assert.match(unknownDetail(diagnostics[0]), /parameter key that al2023-base-image passes to distribute/);
        });
    });
});
