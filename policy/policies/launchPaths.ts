// launch-templates-declared and instances-get-no-public-ip: whatever launches instances (Auto Scaling groups, instances,
// Spot requests, EC2 Fleets, Spot Fleets, EKS node groups, Batch compute environments) launches them from launch templates
// (or launch configurations) the pack can check, and gets no public IP from its subnet.
import * as aws from "@pulumi/aws";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isSingleInstance, Launch, launchConfigurationName, launchers, Props, templatePublicIp, templateReferences } from "../lib/launches";
import { References } from "../lib/stack";
import { validateStackWithCheck } from "../lib/validation";
import { isBlank, isFalse, isTrue, show, strings } from "../lib/values";

export const launchTemplatesDeclared: StackValidationPolicy = {
    name: "launch-templates-declared",
    description:
        "Auto Scaling groups, instances, Spot requests, fleets, EKS node groups and Batch compute environments launch from launch templates " +
        "(or launch configurations) this stack declares, so the pack checks what they launch.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWithCheck((args, check) => {
        const users = launchers(args.resources);
        const distributions = args.resources.filter(resource => resource.isType(aws.imagebuilder.DistributionConfiguration));
        if (users.length === 0 && distributions.length === 0) args.notApplicable("Nothing in the stack launches instances.");
        const templates = new References(
            args.resources.filter(resource => resource.isType(aws.ec2.LaunchTemplate)),
            ["id", "arn", "name"],
        );
        // A distribution that sets the new image in a template of this account makes that template launch it.
        for (const distribution of distributions) {
            const props = distribution.props as Props;
            check.each(
                `${distribution.name}.distributions`,
                () => props.distributions as Props[] | undefined,
                (target, at) =>
                    check.each(
                        `${at}.launchTemplateConfigurations`,
                        () => target.launchTemplateConfigurations as Props[] | undefined,
                        (configuration, configurationAt) => {
                            const account = check.read(`${configurationAt}.accountId`, () => configuration.accountId as unknown);
                            // Another account's template is that account's; image-sharing-allow-listed holds the account to the allow-list.
                            if (!account.known || !isBlank(account.value)) return;
                            const template = check.read(`${configurationAt}.launchTemplateId`, () => configuration.launchTemplateId as unknown);
                            if (!template.known || typeof template.value !== "string" || isBlank(template.value) || templates.find(template.value)) return;
                            if (templates.incomplete) check.unknown(`whether ${configurationAt}.launchTemplateId is a launch template the stack declares`);
                            else
                                check.violation(
                                    `${configurationAt.slice(distribution.name.length + 1)}.launchTemplateId is ${show(template.value)}, a launch template this stack ` +
                                        "does not declare, so the pack cannot check the instances it launches from each new image: declare the aws.ec2.LaunchTemplate " +
                                        "in this stack and pass its id.",
                                    distribution.urn,
                                );
                        },
                    ),
            );
        }
        const groups = users.filter(user => user.isType(aws.autoscaling.Group));
        const configurations =
            groups.length > 0
                ? new References(
                      args.resources.filter(resource => resource.isType(aws.ec2.LaunchConfiguration)),
                      ["id", "arn", "name"],
                  )
                : undefined;
        for (const group of groups) {
            // A launch configuration from outside the stack launches with settings no rule sees (IMDSv1, volumes, public IP).
            const name = launchConfigurationName(group, check);
            if (name === undefined || configurations!.find(name)) continue;
            if (configurations!.incomplete) check.unknown(`whether ${group.name}.launchConfiguration is a launch configuration the stack declares`);
            else
                check.violation(
                    `launchConfiguration is ${show(name)}, a launch configuration this stack does not declare, so the pack cannot check its ` +
                        "metadata options, volumes, public IP or user data: use launchTemplate { id, version } with an aws.ec2.LaunchTemplate declared in this stack.",
                    group.urn,
                );
        }
        for (const environment of users.filter(user => user.isType(aws.batch.ComputeEnvironment))) {
            // A compute environment that names an image but no launch template launches it with Batch's own settings (IMDSv1 allowed).
            const props = environment.props as Props;
            const template = check.read(`${environment.name}.computeResources.launchTemplate`, () => props.computeResources?.launchTemplate as unknown);
            if (!template.known || template.value) continue;
            const images = check.read(`${environment.name}.computeResources.ec2Configurations`, () => [
                ...strings(props.computeResources?.imageId).map(image => ({ field: "computeResources.imageId", image })),
                ...((props.computeResources?.ec2Configurations ?? []) as Props[]).flatMap((configuration, index) =>
                    strings(configuration?.imageIdOverride).map(image => ({ field: `computeResources.ec2Configurations[${index}].imageIdOverride`, image })),
                ),
            ]);
            if (!images.known) continue;
            for (const { field, image } of images.value) {
                check.violation(
                    `${field} is ${show(image)} but computeResources.launchTemplate is not set, so Batch launches the image with its own ` +
                        "metadata options (IMDSv1 allowed), volumes and network settings, which no rule sees: set computeResources.launchTemplate to an " +
                        "aws.ec2.LaunchTemplate declared in this stack.",
                    environment.urn,
                );
            }
        }
        for (const user of users) {
            for (const { field, reference } of templateReferences(user, check)) {
                if (templates.find(reference)) continue;
                if (templates.incomplete) {
                    check.unknown(`whether ${user.name}.${field} is a launch template the stack declares`);
                    continue;
                }
                check.violation(
                    `${field} is ${show(reference)}, a launch template this stack does not declare, so the pack cannot check its ` +
                        "metadata options, volumes, public IP, user data or image: declare the aws.ec2.LaunchTemplate in this stack and pass its id.",
                    user.urn,
                );
            }
        }
    }),
};

export const instancesGetNoPublicIp: StackValidationPolicy = {
    name: "instances-get-no-public-ip",
    description:
        "Instances launched without an explicit associatePublicIpAddress launch into subnets this stack declares without mapPublicIpOnLaunch, " +
        "and no instance launches into a subnet that assigns IPv6 addresses.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWithCheck((args, check) => {
        const resources = args.resources;
        const templates = resources.filter(resource => resource.isType(aws.ec2.LaunchTemplate));
        const configurations = resources.filter(resource => resource.isType(aws.ec2.LaunchConfiguration));
        const users = launchers(resources);
        const builds = resources.filter(resource => resource.isType(aws.imagebuilder.InfrastructureConfiguration));
        const interfaces = resources.filter(resource => resource.isType(aws.ec2.NetworkInterface));
        if (templates.length + configurations.length + users.length + builds.length + interfaces.length === 0)
            args.notApplicable("Nothing in the stack launches instances.");
        const templateRefs = new References(templates, ["id", "arn", "name"]);
        const configurationRefs = new References(configurations, ["id", "arn", "name"]);
        // A default subnet adopted into the stack keeps mapping public IPv4 addresses unless it says false.
        const subnetRefs = new References(
            resources.filter(resource => resource.isType(aws.ec2.Subnet) || resource.isType(aws.ec2.DefaultSubnet)),
            ["id", "arn"],
        );
        const mapsPublicIp = (subnet: PolicyResource) => {
            const maps = check.read(`${subnet.name}.mapPublicIpOnLaunch`, () => subnet.props.mapPublicIpOnLaunch as unknown);
            if (!maps.known) return false;
            return isTrue(maps.value) || (subnet.isType(aws.ec2.DefaultSubnet) && isBlank(maps.value));
        };
        /** The setting by which a subnet gives every new interface a global IPv6 address, if it does. */
        const assignsIpv6 = (subnet: PolicyResource) =>
            ["assignIpv6AddressOnCreation", "ipv6Native"].find(setting => {
                const assigns = check.read(`${subnet.name}.${setting}`, () => subnet.props[setting] as unknown);
                return assigns.known && isTrue(assigns.value);
            });
        const used = new Set<PolicyResource>();
        const launches: Launch[] = [];
        const read = <T>(resource: PolicyResource, field: string, get: () => T) => check.read(`${resource.name}.${field}`, get);

        for (const user of users) {
            const props = user.props as Props;
            const templatesUsed = templateReferences(user, check)
                .map(({ field, reference }) => ({ field, template: templateRefs.find(reference) }))
                .filter((found): found is { field: string; template: PolicyResource } => !!found.template);
            templatesUsed.forEach(({ template }) => used.add(template));
            if (isSingleInstance(user)) {
                const publicIp = read(user, "associatePublicIpAddress", () => props.associatePublicIpAddress as unknown);
                const subnet = read(user, "subnetId", () => props.subnetId as unknown);
                const interfaces = read(user, "networkInterfaces", () => (props.networkInterfaces as unknown[] | undefined)?.length ?? 0);
                const primary = read(user, "primaryNetworkInterface", () => props.primaryNetworkInterface as unknown);
                if (!publicIp.known || !subnet.known || !interfaces.known || !primary.known) continue;
                const existingInterface = interfaces.value > 0 || !!primary.value;
                launches.push({
                    at: user,
                    field: "associatePublicIpAddress",
                    template: templatesUsed[0]?.template,
                    publicIp: publicIp.value,
                    subnets: strings(subnet.value),
                    existingInterface,
                });
            } else if (user.isType(aws.autoscaling.Group)) {
                const subnets = read(user, "vpcZoneIdentifiers", () => strings(props.vpcZoneIdentifiers));
                if (!subnets.known) continue;
                for (const { field, template } of templatesUsed) launches.push({ at: user, field, template, subnets: subnets.value });
                const configurationName = launchConfigurationName(user, check);
                if (configurationName !== undefined) {
                    const configuration = configurationRefs.find(configurationName);
                    if (configuration) {
                        used.add(configuration);
                        const publicIp = read(configuration, "associatePublicIpAddress", () => configuration.props.associatePublicIpAddress as unknown);
                        if (publicIp.known)
                            launches.push({ at: user, field: `launchConfiguration (${configuration.name})`, publicIp: publicIp.value, subnets: subnets.value });
                    } else if (configurationRefs.incomplete) {
                        check.unknown(`whether ${user.name}.launchConfiguration is a launch configuration the stack declares`);
                    }
                }
            } else if (user.isType(aws.eks.NodeGroup) || user.isType(aws.batch.ComputeEnvironment)) {
                const [subnetField, getSubnets] = user.isType(aws.eks.NodeGroup)
                    ? (["subnetIds", () => strings(props.subnetIds)] as const)
                    : (["computeResources.subnets", () => strings(props.computeResources?.subnets)] as const);
                const subnets = read(user, subnetField, getSubnets);
                if (subnets.known) for (const { field, template } of templatesUsed) launches.push({ at: user, field, template, subnets: subnets.value });
            } else {
                // EC2 Fleet and Spot Fleet: subnets come from each launch template config's overrides.
                check.each(
                    `${user.name}.launchTemplateConfigs`,
                    () => props.launchTemplateConfigs as Props[] | undefined,
                    (config, at) => {
                        const field = at.slice(user.name.length + 1);
                        const template = templatesUsed.find(found => found.field.startsWith(`${field}.`))?.template;
                        const subnets = check.read(`${at}.overrides`, () =>
                            ((config.overrides as Props[] | undefined) ?? []).flatMap(override => strings(override.subnetId)),
                        );
                        if (template && subnets.known)
                            launches.push({ at: user, field: `${field}.launchTemplateSpecification`, template, subnets: subnets.value });
                    },
                );
                if (user.isType(aws.ec2.SpotFleetRequest)) {
                    check.each(
                        `${user.name}.launchSpecifications`,
                        () => props.launchSpecifications as Props[] | undefined,
                        (specification, at) => {
                            const field = at.slice(user.name.length + 1);
                            const publicIp = check.read(`${at}.associatePublicIpAddress`, () => specification.associatePublicIpAddress as unknown);
                            const subnet = check.read(`${at}.subnetId`, () => specification.subnetId as unknown);
                            if (publicIp.known && subnet.known)
                                launches.push({
                                    at: user,
                                    field: `${field}.associatePublicIpAddress`,
                                    publicIp: publicIp.value,
                                    subnets: strings(subnet.value)
                                        .flatMap(id => id.split(","))
                                        .map(id => id.trim()),
                                });
                        },
                    );
                }
            }
        }
        // A template or launch configuration nothing here launches is launched elsewhere, into subnets the pack cannot see.
        for (const template of templates.filter(template => !used.has(template)))
            launches.push({ at: template, field: "networkInterfaces[0].associatePublicIpAddress", template, subnets: [] });
        for (const configuration of configurations.filter(configuration => !used.has(configuration))) {
            const publicIp = read(configuration, "associatePublicIpAddress", () => configuration.props.associatePublicIpAddress as unknown);
            if (publicIp.known) launches.push({ at: configuration, field: "associatePublicIpAddress", publicIp: publicIp.value, subnets: [] });
        }

        for (const launch of launches) {
            let { publicIp, subnets, existingInterface } = launch;
            let field = launch.field;
            let primary = "networkInterfaces[0]";
            if ((isBlank(publicIp) || subnets.length === 0) && launch.template) {
                const fromTemplate = templatePublicIp(launch.template, check);
                if (!fromTemplate.known) continue;
                existingInterface ||= fromTemplate.value.existingInterface;
                if (subnets.length === 0) subnets = fromTemplate.value.subnets;
                if (isBlank(publicIp)) {
                    publicIp = fromTemplate.value.publicIp;
                    primary = fromTemplate.value.at;
                    if (launch.at !== launch.template) field = `${launch.field} (${launch.template.name}'s ${fromTemplate.value.at}.associatePublicIpAddress)`;
                    else field = `${fromTemplate.value.at}.associatePublicIpAddress`;
                }
            }
            // A subnet that assigns IPv6 addresses gives every new interface a global one, whatever associatePublicIpAddress says,
            // and the provider cannot ask for none (it does not send an ipv6AddressCount of 0).
            if (!existingInterface) {
                for (const subnetId of subnets.flatMap(id => id.split(",")).map(id => id.trim())) {
                    const subnet = subnetRefs.find(subnetId);
                    if (!subnet) continue;
                    const setting = assignsIpv6(subnet);
                    if (setting) {
                        check.violation(
                            `${launch.field} launches into subnet ${subnet.name}, which has ${setting} true, so instances get a global IPv6 ` +
                                "address, reachable from the internet like a public IP: launch into a subnet that assigns no IPv6 addresses " +
                                "(assignIpv6AddressOnCreation false, not IPv6-native).",
                            launch.at.urn,
                        );
                    }
                }
            }
            // An explicit true is the resource rules' finding; an explicit false or an existing interface gets no public IP.
            if (isTrue(publicIp) || isFalse(publicIp) || existingInterface) continue;
            const fix = launch.template ? `set the template's ${primary}.associatePublicIpAddress to "false"` : "set associatePublicIpAddress to false";
            if (subnets.length === 0) {
                check.violation(
                    `${field} is not set and the pack cannot see the subnet it launches into (a default subnet assigns public IPs): ${fix}.`,
                    launch.at.urn,
                );
                continue;
            }
            for (const subnetId of subnets) {
                const subnet = subnetRefs.find(subnetId);
                if (!subnet) {
                    if (subnetRefs.incomplete) check.unknown(`whether subnet ${subnetId} is one the stack declares`);
                    else
                        check.violation(
                            `${field} is not set, so whether instances get a public IP depends on subnet ${subnetId}, which this stack ` +
                                `does not declare: ${fix}.`,
                            launch.at.urn,
                        );
                    continue;
                }
                if (mapsPublicIp(subnet)) {
                    check.violation(
                        `${field} is not set and subnet ${subnet.name} has mapPublicIpOnLaunch true, so instances get a public IP: ${fix}.`,
                        launch.at.urn,
                    );
                }
            }
        }

        // A standalone interface created in a subnet that assigns IPv6 addresses gets one, and so does whatever instance it is attached to.
        for (const networkInterface of interfaces) {
            const subnetId = read(networkInterface, "subnetId", () => networkInterface.props.subnetId as unknown);
            if (!subnetId.known || typeof subnetId.value !== "string" || isBlank(subnetId.value)) continue;
            const subnet = subnetRefs.find(subnetId.value);
            const setting = subnet && assignsIpv6(subnet);
            if (setting) {
                check.violation(
                    `subnetId is ${subnet.name}, which has ${setting} true, so this network interface gets a global IPv6 address, reachable from the ` +
                        "internet like a public IP, and so does any instance it is attached to: create it in a subnet that assigns no IPv6 addresses.",
                    networkInterface.urn,
                );
            }
        }

        // Image Builder's build and test instances take whatever address their subnet hands out: the configuration has no
        // public IP setting. A subnet outside the stack is the team's build network, configured, and trusted; no subnet is the
        // default VPC (which policy/README.md lists as what the pack cannot see).
        for (const build of builds) {
            const subnetId = read(build, "subnetId", () => build.props.subnetId as unknown);
            if (!subnetId.known || typeof subnetId.value !== "string" || isBlank(subnetId.value)) continue;
            const subnet = subnetRefs.find(subnetId.value);
            if (!subnet) {
                if (subnetRefs.incomplete) check.unknown(`whether ${build.name}.subnetId is a subnet the stack declares`);
                continue;
            }
            const fix =
                "build in a private subnet (mapPublicIpOnLaunch false, no IPv6 assignment) that reaches Systems Manager, S3 and Image Builder " +
                "through a NAT gateway or VPC endpoints";
            if (mapsPublicIp(subnet)) {
                check.violation(
                    `subnetId is ${subnet.name}, which ${subnet.isType(aws.ec2.DefaultSubnet) ? "is a default subnet that maps public IPv4 addresses (mapPublicIpOnLaunch is not false)" : "has mapPublicIpOnLaunch true"}, ` +
                        `so every build and test instance gets a public IP (an infrastructure configuration cannot refuse one): ${fix}.`,
                    build.urn,
                );
            }
            const setting = assignsIpv6(subnet);
            if (setting) {
                check.violation(
                    `subnetId is ${subnet.name}, which has ${setting} true, so every build and test instance gets a global IPv6 address, ` +
                        `reachable from the internet like a public IP: ${fix}.`,
                    build.urn,
                );
            }
        }
    }),
};
