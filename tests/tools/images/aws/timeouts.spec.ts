import * as assert from "assert";
import { runCli } from "../../../../tools/images/cli";
import { awsClientsFor, CLIENT_SETTINGS, clientFactory } from "../../../../tools/images/aws/clients";
import { ExitCode } from "../../../../tools/images/context";
import { buildArn, loadDevStack, recordingContext, scanFinding } from "../fixtures";
import { jsonServer, localSettings, stalledServer } from "../localServer";

/** Short timeouts keep these tests fast; the production values are checked separately below. */
const SHORT = { connectionTimeoutMs: 200, requestTimeoutMs: 300 };

describe("images: a stalled endpoint never hangs the CLI", () => {
    it("ends list with exit 3 within the bound, naming each region and the call that got no answer", async () => {
        const server = await stalledServer();
        try {
            const recording = recordingContext(clientFactory(localSettings(server.endpoint, SHORT)));
            const started = Date.now();
            const exitCode = await runCli(["list", "--stack", "dev"], recording.context, loadDevStack);
            const elapsed = Date.now() - started;

            assert.strictEqual(exitCode, ExitCode.regionFailed);
            // 3 attempts of 0.3 s plus the SDK's backoff between them (at most 0.2 s, then 0.4 s).
            assert.ok(elapsed < 3000, `took ${elapsed} ms`);
            for (const region of ["us-east-1", "us-west-2"]) {
                assert.ok(
                    recording.stderr.some(line =>
                        line.startsWith(`error: ${region}: ec2:DescribeImages: no answer within 0.3 s (3 attempts): check the network`),
                    ),
                    recording.stderr.join("\n"),
                );
            }
            assert.ok(server.received() >= 6, `expected every attempt to reach the local server, saw ${server.received()} connections`);
        } finally {
            await server.close();
        }
    });

    it("ends gate with exit 3 and one message naming the region and the Image Builder call", async () => {
        const server = await stalledServer();
        try {
            const recording = recordingContext(clientFactory(localSettings(server.endpoint, SHORT)));
            const exitCode = await runCli(["gate", "--stack", "dev", "--version", "1.4.1"], recording.context, loadDevStack);
            assert.strictEqual(exitCode, ExitCode.regionFailed);
            assert.deepStrictEqual(
                recording.stderr.filter(line => line.startsWith("error:")),
                [
                    "error: us-east-1: imagebuilder:ListImages: no answer within 0.3 s (3 attempts): check the network, proxy settings (HTTPS_PROXY) and region name, then run again",
                ],
            );
        } finally {
            await server.close();
        }
    });

    it("gives every client connect and request timeouts and 3 attempts, so a stalled call ends in about a minute", async () => {
        const { ec2, autoScaling, ssm, imageBuilder } = awsClientsFor("eu-west-1");
        for (const client of [ec2, autoScaling, ssm, imageBuilder]) {
            assert.strictEqual(await client.config.maxAttempts(), 3);
            assert.strictEqual(((await client.config.retryStrategy()) as { mode?: string }).mode, "adaptive");
            assert.strictEqual(client.config.requestHandler.constructor.name, "NodeHttpHandler");
        }
        const worstCaseSeconds = (CLIENT_SETTINGS.maxAttempts * (CLIENT_SETTINGS.connectionTimeoutMs + CLIENT_SETTINGS.requestTimeoutMs)) / 1000;
        assert.ok(worstCaseSeconds <= 75, `a stalled call could take ${worstCaseSeconds} s`);
    });
});

describe("images gate through the SDK's own retries", () => {
    it("absorbs one throttling answer and still reads every page of findings", async () => {
        const build = buildArn(1);
        const findings = ["CRITICAL", "HIGH", "LOW"].map((severity, index) => scanFinding(`CVE-2026-000${index}`, severity, { build }));
        let throttled = false;
        const server = await jsonServer((path, body) => {
            if (path === "/ListImages")
                return { status: 200, body: { imageVersionList: [{ arn: build.replace(/\/1$/, ""), name: "al2023-base-dev", version: "1.4.1" }] } };
            if (path === "/ListImageBuildVersions") return { status: 200, body: { imageSummaryList: [{ arn: build, state: { status: "AVAILABLE" } }] } };
            if (path === "/GetImage")
                return { status: 200, body: { image: { arn: build, state: { status: "AVAILABLE" }, scanState: { status: "COMPLETED" } } } };
            if (path === "/ListImageScanFindings") {
                if (!throttled) {
                    throttled = true;
                    return { status: 429, headers: { "x-amzn-errortype": "ThrottlingException" }, body: { message: "Rate exceeded" } };
                }
                const start = Number(body.nextToken ?? 0);
                return {
                    status: 200,
                    body: { findings: findings.slice(start, start + 2), nextToken: start + 2 < findings.length ? String(start + 2) : undefined },
                };
            }
            return { status: 404, body: { message: `no ${path}` } };
        });
        try {
            // Generous timeouts: this test is about the throttling retry, and a loaded CI machine must not turn it into a timeout.
            const recording = recordingContext(clientFactory(localSettings(server.endpoint, { connectionTimeoutMs: 5000, requestTimeoutMs: 10000 })));
            const exitCode = await runCli(["gate", "--stack", "dev", "--version", "1.4.1", "--json"], recording.context, loadDevStack);
            assert.strictEqual(exitCode, ExitCode.problemsFound, recording.stderr.join("\n"));
            const result = JSON.parse(recording.stdout.join("\n")) as { total: number; counts: Record<string, number> };
            assert.deepStrictEqual([result.total, result.counts.CRITICAL, result.counts.HIGH, result.counts.LOW], [3, 1, 1, 1]);
            assert.ok(throttled);
        } finally {
            await server.close();
        }
    });
});
