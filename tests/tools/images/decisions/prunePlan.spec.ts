import * as assert from "assert";
import { planPrune, PrunePlan } from "../../../../tools/images/decisions/prunePlan";
import { keptByTag, mergeUsage, recentlyLaunched } from "../../../../tools/images/decisions/usage";
import { goldenImage, NOW } from "../fixtures";

const kept = (plan: PrunePlan) => plan.keep.map(entry => entry.image.imageId).sort();
const pruned = (plan: PrunePlan) => plan.prune.map(entry => entry.image.imageId).sort();

describe("images: which images prune removes", () => {
    it("keeps the N newest by creation date, whatever order EC2 lists them in, and prunes the rest", () => {
        const images = [
            goldenImage("ami-00000002", { created: "2026-02-01T04:00:00.000Z" }),
            goldenImage("ami-00000004", { created: "2026-04-01T04:00:00.000Z" }),
            goldenImage("ami-00000001", { created: "2026-01-01T04:00:00.000Z" }),
            goldenImage("ami-00000003", { created: "2026-03-01T04:00:00.000Z" }),
        ];
        const plan = planPrune(images, {}, 2);
        assert.deepStrictEqual(kept(plan), ["ami-00000003", "ami-00000004"]);
        assert.deepStrictEqual(pruned(plan), ["ami-00000001", "ami-00000002"]);
        assert.deepStrictEqual(plan.keep.find(entry => entry.image.imageId === "ami-00000004")?.reasons, ["newest 1 of 2"]);
    });

    it("orders images made in the same second by version, 1.10.0 above 1.9.0, whatever order EC2 lists them in", () => {
        const sameSecond = "2026-05-01T04:00:00.000Z";
        const images = [
            goldenImage("ami-0000000c", { created: sameSecond, version: "1.10.0" }),
            goldenImage("ami-0000000a", { created: sameSecond, version: "1.2.0" }),
            goldenImage("ami-0000000b", { created: sameSecond, version: "1.9.0" }),
        ];
        for (const order of [images, [...images].reverse()]) {
            const plan = planPrune(order, {}, 2);
            assert.deepStrictEqual(kept(plan), ["ami-0000000b", "ami-0000000c"]);
            assert.deepStrictEqual(pruned(plan), ["ami-0000000a"]);
        }
    });

    it("keeps an older image in use on top of the N newest, without it taking a newer image's place", () => {
        const images = [
            goldenImage("ami-00000001", { created: "2026-01-01T04:00:00.000Z" }),
            goldenImage("ami-00000002", { created: "2026-02-01T04:00:00.000Z" }),
            goldenImage("ami-00000003", { created: "2026-03-01T04:00:00.000Z" }),
        ];
        const plan = planPrune(images, { "ami-00000001": ["instance i-0abc (running)"] }, 1);
        assert.deepStrictEqual(kept(plan), ["ami-00000001", "ami-00000003"]);
        assert.deepStrictEqual(pruned(plan), ["ami-00000002"]);
        assert.deepStrictEqual(plan.keep.find(entry => entry.image.imageId === "ami-00000001")?.reasons, ["in use: instance i-0abc (running)"]);
    });

    it("counts an image in use among the newest as one of the N", () => {
        const images = [
            goldenImage("ami-00000001", { created: "2026-01-01T04:00:00.000Z" }),
            goldenImage("ami-00000002", { created: "2026-02-01T04:00:00.000Z" }),
        ];
        const plan = planPrune(images, { "ami-00000002": ["SSM parameter /golden-ami/al2023-base/dev/ami-id"] }, 1);
        assert.deepStrictEqual(pruned(plan), ["ami-00000001"]);
    });

    it("leaves pending images alone and does not count them among the newest", () => {
        const images = [
            goldenImage("ami-00000001", { created: "2026-01-01T04:00:00.000Z" }),
            goldenImage("ami-00000002", { created: "2026-02-01T04:00:00.000Z" }),
            goldenImage("ami-00000003", { created: "2026-03-01T04:00:00.000Z", state: "pending" }),
        ];
        const plan = planPrune(images, {}, 1);
        assert.deepStrictEqual(kept(plan), ["ami-00000002", "ami-00000003"]);
        assert.deepStrictEqual(pruned(plan), ["ami-00000001"]);
    });

    it("does not count a failed image among the newest, and prunes it unless in use", () => {
        const images = [
            goldenImage("ami-00000001", { created: "2026-01-01T04:00:00.000Z" }),
            goldenImage("ami-00000002", { created: "2026-02-01T04:00:00.000Z", state: "failed" }),
            goldenImage("ami-00000003", { created: "2026-03-01T04:00:00.000Z", state: "failed" }),
        ];
        const plan = planPrune(images, { "ami-00000003": ["instance i-0abc (stopped)"] }, 1);
        assert.deepStrictEqual(kept(plan), ["ami-00000001", "ami-00000003"]);
        assert.deepStrictEqual(pruned(plan), ["ami-00000002"]);
    });

    it("keeps N per Environment, so one stack's images never push out another's", () => {
        const images = [
            goldenImage("ami-00000001", { created: "2026-01-01T04:00:00.000Z", environment: "prod" }),
            goldenImage("ami-00000002", { created: "2026-02-01T04:00:00.000Z", environment: "dev" }),
            goldenImage("ami-00000003", { created: "2026-03-01T04:00:00.000Z", environment: "dev" }),
        ];
        const plan = planPrune(images, {}, 1);
        assert.deepStrictEqual(kept(plan), ["ami-00000001", "ami-00000003"]);
        assert.deepStrictEqual(pruned(plan), ["ami-00000002"]);
    });

    it("deletes a pruned image's snapshots, except one a kept image also uses", () => {
        const shared = { device: "/dev/xvdb", snapshotId: "snap-0000shared", encrypted: true };
        const images = [
            goldenImage("ami-00000001", {
                created: "2026-01-01T04:00:00.000Z",
                volumes: [{ device: "/dev/xvda", snapshotId: "snap-00000001", encrypted: true }, shared],
            }),
            goldenImage("ami-00000002", {
                created: "2026-02-01T04:00:00.000Z",
                volumes: [{ device: "/dev/xvda", snapshotId: "snap-00000002", encrypted: true }, shared],
            }),
        ];
        const plan = planPrune(images, {}, 1);
        assert.deepStrictEqual(
            plan.prune.map(entry => entry.snapshotIds),
            [["snap-00000001"]],
        );
    });

    it("deletes a snapshot several pruned images share with the last of them to be deregistered, not before", () => {
        const shared = { device: "/dev/xvdb", snapshotId: "snap-0000shared", encrypted: true };
        const images = [1, 2, 3].map(month =>
            goldenImage(`ami-0000000${month}`, {
                created: `2026-0${month}-01T04:00:00.000Z`,
                volumes: [{ device: "/dev/xvda", snapshotId: `snap-0000000${month}`, encrypted: true }, ...(month < 3 ? [shared] : [])],
            }),
        );
        const plan = planPrune(images, {}, 1);
        assert.deepStrictEqual(
            plan.prune.map(entry => [entry.image.imageId, entry.snapshotIds]),
            [
                ["ami-00000002", ["snap-00000002"]],
                ["ami-00000001", ["snap-00000001", "snap-0000shared"]],
            ],
        );
    });

    it("never deletes a snapshot an image it was not asked to consider (another stack's) also uses", () => {
        const shared = { device: "/dev/xvda", snapshotId: "snap-0000shared", encrypted: true };
        const images = [
            goldenImage("ami-00000001", {
                created: "2026-01-01T04:00:00.000Z",
                volumes: [shared, { device: "/dev/xvdb", snapshotId: "snap-00000001", encrypted: true }],
            }),
            goldenImage("ami-00000002", { created: "2026-02-01T04:00:00.000Z" }),
        ];
        const prods = [goldenImage("ami-0000000a", { created: "2025-01-01T04:00:00.000Z", environment: "prod", volumes: [shared] })];
        const plan = planPrune(images, {}, 1, prods);
        assert.deepStrictEqual(pruned(plan), ["ami-00000001"]);
        assert.deepStrictEqual(
            plan.prune.map(entry => entry.snapshotIds),
            [["snap-00000001"]],
        );
        assert.ok(!kept(plan).includes("ami-0000000a"), "left alone, not planned");
    });

    it("refuses to keep fewer than one image", () => {
        assert.throws(() => planPrune([], {}, 0), /keep must be a whole number of at least 1, got 0/);
    });
});

describe("images: recent launches count as use", () => {
    const images = [
        goldenImage("ami-00000001", { created: "2026-01-01T04:00:00.000Z", lastLaunchedTime: "2026-05-25T00:00:00.000Z" }),
        goldenImage("ami-00000002", { created: "2026-01-01T04:00:00.000Z", lastLaunchedTime: "2026-04-01T00:00:00.000Z" }),
        goldenImage("ami-00000003", { created: "2026-01-01T04:00:00.000Z" }),
    ];

    it("marks an image launched within the window as in use, and not one launched before it or never", () => {
        assert.deepStrictEqual(Object.keys(recentlyLaunched(images, NOW, 14)), ["ami-00000001"]);
    });

    it("keeps an image the program tagged for keeping (current build, or pinned by a promoting stack), however old", () => {
        const pinned = goldenImage("ami-00000004", { created: "2025-01-01T04:00:00.000Z", tags: { GoldenAmiKeep: "true" } });
        assert.deepStrictEqual(Object.keys(keptByTag([...images, pinned])), ["ami-00000004"]);
    });

    it("marks nothing when the window is 0 days", () => {
        assert.deepStrictEqual(recentlyLaunched(images, NOW, 0), {});
    });

    it("merges reasons for the same image from several sources", () => {
        assert.deepStrictEqual(mergeUsage({ "ami-00000001": ["a"] }, { "ami-00000001": ["b"], "ami-00000002": ["c"] }), {
            "ami-00000001": ["a", "b"],
            "ami-00000002": ["c"],
        });
    });

    describe("Image Builder's own builds", () => {
        const build = (imageId: string, created: string) =>
            goldenImage(imageId, {
                created,
                tags: { Ec2ImageBuilderArn: `arn:aws:imagebuilder:us-east-1:111111111111:image/al2023-base-dev/1.4.0/${imageId.slice(-1)}` },
            });
        const builds = [
            build("ami-00000001", "2026-01-01T04:00:00.000Z"),
            build("ami-00000002", "2026-02-01T04:00:00.000Z"),
            build("ami-00000003", "2026-05-20T04:00:00.000Z"),
            build("ami-00000004", "2026-05-25T04:00:00.000Z"),
        ];

        it("are left to the lifecycle policy unless prune is asked to include them", () => {
            const plan = planPrune(builds, {}, 1, [], { include: false, deleteAfterDays: 90, now: NOW });
            assert.deepStrictEqual(pruned(plan), []);
            assert.strictEqual(plan.keep.length, 4);
        });

        it("when included, go only beyond the newest N *and* older than deleteAfterDays, never by count alone", () => {
            const plan = planPrune(builds, {}, 1, [], { include: true, deleteAfterDays: 90, now: NOW });
            // 2026-06-01: January's and February's are past 90 days; May 20th's is beyond the newest 1 but only 12 days old.
            assert.deepStrictEqual(pruned(plan), ["ami-00000001", "ami-00000002"]);
            assert.match(
                plan.keep.find(entry => entry.image.imageId === "ami-00000003")!.reasons.join("; "),
                /12 days old: like the lifecycle, kept until 90 days/,
            );
        });
    });
});
