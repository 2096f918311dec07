// The stack's KMS keys in a region and the grants on them; revoke takes back the grants of principals
// the stack no longer shares with. The key owner may list and revoke grants on its own keys.
import { EC2Client, paginateDescribeSnapshots } from "@aws-sdk/client-ec2";
import { DescribeKeyCommand, KMSClient, paginateListGrants, RevokeGrantCommand } from "@aws-sdk/client-kms";
import { awsCall, awsErrorCode, collectPages } from "./awsErrors";
import { chunks, MAX_FILTER_VALUES } from "./inventory";
import { KeyGrant } from "../decisions/revokePlan";

/** The alias of the key the program gives every image of the stack in a region (index.ts, components/ImageKey.ts). */
export function imageKeyAlias(stack: string): string {
    return `alias/golden-ami/${stack}`;
}

/**
 * The keys that encrypt the stack's images here: the one its alias names now, and every key of this account
 * that encrypts one of `snapshotIds` (an earlier key still encrypts the images it made: keys are kept).
 */
export async function findStackKeys(kms: KMSClient, ec2: EC2Client, alias: string, snapshotIds: string[]): Promise<string[]> {
    const keys = new Set<string>();
    try {
        const described = await awsCall("kms:DescribeKey", () => kms.send(new DescribeKeyCommand({ KeyId: alias })));
        if (described.KeyMetadata?.Arn) keys.add(described.KeyMetadata.Arn);
    } catch (error) {
        // No alias here: the region holds only copies of an earlier configuration, or none at all.
        if (awsErrorCode(error) !== "NotFoundException") throw error;
    }
    for (const ids of chunks([...new Set(snapshotIds)], MAX_FILTER_VALUES)) {
        const snapshots = await collectPages(
            "ec2:DescribeSnapshots",
            paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ["self"], Filters: [{ Name: "snapshot-id", Values: ids }] }),
            page => page.Snapshots,
        );
        for (const snapshot of snapshots) {
            // Only this account's keys: a key of another account is not ours to list or revoke grants on.
            if (snapshot.KmsKeyId?.startsWith("arn:") && snapshot.OwnerId && snapshot.KmsKeyId.split(":")[4] === snapshot.OwnerId) keys.add(snapshot.KmsKeyId);
        }
    }
    return [...keys].sort();
}

export async function listKeyGrants(kms: KMSClient, keyArn: string): Promise<KeyGrant[]> {
    const grants = await collectPages("kms:ListGrants", paginateListGrants({ client: kms }, { KeyId: keyArn }), page => page.Grants);
    return grants
        .map(grant => ({
            keyArn,
            grantId: grant.GrantId ?? "",
            granteePrincipal: grant.GranteePrincipal,
            issuingAccount: grant.IssuingAccount,
            operations: grant.Operations ?? [],
            ...(grant.Name ? { name: grant.Name } : {}),
        }))
        .filter(grant => grant.grantId !== "");
}

export async function revokeKeyGrant(kms: KMSClient, grant: KeyGrant): Promise<void> {
    await awsCall("kms:RevokeGrant", () => kms.send(new RevokeGrantCommand({ KeyId: grant.keyArn, GrantId: grant.grantId })));
}
