// image-regions-block-public-sharing: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import { imageRegionsBlockPublicSharing } from "../../policy/policies";
import { distribute, findings, inAccount, noBlock, PROD_ACCOUNT, providerIn, workflow } from "./cases";
import { amiCopy, blockPublicAccess, devProgram, distributionConfiguration, HOME_REGION, image, imagePipeline, regionalProvider } from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("image-regions-block-public-sharing", () => {
    describe("blocks", () => {
        it("counts each DistributeImage step's region in a workflow document as holding images, and passes it once that region blocks", async () => {
            const distributing = workflow(distribute(`          kmsKeyId: ${fixtures.KEY_ARN}\n`).replace("region: us-east-1", "region: eu-central-1"));
            const found = (await runPolicy(imageRegionsBlockPublicSharing, [...devProgram(), distributing])).map(detail);
            assert.strictEqual(found.length, 1, found.join("\n"));
            assert.match(
                found[0],
                /^data: steps\[0\]\.inputs\.distributions\[0\] of workflow .* is in eu-central-1, but the stack has no aws\.ec2\.ImageBlockPublicAccess/,
            );
            assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, [...devProgram(), distributing, blockPublicAccess("eu-central-1")]), []);
        });

        it("requires a block on public sharing where a pipeline builds, as where an Image does", async () => {
            const pipeline = imagePipeline();
            pipeline.provider = regionalProvider("eu-north-1");
            const found = await findings(imageRegionsBlockPublicSharing, [pipeline, blockPublicAccess()]);
            assert.deepStrictEqual(
                found.map(finding => finding.split(", but")[0]),
                ["every image this pipeline builds is in eu-north-1"],
            );
            assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [imagePipeline(), blockPublicAccess()]), []);
        });

        it("does not take a provider with static credentials for the deploying account: it needs its own block", async () => {
            const copy = fixtures.amiCopy();
            copy.provider = regionalProvider(undefined, { accessKey: "AKIAIOSFODNN7EXAMPLE", secretKey: "[secret]" });
            const found = await findings(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()]);
            assert.deepStrictEqual(
                found.map(finding => finding.split(", but")[0]),
                ["this image is in us-east-1 of the account of access key AKIAIOSFODNN7EXAMPLE"],
            );
            const sameCredentials = blockPublicAccess();
            sameCredentials.provider = copy.provider;
            assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [copy, sameCredentials]), []);
        });

        it("image-regions-block-public-sharing does not take a provider with other credential or config files for the deploying account", async () => {
            for (const files of [{ sharedCredentialsFiles: ["/home/ci/.aws/other-credentials"] }, { sharedConfigFiles: '["/home/ci/.aws/other-config"]' }]) {
                const copy = amiCopy();
                copy.provider = regionalProvider(undefined, files);
                const found = await findings(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(
                    found[0],
                    /^this image is in us-east-1 of the account of profile "default" in \/home\/ci\/\.aws\/other-(credentials|config), but the stack has no aws\.ec2\.ImageBlockPublicAccess/,
                );
                const sameFiles = blockPublicAccess();
                sameFiles.provider = copy.provider;
                assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [copy, sameFiles]), []);
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
            assert.deepStrictEqual(
                diagnostics.map(detail).map(message => message.split(", but")[0]),
                [`distributions[0] (targetAccountIds ${PROD_ACCOUNT}) is in ${HOME_REGION} of account ${PROD_ACCOUNT}`],
            );
            assert.deepStrictEqual(
                await runPolicy(imageRegionsBlockPublicSharing, [image(), distribution, blockPublicAccess(), inAccount(blockPublicAccess(), PROD_ACCOUNT)]),
                [],
            );
        });

        it("knows the deploying account's id when its providers pin it with allowedAccountIds", async () => {
            const distribution = distributionConfiguration();
            distribution.props.distributions[0].amiDistributionConfiguration.targetAccountIds = ["111111111111"];
            const pinned = (resource: ResourceFixture) => ({
                ...resource,
                provider: regionalProvider(HOME_REGION, { allowedAccountIds: JSON.stringify(["111111111111"]) }),
            });
            assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, [pinned(image()), pinned(distribution), pinned(blockPublicAccess())]), []);
        });

        it("fails an image in a region without image block public access, at that image's URN", async () => {
            const resources = [amiCopy("us-west-2"), blockPublicAccess(HOME_REGION)];
            const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, resources);
            assert.deepStrictEqual(diagnostics.map(detail), [noBlock("this image", "us-west-2")]);
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
            assert.deepStrictEqual(diagnostics.map(detail), [noBlock("distributions[1]", "eu-west-1")]);
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
    });

    describe("still passes", () => {
        it("passes an image in another account whose provider's account blocks public sharing there (roles as JSON or objects)", async () => {
            for (const asJson of [true, false]) {
                const resources = [inAccount(amiCopy(), PROD_ACCOUNT, asJson), inAccount(blockPublicAccess(), PROD_ACCOUNT, asJson), blockPublicAccess()];
                assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, resources), []);
            }
        });

        it("passes a stack without blocks when an organization enforces them, and only the exempt regions with exemptRegions", async () => {
            const program = devProgram().filter(resource => !resource.type.endsWith("ImageBlockPublicAccess"));
            assert.ok((await runPolicy(imageRegionsBlockPublicSharing, program)).length > 0);
            assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, program, { enforcedByOrganization: true }), []);
            const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, program, { exemptRegions: [HOME_REGION] });
            assert.ok(diagnostics.length > 0 && diagnostics.every(d => detail(d).includes("is in us-west-2")), diagnostics.map(detail).join("\n"));
        });

        it("passes the dev program: every region holding an image blocks public sharing", async () => {
            assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, devProgram()), []);
        });

        it("does not apply to a stack without images", async () => {
            assert.deepStrictEqual(await runPolicy(imageRegionsBlockPublicSharing, [blockPublicAccess()]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says when the provider's account is unknown at preview, and blocks once it resolves to an account without a block", async () => {
            const copy = amiCopy();
            copy.provider = { ...regionalProvider(HOME_REGION, { assumeRoles: UNKNOWN }), name: "aws-pending" };
            assert.deepStrictEqual(
                (await runPolicy(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()])).map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check the account of al2023-base-us-east-1-copy's provider: value unknown until apply"]],
            );
            copy.provider = providerIn(PROD_ACCOUNT);
            assert.deepStrictEqual(
                (await runPolicy(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()])).map(d => d.level),
                ["mandatory"],
            );
        });

        it("says plainly when a region or a block's state is unknown until apply", async () => {
            const copy = amiCopy("us-west-2");
            copy.props.region = UNKNOWN;
            const setting = blockPublicAccess(HOME_REGION);
            setting.props.state = UNKNOWN;
            const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [copy, amiCopy(HOME_REGION), setting]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check al2023-base-us-east-1-sharing.state, the region of al2023-base-us-west-2-copy: values unknown until apply"]],
            );
        });

        it("reads the provider's region when it is unknown as unknown, not as missing", async () => {
            const copy = amiCopy();
            copy.provider = regionalProvider(UNKNOWN);
            const diagnostics = await runPolicy(imageRegionsBlockPublicSharing, [copy, blockPublicAccess()]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check the region of al2023-base-us-east-1-copy: value unknown until apply"]],
            );
        });
    });
});
