import { SharingConfig } from "./config";

/** What a consumer needs on the key to launch (or copy) an AMI encrypted with it. */
export const LAUNCH_KEY_ACTIONS = ["kms:Decrypt", "kms:DescribeKey", "kms:ReEncrypt*", "kms:GenerateDataKey*"];

/** Service-linked roles that create encrypted volumes from the image in the owning account. */
export const SERVICE_ROLES = {
    imageBuilder: "imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder",
    autoScaling: "autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
    // EC2 Fast Launch launches from the encrypted AMI and snapshots its instances with this role.
    ec2FastLaunch: "ec2fastlaunch.amazonaws.com/AWSServiceRoleForEC2FastLaunch",
} as const;

export type ServiceRole = keyof typeof SERVICE_ROLES;

export interface KeyPolicyArgs {
    accountId: string;
    partition: string;
    /** Principals outside the account that may launch images encrypted with this key. */
    sharedWith: SharingConfig;
    /** Service-linked roles of the owning account that use the key. */
    serviceRoles: ServiceRole[];
}

interface Statement {
    Sid: string;
    Effect: "Allow";
    Principal: { AWS: string | string[] };
    Action: string | string[];
    Resource: "*";
    Condition?: Record<string, Record<string, string | string[] | boolean>>;
}

const GRANT_FOR_AWS_RESOURCE = { Bool: { "kms:GrantIsForAWSResource": true } };

/** What a consumer's Auto Scaling service-linked role needs on the key to launch encrypted volumes (AWS's documented set). */
export const AUTO_SCALING_GRANT_OPERATIONS = [
    "Encrypt",
    "Decrypt",
    "ReEncryptFrom",
    "ReEncryptTo",
    "GenerateDataKey",
    "GenerateDataKeyWithoutPlaintext",
    "DescribeKey",
    "CreateGrant",
];

/** A consumer account's Auto Scaling service-linked role; `account` may be a policy variable. */
export function autoScalingRoleArn(partition: string, account: string): string {
    return `arn:${partition}:iam::${account}:role/aws-service-role/${SERVICE_ROLES.autoScaling}`;
}

/**
 * The key policy of an image key: the owning account administers it; its service-linked roles and the
 * shared principals may use it to launch, and create grants only for AWS services (EC2, Auto Scaling).
 */
export function imageKeyPolicy(args: KeyPolicyArgs): { Version: string; Statement: Statement[] } {
    const { accountId, partition, sharedWith } = args;
    const statements: Statement[] = [
        {
            Sid: "OwningAccountAdministersKey",
            Effect: "Allow",
            Principal: { AWS: `arn:${partition}:iam::${accountId}:root` },
            Action: "kms:*",
            Resource: "*",
        },
    ];
    const usedBy = (sid: string, principal: string | string[], condition: Statement["Condition"], extraActions: string[] = []) => {
        statements.push({
            Sid: `${sid}UseKey`,
            Effect: "Allow",
            Principal: { AWS: principal },
            Action: [...LAUNCH_KEY_ACTIONS, ...extraActions],
            Resource: "*",
            ...(condition && { Condition: condition }),
        });
        statements.push({
            Sid: `${sid}CreateGrantsForAwsServices`,
            Effect: "Allow",
            Principal: { AWS: principal },
            Action: "kms:CreateGrant",
            Resource: "*",
            Condition: { ...condition, ...GRANT_FOR_AWS_RESOURCE },
        });
    };
    if (args.serviceRoles.length > 0) {
        // Matched by ARN rather than named as principals: KMS rejects a policy naming a role that does not
        // exist yet, and a service-linked role only appears on the service's first use in the account.
        const roleArns = args.serviceRoles.map(role => `arn:${partition}:iam::${accountId}:role/aws-service-role/${SERVICE_ROLES[role]}`);
        usedBy("ServiceLinkedRoles", "*", { StringEquals: { "aws:PrincipalArn": roleArns } }, ["kms:Encrypt"]);
    }
    // A consumer's Auto Scaling group launches the image only once its service-linked role holds a grant on
    // this key, which the consumer creates itself (docs/operations.md#launching-a-shared-image-from-auto-scaling-consumer-accounts).
    // Such a grant is not "for an AWS resource", so it gets its own statement: for that role only, with
    // the operations Auto Scaling needs.
    const grantsForOwnAutoScaling = (sid: string, principal: string | string[], condition: Statement["Condition"], grantees: string[]) => {
        statements.push({
            Sid: `${sid}GrantTheirAutoScaling`,
            Effect: "Allow",
            Principal: { AWS: principal },
            Action: "kms:CreateGrant",
            Resource: "*",
            Condition: {
                ...condition,
                StringEquals: { ...condition?.StringEquals, "kms:GranteePrincipal": grantees },
                "ForAllValues:StringEquals": { "kms:GrantOperations": AUTO_SCALING_GRANT_OPERATIONS },
            },
        });
    };
    const accounts = [...sharedWith.accounts, ...sharedWith.promotingAccounts];
    if (accounts.length > 0) {
        const roots = accounts.map(account => `arn:${partition}:iam::${account}:root`);
        usedBy("SharedAccounts", roots, undefined);
        grantsForOwnAutoScaling(
            "SharedAccounts",
            roots,
            undefined,
            accounts.map(account => autoScalingRoleArn(partition, account)),
        );
    }
    // Members of an organization or OU are not listed: each may grant its own account's role, named by the
    // policy variable of the calling principal's account.
    const ownRole = [autoScalingRoleArn(partition, "${aws:PrincipalAccount}")];
    if (sharedWith.organizationArns.length > 0) {
        const inOrganization = { StringEquals: { "aws:PrincipalOrgID": sharedWith.organizationArns.map(organizationId) } };
        usedBy("SharedOrganizations", "*", inOrganization);
        grantsForOwnAutoScaling("SharedOrganizations", "*", inOrganization, ownRole);
    }
    if (sharedWith.organizationalUnitArns.length > 0) {
        const inUnit = { "ForAnyValue:StringLike": { "aws:PrincipalOrgPaths": sharedWith.organizationalUnitArns.map(organizationPath) } };
        usedBy("SharedOrganizationalUnits", "*", inUnit);
        grantsForOwnAutoScaling("SharedOrganizationalUnits", "*", inUnit, ownRole);
    }
    return { Version: "2012-10-17", Statement: statements };
}

/** `arn:aws:organizations::111122223333:organization/o-abc` → `o-abc`. */
export function organizationId(organizationArn: string): string {
    return organizationArn.slice(organizationArn.lastIndexOf("/") + 1);
}

/** `arn:aws:organizations::111122223333:ou/o-abc/ou-ab12-cdef3456` → `o-abc/*\/ou-ab12-cdef3456/*`: the OU and every OU below it. */
export function organizationPath(organizationalUnitArn: string): string {
    const [, orgId, ouId] = organizationalUnitArn.split(":").pop()!.split("/");
    return `${orgId}/*/${ouId}/*`;
}
