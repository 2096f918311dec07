// A running Image Builder build as `images watch` shows it: pure, from what the adapter read
// (aws/buildProgress.ts) and the clock to lines of text and a verdict. No AWS calls.

export type StepStatus = "PENDING" | "SKIPPED" | "RUNNING" | "COMPLETED" | "FAILED" | "CANCELLED" | string;

export interface StepView {
    name: string;
    status: StepStatus;
    startTime?: string;
    endTime?: string;
    message?: string;
}

export interface PhaseView {
    /** BUILD, TEST, DISTRIBUTION (Image Builder's workflow types), or SCAN. */
    phase: string;
    status: string;
    startTime?: string;
    endTime?: string;
    steps: StepView[];
}

export interface FailedStepLog {
    /** s3://bucket/key or a CloudWatch Logs group and stream. */
    location: string;
    lastLines: string[];
}

export interface BuildView {
    /** The image (catalog entry) being built. */
    image: string;
    version: string;
    /** undefined: no build of this version yet. */
    buildArn?: string;
    /** Image Builder's image status: BUILDING, TESTING, DISTRIBUTING, INTEGRATING, AVAILABLE, FAILED, CANCELLED… */
    status?: string;
    reason?: string;
    phases: PhaseView[];
    failure?: { phase: string; step: string; message?: string; log?: FailedStepLog; logProblem?: string };
}

export type Verdict = "running" | "available" | "failed" | "cancelled" | "missing";

const DONE: Record<string, Verdict> = { AVAILABLE: "available", FAILED: "failed", CANCELLED: "cancelled", DEPRECATED: "available", DISABLED: "available" };

export function verdictOf(build: BuildView): Verdict {
    if (build.buildArn === undefined) return "missing";
    return DONE[build.status ?? ""] ?? "running";
}

/** The verdict of several builds at once: any failure wins; running until every one ended. */
export function overallVerdict(builds: BuildView[]): Verdict {
    const verdicts = builds.map(verdictOf);
    for (const verdict of ["failed", "cancelled", "running", "missing"] as const) if (verdicts.includes(verdict)) return verdict;
    return "available";
}

/** 0 when every image is AVAILABLE, 1 when one FAILED or was CANCELLED, 3 when the watch ran out of time. */
export function exitCodeOfVerdict(verdict: Verdict): number {
    return verdict === "available" ? 0 : verdict === "running" || verdict === "missing" ? 3 : 1;
}

/** The step that failed: the first FAILED step of the first FAILED phase. */
export function failedStepOf(build: BuildView): { phase: string; step: string; message?: string } | undefined {
    for (const phase of build.phases) {
        const step = phase.steps.find(candidate => candidate.status === "FAILED");
        if (step) return { phase: phase.phase, step: step.name, ...(step.message && { message: step.message }) };
    }
    return undefined;
}

const MARK: Record<string, string> = { COMPLETED: "✔", FAILED: "✘", RUNNING: "▶", CANCELLED: "■", SKIPPED: "·", PENDING: " " };

export function elapsed(startTime: string | undefined, endTime: string | undefined, now: Date): string {
    if (!startTime) return "";
    const start = Date.parse(startTime);
    const end = endTime ? Date.parse(endTime) : now.getTime();
    if (!Number.isFinite(start) || !Number.isFinite(end)) return "";
    const seconds = Math.max(0, Math.round((end - start) / 1000));
    const hours = Math.floor(seconds / 3600);
    const minutes = Math.floor((seconds % 3600) / 60);
    const rest = seconds % 60;
    return hours > 0 ? `${hours}h${String(minutes).padStart(2, "0")}m` : minutes > 0 ? `${minutes}m${String(rest).padStart(2, "0")}s` : `${rest}s`;
}

/** Every image's build: its status, each phase and step with elapsed time, and on failure where the log is and its last lines. */
export function renderBuilds(builds: BuildView[], now: Date): string[] {
    const lines: string[] = [];
    for (const build of builds) {
        if (build.buildArn === undefined) {
            lines.push(`${build.image} ${build.version}: no build yet (waiting for pulumi up to start one)`);
            continue;
        }
        lines.push(
            `${build.image} ${build.version} build ${build.buildArn.split("/").pop()}: ${build.status ?? "unknown"}${build.reason ? ` — ${build.reason}` : ""}`,
        );
        for (const phase of build.phases) {
            lines.push(
                `  ${MARK[phase.status] ?? "?"} ${phase.phase.toLowerCase().padEnd(13)} ${phase.status.padEnd(10)} ${elapsed(phase.startTime, phase.endTime, now)}`.trimEnd(),
            );
            for (const step of phase.steps) {
                lines.push(
                    `      ${MARK[step.status] ?? "?"} ${step.name.padEnd(32)} ${step.status.padEnd(10)} ${elapsed(step.startTime, step.endTime, now)}`.trimEnd(),
                );
            }
        }
        if (build.failure) {
            lines.push(
                `  failed at ${build.failure.phase.toLowerCase()} step ${build.failure.step}${build.failure.message ? `: ${build.failure.message}` : ""}`,
            );
            if (build.failure.log) {
                lines.push(`  log: ${build.failure.log.location}`, ...build.failure.log.lastLines.map(line => `    | ${line}`));
            } else if (build.failure.logProblem) {
                lines.push(`  log: ${build.failure.logProblem}`);
            }
        }
    }
    return lines;
}
