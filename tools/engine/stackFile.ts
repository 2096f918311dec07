// Reads a stack's configuration the way the Pulumi CLI does: Pulumi.yaml's declared defaults,
// overlaid by Pulumi.<stack>.yaml. Used by the tests, `npm run plan` and the images CLI.
import * as fs from "fs";
import * as path from "path";
import { parseDocument } from "yaml";
import { PROJECT, RawStackConfig } from "../../components/config";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** A stack's files cannot be used as they are: the message names the file (and line) to fix. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** The stack's values keyed as `parseStackConfig` wants them: `aws:region`, then project keys without prefix. */
export function readStackConfig(stack: string, root: string = REPO_ROOT): RawStackConfig {
    const raw: RawStackConfig = {};
    const project = readYamlFile(path.join(root, "Pulumi.yaml")) ?? {};
    for (const [key, declaration] of Object.entries<Record<string, unknown>>(project.config ?? {})) {
        if (declaration && typeof declaration === "object" && "default" in declaration) raw[key] = declaration.default;
    }
    const stackFile = path.join(root, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        throw new StackFileError(`No stack file ${displayPath(stackFile)}: expected Pulumi.<stack>.yaml for stack "${stack}"`);
    }
    const document = readYamlFile(stackFile);
    const values = stackValues(document, displayPath(stackFile));
    for (const [key, value] of Object.entries(values)) {
        const prefix = `${PROJECT}:`;
        raw[key.startsWith(prefix) ? key.slice(prefix.length) : key] = value;
    }
    return raw;
}

/** The `config:` map of a stack file; a file without one, or with it misspelt or of another shape, says so. */
function stackValues(document: unknown, file: string): Record<string, unknown> {
    const top = document !== null && typeof document === "object" && !Array.isArray(document) ? (document as Record<string, unknown>) : undefined;
    const config = top?.config;
    if (config !== undefined && config !== null && typeof config === "object" && !Array.isArray(config)) return config as Record<string, unknown>;
    if (config !== undefined) {
        throw new StackFileError(
            `${file}: config must be a map of keys (aws:region, golden-ami:images, ...), got ${config === null ? "nothing" : JSON.stringify(config).slice(0, 60)}`,
        );
    }
    const misspelt = Object.keys(top ?? {}).find(
        key => key !== "config" && key.toLowerCase().replace(/[^a-z]/g, "").length <= 8 && /^c[a-z]*n[a-z]*f|^conf|config/i.test(key),
    );
    throw new StackFileError(
        misspelt
            ? `${file} has "${misspelt}:" at the top, not "config:": rename it to config (its keys are aws:region, golden-ami:images, ...)`
            : `${file} has no config: section; write one with at least aws:region, golden-ami:images and golden-ami:tags (see Pulumi.dev.yaml)`,
    );
}

/**
 * A YAML file's contents; a syntax error becomes one StackFileError naming the file, line and column
 * and quoting the line, instead of the parser's stack trace.
 */
export function readYamlFile(file: string): any {
    const text = fs.readFileSync(file, "utf8");
    const document = parseDocument(text, { prettyErrors: true });
    const [error] = document.errors;
    if (error) {
        const { line, col } = error.linePos?.[0] ?? { line: 1, col: 1 };
        const sourceLine = text.split(/\r?\n/)[line - 1] ?? "";
        // The parser's message repeats the position and a code frame; keep its first sentence.
        const reason = error.message.split(/ at line \d+, column \d+/)[0].split("\n")[0];
        throw new StackFileError(
            `${displayPath(file)}:${line}:${col}: ${reason}\n    ${sourceLine}\n    ${" ".repeat(Math.max(col - 1, 0))}^\n` +
                `Fix the YAML at line ${line} of ${displayPath(file)}.${hintFor(error.code)}`,
        );
    }
    return document.toJS();
}

function hintFor(code: string): string {
    switch (code) {
        case "TAB_AS_INDENT":
            return " YAML indents with spaces, never tabs.";
        case "DUPLICATE_KEY":
            return " Each key may appear once in a map: merge the two entries.";
        case "BAD_INDENT":
        case "MISSING_CHAR":
            return " Check the indentation and that every [ or { is closed.";
        default:
            return "";
    }
}

/** Relative to the working directory when that is shorter: what a user can paste into an editor. */
function displayPath(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith("..") ? file : relative;
}

/**
 * Why a stack has no usable policy config, or undefined when `policy/<stack>.json` exists. The pack
 * without its config would fail every rule that needs an allow-list; say once what to do instead.
 */
export function missingPolicyConfig(stack: string, root: string = REPO_ROOT): string | undefined {
    const file = path.join(root, "policy", `${stack}.json`);
    if (fs.existsSync(file)) return undefined;
    return (
        `No policy config for stack "${stack}": ${displayPath(file)} does not exist. ` +
        `Create it from the dev stack's (cp policy/dev.json policy/${stack}.json), then set its allow-lists ` +
        `(the accounts, organizations and OUs this stack may share with) and levels; ` +
        `pulumi preview --policy-pack policy --policy-pack-config policy/${stack}.json reads the same file.`
    );
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
