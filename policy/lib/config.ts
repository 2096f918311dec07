// Policy configuration: the CLI fills in each property's schema default, but a pack run without the CLI
// (or an older CLI) may not, so every policy merges its own defaults under what it is given.
import { PolicyConfigSchema } from "@pulumi/policy";

export function configWithDefaults<T extends object>(schema: PolicyConfigSchema, given: Partial<T>): T {
    const defaults: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema.properties)) {
        if (property.default !== undefined) defaults[key] = property.default;
    }
    return { ...defaults, ...given } as T;
}
