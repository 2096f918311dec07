// Reading how the stack launches instances: which resources launch, the launch templates (or launch
// configurations) they name, and a template's primary network interface.
import * as aws from "@pulumi/aws";
import { Resource } from "@pulumi/pulumi";
import { PolicyResource } from "@pulumi/policy";
import { Check, Reading } from "./unknowns";
import { isBlank, strings } from "./values";

/** A launch template named somewhere: by id or by name. */
export interface TemplateReference {
    field: string;
    reference: string;
}

/** One way the stack launches instances, and what it needs to judge their public IP. */
export interface Launch {
    /** The resource the finding is reported at. */
    at: PolicyResource;
    /** The field a message names, e.g. `launchTemplate`, `launchSpecifications[0]`. */
    field: string;
    template?: PolicyResource;
    /** The launch's own public IP setting, when it has one (launch configurations, instances, Spot Fleet specifications). */
    publicIp?: unknown;
    subnets: string[];
    /** Attaches an existing network interface: EC2 assigns no public IP to it. */
    existingInterface?: boolean;
}

export type Props = Record<string, any>;

export function templateReferences(resource: PolicyResource, check: Check): TemplateReference[] {
    const props = resource.props as Props;
    const found: TemplateReference[] = [];
    const add = (field: string, specification: () => Props | undefined, idKey: string, nameKey: string) => {
        const spec = check.read(`${resource.name}.${field}`, specification);
        if (!spec.known || !spec.value) return;
        const value = spec.value;
        for (const key of [idKey, nameKey]) {
            const reference = check.read(`${resource.name}.${field}.${key}`, () => value[key] as unknown);
            if (reference.known && typeof reference.value === "string" && !isBlank(reference.value))
                found.push({ field: `${field}.${key}`, reference: reference.value });
        }
    };
    if (resource.isType(aws.autoscaling.Group)) {
        add("launchTemplate", () => props.launchTemplate, "id", "name");
        const mixed = "mixedInstancesPolicy.launchTemplate";
        add(
            `${mixed}.launchTemplateSpecification`,
            () => props.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification,
            "launchTemplateId",
            "launchTemplateName",
        );
        check.each(
            `${resource.name}.${mixed}.overrides`,
            () => props.mixedInstancesPolicy?.launchTemplate?.overrides,
            (override: Props, at) =>
                add(
                    `${at.slice(resource.name.length + 1)}.launchTemplateSpecification`,
                    () => override.launchTemplateSpecification,
                    "launchTemplateId",
                    "launchTemplateName",
                ),
        );
    } else if (resource.isType(aws.ec2.Instance) || resource.isType(aws.ec2.SpotInstanceRequest) || resource.isType(aws.eks.NodeGroup)) {
        add("launchTemplate", () => props.launchTemplate, "id", "name");
    } else if (resource.isType(aws.batch.ComputeEnvironment)) {
        add("computeResources.launchTemplate", () => props.computeResources?.launchTemplate, "launchTemplateId", "launchTemplateName");
    } else if (resource.isType(aws.ec2.Fleet) || resource.isType(aws.ec2.SpotFleetRequest)) {
        const [idKey, nameKey] = resource.isType(aws.ec2.Fleet) ? ["launchTemplateId", "launchTemplateName"] : ["id", "name"];
        check.each(
            `${resource.name}.launchTemplateConfigs`,
            () => props.launchTemplateConfigs,
            (config: Props, at) =>
                add(`${at.slice(resource.name.length + 1)}.launchTemplateSpecification`, () => config.launchTemplateSpecification, idKey, nameKey),
        );
    }
    return found;
}

export const LAUNCHERS: Array<new (...rest: any[]) => Resource> = [
    aws.autoscaling.Group,
    aws.ec2.Instance,
    aws.ec2.SpotInstanceRequest,
    aws.ec2.Fleet,
    aws.ec2.SpotFleetRequest,
    aws.eks.NodeGroup,
    aws.batch.ComputeEnvironment,
];

/** An instance launched on its own: an `aws.ec2.Instance` or an `aws.ec2.SpotInstanceRequest`, which takes the same inputs. */
export function isSingleInstance(resource: PolicyResource): boolean {
    return resource.isType(aws.ec2.Instance) || resource.isType(aws.ec2.SpotInstanceRequest);
}

/** The launch configuration an Auto Scaling group names, if any. */
export function launchConfigurationName(group: PolicyResource, check: Check): string | undefined {
    const name = check.read(`${group.name}.launchConfiguration`, () => group.props.launchConfiguration as unknown);
    return name.known && typeof name.value === "string" && !isBlank(name.value) ? name.value : undefined;
}

export function launchers(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter(resource => LAUNCHERS.some(type => resource.isType(type)));
}

/**
 * A launch template's own public IP setting: its primary network interface's (device index 0, which is what
 * an unset deviceIndex means) associatePublicIpAddress, wherever that interface is in the list.
 */
export function templatePublicIp(
    template: PolicyResource,
    check: Check,
): Reading<{ publicIp: unknown; subnets: string[]; existingInterface: boolean; at: string }> {
    const interfaces = check.read(`${template.name}.networkInterfaces`, () => template.props.networkInterfaces as Props[] | undefined);
    if (!interfaces.known) return interfaces;
    const list = interfaces.value ?? [];
    let index = -1;
    for (let position = 0; position < list.length && index < 0; position++) {
        const deviceIndex = check.read(`${template.name}.networkInterfaces[${position}].deviceIndex`, () => list[position]?.deviceIndex as unknown);
        if (!deviceIndex.known) return { known: false };
        if (isBlank(deviceIndex.value) || Number(deviceIndex.value) === 0) index = position;
    }
    const primary = index >= 0 ? list[index] : undefined;
    if (!primary) return { known: true, value: { publicIp: undefined, subnets: [], existingInterface: false, at: "networkInterfaces[0]" } };
    const at = `networkInterfaces[${index}]`;
    const publicIp = check.read(`${template.name}.${at}.associatePublicIpAddress`, () => primary.associatePublicIpAddress as unknown);
    const subnet = check.read(`${template.name}.${at}.subnetId`, () => primary.subnetId as unknown);
    const existing = check.read(`${template.name}.${at}.networkInterfaceId`, () => primary.networkInterfaceId as unknown);
    if (!publicIp.known || !subnet.known || !existing.known) return { known: false };
    return { known: true, value: { publicIp: publicIp.value, subnets: strings(subnet.value), existingInterface: !isBlank(existing.value), at } };
}
