import * as assert from "assert";
import { DescribeImagesCommand, DescribeRegionsCommand, LaunchPermission } from "@aws-sdk/client-ec2";
import { runCli } from "../../../../tools/images/cli";
import { ExitCode } from "../../../../tools/images/context";
import { awsError, fakeAws, RegionWorld } from "../fakeAws";
import { goldenAmi, loadDevStack, PROD_ACCOUNT, recordingContext } from "../fixtures";

/** The dev stack (regions us-east-1 and us-west-2) shares with PROD_ACCOUNT only; REMOVED was listed once. */
const REMOVED = "333333333333";
const OWNER = "111111111111";
const KEY = `arn:aws:kms:us-east-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
/** The dropped region's key: kept with its copies, its alias deleted. */
const DROPPED_KEY = `arn:aws:kms:eu-west-1:${OWNER}:key/5678abcd-12ab-34cd-56ef-1234567890ab`;
const REMOVED_GRANTEE = `arn:aws:iam::${REMOVED}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

/** One version of dev's image, still shared with the removed account as well as the listed one. */
function sharedCopy(imageId: string, version: string): RegionWorld {
    const shared: LaunchPermission[] = [{ UserId: PROD_ACCOUNT }, { UserId: REMOVED }];
    return { images: [goldenAmi(imageId, { created: "2026-03-01T04:00:00.000Z", version })], launchPermissions: { [imageId]: shared } };
}

/** us-east-1 and us-west-2 are the stack's; eu-west-1 was dropped from golden-ami:regions and keeps its 1.3.0 copy; ap-south-1 holds nothing. */
function account() {
    const home = sharedCopy("ami-000000e1", "1.4.0");
    home.keys = [
        {
            arn: KEY,
            alias: "alias/golden-ami/dev",
            grants: [{ GrantId: "grant-removed", GranteePrincipal: REMOVED_GRANTEE }],
        },
    ];
    const dropped = sharedCopy("ami-000000e3", "1.3.0");
    dropped.snapshots = [{ SnapshotId: "snap-000000e3", Encrypted: true, KmsKeyId: DROPPED_KEY, OwnerId: OWNER }];
    dropped.keys = [{ arn: DROPPED_KEY, grants: [{ GrantId: "grant-removed-eu", GranteePrincipal: REMOVED_GRANTEE }] }];
    return fakeAws({
        "us-east-1": home,
        "us-west-2": sharedCopy("ami-000000e2", "1.4.0"),
        "eu-west-1": dropped,
        "ap-south-1": {},
    });
}

async function revoke(aws: ReturnType<typeof fakeAws>, flags: string[]) {
    const recording = recordingContext(aws.clientsFor);
    const exitCode = await runCli(["revoke", "--stack", "dev", "--report", "out/revoke.json", ...flags], recording.context, loadDevStack);
    return { exitCode, ...recording };
}

interface RevokeReport {
    regionScope: { source: string; regions: string[]; stackRegions: string[]; discoveryError?: string };
    droppedRegions: { region: string; images: number }[];
    regions: { region: string }[];
    losses: Record<string, { images: number }>;
}

describe("images revoke", () => {
    it("by default reads every enabled region, and takes back access on a copy kept in a region the stack no longer lists", async () => {
        const aws = account();
        const { exitCode, stdout, stderr, reports } = await revoke(aws, ["--apply", "--json"]);
        assert.strictEqual(exitCode, ExitCode.ok, stderr.join("\n"));
        for (const region of ["us-east-1", "us-west-2", "eu-west-1"]) {
            const [imageId] = Object.keys(aws.regions[region].world.launchPermissions);
            assert.deepStrictEqual(
                aws.regions[region].world.launchPermissions[imageId],
                [{ UserId: PROD_ACCOUNT }],
                `${region} ${imageId}: the removed account loses its launch permission, the listed one keeps it`,
            );
        }
        for (const region of ["us-east-1", "eu-west-1"]) {
            assert.deepStrictEqual(aws.regions[region].world.keys[0].grants, [], `${region}: the removed account's grant on the stack's key is revoked`);
        }
        assert.strictEqual(stdout.length, 1, "--json prints one document on stdout");
        const printed = JSON.parse(stdout[0]) as RevokeReport;
        assert.deepStrictEqual(printed, reports["out/revoke.json"]);
        assert.deepStrictEqual(printed.regionScope, {
            source: "enabled-regions",
            regions: ["us-east-1", "us-west-2", "ap-south-1", "eu-west-1"],
            stackRegions: ["us-east-1", "us-west-2"],
        });
        assert.deepStrictEqual(printed.droppedRegions, [{ region: "eu-west-1", images: 1 }], "the region the stack no longer lists but still holds a copy");
        assert.deepStrictEqual(printed.losses[`account ${REMOVED}`], { images: 3, snapshots: 0, grants: 2 });
    });

    it("says in text which regions hold images of the stack but are no longer in its config, and puts the empty ones on one line", async () => {
        const { exitCode, stdout } = await revoke(account(), []);
        assert.strictEqual(exitCode, ExitCode.ok);
        const text = stdout.join("\n");
        assert.match(
            text,
            /^eu-west-1: holds 1 image\(s\) of the stack, but golden-ami:regions no longer lists it: copies stay when a region is dropped \(retainOnDelete\), so their access is reconciled too$/m,
        );
        assert.match(text, /^Nothing of the stack in the 1 other enabled region\(s\) read: ap-south-1$/m);
        assert.doesNotMatch(text, /^ap-south-1: /m, "an empty region outside the stack gets no line of its own");
        assert.match(text, /^us-west-2: 1 images checked, 1 with access to take back/m);
    });

    it("reads only the regions --regions names, and asks for no other", async () => {
        const aws = account();
        const { exitCode, reports } = await revoke(aws, ["--regions", "us-east-1", "--apply"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.deepStrictEqual(
            (reports["out/revoke.json"] as RevokeReport).regions.map(region => region.region),
            ["us-east-1"],
        );
        for (const region of ["us-west-2", "eu-west-1", "ap-south-1"]) {
            assert.strictEqual(aws.regions[region].ec2.calls().length, 0, `${region} is not read`);
        }
        assert.strictEqual(aws.regions["us-east-1"].ec2.commandCalls(DescribeRegionsCommand).length, 0);
    });

    it("without ec2:DescribeRegions falls back to the stack's regions, warns on stderr, keeps stdout JSON and exits 3", async () => {
        const aws = account();
        aws.regions["us-east-1"].ec2.on(DescribeRegionsCommand).rejects(awsError("UnauthorizedOperation"));
        const { exitCode, stdout, stderr } = await revoke(aws, ["--apply", "--json"]);
        assert.strictEqual(exitCode, ExitCode.regionFailed, "the regions the stack no longer lists were not read: revoke's promise is not kept");
        const printed = JSON.parse(stdout.join("\n")) as RevokeReport;
        assert.deepStrictEqual([printed.regionScope.source, printed.regions.map(region => region.region)], ["stack-regions", ["us-east-1", "us-west-2"]]);
        assert.match(printed.regionScope.discoveryError ?? "", /ec2:DescribeRegions was denied/);
        assert.deepStrictEqual(
            aws.regions["us-west-2"].world.launchPermissions["ami-000000e2"],
            [{ UserId: PROD_ACCOUNT }],
            "the stack's regions are still reconciled",
        );
        assert.strictEqual(aws.regions["eu-west-1"].ec2.commandCalls(DescribeImagesCommand).length, 0);
        const warning = stderr.find(line => line.startsWith("warning: could not list the regions enabled for the account"));
        assert.ok(warning, stderr.join("\n"));
        assert.match(
            warning,
            /read only the stack's regions \(us-east-1, us-west-2\), so copies kept in a region the stack no longer lists keep their launch and snapshot permissions\. Allow ec2:DescribeRegions, or pass --regions/,
        );
    });
});
