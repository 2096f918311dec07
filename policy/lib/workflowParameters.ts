// Workflow parameters, resolved: a workflow document's `field.$: "$.parameters.<name>"` takes the value the image or
// pipeline running it passes (`workflows[].parameters[]`), else the document's declared default. The stack's builds are
// the only runs the pack sees, so each one that runs a workflow gives one resolved document to judge.
import * as aws from "@pulumi/aws";
import { PolicyResource } from "@pulumi/policy";
import * as YAML from "yaml";
import { read } from "./unknowns";
import { isBlank, itemsOf } from "./values";
import { parameterName, workflowDocument } from "./workflows";

/** One run of a workflow: the build that runs it and the values its parameters take (passed, else defaults). */
export interface Run {
    /** The image or pipeline, e.g. `al2023-base-image`. */
    build: string;
    values: Map<string, unknown>;
    /** Parameters whose passed value is unknown until apply. */
    unknown: Set<string>;
}

/** A document resolved under one run: the parameter references it could not resolve are listed. */
export interface Resolved {
    run: Run;
    document: unknown;
    /** `at` of each reference, with the parameter it names, that has no value in this run. */
    unresolved: Array<{ at: string; parameter: string }>;
    /** References whose value is unknown until apply. */
    unknown: Array<{ at: string; parameter: string }>;
    /** `parameter = value` for each parameter used, for messages. */
    used: Map<string, unknown>;
}

/** The parameters a document declares, with their types and defaults. */
function declared(document: unknown): Map<string, { type?: string; default?: unknown }> {
    const parameters = new Map<string, { type?: string; default?: unknown }>();
    const list = itemsOf<Record<string, unknown>>((document as Record<string, unknown> | undefined)?.parameters);
    for (const parameter of list) {
        if (parameter && typeof parameter.name === "string") {
            parameters.set(parameter.name, { type: typeof parameter.type === "string" ? parameter.type : undefined, default: parameter.default });
        }
    }
    return parameters;
}

/** A passed value (always a string in the provider) as the parameter's declared type reads it. */
function typed(value: string, type: string | undefined): unknown {
    const kind = type?.toLowerCase();
    if (kind === "stringlist") {
        try {
            const parsed = JSON.parse(value);
            if (Array.isArray(parsed)) return parsed;
        } catch {
            // A comma-separated list.
        }
        return value.split(",").map(item => item.trim());
    }
    if (kind === "integer" && /^-?\d+$/.test(value.trim())) return Number(value);
    if (kind === "boolean" && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === "true";
    // A whole block (distributions, launchPermission) passed as JSON or YAML text.
    const text = value.trim();
    if (text.startsWith("{") || text.startsWith("[")) {
        try {
            return YAML.parse(text);
        } catch {
            return value;
        }
    }
    return value;
}

/** The stack's runs of each workflow, indexed once by the ARN the builds name. */
export class WorkflowRuns {
    private readonly byArn = new Map<string, Array<{ build: string; parameters: unknown }>>();
    /** Some build's workflows are unknown until apply. */
    readonly incomplete: boolean;

    constructor(resources: PolicyResource[]) {
        let incomplete = false;
        for (const build of resources.filter(resource => resource.isType(aws.imagebuilder.Image) || resource.isType(aws.imagebuilder.ImagePipeline))) {
            const workflows = read(() =>
                itemsOf<Record<string, unknown>>(build.props.workflows).map(workflow => ({ arn: workflow?.workflowArn, parameters: workflow?.parameters })),
            );
            if (!workflows.known) {
                incomplete = true;
                continue;
            }
            for (const { arn, parameters } of workflows.value) {
                const known = read(() => arn);
                if (!known.known) incomplete = true;
                else if (typeof known.value === "string" && !isBlank(known.value)) {
                    const key = known.value.trim().toLowerCase();
                    this.byArn.set(key, [...(this.byArn.get(key) ?? []), { build: build.name, parameters }]);
                }
            }
        }
        this.incomplete = incomplete;
    }

    /** The runs of `workflow` by the stack's builds (matched by its `arn`, or `id`), each with its parameters' values. */
    runsOf(workflow: PolicyResource, document: unknown): Run[] {
        const parameters = declared(document);
        const runs: Run[] = [];
        const seen = new Set<string>();
        for (const field of ["arn", "id"]) {
            const reference = read(() => workflow.props[field] as unknown);
            if (!reference.known || typeof reference.value !== "string" || isBlank(reference.value)) continue;
            for (const { build, parameters: passed } of this.byArn.get(reference.value.trim().toLowerCase()) ?? []) {
                if (seen.has(build)) continue;
                seen.add(build);
                const values = new Map<string, unknown>();
                const unknown = new Set<string>();
                for (const [name, { default: fallback }] of parameters) if (fallback !== undefined) values.set(name, fallback);
                const list = read(() => itemsOf<Record<string, unknown>>(passed).map(item => ({ name: item?.name, value: item?.value })));
                if (!list.known) {
                    for (const name of parameters.keys()) unknown.add(name);
                } else {
                    for (const { name, value } of list.value) {
                        const knownName = read(() => name);
                        const knownValue = read(() => value);
                        if (!knownName.known || typeof knownName.value !== "string") continue;
                        if (!knownValue.known) unknown.add(knownName.value);
                        else if (typeof knownValue.value === "string")
                            values.set(knownName.value, typed(knownValue.value, parameters.get(knownName.value)?.type));
                        else if (knownValue.value !== undefined && knownValue.value !== null) values.set(knownName.value, knownValue.value);
                    }
                }
                runs.push({ build, values, unknown });
            }
        }
        return runs;
    }
}

/** Whether the document takes any value from a workflow parameter. */
export function usesParameters(document: unknown): boolean {
    let found = false;
    walk(document, "", (key, value) => {
        if (key.endsWith(".$") && parameterName(value) !== undefined) found = true;
    });
    return found;
}

/** Every key of the document, depth first. A YAML alias can make a node its own descendant: a node already on the path is not entered again. */
function walk(node: unknown, at: string, visit: (key: string, value: unknown, at: string) => void, path = new Set<unknown>()): void {
    if (node === null || typeof node !== "object" || path.has(node)) return;
    path.add(node);
    if (Array.isArray(node)) node.forEach((item, index) => walk(item, `${at}[${index}]`, visit, path));
    else {
        for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
            const keyAt = at === "" ? key : `${at}.${key}`;
            visit(key, value, keyAt);
            walk(value, keyAt, visit, path);
        }
    }
    path.delete(node);
}

/** The document with every `field.$: "$.parameters.<name>"` replaced by `field: <value>` under one run. */
export function resolveDocument(document: unknown, run: Run): Resolved {
    const resolved: Resolved = { run, document: undefined, unresolved: [], unknown: [], used: new Map() };
    const onPath = new Set<unknown>();
    const copy = (node: unknown, at: string): unknown => {
        // A node that is its own descendant (a YAML alias) is kept as written below itself, not copied forever.
        if (node === null || typeof node !== "object" || onPath.has(node)) return node;
        if (Array.isArray(node)) {
            onPath.add(node);
            const items = node.map((item, index) => copy(item, `${at}[${index}]`));
            onPath.delete(node);
            return items;
        }
        onPath.add(node);
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(node as Record<string, unknown>)) {
            const path = at === "" ? key : `${at}.${key}`;
            const parameter = key.endsWith(".$") ? parameterName(value) : undefined;
            if (parameter === undefined) {
                out[key] = copy(value, path);
            } else if (run.unknown.has(parameter)) {
                resolved.unknown.push({ at: path, parameter });
                out[key] = value;
            } else if (!run.values.has(parameter)) {
                resolved.unresolved.push({ at: path, parameter });
                out[key] = value;
            } else {
                const field = key.slice(0, -2);
                out[field] = run.values.get(parameter);
                resolved.used.set(parameter, run.values.get(parameter));
            }
        }
        onPath.delete(node);
        return out;
    };
    resolved.document = copy(document, "");
    return resolved;
}

/** The document text a policy reads (`data`), from a resolved document. */
export function documentText(document: unknown): string {
    return YAML.stringify(document);
}

export { workflowDocument };
