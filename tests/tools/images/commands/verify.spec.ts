import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { runCli } from "../../../../tools/images/cli";
import { ExitCode } from "../../../../tools/images/context";
import { awsError, fakeAws, RegionWorld } from "../fakeAws";
import { parseStackConfig } from "../../../../components/config";
import { AmiOptions, DEV_STACK, goldenAmi, loadDevStack, PROD_ACCOUNT, recordingContext } from "../fixtures";

const CREATED = "2026-05-01T04:00:00.000Z";

/** A region exactly as the dev stack wants it: its image at 1.4.0, shared with the prod account only. */
function matchingRegion(options: Partial<AmiOptions> = {}): RegionWorld {
    return {
        images: [
            goldenAmi("ami-00000001", { created: "2026-03-01T04:00:00.000Z", version: "1.3.0" }),
            goldenAmi("ami-00000002", { created: CREATED, version: "1.4.0", ...options }),
        ],
        launchPermissions: { "ami-00000002": [{ UserId: PROD_ACCOUNT }] },
        parameters: [{ Name: PARAMETER, Value: "ami-00000002", DataType: "aws:ec2:image" }],
    };
}

const PARAMETER = "/golden-ami/al2023-base/dev/ami-id";

async function verify(worlds: Record<string, RegionWorld>, flags: string[] = []) {
    const aws = fakeAws(worlds);
    const recording = recordingContext(aws.clientsFor);
    const exitCode = await runCli(["verify", "--stack", "dev", ...flags], recording.context, loadDevStack);
    return { exitCode, aws, ...recording, output: recording.stdout.join("\n") };
}

describe("images verify", () => {
    it("with --outputs, checks each region's SSM parameter against the stack output's amiIds", async () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-outputs-")), "outputs.json");
        fs.writeFileSync(file, JSON.stringify({ amiIds: { "us-east-1": "ami-00000002", "us-west-2": "ami-00000009" } }));
        const { exitCode, output } = await verify({ "us-east-1": matchingRegion(), "us-west-2": matchingRegion() }, ["--outputs", file]);
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(
            output,
            /DRIFT {2}us-west-2 .*\n\s+- ssm-parameter: SSM parameter \/golden-ami\/al2023-base\/dev\/ami-id holds ami-00000002, but the stack output amiIds says ami-00000009/,
        );
        assert.match(output, /ok {5}us-east-1 /);
    });

    it("passes, exit 0, when every region holds the stack's image as configured", async () => {
        const { exitCode, output } = await verify({ "us-east-1": matchingRegion(), "us-west-2": matchingRegion() });
        assert.strictEqual(exitCode, ExitCode.ok, output);
        assert.match(output, /ok {5}us-east-1 ami-00000002 .*matches the stack/);
        assert.match(output, /2 region\(s\) match, 0 drifted, 0 could not be checked/);
    });

    const drifts: [string, (world: RegionWorld) => void, RegExp][] = [
        [
            "no image at the configured version",
            world => {
                world.images = world.images!.slice(0, 1);
            },
            /DRIFT {2}us-west-2:\n\s+- missing: no image of al2023-base at version 1\.4\.0/,
        ],
        [
            "an SSM parameter that still holds the previous image (aws:ec2:image values are validated asynchronously)",
            world => {
                world.parameters = [{ Name: PARAMETER, Value: "ami-00000001" }];
            },
            /- ssm-parameter: SSM parameter \/golden-ami\/al2023-base\/dev\/ami-id holds ami-00000001, but verify judged the stack's image at its version ami-00000002\. AWS validates aws:ec2:image parameters asynchronously/,
        ],
        [
            "no SSM parameter at all",
            world => {
                world.parameters = [];
            },
            /- ssm-parameter: SSM parameter \/golden-ami\/al2023-base\/dev\/ami-id holds nothing \(it does not exist\)/,
        ],
        [
            "an image that is not available",
            world => {
                world.images![1] = goldenAmi("ami-00000002", { created: CREATED, state: "failed" });
            },
            /- not-available: state is failed, expected available/,
        ],
        [
            "an unencrypted EBS mapping",
            world => {
                world.images![1] = goldenAmi("ami-00000002", {
                    created: CREATED,
                    volumes: [{ device: "/dev/xvda", snapshotId: "snap-00000002", encrypted: false }],
                });
            },
            /- unencrypted: EBS volume \/dev\/xvda is not encrypted/,
        ],
        [
            "an unencrypted snapshot behind an encrypted mapping",
            world => {
                world.snapshots = [
                    { SnapshotId: "snap-00000001", Encrypted: true },
                    { SnapshotId: "snap-00000002", Encrypted: false },
                ];
            },
            /- unencrypted: snapshot snap-00000002 of \/dev\/xvda is not encrypted/,
        ],
        [
            "a public image",
            world => {
                world.launchPermissions!["ami-00000002"].push({ Group: "all" });
            },
            /- public: is public/,
        ],
        [
            "an extra principal",
            world => {
                world.launchPermissions!["ami-00000002"].push({ UserId: "999999999999" });
            },
            /- extra-principal: account 999999999999 may launch it but is not in sharing\.accounts/,
        ],
        [
            "a missing principal",
            world => {
                world.launchPermissions!["ami-00000002"] = [];
            },
            /- missing-principal: sharing\.accounts lists 222222222222 but it has no launch permission/,
        ],
        [
            "a missing required tag",
            world => {
                world.images![1] = goldenAmi("ami-00000002", { created: CREATED, tags: { Owner: undefined } });
            },
            /- missing-tag: tag Owner is missing/,
        ],
        [
            "no deprecation time",
            world => {
                world.images![1] = goldenAmi("ami-00000002", { created: CREATED, deprecationTime: null });
            },
            /- no-deprecation: has no deprecation time/,
        ],
    ];
    for (const [what, change, reported] of drifts) {
        it(`catches ${what}, names region, image and difference, and exits 1`, async () => {
            const drifted = matchingRegion();
            change(drifted);
            const { exitCode, output } = await verify({ "us-east-1": matchingRegion(), "us-west-2": drifted });
            assert.strictEqual(exitCode, ExitCode.problemsFound, output);
            assert.match(output, /ok {5}us-east-1 ami-00000002/);
            if (drifted.images!.length > 1) assert.match(output, /DRIFT {2}us-west-2 ami-00000002 \(al2023-base-1\.4\.0-[^)]*\):/);
            assert.match(output, reported);
        });
    }

    it("judges the stack's own image, not another stack's earlier one at the same version in the same account", async () => {
        // prod's copy of 1.4.0, made before dev's rebuilt 1.4.0 and shared with prod's consumers instead of the prod account.
        const withProd = (world: RegionWorld): RegionWorld => ({
            ...world,
            images: [goldenAmi("ami-0000000f", { created: "2026-04-01T04:00:00.000Z", version: "1.4.0", environment: "prod" }), ...world.images!],
            launchPermissions: { ...world.launchPermissions, "ami-0000000f": [{ UserId: "333333333333" }] },
        });
        const { exitCode, output } = await verify({ "us-east-1": withProd(matchingRegion()), "us-west-2": withProd({ images: [] }) });
        assert.strictEqual(exitCode, ExitCode.problemsFound, output);
        assert.match(output, /ok {5}us-east-1 ami-00000002 .*matches the stack/);
        assert.match(
            output,
            /DRIFT {2}us-west-2:\n\s+- missing: no image of al2023-base at version 1\.4\.0 made by stack dev .*; at that version only other stacks' images: ami-0000000f \(Environment=prod\)/,
        );
    });

    it("requires the tags --require-tags names instead of the default ones", async () => {
        const { exitCode, output } = await verify({ "us-east-1": matchingRegion() }, ["--regions", "us-east-1", "--require-tags", "Name,DataClassification"]);
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(output, /- missing-tag: tag DataClassification is missing/);
    });

    it("still verifies the other regions when one is denied, and exits 3", async () => {
        const aws = fakeAws({ "us-east-1": matchingRegion(), "us-west-2": matchingRegion() });
        aws.regions["us-west-2"].ec2.on(DescribeImagesCommand).rejects(awsError("UnauthorizedOperation"));
        const recording = recordingContext(aws.clientsFor);

        const exitCode = await runCli(["verify", "--stack", "dev"], recording.context, loadDevStack);

        assert.strictEqual(exitCode, ExitCode.regionFailed);
        assert.match(recording.stdout.join("\n"), /ok {5}us-east-1 ami-00000002/);
        assert.match(recording.stdout.join("\n"), /1 region\(s\) match, 0 drifted, 1 could not be checked/);
        assert.ok(
            recording.stderr.some(line => /^error: us-west-2: ec2:DescribeImages was denied \(UnauthorizedOperation\)/.test(line)),
            recording.stderr.join("\n"),
        );
    });

    it("prints the verdicts as JSON with --json", async () => {
        const drifted = matchingRegion({ deprecationTime: null });
        const { output } = await verify({ "us-east-1": drifted }, ["--regions", "us-east-1", "--json"]);
        const verdicts = JSON.parse(output) as { version: string; regions: { region: string; image: { imageId: string }; drift: { kind: string }[] }[] };
        assert.strictEqual(verdicts.version, "1.4.0");
        assert.deepStrictEqual(
            verdicts.regions.map(verdict => [verdict.region, verdict.image.imageId, verdict.drift.map(item => item.kind)]),
            [["us-east-1", "ami-00000002", ["no-deprecation"]]],
        );
    });

    it("checks that promoting accounts can read the home region's snapshots (and only there), reporting the ones they cannot", async () => {
        const promotingDev = (stack: string) => parseStackConfig({ ...DEV_STACK, sharing: { promotingAccounts: [PROD_ACCOUNT] } }, stack);
        const aws = fakeAws({ "us-east-1": matchingRegion(), "us-west-2": matchingRegion() });
        const recording = recordingContext(aws.clientsFor);

        const exitCode = await runCli(["verify", "--stack", "dev"], recording.context, promotingDev);

        const output = recording.stdout.join("\n");
        assert.strictEqual(exitCode, ExitCode.problemsFound, output);
        assert.match(
            output,
            /DRIFT {2}us-east-1 ami-00000002 .*:\n\s+- missing-volume-permission: sharing\.promotingAccounts lists 222222222222 but it cannot read snapshot snap-00000002/,
        );
        assert.match(output, /ok {5}us-west-2 ami-00000002/);

        aws.regions["us-east-1"].world.volumePermissions["snap-00000002"] = [{ UserId: PROD_ACCOUNT }];
        const fixed = recordingContext(aws.clientsFor);
        assert.strictEqual(await runCli(["verify", "--stack", "dev"], fixed.context, promotingDev), ExitCode.ok, fixed.stdout.join("\n"));
    });

    it("reports a copy's snapshot another account may read, in any region: the disk is given away as surely as by a launch permission", async () => {
        const leaking = matchingRegion();
        leaking.volumePermissions = { "snap-00000002": [{ UserId: "999999999999" }] };
        const { exitCode, output } = await verify({ "us-east-1": matchingRegion(), "us-west-2": leaking });
        assert.strictEqual(exitCode, ExitCode.problemsFound, output);
        assert.match(output, /ok {5}us-east-1 ami-00000002/);
        assert.match(output, /DRIFT {2}us-west-2 ami-00000002 .*:\n\s+- extra-principal: account 999999999999 may read snapshot snap-00000002 of \/dev\/xvda/);
    });
});
