// unjudged-image-paths-refused: what it blocks, what still passes and what it says it could not check; the provider's own
// types decide what must be judged or refused.
import * as assert from "assert";
import { JUDGED, REFUSED } from "../../policy/lib/coverage";
import { unjudgedImagePathsRefused } from "../../policy/policies";
import { devProgram, regionalProvider, TEMPLATE_ID } from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies, runPolicy, UNKNOWN, unknownDetail } from "./harness";
import { providerTypes } from "./providerTypes";

function resource(type: string, props: Record<string, unknown>, name = "unjudged"): ResourceFixture {
    return { type, name, provider: regionalProvider(), props };
}

/** The program's CreatedAt, as the engine registers it: a dynamic provider with its serialized code. */
function createdAt(name = "al2023-base-us-west-2-copy", props: Record<string, unknown> = {}): ResourceFixture {
    return resource("pulumi-nodejs:dynamic:Resource", { __provider: "exports.handler = ...", triggers: { version: "1.4.0" }, ...props }, name);
}

const DEV_CONFIG = () => loadPackConfig("dev")["unjudged-image-paths-refused"] as Record<string, unknown>;

/** One case per refused type: the inputs that do what the pack does not judge. */
const REFUSED_CASES: Array<[string, Record<string, unknown>, RegExp]> = [
    [
        "aws:backup/plan:Plan",
        {
            name: "nightly",
            rules: [
                { ruleName: "ec2", targetVaultName: "vault", copyActions: [{ destinationVaultArn: "arn:aws:backup:eu-west-1:999999999999:backup-vault:x" }] },
            ],
        },
        /AWS Backup makes an AMI/,
    ],
    [
        "aws:backup/selection:Selection",
        { name: "all-instances", planId: "plan", iamRoleArn: "arn:aws:iam::111111111111:role/backup", resources: ["arn:aws:ec2:*:*:instance/*"] },
        /AWS Backup selection/,
    ],
    [
        "aws:cloudwatch/eventTarget:EventTarget",
        {
            rule: "nightly",
            arn: "arn:aws:ssm:us-east-1:111111111111:automation-definition/AWS-CreateImage:$DEFAULT",
            roleArn: "arn:aws:iam::111111111111:role/events",
        },
        /\(arn is "arn:aws:ssm:us-east-1:111111111111:automation-definition\/AWS-CreateImage:\$DEFAULT"\).*EventBridge rule starts an SSM automation/,
    ],
    [
        "aws:scheduler/schedule:Schedule",
        {
            scheduleExpression: "rate(1 day)",
            flexibleTimeWindow: { mode: "OFF" },
            target: { arn: "arn:aws:scheduler:::aws-sdk:ec2:copyImage", roleArn: "arn:aws:iam::111111111111:role/scheduler", input: "{}" },
        },
        /\(target\.arn is "arn:aws:scheduler:::aws-sdk:ec2:copyImage"\).*the schedule calls an image/,
    ],
    ["aws:ebs/snapshot:Snapshot", { volumeId: "vol-0123456789abcdef0" }, /copy of a disk/],
    ["aws:ebs/volumeCopy:VolumeCopy", { sourceVolumeId: "vol-0123456789abcdef0" }, /volume copy/],
    ["aws:ssm/association:Association", { name: "AWS-CreateImage", parameters: { InstanceId: "i-0123456789abcdef0" } }, /\(name is "AWS-CreateImage"\)/],
    [
        "aws:ssm/association:Association",
        { name: "AWS-UpdateLinuxAmi", parameters: { SourceAmiId: "ami-0123456789abcdef0" } },
        /\(name is "AWS-UpdateLinuxAmi"\)/,
    ],
    [
        "aws:ssm/maintenanceWindowTask:MaintenanceWindowTask",
        { windowId: "mw-1", taskType: "AUTOMATION", taskArn: "AWS-CopySnapshot" },
        /taskArn is "AWS-CopySnapshot"/,
    ],
    [
        "aws:ssm/document:Document",
        { name: "capture", documentType: "Automation", content: "mainSteps:\n  - action: aws:createImage\n" },
        /content calls aws:createImage/,
    ],
    [
        "aws:cloudformation/stack:Stack",
        { name: "extra", templateUrl: "https://example.com/t.yaml" },
        /templateUrl is set, so the pack cannot read the template/,
    ],
    [
        "aws:cloudformation/stack:Stack",
        { name: "extra", templateBody: "Resources:\n  Box:\n    Type: AWS::EC2::Instance\n" },
        /templateBody declares AWS::EC2::Instance/,
    ],
    ["aws:cloudformation/stackSet:StackSet", { name: "everywhere", templateBody: "Resources:\n  P:\n    Type: AWS::DLM::LifecyclePolicy\n" }, /AWS::DLM::/],
    [
        "aws:serverlessrepository/cloudFormationStack:CloudFormationStack",
        { applicationId: "arn:aws:serverlessrepo:us-east-1:999999999999:applications/x" },
        /Serverless Application Repository/,
    ],
    [
        "aws:sfn/stateMachine:StateMachine",
        { definition: JSON.stringify({ States: { Copy: { Type: "Task", Resource: "arn:aws:states:::aws-sdk:ec2:copyImage" } } }) },
        /definition calls aws-sdk:ec2:copyImage/,
    ],
    [
        "aws:elasticbeanstalk/environment:Environment",
        { application: "web", solutionStackName: "64bit Amazon Linux 2023" },
        /Elastic Beanstalk launches instances/,
    ],
    ["aws:elasticbeanstalk/configurationTemplate:ConfigurationTemplate", { application: "web" }, /configuration template/],
    ["aws:cloud9/environmentEC2:EnvironmentEC2", { imageId: "amazonlinux-2023-x86_64", instanceType: "t3.small" }, /Cloud9 launches an instance/],
    [
        "aws:codebuild/fleet:Fleet",
        { baseCapacity: 1, computeType: "BUILD_GENERAL1_SMALL", environmentType: "LINUX_EC2", imageId: "ami-0123456789abcdef0" },
        /\(imageId is set\)/,
    ],
    ["aws:gamelift/gameServerGroup:GameServerGroup", { launchTemplate: { id: TEMPLATE_ID } }, /game server group/],
    ["aws:lightsail/instance:Instance", { blueprintId: "amazon_linux_2023", bundleId: "nano_3_0" }, /Lightsail/],
    [
        "aws:dlm/lifecyclePolicy:LifecyclePolicy",
        {
            description: "amis",
            executionRoleArn: "arn:aws:iam::111111111111:role/dlm",
            state: "ENABLED",
            policyDetails: {
                policyType: "IMAGE_MANAGEMENT",
                resourceTypes: ["INSTANCE"],
                targetTags: { Backup: "true" },
                schedules: [{ name: "daily", createRule: { interval: 24 }, retainRule: { count: 7 } }],
            },
        },
        /policyType is "IMAGE_MANAGEMENT"/,
    ],
    ["aws:emr/cluster:Cluster", { releaseLabel: "emr-7.0.0", customAmiId: "ami-0123456789abcdef0" }, /\(customAmiId is set\)/],
    [
        "aws:ecs/service:Service",
        { volumeConfiguration: { name: "data", managedEbsVolume: { roleArn: "arn:aws:iam::111111111111:role/ecs", snapshotId: "snap-0123456789abcdef0" } } },
        /managedEbsVolume\.snapshotId is set/,
    ],
    ["aws:storagegateway/cachesIscsiVolume:CachesIscsiVolume", { snapshotId: "snap-0123456789abcdef0" }, /\(snapshotId is set\)/],
    ["aws:storagegateway/storedIscsiVolume:StoredIscsiVolume", { snapshotId: "snap-0123456789abcdef0" }, /\(snapshotId is set\)/],
    ["aws:imagebuilder/containerRecipe:ContainerRecipe", { instanceConfiguration: { image: "ami-0123456789abcdef0" } }, /\(instanceConfiguration is set\)/],
    [
        "aws:ecs/capacityProvider:CapacityProvider",
        { managedInstancesProvider: { infrastructureRoleArn: "arn:aws:iam::111111111111:role/x", instanceLaunchTemplate: { ec2InstanceProfileArn: "arn:x" } } },
        /managedInstancesProvider is set/,
    ],
    [
        "aws:eks/nodeGroup:NodeGroup",
        { clusterName: "apps", nodeRoleArn: "arn:aws:iam::111111111111:role/workers", subnetIds: ["subnet-1"], amiType: "AL2023_x86_64_STANDARD" },
        /launchTemplate is not set/,
    ],
    [
        "aws:batch/computeEnvironment:ComputeEnvironment",
        { type: "MANAGED", computeResources: { type: "EC2", maxVcpus: 4, subnets: ["subnet-1"] } },
        /computeResources\.type is "EC2" and computeResources\.launchTemplate is not set/,
    ],
    ["aws-native:ec2:Instance", { imageId: "ami-0123456789abcdef0" }, /reads only the aws provider/],
    [
        "pulumi-nodejs:dynamic:Resource",
        { __provider: "exports.handler = ...", sourceAmiId: "ami-0123456789abcdef0" },
        /dynamic provider runs code the pack cannot read/,
    ],
];

describe("unjudged-image-paths-refused", () => {
    describe("blocks", () => {
        it("refuses every type that makes, copies, shares or launches by a path no rule reads, naming the type, why, and how to exempt it", async () => {
            assert.ok(REFUSED_CASES.length >= 25, "a case for each refused type");
            for (const [type, props, why] of REFUSED_CASES) {
                const found = (await runPolicy(unjudgedImagePathsRefused, [resource(type, props)])).map(detail);
                assert.strictEqual(found.length, 1, `${type}: ${found.join("\n")}`);
                assert.ok(found[0].startsWith(`${type}`), found[0]);
                assert.match(found[0], why, type);
                assert.match(
                    found[0],
                    /no rule of the pack judges that path \(it [^)]+\)\. .*exempt this resource with an entry in this policy's exemptions config \(policy\/<stack>\.json\): \{ "type": ".+", "namePattern": "\^unjudged\$", "reason": /,
                    type,
                );
            }
        });

        it("has a case for every refused aws type", () => {
            const tested = new Set(REFUSED_CASES.map(([type]) => type));
            const untested = Object.keys(REFUSED).filter(type => !tested.has(type));
            assert.deepStrictEqual(untested, []);
        });

        it("refuses a dynamic provider that the exemption does not describe: another name, or inputs CreatedAt does not take", async () => {
            const config = DEV_CONFIG();
            const other = [createdAt("image-mover"), createdAt("al2023-base-us-west-2-copy", { sourceAmiId: "ami-0123456789abcdef0" })];
            assert.strictEqual(other.length, 2);
            const found = (await runPolicy(unjudgedImagePathsRefused, other, config)).map(detail);
            assert.strictEqual(found.length, 2, found.join("\n"));
            for (const finding of found) assert.match(finding, /^pulumi-nodejs:dynamic:Resource is refused: a dynamic provider runs code the pack cannot read/);
        });

        it("blocks a refused type in dev and prod alike (mandatory in both configs)", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const diagnostics = await runPolicies(
                    [resource("aws:elasticbeanstalk/environment:Environment", { application: "web" })],
                    loadPackConfig(stack),
                );
                const refused = diagnostics.filter(diagnostic => diagnostic.policy === "unjudged-image-paths-refused");
                assert.deepStrictEqual(
                    refused.map(diagnostic => diagnostic.level),
                    ["mandatory"],
                    stack,
                );
            }
        });
    });

    describe("still passes", () => {
        it("passes the program's CreatedAt under the reviewed exemption in dev.json and prod.json", async () => {
            for (const stack of ["dev", "prod"] as const) {
                const config = loadPackConfig(stack)["unjudged-image-paths-refused"] as Record<string, unknown>;
                assert.deepStrictEqual(
                    await runPolicy(
                        unjudgedImagePathsRefused,
                        [createdAt(), createdAt("al2023-base-eu-west-1-copy", { createdAt: "2026-11-23T04:00:00Z" })],
                        config,
                    ),
                    [],
                    stack,
                );
            }
        });

        it("passes the types the pack judges, and refusable types whose inputs do nothing it cannot judge", async () => {
            const harmless = [
                resource("aws:ecs/service:Service", { cluster: "apps", taskDefinition: "web:1" }),
                resource("aws:emr/cluster:Cluster", { releaseLabel: "emr-7.0.0" }),
                resource("aws:ssm/association:Association", { name: "AWS-RunPatchBaseline" }),
                resource("aws:cloudwatch/eventTarget:EventTarget", { rule: "builds", arn: "arn:aws:sns:us-east-1:111111111111:build-events" }),
                resource("aws:cloudwatch/eventTarget:EventTarget", {
                    rule: "patch",
                    arn: "arn:aws:ssm:us-east-1:111111111111:automation-definition/AWS-PatchInstanceWithRollback:$DEFAULT",
                }),
                resource("aws:scheduler/schedule:Schedule", {
                    scheduleExpression: "rate(1 day)",
                    flexibleTimeWindow: { mode: "OFF" },
                    target: { arn: "arn:aws:scheduler:::aws-sdk:ec2:describeImages", roleArn: "arn:aws:iam::111111111111:role/scheduler" },
                }),
                resource("aws:ssm/document:Document", {
                    name: "hygiene",
                    documentType: "Command",
                    content: "mainSteps:\n  - action: aws:runShellScript\n    inputs:\n      runCommand: [dnf -y update]\n",
                }),
                resource("aws:sfn/stateMachine:StateMachine", {
                    definition: JSON.stringify({ States: { Notify: { Type: "Task", Resource: "arn:aws:states:::sns:publish" } } }),
                }),
                resource("aws:cloudformation/stack:Stack", { name: "alarms", templateBody: "Resources:\n  Topic:\n    Type: AWS::SNS::Topic\n" }),
                resource("aws:eks/nodeGroup:NodeGroup", { clusterName: "apps", launchTemplate: { id: TEMPLATE_ID, version: "3" } }),
                resource("aws:batch/computeEnvironment:ComputeEnvironment", { type: "MANAGED", computeResources: { type: "FARGATE", maxVcpus: 4 } }),
                resource("aws:codebuild/fleet:Fleet", { baseCapacity: 1, computeType: "BUILD_GENERAL1_SMALL", environmentType: "LINUX_CONTAINER" }),
                resource("aws:dlm/lifecyclePolicy:LifecyclePolicy", {
                    description: "snapshots",
                    executionRoleArn: "arn:aws:iam::111111111111:role/dlm",
                    policyDetails: {
                        policyType: "EBS_SNAPSHOT_MANAGEMENT",
                        resourceTypes: ["VOLUME"],
                        targetTags: { Backup: "true" },
                        schedules: [
                            { name: "daily", createRule: { interval: 24 }, retainRule: { count: 7 }, shareRules: [{ targetAccounts: ["222222222222"] }] },
                        ],
                    },
                }),
            ];
            assert.strictEqual(harmless.length, 13);
            assert.deepStrictEqual(await runPolicy(unjudgedImagePathsRefused, [...devProgram(), ...harmless]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says a refusal's deciding input is unknown at preview, and blocks once it resolves", async () => {
            const pending = resource("aws:ssm/association:Association", { name: UNKNOWN });
            const diagnostics = await runPolicy(unjudgedImagePathsRefused, [pending]);
            assert.deepStrictEqual(
                diagnostics.map(diagnostic => [diagnostic.level, unknownDetail(diagnostic)]),
                [["advisory", "could not check name: value unknown until apply"]],
            );
            pending.props.name = "AWS-CreateImage";
            assert.strictEqual((await runPolicy(unjudgedImagePathsRefused, [pending])).length, 1);
        });
    });

    describe("the provider's types", () => {
        const types = providerTypes();

        it("judges or refuses every provider type that takes an image id, a snapshot id, a launch template or image sharing settings", () => {
            const imageTypes = types.filter(type => type.imageInputs.length > 0);
            assert.ok(imageTypes.length >= 25, `found only ${imageTypes.length} types with image inputs: the provider's declarations were not read`);
            const unseen = imageTypes
                .filter(({ type }) => !(type in JUDGED) && !(type in REFUSED))
                .map(({ type, imageInputs }) => `${type} (${imageInputs.join(", ")})`);
            assert.deepStrictEqual(unseen, [], "judge these types in a rule or refuse them in policy/lib/coverage.ts");
        });

        it("names only types the provider has, so a renamed type cannot leave a hole", () => {
            assert.ok(types.length > 1000, `read only ${types.length} provider types`);
            const known = new Set(types.map(({ type }) => type));
            const missing = [...Object.keys(JUDGED), ...Object.keys(REFUSED)].filter(type => !known.has(type));
            assert.deepStrictEqual(missing, []);
        });
    });
});
