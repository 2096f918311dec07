import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SharingConfig } from "./config";
import { organizationId } from "./keyPolicy";

export interface ImageSharingArgs {
    provider: aws.Provider;
    amiId: pulumi.Input<string>;
    /** Accounts, organizations and OUs that may launch the image; never the public. */
    sharedWith: SharingConfig;
    /** Keep new public sharing blocked in the region (`golden-ami:blockPublicSharing`). */
    blockPublicSharing: boolean;
}

/** Launch permissions for exactly the configured principals, and public sharing blocked in the region. */
export class ImageSharing extends pulumi.ComponentResource {
    constructor(name: string, args: ImageSharingArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:ec2:ImageSharing", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        for (const permission of launchPermissions(args.sharedWith)) {
            // Named after the principal, not its position, so removing one principal replaces nothing else.
            new aws.ec2.AmiLaunchPermission(`${name}-${permission.id}`, { imageId: args.amiId, ...permission.grant }, child);
        }
        if (args.blockPublicSharing) {
            new aws.ec2.ImageBlockPublicAccess(name, { state: "block-new-sharing" }, child);
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
