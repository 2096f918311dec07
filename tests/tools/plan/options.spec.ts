import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { runCli } from "../../../tools/images/cli";
import { ExitCode } from "../../../tools/images/context";
import { parseStackConfig } from "../../../components/config";
import { parsePlanOptions, runPlanCli, stackProblem } from "../../../tools/plan/plan";
import { readStackConfig, REPO_ROOT, StackFileError } from "../../../tools/engine/stackFile";
import { recordingContext } from "../images/fixtures";

async function plan(argv: string[]) {
    const out: string[] = [];
    const err: string[] = [];
    const exitCode = await runPlanCli(
        argv,
        text => out.push(text),
        text => err.push(text),
    );
    return { exitCode, stdout: out.join("\n"), stderr: err.join("\n") };
}

/** A throwaway project directory with the repository's Pulumi.yaml and the given stack files. */
function projectWith(files: Record<string, string>): string {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-stackfile-"));
    fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
    fs.mkdirSync(path.join(root, "policy"));
    for (const [name, text] of Object.entries(files)) fs.writeFileSync(path.join(root, name), text);
    return root;
}

const DEV_FILE = fs.readFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), "utf8");

describe("npm run plan command line", () => {
    it("prints the usage with --help and exits 0, running nothing", async () => {
        const { exitCode, stdout } = await plan(["--help"]);
        assert.strictEqual(exitCode, 0);
        assert.match(stdout, /^Usage: npm run plan -- \[flags\]/);
        for (const flag of ["--stack <name>", "--diff [git-ref]", "--json", "--markdown", "--now <time>", "--help"])
            assert.ok(stdout.includes(`  ${flag}`), `--help lists ${flag}`);
    });

    const refusals: [string, string[], RegExp][] = [
        ["an unknown flag", ["--stak", "prod"], /unknown flag --stak \(did you mean --stack\?\)/],
        ["a positional argument", ["prod"], /unexpected argument "prod": plan takes flags only/],
        ["a positional argument after the flags", ["--stack", "dev", "extra"], /unexpected argument "extra"/],
        ["--stack without a value", ["--stack"], /--stack/],
        ["--markdown without --diff", ["--markdown"], /--markdown summarises a diff: add --diff/],
        ["--json with --markdown", ["--diff", "--json", "--markdown"], /pick one/],
        ["--diff given twice", ["--diff", "main", "--diff", "HEAD"], /--diff is given twice/],
        ["--diff= without a ref", ["--diff="], /--diff= needs a git ref/],
        ["a clock that is no time", ["--now", "yesterday"], /--now must be an ISO 8601 time like 2026-11-23T00:00:00Z, got "yesterday"/],
        ["a stack name with a path in it", ["--stack", "../dev"], /--stack needs a stack name like dev or prod/],
    ];
    for (const [what, argv, message] of refusals) {
        it(`refuses ${what} with the usage line and exit 2`, async () => {
            const { exitCode, stderr, stdout } = await plan(argv);
            assert.strictEqual(exitCode, 2, stderr);
            assert.match(stderr, message);
            assert.match(stderr, /^Usage: npm run plan -- /m);
            assert.strictEqual(stdout, "");
        });
    }

    it("refuses a stack without a stack file, exit 2, naming the file it looked for", async () => {
        const { exitCode, stderr } = await plan(["--stack", "qa"]);
        assert.strictEqual(exitCode, 2);
        assert.match(stderr, /No stack file Pulumi\.qa\.yaml: expected Pulumi\.<stack>\.yaml for stack "qa"/);
    });

    it("takes the word after --diff as its ref unless it is a flag, and the merge base otherwise", () => {
        assert.deepStrictEqual(parsePlanOptions(["--diff", "v1.2", "--stack", "prod"]), {
            stack: "prod",
            json: false,
            markdown: false,
            diff: "v1.2",
            now: undefined,
        });
        assert.deepStrictEqual(parsePlanOptions(["--diff=main", "--json"]), { stack: "dev", json: true, markdown: false, diff: "main", now: undefined });
        assert.strictEqual((parsePlanOptions(["--diff", "--markdown"]) as { diff?: string }).diff, "");
        assert.strictEqual((parsePlanOptions(["--stack", "dev"]) as { diff?: string }).diff, undefined);
    });
});

describe("stack files that cannot be read", () => {
    const brokenFiles: [string, string, RegExp][] = [
        [
            "an unclosed list",
            DEV_FILE.replace("      instanceTypes:\n        - t3.medium", "      instanceTypes: [t3.medium"),
            /^Pulumi\.broken\.yaml:\d+:\d+: /,
        ],
        [
            "a tab for indentation",
            DEV_FILE.replace("      rootVolumeGiB: 20", "\trootVolumeGiB: 20"),
            /Pulumi\.broken\.yaml:15:1: Tabs are not allowed as indentation[\s\S]*never tabs/,
        ],
        [
            "a key given twice",
            DEV_FILE.replace("      rootVolumeGiB: 20", "      rootVolumeGiB: 20\n      rootVolumeGiB: 30"),
            /Pulumi\.broken\.yaml:16:7: Map keys must be unique[\s\S]*merge the two entries/,
        ],
        [
            'a misspelt config section, not "aws:region is required"',
            DEV_FILE.replace("\nconfig:\n", "\nconfg:\n"),
            /Pulumi\.broken\.yaml has "confg:" at the top, not "config:": rename it to config/,
        ],
        [
            "no config section at all",
            "encryptionsalt: v1:abc\n",
            /Pulumi\.broken\.yaml has no config: section; write one with at least aws:region, golden-ami:images and golden-ami:tags/,
        ],
        ["a config section that is not a map", "config:\n  - aws:region\n", /Pulumi\.broken\.yaml: config must be a map of keys/],
    ];
    for (const [what, text, message] of brokenFiles) {
        it(`name the file and line of ${what}, quote the line, and carry no stack trace`, () => {
            const root = projectWith({ "Pulumi.broken.yaml": text });
            const cwd = process.cwd();
            process.chdir(root);
            try {
                assert.throws(
                    () => readStackConfig("broken", root),
                    (error: Error) => {
                        assert.ok(error instanceof StackFileError, String(error));
                        assert.match(error.message, message);
                        assert.doesNotMatch(error.message, /\n\s+at /, "a stack trace leaked into the message");
                        return true;
                    },
                );
            } finally {
                process.chdir(cwd);
            }
        });
    }

    it("are reported by plan before anything runs", () => {
        const root = projectWith({ "Pulumi.broken.yaml": DEV_FILE.replace("      rootVolumeGiB: 20", "\trootVolumeGiB: 20") });
        assert.match(stackProblem("broken", root) ?? "", /Pulumi\.broken\.yaml:15:1: Tabs are not allowed/);
    });

    it("are reported by the images CLI with the file and line, exit 2", async () => {
        const root = projectWith({ "Pulumi.broken.yaml": DEV_FILE.replace("      rootVolumeGiB: 20", "\trootVolumeGiB: 20") });
        const recording = recordingContext(() => {
            throw new Error("no AWS call for a broken stack file");
        });
        const exitCode = await runCli(["list", "--stack", "broken"], recording.context, stack => parseStackConfig(readStackConfig(stack, root), stack));
        assert.strictEqual(exitCode, ExitCode.badInput);
        assert.match(recording.stderr.join("\n"), /--stack broken: .*Pulumi\.broken\.yaml:15:1: Tabs are not allowed as indentation/);
    });

    it("a stack without policy/<stack>.json gets one message saying how to create it", () => {
        const root = projectWith({ "Pulumi.staging.yaml": DEV_FILE });
        assert.match(
            stackProblem("staging", root) ?? "",
            /^No policy config for stack "staging": .*policy\/staging\.json does not exist\. Create it from the dev stack's \(cp policy\/dev\.json policy\/staging\.json\)/,
        );
        fs.writeFileSync(path.join(root, "policy", "staging.json"), "{}");
        assert.strictEqual(stackProblem("staging", root), undefined, "with the file in place there is nothing to say");
    });
});
