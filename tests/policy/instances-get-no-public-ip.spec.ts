// instances-get-no-public-ip: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import { instanceLaunchesHardened, instancesGetNoPublicIp } from "../../policy/policies";
import { assertOne, findings, ipv6Subnet, nodeGroup, secret, spotInstanceRequest } from "./cases";
import { autoScalingGroup, ec2Fleet, instance, launchConfiguration, launchTemplate, spotFleetRequest, subnet, SUBNET_ID } from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("instances-get-no-public-ip", () => {
    describe("blocks", () => {
        it("gives no public IP to a Spot Instance request or node group in a subnet that maps one", async () => {
            const request = spotInstanceRequest();
            delete request.props.associatePublicIpAddress;
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [request, subnet(true)]), [
                `associatePublicIpAddress is not set and subnet fleet-${SUBNET_ID} has mapPublicIpOnLaunch true, so instances get a public IP: set associatePublicIpAddress to false.`,
            ]);
            const template = launchTemplate();
            delete template.props.networkInterfaces;
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [template, nodeGroup(), subnet(true)]), [
                `launchTemplate.id (web's networkInterfaces[0].associatePublicIpAddress) is not set and subnet fleet-${SUBNET_ID} has mapPublicIpOnLaunch true, ` +
                    'so instances get a public IP: set the template\'s networkInterfaces[0].associatePublicIpAddress to "false".',
            ]);
        });

        it("instances-get-no-public-ip sees through a subnet's secret mapPublicIpOnLaunch (class: no public IP)", async () => {
            const template = launchTemplate();
            delete template.props.networkInterfaces;
            const publicSubnet = subnet(true);
            publicSubnet.props.mapPublicIpOnLaunch = secret(true);
            assertOne(
                await findings(instancesGetNoPublicIp, [template, autoScalingGroup(), publicSubnet]),
                /has mapPublicIpOnLaunch true, so instances get a public IP/,
            );
        });

        it("instances-get-no-public-ip blocks launches into a subnet that assigns IPv6 addresses, even with associatePublicIpAddress false", async () => {
            const expected =
                /launches into subnet fleet-subnet-0123456789abcdef0, which has (assignIpv6AddressOnCreation|ipv6Native) true, so instances get a global IPv6 address/;
            // Template-based launches: an Auto Scaling group, an EC2 Fleet, a Spot Fleet (the template says "false" for IPv4).
            for (const launcher of [autoScalingGroup(), ec2Fleet(), spotFleetRequest()]) {
                for (const dualStack of [ipv6Subnet(), ipv6Subnet("assignIpv6AddressOnCreation", "true"), ipv6Subnet("ipv6Native")]) {
                    assertOne(await findings(instancesGetNoPublicIp, [launchTemplate(), launcher, dualStack]), expected, launcher.type);
                }
            }
            // An instance with its own subnet, and one that takes its subnet from its template.
            assertOne(await findings(instancesGetNoPublicIp, [instance(), ipv6Subnet()]), expected, "instance");
            const fromTemplate = instance();
            delete fromTemplate.props.subnetId;
            fromTemplate.props.launchTemplate = { id: fixtures.TEMPLATE_ID, version: "3" };
            assertOne(await findings(instancesGetNoPublicIp, [launchTemplate(), fromTemplate, ipv6Subnet()]), expected, "instance from template");
            // A fleet override into the dual-stack subnet next to a private one.
            const fleet = ec2Fleet();
            fleet.props.launchTemplateConfigs[0].overrides.push({ subnetId: "subnet-dualstack" });
            assertOne(
                await findings(instancesGetNoPublicIp, [
                    launchTemplate(),
                    fleet,
                    subnet(),
                    ipv6Subnet("assignIpv6AddressOnCreation", true, "subnet-dualstack"),
                ]),
                /launches into subnet fleet-subnet-dualstack, which has assignIpv6AddressOnCreation true/,
                "fleet override",
            );
        });

        it("fails an instance, launch configuration or Spot Fleet specification with no public IP setting in a public, unseen or default subnet", async () => {
            const open = instance();
            delete open.props.associatePublicIpAddress;
            assert.match(
                (await runPolicy(instancesGetNoPublicIp, [open, subnet(true)])).map(detail)[0],
                /^associatePublicIpAddress is not set and subnet .* has mapPublicIpOnLaunch true/,
            );
            delete open.props.subnetId;
            assert.match(
                (await runPolicy(instancesGetNoPublicIp, [open])).map(detail)[0],
                /^associatePublicIpAddress is not set and the pack cannot see the subnet it launches into \(a default subnet assigns public IPs\)/,
            );
            open.props.associatePublicIpAddress = false;
            assert.deepStrictEqual(await runPolicy(instancesGetNoPublicIp, [open]), []);

            const configuration = launchConfiguration();
            delete configuration.props.associatePublicIpAddress;
            const group = autoScalingGroup();
            delete group.props.launchTemplate;
            group.props.launchConfiguration = "legacy";
            assert.match(
                (await runPolicy(instancesGetNoPublicIp, [configuration, group, subnet(true)])).map(detail)[0],
                /^launchConfiguration \(legacy\) is not set and subnet/,
            );

            const fleet = spotFleetRequest();
            fleet.props.launchSpecifications = [{ ami: "ami-1", instanceType: "t3.small", subnetId: SUBNET_ID }];
            assert.match(
                (await runPolicy(instancesGetNoPublicIp, [launchTemplate(), fleet, subnet(true)])).map(detail)[0],
                /^launchSpecifications\[0\]\.associatePublicIpAddress is not set and subnet/,
            );
        });
        it("instances-get-no-public-ip blocks Image Builder builds in a declared subnet that maps public IPv4, assigns IPv6, or is an adopted default subnet (class: launch paths)", async () => {
            const build = () => {
                const infrastructure = fixtures.infrastructureConfiguration();
                infrastructure.props.subnetId = SUBNET_ID;
                infrastructure.props.securityGroupIds = ["sg-0123456789abcdef0"];
                return infrastructure;
            };
            assertOne(
                await findings(instancesGetNoPublicIp, [build(), subnet(true)]),
                /^subnetId is fleet-subnet-0123456789abcdef0, which has mapPublicIpOnLaunch true, so every build and test instance gets a public IP \(an infrastructure configuration cannot refuse one\): build in a private subnet/,
            );
            assertOne(
                await findings(instancesGetNoPublicIp, [build(), ipv6Subnet("ipv6Native")]),
                /^subnetId is fleet-subnet-0123456789abcdef0, which has ipv6Native true, so every build and test instance gets a global IPv6 address/,
            );
            const adopted = { ...subnet(false), type: "aws:ec2/defaultSubnet:DefaultSubnet", name: "default-a", props: { availabilityZone: "us-east-1a" } };
            assertOne(
                await findings(instancesGetNoPublicIp, [build(), adopted]),
                /^subnetId is default-a, which is a default subnet that maps public IPv4 addresses/,
            );
            // The same default subnet turned private passes.
            assert.deepStrictEqual(
                await findings(instancesGetNoPublicIp, [build(), { ...adopted, props: { ...adopted.props, mapPublicIpOnLaunch: false } }]),
                [],
            );
        });
        it("instances-get-no-public-ip blocks a standalone network interface in a subnet that assigns IPv6 addresses, and passes one in a subnet that does not (class: launch paths)", async () => {
            const networkInterface = {
                type: "aws:ec2/networkInterface:NetworkInterface",
                name: "data-eni",
                provider: fixtures.regionalProvider(),
                props: { subnetId: SUBNET_ID, securityGroups: ["sg-0123456789abcdef0"] },
            };
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [networkInterface, subnet(false)]), []);
            assertOne(
                await findings(instancesGetNoPublicIp, [networkInterface, ipv6Subnet()]),
                /^subnetId is fleet-subnet-0123456789abcdef0, which has assignIpv6AddressOnCreation true, so this network interface gets a global IPv6 address/,
            );
        });
    });

    describe("still passes", () => {
        it("passes Image Builder builds in a declared private subnet, in the team's subnet outside the stack, or with no subnet (the program's default VPC)", async () => {
            const infrastructure = fixtures.infrastructureConfiguration();
            infrastructure.props.subnetId = SUBNET_ID;
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [infrastructure, subnet(false)]), []);
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [infrastructure]), []);
            assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [fixtures.infrastructureConfiguration(), subnet(true)]), []);
        });

        it("passes an unset public IP only in a subnet the stack declares without mapPublicIpOnLaunch", async () => {
            const template = launchTemplate();
            delete template.props.networkInterfaces;
            const group = autoScalingGroup();
            assert.deepStrictEqual(await runPolicy(instancesGetNoPublicIp, [template, group, subnet(false)]), []);
            const findings = (await runPolicy(instancesGetNoPublicIp, [template, group, subnet(true)])).map(detail);
            assert.deepStrictEqual(findings, [
                `launchTemplate.id (web's networkInterfaces[0].associatePublicIpAddress) is not set and subnet fleet-${SUBNET_ID} has mapPublicIpOnLaunch true, ` +
                    'so instances get a public IP: set the template\'s networkInterfaces[0].associatePublicIpAddress to "false".',
            ]);
            assert.deepStrictEqual((await runPolicy(instancesGetNoPublicIp, [template, group])).map(detail), [
                `launchTemplate.id (web's networkInterfaces[0].associatePublicIpAddress) is not set, so whether instances get a public IP depends on subnet ` +
                    `${SUBNET_ID}, which this stack does not declare: set the template's networkInterfaces[0].associatePublicIpAddress to "false".`,
            ]);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says the subnet is unknown at preview, and blocks once it resolves to a public subnet", async () => {
            const open = instance();
            delete open.props.associatePublicIpAddress;
            const pending = subnet(true);
            pending.outputs = { id: UNKNOWN, arn: UNKNOWN };
            assert.deepStrictEqual(
                (await runPolicy(instancesGetNoPublicIp, [open, pending])).map(d => [d.level, unknownDetail(d)]),
                [["advisory", `could not check whether subnet ${SUBNET_ID} is one the stack declares: value unknown until apply`]],
            );
            assert.deepStrictEqual(
                (await runPolicy(instancesGetNoPublicIp, [open, subnet(true)])).map(d => d.level),
                ["mandatory"],
            );
            const unknownTokens = instance();
            unknownTokens.props.metadataOptions.httpTokens = UNKNOWN;
            assert.deepStrictEqual(
                (await runPolicy(instanceLaunchesHardened, [unknownTokens])).map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check metadataOptions.httpTokens: value unknown until apply"]],
            );
        });
    });
});
