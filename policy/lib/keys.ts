// Where resources name the keys their images are encrypted with, and the keys the stack declares.
import * as aws from "@pulumi/aws";
import { PolicyResource } from "@pulumi/policy";
import { eachDlmCopy } from "./distributions";
import { Check } from "./unknowns";

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
        check.each(`${resource.name}.blockDeviceMappings`, () => props.blockDeviceMappings as any[], (mapping, at) =>
            add(`${local(resource, at)}.ebs.kmsKeyId`, () => mapping.ebs?.kmsKeyId));
    }
    if (resource.isType(aws.dlm.LifecyclePolicy)) {
        const scoped = new Check(() => undefined, "stack");
        eachDlmCopy(scoped, () => props.policyDetails, (at, copy) => add(`${at}.cmkArn`, () => copy.cmkArn));
        scoped.unchecked.forEach(field => check.unknown(`${resource.name}.${field}`));
    }
    if (resource.isType(aws.imagebuilder.DistributionConfiguration)) {
        check.each(`${resource.name}.distributions`, () => props.distributions as any[], (target, at) =>
            add(`${local(resource, at)}.amiDistributionConfiguration.kmsKeyId`, () => target.amiDistributionConfiguration?.kmsKeyId));
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
    check.each(`${instance.name}.ebsBlockDevices`, () => props.ebsBlockDevices as any[], (device, at) => {
        const encrypted = check.read(`${at}.encrypted`, () => device.encrypted);
        const keyId = check.read(`${at}.kmsKeyId`, () => device.kmsKeyId);
        if (encrypted.known && keyId.known) volumes.push({ field: local(instance, at), encrypted: encrypted.value, keyId: keyId.value });
    });
    return volumes;
}
