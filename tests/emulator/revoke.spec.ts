// images revoke against the EC2 emulator: what AWS holds afterwards, not which calls were made.
import * as assert from "assert";
import { parseStackConfig, RawStackConfig } from "../../components/config";
import { runCli } from "../../tools/images/cli";
import { ExitCode } from "../../tools/images/context";
import { StackLoader } from "../../tools/images/target";
import { recordingContext } from "../tools/images/fixtures";
import { granteeAccountsOf, launchersOf, SeededImage, seedAutoScalingGrant, seedImage, seedImageKey, snapshotReadersOf } from "./account";
import { MotoServer, startMoto } from "./motoServer";

const FAMILY = "al2023-base";
const PROMOTING = "222222222222";
const STAYS = "444444444444";
const REMOVED = "333333333333";
const ORGANIZATION = "arn:aws:organizations::555555555555:organization/o-a1b2c3d4e5";
const REMOVED_OU = "arn:aws:organizations::555555555555:ou/o-a1b2c3d4e5/ou-ab12-removed1";
const REGIONS = ["us-east-1", "us-west-2"];
const ALIAS = "alias/golden-ami/dev";

/** A region the stack listed once: dropped from golden-ami:regions, its copies stayed (retainOnDelete). */
const DROPPED = "eu-west-1";

function stackWith(sharing: Record<string, string[]>): StackLoader {
    const raw: RawStackConfig = {
        "aws:region": "us-east-1",
        images: { [FAMILY]: { version: "1.4.0", baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" } },
        regions: ["us-west-2"],
        sharing,
        tags: { Owner: "platform-team" },
    };
    return stack => parseStackConfig(raw, stack);
}

/** The account after sharing listed PROMOTING, STAYS, REMOVED and REMOVED_OU: two versions in each region, a key and grants. */
interface SharedWorld {
    images: Record<string, SeededImage[]>;
    keys: Record<string, string>;
    otherStackImage: SeededImage;
}

async function sharedWorld(moto: MotoServer): Promise<SharedWorld> {
    const world: SharedWorld = { images: {}, keys: {}, otherStackImage: undefined as never };
    for (const region of REGIONS) {
        const clients = moto.clients(region);
        world.images[region] = [];
        for (const version of ["1.3.0", "1.4.0"]) {
            world.images[region].push(
                await seedImage(clients, region, {
                    name: `${FAMILY}-${version}-dev-20260101T000000Z`,
                    tags: { Name: FAMILY, Environment: "dev", Version: version },
                    launch: [{ UserId: PROMOTING }, { UserId: STAYS }, { UserId: REMOVED }, { OrganizationalUnitArn: REMOVED_OU }],
                    snapshotReaders: [PROMOTING, REMOVED],
                }),
            );
        }
        world.keys[region] = await seedImageKey(clients, ALIAS);
        for (const account of [PROMOTING, STAYS, REMOVED]) await seedAutoScalingGrant(clients, world.keys[region], account);
    }
    // Another stack's image in the same account, shared with the removed account on purpose: not dev's to change.
    world.otherStackImage = await seedImage(moto.clients("us-east-1"), "us-east-1", {
        name: `${FAMILY}-1.4.0-prod-20260101T000000Z`,
        tags: { Name: FAMILY, Environment: "prod", Version: "1.4.0" },
        launch: [{ UserId: REMOVED }],
    });
    return world;
}

/**
 * The stack's regions named with --regions: moto answers DescribeRegions with some 30 regions, and reading
 * each costs time. The test of the default passes `everyRegion`.
 */
async function revoke(moto: MotoServer, loadStack: StackLoader, flags: string[], regions: "stack's" | "everyRegion" = "stack's") {
    const recording = recordingContext(moto.clients);
    const narrowed = regions === "everyRegion" ? [] : ["--regions", REGIONS.join(",")];
    const exitCode = await runCli(["revoke", "--stack", "dev", ...narrowed, ...flags], recording.context, loadStack);
    return { exitCode, ...recording };
}

describe("images revoke (EC2 emulator)", function () {
    this.timeout(60_000);
    let moto: MotoServer;
    before(async () => {
        moto = await startMoto();
    });
    after(async () => {
        await moto?.stop();
    });
    beforeEach(async () => {
        await moto.reset();
    });

    const stillListed = stackWith({ accounts: [STAYS], promotingAccounts: [PROMOTING] });

    it("takes back launch permissions, snapshot reads and KMS grants of removed principals on every version in every region", async () => {
        const world = await sharedWorld(moto);
        const { exitCode, stdout, stderr } = await revoke(moto, stillListed, ["--apply", "--report", "out/revoke.json"]);
        assert.strictEqual(exitCode, ExitCode.ok, `${stdout.join("\n")}\n${stderr.join("\n")}`);
        for (const region of REGIONS) {
            const clients = moto.clients(region);
            assert.strictEqual(world.images[region].length, 2);
            for (const image of world.images[region]) {
                assert.deepStrictEqual(
                    await launchersOf(clients, image.imageId),
                    [`account:${PROMOTING}`, `account:${STAYS}`],
                    `${region} ${image.imageId}: only the listed accounts may still launch it`,
                );
                assert.ok(image.snapshotIds.length > 0, `${image.imageId} has a snapshot`);
                for (const snapshotId of image.snapshotIds) {
                    assert.deepStrictEqual(
                        await snapshotReadersOf(clients, snapshotId),
                        [PROMOTING],
                        `${region} ${snapshotId}: the promoting account keeps read access (rollback copies need it); the removed one loses it`,
                    );
                }
            }
            assert.deepStrictEqual(
                await granteeAccountsOf(clients, world.keys[region]),
                [PROMOTING, STAYS].sort(),
                `${region}: the removed account's grant is revoked, the listed accounts' grants stay`,
            );
        }
        assert.deepStrictEqual(
            await launchersOf(moto.clients("us-east-1"), world.otherStackImage.imageId),
            [`account:${REMOVED}`],
            "another stack's image is not this stack's to change",
        );
    });

    it("by default only reports: nothing changes, and the report and --json name who loses what", async () => {
        const world = await sharedWorld(moto);
        const { exitCode, stdout, reports } = await revoke(moto, stillListed, ["--json", "--report", "out/revoke.json"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        const clients = moto.clients("us-east-1");
        assert.ok((await launchersOf(clients, world.images["us-east-1"][0].imageId)).includes(`account:${REMOVED}`), "a dry run changes nothing");
        assert.strictEqual((await granteeAccountsOf(clients, world.keys["us-east-1"])).length, 3, "a dry run revokes no grant");

        const printed = JSON.parse(stdout.join("\n")) as { mode: string; losses: object; regions: { region: string; imagesChecked: number }[] };
        assert.deepStrictEqual(printed, reports["out/revoke.json"], "--json prints the report");
        assert.strictEqual(printed.mode, "dry-run");
        assert.deepStrictEqual(printed.losses, {
            [`account ${REMOVED}`]: { images: 4, snapshots: 4, grants: 2 },
            [`OU ${REMOVED_OU}`]: { images: 4, snapshots: 0, grants: 0 },
        });
        assert.deepStrictEqual(
            printed.regions.map(region => [region.region, region.imagesChecked]),
            [
                ["us-east-1", 2],
                ["us-west-2", 2],
            ],
        );
    });

    it("keeps, and reports, a grant of an unlisted account while an organization it may belong to is still listed", async () => {
        const world = await sharedWorld(moto);
        const { exitCode, stdout } = await revoke(moto, stackWith({ promotingAccounts: [PROMOTING], organizationArns: [ORGANIZATION] }), ["--apply"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        const clients = moto.clients("us-east-1");
        assert.deepStrictEqual(
            await launchersOf(clients, world.images["us-east-1"][1].imageId),
            [`account:${PROMOTING}`],
            "launch permissions of unlisted accounts and OUs go",
        );
        assert.deepStrictEqual(await granteeAccountsOf(clients, world.keys["us-east-1"]), [PROMOTING, REMOVED, STAYS].sort());
        assert.match(
            stdout.join("\n"),
            new RegExp(
                `kept\\s+grant \\S+ on \\S+ to \\S+${REMOVED}\\S+: account ${REMOVED} is not listed, but may be a member of a listed organization or OU; if it is not, revoke it: aws kms revoke-grant`,
            ),
        );
    });

    it("a second run finds nothing left to take back", async () => {
        await sharedWorld(moto);
        await revoke(moto, stillListed, ["--apply"]);
        const { exitCode, stdout, reports } = await revoke(moto, stillListed, ["--report", "out/second.json"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.deepStrictEqual((reports["out/second.json"] as { losses: object }).losses, {});
        assert.match(stdout.join("\n"), /Nobody loses access/);
    });

    it("by default reads every enabled region: a copy kept in a region dropped from the config loses a removed account's access, a listed one keeps it", async () => {
        const world = await sharedWorld(moto);
        const kept = await seedImage(moto.clients(DROPPED), DROPPED, {
            name: `${FAMILY}-1.3.0-dev-20251201T000000Z`,
            tags: { Name: FAMILY, Environment: "dev", Version: "1.3.0" },
            launch: [{ UserId: PROMOTING }, { UserId: STAYS }, { UserId: REMOVED }],
            snapshotReaders: [PROMOTING, REMOVED],
        });
        assert.ok(
            (await launchersOf(moto.clients(DROPPED), kept.imageId)).includes(`account:${REMOVED}`),
            "the kept copy starts out shared with the removed account",
        );
        const { exitCode, stdout, stderr, reports } = await revoke(moto, stillListed, ["--apply", "--report", "out/revoke.json"], "everyRegion");
        assert.strictEqual(exitCode, ExitCode.ok, `${stdout.join("\n")}\n${stderr.join("\n")}`);

        const clients = moto.clients(DROPPED);
        assert.deepStrictEqual(
            await launchersOf(clients, kept.imageId),
            [`account:${PROMOTING}`, `account:${STAYS}`],
            `${DROPPED} ${kept.imageId}: the removed account loses its launch permission, the listed accounts keep theirs`,
        );
        assert.ok(kept.snapshotIds.length > 0, `${kept.imageId} has a snapshot`);
        for (const snapshotId of kept.snapshotIds) {
            assert.deepStrictEqual(
                await snapshotReadersOf(clients, snapshotId),
                [PROMOTING],
                `${DROPPED} ${snapshotId}: the removed account can no longer copy it`,
            );
        }
        assert.deepStrictEqual(
            await launchersOf(moto.clients("us-west-2"), world.images["us-west-2"][0].imageId),
            [`account:${PROMOTING}`, `account:${STAYS}`],
            "the stack's own regions are reconciled as before",
        );

        const report = reports["out/revoke.json"] as {
            regionScope: { source: string; regions: string[] };
            droppedRegions: { region: string; images: number }[];
        };
        assert.strictEqual(report.regionScope.source, "enabled-regions");
        assert.deepStrictEqual(report.regionScope.regions.slice(0, 2), REGIONS, "the stack's regions first, home region first");
        assert.ok(report.regionScope.regions.length > 3, `every enabled region is read, got ${report.regionScope.regions.join(", ")}`);
        assert.deepStrictEqual(report.droppedRegions, [{ region: DROPPED, images: 1 }]);
        assert.match(stdout.join("\n"), new RegExp(`^${DROPPED}: holds 1 image\\(s\\) of the stack, but golden-ami:regions no longer lists it`, "m"));
    });

    it("refuses to run without --stack, before reading AWS", async () => {
        const recording = recordingContext(() => {
            throw new Error("no AWS call expected");
        });
        const exitCode = await runCli(["revoke", "--regions", "us-east-1"], recording.context, stillListed);
        assert.strictEqual(exitCode, ExitCode.badInput);
        assert.match(recording.stderr.join("\n"), /revoke reconciles the stack's images with its golden-ami:sharing: pass --stack <name>/);
    });
});
