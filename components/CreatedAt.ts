import * as pulumi from "@pulumi/pulumi";

/**
 * The moment a resource was made, fixed until its triggers change. An image copy takes its unique name
 * and its deprecation time from it: computed from the clock on every run they would show in every diff,
 * and `ignoreChanges` would carry an old, possibly past, value into a replacement.
 */
export class CreatedAt extends pulumi.dynamic.Resource {
    /** RFC 3339, whole seconds, UTC. */
    declare public readonly createdAt: pulumi.Output<string>;

    constructor(name: string, triggers: Record<string, pulumi.Input<string>>, opts?: pulumi.CustomResourceOptions) {
        super(createdAtProvider, name, { triggers, createdAt: undefined }, opts);
    }
}

// Self-contained: Pulumi serializes these functions into the state and runs them in its own process.
const createdAtProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs) {
        const createdAt = new Date().toISOString().replace(/\.\d{3}Z$/, "Z");
        return { id: `created-${createdAt}`, outs: { triggers: inputs.triggers, createdAt } };
    },
    async diff(_id, olds, news) {
        const changed = JSON.stringify(olds.triggers) !== JSON.stringify(news.triggers);
        return { changes: changed, replaces: changed ? ["triggers"] : [], deleteBeforeReplace: false };
    },
};

/** `2026-11-23T04:00:00Z` → `20261123T040000Z`: the part of an AMI name that tells copies apart. */
export function compactTimestamp(rfc3339: string): string {
    return rfc3339.replace(/[-:]/g, "").replace(/\.\d+/, "");
}
