// npm run bench [-- --regions 1,4,17 --principals 1,25,100 --json] [--policy-only | --no-policy]
// The program under mocks with generated configs of R regions × P principals. Each case runs in a fresh
// process, so its peak memory is its own. Prints resources declared, wall time, peak memory and the
// longest dependency chain, then checks that the chain does not grow with the regions and that time and
// memory per resource do not grow with the size of the stack.
// Then the policy pack: its cost per resource through the analyzer protocol (the pack served as the CLI
// serves it, every resource analyzed, then the stack) on the 17-region, 100-principal plan, against a
// no-op pack with the same policies whose checks do nothing; the pack may cost at most 1.2× as much.
import { execFileSync } from "child_process";
import { parseStackConfig } from "../../components/config";
import { longestDependencyChain } from "../engine/dependencyGraph";
import * as path from "path";
import { generatedStackConfig, generatedVersionLock, MAX_PRINCIPALS, OTHER_REGIONS } from "../engine/generatedConfig";
import { runProgram } from "../engine/mockRun";
import { policies } from "../../policy/policies";
import { analyzeRequest, AnalyzerSession, analyzerStackResource, loadPackConfig, programResources } from "../engine/policyRunner";

interface Measurement {
    regions: number;
    principals: number;
    /** Images of the catalog, side by side (none layered). */
    images: number;
    resources: number;
    seconds: number;
    peakMemoryMiB: number;
    longestChain: string[];
}

/** What one case may cost per resource, relative to the smallest case, before the bench fails. */
const GROWTH_TOLERANCE = 2;

/** The bare-SDK floor: `resources` plain resources over `regions` providers, in a fresh process like the cases. */
async function measureFloor(resources: number, regions: number): Promise<{ resources: number; seconds: number }> {
    process.env.GOLDEN_AMI_FLOOR_RESOURCES = String(resources);
    process.env.GOLDEN_AMI_FLOOR_REGIONS = ["us-east-1", ...OTHER_REGIONS.slice(0, regions - 1)].join(",");
    const started = process.hrtime.bigint();
    const run = await runProgram("dev", { rawConfig: {}, program: path.join(__dirname, "floorProgram.ts") });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.error) throw run.error;
    return { resources: run.resources.filter(resource => resource.custom && !resource.type.startsWith("pulumi:providers:")).length, seconds };
}

function measureFloorInChildProcess(resources: number, regions: number): { resources: number; seconds: number } {
    const output = execFileSync(process.execPath, [...process.execArgv, __filename, "--floor", `${resources},${regions}`],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(output.trim().split("\n").pop()!);
}

/** The catalog case the bench always adds: images × regions × principals. */
export const CATALOG_CASE = { images: 3, regions: 6, principals: 25 };

async function measure(regions: number, principals: number, images = 1): Promise<Measurement> {
    const rawConfig = generatedStackConfig(regions, principals, images, false);
    const versionLock = generatedVersionLock(rawConfig);
    const started = process.hrtime.bigint();
    const run = await runProgram("dev", { rawConfig, versionLock });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.error) throw run.error;
    const custom = run.resources.filter(resource => resource.custom && !resource.type.startsWith("pulumi:providers:"));
    return {
        regions, principals, images, resources: custom.length, seconds,
        peakMemoryMiB: process.resourceUsage().maxRSS / 1024,
        longestChain: longestDependencyChain(run.resources).map(resource => resource.type.split(":").pop()!),
    };
}

function measureInChildProcess(regions: number, principals: number, images = 1): Measurement {
    const output = execFileSync(process.execPath, [...process.execArgv, __filename, "--case", `${regions},${principals},${images}`],
        { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"], maxBuffer: 16 * 1024 * 1024 });
    return JSON.parse(output.trim().split("\n").pop()!);
}

/** Problems with how the figures grow; empty when the program scales. */
export function growthProblems(measurements: Measurement[]): string[] {
    const problems: string[] = [];
    const multiRegion = measurements.filter(m => m.regions > 1);
    const chainLengths = new Set(multiRegion.map(m => m.longestChain.length));
    if (chainLengths.size > 1) problems.push(`the longest dependency chain grows with the regions: ${[...chainLengths].join(", ")}`);
    const smallest = measurements.reduce((a, b) => (b.resources < a.resources ? b : a));
    for (const m of measurements) {
        const timeGrowth = (m.seconds / m.resources) / (smallest.seconds / smallest.resources);
        const memoryGrowth = (m.peakMemoryMiB / m.resources) / (smallest.peakMemoryMiB / smallest.resources);
        if (timeGrowth > GROWTH_TOLERANCE) problems.push(`${m.regions}×${m.principals}: time per resource is ${timeGrowth.toFixed(1)}× the smallest case's`);
        if (memoryGrowth > GROWTH_TOLERANCE) problems.push(`${m.regions}×${m.principals}: memory per resource is ${memoryGrowth.toFixed(1)}× the smallest case's`);
    }
    return problems;
}

/** The plan the pack is timed on: the largest default case. */
const PLAN_REGIONS = 17;

/** How much the pack may cost per resource, relative to the no-op pack. */
export const POLICY_COST_LIMIT = 1.2;

export interface PolicyCost {
    regions: number;
    principals: number;
    resources: number;
    /** Median milliseconds per resource over the rounds, each round every resource analyzed and then the stack. */
    packMs: number;
    noopMs: number;
    rounds: number;
}

/** The pack's policies with checks that do nothing: what the analyzer costs on its own for the same policies. */
const NOOP_PACK = `
const { PolicyPack } = require("@pulumi/policy");
const { PACK_NAME, policies } = require("./policies");
new PolicyPack(PACK_NAME, { policies: policies.map(policy => {
    const { validateResource, validateStack, ...rest } = policy;
    if (!validateResource) return { ...rest, validateStack: () => {} };
    const noop = () => {};
    if (validateResource.__pulumiType) noop.__pulumiType = validateResource.__pulumiType;
    return { ...rest, validateResource: noop };
}) });
`;

export function median(values: number[]): number {
    const sorted = [...values].sort((a, b) => a - b);
    const middle = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** Problems with the pack's cost; empty when it stays within POLICY_COST_LIMIT of the no-op pack. */
export function policyCostProblems(cost: PolicyCost): string[] {
    const ratio = cost.packMs / cost.noopMs;
    return ratio > POLICY_COST_LIMIT
        ? [`the policy pack costs ${cost.packMs.toFixed(3)} ms per resource, ${ratio.toFixed(2)}× the no-op pack's ${cost.noopMs.toFixed(3)} ms (limit ${POLICY_COST_LIMIT}×)`]
        : [];
}

/** Times the pack and the no-op pack through the analyzer protocol, alternating rounds so both see the same machine. */
export async function measurePolicyCost(regions: number, principals: number, rounds = 5): Promise<PolicyCost> {
    const raw = generatedStackConfig(regions, principals);
    const run = await runProgram("dev", { rawConfig: raw, preview: true });
    if (run.error) throw run.error;
    const resources = programResources(run, "dev");
    const sharing = parseStackConfig(raw, "dev").sharing;
    const base = loadPackConfig("dev") as Record<string, any>;
    // The generated stack's principals are allow-listed, as its team would list them: a passing run.
    const config = { ...base, "image-sharing-allow-listed": { ...base["image-sharing-allow-listed"], allowedAccounts: sharing.accounts,
        allowedOrganizationArns: sharing.organizationArns, allowedOrganizationalUnitArns: sharing.organizationalUnitArns } };
    const requests = resources.map(analyzeRequest);
    const stackResources = resources.map(analyzerStackResource);
    const [pack, noop] = await Promise.all([AnalyzerSession.start(), AnalyzerSession.start({ eval: NOOP_PACK })]);
    try {
        await Promise.all([pack.configure(policies, config), noop.configure(policies, config)]);
        const time = async (session: AnalyzerSession) => {
            const started = process.hrtime.bigint();
            const diagnostics = await session.analyzePrepared(requests, stackResources);
            const mandatory = diagnostics.filter(diagnostic => diagnostic.level === "mandatory");
            if (mandatory.length > 0) throw new Error(`the benchmark stack fails the pack: ${mandatory[0].policy}: ${mandatory[0].message}`);
            return Number(process.hrtime.bigint() - started) / 1e6 / resources.length;
        };
        await time(pack);
        await time(noop);
        const packTimes: number[] = [];
        const noopTimes: number[] = [];
        for (let round = 0; round < rounds; round++) {
            packTimes.push(await time(pack));
            noopTimes.push(await time(noop));
        }
        return { regions, principals, resources: resources.length, packMs: median(packTimes), noopMs: median(noopTimes), rounds };
    } finally {
        pack.stop();
        noop.stop();
    }
}

function listFlag(args: string[], flag: string, fallback: number[]): number[] {
    const index = args.indexOf(flag);
    if (index < 0) return fallback;
    const values = (args[index + 1] ?? "").split(",").map(Number);
    if (values.some(value => !Number.isInteger(value) || value < 0)) throw new Error(`${flag} takes whole numbers separated by commas, got "${args[index + 1]}"`);
    return values;
}

async function main(args: string[]): Promise<number> {
    const floorIndex = args.indexOf("--floor");
    if (floorIndex >= 0) {
        const [resources, regions] = args[floorIndex + 1].split(",").map(Number);
        console.log(JSON.stringify(await measureFloor(resources, regions)));
        return 0;
    }
    const caseIndex = args.indexOf("--case");
    if (caseIndex >= 0) {
        const [regions, principals, images] = args[caseIndex + 1].split(",").map(Number);
        console.log(JSON.stringify(await measure(regions, principals, images || 1)));
        return 0;
    }
    const regionCounts = listFlag(args, "--regions", [1, 4, 17]);
    const principalCounts = listFlag(args, "--principals", [1, 25, MAX_PRINCIPALS]);
    const measurements: Measurement[] = [];
    let floor: { resources: number; seconds: number; of: Measurement } | undefined;
    if (!args.includes("--policy-only")) {
        for (const regions of regionCounts) {
            for (const principals of principalCounts) {
                process.stderr.write(`measuring ${regions} region(s) × ${principals} principal(s)...\n`);
                measurements.push(measureInChildProcess(regions, principals));
            }
        }
        // The catalog: N images side by side, against the same stack with one image.
        const { images, regions, principals } = CATALOG_CASE;
        for (const count of [1, images]) {
            process.stderr.write(`measuring ${count} image(s) × ${regions} regions × ${principals} principals...\n`);
            measurements.push(measureInChildProcess(regions, principals, count));
        }
        const catalog = measurements[measurements.length - 1];
        process.stderr.write(`measuring the bare-SDK floor: ${catalog.resources} plain resources over ${regions} regions...\n`);
        floor = { ...measureFloorInChildProcess(catalog.resources, regions), of: catalog };
    }
    let policyCost: PolicyCost | undefined;
    if (!args.includes("--no-policy")) {
        process.stderr.write(`measuring the policy pack against a no-op pack on ${PLAN_REGIONS} regions × ${MAX_PRINCIPALS} principals...\n`);
        policyCost = await measurePolicyCost(PLAN_REGIONS, MAX_PRINCIPALS);
    }
    const problems = [...(measurements.length > 0 ? growthProblems(measurements) : []), ...(policyCost ? policyCostProblems(policyCost) : [])];
    if (args.includes("--json")) {
        console.log(JSON.stringify({ measurements, floor, policyCost, problems }, null, 2));
    } else {
        console.log("images  regions  principals  resources  seconds  ms/resource  peak MiB  longest chain");
        for (const m of measurements) {
            console.log([
                String(m.images ?? 1).padStart(6), String(m.regions).padStart(9), String(m.principals).padStart(11), String(m.resources).padStart(10),
                m.seconds.toFixed(1).padStart(8), (1000 * m.seconds / m.resources).toFixed(1).padStart(12),
                m.peakMemoryMiB.toFixed(0).padStart(9), `  ${m.longestChain.length}: ${m.longestChain.join(" > ")}`,
            ].join(""));
        }
        if (floor) {
            console.log(`\ncatalog ${floor.of.images} images × ${floor.of.regions} regions × ${floor.of.principals} principals: ${floor.of.seconds.toFixed(1)} s for ${floor.of.resources} resources; ` +
                `bare-SDK floor, same run, ${floor.resources} plain resources: ${floor.seconds.toFixed(1)} s (${(floor.of.seconds / floor.seconds).toFixed(1)}× the floor)`);
        }
        if (policyCost) {
            const { regions, principals, resources, packMs, noopMs, rounds } = policyCost;
            console.log(`\npolicy pack through the analyzer, ${regions} regions × ${principals} principals, ${resources} resources, median of ${rounds} rounds:`);
            console.log(`  pack ${packMs.toFixed(3)} ms/resource, no-op pack ${noopMs.toFixed(3)} ms/resource: ${(packMs / noopMs).toFixed(2)}× (limit ${POLICY_COST_LIMIT}×)`);
        }
        console.log(problems.length === 0 ? "\nScales: the chain is flat across regions; time and memory grow with the resources, no faster; the pack stays within its cost."
            : `\nDoes not scale:\n${problems.map(problem => `  - ${problem}`).join("\n")}`);
    }
    return problems.length === 0 ? 0 : 1;
}

if (require.main === module) {
    main(process.argv.slice(2)).then(code => { process.exitCode = code; }, (error: Error) => {
        console.error(`bench: ${error.message}`);
        process.exitCode = 2;
    });
}

export { measure, Measurement };
