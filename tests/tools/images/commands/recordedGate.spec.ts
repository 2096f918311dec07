import * as assert from "assert";
import { parseStackConfig, RawStackConfig } from "../../../../components/config";
import { runCli } from "../../../../tools/images/cli";
import { ExitCode } from "../../../../tools/images/context";
import { StackLoader } from "../../../../tools/images/target";
import { FAMILY, memoryFiles, recordingContext } from "../fixtures";

const PIN = "ami-0123456789abcdef0";
const PROD: RawStackConfig = {
    "aws:region": "us-east-1",
    images: { [FAMILY]: { version: "1.4.1", baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" } },
    promoteFrom: { account: "111111111111", region: "us-east-1", amiIds: { [FAMILY]: PIN }, stack: "dev" },
    tags: { Owner: "platform-team" },
};
const loadProd: StackLoader = stack => parseStackConfig(PROD, stack);
const noAws = () => {
    throw new Error("gate --recorded must not call AWS");
};

function record(overrides: Record<string, unknown> = {}): string {
    return JSON.stringify({
        stack: "prod",
        version: "1.4.1",
        amiId: PIN,
        promotedAt: "2026-05-01T10:00:00.000Z",
        gate: {
            passed: true,
            threshold: "HIGH",
            scanStatus: "COMPLETED",
            counts: {},
            blocking: [],
            allowListed: [{ id: "CVE-2026-0001", expires: "2026-05-15", reason: "no fix upstream yet" }],
        },
        ...overrides,
    });
}

async function gate(files: Record<string, string>) {
    const recording = recordingContext(noAws, memoryFiles(files));
    const exitCode = await runCli(["gate", "--recorded", "--stack", "prod"], recording.context, loadProd);
    return { exitCode, output: recording.stdout.join("\n") };
}

describe("images gate --recorded (what CI runs before prod's up)", () => {
    it("passes the promotion as recorded, although an allow-list entry it relied on has expired since: expiry was judged when promoting", async () => {
        const { exitCode, output } = await gate({ [`promotions/prod/${FAMILY}/1.4.1.json`]: record() });
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.match(output, /PASS: ami-0123456789abcdef0 passed the gate when it was promoted to prod \(2026-05-01/);
    });

    it("passes a reviewed forced promotion and says why it went out", async () => {
        const { exitCode, output } = await gate({
            [`promotions/prod/${FAMILY}/1.4.1.json`]: record({ gate: { passed: false }, forced: { reason: "hotfix for INC-42" } }),
        });
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.match(output, /failed the gate but was promoted with --force, reviewed with the record: "hotfix for INC-42"/);
    });

    it("fails a record of a failed gate without --force", async () => {
        const { exitCode, output } = await gate({
            [`promotions/prod/${FAMILY}/1.4.1.json`]: record({ gate: { passed: false, blocking: ["CVE-2026-9999 (CRITICAL)"] } }),
        });
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(output, /FAIL: .*records a failed gate and no --force reason: blocking CVE-2026-9999 \(CRITICAL\)/);
    });

    it("fails a pin changed by hand: the record names another AMI, or there is no record at the pinned version", async () => {
        const other = await gate({ [`promotions/prod/${FAMILY}/1.4.1.json`]: record({ amiId: "ami-0fedcba9876543210" }) });
        assert.strictEqual(other.exitCode, ExitCode.problemsFound);
        assert.match(other.output, /the pin was changed without a promotion/);
        const missing = await gate({ [`promotions/prod/${FAMILY}/1.4.0.json`]: record({ version: "1.4.0" }) });
        assert.strictEqual(missing.exitCode, ExitCode.problemsFound);
        assert.match(missing.output, /promotions\/prod\/al2023-base\/1\.4\.1\.json is missing or not JSON: Pulumi\.prod\.yaml was edited by hand/);
    });

    it("before the first promotion, says the pin is the stack file's example and that there is nothing to deploy, without failing", async () => {
        const recording = recordingContext(noAws, memoryFiles({}));
        const exitCode = await runCli(["gate", "--recorded", "--stack", "prod", "--json"], recording.context, loadProd);
        assert.strictEqual(exitCode, ExitCode.ok);
        const verdict = JSON.parse(recording.stdout.join("\n")) as { deployable: boolean; notYetPromoted: boolean; images: { reason: string }[] };
        assert.strictEqual(verdict.deployable, false);
        assert.strictEqual(verdict.notYetPromoted, true);
        assert.strictEqual(verdict.images.length, 1, "one verdict per image of the stack");
        assert.match(verdict.images[0].reason, /ami-0123456789abcdef0 is the stack file's example/);
    });

    it("refuses flags that re-judge the scan, before reading anything", async () => {
        const recording = recordingContext(noAws, memoryFiles({}));
        const exitCode = await runCli(["gate", "--recorded", "--stack", "prod", "--max-severity", "LOW"], recording.context, loadProd);
        assert.strictEqual(exitCode, ExitCode.badInput);
        assert.match(recording.stderr.join("\n"), /gate --recorded judges the promotion as recorded; --max-severity/);
    });
});
