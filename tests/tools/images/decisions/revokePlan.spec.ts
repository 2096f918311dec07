import * as assert from "assert";
import { accountOfPrincipal, KeyGrant, planRevocation } from "../../../../tools/images/decisions/revokePlan";
import { goldenImage } from "../fixtures";

const OWNER = "111111111111";
const KEY = `arn:aws:kms:us-east-1:${OWNER}:key/1234abcd-12ab-34cd-56ef-1234567890ab`;
const sharing = { accounts: ["444444444444"], organizationArns: [], organizationalUnitArns: [], promotingAccounts: ["222222222222"] };
const grant = (grantId: string, granteePrincipal: string): KeyGrant => ({ keyArn: KEY, grantId, granteePrincipal, operations: ["Decrypt"] });

describe("images: what revoke takes back", () => {
    const image = goldenImage("ami-00000001", { created: "2026-01-01T04:00:00.000Z" });

    it("removes public launch and snapshot access along with unlisted principals, and keeps the listed ones", () => {
        const plan = planRevocation(
            sharing,
            [
                {
                    image,
                    launchPermissions: {
                        accounts: ["222222222222", "444444444444", "333333333333"],
                        organizationArns: [],
                        organizationalUnitArns: [],
                        groups: ["all"],
                    },
                    volumePermissions: { "snap-00000001": { accounts: ["222222222222", "444444444444"], groups: ["all"] } },
                },
            ],
            [],
        );
        assert.strictEqual(plan.images.length, 1);
        assert.deepStrictEqual(plan.images[0].launch, [
            { kind: "account", id: "333333333333" },
            { kind: "group", id: "all" },
        ]);
        // Only promoting accounts read snapshots: a launch-only account loses read access it should never have had.
        assert.deepStrictEqual(plan.images[0].snapshots, { "snap-00000001": ["444444444444", "all"] });
    });

    it("counts an image whose access is exactly the listed principals as unchanged", () => {
        const plan = planRevocation(
            sharing,
            [
                {
                    image,
                    launchPermissions: { accounts: ["222222222222"], organizationArns: [], organizationalUnitArns: [], groups: [] },
                    volumePermissions: { "snap-00000001": { accounts: ["222222222222"], groups: [] } },
                },
            ],
            [],
        );
        assert.deepStrictEqual([plan.images.length, plan.unchangedImages], [0, 1]);
    });

    it("revokes grants of unlisted accounts only: the owner's, AWS services' and listed accounts' grants stay", () => {
        const plan = planRevocation(
            sharing,
            [],
            [
                grant("g-removed", "arn:aws:iam::333333333333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"),
                grant("g-assumed", "arn:aws:sts::555555555555:assumed-role/deployer/session"),
                grant("g-listed", "arn:aws:iam::444444444444:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"),
                grant("g-owner", `arn:aws:iam::${OWNER}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`),
                grant("g-service", "ec2.us-east-1.amazonaws.com"),
            ],
        );
        assert.deepStrictEqual(
            plan.revokeGrants.map(decision => decision.grant.grantId),
            ["g-removed", "g-assumed"],
        );
        assert.strictEqual(plan.keptGrants, 3);
    });

    it("reads the account of IAM and STS principals, and none from a service principal", () => {
        assert.strictEqual(accountOfPrincipal("arn:aws-us-gov:iam::333333333333:root"), "333333333333");
        assert.strictEqual(accountOfPrincipal("autoscaling.amazonaws.com"), undefined);
        assert.strictEqual(accountOfPrincipal(undefined), undefined);
    });
});
