// Class: public access settings. Turning a block off is blocked; an image in an account and region with no
// block is found, whichever account it settles in; an organization-enforced block is a supported setting.
import * as assert from "assert";
import { imageBlockPublicAccessOn, imageRegionsBlockPublicSharing } from "../../policy/policies";
import { amiCopy, blockPublicAccess, devProgram, distributionConfiguration, HOME_REGION, image, regionalProvider, snapshotBlockPublicAccess } from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const PROD_ACCOUNT = "333333333333";

/** A provider in `region` that deploys into `account` by assuming a role there (as the engine stores it: JSON). */
function providerIn(account: string, region = HOME_REGION, asJson = true) {
    const assumeRoles = [{ roleArn: `arn:aws:iam::${account}:role/deployer`, sessionName: "golden-ami" }];
    return { ...regionalProvider(region, { assumeRoles: asJson ? JSON.stringify(assumeRoles) : assumeRoles }), name: `aws-${account}-${region}` };
}

function inAccount(resource: ResourceFixture, account: string, asJson = true): ResourceFixture {
    return { ...resource, name: `${resource.name}-${account}`, provider: providerIn(account, HOME_REGION, asJson) };
}

describe("class: public access settings (image-block-public-access-on, image-regions-block-public-sharing)", () => {
    it("passes EBS snapshot block public access that blocks all or new sharing", async () => {
        for (const state of ["block-all-sharing", "block-new-sharing"]) {
            const setting = snapshotBlockPublicAccess();
            setting.props.state = state;
            assert.deepStrictEqual(await runPolicy(imageBlockPublicAccessOn, [setting]), []);
        }
    });

    it("fails EBS snapshot block public access turned off, and image block public access in any other state", async () => {
        const snapshots = snapshotBlockPublicAccess();
        snapshots.props.state = "unblocked";
        assert.deepStrictEqual((await runPolicy(imageBlockPublicAccessOn, [snapshots])).map(detail), [
            'state is "unblocked", which lets snapshots (an image\'s contents) be made public: set state to "block-all-sharing" (or "block-new-sharing").',
        ]);
        for (const state of ["unblocked", "BLOCK-NEW-SHARING", ""]) {
            const images = blockPublicAccess();
            images.props.state = state;
            assert.deepStrictEqual((await runPolicy(imageBlockPublicAccessOn, [images])).map(detail),
                [`state is ${JSON.stringify(state)}: set state to "block-new-sharing" so no image in this region can be made public.`]);
        }
    });

    it("passes an image in another account whose provider's account blocks public sharing there (roles as JSON or objects)", async () => {
        for (const asJson of [true, false]) {
            const resources = [inAccount(amiCopy(), PROD_ACCOUNT, asJson), inAccount(blockPublicAccess(), PROD_ACCOUNT, asJson), blockPublicAccess()];
            assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, resources), []);
        }
    });

    it("fails an image in another account when only the deploying account blocks public sharing in that region", async () => {
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [inAccount(amiCopy(), PROD_ACCOUNT), blockPublicAccess()]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            `this image is in ${HOME_REGION} of account ${PROD_ACCOUNT}, but the stack has no aws.ec2.ImageBlockPublicAccess with state ` +
            `"block-new-sharing" there, so nothing shows the image stays private: add one (with a provider that deploys into account ${PROD_ACCOUNT} ` +
            `in ${HOME_REGION}), or, if an organization policy keeps it on, say so in this policy's config (enforcedByOrganization or exemptRegions).`,
        ]);
    });

    it("fails a distribution's target account that has no block in the distribution's region", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].amiDistributionConfiguration.targetAccountIds = [PROD_ACCOUNT];
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [image(), distribution, blockPublicAccess()]);
        assert.deepStrictEqual(diagnostics.map(detail).map(message => message.split(", but")[0]),
            [`distributions[0] (targetAccountIds ${PROD_ACCOUNT}) is in ${HOME_REGION} of account ${PROD_ACCOUNT}`]);
        assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, [image(), distribution, blockPublicAccess(), inAccount(blockPublicAccess(), PROD_ACCOUNT)]), []);
    });

    it("knows the deploying account's id when its providers pin it with allowedAccountIds", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].amiDistributionConfiguration.targetAccountIds = ["111111111111"];
        const pinned = (resource: ResourceFixture) => ({ ...resource, provider: regionalProvider(HOME_REGION, { allowedAccountIds: JSON.stringify(["111111111111"]) }) });
        assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, [pinned(image()), pinned(distribution), pinned(blockPublicAccess())]), []);
    });

    it("passes a stack without blocks when an organization enforces them, and only the exempt regions with exemptRegions", async () => {
        const program = devProgram().filter(resource => !resource.type.endsWith("ImageBlockPublicAccess"));
        assert.ok((await runPolicy(imageRegionsBlockPublicSharing, program)).length > 0);
        assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, program, { enforcedByOrganization: true }), []);
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, program, { exemptRegions: [HOME_REGION] });
        assert.ok(diagnostics.length > 0 && diagnostics.every(d => detail(d).includes("is in us-west-2")), diagnostics.map(detail).join("\n"));
    });

    it("says when the provider's account is unknown at preview, and blocks once it resolves to an account without a block", async () => {
        const copy = amiCopy();
        copy.provider = { ...regionalProvider(HOME_REGION, { assumeRoles: UNKNOWN }), name: "aws-pending" };
        assert.deepStrictEqual((await runPolicy(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check the account of al2023-base-us-east-1-copy's provider: value unknown until apply"],
        ]);
        copy.provider = providerIn(PROD_ACCOUNT);
        assert.deepStrictEqual((await runPolicy(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()])).map(d => d.level), ["mandatory"]);
    });
});
