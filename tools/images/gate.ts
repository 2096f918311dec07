// `gate`: may this build be promoted? Reads the build's Inspector scan through Image Builder and judges
// it against a severity threshold and the repository's allow-list (gateVerdict.ts has the rules).
import { ImagebuilderClient } from "@aws-sdk/client-imagebuilder";
import { AllowlistEntry, ALLOWLIST_PATH, parseAllowlist } from "./allowlist";
import { CommandContext, ExitCode, progressFor } from "./context";
import { GateVerdict, JudgedFinding, judgeFindings, scanProblem, unjudged } from "./gateVerdict";
import { amiOfBuild, findFirstBuild, getBuild, listScanFindings } from "./imageBuilds";
import { reportAwsFailure } from "./singleRegion";
import { REPORT_ORDER, Severity } from "./severity";
import { BuildTarget } from "./target";

export interface GateResult extends GateVerdict {
    buildArn?: string;
    amiId?: string;
}

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
        progress(`${build.region}: looking for the first build of ${subject}…`);
        const first = await findFirstBuild(imageBuilder, build.recipeName, build.version, build.region);
        const result: GateResult = first.found
            ? await gateBuild(imageBuilder, first.build.arn, build.region, { threshold: settings.threshold, allowlist, now: context.now(), progress })
            : unjudged("NONE", first.problem, settings.threshold);
        if (settings.json) {
            context.stdout(JSON.stringify({ stack: build.stack, name: build.recipeName, version: build.version, region: build.region, ...result }, null, 2));
        } else {
            context.stdout(renderGate(subject, result).join("\n"));
        }
        return result.passed ? ExitCode.ok : ExitCode.problemsFound;
    });
}

export function renderGate(subject: string, result: GateResult): string[] {
    const lines = [`gate ${subject}${result.buildArn ? ` (build ${result.buildArn}${result.amiId ? `, ${result.amiId}` : ""})` : ""}: ` +
        `scan ${result.scanStatus}, threshold ${result.threshold}`];
    if (result.problem !== undefined) return [...lines, `FAIL: ${result.problem}`];
    lines.push(`findings: ${REPORT_ORDER.map(severity => `${severity} ${result.counts[severity]}`).join(", ")}`);
    if (result.worst.length > 0) {
        lines.push(`worst ${result.worst.length} of ${result.total}:`);
        lines.push(...result.worst.map(finding => `  ${describeFinding(finding)}`));
    }
    for (const entry of result.expiredEntries) {
        lines.push(`allow-list: the entry for ${entry.id} expired on ${entry.expires} ("${entry.reason}"): it no longer counts; renew it with a new date and reason, or fix the finding`);
    }
    if (result.allowListed.length > 0) {
        lines.push(`allow-listed: ${result.allowListed.map(finding => `${finding.id} (${finding.severity}, until ${finding.allowListed!.expires})`).join(", ")}`);
    }
    if (result.passed) {
        lines.push(`PASS: no finding at or above ${result.threshold} outside the allow-list`);
    } else {
        lines.push(`FAIL: ${result.blocking.length} finding(s) at or above ${result.threshold} are not allow-listed: ` +
            `${result.blocking.map(finding => `${finding.id ?? finding.title ?? "(no id)"} (${finding.severity})`).join(", ")}. ` +
            `Rebuild with the fixes (bump image.version), or accept a finding in promotions/findings-allowlist.json with an expiry date and a reason`);
    }
    return lines;
}

function describeFinding(finding: JudgedFinding): string {
    const note = finding.allowListed ? `  [allow-listed until ${finding.allowListed.expires}]` : finding.atOrAboveThreshold ? "  [blocks]" : "";
    const packages = finding.packages.length > 0 ? `  ${finding.packages.join("; ")}` : "";
    return `${finding.severity.padEnd(13)} ${(finding.id ?? "(no id)").padEnd(20)}${packages}${finding.title ? `  ${finding.title}` : ""}${note}`;
}
