import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { flagName, leafCommands } from "../../../tools/cli";
import { imagesProgram } from "../../../tools/images/cli";
import { REPO_ROOT } from "../../../tools/engine/stackFile";

/** The images CLI's reference page. */
function reference(): { file: string; text: string } {
    const file = "docs/images.md";
    return { file, text: fs.readFileSync(path.join(REPO_ROOT, file), "utf8") };
}

/** Per command, the flags the table says it takes: rows like | `--keep <n>` | prune | … |. */
function documentedFlags(text: string, commands: string[]): Map<string, Set<string>> {
    const byCommand = new Map(commands.map(command => [command, new Set<string>()]));
    for (const [, flag, applies] of text.matchAll(/^\| `(--[a-z-]+)[^`]*` \| ([^|]+) \|/gm)) {
        const names = applies.trim() === "all" ? commands : applies.split(",").map(name => name.trim());
        for (const name of names) byCommand.get(name)?.add(flag);
    }
    return byCommand;
}

describe("images: docs/images.md's flag table matches the declared commands", () => {
    const commands = leafCommands(imagesProgram);
    const { file, text } = reference();
    const documented = documentedFlags(
        text,
        commands.map(({ path: words }) => words[0]),
    );

    it("lists every command", () => {
        assert.ok(commands.length > 0);
        for (const { path: words } of commands) assert.ok(text.includes(`**${words[0]}**`), `${file} describes ${words[0]}`);
    });

    for (const { path: words, spec } of commands) {
        it(`lists exactly the flags of ${words[0]}`, () => {
            const declared = [...Object.keys(spec.flags ?? {}).map(flagName), "--help"].sort();
            assert.deepStrictEqual([...documented.get(words[0])!].sort(), declared, `${file}'s flag table for ${words[0]}`);
        });
    }
});
