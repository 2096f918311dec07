// Which region a resource lives in: its own `region` input (aws v7), else its provider's region.
import { PolicyProviderResource } from "@pulumi/policy";
import { Reading, read } from "./unknowns";
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
