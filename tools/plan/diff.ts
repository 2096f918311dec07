// What `pulumi up` would do to go from one run of the program to the next, worked out offline:
// resources matched by URN, inputs compared, replacements told apart from updates by the provider's
// force-new inputs (tools/replaceRules.ts). The day-two sequence tests and `npm run plan -- --diff` use it.
import { DeclaredResource, ProgramRun } from "../engine/mockRun";
import { changedInputs, movesRegion, replaceReasons } from "../engine/replaceRules";

export type ChangeOp = "create" | "update" | "replace" | "delete" | "same";

export interface InputChange {
    path: string;
    before: unknown;
    after: unknown;
}

export interface ResourceChange {
    urn: string;
    type: string;
    name: string;
    region?: string;
    op: ChangeOp;
    changed: InputChange[];
    /** The force-new inputs that make it a replacement. */
    replaceReasons: string[];
    /** Deleted (or replaced) from the stack but kept in AWS: `retainOnDelete`. */
    retained?: boolean;
}

/** Every resource of either run with what happens to it, in the order the runs declared them. */
export function diffRuns(before: ProgramRun, after: ProgramRun): ResourceChange[] {
    const earlier = new Map(before.resources.map(resource => [resource.urn, resource]));
    const later = new Set(after.resources.map(resource => resource.urn));
    const changes = after.resources.map(resource => changeOf(earlier.get(resource.urn), resource));
    const deleted = before.resources
        .filter(resource => !later.has(resource.urn))
        .map(resource => ({
            ...identity(resource),
            op: "delete" as const,
            changed: [],
            replaceReasons: [],
            ...retention(resource),
        }));
    return [...changes, ...deleted];
}

function changeOf(before: DeclaredResource | undefined, after: DeclaredResource): ResourceChange {
    if (!before) return { ...identity(after), op: "create", changed: [], replaceReasons: [] };
    const names = changedInputs(before.inputs, after.inputs);
    const changed = names.map(path => ({ path, before: before.inputs[path], after: after.inputs[path] }));
    // A region taken from the provider (not an input of the resource) moves it all the same.
    const moved = movesRegion(before.region, after.region) && !names.includes("region");
    if (moved) changed.push({ path: "region", before: before.region, after: after.region });
    // A replacement forced without an input change (`--replace`) shows in the run as a new generation.
    const reasons = [...replaceReasons(after.type, names), ...(moved ? ["region"] : [])];
    const replaced = reasons.length > 0 || after.generation > before.generation;
    const op: ChangeOp = replaced ? "replace" : names.length > 0 ? "update" : "same";
    return {
        ...identity(after),
        op,
        changed,
        replaceReasons: replaced && reasons.length === 0 ? ["--replace"] : reasons,
        ...(replaced ? retention(before) : {}),
    };
}

function identity(resource: DeclaredResource): Pick<ResourceChange, "urn" | "type" | "name" | "region"> {
    return { urn: resource.urn, type: resource.type, name: resource.name, ...(resource.region && { region: resource.region }) };
}

function retention(resource: DeclaredResource): { retained?: true } {
    return resource.options.retainOnDelete ? { retained: true } : {};
}

/** The changes of one operation (and, optionally, one resource type). */
export function changesOf(changes: ResourceChange[], op: ChangeOp, type?: string): ResourceChange[] {
    return changes.filter(change => change.op === op && (type === undefined || change.type === type));
}
