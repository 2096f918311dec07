// Runs the real Pulumi program offline under the SDK's mocks with a stack's config, and records every
// resource it declares and every data source it reads. The tests, `npm run plan` and `npm run bench` use it.
// Values AWS would compute (ids, ARNs) are placeholders made up here.
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import { PROJECT, RawStackConfig, STACK_FILES_VARIABLE } from "../../components/config";
import { LOCK_PATH_VARIABLE, VersionLock } from "../../components/versionLock";
import { changedInputs, movesRegion, replaceReasons } from "./replaceRules";
import { readStackConfig, REPO_ROOT, toEngineConfig } from "./stackFile";
import { PLATFORM_DEFAULTS } from "../../components/platforms";

/** The account the mocked caller is in, unless a run says otherwise. */
export const MOCK_ACCOUNT_ID = "123456789012";

/** The mocked clock, unless a run says otherwise: fixed, so two runs of one program are byte-identical. */
export const MOCK_NOW = new Date("2026-11-23T04:00:00Z");

/** The resource options a plan or a day-two check cares about. */
export interface DeclaredOptions {
    retainOnDelete?: boolean;
    deleteBeforeReplace?: boolean;
    ignoreChanges?: string[];
    replaceOnChanges?: string[];
    protect?: boolean;
    /** How long the engine waits for a create (`customTimeouts.create`, e.g. `4h`). */
    createTimeout?: string;
    /** What the resource waits for, as `<type>::<name>` (resources given directly; an Output of them is not followed). */
    dependsOn?: string[];
}

export interface DeclaredResource {
    type: string;
    name: string;
    /** False for component resources. */
    custom: boolean;
    /** The resolved inputs the program gave it. */
    inputs: Record<string, any>;
    /** Its outputs as the mocks made them (inputs plus placeholder ids and ARNs). */
    state: Record<string, any>;
    id: string;
    /** The values the mocks made up for it (id, ARN, ...): how other resources' inputs refer to it. */
    computed: string[];
    /** The region of the explicit provider it was declared with, if any. */
    region?: string;
    /** The explicit provider's name and inputs, if any. */
    provider?: { name: string; inputs: Record<string, any> };
    /** Its URN, as the engine would make it from the stack, project, parent types, type and name. */
    urn: string;
    options: DeclaredOptions;
    /** How many times it was replaced over a sequence of runs (0: as first created). */
    generation: number;
    /** When the mocked clock says it was created (kept over runs that do not replace it). */
    createdAt: string;
}

export interface DataSourceRead {
    token: string;
    inputs: Record<string, any>;
    region?: string;
}

export interface ProgramRun {
    resources: DeclaredResource[];
    dataSources: DataSourceRead[];
    outputs: Record<string, unknown>;
    /** Set when the program refused to run (bad config) or failed. */
    error?: Error;
}

export interface RunOptions {
    /** Replaces the stack file's values, key by key (`image`, `regions`, `aws:region`, ...). */
    config?: RawStackConfig;
    /** Use exactly these values and no stack file. */
    rawConfig?: RawStackConfig;
    /** The mocked caller's account (default MOCK_ACCOUNT_ID). */
    accountId?: string;
    /** Run as `pulumi preview` (true) or `pulumi up` (false, default). */
    preview?: boolean;
    /** The mocked clock (default MOCK_NOW). */
    now?: Date;
    /**
     * The stack's state from an earlier run: a resource it holds keeps its id and outputs unless a
     * force-new input changed (tools/engine/replaceRules.ts), as in a real `pulumi up` months later.
     */
    previous?: ProgramRun;
    /** Names of resources to replace whatever their inputs (`pulumi up --replace`). */
    replace?: string[];
    /** What image versions are made of, instead of the committed image-versions.lock.json. */
    versionLock?: VersionLock;
    /** Other stacks' files (`Pulumi.<stack>.yaml`, read for the AMIs they pin), instead of the repository's. */
    stackFiles?: Record<string, string>;
    /** Another program to run under the same mocks (the bench's bare-SDK floor); default the repository's index.ts. */
    program?: string;
}

const PROGRAM = path.join(REPO_ROOT, "index.ts");

/** Runs the program once for `stack`; resolves when every resource it declares is registered. */
export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    const restore = withoutStackTraces();
    try {
        return await runProgramOnce(stack, options);
    } finally {
        restore();
    }
}

let runsInFlight = 0;
let savedStackTraceLimit = Error.stackTraceLimit;

/**
 * The SDK records a stack trace on every promise it makes (for its leak report), and under ts-node each trace
 * goes through source-map support: half of a run's time. No traces are recorded while runs are in flight
 * (nested and parallel runs share one switch); errors keep their messages, which is what the plan and the tests read.
 */
function withoutStackTraces(): () => void {
    if (runsInFlight++ === 0) {
        savedStackTraceLimit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
    }
    return () => {
        if (--runsInFlight === 0) Error.stackTraceLimit = savedStackTraceLimit;
    };
}

async function runProgramOnce(stack: string, options: RunOptions): Promise<ProgramRun> {
    const raw = options.rawConfig ?? { ...readStackConfig(stack), ...options.config };
    const resources: DeclaredResource[] = [];
    const dataSources: DataSourceRead[] = [];
    const providerInputs = new Map<string, Record<string, any>>();
    const accountId = options.accountId ?? MOCK_ACCOUNT_ID;
    const now = options.now ?? MOCK_NOW;
    const declared = new Map<string, { urn: string; options: DeclaredOptions }>();
    const earlier = new Map((options.previous?.resources ?? []).map(resource => [resource.urn, resource]));

    /** The root device of an AMI of the run: its recipe's for a build, its source's for a copy, its image's platform for a pin. */
    const rootDeviceOf = (imageId: string, depth = 0): string => {
        const built = resources.find(
            resource => resource.type === "aws:imagebuilder/image:Image" && resource.state.outputResources?.[0]?.amis?.[0]?.image === imageId,
        );
        const recipe =
            built &&
            resources.find(resource => resource.type === "aws:imagebuilder/imageRecipe:ImageRecipe" && resource.state.arn === built.inputs.imageRecipeArn);
        if (recipe) return recipe.inputs.blockDeviceMappings?.[0]?.deviceName ?? DEFAULT_ROOT_DEVICE;
        const copy = resources.find(resource => resource.type === "aws:ec2/amiCopy:AmiCopy" && resource.id === imageId);
        if (copy && depth < 5) return rootDeviceOf(copy.inputs.sourceAmiId, depth + 1);
        const images = (raw.images ?? {}) as Record<string, { platform?: string; rootDeviceName?: string }>;
        const pinned = Object.entries(((raw.promoteFrom as { amiIds?: Record<string, string> } | undefined)?.amiIds ?? {}) as Record<string, string>).find(
            ([, amiId]) => amiId === imageId,
        );
        const image = pinned && images[pinned[0]];
        return image?.rootDeviceName ?? PLATFORM_DEFAULTS[image?.platform === "windows" ? "windows" : "linux"].rootDeviceName;
    };

    const providerOf = (reference?: string) => {
        const name = reference ? /pulumi:providers:aws::([^:]+)::/.exec(reference)?.[1] : undefined;
        return name && providerInputs.has(name) ? { name, inputs: providerInputs.get(name)! } : undefined;
    };

    await pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
                args = { ...args, inputs: revealSecrets(args.inputs) };
                const provider = providerOf(args.provider);
                const region: string | undefined = args.inputs.region ?? provider?.inputs.region;
                if (args.type === "pulumi:providers:aws") providerInputs.set(args.name, args.inputs);
                const { urn, options: declaredOptions } = declared.get(`${args.type}::${args.name}`) ?? {
                    urn: urnOf(stack, [], args.type, args.name),
                    options: {},
                };
                const before = earlier.get(urn);
                const storedRegion = args.type === "pulumi:providers:aws" ? args.inputs.region : region;
                const replaced =
                    before !== undefined &&
                    (options.replace?.includes(args.name) ||
                        replaceReasons(args.type, changedInputs(before.inputs, args.inputs)).length > 0 ||
                        movesRegion(before.region, storedRegion));
                const generation = before === undefined ? 0 : before.generation + (replaced ? 1 : 0);
                const createdAt = before && !replaced ? before.createdAt : now.toISOString().replace(".000Z", "Z");
                const made = before && !replaced ? keptState(before, args.inputs) : mockState(args, region ?? "us-east-1", accountId, generation, createdAt);
                resources.push({
                    type: args.type,
                    name: args.name,
                    custom: args.custom ?? true,
                    inputs: args.inputs,
                    ...made,
                    region: storedRegion,
                    provider,
                    urn,
                    options: declaredOptions,
                    generation,
                    createdAt,
                });
                return { id: made.id, state: made.state };
            },
            call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
                const region: string | undefined = args.inputs.region ?? providerOf(args.provider)?.inputs.region;
                dataSources.push({ token: args.token, inputs: args.inputs, region });
                return mockDataSource(args.token, args.inputs, { accountId, region: region ?? "us-east-1", now, rootDeviceOf });
            },
        },
        PROJECT,
        stack,
        options.preview ?? false,
    );
    pulumi.runtime.setAllConfig(toEngineConfig(raw));

    const outputs: Record<string, unknown> = {};
    let error: Error | undefined;
    // A failure inside an Output surfaces as an unhandled rejection, as it would end a real `pulumi up`.
    let failed!: (caught: unknown) => void;
    const failure = new Promise<void>(resolve => {
        failed = caught => {
            error ??= asError(caught);
            rememberFailure(caught);
            resolve();
        };
    });
    process.on("unhandledRejection", failed);
    const lockFile = options.versionLock && path.join(fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-lock-")), "lock.json");
    if (lockFile) {
        fs.writeFileSync(lockFile, JSON.stringify(options.versionLock));
        process.env[LOCK_PATH_VARIABLE] = lockFile;
    }
    const stackFilesRoot = options.stackFiles && fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-stacks-"));
    if (stackFilesRoot) {
        for (const [stackName, text] of Object.entries(options.stackFiles!)) fs.writeFileSync(path.join(stackFilesRoot, `Pulumi.${stackName}.yaml`), text);
        process.env[STACK_FILES_VARIABLE] = stackFilesRoot;
    }
    try {
        forgetProgramModules();
        // Inside a root stack resource, as the Pulumi CLI runs a program, so every resource gets a URN and
        // a stack transformation can see the options the program gave it.
        const exported = await pulumi.runtime.runInPulumiStack(async () => {
            pulumi.runtime.registerStackTransformation(args => {
                const parentUrn = args.opts.parent ? declared.get(keyOf(args.opts.parent))?.urn : undefined;
                const parentTypes = parentUrn ? parentTypeChain(parentUrn) : [];
                declared.set(`${args.type}::${args.name}`, { urn: urnOf(stack, parentTypes, args.type, args.name), options: optionsOf(args.opts) });
                return undefined;
            });
            const module = await import(options.program ?? PROGRAM);
            const program = module.default ?? module;
            return typeof program === "function" ? await program() : program;
        });
        for (const [key, value] of Object.entries<unknown>(exported ?? {})) {
            outputs[key] = pulumi.Output.isInstance(value) ? await promiseOf(value) : value;
        }
        await Promise.race([waitForRegistrations(), failure]);
    } catch (caught) {
        failed(caught);
    } finally {
        process.off("unhandledRejection", failed);
        if (lockFile) {
            delete process.env[LOCK_PATH_VARIABLE];
            fs.rmSync(path.dirname(lockFile), { recursive: true, force: true });
        }
        if (stackFilesRoot) {
            delete process.env[STACK_FILES_VARIABLE];
            fs.rmSync(stackFilesRoot, { recursive: true, force: true });
        }
    }
    return { resources: resources.filter(resource => resource.type !== STACK_TYPE), dataSources, outputs, error };
}

/** Failures a run already reported: the SDK's stack resource rejects with them again after the run. */
const reportedFailures = new Set<string>();
let lateRejectionsHandled = false;

/**
 * The program's failure (a refused config) is the run's result, shown once by whoever ran it. The SDK
 * rejects the root stack's outputs with the same error a moment after the run returns; without this,
 * Node would print it again with a stack trace and exit. Any other unhandled rejection still ends the process.
 */
function rememberFailure(caught: unknown): void {
    reportedFailures.add(failureKey(caught));
    if (lateRejectionsHandled) return;
    lateRejectionsHandled = true;
    process.on("unhandledRejection", reason => {
        if (reportedFailures.has(failureKey(reason))) return;
        throw reason;
    });
}

function failureKey(caught: unknown): string {
    return caught instanceof Error ? `${caught.name}: ${caught.message}` : String(caught);
}

const STACK_TYPE = "pulumi:pulumi:Stack";

/** `urn:pulumi:<stack>::<project>::<parent types $-joined, then type>::<name>`; the root stack's type is left out. */
function urnOf(stack: string, parentTypes: string[], type: string, name: string): string {
    return `urn:pulumi:${stack}::${PROJECT}::${[...parentTypes, type].join("$")}::${name}`;
}

function parentTypeChain(parentUrn: string): string[] {
    const types = parentUrn.split("::")[2].split("$");
    return types[types.length - 1] === STACK_TYPE ? [] : types;
}

function dependsOnKeys(dependsOn: pulumi.ResourceOptions["dependsOn"]): string[] | undefined {
    if (dependsOn === undefined || pulumi.Output.isInstance(dependsOn) || dependsOn instanceof Promise) return undefined;
    const resources = (Array.isArray(dependsOn) ? dependsOn : [dependsOn]).filter((item): item is pulumi.Resource => pulumi.Resource.isInstance(item));
    return resources.length > 0 ? resources.map(keyOf) : undefined;
}

/** The SDK's own (internal) record of a resource's type and name. */
function keyOf(resource: pulumi.Resource): string {
    const internal = resource as unknown as { __pulumiType: string; __name: string };
    return `${internal.__pulumiType}::${internal.__name}`;
}

function optionsOf(opts: pulumi.ResourceOptions): DeclaredOptions {
    const custom = opts as pulumi.CustomResourceOptions;
    const picked: DeclaredOptions = {
        retainOnDelete: opts.retainOnDelete,
        deleteBeforeReplace: custom.deleteBeforeReplace,
        ignoreChanges: opts.ignoreChanges,
        replaceOnChanges: opts.replaceOnChanges,
        protect: opts.protect,
        createTimeout: custom.customTimeouts?.create,
        dependsOn: dependsOnKeys(opts.dependsOn),
    };
    return Object.fromEntries(Object.entries(picked).filter(([, value]) => value !== undefined));
}

/** An existing resource updated in place keeps its id and computed outputs; a launch template gets a new version. */
function keptState(before: DeclaredResource, inputs: Record<string, any>): { id: string; state: Record<string, any>; computed: string[] } {
    const state = { ...before.state, ...inputs };
    const updated = changedInputs(before.inputs, inputs).length > 0;
    if (updated && before.type === "aws:ec2/launchTemplate:LaunchTemplate") {
        state.latestVersion = before.state.latestVersion + 1;
        if (inputs.updateDefaultVersion) state.defaultVersion = state.latestVersion;
    }
    return { id: before.id, state, computed: before.computed };
}

function asError(caught: unknown): Error {
    return caught instanceof Error ? caught : new Error(String(caught));
}

/** The value of an Output (undefined while unknown, as in a preview); rejects if computing it failed. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    // `promise()` is the SDK's own (internal) accessor; unlike `apply` it settles on failure too.
    return (output as unknown as { promise(): Promise<T> }).promise();
}

/** Each run must execute the program afresh: drop the repo's own modules from node's cache. */
function forgetProgramModules(): void {
    for (const file of Object.keys(require.cache)) {
        if (file.startsWith(REPO_ROOT) && !file.includes(`${path.sep}node_modules${path.sep}`) && !file.startsWith(path.join(REPO_ROOT, "tools"))) {
            delete require.cache[file];
        }
    }
}

async function waitForRegistrations(): Promise<void> {
    // Not in the SDK's typings, but it is what `pulumi` itself awaits before a program exits.
    const settings: { waitForRPCs(): Promise<void> } = require("@pulumi/pulumi/runtime/settings");
    await settings.waitForRPCs();
}

const SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d";

/** Inputs the provider marks secret arrive wrapped; the plan and the tests look at the values. */
function revealSecrets(value: any): any {
    if (Array.isArray(value)) return value.map(revealSecrets);
    if (value && typeof value === "object") {
        if (SECRET_SIGNATURE in value) return revealSecrets(value.value);
        return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, revealSecrets(inner)]));
    }
    return value;
}

/** A stable placeholder: the same resource gets the same id in every run. */
function placeholder(prefix: string, seed: string, length = 17): string {
    return `${prefix}${crypto.createHash("sha256").update(seed).digest("hex").slice(0, length)}`;
}

function mockState(
    args: pulumi.runtime.MockResourceArgs,
    region: string,
    accountId: string,
    generation: number,
    createdAt: string,
): { id: string; state: Record<string, any>; computed: string[] } {
    // A replacement is a new resource: new ids and ARNs, so what refers to it changes too, as in AWS.
    const seed = generation === 0 ? args.name : `${args.name}#${generation}`;
    const service = args.type.split(":")[1]?.split("/")[0] ?? "resource";
    // Resources of different types may share a name; their made-up values must not.
    const kind = (args.type.split(":").pop() ?? "resource").toLowerCase();
    const computed: string[] = [];
    const made = <T extends string | string[]>(value: T): T => {
        computed.push(...[value].flat());
        return value;
    };
    // An image's id follows its inputs: a new version or source is a new AMI, as in AWS.
    const id = made(
        args.type === "aws:ec2/amiCopy:AmiCopy"
            ? placeholder("ami-", seed + JSON.stringify(args.inputs))
            : args.type === "aws:ec2/launchTemplate:LaunchTemplate"
              ? placeholder("lt-", seed)
              : `${seed}-${kind}-id`,
    );
    const state: Record<string, any> = { ...args.inputs, id, arn: made(`arn:aws:${service}:${region}:${accountId}:${kind}/${seed}`) };
    switch (args.type) {
        case "aws:kms/key:Key":
            state.keyId = made(placeholder("", seed, 32));
            state.arn = made(`arn:aws:kms:${region}:${accountId}:key/${state.keyId}`);
            break;
        case "aws:s3/bucket:Bucket":
            state.bucket = args.inputs.bucket ?? made(`${seed}-bucket`);
            state.arn = made(`arn:aws:s3:::${state.bucket}`);
            break;
        case "aws:iam/role:Role":
        case "aws:iam/instanceProfile:InstanceProfile":
        case "aws:autoscaling/group:Group":
            state.name = args.inputs.name ?? made(`${seed}-${kind}-name`);
            break;
        case "aws:imagebuilder/image:Image":
            state.version = `0.0.0/${generation + 1}`;
            state.dateCreated = createdAt;
            state.outputResources = [{ amis: [{ image: made(placeholder("ami-", seed + JSON.stringify(args.inputs))), region, accountId, name: args.name }] }];
            break;
        case "pulumi-nodejs:dynamic:Resource":
            state.createdAt = createdAt;
            break;
        case "aws:ec2/launchTemplate:LaunchTemplate":
            state.latestVersion = 1;
            state.defaultVersion = 1;
            break;
        case "awsx:ec2:Vpc":
            state.vpcId = made(placeholder("vpc-", seed));
            state.privateSubnetIds = made(["a", "b"].map(zone => placeholder("subnet-", `${seed}-private-${zone}`)));
            state.publicSubnetIds = made(["a", "b"].map(zone => placeholder("subnet-", `${seed}-public-${zone}`)));
            break;
    }
    return { id, state, computed };
}

/** The root device of AWS's Linux base images, which an AMI the run does not know is taken to have. */
const DEFAULT_ROOT_DEVICE = PLATFORM_DEFAULTS.linux.rootDeviceName;

function mockDataSource(
    token: string,
    inputs: Record<string, any>,
    context: { accountId: string; region: string; now: Date; rootDeviceOf: (imageId: string) => string },
): Record<string, any> {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: context.accountId, arn: `arn:aws:iam::${context.accountId}:role/deployer`, userId: "AIDAPLACEHOLDER", id: context.accountId };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getRegion:getRegion":
            return { region: context.region, name: context.region, id: context.region };
        case "aws:ec2/getAmi:getAmi": {
            // The image's own snapshots, one per EBS mapping, named after the image.
            const imageId: string = inputs.filters?.find((filter: { name: string }) => filter.name === "image-id")?.values?.[0] ?? "ami-unknown";
            const mapping = (deviceName: string) => ({
                deviceName,
                ebs: { snapshot_id: placeholder("snap-", `${imageId}${deviceName}`), encrypted: "true" },
                noDevice: "",
                virtualName: "",
            });
            const rootDeviceName = context.rootDeviceOf(imageId);
            return { id: imageId, imageId, rootDeviceName, creationDate: context.now.toISOString(), blockDeviceMappings: [mapping(rootDeviceName)] };
        }
        case "aws:ec2/getSubnet:getSubnet":
            return { id: inputs.id, vpcId: placeholder("vpc-", inputs.id), availabilityZone: `${context.region}a` };
        default:
            return {};
    }
}
