// outside-disks-encrypted-by-default: volumes judged where they end up. A launch on an image the stack does not make, a
// volume attached apart from its instance and an imported snapshot all make disks whose encryption the pack cannot see (an
// outside image's block device mappings, an outside volume, a snapshot's source). Each needs EBS encryption by default under a
// key the stack declares in its account and region, which encrypts every new volume there, or it is refused.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { Account, deployingAccountId, providerAccount } from "../lib/accounts";
import { configWithDefaults } from "../lib/config";
import { DeclaredKeys, declaredKeysOf } from "../lib/keys";
import { regionOf } from "../lib/region";
import { References } from "../lib/stack";
import { StackImages } from "../lib/stackImages";
import { read } from "../lib/unknowns";
import { validateStackWithCheck } from "../lib/validation";
import { isBlank, isFalse, isTrue, itemsOf, keyReference, show } from "../lib/values";

export interface OutsideDisksConfig {
    externalKeyArns: string[];
    exemptRegions: string[];
}

const configSchema: PolicyConfigSchema = {
    properties: {
        externalKeyArns: {
            type: "array",
            items: { type: "string", pattern: "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$" },
            uniqueItems: true,
            description: "Customer-managed keys declared outside this stack (the same list as image-keys-customer-managed's). Default none.",
            default: [],
        },
        exemptRegions: {
            type: "array",
            items: { type: "string", pattern: "^[a-z]{2}(-[a-z]+)+-\\d$" },
            uniqueItems: true,
            description:
                "Regions where EBS encryption by default under a customer-managed key is kept on outside this stack (by another stack or an organization policy). Default none.",
            default: [],
        },
    },
};

/** What to do instead, per kind of disk. */
const FIXES = {
    launch: "or launch an image this stack makes (an aws.ec2.AmiCopy encrypted with a customer-managed key, or an Image Builder image), whose volumes the pack judges",
    attachment: "or attach an aws.ebs.Volume of this stack with encrypted: true and a customer-managed kmsKeyId",
    import: "or set encrypted: true and kmsKeyId to a customer-managed key this stack declares",
} as const;

export const outsideDisksEncryptedByDefault: StackValidationPolicy = {
    name: "outside-disks-encrypted-by-default",
    description:
        "Disks whose encryption the pack cannot see (instances and launch templates on images the stack does not make, volumes attached apart " +
        "from their instance, imported snapshots) are made only where EBS encryption by default is on under a key the stack declares.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateStack: validateStackWithCheck((args, check) => {
        const config = configWithDefaults<OutsideDisksConfig>(configSchema, args.getConfig<OutsideDisksConfig>());
        const resources = args.resources;
        // Read every provider only when some disk needs its account and region.
        let deploying: { id: string | undefined } | undefined;
        const deployingId = () => (deploying ??= { id: deployingAccountId(resources.map(resource => resource.provider)) }).id;
        const accountOf = (resource: PolicyResource): Account | undefined => {
            const account = providerAccount(resource.provider, deployingId());
            if (!account.known) check.unknown(`the account of ${resource.name}'s provider`);
            return account.known ? account.value : undefined;
        };
        let declared: DeclaredKeys | undefined;
        const keys = () => (declared ??= declaredKeysOf(resources, config.externalKeyArns, deployingId()));
        // One pass sorts out the settings and the distributions the checks below need.
        const byDefaults: PolicyResource[] = [];
        const defaultKeys: PolicyResource[] = [];
        const distributions: PolicyResource[] = [];
        for (const resource of resources) {
            if (resource.isType(aws.ebs.EncryptionByDefault)) byDefaults.push(resource);
            else if (resource.isType(aws.ebs.DefaultKmsKey)) defaultKeys.push(resource);
            else if (resource.isType(aws.imagebuilder.DistributionConfiguration)) distributions.push(resource);
        }

        // Where EBS encryption by default is on ("account region"), and where its default key is one the stack declares.
        const enabled = new Set<string>();
        const keyed = new Set<string>();
        // Places where the setting, or the default key, is unknown until apply.
        const enabledUndecided = new Set<string>();
        const keyUndecided = new Set<string>();
        const placeOf = (resource: PolicyResource): { account: Account; region: string | undefined } | undefined => {
            const account = accountOf(resource);
            const region = regionOf(resource);
            if (!region.known) check.unknown(`the region of ${resource.name}`);
            return account && region.known ? { account, region: region.value } : undefined;
        };
        for (const setting of byDefaults) {
            const place = placeOf(setting);
            if (!place?.region) continue;
            const on = read(() => setting.props.enabled as unknown);
            const key = `${place.account.key} ${place.region}`;
            // Unset means enabled (the provider's default).
            if (!on.known) enabledUndecided.add(key);
            else if (isBlank(on.value) || isTrue(on.value)) enabled.add(key);
        }
        for (const setting of defaultKeys) {
            const place = placeOf(setting);
            if (!place?.region) continue;
            const keyArn = read(() => setting.props.keyArn as unknown);
            const key = `${place.account.key} ${place.region}`;
            if (!keyArn.known) keyUndecided.add(key);
            else if (typeof keyArn.value === "string" && !isBlank(keyArn.value)) {
                const standing = keys().standing(keyArn.value);
                if (standing.declared === true) keyed.add(key);
                else if (standing.declared === "unknown") keyUndecided.add(key);
            }
        }

        const exempt = new Set(config.exemptRegions);
        /** A disk the pack cannot see into: it passes only where encryption by default under a declared key is on. */
        const needsEncryptionByDefault = (resource: PolicyResource, finding: string, fix: string) => {
            const place = placeOf(resource);
            if (!place) return;
            const { account, region } = place;
            if (!region) {
                check.violation(
                    `${finding}, and the pack cannot tell which region it is in (neither the resource nor its provider sets region), so it cannot ` +
                        `tell whether EBS encryption by default is on there: set region on the resource or its provider, ${fix}.`,
                    resource.urn,
                );
                return;
            }
            const key = `${account.key} ${region}`;
            if (exempt.has(region) || (enabled.has(key) && keyed.has(key))) return;
            const mayBeEnabled = enabled.has(key) || enabledUndecided.has(key);
            const mayBeKeyed = keyed.has(key) || keyUndecided.has(key);
            if (mayBeEnabled && mayBeKeyed) {
                check.unknown(`whether EBS encryption by default is on in ${region} for ${resource.name}`);
                return;
            }
            const inAccount = account.key === "deploying" ? "" : ` of ${account.label}`;
            const provider = account.key === "deploying" ? `${region}'s provider` : `a provider that deploys into ${account.label} in ${region}`;
            const missing = !mayBeEnabled ? "EBS encryption by default in this stack" : "default EBS key this stack declares";
            check.violation(
                `${finding}, and ${region}${inAccount} has no ${missing}, so those volumes may be unencrypted or under the ` +
                    `AWS-managed aws/ebs key: add an aws.ebs.EncryptionByDefault (enabled: true) and an aws.ebs.DefaultKmsKey whose keyArn is a ` +
                    `customer-managed aws.kms.Key of this stack, with ${provider}, so every new volume there is encrypted under it; ${fix}; ` +
                    "or, if something outside the stack keeps that on, list the region in this policy's exemptRegions.",
                resource.urn,
            );
        };

        // Launch templates Image Builder points at each new image (a distribution's launchTemplateConfigurations, in its own account),
        // and those Windows Fast Launch launches each new image with (fastLaunchConfigurations[].launchTemplate, by id or name).
        const fedTemplates = new Set<string>();
        for (const distribution of distributions) {
            const fed = read(() =>
                itemsOf<any>(distribution.props.distributions).flatMap(target => [
                    ...itemsOf<any>(target?.launchTemplateConfigurations)
                        .filter(configuration => isBlank(configuration?.accountId))
                        .map(configuration => configuration?.launchTemplateId as unknown),
                    ...itemsOf<any>(target?.fastLaunchConfigurations)
                        .flatMap(configuration => itemsOf<any>(configuration?.launchTemplate))
                        .flatMap(template => [template?.launchTemplateId as unknown, template?.launchTemplateName as unknown]),
                ]),
            );
            if (fed.known) for (const id of fed.value) if (typeof id === "string" && !isBlank(id)) fedTemplates.add(id.trim());
        }

        let images: StackImages | undefined;
        /** Judges the image a launch names at `field` (blank: none named, so whatever launches it picks one the pack cannot see). */
        const judgeImage = (resource: PolicyResource, field: string, get: () => unknown, blank?: string) => {
            const imageId = check.read(`${resource.name}.${field}`, get);
            if (!imageId.known) return;
            if (typeof imageId.value !== "string" || isBlank(imageId.value)) {
                if (blank) needsEncryptionByDefault(resource, blank, FIXES.launch);
                return;
            }
            images ??= new StackImages(resources);
            const standing = images.standing(imageId.value);
            if (standing === true) return;
            if (standing === "unknown") {
                check.unknown(`whether ${resource.name}.${field} is an image the stack makes`);
                return;
            }
            needsEncryptionByDefault(
                resource,
                `${field} is ${show(imageId.value)}, an image this stack does not make, so the pack cannot see its block device mappings: ` +
                    "volumes launched from its snapshots keep their encryption (none, or a key the pack cannot see) unless the launch restates every one",
                FIXES.launch,
            );
        };

        let volumes: References | undefined;
        for (const resource of resources) {
            const props = resource.props as Record<string, any>;
            if (resource.isType(aws.ec2.LaunchTemplate)) {
                const fed = read(() => [props.id, props.name].some(reference => typeof reference === "string" && fedTemplates.has(reference.trim())));
                if (fed.known && fed.value) continue;
                judgeImage(
                    resource,
                    "imageId",
                    () => props.imageId,
                    "imageId is not set, so what launches this template (an EKS node group, a Batch environment) picks an image whose " +
                        "block device mappings the pack cannot see",
                );
            } else if (resource.isType(aws.ec2.Instance) || resource.isType(aws.ec2.SpotInstanceRequest)) {
                // Without ami the instance launches its template's image, judged with the template.
                judgeImage(resource, "ami", () => props.ami);
            } else if (resource.isType(aws.ec2.LaunchConfiguration)) {
                judgeImage(resource, "imageId", () => props.imageId);
            } else if (resource.isType(aws.ec2.SpotFleetRequest)) {
                check.each(
                    `${resource.name}.launchSpecifications`,
                    () => props.launchSpecifications as any[] | undefined,
                    (specification, at) => judgeImage(resource, `${at.slice(resource.name.length + 1)}.ami`, () => specification.ami),
                );
            } else if (resource.isType(aws.batch.ComputeEnvironment)) {
                judgeImage(resource, "computeResources.imageId", () => props.computeResources?.imageId);
                check.each(
                    `${resource.name}.computeResources.ec2Configurations`,
                    () => props.computeResources?.ec2Configurations as any[] | undefined,
                    (configuration, at) => judgeImage(resource, `${at.slice(resource.name.length + 1)}.imageIdOverride`, () => configuration.imageIdOverride),
                );
            } else if (resource.isType(aws.ec2.VolumeAttachment)) {
                const volumeId = check.read(`${resource.name}.volumeId`, () => props.volumeId as unknown);
                if (!volumeId.known || typeof volumeId.value !== "string" || isBlank(volumeId.value)) continue;
                volumes ??= new References(
                    resources.filter(candidate => candidate.isType(aws.ebs.Volume)),
                    ["id", "arn"],
                );
                const volume = volumes.find(volumeId.value);
                if (!volume) {
                    if (volumes.incomplete) check.unknown(`whether ${resource.name}.volumeId is a volume the stack declares`);
                    else
                        needsEncryptionByDefault(
                            resource,
                            `volumeId is ${show(volumeId.value)}, a volume this stack does not declare, so the pack cannot see how it is encrypted`,
                            FIXES.attachment,
                        );
                    continue;
                }
                judgeEncryption(resource, `volumeId is aws.ebs.Volume ${volume.name}`, volume.name, volume.props as Record<string, any>, FIXES.attachment);
            } else if (resource.isType(aws.ebs.SnapshotImport)) {
                judgeEncryption(resource, "the imported snapshot", resource.name, props, FIXES.import);
            }
        }

        /** A volume or imported snapshot encrypted under a declared key passes; otherwise it takes the region's default encryption. */
        function judgeEncryption(resource: PolicyResource, subject: string, owner: string, props: Record<string, any>, fix: string): void {
            const encrypted = check.read(`${owner}.encrypted`, () => props.encrypted as unknown);
            const keyId = check.read(`${owner}.kmsKeyId`, () => props.kmsKeyId as unknown);
            if (!encrypted.known || !keyId.known) return;
            const own = owner === resource.name ? "" : `${owner}.`;
            if (!isTrue(encrypted.value)) {
                needsEncryptionByDefault(
                    resource,
                    `${subject} ${isFalse(encrypted.value) ? "sets encrypted: false" : "does not set encrypted: true"}, so it is encrypted only if EBS encryption by default is on`,
                    fix,
                );
            } else if (typeof keyId.value !== "string" || isBlank(keyId.value)) {
                needsEncryptionByDefault(resource, `${subject} sets no kmsKeyId, so it is encrypted under the region's default EBS key`, fix);
            } else if (keyReference(keyId.value) === "aws-managed-alias") {
                check.violation(
                    `${subject} is encrypted with ${own}kmsKeyId ${show(keyId.value)}, an AWS-managed key, so nothing made from it can be shared: ` +
                        "set kmsKeyId to a customer-managed key this stack declares.",
                    resource.urn,
                );
            } else {
                const standing = keys().standing(keyId.value);
                if (standing.declared === "unknown") check.unknown(`whether ${owner}.kmsKeyId is a key the stack declares`);
                else if (standing.declared === false)
                    check.violation(
                        `${subject} is encrypted with ${own}kmsKeyId ${show(keyId.value)}, ${standing.why}, so the pack cannot tell it is customer-managed: ` +
                            "use an aws.kms.Key declared in this stack (or its aws.kms.Alias), or list the key in this policy's externalKeyArns once checked.",
                        resource.urn,
                    );
            }
        }
    }),
};
