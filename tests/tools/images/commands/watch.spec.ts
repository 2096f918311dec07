import * as assert from "assert";
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
    GetImageCommand,
    Image,
    ImagebuilderClient,
    ListImageBuildVersionsCommand,
    ListImagesCommand,
    ListWorkflowExecutionsCommand,
    ListWorkflowStepExecutionsCommand,
    WorkflowExecutionMetadata,
    WorkflowStepMetadata,
} from "@aws-sdk/client-imagebuilder";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { mockClient } from "aws-sdk-client-mock";
import { INTERRUPTED, watchCommand, WatchContext, WatchTarget } from "../../../../tools/images/commands/watch";
import { elapsed, renderBuilds } from "../../../../tools/images/decisions/buildProgress";

const ACCOUNT = "111111111111";
const VERSION_ARN = `arn:aws:imagebuilder:us-east-1:${ACCOUNT}:image/al2023-base-dev/1.4.2`;
const BUILD_ARN = `${VERSION_ARN}/1`;
const TARGET: WatchTarget = { stack: "dev", region: "us-east-1", images: [{ image: "al2023-base", recipeName: "al2023-base-dev", version: "1.4.2" }] };
const START = new Date("2026-12-04T10:00:00Z");

const at = (minutes: number) => new Date(START.getTime() + minutes * 60_000).toISOString();

/** One poll's view of the build: the image's status and its workflows with their steps. */
interface Frame {
    status: string;
    reason?: string;
    workflows: Array<WorkflowExecutionMetadata & { steps: WorkflowStepMetadata[] }>;
    scan?: string;
}

const imageBuilder = mockClient(ImagebuilderClient);
const s3 = mockClient(S3Client);
const logs = mockClient(CloudWatchLogsClient);

/** Each poll reads the next frame; the last one repeats. */
function playBuild(frames: Frame[], logsTo: "s3" | "cloudwatch" = "s3"): void {
    let poll = -1;
    const frame = () => frames[Math.min(poll, frames.length - 1)];
    imageBuilder.on(ListImagesCommand).resolves({ imageVersionList: [{ arn: VERSION_ARN, name: "al2023-base-dev", version: "1.4.2" }] });
    imageBuilder.on(ListImageBuildVersionsCommand).resolves({ imageSummaryList: [{ arn: BUILD_ARN }] });
    imageBuilder.on(GetImageCommand).callsFake(() => {
        poll++;
        const image: Image = {
            arn: BUILD_ARN,
            state: { status: frame().status as any, reason: frame().reason },
            imageScanningConfiguration: { imageScanningEnabled: true },
            ...(frame().scan && { scanState: { status: frame().scan as any } }),
            ...(logsTo === "s3" && { infrastructureConfiguration: { logging: { s3Logs: { s3BucketName: "al2023-base-logs", s3KeyPrefix: "builds" } } } }),
        };
        return { image };
    });
    imageBuilder
        .on(ListWorkflowExecutionsCommand)
        .callsFake(() => ({ workflowExecutions: frame().workflows.map(({ steps: _steps, ...execution }) => execution) }));
    imageBuilder
        .on(ListWorkflowStepExecutionsCommand)
        .callsFake(input => ({ steps: frame().workflows.find(workflow => workflow.workflowExecutionId === input.workflowExecutionId)!.steps }));
}

const buildRunning: Frame = {
    status: "BUILDING",
    workflows: [
        {
            workflowExecutionId: "wf-build",
            type: "BUILD",
            status: "RUNNING",
            startTime: at(0),
            steps: [
                { name: "LaunchBuildInstance", status: "COMPLETED", startTime: at(0), endTime: at(2) },
                { name: "ApplyBuildComponents", status: "RUNNING", startTime: at(2) },
            ],
        },
    ],
};
const testFailed: Frame = {
    status: "FAILED",
    reason: "Workflow Execution failed",
    workflows: [
        {
            workflowExecutionId: "wf-build",
            type: "BUILD",
            status: "COMPLETED",
            startTime: at(0),
            endTime: at(20),
            steps: [
                { name: "LaunchBuildInstance", status: "COMPLETED", startTime: at(0), endTime: at(2) },
                { name: "ApplyBuildComponents", status: "COMPLETED", startTime: at(2), endTime: at(20) },
            ],
        },
        {
            workflowExecutionId: "wf-test",
            type: "TEST",
            status: "FAILED",
            startTime: at(21),
            endTime: at(30),
            steps: [{ name: "RunTestComponents", status: "FAILED", startTime: at(21), endTime: at(30), message: "boot-test failed: sshd is running" }],
        },
    ],
};
const available: Frame = {
    status: "AVAILABLE",
    scan: "COMPLETED",
    workflows: [{ workflowExecutionId: "wf-build", type: "BUILD", status: "COMPLETED", startTime: at(0), endTime: at(20), steps: [] }],
};

interface Harness {
    context: WatchContext;
    written: string[];
    sleeps: number[];
    interrupt: AbortController;
}

function harness(isTTY = false): Harness {
    // Five minutes into the build.
    let clock = START.getTime() + 5 * 60_000;
    const written: string[] = [];
    const sleeps: number[] = [];
    const interrupt = new AbortController();
    return {
        written,
        sleeps,
        interrupt,
        context: {
            clientsFor: region => ({
                imageBuilder: new ImagebuilderClient({ region }),
                s3: new S3Client({ region }),
                logs: new CloudWatchLogsClient({ region }),
            }),
            write: text => written.push(text),
            isTTY,
            now: () => new Date(clock),
            // No real waiting: the clock moves by the time slept.
            sleep: async milliseconds => {
                sleeps.push(milliseconds);
                clock += milliseconds;
            },
            signal: interrupt.signal,
        },
    };
}

describe("images watch", () => {
    beforeEach(() => {
        imageBuilder.reset();
        s3.reset();
        logs.reset();
    });
    after(() => {
        imageBuilder.restore();
        s3.restore();
        logs.restore();
    });

    it("follows the build to AVAILABLE and exits 0", async () => {
        playBuild([buildRunning, available]);
        const { context, written } = harness();
        assert.strictEqual(await watchCommand(TARGET, { timeoutMinutes: 60, intervalSeconds: 15 }, context), 0);
        const text = written.join("");
        assert.match(text, /ApplyBuildComponents +RUNNING/);
        assert.match(text, /AVAILABLE: al2023-base 1\.4\.2\n$/);
    });

    it("on FAILED exits 1, naming the failing step, where its log is in S3 and the log's last lines", async () => {
        playBuild([buildRunning, testFailed]);
        s3.on(ListObjectsV2Command, { Bucket: "al2023-base-logs", Prefix: "builds/al2023-base-dev/1.4.2/1/" }).resolves({
            Contents: [
                { Key: "builds/al2023-base-dev/1.4.2/1/TOE_2026-12-04_10-21-00/console.log", LastModified: new Date(at(22)) },
                { Key: "builds/al2023-base-dev/1.4.2/1/TOE_2026-12-04_10-21-00/application.log", LastModified: new Date(at(22)) },
            ],
        });
        const log = Array.from({ length: 30 }, (_, index) => `line ${index + 1}`)
            .concat("Step BootTest failed: sshd is running")
            .join("\n");
        s3.on(GetObjectCommand, { Key: "builds/al2023-base-dev/1.4.2/1/TOE_2026-12-04_10-21-00/application.log" }).resolves({
            Body: { transformToString: async () => log } as any,
        });
        const { context, written } = harness();
        assert.strictEqual(await watchCommand(TARGET, { timeoutMinutes: 60, intervalSeconds: 15 }, context), 1);
        const text = written.join("");
        assert.match(text, /failed at test step RunTestComponents: boot-test failed: sshd is running/);
        assert.match(text, /log: s3:\/\/al2023-base-logs\/builds\/al2023-base-dev\/1\.4\.2\/1\/TOE_2026-12-04_10-21-00\/application\.log/);
        assert.match(text, /\| Step BootTest failed: sshd is running\n/);
        assert.strictEqual((text.match(/ {4}\| /g) ?? []).length, 20, "the last 20 lines of the log");
        assert.match(text, /FAILED: a build of al2023-base 1\.4\.2 failed/);
    });

    it("reads the log from CloudWatch Logs when the build does not log to S3", async () => {
        playBuild([testFailed], "cloudwatch");
        logs.on(GetLogEventsCommand, { logGroupName: "/aws/imagebuilder/al2023-base-dev", logStreamName: "1.4.2/1" }).resolves({
            events: [{ message: "stdout: sshd is running" }],
        });
        const { context, written } = harness();
        assert.strictEqual(await watchCommand(TARGET, { timeoutMinutes: 60, intervalSeconds: 15 }, context), 1);
        assert.match(written.join(""), /log: CloudWatch Logs \/aws\/imagebuilder\/al2023-base-dev 1\.4\.2\/1\n[0-9:]+ {5}\| stdout: sshd is running/);
    });

    it("exits non-zero on CANCELLED", async () => {
        playBuild([{ status: "CANCELLED", workflows: [] }]);
        const { context, written } = harness();
        assert.strictEqual(await watchCommand(TARGET, { timeoutMinutes: 60, intervalSeconds: 15 }, context), 1);
        assert.match(written.join(""), /CANCELLED/);
    });

    it("is bounded: gives up at the deadline with exit 3, having polled once per interval", async () => {
        playBuild([buildRunning]);
        const { context, written, sleeps } = harness();
        assert.strictEqual(await watchCommand(TARGET, { timeoutMinutes: 2, intervalSeconds: 15 }, context), 3);
        assert.strictEqual(
            sleeps.reduce((sum, slept) => sum + slept, 0),
            120_000,
        );
        assert.strictEqual(sleeps.length, 8);
        assert.match(written.join(""), /gave up after 2 minutes: the build is still running/);
    });

    it("stops at Ctrl-C with exit 130 and says the build goes on", async () => {
        playBuild([buildRunning]);
        const run = harness();
        run.context.sleep = async () => {
            run.interrupt.abort();
        };
        assert.strictEqual(await watchCommand(TARGET, { timeoutMinutes: 60, intervalSeconds: 15 }, run.context), INTERRUPTED);
        assert.match(run.written.join(""), /interrupted: the build goes on in Image Builder/);
    });

    it("redraws in place on a terminal; elsewhere prints only the lines that changed", async () => {
        playBuild([buildRunning, buildRunning, available]);
        const terminal = harness(true);
        await watchCommand(TARGET, { timeoutMinutes: 60, intervalSeconds: 15 }, terminal.context);
        assert.ok(terminal.written.length >= 3);
        assert.ok(!terminal.written[0].startsWith("\x1b["), "the first frame is drawn where the cursor is");
        const firstFrameLines = terminal.written[0].split("\n").length - 1;
        assert.ok(terminal.written[1].startsWith(`\x1b[${firstFrameLines}F\x1b[J`), "the next frame moves up over the last one and clears it");
        const pipe = harness(false);
        playBuild([buildRunning, buildRunning, available]);
        await watchCommand(TARGET, { timeoutMinutes: 60, intervalSeconds: 15 }, pipe.context);
        assert.ok(!pipe.written.join("").includes("\x1b["), "no escape codes in a pipe");
        const applyLines = pipe.written
            .join("")
            .split("\n")
            .filter(line => line.includes("ApplyBuildComponents"));
        assert.strictEqual(applyLines.length, 2, `printed when its elapsed time changed: ${applyLines.join(" | ")}`);
    });
});

describe("images watch: the rendering", () => {
    it("shows each phase and step with the time it took, or has taken so far", () => {
        const lines = renderBuilds(
            [
                {
                    image: "al2023-base",
                    version: "1.4.2",
                    buildArn: BUILD_ARN,
                    status: "BUILDING",
                    phases: [
                        {
                            phase: "BUILD",
                            status: "RUNNING",
                            startTime: at(0),
                            steps: [{ name: "LaunchBuildInstance", status: "COMPLETED", startTime: at(0), endTime: at(2) }],
                        },
                        { phase: "SCAN", status: "PENDING", steps: [] },
                    ],
                },
            ],
            new Date(at(75)),
        );
        assert.deepStrictEqual(lines, [
            "al2023-base 1.4.2 build 1: BUILDING",
            "  ▶ build         RUNNING    1h15m",
            "      ✔ LaunchBuildInstance              COMPLETED  2m00s",
            "    scan          PENDING",
        ]);
        assert.strictEqual(elapsed(at(0), at(0.5), new Date()), "30s");
    });

    it("says when no build of the version has started yet", () => {
        assert.deepStrictEqual(renderBuilds([{ image: "al2023-base", version: "1.4.2", phases: [] }], START), [
            "al2023-base 1.4.2: no build yet (waiting for pulumi up to start one)",
        ]);
    });
});
