import * as assert from "assert";
import { imageKeyPolicy, organizationPath } from "../../components/keyPolicy";

const nobody = { accounts: [], organizationArns: [], organizationalUnitArns: [], promotingAccounts: [] };

describe("imageKeyPolicy", () => {
    it("lets the account's service-linked roles use the key by ARN, so the policy is valid before the roles exist", () => {
        const policy = imageKeyPolicy({ accountId: "123456789012", partition: "aws", sharedWith: nobody, serviceRoles: ["autoScaling"] });
        const use = policy.Statement.find(statement => statement.Sid === "ServiceLinkedRolesUseKey");
        assert.ok(use, "no statement for the service-linked roles");
        assert.deepStrictEqual(use.Principal, { AWS: "*" });
        assert.deepStrictEqual(use.Condition, { StringEquals: { "aws:PrincipalArn": [
            "arn:aws:iam::123456789012:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"] } });
        assert.ok((use.Action as string[]).includes("kms:Encrypt"), "Auto Scaling encrypts new volumes with the key");
    });

    it("names no one but the owner when the image is shared with nobody and used by no service", () => {
        const policy = imageKeyPolicy({ accountId: "123456789012", partition: "aws-us-gov", sharedWith: nobody, serviceRoles: [] });
        assert.deepStrictEqual(policy.Statement.map(statement => statement.Principal.AWS), ["arn:aws-us-gov:iam::123456789012:root"]);
    });

    it("matches an OU and every OU below it by organization path", () => {
        assert.strictEqual(organizationPath("arn:aws:organizations::111122223333:ou/o-exampleorg1/ou-ab12-cdef3456"), "o-exampleorg1/*/ou-ab12-cdef3456/*");
    });
});
