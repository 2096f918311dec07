// Rule 7 across the stack: whatever launches instances (Auto Scaling groups, instances, EC2 Fleets, Spot
// Fleets) launches them from launch templates the pack can check, and gets no public IP from its subnet.
import * as aws from "@pulumi/aws";
import { Resource } from "@pulumi/pulumi";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { References } from "../lib/stack";
import { Check, Reading } from "../lib/unknowns";
import { validateStackWithCheck } from "../lib/validation";
import { isBlank, isFalse, isTrue, show, strings } from "../lib/values";

/** A launch template named somewhere: by id or by name. */
interface TemplateReference {
    field: string;
    reference: string;
}

/** One way the stack launches instances, and what it needs to judge their public IP. */
interface Launch {
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

type Props = Record<string, any>;

function templateReferences(resource: PolicyResource, check: Check): TemplateReference[] {
    const props = resource.props as Props;
    const found: TemplateReference[] = [];
    const add = (field: string, specification: () => Props | undefined, idKey: string, nameKey: string) => {
        const spec = check.read(`${resource.name}.${field}`, specification);
        if (!spec.known || !spec.value) return;
        const value = spec.value;
        for (const key of [idKey, nameKey]) {
            const reference = check.read(`${resource.name}.${field}.${key}`, () => value[key] as unknown);
            if (reference.known && typeof reference.value === "string" && !isBlank(reference.value)) found.push({ field: `${field}.${key}`, reference: reference.value });
        }
    };
    if (resource.isType(aws.autoscaling.Group)) {
        add("launchTemplate", () => props.launchTemplate, "id", "name");
        const mixed = "mixedInstancesPolicy.launchTemplate";
        add(`${mixed}.launchTemplateSpecification`, () => props.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification, "launchTemplateId", "launchTemplateName");
        check.each(`${resource.name}.${mixed}.overrides`, () => props.mixedInstancesPolicy?.launchTemplate?.overrides, (override: Props, at) =>
            add(`${at.slice(resource.name.length + 1)}.launchTemplateSpecification`, () => override.launchTemplateSpecification, "launchTemplateId", "launchTemplateName"));
    } else if (resource.isType(aws.ec2.Instance)) {
        add("launchTemplate", () => props.launchTemplate, "id", "name");
    } else if (resource.isType(aws.ec2.Fleet) || resource.isType(aws.ec2.SpotFleetRequest)) {
        const [idKey, nameKey] = resource.isType(aws.ec2.Fleet) ? ["launchTemplateId", "launchTemplateName"] : ["id", "name"];
        check.each(`${resource.name}.launchTemplateConfigs`, () => props.launchTemplateConfigs, (config: Props, at) =>
            add(`${at.slice(resource.name.length + 1)}.launchTemplateSpecification`, () => config.launchTemplateSpecification, idKey, nameKey));
    }
    return found;
}

const LAUNCHERS: Array<new (...rest: any[]) => Resource> = [aws.autoscaling.Group, aws.ec2.Instance, aws.ec2.Fleet, aws.ec2.SpotFleetRequest];

function launchers(resources: PolicyResource[]): PolicyResource[] {
    return resources.filter(resource => LAUNCHERS.some(type => resource.isType(type)));
}

export const launchTemplatesDeclared: StackValidationPolicy = {
    name: "launch-templates-declared",
    description: "Auto Scaling groups, instances and fleets launch from launch templates this stack declares, so the pack checks what they launch.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWithCheck((args, check) => {
        const users = launchers(args.resources);
        if (users.length === 0) args.notApplicable("Nothing in the stack launches instances.");
        const templates = new References(args.resources.filter(resource => resource.isType(aws.ec2.LaunchTemplate)), ["id", "arn", "name"]);
        for (const user of users) {
            for (const { field, reference } of templateReferences(user, check)) {
                if (templates.find(reference)) continue;
                if (templates.incomplete) {
                    check.unknown(`whether ${user.name}.${field} is a launch template the stack declares`);
                    continue;
                }
                check.violation(`${field} is ${show(reference)}, a launch template this stack does not declare, so the pack cannot check its ` +
                    "metadata options, volumes, public IP, user data or image: declare the aws.ec2.LaunchTemplate in this stack and pass its id.", user.urn);
            }
        }
    }),
};

/** A launch template's own public IP setting: its first network interface's associatePublicIpAddress. */
function templatePublicIp(template: PolicyResource, check: Check): Reading<{ publicIp: unknown; subnets: string[]; existingInterface: boolean }> {
    const interfaces = check.read(`${template.name}.networkInterfaces`, () => template.props.networkInterfaces as Props[] | undefined);
    if (!interfaces.known) return interfaces;
    const first = interfaces.value?.[0];
    if (!first) return { known: true, value: { publicIp: undefined, subnets: [], existingInterface: false } };
    const publicIp = check.read(`${template.name}.networkInterfaces[0].associatePublicIpAddress`, () => first.associatePublicIpAddress as unknown);
    const subnet = check.read(`${template.name}.networkInterfaces[0].subnetId`, () => first.subnetId as unknown);
    const existing = check.read(`${template.name}.networkInterfaces[0].networkInterfaceId`, () => first.networkInterfaceId as unknown);
    if (!publicIp.known || !subnet.known || !existing.known) return { known: false };
    return { known: true, value: { publicIp: publicIp.value, subnets: strings(subnet.value), existingInterface: !isBlank(existing.value) } };
}

export const instancesGetNoPublicIp: StackValidationPolicy = {
    name: "instances-get-no-public-ip",
    description: "Instances launched without an explicit associatePublicIpAddress launch into subnets this stack declares without mapPublicIpOnLaunch.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWithCheck((args, check) => {
        const resources = args.resources;
        const templates = resources.filter(resource => resource.isType(aws.ec2.LaunchTemplate));
        const configurations = resources.filter(resource => resource.isType(aws.ec2.LaunchConfiguration));
        const users = launchers(resources);
        if (templates.length + configurations.length + users.length === 0) args.notApplicable("Nothing in the stack launches instances.");
        const templateRefs = new References(templates, ["id", "arn", "name"]);
        const configurationRefs = new References(configurations, ["id", "arn", "name"]);
        const subnetRefs = new References(resources.filter(resource => resource.isType(aws.ec2.Subnet)), ["id", "arn"]);
        const used = new Set<PolicyResource>();
        const launches: Launch[] = [];
        const read = <T>(resource: PolicyResource, field: string, get: () => T) => check.read(`${resource.name}.${field}`, get);

        for (const user of users) {
            const props = user.props as Props;
            const templatesUsed = templateReferences(user, check).map(({ field, reference }) => ({ field, template: templateRefs.find(reference) }))
                .filter((found): found is { field: string; template: PolicyResource } => !!found.template);
            templatesUsed.forEach(({ template }) => used.add(template));
            if (user.isType(aws.ec2.Instance)) {
                const publicIp = read(user, "associatePublicIpAddress", () => props.associatePublicIpAddress as unknown);
                const subnet = read(user, "subnetId", () => props.subnetId as unknown);
                const interfaces = read(user, "networkInterfaces", () => (props.networkInterfaces as unknown[] | undefined)?.length ?? 0);
                const primary = read(user, "primaryNetworkInterface", () => props.primaryNetworkInterface as unknown);
                if (!publicIp.known || !subnet.known || !interfaces.known || !primary.known) continue;
                const existingInterface = interfaces.value > 0 || !!primary.value;
                launches.push({ at: user, field: "associatePublicIpAddress", template: templatesUsed[0]?.template, publicIp: publicIp.value, subnets: strings(subnet.value), existingInterface });
            } else if (user.isType(aws.autoscaling.Group)) {
                const subnets = read(user, "vpcZoneIdentifiers", () => strings(props.vpcZoneIdentifiers));
                if (!subnets.known) continue;
                for (const { field, template } of templatesUsed) launches.push({ at: user, field, template, subnets: subnets.value });
                const configurationName = read(user, "launchConfiguration", () => props.launchConfiguration as unknown);
                if (configurationName.known && typeof configurationName.value === "string" && !isBlank(configurationName.value)) {
                    const configuration = configurationRefs.find(configurationName.value);
                    if (configuration) {
                        used.add(configuration);
                        const publicIp = read(configuration, "associatePublicIpAddress", () => configuration.props.associatePublicIpAddress as unknown);
                        if (publicIp.known) launches.push({ at: user, field: `launchConfiguration (${configuration.name})`, publicIp: publicIp.value, subnets: subnets.value });
                    } else if (configurationRefs.incomplete) {
                        check.unknown(`whether ${user.name}.launchConfiguration is a launch configuration the stack declares`);
                    }
                }
            } else {
                // EC2 Fleet and Spot Fleet: subnets come from each launch template config's overrides.
                check.each(`${user.name}.launchTemplateConfigs`, () => props.launchTemplateConfigs as Props[] | undefined, (config, at) => {
                    const field = at.slice(user.name.length + 1);
                    const template = templatesUsed.find(found => found.field.startsWith(`${field}.`))?.template;
                    const subnets = check.read(`${at}.overrides`, () => ((config.overrides as Props[] | undefined) ?? []).flatMap(override => strings(override.subnetId)));
                    if (template && subnets.known) launches.push({ at: user, field: `${field}.launchTemplateSpecification`, template, subnets: subnets.value });
                });
                if (user.isType(aws.ec2.SpotFleetRequest)) {
                    check.each(`${user.name}.launchSpecifications`, () => props.launchSpecifications as Props[] | undefined, (specification, at) => {
                        const field = at.slice(user.name.length + 1);
                        const publicIp = check.read(`${at}.associatePublicIpAddress`, () => specification.associatePublicIpAddress as unknown);
                        const subnet = check.read(`${at}.subnetId`, () => specification.subnetId as unknown);
                        if (publicIp.known && subnet.known) launches.push({ at: user, field: `${field}.associatePublicIpAddress`, publicIp: publicIp.value, subnets: strings(subnet.value).flatMap(id => id.split(",")).map(id => id.trim()) });
                    });
                }
            }
        }
        // A template or launch configuration nothing here launches is launched elsewhere, into subnets the pack cannot see.
        for (const template of templates.filter(template => !used.has(template))) launches.push({ at: template, field: "networkInterfaces[0].associatePublicIpAddress", template, subnets: [] });
        for (const configuration of configurations.filter(configuration => !used.has(configuration))) {
            const publicIp = read(configuration, "associatePublicIpAddress", () => configuration.props.associatePublicIpAddress as unknown);
            if (publicIp.known) launches.push({ at: configuration, field: "associatePublicIpAddress", publicIp: publicIp.value, subnets: [] });
        }

        for (const launch of launches) {
            let { publicIp, subnets, existingInterface } = launch;
            let field = launch.field;
            if (isBlank(publicIp) && launch.template) {
                const fromTemplate = templatePublicIp(launch.template, check);
                if (!fromTemplate.known) continue;
                publicIp = fromTemplate.value.publicIp;
                existingInterface ||= fromTemplate.value.existingInterface;
                if (subnets.length === 0) subnets = fromTemplate.value.subnets;
                if (launch.at !== launch.template) field = `${launch.field} (${launch.template.name}'s networkInterfaces[0].associatePublicIpAddress)`;
            }
            // An explicit true is the resource rules' finding; an explicit false or an existing interface gets no public IP.
            if (isTrue(publicIp) || isFalse(publicIp) || existingInterface) continue;
            const fix = launch.template ? 'set the template\'s networkInterfaces[0].associatePublicIpAddress to "false"' : "set associatePublicIpAddress to false";
            if (subnets.length === 0) {
                check.violation(`${field} is not set and the pack cannot see the subnet it launches into (a default subnet assigns public IPs): ${fix}.`, launch.at.urn);
                continue;
            }
            for (const subnetId of subnets) {
                const subnet = subnetRefs.find(subnetId);
                if (!subnet) {
                    if (subnetRefs.incomplete) check.unknown(`whether subnet ${subnetId} is one the stack declares`);
                    else check.violation(`${field} is not set, so whether instances get a public IP depends on subnet ${subnetId}, which this stack ` +
                        `does not declare: ${fix}.`, launch.at.urn);
                    continue;
                }
                const mapsPublicIp = check.read(`${subnet.name}.mapPublicIpOnLaunch`, () => subnet.props.mapPublicIpOnLaunch as unknown);
                if (mapsPublicIp.known && isTrue(mapsPublicIp.value)) {
                    check.violation(`${field} is not set and subnet ${subnet.name} has mapPublicIpOnLaunch true, so instances get a public IP: ${fix}.`, launch.at.urn);
                }
            }
        }
    }),
};
