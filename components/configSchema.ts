// The stack file's `config:` map, declared once with zod: every key's shape, default, per-key rule and message.
// components/config.ts parses with it (and adds the rules across keys); its types come from it; and so do
// schema/stack-config.schema.json (editors: the yaml-language-server modeline of each stack file) and
// docs/configuration.md, which `npm run config-docs` writes and tests/configSchema.spec.ts keeps current.
import { Region } from "@pulumi/aws/types/enums";
import { z } from "zod";
import { blank, closestOf, describe, expecting, Explain, INVISIBLE, shown } from "./configMessages";
import { ARCHITECTURES, DefaultStep, PLATFORM_DEFAULTS, PLATFORMS, WINDOWS_EXPECTED_SERVICES } from "./platforms";

export const PROJECT = "golden-ami";

/** Per-AMI sharing limits (EC2 quotas): beyond them, share with organizations or OUs instead. */
export const SHARING_LIMITS = { accounts: 50, organizationArns: 25, organizationalUnitArns: 25, promotingAccounts: 50 };

/** Tags the program derives itself; the stack's `golden-ami:tags` may not set them. */
export const DERIVED_TAG_KEYS = ["Name", "Environment", "Version", "BaseImage", "ManagedBy"] as const;

/** Tags a build's AMI also carries: what the version was locked on (components/GoldenImage.ts `originTags`). */
export const ORIGIN_TAG_KEYS = ["BaseImageId", "SourceCommit"] as const;

const PROGRAM_TAG_KEYS: readonly string[] = [...DERIVED_TAG_KEYS, ...ORIGIN_TAG_KEYS];
const MAX_TAGS_PER_IMAGE = 50;

/** Keys of the `aws:` namespace a stack file may set (the provider's config); anything else is a typo. */
const AWS_SETTINGS = [
    "profile",
    "allowedAccountIds",
    "forbiddenAccountIds",
    "assumeRoles",
    "assumeRoleWithWebIdentity",
    "defaultTags",
    "ignoreTags",
    "endpoints",
    "maxRetries",
    "retryMode",
    "sharedConfigFiles",
    "sharedCredentialsFiles",
    "skipCredentialsValidation",
    "skipMetadataApiCheck",
    "skipRegionValidation",
    "skipRequestingAccountId",
    "stsRegion",
    "useFipsEndpoint",
    "useDualstackEndpoint",
    "customCaBundle",
    "httpProxy",
    "httpsProxy",
    "noProxy",
    "insecure",
    "userAgents",
    "tokenBucketRateLimiterCapacity",
    "tagPolicyCompliance",
    "accessKey",
    "secretKey",
    "token",
] as const;

const NAME = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;
const ACCOUNT = /^\d{12}$/;
const AMI_ID = /^ami-[0-9a-f]{8}([0-9a-f]{9})?$/;
const SUBNET_ID = /^subnet-[0-9a-f]{8}([0-9a-f]{9})?$/;
/** Tag keys every AWS service takes (some take more characters, none takes fewer). */
const TAG_KEY = /^[\p{L}\p{N} _.:/=+\-@]{1,128}$/u;
/** Current EC2 families: family, generation, attributes (a, g, i, d, n, e, z, flex...), size. */
const INSTANCE_TYPE = /^(a|c|d|dl|f|g|gr|h|hpc|i|im|inf|is|m|mac|p|r|t|trn|u|vt|x|z)\d[a-z-]*\.(nano|micro|small|medium|large|metal|\d*xlarge|metal-\d+xl)$/;
const REGIONS = Object.values(Region) as [string, ...string[]];

// The building blocks: each refuses a value with what it expected and the value given, and explains the usual YAML slips.

/** A number YAML read from an unquoted value the pattern would take as text. */
const unquoted =
    (pattern: RegExp): Explain =>
    (input, expected) => {
        if (typeof input !== "number") return undefined;
        if (pattern.test(String(input)))
            return `must be ${expected}, got the number ${input}: quote it in the stack file ("${input}"), or YAML reads it as a number`;
        const padded = String(input).padStart(12, "0");
        return /^\d{1,11}$/.test(String(input)) && pattern.test(padded)
            ? `must be ${expected}, got the number ${input}: YAML dropped its leading zeros; quote it in the stack file ("${padded}")`
            : undefined;
    };

const quoted =
    (what: RegExp): Explain =>
    (input, expected) =>
        typeof input === "string" && what.test(input)
            ? `must be ${expected}, got the string ${describe(input)}: remove the quotes in the stack file`
            : undefined;

const text = (pattern: RegExp, expected: string, ...explains: Explain[]) =>
    z.string({ error: expecting(expected, ...explains, unquoted(pattern)) }).regex(pattern, { abort: true });

const count = (min: number, max: number) =>
    z
        .int({ error: expecting(`a whole number from ${min} to ${max}`, quoted(/^\s*-?\d+\s*$/)) })
        .min(min, { abort: true })
        .max(max, { abort: true });

const flag = () => z.boolean({ error: expecting("true or false", quoted(/^(true|false)$/)) });

const oneOf = <const T extends readonly [string, ...string[]]>(values: T, why: string) =>
    z.enum(values, { error: expecting(`one of ${values.join(", ")} (${why})`) });

const region = () =>
    z.enum(REGIONS, {
        error: expecting("an AWS region like us-east-1", (input, expected) => {
            const closest = typeof input === "string" ? closestOf(input, REGIONS, 2) : undefined;
            return closest && `must be ${expected}, got ${describe(input)}; did you mean ${closest}?`;
        }),
    });

const oneItemPerLine: Explain = (input, expected) =>
    typeof input === "string" && !blank(input)
        ? `must be ${expected}, got ${describe(input)}: write it as a YAML list, one "- ${shown(input)}" line per item`
        : undefined;

const list = <T extends z.ZodType>(item: T) => z.array(item, { error: expecting("a list", oneItemPerLine) });

/** A list whose items are each listed once. */
const set = <T extends z.ZodType>(item: T) =>
    list(item)
        .superRefine((items, ctx) =>
            items.forEach((item, index) => {
                if (items.indexOf(item) !== index) ctx.addIssue({ code: "custom", path: [index], message: `${describe(item)} is listed twice` });
            }),
        )
        .meta({ uniqueItems: true });

const missingSection: Explain = input => (input === undefined ? "is required: set it in the stack file (Pulumi.<stack>.yaml)" : undefined);

const object = <T extends z.core.$ZodLooseShape>(shape: T) => z.strictObject(shape, { error: expecting("an object", missingSection) });

/**
 * A map by name. Zod passes over a key named `__proto__` (writing it would replace the result's prototype),
 * so that one is checked here like the others; config.ts keeps it where the name is free (tags).
 */
const map = <K extends z.ZodType<string>, V extends z.ZodType>(key: K, value: V) =>
    z.preprocess(
        (input, ctx) => {
            if (input === null || typeof input !== "object" || !Object.hasOwn(input, "__proto__")) return input;
            const given = (input as Record<string, unknown>)["__proto__"];
            for (const issue of [...(key.safeParse("__proto__").error?.issues ?? []), ...(value.safeParse(given).error?.issues ?? [])]) {
                ctx.addIssue({ code: "custom", message: issue.message, path: ["__proto__", ...issue.path] });
            }
            return input;
        },
        z.record(key, value, { error: expecting("an object", missingSection) }),
    );

// The config's parts.

const INSTANCE_TYPES = set(text(INSTANCE_TYPE, "an EC2 instance type of a known family like t3.medium, m7i.large or c7g.2xlarge")).min(1, {
    error: "must list at least one instance type, got []",
    abort: true,
});

const STEP = object({
    document: text(/^[\w./-]+\.ya?ml$/, "a YAML document's path in the repository, like components/documents/build.yaml")
        .optional()
        .describe("An AWSTOE document of the repository, read, locked and versioned with the image"),
    managed: text(/^[a-z0-9][a-z0-9-]{1,125}$/, "an AWS-managed Image Builder component's name, like update-linux or amazon-cloudwatch-agent-linux")
        .optional()
        .describe("An AWS-managed component by name, like update-linux or amazon-cloudwatch-agent-linux"),
    version: text(/^(\d+|x)\.(\d+|x)\.(\d+|x)$/, "a component version like 1.0.2, or a filter like 1.0.x or x.x.x (the newest when the image builds)")
        .optional()
        .describe("The managed component's version like 1.0.2, or a filter like 1.0.x (default x.x.x: the newest when the image builds)"),
})
    .superRefine((step, ctx) => {
        if ((step.document === undefined) === (step.managed === undefined)) {
            ctx.addIssue({
                code: "custom",
                message:
                    "must have exactly one of document (a path in the repository, like components/documents/build.yaml) " +
                    `or managed (an AWS-managed component, like update-linux), got ${describe(step)}`,
            });
        } else if (step.document !== undefined && step.version !== undefined) {
            ctx.addIssue({ code: "custom", path: ["version"], message: "applies to managed components only: a document's version is the image's version" });
        }
    })
    .meta({
        description: "A build or test step: a document of the repository, or an AWS-managed Image Builder component",
        oneOf: [{ required: ["document"] }, { required: ["managed"] }],
    });

const linux = PLATFORM_DEFAULTS.linux;
const windows = PLATFORM_DEFAULTS.windows;
/** Default steps as the docs show them. */
const stepsText = (steps: DefaultStep[]) => steps.map(step => ("document" in step ? step.document : `managed ${step.managed}`)).join(", ");

const IMAGE = object({
    version: text(/^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/, "a semantic version major.minor.patch like 1.4.0").describe(
        "Semantic version of recipe and components; bump it to build the image again",
    ),
    platform: oneOf(PLATFORMS, "the operating system the image runs").default("linux").describe("The operating system"),
    architecture: oneOf(ARCHITECTURES, "x86_64 for Intel and AMD, arm64 for AWS Graviton")
        .default("x86_64")
        .describe("x86_64 for Intel and AMD, arm64 for AWS Graviton"),
    baseImage: text(
        /^(ssm:\/[A-Za-z0-9_./-]+|ami-[0-9a-f]{8}([0-9a-f]{9})?|image:[A-Za-z0-9_-]+)$/,
        "an SSM parameter path like ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 (…-arm64 for Graviton), an AMI id, or image:<name> of another image of the catalog",
    ).describe("ssm:/… parameter, an AMI id, or image:<name> of another image of the catalog (a layered image)"),
    instanceTypes: INSTANCE_TYPES.optional().describe(
        `Build and test instance types, of the image's architecture (default ${linux.instanceTypes.x86_64} or ${linux.instanceTypes.arm64}; windows ${windows.instanceTypes.x86_64})`,
    ),
    rootVolumeGiB: count(Math.min(...PLATFORMS.map(platform => PLATFORM_DEFAULTS[platform].minRootVolumeGiB)), 16384)
        .optional()
        .describe(
            `Encrypted root volume of the image (default ${linux.defaultRootVolumeGiB} on Linux, ${windows.defaultRootVolumeGiB} on Windows; at least ${linux.minRootVolumeGiB} and ${windows.minRootVolumeGiB})`,
        ),
    rootDeviceName: text(/^\/dev\/[a-z0-9]+$/, `the base image's root device name like ${linux.rootDeviceName}`)
        .optional()
        .describe(`The base image's root device (default ${linux.rootDeviceName} on Linux, ${windows.rootDeviceName} on Windows; /dev/sda1 on Ubuntu)`),
    buildSteps: list(STEP)
        .optional()
        .describe(
            `Build steps in order (default ${stepsText(linux.buildSteps)} on Linux; ${stepsText(windows.buildSteps)} on Windows); the hygiene step always runs last`,
        ),
    testSteps: list(STEP)
        .optional()
        .describe(`Test steps (default ${stepsText(linux.testSteps)} on Linux; ${stepsText(windows.testSteps)} on Windows)`),
    artifacts: set(
        text(
            /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/([A-Za-z0-9!_.*'()/-]+\/)?$/,
            "an S3 prefix the build may read, like s3://team-artifacts/web-app/ (bucket, then a prefix ending in /)",
        ),
    )
        .default([])
        .describe("S3 prefixes the build role may read (s3:GetObject on exactly them)"),
    expectedServices: set(text(/^[A-Za-z0-9_.$-]{1,256}$/, "a Windows service name as Get-Service shows it, like AmazonSSMAgent or W32Time"))
        .min(1, { error: "must list at least one service, got []: leave the key out for the default list", abort: true })
        .optional()
        .describe(`Windows only: services the boot test expects running (default ${WINDOWS_EXPECTED_SERVICES.join(", ")})`),
    fastLaunch: object({
        regions: set(region())
            .min(1, { error: "must list at least one region, got []: leave the key out for the home region", abort: true })
            .optional()
            .describe("Regions whose AMI gets Fast Launch (default and only choice: the home region, where Image Builder distributes)"),
        maxParallelLaunches: count(1, 1000)
            .superRefine((launches, ctx) => {
                if (launches < 6) {
                    ctx.addIssue({
                        code: "custom",
                        message: `must be at least 6, got ${launches}: EC2 Fast Launch needs 6 or more parallel launches to make its snapshots`,
                    });
                }
            })
            .default(6)
            .describe("Temporary instances EC2 runs at once to make the snapshots (EC2's minimum is 6)"),
        targetResourceCount: count(1, 1000).default(5).describe("Pre-provisioned snapshots kept ready, each billed as snapshot storage"),
    })
        .optional()
        .describe("Windows only, building stacks: EC2 Fast Launch of the built AMI (pre-provisioned snapshots, billed as snapshot storage); off unless set"),
});

const IMAGES = map(
    z.string({ error: "must be an image name of 1 to 64 letters, digits, '-' or '_', starting with a letter or digit" }).regex(NAME),
    IMAGE.describe("One image of the catalog"),
)
    .refine(images => Object.keys(images).length > 0, {
        error: "must name at least one image, like golden-ami:images: { al2023-base: { version: 1.0.0, baseImage: ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64 } }",
    })
    .describe("The catalog: image name → definition");

// The maxima are Image Builder's: an age filter's value, retainAtLeast, and a lastLaunched exclusion.
const LIFECYCLE = object({
    deprecateAfterDays: count(1, 1000).default(90).describe("Deprecate images (and copies) this many days after they are made"),
    deleteAfterDays: count(1, 1000).default(180).describe("Delete images, with their snapshots, after this many days (after deprecation)"),
    keepAtLeast: count(1, 10).default(3).describe("...but always keep at least this many"),
    keepIfLaunchedWithinDays: count(1, 365).default(30).describe("...and never one launched within this many days"),
}).superRefine((lifecycle, ctx) => {
    if (lifecycle.deleteAfterDays <= lifecycle.deprecateAfterDays) {
        ctx.addIssue({
            code: "custom",
            path: ["deleteAfterDays"],
            message: `must be greater than deprecateAfterDays (${lifecycle.deprecateAfterDays}), got ${lifecycle.deleteAfterDays}`,
        });
    }
});

const everyone: Explain = input =>
    typeof input === "string" && input.trim().toLowerCase() === "all"
        ? `is "all", which makes the image public; list the accounts, organizations or OUs that may launch it`
        : undefined;

const principals = (field: keyof typeof SHARING_LIMITS, pattern: RegExp, expected: string) =>
    set(text(pattern, expected, everyone))
        .max(SHARING_LIMITS[field], {
            error: issue =>
                `lists ${(issue.input as unknown[]).length} entries; an AMI can be shared with at most ${SHARING_LIMITS[field]} — share with organizationArns or organizationalUnitArns instead`,
            abort: true,
        })
        .default([]);

const SHARING = object({
    accounts: principals("accounts", ACCOUNT, "a 12-digit AWS account id").describe("Accounts that may launch the images"),
    organizationArns: principals(
        "organizationArns",
        /^arn:aws[a-z-]*:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/,
        "an organization ARN like arn:aws:organizations::111122223333:organization/o-exampleorgid",
    ).describe("Organizations whose accounts may launch the images"),
    organizationalUnitArns: principals(
        "organizationalUnitArns",
        /^arn:aws[a-z-]*:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$/,
        "an OU ARN like arn:aws:organizations::111122223333:ou/o-exampleorgid/ou-ab12-cdef3456",
    ).describe("Organizational units whose accounts may launch the images"),
    promotingAccounts: principals("promotingAccounts", ACCOUNT, "a 12-digit AWS account id").describe(
        "Accounts that copy the images (promoting stacks): launch rights plus read access to their snapshots and keys",
    ),
}).superRefine((sharing, ctx) =>
    sharing.promotingAccounts.forEach((account, index) => {
        if (sharing.accounts.includes(account)) {
            ctx.addIssue({
                code: "custom",
                path: ["promotingAccounts", index],
                message: `${describe(account)} is also in golden-ami:sharing.accounts; list it once, under promotingAccounts, which lets it launch the image too`,
            });
        }
    }),
);

const TAGS = map(
    z
        .string({ error: 'must be 1 to 128 letters, digits, spaces or _.:/=+-@ and not start with "aws:"' })
        .regex(TAG_KEY, { abort: true })
        .refine(key => !key.toLowerCase().startsWith("aws:") && !blank(key)),
    z
        .string({
            error: expecting("a non-empty string of at most 256 characters without invisible characters", input =>
                typeof input === "number" || typeof input === "boolean"
                    ? `must be a non-empty string of at most 256 characters, got the ${typeof input} ${input}: quote it in the stack file ("${input}")`
                    : undefined,
            ),
        })
        .max(256, { abort: true })
        .refine(value => !blank(value) && !INVISIBLE.test(value)),
)
    .superRefine((tags, ctx) => {
        for (const key of Object.keys(tags).filter(key => PROGRAM_TAG_KEYS.includes(key))) {
            ctx.addIssue({ code: "custom", path: [key], message: `is set by the program (${PROGRAM_TAG_KEYS.join(", ")}); remove it from the stack file` });
        }
        const given = Object.keys(tags).length;
        if (given + PROGRAM_TAG_KEYS.length > MAX_TAGS_PER_IMAGE) {
            ctx.addIssue({
                code: "custom",
                message: `has ${given} tags; with the ${PROGRAM_TAG_KEYS.length} the program adds an image may carry at most ${MAX_TAGS_PER_IMAGE}`,
            });
        }
    })
    .describe(`The organisation's tags (${PROGRAM_TAG_KEYS.join(", ")} are the program's)`);

const PROMOTE_FROM = object({
    account: text(ACCOUNT, "the building account's 12-digit AWS account id").describe("The building account that owns the proven images"),
    region: region().describe("The building stack's home region"),
    amiIds: map(
        z.string({ error: "must be the name of an image of golden-ami:images" }).regex(NAME),
        text(
            AMI_ID,
            "the id of the AMI the building stack proved, like ami-0123456789abcdef0; pin it with `npm run images -- promote --from <building stack> --image <name> --version <version> --stack <this stack>`",
        ),
    ).describe("The exact AMI the building stack proved, per image, pinned by `npm run images -- promote --image <name>`"),
    stack: text(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, "the building stack's name, like dev")
        .optional()
        .describe("The building stack's name, when it is in this repository: its lifecycle then keeps the pinned AMIs"),
});

/** The VPC range: its network address (no host bits set), octets 0 to 255, a prefix AWS takes for a VPC. */
const VPC_CIDR_EXPECTED = "an IPv4 CIDR block from /16 to /24 like 10.0.0.0/16";
const VPC_CIDR = text(/^(\d{1,3}\.){3}\d{1,3}\/(1[6-9]|2[0-4])$/, VPC_CIDR_EXPECTED).superRefine((cidr, ctx) => {
    const [address, prefix] = cidr.split("/");
    const octets = address.split(".").map(Number);
    const refuse = (why: string) => ctx.addIssue({ code: "custom", message: `must be ${VPC_CIDR_EXPECTED}, got ${describe(cidr)}: ${why}` });
    if (octets.some(octet => octet > 255)) return refuse("an address has four numbers from 0 to 255");
    const bits = octets.reduce((sum, octet) => sum * 256 + octet, 0);
    const hostBits = 2 ** (32 - Number(prefix));
    if (bits % hostBits !== 0) {
        const network = Math.floor(bits / hostBits) * hostBits;
        refuse(`host bits are set; the block's network address is ${[24, 16, 8, 0].map(shift => Math.floor(network / 2 ** shift) % 256).join(".")}/${prefix}`);
    }
});

const INSTANCE_REFRESH = object({
    checkpointPercentages: list(count(1, 100)).default([50, 100]).describe("Pause points, rising and ending at 100"),
    checkpointDelaySeconds: count(0, 172800).default(300).describe("Seconds the refresh waits at each checkpoint"),
    minHealthyPercentage: count(0, 100).default(100).describe("Share of the group that stays in service while instances are replaced"),
    maxHealthyPercentage: count(101, 200)
        .default(200)
        .describe("Capacity the group may grow to while replacing: above 100, new instances launch before old ones terminate"),
    instanceWarmupSeconds: count(0, 3600)
        .optional()
        .describe(
            `Seconds a new instance gets before it counts as healthy capacity (default ${linux.fleet.instanceWarmupSeconds} on Linux, ${windows.fleet.instanceWarmupSeconds} on Windows)`,
        ),
}).superRefine((refresh, ctx) => {
    const checkpoints = refresh.checkpointPercentages;
    if (checkpoints.length > 0 && (checkpoints.some((percentage, index) => index > 0 && percentage <= checkpoints[index - 1]) || checkpoints.at(-1) !== 100)) {
        ctx.addIssue({ code: "custom", path: ["checkpointPercentages"], message: `must rise and end at 100, got ${JSON.stringify(checkpoints)}` });
    }
    if (refresh.maxHealthyPercentage - refresh.minHealthyPercentage > 100) {
        ctx.addIssue({
            code: "custom",
            path: ["maxHealthyPercentage"],
            message: `(${refresh.maxHealthyPercentage}) may exceed minHealthyPercentage (${refresh.minHealthyPercentage}) by at most 100 (an Auto Scaling rule)`,
        });
    }
});

const FLEET = object({
    // Any name: config.ts refuses one the catalog does not have, with the closest name and the list.
    image: z
        .string({ error: expecting("the name of the image of golden-ami:images the fleet runs") })
        .optional()
        .describe("The image of golden-ami:images the fleet runs (required when the catalog has more than one, unless images is set)"),
    // Either image or images: config.ts refuses both, and checks each name, architecture and platform against the catalog.
    images: object(
        Object.fromEntries(
            ARCHITECTURES.map(architecture => [
                architecture,
                z
                    .string({ error: expecting(`the name of an ${architecture} image of golden-ami:images`) })
                    .optional()
                    .describe(`The ${architecture} image of golden-ami:images the fleet's ${architecture} instance types run`),
            ]),
        ) as Record<(typeof ARCHITECTURES)[number], z.ZodOptional<z.ZodString>>,
    )
        .optional()
        .describe(
            "One image per architecture (instead of image): a mixed instances group whose instance types each launch from a template on the image of their architecture",
        ),
    regions: set(region())
        .min(1, { error: "must list at least one region, got []: leave the key out to run the fleet in every image region, or remove the fleet", abort: true })
        .optional()
        .describe("Regions that run the fleet (default: every region holding the image)"),
    instanceTypes: INSTANCE_TYPES.optional().describe(
        `The first is the launch template's; more than one makes a mixed instances group; with images, each type launches from its architecture's template (default ${linux.fleetInstanceTypes.x86_64} or ${linux.fleetInstanceTypes.arm64}, one per listed architecture)`,
    ),
    onDemandBaseCapacity: count(0, 1000).default(0).describe("Mixed instances only: on-demand instances before any spot"),
    onDemandPercentageAboveBaseCapacity: count(0, 100).default(100).describe("Mixed instances only: on-demand share above the base"),
    minSize: count(0, 1000).default(1).describe("Smallest group size"),
    maxSize: count(0, 1000).default(2).describe("Largest group size"),
    desiredCapacity: count(0, 1000).optional().describe("Instances the group runs (default minSize)"),
    healthCheckType: oneOf(["EC2", "ELB"], "the group's health check").default("EC2").describe("The group's health check"),
    healthCheckGracePeriodSeconds: count(0, 7200)
        .optional()
        .describe(
            `Seconds before health checks count (default ${linux.fleet.healthCheckGracePeriodSeconds} on Linux, ${windows.fleet.healthCheckGracePeriodSeconds} on Windows)`,
        ),
    // Launch the new instances before terminating old ones: capacity never drops during a rollout.
    instanceRefresh: INSTANCE_REFRESH.prefault({}).describe("How the group rolls to a new image"),
    containers: flag().default(false).describe("Containers on the instances reach the metadata service through one more hop (IMDS hop limit 2)"),
    rootVolumeGiB: count(linux.minRootVolumeGiB, 16384).optional().describe("Root volume (default and minimum: the image's)"),
    userDataFile: text(/^[\w./-]+$/, "a path in the repository")
        .optional()
        .describe(`Repository path of the user data script, no secrets (default ${linux.fleet.userDataFile}; ${windows.fleet.userDataFile} on Windows)`),
    subnetIds: map(
        z.string(),
        list(text(SUBNET_ID, "a subnet id like subnet-0123456789abcdef0")).min(1, {
            error: "is empty: list its subnets, or leave the region out to get a VPC made for the fleet",
            abort: true,
        }),
    )
        .default({})
        .describe("Subnets per region; a fleet region without any gets a VPC of its own"),
    natGateways: oneOf(["Single", "OnePerAz"], "NAT gateways of the VPCs made for the fleet")
        .default("Single")
        .describe("NAT gateways of the VPCs this program creates: one per VPC, or one per availability zone"),
    vpcCidr: VPC_CIDR.default("10.0.0.0/16").describe(
        "Address range of the VPCs this program creates, /16 to /24 (pick one that does not overlap networks you peer with)",
    ),
}).superRefine((fleet, ctx) => {
    if (fleet.minSize > fleet.maxSize) {
        ctx.addIssue({ code: "custom", path: ["minSize"], message: `(${fleet.minSize}) must not be greater than maxSize (${fleet.maxSize})` });
    } else if (fleet.desiredCapacity !== undefined && (fleet.desiredCapacity < fleet.minSize || fleet.desiredCapacity > fleet.maxSize)) {
        ctx.addIssue({
            code: "custom",
            path: ["desiredCapacity"],
            message: `must be between minSize (${fleet.minSize}) and maxSize (${fleet.maxSize}), got ${fleet.desiredCapacity}`,
        });
    }
});

const BUILD = object({
    subnetId: text(
        SUBNET_ID,
        "the subnet id the build and test instances run in, like subnet-0123456789abcdef0 (it needs a route to SSM, S3 and your package mirrors)",
    ).describe("The subnet of the build and test instances"),
    securityGroupIds: set(text(/^sg-[0-9a-f]{8}([0-9a-f]{9})?$/, "a security group id like sg-0123456789abcdef0"))
        .default([])
        .describe("Security groups for the instances (default: one made with no inbound rules)"),
});

const awsSettings = Object.fromEntries(AWS_SETTINGS.map(key => [`aws:${key}`, z.unknown().optional().describe(`The AWS provider's ${key} setting`)])) as {
    [K in (typeof AWS_SETTINGS)[number] as `aws:${K}`]: z.ZodOptional<z.ZodUnknown>;
};

/** The stack file's `config:` map: the AWS provider's settings, and the project's keys. */
export const STACK_CONFIG = object({
    "aws:region": region().describe("The home region: where the building stack builds"),
    ...awsSettings,
    "golden-ami:images": IMAGES,
    "golden-ami:lifecycle": LIFECYCLE.prefault({}).describe("Ages and counts of the Image Builder lifecycle"),
    "golden-ami:regions": set(region()).default([]).describe("Regions that hold the images besides the home region (aws:region)"),
    "golden-ami:sharing": SHARING.prefault({}).describe("Who may launch the images"),
    "golden-ami:tags": TAGS,
    "golden-ami:promoteFrom": PROMOTE_FROM.optional().describe("Set on a promoting stack: it copies the AMIs the building account proved instead of building"),
    "golden-ami:blockPublicSharing": flag().default(true).describe("Keep EC2 image block public access on in every region"),
    "golden-ami:fleets": map(
        z.string({ error: "must be a fleet name of 1 to 64 letters, digits, '-' or '_', starting with a letter or digit" }).regex(NAME),
        FLEET.describe("Launch templates and Auto Scaling groups on one image, or on one image per architecture"),
    )
        .default({})
        .describe("Fleets by name, each on one image of the catalog (or one per architecture)"),
    "golden-ami:build": BUILD.optional().describe("The building stack's build network (default: the account's default VPC)"),
});

export type StackSettings = z.output<typeof STACK_CONFIG>;
export type ImageSettings = z.output<typeof IMAGE>;
export type StepSettings = z.output<typeof STEP>;
export type FleetSettings = z.output<typeof FLEET>;

/** The fields the object at a path of the config map may have (for did-you-mean on an unknown key). */
export function fieldsAt(path: readonly PropertyKey[], schema: z.core.$ZodType = STACK_CONFIG): string[] {
    type Parts = {
        innerType?: z.core.$ZodType;
        out?: z.core.$ZodType;
        shape?: Record<string, z.core.$ZodType>;
        valueType?: z.core.$ZodType;
        element?: z.core.$ZodType;
    };
    const def = schema._zod.def as Parts;
    // Optional, default and prefault wrap their schema; a map (`map`) is a preprocess piped into a record.
    const wrapped = def.innerType ?? def.out;
    if (wrapped) return fieldsAt(path, wrapped);
    if (path.length === 0) return Object.keys(def.shape ?? {});
    const child = def.shape?.[String(path[0])] ?? def.valueType ?? def.element;
    return child ? fieldsAt(path.slice(1), child) : [];
}

type JsonSchema = Record<string, unknown>;

/** The JSON Schema of a `Pulumi.<stack>.yaml` file. */
export function stackFileSchema(): JsonSchema {
    const file = z
        .object({
            config: STACK_CONFIG,
            secretsprovider: z.string().optional(),
            encryptedkey: z.string().optional(),
            encryptionsalt: z.string().optional(),
        })
        .meta({
            title: "golden-ami stack file (Pulumi.<stack>.yaml)",
            description: "Generated from the zod schema in components/configSchema.ts by `npm run config-docs`; the same schema validates every key.",
        });
    const { $schema, ...schema } = z.toJSONSchema(file, { io: "input" });
    return { $schema, $id: "https://github.com/golden-ami/golden-ami/schema/stack-config.schema.json", ...schema };
}

/** docs/configuration.md: every project key with its type, default and meaning, from the JSON Schema. */
export function configurationReference(): string {
    const rows: string[] = [];
    const visit = (key: string, schema: JsonSchema) => {
        const enumeration = schema.enum as string[] | undefined;
        const extras = [
            enumeration && enumeration.length <= 10 ? `one of ${enumeration.join(", ")}` : "",
            schema.minimum !== undefined ? `${schema.minimum}–${schema.maximum}` : "",
            schema.pattern ? `\`${schema.pattern}\`` : "",
        ]
            .filter(Boolean)
            .join("; ");
        const fallback = schema.default === undefined ? "" : `\`${JSON.stringify(schema.default)}\``;
        rows.push(
            `| \`${key}\` | ${String(schema.type ?? "any")} | ${fallback} | ${String(schema.description ?? "").replace(/\|/g, "\\|")}${extras ? ` (${extras.replace(/\|/g, "\\|")})` : ""} |`,
        );
        for (const [field, child] of Object.entries((schema.properties ?? {}) as Record<string, JsonSchema>)) visit(`${key}.${field}`, child);
        const entries = schema.additionalProperties as JsonSchema | undefined;
        if (entries?.properties) visit(`${key}.<name>`, entries);
        const items = schema.items as JsonSchema | undefined;
        for (const [field, child] of Object.entries((items?.properties ?? {}) as Record<string, JsonSchema>)) visit(`${key}[].${field}`, child);
    };
    const config = (stackFileSchema().properties as Record<string, JsonSchema>).config.properties as Record<string, JsonSchema>;
    for (const [key, schema] of Object.entries(config).filter(([key]) => key.startsWith(`${PROJECT}:`))) visit(key, schema);
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
