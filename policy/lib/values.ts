// Normalising the provider's loosely typed values.
import { unknownCheckingProxy } from "./unknowns";

/**
 * True for `true` and for the strings the provider uses for booleans ("true", any case).
 * Launch template and Image Builder block devices type `encrypted` as a string.
 */
export function isTrue(value: unknown): boolean {
    return value === true || (typeof value === "string" && value.trim().toLowerCase() === "true");
}

/** False for `false` and "false" (any case): an explicit no, unlike unset. */
export function isFalse(value: unknown): boolean {
    return value === false || (typeof value === "string" && value.trim().toLowerCase() === "false");
}

/** Unset, empty or only whitespace. */
export function isBlank(value: unknown): boolean {
    return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
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
    if (/^arn:aws[a-z-]*:kms:[^:]*:[^:]*:key\/\S+$/i.test(trimmed) || /^(mrk-)?[0-9a-f]{8}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{4}-?[0-9a-f]{12}$/i.test(trimmed) || /^mrk-[0-9a-f]{32}$/i.test(trimmed)) {
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
    return Array.isArray(value) ? value as T[] : value === undefined || value === null ? [] : [value as T];
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
