import * as assert from "assert";
import { ListImageScanFindingsCommand } from "@aws-sdk/client-imagebuilder";
import { runCli } from "../../../../tools/images/cli";
import { ExitCode } from "../../../../tools/images/context";
import { gateBuild } from "../../../../tools/images/commands/gate";
import { GateResult } from "../../../../tools/images/decisions/gateVerdict";
import { StackLoader } from "../../../../tools/images/target";
import { fakeAws, FakeBuild, RegionWorld } from "../fakeAws";
import { buildArn, FAMILY, loadDevStack, memoryFiles, recordingContext, scanFinding } from "../fixtures";

/** dev's builds of 1.4.1: the first failed its tests, the second is the stack's, the third a scheduled rebuild. */
function builds(stackBuild: Partial<FakeBuild> = {}): FakeBuild[] {
    return [
        { arn: buildArn(1), status: "FAILED" },
        {
            arn: buildArn(2),
            status: "AVAILABLE",
            amiId: "ami-0000000000000a412",
            scanStatus: "COMPLETED",
            findings: [
                scanFinding("CVE-2026-0001", "MEDIUM", { build: buildArn(2) }),
                scanFinding("CVE-2026-0002", "LOW", { build: buildArn(2) }),
                scanFinding("CVE-2026-0003", "LOW", { build: buildArn(2) }),
                scanFinding("CVE-2026-0004", "INFORMATIONAL", { build: buildArn(2) }),
                scanFinding("CVE-2026-0005", "MEDIUM", { build: buildArn(2), pkg: "curl" }),
            ],
            ...stackBuild,
        },
        {
            arn: buildArn(3),
            status: "AVAILABLE",
            amiId: "ami-0000000000000a413",
            scanStatus: "COMPLETED",
            findings: [scanFinding("CVE-2026-0999", "CRITICAL", { build: buildArn(3) })],
        },
    ];
}

async function gate(world: RegionWorld, flags: string[] = [], allowlist?: unknown) {
    const aws = fakeAws({ "us-east-1": world });
    const files = memoryFiles(allowlist === undefined ? {} : { "promotions/findings-allowlist.json": JSON.stringify(allowlist) });
    const recording = recordingContext(aws.clientsFor, files);
    const exitCode = await runCli(
        ["gate", "--stack", "dev", ...(flags.includes("--version") ? [] : ["--version", "1.4.1"]), ...flags],
        recording.context,
        loadDevStack,
    );
    return { exitCode, aws, ...recording, output: recording.stdout.join("\n"), errors: recording.stderr.join("\n") };
}

describe("images gate", () => {
    it("judges the first build that made an image (not a failed one, not a later rebuild), reading every findings page", async () => {
        const { exitCode, output } = await gate({ builds: builds() });
        assert.strictEqual(exitCode, ExitCode.ok, output);
        assert.match(
            output,
            /gate al2023-base-dev 1\.4\.1 \(build .*image\/al2023-base-dev\/1\.4\.1\/2, ami-0000000000000a412\): scan COMPLETED, threshold HIGH/,
        );
        assert.match(output, /findings: CRITICAL 0, HIGH 0, MEDIUM 2, LOW 2, INFORMATIONAL 1, UNTRIAGED 0/);
        assert.match(output, /PASS: no finding at or above HIGH outside the allow-list/);
    });

    it("exits 1 on a finding at or above the threshold, naming it and how to proceed", async () => {
        const { exitCode, output } = await gate({ builds: builds() }, ["--max-severity", "medium"]);
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(output, /MEDIUM\s+CVE-2026-0001\s+openssl 3\.0\.8-1\.amzn2023 \(fixed in 3\.0\.9\).*\[blocks\]/);
        assert.match(
            output,
            /FAIL: 2 finding\(s\) at or above MEDIUM are not allow-listed: CVE-2026-0001 \(MEDIUM\), CVE-2026-0005 \(MEDIUM\)\. Rebuild with the fixes/,
        );
    });

    it("lets a finding through that the repository's allow-list accepts, and says so", async () => {
        const allowlist = {
            entries: [
                { id: "CVE-2026-0001", expires: "2026-07-01", reason: "fixed in 1.4.2" },
                { id: "CVE-2026-0005", expires: "2026-07-01", reason: "curl is only used at build time" },
            ],
        };
        const { exitCode, output } = await gate({ builds: builds() }, ["--max-severity", "MEDIUM"], allowlist);
        assert.strictEqual(exitCode, ExitCode.ok, output);
        assert.match(output, /allow-listed: CVE-2026-0001 \(MEDIUM, until 2026-07-01\), CVE-2026-0005 \(MEDIUM, until 2026-07-01\)/);
    });

    it("fails once an allow-list entry has expired, and says the entry no longer counts", async () => {
        const allowlist = { entries: [{ id: "CVE-2026-0001", expires: "2026-05-31", reason: "fixed in 1.4.2" }] };
        const { exitCode, output } = await gate({ builds: builds() }, ["--max-severity", "MEDIUM"], allowlist);
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(output, /the entry for CVE-2026-0001 expired on 2026-05-31 \("fixed in 1\.4\.2"\): it no longer counts/);
    });

    const unjudged: [string, Partial<FakeBuild>, RegExp][] = [
        [
            "a build that was never scanned",
            { scanStatus: undefined, scanningEnabled: false, findings: [] },
            /scan NONE.*\nFAIL: the build has no scan results: image scanning was not enabled/,
        ],
        ["a scan still collecting", { scanStatus: "COLLECTING" }, /FAIL: the scan is not finished \(COLLECTING\)/],
        ["a scan that was abandoned", { scanStatus: "ABANDONED" }, /FAIL: the scan did not complete \(ABANDONED\)/],
    ];
    for (const [what, build, message] of unjudged) {
        it(`fails ${what} with a clear message, without reading findings`, async () => {
            const { exitCode, output, aws } = await gate({ builds: builds(build) });
            assert.strictEqual(exitCode, ExitCode.problemsFound);
            assert.match(output, message);
            assert.strictEqual(aws.regions["us-east-1"].imageBuilder.commandCalls(ListImageScanFindingsCommand).length, 0);
        });
    }

    it("fails, naming image, version and region, when there is no build of the version", async () => {
        const { exitCode, output } = await gate({ builds: builds() }, ["--version", "1.5.0"]);
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(output, /FAIL: Image Builder has no image al2023-base-dev at version 1\.5\.0 in us-east-1/);
    });

    it("fails while the first build is still being tested, rather than judging a later one", async () => {
        const { exitCode, output } = await gate({ builds: [{ arn: buildArn(1), status: "TESTING" }, ...builds().slice(2)] });
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(output, /the first build of al2023-base-dev 1\.4\.1 in us-east-1 \(.*\/1\.4\.1\/1\) is still TESTING/);
    });

    it("prints the verdict as JSON with --json, and no progress", async () => {
        const { exitCode, output, progress } = await gate({ builds: builds() }, ["--json"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        const result = JSON.parse(output) as GateResult & { version: string };
        assert.deepStrictEqual([result.version, result.passed, result.buildArn, result.total], ["1.4.1", true, buildArn(2), 5]);
        assert.deepStrictEqual(progress, []);
    });

    it("shows progress (what it reads, findings so far) when not in --json mode", async () => {
        const { progress } = await gate({ builds: builds() });
        assert.ok(progress.includes("us-east-1: reading scan findings… 5 so far"), progress.join("\n"));
    });

    it("refuses a promoting stack, and a broken allow-list, with exit 2 before calling AWS", async () => {
        const noAws = () => {
            throw new Error("bad input must be refused before any AWS client is made");
        };
        const prodLoader = (stack: string) => ({
            ...loadDevStack("dev"),
            stack,
            promoteFrom: { account: "111111111111", region: "us-east-1", amiIds: { [FAMILY]: "ami-0123456789abcdef0" } },
        });
        const promoting = recordingContext(noAws);
        assert.strictEqual(await runCli(["gate", "--stack", "prod"], promoting.context, prodLoader), ExitCode.badInput);
        assert.match(promoting.stderr.join("\n"), /stack prod promotes \(golden-ami:promoteFrom\) and never builds; pass the building stack/);

        const broken = recordingContext(noAws, memoryFiles({ "promotions/findings-allowlist.json": JSON.stringify({ entries: [{ id: "CVE-1" }] }) }));
        assert.strictEqual(await runCli(["gate", "--stack", "dev"], broken.context, loadDevStack), ExitCode.badInput);
        assert.match(broken.stderr.join("\n"), /entries\[0\]\.expires must be a date/);
    });

    describe("--pinned-by: the AMI the promoting stack really pins (what CI runs before prod's up)", () => {
        const pinning =
            (amiId: string, version = "1.4.1"): StackLoader =>
            stack =>
                stack === "dev"
                    ? loadDevStack("dev")
                    : {
                          ...loadDevStack("dev"),
                          stack,
                          images: [{ ...loadDevStack("dev").images[0], version }],
                          promoteFrom: { account: "111111111111", region: "us-east-1", amiIds: { [FAMILY]: amiId }, stack: "dev" },
                      };
        async function gatePinned(world: RegionWorld, amiId: string, files: Record<string, string> = {}, flags: string[] = []) {
            const aws = fakeAws({ "us-east-1": world });
            const recording = recordingContext(aws.clientsFor, memoryFiles(files));
            const exitCode = await runCli(["gate", "--stack", "dev", "--pinned-by", "prod", ...flags], recording.context, pinning(amiId));
            return { exitCode, output: recording.stdout.join("\n"), errors: recording.stderr.join("\n") };
        }
        const forcedRecord = (amiId: string) => ({
            "promotions/prod/al2023-base/1.4.1.json": JSON.stringify({
                stack: "prod",
                version: "1.4.1",
                amiId,
                forced: { reason: "CVE-2026-0999 is in a package removed at boot" },
            }),
        });

        it("judges the build that made the pinned AMI at prod's version, not the version's first build", async () => {
            const { exitCode, output } = await gatePinned({ builds: builds() }, "ami-0000000000000a413");
            assert.strictEqual(exitCode, ExitCode.problemsFound, output);
            assert.match(output, /build .*\/1\.4\.1\/3, ami-0000000000000a413/);
            assert.match(output, /FAIL: 1 finding\(s\) at or above HIGH are not allow-listed: CVE-2026-0999 \(CRITICAL\)/);
        });

        it("lets through the AMI a reviewed forced promotion pinned, saying so, and nothing else", async () => {
            const forced = await gatePinned({ builds: builds() }, "ami-0000000000000a413", forcedRecord("ami-0000000000000a413"));
            assert.strictEqual(forced.exitCode, ExitCode.ok, forced.output);
            assert.match(forced.output, /FAIL: 1 finding/);
            assert.match(
                forced.output,
                /FORCED: the image was promoted although it fails the gate \(promotions\/prod\/al2023-base\/1\.4\.1\.json: "CVE-2026-0999 is in a package removed at boot"\); not blocking/,
            );
            // A record forcing another AMI does not cover this one.
            const other = await gatePinned({ builds: builds() }, "ami-0000000000000a413", forcedRecord("ami-0000000000000a412"));
            assert.strictEqual(other.exitCode, ExitCode.problemsFound);
        });

        it("fails when no build of the version made the pinned AMI, and refuses a --version other than the pinned one", async () => {
            const unknown = await gatePinned({ builds: builds() }, "ami-0000000000000ffff");
            assert.strictEqual(unknown.exitCode, ExitCode.problemsFound);
            assert.match(unknown.output, /FAIL: prod pins ami-0000000000000ffff at 1\.4\.1, but no build of al2023-base-dev 1\.4\.1 in us-east-1 made it/);
            const mismatch = await gatePinned({ builds: builds() }, "ami-0000000000000a412", {}, ["--version", "1.4.0"]);
            assert.strictEqual(mismatch.exitCode, ExitCode.badInput);
            assert.match(mismatch.errors, /--pinned-by prod pins 1\.4\.1, not --version 1\.4\.0/);
        });
    });

    it("never passes a build that failed its tests, even with a clean completed scan", async () => {
        const failed = builds();
        failed[0] = { arn: buildArn(1), status: "FAILED", amiId: "ami-0000000000000a411", scanStatus: "COMPLETED", findings: [] };
        const aws = fakeAws({ "us-east-1": { builds: failed } });
        const recording = recordingContext(aws.clientsFor);
        const result = await gateBuild(aws.clientsFor("us-east-1").imageBuilder, buildArn(1), "us-east-1", {
            threshold: "HIGH",
            allowlist: [],
            now: new Date("2026-06-01T00:00:00Z"),
            progress: () => undefined,
        });
        assert.strictEqual(result.passed, false);
        assert.match(result.problem ?? "", /is FAILED, not AVAILABLE: only a build that passed its tests/);
        assert.strictEqual(aws.regions["us-east-1"].imageBuilder.commandCalls(ListImageScanFindingsCommand).length, 0);
        assert.deepStrictEqual(recording.stdout, []);
    });
});
