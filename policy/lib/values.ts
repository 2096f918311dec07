// Normalising the provider's loosely typed values.
import { unknownCheckingProxy } from "./unknowns";

/** The spellings the provider's string booleans accept (Go's strconv.ParseBool), compared trimmed and in any case. */
const TRUE_WORDS = ["true", "t", "1"];
const FALSE_WORDS = ["false", "f", "0"];

/**
 * True for `true`, `1` and the strings the provider parses as true ("true", "t", "1", any case, padded).
 * Launch template and Image Builder block devices type `encrypted` as a string, and the provider reads "1" and "T" as true.
 */
export function isTrue(value: unknown): boolean {
    return value === true || value === 1 || (typeof value === "string" && TRUE_WORDS.includes(value.trim().toLowerCase()));
}

/** False for `false`, `0` and "false", "f", "0" (any case): an explicit no, unlike unset. */
export function isFalse(value: unknown): boolean {
    return value === false || value === 0 || (typeof value === "string" && FALSE_WORDS.includes(value.trim().toLowerCase()));
}

/** An enum value as the API compares it: `" Block-New-Sharing "` is `block-new-sharing`. */
export function isWord(value: unknown, word: string): boolean {
    return typeof value === "string" && value.trim().toLowerCase() === word.toLowerCase();
}

/** Unset, empty or only whitespace. */
export function isBlank(value: unknown): boolean {
    return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

/**
 * Characters that print as nothing: zero-width spaces and joiners, word joiner and invisible operators, soft hyphen,
 * Mongolian vowel separator, combining grapheme joiner, Hangul fillers, bidi marks. `String.trim` keeps them.
 */
const INVISIBLE = /[\s\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u3164\uFE00-\uFE0F\uFEFF\uFFA0]/g;

/** Blank as a reader sees it: unset, empty, or only whitespace and invisible characters (a tag value `"\u200b"` says nothing). */
export function isBlankText(value: unknown): boolean {
    return isBlank(value) || (typeof value === "string" && value.replace(INVISIBLE, "") === "");
}

/** How a KMS key reference is written, which decides what a policy can tell about the key behind it. */
export type KeyReference = "aws-managed-alias" | "customer-alias" | "key" | "other";

/**
 * `alias/aws/ebs`, its alias ARN (any case) or a bare `aws/ebs` name an AWS-managed key; any other alias
 * names a customer-managed one (AWS lets customers alias only their own keys); a key ARN or key id could be
 * either, and only the stack (or config) can say which.
 */
export function keyReference(keyId: string): KeyReference {
    const trimmed = keyId.trim();
    const alias = /(?:^|:)(alias\/.+)$/i.exec(trimmed)?.[1];
    if (alias) return /^alias\/aws\//i.test(alias) ? "aws-managed-alias" : "customer-alias";
    if (/^aws\//i.test(trimmed)) return "aws-managed-alias";
    if (
        /^arn:aws[a-z-]*:kms:[^:]*:[^:]*:key\/\S+$/i.test(trimmed) ||
        /^(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(trimmed) ||
        /^mrk-[0-9a-f]{32}$/i.test(trimmed)
    ) {
        return "key";
    }
    return "other";
}

/** AWS-managed keys (`alias/aws/ebs`, its alias ARN): images under them cannot be shared. */
export function isAwsManagedKey(keyId: string): boolean {
    return keyReference(keyId) === "aws-managed-alias";
}

/** The key id at the end of a key ARN (`arn:...:key/<id>`), or the value itself. */
export function keyIdOf(keyId: string): string {
    const trimmed = keyId.trim();
    return trimmed.slice(trimmed.lastIndexOf("/") + 1).toLowerCase();
}

/** The account in an ARN (`arn:aws:iam::111122223333:role/x` → `111122223333`), if it has one. */
export function accountOfArn(arn: unknown): string | undefined {
    if (typeof arn !== "string") return undefined;
    return /^arn:aws[a-z-]*:[^:]*:[^:]*:(\d{12}):/.exec(arn.trim())?.[1];
}

/**
 * A nested value of a provider's properties: the engine stores provider config as strings, so objects and
 * lists arrive JSON-encoded; both forms are accepted. The result is wrapped like the runtime wraps
 * properties, so an unknown inside still throws.
 */
export function decoded(value: unknown): unknown {
    let parsed = value;
    if (typeof value === "string") {
        const text = value.trim();
        if (!text.startsWith("{") && !text.startsWith("[")) return value;
        try {
            parsed = JSON.parse(text);
        } catch {
            return value;
        }
    }
    return parsed !== null && typeof parsed === "object" ? unknownCheckingProxy(parsed as object) : parsed;
}

/** A value that may be a list or a single item, as a list (`undefined` and `null` are none). */
export function itemsOf<T = unknown>(value: unknown): T[] {
    return Array.isArray(value) ? (value as T[]) : value === undefined || value === null ? [] : [value as T];
}

/** The same list, without blanks and trimmed; a single string counts as a list of one. */
export function strings(value: unknown): string[] {
    const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
    return items.filter((item): item is string => typeof item === "string" && item.trim() !== "").map(item => item.trim());
}

/** A value as it would be shown in a message. */
export function show(value: unknown): string {
    return value === undefined ? "not set" : JSON.stringify(value);
}
