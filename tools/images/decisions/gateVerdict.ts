// Decides whether a build passes the vulnerability gate. Pure: the same build, findings, allow-list
// and day always give the same verdict.
//
// Rules:
// - the scan must be COMPLETED; no scan, an unfinished one or a failed one fails the gate (nothing to judge);
// - a finding at or above the threshold blocks, unless a current allow-list entry names its vulnerability id;
// - UNTRIAGED (and any severity this tool does not know) blocks at every threshold;
// - an allow-list entry counts up to and including its expiry day (UTC); after that the finding blocks again.
import type { Image, ImageScanFinding } from "@aws-sdk/client-imagebuilder";
import { AllowlistEntry, isCurrent } from "./allowlist";
import { blocksAt, normalSeverity, REPORT_ORDER, Severity, severityWeight, UNTRIAGED } from "./severity";

export interface JudgedFinding {
    /** The vulnerability id (CVE-…); absent for a finding Inspector gave none, which cannot be allow-listed. */
    id?: string;
    severity: Severity | typeof UNTRIAGED;
    title?: string;
    /** `name version` of each vulnerable package, with the fixed version when there is one. */
    packages: string[];
    inspectorScore?: number;
    /** At or above the threshold (or untriaged). */
    atOrAboveThreshold: boolean;
    /** The current allow-list entry that accepts it. */
    allowListed?: AllowlistEntry;
}

export interface GateVerdict {
    passed: boolean;
    threshold: Severity;
    /** COMPLETED, PENDING, SCANNING, COLLECTING, FAILED, ABANDONED, TIMED_OUT, or NONE when the build has no scan. */
    scanStatus: string;
    /** Why the findings could not be judged; set whenever the scan is not COMPLETED. */
    problem?: string;
    counts: Record<string, number>;
    /** At or above the threshold and not allow-listed: these fail the gate. */
    blocking: JudgedFinding[];
    /** At or above the threshold but accepted by a current allow-list entry. */
    allowListed: JudgedFinding[];
    /** Entries naming a finding of this build whose date has passed: they no longer count. */
    expiredEntries: AllowlistEntry[];
    /** The worst findings, worst first (at most WORST_SHOWN). */
    worst: JudgedFinding[];
    total: number;
}

export const WORST_SHOWN = 10;

const UNFINISHED = new Set(["PENDING", "SCANNING", "COLLECTING"]);

/** Whether the build's scan can be judged, and if not, what to do about it. */
export function scanProblem(image: Image | undefined): { status: string; problem?: string } {
    const status = image?.scanState?.status;
    if (image === undefined) return { status: "NONE", problem: "Image Builder returned no image for the build" };
    if (status === undefined) {
        const disabled = image.imageScanningConfiguration?.imageScanningEnabled !== true;
        return {
            status: "NONE",
            problem: disabled
                ? "the build has no scan results: image scanning was not enabled for it (the pipeline's imageScanningConfiguration.imageScanningEnabled, with Amazon Inspector on for EC2); enable it and rebuild"
                : "the build has no scan results yet: Amazon Inspector has not reported on it; run the gate again later, and check that Inspector scans EC2 in this account",
        };
    }
    if (status === "COMPLETED") return { status };
    if (UNFINISHED.has(status)) return { status, problem: `the scan is not finished (${status}): run the gate again when it is COMPLETED` };
    const reason = image.scanState?.reason ? ` — ${image.scanState.reason}` : "";
    return {
        status,
        problem: `the scan did not complete (${status}${reason}): there are no results to judge; rebuild the image (or rescan it) and gate again`,
    };
}

export function judgeFindings(scanStatus: string, findings: ImageScanFinding[], threshold: Severity, allowlist: AllowlistEntry[], now: Date): GateVerdict {
    const counts = Object.fromEntries(REPORT_ORDER.map(severity => [severity, 0]));
    const expired = new Map<string, AllowlistEntry>();
    const judged = findings
        .map((finding): JudgedFinding => {
            const severity = normalSeverity(finding.severity);
            counts[severity] += 1;
            const id = finding.packageVulnerabilityDetails?.vulnerabilityId;
            const entry = id === undefined ? undefined : allowlist.find(candidate => candidate.id === id);
            if (entry && !isCurrent(entry, now)) expired.set(entry.id, entry);
            return {
                id,
                severity,
                title: finding.title,
                packages: (finding.packageVulnerabilityDetails?.vulnerablePackages ?? []).map(pkg =>
                    `${pkg.name ?? "?"} ${pkg.version ?? ""}${pkg.release ? `-${pkg.release}` : ""}${pkg.fixedInVersion ? ` (fixed in ${pkg.fixedInVersion})` : ""}`.trim(),
                ),
                inspectorScore: finding.inspectorScore,
                atOrAboveThreshold: blocksAt(severity, threshold),
                allowListed: entry && isCurrent(entry, now) ? entry : undefined,
            };
        })
        .sort(worstFirst);
    const atOrAbove = judged.filter(finding => finding.atOrAboveThreshold);
    const blocking = atOrAbove.filter(finding => finding.allowListed === undefined);
    return {
        passed: blocking.length === 0,
        threshold,
        scanStatus,
        counts,
        blocking,
        allowListed: atOrAbove.filter(finding => finding.allowListed !== undefined),
        expiredEntries: [...expired.values()],
        worst: judged.slice(0, WORST_SHOWN),
        total: judged.length,
    };
}

/** A verdict for a build whose scan cannot be judged: failed, with the reason. */
export function unjudged(scanStatus: string, problem: string, threshold: Severity): GateVerdict {
    return {
        passed: false,
        threshold,
        scanStatus,
        problem,
        counts: Object.fromEntries(REPORT_ORDER.map(severity => [severity, 0])),
        blocking: [],
        allowListed: [],
        expiredEntries: [],
        worst: [],
        total: 0,
    };
}

/** Severity first, then Inspector's score, then the id, so every run lists them in the same order. */
function worstFirst(left: JudgedFinding, right: JudgedFinding): number {
    return (
        severityWeight(right.severity) - severityWeight(left.severity) ||
        (right.inspectorScore ?? 0) - (left.inspectorScore ?? 0) ||
        (left.id ?? "").localeCompare(right.id ?? "")
    );
}

/** A judged build, as gate reports it and promotion records keep it. */
export interface GateResult extends GateVerdict {
    buildArn?: string;
    amiId?: string;
    /** gate --pinned-by: the build fails, but the promoting stack pinned it with `promote --force --reason`. */
    forced?: { reason: string; record: string };
}
