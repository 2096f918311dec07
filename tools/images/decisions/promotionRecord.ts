// What the repository keeps about promotions, and where: `promotions/<stack>/<image>/<version>.json` (the
// promotion) and `promotions/<stack>/<image>/<version>.manifest.json` (what the image contains), side by side.
import type { ComponentConfiguration, ImagePackage } from "@aws-sdk/client-imagebuilder";
import type { GateResult } from "./gateVerdict";
import type { RepoFiles } from "../repoFiles";

// The building stack reads the records too (the rollback target its lifecycle keeps): the path is the program's.
import { promotionRecordPath } from "../../../components/config";
export { promotionRecordPath };

export function manifestPath(stack: string, image: string, version: string): string {
    return `promotions/${stack}/${image}/${version}.manifest.json`;
}

export interface PackageVersion {
    name: string;
    version: string;
}

export interface Manifest {
    /** The Image Builder image (`<image.name>-<building stack>`) and version the packages were recorded for. */
    image: string;
    version: string;
    buildArn: string;
    region: string;
    amiId?: string;
    recordedAt: string;
    /** Sorted by name, then version. */
    packages: PackageVersion[];
    /**
     * The recipe's components in order, as Image Builder reports them for the build: ours and AWS-managed ones
     * (`update-windows`), with the version or version filter (`x.x.x`) the recipe names.
     */
    components?: ComponentVersion[];
}

export interface ComponentVersion {
    /** `aws` for an AWS-managed component, else the owning account. */
    owner: string;
    name: string;
    version: string;
}

/** `arn:<partition>:imagebuilder:<region>:<owner>:component/<name>/<version>[/<build>]` as owner, name and version. */
export function componentVersions(components: ComponentConfiguration[]): ComponentVersion[] {
    return components.flatMap(component => {
        const match = /^arn:[^:]+:imagebuilder:[^:]*:([^:]+):component\/([^/]+)\/([^/]+)/.exec(component.componentArn ?? "");
        return match ? [{ owner: match[1], name: match[2], version: match[3] }] : [];
    });
}

export function packageVersions(packages: ImagePackage[]): PackageVersion[] {
    return packages
        .map(pkg => ({ name: pkg.packageName ?? "", version: pkg.packageVersion ?? "" }))
        .filter(pkg => pkg.name !== "")
        .sort((left, right) => left.name.localeCompare(right.name) || left.version.localeCompare(right.version));
}

export interface PromotionRecord {
    stack: string;
    version: string;
    amiId: string;
    source: { stack: string; account: string; region: string };
    imageName: string;
    ami: { name: string; createdAt: string };
    buildArn?: string;
    promotedAt: string;
    /** What the stack pinned before (promoting that again is the rollback); absent on its first promotion. */
    previous?: { version: string; amiId: string };
    gate: Pick<GateResult, "passed" | "threshold" | "scanStatus" | "problem" | "counts"> & {
        blocking: string[];
        allowListed: { id: string; expires: string; reason: string }[];
    };
    /** Set when the image was pinned although it failed the gate. */
    forced?: { reason: string };
    manifest?: string;
}

export function gateSummary(result: GateResult): PromotionRecord["gate"] {
    return {
        passed: result.passed,
        threshold: result.threshold,
        scanStatus: result.scanStatus,
        ...(result.problem === undefined ? {} : { problem: result.problem }),
        counts: result.counts,
        blocking: result.blocking.map(finding => `${finding.id ?? finding.title ?? "(no id)"} (${finding.severity})`),
        allowListed: result.allowListed.map(finding => ({ id: finding.id ?? "", expires: finding.allowListed!.expires, reason: finding.allowListed!.reason })),
    };
}

/** The promotion record of `stack` at `version`, as far as it can be read; undefined when there is none or it is not JSON. */
export function readPromotionRecord(files: RepoFiles, stack: string, image: string, version: string): Partial<PromotionRecord> | undefined {
    const text = files.read(promotionRecordPath(stack, image, version));
    if (text === undefined) return undefined;
    try {
        return JSON.parse(text) as Partial<PromotionRecord>;
    } catch {
        return undefined;
    }
}

/** JSON as the repository keeps it: two-space indent and a final newline, so diffs stay small. */
export function asFile(value: unknown): string {
    return `${JSON.stringify(value, null, 2)}\n`;
}
