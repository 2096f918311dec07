import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { CommandSpec, flagName, leafCommands, Output, runCommandLine } from "../../../tools/cli";
import { REPO_ROOT } from "../../../tools/engine/stackFile";

/** Every `npm run <script>` that runs a tool: `ts-node tools/…/x.ts`. */
function toolScripts(): { script: string; file: string }[] {
    const scripts = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package.json"), "utf8")).scripts as Record<string, string>;
    return Object.entries(scripts).flatMap(([script, command]) => {
        const match = /^ts-node (tools\/\S+\.ts)$/.exec(command);
        return match ? [{ script, file: match[1] }] : [];
    });
}

/** The command a script's entry file declares: the exported declaration named `npm run [-s] <script> --`. */
function declarationOf(script: string, file: string): CommandSpec<unknown> {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const exports = require(path.join(REPO_ROOT, file)) as Record<string, unknown>;
    const declared = Object.values(exports).filter(
        (value): value is CommandSpec<unknown> =>
            typeof value === "object" &&
            value !== null &&
            typeof (value as CommandSpec<unknown>).name === "string" &&
            new RegExp(`^npm run (-s )?${script} --$`).test((value as CommandSpec<unknown>).name),
    );
    assert.strictEqual(declared.length, 1, `${file} exports one command declaration named "npm run ${script} --"`);
    return declared[0];
}

async function run(program: CommandSpec<unknown>, argv: string[]) {
    const written = { stdout: [] as string[], stderr: [] as string[] };
    const output: Output = { stdout: text => written.stdout.push(text), stderr: text => written.stderr.push(text) };
    // Help and usage errors never reach a command, so no command gets a context here.
    const exitCode = await runCommandLine(program, argv, output, undefined as never);
    return { exitCode, stdout: written.stdout.join("\n"), stderr: written.stderr.join("\n") };
}

const scripts = toolScripts();

describe("every command: --help, unknown flags and exit codes", () => {
    it("finds the tools among the package scripts", () => {
        assert.deepStrictEqual(scripts.map(entry => entry.script).sort(), ["bench", "config-docs", "doctor", "images", "lock", "patch-due", "plan"].sort());
    });

    for (const { script, file } of scripts) {
        const program = declarationOf(script, file);
        const commands = leafCommands(program);
        it(`npm run ${script} declares at least one command with flags`, () => {
            assert.ok(commands.length > 0);
        });

        for (const { path: words, spec } of commands) {
            const name = ["npm run", script, ...words].join(" ");
            it(`${name} --help prints its usage and every flag, exit 0`, async () => {
                const { exitCode, stdout, stderr } = await run(program, [...words, "--help"]);
                assert.strictEqual(exitCode, 0, stderr);
                assert.match(stdout, /^Usage: npm run /);
                const declared = Object.entries(spec.flags ?? {})
                    .filter(([, flag]) => !flag.shape.hidden)
                    .map(([key]) => flagName(key));
                for (const flag of [...declared, "--help"]) assert.ok(stdout.includes(`  ${flag}`), `${name} --help lists ${flag}`);
            });

            const first = Object.keys(spec.flags ?? {})[0];
            const typo = first === undefined ? "--hlep" : `${flagName(first)}x`;
            const meant = first === undefined ? "--help" : flagName(first);
            it(`${name} refuses the unknown flag ${typo} with exit 2, suggesting ${meant}`, async () => {
                const { exitCode, stdout, stderr } = await run(program, [...words, typo]);
                assert.strictEqual(exitCode, 2);
                assert.match(stderr, new RegExp(`unknown flag ${typo}.*\\(did you mean ${meant}\\?\\)`));
                assert.match(stderr, /^Run `npm run .* --help`/m);
                assert.strictEqual(stdout, "", "nothing on stdout");
            });
        }

        if (program.commands) {
            it(`npm run ${script} with no command prints the help on stderr, exit 2`, async () => {
                const { exitCode, stdout, stderr } = await run(program, []);
                assert.strictEqual(exitCode, 2);
                assert.match(stderr, /^Usage: npm run \S+ -- <command> \[flags\]/);
                assert.strictEqual(stdout, "");
            });

            it(`npm run ${script} help <command> prints that command's help, exit 0`, async () => {
                const { exitCode, stdout } = await run(program, ["help", program.commands![0].name]);
                assert.strictEqual(exitCode, 0);
                assert.match(stdout, new RegExp(`^Usage: npm run \\S+ -- ${program.commands![0].name} \\[flags\\]`));
            });

            it(`npm run ${script} refuses an unknown command with exit 2 and the closest one`, async () => {
                const misspelt = `${program.commands![0].name}s`;
                const { exitCode, stderr } = await run(program, [misspelt]);
                assert.strictEqual(exitCode, 2);
                assert.match(stderr, new RegExp(`unknown command "${misspelt}" \\(did you mean ${program.commands![0].name}\\?\\)`));
            });
        }
    }
});
