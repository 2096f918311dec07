// Which input changes make Pulumi replace a resource instead of updating it, for the types this
// program declares. Source: the provider's force-new fields (terraform-provider-aws schemas, which
// @pulumi/aws v7 bridges; each type's API docs mark them "Changing this forces a new resource").
// The offline sequence runs and `npm run plan -- --diff` use it. Every type the program declares is
// listed (tests/tools/replaceRules.spec.ts), an empty list for one that only ever updates in place.

/** Top-level inputs whose change replaces a resource of the type. `"*"`: every input except `tags`. */
export const FORCE_NEW_INPUTS: Record<string, readonly string[]> = {
    "aws:ec2/amiCopy:AmiCopy": [
        "name",
        "sourceAmiId",
        "sourceAmiRegion",
        "encrypted",
        "kmsKeyId",
        "destinationOutpostArn",
        "ebsBlockDevices",
        "ephemeralBlockDevices",
    ],
    "aws:ec2/amiLaunchPermission:AmiLaunchPermission": ["imageId", "accountId", "group", "organizationArn", "organizationalUnitArn"],
    "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission": ["snapshotId", "accountId"],
    // Image Builder components, recipes and images are immutable: any change but tags is a new one.
    "aws:imagebuilder/component:Component": ["*"],
    "aws:imagebuilder/imageRecipe:ImageRecipe": ["*"],
    "aws:imagebuilder/image:Image": ["*"],
    "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration": ["name"],
    "aws:imagebuilder/distributionConfiguration:DistributionConfiguration": ["name"],
    "aws:imagebuilder/imagePipeline:ImagePipeline": ["name"],
    "aws:imagebuilder/lifecyclePolicy:LifecyclePolicy": ["name"],
    "aws:ec2/tag:Tag": ["resourceId", "key"],
    "aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess": [],
    "aws:kms/key:Key": ["customKeyStoreId", "customerMasterKeySpec", "keyUsage", "multiRegion", "xksKeyId"],
    "aws:kms/alias:Alias": ["name", "namePrefix"],
    "aws:ssm/parameter:Parameter": ["name", "dataType"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["name", "namePrefix"],
    "aws:ec2/securityGroup:SecurityGroup": ["name", "namePrefix", "vpcId", "description"],
    "aws:autoscaling/group:Group": ["name", "namePrefix"],
    "aws:iam/role:Role": ["name", "namePrefix", "path"],
    "aws:iam/instanceProfile:InstanceProfile": ["name", "namePrefix", "path"],
    "aws:iam/rolePolicy:RolePolicy": ["name", "namePrefix", "role"],
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": ["role", "policyArn"],
    "aws:s3/bucket:Bucket": ["bucket", "bucketPrefix", "objectLockEnabled"],
    // A bucket's settings are resources of their own, tied to the bucket they were made for.
    "aws:s3/bucketPolicy:BucketPolicy": ["bucket"],
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": ["bucket"],
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": ["bucket", "expectedBucketOwner"],
    "aws:sns/topic:Topic": ["name", "namePrefix", "fifoTopic"],
    "pulumi:providers:aws": ["region"],
    // The creation timestamp (components/CreatedAt.ts) is remade exactly when its triggers change.
    "pulumi-nodejs:dynamic:Resource": ["triggers"],
};

/** The inputs that differ between two sets, compared as JSON, sorted by name. */
export function changedInputs(before: Record<string, unknown>, after: Record<string, unknown>): string[] {
    const names = new Set([...Object.keys(before), ...Object.keys(after)]);
    return [...names].filter(name => name !== "__provider" && JSON.stringify(before[name]) !== JSON.stringify(after[name])).sort();
}

/** The changed inputs that force a replacement of a resource of `type`, empty when it updates in place. */
export function replaceReasons(type: string, changed: string[]): string[] {
    const forceNew = FORCE_NEW_INPUTS[type] ?? [];
    if (forceNew.includes("*")) return changed.filter(name => name !== "tags" && name !== "tagsAll");
    // @pulumi/aws v7's per-resource `region` input: a resource lives in one region, so a new one is a new resource.
    return changed.filter(name => forceNew.includes(name) || (name === "region" && type.startsWith("aws:")));
}

/**
 * A resource whose region changes — its own `region` input, or the region of the provider it is
 * declared with (a moved `aws:region`) — is a new resource in the new region, and the old one is deleted:
 * Pulumi replaces it. Resources without a region (components, providers' own bookkeeping) never move.
 */
export function movesRegion(before: string | undefined, after: string | undefined): boolean {
    return before !== undefined && after !== undefined && before !== after;
}
