// What a component resource the program uses makes in AWS. Under the SDK's mocks a remote component
// (awsx's VPC) registers as one resource, its children never: worked out here from its inputs, the
// way awsx lays them out, so the plan counts what `pulumi up` really creates.
import { DeclaredResource } from "../engine/mockRun";

export interface ComponentResources {
    type: string;
    name: string;
    region?: string;
    /** What it is to a reader: "fleet VPC". */
    title: string;
    /** Resource type → how many the component makes. */
    resources: Record<string, number>;
}

const AWSX_VPC = "awsx:ec2:Vpc";

/** Pulumi's own resources, which make nothing in AWS: providers and the program's dynamic helpers (creation timestamps). */
export function isPulumiInternal(type: string): boolean {
    return type.startsWith("pulumi:providers:") || type.startsWith("pulumi-nodejs:dynamic:");
}

/** The components of the run whose children the mocks do not see, with those children counted. */
export function componentResourcesOf(
    resources: DeclaredResource[],
    regionOf: (resource: DeclaredResource) => string | undefined = resource => resource.region,
): ComponentResources[] {
    return resources
        .filter(resource => resource.type === AWSX_VPC)
        .map(vpc => ({
            type: vpc.type,
            name: vpc.name,
            ...(regionOf(vpc) && { region: regionOf(vpc) }),
            title: "fleet VPC",
            resources: awsxVpcResources(vpc.inputs),
        }));
}

/**
 * awsx.ec2.Vpc: the VPC and an internet gateway; per availability zone and subnet spec a subnet with a
 * route table of its own and its association; public subnets route to the internet gateway, private
 * ones to a NAT gateway (one, or one per zone), each NAT gateway with an Elastic IP. Isolated subnets
 * get no route.
 */
export function awsxVpcResources(inputs: Record<string, any>): Record<string, number> {
    const zones: number = inputs.numberOfAvailabilityZones ?? inputs.availabilityZoneNames?.length ?? 3;
    const specs: Array<{ type: string }> = inputs.subnetSpecs ?? [{ type: "Private" }, { type: "Public" }];
    const kinds = specs.map(spec => spec.type).filter(type => type !== "Unused");
    const strategy: string = inputs.natGateways?.strategy ?? "OnePerAz";
    const hasPublic = kinds.includes("Public");
    const privateSpecs = kinds.filter(kind => kind === "Private").length;
    const natGateways = !hasPublic || privateSpecs === 0 || strategy === "None" ? 0 : strategy === "Single" ? 1 : zones;
    const subnets = kinds.length * zones;
    const routes = kinds.filter(kind => kind === "Public").length * zones + (natGateways > 0 ? privateSpecs * zones : 0);
    const counts: Record<string, number> = {
        "aws:ec2/vpc:Vpc": 1,
        "aws:ec2/internetGateway:InternetGateway": hasPublic ? 1 : 0,
        "aws:ec2/subnet:Subnet": subnets,
        "aws:ec2/routeTable:RouteTable": subnets,
        "aws:ec2/routeTableAssociation:RouteTableAssociation": subnets,
        "aws:ec2/route:Route": routes,
        "aws:ec2/natGateway:NatGateway": natGateways,
        "aws:ec2/eip:Eip": natGateways,
    };
    return Object.fromEntries(
        Object.entries(counts)
            .filter(([, count]) => count > 0)
            .sort(([a], [b]) => a.localeCompare(b)),
    );
}

export function totalOf(counts: Record<string, number>): number {
    return Object.values(counts).reduce((sum, count) => sum + count, 0);
}

/** "1 VPC, 4 subnets, 1 NAT gateway, …": a component's children in a line. */
export function describeChildren(counts: Record<string, number>): string {
    const nouns: Record<string, [string, string]> = {
        "aws:ec2/vpc:Vpc": ["VPC", "VPCs"],
        "aws:ec2/internetGateway:InternetGateway": ["internet gateway", "internet gateways"],
        "aws:ec2/subnet:Subnet": ["subnet", "subnets"],
        "aws:ec2/routeTable:RouteTable": ["route table", "route tables"],
        "aws:ec2/routeTableAssociation:RouteTableAssociation": ["route table association", "route table associations"],
        "aws:ec2/route:Route": ["route", "routes"],
        "aws:ec2/natGateway:NatGateway": ["NAT gateway", "NAT gateways"],
        "aws:ec2/eip:Eip": ["Elastic IP", "Elastic IPs"],
    };
    return Object.entries(counts)
        .map(([type, count]) => `${count} ${(nouns[type] ?? [type, type])[count === 1 ? 0 : 1]}`)
        .join(", ");
}
