import * as assert from "assert";
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { clientFactory } from "../../../../tools/images/aws/clients";
import { discoveryWarning, regionScopeOf } from "../../../../tools/images/aws/enabledRegions";
import { droppedRegions, searchOrder } from "../../../../tools/images/decisions/regionScope";
import { resolveTarget } from "../../../../tools/images/target";
import { awsError, fakeAws } from "../fakeAws";
import { loadDevStack, recordingContext } from "../fixtures";
import { localSettings, stalledServer } from "../localServer";

/** The dev stack's target (home us-east-1, then us-west-2); `regions` as --regions gives them. */
function devTarget(regions?: string[]) {
    return resolveTarget({ command: "revoke", stack: "dev", regions }, loadDevStack);
}

describe("images: the regions revoke and prune read", () => {
    it("reads the stack's regions first, home region first, then every other enabled region, sorted", () => {
        assert.deepStrictEqual(searchOrder(["us-east-1", "us-west-2"], ["eu-west-1", "us-west-2", "ap-south-1", "us-east-1"]), [
            "us-east-1",
            "us-west-2",
            "ap-south-1",
            "eu-west-1",
        ]);
    });

    it("asks ec2:DescribeRegions in the stack's home region, without AllRegions (enabled regions only), and reads them all", async () => {
        const aws = fakeAws({ "us-east-1": {}, "us-west-2": {}, "eu-west-1": {} }, 2, { enabledRegions: ["eu-west-1", "us-east-1", "us-west-2"] });
        const recording = recordingContext(aws.clientsFor);
        const scope = await regionScopeOf(devTarget(), recording.context, recording.context.progress);
        assert.deepStrictEqual(scope, {
            regions: ["us-east-1", "us-west-2", "eu-west-1"],
            source: "enabled-regions",
            stackRegions: ["us-east-1", "us-west-2"],
        });
        const calls = aws.regions["us-east-1"].ec2.commandCalls(DescribeRegionsCommand);
        assert.strictEqual(calls.length, 1, "one DescribeRegions call, in the home region");
        assert.strictEqual(calls[0].args[0].input.AllRegions, undefined, "regions the account has not opted in to are not asked for");
        assert.ok(recording.progress.includes("us-east-1: reading the regions enabled for the account…"), recording.progress.join("\n"));
    });

    it("reads exactly the regions --regions names, without asking for the enabled ones", async () => {
        const aws = fakeAws({ "us-east-1": {}, "eu-west-1": {} });
        const recording = recordingContext(aws.clientsFor);
        const scope = await regionScopeOf(devTarget(["eu-west-1"]), recording.context, recording.context.progress);
        assert.deepStrictEqual([scope.regions, scope.source], [["eu-west-1"], "--regions"]);
        for (const region of Object.values(aws.regions)) assert.strictEqual(region.ec2.commandCalls(DescribeRegionsCommand).length, 0);
    });

    it("falls back to the stack's regions when ec2:DescribeRegions is denied, and the warning says what to allow or pass", async () => {
        const aws = fakeAws({ "us-east-1": {}, "us-west-2": {} });
        aws.regions["us-east-1"].ec2.on(DescribeRegionsCommand).rejects(awsError("UnauthorizedOperation"));
        const recording = recordingContext(aws.clientsFor);
        const scope = await regionScopeOf(devTarget(), recording.context, recording.context.progress);
        assert.deepStrictEqual([scope.regions, scope.source], [["us-east-1", "us-west-2"], "stack-regions"]);
        assert.match(scope.discoveryError ?? "", /^ec2:DescribeRegions was denied \(UnauthorizedOperation\)/);
        assert.match(
            discoveryWarning(scope, "copies elsewhere keep their access") ?? "",
            /^warning: could not list the regions enabled for the account \(ec2:DescribeRegions was denied .*\); read only the stack's regions \(us-east-1, us-west-2\), so copies elsewhere keep their access\. Allow ec2:DescribeRegions, or pass --regions naming every region that may hold the stack's images\.$/,
        );
    });

    it("falls back when DescribeRegions gets no answer in time, through the same clients, timeouts and attempts as every call", async () => {
        const server = await stalledServer();
        try {
            const recording = recordingContext(clientFactory(localSettings(server.endpoint, { connectionTimeoutMs: 200, requestTimeoutMs: 300 })));
            const started = Date.now();
            const scope = await regionScopeOf(devTarget(), recording.context, recording.context.progress);
            const elapsed = Date.now() - started;
            assert.deepStrictEqual([scope.regions, scope.source], [["us-east-1", "us-west-2"], "stack-regions"]);
            assert.match(scope.discoveryError ?? "", /^ec2:DescribeRegions: no answer within 0\.3 s \(3 attempts\)/);
            assert.ok(elapsed < 3000, `took ${elapsed} ms`);
        } finally {
            await server.close();
        }
    });

    it("gives no warning of its own when credentials are missing: every region says so already", async () => {
        const aws = fakeAws({ "us-east-1": {}, "us-west-2": {} });
        const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
        aws.regions["us-east-1"].ec2.on(DescribeRegionsCommand).rejects(noCredentials);
        const recording = recordingContext(aws.clientsFor);
        const scope = await regionScopeOf(devTarget(), recording.context, recording.context.progress);
        assert.strictEqual(scope.source, "stack-regions");
        assert.strictEqual(discoveryWarning(scope, "anything"), undefined);
    });

    it("names as dropped only the regions outside the stack's that hold its images", () => {
        const scope = {
            regions: ["us-east-1", "us-west-2", "eu-west-1", "ap-south-1"],
            source: "enabled-regions" as const,
            stackRegions: ["us-east-1", "us-west-2"],
        };
        assert.deepStrictEqual(
            droppedRegions(scope, [
                { region: "us-east-1", images: 3 },
                { region: "us-west-2", images: 0 },
                { region: "eu-west-1", images: 2 },
                { region: "ap-south-1", images: 0 },
            ]),
            [{ region: "eu-west-1", images: 2 }],
        );
    });
});
