import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { validateWorkflow } from "@action-validator/core";
import { parse } from "yaml";
import { REPO_ROOT } from "../../tools/stackFile";

const WORKFLOWS = path.join(REPO_ROOT, ".github", "workflows");
const workflowFiles = fs.readdirSync(WORKFLOWS).filter(file => /\.ya?ml$/.test(file));
const read = (file: string) => fs.readFileSync(path.join(WORKFLOWS, file), "utf8");

type Step = { uses?: string; run?: string; with?: Record<string, unknown> };
const stepsOf = (file: string): Step[] => Object.values<any>(parse(read(file)).jobs).flatMap(job => job.steps);

describe("CI workflows", () => {
    it("are valid GitHub Actions workflows (schema and globs, checked by action-validator)", () => {
        assert.ok(workflowFiles.length >= 2, "expected the pull request and deploy workflows");
        for (const file of workflowFiles) {
            assert.deepStrictEqual(validateWorkflow(read(file)).errors, [], `${file} is not a valid workflow`);
        }
    });

    it("the validator refuses a broken workflow, so its silence means something", () => {
        const broken = read("main.yml").replace("id-token: write", "id-token: writ");
        assert.notDeepStrictEqual(validateWorkflow(broken).errors, []);
    });

    it("run the tests and the offline plan of both stacks on every pull request", () => {
        const runs = stepsOf("pull-request.yml").map(step => step.run).filter(Boolean);
        for (const command of ["npm ci", "npm test", "npm run plan -- --stack dev", "npm run plan -- --stack prod"]) {
            assert.ok(runs.includes(command), `pull-request.yml does not run ${command}`);
        }
    });

    it("gate every pulumi preview and up with the policy pack and the stack's own policy config", () => {
        for (const file of workflowFiles) {
            for (const step of stepsOf(file).filter(s => s.uses?.startsWith("pulumi/actions@"))) {
                const stack = String(step.with?.["stack-name"]).split("/").pop();
                assert.strictEqual(step.with?.policyPacks, "policy", `${file}: ${step.with?.command} ${stack} without the pack`);
                const config = String(step.with?.policyPackConfigs);
                assert.ok(config === `policy/${stack}.json` || config === "policy/${{ matrix.stack }}.json" && stack === "${{ matrix.stack }}",
                    `${file}: ${stack} uses ${config}`);
            }
        }
    });

    it("use OIDC for AWS and Pulumi, never long-lived keys", () => {
        for (const file of workflowFiles) {
            const text = read(file);
            assert.doesNotMatch(text, /AWS_ACCESS_KEY_ID|AWS_SECRET_ACCESS_KEY|PULUMI_ACCESS_TOKEN|secrets\./, `${file} uses a stored secret`);
            assert.doesNotMatch(text, /\d{12}/, `${file} hard-codes an account id`);
            const parsed = parse(text);
            for (const [name, job] of Object.entries<any>(parsed.jobs)) {
                const assumesRole = job.steps.some((step: Step) => step.uses?.startsWith("aws-actions/configure-aws-credentials@"));
                if (assumesRole) assert.strictEqual(job.permissions?.["id-token"], "write", `${file} ${name} needs id-token: write for OIDC`);
            }
        }
    });

    it("deploy prod only after dev, behind the prod environment's approval", () => {
        const jobs = parse(read("main.yml")).jobs;
        assert.strictEqual(jobs["up-prod"].needs, "up-dev");
        assert.strictEqual(jobs["up-prod"].environment, "prod");
    });
});
