import * as assert from "assert";
import { amiFromInstanceReboots } from "../../policy/policies";
import { amiFromInstance } from "./fixtures";
import { detail, loadPackConfig, runPolicies, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const MESSAGE = "the snapshot is taken while the instance runs, so writes in flight can leave file systems inconsistent; " +
    "remove it (or set it to false), or build the image with EC2 Image Builder.";

describe("rule 9: ami-from-instance-reboots", () => {
    it("passes an image captured with a reboot", async () => {
        assert.deepStrictEqual(await runPolicy(amiFromInstanceReboots, [amiFromInstance()]), []);
    });

    it("fails snapshotWithoutReboot: true (or \"true\")", async () => {
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
        const levels = async (stack: "dev" | "prod") => (await runPolicies([image], loadPackConfig(stack), { policies: [amiFromInstanceReboots] }))
            .map(diagnostic => diagnostic.level);
        assert.deepStrictEqual(await levels("dev"), ["advisory"]);
        assert.deepStrictEqual(await levels("prod"), ["mandatory"]);
    });

    it("says plainly when snapshotWithoutReboot is unknown until apply", async () => {
        const image = amiFromInstance();
        image.props.snapshotWithoutReboot = UNKNOWN;
        assert.deepStrictEqual((await runPolicy(amiFromInstanceReboots, [image])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check snapshotWithoutReboot: value unknown until apply"],
        ]);
    });
});
