// Seeds the emulator's account the way the Pulumi program and Image Builder leave it, and reads back
// what AWS would then hold: launch permissions, snapshot readers, KMS grants, images and snapshots.
import {
    CreateSnapshotCommand,
    CreateTagsCommand,
    CreateVolumeCommand,
    DescribeImageAttributeCommand,
    DescribeImagesCommand,
    DescribeSnapshotAttributeCommand,
    DescribeSnapshotsCommand,
    LaunchPermission,
    ModifyImageAttributeCommand,
    ModifySnapshotAttributeCommand,
    RegisterImageCommand,
} from "@aws-sdk/client-ec2";
import { CreateAliasCommand, CreateGrantCommand, CreateKeyCommand, GrantOperation, ListGrantsCommand } from "@aws-sdk/client-kms";
import { RegionalClients } from "../../tools/images/aws/clients";

export interface SeededImage {
    imageId: string;
    snapshotIds: string[];
}

export interface ImageSeed {
    name: string;
    tags: Record<string, string>;
    /** Launch permissions to add. */
    launch?: LaunchPermission[];
    /** Accounts that may read (create volumes from) the image's snapshots. */
    snapshotReaders?: string[];
}

/** Registers an image from a snapshot of its own, tags it and shares it as `seed` says. */
export async function seedImage(clients: RegionalClients, region: string, seed: ImageSeed): Promise<SeededImage> {
    const volume = await clients.ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 8, Encrypted: true }));
    const snapshot = await clients.ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId! }));
    const registered = await clients.ec2.send(
        new RegisterImageCommand({
            Name: seed.name,
            RootDeviceName: "/dev/xvda",
            BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: snapshot.SnapshotId! } }],
        }),
    );
    const imageId = registered.ImageId!;
    await clients.ec2.send(new CreateTagsCommand({ Resources: [imageId], Tags: Object.entries(seed.tags).map(([Key, Value]) => ({ Key, Value })) }));
    // Whatever snapshot the emulator records for the image is the one its readers read.
    const snapshotIds = await imageSnapshots(clients, imageId);
    if (seed.launch && seed.launch.length > 0) {
        await clients.ec2.send(new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: seed.launch } }));
    }
    if (seed.snapshotReaders && seed.snapshotReaders.length > 0) {
        for (const snapshotId of snapshotIds) {
            await clients.ec2.send(
                new ModifySnapshotAttributeCommand({
                    SnapshotId: snapshotId,
                    Attribute: "createVolumePermission",
                    OperationType: "add",
                    UserIds: seed.snapshotReaders,
                }),
            );
        }
    }
    return { imageId, snapshotIds };
}

export async function imageSnapshots(clients: RegionalClients, imageId: string): Promise<string[]> {
    const described = await clients.ec2.send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    return (described.Images?.[0]?.BlockDeviceMappings ?? []).flatMap(mapping => (mapping.Ebs?.SnapshotId ? [mapping.Ebs.SnapshotId] : []));
}

/** Who may launch the image, as `account:<id>`, `organization:<arn>`, `ou:<arn>`, `group:<name>`, sorted. */
export async function launchersOf(clients: RegionalClients, imageId: string): Promise<string[]> {
    const attribute = await clients.ec2.send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: "launchPermission" }));
    return (attribute.LaunchPermissions ?? [])
        .map(permission =>
            permission.UserId
                ? `account:${permission.UserId}`
                : permission.OrganizationArn
                  ? `organization:${permission.OrganizationArn}`
                  : permission.OrganizationalUnitArn
                    ? `ou:${permission.OrganizationalUnitArn}`
                    : `group:${permission.Group}`,
        )
        .sort();
}

export async function snapshotReadersOf(clients: RegionalClients, snapshotId: string): Promise<string[]> {
    const attribute = await clients.ec2.send(new DescribeSnapshotAttributeCommand({ SnapshotId: snapshotId, Attribute: "createVolumePermission" }));
    return (attribute.CreateVolumePermissions ?? []).map(permission => permission.UserId ?? `group:${permission.Group}`).sort();
}

/** A key with the alias the program gives the stack's image key in the region; returns its ARN. */
export async function seedImageKey(clients: RegionalClients, alias: string): Promise<string> {
    const key = await clients.kms.send(new CreateKeyCommand({ Description: `test key ${alias}` }));
    await clients.kms.send(new CreateAliasCommand({ AliasName: alias, TargetKeyId: key.KeyMetadata!.KeyId }));
    return key.KeyMetadata!.Arn!;
}

/** A consumer account's grant for its Auto Scaling service-linked role, as it creates one itself. */
export async function seedAutoScalingGrant(clients: RegionalClients, keyArn: string, account: string): Promise<string> {
    const operations: GrantOperation[] = ["Decrypt", "GenerateDataKeyWithoutPlaintext", "ReEncryptFrom", "ReEncryptTo", "CreateGrant", "DescribeKey"];
    const grant = await clients.kms.send(
        new CreateGrantCommand({
            KeyId: keyArn,
            GranteePrincipal: `arn:aws:iam::${account}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`,
            Operations: operations,
        }),
    );
    return grant.GrantId!;
}

/** The accounts holding a grant on the key, sorted. */
export async function granteeAccountsOf(clients: RegionalClients, keyArn: string): Promise<string[]> {
    const grants = await clients.kms.send(new ListGrantsCommand({ KeyId: keyArn }));
    return (grants.Grants ?? []).map(grant => /::(\d{12}):/.exec(grant.GranteePrincipal ?? "")?.[1] ?? grant.GranteePrincipal ?? "").sort();
}

export async function registeredImageIds(clients: RegionalClients): Promise<string[]> {
    const described = await clients.ec2.send(new DescribeImagesCommand({ Owners: ["self"] }));
    return (described.Images ?? []).map(image => image.ImageId!).sort();
}

export async function snapshotIdsInAccount(clients: RegionalClients): Promise<string[]> {
    const described = await clients.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ["self"] }));
    return (described.Snapshots ?? []).map(snapshot => snapshot.SnapshotId!).sort();
}
