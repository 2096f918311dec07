// The stack file's shape as a JSON Schema (draft 2020-12), for editors (a yaml-language-server modeline in
// each stack file) and for docs/configuration.md. Built from config.ts's own constants (fields, defaults,
// enums, patterns); config.ts stays the validator, with messages a schema cannot give (did-you-mean,
// cross-key rules, values shown). tests/configSchema.spec.ts keeps the committed files in step with it.
import { AWS_CONFIG_KEYS, CONFIG_KEYS, FAST_LAUNCH_DEFAULTS, FLEET_DEFAULTS, IMAGE_DEFAULTS, LIFECYCLE_DEFAULTS } from "./config";
import { ARCHITECTURES, DefaultStep, PLATFORM_DEFAULTS, PLATFORMS, WINDOWS_EXPECTED_SERVICES } from "./platforms";

type Schema = Record<string, unknown>;

const string = (description: string, extra: Schema = {}): Schema => ({ type: "string", description, ...extra });
const integer = (description: string, minimum: number, maximum: number, fallback?: number): Schema => ({
    type: "integer",
    description,
    minimum,
    maximum,
    ...(fallback !== undefined && { default: fallback }),
});
const list = (description: string, items: Schema, extra: Schema = {}): Schema => ({ type: "array", description, items, uniqueItems: true, ...extra });
const object = (description: string, properties: Record<string, Schema>, required: string[] = []): Schema => ({
    type: "object",
    description,
    properties,
    additionalProperties: false,
    ...(required.length > 0 && { required }),
});

const NAME = "^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$";
const ACCOUNT = "^\\d{12}$";
const INSTANCE_TYPE = string("An EC2 instance type of the image's architecture, like t3.medium (x86_64) or t4g.medium (arm64)", {
    pattern: "^[a-z][a-z0-9-]*\\.[a-z0-9-]+$",
});

const STEP: Schema = {
    description: "A build or test step: a document of the repository, or an AWS-managed Image Builder component",
    oneOf: [
        object(
            "A document of the repository, read, locked and versioned with the image",
            {
                document: string("The AWSTOE document's path in the repository", { pattern: "^[\\w./-]+\\.ya?ml$" }),
            },
            ["document"],
        ),
        object(
            "An AWS-managed component by name and version",
            {
                managed: string("Its name, like update-linux or amazon-cloudwatch-agent-linux", { pattern: "^[a-z0-9][a-z0-9-]{1,125}$" }),
                version: string("A version like 1.0.2, or a filter like 1.0.x or x.x.x (the newest when the image builds)", {
                    pattern: "^(\\d+|x)\\.(\\d+|x)\\.(\\d+|x)$",
                    default: "x.x.x",
                }),
            },
            ["managed"],
        ),
    ],
};

const linux = PLATFORM_DEFAULTS.linux;
const windows = PLATFORM_DEFAULTS.windows;
/** Default steps as the docs show them. */
const stepsText = (steps: DefaultStep[]) => steps.map(step => ("document" in step ? step.document : `managed ${step.managed}`)).join(", ");

const IMAGE: Schema = object(
    "One image of the catalog",
    {
        version: string("Semantic version of recipe and components; bump it to build the image again", {
            pattern: "^(0|[1-9]\\d*)\\.(0|[1-9]\\d*)\\.(0|[1-9]\\d*)$",
        }),
        platform: string("The operating system", { enum: [...PLATFORMS], default: IMAGE_DEFAULTS.platform }),
        architecture: string("x86_64 for Intel and AMD, arm64 for AWS Graviton", { enum: [...ARCHITECTURES], default: IMAGE_DEFAULTS.architecture }),
        baseImage: string("ssm:/… parameter, an AMI id, or image:<name> of another image of the catalog (a layered image)", {
            pattern: "^(ssm:/[A-Za-z0-9_./-]+|ami-[0-9a-f]{8}([0-9a-f]{9})?|image:[A-Za-z0-9_-]+)$",
        }),
        instanceTypes: list(
            `Build and test instance types (default ${linux.instanceTypes.x86_64} or ${linux.instanceTypes.arm64}; windows ${windows.instanceTypes.x86_64})`,
            INSTANCE_TYPE,
            {
                minItems: 1,
            },
        ),
        rootVolumeGiB: integer(
            `Encrypted root volume of the image (windows: default ${windows.defaultRootVolumeGiB}, at least ${windows.minRootVolumeGiB})`,
            linux.minRootVolumeGiB,
            16384,
            linux.defaultRootVolumeGiB,
        ),
        rootDeviceName: string(`The base image's root device (windows ${windows.rootDeviceName}; /dev/sda1 on Ubuntu)`, {
            pattern: "^/dev/[a-z0-9]+$",
            default: linux.rootDeviceName,
        }),
        buildSteps: {
            type: "array",
            description: `Build steps in order (default ${stepsText(linux.buildSteps)}; windows ${stepsText(windows.buildSteps)}); the hygiene step always runs last`,
            items: STEP,
        },
        testSteps: {
            type: "array",
            description: `Test steps (default ${stepsText(linux.testSteps)}; windows ${stepsText(windows.testSteps)})`,
            items: STEP,
        },
        artifacts: list(
            "S3 prefixes the build role may read (s3:GetObject on exactly them)",
            string("s3://bucket/prefix/", { pattern: "^s3://[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]/([A-Za-z0-9!_.*'()/-]+/)?$" }),
        ),
        expectedServices: list(
            `windows: services the boot test expects running (default ${WINDOWS_EXPECTED_SERVICES.join(", ")})`,
            string("A service name as Get-Service shows it", { pattern: "^[A-Za-z0-9_.$-]{1,256}$" }),
            { minItems: 1 },
        ),
        fastLaunch: object(
            "windows, building stacks: EC2 Fast Launch of the built AMI (pre-provisioned snapshots, billed as snapshot storage); off unless set",
            {
                regions: list(
                    "Regions whose AMI gets Fast Launch (default and only choice: the home region, where Image Builder distributes)",
                    string("An AWS region"),
                    {
                        minItems: 1,
                    },
                ),
                maxParallelLaunches: integer(
                    "Temporary instances EC2 runs at once to make the snapshots (EC2's minimum is 6)",
                    6,
                    1000,
                    FAST_LAUNCH_DEFAULTS.maxParallelLaunches,
                ),
                targetResourceCount: integer("Pre-provisioned snapshots kept ready", 1, 1000, FAST_LAUNCH_DEFAULTS.targetResourceCount),
            },
        ),
    },
    ["version", "baseImage"],
);

const FLEET: Schema = object("Launch templates and Auto Scaling groups on one image", {
    image: string("The image of golden-ami:images the fleet runs (required when the catalog has more than one)", { pattern: NAME }),
    regions: list("Regions that run the fleet (default: every image region)", string("An AWS region"), { minItems: 1 }),
    instanceTypes: list(
        `The first is the launch template's; more than one makes a mixed instances group (default t3.small or t4g.small; windows ${windows.fleetInstanceTypes.x86_64})`,
        INSTANCE_TYPE,
        {
            minItems: 1,
        },
    ),
    onDemandBaseCapacity: integer("Mixed instances: on-demand instances before any spot", 0, 1000, FLEET_DEFAULTS.onDemandBaseCapacity),
    onDemandPercentageAboveBaseCapacity: integer("Mixed instances: on-demand share above the base", 0, 100, FLEET_DEFAULTS.onDemandPercentageAboveBaseCapacity),
    minSize: integer("Smallest group size", 0, 1000, FLEET_DEFAULTS.minSize),
    maxSize: integer("Largest group size", 0, 1000, FLEET_DEFAULTS.maxSize),
    desiredCapacity: integer("Instances the group runs (default minSize)", 0, 1000),
    healthCheckType: string("The group's health check", { enum: ["EC2", "ELB"], default: FLEET_DEFAULTS.healthCheckType }),
    healthCheckGracePeriodSeconds: integer(
        `Seconds before health checks count (windows: ${windows.fleet.healthCheckGracePeriodSeconds})`,
        0,
        7200,
        FLEET_DEFAULTS.healthCheckGracePeriodSeconds,
    ),
    instanceRefresh: object("How the group rolls to a new image", {
        minHealthyPercentage: integer("Share of the group kept in service", 0, 100, FLEET_DEFAULTS.instanceRefresh.minHealthyPercentage),
        maxHealthyPercentage: integer("Capacity the group may grow to while replacing", 101, 200, FLEET_DEFAULTS.instanceRefresh.maxHealthyPercentage),
        instanceWarmupSeconds: integer(
            `Seconds before a new instance counts (windows: ${windows.fleet.instanceWarmupSeconds}, a Windows first boot)`,
            0,
            3600,
            FLEET_DEFAULTS.instanceRefresh.instanceWarmupSeconds,
        ),
        checkpointPercentages: list("Pause points, rising and ending at 100", { type: "integer", minimum: 1, maximum: 100 }),
        checkpointDelaySeconds: integer("Pause at each checkpoint", 0, 172800, FLEET_DEFAULTS.instanceRefresh.checkpointDelaySeconds),
    }),
    containers: { type: "boolean", description: "Containers on the instances: IMDS hop limit 2", default: FLEET_DEFAULTS.containers },
    rootVolumeGiB: integer("Root volume (default and minimum: the image's)", 8, 16384),
    userDataFile: string(`A user data script in the repository, no secrets (windows: ${windows.fleet.userDataFile}, a <powershell> script)`, {
        default: FLEET_DEFAULTS.userDataFile,
    }),
    subnetIds: {
        type: "object",
        description: "Subnets per region; a fleet region without any gets a VPC of its own",
        additionalProperties: list("Subnet ids", string("subnet-…", { pattern: "^subnet-[0-9a-f]{8}([0-9a-f]{9})?$" }), { minItems: 1 }),
    },
    natGateways: string("NAT gateways of the VPCs made for the fleet", { enum: ["Single", "OnePerAz"], default: FLEET_DEFAULTS.natGateways }),
    vpcCidr: string("Address range of the VPCs made for the fleet, /16 to /24", { default: FLEET_DEFAULTS.vpcCidr }),
});

/** The project's keys: what `golden-ami:<key>` may hold. */
export const PROJECT_KEY_SCHEMAS: Record<(typeof CONFIG_KEYS)[number], Schema> = {
    images: {
        type: "object",
        description: "The catalog: image name → definition",
        propertyNames: { pattern: NAME },
        additionalProperties: IMAGE,
        minProperties: 1,
    },
    regions: list("Regions that hold the images besides the home region (aws:region)", string("An AWS region like us-west-2"), { default: [] }),
    sharing: object("Who may launch the images", {
        accounts: list("12-digit account ids (at most 50)", string("An account id", { pattern: ACCOUNT }), { maxItems: 50 }),
        organizationArns: list("Organization ARNs (at most 25)", string("arn:aws:organizations::…:organization/o-…"), { maxItems: 25 }),
        organizationalUnitArns: list("OU ARNs (at most 25)", string("arn:aws:organizations::…:ou/o-…/ou-…"), { maxItems: 25 }),
        promotingAccounts: list(
            "Accounts that copy the images (promoting stacks): launch, snapshot read and key rights",
            string("An account id", { pattern: ACCOUNT }),
            { maxItems: 50 },
        ),
    }),
    tags: {
        type: "object",
        description: "The organisation's tags (Name, Environment, Version, BaseImage, ManagedBy, BaseImageId, SourceCommit are the program's)",
        additionalProperties: string("A tag value, 1 to 256 characters"),
    },
    lifecycle: object("Ages and counts of the Image Builder lifecycle", {
        deprecateAfterDays: integer("Deprecate images after this many days", 1, 1000, LIFECYCLE_DEFAULTS.deprecateAfterDays),
        deleteAfterDays: integer("Delete images and snapshots after this many days (after deprecation)", 1, 1000, LIFECYCLE_DEFAULTS.deleteAfterDays),
        keepAtLeast: integer("Always keep this many", 1, 10, LIFECYCLE_DEFAULTS.keepAtLeast),
        keepIfLaunchedWithinDays: integer("Never delete one launched within this many days", 1, 365, LIFECYCLE_DEFAULTS.keepIfLaunchedWithinDays),
    }),
    promoteFrom: object(
        "Set on a promoting stack: it copies the AMIs the building account proved",
        {
            account: string("The building account", { pattern: ACCOUNT }),
            region: string("The building stack's home region"),
            amiIds: {
                type: "object",
                description: "The pinned AMI of each image (npm run images -- promote --image <name>)",
                additionalProperties: string("An AMI id", { pattern: "^ami-[0-9a-f]{8}([0-9a-f]{9})?$" }),
            },
            stack: string("The building stack in this repository: its lifecycle keeps the pinned AMIs"),
        },
        ["account", "region", "amiIds"],
    ),
    blockPublicSharing: { type: "boolean", description: "Image block public access in every region", default: true },
    fleets: { type: "object", description: "Fleets by name, each on one image", propertyNames: { pattern: NAME }, additionalProperties: FLEET },
    build: object(
        "The build network (default: the account's default VPC)",
        {
            subnetId: string("The subnet of the build and test instances", { pattern: "^subnet-[0-9a-f]{8}([0-9a-f]{9})?$" }),
            securityGroupIds: list("Security groups (default: one made with no inbound rules)", string("sg-…", { pattern: "^sg-[0-9a-f]{8}([0-9a-f]{9})?$" })),
        },
        ["subnetId"],
    ),
};

/** The JSON Schema of a `Pulumi.<stack>.yaml` file. */
export function stackFileSchema(): Schema {
    const properties: Record<string, Schema> = { "aws:region": string("The home region: where the building stack builds") };
    for (const key of AWS_CONFIG_KEYS.filter(key => key !== "region")) properties[`aws:${key}`] = { description: `The AWS provider's ${key} setting` };
    for (const [key, schema] of Object.entries(PROJECT_KEY_SCHEMAS)) properties[`golden-ami:${key}`] = schema;
    return {
        $schema: "https://json-schema.org/draft/2020-12/schema",
        $id: "https://github.com/golden-ami/golden-ami/schema/stack-config.schema.json",
        title: "golden-ami stack file (Pulumi.<stack>.yaml)",
        description: "Generated from components/configSchema.ts by `npm run config-docs`; components/config.ts validates every key.",
        type: "object",
        properties: {
            config: { type: "object", properties, required: ["aws:region", "golden-ami:images", "golden-ami:tags"], additionalProperties: false },
            secretsprovider: { type: "string" },
            encryptedkey: { type: "string" },
            encryptionsalt: { type: "string" },
        },
        required: ["config"],
    };
}

/** docs/configuration.md: every key with its type, default and meaning, from the schema. */
export function configurationReference(): string {
    const rows: string[] = [];
    const visit = (key: string, schema: Schema) => {
        const type = schema.oneOf ? "step" : String(schema.type ?? "any");
        const extras = [
            schema.enum ? `one of ${(schema.enum as string[]).join(", ")}` : "",
            schema.minimum !== undefined ? `${schema.minimum}–${schema.maximum}` : "",
            schema.pattern ? `\`${schema.pattern}\`` : "",
        ]
            .filter(Boolean)
            .join("; ");
        const fallback = schema.default === undefined ? "" : `\`${JSON.stringify(schema.default)}\``;
        rows.push(
            `| \`${key}\` | ${type} | ${fallback} | ${String(schema.description ?? "").replace(/\|/g, "\\|")}${extras ? ` (${extras.replace(/\|/g, "\\|")})` : ""} |`,
        );
        const properties = schema.properties as Record<string, Schema> | undefined;
        for (const [field, child] of Object.entries(properties ?? {})) visit(`${key}.${field}`, child);
        const entries = schema.additionalProperties;
        if (entries && typeof entries === "object" && (entries as Schema).properties) visit(`${key}.<name>`, entries as Schema);
        if (schema.type === "array" && (schema.items as Schema)?.oneOf) {
            for (const variant of (schema.items as Schema).oneOf as Schema[]) {
                for (const [field, child] of Object.entries(variant.properties as Record<string, Schema>)) visit(`${key}[].${field}`, child);
            }
        }
    };
    for (const [key, schema] of Object.entries(PROJECT_KEY_SCHEMAS)) visit(`golden-ami:${key}`, schema);
    return [
        "# Configuration reference",
        "",
        "<!-- Generated by `npm run config-docs` from components/configSchema.ts; edit there, not here. -->",
        "",
        "Every key of `Pulumi.<stack>.yaml`. `aws:region` (the home region) is required, and any other `aws:` key must be one of the AWS",
        "provider's settings. components/config.ts refuses every problem at once, naming the key, what it expected and what it got;",
        "editors complete and check keys through `schema/stack-config.schema.json` (the modeline at the top of each stack file).",
        "",
        "| Key | Type | Default | What |",
        "| --- | --- | --- | --- |",
        ...rows,
        "",
    ].join("\n");
}
