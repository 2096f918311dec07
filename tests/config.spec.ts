import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ConfigError, parseStackConfig, RawStackConfig, recipeSteps } from "../components/config";
import { readStackConfig } from "../tools/engine/stackFile";
import { runProgram } from "./helpers";

const dev = () => readStackConfig("dev");

const WINDOWS_2022 = "ssm:/aws/service/ami-windows-latest/Windows_Server-2022-English-Full-Base";

/** dev with a Windows Server image `windows` (and its fields changed): the image's own defaults apply. */
function withWindows(fields: Record<string, unknown> = {}, extra: RawStackConfig = {}): RawStackConfig {
    const raw = dev();
    return { ...raw, images: { ...(raw.images as object), windows: { version: "1.0.0", platform: "windows", baseImage: WINDOWS_2022, ...fields } }, ...extra };
}

function windowsImage(raw: RawStackConfig) {
    return parseStackConfig(raw, "dev").images.find(image => image.name === "windows")!;
}

function problemsOf(raw: RawStackConfig): string[] {
    try {
        parseStackConfig(raw, "dev");
    } catch (error) {
        assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${error}`);
        return error.problems;
    }
    assert.fail("expected the config to be refused");
}

/** dev's first image, al2023-base, with these fields changed. */
function withImage(fields: Record<string, unknown>): RawStackConfig {
    const raw = dev();
    const images = raw.images as Record<string, object>;
    return { ...raw, images: { ...images, "al2023-base": { ...images["al2023-base"], ...fields } } };
}

/** dev's fleet (on al2023-base) with these fields changed. */
function withFleet(fields: Record<string, unknown>): RawStackConfig {
    const raw = dev();
    const fleets = raw.fleets as Record<string, object>;
    return { ...raw, fleets: { ...fleets, "al2023-base": { ...fleets["al2023-base"], ...fields } } };
}

type Path = Array<string | number>;

/** Every key path below the top (list items too), with the key the messages name it by. */
function keyPaths(value: unknown, path: Path = []): Array<[Path, string]> {
    const here: Array<[Path, string]> = path.length === 0 ? [] : [[path, keyName(path)]];
    const children = Array.isArray(value)
        ? value.map((item, index) => [index, item] as const)
        : value !== null && typeof value === "object"
          ? Object.entries(value)
          : [];
    return [...here, ...children.flatMap(([field, child]) => keyPaths(child, [...path, field]))];
}

function keyName([top, ...rest]: Path): string {
    return rest.reduce<string>(
        (key, field) => (typeof field === "number" ? `${key}[${field}]` : `${key}.${field}`),
        String(top).includes(":") ? String(top) : `golden-ami:${top}`,
    );
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

        assert.strictEqual(prodConfig.images[0].rootVolumeGiB, 20, "defaults apply to keys the stack leaves out");
    });

    const refusals: Array<[string, RawStackConfig, RegExp]> = [
        ["a missing home region", { ...dev(), "aws:region": undefined }, /aws:region is required/],
        ["an unknown home region", { ...dev(), "aws:region": "us-middle-1" }, /aws:region must be an AWS region like us-east-1, got "us-middle-1"/],
        ["a missing catalog", { ...dev(), images: undefined }, /golden-ami:images is required/],
        [
            "the single-image key of earlier versions, showing the equivalent images entry",
            { ...dev(), images: undefined, image: { name: "al2023-base", version: "1.4.1", baseImage: "ami-0123456789abcdef0" } },
            /golden-ami:image is replaced by golden-ami:images.*\n.*golden-ami:images:\n\s+al2023-base:\n\s+version: 1.4.1/,
        ],
        [
            "an arm64 image on an x86-only instance type",
            withImage({ architecture: "arm64", baseImage: "ami-0123456789abcdef0", instanceTypes: ["m7i.large"] }),
            /golden-ami:images.al2023-base.instanceTypes\[0\] "m7i.large" is an x86_64 instance type, but golden-ami:images.al2023-base.architecture is arm64: use arm64 types like t4g.medium/,
        ],
        [
            "an x86_64 image on a Graviton instance type",
            withImage({ instanceTypes: ["c7gn.large"] }),
            /"c7gn.large" is an arm64 instance type, but golden-ami:images.al2023-base.architecture is x86_64/,
        ],
        [
            "an arm64 base parameter on an x86_64 image",
            withImage({ baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64" }),
            /is an arm64 image, but golden-ami:images.al2023-base.architecture is x86_64/,
        ],
        [
            "a fleet of another architecture than its image",
            withFleet({ image: "al2023-base-arm64", instanceTypes: ["t3.small"] }),
            /golden-ami:fleets.al2023-base.instanceTypes\[0\] "t3.small" is an x86_64 instance type, but golden-ami:images.al2023-base-arm64.architecture \(the fleet's image\) is arm64/,
        ],
        [
            "a fleet on an image not in the catalog",
            withFleet({ image: "al2023-bse" }),
            /golden-ami:fleets.al2023-base.image must name the image .*; did you mean al2023-base\?/,
        ],
        [
            "a layered image on an image not in the catalog",
            withImage({ baseImage: "image:al2023-bas" }),
            /golden-ami:images.al2023-base.baseImage is image:al2023-bas, which is not in golden-ami:images \(images: al2023-base, al2023-base-arm64, windows-2022\)/,
        ],
        [
            "a layered image on a parent of another architecture",
            withImage({ baseImage: "image:al2023-base-arm64" }),
            /is image:al2023-base-arm64, an arm64 image, but al2023-base is x86_64/,
        ],
        [
            "a step that is both a document and a managed component",
            withImage({ buildSteps: [{ document: "components/documents/build.yaml", managed: "update-linux" }] }),
            /golden-ami:images.al2023-base.buildSteps\[0\] must have exactly one of document .* or managed/,
        ],
        [
            "a step document that is not in the repository",
            withImage({ buildSteps: [{ document: "components/documents/nope.yaml" }] }),
            /golden-ami:images.al2023-base.buildSteps\[0\].document must name a file in the repository, got "components\/documents\/nope.yaml"/,
        ],
        [
            "a managed component version that is not a version",
            withImage({ buildSteps: [{ managed: "update-linux", version: "latest" }] }),
            /golden-ami:images.al2023-base.buildSteps\[0\].version must be a component version like 1.0.2, or a filter like 1.0.x or x.x.x/,
        ],
        [
            "a Windows image on arm64",
            withImage({ platform: "windows", architecture: "arm64", baseImage: WINDOWS_2022, instanceTypes: ["m7g.large"] }),
            /golden-ami:images.al2023-base.architecture must be one of x86_64, arm64 \(Windows Server images are x86_64 only\)|golden-ami:images.al2023-base.architecture must be x86_64 for windows, got "arm64"/,
        ],
        ["a misspelt aws key", { ...dev(), "aws:regoin": "us-east-1" }, /aws:regoin is not a known key; did you mean aws:region\?/],
        [
            "a misspelt region",
            { ...dev(), "aws:region": "eu-centrl-1" },
            /aws:region must be an AWS region like us-east-1, got "eu-centrl-1"; did you mean eu-central-1\?/,
        ],
        [
            "a pin of an image that is not in the catalog",
            {
                ...readStackConfig("prod"),
                promoteFrom: {
                    account: "111111111111",
                    region: "us-east-1",
                    amiIds: { "al2023-base": "ami-0123456789abcdef0", "al2023-base-arm64": "ami-0123456789abcdef0", "al2023-bsae": "ami-0123456789abcdef0" },
                },
            },
            /golden-ami:promoteFrom.amiIds.al2023-bsae pins an image that is not in golden-ami:images; did you mean al2023-base\?/,
        ],
        [
            "the single-AMI pin of earlier versions",
            { ...readStackConfig("prod"), promoteFrom: { account: "111111111111", region: "us-east-1", amiId: "ami-0123456789abcdef0" } },
            /golden-ami:promoteFrom.amiId is replaced by golden-ami:promoteFrom.amiIds/,
        ],
        [
            "a version that is not semver",
            withImage({ version: "1.4" }),
            /golden-ami:images.al2023-base.version must be a semantic version major.minor.patch like 1.4.0, got "1.4"/,
        ],
        [
            "a base image that is neither SSM nor an AMI",
            withImage({ baseImage: "amazon-linux" }),
            /golden-ami:images.al2023-base.baseImage must be an SSM parameter path .* an AMI id, or image:<name> of another image of the catalog, got "amazon-linux"/,
        ],
        [
            "a platform of another spelling",
            withImage({ platform: "Windows" }),
            /golden-ami:images.al2023-base.platform must be one of linux, windows .*, got "Windows"/,
        ],
        [
            "a malformed instance type",
            withImage({ instanceTypes: ["large"] }),
            /golden-ami:images.al2023-base.instanceTypes\[0\] must be an EC2 instance type of a known family like t3.medium, m7i.large or c7g.2xlarge, got "large"/,
        ],
        ["no instance types", withImage({ instanceTypes: [] }), /golden-ami:images.al2023-base.instanceTypes must list at least one instance type/],
        [
            "a root volume too small",
            withImage({ rootVolumeGiB: 4 }),
            /golden-ami:images.al2023-base.rootVolumeGiB must be a whole number from 8 to 16384, got 4/,
        ],
        [
            "a tag the program records on each build",
            { ...dev(), tags: { Owner: "a", SourceCommit: "abc" } },
            /golden-ami:tags.SourceCommit is set by the program .*; remove it from the stack file/,
        ],
        [
            "a pipeline schedule, which no longer exists",
            withImage({ schedule: "cron(0 4 ? * SUN *)" }),
            /golden-ami:images.al2023-base.schedule is no longer used: nothing builds outside `pulumi up`/,
        ],
        ["a misspelt top-level key", { ...dev(), imgaes: {} }, /golden-ami:imgaes is not a known key; did you mean golden-ami:images\?/],
        [
            "a misspelt nested key",
            withImage({ rootVolumeGB: 30 }),
            /golden-ami:images.al2023-base.rootVolumeGB is not a known key; did you mean golden-ami:images.al2023-base.rootVolumeGiB\?/,
        ],
        [
            "a misspelt fleet refresh key",
            withFleet({ instanceRefresh: { minHealthyPercent: 100 } }),
            /golden-ami:fleets.al2023-base.instanceRefresh.minHealthyPercent is not a known key; did you mean golden-ami:fleets.al2023-base.instanceRefresh.minHealthyPercentage\?/,
        ],
        [
            "an account id YAML read as a number",
            { ...dev(), sharing: { accounts: [222222222222] } },
            /golden-ami:sharing.accounts\[0\] .*got the number 222222222222: quote it in the stack file \("222222222222"\)/,
        ],
        [
            "an account id whose leading zero YAML dropped",
            { ...dev(), sharing: { promotingAccounts: [12345678901] } },
            /YAML dropped its leading zeros; quote it in the stack file \("012345678901"\)/,
        ],
        [
            "a number given as a string",
            withImage({ rootVolumeGiB: "30" }),
            /golden-ami:images.al2023-base.rootVolumeGiB must be a whole number from 8 to 16384, got the string "30": remove the quotes/,
        ],
        [
            "a boolean given as a string",
            { ...dev(), blockPublicSharing: "false" },
            /golden-ami:blockPublicSharing must be true or false, got the string "false": remove the quotes/,
        ],
        [
            "a promoting account also listed among the accounts",
            { ...dev(), sharing: { accounts: ["222222222222"], promotingAccounts: ["222222222222"] } },
            /golden-ami:sharing.promotingAccounts\[0\] "222222222222" is also in golden-ami:sharing.accounts/,
        ],
        [
            "a promoting stack without the pinned AMIs",
            { ...readStackConfig("prod"), promoteFrom: { account: "111111111111", region: "us-east-1" } },
            /golden-ami:promoteFrom.amiIds is required/,
        ],
        [
            "a promoting stack without the pin of one image",
            { ...readStackConfig("prod"), promoteFrom: { account: "111111111111", region: "us-east-1", amiIds: { "al2023-base": "ami-0123456789abcdef0" } } },
            /golden-ami:promoteFrom.amiIds.al2023-base-arm64 is required: .*npm run images -- promote --from <building stack> --image al2023-base-arm64/,
        ],
        [
            "a build network on a promoting stack",
            { ...readStackConfig("prod"), build: { subnetId: "subnet-0123456789abcdef0" } },
            /golden-ami:build is set, but golden-ami:promoteFrom makes this a promoting stack/,
        ],
        [
            "a build subnet that is not a subnet id",
            { ...dev(), build: { subnetId: "default" } },
            /golden-ami:build.subnetId must be the subnet id .*, got "default"/,
        ],
        [
            "a refresh that may grow the group too far",
            withFleet({ instanceRefresh: { minHealthyPercentage: 50, maxHealthyPercentage: 200 } }),
            /maxHealthyPercentage \(200\) may exceed minHealthyPercentage \(50\) by at most 100/,
        ],
        [
            "a refresh that terminates before it launches",
            withFleet({ instanceRefresh: { maxHealthyPercentage: 100 } }),
            /golden-ami:fleets.al2023-base.instanceRefresh.maxHealthyPercentage must be a whole number from 101 to 200, got 100/,
        ],
        [
            "a name that makes the AMI name too long",
            { ...dev(), images: { ["n".repeat(64)]: { version: `${"9".repeat(40)}.0.0`, baseImage: "ami-0123456789abcdef0" } }, fleets: undefined },
            /make an AMI name of 1\d\d characters; the limit is 127/,
        ],
        ["a region listed twice", { ...dev(), regions: ["us-west-2", "us-west-2"] }, /golden-ami:regions\[1\] "us-west-2" is listed twice/],
        ["an unknown region", { ...dev(), regions: ["eu-west-9"] }, /golden-ami:regions\[0\] must be an AWS region like us-east-1, got "eu-west-9"/],
        ["a region in another partition", { ...dev(), regions: ["cn-north-1"] }, /images cannot be copied across partitions/],
        [
            "an account id that is not 12 digits",
            { ...dev(), sharing: { accounts: ["12345"] } },
            /golden-ami:sharing.accounts\[0\] must be a 12-digit AWS account id, got "12345"/,
        ],
        [
            "a malformed organization ARN",
            { ...dev(), sharing: { organizationArns: ["o-abc"] } },
            /golden-ami:sharing.organizationArns\[0\] must be an organization ARN .*, got "o-abc"/,
        ],
        [
            "a malformed OU ARN",
            { ...dev(), sharing: { organizationalUnitArns: ["arn:aws:organizations::111122223333:ou/ou-1"] } },
            /golden-ami:sharing.organizationalUnitArns\[0\] must be an OU ARN/,
        ],
        ['"all" among the accounts', { ...dev(), sharing: { accounts: ["all"] } }, /golden-ami:sharing.accounts\[0\] is "all", which makes the image public/],
        [
            '"all" among the OUs',
            { ...dev(), sharing: { organizationalUnitArns: ["ALL"] } },
            /golden-ami:sharing.organizationalUnitArns\[0\] is "all", which makes the image public/,
        ],
        [
            "an account listed twice",
            { ...dev(), sharing: { accounts: ["111122223333", "111122223333"] } },
            /golden-ami:sharing.accounts\[1\] "111122223333" is listed twice/,
        ],
        [
            "more accounts than an AMI can be shared with",
            { ...dev(), sharing: { accounts: Array.from({ length: 51 }, (_, i) => String(100000000000 + i)) } },
            /golden-ami:sharing.accounts lists 51 entries; an AMI can be shared with at most 50 — share with organizationArns or organizationalUnitArns instead/,
        ],
        ["missing tags", { ...dev(), tags: undefined }, /golden-ami:tags is required/],
        ["a tag the program derives", { ...dev(), tags: { Owner: "platform", Environment: "dev" } }, /golden-ami:tags.Environment is set by the program/],
        ["an empty tag value", { ...dev(), tags: { Owner: " " } }, /golden-ami:tags.Owner must be a non-empty string/],
        [
            "a promoteFrom account that is not 12 digits",
            { ...dev(), promoteFrom: { account: "dev", region: "us-east-1" } },
            /golden-ami:promoteFrom.account must be the building account's 12-digit AWS account id, got "dev"/,
        ],
        [
            "a delete age not after the deprecation age",
            { ...dev(), lifecycle: { deprecateAfterDays: 30, deleteAfterDays: 30 } },
            /golden-ami:lifecycle.deleteAfterDays must be greater than deprecateAfterDays \(30\), got 30/,
        ],
        [
            "a deprecation age Image Builder's age filter cannot take",
            { ...dev(), lifecycle: { deprecateAfterDays: 1001, deleteAfterDays: 1002 } },
            /golden-ami:lifecycle.deprecateAfterDays must be a whole number from 1 to 1000, got 1001/,
        ],
        [
            "a delete age Image Builder's age filter cannot take",
            { ...dev(), lifecycle: { deprecateAfterDays: 30, deleteAfterDays: 3650 } },
            /golden-ami:lifecycle.deleteAfterDays must be a whole number from 1 to 1000, got 3650/,
        ],
        [
            "more images to keep than Image Builder's retainAtLeast allows",
            { ...dev(), lifecycle: { keepAtLeast: 11 } },
            /golden-ami:lifecycle.keepAtLeast must be a whole number from 1 to 10, got 11/,
        ],
        [
            "a launch window longer than Image Builder's lastLaunched exclusion",
            { ...dev(), lifecycle: { keepIfLaunchedWithinDays: 366 } },
            /golden-ami:lifecycle.keepIfLaunchedWithinDays must be a whole number from 1 to 365, got 366/,
        ],
        [
            "a blockPublicSharing that is not a boolean",
            { ...dev(), blockPublicSharing: "yes" },
            /golden-ami:blockPublicSharing must be true or false, got "yes"/,
        ],
        [
            "a fleet whose minSize is above maxSize",
            withFleet({ minSize: 3, maxSize: 2, desiredCapacity: 2 }),
            /golden-ami:fleets.al2023-base.minSize \(3\) must not be greater than maxSize \(2\)/,
        ],
        [
            "a fleet desiredCapacity outside [min, max]",
            withFleet({ minSize: 1, maxSize: 2, desiredCapacity: 5 }),
            /golden-ami:fleets.al2023-base.desiredCapacity must be between minSize \(1\) and maxSize \(2\), got 5/,
        ],
        [
            "a fleet region that does not hold the image",
            withFleet({ regions: ["eu-west-1"] }),
            /golden-ami:fleets.al2023-base.regions\[0\] "eu-west-1" does not hold the images; add it to golden-ami:regions/,
        ],
        [
            "a fleet instance type of an unknown family",
            withFleet({ instanceTypes: ["q9.large"] }),
            /golden-ami:fleets.al2023-base.instanceTypes\[0\] must be an EC2 instance type of a known family .*, got "q9.large"/,
        ],
        ["an empty fleet subnet list", withFleet({ subnetIds: { "us-east-1": [] } }), /golden-ami:fleets.al2023-base.subnetIds.us-east-1 is empty/],
        [
            "a malformed fleet subnet id",
            withFleet({ subnetIds: { "us-east-1": ["subnet-x"] } }),
            /golden-ami:fleets.al2023-base.subnetIds.us-east-1\[0\] must be a subnet id/,
        ],
        [
            "checkpoints that do not end at 100",
            withFleet({ instanceRefresh: { checkpointPercentages: [50, 90] } }),
            /golden-ami:fleets.al2023-base.instanceRefresh.checkpointPercentages must rise and end at 100, got \[50,90\]/,
        ],
        [
            "a fleet root volume smaller than the image's",
            withFleet({ rootVolumeGiB: 10 }),
            /golden-ami:fleets.al2023-base.rootVolumeGiB must be a whole number from 20 to 16384, got 10/,
        ],
        [
            "a fleet VPC range that is not a CIDR block",
            withFleet({ vpcCidr: "10.0.0.0" }),
            /golden-ami:fleets.al2023-base.vpcCidr must be an IPv4 CIDR block from \/16 to \/24 like 10.0.0.0\/16, got "10.0.0.0"/,
        ],
        [
            "a user data file that is not in the repository",
            withFleet({ userDataFile: "nowhere/user-data.sh" }),
            /golden-ami:fleets.al2023-base.userDataFile must name a file in the repository, got "nowhere\/user-data.sh"/,
        ],
        // Found by fuzzing the stack files' values (wrong shapes at every key path).
        [
            "an empty value (YAML `key:` with nothing after it), which used to mean the default",
            withImage({ rootVolumeGiB: null }),
            /golden-ami:images.al2023-base.rootVolumeGiB must be a whole number from 8 to 16384, got null \(an empty value\)/,
        ],
        ["an empty section", { ...dev(), lifecycle: null }, /golden-ami:lifecycle must be an object, got null \(an empty value\)/],
        ["an empty fleet list", withFleet({ instanceTypes: null }), /golden-ami:fleets.al2023-base.instanceTypes must be a list, got null/],
        ["a whole section given as a string", { ...dev(), images: "al2023" }, /golden-ami:images must be an object, got "al2023"/],
        [
            "a list given as one string",
            { ...dev(), regions: "us-west-2" },
            /golden-ami:regions must be a list, got "us-west-2": write it as a YAML list, one "- us-west-2" line per item/,
        ],
        [
            "a list given as a map",
            withFleet({ regions: { "us-east-1": true } }),
            /golden-ami:fleets.al2023-base.regions must be a list, got \{"us-east-1":true\}/,
        ],
        ["tags given as a list", { ...dev(), tags: ["Owner"] }, /golden-ami:tags must be an object, got \["Owner"\]/],
        ["fleets given as a list", { ...dev(), fleets: [] }, /golden-ami:fleets must be an object, got \[\]/],
        [
            "an empty fleet region list",
            withFleet({ regions: [] }),
            /golden-ami:fleets.al2023-base.regions must list at least one region, got \[\]: leave the key out .* or remove the fleet/,
        ],
        [
            "a value with a zero-width character, shown spelt out",
            withImage({ version: "1.4.1\u200b" }),
            /golden-ami:images.al2023-base.version must be .*, got "1\.4\.1\\u200b"/,
        ],
        [
            "a very long value, shown cut short",
            withImage({ version: "n".repeat(5000) }),
            /golden-ami:images.al2023-base.version must be .*, got "n{60}"… \(5000 characters\)$/,
        ],
        [
            "a misspelt key with an invisible character, shown spelt out",
            withImage({ "rootVolumeGiB\u200b": 30 }),
            /golden-ami:images.al2023-base."rootVolumeGiB\\u200b" is not a known key; did you mean golden-ami:images.al2023-base.rootVolumeGiB\?/,
        ],
        ["a __proto__ key", withImage(JSON.parse(`{"__proto__": {"x": 1}}`)), /golden-ami:images.al2023-base.__proto__ is not a known key/],
        [
            "an empty tag key",
            { ...dev(), tags: { Owner: "a", "": "x" } },
            /golden-ami:tags key "" must be 1 to 128 letters, digits, spaces or _.:\/=\+-@ and not start with "aws:"/,
        ],
        [
            "a tag key with an invisible character",
            { ...dev(), tags: { Owner: "a", "Team\u200b": "x" } },
            /golden-ami:tags key "Team\\u200b" must be 1 to 128 letters/,
        ],
        [
            "a tag value of only invisible characters",
            { ...dev(), tags: { Owner: "\u200b\u200b" } },
            /golden-ami:tags.Owner must be a non-empty string of at most 256 characters without invisible characters, got "\\u200b\\u200b"/,
        ],
        [
            "a tag value YAML read as a number",
            { ...dev(), tags: { Owner: "a", CostCenter: 1042 } },
            /golden-ami:tags.CostCenter must be a non-empty string .*, got the number 1042: quote it in the stack file \("1042"\)/,
        ],
        [
            "a fleet VPC range with an octet above 255",
            withFleet({ vpcCidr: "10.300.0.0/16" }),
            /golden-ami:fleets.al2023-base.vpcCidr must be an IPv4 CIDR block .*, got "10.300.0.0\/16": an address has four numbers from 0 to 255/,
        ],
        [
            "a fleet VPC range with host bits set",
            withFleet({ vpcCidr: "10.0.1.0/16" }),
            /golden-ami:fleets.al2023-base.vpcCidr .*, got "10.0.1.0\/16": host bits are set; the block's network address is 10.0.0.0\/16/,
        ],
        [
            "a user data file outside the repository",
            withFleet({ userDataFile: "../../etc/passwd" }),
            /golden-ami:fleets.al2023-base.userDataFile must name a file inside the repository, got "..\/..\/etc\/passwd"/,
        ],
        [
            "subnets of a region that is not a fleet region, named __proto__",
            withFleet({ subnetIds: JSON.parse(`{"__proto__": ["subnet-0123456789abcdef0"]}`) }),
            /golden-ami:fleets.al2023-base.subnetIds.__proto__ is not a fleet region/,
        ],
    ];
    for (const [what, raw, message] of refusals) {
        it(`refuses ${what}, naming the key, the expected form and the value`, () => {
            const problems = problemsOf(raw);
            assert.ok(
                problems.some(problem => message.test(problem)),
                `no problem matched ${message}:\n${problems.join("\n")}`,
            );
        });
    }

    it("does not follow a refused value with a cross-key complaint about a value nobody gave", () => {
        const problems = problemsOf({
            ...withFleet({ maxSize: "two", instanceRefresh: { minHealthyPercentage: "x", checkpointPercentages: [50, null] } }),
            lifecycle: { deprecateAfterDays: 30, deleteAfterDays: true },
        });
        assert.deepStrictEqual(
            problems.map(problem => problem.split(" ")[0]),
            [
                "golden-ami:lifecycle.deleteAfterDays",
                "golden-ami:fleets.al2023-base.maxSize",
                "golden-ami:fleets.al2023-base.instanceRefresh.checkpointPercentages[1]",
                "golden-ami:fleets.al2023-base.instanceRefresh.minHealthyPercentage",
            ],
            problems.join("\n"),
        );
    });

    it("keeps a tag named like an Object property instead of dropping it", () => {
        const config = parseStackConfig({ ...dev(), tags: JSON.parse(`{"Owner": "a", "__proto__": "b", "constructor": "c"}`) }, "dev");
        assert.deepStrictEqual(Object.entries(config.tags), [
            ["Owner", "a"],
            ["__proto__", "b"],
            ["constructor", "c"],
        ]);
    });

    it("answers a wrong value at any key path with the key, never a crash (property: every path of both stacks × wrong shapes)", () => {
        const wrongValues: unknown[] = [null, true, -1, 1.5, "", " ", "\u200b", "x".repeat(300), "30", [], [null], [[1]], {}, { x: 1 }];
        let tried = 0;
        for (const stack of ["dev", "prod"]) {
            // Every optional section filled in, so its paths are tried too.
            const base = readStackConfig(stack) as any;
            if (stack === "dev") base.build = { subnetId: "subnet-0123456789abcdef0", securityGroupIds: ["sg-0123456789abcdef0"] };
            const [fleetName] = Object.keys(base.fleets);
            base.fleets[fleetName] = {
                healthCheckType: "EC2",
                natGateways: "Single",
                vpcCidr: "10.0.0.0/16",
                userDataFile: "components/documents/user-data.sh",
                subnetIds: { "us-east-1": ["subnet-0123456789abcdef0"] },
                rootVolumeGiB: 30,
                ...base.fleets[fleetName],
            };
            const [imageName] = Object.keys(base.images);
            base.images[imageName] = { platform: "linux", rootDeviceName: "/dev/xvda", artifacts: ["s3://team-artifacts/web/"], ...base.images[imageName] };
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
                    assert.ok(
                        outcome === "accepted" || outcome.some(problem => problem.startsWith(expectedKey)) || validHere,
                        `${stack} ${key} = ${JSON.stringify(value)}: ${outcome === "accepted" ? "" : outcome.join(" | ")}`,
                    );
                    if (outcome !== "accepted") {
                        assert.ok(
                            outcome.every(problem => problem.length < 600 && !/[\u200b]/.test(problem)),
                            `${key} = ${JSON.stringify(value)}: ${outcome.join(" | ")}`,
                        );
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

    it("lists the problems across keys of every valid section alongside the schema's, and none of a refused one", () => {
        const problems = problemsOf({ ...withImage({ instanceTypes: ["m7g.large"] }), lifecycle: { keepAtLeast: 0 }, regions: ["us-west-2", "cn-north-1"] });
        assert.deepStrictEqual(
            problems.map(problem => problem.split(" ")[0]),
            ["golden-ami:lifecycle.keepAtLeast", "golden-ami:regions[1]", "golden-ami:images.al2023-base.instanceTypes[0]"],
            problems.join("\n"),
        );
    });

    it("refuses a key given under its old name once, with what to write, not again as missing under its new name", () => {
        const problems = problemsOf({
            ...readStackConfig("prod"),
            promoteFrom: { account: "111111111111", region: "us-east-1", amiId: "ami-0123456789abcdef0" },
        });
        assert.deepStrictEqual(
            problems.map(problem => problem.split(" ")[0]),
            ["golden-ami:promoteFrom.amiId"],
            problems.join("\n"),
        );
    });

    it("accepts an opt-in region, with a note that it must be enabled", () => {
        const config = parseStackConfig({ ...dev(), regions: ["us-west-2", "ap-east-1"] }, "dev");
        assert.deepStrictEqual(config.notes, [
            "ap-east-1 is an opt-in region: enable it in every account that builds, copies or launches there (Account settings, or aws account enable-region --region-name ap-east-1)",
        ]);
    });

    it("keeps the hygiene step last whatever the image lists, and takes AWS-managed steps by name and version", () => {
        const config = parseStackConfig(withImage({ buildSteps: [{ document: "components/documents/hygiene.yaml" }, { managed: "update-linux" }] }), "dev");
        const image = config.images.find(candidate => candidate.name === "al2023-base")!;
        assert.deepStrictEqual(
            recipeSteps(image).map(step => (step.kind === "document" ? step.path : `${step.name}@${step.version}`)),
            ["update-linux@x.x.x", "components/documents/boot-test.yaml", "components/documents/hygiene.yaml"],
        );
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
        assert.deepStrictEqual(
            run.resources.map(resource => resource.type),
            [],
        );
    });
});

describe("config: Windows Server images", () => {
    it("gives a Windows image its platform's defaults: /dev/sda1, 50 GiB, m7i.large, update-windows then our build, our boot test, Windows hygiene last", () => {
        const image = windowsImage(withWindows());
        assert.strictEqual(image.platform, "windows");
        assert.strictEqual(image.architecture, "x86_64");
        assert.strictEqual(image.rootDeviceName, "/dev/sda1");
        assert.strictEqual(image.rootVolumeGiB, 50);
        assert.deepStrictEqual(image.instanceTypes, ["m7i.large"]);
        assert.deepStrictEqual(
            recipeSteps(image).map(step => (step.kind === "document" ? step.path : `${step.name}@${step.version}`)),
            [
                "update-windows@x.x.x",
                "components/documents/windows/build.yaml",
                "components/documents/windows/boot-test.yaml",
                "components/documents/windows/hygiene.yaml",
            ],
        );
    });

    it("accepts Windows Server 2022 and 2025, Full and Core, from AWS's public parameters", () => {
        for (const base of ["2022-English-Full-Base", "2022-English-Core-Base", "2025-English-Full-Base", "2025-English-Core-Base"]) {
            const baseImage = `ssm:/aws/service/ami-windows-latest/Windows_Server-${base}`;
            assert.strictEqual(windowsImage(withWindows({ baseImage })).baseImage, baseImage);
        }
    });

    const refusals: Array<[string, RawStackConfig, RegExp]> = [
        [
            "arm64: Windows Server is x86_64 only",
            withWindows({ architecture: "arm64", instanceTypes: ["m7g.large"] }),
            /golden-ami:images.windows.architecture must be x86_64 for windows, got "arm64"/,
        ],
        [
            "a root volume smaller than AWS's Windows base images",
            withWindows({ rootVolumeGiB: 29 }),
            /golden-ami:images.windows.rootVolumeGiB must be at least 30 for windows, got 29: AWS's Windows Server base images have a 30 GiB root snapshot/,
        ],
        [
            "a Linux base image under a Windows image",
            withWindows({ baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }),
            /golden-ami:images.windows.baseImage .* is a linux base image, but golden-ami:images.windows.platform is windows/,
        ],
        [
            "a Windows base image under a Linux image",
            withImage({ baseImage: WINDOWS_2022 }),
            /golden-ami:images.al2023-base.baseImage .* is a windows base image, but golden-ami:images.al2023-base.platform is linux/,
        ],
        [
            "a Windows parameter of a release this program does not build",
            withWindows({ baseImage: "ssm:/aws/service/ami-windows-latest/Windows_Server-2016-English-Full-Base" }),
            /golden-ami:images.windows.baseImage .* is not a Windows Server 2022 or 2025 base image in English/,
        ],
        [
            "a Linux managed component on a Windows image",
            withWindows({ buildSteps: [{ managed: "update-linux" }] }),
            /golden-ami:images.windows.buildSteps\[0\].managed "update-linux" is a linux component, but the image is windows: use its windows counterpart/,
        ],
        [
            "a Windows managed component on a Linux image",
            withImage({ buildSteps: [{ managed: "update-windows" }] }),
            /golden-ami:images.al2023-base.buildSteps\[0\].managed "update-windows" is a windows component, but the image is linux/,
        ],
        [
            "a Linux document on a Windows image",
            withWindows({ buildSteps: [{ document: "components/documents/build.yaml" }] }),
            /golden-ami:images.windows.buildSteps\[0\].document components\/documents\/build.yaml step build.UpdateOperatingSystem uses UpdateOS: Windows steps are ExecutePowerShell scripts/,
        ],
        [
            "an instance type too small for Windows updates",
            withWindows({ instanceTypes: ["t3.small"] }),
            /golden-ami:images.windows.instanceTypes\[0\] "t3.small" is too small to build Windows Server/,
        ],
        [
            "expected services on a Linux image",
            withImage({ expectedServices: ["sshd"] }),
            /golden-ami:images.al2023-base.expectedServices applies to windows images/,
        ],
        [
            "expected services without the Windows boot test",
            withWindows({ expectedServices: ["AmazonSSMAgent"], testSteps: [{ managed: "reboot-test-windows" }] }),
            /golden-ami:images.windows.testSteps does not run components\/documents\/windows\/boot-test.yaml, the test that reads golden-ami:images.windows.expectedServices/,
        ],
        [
            "a service name that is not one",
            withWindows({ expectedServices: ["Amazon SSM Agent"] }),
            /golden-ami:images.windows.expectedServices\[0\] must be a Windows service name as Get-Service shows it/,
        ],
        [
            "an AWS Marketplace base image that promoting accounts would have to copy",
            withWindows({ baseImage: "ssm:/aws/service/marketplace/prod-abcdefghijklm/latest" }),
            /golden-ami:images.windows.baseImage is an AWS Marketplace image, but golden-ami:sharing.promotingAccounts \(222222222222\) copy this stack's images, and EC2 does not copy a Marketplace AMI shared from another account/,
        ],
        [
            "an AWS Marketplace base image on a promoting stack",
            (() => {
                const prod = readStackConfig("prod");
                const images = prod.images as Record<string, Record<string, unknown>>;
                return {
                    ...prod,
                    images: { ...images, "windows-2022": { ...images["windows-2022"], baseImage: "ssm:/aws/service/marketplace/prod-abcdefghijklm/latest" } },
                };
            })(),
            /golden-ami:images.windows-2022.baseImage is an AWS Marketplace image, and this stack promotes by copying the building account's AMI/,
        ],
        [
            "Fast Launch on a Linux image",
            withImage({ fastLaunch: {} }),
            /golden-ami:images.al2023-base.fastLaunch applies to windows images: EC2 Fast Launch pre-provisions Windows instances only/,
        ],
        [
            "Fast Launch with fewer than 6 parallel launches",
            withWindows({ fastLaunch: { maxParallelLaunches: 5 } }),
            /golden-ami:images.windows.fastLaunch.maxParallelLaunches must be at least 6, got 5: EC2 Fast Launch needs 6 or more parallel launches/,
        ],
        [
            "Fast Launch without a snapshot to keep",
            withWindows({ fastLaunch: { targetResourceCount: 0 } }),
            /golden-ami:images.windows.fastLaunch.targetResourceCount must be a whole number from 1 to 1000, got 0/,
        ],
        [
            "Fast Launch in a region whose AMI the program copies",
            withWindows({ fastLaunch: { regions: ["us-east-1", "us-west-2"] } }),
            /golden-ami:images.windows.fastLaunch.regions\[1\] "us-west-2" is not the home region us-east-1: Image Builder enables Fast Launch on the AMI it distributes/,
        ],
        [
            "Fast Launch on a promoting stack",
            (() => {
                const prod = readStackConfig("prod");
                const images = prod.images as Record<string, Record<string, unknown>>;
                return { ...prod, images: { ...images, "windows-2022": { ...images["windows-2022"], fastLaunch: {} } } };
            })(),
            /golden-ami:images.windows-2022.fastLaunch is set on a promoting stack, which copies its AMIs instead of building them/,
        ],
        [
            "a shell script as a Windows fleet's user data",
            withWindows({}, { fleets: { windows: { image: "windows", userDataFile: "components/documents/user-data.sh" } } }),
            /golden-ami:fleets.windows.userDataFile components\/documents\/user-data.sh is not a PowerShell user data script, but the fleet's image windows is windows/,
        ],
        [
            "a PowerShell script as a Linux fleet's user data",
            withFleet({ userDataFile: "components/documents/windows/user-data.ps1" }),
            /golden-ami:fleets.al2023-base.userDataFile components\/documents\/windows\/user-data.ps1 is a <powershell> script, but the fleet's image al2023-base is linux/,
        ],
    ];
    for (const [what, raw, expected] of refusals) {
        it(`refuses ${what}, naming the key`, () => {
            const problems = problemsOf(raw);
            assert.ok(
                problems.some(problem => expected.test(problem)),
                `expected ${expected}, got:\n${problems.join("\n")}`,
            );
        });
    }

    it("lets accounts that only launch the image use a Marketplace base: they launch it in place, nothing is copied", () => {
        const raw = withWindows({ baseImage: "ssm:/aws/service/marketplace/prod-abcdefghijklm/latest" }, { sharing: { accounts: ["333333333333"] } });
        assert.strictEqual(windowsImage(raw).baseImage, "ssm:/aws/service/marketplace/prod-abcdefghijklm/latest");
    });

    it("leaves Fast Launch off unless asked, and gives it the home region, 6 parallel launches and 5 snapshots by default", () => {
        assert.strictEqual(windowsImage(withWindows()).fastLaunch, undefined);
        assert.deepStrictEqual(windowsImage(withWindows({ fastLaunch: {} })).fastLaunch, {
            regions: ["us-east-1"],
            maxParallelLaunches: 6,
            targetResourceCount: 5,
        });
    });

    it("gives a Windows fleet PowerShell user data and the warm-up and grace period of a Windows boot", () => {
        const config = parseStackConfig(withWindows({}, { fleets: { windows: { image: "windows" } } }), "dev");
        const [fleet] = config.fleets;
        assert.strictEqual(fleet.userDataFile, "components/documents/windows/user-data.ps1");
        assert.match(fleet.userData, /^<powershell>\n[\s\S]*<\/powershell>\n$/);
        assert.deepStrictEqual(fleet.instanceTypes, ["m7i.large"]);
        assert.ok(
            fleet.instanceRefresh.instanceWarmupSeconds >= 600,
            `warm-up ${fleet.instanceRefresh.instanceWarmupSeconds} s is shorter than a Windows first boot`,
        );
        assert.ok(fleet.healthCheckGracePeriodSeconds >= fleet.instanceRefresh.instanceWarmupSeconds, "health checks wait for the warm-up");
        assert.strictEqual(fleet.rootVolumeGiB, 50, "the fleet's root volume is the image's");
    });
});

describe("config: fleets of both architectures", () => {
    const BOTH = { x86_64: "al2023-base", arm64: "al2023-base-arm64" };
    /** dev's al2023-base fleet on `images` (both architectures, one instance type each) instead of `image`, with these fields changed. */
    function withImages(fields: Record<string, unknown>): RawStackConfig {
        const raw = withFleet(fields);
        const fleet = { ...(raw.fleets as Record<string, Record<string, unknown>>)["al2023-base"] };
        delete fleet.image;
        return {
            ...raw,
            fleets: { ...(raw.fleets as object), "al2023-base": { images: BOTH, ...fleet, instanceTypes: ["t3.small", "t4g.small"], ...fields } },
        };
    }
    const fleetOf = (raw: RawStackConfig) => parseStackConfig(raw, "dev").fleets.find(fleet => fleet.name === "al2023-base")!;

    it("runs one image per architecture, the first instance type's being the fleet's own", () => {
        const fleet = fleetOf(withImages({ instanceTypes: ["m7g.large", "m7i.large"] }));
        assert.deepStrictEqual(fleet.images, BOTH);
        assert.strictEqual(fleet.image, "al2023-base-arm64", "the first type, m7g.large, is arm64");
        assert.deepStrictEqual(fleet.instanceTypes, ["m7g.large", "m7i.large"]);
    });

    it("defaults to one instance type of each listed architecture", () => {
        const fleet = fleetOf(withImages({ instanceTypes: undefined }));
        assert.deepStrictEqual(fleet.instanceTypes, ["t3.small", "t4g.small"]);
        assert.strictEqual(fleet.image, "al2023-base");
    });

    it("keeps image for one architecture, as images of that one architecture", () => {
        const fleet = fleetOf(dev());
        assert.strictEqual(fleet.image, "al2023-base");
        assert.deepStrictEqual(fleet.images, { x86_64: "al2023-base" });
    });

    it("keeps a Windows image's own fleet rules under images: PowerShell user data, m7i.large, a Windows warm-up", () => {
        const fleet = fleetOf(withImages({ images: { x86_64: "windows-2022" }, instanceTypes: undefined, userDataFile: undefined, instanceRefresh: {} }));
        assert.deepStrictEqual(fleet.images, { x86_64: "windows-2022" });
        assert.deepStrictEqual(fleet.instanceTypes, ["m7i.large"]);
        assert.strictEqual(fleet.userDataFile, "components/documents/windows/user-data.ps1");
        assert.ok(fleet.instanceRefresh.instanceWarmupSeconds >= 600, `warm-up ${fleet.instanceRefresh.instanceWarmupSeconds} s`);
        assert.strictEqual(fleet.rootVolumeGiB, 50, "the Windows image's root volume");
    });

    const refusals: Array<[string, RawStackConfig, RegExp]> = [
        [
            "both image and images",
            withFleet({ images: BOTH }),
            /^golden-ami:fleets.al2023-base sets both image \("al2023-base"\) and images \(\{"x86_64":"al2023-base","arm64":"al2023-base-arm64"\}\): keep image for a fleet of one architecture, or images/,
        ],
        [
            "no image in images",
            withImages({ images: {} }),
            /^golden-ami:fleets.al2023-base.images must name at least one image, like images: \{ x86_64: <image>, arm64: <image> \}, got \{\}$/,
        ],
        [
            "an architecture images does not know",
            withImages({ images: { x86_64: "al2023-base", amd64: "al2023-base-arm64" } }),
            /^golden-ami:fleets.al2023-base.images.amd64 is not a known key; did you mean golden-ami:fleets.al2023-base.images.arm64\?/,
        ],
        [
            "an image not in the catalog",
            withImages({ images: { ...BOTH, x86_64: "al2023-bse" } }),
            /^golden-ami:fleets.al2023-base.images.x86_64 must name an x86_64 image of golden-ami:images; did you mean al2023-base\?, got "al2023-bse" \(x86_64 images: al2023-base, windows-2022\)$/,
        ],
        [
            "an image listed under another architecture than its own",
            withImages({ images: { x86_64: "al2023-base-arm64" }, instanceTypes: ["t3.small"] }),
            /^golden-ami:fleets.al2023-base.images.x86_64 is al2023-base-arm64, an arm64 image: list it under images.arm64, or name an x86_64 image \(x86_64 images: al2023-base, windows-2022\)$/,
        ],
        [
            "an instance type whose architecture has no image",
            withImages({ images: { x86_64: "al2023-base" }, instanceTypes: ["t3.small", "m7g.large"] }),
            /^golden-ami:fleets.al2023-base.instanceTypes\[1\] "m7g.large" is an arm64 instance type, but golden-ami:fleets.al2023-base.images lists no arm64 image: add images.arm64: al2023-base-arm64, or remove the type$/,
        ],
        [
            "an image no instance type runs",
            withImages({ instanceTypes: ["t3.small"] }),
            /^golden-ami:fleets.al2023-base.images.arm64 is al2023-base-arm64, but no type of golden-ami:fleets.al2023-base.instanceTypes is arm64: add one like t4g.medium, m7g.large/,
        ],
        [
            "windows and linux images in one fleet",
            withImages({ images: { x86_64: "windows-2022", arm64: "al2023-base-arm64" }, instanceTypes: ["m7i.large", "t4g.small"] }),
            /^golden-ami:fleets.al2023-base.images mixes platforms \(x86_64: windows-2022 is windows, arm64: al2023-base-arm64 is linux\): a group runs one platform's user data and boot settings; make one fleet per platform$/,
        ],
        [
            "an instance type of the other architecture than a one-image fleet's, pointing to images",
            withFleet({ instanceTypes: ["t3.small", "m7g.large"] }),
            /^golden-ami:fleets.al2023-base.instanceTypes\[1\] "m7g.large" is an arm64 instance type, but golden-ami:images.al2023-base.architecture \(the fleet's image\) is x86_64: use x86_64 types like .*; or run both architectures with golden-ami:fleets.al2023-base.images: \{ x86_64: <image>, arm64: <image> \} instead of image$/,
        ],
    ];
    for (const [what, raw, message] of refusals) {
        it(`refuses ${what}, naming the key, the expected form and the value`, () => {
            const problems = problemsOf(raw);
            assert.ok(
                problems.some(problem => message.test(problem)),
                `no problem matched ${message}:\n${problems.join("\n")}`,
            );
            assert.strictEqual(problems.length, 1, `one problem, not a cascade:\n${problems.join("\n")}`);
        });
    }
});
