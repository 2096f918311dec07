// The rules an AWSTOE document of a Windows image follows, checked when the config reads it (and by the tests on ours).
// AWSTOE reboots when a step exits with 3010 and then runs the same step again, so every step must be safe to run twice;
// and Image Builder runs Sysprep itself at the end of a Windows build (the RunSysPrep step of its build workflow,
// through EC2Launch v2), so a component that runs it shuts the instance down in the middle of the workflow.
import { parse as parseYaml } from "yaml";

/** AWSTOE's phases; a component may have any of them, each once. */
export const AWSTOE_PHASES = ["build", "validate", "test"] as const;

/** The one action our Windows documents use: PowerShell scripts, each failing on its first error. */
export const WINDOWS_ACTION = "ExecutePowerShell";
export const STOP_ON_ERROR = "$ErrorActionPreference = 'Stop'";

/** Commands that are not safe to run twice, or that end the build: what each does wrong, and what to write instead. */
const REFUSED_COMMANDS: Array<{ pattern: RegExp; why: string }> = [
    {
        pattern: /\bsysprep(\.exe)?\b|\bec2launch(\.exe)?\s+sysprep\b|AWSEC2-RunSysprep/i,
        why: "runs Sysprep, which shuts the instance down mid-workflow: Image Builder runs it itself after the last component",
    },
    {
        pattern: /\bRestart-Computer\b|\bStop-Computer\b|\bshutdown(\.exe)?\s+[/-]/i,
        why: "restarts the instance under AWSTOE: exit 3010 asks AWSTOE for a reboot instead",
    },
    { pattern: /\bnet(\.exe)?\s+user\b[^\n]*\/add\b/i, why: "adds a local user, which fails the second time (and bakes a password into the image)" },
    { pattern: /\bNew-LocalUser\b/i, why: "adds a local user, which fails the second time (and bakes an account into the image)" },
    { pattern: /\bNew-Item\b(?![^\n]*-Force\b)/i, why: "New-Item without -Force fails when the item exists, as it does when the step runs again" },
    { pattern: /^\s*(mkdir|md)\s/im, why: "mkdir fails when the directory exists: use New-Item -ItemType Directory -Force" },
    { pattern: /\bAdd-Content\b|\bOut-File\b[^\n]*-Append\b|>>/i, why: "appends, so a second run writes twice: write the whole file with Set-Content" },
];

/** The problems of one Windows AWSTOE document (empty when it follows the rules), each naming the step. */
export function windowsDocumentProblems(text: string): string[] {
    let document: any;
    try {
        document = parseYaml(text);
    } catch (error) {
        return [`is not valid YAML (${error instanceof Error ? error.message.split("\n")[0] : error})`];
    }
    const problems: string[] = [];
    if (typeof document?.name !== "string" || document.name === "") problems.push("has no name");
    if (document?.schemaVersion !== 1 && document?.schemaVersion !== "1.0")
        problems.push(`has schemaVersion ${JSON.stringify(document?.schemaVersion)}, expected 1.0`);
    const declared = new Set<string>(
        (Array.isArray(document?.parameters) ? document.parameters : []).flatMap((parameter: object) => Object.keys(parameter ?? {})),
    );
    const phases: any[] = Array.isArray(document?.phases) ? document.phases : [];
    if (phases.length === 0) problems.push("has no phases");
    const phaseNames = phases.map(phase => phase?.name);
    phaseNames.forEach((name, index) => {
        if (!(AWSTOE_PHASES as readonly string[]).includes(name)) problems.push(`has a phase ${JSON.stringify(name)}: AWSTOE runs ${AWSTOE_PHASES.join(", ")}`);
        else if (phaseNames.indexOf(name) !== index) problems.push(`has the phase ${name} twice`);
    });
    for (const phase of phases) {
        const steps: any[] = Array.isArray(phase?.steps) ? phase.steps : [];
        if (steps.length === 0) problems.push(`phase ${phase?.name} has no steps`);
        const stepNames = steps.map(step => step?.name);
        for (const [index, step] of steps.entries()) {
            const where = `step ${phase?.name}.${step?.name ?? index}`;
            if (typeof step?.name !== "string" || !/^[A-Za-z0-9]+$/.test(step.name)) problems.push(`${where} needs a name of letters and digits`);
            else if (stepNames.indexOf(step.name) !== index) problems.push(`${where} is named twice in its phase`);
            if (step?.action !== WINDOWS_ACTION) {
                problems.push(`${where} uses ${step?.action ?? "no action"}: Windows steps are ${WINDOWS_ACTION} scripts (a reboot is exit 3010)`);
                continue;
            }
            const commands: unknown[] = Array.isArray(step.inputs?.commands) ? step.inputs.commands : [];
            if (commands.length === 0 || !commands.every(command => typeof command === "string")) {
                problems.push(`${where} has no commands (inputs.commands, a list of PowerShell lines)`);
                continue;
            }
            if (commands[0] !== STOP_ON_ERROR) problems.push(`${where} must start with ${STOP_ON_ERROR}, or a failing command does not fail the step`);
            const script = scriptOf(commands as string[]);
            for (const { pattern, why } of REFUSED_COMMANDS) {
                const match = pattern.exec(script);
                if (match) problems.push(`${where} ${why} (${JSON.stringify(match[0].trim())})`);
            }
            for (const line of script.split("\n").filter(line => /\bexit\s+3010\b/.test(line))) {
                if (!/\bif\s*\(/.test(line))
                    problems.push(`${where} exits 3010 unconditionally, so it reboots every time it runs: exit 3010 only when a reboot is pending`);
            }
            for (const [, parameter] of script.matchAll(/\{\{\s*([A-Za-z0-9_.:-]+)\s*\}\}/g)) {
                if (!declared.has(parameter)) problems.push(`${where} reads {{ ${parameter} }}, which the document's parameters do not declare`);
            }
        }
    }
    return problems;
}

/** The step's PowerShell without its comments: what runs. */
function scriptOf(commands: string[]): string {
    return commands
        .join("\n")
        .split("\n")
        .filter(line => !/^\s*#/.test(line))
        .map(line => line.replace(/\s#\s.*$/, ""))
        .join("\n");
}
