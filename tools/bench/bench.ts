// npm run bench [-- --regions 1,4,17 --principals 1,25,100 --json] [--policy-only | --scaling-only]   (--help for the flags)
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
import { defineCommand, ExitCode, flags, FlagValues, runMain, UsageError } from "../cli";

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
    const output = execFileSync(process.execPath, [...process.execArgv, __filename, "--floor", `${resources},${regions}`], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 16 * 1024 * 1024,
    });
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
        regions,
        principals,
        images,
        resources: custom.length,
        seconds,
        peakMemoryMiB: process.resourceUsage().maxRSS / 1024,
        longestChain: longestDependencyChain(run.resources).map(resource => resource.type.split(":").pop()!),
    };
}

function measureInChildProcess(regions: number, principals: number, images = 1): Measurement {
    const output = execFileSync(process.execPath, [...process.execArgv, __filename, "--case", `${regions},${principals},${images}`], {
        encoding: "utf8",
        stdio: ["ignore", "pipe", "inherit"],
        maxBuffer: 16 * 1024 * 1024,
    });
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
        const timeGrowth = m.seconds / m.resources / (smallest.seconds / smallest.resources);
        const memoryGrowth = m.peakMemoryMiB / m.resources / (smallest.peakMemoryMiB / smallest.resources);
        if (timeGrowth > GROWTH_TOLERANCE) problems.push(`${m.regions}×${m.principals}: time per resource is ${timeGrowth.toFixed(1)}× the smallest case's`);
        if (memoryGrowth > GROWTH_TOLERANCE)
            problems.push(`${m.regions}×${m.principals}: memory per resource is ${memoryGrowth.toFixed(1)}× the smallest case's`);
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
    /**
     * The median of each round's pack/no-op ratio: both packs are timed back to back in every round, so
     * a machine slowed by other work slows both sides of a ratio alike. This is what the limit applies to.
     */
    ratio: number;
    /** The lowest and highest round ratios: how steady the machine was. */
    spread: { min: number; max: number };
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
    return cost.ratio > POLICY_COST_LIMIT
        ? [
              `the policy pack costs ${cost.ratio.toFixed(2)}× the no-op pack per resource (median of ${cost.rounds} paired rounds, ` +
                  `spread ${cost.spread.min.toFixed(2)}–${cost.spread.max.toFixed(2)}×; ${cost.packMs.toFixed(3)} against ${cost.noopMs.toFixed(3)} ms; limit ${POLICY_COST_LIMIT}×)`,
          ]
        : [];
}

/** The paired figures of the rounds: per-side medians, the median of the round ratios and their spread. */
export function pairedCost(packTimes: number[], noopTimes: number[]): Pick<PolicyCost, "packMs" | "noopMs" | "rounds" | "ratio" | "spread"> {
    if (packTimes.length === 0 || packTimes.length !== noopTimes.length) throw new Error("pairedCost needs one no-op time per pack time");
    const ratios = packTimes.map((pack, round) => pack / noopTimes[round]);
    return {
        packMs: median(packTimes),
        noopMs: median(noopTimes),
        rounds: ratios.length,
        ratio: median(ratios),
        spread: { min: Math.min(...ratios), max: Math.max(...ratios) },
    };
}

/** Times the pack and the no-op pack through the analyzer protocol, alternating rounds so both see the same machine. */
export async function measurePolicyCost(regions: number, principals: number, rounds = 9): Promise<PolicyCost> {
    const raw = generatedStackConfig(regions, principals);
    const run = await runProgram("dev", { rawConfig: raw, preview: true });
    if (run.error) throw run.error;
    const resources = programResources(run, "dev");
    const sharing = parseStackConfig(raw, "dev").sharing;
    const base = loadPackConfig("dev") as Record<string, any>;
    // The generated stack's principals are allow-listed, as its team would list them: a passing run.
    const config = {
        ...base,
        "image-sharing-allow-listed": {
            ...base["image-sharing-allow-listed"],
            allowedAccounts: sharing.accounts,
            allowedOrganizationArns: sharing.organizationArns,
            allowedOrganizationalUnitArns: sharing.organizationalUnitArns,
        },
    };
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
            // Back to back, the first side alternating, so neither always runs on a warmer or quieter machine.
            if (round % 2 === 0) {
                packTimes.push(await time(pack));
                noopTimes.push(await time(noop));
            } else {
                noopTimes.push(await time(noop));
                packTimes.push(await time(pack));
            }
        }
        return { regions, principals, resources: resources.length, ...pairedCost(packTimes, noopTimes) };
    } finally {
        pack.stop();
        noop.stop();
    }
}

function counts(text: string, flag: string): number[] {
    const values = text.split(",").map(value => value.trim());
    if (values.some(value => !/^\d+$/.test(value))) throw new UsageError(`${flag} takes whole numbers separated by commas, like 1,4,17, got "${text}"`);
    return values.map(Number);
}

const BENCH_FLAGS = {
    regions: flags.value("<a,b,…>", "region counts to measure (default 1,4,17)", counts).default([1, 4, 17]),
    principals: flags.value("<a,b,…>", `principal counts to measure (default 1,25,${MAX_PRINCIPALS})`, counts).default([1, 25, MAX_PRINCIPALS]),
    json: flags.boolean("print JSON instead of the table"),
    policyOnly: flags.boolean("only time the policy pack against the no-op pack"),
    scalingOnly: flags.boolean("only measure how the program scales, not the policy pack"),
    /** One case in a child process, so its peak memory is its own. */
    case: flags.value("<regions,principals[,images]>", "measure one case and print it as JSON (used by the bench itself)", counts).hidden(),
    /** The bare-SDK floor in a child process. */
    floor: flags.value("<resources,regions>", "measure the bare-SDK floor and print it as JSON (used by the bench itself)", counts).hidden(),
};

async function runBench(options: FlagValues<typeof BENCH_FLAGS>, output: { stdout: (text: string) => void; stderr: (text: string) => void }): Promise<number> {
    if (options.floor) {
        const [resources, regions] = options.floor;
        output.stdout(JSON.stringify(await measureFloor(resources, regions)));
        return ExitCode.ok;
    }
    if (options.case) {
        const [regions, principals, images] = options.case;
        output.stdout(JSON.stringify(await measure(regions, principals, images || 1)));
        return ExitCode.ok;
    }
    const measurements: Measurement[] = [];
    let floor: { resources: number; seconds: number; of: Measurement } | undefined;
    if (!options.policyOnly) {
        for (const regions of options.regions) {
            for (const principals of options.principals) {
                output.stderr(`measuring ${regions} region(s) × ${principals} principal(s)...`);
                measurements.push(measureInChildProcess(regions, principals));
            }
        }
        // The catalog: N images side by side, against the same stack with one image.
        const { images, regions, principals } = CATALOG_CASE;
        for (const count of [1, images]) {
            output.stderr(`measuring ${count} image(s) × ${regions} regions × ${principals} principals...`);
            measurements.push(measureInChildProcess(regions, principals, count));
        }
        const catalog = measurements[measurements.length - 1];
        output.stderr(`measuring the bare-SDK floor: ${catalog.resources} plain resources over ${regions} regions...`);
        floor = { ...measureFloorInChildProcess(catalog.resources, regions), of: catalog };
    }
    let policyCost: PolicyCost | undefined;
    if (!options.scalingOnly) {
        output.stderr(`measuring the policy pack against a no-op pack on ${PLAN_REGIONS} regions × ${MAX_PRINCIPALS} principals...`);
        policyCost = await measurePolicyCost(PLAN_REGIONS, MAX_PRINCIPALS);
    }
    const problems = [...(measurements.length > 0 ? growthProblems(measurements) : []), ...(policyCost ? policyCostProblems(policyCost) : [])];
    if (options.json) {
        output.stdout(JSON.stringify({ measurements, floor, policyCost, problems }, null, 2));
    } else {
        output.stdout("images  regions  principals  resources  seconds  ms/resource  peak MiB  longest chain");
        for (const m of measurements) {
            output.stdout(
                [
                    String(m.images ?? 1).padStart(6),
                    String(m.regions).padStart(9),
                    String(m.principals).padStart(11),
                    String(m.resources).padStart(10),
                    m.seconds.toFixed(1).padStart(8),
                    ((1000 * m.seconds) / m.resources).toFixed(1).padStart(12),
                    m.peakMemoryMiB.toFixed(0).padStart(9),
                    `  ${m.longestChain.length}: ${m.longestChain.join(" > ")}`,
                ].join(""),
            );
        }
        if (floor) {
            output.stdout(
                `\ncatalog ${floor.of.images} images × ${floor.of.regions} regions × ${floor.of.principals} principals: ${floor.of.seconds.toFixed(1)} s for ${floor.of.resources} resources; ` +
                    `bare-SDK floor, same run, ${floor.resources} plain resources: ${floor.seconds.toFixed(1)} s (${(floor.of.seconds / floor.seconds).toFixed(1)}× the floor)`,
            );
        }
        if (policyCost) {
            const { regions, principals, resources, packMs, noopMs, rounds, ratio, spread } = policyCost;
            output.stdout(
                `\npolicy pack through the analyzer, ${regions} regions × ${principals} principals, ${resources} resources, ${rounds} paired rounds:`,
            );
            output.stdout(`  pack ${packMs.toFixed(3)} ms/resource, no-op pack ${noopMs.toFixed(3)} ms/resource (medians)`);
            output.stdout(
                `  median of the round ratios ${ratio.toFixed(2)}× (spread ${spread.min.toFixed(2)}–${spread.max.toFixed(2)}×, limit ${POLICY_COST_LIMIT}×)`,
            );
        }
        output.stdout(
            problems.length === 0
                ? "\nScales: the chain is flat across regions; time and memory grow with the resources, no faster; the pack stays within its cost."
                : `\nDoes not scale:\n${problems.map(problem => `  - ${problem}`).join("\n")}`,
        );
    }
    return problems.length === 0 ? 0 : 1;
}

/** `npm run bench`, declared once (tools/cli). */
export const benchCommandLine = defineCommand({
    name: "npm run bench --",
    summary:
        "How the program scales: resources declared, wall time, peak memory and the longest dependency chain for R regions × P principals, " +
        "then what the policy pack costs per resource against a no-op pack.",
    description:
        "Each case runs in a fresh process. Fails when the chain grows with the regions, time or memory per resource grows " +
        `more than ${GROWTH_TOLERANCE}× the smallest case's, or the pack costs more than ${POLICY_COST_LIMIT}× the no-op pack.`,
    footer: "Exit codes: 0 scales, 1 does not scale (the problems are listed), 2 bad flags.",
    flags: BENCH_FLAGS,
    check: options => {
        if (options.policyOnly && options.scalingOnly) throw new UsageError("--policy-only and --scaling-only leave nothing to measure: pick one");
        if (options.case && ![2, 3].includes(options.case.length)) throw new UsageError("--case takes <regions>,<principals>[,<images>]");
        if (options.floor && options.floor.length !== 2) throw new UsageError("--floor takes <resources>,<regions>");
    },
    run: (options, _context: undefined, output) => runBench(options, output),
});

if (require.main === module) {
    runMain(benchCommandLine, undefined);
}

export { measure, Measurement };
