// asg-launch-template-pinned: Auto Scaling groups, EC2 Fleets and Spot Fleets launch from a launch template at a pinned
// version, so a new image rolls out through an instance refresh instead of silently applying to whatever launches next.
import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { Check } from "../lib/unknowns";
import { on, validateResourceOfTypes } from "../lib/validation";
import { isBlank, show } from "../lib/values";

/** Versions that float: EC2 resolves them at launch time, and Pulumi sees no change to roll out. */
const FLOATING_VERSIONS = ["$latest", "$default"];

const PIN = "pin it to the launch template's number, e.g. version: template.latestVersion.apply(String)";

function checkPinned(check: Check, field: string, get: () => unknown): void {
    const version = check.read(field, get);
    if (!version.known) return;
    if (isBlank(version.value)) {
        check.violation(`${field} is not set, so EC2 launches the template's $Default version: ${PIN}.`);
    } else if (typeof version.value === "string" && FLOATING_VERSIONS.includes(version.value.trim().toLowerCase())) {
        check.violation(`${field} is ${show(version.value)}, which floats and triggers no instance refresh: ${PIN}.`);
    }
}

/** What EC2 Fleet and Spot Fleet launch template configs share. */
interface FleetTemplateConfig {
    launchTemplateSpecification?: { version?: unknown };
}

/** EC2 Fleet and Spot Fleet: each launch template config names its template at a pinned version. */
function checkFleetTemplatesPinned(check: Check, configs: () => readonly FleetTemplateConfig[] | null | undefined): void {
    check.each("launchTemplateConfigs", configs, (config, at) => {
        const specification = check.read(`${at}.launchTemplateSpecification`, () => config.launchTemplateSpecification);
        if (specification.known && specification.value) checkPinned(check, `${at}.launchTemplateSpecification.version`, () => specification.value!.version);
    });
}

export const asgLaunchTemplatePinned: ResourceValidationPolicy = {
    name: "asg-launch-template-pinned",
    description:
        "Auto Scaling groups, EC2 Fleets and Spot Fleets use a launch template (not a launch configuration) at a pinned version, and the template pins its image.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateResourceOfTypes(
        on(aws.autoscaling.Group, (group, _args, check) => {
            const launchConfiguration = check.read("launchConfiguration", () => group.launchConfiguration);
            const usesLaunchConfiguration = launchConfiguration.known && !isBlank(launchConfiguration.value);
            if (usesLaunchConfiguration) {
                check.violation(
                    "launchConfiguration is set: AWS has deprecated launch configurations and they get no new instance types " +
                        "or features; use launchTemplate { id, version } with a pinned version instead.",
                );
            }

            const launchTemplate = check.read("launchTemplate", () => group.launchTemplate);
            if (launchTemplate.known && launchTemplate.value) {
                const template = launchTemplate.value;
                checkPinned(check, "launchTemplate.version", () => template.version);
            }

            const specificationField = "mixedInstancesPolicy.launchTemplate.launchTemplateSpecification";
            const mixed = check.read(specificationField, () => group.mixedInstancesPolicy?.launchTemplate?.launchTemplateSpecification);
            if (mixed.known && mixed.value) {
                const specification = mixed.value;
                checkPinned(check, `${specificationField}.version`, () => specification.version);
                check.each(
                    "mixedInstancesPolicy.launchTemplate.overrides",
                    () => group.mixedInstancesPolicy?.launchTemplate?.overrides,
                    (override, at) => {
                        const overridden = check.read(`${at}.launchTemplateSpecification`, () => override.launchTemplateSpecification);
                        if (overridden.known && overridden.value) {
                            const overrideSpecification = overridden.value;
                            checkPinned(check, `${at}.launchTemplateSpecification.version`, () => overrideSpecification.version);
                        }
                    },
                );
            }

            const noTemplate = launchTemplate.known && !launchTemplate.value && mixed.known && !mixed.value;
            if (noTemplate && launchConfiguration.known && !usesLaunchConfiguration) {
                check.violation("no launch template is set: set launchTemplate { id, version } " + `(or ${specificationField}) with a pinned version.`);
            }
        }),
        // A fleet on $Latest or $Default launches whatever version the template has when it next scales.
        on(aws.ec2.Fleet, (fleet, _args, check) => checkFleetTemplatesPinned(check, () => fleet.launchTemplateConfigs)),
        on(aws.ec2.SpotFleetRequest, (fleet, _args, check) => checkFleetTemplatesPinned(check, () => fleet.launchTemplateConfigs)),
        on(aws.ec2.LaunchTemplate, (template, _args, check) => {
            const imageId = check.read("imageId", () => template.imageId);
            if (imageId.known && typeof imageId.value === "string" && isFloatingImage(imageId.value)) {
                check.violation(
                    `imageId is ${show(imageId.value)}, which EC2 resolves at every launch, so a pinned template version still ` +
                        "launches whatever the parameter holds then and no instance refresh rolls it out: set imageId to the AMI id " +
                        "(e.g. the regional image's amiId), or pin the parameter version (resolve:ssm:<name>:<version>).",
                );
            }
        }),
    ),
};

/** `resolve:ssm:<parameter>` without a numeric version (a label can move too) floats. */
export function isFloatingImage(imageId: string): boolean {
    const parameter = /^resolve:ssm:(.+)$/i.exec(imageId.trim())?.[1];
    return parameter !== undefined && !/:\d+$/.test(parameter);
}
