// Where image-holding resources put their images: an account and a region per image.
import * as aws from "@pulumi/aws";
import { Resource } from "@pulumi/pulumi";
import { PolicyResource } from "@pulumi/policy";
import { Account, accountById } from "./accounts";
import { regionOf } from "./region";
import { Check } from "./unknowns";
import { strings } from "./values";
import { blockField, findBlocks, workflowBlocks } from "./workflows";

/** Resource types that hold an image in their own account and region. */
export const IMAGE_TYPES: Array<new (...rest: any[]) => Resource> = [
    aws.ec2.Ami,
    aws.ec2.AmiCopy,
    aws.ec2.AmiFromInstance,
    aws.imagebuilder.Image,
    aws.imagebuilder.ImagePipeline,
];

/** Where an image resource puts images: an account and region, and how a message names it. */
export interface ImagePlacement {
    account: Account;
    region: string | undefined;
    /** The subject of a message: "this image", "distributions[1]". */
    what: string;
}

/**
 * Where a resource puts images. A workflow's document may take values from its parameters: `resolved` gives the document as
 * each of the stack's builds runs it (undefined: as written, where a parameter's value cannot be told).
 */
export function imagePlacements(
    resource: PolicyResource,
    owner: Account,
    check: Check,
    resolved?: (workflow: PolicyResource) => unknown[] | undefined,
): ImagePlacement[] {
    if (resource.isType(aws.imagebuilder.Workflow)) {
        // A DistributeImage step's distributions put the image in their regions (and target accounts), as a distribution configuration's do.
        const placements: ImagePlacement[] = [];
        const documents = resolved?.(resource);
        const blocks = documents
            ? documents.flatMap(document => findBlocks(document, "distributions").map(({ at, value }) => ({ at: `data: ${at}`, value })))
            : workflowBlocks(check, () => resource.props.data, "distributions");
        for (const { at, value } of blocks) {
            const region = blockField(value, "region");
            const where = region.dynamic || typeof region.value !== "string" ? undefined : region.value.trim();
            placements.push({ account: owner, region: where, what: `${at} of workflow ${resource.name}` });
            for (const id of strings(blockField(value, "targetAccountIds").value))
                placements.push({ account: accountById(id), region: where, what: `${at} (targetAccountIds ${id})` });
        }
        return placements;
    }
    if (!resource.isType(aws.imagebuilder.DistributionConfiguration)) {
        const region = regionOf(resource);
        if (!region.known) {
            check.unknown(`the region of ${resource.name}`);
            return [];
        }
        const what = resource.isType(aws.imagebuilder.ImagePipeline) ? "every image this pipeline builds" : "this image";
        return [{ account: owner, region: region.value, what }];
    }
    const placements: ImagePlacement[] = [];
    const distributions = () => resource.props.distributions as aws.types.input.imagebuilder.DistributionConfigurationDistribution[] | undefined;
    check.each(`${resource.name}.distributions`, distributions, (target, path) => {
        const at = path.slice(resource.name.length + 1);
        const region = check.read(`${path}.region`, () => target.region as unknown);
        if (!region.known) return;
        const where = typeof region.value === "string" ? region.value.trim() : undefined;
        placements.push({ account: owner, region: where, what: at });
        const ami = check.read(`${path}.amiDistributionConfiguration.targetAccountIds`, () =>
            strings((target.amiDistributionConfiguration as any)?.targetAccountIds),
        );
        if (ami.known) {
            for (const id of ami.value) placements.push({ account: accountById(id), region: where, what: `${at} (targetAccountIds ${id})` });
        }
    });
    return placements;
}
