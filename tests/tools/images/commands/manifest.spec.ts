import * as assert from "assert";
import { runCli } from "../../../../tools/images/cli";
import { ExitCode } from "../../../../tools/images/context";
import { Manifest } from "../../../../tools/images/decisions/promotionRecord";
import { fakeAws, FakeBuild } from "../fakeAws";
import { buildArn, loadDevStack, memoryFiles, recordingContext } from "../fixtures";

const PACKAGES = [
    { packageName: "openssl-libs", packageVersion: "3.0.8-1.amzn2023.0.14" },
    { packageName: "amazon-ssm-agent", packageVersion: "3.3.1142.0-1.amzn2023" },
    { packageName: "kernel", packageVersion: "6.1.112-122.189.amzn2023" },
    { packageName: "bash", packageVersion: "5.2.15-1.amzn2023.0.2" },
    { packageName: "curl-minimal", packageVersion: "8.5.0-1.amzn2023.0.4" },
];

function builds(packages = PACKAGES): FakeBuild[] {
    return [
        { arn: buildArn(1), status: "AVAILABLE", amiId: "ami-0000000000000a411", packages },
        { arn: buildArn(2), status: "AVAILABLE", amiId: "ami-0000000000000a412", packages: [{ packageName: "rebuilt", packageVersion: "1" }] },
    ];
}

async function manifest(flags: string[], packages = PACKAGES) {
    const aws = fakeAws({ "us-east-1": { builds: builds(packages) } });
    const files = memoryFiles();
    const recording = recordingContext(aws.clientsFor, files);
    const exitCode = await runCli(["manifest", "--stack", "dev", "--version", "1.4.1", ...flags], recording.context, loadDevStack);
    return { exitCode, files: files.contents, ...recording, output: recording.stdout.join("\n") };
}

describe("images manifest", () => {
    it("lists every package of the stack's first build, reading every page, sorted by name", async () => {
        const { exitCode, output, files } = await manifest([]);
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.match(output, /^manifest al2023-base-dev 1\.4\.1 \(build .*\/1\.4\.1\/1, ami-0000000000000a411\): 5 packages/);
        const rows = output
            .split("\n")
            .slice(2)
            .map(line => line.split(/\s{2,}/)[0]);
        assert.deepStrictEqual(rows, ["amazon-ssm-agent", "bash", "curl-minimal", "kernel", "openssl-libs"]);
        assert.deepStrictEqual(files, {}, "nothing is written without --write");
    });

    it("prints JSON with --json", async () => {
        const { output } = await manifest(["--json"]);
        const parsed = JSON.parse(output) as Manifest;
        assert.deepStrictEqual(parsed.packages[0], { name: "amazon-ssm-agent", version: "3.3.1142.0-1.amzn2023" });
        assert.deepStrictEqual(
            [parsed.image, parsed.version, parsed.buildArn, parsed.amiId],
            ["al2023-base-dev", "1.4.1", buildArn(1), "ami-0000000000000a411"],
        );
    });

    it("writes promotions/<stack>/<version>.manifest.json with --write", async () => {
        const { exitCode, files, stderr } = await manifest(["--write"]);
        assert.strictEqual(exitCode, ExitCode.ok);
        const written = JSON.parse(files["promotions/dev/al2023-base/1.4.1.manifest.json"]) as Manifest;
        assert.strictEqual(written.packages.length, 5);
        assert.strictEqual(written.recordedAt, "2026-06-01T12:00:00.000Z");
        assert.ok(stderr.includes("wrote promotions/dev/al2023-base/1.4.1.manifest.json"));
    });

    it("exits 1 and writes nothing when Image Builder recorded no packages, saying why that happens", async () => {
        const { exitCode, files, stderr } = await manifest(["--write"], []);
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.deepStrictEqual(files, {});
        assert.match(stderr.join("\n"), /recorded no packages for .*enhanced image metadata/);
    });

    it("lists a Windows build's installed software and its recipe's components with the versions Image Builder reports", async () => {
        const components = [
            "arn:aws:imagebuilder:us-east-1:aws:component/update-windows/1.0.1/1",
            "arn:aws:imagebuilder:us-east-1:111111111111:component/windows-2022-dev-build/1.0.0/1",
            "arn:aws:imagebuilder:us-east-1:111111111111:component/windows-2022-dev-boot-test/1.0.0/1",
            "arn:aws:imagebuilder:us-east-1:111111111111:component/windows-2022-dev-hygiene/1.0.0/1",
        ];
        const software = [
            { packageName: "Amazon SSM Agent", packageVersion: "3.3.1142.0" },
            { packageName: "AWS Tools for Windows", packageVersion: "4.1.700" },
            { packageName: "KB5044281", packageVersion: "" },
        ];
        const aws = fakeAws({
            "us-east-1": { builds: [{ arn: buildArn(1), status: "AVAILABLE", amiId: "ami-0000000000000a411", packages: software, components }] },
        });
        const recording = recordingContext(aws.clientsFor, memoryFiles());
        const exitCode = await runCli(["manifest", "--stack", "dev", "--version", "1.4.1", "--json"], recording.context, loadDevStack);
        assert.strictEqual(exitCode, ExitCode.ok);
        const parsed = JSON.parse(recording.stdout.join("\n")) as Manifest;
        assert.deepStrictEqual(
            parsed.packages.map(pkg => pkg.name),
            ["Amazon SSM Agent", "AWS Tools for Windows", "KB5044281"],
        );
        assert.deepStrictEqual(parsed.components, [
            { owner: "aws", name: "update-windows", version: "1.0.1" },
            { owner: "111111111111", name: "windows-2022-dev-build", version: "1.0.0" },
            { owner: "111111111111", name: "windows-2022-dev-boot-test", version: "1.0.0" },
            { owner: "111111111111", name: "windows-2022-dev-hygiene", version: "1.0.0" },
        ]);
    });
});
