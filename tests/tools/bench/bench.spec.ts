import * as assert from "assert";
import { growthProblems, Measurement, median, pairedCost, PolicyCost, policyCostProblems } from "../../../tools/bench/bench";
import { longestDependencyChain } from "../../../tools/engine/dependencyGraph";
import { generatedStackConfig } from "../../../tools/engine/generatedConfig";
import { runProgram } from "../../../tools/engine/mockRun";

const chainFor = async (regions: number) => {
    const run = await runProgram("dev", { rawConfig: generatedStackConfig(regions, 3) });
    if (run.error) throw run.error;
    return longestDependencyChain(run.resources).map(resource => resource.type.split(":").pop());
};

describe("bench: how the program scales", () => {
    it("keeps the longest dependency chain the same length however many regions hold the image", async () => {
        const [two, six] = [await chainFor(2), await chainFor(6)];
        assert.deepStrictEqual(six, two);
        assert.deepStrictEqual(two, ["Key", "Component", "ImageRecipe", "Image", "AmiCopy", "LaunchTemplate", "Group"]);
    });

    const measurement = (regions: number, resources: number, seconds: number, peakMemoryMiB: number, chain = 7): Measurement => ({
        regions,
        principals: 1,
        images: 1,
        resources,
        seconds,
        peakMemoryMiB,
        longestChain: Array(chain).fill("X"),
    });

    it("passes figures that grow with the resources and no faster", () => {
        assert.deepStrictEqual(growthProblems([measurement(2, 100, 2, 200), measurement(8, 400, 7, 400)]), []);
    });

    it("flags a chain that lengthens with the regions, and time or memory per resource that grows", () => {
        const problems = growthProblems([measurement(2, 100, 1, 100), measurement(8, 400, 40, 1000, 9)]);
        assert.strictEqual(problems.length, 3, problems.join("\n"));
        assert.match(problems[0], /chain grows with the regions: 7, 9/);
    });
});

describe("bench: what the policy pack costs through the analyzer", () => {
    const cost = (packTimes: number[], noopTimes: number[]): PolicyCost => ({
        regions: 17,
        principals: 100,
        resources: 1860,
        ...pairedCost(packTimes, noopTimes),
    });

    it("takes the median round, whatever the order", () => {
        assert.strictEqual(median([5, 1, 3]), 3);
        assert.strictEqual(median([4, 1, 3, 2]), 2.5);
    });

    it("passes a pack within 1.2× the no-op pack's cost per resource, and flags one above it with the spread of the rounds", () => {
        assert.deepStrictEqual(policyCostProblems(cost([1.2, 1.2, 1.2], [1.0, 1.0, 1.0])), []);
        assert.deepStrictEqual(policyCostProblems(cost([1.3, 1.2, 1.5], [1.0, 1.0, 1.0])), [
            "the policy pack costs 1.30× the no-op pack per resource (median of 3 paired rounds, spread 1.20–1.50×; 1.300 against 1.000 ms; limit 1.2×)",
        ]);
    });

    it("judges the pack by the median of paired round ratios, so a round slowed by other work on the machine does not fail it", () => {
        // Round 2 ran while the machine was busy: both sides slowed, the pack's side measured first.
        const busy = cost([1.1, 3, 1.1, 1.1, 1.1], [1, 1.5, 1, 1, 1]);
        assert.strictEqual(busy.ratio, 1.1);
        assert.deepStrictEqual(policyCostProblems(busy), []);
        assert.deepStrictEqual(busy.spread, { min: 1.1, max: 2 });
    });
});
