// Rule 10: every image is deprecated within a horizon (default the stack's lifecycle, at most two years), so
// old images stop being offered to new launches; Image Builder images by a lifecycle policy that selects them.
import * as aws from "@pulumi/aws";
import { PolicyConfigSchema, PolicyResource, ResourceValidationArgs, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { regionOf } from "../lib/region";
import { References } from "../lib/stack";
import { providerDefaultTags } from "../lib/tags";
import { Check, Reading } from "../lib/unknowns";
import { on, validateResourceOfTypes, validateStackWithCheck } from "../lib/validation";
import { isBlank, isTrue, isWord, show } from "../lib/values";

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
            description: "How far ahead an image may be deprecated: set it to the stack's lifecycle (golden-ami:lifecycle.deleteAfterDays). " +
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
        check.violation(`deprecationTime is ${show(deprecationTime.value)}, ${Math.floor(days)} days from now, beyond this stack's ` +
            `${horizon}-day horizon, which is no deprecation: ${fix}.`);
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

const UNIT_DAYS: Record<string, number> = { DAYS: 1, WEEKS: 7, MONTHS: 31, YEARS: 366 };

/**
 * What keeps one DEPRECATE rule from deprecating an image: its exclusionRules. `tagMap` excludes Image Builder
 * images with any of those tags, `amis.tagMap` AMIs with any of them (the distribution's amiTags), `amis.regions`
 * the AMIs in those regions, `amis.lastLaunched` any AMI launched lately (one in use is then never deprecated),
 * `amis.sharedAccounts` the AMIs shared with those accounts (the stack's images are shared).
 */
interface Exclusion {
    /** The rule, as a message names it: `policyDetails[0]`. */
    at: string;
    imageTags: Array<[string, string]>;
    amiTags: Array<[string, string]>;
    regions: string[];
    lastLaunched: boolean;
    sharedAccounts: string[];
}

/** What a lifecycle policy selects (the images with any of its tags, or built from one of its recipes) and its DEPRECATE rules. */
interface Selection {
    tags: Array<[string, string]>;
    recipes: Array<{ name: string; version: string }>;
    /** Each DEPRECATE rule within the horizon, with what it excludes. */
    deprecations: Exclusion[];
}

function tagEntries(map: unknown): Array<[string, string]> {
    return map && typeof map === "object" ? Object.entries(map as Record<string, unknown>).map(([key, value]) => [key, String(value)] as [string, string]) : [];
}

/**
 * Whether a lifecycle policy deprecates AMIs within the horizon, and what it selects. Reports a policy that
 * claims to deprecate but selects nothing or deprecates too late. Undefined when unknown until apply.
 */
function deprecatingSelection(lifecycle: PolicyResource, horizon: number, check: Check): Selection | undefined | false {
    const at = lifecycle.name;
    const props = lifecycle.props as Record<string, any>;
    const resourceType = check.read(`${at}.resourceType`, () => props.resourceType as unknown);
    const status = check.read(`${at}.status`, () => props.status as unknown);
    if (!resourceType.known || !status.known) return undefined;
    if (!isWord(resourceType.value, "AMI_IMAGE") || isWord(status.value, "DISABLED")) return false;

    const deprecations: Exclusion[] = [];
    let tooLate: string | undefined;
    let undecided = false;
    const known = check.each(`${at}.policyDetails`, () => props.policyDetails as any[] | undefined, (detail, detailAt) => {
        const type = check.read(`${detailAt}.action.type`, () => detail.action?.type as unknown);
        if (!type.known) undecided = true;
        if (!type.known || !isWord(type.value, "DEPRECATE")) return;
        const rule = detailAt.slice(at.length + 1);
        const amis = check.read(`${detailAt}.action.includeResources.amis`, () => detail.action?.includeResources?.amis as unknown);
        if (!amis.known) undecided = true;
        if (!amis.known) return;
        if (!isTrue(amis.value)) {
            // Without it Image Builder marks only its own image resource deprecated: the AMI stays current.
            tooLate = `${rule}.action.includeResources.amis is ${show(amis.value)}, so the rule deprecates Image Builder's record of each image ` +
                "but not the AMI it distributed, which stays current: set action.includeResources.amis to true.";
            return;
        }
        const filter = check.read(`${detailAt}.filter`, () => ({ type: detail.filter?.type, value: detail.filter?.value, unit: detail.filter?.unit }));
        if (!filter.known) undecided = true;
        if (!filter.known) return;
        const { type: filterType, value, unit } = filter.value;
        if (!isWord(filterType, "AGE")) {
            // A COUNT filter keeps the newest N images however old they are: nothing bounds when one is deprecated.
            tooLate = `${rule}.filter.type is ${show(filterType)}, which deprecates by number, not age, so nothing bounds how long an image stays ` +
                `undeprecated and this stack's ${horizon}-day horizon means nothing: use an AGE filter (type "AGE") whose value deprecates images within ${horizon} days.`;
            return;
        }
        // An unrecognised unit bounds nothing: it is read as no bound at all, never as days.
        const days = Number(value) * (UNIT_DAYS[String(unit ?? "DAYS").trim().toUpperCase()] ?? Infinity);
        if (!(days <= horizon)) {
            tooLate = `${rule}.filter deprecates after ${value} ${String(unit ?? "DAYS").toLowerCase()}, beyond this stack's ${horizon}-day horizon, ` +
                `which is no deprecation: lower filter.value so images are deprecated within ${horizon} days.`;
            return;
        }
        const exclusion = check.read(`${detailAt}.exclusionRules`, () => {
            const rules = detail.exclusionRules ?? {};
            const amis = rules.amis ?? {};
            return {
                at: rule,
                imageTags: tagEntries(rules.tagMap),
                amiTags: tagEntries(amis.tagMap),
                regions: ((amis.regions ?? []) as unknown[]).map(region => String(region).trim()),
                lastLaunched: !!amis.lastLaunched,
                sharedAccounts: ((amis.sharedAccounts ?? []) as unknown[]).map(String),
            };
        });
        if (!exclusion.known) undecided = true;
        else deprecations.push(exclusion.value);
    });
    if (deprecations.length === 0) {
        if (tooLate) {
            check.violation(tooLate, lifecycle.urn);
        }
        return known && !undecided ? false : undefined;
    }

    const selection = check.read(`${at}.resourceSelection`, () => {
        const chosen = props.resourceSelection ?? {};
        const tags = tagEntries(chosen.tagMap);
        const recipes = ((chosen.recipes ?? []) as any[]).map(recipe => ({ name: String(recipe.name ?? ""), version: String(recipe.semanticVersion ?? "") }));
        return { tags, recipes };
    });
    if (!selection.known) return undefined;
    if (selection.value.tags.length === 0 && selection.value.recipes.length === 0) {
        check.violation("resourceSelection selects no images (no tagMap entries and no recipes), so this lifecycle policy deprecates nothing: " +
            "select the images by resourceSelection.tagMap (a tag the images carry) or resourceSelection.recipes (name and semanticVersion).", lifecycle.urn);
        return false;
    }
    return { ...selection.value, deprecations };
}

/** An Image Builder image's tags: its resolved tagsAll and tags, over its provider's defaultTags. */
function imageTags(image: PolicyResource, check: Check): Reading<Record<string, unknown>> {
    const tags = check.read(`${image.name}.tags`, () => ({ ...(image.props.tagsAll ?? {}), ...(image.props.tags ?? {}) }) as Record<string, unknown>);
    if (!tags.known) return tags;
    const defaults = providerDefaultTags(image.provider);
    const fromProvider = defaults.known && defaults.value ? check.read(`${image.name}'s provider defaultTags`, () => ({ ...defaults.value })) : undefined;
    return { known: true, value: { ...(fromProvider?.known ? fromProvider.value : {}), ...tags.value } };
}

type Recipe = { name: string; version: string };

/** The recipe an image is built from (name and version): the stack's ImageRecipe it refers to, else its ARN; null if neither tells. */
function imageRecipe(image: PolicyResource, recipes: References, check: Check): Reading<Recipe | null> {
    const arn = check.read(`${image.name}.imageRecipeArn`, () => image.props.imageRecipeArn as unknown);
    if (!arn.known) return arn;
    if (typeof arn.value !== "string") return { known: true, value: null };
    const declared = recipes.find(arn.value);
    if (declared) {
        return check.read(`${declared.name}.name`, () => ({ name: String(declared.props.name ?? ""), version: String(declared.props.version ?? "") }));
    }
    if (recipes.incomplete) return { known: false };
    const parsed = /:image-recipe\/([^/]+)\/(\d+\.\d+\.\d+)/.exec(arn.value);
    return { known: true, value: parsed ? { name: parsed[1], version: parsed[2] } : null };
}

/** True if the selection picks the image, false if not, undefined if that is unknown until apply. */
function selects(selection: Selection, tags: Reading<Record<string, unknown>>, recipe: Reading<Recipe | null>): boolean | undefined {
    const byTag = !tags.known ? undefined : selection.tags.some(([key, value]) => tags.value[key] !== undefined && String(tags.value[key]) === value);
    const byRecipe = !recipe.known ? undefined : selection.recipes.some(chosen => chosen.name === recipe.value?.name && chosen.version === recipe.value?.version);
    if (byTag || byRecipe) return true;
    if ((selection.tags.length > 0 && byTag === undefined) || (selection.recipes.length > 0 && byRecipe === undefined)) return undefined;
    return false;
}

/** The AMIs an image's distribution configuration makes: their tags (amiTags) and regions. */
interface DistributedAmis {
    tags: Array<Record<string, unknown>>;
    regions: string[];
}

function distributedAmis(image: PolicyResource, distributions: References, check: Check): Reading<DistributedAmis> {
    const arn = check.read(`${image.name}.distributionConfigurationArn`, () => image.props.distributionConfigurationArn as unknown);
    if (!arn.known) return arn;
    const declared = typeof arn.value === "string" ? distributions.find(arn.value) : undefined;
    // No distribution the pack sees: image-builds-use-stack-distributions reports an undeclared one.
    if (!declared) return distributions.incomplete && !isBlank(arn.value) ? { known: false } : { known: true, value: { tags: [], regions: [] } };
    return check.read(`${declared.name}.distributions`, () => {
        const targets = (declared.props.distributions ?? []) as any[];
        return {
            tags: targets.map(target => ({ ...(target?.amiDistributionConfiguration?.amiTags ?? {}) }) as Record<string, unknown>),
            regions: targets.map(target => String(target?.region ?? "").trim()).filter(region => region !== ""),
        };
    });
}

function carries(tags: Record<string, unknown>, entries: Array<[string, string]>): string | undefined {
    const found = entries.find(([key, value]) => tags[key] !== undefined && String(tags[key]) === value);
    return found ? `${found[0]}=${found[1]}` : undefined;
}

/**
 * Why a DEPRECATE rule's exclusionRules keep it from deprecating the image (e.g. `exclusionRules.amis.regions
 * includes us-east-1`), false if they do not, undefined when unknown until apply.
 */
function excludedBy(
    exclusion: Exclusion, region: string, tags: () => Reading<Record<string, unknown>>, amis: () => Reading<DistributedAmis>,
): string | false | undefined {
    const rule = `${exclusion.at}.exclusionRules`;
    if (exclusion.lastLaunched) return `${rule}.amis.lastLaunched keeps any image launched lately, so one in use is never deprecated`;
    if (exclusion.sharedAccounts.length > 0) return `${rule}.amis.sharedAccounts keeps the images shared with ${exclusion.sharedAccounts.join(", ")}`;
    if (exclusion.imageTags.length > 0) {
        const imageTags = tags();
        if (!imageTags.known) return undefined;
        const tag = carries(imageTags.value, exclusion.imageTags);
        if (tag) return `${rule}.tagMap excludes the image's tag ${tag}`;
    }
    if (exclusion.amiTags.length === 0 && exclusion.regions.length === 0) return false;
    const distributed = amis();
    if (!distributed.known) return undefined;
    for (const amiTags of distributed.value.tags) {
        const tag = carries(amiTags, exclusion.amiTags);
        if (tag) return `${rule}.amis.tagMap excludes its AMIs' tag ${tag} (the distribution's amiTags)`;
    }
    const excludedRegion = [region, ...distributed.value.regions].find(where => exclusion.regions.includes(where));
    return excludedRegion ? `${rule}.amis.regions excludes its AMIs in ${excludedRegion}` : false;
}

export const imageBuilderImagesDeprecate: StackValidationPolicy = {
    name: "image-builder-images-deprecate",
    description: "Image Builder images and pipelines' images are deprecated, within the stack's horizon, by an imagebuilder LifecyclePolicy in their region " +
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
        const recipes = new References(args.resources.filter(resource => resource.isType(aws.imagebuilder.ImageRecipe)), ["arn", "id"]);
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
                check.violation("cannot tell which region this image is built in: neither its region nor its provider's region is set; " +
                    "set region on the resource or on its provider.", image.urn);
                continue;
            }
            if (undecided.has(region.value)) continue;
            const candidates = selections.get(region.value) ?? [];
            if (candidates.length === 0) {
                check.violation(`no aws.imagebuilder.LifecyclePolicy deprecates images in ${region.value}: add one there with ` +
                    'resourceType "AMI_IMAGE", a policyDetails entry whose action.type is "DEPRECATE", and a resourceSelection that selects this image.', image.urn);
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
                    const reason = excludedBy(exclusion, where, () => (allTags ??= imageTags(image, check)), () => {
                        distributions ??= new References(args.resources.filter(resource => resource.isType(aws.imagebuilder.DistributionConfiguration)), ["arn", "id"]);
                        return (amis ??= distributedAmis(image, distributions, check));
                    });
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
                check.violation(`the aws.imagebuilder.LifecyclePolicy in ${region.value} selects this image but never deprecates it: ${excluded.join("; ")}. ` +
                    "Narrow the DEPRECATE rule's exclusionRules so they do not match this image (exclude only the AMIs a tag marks as pinned), " +
                    "or deprecate it with another rule.", image.urn);
                continue;
            }
            check.violation(`the aws.imagebuilder.LifecyclePolicy in ${region.value} does not select this image: none of its resourceSelection.tagMap ` +
                "entries is among the image's tags and none of its resourceSelection.recipes is the image's recipe (name and version): " +
                "tag the image with a selected tag, or select its recipe.", image.urn);
        }
    }),
};
