// npm run bench [-- --regions 1,4,17 --principals 1,25,100 --json]
// The program under mocks with generated configs of R regions × P principals. Each case runs in a fresh
// process, so its peak memory is its own. Prints resources declared, wall time, peak memory and the
// longest dependency chain, then checks that the chain does not grow with the regions and that time and
// memory per resource do not grow with the size of the stack.
import { execFileSync } from "child_process";
import { longestDependencyChain } from "./dependencyGraph";
import { generatedStackConfig, MAX_PRINCIPALS } from "./generatedConfig";
import { runProgram } from "./mockRun";

interface Measurement {
    regions: number;
    principals: number;
    resources: number;
    seconds: number;
    peakMemoryMiB: number;
    longestChain: string[];
}

/** What one case may cost per resource, relative to the smallest case, before the bench fails. */
const GROWTH_TOLERANCE = 2;

async function measure(regions: number, principals: number): Promise<Measurement> {
    const started = process.hrtime.bigint();
    const run = await runProgram("dev", { rawConfig: generatedStackConfig(regions, principals) });
    const seconds = Number(process.hrtime.bigint() - started) / 1e9;
    if (run.error) throw run.error;
    const custom = run.resources.filter(resource => resource.custom && !resource.type.startsWith("pulumi:providers:"));
    return {
        regions, principals, resources: custom.length, seconds,
        peakMemoryMiB: process.resourceUsage().maxRSS / 1024,
        longestChain: longestDependencyChain(run.resources).map(resource => resource.type.split(":").pop()!),
    };
}

function measureInChildProcess(regions: number, principals: number): Measurement {
    const output = execFileSync(process.execPath, [...process.execArgv, __filename, "--case", `${regions},${principals}`],
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

function listFlag(args: string[], flag: string, fallback: number[]): number[] {
    const index = args.indexOf(flag);
    if (index < 0) return fallback;
    const values = (args[index + 1] ?? "").split(",").map(Number);
    if (values.some(value => !Number.isInteger(value) || value < 0)) throw new Error(`${flag} takes whole numbers separated by commas, got "${args[index + 1]}"`);
    return values;
}

async function main(args: string[]): Promise<number> {
    const caseIndex = args.indexOf("--case");
    if (caseIndex >= 0) {
        const [regions, principals] = args[caseIndex + 1].split(",").map(Number);
        console.log(JSON.stringify(await measure(regions, principals)));
        return 0;
    }
    const regionCounts = listFlag(args, "--regions", [1, 4, 17]);
    const principalCounts = listFlag(args, "--principals", [1, 25, MAX_PRINCIPALS]);
    const measurements: Measurement[] = [];
    for (const regions of regionCounts) {
        for (const principals of principalCounts) {
            process.stderr.write(`measuring ${regions} region(s) × ${principals} principal(s)...\n`);
            measurements.push(measureInChildProcess(regions, principals));
        }
    }
    const problems = growthProblems(measurements);
    if (args.includes("--json")) {
        console.log(JSON.stringify({ measurements, problems }, null, 2));
    } else {
        console.log("regions  principals  resources  seconds  ms/resource  peak MiB  longest chain");
        for (const m of measurements) {
            console.log([
                String(m.regions).padStart(7), String(m.principals).padStart(11), String(m.resources).padStart(10),
                m.seconds.toFixed(1).padStart(8), (1000 * m.seconds / m.resources).toFixed(1).padStart(12),
                m.peakMemoryMiB.toFixed(0).padStart(9), `  ${m.longestChain.length}: ${m.longestChain.join(" > ")}`,
            ].join(""));
        }
        console.log(problems.length === 0 ? "\nScales: the chain is flat across regions; time and memory grow with the resources, no faster."
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
