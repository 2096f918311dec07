// The pack over the real program: every resource each stack declares, under the stack's policy config.
import * as assert from "assert";
import { parseStackConfig, RawStackConfig } from "../../components/config";
import { policies } from "../../policy/policies";
import { generatedVersionLock } from "../../tools/engine/generatedConfig";
import { PolicyVerdict, programResources, runPackOverProgram } from "../../tools/engine/policyRunner";
import { readStackConfig } from "../../tools/engine/stackFile";
import { ProgramRun, runStack, TYPES } from "../helpers";
import { loadPackConfig, runPolicies } from "./harness";

/** A verdict per policy: a check over the verdicts cannot pass for want of any. */
function assertEveryPolicyJudged(verdicts: PolicyVerdict[]): void {
    assert.deepStrictEqual(
        verdicts.map(verdict => verdict.policy),
        policies.map(policy => policy.name),
    );
}

for (const stack of ["dev", "prod"] as const) {
    describe(`the policy pack over the ${stack} program`, () => {
        let run: ProgramRun;
        before(async () => {
            run = await runStack(stack, { preview: true });
        });

        it("finds no mandatory violation in what the stack declares", async () => {
            const verdicts = await runPackOverProgram(run, stack);
            assertEveryPolicyJudged(verdicts);
            const failing = verdicts.filter(verdict => verdict.level === "mandatory" && verdict.violations.length > 0);
            assert.deepStrictEqual(failing, []);
            assert.ok(
                verdicts.every(verdict => verdict.violations.length === 0),
                JSON.stringify(
                    verdicts.filter(v => v.violations.length),
                    null,
                    2,
                ),
            );
        });

        it("finds nothing to say once every value is known (pulumi up): the fleets launch the stack's own images", async () => {
            const up = await runStack(stack);
            const verdicts = await runPackOverProgram(up, stack);
            assertEveryPolicyJudged(verdicts);
            assert.deepStrictEqual(
                verdicts.filter(verdict => verdict.violations.length > 0),
                [],
            );
            // The program does launch instances: the pass above judged its launch templates.
            assert.ok(up.resources.some(resource => resource.type === "aws:ec2/launchTemplate:LaunchTemplate"));
        });

        it("blocks the same program with a public launch permission added", async () => {
            const resources = programResources(run, stack);
            const permission = resources.find(resource => resource.type === TYPES.launchPermission)!;
            resources.push({ ...permission, name: "made-public", urn: `${permission.urn}-public`, props: { imageId: permission.props.imageId, group: "all" } });
            const diagnostics = await runPolicies(resources, loadPackConfig(stack), { stack });
            const publicImages = diagnostics.filter(diagnostic => diagnostic.policy === "no-public-images");
            assert.strictEqual(publicImages.length, 1);
            assert.strictEqual(publicImages[0].level, "mandatory");
        });

        it("flags the same program with the Owner tag stripped from an image copy", async () => {
            const resources = programResources(run, stack);
            const copy = resources.find(resource => resource.type === TYPES.amiCopy)!;
            const { Owner: _stripped, ...tags } = copy.props.tags;
            copy.props = { ...copy.props, tags };
            const diagnostics = await runPolicies(resources, loadPackConfig(stack), { stack });
            const untagged = diagnostics.filter(diagnostic => diagnostic.policy === "images-tagged");
            assert.strictEqual(untagged.length, 1);
            assert.match(untagged[0].message, /Owner/);
            assert.strictEqual(untagged[0].level, "mandatory", "untagged images are blocked in every stack");
        });
    });
}

/** The stack's policy config, adjusted as a team would for a variation: its principals and its hop limit. */
function configFor(stack: "dev" | "prod", raw: RawStackConfig): Record<string, unknown> {
    const parsed = parseStackConfig(raw, stack);
    const config = loadPackConfig(stack) as Record<string, any>;
    const promoting = (raw.sharing as { promotingAccounts?: string[] } | undefined)?.promotingAccounts ?? [];
    return {
        ...config,
        "image-sharing-allow-listed": {
            ...config["image-sharing-allow-listed"],
            allowedAccounts: [...new Set([...parsed.sharing.accounts, ...promoting])],
            allowedOrganizationArns: parsed.sharing.organizationArns,
            allowedOrganizationalUnitArns: parsed.sharing.organizationalUnitArns,
        },
        "image-regions-block-public-sharing": { ...config["image-regions-block-public-sharing"], enforcedByOrganization: !parsed.blockPublicSharing },
        "launch-templates-hardened": { ...config["launch-templates-hardened"], maxHopLimit: parsed.fleets.some(fleet => fleet.containers) ? 2 : 1 },
        "instance-launches-hardened": { ...config["instance-launches-hardened"], maxHopLimit: parsed.fleets.some(fleet => fleet.containers) ? 2 : 1 },
    };
}

describe("the policy pack over realistic variations of the stacks", () => {
    const ORGANIZATION = "arn:aws:organizations::555555555555:organization/o-a1b2c3d4e5";
    const MANY = ["us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-2", "ap-northeast-1"];
    const devImages = readStackConfig("dev").images as Record<string, Record<string, unknown>>;
    const devFleet = (readStackConfig("dev").fleets as Record<string, object>)["al2023-base"];
    const arm64 = devImages["al2023-base-arm64"];
    const BOTH = { x86_64: "al2023-base", arm64: "al2023-base-arm64" };
    const variations: Array<[string, "dev" | "prod", RawStackConfig]> = [
        ["one region, no fleet", "dev", { regions: [], fleets: undefined }],
        [
            "many regions with a fleet in every one, containers on",
            "dev",
            { regions: MANY, fleets: { "al2023-base": { ...devFleet, regions: ["us-east-1", ...MANY], containers: true } } },
        ],
        ["organization-only sharing", "dev", { sharing: { organizationArns: [ORGANIZATION] } }],
        ["no sharing", "prod", { sharing: {} }],
        ["no fleet", "prod", { fleets: undefined }],
        ["a build network", "dev", { build: { subnetId: "subnet-0123456789abcdef0" } }],
        [
            "organization and OU sharing in many regions",
            "prod",
            {
                regions: MANY,
                sharing: {
                    organizationArns: [ORGANIZATION],
                    organizationalUnitArns: ["arn:aws:organizations::555555555555:ou/o-a1b2c3d4e5/ou-ab12-workload1"],
                },
            },
        ],
        // The catalog: another family, arm64 alone, a fleet per image, a layered application image.
        [
            "a second family",
            "dev",
            {
                images: {
                    ...devImages,
                    "ubuntu-2404": {
                        version: "1.0.0",
                        baseImage: "ssm:/aws/service/canonical/ubuntu/server/24.04/stable/current/amd64/hvm/ebs-gp3/ami-id",
                        rootDeviceName: "/dev/sda1",
                    },
                },
            },
        ],
        [
            "arm64 alone, with its fleet",
            "dev",
            {
                images: { "al2023-base-arm64": arm64 },
                fleets: { arm: { image: "al2023-base-arm64", regions: ["us-east-1"], instanceTypes: ["t4g.small", "m7g.large"] } },
            },
        ],
        [
            "a fleet of both architectures in one group",
            "dev",
            { fleets: { web: { images: BOTH, regions: ["us-east-1", "us-west-2"], instanceTypes: ["m7g.large", "m7i.large", "c7g.large"] } } },
        ],
        ["a fleet per image", "dev", { fleets: { "al2023-base": devFleet, arm: { image: "al2023-base-arm64", regions: ["us-east-1", "us-west-2"] } } }],
        [
            "a layered application image that reads its artifact from S3",
            "dev",
            {
                images: {
                    ...devImages,
                    "web-app": {
                        version: "1.0.0",
                        baseImage: "image:al2023-base",
                        artifacts: ["s3://team-artifacts/web-app/"],
                        buildSteps: [{ document: "components/documents/build.yaml" }, { managed: "amazon-cloudwatch-agent-linux", version: "1.x.x" }],
                    },
                },
            },
        ],
    ];
    for (const [what, stack, change] of variations) {
        it(`passes ${stack} with ${what}: no mandatory violation`, async () => {
            const raw = { ...readStackConfig(stack), ...change };
            const run = await runStack(stack, { config: change, preview: true, versionLock: generatedVersionLock(raw, stack === "prod" ? "dev" : stack) });
            const verdicts = await runPackOverProgram(run, stack, configFor(stack, raw));
            assertEveryPolicyJudged(verdicts);
            assert.deepStrictEqual(
                verdicts.filter(verdict => verdict.level === "mandatory" && verdict.violations.length > 0),
                [],
            );
        });
    }

    it("judges every override's template of a fleet of both architectures: passes it pinned and declared, blocks an override moved to $Latest or to a template the stack does not declare", async () => {
        const change = { fleets: { web: { images: BOTH, regions: ["us-east-1"], instanceTypes: ["m7g.large", "m7i.large"] } } };
        const run = await runStack("dev", { config: change });
        const config = configFor("dev", { ...readStackConfig("dev"), ...change });
        const violations = async (resources: ReturnType<typeof programResources>) =>
            (await runPolicies(resources, config, { stack: "dev" })).map(diagnostic => `${diagnostic.policy} (${diagnostic.level})`);
        assert.deepStrictEqual(await violations(programResources(run, "dev")), []);
        const withOverride = (change: (specification: Record<string, unknown>) => void) => {
            const resources = programResources(run, "dev");
            const group = resources.find(resource => resource.type === TYPES.autoScalingGroup && resource.name === "web-fleet-us-east-1")!;
            // The run's inputs and outputs are shared by every call: change copies. Stack policies read the outputs, resource policies the inputs.
            group.props = structuredClone(group.props);
            group.outputs = structuredClone(group.outputs);
            for (const values of [group.props, group.outputs!]) {
                const overrides = values.mixedInstancesPolicy.launchTemplate.overrides;
                assert.strictEqual(overrides.length, 2, "one override per instance type");
                change(overrides[1].launchTemplateSpecification);
            }
            return resources;
        };
        // dev.json keeps asg-launch-template-pinned advisory (prod.json: mandatory); launch-templates-declared blocks in both.
        assert.deepStrictEqual(await violations(withOverride(specification => (specification.version = "$Latest"))), ["asg-launch-template-pinned (advisory)"]);
        assert.deepStrictEqual(await violations(withOverride(specification => (specification.launchTemplateId = "lt-0fedcba9876543210"))), [
            "launch-templates-declared (mandatory)",
        ]);
    });

    it("passes a stack with golden-ami:blockPublicSharing: false under its policy config (enforcedByOrganization), and not without it", async () => {
        const change = { blockPublicSharing: false };
        const run = await runStack("prod", { config: change });
        const config = configFor("prod", { ...readStackConfig("prod"), ...change });
        assert.strictEqual((config["image-regions-block-public-sharing"] as { enforcedByOrganization: boolean }).enforcedByOrganization, true);
        const verdicts = await runPackOverProgram(run, "prod", config);
        assertEveryPolicyJudged(verdicts);
        assert.deepStrictEqual(
            verdicts.filter(verdict => verdict.violations.length > 0),
            [],
        );
        const unconfigured = await runPackOverProgram(run, "prod");
        assert.deepStrictEqual(
            unconfigured.filter(verdict => verdict.violations.length > 0).map(verdict => [verdict.policy, verdict.level]),
            [["image-regions-block-public-sharing", "mandatory"]],
        );
    });
});
