import * as assert from "assert";
import { AUTO_SCALING_GRANT_OPERATIONS, imageKeyPolicy, organizationPath } from "../../components/keyPolicy";

const nobody = { accounts: [], organizationArns: [], organizationalUnitArns: [], promotingAccounts: [] };

describe("imageKeyPolicy", () => {
    it("lets the account's service-linked roles use the key by ARN, so the policy is valid before the roles exist", () => {
        const policy = imageKeyPolicy({ accountId: "123456789012", partition: "aws", sharedWith: nobody, serviceRoles: ["autoScaling"] });
        const use = policy.Statement.find(statement => statement.Sid === "ServiceLinkedRolesUseKey");
        assert.ok(use, "no statement for the service-linked roles");
        assert.deepStrictEqual(use.Principal, { AWS: "*" });
        assert.deepStrictEqual(use.Condition, {
            StringEquals: { "aws:PrincipalArn": ["arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"] },
        });
        assert.ok((use.Action as string[]).includes("kms:Encrypt"), "Auto Scaling encrypts new volumes with the key");
    });

    it("names no one but the owner when the image is shared with nobody and used by no service", () => {
        const policy = imageKeyPolicy({ accountId: "123456789012", partition: "aws-us-gov", sharedWith: nobody, serviceRoles: [] });
        assert.deepStrictEqual(
            policy.Statement.map(statement => statement.Principal.AWS),
            ["arn:aws-us-gov:iam::123456789012:root"],
        );
    });

    it("matches an OU and every OU below it by organization path", () => {
        assert.strictEqual(organizationPath("arn:aws:organizations::111122223333:ou/o-exampleorg1/ou-ab12-cdef3456"), "o-exampleorg1/*/ou-ab12-cdef3456/*");
    });

    it("lets a shared account create a grant for its own Auto Scaling service-linked role only, which its groups need to launch the image", () => {
        const sharedWith = { ...nobody, accounts: ["333333333333"], promotingAccounts: ["222222222222"] };
        const policy = imageKeyPolicy({ accountId: "123456789012", partition: "aws", sharedWith, serviceRoles: [] });
        const grant = policy.Statement.find(statement => statement.Sid === "SharedAccountsGrantTheirAutoScaling");
        assert.ok(grant, "no consumer grant statement");
        assert.deepStrictEqual(grant.Principal.AWS, ["arn:aws:iam::333333333333:root", "arn:aws:iam::222222222222:root"]);
        assert.strictEqual(grant.Action, "kms:CreateGrant");
        assert.deepStrictEqual(
            grant.Condition,
            {
                StringEquals: {
                    "kms:GranteePrincipal": [
                        "arn:aws:iam::333333333333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                        "arn:aws:iam::222222222222:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling",
                    ],
                },
                "ForAllValues:StringEquals": { "kms:GrantOperations": AUTO_SCALING_GRANT_OPERATIONS },
            },
            "no kms:GrantIsForAWSResource: the consumer creates this grant itself",
        );
        const forServices = policy.Statement.find(statement => statement.Sid === "SharedAccountsCreateGrantsForAwsServices");
        assert.deepStrictEqual(forServices?.Condition, { Bool: { "kms:GrantIsForAWSResource": true } }, "other grants stay limited to AWS services");
    });

    it("lets members of a shared organization or OU grant their own account's Auto Scaling role, and no other", () => {
        const sharedWith = { ...nobody, organizationArns: ["arn:aws:organizations::111122223333:organization/o-exampleorg1"] };
        const policy = imageKeyPolicy({ accountId: "123456789012", partition: "aws", sharedWith, serviceRoles: [] });
        const grant = policy.Statement.find(statement => statement.Sid === "SharedOrganizationsGrantTheirAutoScaling");
        assert.deepStrictEqual(grant?.Condition?.StringEquals, {
            "aws:PrincipalOrgID": ["o-exampleorg1"],
            "kms:GranteePrincipal": ["arn:aws:iam::${aws:PrincipalAccount}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"],
        });
    });
});
