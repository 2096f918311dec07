// Runs a command's work in every region at once; one region failing never stops the others.
import { isCredentialsProblem } from "./awsErrors";

export type RegionOutcome<T> = { region: string; ok: true; value: T } | { region: string; ok: false; error: string; credentialsProblem: boolean };

export async function acrossRegions<T>(regions: string[], work: (region: string) => Promise<T>): Promise<RegionOutcome<T>[]> {
    const settled = await Promise.allSettled(regions.map(region => work(region)));
    return settled.map((result, index): RegionOutcome<T> => {
        const region = regions[index];
        if (result.status === "fulfilled") return { region, ok: true, value: result.value };
        return { region, ok: false, error: messageOf(result.reason), credentialsProblem: isCredentialsProblem(result.reason) };
    });
}

/** Failed regions as report lines; a credentials problem is the same everywhere, so it is said once. */
export function describeFailures(outcomes: RegionOutcome<unknown>[]): string[] {
    const lines: string[] = [];
    let credentialsReported = false;
    for (const outcome of outcomes) {
        if (outcome.ok) continue;
        if (outcome.credentialsProblem) {
            if (!credentialsReported) lines.push(`error: ${outcome.error}`);
            credentialsReported = true;
            continue;
        }
        lines.push(`error: ${outcome.region}: ${outcome.error}`);
    }
    return lines;
}

/** `work` over `items` with at most `limit` calls in flight, results in the order of `items`. */
export async function mapWithLimit<Item, Result>(items: Item[], limit: number, work: (item: Item) => Promise<Result>): Promise<Result[]> {
    const results: Result[] = new Array(items.length);
    let next = 0;
    const worker = async () => {
        while (next < items.length) {
            const index = next++;
            results[index] = await work(items[index]);
        }
    };
    await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
    return results;
}

function messageOf(reason: unknown): string {
    if (reason instanceof Error) return reason.message;
    return String(reason);
}
