import * as assert from "assert";
import { execFileSync, spawnSync } from "child_process";
import * as path from "path";
import { readStackConfig, REPO_ROOT } from "../../../tools/engine/stackFile";
import { PLACEHOLDER_NOTE, planStack, renderPlan, runPlanCli } from "../../../tools/plan/plan";
import { exitCodeOf } from "../../../tools/plan/verdicts";
import { awsxVpcResources } from "../../../tools/plan/componentResources";

/** The real command in its own process: the one smoke test of the entry point. */
const planCommand = (...args: string[]) =>
    execFileSync(process.execPath, [require.resolve("ts-node/dist/bin"), path.join(REPO_ROOT, "tools", "plan", "plan.ts"), ...args], {
        cwd: REPO_ROOT,
        encoding: "utf8",
    });

describe("npm run plan", () => {
    it("writes the same plan as JSON for tools with --json, and nothing on stderr", async () => {
        const out: string[] = [];
        const err: string[] = [];
        assert.strictEqual(
            await runPlanCli(
                ["--stack", "prod", "--json"],
                text => out.push(text),
                text => err.push(text),
            ),
            0,
            err.join("\n"),
        );
        assert.deepStrictEqual(err, []);
        const plan = JSON.parse(out.join("\n"));
        assert.strictEqual(plan.stack, "prod");
        assert.strictEqual(plan.note, PLACEHOLDER_NOTE);
        assert.deepStrictEqual(
            plan.images.map((image: { name: string }) => image.name),
            ["al2023-base", "al2023-base-arm64", "windows-2022"],
        );
        for (const image of plan.images) {
            assert.deepStrictEqual(
                image.regions.map((region: { region: string }) => region.region),
                ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"],
            );
        }
        assert.strictEqual(plan.mandatoryFailures, 0);
        assert.ok(plan.policies.length > 0 && plan.policies.every((verdict: { violations: unknown[] }) => verdict.violations.length === 0));
    });

    it("prints the dev stack per image and region, says values are placeholders, passes every policy and exits 0 (the real command)", () => {
        const output = planCommand("--stack", "dev");
        assert.ok(output.includes(PLACEHOLDER_NOTE));
        for (const line of [
            /^Image al2023-base \d+\.\d+\.\d+ \(x86_64\)$/m,
            /^Image al2023-base-arm64 \d+\.\d+\.\d+ \(arm64\)$/m,
            /^ {2}Builds al2023-base-dev \d+\.\d+\.\d+ with EC2 Image Builder/m,
            /^ {2}Builds al2023-base-arm64-dev \d+\.\d+\.\d+ with EC2 Image Builder/m,
            /^ {2}Region us-east-1$/m,
            /^ {2}Region us-west-2$/m,
            /launchable by {2}222222222222/,
            /published at {3}\/golden-ami\/al2023-base\/dev\/ami-id/,
            /published at {3}\/golden-ami\/al2023-base-arm64\/dev\/ami-id/,
            /^No mandatory policy fails\.$/m,
        ]) {
            assert.match(output, line);
        }
    });

    it("plans prod as a promotion into every region with a fleet where configured, all policies passing", async () => {
        const plan = await planStack("prod");
        const pinned = readStackConfig("prod") as {
            images: Record<string, { version: string }>;
            promoteFrom: { account: string; region: string; amiIds: Record<string, string>; stack?: string };
        };
        assert.strictEqual(plan.images.length, 3);
        for (const image of plan.images) {
            assert.strictEqual(image.build, undefined, `prod builds nothing (${image.name})`);
            const { amiIds, ...from } = pinned.promoteFrom;
            assert.deepStrictEqual(
                image.promotedFrom,
                { version: pinned.images[image.name].version, ...from, amiId: amiIds[image.name] },
                "the version, source account, region and AMI id prod pins",
            );
            assert.match(
                renderPlan(plan),
                new RegExp(`^ {2}Promotes ${image.version.replace(/\./g, "\\.")}: ${amiIds[image.name]} of account ${from.account}.* in ${from.region}`, "m"),
            );
            assert.deepStrictEqual(
                image.regions.map(region => region.region),
                ["us-east-1", "us-west-2", "eu-west-1", "ap-southeast-2"],
            );
        }
        const [base, arm] = plan.images;
        assert.deepStrictEqual(
            base.regions.filter(region => region.autoScalingGroup).map(region => region.region),
            ["us-east-1", "eu-west-1"],
            "prod's fleet runs al2023-base",
        );
        assert.deepStrictEqual(
            arm.regions.filter(region => region.autoScalingGroup),
            [],
            "and no fleet runs the arm64 image",
        );
        assert.strictEqual(exitCodeOf(plan), 0, renderPlan(plan));
    });

    it("fails, naming the policy and the resource, when the config breaks a mandatory policy", async () => {
        const sharing = { ...(readStackConfig("prod").sharing as object), accounts: ["999999999999"] };
        const plan = await planStack("prod", { config: { sharing } });
        assert.strictEqual(exitCodeOf(plan), 1);
        const failing = plan.policies.filter(verdict => verdict.level === "mandatory" && verdict.violations.length > 0);
        assert.deepStrictEqual(
            failing.map(verdict => verdict.policy),
            ["image-sharing-allow-listed"],
        );
        assert.match(renderPlan(plan), /FAIL {2}image-sharing-allow-listed \(mandatory\)\n.*999999999999/);
    });

    it("fails with the config's own message when the config is refused", async () => {
        const plan = await planStack("dev", { config: { regions: ["mars-north-1"] } });
        assert.strictEqual(exitCodeOf(plan), 1);
        assert.match(renderPlan(plan), /golden-ami:regions\[0\] must be an AWS region like us-east-1, got "mars-north-1"/);
    });

    it("prints a refused config once, as the message alone: no Node stack trace after it, and the exit code the plan gives", function () {
        this.timeout(120_000);
        // The program as `npm run plan` runs it, with a config the program refuses, in a process of its own:
        // what reaches the terminal after the plan is printed is the point.
        const script = `const { planStack, renderPlan } = require(${JSON.stringify(path.join(REPO_ROOT, "tools", "plan", "plan.ts"))});
            planStack("dev", { config: { "aws:region": "us-east-2" } }).then(plan => { console.log(renderPlan(plan)); process.exitCode = plan.error ? 1 : 0; });`;
        const result = spawnSync(process.execPath, [require.resolve("ts-node/dist/bin"), "--transpile-only", "-e", script], {
            cwd: REPO_ROOT,
            encoding: "utf8",
            timeout: 110_000,
        });
        assert.strictEqual(result.status, 1, result.stderr);
        const message = /golden-ami:fleets\.al2023-base\.regions\[0\] "us-east-1" does not hold the image/g;
        assert.strictEqual((result.stdout.match(message) ?? []).length, 1, result.stdout);
        assert.strictEqual(
            result.stderr.replace(/\(node:\d+\) (Warning: )?NodeVersionSupportWarning[\s\S]*?--trace-warnings[^\n]*\n/, ""),
            "",
            "nothing after the plan: no second copy of the error, no stack trace",
        );
    });

    it("counts what the fleet VPC makes (subnets, NAT gateway, its address) in a folded group of its own, and Pulumi's own resources apart", async () => {
        const plan = await planStack("dev");
        assert.deepStrictEqual(
            plan.componentResources.map(component => [component.name, component.region]),
            [
                ["al2023-base-fleet-us-east-1", "us-east-1"],
                ["windows-2022-fleet-us-east-1", "us-east-1"],
            ],
        );
        const [vpc] = plan.componentResources;
        assert.deepStrictEqual(
            [vpc.resources["aws:ec2/subnet:Subnet"], vpc.resources["aws:ec2/natGateway:NatGateway"], vpc.resources["aws:ec2/eip:Eip"]],
            [4, 1, 1],
        );
        assert.ok(!Object.keys(plan.resourceCounts).some(type => type.startsWith("pulumi")), "providers and helpers are not AWS resources");
        const text = renderPlan(plan);
        assert.match(text, /^\d+ resources in AWS \(\d+ declared by the program, 40 by the components it uses\):$/m);
        assert.match(text, /^ {4}20 {2}▸ fleet VPC al2023-base-fleet-us-east-1 \(awsx:ec2:Vpc, us-east-1\):\n {8} {3}1 {2}aws:ec2\/eip:Eip$/m);
        assert.match(text, /^ {2}plus \d+ of Pulumi's own \(providers, creation timestamps\), which make nothing in AWS$/m);
    });

    it("a VPC with a NAT gateway per zone makes one Elastic IP per NAT gateway; isolated subnets route nowhere", () => {
        assert.deepStrictEqual(
            awsxVpcResources({ numberOfAvailabilityZones: 3, subnetSpecs: [{ type: "Private" }, { type: "Public" }], natGateways: { strategy: "OnePerAz" } }),
            {
                "aws:ec2/eip:Eip": 3,
                "aws:ec2/internetGateway:InternetGateway": 1,
                "aws:ec2/natGateway:NatGateway": 3,
                "aws:ec2/route:Route": 6,
                "aws:ec2/routeTable:RouteTable": 6,
                "aws:ec2/routeTableAssociation:RouteTableAssociation": 6,
                "aws:ec2/subnet:Subnet": 6,
                "aws:ec2/vpc:Vpc": 1,
            },
        );
        assert.deepStrictEqual(awsxVpcResources({ numberOfAvailabilityZones: 2, subnetSpecs: [{ type: "Isolated" }] }), {
            "aws:ec2/routeTable:RouteTable": 2,
            "aws:ec2/routeTableAssociation:RouteTableAssociation": 2,
            "aws:ec2/subnet:Subnet": 2,
            "aws:ec2/vpc:Vpc": 1,
        });
    });

    it("shows where the build runs and where its notifications go: the default VPC, or the subnet and a group it makes", async () => {
        const onDefault = renderPlan(await planStack("dev"));
        assert.match(onDefault, /^ {4}network {5}the account's default VPC in the home region \(set golden-ami:build to use a subnet of yours\)$/m);
        assert.match(onDefault, /^ {4}notifies {4}SNS topic \S+ \(stack output images.<image>.buildNotificationsTopicArn\)/m);
        const onSubnet = renderPlan(await planStack("dev", { config: { build: { subnetId: "subnet-0a1b2c3d4e5f60718" } } }));
        assert.match(onSubnet, /^ {4}network {5}subnet subnet-0a1b2c3d4e5f60718, security groups \S+ \(made here, no inbound rules\)$/m);
    });
});
