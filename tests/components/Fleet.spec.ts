import * as assert from "assert";
import { DeclaredResource, imageOutput, nonEmpty, ofType, ProgramRun, referencedBy, runStack, TYPES } from "../helpers";
import { readStackConfig } from "../../tools/engine/stackFile";
import { parseStackConfig } from "../../components/config";

const expectedFleetRegions: Record<string, string[]> = { dev: ["us-east-1", "us-east-1"], prod: ["eu-west-1", "us-east-1"] };

/** The catalog image a fleet's template runs: the template is named `<fleet>-fleet-<region>`. */
function imageOfTemplate(stack: string, template: DeclaredResource) {
    const config = parseStackConfig(readStackConfig(stack), stack);
    const fleet = config.fleets.find(candidate => template.name === `${candidate.name}-fleet-${template.region}`);
    assert.ok(fleet, `no fleet of ${stack} makes ${template.name}`);
    return config.images.find(image => image.name === fleet.image)!;
}

for (const stack of ["dev", "prod"]) {
    describe(`Fleet (${stack})`, () => {
        let run: ProgramRun;
        let templates: DeclaredResource[];
        let groups: DeclaredResource[];
        before(async () => {
            run = await runStack(stack);
            templates = ofType(run, TYPES.launchTemplate);
            groups = ofType(run, TYPES.autoScalingGroup);
        });
        const templateOf = (group: DeclaredResource) => {
            const id = group.inputs.launchTemplate?.id ?? group.inputs.mixedInstancesPolicy?.launchTemplate.launchTemplateSpecification.launchTemplateId;
            return templates.find(template => template.id === id);
        };
        const versionOf = (group: DeclaredResource) =>
            group.inputs.launchTemplate?.version ?? group.inputs.mixedInstancesPolicy?.launchTemplate.launchTemplateSpecification.version;

        it("declares one launch template and one group per fleet region, each in that region's provider", () => {
            assert.deepStrictEqual(templates.map(template => template.region).sort(), expectedFleetRegions[stack]);
            assert.deepStrictEqual(groups.map(group => group.region).sort(), expectedFleetRegions[stack]);
            for (const group of nonEmpty(groups, `${stack} Auto Scaling group`))
                assert.strictEqual(templateOf(group)?.region, group.region, `${group.name} uses its own region's template`);
        });

        it("puts each template on its own region's copy of the golden image", () => {
            for (const template of nonEmpty(templates, `${stack} launch template`)) {
                const amiIds = imageOutput(run, imageOfTemplate(stack, template).name).amiIds;
                assert.strictEqual(template.inputs.imageId, amiIds[template.region!], `${template.name} image`);
            }
        });

        it("pins each group to its template's numbered latest version, never $Latest or $Default", () => {
            for (const group of nonEmpty(groups, `${stack} Auto Scaling group`)) {
                const template = templateOf(group)!;
                assert.strictEqual(versionOf(group), String(template.state.latestVersion), `${group.name} version`);
            }
        });

        it("rolls each group to a new version with a Rolling instance refresh that keeps capacity, without an auto rollback that would restore the new version", () => {
            for (const group of nonEmpty(groups, `${stack} Auto Scaling group`)) {
                const refresh = group.inputs.instanceRefresh;
                assert.strictEqual(refresh.strategy, "Rolling", `${group.name} strategy`);
                assert.ok(refresh.preferences.minHealthyPercentage >= 50, `${group.name} keeps capacity`);
                assert.strictEqual(refresh.preferences.checkpointPercentages.at(-1), 100, `${group.name} checkpoints end at 100`);
                // The provider saves the new version on the group before the refresh starts (terraform-provider-aws#34189).
                assert.strictEqual(refresh.preferences.autoRollback, false, `${group.name} auto rollback would roll back to the new version`);
                assert.ok(Number(refresh.preferences.instanceWarmup) > 0, `${group.name} warms instances up`);
                assert.ok(group.inputs.minSize <= group.inputs.desiredCapacity && group.inputs.desiredCapacity <= group.inputs.maxSize, `${group.name} sizes`);
                assert.ok(group.inputs.healthCheckGracePeriod > 0, `${group.name} health check grace`);
            }
        });

        it("requires IMDSv2, with one hop unless containers need two", () => {
            for (const template of nonEmpty(templates, `${stack} launch template`)) {
                assert.strictEqual(template.inputs.metadataOptions.httpTokens, "required", `${template.name} IMDSv2`);
                assert.strictEqual(template.inputs.metadataOptions.httpPutResponseHopLimit, stack === "prod" ? 2 : 1, `${template.name} hop limit`);
            }
        });

        it("encrypts every volume with the region's image key and gives no instance a public IP", () => {
            for (const template of nonEmpty(templates, `${stack} launch template`)) {
                const image = imageOfTemplate(stack, template);
                const amiIds = imageOutput(run, image.name).amiIds;
                assert.strictEqual(
                    template.inputs.blockDeviceMappings[0].deviceName,
                    image.rootDeviceName,
                    `${template.name} encrypts the image's root device`,
                );
                for (const mapping of template.inputs.blockDeviceMappings) {
                    assert.strictEqual(mapping.ebs.encrypted, "true", `${template.name} ${mapping.deviceName}`);
                    const key = referencedBy(run, mapping.ebs.kmsKeyId);
                    assert.strictEqual(key?.type, TYPES.kmsKey, `${template.name} uses one of our keys`);
                    assert.strictEqual(key.region, template.region, `${template.name}'s key is in its region`);
                    const policy = JSON.parse(key.inputs.policy);
                    assert.match(JSON.stringify(policy), /AWSServiceRoleForAutoScaling/, `${template.name}'s key lets Auto Scaling launch encrypted volumes`);
                }
                assert.ok(amiIds[template.region!]);
                for (const networkInterface of nonEmpty<any>(template.inputs.networkInterfaces, `${template.name} network interface`)) {
                    assert.strictEqual(networkInterface.associatePublicIpAddress, "false", `${template.name} public IP`);
                }
                assert.ok(template.inputs.iamInstanceProfile.arn, `${template.name} instance profile`);
                const userData = /^#!\/bin\/bash/;
                const windowsUserData = /^<powershell>\n[\s\S]*<\/powershell>\n$/;
                const expected = image.platform === "windows" ? windowsUserData : userData;
                assert.match(Buffer.from(template.inputs.userData, "base64").toString(), expected, `${template.name} user data`);
            }
        });

        it("tags instances and volumes at launch with the tag set and the image version", () => {
            for (const template of nonEmpty(templates, `${stack} launch template`)) {
                const kinds = template.inputs.tagSpecifications.map((spec: any) => spec.resourceType).sort();
                assert.deepStrictEqual(kinds, ["instance", "volume"]);
                for (const spec of template.inputs.tagSpecifications) {
                    assert.strictEqual(spec.tags.Version, imageOfTemplate(stack, template).version, `${template.name} ${spec.resourceType} version`);
                    assert.strictEqual(spec.tags.Owner, "platform-team");
                }
            }
            for (const group of nonEmpty(groups, `${stack} Auto Scaling group`)) {
                assert.ok(
                    nonEmpty<any>(group.inputs.tags, `${group.name} tag`).every((tag: any) => tag.propagateAtLaunch === true),
                    `${group.name} propagates its tags`,
                );
                assert.ok(group.inputs.tags.some((tag: any) => tag.key === "Environment" && tag.value === stack));
            }
        });
    });
}

describe("Fleet settings", () => {
    it("runs a mixed instances group with an on-demand base when several instance types are configured", async () => {
        const run = await runStack("prod");
        for (const group of nonEmpty(ofType(run, TYPES.autoScalingGroup), "prod Auto Scaling group")) {
            assert.strictEqual(group.inputs.launchTemplate, undefined, `${group.name} uses the mixed instances policy's template`);
            const policy = group.inputs.mixedInstancesPolicy;
            assert.deepStrictEqual(
                policy.launchTemplate.overrides.map((o: any) => o.instanceType),
                ["m7i.large", "m6i.large", "m7a.large"],
            );
            assert.strictEqual(policy.instancesDistribution.onDemandBaseCapacity, 2);
        }
    });

    it("places groups in the configured subnets, or in a VPC of their own where none are configured", async () => {
        const run = await runStack("prod");
        const groups = ofType(run, TYPES.autoScalingGroup);
        const inRegion = (region: string) => groups.find(group => group.region === region)!;
        assert.deepStrictEqual(inRegion("us-east-1").inputs.vpcZoneIdentifiers, ["subnet-0a1b2c3d4e5f60718", "subnet-0b2c3d4e5f6071829"]);
        const vpcs = ofType(run, "awsx:ec2:Vpc");
        assert.strictEqual(vpcs.length, 1, "only eu-west-1 needs a VPC");
        assert.deepStrictEqual(inRegion("eu-west-1").inputs.vpcZoneIdentifiers, vpcs[0].state.privateSubnetIds);
        assert.strictEqual(vpcs[0].inputs.natGateways.strategy, "Single");
        assert.strictEqual(vpcs[0].inputs.cidrBlock, "10.0.0.0/16", "the configured range, default 10.0.0.0/16");
    });

    it("sends a checkpoint delay only with checkpoints: Auto Scaling refuses a delay without them", async () => {
        const raw = (await import("../../tools/engine/stackFile")).readStackConfig("dev");
        const fleet = (raw.fleets as Record<string, { instanceRefresh: object }>)["al2023-base"];
        const run = await runStack("dev", {
            config: { fleets: { "al2023-base": { ...fleet, instanceRefresh: { ...fleet.instanceRefresh, checkpointPercentages: [] } } } },
        });
        for (const group of ofType(run, TYPES.autoScalingGroup)) {
            assert.deepStrictEqual(group.inputs.instanceRefresh.preferences.checkpointPercentages, [], group.name);
            assert.strictEqual(group.inputs.instanceRefresh.preferences.checkpointDelay, undefined, group.name);
        }
        for (const group of nonEmpty(ofType(await runStack("dev"), TYPES.autoScalingGroup), "dev Auto Scaling group")) {
            assert.strictEqual(group.inputs.instanceRefresh.preferences.checkpointDelay, "0", `${group.name}: dev's configured delay`);
        }
    });

    it("changes every template's image when the stack pins a new version", async () => {
        const raw = (await import("../../tools/engine/stackFile")).readStackConfig("prod");
        const images = raw.images as Record<string, object>;
        const promoteFrom = raw.promoteFrom as { amiIds: object };
        const pin = (version: string, amiId: string) => ({
            images: { ...images, "al2023-base": { ...images["al2023-base"], version } },
            promoteFrom: { ...promoteFrom, amiIds: { ...promoteFrom.amiIds, "al2023-base": amiId } },
        });
        const before = await runStack("prod", { config: pin("1.3.2", "ami-0a0a0a0a0a0a13200") });
        const after = await runStack("prod", { config: pin("1.4.1", "ami-0b0b0b0b0b0b14100") });
        const imageOf = (run: ProgramRun) => Object.fromEntries(ofType(run, TYPES.launchTemplate).map(template => [template.region, template.inputs.imageId]));
        const [was, now] = [imageOf(before), imageOf(after)];
        for (const region of expectedFleetRegions.prod) {
            assert.notStrictEqual(now[region], was[region], `the ${region} template moves to the new image`);
        }
        const versions = ofType(after, TYPES.launchTemplate).flatMap(template => template.inputs.tagSpecifications.map((spec: any) => spec.tags.Version));
        assert.ok(nonEmpty(versions, "launch template Version tag").every(version => version === "1.4.1"));
    });

    it("runs a Windows fleet like a Linux one: IMDSv2, an encrypted /dev/sda1 root, PowerShell user data, and a warm-up and grace period for a Windows boot", async () => {
        const run = await runStack("dev");
        const template = ofType(run, TYPES.launchTemplate).find(candidate => candidate.name === "windows-2022-fleet-us-east-1");
        const group = ofType(run, TYPES.autoScalingGroup).find(candidate => candidate.name === "windows-2022-fleet-us-east-1");
        assert.ok(template && group, "dev runs the windows-2022 fleet");
        assert.strictEqual(template.inputs.metadataOptions.httpTokens, "required");
        assert.deepStrictEqual(
            template.inputs.blockDeviceMappings.map((mapping: any) => [mapping.deviceName, mapping.ebs.encrypted, mapping.ebs.volumeSize]),
            [["/dev/sda1", "true", 50]],
        );
        assert.match(Buffer.from(template.inputs.userData, "base64").toString(), /^<powershell>\n/);
        assert.ok(Number(group.inputs.instanceRefresh.preferences.instanceWarmup) >= 600, "Windows instances take minutes to boot");
        assert.ok(group.inputs.healthCheckGracePeriod >= Number(group.inputs.instanceRefresh.preferences.instanceWarmup), "health checks wait for the boot");
    });
});

describe("Fleet of both architectures", () => {
    const BOTH = { x86_64: "al2023-base", arm64: "al2023-base-arm64" };
    const REGIONS = ["us-east-1", "us-west-2"];
    let run: ProgramRun;
    let templates: DeclaredResource[];
    let groups: DeclaredResource[];
    before(async () => {
        // The first type is arm64: its template is the group's own and keeps the fleet's name.
        run = await runStack("dev", {
            config: { fleets: { web: { images: BOTH, regions: REGIONS, instanceTypes: ["m7g.large", "m7i.large", "c7g.large"], minSize: 2, maxSize: 4 } } },
        });
        templates = ofType(run, TYPES.launchTemplate).filter(template => template.name.startsWith("web-fleet-"));
        groups = ofType(run, TYPES.autoScalingGroup);
    });

    it("declares one launch template per architecture in each fleet region, each on that region's copy of its architecture's image", () => {
        assert.deepStrictEqual(templates.map(template => template.name).sort(), [
            "web-fleet-us-east-1",
            "web-fleet-us-east-1-x86_64",
            "web-fleet-us-west-2",
            "web-fleet-us-west-2-x86_64",
        ]);
        for (const template of templates) {
            const image = template.name.endsWith("-x86_64") ? BOTH.x86_64 : BOTH.arm64;
            assert.strictEqual(
                template.inputs.imageId,
                imageOutput(run, image).amiIds[template.region!],
                `${template.name} runs ${image} of ${template.region}`,
            );
            assert.strictEqual(template.inputs.tags.Version, imageOutput(run, image).version, `${template.name} carries ${image}'s version`);
        }
    });

    it("hardens every template alike: IMDSv2, the root encrypted with the region's key, no public IP, the fleet's user data", () => {
        for (const template of nonEmpty(templates, "web launch template")) {
            assert.strictEqual(template.inputs.metadataOptions.httpTokens, "required", `${template.name} IMDSv2`);
            const [root] = template.inputs.blockDeviceMappings;
            assert.strictEqual(root.deviceName, "/dev/xvda", `${template.name} root device`);
            assert.strictEqual(root.ebs.encrypted, "true", `${template.name} encrypted root`);
            const key = referencedBy(run, root.ebs.kmsKeyId);
            assert.strictEqual(key?.type, TYPES.kmsKey, `${template.name} uses one of our keys`);
            assert.strictEqual(key.region, template.region, `${template.name}'s key is in its region`);
            assert.strictEqual(template.inputs.networkInterfaces[0].associatePublicIpAddress, "false", `${template.name} public IP`);
            assert.match(Buffer.from(template.inputs.userData, "base64").toString(), /^#!\/bin\/bash/, `${template.name} user data`);
        }
    });

    it("gives each instance type of the group its own architecture's template, pinned to that template's numbered latest version", () => {
        assert.deepStrictEqual(groups.map(group => group.name).sort(), ["web-fleet-us-east-1", "web-fleet-us-west-2"]);
        for (const group of groups) {
            const templateNamed = (name: string) => templates.find(template => template.name === name)!;
            const [arm64, x86] = [templateNamed(group.name), templateNamed(`${group.name}-x86_64`)];
            const { launchTemplate } = group.inputs.mixedInstancesPolicy;
            assert.deepStrictEqual(launchTemplate.launchTemplateSpecification, { launchTemplateId: arm64.id, version: String(arm64.state.latestVersion) });
            assert.deepStrictEqual(
                launchTemplate.overrides,
                [
                    { instanceType: "m7g.large", launchTemplateSpecification: { launchTemplateId: arm64.id, version: String(arm64.state.latestVersion) } },
                    { instanceType: "m7i.large", launchTemplateSpecification: { launchTemplateId: x86.id, version: String(x86.state.latestVersion) } },
                    { instanceType: "c7g.large", launchTemplateSpecification: { launchTemplateId: arm64.id, version: String(arm64.state.latestVersion) } },
                ],
                `${group.name} overrides`,
            );
            assert.strictEqual(group.inputs.instanceRefresh.strategy, "Rolling", `${group.name} rolls both templates with one refresh`);
        }
    });

    it("exports the fleet's image and template of each architecture, by region", () => {
        const web = (run.outputs.fleets as Record<string, any>).web;
        assert.strictEqual(web.image, BOTH.arm64, "the image of the first instance type");
        assert.deepStrictEqual(web.images, BOTH);
        const templateId = (name: string) => templates.find(template => template.name === name)!.id;
        assert.deepStrictEqual(web.launchTemplateIdsByArchitecture, {
            "us-east-1": { arm64: templateId("web-fleet-us-east-1"), x86_64: templateId("web-fleet-us-east-1-x86_64") },
            "us-west-2": { arm64: templateId("web-fleet-us-west-2"), x86_64: templateId("web-fleet-us-west-2-x86_64") },
        });
    });

    it("leaves a fleet of one architecture as it was: one template, and overrides that name no template of their own", async () => {
        const prod = await runStack("prod");
        const overrides = ofType(prod, TYPES.autoScalingGroup).flatMap(group => group.inputs.mixedInstancesPolicy.launchTemplate.overrides);
        assert.ok(
            nonEmpty<any>(overrides, "prod override").every(override => Object.keys(override).join() === "instanceType"),
            JSON.stringify(overrides),
        );
        assert.deepStrictEqual(
            ofType(prod, TYPES.launchTemplate)
                .map(template => template.name)
                .sort(),
            ["al2023-base-fleet-eu-west-1", "al2023-base-fleet-us-east-1"],
        );
    });
});
