// Runs the golden-ami policy pack over resources the way `pulumi preview --policy-pack policy
// --policy-pack-config policy/<stack>.json` does, without the CLI:
//  - the config file is reconciled as the CLI reconciles it (schema defaults, then "all", then each
//    policy's level and properties) and validated against each policy's configSchema;
//  - each policy gets the argument objects @pulumi/policy's analyzer builds: properties wrapped in the
//    runtime's unknownCheckingProxy, the provider, stackTags, getConfig and a throwing notApplicable;
//  - results are reported as the analyzer reports them: "description\nmessage" at the policy's level,
//    an UnknownValueError as an advisory "can't run policy ... during preview", remediate as mandatory.
// tests/policy/runtime.spec.ts holds this emulation to the real analyzer server.
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import {
    EnforcementLevel,
    Policies,
    PolicyConfigSchema,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
} from "@pulumi/policy";
import { PolicyConfigJSONSchema } from "@pulumi/policy/schema";
import { PACK_NAME, policies as packPolicies } from "../../policy/policies";
import { isUnknownValueError, unknownCheckingProxy, UNKNOWN } from "../../policy/lib/unknowns";
import { ProgramRun } from "./mockRun";

export { UNKNOWN };

export const POLICY_DIR = path.join(__dirname, "..", "..", "policy");
export const PACK_VERSION: string = JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")).version;
const ENFORCEMENT_LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
/** The analyzer's default when neither the pack, the policy nor the config sets a level. */
const PACK_ENFORCEMENT_LEVEL: EnforcementLevel = "advisory";

export interface ProviderFixture {
    type?: string;
    name?: string;
    urn?: string;
    props: Record<string, any>;
}

export interface ResourceFixture {
    type: string;
    name: string;
    /** Defaults to the URN the engine would give a top-level resource in the dev stack. */
    urn?: string;
    /** Inputs for resource policies (and stack policies, unless `outputs` is given); UNKNOWN marks a value unknown until apply. */
    props: Record<string, any>;
    /** Values the provider computes (ids, ARNs): stack policies see them over `props`, as the engine reports outputs. */
    outputs?: Record<string, any>;
    provider?: ProviderFixture;
    opts?: Partial<PolicyResourceOptions>;
}

export interface Diagnostic {
    policy: string;
    level: EnforcementLevel;
    /** As the CLI prints it: the policy's description, a newline, then what the policy reported. */
    message: string;
    urn?: string;
}

/** A policy's settings after reconciliation: what the analyzer's `configure` receives. */
export interface PolicySettings {
    enforcementLevel: EnforcementLevel;
    properties: Record<string, unknown>;
}

export interface RunOptions {
    /** The policies to run; default the whole pack. */
    policies?: Policies;
    stackTags?: ReadonlyMap<string, string>;
    stack?: string;
}

export function urnOf(type: string, name: string, stack = "dev"): string {
    return `urn:pulumi:${stack}::golden-ami::${type}::${name}`;
}

/** The pack's config file for a stack, as passed with --policy-pack-config. */
export function loadPackConfig(stack: "dev" | "prod"): Record<string, unknown> {
    return JSON.parse(fs.readFileSync(path.join(POLICY_DIR, `${stack}.json`), "utf8"));
}

/** The text a policy reported, without the description line the analyzer puts first. */
export function detail(diagnostic: Diagnostic): string {
    return diagnostic.message.slice(diagnostic.message.indexOf("\n") + 1);
}

/** The "could not check ..." sentence of the advisory the runtime makes of an unknown value. */
export function unknownDetail(diagnostic: Diagnostic): string {
    const start = diagnostic.message.indexOf("could not check");
    const end = diagnostic.message.indexOf("; the ", start);
    return start < 0 ? diagnostic.message : diagnostic.message.slice(start, end < 0 ? undefined : end);
}

/** Runs the pack (or `options.policies`) over `resources` with a --policy-pack-config file's contents. */
export async function runPolicies(resources: ResourceFixture[], config: Record<string, unknown> = {}, options: RunOptions = {}): Promise<Diagnostic[]> {
    const policies = options.policies ?? packPolicies;
    return runWithSettings(resources, policies, reconcileConfig(policies, config), options);
}

async function runWithSettings(
    resources: ResourceFixture[],
    policies: Policies,
    settings: Map<string, PolicySettings>,
    options: RunOptions,
): Promise<Diagnostic[]> {
    const stackTags = options.stackTags ?? new Map<string, string>();
    const diagnostics: Diagnostic[] = [];

    for (const resource of resources) {
        for (const policy of policies.filter(isResourcePolicy)) {
            const level = effectiveLevel(policy, settings);
            if (level === "disabled") continue;
            const validations =
                policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
            const urn = resource.urn ?? urnOf(resource.type, resource.name, options.stack);
            if (validations.length === 1 && pulumiTypeOf(validations[0]) && pulumiTypeOf(validations[0]) !== resource.type) continue;
            const report: ReportViolation = (message: string) =>
                diagnostics.push({ policy: policy.name, level, message: withDescription(policy.description, message), urn });
            for (const validation of validations) {
                const args = resourceArgs(resource, urn, stackTags, settings.get(policy.name)?.properties ?? {}, options.stack);
                await runGuarded(policy.name, () => validation(args, report), diagnostics, urn);
            }
        }
    }

    const stackResources = resources.map(resource => policyResource(resource, options.stack));
    for (const policy of policies.filter(isStackPolicy)) {
        const level = effectiveLevel(policy, settings);
        if (level === "disabled") continue;
        const args: StackValidationArgs = {
            resources: stackResources,
            stackTags,
            getConfig: <T extends object>() => ({ ...settings.get(policy.name)?.properties }) as T,
            notApplicable: throwNotApplicable,
        };
        const report: ReportViolation = (message: string, urn?: string) =>
            diagnostics.push({ policy: policy.name, level, message: withDescription(policy.description, message), urn });
        await runGuarded(policy.name, () => policy.validateStack(args, report), diagnostics);
    }
    return diagnostics;
}

/** Runs one policy, with `properties` as its config (on top of its schema defaults). */
export function runPolicy(
    policy: ResourceValidationPolicy | StackValidationPolicy,
    resources: ResourceFixture[],
    properties: Record<string, unknown> = {},
    options: Omit<RunOptions, "policies"> = {},
): Promise<Diagnostic[]> {
    return runPolicies(resources, Object.keys(properties).length > 0 ? { [policy.name]: properties } : {}, { ...options, policies: [policy] });
}

/**
 * The CLI's reconciliation of a --policy-pack-config file: each policy starts at its own level (or the
 * pack's) with its schema defaults; "all" sets every level; each policy's entry sets its level and merges
 * its properties over the defaults; the result must satisfy each policy's configSchema.
 */
export function reconcileConfig(policies: Policies, config: Record<string, unknown>): Map<string, PolicySettings> {
    const settings = new Map<string, PolicySettings>();
    for (const policy of policies) {
        const defaults: Record<string, unknown> = {};
        for (const [key, schema] of Object.entries(policy.configSchema?.properties ?? {})) {
            if (schema.default !== undefined) defaults[key] = structuredClone(schema.default);
        }
        settings.set(policy.name, { enforcementLevel: policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL, properties: defaults });
    }
    const given = parseConfig(config);
    const all = given.get("all")?.enforcementLevel;
    if (all) for (const setting of settings.values()) setting.enforcementLevel = all;
    for (const [name, entry] of given) {
        const setting = settings.get(name);
        if (!setting) continue;
        if (entry.enforcementLevel) setting.enforcementLevel = entry.enforcementLevel;
        Object.assign(setting.properties, entry.properties);
    }
    const errors = policies.flatMap(policy =>
        policy.configSchema ? validateConfig(policy.configSchema, settings.get(policy.name)!.properties).map(error => `${policy.name}: ${error}`) : [],
    );
    if (errors.length > 0) throw new Error(`policy pack configuration is invalid:\n${errors.join("\n")}`);
    return settings;
}

function parseConfig(config: Record<string, unknown>): Map<string, { enforcementLevel?: EnforcementLevel; properties: Record<string, unknown> }> {
    const parsed = new Map<string, { enforcementLevel?: EnforcementLevel; properties: Record<string, unknown> }>();
    for (const [name, value] of Object.entries(config)) {
        if (typeof value === "string") {
            parsed.set(name, { enforcementLevel: enforcementLevel(name, value), properties: {} });
        } else if (value !== null && typeof value === "object" && !Array.isArray(value)) {
            const { enforcementLevel: level, ...properties } = value as Record<string, unknown>;
            parsed.set(name, { enforcementLevel: level === undefined ? undefined : enforcementLevel(name, level), properties });
        } else {
            throw new Error(`parsing ${JSON.stringify(name)}: ${JSON.stringify(value)} is not a valid value; must be a string or object`);
        }
    }
    return parsed;
}

function enforcementLevel(name: string, value: unknown): EnforcementLevel {
    if (typeof value === "string" && (ENFORCEMENT_LEVELS as string[]).includes(value)) return value as EnforcementLevel;
    throw new Error(`parsing enforcement level for ${JSON.stringify(name)}: ${JSON.stringify(value)} is not a valid enforcement level`);
}

/** The JSON Schema keywords our configSchemas use, checked as the CLI's validator checks them. */
export function validateConfig(schema: PolicyConfigSchema, properties: Record<string, unknown>): string[] {
    const errors = (schema.required ?? []).filter(key => !(key in properties)).map(key => `${key} is required`);
    for (const [key, value] of Object.entries(properties)) {
        const propertySchema = schema.properties[key];
        if (propertySchema) errors.push(...validateValue(propertySchema, value, key));
    }
    return errors;
}

function validateValue(schema: PolicyConfigJSONSchema, value: unknown, at: string): string[] {
    const types = schema.type === undefined ? [] : Array.isArray(schema.type) ? schema.type : [schema.type];
    if (types.length > 0 && !types.some(type => hasType(value, type)))
        return [`${at}: Invalid type. Expected: ${types.join(" or ")}, given: ${typeName(value)}`];
    const errors: string[] = [];
    if (schema.enum && !schema.enum.some(allowed => JSON.stringify(allowed) === JSON.stringify(value)))
        errors.push(`${at}: must be one of ${JSON.stringify(schema.enum)}`);
    if (typeof value === "number") {
        if (schema.minimum !== undefined && value < schema.minimum) errors.push(`${at}: Must be greater than or equal to ${schema.minimum}`);
        if (schema.maximum !== undefined && value > schema.maximum) errors.push(`${at}: Must be less than or equal to ${schema.maximum}`);
    }
    if (typeof value === "string") {
        if (schema.minLength !== undefined && value.length < schema.minLength)
            errors.push(`${at}: String length must be greater than or equal to ${schema.minLength}`);
        if (schema.pattern !== undefined && !new RegExp(schema.pattern).test(value)) errors.push(`${at}: Does not match pattern '${schema.pattern}'`);
    }
    if (Array.isArray(value)) {
        if (schema.uniqueItems && new Set(value.map(item => JSON.stringify(item))).size !== value.length) errors.push(`${at}: array items must be unique`);
        if (schema.items !== undefined && !Array.isArray(schema.items) && typeof schema.items === "object") {
            const itemSchema = schema.items;
            value.forEach((item, index) => errors.push(...validateValue(itemSchema, item, `${at}.${index}`)));
        }
    }
    return errors;
}

function hasType(value: unknown, type: string): boolean {
    switch (type) {
        case "integer":
            return Number.isInteger(value);
        case "number":
            return typeof value === "number";
        case "array":
            return Array.isArray(value);
        case "object":
            return value !== null && typeof value === "object" && !Array.isArray(value);
        case "null":
            return value === null;
        default:
            return typeof value === type;
    }
}

function typeName(value: unknown): string {
    return value === null ? "null" : Array.isArray(value) ? "array" : Number.isInteger(value) ? "integer" : typeof value;
}

function effectiveLevel(policy: ResourceValidationPolicy | StackValidationPolicy, settings: Map<string, PolicySettings>): EnforcementLevel {
    const level = settings.get(policy.name)?.enforcementLevel ?? policy.enforcementLevel ?? PACK_ENFORCEMENT_LEVEL;
    // The analyzer reports a violation of a remediate policy (which could not fix it) as mandatory.
    return level === "remediate" ? "mandatory" : level;
}

function isResourcePolicy(policy: ResourceValidationPolicy | StackValidationPolicy): policy is ResourceValidationPolicy {
    return "validateResource" in policy && policy.validateResource !== undefined;
}

function isStackPolicy(policy: ResourceValidationPolicy | StackValidationPolicy): policy is StackValidationPolicy {
    return "validateStack" in policy && typeof policy.validateStack === "function";
}

function pulumiTypeOf(value: unknown): string | undefined {
    const type = (value as { __pulumiType?: unknown } | undefined)?.__pulumiType;
    return typeof type === "string" && type.length > 0 ? type : undefined;
}

function isTypeOf(type: string, resourceClass: unknown): boolean {
    const pulumiType = pulumiTypeOf(resourceClass);
    if (pulumiType) return type === pulumiType;
    const isInstance = (resourceClass as { isInstance?: (object: unknown) => boolean }).isInstance;
    return typeof isInstance === "function" && isInstance({ __pulumiType: type }) === true;
}

function withDescription(description: string, message: string): string {
    return message ? `${description}\n${message}` : description;
}

class NotApplicableError extends Error {}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableError(reason ?? "Policy does not apply");
}

async function runGuarded(policyName: string, run: () => void | Promise<void>, diagnostics: Diagnostic[], urn?: string): Promise<void> {
    try {
        await run();
    } catch (error) {
        if (error instanceof NotApplicableError) return;
        if (isUnknownValueError(error)) {
            diagnostics.push({
                policy: policyName,
                level: "advisory",
                message: `can't run policy '${policyName}' from policy pack '${PACK_NAME}@v${PACK_VERSION}' during preview: ${(error as Error).message}`,
                urn,
            });
            return;
        }
        throw error;
    }
}

function defaultOptions(opts: Partial<PolicyResourceOptions> = {}): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        additionalSecretOutputs: [],
        ...opts,
    };
}

function providerOf(resource: ResourceFixture, stack?: string): ResourceValidationArgs["provider"] {
    if (!resource.provider) return undefined;
    const type = resource.provider.type ?? "pulumi:providers:aws";
    const name = resource.provider.name ?? "default";
    return {
        type,
        name,
        urn: resource.provider.urn ?? urnOf(type, name, stack),
        props: unknownCheckingProxy(structuredClone(resource.provider.props)),
    };
}

function resourceArgs(
    resource: ResourceFixture,
    urn: string,
    stackTags: ReadonlyMap<string, string>,
    properties: Record<string, unknown>,
    stack?: string,
): ResourceValidationArgs {
    const props = unknownCheckingProxy(structuredClone(resource.props));
    const args: ResourceValidationArgs = {
        type: resource.type,
        props,
        urn,
        name: resource.name,
        opts: defaultOptions(resource.opts),
        stackTags,
        isType: resourceClass => isTypeOf(resource.type, resourceClass),
        asType: resourceClass => (isTypeOf(resource.type, resourceClass) ? (props as any) : undefined),
        getConfig: <T extends object>() => ({ ...properties }) as T,
        notApplicable: throwNotApplicable,
    };
    const provider = providerOf(resource, stack);
    if (provider) args.provider = provider;
    return args;
}

function policyResource(resource: ResourceFixture, stack?: string): PolicyResource {
    const props = unknownCheckingProxy(structuredClone({ ...resource.props, ...resource.outputs }));
    const policyResource: PolicyResource = {
        type: resource.type,
        props,
        urn: resource.urn ?? urnOf(resource.type, resource.name, stack),
        name: resource.name,
        opts: defaultOptions(resource.opts),
        dependencies: [],
        propertyDependencies: {},
        isType: resourceClass => isTypeOf(resource.type, resourceClass),
        asType: resourceClass => (isTypeOf(resource.type, resourceClass) ? (props as any) : undefined),
    };
    const provider = providerOf(resource, stack);
    if (provider) policyResource.provider = provider;
    return policyResource;
}

/** One policy's outcome over a whole program run, as `npm run plan` prints it. */
export interface PolicyVerdict {
    policy: string;
    level: EnforcementLevel;
    violations: Array<{ resource?: string; message: string }>;
}

/** Every custom resource a program run declared, as the engine hands it to the pack. */
export function programResources(run: ProgramRun, stack: string): ResourceFixture[] {
    return run.resources
        .filter(resource => resource.custom && !resource.type.startsWith("pulumi:providers:"))
        .map(resource => ({
            type: resource.type,
            name: resource.name,
            urn: urnOf(resource.type, resource.name, stack),
            props: resource.inputs,
            outputs: resource.state,
            provider: resource.provider && {
                type: "pulumi:providers:aws",
                name: resource.provider.name,
                urn: urnOf("pulumi:providers:aws", resource.provider.name, stack),
                props: resource.provider.inputs,
            },
        }));
}

/** Runs the whole pack over a program run with `policy/<stack>.json`, one verdict per policy. */
export async function runPackOverProgram(run: ProgramRun, stack: string, config?: Record<string, unknown>): Promise<PolicyVerdict[]> {
    const packConfig = config ?? (fs.existsSync(path.join(POLICY_DIR, `${stack}.json`)) ? loadPackConfig(stack as "dev" | "prod") : {});
    const settings = reconcileConfig(packPolicies, packConfig);
    const diagnostics = await runWithSettings(programResources(run, stack), packPolicies, settings, { stack });
    return packPolicies.map(policy => ({
        policy: policy.name,
        level: settings.get(policy.name)!.enforcementLevel,
        violations: diagnostics
            .filter(diagnostic => diagnostic.policy === policy.name)
            .map(diagnostic => ({ resource: diagnostic.urn?.split("::").pop(), message: detail(diagnostic) })),
    }));
}

// ---------------------------------------------------------------------------------------------------------
// The real analyzer: the pack started as the CLI starts it (a process whose @pulumi/policy server prints
// its gRPC port), spoken to with the engine's protobufs. runtime.spec.ts holds the emulation above to it;
// `npm run bench` times it.

const ANALYZER_LEVELS: Record<analyzer.EnforcementLevel, EnforcementLevel> = {
    [analyzer.EnforcementLevel.ADVISORY]: "advisory",
    [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzer.EnforcementLevel.DISABLED]: "disabled",
    [analyzer.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_CODES = Object.fromEntries(Object.entries(ANALYZER_LEVELS).map(([code, level]) => [level, Number(code)])) as Record<
    EnforcementLevel,
    analyzer.EnforcementLevel
>;

function struct(value: Record<string, unknown>): Struct {
    // Properties reach the analyzer as JSON: undefined values are simply absent.
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, JavaScriptValue>);
}

function analyzerProvider(resource: ResourceFixture): analyzer.AnalyzerProviderResource | undefined {
    if (!resource.provider) return undefined;
    const type = resource.provider.type ?? "pulumi:providers:aws";
    const name = resource.provider.name ?? "default";
    return new analyzer.AnalyzerProviderResource()
        .setType(type)
        .setName(name)
        .setUrn(resource.provider.urn ?? urnOf(type, name))
        .setProperties(struct(resource.provider.props));
}

/** What the engine sends to check one resource's inputs. */
export function analyzeRequest(resource: ResourceFixture): analyzer.AnalyzeRequest {
    const request = new analyzer.AnalyzeRequest()
        .setType(resource.type)
        .setName(resource.name)
        .setUrn(resource.urn ?? urnOf(resource.type, resource.name))
        .setProperties(struct(resource.props))
        .setOptions(new analyzer.AnalyzerResourceOptions());
    const provider = analyzerProvider(resource);
    if (provider) request.setProvider(provider);
    return request;
}

/** What the engine sends for each resource when it checks the stack: its outputs. */
export function analyzerStackResource(resource: ResourceFixture): analyzer.AnalyzerResource {
    const stackResource = new analyzer.AnalyzerResource()
        .setType(resource.type)
        .setName(resource.name)
        .setUrn(resource.urn ?? urnOf(resource.type, resource.name))
        .setProperties(struct({ ...resource.props, ...resource.outputs }))
        .setOptions(new analyzer.AnalyzerResourceOptions());
    const provider = analyzerProvider(resource);
    if (provider) stackResource.setProvider(provider);
    return stackResource;
}

function diagnosticsOf(response: analyzer.AnalyzeResponse, urn?: string): Diagnostic[] {
    return response.getDiagnosticsList().map(diagnostic => ({
        policy: diagnostic.getPolicyname(),
        level: ANALYZER_LEVELS[diagnostic.getEnforcementlevel()],
        message: diagnostic.getMessage(),
        // The engine files a resource's diagnostics under that resource.
        urn: diagnostic.getUrn() || urn,
    }));
}

function call<Request, Response>(
    method: (request: Request, callback: (error: grpc.ServiceError | null, response: Response) => void) => unknown,
    request: Request,
): Promise<Response> {
    return new Promise((resolve, reject) => method(request, (error, response) => (error ? reject(error) : resolve(response))));
}

/** A policy pack process serving the analyzer protocol, and a client connected to it. */
export class AnalyzerSession {
    private constructor(
        private readonly process: ChildProcess,
        readonly client: AnalyzerClient,
    ) {}

    /**
     * Starts a pack as the CLI does: `entry` is a file in `cwd` (policy/index.ts) or, with `eval`, a
     * program's source text run there (the bench's no-op pack).
     */
    static async start(pack: { cwd?: string; entry?: string; eval?: string } = {}): Promise<AnalyzerSession> {
        const args = pack.eval !== undefined ? ["-e", pack.eval] : [pack.entry ?? "index.ts"];
        const child = spawn(process.execPath, ["-r", "ts-node/register", ...args], {
            cwd: pack.cwd ?? POLICY_DIR,
            env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const port = await new Promise<string>((resolve, reject) => {
            let stdout = "";
            let stderr = "";
            child.stdout!.on("data", chunk => {
                stdout += chunk;
                const match = /^(\d+)\s*$/m.exec(stdout);
                if (match) resolve(match[1]);
            });
            child.stderr!.on("data", chunk => {
                stderr += chunk;
            });
            child.on("exit", code => reject(new Error(`the policy pack exited (${code}) before serving:\n${stderr}`)));
        });
        return new AnalyzerSession(child, new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure()));
    }

    info(): Promise<analyzer.AnalyzerInfo> {
        return call<Empty, analyzer.AnalyzerInfo>(this.client.getAnalyzerInfo.bind(this.client), new Empty());
    }

    /** Configures the pack with a --policy-pack-config file's contents, reconciled as the CLI does. */
    async configure(policies: Policies, config: Record<string, unknown>): Promise<void> {
        const request = new analyzer.ConfigureAnalyzerRequest();
        for (const [name, settings] of reconcileConfig(policies, config)) {
            request
                .getPolicyconfigMap()
                .set(name, new analyzer.PolicyConfig().setEnforcementlevel(LEVEL_CODES[settings.enforcementLevel]).setProperties(struct(settings.properties)));
        }
        await call<analyzer.ConfigureAnalyzerRequest, Empty>(this.client.configure.bind(this.client), request);
    }

    /** Checks each resource, then the stack, as a preview does; returns every diagnostic. */
    async analyze(resources: ResourceFixture[]): Promise<Diagnostic[]> {
        return this.analyzePrepared(
            resources.map(analyzeRequest),
            resources.map(analyzerStackResource),
            resources.map(resource => resource.urn ?? urnOf(resource.type, resource.name)),
        );
    }

    /** The same, with the requests already built (the bench times only the round trips). */
    async analyzePrepared(requests: analyzer.AnalyzeRequest[], stackResources: analyzer.AnalyzerResource[], urns: string[] = []): Promise<Diagnostic[]> {
        const served: Diagnostic[] = [];
        for (let index = 0; index < requests.length; index++) {
            const response = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(this.client.analyze.bind(this.client), requests[index]);
            served.push(...diagnosticsOf(response, urns[index]));
        }
        const stackResponse = await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(
            this.client.analyzeStack.bind(this.client),
            new analyzer.AnalyzeStackRequest().setResourcesList(stackResources),
        );
        served.push(...diagnosticsOf(stackResponse));
        return served;
    }

    stop(): void {
        this.client.close();
        this.process.kill();
    }
}
