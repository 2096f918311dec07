import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { DescribeImagesCommand } from "@aws-sdk/client-ec2";
import { parseStackConfig } from "../../../../components/config";
import { readStackConfig } from "../../../../tools/engine/stackFile";
import { runCli } from "../../../../tools/images/cli";
import { ExitCode } from "../../../../tools/images/context";
import { PromotionRecord } from "../../../../tools/images/decisions/promotionRecord";
import { repoFilesAt } from "../../../../tools/images/repoFiles";
import { pinPromotion } from "../../../../tools/images/decisions/stackFileEdit";
import { parseStackFile, StackLoader } from "../../../../tools/images/target";
import { fakeAws, FakeBuild, RegionWorld } from "../fakeAws";
import { BUILD_ACCOUNT, buildArn, FAMILY, goldenAmi, recordingContext, scanFinding } from "../fixtures";

const DEV_FILE = `# dev: the building stack.
config:
  aws:region: us-east-1
  golden-ami:images:
    al2023-base:
      version: 1.4.1
      baseImage: ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
  golden-ami:sharing:
    promotingAccounts:
      - "222222222222"
  golden-ami:tags:
    Owner: platform-team
`;

const PROD_FILE = `# prod: the promoting stack. Never builds.
# An image's version and its promoteFrom.amiIds entry are written together by promote.
config:
  aws:region: us-east-1
  golden-ami:images:
    al2023-base:
      version: 1.4.0 # the version prod runs
      baseImage: ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64
  golden-ami:promoteFrom:
    account: "111111111111"
    region: us-east-1
    amiIds:
      al2023-base: ami-0000000000000a401
    stack: dev
  golden-ami:regions:
    - us-west-2
  golden-ami:tags:
    Owner: platform-team
`;

const AMI_141 = "ami-0000000000000a412";
const AMI_140 = "ami-0000000000000a401";

function devAmi(imageId: string, version: string, created: string, options: { state?: string; stack?: string; build?: string } = {}) {
    return goldenAmi(imageId, {
        created,
        version,
        state: options.state,
        name: `${FAMILY}-${version}-${options.stack ?? "dev"}-${created.replace(/:/g, "-")}`,
        tags: options.build ? { Ec2ImageBuilderArn: options.build } : {},
    });
}

/** The building account's home region: dev's builds of 1.4.0 and 1.4.1, and another stack's. */
function buildingAccount(stackBuild: Partial<FakeBuild> = {}, options: { tagged?: boolean } = {}): RegionWorld {
    const tagged = options.tagged ?? true;
    return {
        images: [
            devAmi("ami-0000000000000a411", "1.4.1", "2026-05-01T04:00:00.000Z", { state: "failed" }),
            devAmi(AMI_141, "1.4.1", "2026-05-02T04:00:00.000Z", { build: tagged ? buildArn(2) : undefined }),
            devAmi("ami-0000000000000a413", "1.4.1", "2026-05-09T04:00:00.000Z", { build: buildArn(3) }),
            // Another building stack in the same account: its name also starts with al2023-base-1.4.1-dev-.
            devAmi("ami-0000000000000b411", "1.4.1", "2026-04-01T04:00:00.000Z", { stack: "dev-review" }),
            devAmi(AMI_140, "1.4.0", "2026-03-01T04:00:00.000Z", { build: buildArn(1, "1.4.0") }),
        ],
        builds: [
            { arn: buildArn(1), status: "FAILED" },
            {
                arn: buildArn(2),
                status: "AVAILABLE",
                amiId: AMI_141,
                scanStatus: "COMPLETED",
                findings: [scanFinding("CVE-2026-0001", "MEDIUM", { build: buildArn(2) })],
                packages: [
                    { packageName: "openssl-libs", packageVersion: "3.0.8-1.amzn2023.0.14" },
                    { packageName: "bash", packageVersion: "5.2.15" },
                ],
                ...stackBuild,
            },
            { arn: buildArn(3), status: "AVAILABLE", amiId: "ami-0000000000000a413", scanStatus: "COMPLETED" },
            {
                arn: buildArn(1, "1.4.0"),
                status: "AVAILABLE",
                amiId: AMI_140,
                scanStatus: "COMPLETED",
                packages: [{ packageName: "bash", packageVersion: "5.2.14" }],
            },
        ],
    };
}

/** A copy of a repository with the stack files, so promote edits real files. */
function repository(prodFile = PROD_FILE, extra: Record<string, string> = {}) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "promote-"));
    fs.copyFileSync(path.join(__dirname, "../../../../Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    for (const [name, text] of Object.entries({ "Pulumi.dev.yaml": DEV_FILE, "Pulumi.prod.yaml": prodFile, ...extra })) {
        fs.writeFileSync(path.join(root, name), text);
    }
    const loadStack: StackLoader = (stack, options) => parseStackFile(stack, root, options);
    const read = (file: string) => fs.readFileSync(path.join(root, file), "utf8");
    const exists = (file: string) => fs.existsSync(path.join(root, file));
    return { root, loadStack, read, exists };
}

async function promote(flags: string[], world = buildingAccount(), repo = repository()) {
    const aws = fakeAws({ "us-east-1": world });
    const recording = recordingContext(aws.clientsFor, repoFilesAt(repo.root));
    const exitCode = await runCli(["promote", ...flags], recording.context, repo.loadStack);
    return { exitCode, aws, repo, ...recording, output: recording.stdout.join("\n"), errors: recording.stderr.join("\n") };
}

const PROMOTE_141 = ["--from", "dev", "--version", "1.4.1", "--stack", "prod"];

describe("images promote", () => {
    let roots: string[] = [];
    afterEach(() => {
        roots.forEach(root => fs.rmSync(root, { recursive: true, force: true }));
        roots = [];
    });
    const track = <T extends { repo: { root: string } }>(result: T): T => {
        roots.push(result.repo.root);
        return result;
    };

    it("refuses an AMI with an AWS Marketplace product code, which EC2 does not copy across accounts, and leaves the stack file alone", async () => {
        const world = buildingAccount();
        const marketplace = world.images!.find(image => image.ImageId === AMI_141)!;
        marketplace.ProductCodes = [{ ProductCodeId: "prodcode0example1234", ProductCodeType: "marketplace" }];
        const { exitCode, repo, errors } = track(await promote(PROMOTE_141, world));
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(
            errors,
            /refusing to promote ami-0000000000000a412 into prod: it carries the AWS Marketplace product code prodcode0example1234, and EC2 does not copy/,
        );
        assert.strictEqual(repo.read("Pulumi.prod.yaml"), PROD_FILE, "nothing pinned");
    });

    it("promotes a license-included Windows AMI like any other: its billing product is not a Marketplace code", async () => {
        const world = buildingAccount();
        const windows = world.images!.find(image => image.ImageId === AMI_141)!;
        Object.assign(windows, { PlatformDetails: "Windows", UsageOperation: "RunInstances:0002", Platform: "windows" });
        const { exitCode, repo, output } = track(await promote(PROMOTE_141, world));
        assert.strictEqual(exitCode, ExitCode.ok, output);
        assert.match(repo.read("Pulumi.prod.yaml"), new RegExp(`al2023-base: ${AMI_141}`));
    });

    it("pins the building stack's first available build of the version, editing only version and amiId, comments kept", async () => {
        const { exitCode, repo, output, aws } = track(await promote(PROMOTE_141));
        assert.strictEqual(exitCode, ExitCode.ok, output);
        assert.strictEqual(
            repo.read("Pulumi.prod.yaml"),
            PROD_FILE.replace("version: 1.4.0 # the version prod runs", "version: 1.4.1 # the version prod runs").replace(
                `al2023-base: ${AMI_140}`,
                `al2023-base: ${AMI_141}`,
            ),
        );
        const prod = parseStackConfig(readStackConfig("prod", repo.root), "prod");
        assert.deepStrictEqual(
            [prod.images[0].version, prod.promoteFrom],
            ["1.4.1", { account: BUILD_ACCOUNT, region: "us-east-1", amiIds: { [FAMILY]: AMI_141 }, stack: "dev" }],
        );
        const { Owners, IncludeDeprecated, Filters } = aws.regions["us-east-1"].ec2.commandCalls(DescribeImagesCommand)[0].args[0].input;
        assert.deepStrictEqual(
            { Owners, IncludeDeprecated, Filters },
            {
                Owners: [BUILD_ACCOUNT],
                IncludeDeprecated: true,
                Filters: [{ Name: "name", Values: ["al2023-base-1.4.1-dev-*"] }],
            },
        );
        assert.match(output, /Roll back: npm run images -- promote --from dev --version 1\.4\.0 --stack prod/);
    });

    it("records the promotion and the image's packages in promotions/<stack>/", async () => {
        const { repo } = track(await promote(PROMOTE_141));
        const record = JSON.parse(repo.read("promotions/prod/al2023-base/1.4.1.json")) as PromotionRecord;
        assert.deepStrictEqual(
            { ...record, gate: undefined },
            {
                stack: "prod",
                version: "1.4.1",
                amiId: AMI_141,
                source: { stack: "dev", account: BUILD_ACCOUNT, region: "us-east-1" },
                imageName: FAMILY,
                ami: { name: "al2023-base-1.4.1-dev-2026-05-02T04-00-00.000Z", createdAt: "2026-05-02T04:00:00.000Z" },
                buildArn: buildArn(2),
                promotedAt: "2026-06-01T12:00:00.000Z",
                previous: { version: "1.4.0", amiId: AMI_140 },
                gate: undefined,
                manifest: "promotions/prod/al2023-base/1.4.1.manifest.json",
            },
        );
        assert.deepStrictEqual([record.gate.passed, record.gate.threshold, record.gate.counts.MEDIUM], [true, "HIGH", 1]);
        const manifest = JSON.parse(repo.read("promotions/prod/al2023-base/1.4.1.manifest.json")) as { packages: unknown[]; amiId: string };
        assert.deepStrictEqual(
            [manifest.amiId, manifest.packages],
            [
                AMI_141,
                [
                    { name: "bash", version: "5.2.15" },
                    { name: "openssl-libs", version: "3.0.8-1.amzn2023.0.14" },
                ],
            ],
        );
    });

    it("prints one JSON document with --json: what was pinned, the gate's verdict and the files written", async () => {
        const { exitCode, stdout, progress, repo } = track(await promote([...PROMOTE_141, "--json"]));
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.deepStrictEqual(progress, [], "no progress lines in --json mode");
        assert.strictEqual(stdout.length, 1, "one JSON document, nothing else on stdout");
        const printed = JSON.parse(stdout[0]);
        assert.deepStrictEqual(
            [printed.promoted, printed.stack, printed.from, printed.version, printed.amiId, printed.gate.passed],
            [true, "prod", "dev", "1.4.1", AMI_141, true],
        );
        assert.ok(printed.files.includes("promotions/prod/al2023-base/1.4.1.json") && repo.exists("promotions/prod/al2023-base/1.4.1.json"));
    });

    it("says with --dry-run what it would write, and writes nothing", async () => {
        const { exitCode, repo, output } = track(await promote([...PROMOTE_141, "--dry-run"]));
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.strictEqual(repo.read("Pulumi.prod.yaml"), PROD_FILE);
        assert.strictEqual(repo.exists("promotions"), false);
        assert.match(
            output,
            /--- Pulumi\.prod\.yaml\n- {7}version: 1\.4\.0 # the version prod runs\n\+ {7}version: 1\.4\.1 # the version prod runs\n- {7}al2023-base: ami-0000000000000a401\n\+ {7}al2023-base: ami-0000000000000a412/,
        );
        assert.match(output, /--- promotions\/prod\/al2023-base\/1\.4\.1\.json\n\{\n {2}"stack": "prod"/);
    });

    it("finds the build from Image Builder's list when the AMI lacks its Ec2ImageBuilderArn tag", async () => {
        const { exitCode, repo } = track(await promote(PROMOTE_141, buildingAccount({}, { tagged: false })));
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.strictEqual((JSON.parse(repo.read("promotions/prod/al2023-base/1.4.1.json")) as PromotionRecord).buildArn, buildArn(2));
    });

    it("refuses an image that fails the gate, exit 1, changing nothing", async () => {
        const failing = buildingAccount({ findings: [scanFinding("CVE-2026-0666", "CRITICAL", { build: buildArn(2) })] });
        const { exitCode, repo, errors, output } = track(await promote(PROMOTE_141, failing));
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(output, /FAIL: 1 finding\(s\) at or above HIGH are not allow-listed: CVE-2026-0666 \(CRITICAL\)/);
        assert.match(errors, /refusing to promote ami-0000000000000a412 into prod: it fails the gate\. .*--force --reason/);
        assert.strictEqual(repo.read("Pulumi.prod.yaml"), PROD_FILE);
        assert.strictEqual(repo.exists("promotions"), false);
    });

    it("pins an image that fails the gate with --force, recording the reason", async () => {
        const failing = buildingAccount({ scanStatus: "TIMED_OUT" });
        const reason = "INC-4711: openssl fix must reach prod today; scan re-run tracked in SEC-88";
        const { exitCode, repo } = track(await promote([...PROMOTE_141, "--force", "--reason", reason], failing));
        assert.strictEqual(exitCode, ExitCode.ok);
        const record = JSON.parse(repo.read("promotions/prod/al2023-base/1.4.1.json")) as PromotionRecord;
        assert.deepStrictEqual([record.forced, record.gate.passed, record.gate.scanStatus], [{ reason }, false, "TIMED_OUT"]);
        assert.match(record.gate.problem ?? "", /did not complete \(TIMED_OUT\)/);
    });

    it("after a forced promotion is merged, CI's gate on the AMI prod pins lets it through (and only that AMI)", async () => {
        const failing = buildingAccount({ findings: [scanFinding("CVE-2026-0666", "CRITICAL", { build: buildArn(2) })] });
        const reason = "INC-4711: the fix must reach prod today";
        const { exitCode, repo } = track(await promote([...PROMOTE_141, "--force", "--reason", reason], failing));
        assert.strictEqual(exitCode, ExitCode.ok);
        // main.yml's gate job, on the merged files.
        const ci = recordingContext(fakeAws({ "us-east-1": failing }).clientsFor, repoFilesAt(repo.root));
        assert.strictEqual(
            await runCli(["gate", "--stack", "dev", "--pinned-by", "prod", "--max-severity", "HIGH"], ci.context, repo.loadStack),
            ExitCode.ok,
            ci.stdout.join("\n"),
        );
        assert.match(
            ci.stdout.join("\n"),
            /build .*\/1\.4\.1\/2, ami-0000000000000a412.*\n[\s\S]*FORCED: .*promotions\/prod\/al2023-base\/1\.4\.1\.json: "INC-4711/,
        );
        // Without --pinned-by, as the workflow ran it before, the gate blocks prod's up for good.
        const before = recordingContext(fakeAws({ "us-east-1": failing }).clientsFor, repoFilesAt(repo.root));
        assert.strictEqual(await runCli(["gate", "--stack", "dev", "--version", "1.4.1"], before.context, repo.loadStack), ExitCode.problemsFound);
    });

    it("refuses the AMI of a build that failed its tests, even when EC2 still lists it as available", async () => {
        const world = buildingAccount();
        world.images = world.images!.map(image =>
            image.ImageId === "ami-0000000000000a411"
                ? { ...image, State: "available", Tags: [...(image.Tags ?? []), { Key: "Ec2ImageBuilderArn", Value: buildArn(1) }] }
                : image,
        );
        world.builds![0] = { arn: buildArn(1), status: "FAILED", amiId: "ami-0000000000000a411", scanStatus: "COMPLETED", findings: [] };
        const { exitCode, repo, output } = track(await promote(PROMOTE_141, world));
        assert.strictEqual(exitCode, ExitCode.problemsFound, output);
        assert.match(output, /FAIL: the build .*\/1\.4\.1\/1 is FAILED, not AVAILABLE/);
        assert.strictEqual(repo.read("Pulumi.prod.yaml"), PROD_FILE);
    });

    it("rolls back by promoting an earlier version again", async () => {
        const repo = repository();
        roots.push(repo.root);
        assert.strictEqual((await promote(PROMOTE_141, buildingAccount(), repo)).exitCode, ExitCode.ok);
        const { exitCode } = await promote(["--from", "dev", "--version", "1.4.0", "--stack", "prod"], buildingAccount(), repo);
        assert.strictEqual(exitCode, ExitCode.ok);
        const prod = parseStackConfig(readStackConfig("prod", repo.root), "prod");
        assert.deepStrictEqual([prod.images[0].version, prod.promoteFrom?.amiIds[FAMILY]], ["1.4.0", AMI_140]);
        assert.deepStrictEqual((JSON.parse(repo.read("promotions/prod/al2023-base/1.4.0.json")) as PromotionRecord).previous, {
            version: "1.4.1",
            amiId: AMI_141,
        });
    });

    it("sets promoteFrom.region to the building stack's home region when it differs", async () => {
        const repo = repository(PROD_FILE.replace("    region: us-east-1", "    region: eu-west-1"));
        const { exitCode } = track(await promote(PROMOTE_141, buildingAccount(), repo));
        assert.strictEqual(exitCode, ExitCode.ok);
        assert.strictEqual(parseStackConfig(readStackConfig("prod", repo.root), "prod").promoteFrom?.region, "us-east-1");
    });

    it("exits 1 naming version, account and region when the version has no available build", async () => {
        const world = buildingAccount();
        world.images = world.images!.filter(image => image.ImageId !== AMI_141 && image.ImageId !== "ami-0000000000000a413");
        const { exitCode, errors, repo } = track(await promote(PROMOTE_141, world));
        assert.strictEqual(exitCode, ExitCode.problemsFound);
        assert.match(
            errors,
            /no available build of al2023-base 1\.4\.1 by stack dev in account 111111111111, region us-east-1 \(looked for AMIs named al2023-base-1\.4\.1-dev-\*; found only ami-0000000000000a411 \(failed\)\)/,
        );
        assert.strictEqual(repo.read("Pulumi.prod.yaml"), PROD_FILE);
    });

    const refusals: [string, string[], RegExp][] = [
        [
            "a target stack without promoteFrom",
            ["--from", "dev", "--version", "1.4.1", "--stack", "review"],
            /stack review has no golden-ami:promoteFrom, so it builds its own image/,
        ],
        ["a source stack that promotes itself", ["--from", "prod", "--version", "1.4.1", "--stack", "prod2"], /--from prod: that stack promotes too/],
        [
            "a version that is not semver",
            ["--from", "dev", "--version", "1.4", "--stack", "prod"],
            /--version must be a semantic version major\.minor\.patch like 1\.4\.1, got "1\.4"/,
        ],
        ["--force without a reason", [...PROMOTE_141, "--force"], /--force needs --reason/],
        ["a missing --from", ["--version", "1.4.1", "--stack", "prod"], /promote needs --from: e\.g\. promote --from dev --version 1\.4\.1 --stack prod/],
    ];
    for (const [what, flags, message] of refusals) {
        it(`refuses ${what} with exit 2, before calling AWS`, async () => {
            const repo = repository(PROD_FILE, { "Pulumi.review.yaml": DEV_FILE, "Pulumi.prod2.yaml": PROD_FILE });
            roots.push(repo.root);
            const recording = recordingContext(() => {
                throw new Error("bad input must be refused before any AWS client is made");
            }, repoFilesAt(repo.root));
            const exitCode = await runCli(["promote", ...flags], recording.context, repo.loadStack);
            assert.strictEqual(exitCode, ExitCode.badInput, recording.stderr.join("\n"));
            assert.match(recording.stderr.join("\n"), message);
        });
    }

    it("changes the committed Pulumi.prod.yaml by one line when pinning the values it already has: the building stack's name", () => {
        const committed = fs.readFileSync(path.join(__dirname, "../../../../Pulumi.prod.yaml"), "utf8");
        const prod = parseStackConfig(readStackConfig("prod"), "prod");
        const pinned = pinPromotion(
            committed,
            {
                image: prod.images[0].name,
                version: prod.images[0].version,
                amiId: prod.promoteFrom!.amiIds[prod.images[0].name],
                region: prod.promoteFrom!.region,
                stack: "dev",
            },
            "Pulumi.prod.yaml",
        );
        const added = pinned.split("\n").filter(line => !committed.split("\n").includes(line));
        assert.deepStrictEqual(added, ["    stack: dev"]);
        assert.strictEqual(pinned.split("\n").length, committed.split("\n").length + 1, "nothing else changes, comments included");
    });
});

describe("images promote: the first promotion", () => {
    it("pins a promoting stack that has no amiId yet, and records no previous pin", async () => {
        const repo = repository();
        fs.writeFileSync(path.join(repo.root, "Pulumi.prod.yaml"), PROD_FILE.replace(/\n    amiIds:\n      al2023-base: .*\n/, "\n"));
        const { exitCode, output } = await promote(PROMOTE_141, buildingAccount(), repo);
        assert.strictEqual(exitCode, ExitCode.ok, output);
        assert.strictEqual(parseStackFile("prod", repo.root).promoteFrom?.amiIds[FAMILY], AMI_141);
        const record = JSON.parse(repo.read("promotions/prod/al2023-base/1.4.1.json"));
        assert.strictEqual(record.previous, undefined, "nothing was pinned before");
    });

    for (const [what, value] of [
        ["a malformed AMI id", "ami-12345"],
        ["a number", "12345"],
        ["an empty value", ""],
    ] as const) {
        it(`overwrites a malformed pin (${what}) and keeps its neighbours`, async () => {
            const repo = repository();
            fs.writeFileSync(
                path.join(repo.root, "Pulumi.prod.yaml"),
                PROD_FILE.replace(/\n      al2023-base: ami-.*\n/, `\n      al2023-base:${value ? ` ${value}` : ""}\n`),
            );
            const { exitCode, output, errors } = await promote(PROMOTE_141, buildingAccount(), repo);
            assert.strictEqual(exitCode, ExitCode.ok, `${output}\n${errors}`);
            const pinned = parseStackFile("prod", repo.root);
            assert.deepStrictEqual(
                [pinned.promoteFrom?.amiIds[FAMILY], pinned.promoteFrom?.account, pinned.images[0].version],
                [AMI_141, "111111111111", "1.4.1"],
            );
            assert.strictEqual(JSON.parse(repo.read("promotions/prod/al2023-base/1.4.1.json")).previous, undefined, "a malformed pin is no previous promotion");
        });
    }
});
