// Where resources name the keys their images are encrypted with, and the keys the stack declares.
import * as aws from "@pulumi/aws";
import { PolicyResource } from "@pulumi/policy";
import { deployingAccountId, providerAccount } from "./accounts";
import { eachDlmCopy } from "./distributions";
import { References } from "./stack";
import { Check, read } from "./unknowns";
import { isBlank, keyIdOf, keyReference } from "./values";
import { blockField, workflowBlocks } from "./workflows";

/** A path noted for a stack check (`name.field[0]`) as the resource's own field (`field[0]`), for messages. */
export function local(resource: PolicyResource, path: string): string {
    return path.startsWith(`${resource.name}.`) ? path.slice(resource.name.length + 1) : path;
}

/** Where a resource names the key its image (or the image's snapshot) is encrypted with. */
export function keyFields(resource: PolicyResource, check: Check): Array<{ field: string; keyId: unknown }> {
    const fields: Array<{ field: string; keyId: unknown }> = [];
    const add = (field: string, get: () => unknown) => {
        const keyId = check.read(`${resource.name}.${field}`, get);
        if (keyId.known) fields.push({ field, keyId: keyId.value });
    };
    const props = resource.props as Record<string, any>;
    if (resource.isType(aws.ec2.AmiCopy) || resource.isType(aws.ebs.SnapshotCopy)) add("kmsKeyId", () => props.kmsKeyId);
    if (resource.isType(aws.ebs.DefaultKmsKey)) add("keyArn", () => props.keyArn);
    if (resource.isType(aws.imagebuilder.ImageRecipe)) {
        check.each(
            `${resource.name}.blockDeviceMappings`,
            () => props.blockDeviceMappings as any[],
            (mapping, at) => add(`${local(resource, at)}.ebs.kmsKeyId`, () => mapping.ebs?.kmsKeyId),
        );
    }
    if (resource.isType(aws.dlm.LifecyclePolicy)) {
        const scoped = new Check(() => undefined, "stack");
        eachDlmCopy(
            scoped,
            () => props.policyDetails,
            (at, copy) => add(`${at}.cmkArn`, () => copy.cmkArn),
        );
        scoped.unchecked.forEach(field => check.unknown(`${resource.name}.${field}`));
    }
    if (resource.isType(aws.imagebuilder.Workflow)) {
        // A DistributeImage step's keys replace the distribution configuration's (a key from a parameter: workflow-parameters-resolved).
        const scoped = new Check(() => undefined, "stack");
        for (const { at, value } of workflowBlocks(scoped, () => props.data, "distributions")) {
            const keyId = blockField(value, "kmsKeyId").value;
            if (typeof keyId === "string") fields.push({ field: `${at}.kmsKeyId`, keyId });
        }
        scoped.unchecked.forEach(field => check.unknown(`${resource.name}.${field}`));
    }
    if (resource.isType(aws.imagebuilder.DistributionConfiguration)) {
        check.each(
            `${resource.name}.distributions`,
            () => props.distributions as any[],
            (target, at) => add(`${local(resource, at)}.amiDistributionConfiguration.kmsKeyId`, () => target.amiDistributionConfiguration?.kmsKeyId),
        );
    }
    return fields;
}

/** An instance's volumes, which an AmiFromInstance captures with whatever keys they have. */
export function instanceVolumes(instance: PolicyResource, check: Check): Array<{ field: string; encrypted: unknown; keyId: unknown }> {
    const props = instance.props as Record<string, any>;
    const volumes: Array<{ field: string; encrypted: unknown; keyId: unknown }> = [];
    const root = check.read(`${instance.name}.rootBlockDevice`, () => props.rootBlockDevice);
    if (root.known) {
        const device = root.value ?? {};
        const encrypted = check.read(`${instance.name}.rootBlockDevice.encrypted`, () => device.encrypted);
        const keyId = check.read(`${instance.name}.rootBlockDevice.kmsKeyId`, () => device.kmsKeyId);
        if (encrypted.known && keyId.known) volumes.push({ field: "rootBlockDevice", encrypted: encrypted.value, keyId: keyId.value });
    }
    check.each(
        `${instance.name}.ebsBlockDevices`,
        () => props.ebsBlockDevices as any[],
        (device, at) => {
            const encrypted = check.read(`${at}.encrypted`, () => device.encrypted);
            const keyId = check.read(`${at}.kmsKeyId`, () => device.kmsKeyId);
            if (encrypted.known && keyId.known) volumes.push({ field: local(instance, at), encrypted: encrypted.value, keyId: keyId.value });
        },
    );
    return volumes;
}

/** AWS-managed keys describe themselves so ("Default key that protects my EBS volumes when no other key is defined"): imported, they are still not the stack's. */
const AWS_MANAGED_DESCRIPTION = /^\s*Default (master )?key that protects my /i;

/** What the stack says about a key reference: declared (a key it creates, or a listed external key), unknown until apply, or why not. */
export type KeyStanding = { declared: true } | { declared: false; why: string } | { declared: "unknown" };

/**
 * The keys the stack declares: customer managed keys it creates (an AWS-managed key imported into the stack is not one),
 * the keys listed in `externalKeyArns`, and the aliases the stack creates for them. An alias resolves to the key the stack
 * declares under that name, in the account the alias's provider deploys into.
 */
/** The stack's declared keys, each resource's account read from its provider (else the deploying account's, when known). */
export function declaredKeysOf(resources: PolicyResource[], externalKeyArns: readonly string[], deployingId?: string): DeclaredKeys {
    const deploying = deployingId ?? deployingAccountId(resources.map(resource => resource.provider));
    return new DeclaredKeys(resources, externalKeyArns, resource => {
        const account = providerAccount(resource.provider, deploying);
        return account.known ? account.value.id : undefined;
    });
}

export class DeclaredKeys {
    private readonly keys: References;
    private readonly aliases = new Map<string, PolicyResource>();
    private readonly aliasesIncomplete: boolean;
    private readonly external: Set<string>;

    constructor(
        resources: PolicyResource[],
        externalKeyArns: readonly string[],
        private readonly accountOf: (resource: PolicyResource) => string | undefined,
    ) {
        const created = resources.filter(
            resource =>
                (resource.isType(aws.kms.Key) ||
                    resource.isType(aws.kms.ReplicaKey) ||
                    resource.isType(aws.kms.ExternalKey) ||
                    resource.isType(aws.kms.ReplicaExternalKey)) &&
                !AWS_MANAGED_DESCRIPTION.test(String(read(() => resource.props.description).known ? (resource.props.description ?? "") : "")),
        );
        this.keys = new References(created, ["arn", "keyId", "id"]);
        this.external = new Set(externalKeyArns.map(keyIdOf));
        let incomplete = false;
        for (const alias of resources.filter(resource => resource.isType(aws.kms.Alias))) {
            const name = read(() => alias.props.name as unknown);
            if (!name.known) incomplete = true;
            else if (typeof name.value === "string") this.aliases.set(name.value.trim().toLowerCase(), alias);
        }
        this.aliasesIncomplete = incomplete;
    }

    private standingOfKey(keyId: string): KeyStanding {
        if (this.keys.find(keyId) || this.keys.find(keyIdOf(keyId)) || this.external.has(keyIdOf(keyId))) return { declared: true };
        if (this.keys.incomplete) return { declared: "unknown" };
        return { declared: false, why: "a key this stack does not declare" };
    }

    /** Whether `keyId` (a key ARN or id, an alias name or alias ARN) names a key the stack declares. */
    standing(keyId: string): KeyStanding {
        const trimmed = keyId.trim();
        const kind = keyReference(trimmed);
        if (kind !== "customer-alias") return this.standingOfKey(trimmed);
        const aliasArn = /^arn:[^:]+:kms:[^:]*:(\d{12})?:(alias\/.+)$/i.exec(trimmed);
        const name = (aliasArn ? aliasArn[2] : /(alias\/.+)$/i.exec(trimmed)![1]).toLowerCase();
        const alias = this.aliases.get(name);
        if (!alias)
            return this.aliasesIncomplete
                ? { declared: "unknown" }
                : { declared: false, why: "an alias this stack does not create, so the pack cannot tell which key it names" };
        if (aliasArn?.[1] && this.accountOf(alias) !== aliasArn[1]) {
            return {
                declared: false,
                why: `an alias in account ${aliasArn[1]}, not the stack's alias of that name (the pack cannot tie that account to the provider that creates it)`,
            };
        }
        const target = read(() => alias.props.targetKeyId as unknown);
        if (!target.known) return { declared: "unknown" };
        if (typeof target.value !== "string" || isBlank(target.value)) return { declared: false, why: "an alias with no target key" };
        const standing = this.standingOfKey(target.value);
        return standing.declared === false ? { declared: false, why: `an alias for ${target.value}, a key this stack does not declare` } : standing;
    }
}
