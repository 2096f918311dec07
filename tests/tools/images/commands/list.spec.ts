import * as assert from "assert";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { runCli } from "../../../../tools/images/cli";
import { ExitCode } from "../../../../tools/images/context";
import { ListedImage } from "../../../../tools/images/commands/list";
import { awsError, fakeAws, RegionWorld } from "../fakeAws";
import { goldenAmi, loadDevStack, PROD_ACCOUNT, recordingContext } from "../fixtures";

const OU = "arn:aws:organizations::555555555555:ou/o-a1b2c3d4e5/ou-ab12-workload1";

function region(): RegionWorld {
    return {
        images: [
            goldenAmi("ami-00000001", {
                created: "2026-03-01T04:00:00.000Z",
                version: "1.3.0",
                public: true,
                volumes: [{ device: "/dev/xvda", snapshotId: "snap-00000001", encrypted: false }],
            }),
            goldenAmi("ami-00000002", { created: "2026-05-01T04:00:00.000Z", version: "1.4.0" }),
        ],
        launchPermissions: { "ami-00000002": [{ UserId: PROD_ACCOUNT }, { OrganizationalUnitArn: OU }] },
        instances: [{ InstanceId: "i-0web", ImageId: "ami-00000002", State: { Name: "running" } }],
    };
}

async function list(worlds: Record<string, RegionWorld>, flags: string[] = []) {
    const aws = fakeAws(worlds);
    const recording = recordingContext(aws.clientsFor);
    const exitCode = await runCli(["list", "--stack", "dev", ...flags], recording.context, loadDevStack);
    return { exitCode, aws, ...recording, output: recording.stdout.join("\n") };
}

describe("images list", () => {
    it("shows every image of every region with version, state, encryption, publicity, launchers and use", async () => {
        const { exitCode, output } = await list({ "us-east-1": region(), "us-west-2": region() });
        assert.strictEqual(exitCode, ExitCode.ok);
        const rows = output
            .split("\n")
            .filter(line => /^us-/.test(line))
            .map(line => line.split(/\s{2,}/));
        assert.deepStrictEqual(rows, [
            [
                "us-east-1",
                "ami-00000002",
                "1.4.0",
                "2026-05-01 04:00",
                "available",
                "2027-01-01 00:00",
                "yes",
                "no",
                `${PROD_ACCOUNT}, ou-ab12-workload1`,
                "yes",
            ],
            ["us-east-1", "ami-00000001", "1.3.0", "2026-03-01 04:00", "available", "2027-01-01 00:00", "NO", "YES", "owner only", "no"],
            [
                "us-west-2",
                "ami-00000002",
                "1.4.0",
                "2026-05-01 04:00",
                "available",
                "2027-01-01 00:00",
                "yes",
                "no",
                `${PROD_ACCOUNT}, ou-ab12-workload1`,
                "yes",
            ],
            ["us-west-2", "ami-00000001", "1.3.0", "2026-03-01 04:00", "available", "2027-01-01 00:00", "NO", "YES", "owner only", "no"],
        ]);
        assert.match(output, /us-east-1 ami-00000002: instance i-0web \(running\)/);
    });

    it("prints JSON with --json, launch permissions and reasons for use in full", async () => {
        const { output } = await list({ "us-east-1": region() }, ["--regions", "us-east-1", "--json"]);
        const { images } = JSON.parse(output) as { images: ListedImage[] };
        const current = images.find(image => image.imageId === "ami-00000002");
        assert.deepStrictEqual(current?.launchPermissions, { accounts: [PROD_ACCOUNT], organizationArns: [], organizationalUnitArns: [OU], groups: [] });
        assert.deepStrictEqual(current?.inUse, ["instance i-0web (running)"]);
        assert.deepStrictEqual(
            images.map(image => [image.imageId, image.encrypted, image.public]),
            [
                ["ami-00000002", true, false],
                ["ami-00000001", false, true],
            ],
        );
    });

    it("lists the regions it can read, names the one it cannot, and exits 3", async () => {
        const aws = fakeAws({ "us-east-1": region(), "us-west-2": region() });
        aws.regions["us-east-1"].ec2.on(DescribeImagesCommand).rejects(awsError("RequestLimitExceeded"));
        const recording = recordingContext(aws.clientsFor);

        const exitCode = await runCli(["list", "--stack", "dev"], recording.context, loadDevStack);

        assert.strictEqual(exitCode, ExitCode.regionFailed);
        assert.match(recording.stdout.join("\n"), /us-west-2\s+ami-00000002/);
        assert.doesNotMatch(recording.stdout.join("\n"), /us-east-1\s+ami-/);
        assert.ok(
            recording.stderr.some(line => /^error: us-east-1: ec2:DescribeImages was still throttled after the SDK's retries/.test(line)),
            recording.stderr.join("\n"),
        );
    });
});
