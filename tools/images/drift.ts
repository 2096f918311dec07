// Compares one region's image with what the stack says it should be. Pure: no AWS calls here.
import type { SharingConfig } from "../../components/config";
import { GoldenImage, InspectedImage, isPublic, newestFirst } from "./goldenImage";

export type DriftKind =
    | "missing"
    | "not-available"
    | "unencrypted"
    | "public"
    | "extra-principal"
    | "missing-principal"
    | "missing-tag"
    | "no-deprecation";

export interface Drift {
    region: string;
    imageId?: string;
    kind: DriftKind;
    detail: string;
}

export interface ExpectedImage {
    region: string;
    name: string;
    version: string;
    sharing: SharingConfig;
    requiredTags: string[];
}

export const DEFAULT_REQUIRED_TAGS = ["Name", "Owner", "Environment", "Version"];

/**
 * The image verify judges: the first available build at `version` — the one the stack's `pulumi up`
 * made, shared and copied, and the one a promoting stack copies (scheduled rebuilds keep the version but
 * are not the stack's) — or else the newest at that version in whatever state, so its state is reported.
 */
export function imageAtVersion(images: GoldenImage[], version: string): GoldenImage | undefined {
    const atVersion = images.filter(image => image.version === version).sort(newestFirst);
    return atVersion.filter(image => image.state === "available").pop() ?? atVersion[0];
}

export function findDrift(expected: ExpectedImage, inspected: InspectedImage | undefined): Drift[] {
    if (!inspected) {
        return [{
            region: expected.region,
            kind: "missing",
            detail: `no image of ${expected.name} at version ${expected.version} ` +
                `(looked for this account's images named ${expected.name}-* or tagged Name=${expected.name})`,
        }];
    }
    const { image } = inspected;
    const drift = (kind: DriftKind, detail: string): Drift => ({ region: expected.region, imageId: image.imageId, kind, detail });
    return [
        ...(image.state === "available" ? [] : [drift("not-available", `state is ${image.state}, expected available`)]),
        ...encryptionDrift(inspected).map(detail => drift("unencrypted", detail)),
        ...(isPublic(inspected) ? [drift("public", "is public: anyone may launch it; remove the launch permission for group all")] : []),
        ...principalDrift(expected.sharing, inspected).map(([kind, detail]) => drift(kind, detail)),
        ...tagDrift(expected.requiredTags, image).map(detail => drift("missing-tag", detail)),
        ...(image.deprecationTime ? [] : [drift("no-deprecation", "has no deprecation time; expected one set from lifecycle.deprecateAfterDays")]),
    ];
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

const PRINCIPAL_KINDS = [
    { field: "accounts", permission: "accounts", label: "account" },
    { field: "organizationArns", permission: "organizationArns", label: "organization" },
    { field: "organizationalUnitArns", permission: "organizationalUnitArns", label: "OU" },
] as const;

/** Launch permissions must be exactly the configured principals: no more, no fewer. */
function principalDrift(sharing: SharingConfig, { launchPermissions }: InspectedImage): [DriftKind, string][] {
    return PRINCIPAL_KINDS.flatMap(({ field, permission, label }): [DriftKind, string][] => {
        const expected = new Set(sharing[field]);
        const actual = new Set(launchPermissions[permission]);
        return [
            ...[...actual].filter(principal => !expected.has(principal)).map((principal): [DriftKind, string] =>
                ["extra-principal", `${label} ${principal} may launch it but is not in sharing.${field}`]),
            ...[...expected].filter(principal => !actual.has(principal)).map((principal): [DriftKind, string] =>
                ["missing-principal", `sharing.${field} lists ${principal} but it has no launch permission`]),
        ];
    });
}

function tagDrift(requiredTags: string[], image: GoldenImage): string[] {
    return requiredTags.flatMap(key => {
        if (!(key in image.tags)) return [`tag ${key} is missing`];
        return image.tags[key].trim() === "" ? [`tag ${key} is empty`] : [];
    });
}
