import { GoldenAmiConfig, ImageConfig } from "./config";

export const MANAGED_BY = "golden-ami";

/** Every Image Builder resource and build of an image carries this tag, naming its image and stack, for tag-based searches. */
export const IMAGE_FAMILY_TAG = "GoldenAmiFamily";

/** On AMIs the lifecycle policy and `images prune` must keep: those a promoting stack of the repository pins. */
export const KEEP_TAG = { key: "GoldenAmiKeep", value: "true" } as const;

/** Tags that describe one image version: on what holds or builds the image, never on the stack's long-lived resources. */
export const IMAGE_ONLY_TAG_KEYS = ["Version", "BaseImage"] as const;

/**
 * The tags of the stack's long-lived resources (keys, roles, the logs bucket, the topic, the VPC): the image
 * tags without the version's, so a version bump re-tags only what belongs to the image.
 */
export function stackResourceTags(tags: Record<string, string>): Record<string, string> {
    return Object.fromEntries(Object.entries(tags).filter(([key]) => !(IMAGE_ONLY_TAG_KEYS as readonly string[]).includes(key)));
}

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
