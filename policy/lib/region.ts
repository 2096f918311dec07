// Which region a resource lives in: its own `region` input (aws v7), else its provider's region.
import { PolicyProviderResource, PolicyResource } from "@pulumi/policy";
import { Check, Reading, read } from "./unknowns";
import { isBlank } from "./values";

export interface RegionalResource {
    props: Record<string, any>;
    provider?: PolicyProviderResource;
}

/** The resource's region; `undefined` when neither the resource nor its provider names one. */
export function regionOf(resource: RegionalResource): Reading<string | undefined> {
    const own = read(() => resource.props.region as unknown);
    if (!own.known) return own;
    if (typeof own.value === "string" && !isBlank(own.value)) return { known: true, value: own.value.trim() };
    const provider = resource.provider;
    if (!provider) return { known: true, value: undefined };
    const fromProvider = read(() => provider.props.region as unknown);
    if (!fromProvider.known) return fromProvider;
    return { known: true, value: typeof fromProvider.value === "string" && !isBlank(fromProvider.value) ? fromProvider.value.trim() : undefined };
}

/** The regions where some resource answers yes, and those where one could not tell yet (noted as unknown). */
export interface SettledRegions {
    settled: Set<string>;
    undecided: Set<string>;
}

/**
 * Asks each resource whether it settles its region (an ImageBlockPublicAccess that blocks, a lifecycle
 * policy that deprecates): true settles it, undefined means the answer is unknown until apply.
 */
export function regionsSettledBy(resources: PolicyResource[], check: Check, settles: (resource: PolicyResource) => boolean | undefined): SettledRegions {
    const settled = new Set<string>();
    const undecided = new Set<string>();
    for (const resource of resources) {
        const region = regionOf(resource);
        if (!region.known) {
            check.unknown(`the region of ${resource.name}`);
            continue;
        }
        if (!region.value) continue;
        const answer = settles(resource);
        if (answer) settled.add(region.value);
        else if (answer === undefined) undecided.add(region.value);
    }
    return { settled, undecided };
}
