// `verify`: does each region really hold the stack's image, encrypted, shared as configured, tagged and deprecating?
import { CommandContext, ExitCode, ImagesEnvironment, progressFor } from "../context";
import { Drift, findDrift, imageAtVersion } from "../decisions/drift";
import { madeByStack, snapshotIdsOf } from "../decisions/goldenImage";
import { findGoldenImages, inspectImages, readVolumePermissions } from "../aws/inventory";
import { jsonFlag, nameFlag, regionsFlag, imageFlag, stackFlag, UsageError } from "../options";
import { acrossRegions, describeFailures } from "../aws/regions";
import { ImageTarget, resolveTarget } from "../target";
import { defineCommand, flags } from "../../cli";

export interface RegionVerdict {
    region: string;
    /** The image judged, absent when the region has none at the version. */
    image?: { imageId: string; name: string; createdAt: string };
    drift: Drift[];
}

export async function verifyCommand(target: ImageTarget, output: { json: boolean }, context: CommandContext): Promise<number> {
    const { stack, version, sharing } = target;
    if (stack === undefined || version === undefined || sharing === undefined) {
        throw new UsageError("verify compares AWS with a stack's configuration: pass --stack <name>");
    }
    const progress = progressFor(context, output.json);
    const outcomes = await acrossRegions(target.regions, async (region): Promise<RegionVerdict> => {
        const ec2 = context.clientsFor(region).ec2;
        progress(`${region}: reading ${target.name} images…`);
        const family = await findGoldenImages(ec2, region, target.name, progress);
        const image = imageAtVersion(family, target.name, stack, version);
        const [inspected] = image ? await inspectImages(ec2, [image]) : [];
        // Who may read the snapshots, in every region: a snapshot shared (or public) gives away the disk as
        // surely as a launch permission, and promoting accounts need to read the home region's build.
        const homeRegion = region === target.homeRegion;
        if (inspected) {
            progress(`${region}: reading who may read the snapshots of ${inspected.image.imageId}…`);
            inspected.volumePermissions = await readVolumePermissions(ec2, snapshotIdsOf(inspected.image));
        }
        const otherStacksAtVersion = image ? [] : family.filter(candidate => candidate.version === version && !madeByStack(candidate, target.name, stack));
        const drift = findDrift({ region, stack, name: target.name, version, sharing, requiredTags: target.requiredTags, homeRegion, otherStacksAtVersion }, inspected);
        return { region, image: image && { imageId: image.imageId, name: image.name, createdAt: image.createdAt }, drift };
    });
    const verdicts = outcomes.flatMap(outcome => (outcome.ok ? [outcome.value] : []));
    const failures = describeFailures(outcomes);
    if (output.json) {
        const failedRegions = outcomes.flatMap(outcome => (outcome.ok ? [] : [{ region: outcome.region, error: outcome.error }]));
        context.stdout(JSON.stringify({ stack: target.stack, name: target.name, version, regions: verdicts, failedRegions }, null, 2));
    } else {
        context.stdout(renderVerdicts(target, version, verdicts, outcomes.length - verdicts.length));
    }
    failures.forEach(context.stderr);
    if (verdicts.some(verdict => verdict.drift.length > 0)) return ExitCode.problemsFound;
    return failures.length > 0 ? ExitCode.regionFailed : ExitCode.ok;
}

function renderVerdicts(target: ImageTarget, version: string, verdicts: RegionVerdict[], unchecked: number): string {
    const lines = verdicts.map(({ region, image, drift }) => {
        const subject = image ? `${region} ${image.imageId} (${image.name})` : region;
        if (drift.length === 0) return `ok     ${subject}: matches the stack`;
        return [`DRIFT  ${subject}:`, ...drift.map(item => `         - ${item.kind}: ${item.detail}`)].join("\n");
    });
    const drifted = verdicts.filter(verdict => verdict.drift.length > 0).length;
    const summary = `verify ${target.stack} (${target.name} ${version}): ${verdicts.length - drifted} region(s) match, ` +
        `${drifted} drifted, ${unchecked} could not be checked`;
    return [...lines, summary].join("\n");
}

export const verifyCommandLine = defineCommand({
    name: "verify",
    summary: "compare each region's image at the stack's version with the stack (exit 1 on drift)",
    flags: {
        stack: stackFlag, image: imageFlag, regions: regionsFlag, name: nameFlag, json: jsonFlag,
        requireTags: flags.list("<a,b>", "tags that must be present and non-empty (default Name,Owner,Environment,Version)"),
    },
    run: (flags, { context, loadStack }: ImagesEnvironment) => verifyCommand(resolveTarget({ command: "verify", ...flags }, loadStack), { json: flags.json }, context),
});
