// The monthly cost of what a stack declares that is easy to miss: NAT gateways of the VPCs made for
// fleets, the fleets' instances, KMS keys. List prices from tools/plan/prices.json (dated, by hand); a region
// or instance type missing there is "price unknown", never a guess.
import * as fs from "fs";
import * as path from "path";
import { DeclaredResource, ProgramRun } from "../engine/mockRun";
import { RESOURCE_TYPES } from "../engine/resourceTypes";

export interface PriceTable {
    asOf: string;
    currency: string;
    hoursPerMonth: number;
    source: string;
    kmsKeyMonthly: number;
    /** Windows Server's license, by the vCPU-hour, on top of the Linux price. */
    windowsLicenseVcpuHourly: number;
    /** EBS snapshot storage (standard tier), a GB-month, per region. */
    ebsSnapshotGbMonth: Record<string, number>;
    publicIpv4Hourly: number;
    natGatewayHourly: Record<string, number>;
    instanceHourly: Record<string, Record<string, number>>;
}

export const PRICES: PriceTable = JSON.parse(fs.readFileSync(path.join(__dirname, "prices.json"), "utf8"));

export interface CostLine {
    region: string;
    /** "NAT gateway", "instances", "KMS key", "Fast Launch". */
    item: string;
    /** The resource it comes from. */
    resource: string;
    quantity: number;
    /** How the number is made: "4 × m7i.large on demand". */
    basis: string;
    /** Undefined when the table has no price for this region or type. */
    monthly?: number;
}

export interface CostEstimate {
    lines: CostLine[];
    /** The sum of the lines with a price. */
    knownMonthly: number;
    unpriced: number;
    pricesAsOf: string;
    currency: string;
}

const VPC_TYPE = "awsx:ec2:Vpc";

export function estimateCosts(run: ProgramRun, prices: PriceTable = PRICES): CostEstimate {
    const lines = [...natGatewayLines(run, prices), ...instanceLines(run, prices), ...kmsKeyLines(run, prices), ...fastLaunchLines(run, prices)].sort(
        (a, b) => a.region.localeCompare(b.region) || a.item.localeCompare(b.item) || a.resource.localeCompare(b.resource),
    );
    return {
        lines,
        knownMonthly: round(lines.reduce((sum, line) => sum + (line.monthly ?? 0), 0)),
        unpriced: lines.filter(line => line.monthly === undefined).length,
        pricesAsOf: prices.asOf,
        currency: prices.currency,
    };
}

function natGatewayLines(run: ProgramRun, prices: PriceTable): CostLine[] {
    return run.resources
        .filter(resource => resource.type === VPC_TYPE)
        .flatMap(vpc => {
            const strategy: string = vpc.inputs.natGateways?.strategy ?? "OnePerAz";
            const zones: number = vpc.inputs.numberOfAvailabilityZones ?? 3;
            const count = strategy === "Single" ? 1 : strategy === "None" ? 0 : zones;
            if (count === 0) return [];
            const region = regionOfVpc(run, vpc);
            const hourly = region === undefined ? undefined : prices.natGatewayHourly[region];
            return [
                {
                    region: region ?? "unknown region",
                    item: "NAT gateway",
                    resource: vpc.name,
                    quantity: count,
                    basis: `${count} × (NAT gateway + its public IPv4 address), ${strategy}; data processed is extra`,
                    monthly: hourly === undefined ? undefined : round(count * (hourly + prices.publicIpv4Hourly) * prices.hoursPerMonth),
                },
            ];
        });
}

/** awsx's VPC is a component without a provider of its own: find the region of the group in its subnets. */
function regionOfVpc(run: ProgramRun, vpc: DeclaredResource): string | undefined {
    const subnets = new Set<string>([...(vpc.state.privateSubnetIds ?? []), ...(vpc.state.publicSubnetIds ?? [])]);
    const group = run.resources.find(
        resource =>
            resource.type === RESOURCE_TYPES.autoScalingGroup && (resource.inputs.vpcZoneIdentifiers ?? []).some((subnet: string) => subnets.has(subnet)),
    );
    return group?.region ?? vpc.region;
}

function instanceLines(run: ProgramRun, prices: PriceTable): CostLine[] {
    return run.resources
        .filter(resource => resource.type === RESOURCE_TYPES.autoScalingGroup)
        .map(group => {
            const region = group.region ?? "unknown region";
            const instanceType = firstInstanceType(run, group);
            const desired: number = group.inputs.desiredCapacity ?? group.inputs.minSize ?? 0;
            const windows = runsWindows(run, group);
            const linuxHourly = instanceType === undefined ? undefined : prices.instanceHourly[region]?.[instanceType];
            const vcpus = instanceType === undefined ? undefined : vcpusOf(instanceType);
            const hourly =
                linuxHourly === undefined || !windows ? linuxHourly : vcpus === undefined ? undefined : linuxHourly + vcpus * prices.windowsLicenseVcpuHourly;
            return {
                region,
                item: "instances",
                resource: group.name,
                quantity: desired,
                basis: `${desired} × ${instanceType ?? "unknown type"}${windows ? " Windows (license included)" : ""} on demand (desired capacity; spot or savings plans cost less)`,
                monthly: hourly === undefined ? undefined : round(desired * hourly * prices.hoursPerMonth),
            };
        });
}

/** A Windows fleet: its launch template's user data is a <powershell> script (the config allows no other for a Windows image). */
function runsWindows(run: ProgramRun, group: DeclaredResource): boolean {
    const template = launchTemplateOf(run, group);
    const userData: string | undefined = template?.inputs.userData;
    return userData !== undefined && /^\s*<powershell>/i.test(Buffer.from(userData, "base64").toString("utf8"));
}

/** vCPUs of a current instance type from its size: large 2, xlarge 4, Nxlarge 4N; smaller sizes of burstable types 2. */
export function vcpusOf(instanceType: string): number | undefined {
    const size = instanceType.split(".")[1] ?? "";
    if (size === "large") return 2;
    if (size === "xlarge") return 4;
    const multiple = /^(\d+)xlarge$/.exec(size);
    if (multiple) return 4 * Number(multiple[1]);
    if (/^t\d/.test(instanceType) && ["nano", "micro", "small", "medium"].includes(size)) return 2;
    return undefined;
}

function launchTemplateOf(run: ProgramRun, group: DeclaredResource): DeclaredResource | undefined {
    const templateId = group.inputs.launchTemplate?.id ?? group.inputs.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification?.launchTemplateId;
    return run.resources.find(resource => resource.type === RESOURCE_TYPES.launchTemplate && resource.id === templateId);
}

/** A mixed instances group's first override, else the launch template's type. */
function firstInstanceType(run: ProgramRun, group: DeclaredResource): string | undefined {
    const override = group.inputs.mixedInstancesPolicy?.launchTemplate?.overrides?.[0]?.instanceType;
    if (override) return override;
    return launchTemplateOf(run, group)?.inputs.instanceType;
}

function kmsKeyLines(run: ProgramRun, prices: PriceTable): CostLine[] {
    return run.resources
        .filter(resource => resource.type === RESOURCE_TYPES.kmsKey)
        .map(key => ({
            region: key.region ?? "unknown region",
            item: "KMS key",
            resource: key.name,
            quantity: 1,
            basis: "1 customer managed key; requests and rotations are extra",
            monthly: prices.kmsKeyMonthly,
        }));
}

/**
 * EC2 Fast Launch keeps `targetResourceCount` pre-provisioned snapshots of the AMI's root volume, billed as snapshot
 * storage (at most the volume's size each), and runs a temporary instance for each snapshot it makes or replaces.
 */
interface DistributionTarget {
    region?: string;
    fastLaunchConfigurations?: Array<{ enabled?: boolean; snapshotConfiguration?: { targetResourceCount?: number } }>;
}

function fastLaunchLines(run: ProgramRun, prices: PriceTable): CostLine[] {
    return run.resources
        .filter(resource => resource.type === RESOURCE_TYPES.distribution)
        .flatMap(distribution =>
            ((distribution.inputs.distributions ?? []) as DistributionTarget[]).flatMap(target =>
                (target.fastLaunchConfigurations ?? [])
                    .filter(fastLaunch => fastLaunch.enabled)
                    .map((fastLaunch): CostLine => {
                        const region: string = target.region ?? distribution.region ?? "unknown region";
                        const count = fastLaunch.snapshotConfiguration?.targetResourceCount ?? 0;
                        const volumeGiB = rootVolumeOf(run, distribution);
                        const price = prices.ebsSnapshotGbMonth[region];
                        return {
                            region,
                            item: "Fast Launch",
                            resource: distribution.name,
                            quantity: count,
                            basis:
                                `${count} pre-provisioned snapshots × up to ${volumeGiB ?? "?"} GiB (EC2 Fast Launch, snapshot storage); ` +
                                `each snapshot made or replaced also runs a temporary instance for its first boot`,
                            monthly: price === undefined || volumeGiB === undefined ? undefined : round(count * volumeGiB * price),
                        };
                    }),
            ),
        );
}

/** The root volume of the image a distribution configuration distributes: its build's recipe's. */
function rootVolumeOf(run: ProgramRun, distribution: DeclaredResource): number | undefined {
    const build = run.resources.find(
        resource => resource.type === RESOURCE_TYPES.image && resource.inputs.distributionConfigurationArn === distribution.state.arn,
    );
    const recipe = build && run.resources.find(resource => resource.type === RESOURCE_TYPES.recipe && resource.state.arn === build.inputs.imageRecipeArn);
    return recipe?.inputs.blockDeviceMappings?.[0]?.ebs?.volumeSize;
}

function round(amount: number): number {
    return Math.round(amount * 100) / 100;
}

/** "USD 33.22" or "price unknown". */
export function money(amount: number | undefined, currency: string = PRICES.currency): string {
    return amount === undefined ? "price unknown" : `${currency} ${amount.toFixed(2)}`;
}

/** The estimate as lines of text, for the plan and the diff. */
export function renderCosts(estimate: CostEstimate, indent = "  "): string[] {
    if (estimate.lines.length === 0) return [`${indent}nothing here costs money by the month before it is used`];
    const lines = estimate.lines.map(
        line =>
            `${indent}${line.region.padEnd(15)} ${line.item.padEnd(12)} ${money(line.monthly, estimate.currency).padStart(14)}  ${line.resource}: ${line.basis}`,
    );
    const unpriced = estimate.unpriced === 0 ? "" : ` + ${estimate.unpriced} without a price in tools/plan/prices.json`;
    lines.push(
        `${indent}${"total".padEnd(28)} ${money(estimate.knownMonthly, estimate.currency).padStart(14)}${unpriced}`,
        `${indent}(list prices as of ${estimate.pricesAsOf}, tools/plan/prices.json; a month is ${PRICES.hoursPerMonth} hours)`,
    );
    return lines;
}
