// Reads a stack's configuration the way the Pulumi CLI does: Pulumi.yaml's declared defaults,
// overlaid by Pulumi.<stack>.yaml. Used by the tests, `npm run plan` and the images CLI.
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { PROJECT, RawStackConfig } from "../components/config";

export const REPO_ROOT = path.resolve(__dirname, "..");

/** The stack's values keyed as `parseStackConfig` wants them: `aws:region`, then project keys without prefix. */
export function readStackConfig(stack: string, root: string = REPO_ROOT): RawStackConfig {
    const raw: RawStackConfig = {};
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8")) ?? {};
    for (const [key, declaration] of Object.entries<Record<string, unknown>>(project.config ?? {})) {
        if (declaration && typeof declaration === "object" && "default" in declaration) raw[key] = declaration.default;
    }
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        throw new Error(`No stack file ${path.relative(process.cwd(), stackFile)}: expected Pulumi.<stack>.yaml for stack "${stack}"`);
    }
    const values: Record<string, unknown> = parse(fs.readFileSync(stackFile, "utf8"))?.config ?? {};
    for (const [key, value] of Object.entries(values)) {
        const prefix = `${PROJECT}:`;
        raw[key.startsWith(prefix) ? key.slice(prefix.length) : key] = value;
    }
    return raw;
}

/** The same values as the engine hands them to a program: `"project:key": "string or JSON"`. */
export function toEngineConfig(raw: RawStackConfig): Record<string, string> {
    const engine: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) {
        if (value === undefined) continue;
        const fullKey = key.includes(":") ? key : `${PROJECT}:${key}`;
        engine[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
    }
    return engine;
}
