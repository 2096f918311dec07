// image-sharing-allow-listed and image-builds-use-stack-distributions: an image reaches only the accounts, organizations,
// OUs and buckets the policy config allow-lists, whichever way it is shared (launch permissions, snapshots, RAM, distributions,
// workflows, DLM, S3 exports), and builds distribute only through configurations and workflows the pack can read.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { eachAmiDistribution, eachDlmShareRule, launchPermissionList } from "../lib/distributions";
import { References } from "../lib/stack";
import { Check } from "../lib/unknowns";
import { on, validateResourceOfTypes, validateStackWithCheck } from "../lib/validation";
import { accountOfArn, isBlank, isWord, itemsOf, show } from "../lib/values";
import { IMAGE_CALLS } from "../lib/coverage";
import { userDataTexts } from "../lib/userData";
import { blockField, dynamicBlocks, isAwsOwnedWorkflow, parameterName, workflowBlocks, workflowDocument } from "../lib/workflows";

export interface SharingAllowListConfig {
    allowedAccounts: string[];
    allowedOrganizationArns: string[];
    allowedOrganizationalUnitArns: string[];
    allowedExportBuckets: string[];
}

type AllowList = keyof SharingAllowListConfig;

const ORGANIZATION_ARN = /^arn:aws[a-z-]*:organizations::[0-9]{12}:organization\/o-[a-z0-9]+$/;
const OU_ARN = /^arn:aws[a-z-]*:organizations::[0-9]{12}:ou\/o-[a-z0-9]+\/ou-[a-z0-9-]+$/;

const configSchema: PolicyConfigSchema = {
    properties: {
        allowedAccounts: {
            type: "array",
            items: { type: "string", pattern: "^[0-9]{12}$" },
            description: "AWS account ids images may be shared with or distributed to (launch, copy or snapshot access). Default: none.",
            default: [],
        },
        allowedOrganizationArns: {
            type: "array",
            items: { type: "string", pattern: ORGANIZATION_ARN.source },
            description: "AWS Organizations ARNs images may be shared with. Default: none.",
            default: [],
        },
        allowedOrganizationalUnitArns: {
            type: "array",
            items: { type: "string", pattern: OU_ARN.source },
            description: "Organizational unit ARNs images may be shared with. Default: none.",
            default: [],
        },
        allowedExportBuckets: {
            type: "array",
            items: { type: "string", minLength: 3 },
            description: "S3 buckets an Image Builder distribution may export disk images to. Default: none.",
            default: [],
        },
    },
};

function allowLists(args: ResourceValidationArgs): SharingAllowListConfig {
    return configWithDefaults<SharingAllowListConfig>(configSchema, args.getConfig<SharingAllowListConfig>());
}

/** Reports `principal` (the value at `field`) unless it is on the `list` allow-list. */
function checkPrincipal(
    check: Check,
    allowed: SharingAllowListConfig,
    list: AllowList,
    field: string,
    principal: unknown,
    how = "share only with the principals in",
): void {
    if (isBlank(principal)) return;
    const permitted = allowed[list];
    if (typeof principal === "string" && permitted.includes(principal.trim())) return;
    check.violation(
        `${field} is ${show(principal)}, which is not allow-listed: ${how} this policy's ` +
            `${list} config (${permitted.length > 0 ? permitted.join(", ") : "none yet"}), or add it there once it has been approved.`,
    );
}

function checkField(check: Check, allowed: SharingAllowListConfig, list: AllowList, field: string, get: () => unknown): void {
    const principal = check.read(field, get);
    if (principal.known) checkPrincipal(check, allowed, list, field, principal.value);
}

function checkEach(check: Check, allowed: SharingAllowListConfig, list: AllowList, field: string, get: () => readonly unknown[] | undefined): void {
    check.each(field, get, (principal, at) => checkPrincipal(check, allowed, list, at, principal));
}

/** A RAM principal: an account id, organization or OU ARN, or an IAM role or user (held to its account). */
function checkRamPrincipal(check: Check, allowed: SharingAllowListConfig, field: string, principal: unknown): void {
    if (isBlank(principal)) return;
    const value = typeof principal === "string" ? principal.trim() : "";
    if (/^\d{12}$/.test(value)) return checkPrincipal(check, allowed, "allowedAccounts", field, principal);
    if (ORGANIZATION_ARN.test(value)) return checkPrincipal(check, allowed, "allowedOrganizationArns", field, principal);
    if (OU_ARN.test(value)) return checkPrincipal(check, allowed, "allowedOrganizationalUnitArns", field, principal);
    const account = accountOfArn(value);
    if (account && allowed.allowedAccounts.includes(account)) return;
    check.violation(
        `${field} is ${show(principal)}, which is not an allow-listed principal: share the image's Image Builder resources ` +
            "only with an account, organization or OU on this policy's allow-lists (an IAM principal counts as its account).",
    );
}

/** Every command a document's steps run: the strings under its `commands` keys (ExecuteBash, ExecutePowerShell, RunCommand). */
function commandsIn(document: unknown): string[] {
    const found: string[] = [];
    // A YAML alias can make a node its own descendant: a node already on the path is not entered again.
    const onPath = new Set<unknown>();
    const walk = (node: unknown, inCommands: boolean) => {
        if (typeof node === "string") {
            if (inCommands) found.push(node);
            return;
        }
        if (node === null || typeof node !== "object" || onPath.has(node)) return;
        onPath.add(node);
        if (Array.isArray(node)) node.forEach(item => walk(item, inCommands));
        else for (const [key, value] of Object.entries(node as Record<string, unknown>)) walk(value, inCommands || /^(commands|runCommand)$/i.test(key));
        onPath.delete(node);
    };
    walk(document, false);
    return found;
}

/** Commands (plain, base64 or gzip, as user data is read) that make, copy, share or export images, or launch instances. */
function checkImageCalls(check: Check, field: string, get: () => unknown): void {
    const value = check.read(field, get);
    if (!value.known || typeof value.value !== "string" || isBlank(value.value)) return;
    for (const text of userDataTexts(value.value)) {
        const call = IMAGE_CALLS.exec(text);
        if (call) {
            check.violation(
                `${field} calls ${call[0]}, which makes, copies, shares or exports an image (or launches an instance) with the instance's role, ` +
                    "by a path no rule reads: remove it, and make, copy and share images with the stack's resources, which the pack judges.",
            );
            return;
        }
    }
}

export const imageSharingAllowListed: ResourceValidationPolicy = {
    name: "image-sharing-allow-listed",
    description:
        "Images, their snapshots and their Image Builder resources reach only allow-listed accounts, organizations, OUs and buckets; " +
        "no workflow step, component or user data hands them on through image APIs the pack does not read.",
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
        on(aws.ec2.SnapshotCreateVolumePermission, (permission, args, check) => {
            // Create-volume access to the snapshots hands over the image's whole disk, as a launch permission does.
            checkField(check, allowLists(args), "allowedAccounts", "accountId", () => permission.accountId);
        }),
        on(aws.ram.PrincipalAssociation, (association, args, check) => {
            const principal = check.read("principal", () => association.principal);
            if (principal.known) checkRamPrincipal(check, allowLists(args), "principal", principal.value);
        }),
        on(aws.ram.ResourceShareAssociationsExclusive, (associations, args, check) => {
            const allowed = allowLists(args);
            check.each(
                "principals",
                () => associations.principals,
                (principal, at) => checkRamPrincipal(check, allowed, at, principal),
            );
        }),
        on(aws.dlm.LifecyclePolicy, (lifecycle, args, check) => {
            // A Data Lifecycle Manager schedule shares each AMI or snapshot it makes with its targetAccounts.
            const allowed = allowLists(args);
            eachDlmShareRule(
                check,
                () => lifecycle.policyDetails,
                (ruleAt, rule) => checkEach(check, allowed, "allowedAccounts", `${ruleAt}.targetAccounts`, () => rule.targetAccounts),
            );
        }),
        on(aws.imagebuilder.Workflow, (workflow, args, check) => {
            // A distribution workflow's DistributeImage step (distributions[].targetAccountIds) and ModifyImageAttributes step
            // (attributes[].launchPermission) share the AMIs themselves, replacing the attached distribution configuration.
            const allowed = allowLists(args);
            // A document fetched from S3 is not seen: it may share, distribute or export the image anywhere.
            const uri = check.read("uri", () => workflow.uri);
            if (uri.known && !isBlank(uri.value)) {
                check.violation(
                    `uri is ${show(uri.value)}: a workflow document the pack cannot read may share, distribute or export every image it runs on, ` +
                        "so it is not trusted; give the document inline in data, where every rule reads it.",
                );
            }
            // A whole block taken from a step's output (not a parameter the stack's builds pass) cannot be read.
            const data = check.read("data", () => workflow.data);
            if (data.known) {
                // Steps that hand the image to code the pack does not read: a state machine, or commands calling image APIs.
                const document = workflowDocument(data.value) as { steps?: unknown } | undefined;
                itemsOf<Record<string, unknown>>(document?.steps).forEach((step, index) => {
                    if (isWord(step?.action, "ExecuteStateMachine")) {
                        check.violation(
                            `data: steps[${index}] runs ExecuteStateMachine, a state machine that may copy, share or export the image by paths no rule reads: ` +
                                "remove the step, and distribute and share with DistributeImage and ModifyImageAttributes steps written out in the document.",
                        );
                    }
                });
                const call = IMAGE_CALLS.exec(commandsIn(document).join("\n"));
                if (call) {
                    check.violation(
                        `data calls ${call[0]}, an image or launch API run from a step's commands, which no rule reads: remove it, and distribute and share ` +
                            "with DistributeImage and ModifyImageAttributes steps written out in the document.",
                    );
                }
                for (const { at, reference } of dynamicBlocks(workflowDocument(data.value))) {
                    if (parameterName(reference) !== undefined) continue;
                    check.violation(
                        `data: ${at} is ${show(reference)}, which sets that whole block at run time from something other than a workflow parameter, ` +
                            "so the pack cannot see where it sends, shares or exports the image, under which key or with which tags: write the block out in the document.",
                    );
                }
            }
            const blocks = {
                launchPermission: workflowBlocks(check, () => workflow.data, "launchPermission"),
                distributions: workflowBlocks(check, () => workflow.data, "distributions"),
            };
            const lists: Array<[keyof typeof blocks, string, AllowList]> = [
                ["launchPermission", "userIds", "allowedAccounts"],
                ["launchPermission", "organizationArns", "allowedOrganizationArns"],
                ["launchPermission", "organizationalUnitArns", "allowedOrganizationalUnitArns"],
                ["distributions", "targetAccountIds", "allowedAccounts"],
            ];
            // A document that exports the disk image (an s3ExportConfiguration block, as in a distribution) is held to the same bucket list.
            for (const { at, value } of workflowBlocks(check, () => workflow.data, "s3ExportConfiguration")) {
                const bucket = blockField(value, "s3Bucket");
                if (bucket.parameter) continue;
                if (bucket.dynamic) {
                    check.violation(
                        `${at}.${bucket.dynamic} sets the export bucket at run time, which the pack cannot check against this policy's ` +
                            "allowedExportBuckets config: write the bucket out in the document instead.",
                    );
                } else {
                    checkPrincipal(
                        check,
                        allowed,
                        "allowedExportBuckets",
                        `${at}.s3Bucket`,
                        isBlank(bucket.value) ? "(none)" : bucket.value,
                        "export disk images only to the buckets in",
                    );
                }
            }
            for (const [block, list, allowList] of lists) {
                for (const { at, value } of blocks[block]) {
                    const field = blockField(value, list);
                    itemsOf(field.value).forEach((principal, index) =>
                        checkPrincipal(check, allowed, allowList, `${at}.${list}[${index}]`, typeof principal === "number" ? String(principal) : principal),
                    );
                    if (field.dynamic) {
                        check.violation(
                            `${at}.${field.dynamic} sets who gets the image at run time, which the pack cannot check against this policy's ` +
                                `${allowList} config: write the principals out in the document instead.`,
                        );
                    }
                }
            }
        }),
        // Code that runs on the build instance, or on any instance at boot, calling image APIs with the instance's role.
        on(aws.imagebuilder.Component, (component, _args, check) =>
            checkImageCalls(check, "data", () => {
                // The commands its steps run (a step's name or a description may say "CreateImage" harmlessly).
                const data = component.data;
                return typeof data === "string" ? commandsIn(workflowDocument(data)).join("\n") : data;
            }),
        ),
        on(aws.ec2.LaunchTemplate, (template, _args, check) => checkImageCalls(check, "userData", () => template.userData)),
        on(aws.ec2.Instance, (instance, _args, check) => {
            checkImageCalls(check, "userData", () => instance.userData);
            checkImageCalls(check, "userDataBase64", () => instance.userDataBase64);
        }),
        on(aws.ec2.SpotInstanceRequest, (request, _args, check) => {
            checkImageCalls(check, "userData", () => request.userData);
            checkImageCalls(check, "userDataBase64", () => request.userDataBase64);
        }),
        on(aws.ec2.LaunchConfiguration, (configuration, _args, check) => {
            checkImageCalls(check, "userData", () => configuration.userData);
            checkImageCalls(check, "userDataBase64", () => configuration.userDataBase64);
        }),
        on(aws.imagebuilder.ImageRecipe, (recipe, _args, check) => checkImageCalls(check, "userDataBase64", () => recipe.userDataBase64)),
        on(aws.imagebuilder.DistributionConfiguration, (distribution, args, check) => {
            const allowed = allowLists(args);
            check.each(
                "distributions",
                () => distribution.distributions,
                (target, at) => {
                    // Each of these puts the image (or a launch template on it) into another account.
                    check.each(
                        `${at}.launchTemplateConfigurations`,
                        () => target.launchTemplateConfigurations,
                        (template, templateAt) => checkField(check, allowed, "allowedAccounts", `${templateAt}.accountId`, () => template.accountId),
                    );
                    // Fast Launch for the account that owns the distributed AMI (the account of the key it is encrypted
                    // with) shares nothing; for any other account it is judged like a target account.
                    check.each(
                        `${at}.fastLaunchConfigurations`,
                        () => target.fastLaunchConfigurations,
                        (fastLaunch, fastLaunchAt) => {
                            const account = check.read(`${fastLaunchAt}.accountId`, () => fastLaunch.accountId);
                            if (!account.known) return;
                            const key = check.read(`${at}.amiDistributionConfiguration.kmsKeyId`, () => target.amiDistributionConfiguration?.kmsKeyId);
                            if (!key.known) return;
                            const owner = accountOfArn(key.value);
                            if (owner !== undefined && String(account.value).trim() === owner) return;
                            checkPrincipal(check, allowed, "allowedAccounts", `${fastLaunchAt}.accountId`, account.value);
                        },
                    );
                    check.each(
                        `${at}.ssmParameterConfigurations`,
                        () => target.ssmParameterConfigurations,
                        (parameter, parameterAt) => checkField(check, allowed, "allowedAccounts", `${parameterAt}.amiAccountId`, () => parameter.amiAccountId),
                    );
                    // An S3 export hands the disk image to whoever can read the bucket.
                    const exporting = check.read(`${at}.s3ExportConfiguration`, () => target.s3ExportConfiguration);
                    if (exporting.known && exporting.value) {
                        const s3Export = exporting.value;
                        const bucket = check.read(`${at}.s3ExportConfiguration.s3Bucket`, () => s3Export.s3Bucket);
                        if (bucket.known) {
                            checkPrincipal(
                                check,
                                allowed,
                                "allowedExportBuckets",
                                `${at}.s3ExportConfiguration.s3Bucket`,
                                isBlank(bucket.value) ? "(none)" : bucket.value,
                                "export disk images only to the buckets in",
                            );
                        }
                    }
                },
            );
            eachAmiDistribution(
                check,
                () => distribution.distributions,
                (ami, at) => {
                    const field = `${at}.amiDistributionConfiguration`;
                    // launchPermission is one block; a list of them is read whole.
                    const permissions = (list: "userIds" | "organizationArns" | "organizationalUnitArns") => () =>
                        launchPermissionList(ami, list) as readonly unknown[] | undefined;
                    checkEach(check, allowed, "allowedAccounts", `${field}.launchPermission.userIds`, permissions("userIds"));
                    checkEach(check, allowed, "allowedOrganizationArns", `${field}.launchPermission.organizationArns`, permissions("organizationArns"));
                    checkEach(
                        check,
                        allowed,
                        "allowedOrganizationalUnitArns",
                        `${field}.launchPermission.organizationalUnitArns`,
                        permissions("organizationalUnitArns"),
                    );
                    // Distributing into another account hands that account its own copy: the same allow-list applies.
                    checkEach(check, allowed, "allowedAccounts", `${field}.targetAccountIds`, () => ami?.targetAccountIds);
                },
            );
        }),
    ),
};

export const imageBuildsUseStackDistributions: StackValidationPolicy = {
    name: "image-builds-use-stack-distributions",
    description:
        "Image Builder images and pipelines distribute through a distribution configuration, and run workflows, this stack declares (or AWS owns), so the pack sees where the image goes.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWithCheck((args, check) => {
        const builds = args.resources.filter(resource => resource.isType(aws.imagebuilder.Image) || resource.isType(aws.imagebuilder.ImagePipeline));
        if (builds.length === 0) args.notApplicable("The stack builds no Image Builder images.");
        const declared = new References(
            args.resources.filter(resource => resource.isType(aws.imagebuilder.DistributionConfiguration)),
            ["arn", "id"],
        );
        const workflows = new References(
            args.resources.filter(resource => resource.isType(aws.imagebuilder.Workflow)),
            ["arn", "id"],
        );
        for (const build of builds) {
            // A workflow can distribute, share, encrypt and tag the image itself, in place of the distribution
            // configuration: one the pack cannot read is as blind a spot as an undeclared distribution.
            check.each(
                `${build.name}.workflows`,
                () => build.props.workflows as readonly unknown[] | undefined,
                (workflow, at) => {
                    const workflowArn = check.read(`${at}.workflowArn`, () => (workflow as { workflowArn?: unknown } | undefined)?.workflowArn);
                    if (!workflowArn.known || typeof workflowArn.value !== "string" || isBlank(workflowArn.value)) return;
                    if (workflows.find(workflowArn.value) || isAwsOwnedWorkflow(workflowArn.value)) return;
                    if (workflows.incomplete) {
                        check.unknown(`whether ${at}.workflowArn is one of the stack's workflows`);
                        return;
                    }
                    check.violation(
                        `${at.slice(build.name.length + 1)}.workflowArn is ${show(workflowArn.value)}, a workflow this stack does not declare and AWS does not own, ` +
                            "so the pack cannot see whether it shares, distributes, encrypts or tags the image: declare the aws.imagebuilder.Workflow in this stack " +
                            "(its document is then checked) and pass its arn, or use an AWS-managed workflow.",
                        build.urn,
                    );
                },
            );
            const arn = check.read(`${build.name}.distributionConfigurationArn`, () => build.props.distributionConfigurationArn as unknown);
            if (!arn.known || isBlank(arn.value) || typeof arn.value !== "string") continue;
            if (declared.find(arn.value)) continue;
            if (declared.incomplete) {
                check.unknown(`whether ${build.name}.distributionConfigurationArn is one of the stack's distribution configurations`);
                continue;
            }
            check.violation(
                `distributionConfigurationArn is ${show(arn.value)}, a distribution configuration this stack does not declare, ` +
                    "so the pack cannot see which accounts, regions or buckets it sends the image to, nor how it is encrypted and tagged: " +
                    "declare the aws.imagebuilder.DistributionConfiguration in this stack and pass its arn.",
                build.urn,
            );
        }
    }),
};
