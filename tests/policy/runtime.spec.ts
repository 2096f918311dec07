// Holds the harness to the real thing: starts policy/index.ts as the CLI starts a policy pack (a process
// whose @pulumi/policy analyzer serves gRPC on the port it prints), configures it with the reconciled
// config file, sends the same resources as AnalyzeRequest / AnalyzeStackRequest protobufs (unknowns as the
// engine's sentinel) and expects exactly the diagnostics the harness produced. The broken program carries a
// variant of every class of misconfiguration the pack blocks, so one round trip per resource covers them all.
import * as assert from "assert";
import { EnforcementLevel } from "@pulumi/pulumi/proto/analyzer_pb";
import { policies } from "../../policy/policies";
import * as fixtures from "./fixtures";
import { AnalyzerSession, Diagnostic, loadPackConfig, PACK_VERSION, ResourceFixture, runPolicies, UNKNOWN } from "./harness";

/** A stack with something for every policy to say, including values unknown until apply. */
function brokenProgram(): ResourceFixture[] {
    const copy = fixtures.amiCopy("eu-west-1");
    copy.props.kmsKeyId = UNKNOWN;
    copy.props.deprecationTime = "";
    delete copy.props.tags.Owner;
    const taggedByDefault = fixtures.amiCopy();
    delete taggedByDefault.props.tags.Owner;
    taggedByDefault.provider = fixtures.regionalProvider(undefined, { defaultTags: JSON.stringify({ tags: { Owner: "platform-team" } }) });
    const template = fixtures.launchTemplate();
    template.props.metadataOptions = { httpTokens: UNKNOWN, httpPutResponseHopLimit: 2 };
    template.props.imageId = "resolve:ssm:/golden-ami/al2023-base/dev/ami-id";
    template.props.userData = Buffer.from("#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n").toString("base64");
    const group = fixtures.autoScalingGroup();
    group.props.launchTemplate.version = "$Latest";
    const captured = fixtures.amiFromInstance();
    captured.props.snapshotWithoutReboot = true;
    const unblocked = fixtures.blockPublicAccess("eu-west-1");
    unblocked.props.state = "unblocked";
    const snapshotsUnblocked = fixtures.snapshotBlockPublicAccess();
    snapshotsUnblocked.props.state = "unblocked";
    const distribution = fixtures.distributionConfiguration();
    distribution.props.distributions.push({
        region: "us-west-2",
        amiDistributionConfiguration: { launchPermission: { userGroups: ["all"], userIds: ["999999999999"] }, targetAccountIds: ["888888888888"] },
        s3ExportConfiguration: { s3Bucket: "exports", roleName: "export", diskImageFormat: "RAW" },
    });
    const westImage = fixtures.image();
    westImage.name = "al2023-base-image-west";
    westImage.provider = fixtures.regionalProvider("us-west-2");
    westImage.props.distributionConfigurationArn = "arn:aws:imagebuilder:us-west-2:999999999999:distribution-configuration/elsewhere";
    const externalKey = fixtures.amiCopy("us-west-2");
    externalKey.name = "copy-under-external-key";
    externalKey.props.kmsKeyId = "arn:aws:kms:us-west-2:111111111111:key/0000aaaa-12ab-34cd-56ef-1234567890ab";
    externalKey.props.deprecationTime = fixtures.inDays(5000);
    const openInstance = fixtures.instance();
    openInstance.props.metadataOptions.httpTokens = "optional";
    delete openInstance.props.associatePublicIpAddress;
    const elsewhere = fixtures.autoScalingGroup();
    elsewhere.name = "elsewhere";
    elsewhere.props.launchTemplate.id = "lt-0fedcba9876543210";
    const lifecycle = fixtures.lifecyclePolicy();
    lifecycle.props.resourceSelection = { tagMap: {} };
    // Bypasses red-teaming found: a Spot Instance request on IMDSv1, a tag resource that blanks a required tag.
    const spot = fixtures.instance();
    spot.type = "aws:ec2/spotInstanceRequest:SpotInstanceRequest";
    spot.name = "spot-builder";
    spot.props.metadataOptions.httpTokens = "optional";
    const blankOwner: ResourceFixture = {
        type: "aws:ec2/tag:Tag",
        name: "blank-owner",
        provider: fixtures.regionalProvider(),
        props: { resourceId: fixtures.SOURCE_AMI, key: "Owner", value: " " },
    };
    const beanstalk: ResourceFixture = {
        type: "aws:elasticbeanstalk/environment:Environment",
        name: "web",
        provider: fixtures.regionalProvider(),
        props: { application: "web" },
    };
    // The export bucket opened to the world by a bucket policy.
    const publicExports: ResourceFixture = {
        type: "aws:s3/bucketPolicy:BucketPolicy",
        name: "exports-policy",
        provider: fixtures.regionalProvider(),
        props: {
            bucket: "exports",
            policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:GetObject", Resource: "arn:aws:s3:::exports/*" }] }),
        },
    };
    // A workflow whose key comes from a parameter no build of the stack passes.
    const parameterised: ResourceFixture = {
        type: "aws:imagebuilder/workflow:Workflow",
        name: "parameterised",
        provider: fixtures.regionalProvider(),
        props: {
            name: "parameterised",
            version: "1.0.0",
            type: "DISTRIBUTION",
            tags: fixtures.imageTags(),
            data: "name: parameterised\nschemaVersion: 1.0\nparameters:\n  - name: key\n    type: string\nsteps:\n  - name: Distribute\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions:\n        - region: us-east-1\n          kmsKeyId.$: $.parameters.key\n",
        },
    };
    // The same kind of workflow run by a build that passes an AWS-managed key: the resolved document is judged.
    const passed: ResourceFixture = {
        ...parameterised,
        name: "parameterised-run",
        props: { ...parameterised.props, name: "parameterised-run" },
        outputs: { arn: "arn:aws:imagebuilder:us-east-1:111111111111:workflow/distribution/parameterised-run/1.0.0/1" },
    };
    const runsIt = fixtures.image();
    runsIt.name = "al2023-base-image-run";
    runsIt.props.workflows = [{ workflowArn: passed.outputs!.arn, parameters: [{ name: "key", value: "alias/aws/ebs" }] }];
    return [
        ...fixtures.devProgram(),
        beanstalk,
        publicExports,
        parameterised,
        passed,
        runsIt,
        copy,
        taggedByDefault,
        template,
        group,
        captured,
        unblocked,
        snapshotsUnblocked,
        distribution,
        westImage,
        externalKey,
        openInstance,
        fixtures.subnet(true),
        elsewhere,
        lifecycle,
        spot,
        blankOwner,
        fixtures.launchPermission({ group: "all" }),
        fixtures.launchPermission({ accountId: "999999999999" }),
        fixtures.snapshotPermission("999999999999"),
        fixtures.ramPrincipalAssociation("arn:aws:iam::999999999999:role/outsider"),
    ].filter(resource => resource.type !== "aws:imagebuilder/lifecyclePolicy:LifecyclePolicy" || resource === lifecycle);
}

function sorted(diagnostics: Diagnostic[]): string[] {
    return diagnostics.map(diagnostic => JSON.stringify([diagnostic.urn, diagnostic.policy, diagnostic.level, diagnostic.message])).sort();
}

describe("the harness matches @pulumi/policy's analyzer serving policy/index.ts", function () {
    this.timeout(30000);
    let session: AnalyzerSession;

    before(async () => {
        session = await AnalyzerSession.start();
    });
    after(() => session?.stop());

    it("serves the pack's name, version and every policy at its default level", async () => {
        const info = await session.info();
        assert.strictEqual(info.getName(), "golden-ami");
        assert.strictEqual(info.getVersion(), PACK_VERSION);
        assert.deepStrictEqual(
            info.getPoliciesList().map(policy => [policy.getName(), policy.getEnforcementlevel()]),
            policies.map(policy => [policy.name, EnforcementLevel.MANDATORY]),
        );
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`reports what the harness reports for every resource and the stack, under ${stack}.json`, async () => {
            await session.configure(policies, loadPackConfig(stack));
            const resources = brokenProgram();
            const served = await session.analyze(resources);
            const harnessed = await runPolicies(resources, loadPackConfig(stack));
            assert.deepStrictEqual(sorted(served), sorted(harnessed));
            // Something to compare: every policy spoke, blocking and advisory, unknowns included.
            assert.deepStrictEqual(new Set(served.map(diagnostic => diagnostic.policy)), new Set(policies.map(policy => policy.name)));
            assert.ok(served.some(diagnostic => diagnostic.level === "advisory" && diagnostic.message.includes("could not check kmsKeyId")));
            assert.ok(served.some(diagnostic => diagnostic.level === "mandatory"));
            // The analyzer replays the resource rules over a workflow as a build runs it, as the harness does.
            assert.ok(
                served.some(diagnostic => diagnostic.policy === "workflow-parameters-resolved" && diagnostic.message.includes("(images-encrypted-with-cmk)")),
            );
        });
    }
});
