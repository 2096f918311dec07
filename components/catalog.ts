// The catalog's wiring rules that index.ts follows: the order images are declared in, and the aliases
// that keep a single-image stack's shared resources (its keys, its public-sharing block) when it becomes a catalog.
import * as pulumi from "@pulumi/pulumi";
import { GoldenAmiConfig, ImageConfig } from "./config";

/** Parents before their children (a layered image needs its parent's build); otherwise the stack file's order. */
export function inBuildOrder(images: ImageConfig[]): ImageConfig[] {
    const ordered: ImageConfig[] = [];
    const visit = (image: ImageConfig, path: string[]) => {
        if (ordered.includes(image) || path.includes(image.name)) return;
        const parent = images.find(candidate => candidate.name === image.parentImage);
        if (parent) visit(parent, [...path, image.name]);
        ordered.push(image);
    };
    for (const image of images) visit(image, []);
    return ordered;
}

/**
 * Before the catalog, each image had its own key per region (a child of its GoldenImage in the home region
 * of a building stack, of its RegionalImage elsewhere) and blocked public sharing from its ImageSharing.
 * The shared key of each region takes the old key's place in the state (same key, same ARN: recipes and
 * copies do not change), and so does the region's public-sharing block. Aliases that match nothing are ignored.
 */
export function legacyAliases(config: Pick<GoldenAmiConfig, "images" | "homeRegion" | "promoteFrom">) {
    const regionalImage = (image: string, region: string) => pulumi.createUrn(`${image}-${region}`, "golden-ami:ec2:RegionalImage");
    return {
        key: (region: string): pulumi.Alias[] =>
            config.images.map(image =>
                !config.promoteFrom && region === config.homeRegion
                    ? { name: `${image.name}-key`, parent: pulumi.createUrn(image.name, "golden-ami:imagebuilder:GoldenImage") }
                    : { name: `${image.name}-${region}-key`, parent: regionalImage(image.name, region) },
            ),
        blockPublicSharing: (region: string): pulumi.Alias[] =>
            config.images.map(image => ({
                name: `${image.name}-${region}-sharing`,
                parent: pulumi.createUrn(`${image.name}-${region}-sharing`, "golden-ami:ec2:ImageSharing", regionalImage(image.name, region)),
            })),
    };
}
