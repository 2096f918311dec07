// Image Builder workflow documents. A DISTRIBUTION workflow's steps distribute and share the AMI themselves:
// `DistributeImage` takes `distributions` (region, targetAccountIds, kmsKeyId, amiTags) and `ModifyImageAttributes`
// takes `attributes` with a `launchPermission` (userIds, userGroups, organizationArns, organizationalUnitArns); given,
// they replace the distribution configuration attached to the build. So the pack reads them as it reads a distribution.
import * as YAML from "yaml";
import { Check } from "./unknowns";

/** A value found in a document, with its path (e.g. `steps[1].inputs.attributes[0].launchPermission`). */
export interface Found {
    at: string;
    value: Record<string, unknown>;
}

/** The document as data (YAML or JSON), or undefined when it is not one. */
export function workflowDocument(data: unknown): unknown {
    if (typeof data !== "string" || data.trim() === "") return undefined;
    try {
        return YAML.parse(data, { maxAliasCount: 100 });
    } catch {
        return undefined;
    }
}

/** At most this many nodes are walked: documents are small, and a pathological one is not walked for ever. */
const MAX_NODES = 20_000;

/**
 * Every object under a key named `key` anywhere in the document (one object, or each object of a list),
 * compared case-insensitively, since a determined author may write `LaunchPermission`.
 */
export function findBlocks(document: unknown, key: string): Found[] {
    const found: Found[] = [];
    const wanted = key.toLowerCase();
    const stack: Array<{ node: unknown; at: string }> = [{ node: document, at: "" }];
    let visited = 0;
    while (stack.length > 0 && visited++ < MAX_NODES) {
        const { node, at } = stack.pop()!;
        if (Array.isArray(node)) {
            node.forEach((item, index) => stack.push({ node: item, at: `${at}[${index}]` }));
        } else if (node !== null && typeof node === "object") {
            for (const [name, value] of Object.entries(node as Record<string, unknown>)) {
                const path = at === "" ? name : `${at}.${name}`;
                if (name.toLowerCase() === wanted) {
                    if (Array.isArray(value)) {
                        value.forEach((item, index) => {
                            if (item !== null && typeof item === "object" && !Array.isArray(item))
                                found.push({ at: `${path}[${index}]`, value: item as Record<string, unknown> });
                        });
                    } else if (value !== null && typeof value === "object") {
                        found.push({ at: path, value: value as Record<string, unknown> });
                    }
                }
                stack.push({ node: value, at: path });
            }
        }
    }
    return found;
}

/**
 * A field of a block, matched case-insensitively: its value, or that it is set at run time from a JSONPath
 * (`userIds.$: "$.parameters.accounts"`), which the pack cannot read.
 */
export function blockField(block: Record<string, unknown>, field: string): { value: unknown; dynamic?: string; reference?: unknown; parameter?: string } {
    const wanted = field.toLowerCase();
    let value: unknown;
    let dynamic: string | undefined;
    let reference: unknown;
    for (const [name, item] of Object.entries(block)) {
        const lower = name.toLowerCase();
        if (lower === wanted) value = item;
        else if (lower === `${wanted}.$`) {
            dynamic = name;
            reference = item;
        }
    }
    // A value taken from a workflow parameter is resolved, with the stack, from what its builds pass (workflow-parameters-resolved).
    const parameter = dynamic ? parameterName(reference) : undefined;
    return { value, dynamic: parameter ? undefined : dynamic, reference, parameter };
}

/** The parameter a JSONPath names (`$.parameters.kmsKey`, `$.parameters['kmsKey']`), if it names one. */
export function parameterName(reference: unknown): string | undefined {
    if (typeof reference !== "string") return undefined;
    const match = /^\s*\$\.parameters(?:\.([A-Za-z0-9_-]+)|\[\s*['"]([^'"]+)['"]\s*\])\s*$/.exec(reference);
    return match ? (match[1] ?? match[2]) : undefined;
}

/**
 * The `key` blocks of a workflow's document (its `data`), each at `data: <path>` as messages name it; none while
 * `data` is unknown until apply (noted on the check).
 */
export function workflowBlocks(check: Check, data: () => unknown, key: string): Found[] {
    const document = check.read("data", data);
    if (!document.known) return [];
    return findBlocks(workflowDocument(document.value), key).map(({ at, value }) => ({ at: `data: ${at}`, value }));
}

/** `arn:<partition>:imagebuilder:<region>:aws:workflow/...`: AWS's own build, test and distribution workflows. */
export function isAwsOwnedWorkflow(arn: string): boolean {
    return /^arn:[a-z-]+:imagebuilder:[a-z0-9-]*:aws:workflow\//i.test(arn.trim());
}

/** Blocks a workflow may take whole from a JSONPath (`distributions.$: ...`): each holds what the pack judges. */
export const JUDGED_BLOCKS = ["distributions", "launchPermission", "attributes", "s3ExportConfiguration", "amiTags"];

/** Every `<block>.$` key in the document for one of `blocks` (any case), with its path and the JSONPath it names. */
export function dynamicBlocks(document: unknown, blocks: readonly string[] = JUDGED_BLOCKS): Array<{ at: string; key: string; reference: unknown }> {
    const wanted = new Set(blocks.map(block => `${block.toLowerCase()}.$`));
    const found: Array<{ at: string; key: string; reference: unknown }> = [];
    const stack: Array<{ node: unknown; at: string }> = [{ node: document, at: "" }];
    let visited = 0;
    while (stack.length > 0 && visited++ < MAX_NODES) {
        const { node, at } = stack.pop()!;
        if (Array.isArray(node)) node.forEach((item, index) => stack.push({ node: item, at: `${at}[${index}]` }));
        else if (node !== null && typeof node === "object") {
            for (const [name, value] of Object.entries(node as Record<string, unknown>)) {
                const path = at === "" ? name : `${at}.${name}`;
                if (wanted.has(name.toLowerCase())) found.push({ at: path, key: name, reference: value });
                stack.push({ node: value, at: path });
            }
        }
    }
    return found;
}
