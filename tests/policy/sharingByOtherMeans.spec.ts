// Class: an image's contents reach a principal by other means than a launch permission. Each case starts
// from a passing fixture and changes one thing.
import * as assert from "assert";
import { imageBuildsUseStackDistributions, imageSharingAllowListed, noPublicImages } from "../../policy/policies";
import {
    DEV_SHARED_ACCOUNT, distributionConfiguration, image, imagePipeline, launchPermission, ramPrincipalAssociation, regionalProvider, snapshotPermission,
} from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const ALLOW = { allowedAccounts: [DEV_SHARED_ACCOUNT] };
const OUTSIDER = "999999999999";
const notAllowListed = (field: string, value: string, list = "allowedAccounts", allowed = DEV_SHARED_ACCOUNT) =>
    `${field} is "${value}", which is not allow-listed: share only with the principals in this policy's ${list} config (${allowed}), ` +
    "or add it there once it has been approved.";

async function sharingFindings(resource: ResourceFixture, config: Record<string, unknown> = ALLOW): Promise<string[]> {
    return (await runPolicy(imageSharingAllowListed, [resource], config)).map(detail);
}

describe("class: sharing by other means (image-sharing-allow-listed, no-public-images)", () => {
    it("passes the allow-listed variants of every way to share", async () => {
        assert.deepStrictEqual(await sharingFindings(snapshotPermission()), []);
        assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation()), []);
        assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation(`arn:aws:iam::${DEV_SHARED_ACCOUNT}:role/consumer`)), []);
        assert.deepStrictEqual(await sharingFindings(launchPermission({ accountId: ` ${DEV_SHARED_ACCOUNT} ` })), []);
        assert.deepStrictEqual(await runPolicy(noPublicImages, [snapshotPermission(), launchPermission(), distributionConfiguration()]), []);
    });

    it("fails snapshot create-volume access for an account that is not allow-listed, and for \"all\" (any case) as public", async () => {
        assert.deepStrictEqual(await sharingFindings(snapshotPermission(OUTSIDER)), [notAllowListed("accountId", OUTSIDER)]);
        for (const everyone of ["all", "ALL", " All "]) {
            assert.deepStrictEqual((await runPolicy(noPublicImages, [snapshotPermission(everyone)])).map(detail), [
                `accountId is ${JSON.stringify(everyone)}, which lets anyone create volumes from the image's snapshot: set accountId to one allow-listed account.`,
            ]);
        }
    });

    it("fails a launch permission for \"all\" however it is spelled or wherever it is declared", async () => {
        for (const [grant, region] of [[{ group: "ALL" }, "us-east-1"], [{ group: " all" }, "ap-southeast-2"], [{ accountId: "all" }, "eu-west-1"]] as const) {
            const findings = (await runPolicy(noPublicImages, [launchPermission(grant, region)])).map(detail);
            assert.strictEqual(findings.length, 1, JSON.stringify(grant));
            assert.match(findings[0], /which makes the image public: remove this launch permission/);
        }
    });

    it("fails RAM shares with an account, organization, OU or IAM principal that is not allow-listed", async () => {
        const organization = "arn:aws:organizations::555555555555:organization/o-a1b2c3d4e5";
        assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation(OUTSIDER)), [notAllowListed("principal", OUTSIDER)]);
        assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation(organization)),
            [notAllowListed("principal", organization, "allowedOrganizationArns", "none yet")]);
        const role = `arn:aws:iam::${OUTSIDER}:role/outsider`;
        assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation(role)), [
            `principal is "${role}", which is not an allow-listed principal: share the image's Image Builder resources only with an account, ` +
            "organization or OU on this policy's allow-lists (an IAM principal counts as its account).",
        ]);
        const exclusive: ResourceFixture = {
            type: "aws:ram/resourceShareAssociationsExclusive:ResourceShareAssociationsExclusive",
            name: "al2023-base-share",
            props: { resourceShareArn: "arn:aws:ram:us-east-1:111111111111:resource-share/x", principals: [DEV_SHARED_ACCOUNT, OUTSIDER] },
        };
        assert.deepStrictEqual(await sharingFindings(exclusive), [notAllowListed("principals[1]", OUTSIDER)]);
    });

    it("fails a distribution that reaches another account through target accounts, launch templates, fast launch or SSM parameters", async () => {
        const variants: Array<[string, (target: any) => void]> = [
            ["distributions[0].amiDistributionConfiguration.targetAccountIds[0]", target => { target.amiDistributionConfiguration.targetAccountIds = [OUTSIDER]; }],
            ["distributions[0].launchTemplateConfigurations[0].accountId", target => { target.launchTemplateConfigurations = [{ launchTemplateId: "lt-1", accountId: OUTSIDER }]; }],
            ["distributions[0].fastLaunchConfigurations[0].accountId", target => { target.fastLaunchConfigurations = [{ accountId: OUTSIDER, enabled: true }]; }],
            ["distributions[0].ssmParameterConfigurations[0].amiAccountId", target => { target.ssmParameterConfigurations = [{ parameterName: "/ami", amiAccountId: OUTSIDER }]; }],
            ["distributions[0].amiDistributionConfiguration.launchPermission.userIds[1]", target => { target.amiDistributionConfiguration.launchPermission.userIds.push(OUTSIDER); }],
        ];
        for (const [field, change] of variants) {
            const distribution = distributionConfiguration();
            change(distribution.props.distributions[0]);
            assert.deepStrictEqual(await sharingFindings(distribution), [notAllowListed(field, OUTSIDER)], field);
        }
    });

    it("fails an S3 export of the image to a bucket that is not allow-listed, and passes one that is", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions[0].s3ExportConfiguration = { s3Bucket: "disk-images", roleName: "export", diskImageFormat: "VMDK" };
        assert.deepStrictEqual(await sharingFindings(distribution), [
            'distributions[0].s3ExportConfiguration.s3Bucket is "disk-images", which is not allow-listed: export disk images only to the buckets ' +
            "in this policy's allowedExportBuckets config (none yet), or add it there once it has been approved.",
        ]);
        assert.deepStrictEqual(await sharingFindings(distribution, { ...ALLOW, allowedExportBuckets: ["disk-images"] }), []);
    });

    it("fails an Image or pipeline that distributes through a configuration the stack does not declare, and passes the declared one", async () => {
        assert.deepStrictEqual(await runPolicy(imageBuildsUseStackDistributions, [image(), imagePipeline(), distributionConfiguration()]), []);
        const foreign = "arn:aws:imagebuilder:us-east-1:999999999999:distribution-configuration/everyone";
        for (const build of [image(), imagePipeline()]) {
            build.props.distributionConfigurationArn = foreign;
            const diagnostics = await runPolicy(imageBuildsUseStackDistributions, [build, distributionConfiguration()]);
            assert.deepStrictEqual(diagnostics.map(detail), [
                `distributionConfigurationArn is "${foreign}", a distribution configuration this stack does not declare, so the pack cannot see ` +
                "which accounts, regions or buckets it sends the image to, nor how it is encrypted and tagged: declare the " +
                "aws.imagebuilder.DistributionConfiguration in this stack and pass its arn.",
            ]);
            assert.strictEqual(diagnostics[0].urn, `urn:pulumi:dev::golden-ami::${build.type}::${build.name}`);
        }
    });

    it("fails an Image or pipeline that runs a workflow the stack does not declare and AWS does not own; passes declared and AWS-managed ones", async () => {
        const declaredArn = "arn:aws:imagebuilder:us-east-1:111111111111:workflow/distribution/distribute/1.0.0/1";
        const declared: ResourceFixture = {
            type: "aws:imagebuilder/workflow:Workflow", name: "distribute", provider: regionalProvider(),
            props: { name: "distribute", version: "1.0.0", type: "DISTRIBUTION", data: "name: distribute\nschemaVersion: 1.0\nsteps: []\n" },
            outputs: { arn: declaredArn },
        };
        const awsOwned = ["arn:aws:imagebuilder:us-east-1:aws:workflow/build/build-image/1.0.0", "arn:aws-us-gov:imagebuilder:us-gov-west-1:aws:workflow/test/test-image/x.x.x"];
        for (const build of [image(), imagePipeline()]) {
            build.props.workflows = [...awsOwned, ` ${declaredArn.toUpperCase()} `].map(workflowArn => ({ workflowArn }));
            assert.deepStrictEqual(await runPolicy(imageBuildsUseStackDistributions, [build, distributionConfiguration(), declared]), [], build.type);
        }
        const foreign = "arn:aws:imagebuilder:us-east-1:999999999999:workflow/distribution/share-everywhere/1.0.0/1";
        for (const workflows of [[{ workflowArn: awsOwned[0] }, { workflowArn: foreign }], { workflowArn: foreign }]) {
            const build = image();
            build.props.workflows = workflows;
            const diagnostics = await runPolicy(imageBuildsUseStackDistributions, [build, distributionConfiguration(), declared]);
            const index = Array.isArray(workflows) ? 1 : 0;
            assert.deepStrictEqual(diagnostics.map(detail), [
                `workflows[${index}].workflowArn is "${foreign}", a workflow this stack does not declare and AWS does not own, so the pack cannot see ` +
                "whether it shares, distributes, encrypts or tags the image: declare the aws.imagebuilder.Workflow in this stack " +
                "(its document is then checked) and pass its arn, or use an AWS-managed workflow.",
            ], JSON.stringify(workflows));
            assert.strictEqual(diagnostics[0].level, "mandatory");
        }
        const pending = { ...declared, outputs: { arn: UNKNOWN } };
        const build = image();
        build.props.workflows = [{ workflowArn: foreign }];
        assert.deepStrictEqual((await runPolicy(imageBuildsUseStackDistributions, [build, distributionConfiguration(), pending])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check whether al2023-base-image.workflows[0].workflowArn is one of the stack's workflows: value unknown until apply"],
        ]);
    });

    it("says which share is unknown at preview, and blocks the same field once it resolves to an outsider", async () => {
        const permission = snapshotPermission();
        permission.props.accountId = UNKNOWN;
        assert.deepStrictEqual((await runPolicy(imageSharingAllowListed, [permission], ALLOW)).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check accountId: value unknown until apply"],
        ]);
        permission.props.accountId = OUTSIDER;
        assert.deepStrictEqual((await runPolicy(imageSharingAllowListed, [permission], ALLOW)).map(d => d.level), ["mandatory"]);

        const pending = distributionConfiguration();
        pending.outputs = { arn: UNKNOWN };
        const build = image();
        assert.deepStrictEqual((await runPolicy(imageBuildsUseStackDistributions, [build, pending])).map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check whether al2023-base-image.distributionConfigurationArn is one of the stack's distribution configurations: value unknown until apply"],
        ]);
    });
});
