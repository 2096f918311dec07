import * as assert from "assert";
import { DescribeLaunchTemplateVersionsCommand, LaunchTemplateVersion } from "@aws-sdk/client-ec2";
import { GetParametersByPathCommand } from "@aws-sdk/client-ssm";
import { findImagesInUse } from "../../../../tools/images/aws/inUse";
import { awsError, fakeAws, RegionWorld } from "../fakeAws";

const OLD = "ami-00000001";
const CURRENT = "ami-00000002";
const OURS = [OLD, CURRENT];

function version(number: number, imageId: string, isDefault = false): LaunchTemplateVersion {
    return { VersionNumber: number, DefaultVersion: isDefault, LaunchTemplateData: { ImageId: imageId } };
}

/** Launch template `web` (lt-0web) with these versions; the latest is the highest number. */
function webTemplate(versions: LaunchTemplateVersion[], defaultVersion: number) {
    const latest = Math.max(...versions.map(entry => entry.VersionNumber ?? 0));
    return {
        template: { LaunchTemplateId: "lt-0web", LaunchTemplateName: "web", DefaultVersionNumber: defaultVersion, LatestVersionNumber: latest },
        versions,
    };
}

async function usageIn(world: RegionWorld, ssmPaths: string[] = [], warnings: string[] = []) {
    const aws = fakeAws({ "us-east-1": world }, 1);
    const usage = await findImagesInUse(aws.clientsFor("us-east-1"), OURS, { ssmPaths, warn: message => warnings.push(message) });
    return { usage, aws };
}

describe("images: what counts as in use", () => {
    it("nothing, when no template, group, instance or parameter names the images", async () => {
        const { usage } = await usageIn({ launchTemplates: [webTemplate([version(1, "ami-0fffffff", true)], 1)] });
        assert.deepStrictEqual(usage, {});
    });

    it("an image in a launch template's default version", async () => {
        const { usage } = await usageIn({ launchTemplates: [webTemplate([version(1, OLD, true), version(2, "ami-0fffffff")], 1)] });
        assert.deepStrictEqual(usage, { [OLD]: ["launch template web (lt-0web) $Default version 1"] });
    });

    it("an image in a launch template's latest version", async () => {
        const { usage } = await usageIn({ launchTemplates: [webTemplate([version(1, "ami-0fffffff", true), version(2, CURRENT)], 1)] });
        assert.deepStrictEqual(usage, { [CURRENT]: ["launch template web (lt-0web) $Latest version 2"] });
    });

    it("an image in the launch template version an Auto Scaling group names, neither default nor latest", async () => {
        const { usage } = await usageIn({
            launchTemplates: [webTemplate([version(1, "ami-0fffffff", true), version(2, OLD), version(3, "ami-0eeeeeee")], 1)],
            autoScalingGroups: [{ AutoScalingGroupName: "web-asg", LaunchTemplate: { LaunchTemplateName: "web", Version: "2" } } as never],
        });
        assert.deepStrictEqual(usage, { [OLD]: ["Auto Scaling group web-asg (launch template web (lt-0web) version 2)"] });
    });

    it("an image in a launch template an Auto Scaling group's mixed instances policy overrides with", async () => {
        const { usage } = await usageIn({
            launchTemplates: [
                webTemplate([version(1, "ami-0fffffff", true)], 1),
                {
                    template: { LaunchTemplateId: "lt-0old", LaunchTemplateName: "old", DefaultVersionNumber: 3, LatestVersionNumber: 5 },
                    versions: [version(3, "ami-0bbbbbbb", true), version(4, CURRENT), version(5, "ami-0aaaaaaa")],
                },
            ],
            autoScalingGroups: [
                {
                    AutoScalingGroupName: "mixed-asg",
                    MixedInstancesPolicy: {
                        LaunchTemplate: {
                            LaunchTemplateSpecification: { LaunchTemplateId: "lt-0web" },
                            Overrides: [{ InstanceType: "m7g.large", LaunchTemplateSpecification: { LaunchTemplateId: "lt-0old", Version: "4" } }],
                        },
                    },
                } as never,
            ],
        });
        assert.deepStrictEqual(usage, { [CURRENT]: ["Auto Scaling group mixed-asg (launch template old (lt-0old) version 4)"] });
    });

    it("an image in a launch configuration, named with the Auto Scaling group that uses it", async () => {
        const { usage } = await usageIn({
            launchConfigurations: [
                { LaunchConfigurationName: "legacy", ImageId: OLD } as never,
                { LaunchConfigurationName: "spare", ImageId: CURRENT } as never,
            ],
            autoScalingGroups: [{ AutoScalingGroupName: "legacy-asg", LaunchConfigurationName: "legacy" } as never],
        });
        assert.deepStrictEqual(usage, {
            [OLD]: ["Auto Scaling group legacy-asg (launch configuration legacy)"],
            [CURRENT]: ["launch configuration spare"],
        });
    });

    it("an image a running or stopped instance was launched from, but not a terminated one", async () => {
        const { usage } = await usageIn({
            instances: [
                { InstanceId: "i-0running", ImageId: CURRENT, State: { Name: "running" } },
                { InstanceId: "i-0stopped", ImageId: CURRENT, State: { Name: "stopped" } },
                { InstanceId: "i-0gone", ImageId: OLD, State: { Name: "terminated" } },
            ],
        });
        assert.deepStrictEqual(usage, { [CURRENT]: ["instance i-0running (running)", "instance i-0stopped (stopped)"] });
    });

    it("an image published in an SSM parameter under /golden-ami, however deep", async () => {
        const { usage } = await usageIn({
            parameters: [
                { Name: "/golden-ami/al2023-base/dev/ami-id", Value: CURRENT, DataType: "aws:ec2:image" },
                { Name: "/golden-ami/al2023-base/prod/ami-id", Value: "ami-0fffffff", DataType: "aws:ec2:image" },
                { Name: "/elsewhere/ami-id", Value: OLD },
            ],
        });
        assert.deepStrictEqual(usage, { [CURRENT]: ["SSM parameter /golden-ami/al2023-base/dev/ami-id"] });
    });

    it("an image in a parameter passed with --ssm-path, by name or by path, and warns of one that matches nothing", async () => {
        const warnings: string[] = [];
        const { usage } = await usageIn(
            {
                parameters: [
                    { Name: "/apps/web/ami", Value: OLD },
                    { Name: "/fleet/batch/images", Value: `ami-0fffffff,${CURRENT}` },
                ],
            },
            ["/apps/web/ami", "/fleet", "/typo"],
            warnings,
        );
        assert.deepStrictEqual(usage, {
            [OLD]: ["SSM parameter /apps/web/ami"],
            [CURRENT]: ["SSM parameter /fleet/batch/images"],
        });
        assert.deepStrictEqual(warnings, ["--ssm-path /typo matches no parameter here; images it may point to are not protected by it"]);
    });

    it("sees launch templates spread over several pages, and reads each one's versions", async () => {
        const templates = Array.from({ length: 5 }, (_, index) => ({
            template: { LaunchTemplateId: `lt-0${index}`, LaunchTemplateName: `t${index}`, DefaultVersionNumber: 1, LatestVersionNumber: 1 },
            versions: [version(1, index === 4 ? OLD : "ami-0fffffff", true)],
        }));
        const { usage, aws } = await usageIn({ launchTemplates: templates });
        assert.deepStrictEqual(usage, { [OLD]: ["launch template t4 (lt-04) $Default version 1", "launch template t4 (lt-04) $Latest version 1"] });
        const versionCalls = aws.regions["us-east-1"].ec2.commandCalls(DescribeLaunchTemplateVersionsCommand);
        assert.strictEqual(new Set(versionCalls.map(call => call.args[0].input.LaunchTemplateId)).size, 5);
        assert.ok(
            versionCalls.every(call => call.args[0].input.ResolveAlias === true),
            "templates using resolve:ssm: must be resolved to the image",
        );
    });

    it("sees groups, instances and parameters on the last of several pages", async () => {
        const { usage } = await usageIn({
            launchTemplates: [webTemplate([version(1, "ami-0fffffff", true), version(2, OLD), version(3, "ami-0eeeeeee")], 1)],
            autoScalingGroups: ["a", "b", "c"].map(
                name => ({ AutoScalingGroupName: name, LaunchTemplate: { LaunchTemplateId: "lt-0web", Version: name === "c" ? "2" : "3" } }) as never,
            ),
            instances: ["a", "b", "c"].map(name => ({
                InstanceId: `i-0${name}`,
                ImageId: name === "c" ? CURRENT : "ami-0fffffff",
                State: { Name: "running" as const },
            })),
            parameters: ["a", "b", "c"].map(name => ({ Name: `/golden-ami/${name}/dev/ami-id`, Value: name === "c" ? CURRENT : "ami-0fffffff" })),
        });
        assert.deepStrictEqual(usage, {
            [OLD]: ["Auto Scaling group c (launch template web (lt-0web) version 2)"],
            [CURRENT]: ["SSM parameter /golden-ami/c/dev/ami-id", "instance i-0c (running)"],
        });
    });

    it("fails rather than answer when one of the reads is denied", async () => {
        const aws = fakeAws({ "us-east-1": {} });
        aws.regions["us-east-1"].ssm.on(GetParametersByPathCommand).rejects(awsError("AccessDeniedException"));
        await assert.rejects(
            findImagesInUse(aws.clientsFor("us-east-1"), OURS, { ssmPaths: [], warn: () => undefined }),
            /ssm:GetParametersByPath was denied \(AccessDeniedException\)/,
        );
    });
});
