import * as assert from "assert";
import { closest, defineCommand, defineProgram, flags, parseCommandLine, UsageError } from "../../../tools/cli";

const deploy = defineCommand({
    name: "deploy",
    summary: "a command to parse",
    flags: {
        stack: flags.text("<name>", "the stack").required("the stack to deploy"),
        regions: flags.list("<a,b>", "regions"),
        keep: flags.wholeNumber("<n>", "how many", 1).default(3),
        level: flags.oneOf("<level>", "how loud", ["LOW", "HIGH"] as const, { ignoreCase: true }),
        diff: flags.optionalValue("<ref>", "compare with"),
        dryRun: flags.boolean("say, do nothing"),
    },
    check: values => {
        if (values.dryRun && values.keep > 5) throw new UsageError("--dry-run keeps at most 5");
    },
    run: () => 0,
});
const program = defineProgram({ name: "npm run tool --", summary: "a program", commands: [deploy] });

function valuesOf(argv: string[]): Record<string, unknown> {
    const parsed = parseCommandLine(program, ["deploy", ...argv]);
    if (parsed === "help") throw new Error("asked for help");
    return parsed.values;
}

const refusal = (argv: string[]) => {
    try {
        parseCommandLine(program, ["deploy", ...argv]);
    } catch (error) {
        assert.ok(error instanceof UsageError, String(error));
        return error.message;
    }
    throw new Error(`${argv.join(" ")} was accepted`);
};

describe("command framework: flag values from their declarations", () => {
    it("converts each flag by its declaration: text trimmed, lists split and added up, numbers, defaults, switches", () => {
        assert.deepStrictEqual(valuesOf(["--stack", " dev ", "--regions", "a,b", "--regions=c", "--level", "high", "--dry-run"]), {
            stack: "dev",
            regions: ["a", "b", "c"],
            keep: 3,
            level: "HIGH",
            diff: undefined,
            dryRun: true,
        });
    });

    it("takes an optional value from the next word unless it is a flag, from --flag=value, or none", () => {
        assert.strictEqual(valuesOf(["--stack", "dev", "--diff", "main"]).diff, "main");
        assert.strictEqual(valuesOf(["--diff=v1", "--stack", "dev"]).diff, "v1");
        assert.strictEqual(valuesOf(["--diff", "--stack", "dev"]).diff, true);
    });

    const refusals: [string, string[], RegExp][] = [
        ["a missing required flag, naming it and what it is for", [], /^--stack is required: the stack to deploy$/],
        ["a value flag without its value, naming the flag", ["--stack"], /--stack <name>' argument missing/],
        ["an empty value", ["--stack", " "], /^--stack needs a value$/],
        ["a value flag given twice", ["--stack", "a", "--stack", "b"], /^--stack is given twice: give it once$/],
        ["a number below its minimum", ["--stack", "a", "--keep", "0"], /^--keep must be a whole number of at least 1, got "0"$/],
        [
            "a word outside its choices, with the closest",
            ["--stack", "a", "--level", "HIHG"],
            /^--level must be one of LOW, HIGH, got "HIHG" \(did you mean HIGH\?\)$/,
        ],
        ["an unknown flag, with the closest", ["--stack", "a", "--dryrun"], /^unknown flag --dryrun for deploy \(did you mean --dry-run\?\)$/],
        ["a positional argument", ["--stack", "a", "extra"], /^unexpected argument "extra": deploy takes flags only/],
        ["what the command's own check refuses", ["--stack", "a", "--keep", "9", "--dry-run"], /^--dry-run keeps at most 5$/],
    ];
    for (const [what, argv, message] of refusals) {
        it(`refuses ${what}`, () => {
            assert.match(refusal(argv), message);
        });
    }

    it("suggests only a close word, never a far one", () => {
        assert.strictEqual(closest("prnue", ["list", "prune", "promote"]), "prune");
        assert.strictEqual(closest("deploy", ["list", "prune", "promote"]), undefined);
    });
});
