// How the configuration's problems read: the key in `golden-ami:images.<name>.field` form, what it expected,
// the value given (legibly: invisible characters spelt out, long values cut short), the nearest known key for
// a typo, and what to write instead of a key this program no longer reads.
import { stringify as stringifyYaml } from "yaml";
import { z } from "zod";

/** Whatever explains a likely slip of this input (a quoted number, an unquoted account id): the message after the key. */
export type Explain = (input: unknown, expected: string) => string | undefined;

/** The error zod gives a key whose own value is refused: the message after the key, which `problemsOf` adds. */
export function expecting(expected: string, ...explains: Explain[]): (issue: { input?: unknown }) => string {
    return ({ input }) =>
        explains.map(explain => explain(input, expected)).find(Boolean) ??
        (input === undefined ? `is required: expected ${expected}` : `must be ${expected}, got ${describe(input)}`);
}

/** Keys this program once read: each is refused with what to write instead (`config` is the stack's whole input). */
const RETIRED: Array<[RegExp, (value: unknown, config: Record<string, unknown>) => string]> = [
    [
        /^golden-ami:image$/,
        value =>
            `is replaced by golden-ami:images, a map from image name to its definition; write:\n${indent(stringifyYaml({ "golden-ami:images": imagesEntryOf(value) }))}`,
    ],
    [
        /^golden-ami:fleet$/,
        value =>
            `is replaced by golden-ami:fleets, a map from fleet name to its definition, which names the image it runs; write:\n${indent(stringifyYaml({ "golden-ami:fleets": { "my-image": { image: "my-image", ...(isPlainObject(value) && value) } } }))}`,
    ],
    [
        /^golden-ami:images\..*\.schedule(Timezone)?$/,
        () =>
            "is no longer used: nothing builds outside `pulumi up`, so every AMI is tracked; the patch cadence is .github/workflows/patch.yml — remove the key",
    ],
    [
        /^golden-ami:promoteFrom\.amiId$/,
        (value, config) =>
            `is replaced by golden-ami:promoteFrom.amiIds, the pinned AMI of each image; write amiIds: { ${Object.keys(isPlainObject(config["golden-ami:images"]) ? config["golden-ami:images"] : {})[0] ?? "<image>"}: ${typeof value === "string" ? value : "ami-…"} }`,
    ],
];

/**
 * One problem per issue (one per unknown key), each starting with the key it is about. `fieldsAt` gives the
 * fields the object at a path may have; `config` is the input, keyed as the stack file's `config:` map.
 */
export function problemsOf(issues: z.core.$ZodIssue[], fieldsAt: (path: PropertyKey[]) => string[], config: Record<string, unknown>): string[] {
    const problems = issues.flatMap(issue => {
        if (issue.code === "unrecognized_keys") {
            const object = (issue.input ?? {}) as Record<string, unknown>;
            return issue.keys.map(field => unknownKey(issue.path, field, fieldsAt(issue.path), object[field], config));
        }
        if (issue.code === "invalid_key") return [`${keyOf(issue.path.slice(0, -1))} key ${describe(issue.input)} ${issue.issues[0]?.message}`];
        return [`${keyOf(issue.path)} ${issue.message}`];
    });
    // A key given under its old name is refused with what to write instead, not once more as missing under its new one.
    const renamed = problems.flatMap(problem => / is replaced by (\S+),/.exec(problem)?.[1] ?? []);
    return problems.filter(problem => !renamed.some(key => problem.startsWith(`${key} is required:`)));
}

/** The key a message names: `golden-ami:images.<name>.field`, list items as `[index]`, odd names shown spelt out. */
function keyOf(path: readonly PropertyKey[]): string {
    return path.reduce<string>(
        (key, step, index) => (index === 0 ? String(step) : typeof step === "number" ? `${key}[${step}]` : `${key}.${shownKey(String(step))}`),
        "",
    );
}

function unknownKey(path: readonly PropertyKey[], field: string, known: string[], value: unknown, config: Record<string, unknown>): string {
    const key = path.length === 0 ? field : `${keyOf(path)}.${field}`;
    const retired = RETIRED.find(([pattern]) => pattern.test(key));
    if (retired) return `${key} ${retired[1](value, config)}`;
    if (path.length > 0) return notKnown(keyOf(path), ".", field, known);
    // The stack file's top: golden-ami:<key> and aws:<provider setting>.
    const [namespace, ...rest] = field.split(":");
    const inNamespace = (prefix: string) => known.filter(candidate => candidate.startsWith(prefix)).map(candidate => candidate.slice(prefix.length));
    if (namespace === "golden-ami" || namespace === "aws") return notKnown(namespace, ":", rest.join(":"), inNamespace(`${namespace}:`));
    const closest = closestOf(namespace, ["golden-ami", "aws"]);
    return `${shownKey(field)} is not a key this program reads${closest ? `; did you mean ${closest}:${rest.join(":")}?` : ""} (its keys are golden-ami:<key> and aws:<provider setting>)`;
}

function notKnown(key: string, separator: string, field: string, known: string[]): string {
    const closest = closestOf(field, known);
    return `${key}${separator}${shownKey(field)} is not a known key${closest ? `; did you mean ${key}${separator}${closest}?` : ""} (known: ${known.join(", ")})`;
}

/** The `images:` entry equal to an old `image:` value (as far as it can be read). */
function imagesEntryOf(value: unknown): Record<string, unknown> {
    const image = isPlainObject(value) ? { ...value } : {};
    const name = typeof image.name === "string" && /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(image.name) ? image.name : "my-image";
    delete image.name;
    delete image.platform;
    return { [name]: { version: image.version ?? "1.0.0", architecture: "x86_64", ...image } };
}

function indent(text: string): string {
    return text
        .trimEnd()
        .split("\n")
        .map(line => `      ${line}`)
        .join("\n");
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The known name a misspelt one was most likely meant to be: same letters in another case, or a few edits away. */
export function closestOf(name: string, known: readonly string[], maxDistance?: number): string | undefined {
    const sameLetters = known.find(candidate => candidate.toLowerCase() === name.toLowerCase());
    if (sameLetters) return sameLetters;
    const scored = known
        .map(candidate => ({ candidate, distance: editDistance(name.toLowerCase(), candidate.toLowerCase()) }))
        .sort((a, b) => a.distance - b.distance);
    const best = scored[0];
    return best && best.distance <= (maxDistance ?? Math.max(2, Math.floor(name.length / 3))) ? best.candidate : undefined;
}

function editDistance(a: string, b: string): number {
    let previous = Array.from({ length: b.length + 1 }, (_, index) => index);
    for (let i = 1; i <= a.length; i++) {
        const current = [i];
        for (let j = 1; j <= b.length; j++) {
            current[j] = Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        }
        previous = current;
    }
    return previous[b.length];
}

/** A value as a message shows it: JSON, with invisible characters spelt out and long values cut short. */
export function describe(value: unknown): string {
    if (value === undefined) return "nothing";
    if (value === null) return "null (an empty value)";
    if (typeof value === "number") return String(value);
    if (typeof value === "string" && value.length > 80) return `${describe(value.slice(0, 60))}… (${value.length} characters)`;
    let text: string;
    try {
        text = JSON.stringify(value, (_, item) => (typeof item === "number" && !Number.isFinite(item) ? String(item) : item)) ?? String(value);
    } catch {
        text = String(value);
    }
    return shown(text);
}

export const INVISIBLE = /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u3164\uffa0]/u;

/** Text for a message: invisible characters as \\u escapes (a value that looks right but is not), at most 80 characters. */
export function shown(text: string): string {
    const visible = text.replace(new RegExp(INVISIBLE.source, "gu"), char => `\\u${char.codePointAt(0)!.toString(16).padStart(4, "0")}`);
    return visible.length > 80 ? `${visible.slice(0, 60)}… (${text.length} characters)` : visible;
}

/** A key the stack file gave, as a message names it. */
export function shownKey(key: string): string {
    return key === "" || key.trim() !== key || INVISIBLE.test(key) ? describe(key) : shown(key);
}

/** Blank: nothing but spaces and invisible characters. */
export function blank(text: string): boolean {
    return text.replace(new RegExp(`\\s|${INVISIBLE.source}`, "gu"), "") === "";
}
