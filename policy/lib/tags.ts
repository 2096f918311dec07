// Reading tags: only the required keys, from the resource's own tags and its provider's defaultTags.
import { PolicyProviderResource } from "@pulumi/policy";
import { Check, Reading, read, unknownCheckingProxy } from "./unknowns";
import { isBlankText } from "./values";

type TagMap = Record<string, unknown>;

/**
 * The provider's `defaultTags.tags`. Provider properties reach a policy either as objects or, as the engine
 * stores provider config, as JSON strings: both are accepted.
 */
export function providerDefaultTags(provider: PolicyProviderResource | undefined): Reading<TagMap | undefined> {
    if (!provider) return { known: true, value: undefined };
    const defaultTags = read(() => decode(provider.props.defaultTags));
    if (!defaultTags.known) return defaultTags;
    return read(() => decode(defaultTags.value?.tags));
}

/** A JSON-encoded object decoded; the result wrapped like the runtime wraps properties, so unknowns inside still throw. */
function decode(value: unknown): TagMap | undefined {
    let decoded = value;
    if (typeof value === "string") {
        try {
            decoded = JSON.parse(value);
        } catch {
            return undefined;
        }
    }
    return decoded !== null && typeof decoded === "object" ? unknownCheckingProxy(decoded as TagMap) : undefined;
}

export interface RequiredTagsArgs {
    /** Where the tags are, for messages and unknowns: `tags`, `distributions[0].amiDistributionConfiguration.amiTags`. */
    field: string;
    /** Reads the tag map (through the runtime's proxy). */
    tags: () => unknown;
    required: readonly string[];
    /** The provider's default tags, when they apply to this tag map; read only if a key is not on the resource. */
    defaults?: () => Reading<TagMap | undefined>;
}

/**
 * The required keys that are missing or blank. A key whose value is unknown (or the whole map, when one
 * unknown made it unknown) is noted on `check` instead.
 */
export function missingTags(check: Check, args: RequiredTagsArgs): string[] {
    const tags = check.read(args.field, () => args.tags() as TagMap | undefined);
    if (!tags.known) return [];
    let defaults: Reading<TagMap | undefined> | undefined;
    const missing: string[] = [];
    for (const key of args.required) {
        const own = check.read(`${args.field}.${key}`, () => tags.value?.[key]);
        if (!own.known) continue;
        if (own.value !== undefined) {
            // The resource's own value wins over a default, so a blank one is missing even if a default exists.
            if (isBlankText(own.value)) missing.push(key);
            continue;
        }
        if (!args.defaults) {
            missing.push(key);
            continue;
        }
        defaults ??= args.defaults();
        if (!defaults.known) {
            check.unknown("the provider's defaultTags");
            continue;
        }
        const defaultTags = defaults.value;
        const fallback = check.read(`the provider's defaultTags.${key}`, () => defaultTags?.[key]);
        if (fallback.known && isBlankText(fallback.value)) missing.push(key);
    }
    return missing;
}
