// asg-launch-template-pinned: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import { asgLaunchTemplatePinned } from "../../policy/policies";
import { PIN } from "./cases";
import { arm64LaunchTemplate, autoScalingGroup, ec2Fleet, launchTemplate, mixedArchitectureGroup, spotFleetRequest } from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("asg-launch-template-pinned", () => {
    describe("blocks", () => {
        it("fails an EC2 Fleet or Spot Fleet on $Latest or $Default, and passes one on a numbered version", async () => {
            assert.deepStrictEqual(await runPolicy(asgLaunchTemplatePinned, [ec2Fleet(), spotFleetRequest()]), []);
            for (const version of ["$Latest", "$Default"]) {
                const fleets = [ec2Fleet(), spotFleetRequest()];
                for (const fleet of fleets) fleet.props.launchTemplateConfigs[0].launchTemplateSpecification.version = version;
                assert.deepStrictEqual(
                    (await runPolicy(asgLaunchTemplatePinned, fleets)).map(detail),
                    fleets.map(
                        () =>
                            `launchTemplateConfigs[0].launchTemplateSpecification.version is "${version}", which floats and triggers no instance refresh: ${PIN}`,
                    ),
                );
            }
        });

        it("fails $Latest and $Default, which float and trigger no instance refresh", async () => {
            for (const version of ["$Latest", "$Default"]) {
                const group = autoScalingGroup();
                group.props.launchTemplate.version = version;
                assert.deepStrictEqual((await runPolicy(asgLaunchTemplatePinned, [group])).map(detail), [
                    `launchTemplate.version is "${version}", which floats and triggers no instance refresh: ${PIN}`,
                ]);
            }
        });

        it("fails a launch template without a version", async () => {
            const group = autoScalingGroup();
            delete group.props.launchTemplate.version;
            assert.deepStrictEqual((await runPolicy(asgLaunchTemplatePinned, [group])).map(detail), [
                `launchTemplate.version is not set, so EC2 launches the template's $Default version: ${PIN}`,
            ]);
        });

        it("fails a launch configuration", async () => {
            const group = autoScalingGroup();
            delete group.props.launchTemplate;
            group.props.launchConfiguration = "web-lc";
            assert.deepStrictEqual((await runPolicy(asgLaunchTemplatePinned, [group])).map(detail), [
                "launchConfiguration is set: AWS has deprecated launch configurations and they get no new instance types or features; " +
                    "use launchTemplate { id, version } with a pinned version instead.",
            ]);
        });

        it("fails a group with no launch template at all", async () => {
            const group = autoScalingGroup();
            delete group.props.launchTemplate;
            assert.deepStrictEqual((await runPolicy(asgLaunchTemplatePinned, [group])).map(detail), [
                "no launch template is set: set launchTemplate { id, version } " +
                    "(or mixedInstancesPolicy.launchTemplate.launchTemplateSpecification) with a pinned version.",
            ]);
        });

        it("checks a mixed instances policy's launch template and its overrides", async () => {
            const group = autoScalingGroup();
            delete group.props.launchTemplate;
            group.props.mixedInstancesPolicy = {
                launchTemplate: {
                    launchTemplateSpecification: { launchTemplateId: "lt-0123456789abcdef0", version: "3" },
                    overrides: [
                        { instanceType: "t3.large" },
                        { instanceType: "m7g.large", launchTemplateSpecification: { launchTemplateId: "lt-1", version: "$Latest" } },
                    ],
                },
            };
            assert.deepStrictEqual((await runPolicy(asgLaunchTemplatePinned, [group])).map(detail), [
                `mixedInstancesPolicy.launchTemplate.overrides[1].launchTemplateSpecification.version is "$Latest", which floats and triggers no instance refresh: ${PIN}`,
            ]);
            group.props.mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.version = "$Default";
            group.props.mixedInstancesPolicy.launchTemplate.overrides.pop();
            assert.deepStrictEqual((await runPolicy(asgLaunchTemplatePinned, [group])).map(detail), [
                `mixedInstancesPolicy.launchTemplate.launchTemplateSpecification.version is "$Default", which floats and triggers no instance refresh: ${PIN}`,
            ]);
        });

        it("fails a mixed-architecture group whose override launches its architecture's template on $Latest, or on no version, though the group's own template is pinned", async () => {
            const overrides = "mixedInstancesPolicy.launchTemplate.overrides[1].launchTemplateSpecification.version";
            const floating = mixedArchitectureGroup();
            floating.props.mixedInstancesPolicy.launchTemplate.overrides[1].launchTemplateSpecification.version = "$Latest";
            assert.deepStrictEqual((await runPolicy(asgLaunchTemplatePinned, [launchTemplate(), arm64LaunchTemplate(), floating])).map(detail), [
                `${overrides} is "$Latest", which floats and triggers no instance refresh: ${PIN}`,
            ]);
            const unversioned = mixedArchitectureGroup();
            delete unversioned.props.mixedInstancesPolicy.launchTemplate.overrides[1].launchTemplateSpecification.version;
            assert.deepStrictEqual((await runPolicy(asgLaunchTemplatePinned, [launchTemplate(), arm64LaunchTemplate(), unversioned])).map(detail), [
                `${overrides} is not set, so EC2 launches the template's $Default version: ${PIN}`,
            ]);
        });

        it("fails a template image id that floats (resolve:ssm: without a version), and passes a pinned parameter version", async () => {
            for (const imageId of ["resolve:ssm:/golden-ami/al2023-base/dev/ami-id", "RESOLVE:SSM:/golden-ami/al2023-base/dev/ami-id:stable"]) {
                const template = launchTemplate();
                template.props.imageId = imageId;
                assert.match(
                    (await runPolicy(asgLaunchTemplatePinned, [template])).map(detail)[0] ?? "",
                    /^imageId is .*, which EC2 resolves at every launch/,
                    imageId,
                );
            }
            const pinned = launchTemplate();
            pinned.props.imageId = "resolve:ssm:/golden-ami/al2023-base/dev/ami-id:7";
            assert.deepStrictEqual(await runPolicy(asgLaunchTemplatePinned, [pinned, launchTemplate()]), []);
        });
    });

    describe("still passes", () => {
        it("passes a group on a launch template at a numbered version", async () => {
            assert.deepStrictEqual(await runPolicy(asgLaunchTemplatePinned, [autoScalingGroup()]), []);
        });

        it("passes a mixed-architecture group whose overrides each launch their architecture's template at a numbered version", async () => {
            const group = mixedArchitectureGroup();
            assert.deepStrictEqual(
                group.props.mixedInstancesPolicy.launchTemplate.overrides.map((override: any) => override.launchTemplateSpecification.launchTemplateId),
                [launchTemplate().outputs!.id, arm64LaunchTemplate().outputs!.id],
                "the fixture runs two templates",
            );
            assert.deepStrictEqual(await runPolicy(asgLaunchTemplatePinned, [launchTemplate(), arm64LaunchTemplate(), group]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly when the version is unknown until apply (a new template's latestVersion)", async () => {
            const group = autoScalingGroup();
            group.props.launchTemplate.version = UNKNOWN;
            const diagnostics = await runPolicy(asgLaunchTemplatePinned, [group]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check launchTemplate.version: value unknown until apply"]],
            );
        });
    });
});
