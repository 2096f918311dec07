// npm run config-docs [-- --check]
// Writes schema/stack-config.schema.json (editors: the stack files' yaml-language-server modeline) and
// docs/configuration.md from components/configSchema.ts; --check only says whether they are up to date (exit 1 if not).
import * as fs from "fs";
import * as path from "path";
import { configurationReference, stackFileSchema } from "../../components/configSchema";
import { REPO_ROOT } from "../engine/stackFile";

export const GENERATED_FILES: Record<string, () => string> = {
    "schema/stack-config.schema.json": () => `${JSON.stringify(stackFileSchema(), null, 2)}\n`,
    "docs/configuration.md": configurationReference,
};

/** The generated files whose committed text differs from what the schema makes now. */
export function staleFiles(root: string = REPO_ROOT): string[] {
    return Object.entries(GENERATED_FILES).filter(([file, make]) => {
        const target = path.join(root, file);
        return !fs.existsSync(target) || fs.readFileSync(target, "utf8") !== make();
    }).map(([file]) => file);
}

if (require.main === module) {
    const check = process.argv.includes("--check");
    const stale = staleFiles();
    if (check) {
        if (stale.length > 0) console.error(`out of date: ${stale.join(", ")}; run npm run config-docs and commit them`);
        process.exitCode = stale.length > 0 ? 1 : 0;
    } else {
        for (const file of stale) {
            fs.mkdirSync(path.dirname(path.join(REPO_ROOT, file)), { recursive: true });
            fs.writeFileSync(path.join(REPO_ROOT, file), GENERATED_FILES[file]());
            console.log(`wrote ${file}`);
        }
    }
}
