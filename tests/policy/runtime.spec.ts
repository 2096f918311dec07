// Holds the harness to the real thing: starts policy/index.ts as the CLI starts a policy pack (a process
// whose @pulumi/policy analyzer serves gRPC on the port it prints), configures it with the reconciled
// config file, sends the same resources as AnalyzeRequest / AnalyzeStackRequest protobufs (unknowns as the
// engine's sentinel) and expects exactly the diagnostics the harness produced.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as grpc from "@grpc/grpc-js";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { JavaScriptValue, Struct } from "google-protobuf/google/protobuf/struct_pb";
import { EnforcementLevel } from "@pulumi/policy";
import { AnalyzerClient } from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzer from "@pulumi/pulumi/proto/analyzer_pb";
import { policies } from "../../policy/policies";
import * as fixtures from "./fixtures";
import { Diagnostic, loadPackConfig, PACK_VERSION, POLICY_DIR, reconcileConfig, ResourceFixture, runPolicies, UNKNOWN, urnOf } from "./harness";

const LEVELS: Record<analyzer.EnforcementLevel, EnforcementLevel> = {
    [analyzer.EnforcementLevel.ADVISORY]: "advisory",
    [analyzer.EnforcementLevel.MANDATORY]: "mandatory",
    [analyzer.EnforcementLevel.DISABLED]: "disabled",
    [analyzer.EnforcementLevel.REMEDIATE]: "remediate",
};
const LEVEL_CODES = Object.fromEntries(Object.entries(LEVELS).map(([code, level]) => [level, Number(code)])) as Record<EnforcementLevel, analyzer.EnforcementLevel>;

/** A stack with something for every policy to say, including values unknown until apply. */
function brokenProgram(): ResourceFixture[] {
    const copy = fixtures.amiCopy("eu-west-1");
    copy.props.kmsKeyId = UNKNOWN;
    copy.props.deprecationTime = "";
    delete copy.props.tags.Owner;
    const taggedByDefault = fixtures.amiCopy();
    delete taggedByDefault.props.tags.Owner;
    taggedByDefault.provider = fixtures.regionalProvider(undefined, { defaultTags: JSON.stringify({ tags: { Owner: "platform-team" } }) });
    const template = fixtures.launchTemplate();
    template.props.metadataOptions = { httpTokens: UNKNOWN, httpPutResponseHopLimit: 2 };
    const group = fixtures.autoScalingGroup();
    group.props.launchTemplate.version = "$Latest";
    const captured = fixtures.amiFromInstance();
    captured.props.snapshotWithoutReboot = true;
    const unblocked = fixtures.blockPublicAccess("eu-west-1");
    unblocked.props.state = "unblocked";
    const distribution = fixtures.distributionConfiguration();
    distribution.props.distributions.push({ region: "us-west-2", amiDistributionConfiguration: { launchPermission: { userGroups: ["all"], userIds: ["999999999999"] } } });
    const westImage = fixtures.image();
    westImage.name = "al2023-base-image-west";
    westImage.provider = fixtures.regionalProvider("us-west-2");
    return [
        ...fixtures.devProgram(), copy, taggedByDefault, template, group, captured, unblocked, distribution, westImage,
        fixtures.launchPermission({ group: "all" }), fixtures.launchPermission({ accountId: "999999999999" }),
    ];
}

function struct(value: Record<string, unknown>): Struct {
    // Properties reach the analyzer as JSON: undefined values are simply absent.
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value)) as Record<string, JavaScriptValue>);
}

function provider(resource: ResourceFixture): analyzer.AnalyzerProviderResource | undefined {
    if (!resource.provider) return undefined;
    const type = resource.provider.type ?? "pulumi:providers:aws";
    const name = resource.provider.name ?? "default";
    return new analyzer.AnalyzerProviderResource().setType(type).setName(name).setUrn(urnOf(type, name)).setProperties(struct(resource.provider.props));
}

function analyzeRequest(resource: ResourceFixture): analyzer.AnalyzeRequest {
    const request = new analyzer.AnalyzeRequest()
        .setType(resource.type).setName(resource.name).setUrn(urnOf(resource.type, resource.name))
        .setProperties(struct(resource.props)).setOptions(new analyzer.AnalyzerResourceOptions());
    const resourceProvider = provider(resource);
    if (resourceProvider) request.setProvider(resourceProvider);
    return request;
}

function analyzerResource(resource: ResourceFixture): analyzer.AnalyzerResource {
    const stackResource = new analyzer.AnalyzerResource()
        .setType(resource.type).setName(resource.name).setUrn(urnOf(resource.type, resource.name))
        .setProperties(struct(resource.props)).setOptions(new analyzer.AnalyzerResourceOptions());
    const resourceProvider = provider(resource);
    if (resourceProvider) stackResource.setProvider(resourceProvider);
    return stackResource;
}

function diagnosticsOf(response: analyzer.AnalyzeResponse, urn?: string): Diagnostic[] {
    return response.getDiagnosticsList().map(diagnostic => ({
        policy: diagnostic.getPolicyname(),
        level: LEVELS[diagnostic.getEnforcementlevel()],
        message: diagnostic.getMessage(),
        // The engine files a resource's diagnostics under that resource.
        urn: diagnostic.getUrn() || urn,
    }));
}

function call<Request, Response>(method: (request: Request, callback: (error: grpc.ServiceError | null, response: Response) => void) => unknown, request: Request): Promise<Response> {
    return new Promise((resolve, reject) => method(request, (error, response) => (error ? reject(error) : resolve(response))));
}

function sorted(diagnostics: Diagnostic[]): string[] {
    return diagnostics.map(diagnostic => JSON.stringify([diagnostic.urn, diagnostic.policy, diagnostic.level, diagnostic.message])).sort();
}

describe("the harness matches @pulumi/policy's analyzer serving policy/index.ts", function () {
    this.timeout(30000);
    let pack: ChildProcess;
    let client: AnalyzerClient;

    before(async () => {
        pack = spawn(process.execPath, ["-r", "ts-node/register", "index.ts"], {
            cwd: POLICY_DIR,
            env: { ...process.env, TS_NODE_TRANSPILE_ONLY: "true" },
            stdio: ["ignore", "pipe", "pipe"],
        });
        const port = await new Promise<string>((resolve, reject) => {
            let stdout = "";
            let stderr = "";
            pack.stdout!.on("data", chunk => {
                stdout += chunk;
                const match = /^(\d+)\s*$/m.exec(stdout);
                if (match) resolve(match[1]);
            });
            pack.stderr!.on("data", chunk => { stderr += chunk; });
            pack.on("exit", code => reject(new Error(`the policy pack exited (${code}) before serving:\n${stderr}`)));
        });
        client = new AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        pack?.kill();
    });

    it("serves the pack's name, version and every policy at its default level", async () => {
        const info = await call<Empty, analyzer.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
        assert.strictEqual(info.getName(), "golden-ami");
        assert.strictEqual(info.getVersion(), PACK_VERSION);
        assert.deepStrictEqual(info.getPoliciesList().map(policy => [policy.getName(), LEVELS[policy.getEnforcementlevel()]]),
            policies.map(policy => [policy.name, "mandatory"]));
    });

    for (const stack of ["dev", "prod"] as const) {
        it(`reports what the harness reports for every resource and the stack, under ${stack}.json`, async () => {
            const configure = new analyzer.ConfigureAnalyzerRequest();
            for (const [name, settings] of reconcileConfig(policies, loadPackConfig(stack))) {
                configure.getPolicyconfigMap().set(name, new analyzer.PolicyConfig()
                    .setEnforcementlevel(LEVEL_CODES[settings.enforcementLevel])
                    .setProperties(struct(settings.properties)));
            }
            await call<analyzer.ConfigureAnalyzerRequest, Empty>(client.configure.bind(client), configure);

            const resources = brokenProgram();
            const served: Diagnostic[] = [];
            for (const resource of resources) {
                const response = await call<analyzer.AnalyzeRequest, analyzer.AnalyzeResponse>(client.analyze.bind(client), analyzeRequest(resource));
                served.push(...diagnosticsOf(response, urnOf(resource.type, resource.name)));
            }
            const stackResponse = await call<analyzer.AnalyzeStackRequest, analyzer.AnalyzeResponse>(client.analyzeStack.bind(client), new analyzer.AnalyzeStackRequest().setResourcesList(resources.map(analyzerResource)));
            served.push(...diagnosticsOf(stackResponse));

            const harnessed = await runPolicies(resources, loadPackConfig(stack));
            assert.deepStrictEqual(sorted(served), sorted(harnessed));
            // Something to compare: every policy spoke, blocking and advisory, unknowns included.
            assert.deepStrictEqual(new Set(served.map(diagnostic => diagnostic.policy)), new Set(policies.map(policy => policy.name)));
            assert.ok(served.some(diagnostic => diagnostic.level === "advisory" && diagnostic.message.includes("could not check kmsKeyId")));
            assert.ok(served.some(diagnostic => diagnostic.level === "mandatory"));
        });
    }
});
