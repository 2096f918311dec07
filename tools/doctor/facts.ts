// The preflight's AWS adapters: read-only calls that gather what checks.ts judges. A call that fails
// becomes `{ error }` with the explained AWS error, so one denied action costs one finding, not the run.
import {
    DescribeImagesCommand,
    DescribeRegionsCommand,
    DescribeRouteTablesCommand,
    DescribeSnapshotsCommand,
    DescribeSubnetsCommand,
    DescribeVpcEndpointsCommand,
    DescribeVpcsCommand,
    EC2Client,
    GetImageBlockPublicAccessStateCommand,
    RouteTable,
} from "@aws-sdk/client-ec2";
import { GetRoleCommand, IAMClient, SimulatePrincipalPolicyCommand } from "@aws-sdk/client-iam";
import { BatchGetAccountStatusCommand } from "@aws-sdk/client-inspector2";
import { GetParameterCommand } from "@aws-sdk/client-ssm";
import { GetCallerIdentityCommand } from "@aws-sdk/client-sts";
import { awsErrorCode, explainAwsError } from "../images/aws/awsErrors";
import {
    BaseImageFacts,
    DoctorFacts,
    NetworkFacts,
    PinnedImageFacts,
    Read,
    Route,
    SERVICE_LINKED_ROLES,
    ServiceLinkedRole,
    ServiceLinkedRoleFacts,
    VpcEndpoint,
    serviceLinkedRolesFor,
} from "./checks";
import { DoctorClientFactory } from "./clients";
import { DoctorTarget } from "./target";

async function read<T>(action: string, call: () => Promise<T>): Promise<Read<T>> {
    try {
        return { value: await call() };
    } catch (error) {
        return { error: explainAwsError(action, error) };
    }
}

function isNotFound(error: unknown, ...codes: string[]): boolean {
    return codes.includes(awsErrorCode(error));
}

/** Everything the checks need, read in parallel; nothing is written. */
export async function readFacts(target: DoctorTarget, clientsFor: DoctorClientFactory): Promise<DoctorFacts> {
    const home = clientsFor(target.homeRegion);
    const identity = await read("sts:GetCallerIdentity", async () => {
        const answer = await home.sts.send(new GetCallerIdentityCommand({}));
        return { account: answer.Account ?? "", arn: answer.Arn ?? "" };
    });
    const empty: DoctorFacts = { identity, serviceLinkedRoles: [], baseImages: [], imageBlockPublicAccess: [], pinnedImages: [] };
    if ("error" in identity) return empty;
    const { account, arn } = identity.value;
    const partition = arn.split(":")[1] || "aws";

    const deployRole = readDeployRole(home.iam, target.deployRole);
    const [regionOptIn, inspector, network, roleRead, serviceLinkedRoles, baseImages, imageBlockPublicAccess, pinnedImages] = await Promise.all([
        readRegionOptIn(home.ec2),
        target.building ? readInspector(clientsFor(target.homeRegion).inspector, account) : Promise.resolve(undefined),
        target.building ? readNetwork(home.ec2, target) : Promise.resolve(undefined),
        deployRole,
        deployRole.then(role => Promise.all(serviceLinkedRolesFor(target).map(name => readServiceLinkedRole(home.iam, name, account, partition, role)))),
        target.building
            ? Promise.all(
                  target.images.map(image => readBaseImage(clientsFor(target.homeRegion), image.baseImage).then(facts => ({ image: image.name, facts }))),
              )
            : Promise.resolve([]),
        Promise.all(target.regions.map(region => readImageBlockPublicAccess(clientsFor(region).ec2).then(facts => ({ region, facts })))),
        target.promoteFrom
            ? Promise.all(
                  target.images
                      .filter(image => image.pinnedAmiId)
                      .map(image =>
                          readPinnedImage(clientsFor(target.promoteFrom!.region).ec2, image.pinnedAmiId!).then(facts => ({
                              image: image.name,
                              amiId: image.pinnedAmiId!,
                              facts,
                          })),
                      ),
              )
            : Promise.resolve([]),
    ]);
    return {
        identity,
        regionOptIn,
        ...(inspector && { inspector }),
        ...(network && { network }),
        serviceLinkedRoles,
        deployRole: roleRead.facts,
        baseImages,
        imageBlockPublicAccess,
        pinnedImages,
    };
}

export async function readRegionOptIn(ec2: EC2Client): Promise<Read<Record<string, string>>> {
    return read("ec2:DescribeRegions", async () => {
        const answer = await ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
        return Object.fromEntries((answer.Regions ?? []).map(region => [region.RegionName ?? "", region.OptInStatus ?? "opt-in-not-required"]));
    });
}

export async function readInspector(inspector: DoctorClientsInspector, account: string): Promise<Read<{ ec2Status?: string }>> {
    return read("inspector2:BatchGetAccountStatus", async () => {
        const answer = await inspector.send(new BatchGetAccountStatusCommand({ accountIds: [account] }));
        const failed = answer.failedAccounts?.find(entry => entry.accountId === account);
        if (failed) throw Object.assign(new Error(failed.errorMessage ?? "no status"), { name: failed.errorCode ?? "InspectorError" });
        const state = answer.accounts?.find(entry => entry.accountId === account);
        return { ec2Status: state?.resourceState?.ec2?.status };
    });
}
type DoctorClientsInspector = ReturnType<DoctorClientFactory>["inspector"];

export async function readNetwork(ec2: EC2Client, target: DoctorTarget): Promise<Read<NetworkFacts>> {
    if (target.build) {
        const subnetId = target.build.subnetId;
        return read("ec2:DescribeSubnets", async (): Promise<NetworkFacts> => {
            let subnet;
            try {
                subnet = (await ec2.send(new DescribeSubnetsCommand({ SubnetIds: [subnetId] }))).Subnets?.[0];
            } catch (error) {
                if (isNotFound(error, "InvalidSubnetID.NotFound", "InvalidSubnetID.Malformed")) return { kind: "subnet", subnetId, found: false };
                throw error;
            }
            if (!subnet?.VpcId) return { kind: "subnet", subnetId, found: false };
            const table = await routeTableOf(ec2, subnet.VpcId, subnetId);
            return {
                kind: "subnet",
                subnetId,
                found: true,
                vpcId: subnet.VpcId,
                mapsPublicIp: subnet.MapPublicIpOnLaunch === true,
                ...(table?.RouteTableId && { routeTableId: table.RouteTableId }),
                routes: routesOf(table),
                endpoints: await endpointsOf(ec2, subnet.VpcId),
            };
        });
    }
    return read("ec2:DescribeVpcs", async (): Promise<NetworkFacts> => {
        const vpc = (await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))).Vpcs?.[0];
        if (!vpc?.VpcId) return { kind: "default-vpc", found: false };
        const subnets =
            (
                await ec2.send(
                    new DescribeSubnetsCommand({
                        Filters: [
                            { Name: "vpc-id", Values: [vpc.VpcId] },
                            { Name: "default-for-az", Values: ["true"] },
                        ],
                    }),
                )
            ).Subnets ?? [];
        const table = await routeTableOf(ec2, vpc.VpcId, undefined);
        return {
            kind: "default-vpc",
            found: true,
            vpcId: vpc.VpcId,
            subnetCount: subnets.length,
            mapsPublicIp: subnets.some(subnet => subnet.MapPublicIpOnLaunch === true),
            ...(table?.RouteTableId && { routeTableId: table.RouteTableId }),
            routes: routesOf(table),
            endpoints: await endpointsOf(ec2, vpc.VpcId),
        };
    });
}

/** The subnet's own route table, else the VPC's main one (what a subnet without an association uses). */
async function routeTableOf(ec2: EC2Client, vpcId: string, subnetId: string | undefined): Promise<RouteTable | undefined> {
    if (subnetId) {
        const own = (await ec2.send(new DescribeRouteTablesCommand({ Filters: [{ Name: "association.subnet-id", Values: [subnetId] }] }))).RouteTables?.[0];
        if (own) return own;
    }
    return (
        await ec2.send(
            new DescribeRouteTablesCommand({
                Filters: [
                    { Name: "vpc-id", Values: [vpcId] },
                    { Name: "association.main", Values: ["true"] },
                ],
            }),
        )
    ).RouteTables?.[0];
}

function routesOf(table: RouteTable | undefined): Route[] {
    return (table?.Routes ?? [])
        .filter(route => route.State !== "blackhole")
        .map(route => ({
            destination: route.DestinationCidrBlock ?? route.DestinationIpv6CidrBlock ?? route.DestinationPrefixListId ?? "",
            target:
                route.NatGatewayId ??
                route.GatewayId ??
                route.TransitGatewayId ??
                route.VpcPeeringConnectionId ??
                route.NetworkInterfaceId ??
                route.InstanceId ??
                route.LocalGatewayId ??
                "unknown",
        }));
}

async function endpointsOf(ec2: EC2Client, vpcId: string): Promise<VpcEndpoint[]> {
    const endpoints = (await ec2.send(new DescribeVpcEndpointsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).VpcEndpoints ?? [];
    return endpoints.map(endpoint => ({
        service: (endpoint.ServiceName ?? "").split(".").pop() ?? "",
        type: endpoint.VpcEndpointType ?? "Gateway",
        ...(endpoint.State && { state: endpoint.State }),
        routeTableIds: endpoint.RouteTableIds ?? [],
        privateDns: endpoint.PrivateDnsEnabled === true,
    }));
}

/** The role's name in a name or an ARN (`arn:aws:iam::111111111111:role/path/name`). */
export function roleNameOf(role: string): string {
    return role.startsWith("arn:") ? role.slice(role.lastIndexOf("/") + 1) : role;
}

async function readDeployRole(iam: IAMClient, role: string): Promise<{ facts: Read<{ name: string; maxSessionDuration: number } | undefined>; arn?: string }> {
    let arn: string | undefined;
    const facts = await read("iam:GetRole", async () => {
        try {
            const found = (await iam.send(new GetRoleCommand({ RoleName: roleNameOf(role) }))).Role;
            arn = found?.Arn;
            return found ? { name: found.RoleName ?? roleNameOf(role), maxSessionDuration: found.MaxSessionDuration ?? 3600 } : undefined;
        } catch (error) {
            if (isNotFound(error, "NoSuchEntity", "NoSuchEntityException")) return undefined;
            throw error;
        }
    });
    return { facts, ...(arn && { arn }) };
}

export async function readServiceLinkedRole(
    iam: IAMClient,
    role: ServiceLinkedRole,
    account: string,
    partition: string,
    deployRole: { arn?: string },
): Promise<ServiceLinkedRoleFacts> {
    const { name, service } = SERVICE_LINKED_ROLES[role];
    const present = await read("iam:GetRole", async () => {
        try {
            await iam.send(new GetRoleCommand({ RoleName: name }));
            return true;
        } catch (error) {
            if (isNotFound(error, "NoSuchEntity", "NoSuchEntityException")) return false;
            throw error;
        }
    });
    if (!("value" in present) || present.value || deployRole.arn === undefined) return { role, present };
    const creatable = await read("iam:SimulatePrincipalPolicy", async () => {
        const answer = await iam.send(
            new SimulatePrincipalPolicyCommand({
                PolicySourceArn: deployRole.arn,
                ActionNames: ["iam:CreateServiceLinkedRole"],
                ResourceArns: [`arn:${partition}:iam::${account}:role/aws-service-role/${service}/${name}`],
                ContextEntries: [{ ContextKeyName: "iam:AWSServiceName", ContextKeyType: "string", ContextKeyValues: [service] }],
            }),
        );
        const results = answer.EvaluationResults ?? [];
        if (results.length === 0) throw new Error("the simulator gave no result");
        return results.every(result => result.EvalDecision === "allowed");
    });
    return { role, present, creatable };
}

export async function readBaseImage(clients: ReturnType<DoctorClientFactory>, baseImage: string): Promise<Read<BaseImageFacts>> {
    if (baseImage.startsWith("ssm:")) {
        const parameter = baseImage.slice("ssm:".length);
        return read("ssm:GetParameter", async () => {
            let amiId: string | undefined;
            try {
                amiId = (await clients.ssm.send(new GetParameterCommand({ Name: parameter }))).Parameter?.Value;
            } catch (error) {
                if (isNotFound(error, "ParameterNotFound")) return { parameter };
                throw error;
            }
            return { parameter, amiId, ...(await architectureOf(clients.ec2, amiId)) };
        });
    }
    if (baseImage.startsWith("ami-")) return read("ec2:DescribeImages", async () => ({ amiId: baseImage, ...(await architectureOf(clients.ec2, baseImage)) }));
    // image:<name>: built on another image of the stack, which the same `up` builds first.
    return { value: { amiId: baseImage } };
}

async function architectureOf(ec2: EC2Client, amiId: string | undefined): Promise<{ architecture?: string }> {
    if (!amiId) return {};
    try {
        const image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [amiId], IncludeDeprecated: true }))).Images?.[0];
        return image?.Architecture ? { architecture: image.Architecture } : {};
    } catch (error) {
        if (isNotFound(error, "InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable")) return {};
        throw error;
    }
}

export async function readImageBlockPublicAccess(ec2: EC2Client): Promise<Read<{ state?: string; managedBy?: string }>> {
    return read("ec2:GetImageBlockPublicAccessState", async () => {
        const answer = await ec2.send(new GetImageBlockPublicAccessStateCommand({}));
        return {
            ...(answer.ImageBlockPublicAccessState && { state: answer.ImageBlockPublicAccessState }),
            ...(answer.ManagedBy && { managedBy: answer.ManagedBy }),
        };
    });
}

export async function readPinnedImage(ec2: EC2Client, amiId: string): Promise<Read<PinnedImageFacts>> {
    return read("ec2:DescribeImages", async (): Promise<PinnedImageFacts> => {
        let image;
        try {
            image = (await ec2.send(new DescribeImagesCommand({ ImageIds: [amiId], IncludeDeprecated: true }))).Images?.[0];
        } catch (error) {
            if (isNotFound(error, "InvalidAMIID.NotFound", "InvalidAMIID.Malformed", "InvalidAMIID.Unavailable"))
                return { found: false, snapshotIds: [], readableSnapshotIds: [] };
            throw error;
        }
        if (!image) return { found: false, snapshotIds: [], readableSnapshotIds: [] };
        const snapshotIds = (image.BlockDeviceMappings ?? []).map(mapping => mapping.Ebs?.SnapshotId).filter((id): id is string => id !== undefined);
        const readableSnapshotIds: string[] = [];
        for (const snapshotId of snapshotIds) {
            try {
                const found = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots ?? [];
                if (found.length > 0) readableSnapshotIds.push(snapshotId);
            } catch (error) {
                if (!isNotFound(error, "InvalidSnapshot.NotFound")) throw error;
            }
        }
        return { found: true, ...(image.State && { state: image.State }), ...(image.OwnerId && { ownerId: image.OwnerId }), snapshotIds, readableSnapshotIds };
    });
}
