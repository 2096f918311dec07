// Decides what `revoke` takes back: every grant of access to the stack's images that the stack's current
// `golden-ami:sharing` no longer lists. Pure: no AWS calls here.
//
// - Launch permissions: only the listed accounts (sharing.accounts and sharing.promotingAccounts),
//   organizations and OUs keep theirs; any other account, organization or OU, and group `all` (public),
//   loses it, on every image of the stack, current or retained, in every region read.
// - Snapshot read access (createVolumePermission): only the promoting accounts keep it (copying an image
//   needs it); anyone else, and group `all`, loses it.
// - KMS grants on the stack's keys: a grant whose grantee is an IAM or STS principal of an account that is
//   neither the key's owner nor listed is revoked. While the stack still shares with an organization or OU,
//   a grantee's account may be one of its members, which this account cannot tell without AWS Organizations:
//   such grants are reported as undecided and kept (docs/operations.md says how to revoke one by hand).
//   Grants to AWS service principals (no account in the ARN) are the owner's own and are kept.
import type { SharingConfig } from "../../../components/config";
import { launchAccounts } from "../../../components/ImageSharing";
import { GoldenImage, LaunchPermissions, VolumePermissions } from "./goldenImage";

/** One launch permission as ModifyImageAttribute names it. */
export type LaunchPrincipal =
    { kind: "account"; id: string } | { kind: "organization"; id: string } | { kind: "organizational-unit"; id: string } | { kind: "group"; id: string };

export interface ImageAccess {
    image: GoldenImage;
    launchPermissions: LaunchPermissions;
    /** Snapshot id → who may create volumes from it (the image's own snapshots, this account's). */
    volumePermissions: Record<string, VolumePermissions>;
}

export interface KeyGrant {
    keyArn: string;
    grantId: string;
    granteePrincipal?: string;
    /** The account that created the grant (a consumer granting its own Auto Scaling role). */
    issuingAccount?: string;
    operations: string[];
    name?: string;
}

export interface ImageRevocation {
    imageId: string;
    name: string;
    version?: string;
    launch: LaunchPrincipal[];
    /** Snapshot id → accounts (or `all`) whose read access goes. */
    snapshots: Record<string, string[]>;
}

export interface GrantDecision {
    grant: KeyGrant;
    /** The grantee's account, when the principal names one. */
    account?: string;
    reason: string;
}

export interface RevokePlan {
    images: ImageRevocation[];
    /** Images that keep exactly what they had: nobody unlisted had access. */
    unchangedImages: number;
    revokeGrants: GrantDecision[];
    /** Kept because the grantee may belong to an organization or OU the stack still lists. */
    undecidedGrants: GrantDecision[];
    keptGrants: number;
}

/** `all`: the public; the only group EC2 knows. */
export const PUBLIC_GROUP = "all";

export function planRevocation(sharing: SharingConfig, images: ImageAccess[], grants: KeyGrant[]): RevokePlan {
    const accounts = new Set(launchAccounts(sharing));
    const organizations = new Set(sharing.organizationArns);
    const units = new Set(sharing.organizationalUnitArns);
    const readers = new Set(sharing.promotingAccounts);
    const plan: RevokePlan = { images: [], unchangedImages: 0, revokeGrants: [], undecidedGrants: [], keptGrants: 0 };
    for (const { image, launchPermissions, volumePermissions } of images) {
        const launch: LaunchPrincipal[] = [
            ...launchPermissions.accounts.filter(id => !accounts.has(id)).map(id => ({ kind: "account" as const, id })),
            ...launchPermissions.organizationArns.filter(id => !organizations.has(id)).map(id => ({ kind: "organization" as const, id })),
            ...launchPermissions.organizationalUnitArns.filter(id => !units.has(id)).map(id => ({ kind: "organizational-unit" as const, id })),
            ...launchPermissions.groups.map(id => ({ kind: "group" as const, id })),
        ];
        const snapshots: Record<string, string[]> = {};
        for (const [snapshotId, permissions] of Object.entries(volumePermissions)) {
            const going = [...permissions.accounts.filter(account => !readers.has(account)), ...permissions.groups];
            if (going.length > 0) snapshots[snapshotId] = going;
        }
        if (launch.length === 0 && Object.keys(snapshots).length === 0) {
            plan.unchangedImages += 1;
            continue;
        }
        plan.images.push({ imageId: image.imageId, name: image.name, version: image.version, launch, snapshots });
    }
    const membersMayBeListed = organizations.size > 0 || units.size > 0;
    for (const grant of grants) {
        const account = accountOfPrincipal(grant.granteePrincipal);
        const owner = accountOfArn(grant.keyArn);
        if (account === undefined || account === owner || accounts.has(account)) {
            plan.keptGrants += 1;
            continue;
        }
        if (membersMayBeListed) {
            plan.undecidedGrants.push({ grant, account, reason: `account ${account} is not listed, but may be a member of a listed organization or OU` });
            continue;
        }
        plan.revokeGrants.push({ grant, account, reason: `account ${account} is not in golden-ami:sharing` });
    }
    return plan;
}

/** The account of an IAM or STS principal ARN (`arn:aws:iam::333333333333:role/...`); undefined for a service principal. */
export function accountOfPrincipal(principal: string | undefined): string | undefined {
    const match = /^arn:[a-z-]+:(?:iam|sts)::(\d{12}):/.exec(principal ?? "");
    return match?.[1] ?? (/^\d{12}$/.test(principal ?? "") ? principal : undefined);
}

function accountOfArn(arn: string): string | undefined {
    return /^arn:[a-z-]+:[a-z0-9-]+:[a-z0-9-]*:(\d{12}):/.exec(arn)?.[1];
}

export function describePrincipal(principal: LaunchPrincipal): string {
    switch (principal.kind) {
        case "account":
            return `account ${principal.id}`;
        case "organization":
            return `organization ${principal.id}`;
        case "organizational-unit":
            return `OU ${principal.id}`;
        case "group":
            return principal.id === PUBLIC_GROUP ? "everyone (public)" : `group ${principal.id}`;
    }
}

/** Who loses what, principal by principal: for the summary line and the report. */
export function lossesByPrincipal(plan: RevokePlan): Record<string, { images: number; snapshots: number; grants: number }> {
    const losses: Record<string, { images: number; snapshots: number; grants: number }> = {};
    const entry = (who: string) => (losses[who] ??= { images: 0, snapshots: 0, grants: 0 });
    for (const image of plan.images) {
        for (const principal of image.launch) entry(describePrincipal(principal)).images += 1;
        for (const readers of Object.values(image.snapshots)) {
            for (const reader of readers) entry(reader === PUBLIC_GROUP ? "everyone (public)" : `account ${reader}`).snapshots += 1;
        }
    }
    for (const { account } of plan.revokeGrants) entry(`account ${account}`).grants += 1;
    return losses;
}
