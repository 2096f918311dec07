// Rules 1–3: no image is ever made public, and every region that holds an image blocks public sharing.
import * as aws from "@pulumi/aws";
import { Resource } from "@pulumi/pulumi";
import { PolicyResource, ResourceValidationPolicy, StackValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { eachAmiDistribution } from "../lib/distributions";
import { regionOf, regionsSettledBy } from "../lib/region";
import { Check } from "../lib/unknowns";
import { on, validateResourceOfTypes, validateStackWithCheck, withCheck } from "../lib/validation";
import { show } from "../lib/values";

export const BLOCK_NEW_SHARING = "block-new-sharing";

/** The launch-permission group that means "everyone": the image becomes public. */
function isPublicGroup(group: unknown): boolean {
    return typeof group === "string" && group.trim().toLowerCase() === "all";
}

export const noPublicImages: ResourceValidationPolicy = {
    name: "no-public-images",
    description: "No image is shared with the public: no launch permission or Image Builder distribution grants the group \"all\".",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateResourceOfTypes(
        on(aws.ec2.AmiLaunchPermission, (permission, _args, check) => {
            const group = check.read("group", () => permission.group);
            if (group.known && isPublicGroup(group.value)) {
                check.violation(`group is ${show(group.value)}, which makes the image public: remove this launch permission, ` +
                    "or share with an accountId, organizationArn or organizationalUnitArn instead.");
            }
        }),
        on(aws.imagebuilder.DistributionConfiguration, (distribution, _args, check) => {
            eachAmiDistribution(check, () => distribution.distributions, (ami, at) => {
                const field = `${at}.amiDistributionConfiguration.launchPermission.userGroups`;
                check.each(field, () => ami?.launchPermission?.userGroups, (group, groupAt) => {
                    if (isPublicGroup(group)) {
                        check.violation(`${groupAt} is ${show(group)}, which makes every image this distribution makes public: ` +
                            "remove it and share with userIds, organizationArns or organizationalUnitArns instead.");
                    }
                });
            });
        }),
    ),
};

export const imageBlockPublicAccessOn: ResourceValidationPolicy = {
    name: "image-block-public-access-on",
    description: `Image block public access stays on: every aws.ec2.ImageBlockPublicAccess has state "${BLOCK_NEW_SHARING}".`,
    enforcementLevel: "mandatory",
    severity: "critical",
    validateResource: validateResourceOfType(aws.ec2.ImageBlockPublicAccess, withCheck((setting, _args, check) => {
        const state = check.read("state", () => setting.state);
        if (state.known && state.value !== BLOCK_NEW_SHARING) {
            check.violation(`state is ${show(state.value)}: set state to "${BLOCK_NEW_SHARING}" so no image in this region can be made public.`);
        }
    })),
};

/** Resource types that hold an image in their region. */
const IMAGE_TYPES: Array<new (...rest: any[]) => Resource> = [aws.ec2.Ami, aws.ec2.AmiCopy, aws.ec2.AmiFromInstance, aws.imagebuilder.Image];

/** Where an image resource puts images: its own region, or each Image Builder distribution's target region. */
interface ImagePlacement {
    region: string | undefined;
    /** The subject of a message: "this image", "distributions[1]". */
    what: string;
}

function imagePlacements(resource: PolicyResource, check: Check): ImagePlacement[] {
    if (resource.isType(aws.imagebuilder.DistributionConfiguration)) {
        const distributions = check.read(`${resource.name}.distributions`, () => resource.props.distributions as Array<{ region?: string }> | undefined);
        if (!distributions.known || !distributions.value) return [];
        const targets = distributions.value;
        const placements: ImagePlacement[] = [];
        for (let index = 0; index < targets.length; index++) {
            const region = check.read(`${resource.name}.distributions[${index}].region`, () => targets[index].region);
            if (region.known) placements.push({ region: region.value, what: `distributions[${index}]` });
        }
        return placements;
    }
    const region = regionOf(resource);
    if (!region.known) {
        check.unknown(`the region of ${resource.name}`);
        return [];
    }
    return [{ region: region.value, what: "this image" }];
}

export const imageRegionsBlockPublicSharing: StackValidationPolicy = {
    name: "image-regions-block-public-sharing",
    description: `Every region that holds an image has an aws.ec2.ImageBlockPublicAccess with state "${BLOCK_NEW_SHARING}".`,
    enforcementLevel: "mandatory",
    severity: "high",
    validateStack: validateStackWithCheck((args, check) => {
        const holders = args.resources.filter(resource =>
            IMAGE_TYPES.some(type => resource.isType(type)) || resource.isType(aws.imagebuilder.DistributionConfiguration));
        if (holders.length === 0) args.notApplicable("The stack holds no images.");

        // Regions whose block's state is unknown are already noted: neither blocked nor reported.
        const { settled: blocked, undecided } = regionsSettledBy(
            args.resources.filter(resource => resource.isType(aws.ec2.ImageBlockPublicAccess)), check, setting => {
                const state = check.read(`${setting.name}.state`, () => setting.props.state as unknown);
                return state.known ? state.value === BLOCK_NEW_SHARING : undefined;
            });

        for (const holder of holders) {
            for (const { region, what } of imagePlacements(holder, check)) {
                if (!region) {
                    check.violation(`cannot tell which region ${what} is in: neither its region nor its provider's region is set; ` +
                        "set region on the resource or on its provider.", holder.urn);
                } else if (!blocked.has(region) && !undecided.has(region)) {
                    check.violation(`${what} is in ${region}, but the stack has no aws.ec2.ImageBlockPublicAccess with state ` +
                        `"${BLOCK_NEW_SHARING}" in ${region}: add one there (with ${region}'s provider, or region: "${region}").`, holder.urn);
                }
            }
        }
    }),
};
