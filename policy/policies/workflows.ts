// workflow-parameters-resolved: a workflow document's value taken from a workflow parameter (`field.$: "$.parameters.x"`)
// is resolved from what each image or pipeline of the stack that runs the workflow passes (else the parameter's default),
// and the resolved document is judged by the same rules as a written-out one; a value that cannot be resolved is refused.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { DeclaredKeys, declaredKeysOf } from "../lib/keys";
import { isUnknownValueError } from "../lib/unknowns";
import { validateStackWithCheck } from "../lib/validation";
import { isBlank, keyReference, show } from "../lib/values";
import { documentText, resolveDocument, Resolved, usesParameters, WorkflowRuns } from "../lib/workflowParameters";
import { blockField, findBlocks, workflowDocument } from "../lib/workflows";
import { imageKeysCustomerManaged, imagesEncryptedWithCmk } from "./encryption";
import { noPublicImages } from "./publicSharing";
import { imageSharingAllowListed } from "./sharing";
import { imagesTagged } from "./tags";

/** The rules a written-out workflow document is judged by, replayed over each resolved one. */
const REPLAYED: ResourceValidationPolicy[] = [noPublicImages, imageSharingAllowListed, imagesEncryptedWithCmk, imagesTagged];

/** The replayed rules' settings, given here as they are given to those rules (policy/*.json keeps them equal). */
const configSchema: PolicyConfigSchema = {
    properties: {
        ...imageSharingAllowListed.configSchema!.properties,
        ...imagesTagged.configSchema!.properties,
        ...imageKeysCustomerManaged.configSchema!.properties,
    },
};

/** Runs one resource rule over `resource` with its `data` replaced; returns its messages, or that something was unknown. */
function replay(
    policy: ResourceValidationPolicy,
    resource: PolicyResource,
    data: string,
    config: Record<string, unknown>,
    stackTags: ReadonlyMap<string, string>,
): { messages: string[]; unknown: boolean } {
    // The resource's other inputs stay as they are (unknowns included); only the document changes.
    const props = Object.create(resource.props as object) as Record<string, unknown>;
    Object.defineProperty(props, "data", { value: data, enumerable: true });
    const messages: string[] = [];
    const args: ResourceValidationArgs = {
        type: resource.type,
        props,
        urn: resource.urn,
        name: resource.name,
        opts: resource.opts,
        provider: resource.provider,
        stackTags,
        getConfig: <T extends object>() => config as T,
        isType: type => resource.isType(type),
        asType: (type => (resource.isType(type) ? props : undefined)) as ResourceValidationArgs["asType"],
        notApplicable: (reason?: string): never => {
            throw new Error(reason ?? "not applicable");
        },
    };
    const validations = Array.isArray(policy.validateResource) ? policy.validateResource : policy.validateResource ? [policy.validateResource] : [];
    let unknown = false;
    for (const validate of validations) {
        try {
            validate(args, message => messages.push(message));
        } catch (error) {
            if (isUnknownValueError(error)) unknown = true;
            else throw error;
        }
    }
    return { messages, unknown };
}

/** Only a stack with workflows has anything here: the analyzer skips the rest without reading their resources. */
const validateStack = validateStackWithCheck((args, check) => {
    const workflows = args.resources.filter(resource => resource.isType(aws.imagebuilder.Workflow));
    if (workflows.length === 0) return;
    const config = configWithDefaults<Record<string, unknown> & { externalKeyArns: string[] }>(configSchema, args.getConfig());
    let runs: WorkflowRuns | undefined;
    let keys: DeclaredKeys | undefined;
    const declaredKeys = () => (keys ??= declaredKeysOf(args.resources, config.externalKeyArns));

    for (const workflow of workflows) {
        const data = check.read(`${workflow.name}.data`, () => workflow.props.data as unknown);
        if (!data.known) continue;
        const document = workflowDocument(data.value);
        if (!usesParameters(document)) continue;
        runs ??= new WorkflowRuns(args.resources);
        const found = runs.runsOf(workflow, document);
        if (found.length === 0) {
            if (runs.incomplete) check.unknown(`which builds run ${workflow.name}`);
            else
                check.violation(
                    "data takes values from workflow parameters ($.parameters.…), and no aws.imagebuilder.Image or ImagePipeline of this stack runs " +
                        "this workflow, so the pack cannot tell what they are passed: run it from the stack's builds (workflows[].parameters), or write the values out in the document.",
                    workflow.urn,
                );
            continue;
        }
        // What the rules already say of the document as written: only what the parameters add is reported here.
        const written = new Map(REPLAYED.map(policy => [policy.name, new Set(replay(policy, workflow, String(data.value), config, args.stackTags).messages)]));
        const writtenKeys = new Set(keysIn(document));
        for (const run of found) {
            const resolved = resolveDocument(document, run);
            const under = `with the parameters ${run.build} passes (${describe(resolved)})`;
            for (const { at, parameter } of resolved.unresolved) {
                check.violation(
                    `data: ${at} takes workflow parameter ${JSON.stringify(parameter)}, which ${run.build} does not pass and the document gives no default, ` +
                        "so the pack cannot tell its value: pass it in the build's workflows[].parameters, give it a default, or write the value out in the document.",
                    workflow.urn,
                );
            }
            for (const { parameter } of resolved.unknown) check.unknown(`parameter ${parameter} that ${run.build} passes to ${workflow.name}`);
            const text = documentText(resolved.document);
            for (const policy of REPLAYED) {
                const { messages, unknown } = replay(policy, workflow, text, config, args.stackTags);
                if (unknown) check.unknown(`${workflow.name}'s document as ${run.build} runs it (${policy.name})`);
                for (const message of messages.filter(message => !written.get(policy.name)!.has(message))) {
                    check.violation(`${under}: ${message} (${policy.name})`, workflow.urn);
                }
            }
            // A key a parameter names must be one the stack declares, as image-keys-customer-managed holds written-out keys.
            for (const keyId of keysIn(resolved.document).filter(keyId => !writtenKeys.has(keyId))) {
                if (keyReference(keyId) === "aws-managed-alias") continue;
                const standing = declaredKeys().standing(keyId);
                if (standing.declared === "unknown") check.unknown(`whether key ${keyId} that ${run.build} passes to ${workflow.name} is declared`);
                else if (standing.declared === false)
                    check.violation(
                        `${under}: a DistributeImage kmsKeyId is ${show(keyId)}, ${standing.why}, so the pack cannot tell it is customer-managed: ` +
                            "pass the ARN of an aws.kms.Key declared in this stack, or list the key in externalKeyArns once checked.",
                        workflow.urn,
                    );
            }
        }
    }
});
(validateStack as unknown as { __pulumiType: string }).__pulumiType = (aws.imagebuilder.Workflow as unknown as { __pulumiType: string }).__pulumiType;

export const workflowParametersResolved: StackValidationPolicy = {
    name: "workflow-parameters-resolved",
    description:
        "A workflow document's value taken from a workflow parameter is resolved from what each image or pipeline of the stack passes, " +
        "and judged like a written-out value (public groups, allow-lists, keys, tags); one that cannot be resolved is refused.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack,
};

/** The DistributeImage keys written out in a document. */
function keysIn(document: unknown): string[] {
    return findBlocks(document, "distributions")
        .map(({ value }) => blockField(value, "kmsKeyId").value)
        .filter((keyId): keyId is string => typeof keyId === "string" && !isBlank(keyId))
        .map(keyId => keyId.trim());
}

function describe(resolved: Resolved): string {
    return [...resolved.used].map(([name, value]) => `${name} = ${JSON.stringify(value)}`).join(", ") || "none used";
}
