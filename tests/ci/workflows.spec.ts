import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { REPO_ROOT } from "../../tools/engine/stackFile";
import { nonEmpty } from "../helpers";

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const workflowFiles = fs.readdirSync(WORKFLOWS).filter(file => /\.ya?ml$/.test(file));
const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");

type Step = { uses?: string; run?: string; if?: string; with?: Record<string, unknown> };
const stepsOf = (file: string): Step[] => Object.values<any>(parse(read(file)).jobs).flatMap(job => job.steps);

describe("CI workflows", () => {
    it("are valid GitHub Actions workflows (schema and globs, checked by action-validator)", () => {
        assert.deepStrictEqual(workflowFiles.sort(), ["main.yml", "patch.yml", "pull-request.yml"]);
        for (const file of nonEmpty(workflowFiles, "workflow file")) {
            assert.deepStrictEqual(validateWorkflow(read(file)).errors, [], `${file} is not a valid workflow`);
        }
    });

    it("the validator refuses a broken workflow, so its silence means something", () => {
        const broken = read("main.yml").replace("id-token: write", "id-token: writ");
        assert.notDeepStrictEqual(validateWorkflow(broken).errors, []);
    });

    it("run the tests and the offline plan of both stacks on every pull request", () => {
        const runs = stepsOf("pull-request.yml")
            .map(step => step.run)
            .filter(Boolean);
        for (const command of ["npm ci", "npm test", "npm run plan -- --stack dev", "npm run plan -- --stack prod"]) {
            assert.ok(runs.includes(command), `pull-request.yml does not run ${command}`);
        }
    });

    it("gate every pulumi preview and up with the policy pack and the stack's own policy config", () => {
        let pulumiSteps = 0;
        for (const file of nonEmpty(workflowFiles, "workflow file")) {
            for (const step of stepsOf(file).filter(s => s.uses?.startsWith("pulumi/actions@"))) {
                pulumiSteps++;
                const stack = String(step.with?.["stack-name"]).split("/").pop();
                assert.strictEqual(step.with?.policyPacks, "policy", `${file}: ${step.with?.command} ${stack} without the pack`);
                const config = String(step.with?.policyPackConfigs);
                assert.ok(
                    config === `policy/${stack}.json` || (config === "policy/${{ matrix.stack }}.json" && stack === "${{ matrix.stack }}"),
                    `${file}: ${stack} uses ${config}`,
                );
            }
        }
        assert.ok(pulumiSteps > 0, "the workflows run pulumi/actions");
    });

    it("use OIDC for AWS and Pulumi, never long-lived keys", () => {
        for (const file of nonEmpty(workflowFiles, "workflow file")) {
            const text = read(file);
            assert.doesNotMatch(text, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|PULUMI_ACCESS_TOKEN|secrets\./, `${file} uses a stored secret`);
            assert.doesNotMatch(text, /\d{12}/, `${file} hard-codes an account id`);
            const parsed = parse(text);
            for (const [name, job] of nonEmpty(Object.entries<any>(parsed.jobs), `${file} job`)) {
                const assumesRole = job.steps.some((step: Step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                if (assumesRole) assert.strictEqual(job.permissions?.["id-token"], "write", `${file} ${name} needs id-token: write for OIDC`);
            }
        }
    });

    it("deploy each stack in its own concurrency group, never cancelled, and hold nothing at the workflow level", () => {
        const workflow = parse(read("main.yml"));
        assert.strictEqual(workflow.concurrency, undefined, "a run waiting for prod's approval would hold dev's deploys");
        assert.deepStrictEqual(workflow.jobs["up-dev"].concurrency, { group: "deploy-dev", "cancel-in-progress": false });
        assert.deepStrictEqual(workflow.jobs["up-prod"].concurrency, { group: "deploy-prod", "cancel-in-progress": false });
    });

    it("deploy prod without dev: no job prod's up waits on depends on dev's up, directly or through another job", () => {
        const jobs = parse(read("main.yml")).jobs;
        const needsOf = (name: string): string[] => [jobs[name].needs ?? []].flat();
        const upstream = new Set<string>();
        const visit = (name: string) =>
            needsOf(name).forEach(need => {
                if (!upstream.has(need)) {
                    upstream.add(need);
                    visit(need);
                }
            });
        visit("up-prod");
        assert.ok(upstream.size > 0);
        assert.ok(!upstream.has("up-dev"), `up-prod waits on ${[...upstream].join(", ")}`);
        assert.strictEqual(jobs["up-prod"].environment, "prod");
        assert.strictEqual(jobs["up-prod"].if, "needs.gate-prod.outputs.deployable == 'true'");
        assert.strictEqual(jobs["gate-prod"].if, "needs.changes.outputs.prod == 'true'", "prod deploys when its inputs change, not on every push");
    });

    it("deploy prod when its inputs change: its stack file, promotion records, the program, the pack and the dependencies", () => {
        const script = parse(read("main.yml"))
            .jobs.changes.steps.map((step: Step) => step.run ?? "")
            .join("\n");
        const pattern = new RegExp(/inputs='([^']+)'/.exec(script)![1]);
        for (const file of [
            "Pulumi.prod.yaml",
            "promotions/prod/1.4.1.json",
            "components/GoldenImage.ts",
            "index.ts",
            "policy/prod.json",
            "package-lock.json",
        ]) {
            assert.match(file, pattern, `a change to ${file} must deploy prod`);
        }
        for (const file of ["Pulumi.dev.yaml", "promotions/dev/1.4.1.json", "README.md", "docs/operations.md", "tests/config.spec.ts"]) {
            assert.doesNotMatch(file, pattern, `a change to ${file} alone must not deploy prod`);
        }
    });

    it("gate prod's up on the promotion as recorded, offline, not on dev's scan findings judged again at push time", () => {
        const gate = parse(read("main.yml")).jobs["gate-prod"];
        const runs = gate.steps.map((step: Step) => step.run ?? "").join("\n");
        assert.match(runs, /npm run -s images -- gate --recorded --stack prod --json/);
        assert.ok(!gate.steps.some((step: Step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@")), "the recorded gate reads no AWS account");
    });

    it("take back removed principals' access after every up, failed ones included, with a kept report", () => {
        const jobs = parse(read("main.yml")).jobs;
        for (const [job, stack] of [
            ["up-dev", "dev"],
            ["up-prod", "prod"],
        ]) {
            const steps: Step[] = jobs[job].steps;
            const up = steps.findIndex(step => step.uses?.startsWith("pulumi/actions@"));
            const revoke = steps.findIndex(step => step.run?.includes(`images -- revoke --stack ${stack} --apply`));
            assert.ok(up >= 0 && revoke > up, `${job}: revoke --apply runs after pulumi up`);
            assert.strictEqual(steps[revoke].if, "${{ !cancelled() }}");
        }
    });

    it("give each up time for the longest build of any platform plus the copies, within a hosted runner's 6 hours", async () => {
        const { PLATFORM_DEFAULTS } = await import("../../components/platforms");
        const { COPY_TIMEOUT } = await import("../../components/RegionalImage");
        const minutes = (duration: string) => [...duration.matchAll(/(\d+)([hm])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * (unit === "h" ? 60 : 1), 0);
        const jobs = parse(read("main.yml")).jobs;
        for (const [platform, defaults] of nonEmpty(Object.entries(PLATFORM_DEFAULTS), "platform")) {
            assert.ok(
                jobs["up-dev"]["timeout-minutes"] >= minutes(defaults.buildTimeout) + minutes(COPY_TIMEOUT) + 15,
                `up-dev: a ${platform} build + copies + setup`,
            );
            assert.ok(defaults.testTimeoutMinutes < minutes(defaults.buildTimeout), `${platform}: the tests run inside the build's time`);
        }
        assert.ok(jobs["up-dev"]["timeout-minutes"] <= 360, "GitHub-hosted jobs stop at 6 h");
        assert.ok(jobs["up-prod"]["timeout-minutes"] >= minutes(COPY_TIMEOUT) + 15, "up-prod: copies + setup");
    });

    it("ask Pulumi Cloud for a token that lasts as long as each up's AWS session (OIDC tokens last 2 hours by default)", () => {
        for (const name of ["up-dev", "up-prod"]) {
            const steps: Step[] = parse(read("main.yml")).jobs[name].steps;
            const session = Number(steps.find(step => step.uses?.startsWith("aws-actions/configure-aws-credentials@"))?.with?.["role-duration-seconds"]);
            const token = Number(steps.find(step => step.uses?.startsWith("pulumi/auth-actions@"))?.with?.["token-expiration"]);
            assert.ok(session > 7200, `${name}: the AWS session is ${session} s`);
            assert.ok(token >= session, `${name}: the Pulumi token (${token} s) ends before the AWS session (${session} s), in the middle of the update`);
        }
    });

    it("run on a supported Node.js (22 or later) in every job that sets one up", () => {
        const engines = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).engines;
        assert.strictEqual(engines?.node, ">=22");
        for (const file of nonEmpty(workflowFiles, "workflow file")) {
            const setups = stepsOf(file).filter(step => step.uses?.startsWith("actions/setup-node@"));
            assert.ok(setups.length > 0, `${file} sets up no Node.js`);
            for (const step of setups) assert.ok(Number(step.with?.["node-version"]) >= 22, `${file} runs Node.js ${step.with?.["node-version"]}`);
        }
    });

    it("grant each job only the permissions it uses, and nothing at the top level but read", () => {
        const allowed: Record<string, string[]> = {
            "id-token": ["write"],
            contents: ["read", "write"],
            "pull-requests": ["write"],
            issues: ["write"],
        };
        for (const file of nonEmpty(workflowFiles, "workflow file")) {
            const parsed = parse(read(file));
            assert.deepStrictEqual(parsed.permissions, { contents: "read" }, `${file}: top-level permissions`);
            for (const [name, job] of nonEmpty(Object.entries<any>(parsed.jobs), `${file} job`)) {
                for (const [scope, level] of Object.entries<string>(job.permissions ?? {})) {
                    assert.ok(allowed[scope]?.includes(level), `${file} ${name}: ${scope}: ${level} is more than any job here needs`);
                }
                const usesText = JSON.stringify(job.steps);
                if (job.permissions?.["id-token"]) assert.match(usesText, /configure-aws-credentials|auth-actions/, `${file} ${name}: id-token without OIDC`);
                if (job.permissions?.["pull-requests"])
                    assert.match(usesText, /sticky-pull-request-comment|create-pull-request|comment-on-pr/, `${file} ${name}: pull-requests: write unused`);
                if (job.permissions?.contents === "write") assert.match(usesText, /create-pull-request/, `${file} ${name}: contents: write unused`);
                if (job.permissions?.issues) assert.match(usesText, /gh issue create/, `${file} ${name}: issues: write unused`);
            }
        }
    });

    it("post the offline plan --diff of both stacks on the pull request, and fail after posting when a plan fails", () => {
        const job = parse(read("pull-request.yml")).jobs["plan-diff"];
        assert.strictEqual(job.steps[0].with?.["fetch-depth"], 0, "plan --diff checks the base out: it needs the history");
        const script = job.steps.map((step: Step) => step.run ?? "").join("\n");
        assert.match(script, /npm run -s plan -- --diff origin\/main --stack "\$stack" --markdown/);
        assert.match(script, /for stack in dev prod/);
        const comment = job.steps.find((step: Step) => step.uses?.startsWith("marocchino/sticky-pull-request-comment@"));
        assert.strictEqual(comment?.with?.path, "plan-diff.md");
        assert.ok(job.steps.findIndex((step: Step) => step === comment) < job.steps.findIndex((step: Step) => step.run === "exit 1"));
    });

    it("check the patch cadence weekly and on demand, bump dev's patch version and open a pull request, and report a failure", () => {
        const workflow = parse(read("patch.yml"));
        assert.match(workflow.on.schedule[0].cron, /^\S+ \S+ \* \* \d$/, "weekly");
        assert.strictEqual(workflow.on.workflow_dispatch.inputs["max-age-days"].default, 30);
        const steps: Step[] = workflow.jobs.bump.steps;
        const runs = steps.map(step => step.run ?? "");
        assert.ok(runs.some(run => /npm run -s patch-due -- --stack dev --max-age-days/.test(run)));
        const bump = steps.find(step => (step.run ?? "").includes('npm run -s lock -- --stack dev --image "$image" --bump patch'));
        assert.ok(bump, "one bump per image that is due");
        assert.match(JSON.stringify(bump), /steps\.due\.outputs\.images/, "over the images patch-due found due");
        const pullRequest = steps.find(step => step.uses?.startsWith("peter-evans/create-pull-request@"));
        assert.match(pullRequest?.uses ?? "", /@v\d+$/, "pinned to a major version");
        assert.deepStrictEqual(String(pullRequest?.with?.["add-paths"]).trim().split("\n"), ["Pulumi.dev.yaml", "image-versions.lock.json"]);
        assert.strictEqual(workflow.jobs["report-failure"].if, "failure()");
        const role = steps.find(step => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
        assert.strictEqual(role?.with?.["role-to-assume"], "${{ vars.AWS_READ_ROLE_ARN_DEV }}");
    });

    it("pin every action to a major version", () => {
        for (const file of nonEmpty(workflowFiles, "workflow file")) {
            for (const step of nonEmpty(
                stepsOf(file).filter(s => s.uses),
                `${file} action step`,
            ))
                assert.match(step.uses!, /^[\w.-]+\/[\w.-]+@v\d+$/, `${file}: ${step.uses}`);
        }
    });
});
