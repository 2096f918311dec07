// `images watch --stack dev`: follows the stack's running build(s) until each ends. Polls Image Builder
// every few seconds within an overall deadline; Ctrl-C stops it. On a terminal the status redraws in
// place; otherwise only lines that changed are printed, one by one.
import { BuildView, exitCodeOfVerdict, overallVerdict, renderBuilds, Verdict } from "../decisions/buildProgress";
import { defineCommand, flags } from "../../cli";
import { AwsCallError } from "../aws/awsErrors";
import { stackFlag } from "../options";
import { watchTargetOf } from "../target";
import type { ImagesEnvironment } from "../context";
import { ExitCode } from "../context";
import { readBuildView, watchClientFactory, WatchContext, WatchTarget, withFailureLog } from "../aws/buildProgress";

export type { WatchContext, WatchTarget };

export interface WatchOptions {
    /** The watch gives up after this long (exit 3): the build's own create timeout is 4 hours. */
    timeoutMinutes: number;
    intervalSeconds: number;
}

export const WATCH_DEFAULTS: WatchOptions = { timeoutMinutes: 300, intervalSeconds: 15 };

/** Exit code when interrupted (128 + SIGINT), as shells expect. */
export const INTERRUPTED = 130;

export async function watchCommand(target: WatchTarget, options: WatchOptions, context: WatchContext): Promise<number> {
    const clients = context.clientsFor(target.region);
    const deadline = context.now().getTime() + options.timeoutMinutes * 60_000;
    let shown: string[] = [];
    const show = (lines: string[]) => {
        if (context.isTTY) {
            // Up to the first line drawn, clear to the end of the screen, draw again.
            context.write(`${shown.length > 0 ? `\x1b[${shown.length}F\x1b[J` : ""}${lines.join("\n")}\n`);
        } else {
            const changed = lines.filter((line, index) => shown[index] !== line);
            if (changed.length > 0) context.write(`${changed.map(line => `${context.now().toISOString().slice(11, 19)} ${line}`).join("\n")}\n`);
        }
        shown = lines;
    };
    let builds: BuildView[] = [];
    let verdict: Verdict = "missing";
    while (!context.signal.aborted) {
        try {
            builds = await Promise.all(target.images.map(image => readBuildView(clients.imageBuilder, image)));
        } catch (error) {
            context.write(`${error instanceof AwsCallError ? error.message : String(error)}\n`);
            return ExitCode.regionFailed;
        }
        verdict = overallVerdict(builds);
        if (verdict === "available" || verdict === "failed" || verdict === "cancelled") {
            builds = await Promise.all(builds.map(build => withFailureLog(clients, build)));
            show(renderBuilds(builds, context.now()));
            context.write(`${summaryOf(verdict, target)}\n`);
            return exitCodeOfVerdict(verdict);
        }
        show(
            renderBuilds(
                builds.map(({ raw: _raw, ...view }: BuildView & { raw?: unknown }) => view),
                context.now(),
            ),
        );
        const left = deadline - context.now().getTime();
        if (left <= 0) break;
        await context.sleep(Math.min(options.intervalSeconds * 1000, left), context.signal);
    }
    if (context.signal.aborted) {
        context.write(`interrupted: the build goes on in Image Builder; run \`npm run images -- watch --stack ${target.stack}\` again to follow it\n`);
        return INTERRUPTED;
    }
    context.write(
        `gave up after ${options.timeoutMinutes} minutes: the build is still ${verdict === "missing" ? "not started" : "running"} (--timeout <minutes> to wait longer)\n`,
    );
    return exitCodeOfVerdict(verdict);
}

function summaryOf(verdict: Verdict, target: WatchTarget): string {
    const images = target.images.map(image => `${image.image} ${image.version}`).join(", ");
    switch (verdict) {
        case "available":
            return `AVAILABLE: ${images}`;
        case "cancelled":
            return `CANCELLED: a build of ${images} was cancelled`;
        default:
            return `FAILED: a build of ${images} failed; the failing step and its log are above`;
    }
}

/** Sleeps that Ctrl-C cuts short. */
export function abortableSleep(milliseconds: number, signal: AbortSignal): Promise<void> {
    return new Promise(resolve => {
        if (signal.aborted) return resolve();
        const timer = setTimeout(() => {
            signal.removeEventListener("abort", done);
            resolve();
        }, milliseconds);
        const done = () => {
            clearTimeout(timer);
            resolve();
        };
        signal.addEventListener("abort", done, { once: true });
    });
}

/** Real clients, the terminal, and Ctrl-C ending the watch. */
export function terminalWatchContext(): WatchContext {
    const interrupt = new AbortController();
    process.once("SIGINT", () => interrupt.abort());
    return {
        clientsFor: watchClientFactory(),
        write: text => process.stdout.write(text),
        isTTY: process.stdout.isTTY === true,
        now: () => new Date(),
        sleep: abortableSleep,
        signal: interrupt.signal,
    };
}

export const watchCommandLine = defineCommand({
    name: "watch",
    summary:
        "follow the running build of every image of a building stack: each phase and step with its elapsed time, " +
        "and on failure the failing step's log and its last lines",
    description:
        "Build, test, distribution and the Inspector scan, polled every 15 s. On a terminal the status redraws in place; " +
        "otherwise lines that changed are printed one by one. Ctrl-C stops watching (exit 130); the build goes on.",
    footer: "Exit codes: 0 AVAILABLE, 1 FAILED or CANCELLED, 2 bad flags or stack, 3 AWS could not be read or --timeout passed, 130 interrupted.",
    flags: {
        stack: stackFlag.required("the building stack whose build to follow, e.g. --stack dev"),
        timeout: flags.wholeNumber("<minutes>", `give up after this long (default ${WATCH_DEFAULTS.timeoutMinutes})`, 1),
    },
    run: (values, { loadStack, watch }: ImagesEnvironment) =>
        watchCommand(
            watchTargetOf(values.stack, loadStack),
            { ...WATCH_DEFAULTS, ...(values.timeout !== undefined && { timeoutMinutes: values.timeout }) },
            (watch ?? terminalWatchContext)(),
        ),
});
