// image-sharing-allow-listed: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import {
    imageBuildsUseStackDistributions,
    imagesEncryptedWithCmk,
    imageSharingAllowListed,
    imagesTagged,
    instanceLaunchesHardened,
    noPublicImages,
} from "../../policy/policies";
import {
    ALLOW,
    ALLOW_LIST,
    assertOne,
    DEV_ALLOW_LIST,
    distribute,
    dlmPolicy,
    findings,
    good,
    modify,
    notAllowListed,
    ORGANIZATION,
    OU,
    OUTSIDER,
    PROD_ALLOW_LIST,
    sharingFindings,
    workflow,
} from "./cases";
import {
    DEV_SHARED_ACCOUNT,
    distributionConfiguration,
    image,
    KEY_ARN,
    launchPermission,
    PROD_PRINCIPALS,
    ramPrincipalAssociation,
    snapshotPermission,
} from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("image-sharing-allow-listed", () => {
    describe("blocks", () => {
        it("refuses a workflow document given by uri, and a DistributeImage key set from a JSONPath that is not a workflow parameter", async () => {
            const fetched = workflow(good);
            fetched.props.uri = "s3://workflows-bucket/distribute.yaml";
            assertOne(
                await findings(imageSharingAllowListed, [fetched], ALLOW_LIST),
                /^uri is "s3:\/\/workflows-bucket\/distribute\.yaml": a workflow document the pack cannot read/,
            );
            const keyFromOutput = workflow(distribute('          kmsKeyId.$: "$.stepOutputs.PickKey.keyArn"\n          targetAccountIds: ["222222222222"]\n'));
            assertOne(
                await findings(imagesEncryptedWithCmk, [keyFromOutput]),
                /kmsKeyId\.\$ sets the key at run time from a JSONPath that is not a workflow parameter/,
            );
            // A whole block taken from a step's output is not read either.
            const blockFromOutput = workflow(
                "  - name: Distribute\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions.$: $.stepOutputs.Plan.distributions\n",
            );
            assertOne(
                await findings(imageSharingAllowListed, [blockFromOutput], ALLOW_LIST),
                /^data: steps\[0\]\.inputs\.distributions\.\$ is "\$\.stepOutputs\.Plan\.distributions", which sets that whole block at run time/,
            );
        });

        it("image-sharing-allow-listed refuses workflow steps that hand the image to code no rule reads: a state machine, commands calling image APIs (class: workflow documents)", async () => {
            const stateMachine = workflow(
                "  - name: Hand\n    action: ExecuteStateMachine\n    onFailure: Abort\n    inputs:\n      stateMachineArn: arn:aws:states:us-east-1:111111111111:stateMachine:share\n",
            );
            assertOne(
                await findings(imageSharingAllowListed, [stateMachine], ALLOW_LIST),
                /^data: steps\[0\] runs ExecuteStateMachine, a state machine that may copy, share or export the image/,
            );
            const commands = workflow(
                "  - name: Share\n    action: RunCommand\n    onFailure: Abort\n    inputs:\n      documentName: AWS-RunShellScript\n      parameters:\n        commands:\n" +
                    '          - aws ec2 modify-image-attribute --image-id ami-0123456789abcdef0 --launch-permission "Add=[{Group=all}]"\n',
            );
            assertOne(
                await findings(imageSharingAllowListed, [commands], ALLOW_LIST),
                /^data calls modify-image-attribute, an image or launch API run from a step's commands/,
            );
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [workflow(good)], ALLOW_LIST), []);
            // The same from a build component, or from an instance's user data (base64, as templates carry it), with the instance's role.
            const component: ResourceFixture = {
                type: "aws:imagebuilder/component:Component",
                name: "share",
                provider: fixtures.regionalProvider(),
                props: {
                    name: "share",
                    version: "1.0.0",
                    platform: "Linux",
                    data: "phases:\n  - name: build\n    steps:\n      - name: Copy\n        action: ExecuteBash\n        inputs:\n          commands:\n            - aws ec2 copy-image --source-image-id ami-0123456789abcdef0 --source-region us-east-1 --name leak\n",
                },
            };
            assertOne(
                await findings(imageSharingAllowListed, [component], ALLOW_LIST),
                /^data calls copy-image, which makes, copies, shares or exports an image/,
            );
            const template = fixtures.launchTemplate();
            template.props.userData = Buffer.from(
                "#!/bin/bash\naws ec2 create-image --instance-id $(ec2-metadata -i | cut -d' ' -f2) --name snap --no-reboot\n",
            ).toString("base64");
            assertOne(
                await findings(imageSharingAllowListed, [template], ALLOW_LIST),
                /^userData calls create-image, which makes, copies, shares or exports an image/,
            );
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [fixtures.launchTemplate(), fixtures.instance()], ALLOW_LIST), []);
            // Only commands count: a step named CreateImage that runs AWS's CreateImageFromInstance action is the build itself.
            const named = workflow(
                "  - name: CreateImage\n    action: CreateImageFromInstance\n    onFailure: Abort\n    inputs:\n      instanceId.$: $.stepOutputs.Launch.instanceId\n",
            );
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [named], ALLOW_LIST), []);
            const quiet = {
                ...component,
                props: { ...component.props, data: component.props.data.replace("Copy", "CreateImage").replace(/aws ec2 copy-image[^\n]*/, "dnf -y update") },
            };
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [quiet], ALLOW_LIST), []);
        });

        it("image-sharing-allow-listed holds a Data Lifecycle Manager share rule's targetAccounts to the allow-list (object or list, one or many)", async () => {
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [dlmPolicy({ shareRule: { targetAccounts: ["222222222222"] } })], ALLOW_LIST), []);
            const variants: Array<Record<string, unknown>> = [
                { shareRule: { targetAccounts: ["999999999999"] } },
                { shareRule: [{ targetAccounts: ["222222222222", "999999999999"] }] },
                { shareRules: [{ targetAccounts: "999999999999" }] },
            ];
            for (const schedule of variants) {
                const found = await findings(imageSharingAllowListed, [dlmPolicy(schedule)], ALLOW_LIST);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(
                    found[0],
                    /^policyDetails\.schedules\[0\]\.shareRules?\[0\]\.targetAccounts\[\d\] is "999999999999", which is not allow-listed: share only with the principals in this policy's allowedAccounts config/,
                );
            }
        });

        it("image-sharing-allow-listed reads a distribution's userIds and targetAccountIds given as one string, not as its characters", async () => {
            const distribution = distributionConfiguration();
            distribution.props.distributions[0].amiDistributionConfiguration.launchPermission = { userIds: "999999999999" };
            distribution.props.distributions[0].amiDistributionConfiguration.targetAccountIds = "888888888888";
            const found = await findings(imageSharingAllowListed, [distribution], ALLOW_LIST);
            assert.deepStrictEqual(
                found.map(finding => finding.split(", which")[0]),
                [
                    'distributions[0].amiDistributionConfiguration.launchPermission.userIds[0] is "999999999999"',
                    'distributions[0].amiDistributionConfiguration.targetAccountIds[0] is "888888888888"',
                ],
            );
        });

        it("image-sharing-allow-listed holds a workflow's launch permissions and DistributeImage targetAccountIds to the allow-lists (class: sharing by other means)", async () => {
            const cases: Array<[string, RegExp]> = [
                [
                    modify('            userIds: ["999999999999"]\n'),
                    /^data: steps\[0\]\.inputs\.attributes\[0\]\.launchPermission\.userIds\[0\] is "999999999999", which is not allow-listed/,
                ],
                [modify("            userIds:\n              - 999999999999\n"), /userIds\[0\] is "999999999999", which is not allow-listed/],
                [
                    modify('            organizationArns: ["arn:aws:organizations::999999999999:organization/o-zzzzzzzzzz"]\n'),
                    /organizationArns\[0\] is .*, which is not allow-listed: .*allowedOrganizationArns/,
                ],
                [
                    distribute(`          kmsKeyId: ${KEY_ARN}\n          targetAccountIds:\n            - "999999999999"\n`),
                    /^data: steps\[0\]\.inputs\.distributions\[0\]\.targetAccountIds\[0\] is "999999999999"/,
                ],
                [modify("            userIds.$: $.stepOutputs.Pick.accounts\n"), /userIds\.\$ sets who gets the image at run time/],
            ];
            for (const [steps, expected] of cases) assertOne(await findings(imageSharingAllowListed, [workflow(steps)], ALLOW_LIST), expected, steps);
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [workflow(good)], ALLOW_LIST), []);
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
            const diagnostics = await runPolicy(
                imageSharingAllowListed,
                [launchPermission({ organizationArn: ORGANIZATION }), launchPermission({ organizationalUnitArn: OU })],
                DEV_ALLOW_LIST,
            );
            assert.deepStrictEqual(diagnostics.map(detail), [
                `organizationArn is "${ORGANIZATION}", which is not allow-listed: share only with the principals in this policy's ` +
                    "allowedOrganizationArns config (none yet), or add it there once it has been approved.",
                `organizationalUnitArn is "${OU}", which is not allow-listed: share only with the principals in this policy's ` +
                    "allowedOrganizationalUnitArns config (none yet), or add it there once it has been approved.",
            ]);
        });

        it("fails userIds, organizationArns, organizationalUnitArns and targetAccountIds outside the allow-lists", async () => {
            const distribution = distributionConfiguration();
            const ami = distribution.props.distributions[0].amiDistributionConfiguration;
            ami.launchPermission = { userIds: [DEV_SHARED_ACCOUNT, "999999999999"], organizationArns: [ORGANIZATION], organizationalUnitArns: [OU] };
            ami.targetAccountIds = ["888888888888"];
            const diagnostics = await runPolicy(imageSharingAllowListed, [distribution], DEV_ALLOW_LIST);
            const at = "distributions[0].amiDistributionConfiguration";
            assert.deepStrictEqual(
                diagnostics.map(detail).map(message => message.slice(0, message.indexOf(", which"))),
                [
                    `${at}.launchPermission.userIds[1] is "999999999999"`,
                    `${at}.launchPermission.organizationArns[0] is "${ORGANIZATION}"`,
                    `${at}.launchPermission.organizationalUnitArns[0] is "${OU}"`,
                    `${at}.targetAccountIds[0] is "888888888888"`,
                ],
            );
        });

        it("fails RAM shares with an account, organization, OU or IAM principal that is not allow-listed", async () => {
            const organization = "arn:aws:organizations::555555555555:organization/o-a1b2c3d4e5";
            assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation(OUTSIDER)), [notAllowListed("principal", OUTSIDER)]);
            assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation(organization)), [
                notAllowListed("principal", organization, "allowedOrganizationArns", "none yet"),
            ]);
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
                [
                    "distributions[0].amiDistributionConfiguration.targetAccountIds[0]",
                    target => {
                        target.amiDistributionConfiguration.targetAccountIds = [OUTSIDER];
                    },
                ],
                [
                    "distributions[0].launchTemplateConfigurations[0].accountId",
                    target => {
                        target.launchTemplateConfigurations = [{ launchTemplateId: "lt-1", accountId: OUTSIDER }];
                    },
                ],
                [
                    "distributions[0].fastLaunchConfigurations[0].accountId",
                    target => {
                        target.fastLaunchConfigurations = [{ accountId: OUTSIDER, enabled: true }];
                    },
                ],
                [
                    "distributions[0].ssmParameterConfigurations[0].amiAccountId",
                    target => {
                        target.ssmParameterConfigurations = [{ parameterName: "/ami", amiAccountId: OUTSIDER }];
                    },
                ],
                [
                    "distributions[0].amiDistributionConfiguration.launchPermission.userIds[1]",
                    target => {
                        target.amiDistributionConfiguration.launchPermission.userIds.push(OUTSIDER);
                    },
                ],
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
    });

    describe("still passes", () => {
        it("passes Fast Launch of the distributed AMI in the account that owns it (the account of its key): it shares nothing", async () => {
            const distribution = distributionConfiguration();
            const [target] = distribution.props.distributions;
            const owner = /^arn:aws:kms:[^:]+:(\d{12}):/.exec(target.amiDistributionConfiguration.kmsKeyId)![1];
            target.fastLaunchConfigurations = [{ accountId: owner, enabled: true, maxParallelLaunches: 6, snapshotConfiguration: { targetResourceCount: 5 } }];
            assert.notStrictEqual(owner, OUTSIDER);
            assert.deepStrictEqual(await sharingFindings(distribution), []);
        });
        it("still passes build and test workflows, which share nothing", async () => {
            const build = workflow("  - name: Launch\n    action: LaunchInstance\n    onFailure: Abort\n    inputs:\n      waitFor: ssmAgent\n");
            build.props.type = "BUILD";
            for (const policy of [noPublicImages, imageSharingAllowListed, imagesEncryptedWithCmk, imagesTagged, instanceLaunchesHardened]) {
                assert.deepStrictEqual(await findings(policy, [build], policy === imageSharingAllowListed ? ALLOW_LIST : {}), [], policy.name);
            }
        });

        it("passes launch permissions for allow-listed accounts and OUs", async () => {
            assert.deepStrictEqual(await runPolicy(imageSharingAllowListed, [launchPermission()], DEV_ALLOW_LIST), []);
            assert.deepStrictEqual(
                await runPolicy(
                    imageSharingAllowListed,
                    PROD_PRINCIPALS.map(grant => launchPermission(grant)),
                    PROD_ALLOW_LIST,
                ),
                [],
            );
        });

        it("passes a distribution shared with allow-listed principals", async () => {
            assert.deepStrictEqual(await runPolicy(imageSharingAllowListed, [distributionConfiguration()], DEV_ALLOW_LIST), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly when the account is unknown until apply", async () => {
            const diagnostics = await runPolicy(imageSharingAllowListed, [launchPermission({ accountId: UNKNOWN })], DEV_ALLOW_LIST);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check accountId: value unknown until apply"]],
            );
        });

        it("says plainly which list entry is unknown until apply, and still checks the rest", async () => {
            const distribution = distributionConfiguration();
            distribution.props.distributions[0].amiDistributionConfiguration.launchPermission.userIds = [UNKNOWN, "999999999999"];
            const diagnostics = await runPolicy(imageSharingAllowListed, [distribution], DEV_ALLOW_LIST);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, d.level === "advisory" ? unknownDetail(d) : detail(d)]),
                [
                    [
                        "mandatory",
                        'distributions[0].amiDistributionConfiguration.launchPermission.userIds[1] is "999999999999", which is not allow-listed: ' +
                            "share only with the principals in this policy's allowedAccounts config (222222222222), or add it there once it has been approved.",
                    ],
                    ["advisory", "could not check distributions[0].amiDistributionConfiguration.launchPermission.userIds[0]: value unknown until apply"],
                ],
            );
        });

        it("says which share is unknown at preview, and blocks the same field once it resolves to an outsider", async () => {
            const permission = snapshotPermission();
            permission.props.accountId = UNKNOWN;
            assert.deepStrictEqual(
                (await runPolicy(imageSharingAllowListed, [permission], ALLOW)).map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check accountId: value unknown until apply"]],
            );
            permission.props.accountId = OUTSIDER;
            assert.deepStrictEqual(
                (await runPolicy(imageSharingAllowListed, [permission], ALLOW)).map(d => d.level),
                ["mandatory"],
            );

            const pending = distributionConfiguration();
            pending.outputs = { arn: UNKNOWN };
            const build = image();
            assert.deepStrictEqual(
                (await runPolicy(imageBuildsUseStackDistributions, [build, pending])).map(d => [d.level, unknownDetail(d)]),
                [
                    [
                        "advisory",
                        "could not check whether al2023-base-image.distributionConfigurationArn is one of the stack's distribution configurations: value unknown until apply",
                    ],
                ],
            );
        });
    });
});
