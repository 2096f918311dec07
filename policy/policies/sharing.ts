// Rule 5: images are shared only with the accounts, organizations and OUs the policy config allow-lists.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { eachAmiDistribution } from "../lib/distributions";
import { Check } from "../lib/unknowns";
import { on, validateResourceOfTypes } from "../lib/validation";
import { isBlank, show } from "../lib/values";

export interface SharingAllowListConfig {
    allowedAccounts: string[];
    allowedOrganizationArns: string[];
    allowedOrganizationalUnitArns: string[];
}

type AllowList = keyof SharingAllowListConfig;

const configSchema: PolicyConfigSchema = {
    properties: {
        allowedAccounts: {
            type: "array",
            items: { type: "string", pattern: "^[0-9]{12}$" },
            description: "AWS account ids images may be shared with or distributed to. Default: none.",
            default: [],
        },
        allowedOrganizationArns: {
            type: "array",
            items: { type: "string", pattern: "^arn:aws[a-z-]*:organizations::[0-9]{12}:organization/o-[a-z0-9]+$" },
            description: "AWS Organizations ARNs images may be shared with. Default: none.",
            default: [],
        },
        allowedOrganizationalUnitArns: {
            type: "array",
            items: { type: "string", pattern: "^arn:aws[a-z-]*:organizations::[0-9]{12}:ou/o-[a-z0-9]+/ou-[a-z0-9-]+$" },
            description: "Organizational unit ARNs images may be shared with. Default: none.",
            default: [],
        },
    },
};

function allowLists(args: ResourceValidationArgs): SharingAllowListConfig {
    return configWithDefaults<SharingAllowListConfig>(configSchema, args.getConfig<SharingAllowListConfig>());
}

/** Reports `principal` (the value at `field`) unless it is on the `list` allow-list. */
function checkPrincipal(check: Check, allowed: SharingAllowListConfig, list: AllowList, field: string, principal: unknown): void {
    if (isBlank(principal)) return;
    const permitted = allowed[list];
    if (typeof principal === "string" && permitted.includes(principal.trim())) return;
    check.violation(`${field} is ${show(principal)}, which is not allow-listed: share only with the principals in this policy's ` +
        `${list} config (${permitted.length > 0 ? permitted.join(", ") : "none yet"}), or add it there once it has been approved.`);
}

function checkField(check: Check, allowed: SharingAllowListConfig, list: AllowList, field: string, get: () => unknown): void {
    const principal = check.read(field, get);
    if (principal.known) checkPrincipal(check, allowed, list, field, principal.value);
}

function checkEach(check: Check, allowed: SharingAllowListConfig, list: AllowList, field: string, get: () => readonly unknown[] | undefined): void {
    check.each(field, get, (principal, at) => checkPrincipal(check, allowed, list, at, principal));
}

export const imageSharingAllowListed: ResourceValidationPolicy = {
    name: "image-sharing-allow-listed",
    description: "Images are shared only with allow-listed accounts, organizations and organizational units.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateResource: validateResourceOfTypes(
        on(aws.ec2.AmiLaunchPermission, (permission, args, check) => {
            const allowed = allowLists(args);
            checkField(check, allowed, "allowedAccounts", "accountId", () => permission.accountId);
            checkField(check, allowed, "allowedOrganizationArns", "organizationArn", () => permission.organizationArn);
            checkField(check, allowed, "allowedOrganizationalUnitArns", "organizationalUnitArn", () => permission.organizationalUnitArn);
        }),
        on(aws.imagebuilder.DistributionConfiguration, (distribution, args, check) => {
            const allowed = allowLists(args);
            eachAmiDistribution(check, () => distribution.distributions, (ami, at) => {
                const field = `${at}.amiDistributionConfiguration`;
                checkEach(check, allowed, "allowedAccounts", `${field}.launchPermission.userIds`, () => ami?.launchPermission?.userIds);
                checkEach(check, allowed, "allowedOrganizationArns", `${field}.launchPermission.organizationArns`, () => ami?.launchPermission?.organizationArns);
                checkEach(check, allowed, "allowedOrganizationalUnitArns", `${field}.launchPermission.organizationalUnitArns`,
                    () => ami?.launchPermission?.organizationalUnitArns);
                // Distributing into another account hands that account its own copy: the same allow-list applies.
                checkEach(check, allowed, "allowedAccounts", `${field}.targetAccountIds`, () => ami?.targetAccountIds);
            });
        }),
    ),
};
