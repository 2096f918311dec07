// npm run plan [-- --stack prod] [-- --json] [-- --diff [<git-ref>] [--markdown]]   (flags in ./options.ts)
// What `pulumi up` would declare for a stack, worked out offline: the real program runs under the SDK's
// mocks with the stack's config, then every policy of the pack runs over every resource, as
// `pulumi preview --policy-pack policy --policy-pack-config policy/<stack>.json` would. No cloud
// credentials, no Pulumi CLI. Exits 1 when a mandatory policy fails or the config is refused.
import { CostEstimate, estimateCosts, money, renderCosts } from "./costs";
import { DeclaredResource, ProgramRun, runProgram, RunOptions } from "../engine/mockRun";
import { defaultClock } from "./gitRef";
import { checkPlanFlags, PLAN_DESCRIPTION, PLAN_FLAGS, PLAN_FOOTER, PLAN_SUMMARY, PlanOptions, planOptionsOf } from "./options";
import { defineCommand, parseCommandLine, runCommandLine, runMain } from "../cli";
import { PolicyVerdict, runPackOverProgram } from "../engine/policyRunner";
import { exitCodeOf, renderPolicies } from "./verdicts";
import { RESOURCE_TYPES } from "../engine/resourceTypes";
import { ComponentResources, componentResourcesOf, isPulumiInternal, totalOf } from "./componentResources";
import { missingPolicyConfig, readStackConfig, REPO_ROOT, StackFileError } from "../engine/stackFile";

export const PLACEHOLDER_NOTE = "Offline plan: no cloud was called. Ids, ARNs and other values AWS would compute are placeholders.";

const T = RESOURCE_TYPES;

export interface RegionPlan {
    region: string;
    image: { amiId: string; madeBy: string };
    kmsKey?: string;
    ssmParameter?: string;
    launchableBy: string[];
    publicSharingBlocked: boolean;
    launchTemplate?: { id: string; instanceType: string; imdsV2: boolean; hopLimit: number };
    autoScalingGroup?: { minSize: number; maxSize: number; desiredCapacity: number; instanceTypes: string[]; refresh: string };
}

/** One image of the catalog: how it is made (built or promoted) and what each region holds of it. */
export interface ImagePlan {
    name: string;
    version: string;
    architecture: string;
    build?: { recipe: string; baseImage: string; components: string[]; cadence: string; lifecycle: string; network: string; notifications: string };
    promotedFrom?: { version: string; account: string; region: string; amiId: string; stack?: string };
    regions: RegionPlan[];
}

export interface Plan {
    stack: string;
    note: string;
    /** The catalog, image by image, in the stack file's order. */
    images: ImagePlan[];
    /** AWS resources the program declares itself, by type. */
    resourceCounts: Record<string, number>;
    /** Components that make resources the mocks cannot see (awsx's VPC), each with what it makes. */
    componentResources: ComponentResources[];
    /** Pulumi's own resources (providers, creation timestamps): nothing in AWS. */
    internalResources: number;
    /** Monthly list prices of what is easy to miss: NAT gateways, instances, KMS keys. */
    costs?: CostEstimate;
    /** The priced monthly costs by image (a fleet's cost is its image's); `shared` is what every image uses (the regions' keys). */
    costsByImage?: Record<string, number>;
    policies: PolicyVerdict[];
    mandatoryFailures: number;
    error?: string;
}

/** Runs the program and the pack for one stack (`options.config` overrides stack file keys, for what-ifs). */
export async function planStack(stack: string, options: Pick<RunOptions, "config" | "now"> = {}): Promise<Plan> {
    const run = await runProgram(stack, { ...options, preview: true });
    if (run.error) {
        return {
            stack,
            note: PLACEHOLDER_NOTE,
            images: [],
            resourceCounts: {},
            componentResources: [],
            internalResources: 0,
            policies: [],
            mandatoryFailures: 1,
            error: run.error.message,
        };
    }
    const policies = await runPackOverProgram(run, stack);
    const costs = estimateCosts(run);
    return {
        stack,
        note: PLACEHOLDER_NOTE,
        images: describeImages(run),
        resourceCounts: countByType(run.resources),
        componentResources: componentResourcesOf(run.resources, resource => resource.region ?? fleetRegionOf(run, resource)),
        internalResources: run.resources.filter(resource => resource.custom && isPulumiInternal(resource.type)).length,
        costs,
        costsByImage: costsByImage(run, costs),
        policies,
        mandatoryFailures: policies.filter(verdict => verdict.level === "mandatory" && verdict.violations.length > 0).length,
    };
}

interface ImageOutputs {
    version: string;
    architecture: string;
    amiIds: Record<string, string>;
}

/** Each image's view of the run: its own resources, the fleets that run it, and the regions' shared keys and blocks. */
function describeImages(run: ProgramRun): ImagePlan[] {
    const images = (run.outputs.images ?? {}) as Record<string, ImageOutputs>;
    const fleets = (run.outputs.fleets ?? {}) as Record<string, { image: string }>;
    const names = Object.keys(images);
    return names.map(name => {
        const ownFleets = Object.entries(fleets)
            .filter(([, fleet]) => fleet.image === name)
            .map(([fleet]) => `${fleet}-fleet-`);
        const view: ProgramRun = {
            ...run,
            resources: run.resources.filter(
                resource =>
                    ownerOf(resource.name, names) === name ||
                    ownFleets.some(prefix => resource.name.startsWith(prefix)) ||
                    resource.type === T.kmsKey ||
                    resource.type === T.blockPublicAccess,
            ),
        };
        const outputs = images[name];
        const pinned = run.outputs.promotedFrom as { account: string; region: string; amiIds: Record<string, string>; stack?: string } | undefined;
        return {
            name,
            version: outputs.version,
            architecture: outputs.architecture,
            build: describeBuild(view),
            promotedFrom: pinned && {
                version: outputs.version,
                account: pinned.account,
                region: pinned.region,
                amiId: pinned.amiIds[name],
                ...(pinned.stack && { stack: pinned.stack }),
            },
            regions: Object.keys(outputs.amiIds).map(region => describeRegion(view, region, outputs.amiIds[region])),
        };
    });
}

function costsByImage(run: ProgramRun, costs: CostEstimate): Record<string, number> {
    const images = Object.keys((run.outputs.images ?? {}) as object);
    const fleets = (run.outputs.fleets ?? {}) as Record<string, { image: string }>;
    const totals: Record<string, number> = Object.fromEntries([...images, "shared"].map(name => [name, 0]));
    for (const line of costs.lines.filter(line => line.monthly !== undefined)) {
        const fleet = Object.keys(fleets).find(name => line.resource.startsWith(`${name}-fleet-`));
        const owner = fleet ? fleets[fleet].image : (ownerOf(line.resource, images) ?? "shared");
        totals[owner] = (totals[owner] ?? 0) + line.monthly!;
    }
    return totals;
}

/** The image a resource belongs to: the longest image name its name starts with (`<image>-...`). */
export function ownerOf(resourceName: string, images: string[]): string | undefined {
    return images.filter(image => resourceName.startsWith(`${image}-`)).sort((a, b) => b.length - a.length)[0];
}

function inRegion(run: ProgramRun, type: string, region: string): DeclaredResource[] {
    return run.resources.filter(resource => resource.type === type && resource.region === region);
}

function describeBuild(run: ProgramRun): ImagePlan["build"] {
    const recipe = run.resources.find(resource => resource.type === T.recipe);
    const image = run.resources.find(resource => resource.type === T.image);
    const lifecycle = run.resources.find(resource => resource.type === T.lifecycle);
    if (!recipe || !image) return undefined;
    const componentNames = recipe.inputs.components.map(
        (entry: { componentArn: string }) =>
            run.resources.find(resource => resource.type === T.component && resource.state.arn === entry.componentArn)?.inputs.name ?? entry.componentArn,
    );
    const [deprecate, remove] = lifecycle?.inputs.policyDetails ?? [];
    const infrastructure = run.resources.find(resource => resource.type === T.infrastructure);
    const groups: string[] = infrastructure?.inputs.securityGroupIds ?? [];
    const madeGroups = groups.map(id => run.resources.find(resource => resource.type === "aws:ec2/securityGroup:SecurityGroup" && resource.id === id));
    const topic = run.resources.find(resource => resource.type === "aws:sns/topic:Topic" && resource.state.arn === infrastructure?.inputs.snsTopicArn);
    return {
        network: infrastructure?.inputs.subnetId
            ? `subnet ${infrastructure.inputs.subnetId}, security groups ${groups.map((id, index) => (madeGroups[index] ? `${madeGroups[index]!.name} (made here, no inbound rules)` : id)).join(", ")}`
            : "the account's default VPC in the home region (set golden-ami:build to use a subnet of yours)",
        notifications: topic
            ? `SNS topic ${topic.name} (stack output images.<image>.buildNotificationsTopicArn): subscribe to hear how each build ends`
            : "none",
        recipe: `${recipe.inputs.name} ${recipe.inputs.version}`,
        baseImage: recipe.inputs.parentImage,
        components: componentNames,
        cadence: `once per version, during pulumi up (no pipeline, no schedule), tests ${on(image.inputs.imageTestsConfiguration.imageTestsEnabled)}, Inspector scanning ${on(image.inputs.imageScanningConfiguration.imageScanningEnabled)}`,
        lifecycle:
            deprecate && remove
                ? `deprecate after ${deprecate.filter.value} days; delete AMIs${remove.action.includeResources.snapshots ? " and snapshots" : ""} after ${remove.filter.value} days, keeping at least ${remove.filter.retainAtLeast} and any launched within ${remove.exclusionRules.amis.lastLaunched.value} days`
                : "none",
    };
}

function describeRegion(run: ProgramRun, region: string, amiId: string): RegionPlan {
    const copy = inRegion(run, T.amiCopy, region)[0];
    const key = copy ? run.resources.find(resource => resource.state.arn === copy.inputs.kmsKeyId) : inRegion(run, T.kmsKey, region)[0];
    const template = inRegion(run, T.launchTemplate, region)[0];
    const group = inRegion(run, T.autoScalingGroup, region)[0];
    const mixed = group?.inputs.mixedInstancesPolicy;
    return {
        region,
        image: { amiId, madeBy: copy ? `copied from ${copy.inputs.sourceAmiId} in ${copy.inputs.sourceAmiRegion}` : "built here by EC2 Image Builder" },
        kmsKey: key?.state.arn,
        ssmParameter: inRegion(run, T.ssmParameter, region)[0]?.inputs.name,
        launchableBy: inRegion(run, T.launchPermission, region).map(
            permission =>
                permission.inputs.accountId ??
                permission.inputs.organizationArn ??
                permission.inputs.organizationalUnitArn ??
                `group ${permission.inputs.group}`,
        ),
        publicSharingBlocked: inRegion(run, T.blockPublicAccess, region).some(block => block.inputs.state === "block-new-sharing"),
        launchTemplate: template && {
            id: template.id,
            instanceType: template.inputs.instanceType,
            imdsV2: template.inputs.metadataOptions?.httpTokens === "required",
            hopLimit: template.inputs.metadataOptions?.httpPutResponseHopLimit,
        },
        autoScalingGroup: group && {
            minSize: group.inputs.minSize,
            maxSize: group.inputs.maxSize,
            desiredCapacity: group.inputs.desiredCapacity,
            instanceTypes: mixed
                ? mixed.launchTemplate.overrides.map((override: { instanceType: string }) => override.instanceType)
                : [template?.inputs.instanceType],
            refresh: `${group.inputs.instanceRefresh.strategy}, ≥${group.inputs.instanceRefresh.preferences.minHealthyPercentage}% healthy, checkpoints ${group.inputs.instanceRefresh.preferences.checkpointPercentages.join("/")}%`,
        },
    };
}

/** A fleet VPC is in the region of the group that runs in its subnets. */
function fleetRegionOf(run: ProgramRun, vpc: DeclaredResource): string | undefined {
    const subnets = new Set<string>([...(vpc.state.privateSubnetIds ?? []), ...(vpc.state.publicSubnetIds ?? [])]);
    return run.resources.find(
        group => group.type === T.autoScalingGroup && (group.inputs.vpcZoneIdentifiers ?? []).some((subnet: string) => subnets.has(subnet)),
    )?.region;
}

function countByType(resources: DeclaredResource[]): Record<string, number> {
    const counts: Record<string, number> = {};
    for (const resource of resources.filter(r => r.custom && !isPulumiInternal(r.type))) counts[resource.type] = (counts[resource.type] ?? 0) + 1;
    return Object.fromEntries(Object.entries(counts).sort(([a], [b]) => a.localeCompare(b)));
}

function on(enabled: boolean): string {
    return enabled ? "on" : "OFF";
}

/** The plan as a person reads it. */
export function renderPlan(plan: Plan): string {
    const lines = [`Stack ${plan.stack}`, plan.note, ""];
    if (plan.error) return [...lines, `The program refused to run:`, plan.error].join("\n");
    for (const image of plan.images) lines.push(...renderImage(image));
    const own = totalOf(plan.resourceCounts);
    const inComponents = plan.componentResources.reduce((sum, component) => sum + totalOf(component.resources), 0);
    lines.push(
        `${own + inComponents} resources in AWS${inComponents ? ` (${own} declared by the program, ${inComponents} by the components it uses)` : ""}:`,
        ...Object.entries(plan.resourceCounts).map(([type, count]) => `  ${String(count).padStart(4)}  ${type}`),
    );
    for (const component of plan.componentResources) {
        lines.push(
            `  ${String(totalOf(component.resources)).padStart(4)}  ▸ ${component.title} ${component.name} (${component.type}${component.region ? `, ${component.region}` : ""}):`,
            ...Object.entries(component.resources).map(([type, count]) => `        ${String(count).padStart(4)}  ${type}`),
        );
    }
    if (plan.internalResources > 0) lines.push(`  plus ${plan.internalResources} of Pulumi's own (providers, creation timestamps), which make nothing in AWS`);
    lines.push("");
    if (plan.costs) {
        lines.push("Monthly costs that are easy to miss:", ...renderCosts(plan.costs));
        if (plan.costsByImage) {
            lines.push(
                `  by image: ${Object.entries(plan.costsByImage)
                    .map(([name, amount]) => `${name} ${money(amount, plan.costs!.currency)}`)
                    .join(", ")}`,
            );
        }
        lines.push("");
    }
    lines.push(...renderPolicies(plan.stack, plan.policies));
    return lines.join("\n");
}

/** One image's part of the plan: its build or pin, then each region's copy and fleet. */
function renderImage(image: ImagePlan): string[] {
    const lines = [`Image ${image.name} ${image.version} (${image.architecture})`];
    if (image.build) {
        lines.push(
            `  Builds ${image.build.recipe} with EC2 Image Builder on ${image.build.baseImage}`,
            `    components  ${image.build.components.join(", ")}`,
            `    builds      ${image.build.cadence}`,
            `    lifecycle   ${image.build.lifecycle}`,
            `    network     ${image.build.network}`,
            `    notifies    ${image.build.notifications}`,
        );
    }
    if (image.promotedFrom) {
        const from = image.promotedFrom;
        lines.push(
            `  Promotes ${from.version}: ${from.amiId} of account ${from.account}${from.stack ? ` (stack ${from.stack})` : ""} in ${from.region}, pinned in the stack file (never rebuilt)`,
        );
    }
    for (const region of image.regions) {
        lines.push(
            `  Region ${region.region}`,
            `    image          ${region.image.amiId}, ${region.image.madeBy}`,
            `    encrypted with ${region.kmsKey ?? "?"}`,
            `    published at   ${region.ssmParameter ?? "(not published)"}`,
            `    launchable by  ${region.launchableBy.length ? region.launchableBy.join(", ") : "this account only"}`,
            `    public sharing ${region.publicSharingBlocked ? "blocked" : "not blocked here (left to the organization)"}`,
        );
        if (region.launchTemplate && region.autoScalingGroup) {
            const { launchTemplate: template, autoScalingGroup: group } = region;
            lines.push(
                `    fleet          template ${template.id}: ${group.instanceTypes.join("/")}, IMDSv2 ${template.imdsV2 ? "required" : "OPTIONAL"}, hop limit ${template.hopLimit}`,
                `                   group ${group.minSize}..${group.maxSize} (desired ${group.desiredCapacity}), refresh ${group.refresh}`,
            );
        }
    }
    return [...lines, ""];
}

/** `npm run plan`, declared once: flags, help and checks (tools/cli), and what it runs. */
export const planCommandLine = defineCommand({
    name: "npm run plan --",
    summary: PLAN_SUMMARY,
    description: PLAN_DESCRIPTION,
    footer: PLAN_FOOTER,
    flags: PLAN_FLAGS,
    check: checkPlanFlags,
    run: (values, _context: undefined, output) => runPlan(planOptionsOf(values), output.stdout, output.stderr),
});

/** The parsed command line, or "help"; throws UsageError. */
export function parsePlanOptions(argv: string[]): PlanOptions | "help" {
    const parsed = parseCommandLine(planCommandLine, argv);
    return parsed === "help" ? "help" : planOptionsOf(parsed.values as Parameters<typeof planOptionsOf>[0]);
}

/** Runs `npm run plan` with these arguments; output goes through the two writers. Returns the exit code. */
export async function runPlanCli(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
    return runCommandLine(planCommandLine, argv, { stdout: out, stderr: err }, undefined);
}

async function runPlan(options: PlanOptions, out: (text: string) => void, err: (text: string) => void): Promise<number> {
    const problem = stackProblem(options.stack);
    if (problem) {
        err(`plan: ${problem}`);
        return 2;
    }
    if (options.diff !== undefined) {
        const { diffCommand } = await import("./diffCommand");
        return diffCommand(options, out, err);
    }
    const clock = options.now ?? defaultClock();
    const plan = await planStack(options.stack, { now: clock === undefined ? undefined : new Date(clock) });
    out(options.json ? JSON.stringify(plan, null, 2) : renderPlan(plan));
    return exitCodeOf(plan);
}

/** What keeps a stack from being planned at all: an unreadable stack file or no policy config. */
export function stackProblem(stack: string, root: string = REPO_ROOT): string | undefined {
    try {
        readStackConfig(stack, root);
    } catch (error) {
        if (error instanceof StackFileError) return error.message;
        throw error;
    }
    return missingPolicyConfig(stack, root);
}

/** Non-zero when `pulumi preview` would stop: a mandatory policy fails, or the config is refused. */
if (require.main === module) {
    runMain(planCommandLine, undefined);
}
