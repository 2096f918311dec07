// Semantic versions (major.minor.patch), compared by number: shared by the program and the tools.

/** Semantic versions by number (`1.10.0` after `1.9.0`); a missing or unreadable version sorts first. */
export function compareVersions(left: string | undefined, right: string | undefined): number {
    const parts = (version: string | undefined) =>
        SEMVER_AT_START.exec(version ?? "")
            ?.slice(1, 4)
            .map(Number) ?? [];
    const [a, b] = [parts(left), parts(right)];
    if (a.length === 0 || b.length === 0) return a.length - b.length;
    return a[0] - b[0] || a[1] - b[1] || a[2] - b[2];
}

/** A semantic version at the start of a text (an AMI name goes on after it). */
export const SEMVER_AT_START = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)(-|$)/;
