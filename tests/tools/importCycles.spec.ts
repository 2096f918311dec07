import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import * as ts from "typescript";
import { REPO_ROOT } from "../../tools/engine/stackFile";

/** Every .ts file of the repository (node_modules and build output left out), relative to its root. */
function typeScriptFiles(directory = REPO_ROOT): string[] {
    return fs.readdirSync(directory, { withFileTypes: true }).flatMap(entry => {
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) return ["node_modules", ".git", "bin", "dist"].includes(entry.name) ? [] : typeScriptFiles(full);
        return entry.name.endsWith(".ts") && !entry.name.endsWith(".d.ts") ? [path.relative(REPO_ROOT, full)] : [];
    });
}

/** The repository files a file imports: static, type-only, re-exports, `import()` and `require()` of relative paths. */
function importsOf(file: string): string[] {
    const info = ts.preProcessFile(fs.readFileSync(path.join(REPO_ROOT, file), "utf8"), true, true);
    return info.importedFiles
        .map(imported => imported.fileName)
        .filter(name => name.startsWith("."))
        .flatMap(name => {
            const target = path.join(path.dirname(file), name);
            const found = [`${target}.ts`, path.join(target, "index.ts"), target].find(
                candidate => candidate.endsWith(".ts") && fs.existsSync(path.join(REPO_ROOT, candidate)),
            );
            return found === undefined ? [] : [path.normalize(found)];
        });
}

/** One cycle per strongly connected component of more than one file (or a file importing itself). */
function importCycles(graph: Map<string, string[]>): string[][] {
    const index = new Map<string, number>();
    const low = new Map<string, number>();
    const stack: string[] = [];
    const onStack = new Set<string>();
    const cycles: string[][] = [];
    let counter = 0;
    const visit = (file: string): void => {
        index.set(file, counter);
        low.set(file, counter++);
        stack.push(file);
        onStack.add(file);
        for (const next of graph.get(file) ?? []) {
            if (!index.has(next)) {
                visit(next);
                low.set(file, Math.min(low.get(file)!, low.get(next)!));
            } else if (onStack.has(next)) {
                low.set(file, Math.min(low.get(file)!, index.get(next)!));
            }
        }
        if (low.get(file) === index.get(file)) {
            const component: string[] = [];
            let member: string;
            do {
                member = stack.pop()!;
                onStack.delete(member);
                component.push(member);
            } while (member !== file);
            if (component.length > 1 || (graph.get(file) ?? []).includes(file)) cycles.push(component.sort());
        }
    };
    for (const file of graph.keys()) if (!index.has(file)) visit(file);
    return cycles;
}

describe("the repository's imports", () => {
    const files = typeScriptFiles();
    const graph = new Map(files.map(file => [file, importsOf(file)]));

    it("are read from every TypeScript file: the program, components, policy pack, tools and tests", () => {
        for (const expected of ["index.ts", "components/config.ts", "policy/index.ts", "tools/images/cli.ts", "tools/cli/command.ts", "tests/helpers.ts"]) {
            assert.ok(graph.has(expected), `${expected} is scanned`);
        }
        assert.ok([...graph.values()].filter(imports => imports.length > 0).length > files.length / 2, "most files import another file of the repository");
    });

    it("form no cycle, counting type-only imports, re-exports and dynamic imports", () => {
        assert.deepStrictEqual(importCycles(graph), []);
    });

    it("a cycle would be found: the check reports two files that import each other", () => {
        const cyclic = new Map([
            ["a.ts", ["b.ts"]],
            ["b.ts", ["c.ts", "a.ts"]],
            ["c.ts", []],
        ]);
        assert.deepStrictEqual(importCycles(cyclic), [["a.ts", "b.ts"]]);
    });
});
