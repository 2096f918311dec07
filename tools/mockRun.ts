// Runs the real Pulumi program offline under the SDK's mocks with a stack's config, and records every
// resource it declares and every data source it reads. The tests, `npm run plan` and `npm run bench` use it.
// Values AWS would compute (ids, ARNs) are placeholders made up here.
import * as crypto from "crypto";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { PROJECT, RawStackConfig } from "../components/config";
import { readStackConfig, REPO_ROOT, toEngineConfig } from "./stackFile";

/** The account the mocked caller is in, unless a run says otherwise. */
export const MOCK_ACCOUNT_ID = "123456789012";

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
}

const PROGRAM = path.join(REPO_ROOT, "index.ts");

/** Runs the program once for `stack`; resolves when every resource it declares is registered. */
export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    const raw = options.rawConfig ?? { ...readStackConfig(stack), ...options.config };
    const resources: DeclaredResource[] = [];
    const dataSources: DataSourceRead[] = [];
    const providerInputs = new Map<string, Record<string, any>>();
    const accountId = options.accountId ?? MOCK_ACCOUNT_ID;

    const providerOf = (reference?: string) => {
        const name = reference ? /pulumi:providers:aws::([^:]+)::/.exec(reference)?.[1] : undefined;
        return name && providerInputs.has(name) ? { name, inputs: providerInputs.get(name)! } : undefined;
    };

    await pulumi.runtime.setMocks({
        newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
            args = { ...args, inputs: revealSecrets(args.inputs) };
            const provider = providerOf(args.provider);
            const region: string | undefined = args.inputs.region ?? provider?.inputs.region;
            if (args.type === "pulumi:providers:aws") providerInputs.set(args.name, args.inputs);
            const { id, state, computed } = mockState(args, region ?? "us-east-1", accountId);
            resources.push({
                type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs, state, id, computed,
                region: args.type === "pulumi:providers:aws" ? args.inputs.region : region, provider,
            });
            return { id, state };
        },
        call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
            const region: string | undefined = args.inputs.region ?? providerOf(args.provider)?.inputs.region;
            dataSources.push({ token: args.token, inputs: args.inputs, region });
            return mockDataSource(args.token, args.inputs, { accountId, region: region ?? "us-east-1" });
        },
    }, PROJECT, stack, options.preview ?? false);
    pulumi.runtime.setAllConfig(toEngineConfig(raw));

    const outputs: Record<string, unknown> = {};
    let error: Error | undefined;
    // A failure inside an Output surfaces as an unhandled rejection, as it would end a real `pulumi up`.
    let failed!: (caught: unknown) => void;
    const failure = new Promise<void>(resolve => { failed = caught => { error ??= asError(caught); resolve(); }; });
    process.on("unhandledRejection", failed);
    try {
        forgetProgramModules();
        const module = await import(PROGRAM);
        const program = module.default ?? module;
        const exported = typeof program === "function" ? await program() : program;
        for (const [key, value] of Object.entries<unknown>(exported ?? {})) {
            outputs[key] = pulumi.Output.isInstance(value) ? await promiseOf(value) : value;
        }
        await Promise.race([waitForRegistrations(), failure]);
    } catch (caught) {
        failed(caught);
    } finally {
        process.off("unhandledRejection", failed);
    }
    return { resources, dataSources, outputs, error };
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

function mockState(args: pulumi.runtime.MockResourceArgs, region: string, accountId: string): { id: string; state: Record<string, any>; computed: string[] } {
    const service = args.type.split(":")[1]?.split("/")[0] ?? "resource";
    // Resources of different types may share a name; their made-up values must not.
    const kind = (args.type.split(":").pop() ?? "resource").toLowerCase();
    const computed: string[] = [];
    const made = <T extends string | string[]>(value: T): T => { computed.push(...[value].flat()); return value; };
    // An image's id follows its inputs: a new version or source is a new AMI, as in AWS.
    const id = made(args.type === "aws:ec2/amiCopy:AmiCopy" ? placeholder("ami-", args.name + JSON.stringify(args.inputs))
        : args.type === "aws:ec2/launchTemplate:LaunchTemplate" ? placeholder("lt-", args.name)
        : `${args.name}-${kind}-id`);
    const state: Record<string, any> = { ...args.inputs, id, arn: made(`arn:aws:${service}:${region}:${accountId}:${kind}/${args.name}`) };
    switch (args.type) {
        case "aws:kms/key:Key":
            state.keyId = made(placeholder("", args.name, 32));
            state.arn = made(`arn:aws:kms:${region}:${accountId}:key/${state.keyId}`);
            break;
        case "aws:s3/bucket:Bucket":
            state.bucket = args.inputs.bucket ?? made(`${args.name}-bucket`);
            state.arn = made(`arn:aws:s3:::${state.bucket}`);
            break;
        case "aws:iam/role:Role":
        case "aws:iam/instanceProfile:InstanceProfile":
        case "aws:autoscaling/group:Group":
            state.name = args.inputs.name ?? made(`${args.name}-${kind}-name`);
            break;
        case "aws:imagebuilder/image:Image":
            state.version = "0.0.0/1";
            state.outputResources = [{ amis: [{ image: made(placeholder("ami-", args.name + JSON.stringify(args.inputs))), region, accountId, name: args.name }] }];
            break;
        case "aws:ec2/launchTemplate:LaunchTemplate":
            state.latestVersion = 1;
            state.defaultVersion = 1;
            break;
        case "awsx:ec2:Vpc":
            state.vpcId = made(placeholder("vpc-", args.name));
            state.privateSubnetIds = made(["a", "b"].map(zone => placeholder("subnet-", `${args.name}-private-${zone}`)));
            state.publicSubnetIds = made(["a", "b"].map(zone => placeholder("subnet-", `${args.name}-public-${zone}`)));
            break;
    }
    return { id, state, computed };
}

function mockDataSource(token: string, inputs: Record<string, any>, context: { accountId: string; region: string }): Record<string, any> {
    switch (token) {
        case "aws:index/getCallerIdentity:getCallerIdentity":
            return { accountId: context.accountId, arn: `arn:aws:iam::${context.accountId}:role/deployer`, userId: "AIDAPLACEHOLDER", id: context.accountId };
        case "aws:index/getPartition:getPartition":
            return { partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" };
        case "aws:index/getRegion:getRegion":
            return { region: context.region, name: context.region, id: context.region };
        case "aws:ec2/getSubnet:getSubnet":
            return { id: inputs.id, vpcId: placeholder("vpc-", inputs.id), availabilityZone: `${context.region}a` };
        default:
            return {};
    }
}
