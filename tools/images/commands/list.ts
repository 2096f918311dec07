// `list`: every image of the family in each region, with what decides whether it is safe and in use.
import { CommandContext, ExitCode, ImagesEnvironment, progressFor } from "../context";
import { GoldenImage, isFullyEncrypted, isPublic, LaunchPermissions } from "../decisions/goldenImage";
import { findUsage } from "../aws/inUse";
import { inspectImages, findGoldenImages } from "../aws/inventory";
import { acrossRegions, describeFailures } from "../aws/regions";
import { renderTable, shortDate } from "../table";
import { ImageTarget, resolveTarget } from "../target";
import { defineCommand } from "../../cli";
import { jsonFlag, launchedWithinFlag, nameFlag, regionsFlag, ssmPathFlag, imageFlag, stackFlag } from "../options";

/** The image as listed: what EC2 says of it, whether it is safe, and what uses it. */
export type ListedImage = Pick<GoldenImage, "region" | "imageId" | "name" | "version" | "createdAt" | "state" | "deprecationTime" | "lastLaunchedTime"> & {
    /** Every EBS mapping and every snapshot behind it. */
    encrypted: boolean;
    public: boolean;
    launchPermissions: LaunchPermissions;
    /** Empty when nothing uses it. */
    inUse: string[];
};

export async function listCommand(target: ImageTarget, output: { json: boolean }, context: CommandContext): Promise<number> {
    const progress = progressFor(context, output.json);
    const outcomes = await acrossRegions(target.regions, region => listRegion(region, target, context, progress));
    const images = outcomes.flatMap(outcome => (outcome.ok ? outcome.value : []));
    if (output.json) {
        const failedRegions = outcomes.flatMap(outcome => (outcome.ok ? [] : [{ region: outcome.region, error: outcome.error }]));
        context.stdout(JSON.stringify({ images, failedRegions }, null, 2));
    } else {
        context.stdout(renderListing(images));
    }
    const failures = describeFailures(outcomes);
    failures.forEach(context.stderr);
    return failures.length > 0 ? ExitCode.regionFailed : ExitCode.ok;
}

async function listRegion(region: string, target: ImageTarget, context: CommandContext, progress: (line: string) => void): Promise<ListedImage[]> {
    const clients = context.clientsFor(region);
    progress(`${region}: reading ${target.name} images…`);
    const images = await findGoldenImages(clients.ec2, region, target.name, progress);
    progress(`${region}: ${images.length} images; reading launch permissions, snapshots and what uses them…`);
    const [inspected, usage] = await Promise.all([
        inspectImages(clients.ec2, images),
        findUsage(clients, images, {
            ssmPaths: target.ssmPaths,
            launchedWithinDays: target.launchedWithinDays,
            now: context.now(),
            warn: message => context.stderr(`${region}: warning: ${message}`),
        }),
    ]);
    return inspected.map(({ image, launchPermissions }, index) => ({
        ...summary(image),
        encrypted: isFullyEncrypted(inspected[index]),
        public: isPublic(inspected[index]),
        launchPermissions,
        inUse: usage[image.imageId] ?? [],
    }));
}

function summary(image: GoldenImage): Omit<ListedImage, "encrypted" | "public" | "launchPermissions" | "inUse"> {
    const { region, imageId, name, version, createdAt, state, deprecationTime, lastLaunchedTime } = image;
    return { region, imageId, name, version, createdAt, state, deprecationTime, lastLaunchedTime };
}

function renderListing(images: ListedImage[]): string {
    if (images.length === 0) return "No images found in the regions that could be read.";
    const table = renderTable(
        ["REGION", "IMAGE", "VERSION", "CREATED", "STATE", "DEPRECATES", "ENCRYPTED", "PUBLIC", "LAUNCH PERMISSIONS", "IN USE"],
        images.map(image => [
            image.region,
            image.imageId,
            image.version ?? "?",
            shortDate(image.createdAt),
            image.state,
            shortDate(image.deprecationTime),
            image.encrypted ? "yes" : "NO",
            image.public ? "YES" : "no",
            launchersOf(image.launchPermissions),
            image.inUse.length > 0 ? "yes" : "no",
        ]),
    );
    const usedBy = images.filter(image => image.inUse.length > 0).map(image => `  ${image.region} ${image.imageId}: ${image.inUse.join("; ")}`);
    return usedBy.length > 0 ? `${table}\n\nIn use:\n${usedBy.join("\n")}` : table;
}

/** Accounts as they are, organizations and OUs by their id (the ARN's last part). */
function launchersOf(permissions: LaunchPermissions): string {
    const launchers = [
        ...permissions.groups,
        ...permissions.accounts,
        ...[...permissions.organizationArns, ...permissions.organizationalUnitArns].map(arn => arn.split("/").pop() ?? arn),
    ];
    return launchers.length > 0 ? launchers.join(", ") : "owner only";
}

export const listCommandLine = defineCommand({
    name: "list",
    summary: "every golden image of the family in each region: version, dates, state, encryption, who may launch it and what uses it",
    flags: {
        stack: stackFlag,
        image: imageFlag,
        regions: regionsFlag,
        name: nameFlag,
        json: jsonFlag,
        launchedWithin: launchedWithinFlag,
        ssmPath: ssmPathFlag,
    },
    run: (flags, { context, loadStack }: ImagesEnvironment) =>
        listCommand(resolveTarget({ command: "list", ...flags }, loadStack), { json: flags.json }, context),
});
