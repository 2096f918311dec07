import * as assert from "assert";
import { execFile, execFileSync } from "child_process";
import * as path from "path";
import { estimateCosts, PRICES, PriceTable } from "../../../tools/plan/costs";
import { ProgramRun, runProgram } from "../../../tools/engine/mockRun";
import { ResourceChange } from "../../../tools/plan/diff";
import { planDiff } from "../../../tools/plan/diffCommand";
import { buildPlanDiff, PlanDiff, renderPlanDiff, renderPlanDiffMarkdown } from "../../../tools/plan/diffReport";
import { readStackConfig, REPO_ROOT } from "../../../tools/engine/stackFile";
import { readVersionLock, VersionLock } from "../../../components/versionLock";
import * as fs from "fs";
import { withWorktree } from "../../../tools/plan/gitRef";
import { snapshot } from "../../../tools/plan/snapshot";
import { bumpVersion } from "../../../tools/release/lock";
import { stackVersion } from "../../helpers";

const BASE = { ref: "main", commit: "0123456789abcdef0123456789abcdef01234567" };
const CLOCK = "2026-11-23T04:00:00Z";

/** The stack as deployed, then the changed program previewed against that state. */
async function diffOf(stack: string, change: { config?: Record<string, unknown>; replace?: string[]; versionLock?: VersionLock }): Promise<PlanDiff> {
    const before = await runProgram(stack, { now: new Date(CLOCK) });
    assert.ifError(before.error);
    const after = await runProgram(stack, { preview: true, now: new Date(CLOCK), previous: before, ...change });
    assert.ifError(after.error);
    return buildPlanDiff({ stack, base: BASE, clock: CLOCK, before, after, policies: [] });
}

const changesOf = (diff: PlanDiff) => diff.regions.flatMap(region => region.changes);
const find = (diff: PlanDiff, type: string, name: string): ResourceChange => {
    const change = changesOf(diff).find(candidate => candidate.type.endsWith(`:${type}`) && candidate.name === name);
    assert.ok(change, `no change to ${type} ${name} in:\n${renderPlanDiff(diff, () => [])}`);
    return change;
};

// dev's version now and its next patch: the tests follow the stack file's own bumps.
const CURRENT = stackVersion("dev", "al2023-base");
const NEXT = bumpVersion(CURRENT, "patch");
const ARM64 = stackVersion("dev", "al2023-base-arm64");
const shown = (version: string) => version.replace(/\./g, "\\.");

describe("npm run plan -- --diff", () => {
    let versionBump: PlanDiff;
    let promotion: PlanDiff;
    let rebuild: PlanDiff;
    let regionMove: PlanDiff;
    before(async function () {
        // Eight runs of the program: the deployed state and the change, for four changes.
        this.timeout(180_000);
        const dev = readStackConfig("dev");
        const fleets = dev.fleets as Record<string, object>;
        regionMove = await diffOf("dev", {
            config: {
                "aws:region": "us-east-2",
                fleets: Object.fromEntries(Object.entries(fleets).map(([name, fleet]) => [name, { ...fleet, regions: ["us-east-2"] }])),
            },
        });
        const prod = readStackConfig("prod");
        // dev's next patch version, locked as `npm run lock -- --stack dev --bump patch` would lock it.
        const lock = readVersionLock();
        const next = { ...lock, [`al2023-base@${NEXT}`]: lock[`al2023-base@${CURRENT}`] };
        const devImages = dev.images as Record<string, object>;
        const prodImages = prod.images as Record<string, object>;
        const prodFrom = prod.promoteFrom as { amiIds: object };
        versionBump = await diffOf("dev", {
            config: { images: { ...devImages, "al2023-base": { ...devImages["al2023-base"], version: NEXT } } },
            versionLock: next,
        });
        promotion = await diffOf("prod", {
            config: {
                images: { ...prodImages, "al2023-base": { ...prodImages["al2023-base"], version: "1.4.1" } },
                promoteFrom: { ...prodFrom, amiIds: { ...prodFrom.amiIds, "al2023-base": "ami-0b4d7f3e1a2c95e60" } },
            },
        });
        rebuild = await diffOf("dev", { replace: ["al2023-base-image"] });
    });

    it("a version bump in dev is summed up first: one build started, the copy and its launch permissions replaced, the fleet refreshed", () => {
        assert.match(
            versionBump.summary,
            new RegExp(
                `^al2023-base ${shown(CURRENT)} → ${shown(NEXT)}, 2 regions: 1 image build started, 1 copy replaced \\(old kept in AWS\\), ` +
                    "2 launch permissions replaced \\(old kept in AWS\\), .*1 fleet refreshed",
            ),
        );
        assert.match(
            versionBump.summary,
            new RegExp(
                `; al2023-base-arm64 ${shown(ARM64)}, 2 regions: no changes; windows-2022 ${shown(stackVersion("dev", "windows-2022"))}, 2 regions: no changes$`,
            ),
            "the other images are unchanged",
        );
        const text = renderPlanDiff(versionBump, () => []);
        assert.match(text, new RegExp(`^al2023-base ${shown(CURRENT)} → ${shown(NEXT)}`, "m"));
        assert.ok(text.indexOf(`al2023-base ${CURRENT} → ${NEXT}`) < text.indexOf("Region us-east-1"), "the summary comes before the regions");
    });

    it("a version bump replaces the recipe for its components and version, the image for its recipe, and the copy for its name and source", () => {
        assert.deepStrictEqual(find(versionBump, "ImageRecipe", "al2023-base-recipe").replaceReasons, ["components", "version"]);
        assert.deepStrictEqual(find(versionBump, "Image", "al2023-base-image").replaceReasons, ["imageRecipeArn"]);
        assert.deepStrictEqual(find(versionBump, "AmiCopy", "al2023-base-us-west-2-copy").replaceReasons, ["name", "sourceAmiId"]);
    });

    it("a replacement names the inputs that force it and says the old resource is kept in AWS", () => {
        assert.match(
            renderPlanDiff(versionBump, () => []),
            new RegExp(
                "\\+-replace AmiCopy al2023-base-us-west-2-copy {2}\\(forced by name, sourceAmiId; the old one is retained, not deleted in AWS\\)\\n" +
                    ` {8}description: .*\\n {8}name: .*${shown(CURRENT)}.* → .*${shown(NEXT)}.* {3}\\[forces replacement\\]`,
            ),
        );
    });

    it("a version bump updates the launch template's image in place, and the group refreshes to the template's new version", () => {
        const template = find(versionBump, "LaunchTemplate", "al2023-base-fleet-us-east-1");
        assert.strictEqual(template.op, "update");
        assert.ok(
            template.changed.some(input => input.path === "imageId"),
            "the launch template takes the new image in place",
        );
        assert.match(
            renderPlanDiff(versionBump, () => []),
            /~ update {2}Group al2023-base-fleet-us-east-1 {2}\(instance refresh to the new launch template version\)\n {8}launchTemplate\.version: "1" → "2"/,
        );
    });

    it("a promotion in prod: every region's copy replaced for its new source, every principal's launch permission with it, both fleets refreshed", () => {
        assert.match(
            promotion.summary,
            /^al2023-base 1\.4\.0 → 1\.4\.1, 4 regions: 4 copies replaced \(old kept in AWS\), 12 launch permissions replaced \(old kept in AWS\), 2 fleets refreshed/,
        );
        for (const region of ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"]) {
            const copy = find(promotion, "AmiCopy", `al2023-base-${region}-copy`);
            assert.deepStrictEqual(
                [copy.region, copy.replaceReasons, copy.retained],
                [region, ["name", "sourceAmiId"], true],
                "the old copy stays for rollback until the lifecycle or images prune removes it",
            );
            assert.deepStrictEqual(find(promotion, "AmiLaunchPermission", `al2023-base-${region}-sharing-333333333333`).replaceReasons, ["imageId"]);
        }
        assert.deepStrictEqual(
            promotion.regions.map(region => region.region).filter(region => region !== "no region"),
            ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"],
            "home region first, as the stack lists them",
        );
        assert.ok(!changesOf(promotion).some(change => change.type.startsWith("aws:imagebuilder/")), "prod builds nothing");
    });

    it("a rebuild at the same version: the image replaced by --replace, the copy for its source, nothing for the version", () => {
        assert.match(rebuild.summary, new RegExp(`^al2023-base ${shown(CURRENT)}, 2 regions: 1 image build started, 1 copy replaced`));
        assert.deepStrictEqual(find(rebuild, "Image", "al2023-base-image").replaceReasons, ["--replace"]);
        assert.deepStrictEqual(find(rebuild, "AmiCopy", "al2023-base-us-west-2-copy").replaceReasons, ["sourceAmiId"]);
        assert.ok(!changesOf(rebuild).some(change => change.type.endsWith(":Component")), "the components stay: same version, same documents");
    });

    it("says plainly who loses access when a principal is removed, in which regions and to how many images, and what takes it back", async () => {
        const prod = readStackConfig("prod");
        const sharing = prod.sharing as { accounts: string[]; organizationalUnitArns: string[] };
        const [removed, ...stays] = sharing.accounts;
        assert.ok(removed && stays.length > 0, "prod shares with several accounts");
        const before = await runProgram("prod", { now: new Date(CLOCK) });
        const after = await runProgram("prod", { preview: true, now: new Date(CLOCK), previous: before, config: { sharing: { ...sharing, accounts: stays } } });
        const diff = buildPlanDiff({ stack: "prod", base: BASE, clock: CLOCK, before, after, policies: [], versionsHeld: ["1.3.0", "1.4.0"] });
        const regions = (prod.regions as string[]).length + 1;
        assert.deepStrictEqual(
            diff.revokes.map(revocation => [revocation.principal, revocation.access, revocation.regions.length, revocation.images]),
            [[`account ${removed}`, ["launch"], regions, 2 * regions]],
        );
        const text = renderPlanDiff(diff, () => []);
        assert.match(
            text,
            new RegExp(
                `Revokes access:\\n  account ${removed} loses launch access to up to ${2 * regions} image\\(s\\) in .*2 version\\(s\\) in image-versions\\.lock\\.json`,
            ),
        );
        assert.match(text, /npm run images -- revoke --stack prod --apply/);
        assert.match(renderPlanDiffMarkdown(diff), /\*\*Revokes access:\*\*/);
        assert.deepStrictEqual(versionBump.revokes, [], "a version bump revokes nothing");
    });

    // The infrastructure configuration does change: its resourceTags tag the build instances with the version they build.
    it("a version bump re-tags only what belongs to the image: no key, role, bucket, topic, lifecycle policy or security group changes", () => {
        // The lifecycle policy's one change is its selection: the new version's recipe joins the versions it manages.
        const lifecycle = changesOf(versionBump).filter(change => change.type === "aws:imagebuilder/lifecyclePolicy:LifecyclePolicy");
        assert.deepStrictEqual(
            lifecycle.map(change => `${change.op} ${change.name}`),
            ["update al2023-base-lifecycle"],
        );
        const changed = lifecycle[0].changed.map(input => input.path);
        assert.ok(changed.length > 0 && changed.every(input => input.startsWith("resourceSelection")), changed.join(", "));
        const lasting = [
            "aws:kms/key:Key",
            "aws:iam/role:Role",
            "aws:s3/bucket:Bucket",
            "aws:sns/topic:Topic",
            "aws:iam/instanceProfile:InstanceProfile",
            "aws:ec2/securityGroup:SecurityGroup",
        ];
        const changes = changesOf(versionBump);
        assert.ok(changes.length > 0);
        const noise = changes.filter(change => lasting.includes(change.type));
        assert.deepStrictEqual(
            noise.map(change => `${change.op} ${change.name}`),
            [],
        );
    });

    it("warns that renaming an image replaces all of it, and names what else must change with the name", async () => {
        const dev = readStackConfig("dev");
        const { "al2023-base-arm64": arm64, ...others } = dev.images as Record<string, object>;
        const lock = readVersionLock();
        const renamed = await diffOf("dev", {
            config: { images: { ...others, "al2023-graviton": arm64 } },
            versionLock: { ...lock, [`al2023-graviton@${ARM64}`]: lock[`al2023-base-arm64@${ARM64}`] },
        });
        assert.deepStrictEqual(renamed.removedImages, ["al2023-base-arm64"]);
        const text = renderPlanDiff(renamed, () => []);
        assert.match(text, /^Removes an image: al2023-base-arm64 \(a rename to al2023-graviton\? a name is the image's identity\)$/m);
        assert.match(text, /promoteFrom\.amiIds .* fleets' image, consumers of its SSM path, and IAM resource patterns/);
        assert.deepStrictEqual(versionBump.removedImages, [], "a version bump removes no image");
    });

    it("says a retained resource is kept in AWS, not deleted", () => {
        const retained: ResourceChange = {
            urn: "urn:x",
            type: "aws:ec2/amiLaunchPermission:AmiLaunchPermission",
            name: "old-share",
            region: "us-east-1",
            op: "delete",
            changed: [],
            replaceReasons: [],
            retained: true,
        };
        const diff: PlanDiff = { ...versionBump, regions: [{ region: "us-east-1", changes: [retained] }] };
        assert.match(
            renderPlanDiff(diff, () => []),
            /- delete {2}AmiLaunchPermission old-share {2}\(retained, not deleted in AWS\)/,
        );
        assert.match(renderPlanDiffMarkdown(diff), /\*\*delete\*\* `old-share` \(AmiLaunchPermission, us-east-1\) — retained, not deleted in AWS/);
    });

    it("the Markdown form is short: summary, a table per region, the replacements with their reasons", () => {
        const markdown = renderPlanDiffMarkdown(promotion);
        assert.match(markdown, /^### Plan for `prod`: al2023-base 1\.4\.0 → 1\.4\.1, 4 regions/);
        assert.match(markdown, /\| us-east-1 \| {2}\| \d+ \| 4 \| {2}\|/);
        assert.match(markdown, /- \*\*replace\*\* `al2023-base-us-east-1-copy` \(AmiCopy, us-east-1\): forced by `name`, `sourceAmiId`/);
        assert.ok(markdown.split("\n").length <= 40, `a comment, not a report: ${markdown.split("\n").length} lines`);
    });

    it("moving aws:region replaces what lived in the old home region: components, recipes, every image (a build each), roles and buckets", () => {
        for (const [type, name] of [
            ["Component", "al2023-base-hygiene"],
            ["ImageRecipe", "al2023-base-recipe"],
            ["Image", "al2023-base-image"],
            ["Image", "al2023-base-arm64-image"],
            ["Bucket", "al2023-base-logs"],
            ["Role", "al2023-base-build"],
        ]) {
            const change = find(regionMove, type, name);
            assert.strictEqual(change.op, "replace", `${type} ${name}`);
            assert.ok(change.replaceReasons.includes("region"), `${type} ${name} is replaced for its region: ${change.replaceReasons}`);
            assert.strictEqual(change.region, "us-east-2");
        }
        assert.match(
            regionMove.summary,
            new RegExp(
                `^al2023-base ${shown(CURRENT)}, 2 regions: 1 image build started.*; al2023-base-arm64 ${shown(ARM64)}, 2 regions: 1 image build started`,
            ),
        );
        assert.match(
            renderPlanDiff(regionMove, () => []),
            /\+-replace Bucket al2023-base-logs {2}\(forced by region; the old one is retained, not deleted in AWS\)\n {8}region: "us-east-1" → "us-east-2" {3}\[forces replacement\]/,
        );
    });

    it("a region that stays keeps its resources: us-west-2's key is not replaced by the home region's move", () => {
        assert.ok(
            changesOf(regionMove).some(change => change.region === "us-west-2"),
            "us-west-2 has changes (its copies' new source)",
        );
        assert.ok(!changesOf(regionMove).some(change => change.type.endsWith(":Key") && change.region === "us-west-2"), "us-west-2's key stays");
    });

    it("lists no internal helper as 'Region no region': the creation timestamps make nothing in AWS", () => {
        for (const diff of [regionMove, versionBump]) {
            assert.ok(diff.regions.length > 0);
            assert.deepStrictEqual(
                diff.regions.filter(region => region.region === "no region").map(region => region.changes.map(change => change.name)),
                [],
            );
            assert.ok(!changesOf(diff).some(change => change.type.startsWith("pulumi-nodejs:")));
            assert.doesNotMatch(
                renderPlanDiff(diff, () => []),
                /^Region no region$/m,
            );
        }
    });

    it("shows what a fleet VPC makes next to it: subnets, route tables, the NAT gateway and its address", () => {
        const created = find(regionMove, "Vpc", "al2023-base-fleet-us-east-2");
        assert.strictEqual(created.op, "create");
        assert.match(
            renderPlanDiff(regionMove, () => []),
            /\+ create {2}Vpc al2023-base-fleet-us-east-2 {2}\(20 resources: 1 Elastic IP, 1 internet gateway, 1 NAT gateway, 4 routes, 4 route tables, 4 route table associations, 4 subnets, 1 VPC\)/,
        );
    });

    it("diffs a component document line by line, not as a count of characters", () => {
        const before =
            "name: hygiene\nphases:\n  - name: build\n    steps:\n      - name: Scrub\n        action: ExecuteBash\n        inputs:\n          commands:\n            - rm -f /root/.bash_history\n            - cloud-init clean --logs\n";
        const after = before.replace(
            "            - cloud-init clean --logs\n",
            "            - cloud-init clean --logs\n            - truncate -s 0 /etc/machine-id\n",
        );
        const change: ResourceChange = {
            urn: "urn:c",
            type: "aws:imagebuilder/component:Component",
            name: "al2023-base-hygiene",
            region: "us-east-1",
            op: "replace",
            changed: [{ path: "data", before, after }],
            replaceReasons: ["data"],
        };
        const text = renderPlanDiff({ ...versionBump, regions: [{ region: "us-east-1", changes: [change] }] }, () => []);
        assert.doesNotMatch(text, /chars\)/);
        const indent = " ".repeat(10);
        assert.ok(
            text.includes(
                [
                    "        data:   [forces replacement]",
                    `${indent}  …`,
                    `${indent}              - rm -f /root/.bash_history`,
                    `${indent}              - cloud-init clean --logs`,
                    `${indent}+             - truncate -s 0 /etc/machine-id`,
                    "",
                ].join("\n"),
            ),
            text,
        );
    });
});

describe("npm run plan -- --diff, the command", () => {
    /** The real command in its own process: the one smoke test of `--diff`. */
    const command = () =>
        new Promise<string>((resolve, reject) =>
            execFile(
                process.execPath,
                [
                    require.resolve("ts-node/dist/bin"),
                    "--transpile-only",
                    path.join(REPO_ROOT, "tools", "plan", "plan.ts"),
                    "--diff",
                    "HEAD",
                    "--stack",
                    "dev",
                    "--json",
                ],
                { cwd: REPO_ROOT, encoding: "utf8", maxBuffer: 32 * 1024 * 1024 },
                (error, stdout, stderr) => (error && error.code !== 1 ? reject(new Error(`${error.message}\n${stderr}`)) : resolve(stdout)),
            ),
        );

    it("prints byte-identical output in two runs of the same program and config (the command and in-process), against the commit it names", async function () {
        this.timeout(120_000);
        const [fromCommand, inProcess] = await Promise.all([command(), planDiff({ stack: "dev", diff: "HEAD" })]);
        assert.strictEqual(fromCommand, `${JSON.stringify(inProcess, null, 2)}\n`);
        const diff = JSON.parse(fromCommand);
        assert.deepStrictEqual(diff.base, { ref: "HEAD", commit: execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim() });
        assert.strictEqual(diff.stack, "dev");
        assert.ok(diff.policies.length > 0, "the new side's policy verdicts are part of the diff");
        assert.match(diff.clock, /^\d{4}-\d{2}-\d{2}T/);
    });
});

describe("npm run plan -- --diff, when the program refuses its config", () => {
    it("shows the program's own refusal, not the runtime's complaint about promises it left behind", async function () {
        this.timeout(120_000);
        const commit = execFileSync("git", ["rev-parse", "HEAD"], { cwd: REPO_ROOT, encoding: "utf8" }).trim();
        const run = await withWorktree(commit, async root => {
            const stackFile = path.join(root, "Pulumi.dev.yaml");
            fs.writeFileSync(stackFile, fs.readFileSync(stackFile, "utf8").replace(/^(\s+version:) .*$/m, "$1 9.9.9"));
            return snapshot(root, "dev", { now: CLOCK, preview: true });
        });
        assert.ok(run.error, "the program must refuse a version that is not locked");
        assert.match(run.error.message, /golden-ami:images\.al2023-base\.version 9\.9\.9 is not in image-versions\.lock\.json: run `npm run lock/);
        assert.doesNotMatch(run.error.message, /promises were still active/);
    });
});

describe("monthly costs of what is easy to miss", () => {
    let prod: ProgramRun;
    before(async () => {
        prod = await runProgram("prod", { preview: true });
    });

    it("prices instances as desired capacity × the first instance type's on-demand price, NAT gateways and KMS keys per region", () => {
        const costs = estimateCosts(prod);
        const line = (region: string, item: string) => costs.lines.find(candidate => candidate.region === region && candidate.item === item);
        assert.strictEqual(line("us-east-1", "instances")?.monthly, Math.round(4 * PRICES.instanceHourly["us-east-1"]["m7i.large"] * 730 * 100) / 100);
        assert.match(line("us-east-1", "instances")?.basis ?? "", /^4 × m7i\.large on demand/);
        assert.strictEqual(line("us-east-1", "NAT gateway"), undefined, "prod's us-east-1 fleet runs in given subnets: no VPC made, no NAT");
        assert.strictEqual(line("eu-west-1", "NAT gateway")?.quantity, 1);
        assert.strictEqual(costs.lines.filter(candidate => candidate.item === "KMS key").length, 4);
    });

    it("says price unknown for a region or type the table does not have, and leaves it out of the total", () => {
        const table: PriceTable = { ...PRICES, natGatewayHourly: {}, instanceHourly: { "us-east-1": { "m7i.large": 0.1 } } };
        const costs = estimateCosts(prod, table);
        const unknown = costs.lines.filter(line => line.monthly === undefined).map(line => `${line.region} ${line.item}`);
        assert.deepStrictEqual(unknown, ["eu-west-1 instances", "eu-west-1 NAT gateway"]);
        assert.strictEqual(costs.unpriced, 2);
        assert.strictEqual(costs.knownMonthly, 4 * 0.1 * 730 + 4 * PRICES.kmsKeyMonthly);
    });

    it("the price table is dated and says where its numbers come from", () => {
        assert.match(PRICES.asOf, /^\d{4}-\d{2}-\d{2}$/);
        assert.match(PRICES.source, /aws\.amazon\.com\/ec2\/pricing/);
    });
});
