// The second, third and tenth `pulumi up`: the program run as a sequence of configs and clock times, each
// step starting from the state the one before left (tools/mockRun.ts `previous`), diffed by URN with the
// provider's force-new rules (tools/planDiff.ts), and checked against what AWS enforces across steps.
import * as assert from "assert";
import { RawStackConfig } from "../components/config";
import { lockKey, recipeInputs, VersionLock } from "../components/versionLock";
import { parseStackConfig } from "../components/config";
import { changesOf, diffRuns, ResourceChange } from "../tools/plan/diff";
import { readStackConfig } from "../tools/engine/stackFile";
import { DeclaredResource, nonEmpty, ofType, ProgramRun, runStack, TYPES } from "./helpers";
import { RunOptions } from "../tools/engine/mockRun";

const DAY = 24 * 60 * 60 * 1000;
const START = new Date("2026-12-01T09:00:00Z");
const at = (days: number) => new Date(START.getTime() + days * DAY);

/** Every version the scenarios use, locked with the recipe as it is now. */
function lockFor(stack: string, versions: string[]): VersionLock {
    const images = parseStackConfig(readStackConfig(stack === "prod" ? "dev" : stack), "dev").images;
    return Object.fromEntries(
        images.flatMap(image =>
            [...new Set([...versions, image.version])].map(version => [
                lockKey({ ...image, version }),
                { recipe: recipeInputs({ ...image, version }), lockedAt: "2026-11-30T00:00:00Z" },
            ]),
        ),
    );
}

const devWith = (version: string): RawStackConfig => {
    const raw = readStackConfig("dev");
    // The first image alone: the sequences are about one image's versions (catalog.spec.ts holds the catalog's).
    const images = raw.images as Record<string, object>;
    return { ...raw, images: { "al2023-base": { ...images["al2023-base"], version } }, fleets: fleetsOf(raw, "al2023-base") };
};

/** The stack's fleets that run `image`. */
const fleetsOf = (raw: RawStackConfig, image: string) =>
    Object.fromEntries(Object.entries(raw.fleets as Record<string, { image: string }>).filter(([, fleet]) => fleet.image === image));

const prodPinning = (version: string, amiId: string): RawStackConfig => {
    const raw = readStackConfig("prod");
    const images = raw.images as Record<string, object>;
    const promoteFrom = raw.promoteFrom as { amiIds: object };
    return { ...raw, images: { "al2023-base": { ...images["al2023-base"], version } }, promoteFrom: { ...promoteFrom, amiIds: { "al2023-base": amiId } } };
};

interface Step {
    config: RawStackConfig;
    now: Date;
    replace?: string[];
    /** The other stacks' files, which may pin this stack's AMIs. */
    stackFiles?: Record<string, string>;
}

/** A promoting stack's file pinning one of dev's AMIs. */
const prodPinningFile = (amiId: string) =>
    `config:\n  golden-ami:promoteFrom:\n    account: "111111111111"\n    region: us-east-1\n    amiIds:\n      al2023-base: ${amiId}\n    stack: dev\n`;

interface StepResult {
    run: ProgramRun;
    changes: ResourceChange[];
}

/** Runs the steps in order, each from the state the previous one left; a refused step fails the test. */
async function sequence(stack: string, steps: Step[], versionLock: VersionLock): Promise<StepResult[]> {
    const results: StepResult[] = [];
    let previous: ProgramRun | undefined;
    for (const step of steps) {
        const options: RunOptions = { rawConfig: step.config, now: step.now, previous, replace: step.replace, versionLock, stackFiles: step.stackFiles };
        const run = await runStack(stack, options);
        results.push({ run, changes: previous ? diffRuns(previous, run) : diffRuns({ resources: [], dataSources: [], outputs: {} }, run) });
        previous = run;
    }
    return results;
}

/**
 * What AWS holds after each step, as far as unique names go: a create (or the create half of a
 * replacement, which Pulumi does before the delete) fails if the name is taken, and a retained resource
 * keeps its name taken after the stack lets go of it.
 */
function assertNoNameCollisions(results: StepResult[]): void {
    let checked = 0;
    const uniqueName = (resource: DeclaredResource): string | undefined => {
        switch (resource.type) {
            case TYPES.amiCopy:
                return `ami ${resource.region} ${resource.inputs.name}`;
            case TYPES.component:
                return `component ${resource.region} ${resource.inputs.name}/${resource.inputs.version}`;
            case TYPES.recipe:
                return `recipe ${resource.region} ${resource.inputs.name}/${resource.inputs.version}`;
            default:
                return undefined;
        }
    };
    const taken = new Map<string, string>();
    results.forEach(({ run, changes }, step) => {
        const byUrn = new Map(run.resources.map(resource => [resource.urn, resource]));
        for (const change of changes.filter(change => change.op === "create" || change.op === "replace")) {
            const name = uniqueName(byUrn.get(change.urn)!);
            if (!name) continue;
            checked++;
            assert.ok(!taken.has(name), `step ${step}: ${change.op} of ${change.name} collides with ${name} (${taken.get(name)})`);
            taken.set(name, `made in step ${step}`);
        }
    });
    assert.ok(checked > 0, "the steps create at least one uniquely named resource to check");
}

function copiesOf(run: ProgramRun): DeclaredResource[] {
    return ofType(run, TYPES.amiCopy);
}

/** Returns how many copies it checked, so a caller can tell it checked some. */
function assertCopiesDeprecateInTheFuture(run: ProgramRun, now: Date, changes: ResourceChange[]): number {
    const made = new Set(changes.filter(change => change.type === TYPES.amiCopy && change.op !== "same" && change.op !== "delete").map(change => change.urn));
    const madeCopies = copiesOf(run).filter(copy => made.has(copy.urn));
    for (const copy of madeCopies) {
        assert.ok(
            Date.parse(copy.inputs.deprecationTime) > now.getTime(),
            `${copy.name} made at ${now.toISOString()} would be deprecated at ${copy.inputs.deprecationTime}, in the past: EC2 refuses it`,
        );
    }
    return madeCopies.length;
}

describe("day two: the building stack over versions", () => {
    let steps: StepResult[];
    before(async () => {
        const pinnedByProd = { prod: prodPinningFile("ami-0aaaaaaaaaaaa1400") };
        steps = await sequence(
            "dev",
            [
                { config: devWith("1.4.0"), now: at(0), stackFiles: pinnedByProd },
                { config: devWith("1.4.1"), now: at(14), stackFiles: pinnedByProd },
                // A rebuild of the same version (`pulumi up --replace` of the image).
                { config: devWith("1.4.1"), now: at(20), replace: ["al2023-base-image"], stackFiles: pinnedByProd },
                // The same stack, untouched, 200 days later.
                { config: devWith("1.4.1"), now: at(220), stackFiles: pinnedByProd },
                // Prod promotes another AMI.
                { config: devWith("1.4.1"), now: at(221), stackFiles: { prod: prodPinningFile("ami-0bbbbbbbbbbbb1410") } },
            ],
            lockFor("dev", ["1.4.0", "1.4.1"]),
        );
    });

    it("a version bump makes new Image Builder versions and keeps the old ones, so the lifecycle still governs their AMIs", () => {
        const { changes } = steps[1];
        for (const type of [TYPES.component, TYPES.recipe, TYPES.image]) {
            const replaced = changesOf(changes, "replace", type);
            assert.ok(replaced.length > 0, `${type} is replaced by the bump`);
            assert.ok(
                replaced.every(change => change.retained),
                `${type}: the old version is kept, not deleted`,
            );
        }
    });

    it("a version bump or a rebuild keeps the earlier image launchable and copyable by the accounts it was shared with", () => {
        for (const { changes } of steps.slice(1, 3)) {
            for (const type of [TYPES.launchPermission, "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"]) {
                const replaced = changesOf(changes, "replace", type);
                assert.ok(replaced.length > 0, `${type} follows the new image`);
                assert.ok(
                    replaced.every(change => change.retained),
                    `${type}: the permission on the earlier image stays`,
                );
            }
        }
    });

    it("grants the promoting accounts read access to the home image's root snapshot, where they copy it from", () => {
        const { run } = steps[1];
        const grants = ofType(run, "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission");
        const dev = parseStackConfig(readStackConfig("dev"), "dev");
        const expected = dev.sharing.promotingAccounts;
        assert.deepStrictEqual(grants.map(grant => grant.inputs.accountId).sort(), expected.sort());
        assert.ok(
            nonEmpty(grants, "snapshot permission").every(grant => grant.region === "us-east-1" && /^snap-/.test(grant.inputs.snapshotId)),
            "in the home region, on the image's snapshot",
        );
    });

    it("never creates an AMI, component or recipe under a name AWS still holds, however the steps replace them", () => {
        assertNoNameCollisions(steps);
    });

    it("keeps the copies the fleets may still run: replaced copies are retained, not deregistered in the same update", () => {
        for (const { changes } of steps.slice(1, 3)) {
            const copies = changesOf(changes, "replace", TYPES.amiCopy);
            assert.ok(copies.length > 0, "the copies follow the new image");
            assert.ok(
                copies.every(change => change.retained),
                "the old copies stay until prune or the lifecycle removes them",
            );
        }
    });

    it("gives every new copy a deprecation time in the future, however late it is made", () => {
        const checked = steps.map(({ run, changes }, step) => assertCopiesDeprecateInTheFuture(run, [at(0), at(14), at(20), at(220), at(221)][step], changes));
        assert.ok(checked.reduce((sum, count) => sum + count, 0) > 0, "the steps make copies to check");
    });

    it("rolls the fleet to the new image through a new launch template version, never deleting the template", () => {
        const { changes } = steps[1];
        const template = changesOf(changes, "update", TYPES.launchTemplate);
        assert.strictEqual(template.length, 1, "the template is updated in place");
        assert.ok(template[0].changed.some(change => change.path === "imageId"));
        const group = changesOf(changes, "update", TYPES.autoScalingGroup);
        assert.strictEqual(group.length, 1, "the group moves to the new template version, which starts its instance refresh");
    });

    it("keeps the AMI prod pins tagged through dev's own version bumps, and moves the tag when prod pins another", () => {
        const tagOps = (step: number) =>
            steps[step].changes
                .filter(change => change.type === "aws:ec2/tag:Tag")
                .map(change => `${change.op} ${change.name}${change.retained ? " (retained)" : ""}`)
                .sort();
        assert.deepStrictEqual(tagOps(1), ["same al2023-base-keep-ami-0aaaaaaaaaaaa1400"]);
        assert.deepStrictEqual(
            tagOps(4),
            ["create al2023-base-keep-ami-0bbbbbbbbbbbb1410", "delete al2023-base-keep-ami-0aaaaaaaaaaaa1400"],
            "the old pin loses its tag, so the lifecycle can age it out",
        );
    });

    it("changes nothing when the same stack runs again 200 days later", () => {
        const changed = steps[3].changes.filter(change => change.op !== "same");
        assert.deepStrictEqual(
            changed.map(change => `${change.op} ${change.name}: ${change.changed.map(input => input.path).join(", ")}`),
            [],
        );
    });
});

describe("day two: the promoting stack promotes, promotes again and rolls back", () => {
    let steps: StepResult[];
    const first = "ami-0aaaaaaaaaaaa1400";
    const second = "ami-0bbbbbbbbbbbb1410";
    before(async () => {
        steps = await sequence(
            "prod",
            [
                { config: prodPinning("1.4.0", first), now: at(0) },
                { config: prodPinning("1.4.1", second), now: at(30) },
                { config: prodPinning("1.4.0", first), now: at(31) },
            ],
            {},
        );
    });

    it("copies exactly the pinned AMI in every region, with no lookup that could change under it", () => {
        for (const [index, source] of [first, second, first].entries()) {
            const { run } = steps[index];
            const copies = copiesOf(run).filter(copy => copy.inputs.tags.Name === "al2023-base");
            assert.ok(copies.length > 0 && copies.every(copy => copy.inputs.sourceAmiId === source), `step ${index} copies ${source}`);
            assert.ok(!run.dataSources.some(read => read.token.includes("getAmiIds")), "no lookup of the building account's images");
        }
    });

    it("never creates a copy under a name an earlier, retained copy still holds, rollback included", () => {
        assertNoNameCollisions(steps);
    });

    it("gives every copy a deprecation time in the future when it is made", () => {
        const checked = steps.map(({ run, changes }, step) => assertCopiesDeprecateInTheFuture(run, [at(0), at(30), at(31)][step], changes));
        assert.ok(checked.reduce((sum, count) => sum + count, 0) > 0, "the steps make copies to check");
    });

    it("rolls each fleet forward and back through new launch template versions", () => {
        const versions = steps.map(({ run }) => ofType(run, TYPES.launchTemplate).map(template => template.state.latestVersion));
        for (let index = 1; index < versions.length; index++) {
            nonEmpty(versions[index], `step ${index} launch template`).forEach((version, template) =>
                assert.ok(version > versions[index - 1][template], `step ${index} makes a new template version`),
            );
        }
        const groups = ofType(steps[1].run, TYPES.autoScalingGroup);
        assert.ok(
            nonEmpty(groups, "Auto Scaling group").every(group => group.inputs.instanceRefresh.preferences.maxHealthyPercentage > 100),
            "the refresh launches before it terminates",
        );
    });
});

describe("day two: a second building stack in the same account", () => {
    it("shares no account-wide name with the first: Image Builder resources, AMI names, key aliases, parameters", async () => {
        const lock = lockFor(
            "dev",
            parseStackConfig(readStackConfig("dev"), "dev").images.map(image => image.version),
        );
        const [dev, review] = await Promise.all([runStack("dev", { versionLock: lock })]).then(async ([devRun]) => [
            devRun,
            await runStack("review", { rawConfig: readStackConfig("dev"), versionLock: lock }),
        ]);
        const names = (run: ProgramRun) =>
            new Set(
                run.resources.flatMap(resource => {
                    if (resource.type === TYPES.distribution) return resource.inputs.distributions.map((entry: any) => entry.amiDistributionConfiguration.name);
                    if (resource.type.startsWith("aws:imagebuilder/") || resource.type === "aws:kms/alias:Alias" || resource.type === TYPES.ssmParameter) {
                        return resource.inputs.name ? [`${resource.type} ${resource.inputs.name}/${resource.inputs.version ?? ""}`] : [];
                    }
                    return [];
                }),
            );
        const shared = [...names(dev)].filter(name => names(review).has(name));
        assert.deepStrictEqual(shared, []);
        assert.ok(names(dev).size >= 8, "the names were read");
    });
});

describe("day two: a Windows Server image, built, bumped, promoted, rolled back and left alone 200 days", () => {
    const windowsDev = (version: string): RawStackConfig => {
        const raw = readStackConfig("dev");
        const images = raw.images as Record<string, object>;
        return { ...raw, images: { "windows-2022": { ...images["windows-2022"], version } }, fleets: fleetsOf(raw, "windows-2022") };
    };
    const windowsProd = (version: string, amiId: string): RawStackConfig => {
        const raw = readStackConfig("prod");
        const images = raw.images as Record<string, object>;
        const promoteFrom = raw.promoteFrom as { amiIds: object };
        return {
            ...raw,
            images: { "windows-2022": { ...images["windows-2022"], version } },
            promoteFrom: { ...promoteFrom, amiIds: { "windows-2022": amiId } },
            fleets: {},
        };
    };
    const first = "ami-0cccccccccccc1000";
    const second = "ami-0dddddddddddd1010";
    let building: StepResult[];
    let promoting: StepResult[];
    before(async () => {
        building = await sequence(
            "dev",
            [
                { config: windowsDev("1.0.0"), now: at(0) },
                { config: windowsDev("1.0.1"), now: at(30) },
                { config: windowsDev("1.0.1"), now: at(230) },
            ],
            lockFor("dev", ["1.0.0", "1.0.1"]),
        );
        promoting = await sequence(
            "prod",
            [
                { config: windowsProd("1.0.0", first), now: at(1) },
                { config: windowsProd("1.0.1", second), now: at(31) },
                { config: windowsProd("1.0.0", first), now: at(32) },
            ],
            {},
        );
    });

    it("bumps to new Windows components and recipe, keeping the old versions, and never reuses a name AWS holds", () => {
        const replaced = changesOf(building[1].changes, "replace", TYPES.component);
        assert.ok(replaced.length > 0 && replaced.every(change => change.retained), "the old components are kept for the lifecycle");
        assert.ok(nonEmpty(ofType(building[1].run, TYPES.component), "component").every(component => component.inputs.platform === "Windows"));
        assertNoNameCollisions(building);
        assertNoNameCollisions(promoting);
    });

    it("lets prod read the root snapshot of each Windows build on /dev/sda1, where it copies it from", () => {
        // ImageSharing grants the snapshot on the image's root device and stops the run when the AMI has none there:
        // the grant exists only because the Windows build's snapshot is on /dev/sda1.
        assert.strictEqual(parseStackConfig(windowsDev("1.0.1"), "dev").images[0].rootDeviceName, "/dev/sda1");
        const grants = ofType(building[1].run, "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission");
        assert.ok(nonEmpty(grants, "snapshot permission").every(grant => grant.region === "us-east-1" && /^snap-/.test(grant.inputs.snapshotId)));
        assert.ok(
            nonEmpty(
                changesOf(building[1].changes, "replace", "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission"),
                "replaced snapshot permission",
            ).every(change => change.retained),
            "the permission on the earlier build stays",
        );
    });

    it("rolls the Windows fleet to the bump through a new launch template version", () => {
        const template = changesOf(building[1].changes, "update", TYPES.launchTemplate);
        assert.strictEqual(template.length, 1);
        assert.ok(template[0].changed.some(change => change.path === "imageId"));
    });

    it("copies exactly the pinned Windows AMI into prod's regions, forward and back, each copy deprecating in the future", () => {
        for (const [index, source] of [first, second, first].entries()) {
            const copies = copiesOf(promoting[index].run);
            assert.ok(copies.length > 0 && copies.every(copy => copy.inputs.sourceAmiId === source), `step ${index} copies ${source}`);
        }
        const checked = promoting.map(({ run, changes }, step) => assertCopiesDeprecateInTheFuture(run, [at(1), at(31), at(32)][step], changes));
        assert.ok(checked.reduce((sum, count) => sum + count, 0) > 0);
    });

    it("changes nothing when the building stack runs again 200 days later", () => {
        const changed = building[2].changes.filter(change => change.op !== "same");
        assert.deepStrictEqual(
            changed.map(change => `${change.op} ${change.name}`),
            [],
        );
    });
});
