import { GoldenAmiConfig } from "./config";

export const MANAGED_BY = "golden-ami";

/** On AMIs the lifecycle policy and `images prune` must keep: those a promoting stack of the repository pins. */
export const KEEP_TAG = { key: "GoldenAmiKeep", value: "true" } as const;

/** The full tag set every image-bearing resource carries: the organisation's tags plus the derived ones. */
export function imageTags(config: Pick<GoldenAmiConfig, "tags" | "image" | "stack">): Record<string, string> {
    return {
        ...config.tags,
        Name: config.image.name,
        Environment: config.stack,
        Version: config.image.version,
        BaseImage: config.image.baseImage,
        ManagedBy: MANAGED_BY,
    };
}
