import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { SharingConfig } from "./config";
import { imageKeyPolicy, ServiceRole } from "./keyPolicy";

export interface ImageKeyArgs {
    /** The region's provider: KMS keys are regional, so every region gets its own. */
    provider: aws.Provider;
    /** Alias without the `alias/` prefix, unique in the account and region. */
    alias: string;
    /** Principals outside the account that may launch images encrypted with the key; default none. */
    sharedWith?: SharingConfig;
    /** Service-linked roles of the owning account that use the key; default none. */
    serviceRoles?: ServiceRole[];
    tags: Record<string, string>;
}

/** A customer-managed, rotating KMS key for one region's golden images, with the policy that makes sharing work. */
export class ImageKey extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    public readonly keyId: pulumi.Output<string>;

    constructor(name: string, args: ImageKeyArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:kms:ImageKey", name, {}, opts);
        const invokeOpts = { parent: this, provider: args.provider };
        const identity = aws.getCallerIdentityOutput({}, invokeOpts);
        const partition = aws.getPartitionOutput({}, invokeOpts);
        const sharedWith = args.sharedWith ?? { accounts: [], organizationArns: [], organizationalUnitArns: [], promotingAccounts: [] };
        const policy = pulumi
            .all([identity.accountId, partition.partition])
            .apply(([accountId, partitionName]) =>
                JSON.stringify(imageKeyPolicy({ accountId, partition: partitionName, sharedWith, serviceRoles: args.serviceRoles ?? [] })),
            );

        const key = new aws.kms.Key(
            name,
            {
                description: `Encrypts golden images (${args.alias})`,
                enableKeyRotation: true,
                deletionWindowInDays: 30,
                policy,
                tags: args.tags,
            },
            {
                parent: this,
                provider: args.provider,
                // Kept images and copies (retainOnDelete) stay encrypted under this key: deleting it with a removed
                // region or a destroyed stack would make them unlaunchable. The alias goes, so the name can be reused.
                retainOnDelete: true,
            },
        );
        new aws.kms.Alias(name, { name: `alias/${args.alias}`, targetKeyId: key.keyId }, { parent: this, provider: args.provider });

        this.arn = key.arn;
        this.keyId = key.keyId;
        this.registerOutputs({ arn: this.arn, keyId: this.keyId });
    }
}
