import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface BuildLogsBucketArgs {
    /** The building region's provider. */
    provider: aws.Provider;
    tags: Record<string, string>;
}

/**
 * Build logs: encrypted, never public, TLS only, kept for a year. The bucket and its settings are kept when
 * the stack is destroyed (retainOnDelete): `pulumi destroy` never stops on a bucket that holds logs, the
 * logs stay for audits, and the expiry rule goes on deleting them (docs/operations.md, Destroy and recovery).
 */
export class BuildLogsBucket extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;
    public readonly bucket: pulumi.Output<string>;

    constructor(name: string, args: BuildLogsBucketArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:s3:BuildLogsBucket", name, {}, opts);
        const child = { parent: this, provider: args.provider, retainOnDelete: true };
        const bucket = new aws.s3.Bucket(name, { forceDestroy: false, tags: args.tags }, child);
        new aws.s3.BucketPublicAccessBlock(
            name,
            {
                bucket: bucket.id,
                blockPublicAcls: true,
                blockPublicPolicy: true,
                ignorePublicAcls: true,
                restrictPublicBuckets: true,
            },
            child,
        );
        new aws.s3.BucketServerSideEncryptionConfiguration(
            name,
            {
                bucket: bucket.id,
                rules: [{ applyServerSideEncryptionByDefault: { sseAlgorithm: "AES256" } }],
            },
            child,
        );
        new aws.s3.BucketLifecycleConfiguration(
            name,
            {
                bucket: bucket.id,
                rules: [{ id: "expire-build-logs", status: "Enabled", filter: {}, expiration: { days: 365 } }],
            },
            child,
        );
        new aws.s3.BucketPolicy(
            name,
            {
                bucket: bucket.id,
                policy: pulumi.jsonStringify({
                    Version: "2012-10-17",
                    Statement: [
                        {
                            Sid: "DenyInsecureTransport",
                            Effect: "Deny",
                            Principal: "*",
                            Action: "s3:*",
                            Resource: [bucket.arn, pulumi.interpolate`${bucket.arn}/*`],
                            Condition: { Bool: { "aws:SecureTransport": "false" } },
                        },
                    ],
                }),
            },
            child,
        );
        this.arn = bucket.arn;
        this.bucket = bucket.bucket;
        this.registerOutputs({ arn: this.arn, bucket: this.bucket });
    }
}
