// The whole pack over realistic stacks: what must keep passing with zero mandatory findings.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import {
    imageKeysCustomerManaged,
    imageRegionsBlockPublicSharing,
    imagesEncryptedWithCmk,
    imageSharingAllowListed,
    imagesTagged,
    launchTemplatesHardened,
} from "../../policy/policies";
import { ALLOW_LIST, base64, findings, ipv6Subnet, secret } from "./cases";
import {
    amiCopy,
    autoScalingGroup,
    blockPublicAccess,
    catalogProgram,
    imageTags,
    KEY_ARN,
    kmsKey,
    launchPermission,
    launchTemplate,
    regionalProvider,
    subnet,
} from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies } from "./harness";

describe("realistic-stacks", () => {
    describe("still passes", () => {
        it("passes a catalog: several families, arm64 on Graviton instance types and Windows, each with its own fleet, under dev.json and prod's settings", async () => {
            const catalog = catalogProgram();
            const families = catalog.filter(resource => resource.type === "aws:imagebuilder/imagePipeline:ImagePipeline");
            const fleets = catalog.filter(resource => resource.type === "aws:autoscaling/group:Group");
            assert.strictEqual(families.length, 3);
            assert.strictEqual(fleets.length, 3);
            assert.deepStrictEqual((await runPolicies(catalog, loadPackConfig("dev"))).filter(diagnostic => diagnostic.level === "mandatory").map(detail), []);
            const prod = loadPackConfig("prod");
            const prodSettings = { ...prod, "image-sharing-allow-listed": loadPackConfig("dev")["image-sharing-allow-listed"] };
            assert.deepStrictEqual((await runPolicies(catalog, prodSettings)).filter(diagnostic => diagnostic.level === "mandatory").map(detail), []);
        });

        it("still judges every image of a catalog: one family's untagged AMIs, unpinned fleet or public template are each found", async () => {
            const catalog = catalogProgram();
            const armDistribution = catalog.find(resource => resource.name === "al2023-arm64-distribution")!;
            delete armDistribution.props.distributions[0].amiDistributionConfiguration.amiTags.Owner;
            const windowsTemplate = catalog.find(
                resource => resource.name === "windows-2022-fleet" && resource.type === "aws:ec2/launchTemplate:LaunchTemplate",
            )!;
            windowsTemplate.props.networkInterfaces[0].associatePublicIpAddress = "true";
            const found = (await runPolicies(catalog, loadPackConfig("dev"))).filter(diagnostic => diagnostic.level === "mandatory");
            assert.deepStrictEqual(found.map(diagnostic => [diagnostic.policy, diagnostic.urn?.split("::").pop()]).sort(), [
                ["images-tagged", "al2023-arm64-distribution"],
                ["launch-templates-hardened", "windows-2022-fleet"],
            ]);
        });

        it("passes dev's and prod's fixture programs under their configs, with a NAT gateway's Elastic IP and hardened account defaults added", async () => {
            const extras: ResourceFixture[] = [
                { type: "aws:ec2/eip:Eip", name: "nat", provider: regionalProvider(), props: { domain: "vpc" } },
                {
                    type: "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults",
                    name: "imds",
                    provider: regionalProvider(),
                    props: { httpTokens: "required", httpPutResponseHopLimit: 1 },
                },
            ];
            for (const [stack, program] of [
                ["dev", fixtures.devProgram()],
                ["prod", fixtures.prodProgram()],
            ] as const) {
                const mandatory = (await runPolicies([...program, ...extras], loadPackConfig(stack), { stack })).filter(d => d.level === "mandatory");
                assert.deepStrictEqual(mandatory.map(detail), [], stack);
            }
        });

        it("still passes allowed values sent as secrets: an allow-listed account, a blocking state, required tags, a customer-managed key", async () => {
            const allowed = launchPermission();
            allowed.props.accountId = secret("222222222222");
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [allowed], ALLOW_LIST), []);
            const block = blockPublicAccess();
            block.props.state = secret("block-new-sharing");
            assert.deepStrictEqual(await findings(imageRegionsBlockPublicSharing, [amiCopy(), block]), []);
            const copy = amiCopy();
            copy.props.tags = secret(imageTags());
            copy.props.kmsKeyId = secret(KEY_ARN);
            assert.deepStrictEqual(await findings(imagesTagged, [copy]), []);
            assert.deepStrictEqual(await findings(imagesEncryptedWithCmk, [copy]), []);
            assert.deepStrictEqual(await findings(imageKeysCustomerManaged, [copy, kmsKey()]), []);
            const template = launchTemplate();
            template.props.userData = secret(base64("#!/bin/bash\nsystemctl enable --now amazon-ssm-agent\n"));
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
        });

        it("passes dev's and prod's fixture programs with EBS encryption by default, a customer-managed default key and a distribution workflow added", async () => {
            const extras: ResourceFixture[] = [
                { type: "aws:ebs/encryptionByDefault:EncryptionByDefault", name: "ebs-default", provider: regionalProvider(), props: { enabled: true } },
                { type: "aws:ebs/defaultKmsKey:DefaultKmsKey", name: "ebs-key", provider: regionalProvider(), props: { keyArn: KEY_ARN } },
            ];
            for (const [stack, program] of [
                ["dev", fixtures.devProgram()],
                ["prod", fixtures.prodProgram()],
            ] as const) {
                const shared = stack === "dev" ? "222222222222" : "333333333333";
                const environment = stack === "dev" ? "dev" : "prod";
                const workflow: ResourceFixture = {
                    type: "aws:imagebuilder/workflow:Workflow",
                    name: "distribute",
                    provider: regionalProvider(),
                    props: {
                        name: "distribute",
                        version: "1.0.0",
                        type: "DISTRIBUTION",
                        tags: { ...imageTags(), Environment: environment },
                        data:
                            "name: distribute\nschemaVersion: 1.0\nsteps:\n  - name: Distribute\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n" +
                            `      distributions:\n        - region: us-east-1\n          kmsKeyId: ${KEY_ARN}\n          amiTags: { Name: al2023-base, Owner: platform-team, Environment: ${environment}, Version: 1.4.0 }\n` +
                            "  - name: Share\n    action: ModifyImageAttributes\n    onFailure: Abort\n    inputs:\n      distributedImages.$: $.stepOutputs.Distribute.distributedImages\n" +
                            `      attributes:\n        - region: us-east-1\n          launchPermission: { userIds: ["${shared}"] }\n`,
                    },
                };
                const mandatory = (await runPolicies([...program, ...extras, workflow], loadPackConfig(stack), { stack })).filter(d => d.level === "mandatory");
                assert.deepStrictEqual(mandatory.map(detail), [], stack);
            }
        });

        it("passes dev's and prod's fixture programs with a fleet in declared private subnets, one of them dual-stack without IPv6 assignment", async () => {
            const privateDualStack = ipv6Subnet("assignIpv6AddressOnCreation", false, "subnet-0fedcba9876543210");
            for (const [stack, program] of [
                ["dev", fixtures.devProgram()],
                ["prod", fixtures.prodProgram()],
            ] as const) {
                const extras = [
                    subnet(),
                    privateDualStack,
                    launchTemplate(),
                    (() => {
                        const group = autoScalingGroup();
                        group.name = "web-dual";
                        group.props.vpcZoneIdentifiers = [fixtures.SUBNET_ID, "subnet-0fedcba9876543210"];
                        return group;
                    })(),
                ];
                const resources = stack === "dev" ? [...program, extras[0], extras[1], extras[3]] : [...program, ...extras];
                const mandatory = (await runPolicies(resources, loadPackConfig(stack), { stack })).filter(d => d.level === "mandatory");
                assert.deepStrictEqual(mandatory.map(detail), [], stack);
            }
        });
    });
});
