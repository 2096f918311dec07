// images prune against the EC2 emulator, after a sequence of bumps, promotions and a rollback: what the
// account holds afterwards.
import * as assert from "assert";
import { stringify } from "yaml";
import { parseStackConfig, RawStackConfig } from "../../components/config";
import { runCli } from "../../tools/images/cli";
import { ExitCode } from "../../tools/images/context";
import { StackLoader } from "../../tools/images/target";
import { memoryFiles, recordingContext } from "../tools/images/fixtures";
import { launchersOf, registeredImageIds, SeededImage, seedImage, snapshotIdsInAccount, snapshotReadersOf } from "./account";
import { MotoServer, startMoto } from "./motoServer";

const FAMILY = "al2023-base";
const PROD_ACCOUNT = "222222222222";
const HOME = "us-east-1";
const VERSIONS = ["1.0.0", "1.1.0", "1.2.0", "1.3.0", "1.4.0"];

const DEV: RawStackConfig = {
    "aws:region": HOME,
    images: { [FAMILY]: { version: "1.4.0", baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" } },
    sharing: { promotingAccounts: [PROD_ACCOUNT] },
    // Only the newest by count (nothing was launched): what keeps older images is the promotions.
    lifecycle: { deprecateAfterDays: 30, deleteAfterDays: 90, keepAtLeast: 1, keepIfLaunchedWithinDays: 14 },
    tags: { Owner: "platform-team" },
};
const loadDev: StackLoader = stack => parseStackConfig(DEV, stack);

/** The repository after prod promoted `promoted` (its record naming `previous`), as `images promote` leaves it. */
function repositoryAfterPromotion(images: Record<string, SeededImage>, promoted: string, previous: string) {
    const stackFile = (config: Record<string, unknown>) => stringify({ config });
    return memoryFiles({
        "Pulumi.dev.yaml": stackFile({ "aws:region": HOME, "golden-ami:images": DEV.images }),
        "Pulumi.prod.yaml": stackFile({
            "aws:region": HOME,
            "golden-ami:images": { [FAMILY]: { version: promoted } },
            "golden-ami:promoteFrom": { account: "123456789012", region: HOME, amiIds: { [FAMILY]: images[promoted].imageId }, stack: "dev" },
        }),
        [`promotions/prod/${FAMILY}/${promoted}.json`]: JSON.stringify({
            stack: "prod",
            version: promoted,
            amiId: images[promoted].imageId,
            previous: { version: previous, amiId: images[previous].imageId },
        }),
    });
}

describe("images prune after bumps, promotions and a rollback (EC2 emulator)", function () {
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

    /** dev's copies of five versions, each shared with prod, which copies them (read access to the snapshots). */
    async function fiveVersions(): Promise<Record<string, SeededImage>> {
        const images: Record<string, SeededImage> = {};
        for (const version of VERSIONS) {
            images[version] = await seedImage(moto.clients(HOME), HOME, {
                name: `${FAMILY}-${version}-dev-20260101T000000Z`,
                tags: { Name: FAMILY, Environment: "dev", Version: version },
                launch: [{ UserId: PROD_ACCOUNT }],
                snapshotReaders: [PROD_ACCOUNT],
            });
        }
        return images;
    }

    async function prune(files: ReturnType<typeof memoryFiles>, flags: string[] = []) {
        const recording = recordingContext(moto.clients, files);
        // The emulator dates images by its own clock.
        recording.context.now = () => new Date();
        const exitCode = await runCli(["prune", "--stack", "dev", "--regions", HOME, "--apply", ...flags], recording.context, loadDev);
        assert.strictEqual(exitCode, ExitCode.ok, `${recording.stdout.join("\n")}\n${recording.stderr.join("\n")}`);
        return recording;
    }

    it("keeps the AMI prod pins and the one its promotion record names as previous, with their snapshots, through a rollback", async () => {
        const images = await fiveVersions();
        const clients = moto.clients(HOME);

        // prod promoted 1.1.0, then 1.2.0, then 1.3.0: its record names 1.2.0 as the previous one.
        await prune(repositoryAfterPromotion(images, "1.3.0", "1.2.0"));
        const survivors = ["1.2.0", "1.3.0", "1.4.0"].map(version => images[version].imageId).sort();
        assert.deepStrictEqual(await registeredImageIds(clients), survivors, "1.0.0 and 1.1.0 go; the pin, the rollback target and dev's current stay");

        // 1.3.0 is bad: prod rolls back to 1.2.0. The AMI is still there, with its snapshot, shared as before.
        const target = images["1.2.0"];
        assert.ok(target.snapshotIds.length > 0);
        const snapshots = await snapshotIdsInAccount(clients);
        for (const snapshotId of target.snapshotIds) {
            assert.ok(snapshots.includes(snapshotId), `the rollback target's snapshot ${snapshotId} survives`);
            assert.deepStrictEqual(await snapshotReadersOf(clients, snapshotId), [PROD_ACCOUNT], "prod can still copy it");
        }
        assert.deepStrictEqual(await launchersOf(clients, target.imageId), [`account:${PROD_ACCOUNT}`]);
        for (const version of ["1.0.0", "1.1.0"]) {
            for (const snapshotId of images[version].snapshotIds) assert.ok(!snapshots.includes(snapshotId), `${version}'s snapshot ${snapshotId} is deleted`);
        }

        // After the rollback (promote 1.2.0 again: its record names 1.3.0 as previous), prune keeps both once more.
        const afterRollback = await prune(repositoryAfterPromotion(images, "1.2.0", "1.3.0"));
        assert.deepStrictEqual(await registeredImageIds(clients), survivors);
        assert.match(
            afterRollback.stdout.join("\n"),
            new RegExp(`keep\\s+${target.imageId}\\s+1\\.2\\.0 .*pinned by prod \\(promoteFrom\\.amiIds\\.al2023-base in Pulumi\\.prod\\.yaml\\)`),
        );
    });

    it("leaves Image Builder's own builds to the lifecycle, and even when asked prunes none younger than deleteAfterDays", async () => {
        const builds: SeededImage[] = [];
        for (const version of VERSIONS) {
            builds.push(
                await seedImage(moto.clients(HOME), HOME, {
                    name: `${FAMILY}-${version}-dev-2026-01-01T04-00-00.000Z`,
                    tags: {
                        Name: FAMILY,
                        Environment: "dev",
                        Version: version,
                        Ec2ImageBuilderArn: `arn:aws:imagebuilder:${HOME}:123456789012:image/${FAMILY}-dev/${version}/1`,
                    },
                }),
            );
        }
        const files = memoryFiles({});
        const everyBuild = builds.map(build => build.imageId).sort();

        const byDefault = await prune(files);
        assert.deepStrictEqual(await registeredImageIds(moto.clients(HOME)), everyBuild, "builds are the lifecycle's to delete");
        assert.match(byDefault.stdout.join("\n"), /Image Builder's build: the stack's lifecycle policy deletes it/);

        // Four are beyond keepAtLeast 1, but all were made today: 90 days (deleteAfterDays) have not passed.
        const asked = await prune(files, ["--include-image-builder"]);
        assert.deepStrictEqual(await registeredImageIds(moto.clients(HOME)), everyBuild, "count alone never removes a build");
        assert.match(asked.stdout.join("\n"), /Image Builder's build, 0 days old: like the lifecycle, kept until 90 days/);
    });
});
