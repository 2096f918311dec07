// The dependency graph of a program run, traced through values: a resource depends on another when one
// of its inputs holds a value the mocks made up for the other (its id, ARN, ...).
import { DeclaredResource } from "./mockRun";

/** The longest chain of resources each waiting on the one before: the floor on how long an update takes. */
export function longestDependencyChain(resources: DeclaredResource[]): DeclaredResource[] {
    const custom = resources.filter(resource => resource.custom && !resource.type.startsWith("pulumi:providers:"));
    const producers = new Map<string, DeclaredResource>();
    for (const resource of custom) {
        for (const value of resource.computed) producers.set(value, resource);
    }
    const dependencies = new Map(custom.map(resource => [resource, new Set<DeclaredResource>()]));
    for (const resource of custom) {
        for (const value of stringsIn(resource.inputs)) {
            const producer = producers.get(value);
            if (producer && producer !== resource) dependencies.get(resource)!.add(producer);
        }
    }
    const chainTo = new Map<DeclaredResource, DeclaredResource[]>();
    const visit = (resource: DeclaredResource): DeclaredResource[] => {
        const known = chainTo.get(resource);
        if (known) return known;
        chainTo.set(resource, [resource]); // guards against cycles
        let longest: DeclaredResource[] = [];
        for (const dependency of dependencies.get(resource)!) {
            const chain = visit(dependency);
            if (chain.length > longest.length) longest = chain;
        }
        const chain = [...longest, resource];
        chainTo.set(resource, chain);
        return chain;
    };
    return custom.map(visit).reduce((longest, chain) => (chain.length > longest.length ? chain : longest), []);
}

function stringsIn(value: unknown): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(stringsIn);
    if (value && typeof value === "object") return Object.values(value).flatMap(stringsIn);
    return [];
}
