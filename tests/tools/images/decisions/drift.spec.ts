import * as assert from "assert";
import { DriftKind, ExpectedImage, findDrift, imageAtVersion } from "../../../../tools/images/decisions/drift";
import { InspectedImage } from "../../../../tools/images/decisions/goldenImage";
import { AmiOptions, FAMILY, goldenImage, PROD_ACCOUNT } from "../fixtures";

const OU = "arn:aws:organizations::555555555555:ou/o-a1b2c3d4e5/ou-ab12-workload1";

const expected: ExpectedImage = {
    region: "us-east-1",
    stack: "dev",
    name: "al2023-base",
    version: "1.4.0",
    sharing: { accounts: [PROD_ACCOUNT], organizationArns: [], organizationalUnitArns: [OU], promotingAccounts: [] },
    requiredTags: ["Name", "Owner", "Environment", "Version"],
};

/** An image exactly as the stack wants it; each case changes one thing. */
function passing(options: Partial<AmiOptions> = {}): InspectedImage {
    return {
        image: goldenImage("ami-00000001", { created: "2026-05-01T04:00:00.000Z", ...options }),
        launchPermissions: { accounts: [PROD_ACCOUNT], organizationArns: [], organizationalUnitArns: [OU], groups: [] },
        snapshotEncryption: { "snap-00000001": true },
    };
}

const kinds = (inspected: InspectedImage | undefined) => findDrift(expected, inspected).map(drift => drift.kind);

describe("images: what verify calls drift", () => {
    it("finds nothing when the image is exactly as the stack wants it", () => {
        assert.deepStrictEqual(findDrift(expected, passing()), []);
    });

    it("reports a region with no image at the version", () => {
        const [drift] = findDrift(expected, undefined);
        assert.strictEqual(drift.kind, "missing");
        assert.match(drift.detail, /no image of al2023-base at version 1\.4\.0/);
    });

    const cases: [string, DriftKind, () => InspectedImage, RegExp][] = [
        ["an image that is not available", "not-available", () => passing({ state: "failed" }), /state is failed, expected available/],
        [
            "an EBS mapping that is not encrypted",
            "unencrypted",
            () => passing({ volumes: [{ device: "/dev/xvda", snapshotId: "snap-00000001", encrypted: false }] }),
            /EBS volume \/dev\/xvda is not encrypted/,
        ],
        [
            "a snapshot that is not encrypted although the mapping says so",
            "unencrypted",
            () => ({ ...passing(), snapshotEncryption: { "snap-00000001": false } }),
            /snapshot snap-00000001 of \/dev\/xvda is not encrypted/,
        ],
        [
            "a snapshot that cannot be found",
            "unencrypted",
            () => ({ ...passing(), snapshotEncryption: {} }),
            /snapshot snap-00000001 of \/dev\/xvda was not found/,
        ],
        ["a public image (Public flag)", "public", () => passing({ public: true }), /is public/],
        [
            "a public image (launch permission group all)",
            "public",
            () => {
                const inspected = passing();
                inspected.launchPermissions.groups.push("all");
                return inspected;
            },
            /group all/,
        ],
        [
            "an account that may launch it but is not configured",
            "extra-principal",
            () => {
                const inspected = passing();
                inspected.launchPermissions.accounts.push("999999999999");
                return inspected;
            },
            /account 999999999999 may launch it but is not in sharing\.accounts/,
        ],
        [
            "an organization that may launch it but is not configured",
            "extra-principal",
            () => {
                const inspected = passing();
                inspected.launchPermissions.organizationArns.push("arn:aws:organizations::555555555555:organization/o-a1b2c3d4e5");
                return inspected;
            },
            /organization arn:aws:organizations::555555555555:organization\/o-a1b2c3d4e5 may launch it but is not in sharing\.organizationArns/,
        ],
        [
            "a configured OU without launch permission",
            "missing-principal",
            () => {
                const inspected = passing();
                inspected.launchPermissions.organizationalUnitArns = [];
                return inspected;
            },
            /sharing\.organizationalUnitArns lists .*ou-ab12-workload1 but it has no launch permission/,
        ],
        ["a required tag that is missing", "missing-tag", () => passing({ tags: { Owner: undefined } }), /tag Owner is missing/],
        ["a required tag that is empty", "missing-tag", () => passing({ tags: { Environment: " " } }), /tag Environment is empty/],
        ["no deprecation time", "no-deprecation", () => passing({ deprecationTime: null }), /has no deprecation time/],
    ];
    for (const [what, kind, inspected, detail] of cases) {
        it(`reports ${what} as ${kind}, naming region and image`, () => {
            const drift = findDrift(expected, inspected());
            assert.deepStrictEqual(
                drift.map(item => item.kind),
                [kind],
            );
            assert.strictEqual(drift[0].region, "us-east-1");
            assert.strictEqual(drift[0].imageId, "ami-00000001");
            assert.match(drift[0].detail, detail);
        });
    }

    it("expects no deprecation time on Image Builder's own build (its lifecycle deprecates it later), only on copies", () => {
        const build = passing({
            deprecationTime: null,
            tags: { Ec2ImageBuilderArn: "arn:aws:imagebuilder:us-east-1:111111111111:image/al2023-base-dev/1.4.0/1" },
        });
        assert.deepStrictEqual(kinds(build), []);
        assert.deepStrictEqual(kinds(passing({ deprecationTime: null })), ["no-deprecation"], "a copy carries no Ec2ImageBuilderArn tag");
    });

    it("reports every difference of an image at once", () => {
        assert.deepStrictEqual(kinds(passing({ public: true, deprecationTime: null, state: "error" })), ["not-available", "public", "no-deprecation"]);
    });
});

describe("images: which image verify judges", () => {
    const images = [
        goldenImage("ami-00000001", { created: "2026-03-01T04:00:00.000Z", version: "1.4.0" }),
        goldenImage("ami-00000002", { created: "2026-04-01T04:00:00.000Z", version: "1.4.0" }),
        goldenImage("ami-00000003", { created: "2026-05-01T04:00:00.000Z", version: "1.4.0", state: "pending" }),
        goldenImage("ami-00000004", { created: "2026-06-01T04:00:00.000Z", version: "1.5.0" }),
    ];

    it("judges the first available build at the version (the stack's own), not a later rebuild, a pending one nor another version", () => {
        assert.strictEqual(imageAtVersion(images, FAMILY, "dev", "1.4.0")?.imageId, "ami-00000001");
        assert.strictEqual(imageAtVersion(images.slice(1), FAMILY, "dev", "1.4.0")?.imageId, "ami-00000002");
    });

    it("judges the newest at the version when none is available, so its state gets reported", () => {
        assert.strictEqual(imageAtVersion(images.slice(2, 3), FAMILY, "dev", "1.4.0")?.imageId, "ami-00000003");
    });

    it("finds nothing for a version no image has", () => {
        assert.strictEqual(imageAtVersion(images, FAMILY, "dev", "2.0.0"), undefined);
    });

    it("judges only the stack's own images: another stack's earlier image at the same version is not the stack's build", () => {
        // One account holding two stacks (a staging and a prod promoting stack, or dev and prod): the same version, made apart.
        const shared = [
            goldenImage("ami-0000000a", { created: "2026-03-01T04:00:00.000Z", version: "1.4.0", environment: "staging" }),
            goldenImage("ami-0000000b", { created: "2026-04-01T04:00:00.000Z", version: "1.4.0", environment: "prod" }),
        ];
        assert.strictEqual(imageAtVersion(shared, FAMILY, "prod", "1.4.0")?.imageId, "ami-0000000b");
        assert.strictEqual(imageAtVersion(shared, FAMILY, "staging", "1.4.0")?.imageId, "ami-0000000a");
        assert.strictEqual(imageAtVersion(shared, FAMILY, "dev", "1.4.0"), undefined);
    });

    it("counts an image whose Environment tag is missing or empty as the stack's when the program named it for the stack, so the tag is reported, not the image", () => {
        const untagged = (imageId: string, name: string, environment?: string) =>
            goldenImage(imageId, { created: "2026-03-01T04:00:00.000Z", version: "1.4.0", name, tags: { Environment: environment } });
        assert.strictEqual(
            imageAtVersion([untagged("ami-0000000c", "al2023-base-1.4.0-dev-2026-03-01T04-00-00.000Z")], FAMILY, "dev", "1.4.0")?.imageId,
            "ami-0000000c",
            "a build, Image Builder's date after the stack",
        );
        assert.strictEqual(
            imageAtVersion([untagged("ami-0000000d", "al2023-base-1.4.0-dev-20260301T040000Z", " ")], FAMILY, "dev", "1.4.0")?.imageId,
            "ami-0000000d",
            "a copy, its compact timestamp after the stack; an empty tag is no tag",
        );
        assert.strictEqual(
            imageAtVersion([untagged("ami-0000000e", "al2023-base-1.4.0-dev-review-20260301T040000Z")], FAMILY, "dev", "1.4.0"),
            undefined,
            "a stack whose name starts like dev's is not dev",
        );
        assert.strictEqual(imageAtVersion([untagged("ami-0000000f", "al2023-base-1.4.0-prod-20260301T040000Z")], FAMILY, "dev", "1.4.0"), undefined);
    });
});

describe("images: what verify expects of promoting accounts", () => {
    const PROMOTING = "666666666666";
    const promoting: ExpectedImage = { ...expected, sharing: { ...expected.sharing, promotingAccounts: [PROMOTING] }, homeRegion: true };
    const shared = (volumePermissions: InspectedImage["volumePermissions"]): InspectedImage => {
        const inspected = passing();
        inspected.launchPermissions.accounts.push(PROMOTING);
        return { ...inspected, volumePermissions };
    };
    const readable = { "snap-00000001": { accounts: [PROMOTING], groups: [] } };

    it("finds nothing when a promoting account may launch the home region's build and read its snapshots", () => {
        assert.deepStrictEqual(findDrift(promoting, shared(readable)), []);
    });

    it("reports a promoting account without a launch permission as a missing principal", () => {
        const inspected = { ...passing(), volumePermissions: readable };
        const drift = findDrift(promoting, inspected);
        assert.deepStrictEqual(
            drift.map(item => item.kind),
            ["missing-principal"],
        );
        assert.match(drift[0].detail, /sharing\.promotingAccounts lists 666666666666 but it has no launch permission/);
    });

    it("reports a snapshot of the home region's build a promoting account cannot read, since it then cannot copy the image", () => {
        const drift = findDrift(promoting, shared({ "snap-00000001": { accounts: [], groups: [] } }));
        assert.deepStrictEqual(
            drift.map(item => item.kind),
            ["missing-volume-permission"],
        );
        assert.match(drift[0].detail, /666666666666 but it cannot read snapshot snap-00000001 of \/dev\/xvda \(no createVolumePermission\)/);
    });

    it("reports a public snapshot", () => {
        const drift = findDrift(promoting, shared({ "snap-00000001": { accounts: [PROMOTING], groups: ["all"] } }));
        assert.deepStrictEqual(
            drift.map(item => item.kind),
            ["public"],
        );
    });

    it("does not ask for snapshot access in the other regions, which hold copies nobody promotes from", () => {
        assert.deepStrictEqual(findDrift({ ...promoting, homeRegion: false }, shared({ "snap-00000001": { accounts: [], groups: [] } })), []);
    });
});

describe("images: who else may read an image's snapshots", () => {
    const OUTSIDER = "999999999999";
    const readableBy = (accounts: string[], groups: string[] = []): InspectedImage => ({
        ...passing(),
        volumePermissions: { "snap-00000001": { accounts, groups } },
    });

    it("reports an account that may read a snapshot of a copy in any region, with the command that removes it", () => {
        for (const homeRegion of [false, true]) {
            const drift = findDrift({ ...expected, region: "us-west-2", homeRegion }, readableBy([OUTSIDER]));
            assert.deepStrictEqual(
                drift.map(item => item.kind),
                ["extra-principal"],
                `homeRegion ${homeRegion}`,
            );
            assert.match(drift[0].detail, /account 999999999999 may read snapshot snap-00000001 of \/dev\/xvda \(createVolumePermission\)/);
            assert.match(
                drift[0].detail,
                /aws ec2 modify-snapshot-attribute --snapshot-id snap-00000001 --attribute createVolumePermission --operation-type remove --user-ids 999999999999$/,
            );
        }
    });

    it("reports a public snapshot in a region no account promotes from, and a promoting account's read access outside the home region", () => {
        assert.deepStrictEqual(
            findDrift({ ...expected, homeRegion: false }, readableBy([], ["all"])).map(item => item.kind),
            ["public"],
        );
        const promotingElsewhere = { ...expected, sharing: { ...expected.sharing, promotingAccounts: [PROD_ACCOUNT] }, homeRegion: false };
        assert.deepStrictEqual(
            findDrift(promotingElsewhere, readableBy([PROD_ACCOUNT])).map(item => item.kind),
            ["extra-principal"],
        );
    });

    it("judges nothing about snapshots it did not read", () => {
        assert.deepStrictEqual(findDrift({ ...expected, homeRegion: false }, passing()), []);
    });
});
