import { GoldenAmiConfig, ImageConfig } from "./config";

export const MANAGED_BY = "golden-ami";

/** On AMIs the lifecycle policy and `images prune` must keep: those a promoting stack of the repository pins. */
export const KEEP_TAG = { key: "GoldenAmiKeep", value: "true" } as const;

/** The full tag set every resource of one image carries: the organisation's tags plus the derived ones. */
export function imageTags(config: Pick<GoldenAmiConfig, "tags" | "stack">, image: Pick<ImageConfig, "name" | "version" | "baseImage">): Record<string, string> {
    return {
        ...config.tags,
        Name: image.name,
        Environment: config.stack,
        Version: image.version,
        BaseImage: image.baseImage,
        ManagedBy: MANAGED_BY,
    };
}

/** Tags of what the catalog's images share (a region's key, its public-sharing block): no one image's name or version. */
export function catalogTags(config: Pick<GoldenAmiConfig, "tags" | "stack">): Record<string, string> {
    return {
        ...config.tags,
        Name: `golden-ami-${config.stack}`,
        Environment: config.stack,
        ManagedBy: MANAGED_BY,
    };
}
