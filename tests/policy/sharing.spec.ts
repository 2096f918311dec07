import * as assert from "assert";
import { imageSharingAllowListed } from "../../policy/policies";
import { DEV_SHARED_ACCOUNT, distributionConfiguration, launchPermission, PROD_PRINCIPALS } from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const OU = "arn:aws:organizations::555555555555:ou/o-a1b2c3d4e5/ou-ab12-workload1";
const ORGANIZATION = "arn:aws:organizations::555555555555:organization/o-a1b2c3d4e5";
const DEV_ALLOW_LIST = { allowedAccounts: [DEV_SHARED_ACCOUNT] };
const PROD_ALLOW_LIST = { allowedAccounts: ["333333333333", "444444444444"], allowedOrganizationalUnitArns: [OU] };

describe("rule 5: image-sharing-allow-listed (launch permissions)", () => {
    it("passes launch permissions for allow-listed accounts and OUs", async () => {
        assert.deepStrictEqual(await runPolicy(imageSharingAllowListed, [launchPermission()], DEV_ALLOW_LIST), []);
        assert.deepStrictEqual(await runPolicy(imageSharingAllowListed, PROD_PRINCIPALS.map(grant => launchPermission(grant)), PROD_ALLOW_LIST), []);
    });

    it("allows nothing by default: an empty allow-list fails every share", async () => {
        const diagnostics = await runPolicy(imageSharingAllowListed, [launchPermission()]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            'accountId is "222222222222", which is not allow-listed: share only with the principals in this policy\'s ' +
            "allowedAccounts config (none yet), or add it there once it has been approved.",
        ]);
    });

    it("fails an account that is not allow-listed, naming the allow-list", async () => {
        const diagnostics = await runPolicy(imageSharingAllowListed, [launchPermission({ accountId: "999999999999" })], PROD_ALLOW_LIST);
        assert.deepStrictEqual(diagnostics.map(detail), [
            'accountId is "999999999999", which is not allow-listed: share only with the principals in this policy\'s ' +
            "allowedAccounts config (333333333333, 444444444444), or add it there once it has been approved.",
        ]);
        assert.strictEqual(diagnostics[0].level, "mandatory");
    });

    it("fails an organization or OU that is not allow-listed", async () => {
        const diagnostics = await runPolicy(imageSharingAllowListed,
            [launchPermission({ organizationArn: ORGANIZATION }), launchPermission({ organizationalUnitArn: OU })], DEV_ALLOW_LIST);
        assert.deepStrictEqual(diagnostics.map(detail), [
            `organizationArn is "${ORGANIZATION}", which is not allow-listed: share only with the principals in this policy's ` +
            "allowedOrganizationArns config (none yet), or add it there once it has been approved.",
            `organizationalUnitArn is "${OU}", which is not allow-listed: share only with the principals in this policy's ` +
            "allowedOrganizationalUnitArns config (none yet), or add it there once it has been approved.",
        ]);
    });

    it("says plainly when the account is unknown until apply", async () => {
        const diagnostics = await runPolicy(imageSharingAllowListed, [launchPermission({ accountId: UNKNOWN })], DEV_ALLOW_LIST);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check accountId: value unknown until apply"],
        ]);
    });
});

describe("rule 5: image-sharing-allow-listed (Image Builder distributions)", () => {
    it("passes a distribution shared with allow-listed principals", async () => {
        assert.deepStrictEqual(await runPolicy(imageSharingAllowListed, [distributionConfiguration()], DEV_ALLOW_LIST), []);
    });

    it("fails userIds, organizationArns, organizationalUnitArns and targetAccountIds outside the allow-lists", async () => {
        const distribution = distributionConfiguration();
        const ami = distribution.props.distributions[0].amiDistributionConfiguration;
        ami.launchPermission = { userIds: [DEV_SHARED_ACCOUNT, "999999999999"], organizationArns: [ORGANIZATION], organizationalUnitArns: [OU] };
        ami.targetAccountIds = ["888888888888"];
        const diagnostics = await runPolicy(imageSharingAllowListed, [distribution], DEV_ALLOW_LIST);
        const at = "distributions[0].amiDistributionConfiguration";
        assert.deepStrictEqual(diagnostics.map(detail).map(message => message.slice(0, message.indexOf(", which"))), [
            `${at}.launchPermission.userIds[1] is "999999999999"`,
            `${at}.launchPermission.organizationArns[0] is "${ORGANIZATION}"`,
            `${at}.launchPermission.organizationalUnitArns[0] is "${OU}"`,
            `${at}.targetAccountIds[0] is "888888888888"`,
        ]);
    });

    it("says plainly which list entry is unknown until apply, and still checks the rest", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].amiDistributionConfiguration.launchPermission.userIds = [UNKNOWN, "999999999999"];
        const diagnostics = await runPolicy(imageSharingAllowListed, [distribution], DEV_ALLOW_LIST);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, d.level === "advisory" ? unknownDetail(d) : detail(d)]), [
            ["mandatory", 'distributions[0].amiDistributionConfiguration.launchPermission.userIds[1] is "999999999999", which is not allow-listed: ' +
                "share only with the principals in this policy's allowedAccounts config (222222222222), or add it there once it has been approved."],
            ["advisory", "could not check distributions[0].amiDistributionConfiguration.launchPermission.userIds[0]: value unknown until apply"],
        ]);
    });
});
