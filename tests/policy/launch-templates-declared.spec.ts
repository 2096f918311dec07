// launch-templates-declared: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import { instancesGetNoPublicIp, launchTemplatesDeclared } from "../../policy/policies";
import { computeEnvironment, findings, nodeGroup, spotInstanceRequest, UNDECLARED_TEMPLATE } from "./cases";
import {
    ARM64_TEMPLATE_ID,
    arm64LaunchTemplate,
    autoScalingGroup,
    distributionConfiguration,
    ec2Fleet,
    instance,
    launchConfiguration,
    launchTemplate,
    mixedArchitectureGroup,
    regionalProvider,
    SOURCE_AMI,
    spotFleetRequest,
    subnet,
    SUBNET_ID,
    TEMPLATE_ID,
} from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies, runPolicy } from "./harness";

describe("launch-templates-declared", () => {
    describe("blocks", () => {
        it("requires Spot Instance requests, EKS node groups and Batch compute environments to launch from templates the stack declares", async () => {
            const stack = () => [launchTemplate(), subnet()];
            const launchers = [spotInstanceRequest, nodeGroup, computeEnvironment];
            for (const launcher of launchers) {
                const declared = launcher();
                if (declared.type.includes("spotInstanceRequest")) declared.props.launchTemplate = { id: TEMPLATE_ID, version: "3" };
                assert.deepStrictEqual(await findings(launchTemplatesDeclared, [...stack(), declared]), [], declared.type);
                assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [...stack(), declared]), [], declared.type);
            }
            const cases: Array<[ResourceFixture, string]> = [
                [{ ...spotInstanceRequest(), props: { ...spotInstanceRequest().props, launchTemplate: { id: UNDECLARED_TEMPLATE } } }, "launchTemplate.id"],
                [{ ...nodeGroup(), props: { ...nodeGroup().props, launchTemplate: { id: UNDECLARED_TEMPLATE, version: "1" } } }, "launchTemplate.id"],
                [
                    {
                        ...computeEnvironment(),
                        props: {
                            ...computeEnvironment().props,
                            computeResources: { ...computeEnvironment().props.computeResources, launchTemplate: { launchTemplateId: UNDECLARED_TEMPLATE } },
                        },
                    },
                    "computeResources.launchTemplate.launchTemplateId",
                ],
            ];
            for (const [launcher, field] of cases) {
                assert.deepStrictEqual(
                    await findings(launchTemplatesDeclared, [...stack(), launcher]),
                    [
                        `${field} is "${UNDECLARED_TEMPLATE}", a launch template this stack does not declare, so the pack cannot check its metadata options, ` +
                            "volumes, public IP, user data or image: declare the aws.ec2.LaunchTemplate in this stack and pass its id.",
                    ],
                    launcher.type,
                );
            }
        });

        it("blocks, under dev.json, an Auto Scaling group on a launch configuration the stack does not declare", async () => {
            const group = autoScalingGroup();
            delete group.props.launchTemplate;
            group.props.launchConfiguration = "someone-elses";
            const diagnostics = (await runPolicies([group, launchTemplate(), subnet()], loadPackConfig("dev"))).filter(
                d => d.policy === "launch-templates-declared",
            );
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, detail(d)]),
                [
                    [
                        "mandatory",
                        'launchConfiguration is "someone-elses", a launch configuration this stack does not declare, so the pack cannot check its metadata options, ' +
                            "volumes, public IP or user data: use launchTemplate { id, version } with an aws.ec2.LaunchTemplate declared in this stack.",
                    ],
                ],
            );
            group.props.launchConfiguration = "legacy";
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, [group, launchConfiguration()]), []);
        });

        it("requires a template an Image Builder distribution sets the new image in to be one the stack declares", async () => {
            const distribution = distributionConfiguration();
            distribution.props.distributions[0].launchTemplateConfigurations = [{ launchTemplateId: TEMPLATE_ID, setDefaultVersion: true }];
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, [launchTemplate(), distribution]), []);
            distribution.props.distributions[0].launchTemplateConfigurations.push({ launchTemplateId: UNDECLARED_TEMPLATE });
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, [launchTemplate(), distribution]), [
                `distributions[0].launchTemplateConfigurations[1].launchTemplateId is "${UNDECLARED_TEMPLATE}", a launch template this stack does not declare, ` +
                    "so the pack cannot check the instances it launches from each new image: declare the aws.ec2.LaunchTemplate in this stack and pass its id.",
            ]);
        });

        it("launch-templates-declared blocks a Batch compute environment that launches an image without a launch template", async () => {
            const environment = (computeResources: Record<string, unknown>): ResourceFixture => ({
                type: "aws:batch/computeEnvironment:ComputeEnvironment",
                name: "jobs",
                provider: regionalProvider(),
                props: {
                    type: "MANAGED",
                    computeResources: { type: "EC2", maxVcpus: 16, subnets: [SUBNET_ID], securityGroupIds: ["sg-0123456789abcdef0"], ...computeResources },
                },
            });
            const stack = (...more: ResourceFixture[]) => [launchTemplate(), fixtures.subnet(), ...more];
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, stack(environment({}))), []);
            assert.deepStrictEqual(
                await findings(
                    launchTemplatesDeclared,
                    stack(
                        environment({
                            ec2Configurations: [{ imageType: "ECS_AL2", imageIdOverride: SOURCE_AMI }],
                            launchTemplate: { launchTemplateId: TEMPLATE_ID, version: "3" },
                        }),
                    ),
                ),
                [],
            );
            const cases: Array<[Record<string, unknown>, string]> = [
                [{ ec2Configurations: [{ imageType: "ECS_AL2023", imageIdOverride: SOURCE_AMI }] }, "computeResources.ec2Configurations[0].imageIdOverride"],
                [{ imageId: SOURCE_AMI }, "computeResources.imageId"],
            ];
            for (const [computeResources, field] of cases) {
                assert.deepStrictEqual(await findings(launchTemplatesDeclared, stack(environment(computeResources))), [
                    `${field} is "${SOURCE_AMI}" but computeResources.launchTemplate is not set, so Batch launches the image with its own metadata options ` +
                        "(IMDSv1 allowed), volumes and network settings, which no rule sees: set computeResources.launchTemplate to an aws.ec2.LaunchTemplate declared in this stack.",
                ]);
            }
        });

        it("fails groups, instances and fleets that launch from a template the stack does not declare", async () => {
            assert.deepStrictEqual(await runPolicy(launchTemplatesDeclared, [launchTemplate(), autoScalingGroup(), ec2Fleet(), spotFleetRequest()]), []);
            const group = autoScalingGroup();
            group.props.launchTemplate = { name: "hand-made", version: "1" };
            const fromTemplate = instance();
            fromTemplate.props.launchTemplate = { id: "lt-0fedcba9876543210" };
            const fleet = ec2Fleet();
            fleet.props.launchTemplateConfigs[0].launchTemplateSpecification.launchTemplateId = "lt-0fedcba9876543210";
            const findings = (await runPolicy(launchTemplatesDeclared, [launchTemplate(), group, fromTemplate, fleet])).map(detail);
            assert.deepStrictEqual(
                findings.map(finding => finding.split(", a launch template")[0]),
                [
                    'launchTemplate.name is "hand-made"',
                    'launchTemplate.id is "lt-0fedcba9876543210"',
                    'launchTemplateConfigs[0].launchTemplateSpecification.launchTemplateId is "lt-0fedcba9876543210"',
                ],
            );
            assert.ok(findings[0].endsWith("declare the aws.ec2.LaunchTemplate in this stack and pass its id."));
        });

        it("fails a mixed-architecture group whose arm64 override launches a template the stack does not declare", async () => {
            assert.deepStrictEqual(await runPolicy(launchTemplatesDeclared, [launchTemplate(), arm64LaunchTemplate(), mixedArchitectureGroup()]), []);
            const findings = (await runPolicy(launchTemplatesDeclared, [launchTemplate(), mixedArchitectureGroup()])).map(detail);
            assert.deepStrictEqual(
                findings.map(finding => finding.split(", a launch template")[0]),
                [`mixedInstancesPolicy.launchTemplate.overrides[1].launchTemplateSpecification.launchTemplateId is "${ARM64_TEMPLATE_ID}"`],
            );
        });
    });

    describe("still passes", () => {
        it("passes groups, fleets and node groups that launch from a template the stack declares", async () => {
            const launchers = [autoScalingGroup(), ec2Fleet(), spotFleetRequest(), nodeGroup(), computeEnvironment()];
            assert.strictEqual(launchers.length, 5);
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, [launchTemplate(), ...launchers]), []);
        });

        it("passes a mixed-architecture group whose overrides each launch a template the stack declares", async () => {
            assert.deepStrictEqual(await findings(launchTemplatesDeclared, [launchTemplate(), arm64LaunchTemplate(), mixedArchitectureGroup()]), []);
        });
    });
});
