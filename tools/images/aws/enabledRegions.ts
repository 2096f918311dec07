// The regions enabled for the account, for the commands that must find the stack's images wherever they
// were kept (revoke, prune). One DescribeRegions call, through the same clients, timeouts and retries as
// every other call. A failure never ends the command: it falls back to the stack's own regions and says so.
import { DescribeRegionsCommand, EC2Client } from "@aws-sdk/client-ec2";
import { awsCall, isCredentialsProblem } from "./awsErrors";
import type { CommandContext } from "../context";
import { RegionScope, searchOrder } from "../decisions/regionScope";
import type { ImageTarget } from "../target";

/**
 * DescribeRegions without `AllRegions`: the regions that need no opt-in and those the account opted in to.
 * A region the account has not opted in to holds none of its images, and would refuse the calls anyway.
 */
async function listEnabledRegions(ec2: EC2Client): Promise<string[]> {
    const answer = await awsCall("ec2:DescribeRegions", () => ec2.send(new DescribeRegionsCommand({})));
    const regions = (answer.Regions ?? []).flatMap(region => (region.RegionName ? [region.RegionName] : []));
    if (regions.length === 0) throw new Error("ec2:DescribeRegions answered with no region");
    return regions;
}

/**
 * Where a command reads: `--regions` as given; else, with a stack, its regions and every other enabled
 * region (asked in its home region); if that cannot be listed, the stack's regions alone, with the reason.
 */
export async function regionScopeOf(target: ImageTarget, context: CommandContext, progress: (line: string) => void): Promise<RegionScope> {
    const stackRegions = target.stackRegions;
    if (target.regionsFrom === "flag" || stackRegions === undefined) {
        return { regions: target.regions, source: "--regions", ...(stackRegions && { stackRegions }) };
    }
    const askIn = target.homeRegion ?? stackRegions[0];
    progress(`${askIn}: reading the regions enabled for the account…`);
    try {
        const enabled = await listEnabledRegions(context.clientsFor(askIn).ec2);
        return { regions: searchOrder(target.regions, enabled), source: "enabled-regions", stackRegions };
    } catch (error) {
        return {
            regions: target.regions,
            source: "stack-regions",
            stackRegions,
            discoveryError: error instanceof Error ? error.message : String(error),
            credentialsProblem: isCredentialsProblem(error),
        };
    }
}

/**
 * The warning for a failed discovery: what was read instead, what that leaves out for this command, and
 * what to do. None when credentials are missing: every region reports that already.
 */
export function discoveryWarning(scope: RegionScope, consequence: string): string | undefined {
    if (scope.source !== "stack-regions" || scope.credentialsProblem) return undefined;
    return (
        `warning: could not list the regions enabled for the account (${scope.discoveryError}); ` +
        `read only the stack's regions (${scope.regions.join(", ")}), so ${consequence}. ` +
        "Allow ec2:DescribeRegions, or pass --regions naming every region that may hold the stack's images."
    );
}
