// The findings allow-list kept in the repository: vulnerabilities a gate accepts for a while, each
// with a reason and an expiry date. Parsing is strict, so a typo never lets a finding through silently.
import { UsageError } from "../options";

export const ALLOWLIST_PATH = "promotions/findings-allowlist.json";

export interface AllowlistEntry {
    /** The finding's vulnerability id as Inspector reports it (`CVE-2026-12345`, `ALAS2023-2026-123`). */
    id: string;
    /** The last day (UTC, YYYY-MM-DD) the entry counts; from the next day on, the finding blocks again. */
    expires: string;
    /** Why the finding is accepted: shown by the gate and kept in the promotion record. */
    reason: string;
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

/** The allow-list in `text`; no file means no entries. Every problem is reported at once. */
export function parseAllowlist(text: string | undefined): AllowlistEntry[] {
    if (text === undefined) return [];
    let document: unknown;
    try {
        document = JSON.parse(text);
    } catch (error) {
        throw new UsageError(
            `${ALLOWLIST_PATH} is not valid JSON (${error instanceof Error ? error.message : String(error)}); expected { "entries": [ { "id", "expires", "reason" } ] }`,
        );
    }
    const entries = (document as { entries?: unknown } | null)?.entries;
    if (typeof document !== "object" || document === null || Array.isArray(document) || !Array.isArray(entries)) {
        throw new UsageError(
            `${ALLOWLIST_PATH} must be an object with an "entries" list: { "entries": [ { "id": "CVE-…", "expires": "YYYY-MM-DD", "reason": "…" } ] }`,
        );
    }
    const problems: string[] = [];
    const seen = new Set<string>();
    const parsed = entries.map((entry: unknown, index): AllowlistEntry => {
        const where = `${ALLOWLIST_PATH} entries[${index}]`;
        const fields = (typeof entry === "object" && entry !== null ? entry : {}) as Record<string, unknown>;
        const text = (field: string) => (typeof fields[field] === "string" ? (fields[field] as string).trim() : "");
        for (const field of Object.keys(fields)) {
            if (!["id", "expires", "reason"].includes(field)) problems.push(`${where}.${field} is not a known field (id, expires, reason)`);
        }
        if (!text("id")) problems.push(`${where}.id must be the finding's vulnerability id, like "CVE-2026-12345"`);
        if (!DATE.test(text("expires")) || Number.isNaN(Date.parse(`${text("expires")}T00:00:00Z`))) {
            problems.push(`${where}.expires must be a date YYYY-MM-DD (the last day the entry counts), got ${JSON.stringify(fields.expires)}`);
        }
        if (!text("reason")) problems.push(`${where}.reason must say why the finding is accepted`);
        if (text("id") && seen.has(text("id"))) problems.push(`${where}.id "${text("id")}" is listed twice; keep one entry per finding`);
        seen.add(text("id"));
        return { id: text("id"), expires: text("expires"), reason: text("reason") };
    });
    if (problems.length > 0) throw new UsageError(`the findings allow-list has problems:\n${problems.map(problem => `  - ${problem}`).join("\n")}`);
    return parsed;
}

/** Whether the entry still counts on `now`'s UTC date: up to and including its expiry day. */
export function isCurrent(entry: AllowlistEntry, now: Date): boolean {
    return entry.expires >= now.toISOString().slice(0, 10);
}
