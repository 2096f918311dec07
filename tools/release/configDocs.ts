// npm run config-docs [-- --check]
// Writes schema/stack-config.schema.json (editors: the stack files' yaml-language-server modeline) and
// docs/configuration.md from components/configSchema.ts; --check only says whether they are up to date (exit 1 if not).
import * as fs from "fs";
import * as path from "path";
import { configurationReference, stackFileSchema } from "../../components/configSchema";
import { REPO_ROOT } from "../engine/stackFile";
import { defineCommand, ExitCode, flags, runMain } from "../cli";

export const GENERATED_FILES: Record<string, () => string> = {
    "schema/stack-config.schema.json": () => `${JSON.stringify(stackFileSchema(), null, 2)}\n`,
    "docs/configuration.md": configurationReference,
};

/** The generated files whose committed text differs from what the schema makes now. */
export function staleFiles(root: string = REPO_ROOT): string[] {
    return Object.entries(GENERATED_FILES)
        .filter(([file, make]) => {
            const target = path.join(root, file);
            return !fs.existsSync(target) || fs.readFileSync(target, "utf8") !== make();
        })
        .map(([file]) => file);
}

/** `npm run config-docs`, declared once (tools/cli). */
export const configDocsCommandLine = defineCommand({
    name: "npm run config-docs --",
    summary: "Writes schema/stack-config.schema.json and docs/configuration.md from the config schema (components/configSchema.ts).",
    footer: "Exit codes: 0 written or up to date, 1 --check found them out of date, 2 bad flags.",
    flags: {
        check: flags.boolean("only say whether the generated files are up to date (exit 1 if not); write nothing"),
    },
    run: (options, root: string, output) => {
        const stale = staleFiles(root);
        if (options.check) {
            if (stale.length > 0) output.stderr(`out of date: ${stale.join(", ")}; run npm run config-docs and commit them`);
            return Promise.resolve(stale.length > 0 ? ExitCode.failed : ExitCode.ok);
        }
        for (const file of stale) {
            fs.mkdirSync(path.dirname(path.join(root, file)), { recursive: true });
            fs.writeFileSync(path.join(root, file), GENERATED_FILES[file]());
            output.stdout(`wrote ${file}`);
        }
        return Promise.resolve(ExitCode.ok);
    },
});

if (require.main === module) runMain(configDocsCommandLine, REPO_ROOT);
