// Decides which images prune removes. Pure: the same images, usage and keep always give the same plan.
//
// Rules, per Environment tag (so one stack's images never push out another's):
// - the `keep` newest *available* images are kept, in use or not (the same count as lifecycle.keepAtLeast);
// - an older image still in use is kept as well, on top of those, and takes no newer image's place;
// - pending and transient images are being made or copied: left alone and not counted;
// - failed, error, invalid and disabled images do not count as one of the newest (they cannot be
//   rolled back to) and go unless in use;
// - a pruned image's snapshots are deleted too, except any snapshot a kept image also uses, or an
//   image prune was not asked to consider (another stack's, with --stack); one that several pruned
//   images share goes with the last of them;
// - Image Builder's own builds (tagged Ec2ImageBuilderArn) belong to the stack's lifecycle policy and are
//   left alone; asked explicitly (`imageBuilder.include`), prune applies the lifecycle's own rules to them:
//   one goes only when it is beyond the newest `keep` *and* older than `deleteAfterDays`, never by count alone.
import { BUILD_ARN_TAG } from "../aws/imageBuilds";
import { environmentOf, GoldenImage, newestFirst, snapshotIdsOf, timeOf } from "./goldenImage";
import { ImageUsage } from "./usage";

export interface KeptImage {
    image: GoldenImage;
    reasons: string[];
}

export interface PrunedImage {
    image: GoldenImage;
    /** Recorded before deregistering: afterwards EC2 no longer says which snapshots were the image's. */
    snapshotIds: string[];
}

export interface PrunePlan {
    keep: KeptImage[];
    prune: PrunedImage[];
}

const LEFT_ALONE_STATES = new Set(["pending", "transient", "deregistered"]);
const DAY_MS = 24 * 60 * 60 * 1000;

/** What prune does with Image Builder's own builds. */
export interface ImageBuilderRule {
    /** Prune them at all (`--include-image-builder`); otherwise the lifecycle policy alone does. */
    include: boolean;
    /** The lifecycle's `deleteAfterDays`: a build younger than this is kept. */
    deleteAfterDays: number;
    now: Date;
}

export function isImageBuilderBuild(image: GoldenImage): boolean {
    return (image.tags[BUILD_ARN_TAG] ?? "") !== "";
}

/** `leftAlone`: images read but not considered (other stacks'): never pruned, and their snapshots never deleted. */
export function planPrune(
    images: GoldenImage[],
    usage: ImageUsage,
    keep: number,
    leftAlone: GoldenImage[] = [],
    imageBuilder: ImageBuilderRule = { include: false, deleteAfterDays: 0, now: new Date(0) },
): PrunePlan {
    if (!Number.isInteger(keep) || keep < 1) throw new Error(`keep must be a whole number of at least 1, got ${keep}`);
    const plan: PrunePlan = { keep: [], prune: [] };
    for (const group of groupBy(images, environmentOf).values()) {
        let newestKept = 0;
        for (const image of [...group].sort(newestFirst)) {
            const reasons: string[] = [];
            const build = isImageBuilderBuild(image);
            if (LEFT_ALONE_STATES.has(image.state)) {
                reasons.push(`${image.state}: left alone`);
            } else if (build && !imageBuilder.include) {
                reasons.push("Image Builder's build: the stack's lifecycle policy deletes it (--include-image-builder to prune it by the same rules)");
            } else if (image.state === "available" && newestKept < keep) {
                newestKept += 1;
                reasons.push(`newest ${newestKept} of ${keep}`);
            }
            reasons.push(...(usage[image.imageId] ?? []).map(reason => `in use: ${reason}`));
            if (reasons.length === 0 && build) {
                const ageDays = Math.floor((imageBuilder.now.getTime() - timeOf(image.createdAt)) / DAY_MS);
                if (ageDays < imageBuilder.deleteAfterDays) {
                    reasons.push(
                        `Image Builder's build, ${ageDays} days old: like the lifecycle, kept until ${imageBuilder.deleteAfterDays} days (lifecycle.deleteAfterDays)`,
                    );
                }
            }
            if (reasons.length > 0) plan.keep.push({ image, reasons });
            else plan.prune.push({ image, snapshotIds: snapshotIdsOf(image) });
        }
    }
    const keptSnapshots = new Set([...plan.keep.map(kept => kept.image), ...leftAlone].flatMap(snapshotIdsOf));
    // A snapshot several pruned images share goes with the last of them (prune works in this order): EC2
    // refuses to delete it while any of them is still registered.
    const lastUser = new Map(plan.prune.flatMap(pruned => pruned.snapshotIds.map(id => [id, pruned] as const)));
    for (const pruned of plan.prune) pruned.snapshotIds = pruned.snapshotIds.filter(id => !keptSnapshots.has(id) && lastUser.get(id) === pruned);
    return plan;
}

function groupBy<T>(items: T[], keyOf: (item: T) => string): Map<string, T[]> {
    const groups = new Map<string, T[]>();
    for (const item of items) {
        const key = keyOf(item);
        groups.set(key, [...(groups.get(key) ?? []), item]);
    }
    return groups;
}
