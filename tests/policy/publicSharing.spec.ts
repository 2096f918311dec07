import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { imageBlockPublicAccessOn, imageRegionsBlockPublicSharing, noPublicImages } from "../../policy/policies";
import {
    amiCopy, blockPublicAccess, devProgram, distributionConfiguration, HOME_REGION, image, launchPermission, regionalProvider,
} from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const PACK_VERSION: string = JSON.parse(fs.readFileSync(path.join(__dirname, "../../policy/package.json"), "utf8")).version;
const UNTIL_APPLY = "the check runs again with the real values when `pulumi up` registers the resource";

describe("rule 1: no-public-images (launch permissions)", () => {
    it("passes a launch permission for one account", async () => {
        assert.deepStrictEqual(await runPolicy(noPublicImages, [launchPermission()]), []);
    });

    it("fails a launch permission for the group \"all\", naming the field and the fix", async () => {
        const diagnostics = await runPolicy(noPublicImages, [launchPermission({ group: "all" })]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            'group is "all", which makes the image public: remove this launch permission, ' +
            "or share with an accountId, organizationArn or organizationalUnitArn instead.",
        ]);
        assert.strictEqual(diagnostics[0].level, "mandatory");
        assert.match(diagnostics[0].urn!, /AmiLaunchPermission::al2023-base-us-east-1-sharing-all$/);
    });

    it("says plainly when the group is unknown until apply, as an advisory", async () => {
        const diagnostics = await runPolicy(noPublicImages, [launchPermission({ group: UNKNOWN })]);
        assert.strictEqual(diagnostics.length, 1);
        assert.strictEqual(diagnostics[0].level, "advisory");
        assert.strictEqual(diagnostics[0].message,
            `can't run policy 'no-public-images' from policy pack 'golden-ami@v${PACK_VERSION}' during preview: ` +
            `could not check group: value unknown until apply; ${UNTIL_APPLY}`);
    });

    it("does not apply to other resource types", async () => {
        assert.deepStrictEqual(await runPolicy(noPublicImages, [amiCopy(), image()]), []);
    });
});

describe("rule 2: no-public-images (Image Builder distributions)", () => {
    it("passes a distribution shared with one account", async () => {
        assert.deepStrictEqual(await runPolicy(noPublicImages, [distributionConfiguration()]), []);
    });

    it("fails a distribution whose launchPermission.userGroups contains \"all\"", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions.push({
            region: "us-west-2",
            amiDistributionConfiguration: { kmsKeyId: "k", launchPermission: { userGroups: ["all"] } },
        });
        const diagnostics = await runPolicy(noPublicImages, [distribution]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            'distributions[1].amiDistributionConfiguration.launchPermission.userGroups[0] is "all", which makes every image ' +
            "this distribution makes public: remove it and share with userIds, organizationArns or organizationalUnitArns instead.",
        ]);
    });

    it("says plainly when userGroups is unknown until apply", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].amiDistributionConfiguration.launchPermission.userGroups = UNKNOWN;
        const diagnostics = await runPolicy(noPublicImages, [distribution]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check distributions[0].amiDistributionConfiguration.launchPermission.userGroups: value unknown until apply"],
        ]);
    });
});

describe("rule 3: image-block-public-access-on", () => {
    it("passes block-new-sharing", async () => {
        assert.deepStrictEqual(await runPolicy(imageBlockPublicAccessOn, [blockPublicAccess()]), []);
    });

    it("fails any other state, naming the field and the fix", async () => {
        const setting = blockPublicAccess();
        setting.props.state = "unblocked";
        const diagnostics = await runPolicy(imageBlockPublicAccessOn, [setting]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            'state is "unblocked": set state to "block-new-sharing" so no image in this region can be made public.',
        ]);
    });

    it("says plainly when the state is unknown until apply", async () => {
        const setting = blockPublicAccess();
        setting.props.state = UNKNOWN;
        const diagnostics = await runPolicy(imageBlockPublicAccessOn, [setting]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check state: value unknown until apply"],
        ]);
    });
});

/** The stack rule's finding for an image in the deploying account's `region`. */
function noBlock(what: string, region: string): string {
    return `${what} is in ${region}, but the stack has no aws.ec2.ImageBlockPublicAccess with state "block-new-sharing" there, ` +
        `so nothing shows the image stays private: add one (with ${region}'s provider, or region: "${region}"), ` +
        "or, if an organization policy keeps it on, say so in this policy's config (enforcedByOrganization or exemptRegions).";
}

describe("rule 3: image-regions-block-public-sharing (stack)", () => {
    it("passes the dev program: every region holding an image blocks public sharing", async () => {
        assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, devProgram()), []);
    });

    it("fails an image in a region without image block public access, at that image's URN", async () => {
        const resources = [amiCopy("us-west-2"), blockPublicAccess(HOME_REGION)];
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, resources);
        assert.deepStrictEqual(diagnostics.map(detail), [
            noBlock("this image", "us-west-2"),
        ]);
        assert.match(diagnostics[0].urn!, /AmiCopy::al2023-base-us-west-2-copy$/);
    });

    it("does not count a block whose state is not block-new-sharing", async () => {
        const setting = blockPublicAccess("us-west-2");
        setting.props.state = "unblocked";
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [amiCopy("us-west-2"), setting]);
        assert.strictEqual(diagnostics.length, 1);
        assert.match(detail(diagnostics[0]), /^this image is in us-west-2, but/);
    });

    it("takes a resource's own region input over its provider's region", async () => {
        const copy = amiCopy(HOME_REGION);
        copy.props.region = "eu-west-1";
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [copy, blockPublicAccess(HOME_REGION)]);
        assert.match(detail(diagnostics[0]), /^this image is in eu-west-1, but/);

        const setting = blockPublicAccess(HOME_REGION);
        setting.props.region = "eu-west-1";
        assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, [copy, setting]), []);
    });

    it("counts each Image Builder distribution's target region as holding images", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions.push({ region: "eu-west-1", amiDistributionConfiguration: { kmsKeyId: "k" } });
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [image(), distribution, blockPublicAccess(HOME_REGION)]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            noBlock("distributions[1]", "eu-west-1"),
        ]);
    });

    it("fails an image whose region cannot be told", async () => {
        const copy = amiCopy();
        copy.provider = { props: {} };
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            "cannot tell which region this image is in: neither its region nor its provider's region is set; " +
            "set region on the resource or on its provider.",
        ]);
    });

    it("says plainly when a region or a block's state is unknown until apply", async () => {
        const copy = amiCopy("us-west-2");
        copy.props.region = UNKNOWN;
        const setting = blockPublicAccess(HOME_REGION);
        setting.props.state = UNKNOWN;
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [copy, amiCopy(HOME_REGION), setting]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check al2023-base-us-east-1-sharing.state, the region of al2023-base-us-west-2-copy: values unknown until apply"],
        ]);
    });

    it("reads the provider's region when it is unknown as unknown, not as missing", async () => {
        const copy = amiCopy();
        copy.provider = regionalProvider(UNKNOWN);
        const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check the region of al2023-base-us-east-1-copy: value unknown until apply"],
        ]);
    });

    it("does not apply to a stack without images", async () => {
        assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, [blockPublicAccess()]), []);
    });
});
