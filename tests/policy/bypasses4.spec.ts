// Red-team round 4: each case is another way to reach a blocked outcome that the pack (0.5.0) let through, or a
// legitimate shape it must keep passing. Each starts from a passing fixture and changes one thing.
import * as assert from "assert";
import {
    imagesTagged, instanceLaunchesHardened, instancesGetNoPublicIp, launchTemplatesHardened,
} from "../../policy/policies";
import * as fixtures from "./fixtures";
import {
    amiCopy, autoScalingGroup, ec2Fleet, imageTags, infrastructureConfiguration, instance, launchTemplate, regionalProvider, spotFleetRequest, subnet,
} from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies, runPolicy } from "./harness";

const findings = async (policy: Parameters<typeof runPolicy>[0], resources: ResourceFixture[], config: Record<string, unknown> = {}) =>
    (await runPolicy(policy, resources, config)).map(detail);

function assertOne(found: string[], expected: RegExp, label = ""): void {
    assert.strictEqual(found.length, 1, `${label}: ${JSON.stringify(found)}`);
    assert.match(found[0], expected, label);
}

/** A Spot Instance request built from the instance fixture: it takes the same inputs. */
function spotInstanceRequest(): ResourceFixture {
    const request = instance();
    return { ...request, type: "aws:ec2/spotInstanceRequest:SpotInstanceRequest", name: "builder-spot" };
}

/** A subnet of this stack that maps no public IPv4 address but assigns IPv6 addresses (or is IPv6-only). */
function ipv6Subnet(setting: "assignIpv6AddressOnCreation" | "ipv6Native" = "assignIpv6AddressOnCreation", value: unknown = true, id = fixtures.SUBNET_ID): ResourceFixture {
    const dualStack = subnet(false, id);
    dualStack.props.ipv6CidrBlock = "2600:1f18:1234:5600::/64";
    dualStack.props[setting] = value;
    return dualStack;
}

describe("bypasses 4: global IPv6 addresses are public addresses (class: no public IP)", () => {
    it("launch-templates-hardened blocks any network interface that asks for IPv6 addresses or prefixes, however given", async () => {
        const cases: Array<[string, unknown]> = [
            ["ipv6AddressCount", 1], ["ipv6AddressCount", "2"], ["ipv6Addresses", ["2600:1f18:1234:5600::10"]], ["ipv6Addresses", "2600:1f18:1234:5600::10"],
            ["ipv6PrefixCount", 1], ["ipv6Prefixes", ["2600:1f18:1234:5600:1::/80"]], ["primaryIpv6", "true"], ["primaryIpv6", "T"], ["primaryIpv6", true],
        ];
        for (const [field, value] of cases) {
            const template = launchTemplate();
            template.props.networkInterfaces[0][field] = value;
            assertOne(await findings(launchTemplatesHardened, [template]), new RegExp(`^networkInterfaces\\[0\\]\\.${field} is .*global IPv6 address`), `${field} ${JSON.stringify(value)}`);
        }
        // A secondary interface's address is as reachable as the primary's.
        const secondary = launchTemplate();
        secondary.props.networkInterfaces.push({ deviceIndex: 1, associatePublicIpAddress: "false", ipv6AddressCount: 1 });
        assertOne(await findings(launchTemplatesHardened, [secondary]), /^networkInterfaces\[1\]\.ipv6AddressCount is 1/);
    });

    it("instance-launches-hardened blocks instances and Spot Instance requests that ask for IPv6 addresses", async () => {
        const cases: Array<[string, unknown]> = [["ipv6AddressCount", 1], ["ipv6Addresses", ["2600:1f18:1234:5600::10"]], ["enablePrimaryIpv6", true], ["enablePrimaryIpv6", "1"]];
        for (const make of [instance, spotInstanceRequest]) {
            for (const [field, value] of cases) {
                const launch = make();
                launch.props[field] = value;
                assertOne(await findings(instanceLaunchesHardened, [launch]), new RegExp(`^${field} is .*global IPv6 address`), `${launch.type} ${field}`);
            }
        }
    });

    it("instances-get-no-public-ip blocks launches into a subnet that assigns IPv6 addresses, even with associatePublicIpAddress false", async () => {
        const expected = /launches into subnet fleet-subnet-0123456789abcdef0, which has (assignIpv6AddressOnCreation|ipv6Native) true, so instances get a global IPv6 address/;
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
        assertOne(await findings(instancesGetNoPublicIp, [launchTemplate(), fleet, subnet(), ipv6Subnet("assignIpv6AddressOnCreation", true, "subnet-dualstack")]),
            /launches into subnet fleet-subnet-dualstack, which has assignIpv6AddressOnCreation true/, "fleet override");
    });

    it("still passes IPv6 turned off or left out, and an existing interface in a dual-stack subnet", async () => {
        const template = launchTemplate();
        Object.assign(template.props.networkInterfaces[0], { ipv6AddressCount: 0, ipv6Addresses: [], ipv6Prefixes: [], ipv6PrefixCount: 0, primaryIpv6: "false" });
        assert.deepStrictEqual(await findings(launchTemplatesHardened, [template]), []);
        const quiet = instance();
        Object.assign(quiet.props, { ipv6AddressCount: 0, ipv6Addresses: [], enablePrimaryIpv6: false });
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [quiet]), []);
        assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [launchTemplate(), autoScalingGroup(), ipv6Subnet("assignIpv6AddressOnCreation", false)]), []);
        const attached = instance();
        delete attached.props.associatePublicIpAddress;
        delete attached.props.subnetId;
        attached.props.networkInterfaces = [{ deviceIndex: 0, networkInterfaceId: "eni-0123456789abcdef0" }];
        assert.deepStrictEqual(await findings(instancesGetNoPublicIp, [attached, ipv6Subnet()]), []);
    });
});

describe("bypasses 4: a hop limit of 0 is no hop limit (class: IMDSv2 and hop limit)", () => {
    it("launch-templates-hardened and instance-launches-hardened block a hop limit of 0, \"\" or below 1, which the provider does not send", async () => {
        for (const hopLimit of [0, "0", "", " ", -1]) {
            const template = launchTemplate();
            template.props.metadataOptions.httpPutResponseHopLimit = hopLimit;
            assertOne(await findings(launchTemplatesHardened, [template]), /^metadataOptions\.httpPutResponseHopLimit is .*not a hop limit of 1 or more/, `template ${JSON.stringify(hopLimit)}`);
            const launch = instance();
            launch.props.metadataOptions.httpPutResponseHopLimit = hopLimit;
            assertOne(await findings(instanceLaunchesHardened, [launch]), /^metadataOptions\.httpPutResponseHopLimit is .*not a hop limit of 1 or more/, `instance ${JSON.stringify(hopLimit)}`);
            const infrastructure = infrastructureConfiguration();
            infrastructure.props.instanceMetadataOptions.httpPutResponseHopLimit = hopLimit;
            assertOne(await findings(instanceLaunchesHardened, [infrastructure]), /^instanceMetadataOptions\.httpPutResponseHopLimit is .*not a hop limit of 1 or more/, `build ${JSON.stringify(hopLimit)}`);
        }
    });

    it("still passes a hop limit of 0 on an instance that launches from a template (the template's applies), and 1 or 2 written as strings", async () => {
        const fromTemplate = instance();
        fromTemplate.props.launchTemplate = { id: fixtures.TEMPLATE_ID, version: "3" };
        fromTemplate.props.metadataOptions = { httpPutResponseHopLimit: 0 };
        assert.deepStrictEqual(await findings(instanceLaunchesHardened, [fromTemplate]), []);
        for (const [hopLimit, maxHopLimit] of [["1", 1], [" 2 ", 2]] as const) {
            const template = launchTemplate();
            template.props.metadataOptions.httpPutResponseHopLimit = hopLimit;
            assert.deepStrictEqual(await findings(launchTemplatesHardened, [template], { maxHopLimit }), [], hopLimit);
        }
    });
});

describe("bypasses 4: tag values that print as nothing (class: untagged images)", () => {
    const INVISIBLE = ["\u200b", "\u200b\u200c\u200d", "\u2060", "\u00ad", "\u180e", "\u3164", " \u200b "];

    it("images-tagged counts a required tag whose value is only zero-width or invisible characters as missing, wherever it is set", async () => {
        for (const blank of INVISIBLE) {
            const label = JSON.stringify(blank);
            const copy = amiCopy();
            copy.props.tags = { ...imageTags(), Owner: blank };
            assertOne(await findings(imagesTagged, [copy]), /^tags is missing Owner/, `tags ${label}`);
            const defaulted = amiCopy();
            delete defaulted.props.tags.Owner;
            defaulted.provider = regionalProvider(fixtures.HOME_REGION, { defaultTags: { tags: { Owner: blank } } });
            assertOne(await findings(imagesTagged, [defaulted]), /^tags is missing Owner/, `defaultTags ${label}`);
            const distribution = fixtures.distributionConfiguration();
            distribution.props.distributions[0].amiDistributionConfiguration.amiTags = { ...imageTags(), Version: blank };
            assertOne(await findings(imagesTagged, [distribution]), /amiTags is missing Version/, `amiTags ${label}`);
            const tag: ResourceFixture = { type: "aws:ec2/tag:Tag", name: "owner", provider: regionalProvider(), props: { resourceId: fixtures.SOURCE_AMI, key: "Owner", value: blank } };
            assertOne(await findings(imagesTagged, [tag]), /^value is blank, so this tag strips the required tag Owner/, `aws.ec2.Tag ${label}`);
        }
    });

    it("still passes values with invisible characters inside real text, and values in any script", async () => {
        const copy = amiCopy();
        copy.props.tags = { ...imageTags(), Name: "al2023\u200b-base", Owner: "プラットフォーム", Environment: "dév" };
        assert.deepStrictEqual(await findings(imagesTagged, [copy]), []);
        const tag: ResourceFixture = { type: "aws:ec2/tag:Tag", name: "keep", provider: regionalProvider(), props: { resourceId: fixtures.SOURCE_AMI, key: "Owner", value: "platform\u200dteam" } };
        assert.deepStrictEqual(await findings(imagesTagged, [tag]), []);
    });
});

describe("bypasses 4: the real stacks' shapes still pass", () => {
    it("passes dev's and prod's fixture programs with a fleet in declared private subnets, one of them dual-stack without IPv6 assignment", async () => {
        const privateDualStack = ipv6Subnet("assignIpv6AddressOnCreation", false, "subnet-0fedcba9876543210");
        for (const [stack, program] of [["dev", fixtures.devProgram()], ["prod", fixtures.prodProgram()]] as const) {
            const extras = [subnet(), privateDualStack, launchTemplate(), (() => {
                const group = autoScalingGroup();
                group.name = "web-dual";
                group.props.vpcZoneIdentifiers = [fixtures.SUBNET_ID, "subnet-0fedcba9876543210"];
                return group;
            })()];
            const resources = stack === "dev" ? [...program, extras[0], extras[1], extras[3]] : [...program, ...extras];
            const mandatory = (await runPolicies(resources, loadPackConfig(stack), { stack })).filter(d => d.level === "mandatory");
            assert.deepStrictEqual(mandatory.map(detail), [], stack);
        }
    });
});
