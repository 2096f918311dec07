import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SharingConfig } from "./config";
import { organizationId } from "./keyPolicy";

export interface ImageSharingArgs {
    provider: aws.Provider;
    amiId: pulumi.Input<string>;
    /** Accounts, organizations and OUs that may launch the image; never the public. */
    sharedWith: SharingConfig;
    /** Let `sharedWith.promotingAccounts` read the image's root snapshot, which copying it needs (default false). */
    readableSnapshots?: boolean;
    /** The image's root device, whose snapshot they read (required with `readableSnapshots`). */
    rootDeviceName?: string;
}

/**
 * Launch permissions for exactly the configured principals, and read access to the snapshots for the accounts
 * that copy the image. (Public sharing is blocked once per region, for every image: see index.ts.)
 *
 * Permissions are kept when the image they name is replaced (a new version or rebuild): an earlier
 * version stays launchable and copyable, so a promoting stack can roll back to it, until the lifecycle or
 * `images prune` deletes the image and its permissions with it.
 */
export class ImageSharing extends pulumi.ComponentResource {
    constructor(name: string, args: ImageSharingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:ec2:ImageSharing", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const kept = { ...child, retainOnDelete: true };
        for (const permission of launchPermissions(args.sharedWith)) {
            // Named after the principal, not its position, so removing one principal replaces nothing else.
            new aws.ec2.AmiLaunchPermission(`${name}-${permission.id}`, { imageId: args.amiId, ...permission.grant }, kept);
        }
        if (args.readableSnapshots && args.sharedWith.promotingAccounts.length > 0) {
            if (!args.rootDeviceName) throw new pulumi.ResourceError("ImageSharing: readableSnapshots needs rootDeviceName", this);
            const snapshotId = rootSnapshotId(args.amiId, args.rootDeviceName, child);
            for (const accountId of args.sharedWith.promotingAccounts) {
                new aws.ec2.SnapshotCreateVolumePermission(`${name}-${accountId}-snapshot`, { snapshotId, accountId }, kept);
            }
        }
        this.registerOutputs({});
    }
}

type LaunchPermissionGrant = Pick<aws.ec2.AmiLaunchPermissionArgs, "accountId" | "organizationArn" | "organizationalUnitArn">;

/** One grant per principal, each with exactly one of account, organization or OU. */
export function launchPermissions(sharedWith: SharingConfig): Array<{ id: string; grant: LaunchPermissionGrant }> {
    return [
        ...launchAccounts(sharedWith).map(accountId => ({ id: accountId, grant: { accountId } })),
        ...sharedWith.organizationArns.map(organizationArn => ({ id: organizationId(organizationArn), grant: { organizationArn } })),
        ...sharedWith.organizationalUnitArns.map(organizationalUnitArn => ({ id: organizationId(organizationalUnitArn), grant: { organizationalUnitArn } })),
    ];
}

/** Every account that may launch the image: the listed ones and those that promote (copy) it. */
export function launchAccounts(sharedWith: SharingConfig): string[] {
    return [...sharedWith.accounts, ...sharedWith.promotingAccounts];
}

/**
 * The snapshot behind the image's root device. The image is ours (one root volume: the recipe and copies
 * declare no other), so it is looked up by id in this account.
 */
function rootSnapshotId(amiId: pulumi.Input<string>, rootDeviceName: string, opts: pulumi.InvokeOutputOptions): pulumi.Output<string> {
    const image = aws.ec2.getAmiOutput({ owners: ["self"], includeDeprecated: true, filters: [{ name: "image-id", values: [amiId] }] }, opts);
    return pulumi.all([image.imageId, image.blockDeviceMappings]).apply(([imageId, mappings]) => {
        const snapshots = mappings.filter(mapping => mapping.ebs?.snapshot_id);
        const root = snapshots.find(mapping => mapping.deviceName === rootDeviceName);
        if (!root || snapshots.length !== 1) {
            throw new Error(
                `${imageId} has EBS snapshots on ${snapshots.map(mapping => mapping.deviceName).join(", ") || "no device"}; ` +
                    `promoting accounts can copy it only with read access to each, and golden-ami grants it on the root device ${rootDeviceName} alone`,
            );
        }
        return root.ebs.snapshot_id;
    });
}
