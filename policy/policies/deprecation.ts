// images-deprecate and image-builder-images-deprecate: every image is deprecated within a horizon (default the stack's
// lifecycle, at most two years); Image Builder images by a lifecycle policy that selects them.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { regionOf } from "../lib/region";
import { References } from "../lib/stack";
import { DistributedAmis, deprecatingSelection, distributedAmis, excludedBy, imageRecipe, imageTags, selects, Selection } from "../lib/lifecycle";
import { Check, Reading } from "../lib/unknowns";
import { on, validateResourceOfTypes, validateStackWithCheck } from "../lib/validation";
import { isBlank, show } from "../lib/values";

export interface DeprecationConfig {
    maxDeprecationDays: number;
}

/** Two years: a deprecation further out than that is no deprecation. */
export const MAX_DEPRECATION_DAYS = 730;
const DAY_MS = 24 * 60 * 60 * 1000;

const configSchema: PolicyConfigSchema = {
    properties: {
        maxDeprecationDays: {
            type: "integer",
            minimum: 1,
            maximum: MAX_DEPRECATION_DAYS,
            description:
                "How far ahead an image may be deprecated: set it to the stack's lifecycle (golden-ami:lifecycle.deleteAfterDays). " +
                `Default and most ${MAX_DEPRECATION_DAYS} (two years).`,
            default: MAX_DEPRECATION_DAYS,
        },
    },
};

function horizonOf(getConfig: ResourceValidationArgs["getConfig"]): number {
    return configWithDefaults<DeprecationConfig>(configSchema, getConfig<DeprecationConfig>()).maxDeprecationDays;
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/i;

function checkDeprecationTime(check: Check, args: ResourceValidationArgs, get: () => unknown): void {
    const deprecationTime = check.read("deprecationTime", get);
    if (!deprecationTime.known) return;
    const horizon = horizonOf(args.getConfig);
    const fix = `set it to an RFC 3339 time at most ${horizon} days ahead (e.g. the build time plus the stack's lifecycle.deprecateAfterDays)`;
    if (isBlank(deprecationTime.value)) {
        check.violation(`deprecationTime is not set: ${fix} so the image stops being offered once it is old.`);
        return;
    }
    const text = String(deprecationTime.value).trim();
    const at = RFC3339.test(text) ? Date.parse(text) : NaN;
    if (Number.isNaN(at)) {
        check.violation(`deprecationTime is ${show(deprecationTime.value)}, which is not an RFC 3339 time: ${fix}.`);
        return;
    }
    const days = (at - Date.now()) / DAY_MS;
    if (days > horizon) {
        check.violation(
            `deprecationTime is ${show(deprecationTime.value)}, ${Math.floor(days)} days from now, beyond this stack's ` +
                `${horizon}-day horizon, which is no deprecation: ${fix}.`,
        );
    }
}

export const imagesDeprecate: ResourceValidationPolicy = {
    name: "images-deprecate",
    description: "AMIs, AMI copies and AMIs from instances set a deprecationTime within the stack's horizon.",
    enforcementLevel: "mandatory",
    severity: "low",
    configSchema,
    validateResource: validateResourceOfTypes(
        on(aws.ec2.Ami, (image, args, check) => checkDeprecationTime(check, args, () => image.deprecationTime)),
        on(aws.ec2.AmiCopy, (copy, args, check) => checkDeprecationTime(check, args, () => copy.deprecationTime)),
        on(aws.ec2.AmiFromInstance, (image, args, check) => checkDeprecationTime(check, args, () => image.deprecationTime)),
    ),
};

export const imageBuilderImagesDeprecate: StackValidationPolicy = {
    name: "image-builder-images-deprecate",
    description:
        "Image Builder images and pipelines' images are deprecated, within the stack's horizon, by an imagebuilder LifecyclePolicy in their region " +
        "that selects them and does not exclude them.",
    enforcementLevel: "mandatory",
    severity: "low",
    configSchema,
    validateStack: validateStackWithCheck((args, check) => {
        // A pipeline makes a new image every run: its images need deprecating as much as an Image's.
        const images = args.resources.filter(resource => resource.isType(aws.imagebuilder.Image) || resource.isType(aws.imagebuilder.ImagePipeline));
        const lifecycles = args.resources.filter(resource => resource.isType(aws.imagebuilder.LifecyclePolicy));
        if (images.length === 0 && lifecycles.length === 0) args.notApplicable("The stack has no Image Builder images.");
        const horizon = horizonOf(args.getConfig);
        const recipes = new References(
            args.resources.filter(resource => resource.isType(aws.imagebuilder.ImageRecipe)),
            ["arn", "id"],
        );
        let distributions: References | undefined;

        // Each region's deprecating selections; a region where one is unknown until apply is undecided (already noted).
        const selections = new Map<string, Selection[]>();
        const undecided = new Set<string>();
        for (const lifecycle of lifecycles) {
            const region = regionOf(lifecycle);
            if (!region.known) {
                check.unknown(`the region of ${lifecycle.name}`);
                continue;
            }
            const selection = deprecatingSelection(lifecycle, horizon, check);
            if (!region.value) continue;
            if (selection === undefined) undecided.add(region.value);
            else if (selection) selections.set(region.value, [...(selections.get(region.value) ?? []), selection]);
        }

        for (const image of images) {
            const region = regionOf(image);
            if (!region.known) {
                check.unknown(`the region of ${image.name}`);
                continue;
            }
            if (!region.value) {
                check.violation(
                    "cannot tell which region this image is built in: neither its region nor its provider's region is set; " +
                        "set region on the resource or on its provider.",
                    image.urn,
                );
                continue;
            }
            if (undecided.has(region.value)) continue;
            const candidates = selections.get(region.value) ?? [];
            if (candidates.length === 0) {
                check.violation(
                    `no aws.imagebuilder.LifecyclePolicy deprecates images in ${region.value}: add one there with ` +
                        'resourceType "AMI_IMAGE", a policyDetails entry whose action.type is "DEPRECATE", and a resourceSelection that selects this image.',
                    image.urn,
                );
                continue;
            }
            const none = { known: true as const, value: null };
            const tags = candidates.some(selection => selection.tags.length > 0) ? imageTags(image, check) : { known: true as const, value: {} };
            const recipe = candidates.some(selection => selection.recipes.length > 0) ? imageRecipe(image, recipes, check) : none;
            let allTags: Reading<Record<string, unknown>> | undefined;
            let amis: Reading<DistributedAmis> | undefined;
            const where = region.value;
            const excluded: string[] = [];
            let deprecated = false;
            let unknown = false;
            for (const selection of candidates) {
                const selected = selects(selection, tags, recipe);
                if (selected === undefined) unknown = true;
                if (!selected) continue;
                for (const exclusion of selection.deprecations) {
                    const reason = excludedBy(
                        exclusion,
                        where,
                        () => (allTags ??= imageTags(image, check)),
                        () => {
                            distributions ??= new References(
                                args.resources.filter(resource => resource.isType(aws.imagebuilder.DistributionConfiguration)),
                                ["arn", "id"],
                            );
                            return (amis ??= distributedAmis(image, distributions, check));
                        },
                    );
                    if (reason === false) deprecated = true;
                    else if (reason === undefined) unknown = true;
                    else excluded.push(reason);
                }
            }
            if (deprecated) continue;
            if (unknown) {
                check.unknown(`whether a lifecycle policy in ${region.value} selects ${image.name}`);
                continue;
            }
            if (excluded.length > 0) {
                check.violation(
                    `the aws.imagebuilder.LifecyclePolicy in ${region.value} selects this image but never deprecates it: ${excluded.join("; ")}. ` +
                        "Narrow the DEPRECATE rule's exclusionRules so they do not match this image (exclude only the AMIs a tag marks as pinned), " +
                        "or deprecate it with another rule.",
                    image.urn,
                );
                continue;
            }
            check.violation(
                `the aws.imagebuilder.LifecyclePolicy in ${region.value} does not select this image: none of its resourceSelection.tagMap ` +
                    "entries is among the image's tags and none of its resourceSelection.recipes is the image's recipe (name and version): " +
                    "tag the image with a selected tag, or select its recipe.",
                image.urn,
            );
        }
    }),
};
