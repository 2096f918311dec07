// Rule 7: launch templates require IMDSv2 with a short hop limit, encrypt every EBS volume and give no public IP.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { Unwrap } from "@pulumi/pulumi";
import { configWithDefaults } from "../lib/config";
import { Check } from "../lib/unknowns";
import { withCheck } from "../lib/validation";
import { isTrue, show } from "../lib/values";

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

type MetadataOptions = Unwrap<aws.types.input.ec2.LaunchTemplateMetadataOptions>;

function checkMetadataOptions(check: Check, metadataOptions: () => MetadataOptions | undefined, maxHopLimit: number): void {
    const allowed = maxHopLimit === 1 ? "1" : `at most ${maxHopLimit}`;
    const httpTokens = check.read("metadataOptions.httpTokens", () => metadataOptions()?.httpTokens);
    if (httpTokens.known && httpTokens.value !== "required") {
        check.violation(`metadataOptions.httpTokens is ${show(httpTokens.value)}: set it to "required" so instances use IMDSv2 only.`);
    }

    const hopLimit = check.read("metadataOptions.httpPutResponseHopLimit", () => metadataOptions()?.httpPutResponseHopLimit);
    if (!hopLimit.known) return;
    if (hopLimit.value === undefined || hopLimit.value === null) {
        // EC2 then takes the AMI's default: 2 for AMIs with ImdsSupport v2.0, such as Amazon Linux 2023.
        check.violation(`metadataOptions.httpPutResponseHopLimit is not set, so the AMI's default applies (2 for Amazon Linux 2023): set it to ${allowed}.`);
    } else if (!(Number(hopLimit.value) <= maxHopLimit)) {
        check.violation(`metadataOptions.httpPutResponseHopLimit is ${show(hopLimit.value)}, above the allowed ${maxHopLimit}: set it to ${allowed}.`);
    }
}

export const launchTemplatesHardened: ResourceValidationPolicy = {
    name: "launch-templates-hardened",
    description: "Launch templates require IMDSv2 with a short hop limit, encrypt every EBS volume and assign no public IP address.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateResource: validateResourceOfType(aws.ec2.LaunchTemplate, withCheck((template, args, check) => {
        const { maxHopLimit } = configWithDefaults<LaunchTemplatesHardenedConfig>(configSchema, args.getConfig<LaunchTemplatesHardenedConfig>());

        const httpEndpoint = check.read("metadataOptions.httpEndpoint", () => template.metadataOptions?.httpEndpoint);
        // With the metadata service off there is no IMDSv1 to fall back to and nothing to hop to.
        const metadataOff = httpEndpoint.known && httpEndpoint.value === "disabled";
        if (!metadataOff) checkMetadataOptions(check, () => template.metadataOptions, maxHopLimit);

        check.each("blockDeviceMappings", () => template.blockDeviceMappings, (mapping, at) => {
            const ebs = check.read(`${at}.ebs`, () => mapping.ebs);
            if (!ebs.known || !ebs.value) return;
            const volume = ebs.value;
            const encrypted = check.read(`${at}.ebs.encrypted`, () => volume.encrypted);
            if (encrypted.known && !isTrue(encrypted.value)) {
                check.violation(`${at}.ebs.encrypted is ${show(encrypted.value)}: set it to "true".`);
            }
        });

        check.each("networkInterfaces", () => template.networkInterfaces, (networkInterface, at) => {
            const publicIp = check.read(`${at}.associatePublicIpAddress`, () => networkInterface.associatePublicIpAddress);
            if (publicIp.known && isTrue(publicIp.value)) {
                check.violation(`${at}.associatePublicIpAddress is ${show(publicIp.value)}: set it to "false" (or leave it unset) ` +
                    "and reach instances through a load balancer or Systems Manager.");
            }
        });
    })),
};
