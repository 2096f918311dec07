// launch-templates-hardened and instance-launches-hardened: whatever a launch template or instance sets itself (also
// Spot requests, launch configurations, Spot Fleets, Image Builder's build instances, standalone network interfaces):
// IMDSv2 with a short hop limit, encrypted volumes, no public or IPv6 address, no secrets in user data.
import * as aws from "@pulumi/aws";
import { Unwrap } from "@pulumi/pulumi";
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { Check } from "../lib/unknowns";
import { secretsIn } from "../lib/userData";
import { on, validateResourceOfTypes } from "../lib/validation";
import { isBlank, isTrue, isWord, itemsOf, keyReference, show } from "../lib/values";

export interface LaunchTemplatesHardenedConfig {
    maxHopLimit: number;
}

const configSchema: PolicyConfigSchema = {
    properties: {
        maxHopLimit: {
            type: "integer",
            minimum: 1,
            maximum: 64,
            description: "Largest metadataOptions.httpPutResponseHopLimit allowed; 1 keeps instance credentials away from containers. Default 1.",
            default: 1,
        },
    },
};

function maxHopLimitOf(args: ResourceValidationArgs): number {
    return configWithDefaults<LaunchTemplatesHardenedConfig>(configSchema, args.getConfig<LaunchTemplatesHardenedConfig>()).maxHopLimit;
}

interface MetadataOptions {
    httpEndpoint?: string;
    httpTokens?: string;
    httpPutResponseHopLimit?: number;
}

interface MetadataCheck {
    /** Where the options are: `metadataOptions`, `instanceMetadataOptions`. */
    field: string;
    options: () => MetadataOptions | undefined;
    maxHopLimit: number;
    /** Unset values are inherited from a launch template (checked on its own): only set ones are judged. */
    inherited?: boolean;
}

/** IMDSv2 required and a short hop limit, unless the metadata service is off altogether. */
export function checkMetadataOptions(check: Check, { field, options: given, maxHopLimit, inherited }: MetadataCheck): void {
    // One block given as a list of one is read as that block.
    const options = () => itemsOf<MetadataOptions>(given())[0];
    const httpEndpoint = check.read(`${field}.httpEndpoint`, () => options()?.httpEndpoint);
    // With the metadata service off there is no IMDSv1 to fall back to and nothing to hop to.
    if (httpEndpoint.known && isWord(httpEndpoint.value, "disabled")) return;
    const allowed = maxHopLimit === 1 ? "1" : `at most ${maxHopLimit}`;

    const httpTokens = check.read(`${field}.httpTokens`, () => options()?.httpTokens);
    const tokensUnset = httpTokens.known && isBlank(httpTokens.value);
    if (httpTokens.known && !(inherited && tokensUnset) && (typeof httpTokens.value !== "string" || httpTokens.value.trim().toLowerCase() !== "required")) {
        check.violation(`${field}.httpTokens is ${show(httpTokens.value)}: set it to "required" so instances use IMDSv2 only.`);
    }

    const hopLimit = check.read(`${field}.httpPutResponseHopLimit`, () => options()?.httpPutResponseHopLimit);
    if (!hopLimit.known) return;
    if (hopLimit.value === undefined || hopLimit.value === null) {
        // EC2 then takes the AMI's default: 2 for AMIs with ImdsSupport v2.0, such as Amazon Linux 2023.
        if (!inherited)
            check.violation(`${field}.httpPutResponseHopLimit is not set, so the AMI's default applies (2 for Amazon Linux 2023): set it to ${allowed}.`);
    } else if (isBlank(hopLimit.value) || Number(hopLimit.value) < 1) {
        // The provider sends no hop limit for 0 (its zero value, "" included): EC2 then takes the AMI's default as if it were unset.
        if (!inherited) {
            check.violation(
                `${field}.httpPutResponseHopLimit is ${show(hopLimit.value)}, not a hop limit of 1 or more: the provider sends none for 0, so ` +
                    `the AMI's default applies (2 for Amazon Linux 2023); set it to ${allowed}.`,
            );
        }
    } else if (!(Number(hopLimit.value) <= maxHopLimit)) {
        check.violation(`${field}.httpPutResponseHopLimit is ${show(hopLimit.value)}, above the allowed ${maxHopLimit}: set it to ${allowed}.`);
    }
}

/** Every EBS volume in the list at `field` is encrypted (`ebsOf` finds the volume in an item, at `ebsPath`). */
function checkVolumesEncrypted(
    check: Check,
    field: string,
    volumes: () => readonly any[] | undefined,
    ebsOf: (item: any) => any = item => item,
    ebsPath = "",
    yes = "true",
): void {
    check.each(field, volumes, (item, at) => {
        const ebs = check.read(`${at}${ebsPath}`, () => ebsOf(item));
        if (!ebs.known || !ebs.value) return;
        const volume = ebs.value;
        const encrypted = check.read(`${at}${ebsPath}.encrypted`, () => volume.encrypted);
        if (encrypted.known && !isTrue(encrypted.value)) check.violation(`${at}${ebsPath}.encrypted is ${show(encrypted.value)}: set it to ${yes}.`);
        checkVolumeKey(check, `${at}${ebsPath}.kmsKeyId`, () => volume.kmsKeyId);
    });
}

/** A volume's key, when set, is not an AWS-managed one (`alias/aws/ebs` however written): an image captured from it could never be shared. */
function checkVolumeKey(check: Check, field: string, get: () => unknown): void {
    const keyId = check.read(field, get);
    if (keyId.known && typeof keyId.value === "string" && keyReference(keyId.value) === "aws-managed-alias") {
        check.violation(
            `${field} is ${show(keyId.value)}, an AWS-managed key: the pack's images are encrypted with customer-managed keys only, ` +
                "and a volume under aws/ebs cannot be captured into an image that can be shared; set it to the image's customer-managed key.",
        );
    }
}

/** A declared root volume is encrypted (an undeclared one follows the image, which is encrypted). */
function checkRootVolumeEncrypted(check: Check, root: () => { encrypted?: unknown; kmsKeyId?: unknown } | undefined): void {
    const encrypted = check.read("rootBlockDevice.encrypted", () => {
        const device = itemsOf<{ encrypted?: unknown }>(root())[0];
        return device ? device.encrypted : true;
    });
    if (encrypted.known && !isTrue(encrypted.value)) check.violation(`rootBlockDevice.encrypted is ${show(encrypted.value)}: set it to true.`);
    checkVolumeKey(check, "rootBlockDevice.kmsKeyId", () => itemsOf<{ kmsKeyId?: unknown }>(root())[0]?.kmsKeyId);
}

function checkPublicIp(check: Check, field: string, get: () => unknown, no = "false"): void {
    const publicIp = check.read(field, get);
    if (publicIp.known && isTrue(publicIp.value)) {
        check.violation(`${field} is ${show(publicIp.value)}: set it to ${no} and reach instances through a load balancer or Systems Manager.`);
    }
}

/**
 * No IPv6 address asked for: a count above 0, a list of addresses or prefixes, a count of prefixes, or a primary IPv6
 * address (`fields` maps each field to its kind). A global IPv6 address is as reachable from the internet as a public IPv4 one.
 */
function checkNoIpv6(check: Check, at: string, get: () => Record<string, unknown> | undefined, fields: Record<string, "count" | "list" | "flag">): void {
    for (const [name, kind] of Object.entries(fields)) {
        const field = at ? `${at}.${name}` : name;
        const value = check.read(field, () => {
            const given = get()?.[name];
            if (isBlank(given)) return { given, asks: false };
            return { given, asks: kind === "count" ? Number(given) > 0 : kind === "list" ? itemsOf(given).some(item => !isBlank(item)) : isTrue(given) };
        });
        if (value.known && value.value.asks) {
            check.violation(
                `${field} is ${show(value.value.given)}, which gives instances a global IPv6 address, reachable from the internet like a public IP: ` +
                    "remove it and reach instances through a load balancer or Systems Manager.",
            );
        }
    }
}

/** No access keys, private keys or plain-text passwords in user data (plain, base64 or gzip). */
export function checkUserData(check: Check, field: string, get: () => unknown, readers = "anyone who can describe the instance or template"): void {
    const userData = check.read(field, get);
    if (!userData.known) return;
    const secrets = secretsIn(userData.value);
    if (secrets.length > 0) {
        check.violation(
            `${field} contains ${secrets.join(" and ")} in plain text, readable by ${readers}: ` +
                "remove it and have the instance fetch what it needs through its role (Secrets Manager, SSM Parameter Store SecureString).",
        );
    }
}

/** What `aws.ec2.Instance` and `aws.ec2.SpotInstanceRequest` both take. */
type InstanceInputs = Unwrap<aws.ec2.InstanceArgs> | Unwrap<aws.ec2.SpotInstanceRequestArgs>;

function checkInstance(check: Check, instance: InstanceInputs, maxHopLimit: number): void {
    const template = check.read("launchTemplate", () => instance.launchTemplate);
    const inherited = !template.known || !!template.value;
    checkMetadataOptions(check, { field: "metadataOptions", options: () => instance.metadataOptions, maxHopLimit, inherited });
    checkRootVolumeEncrypted(check, () => instance.rootBlockDevice);
    checkVolumesEncrypted(check, "ebsBlockDevices", () => instance.ebsBlockDevices);
    checkPublicIp(check, "associatePublicIpAddress", () => instance.associatePublicIpAddress);
    checkNoIpv6(check, "", () => instance as Record<string, unknown>, { ipv6AddressCount: "count", ipv6Addresses: "list", enablePrimaryIpv6: "flag" });
    checkUserData(check, "userData", () => instance.userData);
    checkUserData(check, "userDataBase64", () => (instance as Unwrap<aws.ec2.InstanceArgs>).userDataBase64);
}

export const launchTemplatesHardened: ResourceValidationPolicy = {
    name: "launch-templates-hardened",
    description:
        "Launch templates require IMDSv2 with a short hop limit, encrypt every EBS volume, assign no public IP address and keep secrets out of user data.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateResource: validateResourceOfTypes(
        on(aws.ec2.LaunchTemplate, (template, args, check) => {
            checkMetadataOptions(check, { field: "metadataOptions", options: () => template.metadataOptions, maxHopLimit: maxHopLimitOf(args) });
            // The provider types these two as strings.
            checkVolumesEncrypted(
                check,
                "blockDeviceMappings",
                () => template.blockDeviceMappings,
                mapping => mapping.ebs,
                ".ebs",
                '"true"',
            );
            check.each(
                "networkInterfaces",
                () => template.networkInterfaces,
                (networkInterface, at) => {
                    checkPublicIp(check, `${at}.associatePublicIpAddress`, () => networkInterface.associatePublicIpAddress, '"false"');
                    // A carrier IP is a public address in a Wavelength Zone.
                    checkPublicIp(check, `${at}.associateCarrierIpAddress`, () => networkInterface.associateCarrierIpAddress, '"false"');
                    checkNoIpv6(check, at, () => networkInterface as Record<string, unknown>, {
                        ipv6AddressCount: "count",
                        ipv6Addresses: "list",
                        ipv6PrefixCount: "count",
                        ipv6Prefixes: "list",
                        primaryIpv6: "flag",
                    });
                },
            );
            checkUserData(check, "userData", () => template.userData);
        }),
    ),
};

export const instanceLaunchesHardened: ResourceValidationPolicy = {
    name: "instance-launches-hardened",
    description:
        "Instances launched without a launch template (aws.ec2.Instance, Spot Instance requests, launch configurations, Spot Fleet launch specifications, " +
        "Image Builder build instances) meet the launch template rules: IMDSv2, short hop limit, encrypted volumes, no public IP, no secrets in user data " +
        "(nor in the Image Builder components and workflows they run); no Elastic IP on an instance; account metadata defaults that keep IMDSv2.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateResource: validateResourceOfTypes(
        on(aws.ec2.Instance, (instance, args, check) => checkInstance(check, instance, maxHopLimitOf(args))),
        // A Spot Instance request launches an instance from the same inputs.
        on(aws.ec2.SpotInstanceRequest, (request, args, check) => checkInstance(check, request, maxHopLimitOf(args))),
        on(aws.ec2.LaunchConfiguration, (configuration, args, check) => {
            checkMetadataOptions(check, { field: "metadataOptions", options: () => configuration.metadataOptions, maxHopLimit: maxHopLimitOf(args) });
            checkRootVolumeEncrypted(check, () => configuration.rootBlockDevice);
            checkVolumesEncrypted(check, "ebsBlockDevices", () => configuration.ebsBlockDevices);
            checkPublicIp(check, "associatePublicIpAddress", () => configuration.associatePublicIpAddress);
            checkUserData(check, "userData", () => configuration.userData);
            checkUserData(check, "userDataBase64", () => configuration.userDataBase64);
        }),
        on(aws.ec2.SpotFleetRequest, (fleet, _args, check) => {
            check.each(
                "launchSpecifications",
                () => fleet.launchSpecifications,
                (specification, at) => {
                    check.violation(
                        `${at} cannot set metadataOptions, so its instances may use IMDSv1 and any hop limit: ` +
                            "use launchTemplateConfigs with a launch template that requires IMDSv2 instead.",
                    );
                    checkVolumesEncrypted(check, `${at}.rootBlockDevices`, () => specification.rootBlockDevices);
                    checkVolumesEncrypted(check, `${at}.ebsBlockDevices`, () => specification.ebsBlockDevices);
                    checkPublicIp(check, `${at}.associatePublicIpAddress`, () => specification.associatePublicIpAddress);
                    checkUserData(check, `${at}.userData`, () => specification.userData);
                },
            );
        }),
        on(aws.imagebuilder.InfrastructureConfiguration, (infrastructure, args, check) => {
            checkMetadataOptions(check, {
                field: "instanceMetadataOptions",
                options: () => infrastructure.instanceMetadataOptions as MetadataOptions | undefined,
                maxHopLimit: maxHopLimitOf(args),
            });
        }),
        on(aws.imagebuilder.ImageRecipe, (recipe, _args, check) => {
            // Build instances run it, and it is readable wherever the recipe is.
            checkUserData(check, "userDataBase64", () => recipe.userDataBase64);
        }),
        on(aws.imagebuilder.Component, (component, _args, check) => {
            // Build instances run the document, and anyone the component is shared with can read it.
            checkUserData(check, "data", () => component.data, "anyone who can get the component");
        }),
        on(aws.imagebuilder.Workflow, (workflow, _args, check) => {
            // A workflow's LaunchInstance step takes its own userDataOverride, and its RunCommand steps run commands on the instance.
            checkUserData(check, "data", () => workflow.data, "anyone who can get the workflow");
        }),
        on(aws.ec2.InstanceMetadataDefaults, (defaults, args, check) => {
            // The account's defaults for this region apply to every launch that does not set its own.
            const maxHopLimit = maxHopLimitOf(args);
            const endpoint = check.read("httpEndpoint", () => defaults.httpEndpoint);
            if (endpoint.known && isWord(endpoint.value, "disabled")) return;
            const tokens = check.read("httpTokens", () => defaults.httpTokens);
            if (tokens.known && isWord(tokens.value, "optional")) {
                check.violation(
                    `httpTokens is ${show(tokens.value)}, which makes IMDSv1 the default for every instance launched in this account and region ` +
                        'without its own setting: set it to "required" (or "no-preference").',
                );
            }
            const hopLimit = check.read("httpPutResponseHopLimit", () => defaults.httpPutResponseHopLimit);
            if (hopLimit.known && !isBlank(hopLimit.value) && Number(hopLimit.value) !== -1 && !(Number(hopLimit.value) <= maxHopLimit)) {
                check.violation(
                    `httpPutResponseHopLimit is ${show(hopLimit.value)}, above the allowed ${maxHopLimit}, as the default for every instance launched ` +
                        `in this account and region: set it to ${maxHopLimit === 1 ? "1" : `at most ${maxHopLimit}`} (or -1 for no preference).`,
                );
            }
        }),
        on(aws.ec2.NetworkInterface, (networkInterface, _args, check) => {
            // A standalone interface attached to an instance gives it the interface's addresses, whatever its launch settings say.
            checkNoIpv6(check, "", () => networkInterface as Record<string, unknown>, {
                ipv6AddressCount: "count",
                ipv6AddressLists: "list",
                ipv6Addresses: "list",
                ipv6PrefixCount: "count",
                ipv6Prefixes: "list",
                enablePrimaryIpv6: "flag",
            });
        }),
        on(aws.ec2.Eip, (eip, _args, check) => {
            for (const field of ["instance", "networkInterface"] as const) {
                const target = check.read(field, () => eip[field]);
                if (target.known && !isBlank(target.value)) {
                    check.violation(
                        `${field} is ${show(target.value)}: an Elastic IP gives that instance a public address whatever its launch settings say; ` +
                            "remove it and reach instances through a load balancer or Systems Manager (an Elastic IP for a NAT gateway sets neither field).",
                    );
                }
            }
        }),
        on(aws.ec2.EipAssociation, (association, _args, check) => {
            for (const field of ["instanceId", "networkInterfaceId"] as const) {
                const target = check.read(field, () => association[field]);
                if (target.known && !isBlank(target.value)) {
                    check.violation(
                        `${field} is ${show(target.value)}: associating an Elastic IP gives that instance a public address whatever its launch ` +
                            "settings say; remove this association and reach instances through a load balancer or Systems Manager.",
                    );
                }
            }
        }),
    ),
};
