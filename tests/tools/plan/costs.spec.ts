// The plan's monthly costs for what Windows adds: the license on its instances, and Fast Launch's snapshots.
import * as assert from "assert";
import { DeclaredResource, ProgramRun } from "../../../tools/engine/mockRun";
import { RESOURCE_TYPES } from "../../../tools/engine/resourceTypes";
import { estimateCosts, PRICES, PriceTable, vcpusOf } from "../../../tools/plan/costs";

const PRICES_FOR_TEST: PriceTable = {
    ...PRICES,
    instanceHourly: { "us-east-1": { "m7i.large": 0.1, "m7i.2xlarge": 0.4 } },
    windowsLicenseVcpuHourly: 0.05,
    ebsSnapshotGbMonth: { "us-east-1": 0.05 },
};

function resource(type: string, name: string, fields: Partial<DeclaredResource>): DeclaredResource {
    return {
        type,
        name,
        custom: true,
        inputs: {},
        id: `${name}-id`,
        state: {},
        region: "us-east-1",
        urn: `urn:${name}`,
        options: {},
        ...fields,
    } as DeclaredResource;
}

/** A fleet of `desired` instances of `instanceType` whose launch template carries `userData`. */
function fleet(name: string, instanceType: string, userData: string, desired = 2): DeclaredResource[] {
    return [
        resource(RESOURCE_TYPES.launchTemplate, name, { id: `lt-${name}`, inputs: { instanceType, userData: Buffer.from(userData).toString("base64") } }),
        resource(RESOURCE_TYPES.autoScalingGroup, name, { inputs: { desiredCapacity: desired, launchTemplate: { id: `lt-${name}`, version: "1" } } }),
    ];
}

const run = (resources: DeclaredResource[]): ProgramRun => ({ resources, dataSources: [], outputs: {} });

describe("plan costs: Windows", () => {
    it("adds Windows Server's license by the vCPU-hour to a fleet whose user data is a PowerShell script, and not to a Linux one", () => {
        const lines = estimateCosts(
            run([
                ...fleet("windows", "m7i.2xlarge", "<powershell>\nWrite-Output up\n</powershell>\n"),
                ...fleet("linux", "m7i.2xlarge", "#!/bin/bash\ntrue\n"),
            ]),
            PRICES_FOR_TEST,
        ).lines.filter(line => line.item === "instances");
        assert.strictEqual(lines.length, 2);
        const hours = PRICES_FOR_TEST.hoursPerMonth;
        const windows = lines.find(line => line.resource === "windows")!;
        const linux = lines.find(line => line.resource === "linux")!;
        assert.strictEqual(linux.monthly, Math.round(2 * 0.4 * hours * 100) / 100);
        assert.strictEqual(windows.monthly, Math.round(2 * (0.4 + 8 * 0.05) * hours * 100) / 100, "8 vCPUs of license on each instance");
        assert.match(windows.basis, /Windows \(license included\)/);
        assert.doesNotMatch(linux.basis, /Windows/);
    });

    it("counts vCPUs from the instance size, and says so when it cannot", () => {
        assert.deepStrictEqual(["m7i.large", "m7i.xlarge", "c7i.4xlarge", "t3.medium", "m7i.metal-24xl"].map(vcpusOf), [2, 4, 16, 2, undefined]);
        const [line] = estimateCosts(run(fleet("windows", "m7i.metal-24xl", "<powershell>\n</powershell>\n")), PRICES_FOR_TEST).lines;
        assert.strictEqual(line.monthly, undefined, "no guess for a size whose vCPUs are unknown");
    });

    it("prices Fast Launch's pre-provisioned snapshots at most the root volume each, only where it is enabled", () => {
        const recipe = resource(RESOURCE_TYPES.recipe, "windows-recipe", {
            state: { arn: "arn:recipe" },
            inputs: { blockDeviceMappings: [{ deviceName: "/dev/sda1", ebs: { volumeSize: 60 } }] },
        });
        const distribution = (name: string, enabled: boolean) =>
            resource(RESOURCE_TYPES.distribution, name, {
                state: { arn: `arn:${name}` },
                inputs: {
                    distributions: [{ region: "us-east-1", fastLaunchConfigurations: [{ enabled, snapshotConfiguration: { targetResourceCount: 3 } }] }],
                },
            });
        const image = (name: string) =>
            resource(RESOURCE_TYPES.image, `${name}-image`, { inputs: { imageRecipeArn: "arn:recipe", distributionConfigurationArn: `arn:${name}` } });
        const lines = estimateCosts(
            run([recipe, distribution("on", true), image("on"), distribution("off", false), image("off")]),
            PRICES_FOR_TEST,
        ).lines.filter(line => line.item === "Fast Launch");
        assert.strictEqual(lines.length, 1);
        assert.strictEqual(lines[0].resource, "on");
        assert.strictEqual(lines[0].monthly, 3 * 60 * 0.05);
    });
});
