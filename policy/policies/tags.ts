// images-tagged: every image-bearing resource, and every AMI an Image Builder distribution or workflow makes, carries the required tags.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { eachAmiDistribution } from "../lib/distributions";
import { missingTags, providerDefaultTags } from "../lib/tags";
import { Check } from "../lib/unknowns";
import { on, validateResourceOfTypes } from "../lib/validation";
import { decoded, isBlank, isBlankText, itemsOf, strings } from "../lib/values";
import { blockField, workflowBlocks } from "../lib/workflows";

export interface ImagesTaggedConfig {
    requiredTags: string[];
}

export const DEFAULT_REQUIRED_TAGS = ["Name", "Owner", "Environment", "Version"];

const configSchema: PolicyConfigSchema = {
    properties: {
        requiredTags: {
            type: "array",
            items: { type: "string", minLength: 1 },
            uniqueItems: true,
            description: "Tag keys every image and image-building resource must carry with a non-blank value.",
            default: DEFAULT_REQUIRED_TAGS,
        },
    },
};

/** The resource's own `tags`, with its provider's defaultTags filling in (the provider merges them the same way). */
function checkResourceTags(check: Check, args: ResourceValidationArgs, tags: () => unknown): void {
    const { requiredTags } = configWithDefaults<ImagesTaggedConfig>(configSchema, args.getConfig<ImagesTaggedConfig>());
    const missing = missingTags(check, { field: "tags", tags, required: requiredTags, defaults: () => providerDefaultTags(args.provider) });
    if (missing.length > 0) {
        check.violation(
            `tags is missing ${missing.join(", ")} (blank values count as missing): ` + "add them to the resource's tags or to its provider's defaultTags.",
        );
    }
    checkIgnoredTags(check, args, requiredTags);
}

/**
 * The provider's `ignoreTags` (`keys`, `keyPrefixes`; an object or, as the engine stores provider config, a JSON
 * string): the provider leaves those tags alone, so it never sets, updates or restores a required tag it ignores.
 */
function checkIgnoredTags(check: Check, args: ResourceValidationArgs, requiredTags: readonly string[]): void {
    const provider = args.provider;
    if (!provider) return;
    const ignored = check.read("the provider's ignoreTags", () => {
        const settings = itemsOf<any>(decoded(provider.props.ignoreTags))[0];
        return { keys: strings(decoded(settings?.keys)), prefixes: strings(decoded(settings?.keyPrefixes)) };
    });
    if (!ignored.known) return;
    const { keys, prefixes } = ignored.value;
    if (keys.length === 0 && prefixes.length === 0) return;
    const stripped = requiredTags.filter(tag => keys.includes(tag) || prefixes.some(prefix => tag.startsWith(prefix)));
    if (stripped.length > 0) {
        check.violation(
            `the provider's ignoreTags matches ${stripped.join(", ")}, so the provider never sets, updates or restores ${stripped.length === 1 ? "that tag" : "those tags"} ` +
                "on this image: remove the required tags from the provider's ignoreTags.keys and keyPrefixes.",
        );
    }
}

/**
 * An Image Builder build without a distribution configuration still makes an AMI in its region, with none
 * of the tags: only a distribution's amiTags tag the AMIs Image Builder makes.
 */
function checkDistributed(check: Check, args: ResourceValidationArgs, distribution: () => unknown, containerRecipe: () => unknown): void {
    const container = check.read("containerRecipeArn", containerRecipe);
    if (!container.known || !isBlank(container.value)) return;
    const arn = check.read("distributionConfigurationArn", distribution);
    if (arn.known && isBlank(arn.value)) {
        const { requiredTags } = configWithDefaults<ImagesTaggedConfig>(configSchema, args.getConfig<ImagesTaggedConfig>());
        check.violation(
            "distributionConfigurationArn is not set, so the AMI this build makes carries no tags: set it to an " +
                `aws.imagebuilder.DistributionConfiguration whose amiDistributionConfiguration.amiTags carry ${requiredTags.join(", ")}.`,
        );
    }
}

export const imagesTagged: ResourceValidationPolicy = {
    name: "images-tagged",
    description: "Images and the resources that build them carry the required tags (default Name, Owner, Environment, Version).",
    enforcementLevel: "mandatory",
    severity: "medium",
    configSchema,
    validateResource: validateResourceOfTypes(
        on(aws.ec2.Ami, (image, args, check) => checkResourceTags(check, args, () => image.tags)),
        on(aws.ec2.AmiCopy, (copy, args, check) => checkResourceTags(check, args, () => copy.tags)),
        on(aws.ec2.AmiFromInstance, (image, args, check) => checkResourceTags(check, args, () => image.tags)),
        on(aws.imagebuilder.Image, (image, args, check) => {
            checkResourceTags(check, args, () => image.tags);
            checkDistributed(
                check,
                args,
                () => image.distributionConfigurationArn,
                () => image.containerRecipeArn,
            );
        }),
        on(aws.imagebuilder.ImagePipeline, (pipeline, args, check) => {
            checkResourceTags(check, args, () => pipeline.tags);
            checkDistributed(
                check,
                args,
                () => pipeline.distributionConfigurationArn,
                () => pipeline.containerRecipeArn,
            );
        }),
        on(aws.imagebuilder.ImageRecipe, (recipe, args, check) => checkResourceTags(check, args, () => recipe.tags)),
        on(aws.ec2.Tag, (tag, args, check) => {
            // A tag resource overwrites the image's own value for its key: a blank one strips a required tag.
            const key = check.read("key", () => tag.key);
            if (!key.known || typeof key.value !== "string") return;
            const { requiredTags } = configWithDefaults<ImagesTaggedConfig>(configSchema, args.getConfig<ImagesTaggedConfig>());
            if (!requiredTags.includes(key.value)) return;
            const value = check.read("value", () => tag.value);
            if (value.known && isBlankText(value.value)) {
                check.violation(
                    `value is blank, so this tag strips the required tag ${key.value} from the resource it tags: ` +
                        `give it a non-blank value, or remove this aws.ec2.Tag and set ${key.value} on the image itself.`,
                );
            }
        }),
        on(aws.imagebuilder.Workflow, (workflow, args, check) => {
            // A DistributeImage step's distributions replace the attached configuration's: only their amiTags tag the AMIs.
            const distributions = workflowBlocks(check, () => workflow.data, "distributions");
            if (distributions.length === 0) return;
            const { requiredTags } = configWithDefaults<ImagesTaggedConfig>(configSchema, args.getConfig<ImagesTaggedConfig>());
            for (const { at, value } of distributions) {
                const amiTags = blockField(value, "amiTags");
                if (amiTags.parameter) continue;
                if (amiTags.dynamic) {
                    check.violation(
                        `${at}.${amiTags.dynamic} sets the AMIs' tags at run time from a JSONPath that is not a workflow parameter (a step's output), which the pack cannot resolve: ` +
                            "write the tags out in the document.",
                    );
                    continue;
                }
                const missing = missingTags(check, { field: `${at}.amiTags`, tags: () => amiTags.value, required: requiredTags });
                if (missing.length > 0) {
                    check.violation(
                        `${at}.amiTags is missing ${missing.join(", ")} (blank values count as missing): add them to the step's amiTags; ` +
                            "they replace the distribution configuration's, and the provider's defaultTags do not apply to the AMIs Image Builder distributes.",
                    );
                }
            }
        }),
        on(aws.imagebuilder.DistributionConfiguration, (distribution, args, check) => {
            const { requiredTags } = configWithDefaults<ImagesTaggedConfig>(configSchema, args.getConfig<ImagesTaggedConfig>());
            eachAmiDistribution(
                check,
                () => distribution.distributions,
                (ami, at) => {
                    const field = `${at}.amiDistributionConfiguration.amiTags`;
                    // The provider's defaultTags never reach the AMIs Image Builder makes: only amiTags do.
                    const missing = missingTags(check, { field, tags: () => ami?.amiTags, required: requiredTags });
                    if (missing.length > 0) {
                        check.violation(
                            `${field} is missing ${missing.join(", ")} (blank values count as missing): ` +
                                "add them to amiTags; the provider's defaultTags do not apply to the AMIs Image Builder distributes.",
                        );
                    }
                },
            );
        }),
    ),
};
