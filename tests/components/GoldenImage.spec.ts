import * as assert from "assert";
import { parse } from "yaml";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseStackConfig, pinnedVersionsOf, pinsOf } from "../../components/config";
import { BUILD_TIMEOUT, COMPONENT_DOCUMENTS, firstAmiId, lifecycleVersions, readComponentDocument, recipeSettings } from "../../components/GoldenImage";
import { IMAGE_FAMILY_TAG, KEEP_TAG } from "../../components/tags";
import { checkLockedVersion, lockedVersionsOf, lockKey, readVersionLock, recipeInputs, VersionLock } from "../../components/versionLock";
import { readStackConfig } from "../../tools/engine/stackFile";
import { generatedVersionLock } from "../../tools/engine/generatedConfig";
import { PLATFORM_DEFAULTS } from "../../components/platforms";
import { estimateCosts, PRICES } from "../../tools/plan/costs";
import { firstImageOnly, MOCK_ACCOUNT_ID, nonEmpty, imageOutput, ofType, onlyOne, ProgramRun, referencedBy, runProgram, runStack, TYPES } from "../helpers";

/** dev with its first image alone: "one recipe, one infrastructure" are this file's rules; catalog.spec.ts holds the catalog's. */
const ONE_IMAGE = () => firstImageOnly("dev");

describe("GoldenImage (the building stack, dev)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runStack("dev", { config: ONE_IMAGE() });
    });

    const { version } = parseStackConfig(readStackConfig("dev"), "dev").images[0];
    const expectedTags = {
        Owner: "platform-team",
        CostCenter: "cc-1042",
        Name: "al2023-base",
        Environment: "dev",
        Version: version,
        BaseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        ManagedBy: "golden-ami",
    };

    it("declares every Image Builder resource once, in the home region's provider, named after the image and the stack", () => {
        for (const type of [TYPES.recipe, TYPES.infrastructure, TYPES.distribution, TYPES.image, TYPES.lifecycle]) {
            const resource = onlyOne(run, type);
            assert.strictEqual(resource.region, "us-east-1", `${resource.name} should be in the home region`);
            if (type !== TYPES.image) assert.strictEqual(resource.inputs.name, "al2023-base-dev", `${resource.name} is named for the stack`);
        }
        assert.strictEqual(ofType(run, TYPES.component).length, COMPONENT_DOCUMENTS.length);
    });

    it("builds nothing outside `pulumi up`: no pipeline, so no scheduled build makes an AMI the stack does not track", () => {
        assert.deepStrictEqual(ofType(run, TYPES.pipeline), []);
    });

    it("keeps every Image Builder version when a newer one replaces it, so the lifecycle can still delete its AMIs", () => {
        for (const type of [TYPES.component, TYPES.recipe, TYPES.image]) {
            for (const resource of nonEmpty(ofType(run, type), type)) assert.strictEqual(resource.options.retainOnDelete, true, `${resource.name} is retained`);
        }
    });

    it("makes the infrastructure configuration wait for the build role's managed policies and its inline policy, so the profile works when the build starts", () => {
        const infrastructure = onlyOne(run, TYPES.infrastructure);
        const waitsFor = infrastructure.options.dependsOn ?? [];
        const grants = run.resources.filter(
            resource =>
                resource.name.startsWith(`${infrastructure.name.replace(/-infrastructure$/, "")}-build`) &&
                (resource.type === "aws:iam/rolePolicyAttachment:RolePolicyAttachment" || resource.type === "aws:iam/rolePolicy:RolePolicy"),
        );
        assert.strictEqual(grants.length, 3, "two managed policies and the inline log-writing policy");
        for (const grant of grants) assert.ok(waitsFor.includes(`${grant.type}::${grant.name}`), `${infrastructure.name} does not wait for ${grant.name}`);
    });

    it("keeps the build logs bucket and its settings on destroy, so destroy never stops on a bucket that holds logs", () => {
        const bucketResources = run.resources.filter(resource => resource.type.startsWith("aws:s3/"));
        assert.ok(bucketResources.length >= 5, "the bucket, its public access block, encryption, expiry and policy");
        for (const resource of bucketResources) assert.strictEqual(resource.options.retainOnDelete, true, `${resource.type} ${resource.name}`);
        const bucket = bucketResources.find(resource => resource.type === "aws:s3/bucket:Bucket");
        assert.strictEqual(bucket?.inputs.forceDestroy, false, "logs are kept, never emptied");
    });

    it("excludes pinned Image Builder images from both lifecycle rules, not only their AMIs", () => {
        const policy = onlyOne(run, "aws:imagebuilder/lifecyclePolicy:LifecyclePolicy");
        assert.strictEqual(policy.inputs.policyDetails.length, 2);
        for (const detail of policy.inputs.policyDetails) {
            assert.deepStrictEqual(detail.exclusionRules.tagMap, { [KEEP_TAG.key]: KEEP_TAG.value }, `${detail.action.type}: Image Builder images`);
            assert.deepStrictEqual(detail.exclusionRules.amis.tagMap, { [KEEP_TAG.key]: KEEP_TAG.value }, `${detail.action.type}: AMIs`);
        }
    });

    it("wires the recipe, infrastructure and distribution into the build", () => {
        const recipe = onlyOne(run, TYPES.recipe);
        const infrastructure = onlyOne(run, TYPES.infrastructure);
        const distribution = onlyOne(run, TYPES.distribution);
        for (const consumer of [onlyOne(run, TYPES.image)]) {
            assert.strictEqual(consumer.inputs.imageRecipeArn, recipe.state.arn, `${consumer.name} recipe`);
            assert.strictEqual(consumer.inputs.infrastructureConfigurationArn, infrastructure.state.arn, `${consumer.name} infrastructure`);
            assert.strictEqual(consumer.inputs.distributionConfigurationArn, distribution.state.arn, `${consumer.name} distribution`);
            assert.strictEqual(consumer.inputs.imageTestsConfiguration.imageTestsEnabled, true, `${consumer.name} runs image tests`);
            assert.strictEqual(consumer.inputs.imageScanningConfiguration.imageScanningEnabled, true, `${consumer.name} scans with Inspector`);
        }
    });

    it("builds the recipe from the configured base image and version, every component at that version, hygiene last", () => {
        const recipe = onlyOne(run, TYPES.recipe);
        assert.strictEqual(recipe.inputs.parentImage, expectedTags.BaseImage, "no base AMI locked for the version: Image Builder resolves the parameter");
        assert.strictEqual(recipe.inputs.version, version);
        const components = recipe.inputs.components.map((entry: { componentArn: string }) => referencedBy(run, entry.componentArn));
        assert.deepStrictEqual(
            components.map((component: any) => component?.inputs.name),
            COMPONENT_DOCUMENTS.map(document => `al2023-base-dev-${document}`),
        );
        assert.ok(
            components.every((component: any) => component.inputs.version === version),
            "components are versioned with the image",
        );
        assert.strictEqual(components[components.length - 1].inputs.name, "al2023-base-dev-hygiene", "nothing may run after the hygiene step");
    });

    it("carries the pre-capture hygiene step: keys, history, credentials, temp files and logs, cloud-init, machine-id", () => {
        const hygiene = ofType(run, TYPES.component).find(component => component.inputs.name === "al2023-base-dev-hygiene");
        assert.ok(hygiene, "no hygiene component");
        const commands = buildCommands(hygiene.inputs.data);
        for (const [what, pattern] of Object.entries({
            "SSH authorized keys": /authorized_keys.*-delete/,
            "SSH host keys": /rm -f \/etc\/ssh\/ssh_host_\*_key/,
            "shell history": /\.bash_history/,
            "AWS credentials": /\.aws.*credentials.*-delete/,
            "temp files": /rm -rf \/tmp\/\*/,
            logs: /find \/var\/log .*truncate -s 0/,
            "cloud-init state": /^cloud-init clean --logs$/,
            "machine-id": /^truncate -s 0 \/etc\/machine-id$/,
        })) {
            assert.ok(
                commands.some(command => pattern.test(command)),
                `hygiene does not remove ${what}`,
            );
        }
    });

    it("keeps the AWSTOE documents well-formed: a test phase that checks the booted image's services", () => {
        for (const document of nonEmpty(COMPONENT_DOCUMENTS, "component document")) {
            const parsed = parse(readComponentDocument(document));
            assert.strictEqual(parsed.schemaVersion, 1.0, `${document} schemaVersion`);
            assert.ok(
                nonEmpty(parsed.phases, `${document} phase`).every((phase: any) => ["build", "validate", "test"].includes(phase.name)),
                `${document} has only AWSTOE phases`,
            );
        }
        const bootTest = parse(readComponentDocument("boot-test"));
        const testCommands = bootTest.phases.find((phase: any) => phase.name === "test").steps.flatMap((step: any) => step.inputs.commands);
        assert.ok(testCommands.some((command: string) => /systemctl is-active .*amazon-ssm-agent/.test(command)));
    });

    it("encrypts the root volume with the customer-managed, rotating key the AMI is distributed with", () => {
        const recipe = onlyOne(run, TYPES.recipe);
        const [root] = recipe.inputs.blockDeviceMappings;
        assert.strictEqual(root.deviceName, "/dev/xvda");
        assert.strictEqual(root.ebs.encrypted, "true");
        assert.strictEqual(root.ebs.volumeSize, 20);
        const key = referencedBy(run, root.ebs.kmsKeyId);
        assert.strictEqual(key?.type, TYPES.kmsKey, "the root volume key is one of ours");
        assert.strictEqual(key.inputs.enableKeyRotation, true);
        const [distribution] = onlyOne(run, TYPES.distribution).inputs.distributions;
        assert.strictEqual(distribution.amiDistributionConfiguration.kmsKeyId, root.ebs.kmsKeyId, "the AMI is encrypted with the same key");
        assert.strictEqual(distribution.region, "us-east-1");
    });

    it("hardens the build infrastructure: IMDSv2, terminate on failure, least-privilege profile, encrypted private logs, notifications", () => {
        const infrastructure = onlyOne(run, TYPES.infrastructure);
        assert.deepStrictEqual(infrastructure.inputs.instanceMetadataOptions, { httpTokens: "required", httpPutResponseHopLimit: 1 });
        assert.strictEqual(infrastructure.inputs.terminateInstanceOnFailure, true);
        assert.deepStrictEqual(infrastructure.inputs.instanceTypes, ["t3.medium"]);
        assert.ok(referencedBy(run, infrastructure.inputs.snsTopicArn)?.type === "aws:sns/topic:Topic", "build notifications go to our topic");

        const profile = ofType(run, "aws:iam/instanceProfile:InstanceProfile").find(p => p.state.name === infrastructure.inputs.instanceProfileName);
        assert.ok(profile, "the infrastructure uses our instance profile");
        const attached = ofType(run, "aws:iam/rolePolicyAttachment:RolePolicyAttachment")
            .filter(attachment => attachment.inputs.role === profile.inputs.role)
            .map(attachment => attachment.inputs.policyArn)
            .sort();
        assert.deepStrictEqual(attached, ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore", "arn:aws:iam::aws:policy/EC2InstanceProfileForImageBuilder"]);

        const bucketName = infrastructure.inputs.logging.s3Logs.s3BucketName;
        const bucket = ofType(run, "aws:s3/bucket:Bucket").find(b => b.state.bucket === bucketName);
        assert.ok(bucket, "build logs go to our bucket");
        const publicAccess = ofType(run, "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock").find(block => block.inputs.bucket === bucket.id);
        assert.ok(
            publicAccess &&
                ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"].every(flag => publicAccess.inputs[flag] === true),
            "the logs bucket blocks all public access",
        );
        const encryption = ofType(run, "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration").find(
            e => e.inputs.bucket === bucket.id,
        );
        assert.ok(encryption?.inputs.rules[0].applyServerSideEncryptionByDefault.sseAlgorithm, "the logs bucket is encrypted");
    });

    it("names the AMI from name, version and build date within 127 characters, tagged with the full tag set", () => {
        const [distribution] = onlyOne(run, TYPES.distribution).inputs.distributions;
        assert.strictEqual(distribution.amiDistributionConfiguration.name, `al2023-base-${version}-dev-{{ imagebuilder:buildDate }}`);
        assert.deepStrictEqual(distribution.amiDistributionConfiguration.amiTags, { ...expectedTags, BaseImageId: "resolved-at-build" });
    });

    it("tags every image-bearing Image Builder resource with the merged tag set", () => {
        for (const type of [TYPES.recipe, TYPES.image, TYPES.component]) {
            for (const resource of nonEmpty(ofType(run, type), type)) {
                assert.deepStrictEqual(resource.inputs.tags, { ...expectedTags, [IMAGE_FAMILY_TAG]: "al2023-base-dev" }, `${resource.name} tags`);
            }
        }
    });

    it("works outside /tmp, which the hygiene step empties", () => {
        const recipe = onlyOne(run, TYPES.recipe);
        assert.strictEqual(recipe.inputs.workingDirectory, recipeSettings("linux").workingDirectory);
        assert.ok(!/^\/(var\/)?tmp(\/|$)/.test(recipe.inputs.workingDirectory), `working directory ${recipe.inputs.workingDirectory} is wiped by hygiene`);
        const hygiene = buildCommands(readComponentDocument("hygiene")).join("\n");
        assert.ok(!hygiene.includes(recipeSettings("linux").workingDirectory), "hygiene leaves the working directory alone");
    });

    it("builds the configured version during the update and exports its AMI, ARN, version and the build topic", () => {
        const image = onlyOne(run, TYPES.image);
        const outputs = imageOutput(run, "al2023-base") as Record<string, unknown>;
        assert.strictEqual(outputs.amiId, image.state.outputResources[0].amis[0].image);
        assert.strictEqual(outputs.imageArn, image.state.arn);
        assert.strictEqual(outputs.imageBuildVersion, image.state.version);
        assert.strictEqual(outputs.version, version);
        assert.strictEqual(outputs.buildNotificationsTopicArn, onlyOne(run, "aws:sns/topic:Topic").state.arn);
        assert.ok(parseDuration(BUILD_TIMEOUT) > 60, "the build may take longer than the provider's 60-minute default");
    });

    it("deprecates old images, then deletes them with their snapshots, keeping the newest and recently launched ones", () => {
        const lifecycle = onlyOne(run, TYPES.lifecycle);
        assert.strictEqual(lifecycle.inputs.resourceType, "AMI_IMAGE");
        const locked = lockedVersionsOf("al2023-base");
        assert.ok(locked.length >= 2, `the lock holds the current version and an older one: ${locked.join(", ")}`);
        assert.deepStrictEqual(
            lifecycle.inputs.resourceSelection,
            { recipes: locked.map(semanticVersion => ({ name: "al2023-base-dev", semanticVersion })) },
            "selected by recipe version: every locked version of the image, newest first, none pinned by the committed example",
        );
        assert.strictEqual(onlyOne(run, TYPES.image).inputs.tags[IMAGE_FAMILY_TAG], "al2023-base-dev", "the build carries its family tag");
        const [deprecate, remove] = lifecycle.inputs.policyDetails;
        assert.deepStrictEqual(
            deprecate.action,
            { type: "DEPRECATE", includeResources: { amis: true } },
            "deprecates the distributed AMIs, not only Image Builder's record of them",
        );
        assert.deepStrictEqual(deprecate.filter, { type: "AGE", value: 30, unit: "DAYS", retainAtLeast: 5 });
        assert.deepStrictEqual(remove.action, { type: "DELETE", includeResources: { amis: true, snapshots: true } });
        assert.deepStrictEqual(remove.filter, { type: "AGE", value: 90, unit: "DAYS", retainAtLeast: 5 });
        assert.deepStrictEqual(remove.exclusionRules.amis.lastLaunched, { value: 14, unit: "DAYS" });
        for (const detail of [deprecate, remove]) {
            assert.deepStrictEqual(detail.exclusionRules.amis.tagMap, { [KEEP_TAG.key]: KEEP_TAG.value }, `${detail.action.type} spares kept images`);
        }
        const role = ofType(run, "aws:iam/role:Role").find(r => r.state.arn === lifecycle.inputs.executionRole);
        assert.ok(role && JSON.parse(role.inputs.assumeRolePolicy).Statement[0].Principal.Service === "imagebuilder.amazonaws.com");
    });
});

describe("GoldenImage: a build that made no AMI", () => {
    it("says the build failed and how to build again: an update of the failed image never rebuilds, only a replacement", () => {
        const urn = "urn:pulumi:dev::golden-ami::golden-ami:imagebuilder:GoldenImage$aws:imagebuilder/image:Image::al2023-base-image";
        for (const reported of [[], [{ amis: [], containers: [] }]]) {
            assert.throws(
                () => firstAmiId(reported, urn),
                (error: Error) =>
                    /failed or was cancelled/.test(error.message) &&
                    error.message.includes(`pulumi up --replace '${urn}'`) &&
                    /bump the image's version/.test(error.message),
            );
        }
        assert.strictEqual(
            firstAmiId([{ amis: [{ image: "ami-0123456789abcdef0", region: "us-east-1" } as never], containers: [] }], urn),
            "ami-0123456789abcdef0",
        );
    });
});

describe("GoldenImage: what the lifecycle keeps", () => {
    it("tags every AMI a promoting stack of the repository pins as kept, once each", async () => {
        const pinning = (amiId: string) =>
            `config:\n  golden-ami:promoteFrom:\n    account: "111111111111"\n    region: us-east-1\n    amiIds:\n      al2023-base: ${amiId}\n    stack: dev\n`;
        const run = await runStack("dev", {
            config: ONE_IMAGE(),
            stackFiles: { prod: pinning("ami-0aaaaaaaaaaaaaaa1"), staging: pinning("ami-0aaaaaaaaaaaaaaa1"), qa: pinning("ami-0bbbbbbbbbbbbbbb2") },
        });
        const kept = ofType(run, "aws:ec2/tag:Tag")
            .filter(tag => tag.inputs.key === KEEP_TAG.key && tag.inputs.value === KEEP_TAG.value)
            .map(tag => tag.inputs.resourceId)
            .sort();
        assert.deepStrictEqual(kept, ["ami-0aaaaaaaaaaaaaaa1", "ami-0bbbbbbbbbbbbbbb2"]);
    });

    it("leaves the pinned versions' Image Builder images out of the lifecycle, and the rollback target a pin's record names", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-pinned-versions-"));
        const promoting = (version: string) =>
            `config:\n  golden-ami:images:\n    al2023-base:\n      version: ${version}\n  golden-ami:promoteFrom:\n    account: "111111111111"\n` +
            `    region: us-east-1\n    amiIds:\n      al2023-base: ami-0aaaaaaaaaaaaaaa1\n    stack: dev\n`;
        fs.writeFileSync(path.join(root, "Pulumi.prod.yaml"), promoting("1.3.0"));
        fs.writeFileSync(path.join(root, "Pulumi.qa.yaml"), promoting("1.3.2"));
        fs.mkdirSync(path.join(root, "promotions", "prod", "al2023-base"), { recursive: true });
        fs.writeFileSync(path.join(root, "promotions", "prod", "al2023-base", "1.3.0.json"), JSON.stringify({ previous: { version: "1.2.9" } }));
        assert.deepStrictEqual(pinnedVersionsOf("dev", root), { "al2023-base": ["1.3.0", "1.2.9", "1.3.2"] });

        const locked = ["1.4.2", "1.4.1", "1.3.2", "1.3.1", "1.3.0", "1.2.9"];
        assert.deepStrictEqual(lifecycleVersions("1.4.2", locked, ["1.3.0", "1.2.9", "1.3.2"]), ["1.4.2", "1.4.1", "1.3.1"]);
        assert.deepStrictEqual(
            lifecycleVersions("1.4.2", locked, ["1.4.2"]),
            locked,
            "the current build stays managed: it is the newest, which keepAtLeast keeps",
        );
        const many = Array.from({ length: 60 }, (_, index) => `1.0.${59 - index}`);
        assert.strictEqual(lifecycleVersions("1.0.59", many, []).length, 50, "Image Builder takes at most 50 recipes: the newest");
    });

    it("hands a version back to the lifecycle once no stack pins it: the pin moved on in the stack file", async () => {
        const pinning = (version: string) =>
            `config:\n  golden-ami:images:\n    al2023-base:\n      version: ${version}\n  golden-ami:promoteFrom:\n    account: "111111111111"\n` +
            `    region: us-east-1\n    amiIds:\n      al2023-base: ami-0aaaaaaaaaaaaaaa1\n    stack: dev\n`;
        const current = readStackConfig("dev").images as Record<string, { version: string }>;
        const older = lockedVersionsOf("al2023-base").find(version => version !== current["al2023-base"].version)!;
        const selected = async (stackFiles: Record<string, string>) =>
            onlyOne(await runStack("dev", { config: ONE_IMAGE(), stackFiles }), TYPES.lifecycle).inputs.resourceSelection.recipes.map(
                (recipe: { semanticVersion: string }) => recipe.semanticVersion,
            );
        assert.ok(!(await selected({ prod: pinning(older) })).includes(older), `${older} is pinned: left out`);
        assert.ok((await selected({ prod: pinning("0.0.1") })).includes(older), `${older} is no longer pinned: managed again`);
    });

    it("tags nothing while the committed prod pin is only an example (no promoteFrom.stack yet)", async () => {
        const run = await runStack("dev", { config: ONE_IMAGE() });
        assert.deepStrictEqual(ofType(run, "aws:ec2/tag:Tag"), []);
    });

    it("reads the pins of every promoting stack file that names this stack, and only those", () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-pins-"));
        const promoting = (stack: string, amiId: string) =>
            `config:\n  golden-ami:promoteFrom:\n    account: "111111111111"\n    region: us-east-1\n    amiIds:\n      al2023-base: ${amiId}\n      al2023-base-arm64: ami-0cccccccccccccccc3\n    stack: ${stack}\n`;
        fs.writeFileSync(path.join(root, "Pulumi.prod.yaml"), promoting("dev", "ami-0aaaaaaaaaaaaaaa1"));
        fs.writeFileSync(path.join(root, "Pulumi.staging.yaml"), promoting("dev", "ami-0aaaaaaaaaaaaaaa1"));
        fs.writeFileSync(path.join(root, "Pulumi.other.yaml"), promoting("review", "ami-0bbbbbbbbbbbbbbb2"));
        fs.writeFileSync(path.join(root, "Pulumi.dev.yaml"), "config:\n  aws:region: us-east-1\n");
        const pinned = { "al2023-base": "ami-0aaaaaaaaaaaaaaa1", "al2023-base-arm64": "ami-0cccccccccccccccc3" };
        assert.deepStrictEqual(pinsOf("dev", root), { prod: pinned, staging: pinned });
    });
});

function buildCommands(document: string): string[] {
    const build = parse(document).phases.find((phase: any) => phase.name === "build");
    return build.steps.flatMap((step: any) => step.inputs.commands ?? []);
}

function parseDuration(duration: string): number {
    const match = /^(\d+)(h|m)$/.exec(duration);
    assert.ok(match, `unreadable timeout ${duration}`);
    return Number(match[1]) * (match[2] === "h" ? 60 : 1);
}

describe("GoldenImage: immutable versions", () => {
    const dev = parseStackConfig(readStackConfig("dev"), "dev");
    const lockWith = (change: (recipe: ReturnType<typeof recipeInputs>) => void): VersionLock => {
        const locked = readVersionLock();
        const recipe = recipeInputs(dev.images[0]);
        change(recipe);
        return { ...locked, [lockKey(dev.images[0])]: { recipe, lockedAt: "2026-11-30T00:00:00Z" } };
    };

    it("refuses, before any resource, a component document edited without a version bump, naming the file", async () => {
        const run = await runProgram("dev", {
            versionLock: lockWith(recipe => {
                recipe.steps[recipe.steps.length - 1] = `components/documents/hygiene.yaml sha256:${"0".repeat(64)}`;
            }),
        });
        assert.match(
            run.error?.message ?? "",
            /the build and test steps \(now: components\/documents\/hygiene\.yaml\) .*changed since al2023-base \d+\.\d+\.\d+ was locked.*bump golden-ami:images\.al2023-base\.version/,
        );
        assert.deepStrictEqual(
            run.resources.filter(resource => resource.custom && resource.type !== "pulumi:providers:aws"),
            [],
        );
    });

    it("refuses a changed base image or root volume without a version bump", async () => {
        const run = await runProgram("dev", {
            versionLock: lockWith(recipe => {
                recipe.baseImage = "ami-0123456789abcdef0";
                recipe.rootVolumeGiB = 8;
            }),
        });
        assert.match(run.error?.message ?? "", /golden-ami:images\.al2023-base\.baseImage, golden-ami:images\.al2023-base\.rootVolumeGiB changed since/);
    });

    it("refuses a version nobody locked, saying which command records it", async () => {
        const run = await runProgram("dev", { versionLock: {} });
        assert.match(
            run.error?.message ?? "",
            /golden-ami:images\.al2023-base\.version \d+\.\d+\.\d+ is not in image-versions\.lock\.json: run `npm run lock -- --stack dev --image al2023-base`/,
        );
    });

    it("builds on the base AMI the version was locked on, and records it and the commit on the AMI", async () => {
        const lock = lockWith(() => undefined);
        Object.assign(lock[lockKey(dev.images[0])], { baseImageId: "ami-0fedcba9876543210", commit: "0123abcd" });
        const run = await runStack("dev", { config: ONE_IMAGE(), versionLock: lock });
        assert.strictEqual(onlyOne(run, TYPES.recipe).inputs.parentImage, "ami-0fedcba9876543210");
        const [distribution] = onlyOne(run, TYPES.distribution).inputs.distributions;
        assert.strictEqual(distribution.amiDistributionConfiguration.amiTags.BaseImageId, "ami-0fedcba9876543210");
        assert.strictEqual(distribution.amiDistributionConfiguration.amiTags.SourceCommit, "0123abcd");
    });

    it("keeps the committed lock in step with the documents: the stack's version is locked as it is now", () => {
        assert.strictEqual(dev.images.length, 3);
        for (const image of dev.images) assert.deepStrictEqual(checkLockedVersion(image, "dev", readVersionLock()).problems, [], image.name);
    });

    it("fails every ExecuteBash step on its first failing command: AWSTOE only sees the script's last exit code", () => {
        const bashSteps = nonEmpty(COMPONENT_DOCUMENTS, "component document").flatMap(document =>
            parse(readComponentDocument(document)).phases.flatMap((phase: any) =>
                phase.steps.filter((candidate: any) => candidate.action === "ExecuteBash").map((step: any) => ({ document, phase, step })),
            ),
        );
        for (const { document, phase, step } of nonEmpty(bashSteps, "ExecuteBash step")) {
            assert.strictEqual(step.inputs.commands[0], "set -euo pipefail", `${document} ${phase.name} ${step.name} starts with set -euo pipefail`);
        }
    });
});

describe("GoldenImage: the build network", () => {
    it("runs builds in the configured subnet and security groups", async () => {
        const network = { subnetId: "subnet-0123456789abcdef0", securityGroupIds: ["sg-0123456789abcdef0"] };
        const run = await runStack("dev", { config: { ...ONE_IMAGE(), build: network } });
        const infrastructure = onlyOne(run, TYPES.infrastructure);
        assert.strictEqual(infrastructure.inputs.subnetId, network.subnetId);
        assert.deepStrictEqual(infrastructure.inputs.securityGroupIds, network.securityGroupIds);
    });

    it("makes a security group with no inbound rules when only the subnet is given", async () => {
        const run = await runStack("dev", { config: { ...ONE_IMAGE(), build: { subnetId: "subnet-0123456789abcdef0" } } });
        const infrastructure = onlyOne(run, TYPES.infrastructure);
        const group = referencedBy(run, infrastructure.inputs.securityGroupIds[0]);
        assert.strictEqual(group?.type, "aws:ec2/securityGroup:SecurityGroup");
        assert.ok(!group.inputs.ingress || group.inputs.ingress.length === 0, "no inbound rules");
    });

    it("uses the default VPC when no build network is configured", async () => {
        const run = await runStack("dev", { config: ONE_IMAGE() });
        assert.strictEqual(onlyOne(run, TYPES.infrastructure).inputs.subnetId, undefined);
    });
});

describe("GoldenImage: a Windows Server image", () => {
    const WINDOWS = {
        version: "1.0.0",
        platform: "windows",
        baseImage: "ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base",
        expectedServices: ["AmazonSSMAgent", "EventLog", "W32Time"],
    };
    let run: ProgramRun;
    before(async () => {
        const config = { images: { "windows-2022": WINDOWS }, fleets: {} };
        run = await runStack("dev", { config, versionLock: generatedVersionLock({ ...readStackConfig("dev"), ...config }) });
    });

    it("makes every component a Windows component, the Windows hygiene document last", () => {
        const components = nonEmpty(ofType(run, TYPES.component), "component");
        for (const component of components) assert.strictEqual(component.inputs.platform, "Windows", component.name);
        const recipe = onlyOne(run, TYPES.recipe);
        const arns: string[] = recipe.inputs.components.map((component: { componentArn: string }) => component.componentArn);
        assert.strictEqual(arns.length, 4, "update-windows, build, boot test, hygiene");
        assert.match(arns[0], /^arn:aws:imagebuilder:us-east-1:aws:component\/update-windows\/x\.x\.x$/);
        assert.strictEqual(referencedBy(run, arns[3])?.inputs.name, "windows-2022-dev-hygiene");
        assert.strictEqual(
            referencedBy(run, arns[3])?.inputs.data,
            fs.readFileSync(path.join(__dirname, "../../components/documents/windows/hygiene.yaml"), "utf8"),
        );
    });

    it("builds on the Windows parameter, with an encrypted /dev/sda1 root and a working directory outside the temp folders the hygiene step empties", () => {
        const recipe = onlyOne(run, TYPES.recipe);
        assert.strictEqual(recipe.inputs.parentImage, WINDOWS.baseImage);
        const [root] = recipe.inputs.blockDeviceMappings;
        assert.strictEqual(root.deviceName, "/dev/sda1");
        assert.strictEqual(root.ebs.encrypted, "true");
        assert.strictEqual(root.ebs.volumeSize, 50);
        assert.strictEqual(recipe.inputs.workingDirectory, "C:\\ProgramData\\golden-ami-build");
        assert.doesNotMatch(recipe.inputs.workingDirectory, /\\(Windows\\)?Temp(\\|$)/i);
    });

    it("passes the image's services to the boot test, and nothing to the other components", () => {
        const recipe = onlyOne(run, TYPES.recipe);
        const withParameters = recipe.inputs.components.filter((component: { parameters?: unknown[] }) => component.parameters);
        assert.strictEqual(withParameters.length, 1);
        assert.strictEqual(referencedBy(run, withParameters[0].componentArn)?.inputs.name, "windows-2022-dev-boot-test");
        assert.deepStrictEqual(withParameters[0].parameters, [{ name: "ExpectedServices", value: "AmazonSSMAgent,EventLog,W32Time" }]);
    });

    it("gives Image Builder the platform's timeouts: a first Windows build with its updates fits, tests included", () => {
        const image = onlyOne(run, TYPES.image);
        assert.strictEqual(image.options.createTimeout, PLATFORM_DEFAULTS.windows.buildTimeout);
        assert.strictEqual(image.inputs.imageTestsConfiguration.timeoutMinutes, PLATFORM_DEFAULTS.windows.testTimeoutMinutes);
        assert.ok(PLATFORM_DEFAULTS.windows.testTimeoutMinutes >= 120, "the test instance's first boot runs Windows' specialize and OOBE passes");
        assert.deepStrictEqual(onlyOne(run, TYPES.infrastructure).inputs.instanceTypes, ["m7i.large"]);
    });

    it("lets the build role read volume encryption for the boot test, and nothing more than a Linux build role otherwise", () => {
        const readVolumes = ofType(run, "aws:iam/rolePolicy:RolePolicy").filter(policy => policy.name.endsWith("-build-read-volumes"));
        assert.strictEqual(readVolumes.length, 1);
        assert.deepStrictEqual(JSON.parse(readVolumes[0].inputs.policy).Statement, [{ Effect: "Allow", Action: "ec2:DescribeVolumes", Resource: "*" }]);
    });
});

describe("GoldenImage: EC2 Fast Launch of a Windows image", () => {
    const WINDOWS_FAST = {
        version: "1.0.0",
        platform: "windows",
        baseImage: "ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base",
        fastLaunch: { maxParallelLaunches: 8, targetResourceCount: 4 },
    };
    let run: ProgramRun;
    before(async () => {
        const config = {
            images: { "windows-2022": WINDOWS_FAST },
            fleets: {},
            build: { subnetId: "subnet-0123456789abcdef0", securityGroupIds: ["sg-0123456789abcdef0"] },
        };
        run = await runStack("dev", { config, versionLock: generatedVersionLock({ ...readStackConfig("dev"), ...config }) });
    });

    it("enables Fast Launch in the home region's distribution, with its own launch template, parallel launches and snapshots", () => {
        const [distribution] = onlyOne(run, TYPES.distribution).inputs.distributions;
        assert.strictEqual(distribution.region, "us-east-1");
        const [fastLaunch] = nonEmpty(distribution.fastLaunchConfigurations, "Fast Launch configuration") as any[];
        assert.strictEqual(fastLaunch.enabled, true);
        assert.strictEqual(fastLaunch.accountId, MOCK_ACCOUNT_ID);
        assert.strictEqual(fastLaunch.maxParallelLaunches, 8);
        assert.deepStrictEqual(fastLaunch.snapshotConfiguration, { targetResourceCount: 4 });
        const template = referencedBy(run, fastLaunch.launchTemplate.launchTemplateId);
        assert.strictEqual(template?.type, TYPES.launchTemplate);
        assert.strictEqual(fastLaunch.launchTemplate.launchTemplateVersion, String(template.state.latestVersion), "a numbered version, not $Latest");
    });

    it("launches the temporary instances with IMDSv2 required, no public address, in the build network", () => {
        const template = ofType(run, TYPES.launchTemplate).find(candidate => candidate.name === "windows-2022-fast-launch");
        assert.ok(template, "the Fast Launch launch template");
        assert.deepStrictEqual(template.inputs.metadataOptions, { httpEndpoint: "enabled", httpTokens: "required", httpPutResponseHopLimit: 1 });
        const [networkInterface] = template.inputs.networkInterfaces;
        assert.strictEqual(networkInterface.associatePublicIpAddress, "false");
        assert.strictEqual(networkInterface.subnetId, "subnet-0123456789abcdef0");
        assert.deepStrictEqual(networkInterface.securityGroups, ["sg-0123456789abcdef0"]);
    });

    it("lets EC2 Fast Launch's service-linked role use the home region's key, which encrypts the AMI it launches from", () => {
        const home = ofType(run, TYPES.kmsKey).find(key => key.region === "us-east-1")!;
        assert.match(home.inputs.policy, /role\/aws-service-role\/ec2fastlaunch\.amazonaws\.com\/AWSServiceRoleForEC2FastLaunch/);
        const other = ofType(run, TYPES.kmsKey).find(key => key.region === "us-west-2")!;
        assert.doesNotMatch(other.inputs.policy, /AWSServiceRoleForEC2FastLaunch/, "no Fast Launch where the program copies");
    });

    it("prices the pre-provisioned snapshots in the plan's costs", () => {
        const lines = estimateCosts(run).lines.filter(line => line.item === "Fast Launch");
        assert.strictEqual(lines.length, 1);
        assert.strictEqual(lines[0].region, "us-east-1");
        assert.strictEqual(lines[0].monthly, 4 * 50 * PRICES.ebsSnapshotGbMonth["us-east-1"]);
        assert.match(lines[0].basis, /^4 pre-provisioned snapshots × up to 50 GiB/);
    });

    it("adds nothing of Fast Launch to an image that does not ask for it", async () => {
        const config = { images: { "windows-2022": { ...WINDOWS_FAST, fastLaunch: undefined } }, fleets: {} };
        const plain = await runStack("dev", { config, versionLock: generatedVersionLock({ ...readStackConfig("dev"), ...config }) });
        assert.strictEqual(onlyOne(plain, TYPES.distribution).inputs.distributions[0].fastLaunchConfigurations, undefined);
        assert.deepStrictEqual(ofType(plain, TYPES.launchTemplate), []);
        assert.doesNotMatch(ofType(plain, TYPES.kmsKey).find(key => key.region === "us-east-1")!.inputs.policy, /AWSServiceRoleForEC2FastLaunch/);
    });
});
