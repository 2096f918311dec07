import * as assert from "assert";
import {
    DescribeImagesCommand,
    DescribeLaunchTemplatesCommand,
    DescribeRegionsCommand,
    DeleteSnapshotCommand,
    DeregisterImageCommand,
} from "@aws-sdk/client-ec2";
import { runCli } from "../../../../tools/images/cli";
import { ExitCode } from "../../../../tools/images/context";
import { awsError, fakeAws, FakeRegion, RegionWorld } from "../fakeAws";
import { goldenAmi, loadDevStack, memoryFiles, recordingContext } from "../fixtures";
import { nonEmpty } from "../../../helpers";

const REPORT = "reports/prune-2026-06-01T12-00-00-000Z.json";

/**
 * Four dev versions, one a month from January to April's 1.4.0, the stack's current one: with the dev
 * stack's keepAtLeast of 2, January and February go.
 */
function fourMonths(): RegionWorld {
    return { images: [1, 2, 3, 4].map(month => goldenAmi(`ami-0000000${month}`, { created: `2026-0${month}-01T04:00:00.000Z`, version: `1.${month}.0` })) };
}

/** The calls that change something, in the order they were made. */
function changes(region: FakeRegion): string[] {
    return region.ec2.calls().flatMap(call => {
        const command = call.args[0];
        if (command instanceof DeregisterImageCommand) return [`deregister ${command.input.ImageId}`];
        if (command instanceof DeleteSnapshotCommand) return [`delete ${command.input.SnapshotId}`];
        return [];
    });
}

async function prune(worlds: Record<string, RegionWorld>, flags: string[] = []) {
    const aws = fakeAws(worlds);
    const recording = recordingContext(aws.clientsFor);
    const exitCode = await runCli(["prune", "--stack", "dev", ...flags], recording.context, loadDevStack);
    return { exitCode, aws, ...recording };
}

describe("images prune", () => {
    it("prints the report as JSON on stdout with --json, and no progress", async () => {
        const { exitCode, stdout, progress, reports } = await prune({ "us-east-1": fourMonths() }, ["--regions", "us-east-1", "--json"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.deepStrictEqual(progress, [], "no progress lines in --json mode");
        assert.strictEqual(stdout.length, 1, "one JSON document");
        const printed = JSON.parse(stdout[0]);
        assert.deepStrictEqual([printed.command, printed.mode, printed.regions.length], ["prune", "dry-run", 1]);
        assert.ok(printed.regions[0].pruned.length > 0, "the dry run lists what it would prune");
        assert.strictEqual(Object.keys(reports).length, 1, "the report file is written too");
        assert.ok(printed.reportFile in reports, "and the JSON names it");
    });

    it("by default only says what it would do: no image deregistered, no snapshot deleted, a report written", async () => {
        const { exitCode, aws, stdout, reports } = await prune({ "us-east-1": fourMonths(), "us-west-2": fourMonths() });
        assert.strictEqual(exitCode, ExitCode.ok);
        for (const region of nonEmpty(Object.values(aws.regions), "region")) {
            assert.strictEqual(region.ec2.commandCalls(DeregisterImageCommand).length, 0, "a dry run must not deregister");
            assert.strictEqual(region.ec2.commandCalls(DeleteSnapshotCommand).length, 0, "a dry run must not delete snapshots");
        }
        assert.match(stdout.join("\n"), /dry run, nothing changed/);
        const report = reports[REPORT] as { mode: string; regions: { region: string; pruned: { imageId: string; snapshotIds: string[] }[] }[] };
        assert.strictEqual(report.mode, "dry-run");
        assert.deepStrictEqual(
            report.regions.map(region => [region.region, region.pruned.map(pruned => [pruned.imageId, pruned.snapshotIds])]),
            [
                [
                    "us-east-1",
                    [
                        ["ami-00000002", ["snap-00000002"]],
                        ["ami-00000001", ["snap-00000001"]],
                    ],
                ],
                [
                    "us-west-2",
                    [
                        ["ami-00000002", ["snap-00000002"]],
                        ["ami-00000001", ["snap-00000001"]],
                    ],
                ],
            ],
        );
    });

    it("with --apply deregisters the images beyond the newest N and deletes each one's snapshots only after its deregistration", async () => {
        const { exitCode, aws } = await prune({ "us-east-1": fourMonths() }, ["--regions", "us-east-1", "--apply"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        const region = aws.regions["us-east-1"];
        assert.deepStrictEqual(changes(region), ["deregister ami-00000002", "delete snap-00000002", "deregister ami-00000001", "delete snap-00000001"]);
        assert.deepStrictEqual(region.world.images.map(image => image.ImageId).sort(), ["ami-00000003", "ami-00000004"]);
        assert.deepStrictEqual(region.world.snapshots.map(snapshot => snapshot.SnapshotId).sort(), ["snap-00000003", "snap-00000004"]);
    });

    it("keeps every image in use, whatever uses it, and removes only the unused one beyond --keep", async () => {
        const images = [
            goldenAmi("ami-00000001", { created: "2026-01-01T04:00:00.000Z", version: "1.3.1" }),
            goldenAmi("ami-00000002", { created: "2026-02-01T04:00:00.000Z", version: "1.3.2" }),
            goldenAmi("ami-00000003", { created: "2026-03-01T04:00:00.000Z", version: "1.3.3" }),
            goldenAmi("ami-00000004", { created: "2026-04-01T04:00:00.000Z", version: "1.3.4" }),
            goldenAmi("ami-00000005", { created: "2026-05-01T04:00:00.000Z", version: "1.3.5" }),
            goldenAmi("ami-00000006", { created: "2026-05-15T04:00:00.000Z", version: "1.3.6", lastLaunchedTime: "2026-05-30T00:00:00.000Z" }),
            goldenAmi("ami-00000007", { created: "2026-05-20T04:00:00.000Z", version: "1.3.7" }),
            goldenAmi("ami-00000009", { created: "2025-12-01T04:00:00.000Z", version: "1.3.9" }),
        ];
        const { exitCode, aws, reports } = await prune(
            {
                "us-east-1": {
                    images,
                    launchTemplates: [
                        {
                            template: { LaunchTemplateId: "lt-0web", LaunchTemplateName: "web", DefaultVersionNumber: 1, LatestVersionNumber: 2 },
                            versions: [
                                { VersionNumber: 1, DefaultVersion: true, LaunchTemplateData: { ImageId: "ami-00000001" } },
                                { VersionNumber: 2, DefaultVersion: false, LaunchTemplateData: { ImageId: "ami-00000002" } },
                            ],
                        },
                    ],
                    launchConfigurations: [{ LaunchConfigurationName: "legacy", ImageId: "ami-00000003" } as never],
                    instances: [{ InstanceId: "i-0stopped", ImageId: "ami-00000004", State: { Name: "stopped" } }],
                    parameters: [{ Name: "/golden-ami/al2023-base/dev/ami-id", Value: "ami-00000005", DataType: "aws:ec2:image" }],
                },
            },
            ["--regions", "us-east-1", "--keep", "1", "--apply"],
        );
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.deepStrictEqual(changes(aws.regions["us-east-1"]), ["deregister ami-00000009", "delete snap-00000009"]);
        const kept = (reports[REPORT] as { regions: { kept: { imageId: string; reasons: string[] }[] }[] }).regions[0].kept;
        const expectedReasons: [string, RegExp][] = [
            ["ami-00000007", /^newest 1 of 1$/],
            ["ami-00000006", /^in use: launched 2026-05-30T00:00:00.000Z, within the last 14 days$/],
            ["ami-00000005", /^in use: SSM parameter \/golden-ami\/al2023-base\/dev\/ami-id$/],
            ["ami-00000004", /^in use: instance i-0stopped \(stopped\)$/],
            ["ami-00000003", /^in use: launch configuration legacy$/],
            ["ami-00000002", /^in use: launch template web \(lt-0web\) \$Latest version 2$/],
            ["ami-00000001", /^in use: launch template web \(lt-0web\) \$Default version 1$/],
        ];
        assert.deepStrictEqual(
            kept.map(entry => entry.imageId),
            expectedReasons.map(([imageId]) => imageId),
        );
        expectedReasons.forEach(([imageId, reason], index) => assert.match(kept[index].reasons.join("; "), reason, `reason for keeping ${imageId}`));
    });

    it("goes on past an image it cannot deregister, keeps that image's snapshots, reports it and exits non-zero", async () => {
        const aws = fakeAws({ "us-east-1": fourMonths() });
        const region = aws.regions["us-east-1"];
        region.ec2.on(DeregisterImageCommand, { ImageId: "ami-00000002" }).rejects(awsError("UnauthorizedOperation"));
        const recording = recordingContext(aws.clientsFor);

        const exitCode = await runCli(["prune", "--stack", "dev", "--regions", "us-east-1", "--apply"], recording.context, loadDevStack);

        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.deepStrictEqual(changes(region), ["deregister ami-00000002", "deregister ami-00000001", "delete snap-00000001"]);
        assert.ok(
            region.world.snapshots.some(snapshot => snapshot.SnapshotId === "snap-00000002"),
            "the snapshot of an image still registered must stay",
        );
        const pruned = (recording.reports[REPORT] as { regions: { pruned: { imageId: string; deregistered: boolean; errors: string[] }[] }[] }).regions[0]
            .pruned;
        assert.strictEqual(pruned[0].deregistered, false);
        assert.match(pruned[0].errors[0], /ami-00000002: ec2:DeregisterImage was denied \(UnauthorizedOperation\)/);
        assert.match(recording.stdout.join("\n"), /FAILED\s+ami-00000002/);
    });

    it("reports on stderr, image by image, how far the deletions have got", async () => {
        const aws = fakeAws({ "us-east-1": fourMonths() });
        const recording = recordingContext(aws.clientsFor);
        assert.strictEqual(await runCli(["prune", "--stack", "dev", "--regions", "us-east-1", "--apply"], recording.context, loadDevStack), ExitCode.ok);
        const removing = recording.progress.filter(line => /^us-east-1: removing ami-\S+ and its snapshots \(\d+ of \d+\)…$/.test(line));
        assert.deepStrictEqual(
            removing.map(line => /\((\d+ of \d+)\)/.exec(line)![1]),
            ["1 of 2", "2 of 2"],
        );
    });

    /** DeleteSnapshot refusing `snapshotId` as still in use by its just-deregistered image, `times` times, then acting as EC2 does. */
    function inUseFor(region: FakeRegion, snapshotId: string, times: number): void {
        let refusals = times;
        region.ec2.on(DeleteSnapshotCommand).callsFake(input => {
            if (input.SnapshotId === snapshotId && refusals-- > 0) {
                throw awsError("InvalidSnapshot.InUse", `The snapshot ${snapshotId} is currently in use by ami-00000002`);
            }
            region.world.snapshots = region.world.snapshots.filter(snapshot => snapshot.SnapshotId !== input.SnapshotId);
            return {};
        });
    }

    it("deletes a snapshot EC2 still counts as in use just after the deregistration, by waiting and trying again", async () => {
        const aws = fakeAws({ "us-east-1": fourMonths() });
        const region = aws.regions["us-east-1"];
        inUseFor(region, "snap-00000002", 2);
        const recording = recordingContext(aws.clientsFor);

        const exitCode = await runCli(["prune", "--stack", "dev", "--regions", "us-east-1", "--apply"], recording.context, loadDevStack);

        assert.strictEqual(exitCode, ExitCode.ok, recording.stdout.join("\n"));
        assert.deepStrictEqual(changes(region), [
            "deregister ami-00000002",
            "delete snap-00000002",
            "delete snap-00000002",
            "delete snap-00000002",
            "deregister ami-00000001",
            "delete snap-00000001",
        ]);
        assert.deepStrictEqual(recording.slept, [2_000, 4_000]);
        assert.deepStrictEqual(region.world.snapshots.map(snapshot => snapshot.SnapshotId).sort(), ["snap-00000003", "snap-00000004"]);
        const pruned = (recording.reports[REPORT] as { regions: { pruned: { imageId: string; deletedSnapshots: string[]; errors: string[] }[] }[] }).regions[0]
            .pruned;
        assert.deepStrictEqual(
            pruned.map(entry => [entry.imageId, entry.deletedSnapshots, entry.errors]),
            [
                ["ami-00000002", ["snap-00000002"], []],
                ["ami-00000001", ["snap-00000001"], []],
            ],
        );
    });

    it("gives up on a snapshot still in use 30 s after its image was deregistered, says so, goes on and exits 1", async () => {
        const aws = fakeAws({ "us-east-1": fourMonths() });
        const region = aws.regions["us-east-1"];
        inUseFor(region, "snap-00000002", Infinity);
        const recording = recordingContext(aws.clientsFor);

        const exitCode = await runCli(["prune", "--stack", "dev", "--regions", "us-east-1", "--apply"], recording.context, loadDevStack);

        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.deepStrictEqual(recording.slept, [2_000, 4_000, 8_000, 16_000]);
        assert.strictEqual(region.ec2.commandCalls(DeleteSnapshotCommand, { SnapshotId: "snap-00000002" }).length, 5);
        assert.ok(!region.world.snapshots.some(snapshot => snapshot.SnapshotId === "snap-00000001"), "the next image's snapshot is still deleted");
        const pruned = (recording.reports[REPORT] as { regions: { pruned: { imageId: string; deregistered: boolean; errors: string[] }[] }[] }).regions[0]
            .pruned;
        assert.strictEqual(pruned[0].deregistered, true);
        assert.match(
            pruned[0].errors.join("\n"),
            /^snap-00000002: ec2:DeleteSnapshot failed \(InvalidSnapshot\.InUse\): .* \(still in use 30 s after ami-00000002 was deregistered: /,
        );
        assert.match(recording.stdout.join("\n"), /FAILED\s+ami-00000002/);
    });

    it("removes nothing in a region it cannot fully read, still prunes the others, and exits non-zero", async () => {
        const aws = fakeAws({ "us-east-1": fourMonths(), "us-west-2": fourMonths() });
        aws.regions["us-west-2"].ec2.on(DescribeLaunchTemplatesCommand).rejects(awsError("UnauthorizedOperation"));
        const recording = recordingContext(aws.clientsFor);

        const exitCode = await runCli(["prune", "--stack", "dev", "--apply"], recording.context, loadDevStack);

        assert.strictEqual(exitCode, ExitCode.regionFailed);
        assert.deepStrictEqual(changes(aws.regions["us-west-2"]), []);
        assert.strictEqual(aws.regions["us-east-1"].ec2.commandCalls(DeregisterImageCommand).length, 2);
        assert.ok(
            recording.stderr.some(line => /^error: us-west-2: ec2:DescribeLaunchTemplates was denied \(UnauthorizedOperation\)/.test(line)),
            `expected the failed region and action on stderr, got:\n${recording.stderr.join("\n")}`,
        );
        const report = recording.reports[REPORT] as { failedRegions: { region: string }[] };
        assert.deepStrictEqual(
            report.failedRegions.map(failed => failed.region),
            ["us-west-2"],
        );
    });

    it("says once that there are no AWS credentials, touches nothing, and exits non-zero", async () => {
        const aws = fakeAws({ "us-east-1": fourMonths(), "us-west-2": fourMonths() });
        const noCredentials = Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" });
        for (const region of nonEmpty(Object.values(aws.regions), "region")) region.ec2.on(DescribeImagesCommand).rejects(noCredentials);
        const recording = recordingContext(aws.clientsFor);

        const exitCode = await runCli(["prune", "--stack", "dev", "--apply"], recording.context, loadDevStack);

        assert.strictEqual(exitCode, ExitCode.regionFailed);
        const errors = recording.stderr.filter(line => line.startsWith("error:"));
        assert.deepStrictEqual(errors.length, 1, `expected one error line, got:\n${errors.join("\n")}`);
        assert.match(errors[0], /no AWS credentials: set AWS_PROFILE/);
        for (const region of nonEmpty(Object.values(aws.regions), "region")) assert.deepStrictEqual(changes(region), []);
    });

    it("leaves images of other stacks alone", async () => {
        const world = fourMonths();
        world.images!.push(goldenAmi("ami-0000000a", { created: "2025-01-01T04:00:00.000Z", environment: "prod" }));
        const { aws } = await prune({ "us-east-1": world }, ["--regions", "us-east-1", "--apply"]);
        assert.ok(
            aws.regions["us-east-1"].world.images.some(image => image.ImageId === "ami-0000000a"),
            "the prod image must stay",
        );
        assert.deepStrictEqual(
            changes(aws.regions["us-east-1"]).filter(change => change.startsWith("deregister")),
            ["deregister ami-00000002", "deregister ami-00000001"],
        );
    });

    it("never removes the stack's own image.version, even with nothing in the account pointing at it", async () => {
        // A rebuild of the current version leaves two builds of it; the parameter that publishes one is gone.
        const images = [
            goldenAmi("ami-00000001", { created: "2026-01-01T04:00:00.000Z", version: "1.4.0" }),
            goldenAmi("ami-00000002", { created: "2026-02-01T04:00:00.000Z", version: "1.4.0" }),
            goldenAmi("ami-00000003", { created: "2026-03-01T04:00:00.000Z", version: "1.3.9" }),
            goldenAmi("ami-00000004", { created: "2026-04-01T04:00:00.000Z", version: "1.3.9" }),
        ];
        const { aws, reports } = await prune({ "us-east-1": { images } }, ["--regions", "us-east-1", "--keep", "1", "--apply"]);
        assert.deepStrictEqual(
            changes(aws.regions["us-east-1"]).filter(change => change.startsWith("deregister")),
            ["deregister ami-00000003"],
        );
        const kept = (reports[REPORT] as { regions: { kept: { imageId: string; reasons: string[] }[] }[] }).regions[0].kept;
        assert.match(kept.find(entry => entry.imageId === "ami-00000001")!.reasons.join("; "), /dev's image\.version 1\.4\.0/);
    });

    describe("in a region the stack no longer lists (copies stay when a region is dropped from golden-ami:regions)", () => {
        /**
         * eu-west-1 was dropped; its copies stayed. At --keep 1: e6 is the newest; e2 carries the keep tag, e3 was
         * launched lately, e4 is prod's pin. e1 is at dev's image.version 1.4.0, which protects it only where dev's
         * up still manages a copy.
         */
        function droppedRegion(): RegionWorld {
            return {
                images: [
                    goldenAmi("ami-000000e1", { created: "2026-01-01T04:00:00.000Z", version: "1.4.0" }),
                    goldenAmi("ami-000000e2", { created: "2025-12-01T04:00:00.000Z", version: "1.3.0", tags: { GoldenAmiKeep: "true" } }),
                    goldenAmi("ami-000000e3", { created: "2025-11-01T04:00:00.000Z", version: "1.2.0", lastLaunchedTime: "2026-05-30T00:00:00.000Z" }),
                    goldenAmi("ami-000000e4", { created: "2025-10-01T04:00:00.000Z", version: "1.1.0" }),
                    goldenAmi("ami-000000e6", { created: "2026-04-01T04:00:00.000Z", version: "1.3.9" }),
                ],
            };
        }
        const prodPinsE4 = () => memoryFiles({ "Pulumi.prod.yaml": "config:\n  golden-ami:promoteFrom:\n    amiIds:\n      al2023-base: ami-000000e4\n" });

        it("prunes it by default, keeping the newest, the tagged, the recently launched and the pinned, but nothing for being at the stack's version", async () => {
            const aws = fakeAws({ "us-east-1": fourMonths(), "us-west-2": {}, "eu-west-1": droppedRegion(), "ap-south-1": {} });
            const recording = recordingContext(aws.clientsFor, prodPinsE4());
            const exitCode = await runCli(["prune", "--stack", "dev", "--keep", "1", "--apply"], recording.context, loadDevStack);
            assert.strictEqual(exitCode, ExitCode.ok, recording.stderr.join("\n"));
            assert.deepStrictEqual(changes(aws.regions["eu-west-1"]), ["deregister ami-000000e1", "delete snap-000000e1"]);
            const report = recording.reports[REPORT] as {
                regionScope: { source: string };
                droppedRegions: { region: string; images: number }[];
                regions: { region: string; kept: { imageId: string; reasons: string[] }[] }[];
            };
            assert.strictEqual(report.regionScope.source, "enabled-regions");
            assert.deepStrictEqual(report.droppedRegions, [{ region: "eu-west-1", images: 5 }]);
            const kept = report.regions.find(region => region.region === "eu-west-1")!.kept;
            const expectedReasons: [string, RegExp][] = [
                ["ami-000000e6", /^newest 1 of 1$/],
                ["ami-000000e2", /^in use: tagged GoldenAmiKeep=true/],
                ["ami-000000e3", /^in use: launched 2026-05-30T00:00:00.000Z/],
                ["ami-000000e4", /^in use: pinned by prod \(promoteFrom\.amiIds\.al2023-base in Pulumi\.prod\.yaml\)$/],
            ];
            assert.deepStrictEqual(
                kept.map(entry => entry.imageId),
                expectedReasons.map(([imageId]) => imageId),
            );
            expectedReasons.forEach(([imageId, reason], index) => assert.match(kept[index].reasons.join("; "), reason, `reason for keeping ${imageId}`));
            const text = recording.stdout.join("\n");
            assert.match(
                text,
                /^eu-west-1: holds 5 image\(s\) of the stack, but golden-ami:regions no longer lists it: pruned by the same rules, except that none is kept for being at the stack's image\.version$/m,
            );
            assert.match(text, /^Nothing of the stack in the 1 other enabled region\(s\) read: ap-south-1$/m);
        });

        it("without ec2:DescribeRegions prunes the stack's regions only, leaves the dropped one alone, warns and exits 3", async () => {
            const aws = fakeAws({ "us-east-1": fourMonths(), "us-west-2": {}, "eu-west-1": droppedRegion() });
            aws.regions["us-east-1"].ec2.on(DescribeRegionsCommand).rejects(awsError("UnauthorizedOperation"));
            const recording = recordingContext(aws.clientsFor, prodPinsE4());
            const exitCode = await runCli(["prune", "--stack", "dev", "--apply", "--json"], recording.context, loadDevStack);
            assert.strictEqual(exitCode, ExitCode.regionFailed);
            assert.strictEqual(aws.regions["eu-west-1"].ec2.calls().length, 0, "the dropped region is not read");
            assert.strictEqual(aws.regions["us-east-1"].ec2.commandCalls(DeregisterImageCommand).length, 2, "the stack's regions are still pruned");
            assert.strictEqual((JSON.parse(recording.stdout.join("\n")) as { regionScope: { source: string } }).regionScope.source, "stack-regions");
            assert.ok(
                recording.stderr.some(line =>
                    /^warning: could not list the regions enabled for the account \(ec2:DescribeRegions was denied .*so images kept in a region the stack no longer lists were not considered\. Allow ec2:DescribeRegions, or pass --regions/.test(
                        line,
                    ),
                ),
                recording.stderr.join("\n"),
            );
        });
    });

    it("writes the report where --report says", async () => {
        const { reports } = await prune({ "us-east-1": fourMonths() }, ["--regions", "us-east-1", "--report", "out/prune.json"]);
        assert.deepStrictEqual(Object.keys(reports), ["out/prune.json"]);
    });
});
