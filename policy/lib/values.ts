// Normalising the provider's loosely typed values.

/**
 * True for `true` and for the strings the provider uses for booleans ("true", any case).
 * Launch template and Image Builder block devices type `encrypted` as a string.
 */
export function isTrue(value: unknown): boolean {
    return value === true || (typeof value === "string" && value.trim().toLowerCase() === "true");
}

/** Unset, empty or only whitespace. */
export function isBlank(value: unknown): boolean {
    return value === undefined || value === null || (typeof value === "string" && value.trim() === "");
}

/** AWS-managed keys (`alias/aws/ebs`, or its alias ARN) are not customer-managed: images under them cannot be shared. */
export function isAwsManagedKey(keyId: string): boolean {
    return /(^|:)alias\/aws\//.test(keyId.trim());
}

/** A value as it would be shown in a message. */
export function show(value: unknown): string {
    return value === undefined ? "not set" : JSON.stringify(value);
}
