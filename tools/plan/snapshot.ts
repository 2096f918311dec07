// One side of `plan --diff`: runs the program of a checkout (this one, or a temporary worktree of
// another commit) in a child process, so two versions of the program never share node's module
// cache, and hands back the run as JSON.
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ProgramRun } from "../engine/mockRun";
import { REPO_ROOT } from "../engine/stackFile";

export interface Snapshot extends ProgramRun {
    /** The checkout has no Pulumi.<stack>.yaml: everything on the other side is new. */
    absent?: boolean;
}

const SNAPSHOT_TIMEOUT_MS = 180_000;

export interface SnapshotOptions {
    /** The clock the program sees, ISO 8601. */
    now: string;
    /** Run as `pulumi preview` (true) or as the `pulumi up` that made the state (false). */
    preview: boolean;
    /** The stack's state before: resources it holds keep their ids unless a force-new input changes. */
    previous?: ProgramRun;
}

/** Runs the program of the checkout at `root` for `stack`, in a child process. */
export async function snapshot(root: string, stack: string, options: SnapshotOptions): Promise<Snapshot> {
    const workDir = fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-snapshot-"));
    const outFile = path.join(workDir, "run.json");
    const previousFile = path.join(workDir, "previous.json");
    if (options.previous) fs.writeFileSync(previousFile, JSON.stringify(options.previous));
    const tsNode = require.resolve("ts-node/dist/bin", { paths: [REPO_ROOT] });
    const request = JSON.stringify({
        root,
        stack,
        now: options.now,
        preview: options.preview,
        previousFile: options.previous ? previousFile : undefined,
        outFile,
    });
    try {
        await new Promise<void>((resolve, reject) => {
            execFile(
                process.execPath,
                [tsNode, "--transpile-only", __filename, request],
                {
                    cwd: root,
                    timeout: SNAPSHOT_TIMEOUT_MS,
                    maxBuffer: 16 * 1024 * 1024,
                    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
                },
                (error, _stdout, stderr) => {
                    // A program that refused its config leaves Pulumi's runtime with promises it never settled, and
                    // the runtime's exit hook then fails the child with "N promises were still active". The run,
                    // with the program's own refusal in it, was written before that: it is the answer.
                    if (error && !fs.existsSync(outFile)) reject(new Error(`the program at ${root} could not run: ${stderr.trim() || error.message}`));
                    else resolve();
                },
            );
        });
        const written = JSON.parse(fs.readFileSync(outFile, "utf8"));
        return { ...written, error: written.error ? new Error(written.error.message) : undefined };
    } finally {
        fs.rmSync(workDir, { recursive: true, force: true });
    }
}

interface ChildRequest {
    root: string;
    stack: string;
    now: string;
    preview: boolean;
    previousFile?: string;
    outFile: string;
}

/** In the child: the checkout's own offline engine runs the checkout's own program. */
async function runInChild({ root, stack, now, preview, previousFile, outFile }: ChildRequest): Promise<void> {
    let run: Snapshot;
    if (!fs.existsSync(path.join(root, `Pulumi.${stack}.yaml`))) {
        run = { resources: [], dataSources: [], outputs: {}, absent: true };
    } else {
        const mockRun = require(engineOf(root));
        const previous = previousFile ? JSON.parse(fs.readFileSync(previousFile, "utf8")) : undefined;
        run = await mockRun.runProgram(stack, { preview, now: new Date(now), previous });
    }
    const serializable = { ...run, error: run.error ? { message: run.error.message } : undefined };
    fs.writeFileSync(outFile, JSON.stringify(serializable));
}

/** The engine's place in a checkout: `tools/engine/` today, `tools/` in commits before the tools moved into folders. */
function engineOf(root: string): string {
    const current = path.join(root, "tools", "engine", "mockRun.ts");
    return fs.existsSync(current) ? current : path.join(root, "tools", "mockRun.ts");
}

if (require.main === module) {
    runInChild(JSON.parse(process.argv[2])).then(
        () => process.exit(0),
        (error: Error) => {
            process.stderr.write(`${error.stack ?? error.message}\n`);
            process.exit(1);
        },
    );
}
