// Inspector severities as Image Builder reports them, and which of them a gate threshold blocks. Pure.

/** Rated severities, least severe first: a threshold blocks its own rank and every one above it. */
export const SEVERITIES = ["INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL"] as const;
export type Severity = (typeof SEVERITIES)[number];

/**
 * Inspector has not rated the finding yet. An unrated finding may be critical, so it blocks at every
 * threshold (as does a severity this tool does not know) unless allow-listed.
 */
export const UNTRIAGED = "UNTRIAGED";

export const DEFAULT_THRESHOLD: Severity = "HIGH";

/** The order reports list severities in: worst first, unrated last. */
export const REPORT_ORDER = [...[...SEVERITIES].reverse(), UNTRIAGED] as const;

export function isSeverity(value: string): value is Severity {
    return (SEVERITIES as readonly string[]).includes(value);
}

/** The severity as reported, upper-cased; anything unknown counts as untriaged. */
export function normalSeverity(reported: string | undefined): Severity | typeof UNTRIAGED {
    const upper = (reported ?? "").toUpperCase();
    return isSeverity(upper) ? upper : UNTRIAGED;
}

export function blocksAt(severity: Severity | typeof UNTRIAGED, threshold: Severity): boolean {
    if (severity === UNTRIAGED) return true;
    return SEVERITIES.indexOf(severity) >= SEVERITIES.indexOf(threshold);
}

/** Worst first, for sorting findings: untriaged ones right after the critical ones. */
export function severityWeight(severity: Severity | typeof UNTRIAGED): number {
    return severity === UNTRIAGED ? SEVERITIES.indexOf("CRITICAL") - 0.5 : SEVERITIES.indexOf(severity);
}
