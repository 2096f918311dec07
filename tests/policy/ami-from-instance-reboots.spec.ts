// ami-from-instance-reboots: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import { amiFromInstanceReboots } from "../../policy/policies";
import { assertOne, findings, MESSAGE } from "./cases";
import { amiFromInstance } from "./fixtures";
import { detail, loadPackConfig, runPolicies, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("ami-from-instance-reboots", () => {
    describe("blocks", () => {
        it('ami-from-instance-reboots reads snapshotWithoutReboot "1" as true', async () => {
            const captured = amiFromInstance();
            captured.props.snapshotWithoutReboot = "1";
            assertOne(await findings(amiFromInstanceReboots, [captured]), /^snapshotWithoutReboot is "1": the snapshot is taken while the instance runs/);
        });

        it('fails snapshotWithoutReboot: true (or "true")', async () => {
            for (const snapshotWithoutReboot of [true, "true"]) {
                const image = amiFromInstance();
                image.props.snapshotWithoutReboot = snapshotWithoutReboot;
                assert.deepStrictEqual((await runPolicy(amiFromInstanceReboots, [image])).map(detail), [
                    `snapshotWithoutReboot is ${JSON.stringify(snapshotWithoutReboot)}: ${MESSAGE}`,
                ]);
            }
        });

        it("is advisory in dev and mandatory in prod", async () => {
            const image = amiFromInstance();
            image.props.snapshotWithoutReboot = true;
            const levels = async (stack: "dev" | "prod") =>
                (await runPolicies([image], loadPackConfig(stack), { policies: [amiFromInstanceReboots] })).map(diagnostic => diagnostic.level);
            assert.deepStrictEqual(await levels("dev"), ["advisory"]);
            assert.deepStrictEqual(await levels("prod"), ["mandatory"]);
        });
    });

    describe("still passes", () => {
        it("passes an image captured with a reboot", async () => {
            assert.deepStrictEqual(await runPolicy(amiFromInstanceReboots, [amiFromInstance()]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly when snapshotWithoutReboot is unknown until apply", async () => {
            const image = amiFromInstance();
            image.props.snapshotWithoutReboot = UNKNOWN;
            assert.deepStrictEqual(
                (await runPolicy(amiFromInstanceReboots, [image])).map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check snapshotWithoutReboot: value unknown until apply"]],
            );
        });
    });
});
