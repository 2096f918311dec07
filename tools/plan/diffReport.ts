// `plan --diff` as people and tools read it: what `pulumi preview` would do between two runs of the
// program (tools/planDiff.ts works out the changes), summary first, then per region, then the policy
// verdicts of the new side and what the change does to the monthly bill. Pure: no git, no processes.
import { CostEstimate, estimateCosts, money, renderCosts } from "./costs";
import { ProgramRun } from "../engine/mockRun";
import { ChangeOp, diffRuns, InputChange, ResourceChange } from "./diff";
import { PolicyVerdict } from "../engine/policyRunner";
import { RESOURCE_TYPES } from "../engine/resourceTypes";
import { componentResourcesOf, describeChildren, isPulumiInternal, totalOf } from "./componentResources";

const T = RESOURCE_TYPES;

export const DIFF_NOTE = "Offline diff: no cloud was called. Ids, ARNs and other values AWS would compute are placeholders, the same in every run.";

export interface RegionChanges {
    region: string;
    changes: Array<ResourceChange & { children?: Record<string, number> }>;
}

export interface PlanDiff {
    stack: string;
    note: string;
    /** The other side: the ref as given and the commit it named. */
    base: { ref: string; commit: string };
    /** The clock both runs saw. */
    clock: string;
    summary: string;
    image: { name?: string; before?: string; after?: string };
    /** Every image of either side, with its version before and after. */
    images: Array<{ name?: string; before?: string; after?: string }>;
    counts: Record<Exclude<ChangeOp, "same">, number>;
    /** Only what changes, grouped by region (home region first); "no region" for resources without one. */
    regions: RegionChanges[];
    costs: { before: CostEstimate; after: CostEstimate };
    /** The pack over the new side, with policy/<stack>.json. */
    policies: PolicyVerdict[];
    mandatoryFailures: number;
    /** Principals the change takes access from: who, where, and to how many images at most. */
    revokes: Revocation[];
    /** Images the new side no longer declares (removed or renamed): every resource of theirs goes. */
    removedImages: string[];
    /** The new side's program refused the config or failed. */
    error?: string;
}

export interface Revocation {
    /** `account 333333333333`, `organization arn:…`, `OU arn:…`. */
    principal: string;
    /** Launch, or snapshot read access (copying), or both. */
    access: string[];
    regions: string[];
    /** Images of the stack it could launch or copy until now: versions held × regions. */
    images: number;
    /** What `images` is counted from. */
    basis: string;
}

export interface DiffInputs {
    stack: string;
    base: { ref: string; commit: string };
    clock: string;
    before: ProgramRun & { absent?: boolean };
    after: ProgramRun;
    policies: PolicyVerdict[];
    /**
     * The image's versions the stack may still hold (retained copies and builds), from image-versions.lock.json:
     * what a removed principal could launch until now. Absent: the current version alone is counted.
     */
    versionsHeld?: string[];
}

/** Our own component resources, the providers and the program's dynamic helpers never reach AWS; leave them out of the listing. */
function reachesAws(change: ResourceChange): boolean {
    return !change.type.startsWith("golden-ami:") && !isPulumiInternal(change.type);
}

/** What a component the mocks see as one resource (awsx's VPC) makes in AWS, from the side that has it. */
function childrenOf(change: ResourceChange, before: ProgramRun, after: ProgramRun): Record<string, number> | undefined {
    const [component] = componentResourcesOf([...after.resources, ...before.resources].filter(resource => resource.urn === change.urn));
    return component?.resources;
}

export function buildPlanDiff(inputs: DiffInputs): PlanDiff {
    const { stack, base, clock, before, after, policies } = inputs;
    const changes = after.error
        ? []
        : diffRuns(before, after)
              .filter(change => change.op !== "same" && reachesAws(change))
              .map(change => {
                  const children = childrenOf(change, before, after);
                  return { ...change, region: change.region ?? regionFromRun(after, change) ?? regionFromRun(before, change), ...(children && { children }) };
              });
    const counts = { create: 0, update: 0, replace: 0, delete: 0 };
    for (const change of changes) counts[change.op as keyof typeof counts]++;
    const images = imageVersions(before, after);
    const regionOrder = Object.keys(
        Object.values((after.outputs.images ?? before.outputs.images ?? {}) as Record<string, { amiIds: Record<string, string> }>)[0]?.amiIds ?? {},
    );
    const byImage = changesByImage(before, after, changes);
    // The image the change is about: the first one that changes (for tools that read one).
    const image = images.find(candidate => (byImage.get(candidate.name!) ?? []).length > 0) ?? images[0] ?? {};
    const mandatoryFailures = policies.filter(verdict => verdict.level === "mandatory" && verdict.violations.length > 0).length;
    return {
        stack,
        note: DIFF_NOTE,
        base,
        clock,
        summary: after.error
            ? "the program refused to run"
            : [
                  ...images.map(candidate => summarize(candidate, regionOrder.length, byImage.get(candidate.name!) ?? [], before.absent === true)),
                  ...(byImage.get(SHARED)?.length
                      ? [
                            summarize({ name: "shared by the catalog" }, regionOrder.length, byImage.get(SHARED)!, false).replace(
                                /^shared by the catalog undefined/,
                                "shared by the catalog",
                            ),
                        ]
                      : []),
              ].join("; "),
        image,
        images,
        counts,
        regions: groupByRegion(changes, regionOrder),
        costs: { before: estimateCosts(before), after: estimateCosts(after) },
        policies,
        mandatoryFailures: after.error ? mandatoryFailures + 1 : mandatoryFailures,
        revokes: after.error ? [] : revocations(before, after, inputs.versionsHeld),
        removedImages:
            after.error || before.absent
                ? []
                : images.filter(candidate => candidate.before !== undefined && candidate.after === undefined).map(candidate => candidate.name!),
        ...(after.error && { error: after.error.message }),
    };
}

/** The principal a launch or snapshot permission grants to, as people name it. */
function grantee(resource: ProgramRun["resources"][number]): { principal: string; access: string } | undefined {
    const inputs = resource.inputs;
    if (resource.type === T.launchPermission) {
        const principal = inputs.accountId
            ? `account ${inputs.accountId}`
            : inputs.organizationArn
              ? `organization ${inputs.organizationArn}`
              : inputs.organizationalUnitArn
                ? `OU ${inputs.organizationalUnitArn}`
                : inputs.group
                  ? `group ${inputs.group}`
                  : undefined;
        return principal ? { principal, access: "launch" } : undefined;
    }
    if (resource.type === SNAPSHOT_PERMISSION && inputs.accountId) return { principal: `account ${inputs.accountId}`, access: "copy (snapshot read)" };
    return undefined;
}

const SNAPSHOT_PERMISSION = "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission";

/**
 * Who the new side no longer grants what the old side granted, per region. `pulumi up` keeps those grants in
 * AWS (retainOnDelete, for rollbacks); `images revoke --apply` takes them back, on every version held.
 */
export function revocations(before: ProgramRun, after: ProgramRun, versionsHeld?: string[]): Revocation[] {
    const granted = (run: ProgramRun) => {
        const grants = new Map<string, { access: Set<string>; regions: Set<string> }>();
        for (const resource of run.resources) {
            const grant = grantee(resource);
            if (!grant) continue;
            const entry = grants.get(grant.principal) ?? { access: new Set(), regions: new Set() };
            entry.access.add(grant.access);
            entry.regions.add(resource.region ?? "no region");
            grants.set(grant.principal, entry);
        }
        return grants;
    };
    const [was, now] = [granted(before), granted(after)];
    const versions = Math.max(versionsHeld?.length ?? 1, 1);
    const basis =
        versionsHeld && versionsHeld.length > 0
            ? `${versions} version(s) in image-versions.lock.json up to ${before.outputs.imageVersion ?? "the current one"} × regions; ` +
              "an upper bound: the lifecycle and prune may have deleted some, and a promoting stack holds only the versions it promoted"
            : "the current version × regions";
    const revoked: Revocation[] = [];
    for (const [principal, { access, regions }] of was) {
        const kept = now.get(principal);
        const lostAccess = [...access].filter(kind => !kept?.access.has(kind));
        const lostRegions = [...regions].filter(region => !kept?.regions.has(region) || lostAccess.length > 0);
        if (lostAccess.length === 0 && lostRegions.length === 0) continue;
        const where = lostRegions.length > 0 ? lostRegions : [...regions];
        revoked.push({ principal, access: lostAccess.length > 0 ? lostAccess : [...access], regions: where.sort(), images: versions * where.length, basis });
    }
    return revoked.sort((left, right) => left.principal.localeCompare(right.principal));
}

/** One line per principal that loses access, and what to run so the loss is real. */
export function describeRevocations(diff: Pick<PlanDiff, "revokes" | "stack">): string[] {
    if (diff.revokes.length === 0) return [];
    return [
        "Revokes access:",
        ...diff.revokes.map(
            revocation =>
                `  ${revocation.principal} loses ${revocation.access.join(" and ")} access to up to ${revocation.images} image(s) ` +
                `in ${revocation.regions.join(", ")} (${revocation.basis})`,
        ),
        `  pulumi up keeps these grants in AWS (retained for rollbacks): \`npm run images -- revoke --stack ${diff.stack} --apply\` takes them back ` +
            "on every version and the consumers' KMS grants too; CI runs it after up",
    ];
}

/**
 * An image the new side no longer declares: removed, or renamed (a name is an identity, so a rename is a
 * removal and an addition). Says what goes with it and what else names it.
 */
export function describeRemovedImages(diff: Pick<PlanDiff, "removedImages" | "images" | "stack">): string[] {
    if (diff.removedImages.length === 0) return [];
    const added = diff.images.filter(candidate => candidate.before === undefined && candidate.after !== undefined).map(candidate => candidate.name!);
    return [
        `Removes ${diff.removedImages.length === 1 ? "an image" : "images"}: ${diff.removedImages.join(", ")}${added.length > 0 ? ` (a rename to ${added.join(", ")}? a name is the image's identity)` : ""}`,
        "  every resource of it is replaced or deleted: Image Builder resources, copies (kept in AWS until prune), launch permissions, " +
            `its SSM parameters /golden-ami/<image>/${diff.stack}/ami-id, its lifecycle policy and fleets`,
        "  also change what names it: golden-ami:promoteFrom.amiIds and golden-ami:images in the promoting stacks, fleets' image, " +
            "consumers of its SSM path, and IAM resource patterns of the form <image>-<stack>* (docs/catalog.md)",
    ];
}

/** awsx's VPC has no provider of its own: it is in the region of the fleet that lives in its subnets. */
function regionFromRun(run: ProgramRun, change: ResourceChange): string | undefined {
    const resource = run.resources.find(candidate => candidate.urn === change.urn);
    if (!resource) return undefined;
    const subnets = new Set<string>([...(resource.state.privateSubnetIds ?? []), ...(resource.state.publicSubnetIds ?? [])]);
    if (subnets.size === 0) return undefined;
    return run.resources.find(
        group => group.type === T.autoScalingGroup && (group.inputs.vpcZoneIdentifiers ?? []).some((subnet: string) => subnets.has(subnet)),
    )?.region;
}

function groupByRegion(changes: ResourceChange[], regionOrder: string[]): RegionChanges[] {
    const regions = [...new Set(changes.map(change => change.region ?? "no region"))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
    function rank(region: string): number {
        const index = regionOrder.indexOf(region);
        return index >= 0 ? index : region === "no region" ? Number.MAX_SAFE_INTEGER : regionOrder.length;
    }
    const opOrder: ChangeOp[] = ["create", "update", "replace", "delete"];
    return regions.map(region => ({
        region,
        changes: opOrder.flatMap(op => changes.filter(change => (change.region ?? "no region") === region && change.op === op)),
    }));
}

// --- Per image -------------------------------------------------------------------------------------

const SHARED = "";

type Versions = Record<string, { version?: string }>;

function imageVersions(before: ProgramRun, after: ProgramRun): PlanDiff["images"] {
    const was = (before.outputs.images ?? {}) as Versions;
    const now = (after.outputs.images ?? {}) as Versions;
    return [...new Set([...Object.keys(now), ...Object.keys(was)])].map(name => ({ name, before: was[name]?.version, after: now[name]?.version }));
}

/** Each change under the image it belongs to (a fleet's under the image it runs); the regions' keys and blocks under SHARED. */
function changesByImage(before: ProgramRun, after: ProgramRun, changes: ResourceChange[]): Map<string, ResourceChange[]> {
    const names = [...new Set([...Object.keys((after.outputs.images ?? {}) as object), ...Object.keys((before.outputs.images ?? {}) as object)])];
    const fleets = {
        ...((before.outputs.fleets ?? {}) as Record<string, { image: string }>),
        ...((after.outputs.fleets ?? {}) as Record<string, { image: string }>),
    };
    const grouped = new Map<string, ResourceChange[]>();
    for (const change of changes) {
        const fleet = Object.keys(fleets).find(name => change.name.startsWith(`${name}-fleet-`) || change.name === `${name}-fleet`);
        const owner = fleet ? fleets[fleet].image : (names.filter(name => change.name.startsWith(`${name}-`)).sort((a, b) => b.length - a.length)[0] ?? SHARED);
        grouped.set(owner, [...(grouped.get(owner) ?? []), change]);
    }
    return grouped;
}

// --- The summary line ------------------------------------------------------------------------------

/** What a reviewer calls each resource, singular and plural. */
const NOUNS: Record<string, [string, string]> = {
    [T.image]: ["image build", "image builds"],
    [T.amiCopy]: ["copy", "copies"],
    [T.launchPermission]: ["launch permission", "launch permissions"],
    "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission": ["snapshot permission", "snapshot permissions"],
    [T.autoScalingGroup]: ["fleet", "fleets"],
    [T.kmsKey]: ["KMS key", "KMS keys"],
    "awsx:ec2:Vpc": ["fleet VPC", "fleet VPCs"],
    [T.ssmParameter]: ["SSM parameter", "SSM parameters"],
};

/** The types the summary names; every other change is counted as "other". */
const HEADLINE = [
    T.image,
    T.amiCopy,
    T.launchPermission,
    "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission",
    T.autoScalingGroup,
    "awsx:ec2:Vpc",
    T.kmsKey,
];

/** A group whose launch template version moves starts an instance refresh. */
function isRefresh(change: ResourceChange): boolean {
    return (
        change.type === T.autoScalingGroup &&
        change.op === "update" &&
        change.changed.some(input => input.path === "launchTemplate" || input.path === "mixedInstancesPolicy")
    );
}

function verbOf(change: ResourceChange): string {
    if (isRefresh(change)) return "refreshed";
    if (change.type === T.image && (change.op === "create" || change.op === "replace")) return "started";
    switch (change.op) {
        case "create":
            return "added";
        case "update":
            return "updated";
        case "replace":
            return change.retained ? "replaced (old kept in AWS)" : "replaced";
        default:
            return change.retained ? "dropped from the stack (kept in AWS)" : "deleted";
    }
}

function summarize(image: PlanDiff["image"], regionCount: number, changes: ResourceChange[], newStack: boolean): string {
    const version = newStack
        ? `${image.after} (a new stack)`
        : image.before === image.after
          ? `${image.after}`
          : `${image.before ?? "?"} → ${image.after ?? "?"}`;
    const head = `${image.name ?? "golden image"} ${version}, ${regionCount} ${regionCount === 1 ? "region" : "regions"}`;
    if (changes.length === 0) return `${head}: no changes`;
    const phrases: string[] = [];
    const named = changes.filter(change => HEADLINE.includes(change.type) && !isTagsOnly(change));
    for (const type of HEADLINE) {
        const counted = new Map<string, number>();
        for (const change of named.filter(candidate => candidate.type === type)) counted.set(verbOf(change), (counted.get(verbOf(change)) ?? 0) + 1);
        for (const [verb, count] of counted) phrases.push(`${count} ${NOUNS[type][count === 1 ? 0 : 1]} ${verb}`);
    }
    const retagged = changes.filter(isTagsOnly).length;
    const others = changes.length - named.length - retagged;
    if (others > 0) phrases.push(`${others} other ${others === 1 ? "change" : "changes"}`);
    if (retagged > 0) phrases.push(`${retagged} retagged`);
    return `${head}: ${phrases.join(", ")}`;
}

// --- Text ------------------------------------------------------------------------------------------

const SYMBOL: Record<ChangeOp, string> = { create: "+ create ", update: "~ update ", replace: "+-replace", delete: "- delete ", same: "  same   " };
const MAX_LEAVES = 6;

export function renderPlanDiff(diff: PlanDiff, renderPolicies: (policies: PolicyVerdict[]) => string[]): string {
    const lines = [
        `Stack ${diff.stack}: working tree against ${diff.base.ref} (${diff.base.commit.slice(0, 12)}), clock ${diff.clock}`,
        diff.note,
        "",
        diff.summary,
        "",
    ];
    if (diff.error) return [...lines, "The program at the working tree refused to run:", diff.error].join("\n");
    const revoked = describeRevocations(diff);
    if (revoked.length > 0) lines.push(...revoked, "");
    const removed = describeRemovedImages(diff);
    if (removed.length > 0) lines.push(...removed, "");
    for (const { region, changes } of diff.regions) {
        lines.push(`Region ${region}`);
        const retagged = changes.filter(isTagsOnly);
        if (retagged.length > 0) lines.push(...describeRetagged(retagged));
        for (const change of changes.filter(change => !isTagsOnly(change))) lines.push(...describeChange(change));
        lines.push("");
    }
    const { before, after } = diff.costs;
    lines.push(
        `Monthly costs that are easy to miss: ${money(before.knownMonthly, before.currency)} → ${money(after.knownMonthly, after.currency)}`,
        ...renderCosts(after),
        "",
    );
    lines.push(...renderPolicies(diff.policies));
    return lines.join("\n");
}

function describeChange(change: ResourceChange & { children?: Record<string, number> }): string[] {
    const kind = change.type.split(":").pop();
    const notes: string[] = [];
    if (change.children) notes.push(`${totalOf(change.children)} resources: ${describeChildren(change.children)}`);
    if (change.op === "replace") notes.push(`forced by ${change.replaceReasons.join(", ")}`);
    if (change.retained) notes.push(change.op === "delete" ? "retained, not deleted in AWS" : "the old one is retained, not deleted in AWS");
    if (isRefresh(change)) notes.push("instance refresh to the new launch template version");
    const lines = [`  ${SYMBOL[change.op]} ${kind} ${change.name}${notes.length ? `  (${notes.join("; ")})` : ""}`];
    const leaves = change.changed.flatMap(input =>
        leafChanges(input.path, input.before, input.after).map(leaf => ({ ...leaf, forces: change.replaceReasons.includes(input.path) })),
    );
    for (const leaf of leaves.slice(0, MAX_LEAVES)) {
        if (isMultiline(leaf.before) || isMultiline(leaf.after)) {
            lines.push(
                `        ${leaf.path}:${leaf.forces ? "   [forces replacement]" : ""}`,
                ...lineDiff(textOf(leaf.before), textOf(leaf.after)).map(line => `          ${line}`),
            );
            continue;
        }
        const [before, after] = showPair(leaf.before, leaf.after);
        lines.push(`        ${leaf.path}: ${before} → ${after}${leaf.forces ? "   [forces replacement]" : ""}`);
    }
    if (leaves.length > MAX_LEAVES) lines.push(`        … and ${leaves.length - MAX_LEAVES} more (--json lists every input)`);
    return lines;
}

const TAG_INPUTS = /^(tags|tagsAll|resourceTags)(\.|\[|$)/;

/** An update that only retags (every resource carries the image's Version tag): one line for all of them. */
function isTagsOnly(change: ResourceChange): boolean {
    return change.op === "update" && change.changed.every(input => TAG_INPUTS.test(input.path));
}

function describeRetagged(changes: ResourceChange[]): string[] {
    const tags = new Map<string, string>();
    for (const change of changes) {
        for (const input of change.changed) {
            for (const leaf of leafChanges(input.path, input.before, input.after)) {
                tags.set(leaf.path.replace(TAG_INPUTS, "").replace(/^\./, ""), `${show(leaf.before)} → ${show(leaf.after)}`);
            }
        }
    }
    const what = [...tags].map(([tag, change]) => `${tag} ${change}`).join(", ");
    return [
        `  ${SYMBOL.update} tags only (${what}) on ${changes.length} ${changes.length === 1 ? "resource" : "resources"}:`,
        ...wrap(
            changes.map(change => `${change.type.split(":").pop()} ${change.name}`),
            "        ",
        ),
    ];
}

function wrap(items: string[], indent: string, width = 100): string[] {
    const lines: string[] = [];
    let line = "";
    for (const item of items) {
        const next = line ? `${line}, ${item}` : item;
        if (line && indent.length + next.length > width) {
            lines.push(`${indent}${line},`);
            line = item;
        } else {
            line = next;
        }
    }
    if (line) lines.push(`${indent}${line}`);
    return lines;
}

/** The innermost values that differ, so a changed tag reads `tags.Version: "1.4.0" → "1.4.1"`. */
export function leafChanges(path: string, before: unknown, after: unknown): InputChange[] {
    if (JSON.stringify(before) === JSON.stringify(after)) return [];
    if (isPlainObject(before) && isPlainObject(after)) {
        const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
        return keys.flatMap(key => leafChanges(`${path}.${key}`, before[key], after[key]));
    }
    if (Array.isArray(before) && Array.isArray(after) && before.length === after.length) {
        return before.flatMap((item, index) => leafChanges(`${path}[${index}]`, item, after[index]));
    }
    return [{ path, before, after }];
}

function isMultiline(value: unknown): value is string {
    return typeof value === "string" && value.includes("\n");
}

function textOf(value: unknown): string {
    return typeof value === "string" ? value : value === undefined ? "" : JSON.stringify(value);
}

/** Lines of context kept around each change of a document. */
const CONTEXT_LINES = 2;
/** Beyond this many lines of diff, the rest is counted, not shown. */
const MAX_DIFF_LINES = 40;

/**
 * A document (a component's YAML, a policy) as a unified diff: `-` removed, `+` added, a little
 * context, `…` for unchanged runs. Longest common subsequence of lines; documents here are small.
 */
export function lineDiff(before: string, after: string): string[] {
    const left = before.replace(/\n$/, "").split("\n");
    const right = after.replace(/\n$/, "").split("\n");
    const common: number[][] = Array.from({ length: left.length + 1 }, () => new Array<number>(right.length + 1).fill(0));
    for (let i = left.length - 1; i >= 0; i--) {
        for (let j = right.length - 1; j >= 0; j--) {
            common[i][j] = left[i] === right[j] ? common[i + 1][j + 1] + 1 : Math.max(common[i + 1][j], common[i][j + 1]);
        }
    }
    const script: Array<{ mark: " " | "-" | "+"; text: string }> = [];
    let i = 0;
    let j = 0;
    while (i < left.length || j < right.length) {
        if (i < left.length && j < right.length && left[i] === right[j]) {
            script.push({ mark: " ", text: left[i] });
            i++;
            j++;
        } else if (j < right.length && (i === left.length || common[i][j + 1] >= common[i + 1][j])) {
            script.push({ mark: "+", text: right[j] });
            j++;
        } else {
            script.push({ mark: "-", text: left[i] });
            i++;
        }
    }
    const near = script.map((_, index) => script.slice(Math.max(0, index - CONTEXT_LINES), index + CONTEXT_LINES + 1).some(entry => entry.mark !== " "));
    const shown: string[] = [];
    script.forEach((entry, index) => {
        if (near[index]) shown.push(`${entry.mark} ${entry.text}`);
        else if (shown[shown.length - 1] !== "  …") shown.push("  …");
    });
    if (shown.length <= MAX_DIFF_LINES) return shown;
    const changedLeft = shown.slice(MAX_DIFF_LINES).filter(line => line.startsWith("-") || line.startsWith("+")).length;
    return [...shown.slice(0, MAX_DIFF_LINES), `… and ${changedLeft} more changed lines (--json has both documents)`];
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
    return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Two long strings that share a beginning (ARNs) are shown from a little before where they differ. */
function showPair(before: unknown, after: unknown): [string, string] {
    if (typeof before !== "string" || typeof after !== "string" || (before.length <= 62 && after.length <= 62)) return [show(before), show(after)];
    let common = 0;
    while (common < before.length && before[common] === after[common]) common++;
    const start = Math.max(0, common - 24);
    const cut = (text: string) => show(text.slice(start)).replace(/^"/, start > 0 ? '"…' : '"');
    return [cut(before), cut(after)];
}

function show(value: unknown): string {
    if (value === undefined) return "(none)";
    const text = JSON.stringify(value);
    return text.length <= 64 ? text : `${text.slice(0, 60)}…(${text.length} chars)`;
}

// --- Markdown --------------------------------------------------------------------------------------

/** A short form for a pull request comment: summary, a table per region, replacements and deletions. */
export function renderPlanDiffMarkdown(diff: PlanDiff): string {
    const lines = [`### Plan for \`${diff.stack}\`: ${escape(diff.summary)}`, ""];
    if (diff.error) {
        lines.push("The program refused to run:", "", "```", diff.error, "```");
        return lines.join("\n");
    }
    const revoked = describeRevocations(diff);
    if (revoked.length > 0) lines.push(`**${escape(revoked[0])}**`, "", ...revoked.slice(1).map(line => `- ${escape(line.trim())}`), "");
    const removed = describeRemovedImages(diff);
    if (removed.length > 0) lines.push(`**${escape(removed[0])}**`, "", ...removed.slice(1).map(line => `- ${escape(line.trim())}`), "");
    if (diff.regions.length > 0) {
        lines.push("| Region | create | update | replace | delete |", "| --- | ---: | ---: | ---: | ---: |");
        for (const { region, changes } of diff.regions) {
            const count = (op: ChangeOp) => changes.filter(change => change.op === op).length || "";
            lines.push(`| ${region} | ${count("create")} | ${count("update")} | ${count("replace")} | ${count("delete")} |`);
        }
        lines.push("");
    }
    const notable = diff.regions.flatMap(({ region, changes }) =>
        changes
            .filter(change => change.op === "replace" || change.op === "delete")
            .map(
                change =>
                    `- ${change.op === "replace" ? "**replace**" : "**delete**"} \`${change.name}\` (${change.type.split(":").pop()}, ${region})` +
                    (change.op === "replace" ? `: forced by \`${change.replaceReasons.join("`, `")}\`` : "") +
                    (change.retained ? " — retained, not deleted in AWS" : ""),
            ),
    );
    if (notable.length > 0) {
        const shown = notable.slice(0, 15);
        lines.push(...shown, ...(notable.length > shown.length ? [`- … and ${notable.length - shown.length} more`] : []), "");
    }
    const failing = diff.policies.filter(verdict => verdict.violations.length > 0);
    lines.push(
        failing.length === 0
            ? `Policies: all ${diff.policies.length} pass.`
            : `Policies: ${failing.map(verdict => `${verdict.level === "mandatory" ? "**FAIL**" : "warn"} \`${verdict.policy}\``).join(", ")}.`,
    );
    const { before, after } = diff.costs;
    lines.push(
        `Monthly cost of NAT gateways, instances and KMS keys: ${money(before.knownMonthly, before.currency)} → ${money(after.knownMonthly, after.currency)}` +
            `${after.unpriced ? ` (+ ${after.unpriced} without a list price)` : ""}, list prices of ${after.pricesAsOf}.`,
        "",
    );
    lines.push(
        `<sub>Offline, against \`${diff.base.ref}\` (${diff.base.commit.slice(0, 12)}); ids are placeholders. ` +
            `Full detail: \`npm run plan -- --diff ${diff.base.commit.slice(0, 12)} --stack ${diff.stack}\`.</sub>`,
    );
    return lines.join("\n");
}

function escape(text: string): string {
    return text.replace(/[|*_`<>]/g, character => `\\${character}`);
}
