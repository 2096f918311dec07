// no-public-images, image-block-public-access-on and image-regions-block-public-sharing: no image or snapshot is ever made
// public, public access blocks stay on, and every account and region that holds an image blocks public sharing.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { Account, deployingAccountId, providerAccount } from "../lib/accounts";
import { configWithDefaults } from "../lib/config";
import { eachAmiDistribution, eachDlmShareRule, launchPermissionList } from "../lib/distributions";
import { IMAGE_TYPES, imagePlacements } from "../lib/placements";
import { regionOf } from "../lib/region";
import { on, validateResourceOfTypes, validateStackWithCheck } from "../lib/validation";
import { isWord, itemsOf, show } from "../lib/values";
import { blockField, workflowBlocks, workflowDocument } from "../lib/workflows";
import { resolveDocument, usesParameters, WorkflowRuns } from "../lib/workflowParameters";
import { read } from "../lib/unknowns";

export const BLOCK_NEW_SHARING = "block-new-sharing";
/** EBS snapshot block public access states that keep snapshots private. */
const SNAPSHOT_BLOCKING_STATES = ["block-all-sharing", "block-new-sharing"];

/** The launch-permission group that means "everyone": the image becomes public (also inside a list given for a single value). */
export function isPublicGroup(group: unknown): boolean {
    if (Array.isArray(group)) return group.some(isPublicGroup);
    return isWord(group, "all");
}

export const noPublicImages: ResourceValidationPolicy = {
    name: "no-public-images",
    description:
        'No image or image snapshot is shared with the public: no launch permission, create-volume permission or Image Builder distribution grants "all".',
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateResourceOfTypes(
        on(aws.ec2.AmiLaunchPermission, (permission, _args, check) => {
            for (const field of ["group", "accountId"] as const) {
                const value = check.read(field, () => permission[field]);
                if (value.known && isPublicGroup(value.value)) {
                    check.violation(
                        `${field} is ${show(value.value)}, which makes the image public: remove this launch permission, ` +
                            "or share with an accountId, organizationArn or organizationalUnitArn instead.",
                    );
                }
            }
        }),
        on(aws.ec2.SnapshotCreateVolumePermission, (permission, _args, check) => {
            const account = check.read("accountId", () => permission.accountId);
            if (account.known && isPublicGroup(account.value)) {
                check.violation(
                    `accountId is ${show(account.value)}, which lets anyone create volumes from the image's snapshot: ` +
                        "set accountId to one allow-listed account.",
                );
            }
        }),
        on(aws.imagebuilder.Workflow, (workflow, _args, check) => {
            // A distribution workflow's ModifyImageAttributes step sets the distributed AMIs' launch permissions itself.
            for (const { at, value } of workflowBlocks(check, () => workflow.data, "launchPermission")) {
                const groups = blockField(value, "userGroups");
                if (itemsOf(groups.value).some(isPublicGroup)) {
                    check.violation(
                        `${at}.userGroups is ${show(groups.value)}, which makes every image this workflow distributes public: ` +
                            "remove it and share with userIds, organizationArns or organizationalUnitArns instead.",
                    );
                }
                const ids = blockField(value, "userIds");
                if (itemsOf(ids.value).some(isPublicGroup)) {
                    check.violation(
                        `${at}.userIds is ${show(ids.value)}, and "all" there means everyone: every image this workflow distributes would be public; ` +
                            "share with allow-listed account ids, organizationArns or organizationalUnitArns instead.",
                    );
                }
                if (groups.dynamic) {
                    check.violation(
                        `${at}.${groups.dynamic} sets the launch permission's groups at run time, which may be "all" (public): ` +
                            "remove it; share with userIds, organizationArns or organizationalUnitArns written out in the document.",
                    );
                }
            }
        }),
        on(aws.dlm.LifecyclePolicy, (lifecycle, _args, check) => {
            // A Data Lifecycle Manager schedule shares each AMI or snapshot it makes with its targetAccounts.
            eachDlmShareRule(
                check,
                () => lifecycle.policyDetails,
                (ruleAt, rule) =>
                    check.each(
                        `${ruleAt}.targetAccounts`,
                        () => rule.targetAccounts,
                        (account, accountAt) => {
                            if (isPublicGroup(account)) {
                                check.violation(
                                    `${accountAt} is ${show(account)}, which shares every image and snapshot this policy makes with everyone: ` +
                                        "share with allow-listed account ids only.",
                                );
                            }
                        },
                    ),
            );
        }),
        on(aws.imagebuilder.DistributionConfiguration, (distribution, _args, check) => {
            eachAmiDistribution(
                check,
                () => distribution.distributions,
                (ami, at) => {
                    const field = `${at}.amiDistributionConfiguration.launchPermission`;
                    for (const list of ["userGroups", "userIds"] as const) {
                        check.each(
                            `${field}.${list}`,
                            () => launchPermissionList(ami, list) as readonly unknown[] | undefined,
                            (group, groupAt) => {
                                if (isPublicGroup(group)) {
                                    check.violation(
                                        `${groupAt} is ${show(group)}, which makes every image this distribution makes public: ` +
                                            "remove it and share with userIds, organizationArns or organizationalUnitArns instead.",
                                    );
                                }
                            },
                        );
                    }
                },
            );
        }),
    ),
};

export const imageBlockPublicAccessOn: ResourceValidationPolicy = {
    name: "image-block-public-access-on",
    description: `Public access blocks stay on: aws.ec2.ImageBlockPublicAccess is "${BLOCK_NEW_SHARING}", aws.ebs.SnapshotBlockPublicAccess is not "unblocked".`,
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateResourceOfTypes(
        on(aws.ec2.ImageBlockPublicAccess, (setting, _args, check) => {
            const state = check.read("state", () => setting.state);
            if (state.known && state.value !== BLOCK_NEW_SHARING) {
                check.violation(`state is ${show(state.value)}: set state to "${BLOCK_NEW_SHARING}" so no image in this region can be made public.`);
            }
        }),
        on(aws.ebs.SnapshotBlockPublicAccess, (setting, _args, check) => {
            const state = check.read("state", () => setting.state);
            if (state.known && !SNAPSHOT_BLOCKING_STATES.includes(state.value as string)) {
                check.violation(
                    `state is ${show(state.value)}, which lets snapshots (an image's contents) be made public: ` +
                        `set state to "block-all-sharing" (or "block-new-sharing").`,
                );
            }
        }),
    ),
};

export interface BlockPublicSharingConfig {
    /** An organization policy (declarative policy or SCP) keeps image block public access on everywhere. */
    enforcedByOrganization: boolean;
    /** Regions where something outside the stack keeps image block public access on. */
    exemptRegions: string[];
}

const blockPublicSharingSchema: PolicyConfigSchema = {
    properties: {
        enforcedByOrganization: {
            type: "boolean",
            description:
                "True when an AWS Organizations policy enforces image block public access in every account and region " +
                "(golden-ami:blockPublicSharing: false); the stack then need not declare it. Default false.",
            default: false,
        },
        exemptRegions: {
            type: "array",
            items: { type: "string", pattern: "^[a-z]{2}(-[a-z]+)+-\\d$" },
            uniqueItems: true,
            description: "Regions where image block public access is kept on outside the stack. Default none.",
            default: [],
        },
    },
};

export const imageRegionsBlockPublicSharing: StackValidationPolicy = {
    name: "image-regions-block-public-sharing",
    description: `Every account and region that holds an image has an aws.ec2.ImageBlockPublicAccess with state "${BLOCK_NEW_SHARING}".`,
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: blockPublicSharingSchema,
    validateStack: validateStackWithCheck((args, check) => {
        const config = configWithDefaults<BlockPublicSharingConfig>(blockPublicSharingSchema, args.getConfig<BlockPublicSharingConfig>());
        if (config.enforcedByOrganization) args.notApplicable("An organization policy enforces image block public access (enforcedByOrganization).");
        const holders = args.resources.filter(
            resource =>
                IMAGE_TYPES.some(type => resource.isType(type)) ||
                resource.isType(aws.imagebuilder.DistributionConfiguration) ||
                resource.isType(aws.imagebuilder.Workflow),
        );
        if (holders.length === 0) args.notApplicable("The stack holds no images.");

        const deployingId = deployingAccountId(args.resources.map(resource => resource.provider));
        const accountOf = (resource: PolicyResource): Account | undefined => {
            const account = providerAccount(resource.provider, deployingId);
            if (!account.known) check.unknown(`the account of ${resource.name}'s provider`);
            return account.known ? account.value : undefined;
        };

        // Places ("account region") blocked, and places whose block is unknown until apply (already noted).
        const blocked = new Set<string>();
        const undecided = new Set<string>();
        for (const setting of args.resources.filter(resource => resource.isType(aws.ec2.ImageBlockPublicAccess))) {
            const account = accountOf(setting);
            const region = regionOf(setting);
            if (!region.known) check.unknown(`the region of ${setting.name}`);
            if (!account || !region.known || !region.value) continue;
            const state = check.read(`${setting.name}.state`, () => setting.props.state as unknown);
            const place = `${account.key} ${region.value}`;
            if (!state.known) undecided.add(place);
            else if (state.value === BLOCK_NEW_SHARING) blocked.add(place);
        }

        // A DistributeImage region taken from a workflow parameter is the value each of the stack's builds passes.
        let runs: WorkflowRuns | undefined;
        const resolved = (workflow: PolicyResource): unknown[] | undefined => {
            const data = read(() => workflow.props.data as unknown);
            if (!data.known) return undefined;
            const document = workflowDocument(data.value);
            if (!usesParameters(document)) return undefined;
            runs ??= new WorkflowRuns(args.resources);
            const found = runs.runsOf(workflow, document);
            return found.length > 0 ? found.map(run => resolveDocument(document, run).document) : undefined;
        };
        const exempt = new Set(config.exemptRegions);
        for (const holder of holders) {
            const owner = accountOf(holder);
            if (!owner) continue;
            for (const { account, region, what } of imagePlacements(holder, owner, check, resolved)) {
                if (!region) {
                    check.violation(
                        `cannot tell which region ${what} is in: neither its region nor its provider's region is set; ` +
                            "set region on the resource or on its provider.",
                        holder.urn,
                    );
                    continue;
                }
                const place = `${account.key} ${region}`;
                if (exempt.has(region) || blocked.has(place) || undecided.has(place)) continue;
                const inAccount = account.key === "deploying" ? "" : ` of ${account.label}`;
                const provider =
                    account.key === "deploying" ? `${region}'s provider, or region: "${region}"` : `a provider that deploys into ${account.label} in ${region}`;
                check.violation(
                    `${what} is in ${region}${inAccount}, but the stack has no aws.ec2.ImageBlockPublicAccess with state ` +
                        `"${BLOCK_NEW_SHARING}" there, so nothing shows the image stays private: add one (with ${provider}), ` +
                        "or, if an organization policy keeps it on, say so in this policy's config (enforcedByOrganization or exemptRegions).",
                    holder.urn,
                );
            }
        }
    }),
};
