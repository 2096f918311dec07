// Which regions a command reads, and which of them hold images the stack no longer lists. Pure.
//
// A copy outlives its region's removal from `golden-ami:regions` (retainOnDelete), with its launch and
// snapshot permissions. So revoke and prune read, by default, every region enabled for the account, not
// only the stack's: otherwise a removed principal would keep its access there, and nothing would clean up.

/** Where the regions a command reads came from. */
export type RegionSource =
    /** `--regions`: exactly those. */
    | "--regions"
    /** The stack's regions and every other region enabled for the account (ec2:DescribeRegions). */
    | "enabled-regions"
    /** The stack's regions only: the account's enabled regions could not be listed. */
    | "stack-regions";

export interface RegionScope {
    /** The regions to read: the stack's first (home region first), then the account's others, sorted. */
    regions: string[];
    source: RegionSource;
    /** The stack's `golden-ami:regions`, home region first; undefined without `--stack`. */
    stackRegions?: string[];
    /** Why the enabled regions are not among `regions` (source `stack-regions`). */
    discoveryError?: string;
    /** The discovery failed for want of credentials: every region will say so, so it need not be said twice. */
    credentialsProblem?: boolean;
}

/** The stack's regions in their order, then the account's other enabled regions, sorted. */
export function searchOrder(stackRegions: string[], enabledRegions: string[]): string[] {
    const others = enabledRegions.filter(region => !stackRegions.includes(region)).sort();
    return [...new Set([...stackRegions, ...others])];
}

/** A region read that the stack no longer lists, and how many of the stack's images it holds. */
export interface DroppedRegion {
    region: string;
    images: number;
}

/**
 * The regions read that hold images of the stack but are not in its `golden-ami:regions`, in the order
 * read. Without a stack there is no config to compare with: none.
 */
export function droppedRegions(scope: RegionScope, imagesPerRegion: { region: string; images: number }[]): DroppedRegion[] {
    const listed = scope.stackRegions;
    if (listed === undefined) return [];
    return imagesPerRegion.filter(({ region, images }) => images > 0 && !listed.includes(region)).map(({ region, images }) => ({ region, images }));
}

/** True when the region is one the stack lists (or there is no stack to ask). */
export function isListedRegion(scope: RegionScope, region: string): boolean {
    return scope.stackRegions === undefined || scope.stackRegions.includes(region);
}

/** How the regions read were chosen, as the reports record it. */
export function scopeRecord(scope: RegionScope): { source: RegionSource; regions: string[]; stackRegions?: string[]; discoveryError?: string } {
    return {
        source: scope.source,
        regions: scope.regions,
        ...(scope.stackRegions && { stackRegions: scope.stackRegions }),
        ...(scope.discoveryError !== undefined && { discoveryError: scope.discoveryError }),
    };
}

/**
 * What revoke and prune both say about the regions they read: each dropped region that holds images (and what the
 * command does there), then the account's other regions where nothing of the stack was found, on one line.
 * `empty` lists those regions, which the per-region report leaves out.
 */
export function regionScopeLines(
    scope: RegionScope,
    dropped: DroppedRegion[],
    reports: { region: string; empty: boolean }[],
    inDroppedRegion: string,
): { lines: string[]; empty: string[] } {
    const lines = dropped.map(
        ({ region, images }) => `${region}: holds ${images} image(s) of the stack, but golden-ami:regions no longer lists it: ${inDroppedRegion}`,
    );
    const empty = reports.filter(report => !isListedRegion(scope, report.region) && report.empty).map(report => report.region);
    if (empty.length > 0) lines.push(`Nothing of the stack in the ${empty.length} other enabled region(s) read: ${empty.join(", ")}`);
    return { lines, empty };
}

/** Exit 3 when a region could not be read, or the account's regions could not be listed: the command's promise is not kept. */
export function readEveryRegion(failures: string[], scope: RegionScope): boolean {
    return failures.length === 0 && scope.source !== "stack-regions";
}
