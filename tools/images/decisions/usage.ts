// Why an image counts as in use. Pure: inUse.ts gathers the AWS side, prunePlan.ts acts on it.
import { KEEP_TAG } from "../../../components/tags";
import { GoldenImage, timeOf } from "./goldenImage";

/** Image id → every reason it is in use ("launch template web (lt-0abc) $Default version 4"). */
export type ImageUsage = Record<string, string[]>;

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * Images launched within `days` (0: none). EC2 records launches with up to a day's delay, and this is
 * the only sign of use in accounts the image is shared with, which this account cannot look into.
 */
export function recentlyLaunched(images: GoldenImage[], now: Date, days: number): ImageUsage {
    const usage: ImageUsage = {};
    const since = now.getTime() - days * DAY_MS;
    for (const image of images) {
        if (days > 0 && image.lastLaunchedTime && timeOf(image.lastLaunchedTime) >= since) {
            usage[image.imageId] = [`launched ${image.lastLaunchedTime}, within the last ${days} days`];
        }
    }
    return usage;
}

/** Images the program tagged for its lifecycle to keep: those a promoting stack pins. */
export function keptByTag(images: GoldenImage[]): ImageUsage {
    const usage: ImageUsage = {};
    for (const image of images) {
        if (image.tags[KEEP_TAG.key] === KEEP_TAG.value) usage[image.imageId] = [`tagged ${KEEP_TAG.key}=${KEEP_TAG.value}: pinned by a promoting stack`];
    }
    return usage;
}

/**
 * The stack's own images at its `image.version`: its `pulumi up` declares them (the build, the copies)
 * and publishes one of them, even when the parameter that says so was deleted or is not readable.
 */
export function atStackVersion(images: GoldenImage[], stack: string, version: string): ImageUsage {
    const usage: ImageUsage = {};
    for (const image of images) {
        if (image.tags.Environment === stack && image.version === version)
            usage[image.imageId] = [`${stack}'s image.version ${version}: its pulumi up manages it`];
    }
    return usage;
}

export function mergeUsage(...usages: ImageUsage[]): ImageUsage {
    const merged: ImageUsage = {};
    for (const usage of usages) {
        for (const [imageId, reasons] of Object.entries(usage)) merged[imageId] = [...(merged[imageId] ?? []), ...reasons];
    }
    return merged;
}
