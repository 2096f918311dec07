// The bench's bare-SDK floor: as many resources as a measured case, declared straight with the provider
// (one provider per region, no components, no config, no policy), under the same mocks. What any program
// declaring that many resources costs; the catalog case is reported next to it.
import * as aws from "@pulumi/aws";

// Set by tools/bench/bench.ts.
const FLOOR_RESOURCES_VARIABLE = "GOLDEN_AMI_FLOOR_RESOURCES";
const FLOOR_REGIONS_VARIABLE = "GOLDEN_AMI_FLOOR_REGIONS";

export = () => {
    const count = Number(process.env[FLOOR_RESOURCES_VARIABLE] ?? "0");
    const regions = (process.env[FLOOR_REGIONS_VARIABLE] ?? "us-east-1").split(",");
    const providers = regions.map(region => new aws.Provider(`floor-${region}`, { region }));
    for (let index = 0; index < count; index++) {
        new aws.ssm.Parameter(`floor-${index}`, { type: "String", insecureValue: "ami-0123456789abcdef0" }, { provider: providers[index % providers.length] });
    }
    return {};
};
