// Rule 6: every image is encrypted with a customer-managed KMS key, which is what lets it be shared at all.
import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy } from "@pulumi/policy";
import { eachAmiDistribution } from "../lib/distributions";
import { Check } from "../lib/unknowns";
import { on, validateResourceOfTypes } from "../lib/validation";
import { isAwsManagedKey, isBlank, isTrue, show } from "../lib/values";

/** `kmsKeyId` (at `field`) names a customer-managed key: set, and not an AWS-managed `alias/aws/...` key. */
function checkCustomerManagedKey(check: Check, field: string, get: () => unknown, fix: string): void {
    const keyId = check.read(field, get);
    if (!keyId.known) return;
    if (isBlank(keyId.value)) {
        check.violation(`${field} is not set, so the AWS-managed aws/ebs key is used and the image cannot be shared: ${fix}`);
    } else if (typeof keyId.value === "string" && isAwsManagedKey(keyId.value)) {
        check.violation(`${field} is ${show(keyId.value)}, an AWS-managed key, and images under it cannot be shared: ${fix}`);
    }
}

export const imagesEncryptedWithCmk: ResourceValidationPolicy = {
    name: "images-encrypted-with-cmk",
    description: "Images are encrypted with a customer-managed KMS key: AMI copies, Image Builder recipes' EBS volumes and distributions.",
    enforcementLevel: "mandatory",
    severity: "high",
    validateResource: validateResourceOfTypes(
        on(aws.ec2.AmiCopy, (copy, _args, check) => {
            const encrypted = check.read("encrypted", () => copy.encrypted);
            if (encrypted.known && !isTrue(encrypted.value)) {
                check.violation(`encrypted is ${show(encrypted.value)}: set encrypted: true, with kmsKeyId a customer-managed key in the destination region.`);
            }
            checkCustomerManagedKey(check, "kmsKeyId", () => copy.kmsKeyId, "set kmsKeyId to a customer-managed key in the destination region.");
        }),
        on(aws.imagebuilder.ImageRecipe, (recipe, _args, check) => {
            let volumes = 0;
            let ebsUnknown = false;
            const mappingsKnown = check.each("blockDeviceMappings", () => recipe.blockDeviceMappings, (mapping, at) => {
                const ebs = check.read(`${at}.ebs`, () => mapping.ebs);
                if (!ebs.known) ebsUnknown = true;
                if (!ebs.known || !ebs.value) return;
                const volume = ebs.value;
                volumes++;
                const encrypted = check.read(`${at}.ebs.encrypted`, () => volume.encrypted);
                if (encrypted.known && !isTrue(encrypted.value)) {
                    check.violation(`${at}.ebs.encrypted is ${show(encrypted.value)}: set it to "true", with kmsKeyId the image's customer-managed key.`);
                }
                checkCustomerManagedKey(check, `${at}.ebs.kmsKeyId`, () => volume.kmsKeyId, "set it to the image's customer-managed key.");
            });
            if (mappingsKnown && !ebsUnknown && volumes === 0) {
                check.violation("blockDeviceMappings has no EBS volume, so the build inherits the parent image's encryption: " +
                    'map the root device with ebs.encrypted "true" and ebs.kmsKeyId the image\'s customer-managed key.');
            }
        }),
        on(aws.imagebuilder.DistributionConfiguration, (distribution, _args, check) => {
            eachAmiDistribution(check, () => distribution.distributions, (ami, at) => {
                checkCustomerManagedKey(check, `${at}.amiDistributionConfiguration.kmsKeyId`, () => ami?.kmsKeyId,
                    "set it to a customer-managed key in that distribution's region.");
            });
        }),
    ),
};
