// The pack over the real program: every resource each stack declares, under the stack's policy config.
import * as assert from "assert";
import { programResources, runPackOverProgram } from "../../tools/policyRunner";
import { ProgramRun, runStack, TYPES } from "../helpers";
import { loadPackConfig, runPolicies } from "./harness";

for (const stack of ["dev", "prod"] as const) {
    describe(`the policy pack over the ${stack} program`, () => {
        let run: ProgramRun;
        before(async () => { run = await runStack(stack, { preview: true }); });

        it("finds no mandatory violation in what the stack declares", async () => {
            const verdicts = await runPackOverProgram(run, stack);
            const failing = verdicts.filter(verdict => verdict.level === "mandatory" && verdict.violations.length > 0);
            assert.deepStrictEqual(failing, []);
            assert.ok(verdicts.every(verdict => verdict.violations.length === 0), JSON.stringify(verdicts.filter(v => v.violations.length), null, 2));
        });

        it("blocks the same program with a public launch permission added", async () => {
            const resources = programResources(run, stack);
            const permission = resources.find(resource => resource.type === TYPES.launchPermission)!;
            resources.push({ ...permission, name: "made-public", urn: `${permission.urn}-public`, props: { imageId: permission.props.imageId, group: "all" } });
            const diagnostics = await runPolicies(resources, loadPackConfig(stack), { stack });
            const publicImages = diagnostics.filter(diagnostic => diagnostic.policy === "no-public-images");
            assert.strictEqual(publicImages.length, 1);
            assert.strictEqual(publicImages[0].level, "mandatory");
        });

        it("flags the same program with the Owner tag stripped from an image copy", async () => {
            const resources = programResources(run, stack);
            const copy = resources.find(resource => resource.type === TYPES.amiCopy)!;
            const { Owner: _stripped, ...tags } = copy.props.tags;
            copy.props = { ...copy.props, tags };
            const diagnostics = await runPolicies(resources, loadPackConfig(stack), { stack });
            const untagged = diagnostics.filter(diagnostic => diagnostic.policy === "images-tagged");
            assert.strictEqual(untagged.length, 1);
            assert.match(untagged[0].message, /Owner/);
            assert.strictEqual(untagged[0].level, "mandatory", "untagged images are blocked in every stack");
        });
    });
}
