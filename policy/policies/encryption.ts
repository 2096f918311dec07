// images-encrypted-with-cmk and image-keys-customer-managed: every image, wherever it comes from, is encrypted with a
// customer-managed KMS key the stack declares (or lists), which is what lets it be shared at all.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { eachAmiDistribution, eachDlmCopy } from "../lib/distributions";
import { declaredKeysOf, instanceVolumes, keyFields, local } from "../lib/keys";
import { References } from "../lib/stack";
import { Check, read } from "../lib/unknowns";
import { on, validateResourceOfTypes, validateStackWithCheck } from "../lib/validation";
import { isBlank, isTrue, keyReference, show } from "../lib/values";
import { blockField, workflowBlocks } from "../lib/workflows";

/** `kmsKeyId` (at `field`) names a customer-managed key: set, and not an AWS-managed `alias/aws/...` key. */
function checkCustomerManagedKey(check: Check, field: string, get: () => unknown, fix: string): void {
    const keyId = check.read(field, get);
    if (!keyId.known) return;
    if (isBlank(keyId.value)) {
        check.violation(`${field} is not set, so the AWS-managed aws/ebs key is used and the image cannot be shared: ${fix}`);
    } else if (typeof keyId.value === "string" && keyReference(keyId.value) === "aws-managed-alias") {
        check.violation(`${field} is ${show(keyId.value)}, an AWS-managed key, and images under it cannot be shared: ${fix}`);
    }
}

function checkEncrypted(check: Check, field: string, get: () => unknown, fix: string): void {
    const encrypted = check.read(field, get);
    if (encrypted.known && !isTrue(encrypted.value)) check.violation(`${field} is ${show(encrypted.value)}: ${fix}`);
}

export const imagesEncryptedWithCmk: ResourceValidationPolicy = {
    name: "images-encrypted-with-cmk",
    description:
        "Images are encrypted with a customer-managed KMS key: AMIs registered from snapshots, AMI and snapshot copies, " +
        "Image Builder recipes' EBS volumes and distributions, and Data Lifecycle Manager's cross-region copies.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateResourceOfTypes(
        on(aws.ec2.AmiCopy, (copy, _args, check) => {
            checkEncrypted(check, "encrypted", () => copy.encrypted, "set encrypted: true, with kmsKeyId a customer-managed key in the destination region.");
            checkCustomerManagedKey(check, "kmsKeyId", () => copy.kmsKeyId, "set kmsKeyId to a customer-managed key in the destination region.");
        }),
        on(aws.ebs.SnapshotCopy, (copy, _args, check) => {
            checkEncrypted(check, "encrypted", () => copy.encrypted, "set encrypted: true, with kmsKeyId a customer-managed key in the destination region.");
            checkCustomerManagedKey(check, "kmsKeyId", () => copy.kmsKeyId, "set kmsKeyId to a customer-managed key in the destination region.");
        }),
        on(aws.ec2.Ami, (image, _args, check) => {
            // An image registered from snapshots is as encrypted as they are; the key is checked with the stack.
            let volumes = 0;
            const known = check.each(
                "ebsBlockDevices",
                () => image.ebsBlockDevices,
                (device, at) => {
                    volumes++;
                    checkEncrypted(
                        check,
                        `${at}.encrypted`,
                        () => device.encrypted,
                        "register the image from snapshots encrypted with a customer-managed key (an aws.ebs.SnapshotCopy with encrypted: true and kmsKeyId) and set encrypted: true.",
                    );
                },
            );
            if (known && volumes === 0) {
                check.violation(
                    "ebsBlockDevices is empty, so the image has no EBS volume to encrypt: register it from snapshots " +
                        "encrypted with a customer-managed key, each in ebsBlockDevices with encrypted: true.",
                );
            }
        }),
        on(aws.imagebuilder.ImageRecipe, (recipe, _args, check) => {
            let volumes = 0;
            let ebsUnknown = false;
            const mappingsKnown = check.each(
                "blockDeviceMappings",
                () => recipe.blockDeviceMappings,
                (mapping, at) => {
                    const ebs = check.read(`${at}.ebs`, () => mapping.ebs);
                    if (!ebs.known) ebsUnknown = true;
                    if (!ebs.known || !ebs.value) return;
                    const volume = ebs.value;
                    volumes++;
                    checkEncrypted(check, `${at}.ebs.encrypted`, () => volume.encrypted, 'set it to "true", with kmsKeyId the image\'s customer-managed key.');
                    checkCustomerManagedKey(check, `${at}.ebs.kmsKeyId`, () => volume.kmsKeyId, "set it to the image's customer-managed key.");
                },
            );
            if (mappingsKnown && !ebsUnknown && volumes === 0) {
                check.violation(
                    "blockDeviceMappings has no EBS volume, so the build inherits the parent image's encryption: " +
                        'map the root device with ebs.encrypted "true" and ebs.kmsKeyId the image\'s customer-managed key.',
                );
            }
        }),
        on(aws.imagebuilder.DistributionConfiguration, (distribution, _args, check) => {
            eachAmiDistribution(
                check,
                () => distribution.distributions,
                (ami, at) => {
                    checkCustomerManagedKey(
                        check,
                        `${at}.amiDistributionConfiguration.kmsKeyId`,
                        () => ami?.kmsKeyId,
                        "set it to a customer-managed key in that distribution's region.",
                    );
                },
            );
        }),
        on(aws.imagebuilder.Workflow, (workflow, _args, check) => {
            // A DistributeImage step's distributions replace the attached configuration's, key included: each must name a customer-managed key.
            for (const { at, value } of workflowBlocks(check, () => workflow.data, "distributions")) {
                const key = blockField(value, "kmsKeyId");
                // A parameter's value is judged with the stack, where the builds that pass it are seen.
                if (key.parameter) continue;
                if (key.dynamic) {
                    check.violation(
                        `${at}.${key.dynamic} sets the key at run time from a JSONPath that is not a workflow parameter (a step's output), which the pack cannot resolve: ` +
                            "write the customer-managed key's ARN out in the document.",
                    );
                    continue;
                }
                checkCustomerManagedKey(check, `${at}.kmsKeyId`, () => key.value, "set it to a customer-managed key in that distribution's region.");
            }
        }),
        on(aws.ebs.EncryptionByDefault, (setting, _args, check) => {
            // Off, every volume (and every snapshot and image made from one) that does not ask for encryption is created unencrypted.
            const enabled = check.read("enabled", () => setting.enabled);
            if (enabled.known && !isBlank(enabled.value) && !isTrue(enabled.value)) {
                check.violation(
                    `enabled is ${show(enabled.value)}, which turns off EBS encryption by default in this account and region, so volumes, ` +
                        "snapshots and the images captured from them are created unencrypted unless each asks: set enabled: true.",
                );
            }
        }),
        on(aws.ebs.DefaultKmsKey, (setting, _args, check) => {
            // The account's default key encrypts every volume that names none, and the images captured from them.
            const keyArn = check.read("keyArn", () => setting.keyArn);
            if (keyArn.known && typeof keyArn.value === "string" && keyReference(keyArn.value) === "aws-managed-alias") {
                check.violation(
                    `keyArn is ${show(keyArn.value)}, an AWS-managed key, as the default key of this account and region: every volume that names ` +
                        "no key, and every image captured from one, is encrypted with it and cannot be shared; set keyArn to a customer-managed key.",
                );
            }
        }),
        on(aws.dlm.LifecyclePolicy, (lifecycle, _args, check) => {
            // Data Lifecycle Manager copies the AMIs and snapshots it makes (or is shared) into other regions: each copy is an image too.
            eachDlmCopy(
                check,
                () => lifecycle.policyDetails,
                (at, copy) => {
                    checkEncrypted(
                        check,
                        `${at}.encrypted`,
                        () => copy.encrypted,
                        "set encrypted: true, with cmkArn a customer-managed key in the target region.",
                    );
                    checkCustomerManagedKey(check, `${at}.cmkArn`, () => copy.cmkArn, "set cmkArn to a customer-managed key in the target region.");
                },
            );
        }),
    ),
};

export interface ImageKeysConfig {
    externalKeyArns: string[];
}

const keysSchema: PolicyConfigSchema = {
    properties: {
        externalKeyArns: {
            type: "array",
            items: { type: "string", pattern: "^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[A-Za-z0-9-]+$" },
            uniqueItems: true,
            description: "ARNs of customer-managed keys declared outside this stack that images may be encrypted with. Default none.",
            default: [],
        },
    },
};

export const imageKeysCustomerManaged: StackValidationPolicy = {
    name: "image-keys-customer-managed",
    description:
        "The keys images are encrypted with are customer-managed keys the pack can see: declared in the stack, " +
        "or listed in externalKeyArns; images captured or registered from volumes the stack declares, under such keys.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema: keysSchema,
    validateStack: validateStackWithCheck((args, check) => {
        const { externalKeyArns } = configWithDefaults<ImageKeysConfig>(keysSchema, args.getConfig<ImageKeysConfig>());
        const resources = args.resources;
        const keys = declaredKeysOf(resources, externalKeyArns);

        /** Reports a key (or alias) that is not an AWS-managed alias (images-encrypted-with-cmk reports those) and that the stack does not declare. */
        const checkKey = (resource: PolicyResource, field: string, keyId: unknown) => {
            if (typeof keyId !== "string" || isBlank(keyId)) return;
            if (keyReference(keyId) === "aws-managed-alias") return;
            const standing = keys.standing(keyId);
            if (standing.declared === true) return;
            if (standing.declared === "unknown") {
                check.unknown(`whether ${resource.name}.${field} is a key the stack declares`);
                return;
            }
            check.violation(
                `${field} is ${show(keyId)}, ${standing.why}, so the pack cannot tell it is customer-managed ` +
                    "(aws.kms.getAlias on alias/aws/ebs returns just such a key ARN): encrypt with an aws.kms.Key declared in this stack (or its aws.kms.Alias), " +
                    "or list the key's ARN in this policy's externalKeyArns once you have checked it is customer-managed.",
                resource.urn,
            );
        };

        for (const resource of resources) {
            for (const { field, keyId } of keyFields(resource, check)) checkKey(resource, field, keyId);
        }

        const captured = resources.filter(resource => resource.isType(aws.ec2.AmiFromInstance));
        const instances =
            captured.length > 0
                ? new References(
                      resources.filter(resource => resource.isType(aws.ec2.Instance)),
                      ["id", "arn"],
                  )
                : undefined;
        // Volumes attached after launch (aws.ec2.VolumeAttachment) are captured with the instance's own, indexed once by instance id.
        const attachments = new Map<string, PolicyResource[]>();
        let attachmentsIncomplete = false;
        let volumes: References | undefined;
        if (captured.length > 0) {
            for (const attachment of resources.filter(resource => resource.isType(aws.ec2.VolumeAttachment))) {
                const instanceId = read(() => attachment.props.instanceId as unknown);
                if (!instanceId.known) attachmentsIncomplete = true;
                else if (typeof instanceId.value === "string" && !isBlank(instanceId.value)) {
                    const key = instanceId.value.trim().toLowerCase();
                    attachments.set(key, [...(attachments.get(key) ?? []), attachment]);
                }
            }
            if (attachments.size > 0)
                volumes = new References(
                    resources.filter(resource => resource.isType(aws.ebs.Volume)),
                    ["id", "arn"],
                );
        }
        const attachedVolumes = (image: PolicyResource, instance: PolicyResource) => {
            const id = check.read(`${instance.name}.id`, () => instance.props.id as unknown);
            if (!id.known) return;
            if (attachmentsIncomplete) check.unknown(`which volumes are attached to ${instance.name}`);
            for (const attachment of typeof id.value === "string" ? (attachments.get(id.value.trim().toLowerCase()) ?? []) : []) {
                const volumeId = check.read(`${attachment.name}.volumeId`, () => attachment.props.volumeId as unknown);
                if (!volumeId.known || typeof volumeId.value !== "string" || isBlank(volumeId.value)) continue;
                const volume = volumes!.find(volumeId.value);
                const attached = `${instance.name}'s volume attachment ${attachment.name}`;
                if (!volume) {
                    if (volumes!.incomplete) check.unknown(`whether ${attachment.name}.volumeId is a volume the stack declares`);
                    else
                        check.violation(
                            `sourceInstanceId is ${instance.name}, and ${attached} attaches volume ${show(volumeId.value)}, which this stack ` +
                                "does not declare, so the pack cannot tell how it is encrypted, and the image captures it: attach only aws.ebs.Volume resources of this stack " +
                                "with encrypted: true and a customer-managed kmsKeyId.",
                            image.urn,
                        );
                    continue;
                }
                const encrypted = check.read(`${volume.name}.encrypted`, () => volume.props.encrypted as unknown);
                const keyId = check.read(`${volume.name}.kmsKeyId`, () => volume.props.kmsKeyId as unknown);
                if (!encrypted.known || !keyId.known) continue;
                if (!isTrue(encrypted.value) || isBlank(keyId.value)) {
                    check.violation(
                        `sourceInstanceId is ${instance.name}, and ${attached} attaches aws.ebs.Volume ${volume.name}, which does not set ` +
                            "encrypted: true with a kmsKeyId, so the image captures it unencrypted or under the default key: set both on the volume.",
                        image.urn,
                    );
                } else if (typeof keyId.value === "string" && keyReference(keyId.value) === "aws-managed-alias") {
                    check.violation(
                        `sourceInstanceId is ${instance.name}, and ${attached} attaches aws.ebs.Volume ${volume.name}, whose kmsKeyId is ` +
                            `${show(keyId.value)}, an AWS-managed key: encrypt the volume with a customer-managed key.`,
                        image.urn,
                    );
                } else {
                    checkKey(image, `${volume.name}.kmsKeyId`, keyId.value);
                }
            }
        };
        for (const image of captured) {
            const source = check.read(`${image.name}.sourceInstanceId`, () => image.props.sourceInstanceId as unknown);
            if (!source.known || typeof source.value !== "string" || isBlank(source.value)) continue;
            const instance = instances!.find(source.value);
            if (!instance) {
                if (instances!.incomplete) check.unknown(`whether ${image.name}.sourceInstanceId is an instance the stack declares`);
                else
                    check.violation(
                        `sourceInstanceId is ${show(source.value)}, an instance this stack does not declare, so the pack cannot tell ` +
                            "which keys its volumes (and so this image) are encrypted with: capture an aws.ec2.Instance declared in this stack, " +
                            "or make the image with an aws.ec2.AmiCopy encrypted with a customer-managed key.",
                        image.urn,
                    );
                continue;
            }
            attachedVolumes(image, instance);
            for (const volume of instanceVolumes(instance, check)) {
                if (!isTrue(volume.encrypted) || isBlank(volume.keyId)) {
                    check.violation(
                        `sourceInstanceId is ${instance.name}, whose ${volume.field} does not set encrypted: true with a kmsKeyId, ` +
                            "so this image would not be encrypted with a customer-managed key: set both on the instance's volumes.",
                        image.urn,
                    );
                } else if (typeof volume.keyId === "string" && keyReference(volume.keyId) === "aws-managed-alias") {
                    check.violation(
                        `sourceInstanceId is ${instance.name}, whose ${volume.field}.kmsKeyId is ${show(volume.keyId)}, an AWS-managed key: ` +
                            "encrypt the instance's volumes with a customer-managed key.",
                        image.urn,
                    );
                } else {
                    checkKey(image, `${instance.name}.${volume.field}.kmsKeyId`, volume.keyId);
                }
            }
        }

        const registered = resources.filter(resource => resource.isType(aws.ec2.Ami));
        const snapshots =
            registered.length > 0
                ? new References(
                      resources.filter(resource => resource.isType(aws.ebs.SnapshotCopy)),
                      ["id", "arn"],
                  )
                : undefined;
        for (const image of registered) {
            check.each(
                `${image.name}.ebsBlockDevices`,
                () => image.props.ebsBlockDevices as any[],
                (device, at) => {
                    const snapshot = check.read(`${at}.snapshotId`, () => device.snapshotId as unknown);
                    if (!snapshot.known) return;
                    if (typeof snapshot.value !== "string" || isBlank(snapshot.value)) {
                        // An empty volume takes the account's default EBS key, aws/ebs unless someone changed it: no device can say which.
                        check.violation(
                            `${local(image, at)}.snapshotId is not set, so that volume is encrypted (if at all) with the account's default EBS key, ` +
                                "aws/ebs unless changed, and the image cannot be shared: register every volume from an aws.ebs.SnapshotCopy in this stack " +
                                "with encrypted: true and a customer-managed kmsKeyId.",
                            image.urn,
                        );
                        return;
                    }
                    if (snapshots!.find(snapshot.value)) return;
                    if (snapshots!.incomplete) check.unknown(`whether ${at}.snapshotId is a snapshot copy the stack declares`);
                    else
                        check.violation(
                            `${local(image, at)}.snapshotId is ${show(snapshot.value)}, a snapshot this stack does not copy, so the pack cannot tell which key ` +
                                "it is encrypted with: register the image from an aws.ebs.SnapshotCopy in this stack with encrypted: true and a customer-managed kmsKeyId.",
                            image.urn,
                        );
                },
            );
        }
    }),
};
