// Reading Image Builder lifecycle policies: what a policy selects (tags, recipes), which of its rules deprecate
// within a horizon, and what its exclusion rules keep; and the image-side facts they are matched against.
import { PolicyResource } from "@pulumi/policy";
import { References } from "./stack";
import { providerDefaultTags } from "./tags";
import { Check, Reading } from "./unknowns";
import { isBlank, isTrue, isWord, show } from "./values";

const UNIT_DAYS: Record<string, number> = { DAYS: 1, WEEKS: 7, MONTHS: 31, YEARS: 366 };

/**
 * What keeps one DEPRECATE rule from deprecating an image: its exclusionRules. `tagMap` excludes Image Builder
 * images with any of those tags, `amis.tagMap` AMIs with any of them (the distribution's amiTags), `amis.regions`
 * the AMIs in those regions, `amis.lastLaunched` any AMI launched lately (one in use is then never deprecated),
 * `amis.sharedAccounts` the AMIs shared with those accounts (the stack's images are shared).
 */
export interface Exclusion {
    /** The rule, as a message names it: `policyDetails[0]`. */
    at: string;
    imageTags: Array<[string, string]>;
    amiTags: Array<[string, string]>;
    regions: string[];
    lastLaunched: boolean;
    sharedAccounts: string[];
}

/** What a lifecycle policy selects (the images with any of its tags, or built from one of its recipes) and its DEPRECATE rules. */
export interface Selection {
    tags: Array<[string, string]>;
    recipes: Array<{ name: string; version: string }>;
    /** Each DEPRECATE rule within the horizon, with what it excludes. */
    deprecations: Exclusion[];
}

export function tagEntries(map: unknown): Array<[string, string]> {
    return map && typeof map === "object" ? Object.entries(map as Record<string, unknown>).map(([key, value]) => [key, String(value)] as [string, string]) : [];
}

/**
 * Whether a lifecycle policy deprecates AMIs within the horizon, and what it selects. Reports a policy that
 * claims to deprecate but selects nothing or deprecates too late. Undefined when unknown until apply.
 */
export function deprecatingSelection(lifecycle: PolicyResource, horizon: number, check: Check): Selection | undefined | false {
    const at = lifecycle.name;
    const props = lifecycle.props as Record<string, any>;
    const resourceType = check.read(`${at}.resourceType`, () => props.resourceType as unknown);
    const status = check.read(`${at}.status`, () => props.status as unknown);
    if (!resourceType.known || !status.known) return undefined;
    if (!isWord(resourceType.value, "AMI_IMAGE") || isWord(status.value, "DISABLED")) return false;

    const deprecations: Exclusion[] = [];
    let tooLate: string | undefined;
    let undecided = false;
    const known = check.each(
        `${at}.policyDetails`,
        () => props.policyDetails as any[] | undefined,
        (detail, detailAt) => {
            const type = check.read(`${detailAt}.action.type`, () => detail.action?.type as unknown);
            if (!type.known) undecided = true;
            if (!type.known || !isWord(type.value, "DEPRECATE")) return;
            const rule = detailAt.slice(at.length + 1);
            const amis = check.read(`${detailAt}.action.includeResources.amis`, () => detail.action?.includeResources?.amis as unknown);
            if (!amis.known) undecided = true;
            if (!amis.known) return;
            if (!isTrue(amis.value)) {
                // Without it Image Builder marks only its own image resource deprecated: the AMI stays current.
                tooLate =
                    `${rule}.action.includeResources.amis is ${show(amis.value)}, so the rule deprecates Image Builder's record of each image ` +
                    "but not the AMI it distributed, which stays current: set action.includeResources.amis to true.";
                return;
            }
            const filter = check.read(`${detailAt}.filter`, () => ({ type: detail.filter?.type, value: detail.filter?.value, unit: detail.filter?.unit }));
            if (!filter.known) undecided = true;
            if (!filter.known) return;
            const { type: filterType, value, unit } = filter.value;
            if (!isWord(filterType, "AGE")) {
                // A COUNT filter keeps the newest N images however old they are: nothing bounds when one is deprecated.
                tooLate =
                    `${rule}.filter.type is ${show(filterType)}, which deprecates by number, not age, so nothing bounds how long an image stays ` +
                    `undeprecated and this stack's ${horizon}-day horizon means nothing: use an AGE filter (type "AGE") whose value deprecates images within ${horizon} days.`;
                return;
            }
            // An unrecognised unit bounds nothing: it is read as no bound at all, never as days.
            const days =
                Number(value) *
                (UNIT_DAYS[
                    String(unit ?? "DAYS")
                        .trim()
                        .toUpperCase()
                ] ?? Infinity);
            if (!(days <= horizon)) {
                tooLate =
                    `${rule}.filter deprecates after ${value} ${String(unit ?? "DAYS").toLowerCase()}, beyond this stack's ${horizon}-day horizon, ` +
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
        },
    );
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
        check.violation(
            "resourceSelection selects no images (no tagMap entries and no recipes), so this lifecycle policy deprecates nothing: " +
                "select the images by resourceSelection.tagMap (a tag the images carry) or resourceSelection.recipes (name and semanticVersion).",
            lifecycle.urn,
        );
        return false;
    }
    return { ...selection.value, deprecations };
}

/** An Image Builder image's tags: its resolved tagsAll and tags, over its provider's defaultTags. */
export function imageTags(image: PolicyResource, check: Check): Reading<Record<string, unknown>> {
    const tags = check.read(`${image.name}.tags`, () => ({ ...(image.props.tagsAll ?? {}), ...(image.props.tags ?? {}) }) as Record<string, unknown>);
    if (!tags.known) return tags;
    const defaults = providerDefaultTags(image.provider);
    const fromProvider = defaults.known && defaults.value ? check.read(`${image.name}'s provider defaultTags`, () => ({ ...defaults.value })) : undefined;
    return { known: true, value: { ...(fromProvider?.known ? fromProvider.value : {}), ...tags.value } };
}

export type Recipe = { name: string; version: string };

/** The recipe an image is built from (name and version): the stack's ImageRecipe it refers to, else its ARN; null if neither tells. */
export function imageRecipe(image: PolicyResource, recipes: References, check: Check): Reading<Recipe | null> {
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
export function selects(selection: Selection, tags: Reading<Record<string, unknown>>, recipe: Reading<Recipe | null>): boolean | undefined {
    const byTag = !tags.known ? undefined : selection.tags.some(([key, value]) => tags.value[key] !== undefined && String(tags.value[key]) === value);
    const byRecipe = !recipe.known
        ? undefined
        : selection.recipes.some(chosen => chosen.name === recipe.value?.name && chosen.version === recipe.value?.version);
    if (byTag || byRecipe) return true;
    if ((selection.tags.length > 0 && byTag === undefined) || (selection.recipes.length > 0 && byRecipe === undefined)) return undefined;
    return false;
}

/** The AMIs an image's distribution configuration makes: their tags (amiTags) and regions. */
export interface DistributedAmis {
    tags: Array<Record<string, unknown>>;
    regions: string[];
}

export function distributedAmis(image: PolicyResource, distributions: References, check: Check): Reading<DistributedAmis> {
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
export function excludedBy(
    exclusion: Exclusion,
    region: string,
    tags: () => Reading<Record<string, unknown>>,
    amis: () => Reading<DistributedAmis>,
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
