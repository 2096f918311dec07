// `verify`: does each region really hold the stack's image, encrypted, shared as configured, tagged and deprecating?
import { CommandContext, ExitCode, ImagesEnvironment, progressFor } from "../context";
import { Drift, findDrift, imageAtVersion } from "../decisions/drift";
import { madeByStack, snapshotIdsOf } from "../decisions/goldenImage";
import { findGoldenImages, inspectImages, readVolumePermissions } from "../aws/inventory";
import { jsonFlag, nameFlag, regionsFlag, imageFlag, stackFlag, UsageError } from "../options";
import { acrossRegions, describeFailures } from "../aws/regions";
import { ImageTarget, resolveTarget } from "../target";
import { defineCommand, flags, UsageError as FlagError } from "../../cli";
import { GetParametersCommand, SSMClient } from "@aws-sdk/client-ssm";
import { PUBLISHED_IDS_PATH } from "../aws/inUse";
import { awsCall } from "../aws/awsErrors";
import * as fs from "fs";

export interface RegionVerdict {
    region: string;
    /** The image judged, absent when the region has none at the version. */
    image?: { imageId: string; name: string; createdAt: string };
    drift: Drift[];
}

export async function verifyCommand(
    target: ImageTarget,
    output: {
        json: boolean;
        /** `pulumi stack output --json`: its amiIds are what each region's parameter must hold. */ stackOutputs?: { amiIds?: Record<string, string> };
    },
    context: CommandContext,
): Promise<number> {
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
        const drift = findDrift(
            { region, stack, name: target.name, version, sharing, requiredTags: target.requiredTags, homeRegion, otherStacksAtVersion },
            inspected,
        );
        const expectedAmi = output.stackOutputs?.amiIds?.[region] ?? image?.imageId;
        if (expectedAmi !== undefined) {
            // The program's name for it (components/RegionalImage.ts imageParameterName).
            const parameter = `${PUBLISHED_IDS_PATH}/${target.name}/${stack}/ami-id`;
            const published = await publishedImage(context.clientsFor(region).ssm, parameter);
            const source =
                output.stackOutputs?.amiIds?.[region] !== undefined ? "the stack output amiIds says" : "verify judged the stack's image at its version";
            if (published !== expectedAmi) {
                drift.push({
                    region,
                    imageId: expectedAmi,
                    kind: "ssm-parameter",
                    detail:
                        `SSM parameter ${parameter} holds ${published ?? "nothing (it does not exist)"}, but ${source} ${expectedAmi}. ` +
                        "AWS validates aws:ec2:image parameters asynchronously: just after an update the old value can still be read, so run verify " +
                        `again in a minute; if it stays, a new value failed validation (aws ssm get-parameter-history --name ${parameter} --region ${region}): run the stack's pulumi up`,
                });
            }
        }
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

/** The parameter's value, or undefined when it does not exist (GetParameters lists it as invalid, no error). */
async function publishedImage(ssm: SSMClient, name: string): Promise<string | undefined> {
    const answer = await awsCall("ssm:GetParameters", () => ssm.send(new GetParametersCommand({ Names: [name] })));
    return answer.Parameters?.find(parameter => parameter.Name === name)?.Value;
}

function renderVerdicts(target: ImageTarget, version: string, verdicts: RegionVerdict[], unchecked: number): string {
    const lines = verdicts.map(({ region, image, drift }) => {
        const subject = image ? `${region} ${image.imageId} (${image.name})` : region;
        if (drift.length === 0) return `ok     ${subject}: matches the stack`;
        return [`DRIFT  ${subject}:`, ...drift.map(item => `         - ${item.kind}: ${item.detail}`)].join("\n");
    });
    const drifted = verdicts.filter(verdict => verdict.drift.length > 0).length;
    const summary =
        `verify ${target.stack} (${target.name} ${version}): ${verdicts.length - drifted} region(s) match, ` +
        `${drifted} drifted, ${unchecked} could not be checked`;
    return [...lines, summary].join("\n");
}

export const verifyCommandLine = defineCommand({
    name: "verify",
    summary: "compare each region's image at the stack's version with the stack (exit 1 on drift)",
    flags: {
        stack: stackFlag,
        image: imageFlag,
        regions: regionsFlag,
        name: nameFlag,
        json: jsonFlag,
        requireTags: flags.list("<a,b>", "tags that must be present and non-empty (default Name,Owner,Environment,Version)"),
        outputs: flags.value(
            "<file>",
            "`pulumi stack output --json` saved to a file: each region's SSM parameter must hold its amiIds entry " + "(default: the image verify judges)",
            readStackOutputs,
        ),
    },
    run: (flags, { context, loadStack }: ImagesEnvironment) =>
        verifyCommand(resolveTarget({ command: "verify", ...flags }, loadStack), { json: flags.json, stackOutputs: flags.outputs }, context),
});

/** `pulumi stack output --json` saved to a file, checked before any AWS call. */
function readStackOutputs(file: string, flag: string): { amiIds: Record<string, string> } {
    let parsed: unknown;
    try {
        parsed = JSON.parse(fs.readFileSync(file, "utf8"));
    } catch (error) {
        throw new FlagError(`${flag} ${file}: expected the JSON of \`pulumi stack output --json\` (${error instanceof Error ? error.message : String(error)})`);
    }
    const amiIds = (parsed as { amiIds?: unknown } | null)?.amiIds;
    if (typeof amiIds !== "object" || amiIds === null || Object.values(amiIds).some(value => typeof value !== "string")) {
        throw new FlagError(`${flag} ${file}: expected an amiIds object of region → AMI id, as the stack exports it`);
    }
    return { amiIds: amiIds as Record<string, string> };
}
