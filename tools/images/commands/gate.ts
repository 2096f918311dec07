// `gate`: may this build be promoted? Reads the build's Inspector scan through Image Builder and judges
// it against a severity threshold and the repository's allow-list (gateVerdict.ts has the rules).
import { ImagebuilderClient } from "@aws-sdk/client-imagebuilder";
import { AllowlistEntry, ALLOWLIST_PATH, parseAllowlist } from "../decisions/allowlist";
import { CommandContext, ExitCode, ImagesEnvironment, progressFor } from "../context";
import { GateResult, JudgedFinding, judgeFindings, scanProblem, unjudged } from "../decisions/gateVerdict";
import { amiOfBuild, findBuildOfAmi, findFirstBuild, getBuild, listScanFindings, madeItsImage } from "../aws/imageBuilds";
import { promotionRecordPath, readPromotionRecord } from "../decisions/promotionRecord";
import { reportAwsFailure } from "../aws/singleRegion";
import { DEFAULT_THRESHOLD, REPORT_ORDER, Severity } from "../decisions/severity";
import { BuildTarget, loadPromotingStack, resolveBuildTarget } from "../target";
import { defineCommand, flags, UsageError } from "../../cli";
import { recordedGateCommand } from "./recordedGate";
import { buildVersionFlag, jsonFlag, maxSeverityFlag, imageFlag, stackFlag } from "../options";

export function readAllowlist(context: CommandContext): AllowlistEntry[] {
    return parseAllowlist(context.files.read(ALLOWLIST_PATH));
}

/** Judges one build; a build whose scan is missing or unfinished gets a failed verdict saying why. */
export async function gateBuild(
    imageBuilder: ImagebuilderClient,
    buildArn: string,
    region: string,
    settings: { threshold: Severity; allowlist: AllowlistEntry[]; now: Date; progress: (line: string) => void },
): Promise<GateResult> {
    settings.progress(`${region}: reading build ${buildArn}…`);
    const image = await getBuild(imageBuilder, buildArn);
    const amiId = amiOfBuild(image, region);
    // A build that failed its tests (or was cancelled, or is still running) may still have a scan and an
    // AMI in EC2; it never goes out, whatever its findings.
    const status = image?.state?.status;
    if (image !== undefined && !madeItsImage(status)) {
        return {
            ...unjudged(
                image.scanState?.status ?? "NONE",
                `the build ${buildArn} is ${status ?? "in an unknown state"}, not AVAILABLE: ` +
                    `only a build that passed its tests and made its image may be promoted`,
                settings.threshold,
            ),
            buildArn,
            amiId,
        };
    }
    const scan = scanProblem(image);
    if (scan.problem !== undefined) return { ...unjudged(scan.status, scan.problem, settings.threshold), buildArn, amiId };
    const findings = await listScanFindings(imageBuilder, buildArn, soFar => settings.progress(`${region}: reading scan findings… ${soFar} so far`));
    return { ...judgeFindings(scan.status, findings, settings.threshold, settings.allowlist, settings.now), buildArn, amiId };
}

export async function gateCommand(build: BuildTarget, settings: { threshold: Severity; json: boolean }, context: CommandContext): Promise<number> {
    const allowlist = readAllowlist(context);
    const progress = progressFor(context, settings.json);
    const subject = `${build.recipeName} ${build.version}`;
    return reportAwsFailure(build.region, context, async () => {
        const imageBuilder = context.clientsFor(build.region).imageBuilder;
        const judge = { threshold: settings.threshold, allowlist, now: context.now(), progress };
        let result: GateResult;
        if (build.pin === undefined) {
            progress(`${build.region}: looking for the first build of ${subject}…`);
            const first = await findFirstBuild(imageBuilder, build.recipeName, build.version, build.region);
            result = first.found ? await gateBuild(imageBuilder, first.build.arn, build.region, judge) : unjudged("NONE", first.problem, settings.threshold);
        } else {
            // What the promoting stack's `up` copies is its pinned AMI: judge the build that made it.
            progress(`${build.region}: looking for the build of ${subject} that made ${build.pin.amiId}…`);
            const buildArn = await findBuildOfAmi(imageBuilder, { imageId: build.pin.amiId, tags: {} }, build.recipeName, build.version);
            result =
                buildArn === undefined
                    ? unjudged(
                          "NONE",
                          `${build.pin.stack} pins ${build.pin.amiId} at ${build.version}, but no build of ${subject} in ${build.region} made it: ` +
                              `promote again (npm run images -- promote --from ${build.stack} --version ${build.version} --stack ${build.pin.stack})`,
                          settings.threshold,
                      )
                    : await gateBuild(imageBuilder, buildArn, build.region, judge);
            if (!result.passed) {
                const forced = forcedPromotion(context, build.pin.stack, build.imageName, build.version, build.pin.amiId);
                if (forced !== undefined) result = { ...result, forced };
            }
        }
        if (settings.json) {
            context.stdout(JSON.stringify({ stack: build.stack, name: build.recipeName, version: build.version, region: build.region, ...result }, null, 2));
        } else {
            context.stdout(renderGate(subject, result).join("\n"));
        }
        return result.passed || result.forced !== undefined ? ExitCode.ok : ExitCode.problemsFound;
    });
}

/**
 * The forced promotion of exactly this AMI at this version, from the promoting stack's record: a
 * reviewed `promote --force --reason`, which CI must then let through, or prod could never deploy it.
 */
export function forcedPromotion(context: CommandContext, stack: string, image: string, version: string, amiId: string): GateResult["forced"] {
    const record = readPromotionRecord(context.files, stack, image, version);
    const reason = record?.forced?.reason;
    return typeof reason === "string" && reason.trim() !== "" && record?.amiId === amiId && record.version === version
        ? { reason, record: promotionRecordPath(stack, image, version) }
        : undefined;
}

export function renderGate(subject: string, result: GateResult): string[] {
    const lines = [
        `gate ${subject}${result.buildArn ? ` (build ${result.buildArn}${result.amiId ? `, ${result.amiId}` : ""})` : ""}: ` +
            `scan ${result.scanStatus}, threshold ${result.threshold}`,
    ];
    if (result.problem !== undefined) return withForced([...lines, `FAIL: ${result.problem}`], result);
    lines.push(`findings: ${REPORT_ORDER.map(severity => `${severity} ${result.counts[severity]}`).join(", ")}`);
    if (result.worst.length > 0) {
        lines.push(`worst ${result.worst.length} of ${result.total}:`);
        lines.push(...result.worst.map(finding => `  ${describeFinding(finding)}`));
    }
    for (const entry of result.expiredEntries) {
        lines.push(
            `allow-list: the entry for ${entry.id} expired on ${entry.expires} ("${entry.reason}"): it no longer counts; renew it with a new date and reason, or fix the finding`,
        );
    }
    if (result.allowListed.length > 0) {
        lines.push(
            `allow-listed: ${result.allowListed.map(finding => `${finding.id} (${finding.severity}, until ${finding.allowListed!.expires})`).join(", ")}`,
        );
    }
    if (result.passed) {
        lines.push(`PASS: no finding at or above ${result.threshold} outside the allow-list`);
    } else {
        lines.push(
            `FAIL: ${result.blocking.length} finding(s) at or above ${result.threshold} are not allow-listed: ` +
                `${result.blocking.map(finding => `${finding.id ?? finding.title ?? "(no id)"} (${finding.severity})`).join(", ")}. ` +
                `Rebuild with the fixes (bump the image's version), or accept a finding in promotions/findings-allowlist.json with an expiry date and a reason`,
        );
    }
    return withForced(lines, result);
}

function withForced(lines: string[], result: GateResult): string[] {
    if (result.forced === undefined) return lines;
    return [...lines, `FORCED: the image was promoted although it fails the gate (${result.forced.record}: "${result.forced.reason}"); not blocking`];
}

function describeFinding(finding: JudgedFinding): string {
    const note = finding.allowListed ? `  [allow-listed until ${finding.allowListed.expires}]` : finding.atOrAboveThreshold ? "  [blocks]" : "";
    const packages = finding.packages.length > 0 ? `  ${finding.packages.join("; ")}` : "";
    return `${finding.severity.padEnd(13)} ${(finding.id ?? "(no id)").padEnd(20)}${packages}${finding.title ? `  ${finding.title}` : ""}${note}`;
}

export const gateCommandLine = defineCommand({
    name: "gate",
    summary: "judge a build's vulnerability scan: exit 1 when a finding at or above --max-severity is not allow-listed, or the scan is missing or unfinished",
    description: "The allow-list is promotions/findings-allowlist.json.",
    flags: {
        stack: stackFlag,
        image: imageFlag,
        version: buildVersionFlag,
        maxSeverity: maxSeverityFlag,
        json: jsonFlag,
        pinnedBy: flags.text(
            "<stack>",
            "judge the build of the AMI that promoting stack pins (promoteFrom.amiId), at its image.version; " +
                "a forced promotion of that AMI (its promotion record) passes with a warning; re-judges today's findings and allow-list",
        ),
        recorded: flags.boolean(
            "judge the promoting --stack's committed promotion record instead (its verdict, or a reviewed --force), " +
                'offline: what CI runs before prod\'s `up`. Exit 0 with "nothing to deploy" before the first promotion',
        ),
    },
    run: (flags, { context, loadStack }: ImagesEnvironment) => {
        if (flags.recorded) {
            const extra = [
                ["--version", flags.version],
                ["--pinned-by", flags.pinnedBy],
                ["--max-severity", flags.maxSeverity],
            ].filter(([, value]) => value !== undefined);
            if (extra.length > 0)
                throw new UsageError(`gate --recorded judges the promotion as recorded; ${extra.map(([flag]) => flag).join(", ")} do(es) not apply`);
            if (flags.stack === undefined) throw new UsageError("gate --recorded needs the promoting stack: --stack prod");
            return recordedGateCommand(loadPromotingStack(flags.stack, loadStack), { json: flags.json }, context);
        }
        return gateCommand(
            resolveBuildTarget({ command: "gate", ...flags }, loadStack),
            { threshold: flags.maxSeverity ?? DEFAULT_THRESHOLD, json: flags.json },
            context,
        );
    },
});
