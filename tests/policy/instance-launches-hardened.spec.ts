// instance-launches-hardened: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import { instanceLaunchesHardened } from "../../policy/policies";
import { assertOne, base64, findings, spotInstanceRequest, spotRequest } from "./cases";
import * as fixtures from "./fixtures";
import { imageRecipe, infrastructureConfiguration, instance, launchConfiguration, regionalProvider, spotFleetRequest } from "./fixtures";
import { detail, ResourceFixture, runPolicy } from "./harness";

describe("instance-launches-hardened", () => {
    describe("blocks", () => {
        it("blocks a standalone network interface that asks for a global IPv6 address, and passes one that does not", async () => {
            const standalone = (props: Record<string, unknown>): ResourceFixture => ({
                type: "aws:ec2/networkInterface:NetworkInterface",
                name: "extra-eni",
                provider: fixtures.regionalProvider(),
                props: { subnetId: fixtures.SUBNET_ID, attachments: [{ instance: "i-0123456789abcdef0", deviceIndex: 1 }], ...props },
            });
            assert.deepStrictEqual(await runPolicy(instanceLaunchesHardened, [standalone({})]), []);
            const asks: Array<[Record<string, unknown>, string]> = [
                [{ ipv6AddressCount: 1 }, "ipv6AddressCount"],
                [{ ipv6Addresses: ["2600:1f18::10"] }, "ipv6Addresses"],
                [{ enablePrimaryIpv6: true }, "enablePrimaryIpv6"],
            ];
            assert.strictEqual(asks.length, 3);
            for (const [props, field] of asks) {
                const found = (await runPolicy(instanceLaunchesHardened, [standalone(props)])).map(detail);
                assert.strictEqual(found.length, 1, field);
                assert.match(found[0], new RegExp(`^${field} is .*, which gives instances a global IPv6 address`));
            }
        });

        it("holds a Spot Instance request to the instance rules: IMDSv1, unencrypted volumes, public IP, secrets in user data", async () => {
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [spotInstanceRequest()]), []);
            const changes: Array<[RegExp, (props: any) => void]> = [
                [
                    /^metadataOptions\.httpTokens is "optional": set it to "required"/,
                    props => {
                        props.metadataOptions.httpTokens = "optional";
                    },
                ],
                [
                    /^metadataOptions\.httpTokens is not set/,
                    props => {
                        props.metadataOptions = { httpPutResponseHopLimit: 1 };
                    },
                ],
                [
                    /^metadataOptions\.httpPutResponseHopLimit is 3, above the allowed 1/,
                    props => {
                        props.metadataOptions.httpPutResponseHopLimit = 3;
                    },
                ],
                [
                    /^rootBlockDevice\.encrypted is false: set it to true\.$/,
                    props => {
                        props.rootBlockDevice.encrypted = false;
                    },
                ],
                [
                    /^ebsBlockDevices\[0\]\.encrypted is "false": set it to true\.$/,
                    props => {
                        props.ebsBlockDevices[0].encrypted = "false";
                    },
                ],
                [
                    /^associatePublicIpAddress is "true": set it to false/,
                    props => {
                        props.associatePublicIpAddress = "true";
                    },
                ],
                [
                    /^userData contains an AWS access key id in plain text/,
                    props => {
                        props.userData = "#!/bin/bash\nexport AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n";
                    },
                ],
            ];
            for (const [expected, change] of changes) {
                const request = spotInstanceRequest();
                change(request.props);
                const found = await findings(instanceLaunchesHardened, [request]);
                assert.strictEqual(found.length, 1, `${expected}: ${JSON.stringify(found)}`);
                assert.match(found[0], expected);
            }
        });

        it("finds secrets in an Image Builder component's document, which build instances run", async () => {
            const component: ResourceFixture = {
                type: "aws:imagebuilder/component:Component",
                name: "al2023-base-build",
                provider: regionalProvider(),
                props: {
                    name: "al2023-base-build",
                    version: "1.4.0",
                    platform: "Linux",
                    data:
                        "phases:\n  - name: build\n    steps:\n      - name: creds\n" +
                        "        action: ExecuteBash\n        inputs:\n          commands:\n            - export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE\n",
                },
            };
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [component]), [
                "data contains an AWS access key id in plain text, readable by anyone who can get the component: remove it and have the instance fetch " +
                    "what it needs through its role (Secrets Manager, SSM Parameter Store SecureString).",
            ]);
            component.props.data = component.props.data.replace("AKIAIOSFODNN7EXAMPLE", "$(aws configure get aws_access_key_id)");
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [component]), []);
        });

        it("instance-launches-hardened blocks Elastic IPs on instances and their interfaces, and passes a NAT gateway's", async () => {
            const eip = (props: Record<string, unknown>): ResourceFixture => ({
                type: "aws:ec2/eip:Eip",
                name: "public",
                provider: regionalProvider(),
                props: { domain: "vpc", ...props },
            });
            const association = (props: Record<string, unknown>): ResourceFixture => ({
                type: "aws:ec2/eipAssociation:EipAssociation",
                name: "public",
                provider: regionalProvider(),
                props: { allocationId: "eipalloc-0123456789abcdef0", ...props },
            });
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [eip({})]), []);
            const cases: Array<[ResourceFixture, RegExp]> = [
                [eip({ instance: "i-0123456789abcdef0" }), /^instance is "i-0123456789abcdef0": an Elastic IP gives that instance a public address/],
                [eip({ networkInterface: "eni-0123456789abcdef0" }), /^networkInterface is "eni-0123456789abcdef0": an Elastic IP/],
                [
                    association({ instanceId: "i-0123456789abcdef0" }),
                    /^instanceId is "i-0123456789abcdef0": associating an Elastic IP gives that instance a public address/,
                ],
                [association({ networkInterfaceId: "eni-0123456789abcdef0" }), /^networkInterfaceId is "eni-0123456789abcdef0": associating an Elastic IP/],
            ];
            for (const [resource, expected] of cases) {
                const found = await findings(instanceLaunchesHardened, [resource]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], expected);
            }
        });

        it("instance-launches-hardened blocks account metadata defaults that allow IMDSv1 or a long hop limit", async () => {
            const defaults = (props: Record<string, unknown>): ResourceFixture => ({
                type: "aws:ec2/instanceMetadataDefaults:InstanceMetadataDefaults",
                name: "imds",
                provider: regionalProvider(),
                props,
            });
            for (const passing of [
                { httpTokens: "required", httpPutResponseHopLimit: 1 },
                { httpTokens: "no-preference", httpPutResponseHopLimit: -1 },
                { httpEndpoint: "disabled", httpTokens: "optional" },
            ]) {
                assert.deepStrictEqual(await findings(instanceLaunchesHardened, [defaults(passing)]), [], JSON.stringify(passing));
            }
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [defaults({ httpTokens: " Optional " })]), [
                'httpTokens is " Optional ", which makes IMDSv1 the default for every instance launched in this account and region without its own setting: ' +
                    'set it to "required" (or "no-preference").',
            ]);
            assert.deepStrictEqual(
                await findings(instanceLaunchesHardened, [defaults({ httpTokens: "required", httpPutResponseHopLimit: 3 })], { maxHopLimit: 2 }),
                [
                    "httpPutResponseHopLimit is 3, above the allowed 2, as the default for every instance launched in this account and region: set it to at most 2 (or -1 for no preference).",
                ],
            );
        });

        it("instance-launches-hardened finds secrets in an Image Builder workflow document (a LaunchInstance userDataOverride, a command)", async () => {
            const workflow = (data: string): ResourceFixture => ({
                type: "aws:imagebuilder/workflow:Workflow",
                name: "build",
                provider: regionalProvider(),
                props: { name: "build", version: "1.0.0", type: "BUILD", data },
            });
            const document = (inputs: string) =>
                `name: build\nschemaVersion: 1.0\nsteps:\n  - name: LaunchBuildInstance\n    action: LaunchInstance\n    onFailure: Abort\n    inputs:\n${inputs}`;
            assert.deepStrictEqual(await findings(instanceLaunchesHardened, [workflow(document('      waitFor: "ssmAgent"\n'))]), []);
            for (const inputs of [
                `      userDataOverride: ${base64("#!/bin/bash\nexport DB_PASSWORD=hunter22\n")}\n`,
                "      userDataOverride: |\n        echo 'root:hunter22' | chpasswd\n",
            ]) {
                assert.deepStrictEqual(await findings(instanceLaunchesHardened, [workflow(document(inputs))]), [
                    "data contains a password in plain text, readable by anyone who can get the workflow: remove it and have the instance fetch what it needs " +
                        "through its role (Secrets Manager, SSM Parameter Store SecureString).",
                ]);
            }
        });

        it("instance-launches-hardened blocks instances and Spot Instance requests that ask for IPv6 addresses", async () => {
            const cases: Array<[string, unknown]> = [
                ["ipv6AddressCount", 1],
                ["ipv6Addresses", ["2600:1f18:1234:5600::10"]],
                ["enablePrimaryIpv6", true],
                ["enablePrimaryIpv6", "1"],
            ];
            for (const make of [instance, spotRequest]) {
                for (const [field, value] of cases) {
                    const launch = make();
                    launch.props[field] = value;
                    assertOne(await findings(instanceLaunchesHardened, [launch]), new RegExp(`^${field} is .*global IPv6 address`), `${launch.type} ${field}`);
                }
            }
        });

        it("fails an instance or launch configuration without IMDSv2, with a long hop limit, an unencrypted volume or a public IP", async () => {
            for (const fixture of [instance, launchConfiguration]) {
                const changes: Array<[(props: any) => void, string]> = [
                    [
                        props => {
                            props.metadataOptions.httpTokens = "optional";
                        },
                        'metadataOptions.httpTokens is "optional": set it to "required" so instances use IMDSv2 only.',
                    ],
                    [
                        props => {
                            props.metadataOptions.httpPutResponseHopLimit = 3;
                        },
                        "metadataOptions.httpPutResponseHopLimit is 3, above the allowed 1: set it to 1.",
                    ],
                    [
                        props => {
                            props.rootBlockDevice.encrypted = false;
                        },
                        "rootBlockDevice.encrypted is false: set it to true.",
                    ],
                    [
                        props => {
                            props.associatePublicIpAddress = true;
                        },
                        "associatePublicIpAddress is true: set it to false and reach instances through a load balancer or Systems Manager.",
                    ],
                ];
                for (const [change, message] of changes) {
                    const launch = fixture();
                    change(launch.props);
                    assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [launch])).map(detail), [message], `${launch.type}: ${message}`);
                }
                const bare = fixture();
                delete bare.props.metadataOptions;
                assert.deepStrictEqual(
                    (await runPolicy(instanceLaunchesHardened, [bare])).map(detail).map(message => message.split(":")[0]),
                    [
                        "metadataOptions.httpTokens is not set",
                        "metadataOptions.httpPutResponseHopLimit is not set, so the AMI's default applies (2 for Amazon Linux 2023)",
                    ],
                );
            }
        });

        it("judges only what an instance sets itself when it launches from a template, which is checked on its own", async () => {
            const fromTemplate = instance();
            fromTemplate.props.launchTemplate = { id: "lt-0123456789abcdef0", version: "3" };
            delete fromTemplate.props.metadataOptions;
            assert.deepStrictEqual(await runPolicy(instanceLaunchesHardened, [fromTemplate]), []);
            fromTemplate.props.metadataOptions = { httpTokens: "optional" };
            assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [fromTemplate])).map(detail), [
                'metadataOptions.httpTokens is "optional": set it to "required" so instances use IMDSv2 only.',
            ]);
        });

        it("fails Spot Fleet launch specifications, which cannot require IMDSv2, and Image Builder build instances without it", async () => {
            const fleet = spotFleetRequest();
            fleet.props.launchSpecifications = [{ ami: "ami-1", instanceType: "t3.small", associatePublicIpAddress: false }];
            assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [fleet])).map(detail), [
                "launchSpecifications[0] cannot set metadataOptions, so its instances may use IMDSv1 and any hop limit: use launchTemplateConfigs " +
                    "with a launch template that requires IMDSv2 instead.",
            ]);
            const infrastructure = infrastructureConfiguration();
            infrastructure.props.instanceMetadataOptions.httpTokens = "optional";
            assert.deepStrictEqual((await runPolicy(instanceLaunchesHardened, [infrastructure])).map(detail), [
                'instanceMetadataOptions.httpTokens is "optional": set it to "required" so instances use IMDSv2 only.',
            ]);
        });
    });

    describe("still passes", () => {
        it("passes a hardened instance, launch configuration, Spot Fleet on a template, build infrastructure and recipe", async () => {
            const resources = [instance(), launchConfiguration(), spotFleetRequest(), infrastructureConfiguration(), imageRecipe()];
            assert.deepStrictEqual(await runPolicy(instanceLaunchesHardened, resources), []);
        });
    });
});
