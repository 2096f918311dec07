// Reads the family's images and what is known about each from EC2. The decisions live elsewhere.
import {
    DescribeImageAttributeCommand,
    DescribeSnapshotAttributeCommand,
    EC2Client,
    Image,
    paginateDescribeImages,
    paginateDescribeSnapshots,
} from "@aws-sdk/client-ec2";
import { awsCall, collectPages } from "./awsErrors";
import {
    belongsToFamily,
    GoldenImage,
    InspectedImage,
    LaunchPermissions,
    newestFirst,
    snapshotIdsOf,
    toGoldenImage,
    VolumePermissions,
} from "../decisions/goldenImage";
import { mapWithLimit } from "./regions";

/** EC2 accepts up to 200 values in one filter. */
export const MAX_FILTER_VALUES = 200;
/** DescribeImageAttribute has no batch form: a few at a time keeps clear of the request rate limit. */
const ATTRIBUTE_CALLS_IN_FLIGHT = 4;

/**
 * The account's own images of the family in this region, newest first: those named `<family>-...`
 * and those tagged `Name=<family>` (EC2 ANDs filters, so that takes two queries).
 * Deprecated and disabled images are included: they still cost storage and may still be in use.
 */
export async function findGoldenImages(ec2: EC2Client, region: string, family: string, progress?: (line: string) => void): Promise<GoldenImage[]> {
    const pagesRead = { byName: 0, byTag: 0 };
    const query = (filter: { Name: string; Values: string[] }, which: keyof typeof pagesRead) =>
        collectPages(
            "ec2:DescribeImages",
            paginateDescribeImages({ client: ec2 }, { Owners: ["self"], IncludeDeprecated: true, IncludeDisabled: true, Filters: [filter] }),
            page => page.Images,
            soFar => {
                pagesRead[which] = soFar;
                progress?.(`${region}: reading ${family} images… ${pagesRead.byName + pagesRead.byTag} so far`);
            },
        );
    const [byName, byTag] = await Promise.all([
        query({ Name: "name", Values: [`${family}-*`] }, "byName"),
        query({ Name: "tag:Name", Values: [family] }, "byTag"),
    ]);
    const unique = new Map<string, Image>();
    for (const image of [...byName, ...byTag]) {
        if (image.ImageId && belongsToFamily(image, family)) unique.set(image.ImageId, image);
    }
    return [...unique.values()].map(image => toGoldenImage(region, image)).sort(newestFirst);
}

export async function readLaunchPermissions(ec2: EC2Client, imageId: string): Promise<LaunchPermissions> {
    const attribute = await awsCall("ec2:DescribeImageAttribute", () =>
        ec2.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: "launchPermission" })),
    );
    const permissions: LaunchPermissions = { accounts: [], organizationArns: [], organizationalUnitArns: [], groups: [] };
    for (const permission of attribute.LaunchPermissions ?? []) {
        if (permission.UserId) permissions.accounts.push(permission.UserId);
        if (permission.OrganizationArn) permissions.organizationArns.push(permission.OrganizationArn);
        if (permission.OrganizationalUnitArn) permissions.organizationalUnitArns.push(permission.OrganizationalUnitArn);
        if (permission.Group) permissions.groups.push(permission.Group);
    }
    return permissions;
}

/** Snapshot id → encrypted, for the account's own snapshots among `snapshotIds`; missing ids were not found. */
export async function readSnapshotEncryption(ec2: EC2Client, snapshotIds: string[]): Promise<Record<string, boolean>> {
    const encryption: Record<string, boolean> = {};
    for (const ids of chunks([...new Set(snapshotIds)], MAX_FILTER_VALUES)) {
        // A filter, not SnapshotIds: an unknown id then comes back missing instead of failing the whole call.
        const snapshots = await collectPages(
            "ec2:DescribeSnapshots",
            paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ["self"], Filters: [{ Name: "snapshot-id", Values: ids }] }),
            page => page.Snapshots,
        );
        for (const snapshot of snapshots) {
            if (snapshot.SnapshotId) encryption[snapshot.SnapshotId] = snapshot.Encrypted === true;
        }
    }
    return encryption;
}

/** Snapshot id → who may create volumes from it, one DescribeSnapshotAttribute call per snapshot. */
export async function readVolumePermissions(ec2: EC2Client, snapshotIds: string[]): Promise<Record<string, VolumePermissions>> {
    const ids = [...new Set(snapshotIds)];
    const permissions = await mapWithLimit(ids, ATTRIBUTE_CALLS_IN_FLIGHT, async id => {
        const attribute = await awsCall("ec2:DescribeSnapshotAttribute", () =>
            ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: "createVolumePermission" })),
        );
        const readers: VolumePermissions = { accounts: [], groups: [] };
        for (const permission of attribute.CreateVolumePermissions ?? []) {
            if (permission.UserId) readers.accounts.push(permission.UserId);
            if (permission.Group) readers.groups.push(permission.Group);
        }
        return readers;
    });
    return Object.fromEntries(ids.map((id, index) => [id, permissions[index]]));
}

export async function inspectImages(ec2: EC2Client, images: GoldenImage[]): Promise<InspectedImage[]> {
    const snapshotEncryption = await readSnapshotEncryption(ec2, images.flatMap(snapshotIdsOf));
    const permissions = await mapWithLimit(images, ATTRIBUTE_CALLS_IN_FLIGHT, image => readLaunchPermissions(ec2, image.imageId));
    return images.map((image, index) => ({
        image,
        launchPermissions: permissions[index],
        snapshotEncryption: Object.fromEntries(
            snapshotIdsOf(image)
                .filter(id => id in snapshotEncryption)
                .map(id => [id, snapshotEncryption[id]]),
        ),
    }));
}

export function chunks<T>(items: T[], size: number): T[][] {
    const result: T[][] = [];
    for (let start = 0; start < items.length; start += size) result.push(items.slice(start, start + size));
    return result;
}
