import * as assert from "assert";
import { runCli, terminalContext, TerminalStreams } from "../../../tools/images/cli";
import { ExitCode } from "../../../tools/images/context";
import { fakeAws, RegionWorld } from "./fakeAws";
import { goldenAmi, loadDevStack, recordingContext } from "./fixtures";

function region(): RegionWorld {
    return { images: Array.from({ length: 5 }, (_, index) => goldenAmi(`ami-0000000${index + 1}`, { created: `2026-0${index + 1}-01T04:00:00.000Z` })) };
}

/** The terminal context on fake streams: what a user would see on stdout and stderr. */
async function inTerminal(stderrIsTTY: boolean, flags: string[]) {
    const written = { stdout: "", stderr: "" };
    const streams: TerminalStreams = {
        stdout: {
            write: text => {
                written.stdout += text;
            },
        },
        stderr: {
            isTTY: stderrIsTTY,
            write: text => {
                written.stderr += text;
            },
        },
    };
    const aws = fakeAws({ "us-east-1": region(), "us-west-2": region() });
    const exitCode = await runCli(["list", "--stack", "dev", ...flags], { ...terminalContext(streams), clientsFor: aws.clientsFor }, loadDevStack);
    return { exitCode, ...written };
}

describe("images: progress on long runs", () => {
    it("reports per region what is being read and how many images so far", async () => {
        const aws = fakeAws({ "us-east-1": region(), "us-west-2": region() });
        const recording = recordingContext(aws.clientsFor);
        await runCli(["list", "--stack", "dev"], recording.context, loadDevStack);
        for (const name of ["us-east-1", "us-west-2"]) {
            assert.ok(recording.progress.includes(`${name}: reading al2023-base images… 2 so far`), recording.progress.join("\n"));
            assert.ok(
                recording.progress.includes(`${name}: 5 images; reading launch permissions, snapshots and what uses them…`),
                recording.progress.join("\n"),
            );
        }
    });

    it("shows progress on stderr when stderr is a terminal", async () => {
        const { exitCode, stderr, stdout } = await inTerminal(true, []);
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.match(stderr, /us-east-1: reading al2023-base images… \d+ so far/);
        assert.doesNotMatch(stdout, /so far/);
    });

    it("prints nothing but errors on stderr when stderr is not a terminal (a pipe or a CI log)", async () => {
        const { exitCode, stderr } = await inTerminal(false, []);
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.strictEqual(stderr, "");
    });

    it("prints no progress in --json mode, even on a terminal", async () => {
        const { exitCode, stderr, stdout } = await inTerminal(true, ["--json"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.strictEqual(stderr, "");
        assert.strictEqual((JSON.parse(stdout) as { images: unknown[] }).images.length, 10);
    });
});
