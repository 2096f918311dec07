// Rule 10: every image carries a deprecation, so old images stop being offered to new launches.
import * as aws from "@pulumi/aws";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { regionOf, regionsSettledBy } from "../lib/region";
import { Check } from "../lib/unknowns";
import { on, validateResourceOfTypes, validateStackWithCheck } from "../lib/validation";
import { isBlank } from "../lib/values";

function checkDeprecationTime(check: Check, get: () => unknown): void {
    const deprecationTime = check.read("deprecationTime", get);
    if (deprecationTime.known && isBlank(deprecationTime.value)) {
        check.violation("deprecationTime is not set: set it to an RFC 3339 time (e.g. the build time plus the stack's " +
            "lifecycle.deprecateAfterDays) so the image stops being offered once it is old.");
    }
}

export const imagesDeprecate: ResourceValidationPolicy = {
    name: "images-deprecate",
    description: "AMIs, AMI copies and AMIs from instances set a deprecationTime.",
    enforcementLevel: "mandatory",
    severity: "low",
    validateResource: validateResourceOfTypes(
        on(aws.ec2.Ami, (image, _args, check) => checkDeprecationTime(check, () => image.deprecationTime)),
        on(aws.ec2.AmiCopy, (copy, _args, check) => checkDeprecationTime(check, () => copy.deprecationTime)),
        on(aws.ec2.AmiFromInstance, (image, _args, check) => checkDeprecationTime(check, () => image.deprecationTime)),
    ),
};

/** Whether a lifecycle policy deprecates AMIs: resourceType AMI_IMAGE, not disabled, with a DEPRECATE action. */
function deprecatesAmis(policy: PolicyResource, check: Check): boolean | undefined {
    const at = policy.name;
    const resourceType = check.read(`${at}.resourceType`, () => policy.props.resourceType as unknown);
    const status = check.read(`${at}.status`, () => policy.props.status as unknown);
    if (!resourceType.known || !status.known) return undefined;
    if (resourceType.value !== "AMI_IMAGE" || status.value === "DISABLED") return false;
    let deprecates = false;
    const details = () => policy.props.policyDetails as Array<{ action?: { type?: string } }> | undefined;
    const known = check.each(`${at}.policyDetails`, details, (detail, detailAt) => {
        const type = check.read(`${detailAt}.action.type`, () => detail.action?.type);
        if (type.known && type.value === "DEPRECATE") deprecates = true;
    });
    return deprecates || (known ? false : undefined);
}

export const imageBuilderImagesDeprecate: StackValidationPolicy = {
    name: "image-builder-images-deprecate",
    description: "Image Builder images are deprecated by an imagebuilder LifecyclePolicy with a DEPRECATE action in their region.",
    enforcementLevel: "mandatory",
    severity: "low",
    validateStack: validateStackWithCheck((args, check) => {
        const images = args.resources.filter(resource => resource.isType(aws.imagebuilder.Image));
        if (images.length === 0) args.notApplicable("The stack has no Image Builder images.");

        // Regions with a deprecating lifecycle policy, and regions where one might be (what was unknown is already noted).
        const { settled: covered, undecided } = regionsSettledBy(
            args.resources.filter(resource => resource.isType(aws.imagebuilder.LifecyclePolicy)), check, lifecycle => deprecatesAmis(lifecycle, check));

        for (const image of images) {
            const region = regionOf(image);
            if (!region.known) {
                check.unknown(`the region of ${image.name}`);
            } else if (!region.value) {
                check.violation("cannot tell which region this image is built in: neither its region nor its provider's region is set; " +
                    "set region on the resource or on its provider.", image.urn);
            } else if (!covered.has(region.value) && !undecided.has(region.value)) {
                check.violation(`no aws.imagebuilder.LifecyclePolicy deprecates images in ${region.value}: add one there with ` +
                    'resourceType "AMI_IMAGE" and a policyDetails entry whose action.type is "DEPRECATE".', image.urn);
            }
        }
    }),
};
