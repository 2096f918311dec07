// Stack configs of any size, for the benchmark and the tests that must hold at scale.
import { Region } from "@pulumi/aws/types/enums";
import { parseStackConfig, RawStackConfig, SHARING_LIMITS } from "../../components/config";
import { lockKey, parentOf, recipeInputs, VersionLock } from "../../components/versionLock";
import { readStackConfig } from "./stackFile";

/** Commercial regions other than the dev stack's home, in a stable order. */
export const OTHER_REGIONS = Object.values(Region).filter(region => /^(us|eu|ap|ca|sa|me|af|il|mx)-[a-z]+-\d$/.test(region) && region !== "us-east-1");

/** The most principals one AMI can be shared with: every account, organization and OU slot. */
export const MAX_PRINCIPALS = SHARING_LIMITS.accounts + SHARING_LIMITS.organizationArns + SHARING_LIMITS.organizationalUnitArns;

/**
 * The dev stack holding `imageCount` images (dev's own first, then application images, layered on its first unless `layered` is false)
 * in `regionCount` regions (home included), running a fleet of the first image in each, and shared with
 * `principalCount` principals: accounts first, then organizations, then OUs, within the limits.
 */
export function generatedStackConfig(regionCount: number, principalCount: number, imageCount = 1, layered = true): RawStackConfig {
    if (regionCount < 1 || regionCount > OTHER_REGIONS.length + 1) throw new Error(`regions must be 1 to ${OTHER_REGIONS.length + 1}, got ${regionCount}`);
    if (principalCount < 0 || principalCount > MAX_PRINCIPALS) throw new Error(`principals must be 0 to ${MAX_PRINCIPALS}, got ${principalCount}`);
    const accounts = Math.min(principalCount, SHARING_LIMITS.accounts);
    const organizations = Math.min(principalCount - accounts, SHARING_LIMITS.organizationArns);
    const units = principalCount - accounts - organizations;
    const dev = readStackConfig("dev");
    const regions = OTHER_REGIONS.slice(0, regionCount - 1);
    const devImages = Object.entries(dev.images as Record<string, Record<string, unknown>>);
    const [firstName, first] = devImages[0];
    const images = Object.fromEntries(
        Array.from({ length: imageCount }, (_, index) =>
            index < devImages.length
                ? devImages[index]
                : [`app-${index - devImages.length + 1}`, { ...first, version: "1.0.0", ...(layered && { baseImage: `image:${firstName}` }) }],
        ),
    );
    const [fleetName, fleet] = Object.entries(dev.fleets as Record<string, object>)[0];
    return {
        ...dev,
        images,
        regions,
        sharing: {
            accounts: Array.from({ length: accounts }, (_, index) => String(210000000000 + index)),
            organizationArns: Array.from(
                { length: organizations },
                (_, index) => `arn:aws:organizations::999999999999:organization/o-benchorg${String(index).padStart(3, "0")}`,
            ),
            organizationalUnitArns: Array.from(
                { length: units },
                (_, index) => `arn:aws:organizations::999999999999:ou/o-benchorg000/ou-ab12-workload${String(index).padStart(2, "0")}`,
            ),
        },
        fleets: { [fleetName]: { ...fleet, regions: ["us-east-1", ...regions] } },
    };
}

/** A version lock holding every image of `raw` as it is now: what `npm run lock` would write for each. */
export function generatedVersionLock(raw: RawStackConfig, stack = "dev"): VersionLock {
    const { images } = parseStackConfig(raw, stack);
    return Object.fromEntries(
        images.map(image => [lockKey(image), { recipe: recipeInputs(image, parentOf(image, images)), lockedAt: "2026-11-23T00:00:00Z" }]),
    );
}
