// Compares one region's image with what the stack says it should be. Pure: no AWS calls here.
import type { SharingConfig } from "../../../components/config";
import { GoldenImage, InspectedImage, isPublic, madeByStack, newestFirst } from "./goldenImage";
import { BUILD_ARN_TAG } from "../aws/imageBuilds";

export type DriftKind =
    | "missing"
    | "not-available"
    | "unencrypted"
    | "public"
    | "extra-principal"
    | "missing-principal"
    | "missing-tag"
    | "no-deprecation"
    | "missing-volume-permission"
    | "ssm-parameter";

export interface Drift {
    region: string;
    imageId?: string;
    kind: DriftKind;
    detail: string;
}

export interface ExpectedImage {
    region: string;
    /** The stack verified: only its own images are judged. */
    stack: string;
    name: string;
    version: string;
    sharing: SharingConfig;
    requiredTags: string[];
    /**
     * The building stack's home region: its build is what promoting accounts copy, so each of them
     * needs createVolumePermission on each of its snapshots (`inspected.volumePermissions`).
     */
    homeRegion?: boolean;
    /** Images at the version that belong to other stacks: named when the stack's own is missing, so the cause is plain. */
    otherStacksAtVersion?: GoldenImage[];
}

export const DEFAULT_REQUIRED_TAGS = ["Name", "Owner", "Environment", "Version"];

/**
 * The image verify judges: the stack's own (`madeByStack`: another stack in the same account may hold the
 * same version, with its own sharing) first available build at `version` — the one the stack's `pulumi up`
 * made, shared and copied, and the one a promoting stack copies (scheduled rebuilds keep the version but
 * are not the stack's) — or else the newest at that version in whatever state, so its state is reported.
 */
export function imageAtVersion(images: GoldenImage[], family: string, stack: string, version: string): GoldenImage | undefined {
    const atVersion = images.filter(image => image.version === version && madeByStack(image, family, stack)).sort(newestFirst);
    return atVersion.filter(image => image.state === "available").pop() ?? atVersion[0];
}

export function findDrift(expected: ExpectedImage, inspected: InspectedImage | undefined): Drift[] {
    if (!inspected) {
        return [
            {
                region: expected.region,
                kind: "missing",
                detail:
                    `no image of ${expected.name} at version ${expected.version} made by stack ${expected.stack} ` +
                    `(looked for this account's images named ${expected.name}-* or tagged Name=${expected.name}, and of those the ones ` +
                    `tagged Environment=${expected.stack}, or untagged and named ${expected.name}-<version>-${expected.stack}-<date>)` +
                    otherStacksNote(expected.otherStacksAtVersion ?? []),
            },
        ];
    }
    const { image } = inspected;
    const drift = (kind: DriftKind, detail: string): Drift => ({ region: expected.region, imageId: image.imageId, kind, detail });
    return [
        ...(image.state === "available" ? [] : [drift("not-available", `state is ${image.state}, expected available`)]),
        ...encryptionDrift(inspected).map(detail => drift("unencrypted", detail)),
        ...(isPublic(inspected) ? [drift("public", "is public: anyone may launch it; remove the launch permission for group all")] : []),
        ...principalDrift(expected.sharing, inspected).map(([kind, detail]) => drift(kind, detail)),
        ...tagDrift(expected.requiredTags, image).map(detail => drift("missing-tag", detail)),
        // A copy gets its deprecation time when it is made. Image Builder's own build gets none: the stack's
        // lifecycle policy deprecates it once it is old and no longer among the newest or pinned.
        ...(image.deprecationTime || image.tags[BUILD_ARN_TAG]
            ? []
            : [drift("no-deprecation", "has no deprecation time; expected one set from lifecycle.deprecateAfterDays")]),
        ...volumePermissionDrift(expected.sharing, expected.homeRegion === true, inspected).map(([kind, detail]) => drift(kind, detail)),
    ];
}

function otherStacksNote(others: GoldenImage[]): string {
    if (others.length === 0) return "";
    const shown = others.slice(0, 5).map(image => `${image.imageId} (Environment=${image.tags.Environment?.trim() || "none"})`);
    return `; at that version only other stacks' images: ${shown.join(", ")}${others.length > shown.length ? `, and ${others.length - shown.length} more` : ""}`;
}

/**
 * Who may read the image's snapshots. Copying an AMI into another account needs that read access, so the
 * promoting accounts must have it on the home region's build; nobody else may, anywhere: a readable
 * snapshot gives the disk away as surely as a launch permission. Unread (`volumePermissions` absent): unjudged.
 */
function volumePermissionDrift(sharing: SharingConfig, homeRegion: boolean, { image, volumePermissions }: InspectedImage): [DriftKind, string][] {
    if (!volumePermissions) return [];
    const readers = homeRegion ? sharing.promotingAccounts : [];
    return image.ebsVolumes.flatMap((volume): [DriftKind, string][] => {
        if (!volume.snapshotId) return [];
        const permissions = volumePermissions[volume.snapshotId] ?? { accounts: [], groups: [] };
        const snapshot = `snapshot ${volume.snapshotId} of ${volume.deviceName}`;
        return [
            ...(permissions.groups.includes("all")
                ? [["public", `${snapshot} is public (createVolumePermission group all): anyone can read it`] as [DriftKind, string]]
                : []),
            ...readers
                .filter(account => !permissions.accounts.includes(account))
                .map((account): [DriftKind, string] => [
                    "missing-volume-permission",
                    `sharing.promotingAccounts lists ${account} but it cannot read ${snapshot} ` +
                        "(no createVolumePermission), so it cannot copy the image; run the building stack's `pulumi up`",
                ]),
            ...permissions.accounts
                .filter(account => !readers.includes(account))
                .map((account): [DriftKind, string] => [
                    "extra-principal",
                    `account ${account} may read ${snapshot} (createVolumePermission) but ` +
                        (homeRegion ? "is not in sharing.promotingAccounts" : "only the home region's build is read by promoting accounts") +
                        `: remove it with aws ec2 modify-snapshot-attribute --snapshot-id ${volume.snapshotId} --attribute createVolumePermission --operation-type remove --user-ids ${account}`,
                ]),
        ];
    });
}

function encryptionDrift({ image, snapshotEncryption }: InspectedImage): string[] {
    if (image.ebsVolumes.length === 0) return ["has no EBS volumes, so nothing in it is encrypted"];
    return image.ebsVolumes.flatMap(volume => {
        if (!volume.encrypted) return [`EBS volume ${volume.deviceName} is not encrypted`];
        if (!volume.snapshotId) return [`EBS volume ${volume.deviceName} has no snapshot to check`];
        if (!(volume.snapshotId in snapshotEncryption)) return [`snapshot ${volume.snapshotId} of ${volume.deviceName} was not found in this account`];
        return snapshotEncryption[volume.snapshotId] ? [] : [`snapshot ${volume.snapshotId} of ${volume.deviceName} is not encrypted`];
    });
}

/** Promoting accounts launch the image too: they are expected among the accounts with a launch permission. */
const PRINCIPAL_KINDS = [
    { fields: ["accounts", "promotingAccounts"], permission: "accounts", label: "account" },
    { fields: ["organizationArns"], permission: "organizationArns", label: "organization" },
    { fields: ["organizationalUnitArns"], permission: "organizationalUnitArns", label: "OU" },
] as const;

/** Launch permissions must be exactly the configured principals: no more, no fewer. */
function principalDrift(sharing: SharingConfig, { launchPermissions }: InspectedImage): [DriftKind, string][] {
    return PRINCIPAL_KINDS.flatMap(({ fields, permission, label }): [DriftKind, string][] => {
        const expected = new Set(fields.flatMap(field => sharing[field]));
        const actual = new Set(launchPermissions[permission]);
        const where = fields.map(field => `sharing.${field}`).join(" or ");
        return [
            ...[...actual]
                .filter(principal => !expected.has(principal))
                .map((principal): [DriftKind, string] => ["extra-principal", `${label} ${principal} may launch it but is not in ${where}`]),
            ...fields.flatMap(field =>
                sharing[field]
                    .filter(principal => !actual.has(principal))
                    .map((principal): [DriftKind, string] => ["missing-principal", `sharing.${field} lists ${principal} but it has no launch permission`]),
            ),
        ];
    });
}

function tagDrift(requiredTags: string[], image: GoldenImage): string[] {
    return requiredTags.flatMap(key => {
        if (!(key in image.tags)) return [`tag ${key} is missing`];
        return image.tags[key].trim() === "" ? [`tag ${key} is empty`] : [];
    });
}
