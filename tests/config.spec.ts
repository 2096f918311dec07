import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, RawStackConfig } from "../components/config";
import { readStackConfig } from "../tools/engine/stackFile";
import { runProgram } from "./helpers";

const dev = () => readStackConfig("dev");

function problemsOf(raw: RawStackConfig): string[] {
    try {
        parseStackConfig(raw, "dev");
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return error.problems;
    }
    assert.fail("expected the config to be refused");
}

function withImage(fields: Record<string, unknown>): RawStackConfig {
    const raw = dev();
    return { ...raw, image: { ...(raw.image as object), ...fields } };
}

function withFleet(fields: Record<string, unknown>): RawStackConfig {
    const raw = dev();
    return { ...raw, fleet: { ...(raw.fleet as object), ...fields } };
}

type Path = Array<string | number>;

/** Every key path below the top (list items too), with the key the messages name it by. */
function keyPaths(value: unknown, path: Path = []): Array<[Path, string]> {
    const here: Array<[Path, string]> = path.length === 0 ? [] : [[path, keyName(path)]];
    const children = Array.isArray(value) ? value.map((item, index) => [index, item] as const)
        : value !== null && typeof value === "object" ? Object.entries(value) : [];
    return [...here, ...children.flatMap(([field, child]) => keyPaths(child, [...path, field]))];
}

function keyName([top, ...rest]: Path): string {
    return rest.reduce<string>((key, field) => typeof field === "number" ? `${key}[${field}]` : `${key}.${field}`,
        String(top).includes(":") ? String(top) : `golden-ami:${top}`);
}

function valueAt(root: unknown, path: Path): unknown {
    return path.reduce<any>((node, field) => node[field], root);
}

function withValueAt(root: RawStackConfig, path: Path, value: unknown): RawStackConfig {
    const copy = structuredClone(root);
    const parent = valueAt(copy, path.slice(0, -1)) as Record<string | number, unknown>;
    parent[path[path.length - 1]] = value;
    return copy;
}

/** "accepted", or the problems of the ConfigError; anything else thrown fails the test as it is. */
function outcomeOf(raw: RawStackConfig, stack: string): "accepted" | string[] {
    try {
        parseStackConfig(raw, stack);
        return "accepted";
    } catch (error) {
        if (error instanceof ConfigError) return error.problems;
        throw error;
    }
}

describe("config", () => {
    it("reads both stack files into a typed config with the home region first", () => {
        const devConfig = parseStackConfig(readStackConfig("dev"), "dev");
        const prodConfig = parseStackConfig(readStackConfig("prod"), "prod");
        assert.deepStrictEqual(devConfig.regions, ["us-east-1", "us-west-2"]);
        assert.strictEqual(devConfig.promoteFrom, undefined, "dev builds");
        assert.ok(prodConfig.promoteFrom, "prod promotes");
        assert.ok(prodConfig.regions.length > devConfig.regions.length, "prod holds the image in more regions");

        assert.strictEqual(prodConfig.image.rootVolumeGiB, 20, "defaults apply to keys the stack leaves out");
    });

    const refusals: Array<[string, RawStackConfig, RegExp]> = [
        ["a missing home region", { ...dev(), "aws:region": undefined }, /aws:region is required/],
        ["an unknown home region", { ...dev(), "aws:region": "us-middle-1" }, /aws:region must be an AWS region like us-east-1, got "us-middle-1"/],
        ["a missing image", { ...dev(), image: undefined }, /golden-ami:image is required/],
        ["a version that is not semver", withImage({ version: "1.4" }), /golden-ami:image.version must be a semantic version major.minor.patch like 1.4.0, got "1.4"/],
        ["a base image that is neither SSM nor an AMI", withImage({ baseImage: "amazon-linux" }), /golden-ami:image.baseImage must be an SSM parameter path .* or an AMI id, got "amazon-linux"/],
        ["a Windows platform", withImage({ platform: "Windows" }), /golden-ami:image.platform must be one of Linux .*, got "Windows"/],
        ["a malformed instance type", withImage({ instanceTypes: ["large"] }), /golden-ami:image.instanceTypes\[0\] must be an EC2 instance type of a known family like t3.medium, m7i.large or c7g.2xlarge, got "large"/],
        ["no instance types", withImage({ instanceTypes: [] }), /golden-ami:image.instanceTypes must list at least one instance type/],
        ["a root volume too small", withImage({ rootVolumeGiB: 4 }), /golden-ami:image.rootVolumeGiB must be a whole number from 8 to 16384, got 4/],
        ["a tag the program records on each build", { ...dev(), tags: { Owner: "a", SourceCommit: "abc" } }, /golden-ami:tags.SourceCommit is set by the program .*; remove it from the stack file/],
        ["a pipeline schedule, which no longer exists", withImage({ schedule: "cron(0 4 ? * SUN *)" }), /golden-ami:image.schedule is no longer used: nothing builds outside `pulumi up`/],
        ["a misspelt top-level key", { ...dev(), imgae: {} }, /golden-ami:imgae is not a known key; did you mean golden-ami:image\?/],
        ["a misspelt nested key", withImage({ rootVolumeGB: 30 }), /golden-ami:image.rootVolumeGB is not a known key; did you mean golden-ami:image.rootVolumeGiB\?/],
        ["a misspelt fleet refresh key", withFleet({ instanceRefresh: { minHealthyPercent: 100 } }), /golden-ami:fleet.instanceRefresh.minHealthyPercent is not a known key; did you mean golden-ami:fleet.instanceRefresh.minHealthyPercentage\?/],
        ["an account id YAML read as a number", { ...dev(), sharing: { accounts: [222222222222] } }, /golden-ami:sharing.accounts\[0\] .*got the number 222222222222: quote it in the stack file \("222222222222"\)/],
        ["an account id whose leading zero YAML dropped", { ...dev(), sharing: { promotingAccounts: [12345678901] } }, /YAML dropped its leading zeros; quote it in the stack file \("012345678901"\)/],
        ["a number given as a string", withImage({ rootVolumeGiB: "30" }), /golden-ami:image.rootVolumeGiB must be a whole number from 8 to 16384, got the string "30": remove the quotes/],
        ["a boolean given as a string", { ...dev(), blockPublicSharing: "false" }, /golden-ami:blockPublicSharing must be true or false, got the string "false": remove the quotes/],
        ["a promoting account also listed among the accounts", { ...dev(), sharing: { accounts: ["222222222222"], promotingAccounts: ["222222222222"] } }, /golden-ami:sharing.promotingAccounts\[0\] "222222222222" is also in golden-ami:sharing.accounts/],
        ["a promoting stack without the pinned AMI", { ...readStackConfig("prod"), promoteFrom: { account: "111111111111", region: "us-east-1" } }, /golden-ami:promoteFrom.amiId is required: expected the id of the AMI .*npm run images -- promote/],
        ["a build network on a promoting stack", { ...readStackConfig("prod"), build: { subnetId: "subnet-0123456789abcdef0" } }, /golden-ami:build is set, but golden-ami:promoteFrom makes this a promoting stack/],
        ["a build subnet that is not a subnet id", { ...dev(), build: { subnetId: "default" } }, /golden-ami:build.subnetId must be the subnet id .*, got "default"/],
        ["a refresh that may grow the group too far", withFleet({ instanceRefresh: { minHealthyPercentage: 50, maxHealthyPercentage: 200 } }), /maxHealthyPercentage \(200\) may exceed minHealthyPercentage \(50\) by at most 100/],
        ["a refresh that terminates before it launches", withFleet({ instanceRefresh: { maxHealthyPercentage: 100 } }), /golden-ami:fleet.instanceRefresh.maxHealthyPercentage must be a whole number from 101 to 200, got 100/],
        ["a name that makes the AMI name too long", withImage({ name: "n".repeat(64), version: `${"9".repeat(40)}.0.0` }), /make an AMI name of 1\d\d characters; the limit is 127/],
        ["a region listed twice", { ...dev(), regions: ["us-west-2", "us-west-2"] }, /golden-ami:regions\[1\] "us-west-2" is listed twice/],
        ["an unknown region", { ...dev(), regions: ["eu-west-9"] }, /golden-ami:regions\[0\] must be an AWS region like us-east-1, got "eu-west-9"/],
        ["a region in another partition", { ...dev(), regions: ["cn-north-1"] }, /images cannot be copied across partitions/],
        ["an account id that is not 12 digits", { ...dev(), sharing: { accounts: ["12345"] } }, /golden-ami:sharing.accounts\[0\] must be a 12-digit AWS account id, got "12345"/],
        ["a malformed organization ARN", { ...dev(), sharing: { organizationArns: ["o-abc"] } }, /golden-ami:sharing.organizationArns\[0\] must be an organization ARN .*, got "o-abc"/],
        ["a malformed OU ARN", { ...dev(), sharing: { organizationalUnitArns: ["arn:aws:organizations::111122223333:ou/ou-1"] } }, /golden-ami:sharing.organizationalUnitArns\[0\] must be an OU ARN/],
        ["\"all\" among the accounts", { ...dev(), sharing: { accounts: ["all"] } }, /golden-ami:sharing.accounts\[0\] is "all", which makes the image public/],
        ["\"all\" among the OUs", { ...dev(), sharing: { organizationalUnitArns: ["ALL"] } }, /golden-ami:sharing.organizationalUnitArns\[0\] is "all", which makes the image public/],
        ["an account listed twice", { ...dev(), sharing: { accounts: ["111122223333", "111122223333"] } }, /golden-ami:sharing.accounts\[1\] "111122223333" is listed twice/],
        ["more accounts than an AMI can be shared with", { ...dev(), sharing: { accounts: Array.from({ length: 51 }, (_, i) => String(100000000000 + i)) } },
            /golden-ami:sharing.accounts lists 51 entries; an AMI can be shared with at most 50 — share with organizationArns or organizationalUnitArns instead/],
        ["missing tags", { ...dev(), tags: undefined }, /golden-ami:tags is required/],
        ["a tag the program derives", { ...dev(), tags: { Owner: "platform", Environment: "dev" } }, /golden-ami:tags.Environment is set by the program/],
        ["an empty tag value", { ...dev(), tags: { Owner: " " } }, /golden-ami:tags.Owner must be a non-empty string/],
        ["a promoteFrom account that is not 12 digits", { ...dev(), promoteFrom: { account: "dev", region: "us-east-1" } }, /golden-ami:promoteFrom.account must be the building account's 12-digit AWS account id, got "dev"/],
        ["a delete age not after the deprecation age", { ...dev(), lifecycle: { deprecateAfterDays: 30, deleteAfterDays: 30 } }, /golden-ami:lifecycle.deleteAfterDays must be greater than deprecateAfterDays \(30\), got 30/],
        ["a deprecation age Image Builder's age filter cannot take", { ...dev(), lifecycle: { deprecateAfterDays: 1001, deleteAfterDays: 1002 } }, /golden-ami:lifecycle.deprecateAfterDays must be a whole number from 1 to 1000, got 1001/],
        ["a delete age Image Builder's age filter cannot take", { ...dev(), lifecycle: { deprecateAfterDays: 30, deleteAfterDays: 3650 } }, /golden-ami:lifecycle.deleteAfterDays must be a whole number from 1 to 1000, got 3650/],
        ["more images to keep than Image Builder's retainAtLeast allows", { ...dev(), lifecycle: { keepAtLeast: 11 } }, /golden-ami:lifecycle.keepAtLeast must be a whole number from 1 to 10, got 11/],
        ["a launch window longer than Image Builder's lastLaunched exclusion", { ...dev(), lifecycle: { keepIfLaunchedWithinDays: 366 } }, /golden-ami:lifecycle.keepIfLaunchedWithinDays must be a whole number from 1 to 365, got 366/],
        ["a blockPublicSharing that is not a boolean", { ...dev(), blockPublicSharing: "yes" }, /golden-ami:blockPublicSharing must be true or false, got "yes"/],
        ["a fleet whose minSize is above maxSize", withFleet({ minSize: 3, maxSize: 2, desiredCapacity: 2 }), /golden-ami:fleet.minSize \(3\) must not be greater than maxSize \(2\)/],
        ["a fleet desiredCapacity outside [min, max]", withFleet({ minSize: 1, maxSize: 2, desiredCapacity: 5 }), /golden-ami:fleet.desiredCapacity must be between minSize \(1\) and maxSize \(2\), got 5/],
        ["a fleet region that does not hold the image", withFleet({ regions: ["eu-west-1"] }), /golden-ami:fleet.regions\[0\] "eu-west-1" does not hold the image; add it to golden-ami:regions/],
        ["a fleet instance type of an unknown family", withFleet({ instanceTypes: ["q9.large"] }), /golden-ami:fleet.instanceTypes\[0\] must be an EC2 instance type of a known family .*, got "q9.large"/],
        ["an empty fleet subnet list", withFleet({ subnetIds: { "us-east-1": [] } }), /golden-ami:fleet.subnetIds.us-east-1 is empty/],
        ["a malformed fleet subnet id", withFleet({ subnetIds: { "us-east-1": ["subnet-x"] } }), /golden-ami:fleet.subnetIds.us-east-1\[0\] must be a subnet id/],
        ["checkpoints that do not end at 100", withFleet({ instanceRefresh: { checkpointPercentages: [50, 90] } }), /golden-ami:fleet.instanceRefresh.checkpointPercentages must rise and end at 100, got \[50,90\]/],
        ["a fleet root volume smaller than the image's", withFleet({ rootVolumeGiB: 10 }), /golden-ami:fleet.rootVolumeGiB must be a whole number from 20 to 16384, got 10/],
        ["a fleet VPC range that is not a CIDR block", withFleet({ vpcCidr: "10.0.0.0" }), /golden-ami:fleet.vpcCidr must be an IPv4 CIDR block from \/16 to \/24 like 10.0.0.0\/16, got "10.0.0.0"/],
        ["a user data file that is not in the repository", withFleet({ userDataFile: "nowhere/user-data.sh" }), /golden-ami:fleet.userDataFile must name a file in the repository, got "nowhere\/user-data.sh"/],
        // Found by fuzzing the stack files' values (wrong shapes at every key path).
        ["an empty value (YAML `key:` with nothing after it), which used to mean the default", withImage({ rootVolumeGiB: null }), /golden-ami:image.rootVolumeGiB must be a whole number from 8 to 16384, got null \(an empty value\)/],
        ["an empty section", { ...dev(), lifecycle: null }, /golden-ami:lifecycle must be an object, got null \(an empty value\)/],
        ["an empty fleet list", withFleet({ instanceTypes: null }), /golden-ami:fleet.instanceTypes must be a list, got null/],
        ["a whole section given as a string", { ...dev(), image: "al2023" }, /golden-ami:image must be an object, got "al2023"/],
        ["a list given as one string", { ...dev(), regions: "us-west-2" }, /golden-ami:regions must be a list, got "us-west-2": write it as a YAML list, one "- us-west-2" line per item/],
        ["a list given as a map", withFleet({ regions: { "us-east-1": true } }), /golden-ami:fleet.regions must be a list, got \{"us-east-1":true\}/],
        ["tags given as a list", { ...dev(), tags: ["Owner"] }, /golden-ami:tags must be an object, got \["Owner"\]/],
        ["a fleet given as a list", { ...dev(), fleet: [] }, /golden-ami:fleet must be an object, got \[\]/],
        ["an empty fleet region list", withFleet({ regions: [] }), /golden-ami:fleet.regions must list at least one region, got \[\]: leave the key out .* or remove golden-ami:fleet/],
        ["a value with a zero-width character, shown spelt out", withImage({ version: "1.4.1\u200b" }), /golden-ami:image.version must be .*, got "1\.4\.1\\u200b"/],
        ["a very long value, shown cut short", withImage({ name: "n".repeat(5000) }), /golden-ami:image.name must be .*, got "n{60}"… \(5000 characters\)$/],
        ["a misspelt key with an invisible character, shown spelt out", withImage({ "rootVolumeGiB\u200b": 30 }), /golden-ami:image."rootVolumeGiB\\u200b" is not a known key; did you mean golden-ami:image.rootVolumeGiB\?/],
        ["a __proto__ key", { ...dev(), image: JSON.parse(`{"__proto__": {"x": 1}, "name": "al2023-base", "version": "1.4.1", "baseImage": "ami-0123456789abcdef0"}`) }, /golden-ami:image.__proto__ is not a known key/],
        ["an empty tag key", { ...dev(), tags: { Owner: "a", "": "x" } }, /golden-ami:tags key "" must be 1 to 128 letters, digits, spaces or _.:\/=\+-@ and not start with "aws:"/],
        ["a tag key with an invisible character", { ...dev(), tags: { Owner: "a", "Team\u200b": "x" } }, /golden-ami:tags key "Team\\u200b" must be 1 to 128 letters/],
        ["a tag value of only invisible characters", { ...dev(), tags: { Owner: "\u200b\u200b" } }, /golden-ami:tags.Owner must be a non-empty string of at most 256 characters without invisible characters, got "\\u200b\\u200b"/],
        ["a tag value YAML read as a number", { ...dev(), tags: { Owner: "a", CostCenter: 1042 } }, /golden-ami:tags.CostCenter must be a non-empty string .*, got the number 1042: quote it in the stack file \("1042"\)/],
        ["a fleet VPC range with an octet above 255", withFleet({ vpcCidr: "10.300.0.0/16" }), /golden-ami:fleet.vpcCidr must be an IPv4 CIDR block .*, got "10.300.0.0\/16": an address has four numbers from 0 to 255/],
        ["a fleet VPC range with host bits set", withFleet({ vpcCidr: "10.0.1.0/16" }), /golden-ami:fleet.vpcCidr .*, got "10.0.1.0\/16": host bits are set; the block's network address is 10.0.0.0\/16/],
        ["a user data file outside the repository", withFleet({ userDataFile: "../../etc/passwd" }), /golden-ami:fleet.userDataFile must name a file inside the repository, got "..\/..\/etc\/passwd"/],
        ["subnets of a region that is not a fleet region, named __proto__", withFleet({ subnetIds: JSON.parse(`{"__proto__": ["subnet-0123456789abcdef0"]}`) }), /golden-ami:fleet.subnetIds.__proto__ is not a fleet region/],
    ];
    for (const [what, raw, message] of refusals) {
        it(`refuses ${what}, naming the key, the expected form and the value`, () => {
            const problems = problemsOf(raw);
            assert.ok(problems.some(problem => message.test(problem)), `no problem matched ${message}:\n${problems.join("\n")}`);
        });
    }

    it("does not follow a refused value with a cross-key complaint about a value nobody gave", () => {
        const problems = problemsOf({ ...withFleet({ maxSize: "two", instanceRefresh: { minHealthyPercentage: "x", checkpointPercentages: [50, null] } }),
            lifecycle: { deprecateAfterDays: 30, deleteAfterDays: true } });
        assert.deepStrictEqual(problems.map(problem => problem.split(" ")[0]), [
            "golden-ami:lifecycle.deleteAfterDays",
            "golden-ami:fleet.maxSize",
            "golden-ami:fleet.instanceRefresh.checkpointPercentages[1]",
            "golden-ami:fleet.instanceRefresh.minHealthyPercentage",
        ], problems.join("\n"));
    });

    it("keeps a tag named like an Object property instead of dropping it", () => {
        const config = parseStackConfig({ ...dev(), tags: JSON.parse(`{"Owner": "a", "__proto__": "b", "constructor": "c"}`) }, "dev");
        assert.deepStrictEqual(Object.entries(config.tags), [["Owner", "a"], ["__proto__", "b"], ["constructor", "c"]]);
    });

    it("answers a wrong value at any key path with the key, never a crash (property: every path of both stacks × wrong shapes)", () => {
        const wrongValues: unknown[] = [null, true, -1, 1.5, "", " ", "\u200b", "x".repeat(300), "30", [], [null], [[1]], {}, { x: 1 }];
        let tried = 0;
        for (const stack of ["dev", "prod"]) {
            // Every optional section filled in, so its paths are tried too.
            const base = readStackConfig(stack) as any;
            if (stack === "dev") base.build = { subnetId: "subnet-0123456789abcdef0", securityGroupIds: ["sg-0123456789abcdef0"] };
            base.fleet = { healthCheckType: "EC2", natGateways: "Single", vpcCidr: "10.0.0.0/16", userDataFile: "components/documents/user-data.sh",
                subnetIds: { "us-east-1": ["subnet-0123456789abcdef0"] }, rootVolumeGiB: 30, ...base.fleet };
            base.image = { platform: "Linux", rootDeviceName: "/dev/xvda", ...base.image };
            base.sharing = { organizationArns: ["arn:aws:organizations::111122223333:organization/o-exampleorgid"], ...base.sharing };
            parseStackConfig(base, stack);
            for (const [path, key] of keyPaths(base)) {
                const isObject = (value: unknown) => value !== null && typeof value === "object" && !Array.isArray(value);
                const cases: Array<[unknown, string]> = wrongValues.map(value => [value, key]);
                for (const [value, expectedKey] of cases) {
                    tried++;
                    const outcome = outcomeOf(withValueAt(base, path, value), stack);
                    // A value of the right shape may be refused for what it means to another key (prod's fleet regions need image regions).
                    const validHere = key === "golden-ami:regions" && Array.isArray(value) && value.length === 0;
                    assert.ok(outcome === "accepted" || outcome.some(problem => problem.startsWith(expectedKey)) || validHere,
                        `${stack} ${key} = ${JSON.stringify(value)}: ${outcome === "accepted" ? "" : outcome.join(" | ")}`);
                    if (outcome !== "accepted") {
                        assert.ok(outcome.every(problem => problem.length < 600 && !/[\u200b]/.test(problem)), `${key} = ${JSON.stringify(value)}: ${outcome.join(" | ")}`);
                    }
                }
                if (isObject(valueAt(base, path))) {
                    for (const field of ["__proto__", "constructor", "\u200bname"]) {
                        tried++;
                        const node = { ...(valueAt(base, path) as object) };
                        Object.defineProperty(node, field, { value: 1, enumerable: true, writable: true, configurable: true });
                        const outcome = outcomeOf(withValueAt(base, path, node), stack);
                        assert.ok(outcome === "accepted" || outcome.some(problem => problem.startsWith(key)), `${stack} ${key}.${field}: ${outcome}`);
                    }
                }
            }
        }
        assert.ok(tried > 1000, `only ${tried} cases`);
    });

    it("lists every problem at once rather than stopping at the first", () => {
        const problems = problemsOf({ ...withImage({ version: "x" }), regions: ["nowhere"], sharing: { accounts: ["1"] } });
        assert.strictEqual(problems.length, 3, problems.join("\n"));
    });

    it("accepts the home region among the listed regions without holding the image there twice", () => {
        const config = parseStackConfig({ ...dev(), regions: ["us-east-1", "us-west-2"] }, "dev");
        assert.deepStrictEqual(config.regions, ["us-east-1", "us-west-2"]);
    });

    it("stops the program with the list of problems before any resource is declared", async () => {
        const run = await runProgram("dev", { config: { regions: ["us-west-2", "us-west-2"] } });
        assert.ok(run.error, "the program should refuse bad config");
        assert.ok(pulumi.RunError.isInstance(run.error), "a RunError prints without a stack trace");
        assert.match(run.error.message, /golden-ami:regions\[1\] "us-west-2" is listed twice/);
        assert.deepStrictEqual(run.resources.map(resource => resource.type), []);
    });
});
