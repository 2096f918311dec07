// What the images commands know about one AMI, read from DescribeImages. Pure: no AWS calls here.
import type { Image } from "@aws-sdk/client-ec2";
import { compareVersions, SEMVER_AT_START } from "../../../components/versions";

export interface EbsVolume {
    deviceName: string;
    snapshotId?: string;
    /** The mapping's own `Encrypted` flag; the snapshot itself is checked separately (DescribeSnapshots). */
    encrypted: boolean;
}

export interface GoldenImage {
    region: string;
    imageId: string;
    name: string;
    /** The `Version` tag, or the semver in the AMI name when the tag is missing. */
    version?: string;
    /** ISO 8601, as EC2 reports it; ISO strings of one format sort chronologically. */
    createdAt: string;
    state: string;
    deprecationTime?: string;
    /** Reported by EC2 with up to a day's delay. */
    lastLaunchedTime?: string;
    /** The image's `Public` flag; a launch permission for group "all" is the same thing. */
    public: boolean;
    tags: Record<string, string>;
    ebsVolumes: EbsVolume[];
}

/** `Environment` tag of images that have none: they are grouped (and kept count of) on their own. */
export const UNTAGGED_ENVIRONMENT = "(no Environment tag)";

export function toGoldenImage(region: string, image: Image): GoldenImage {
    const tags = Object.fromEntries((image.Tags ?? []).map(tag => [tag.Key ?? "", tag.Value ?? ""]));
    const name = image.Name ?? "";
    return {
        region,
        imageId: image.ImageId ?? "",
        name,
        version: tags.Version || versionInName(name),
        createdAt: image.CreationDate ?? "",
        state: image.State ?? "unknown",
        deprecationTime: image.DeprecationTime,
        lastLaunchedTime: image.LastLaunchedTime,
        public: image.Public === true,
        tags,
        ebsVolumes: (image.BlockDeviceMappings ?? [])
            .filter(mapping => mapping.Ebs !== undefined)
            .map(mapping => ({
                deviceName: mapping.DeviceName ?? "",
                snapshotId: mapping.Ebs?.SnapshotId,
                encrypted: mapping.Ebs?.Encrypted === true,
            })),
    };
}

/**
 * True for the family's images: `<family>-<semver>-...` (the build and its regional copies) or tagged
 * `Name=<family>`. The semver after the prefix keeps `al2023-base-gpu-1.0.0-...` out of `al2023-base`.
 */
export function belongsToFamily(image: Image, family: string): boolean {
    if ((image.Tags ?? []).some(tag => tag.Key === "Name" && tag.Value === family)) return true;
    const name = image.Name ?? "";
    return name.startsWith(`${family}-`) && SEMVER_AT_START.test(name.slice(family.length + 1));
}

/**
 * True for the stack's own images: tagged `Environment=<stack>`, as the program tags every build and copy.
 * An image whose `Environment` tag is missing or empty counts when its name is the program's for the stack:
 * `<family>-<semver>-<stack>-<build date>` (Image Builder's build) or `…-<stack>-<YYYYMMDDTHHMMSSZ>` (a copy).
 * An image tagged for another stack never does, even at the same version.
 */
export function madeByStack(image: GoldenImage, family: string, stack: string): boolean {
    const environment = (image.tags.Environment ?? "").trim();
    if (environment !== "") return environment === stack;
    const prefix = `${family}-`;
    if (!image.name.startsWith(prefix)) return false;
    const afterFamily = image.name.slice(prefix.length);
    const version = SEMVER_AT_START.exec(afterFamily)?.[0];
    const rest = version?.endsWith("-") ? afterFamily.slice(version.length) : "";
    return rest.startsWith(`${stack}-`) && MADE_AT.test(rest.slice(stack.length + 1));
}

/** What follows the stack in the program's AMI names: Image Builder's build date, or a copy's compact timestamp. */
const MADE_AT = /^(?:\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}|\d{8}T\d{6}Z)/;

export function snapshotIdsOf(image: GoldenImage): string[] {
    return image.ebsVolumes.flatMap(volume => (volume.snapshotId ? [volume.snapshotId] : []));
}

export function environmentOf(image: GoldenImage): string {
    return image.tags.Environment || UNTAGGED_ENVIRONMENT;
}

/**
 * Newest first. Images made in the same second (EC2 dates have whole seconds) go by version, higher
 * first, then by image id, so every run orders them the same way.
 */
export function newestFirst(left: GoldenImage, right: GoldenImage): number {
    return timeOf(right.createdAt) - timeOf(left.createdAt) || compareVersions(right.version, left.version) || left.imageId.localeCompare(right.imageId);
}

/** Milliseconds since the epoch; a missing or unreadable date counts as the oldest. */
export function timeOf(isoDate: string | undefined): number {
    const time = Date.parse(isoDate ?? "");
    return Number.isNaN(time) ? 0 : time;
}

function versionInName(name: string): string | undefined {
    return /-((?:0|[1-9]\d*)\.(?:0|[1-9]\d*)\.(?:0|[1-9]\d*))(?:-|$)/.exec(name)?.[1];
}

/** Who may launch an image besides its owner, from DescribeImageAttribute(launchPermission). */
export interface LaunchPermissions {
    accounts: string[];
    organizationArns: string[];
    organizationalUnitArns: string[];
    /** Only ever "all": the image is public. */
    groups: string[];
}

/** An image with what DescribeImages does not tell: its launch permissions and its snapshots' encryption. */
export interface InspectedImage {
    image: GoldenImage;
    launchPermissions: LaunchPermissions;
    /** Snapshot id → encrypted; a snapshot of the image that is missing here was not found. */
    snapshotEncryption: Record<string, boolean>;
    /** Snapshot id → who may create volumes from it; read only where verify checks it (the home region's build). */
    volumePermissions?: Record<string, VolumePermissions>;
}

/** From DescribeSnapshotAttribute(createVolumePermission): who may read the snapshot besides its owner. */
export interface VolumePermissions {
    accounts: string[];
    /** Only ever "all": the snapshot is public. */
    groups: string[];
}

export function isPublic(inspected: InspectedImage): boolean {
    return inspected.image.public || inspected.launchPermissions.groups.includes("all");
}

/** Every EBS mapping says encrypted and every snapshot behind it really is. */
export function isFullyEncrypted(inspected: InspectedImage): boolean {
    return (
        inspected.image.ebsVolumes.length > 0 &&
        inspected.image.ebsVolumes.every(
            volume => volume.encrypted && volume.snapshotId !== undefined && inspected.snapshotEncryption[volume.snapshotId] === true,
        )
    );
}
