// Looking resources up by the values other resources refer to them with: ids, ARNs, names.
import { PolicyResource } from "@pulumi/policy";
import { read } from "./unknowns";

/** The stack's resources of some types, findable by any of their reference outputs. */
export class References {
    private readonly byValue = new Map<string, PolicyResource>();
    /** Some resource's reference is unknown until apply, so an unmatched value may still be one of them. */
    readonly incomplete: boolean;

    constructor(resources: PolicyResource[], fields: readonly string[]) {
        let incomplete = false;
        for (const resource of resources) {
            for (const field of fields) {
                const value = read(() => resource.props[field] as unknown);
                if (!value.known) incomplete = true;
                else if (typeof value.value === "string" && value.value.trim() !== "") this.byValue.set(normalise(value.value), resource);
            }
        }
        this.incomplete = incomplete;
    }

    find(reference: string): PolicyResource | undefined {
        return this.byValue.get(normalise(reference));
    }
}

function normalise(value: string): string {
    return value.trim().toLowerCase();
}

/** Resources of any of `types` (classes, as `isType` takes them). */
export function ofTypes(resources: PolicyResource[], ...types: Array<new (...rest: any[]) => unknown>): PolicyResource[] {
    return resources.filter(resource => types.some(type => resource.isType(type as any)));
}
