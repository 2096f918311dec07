// `promote`: pins a promoting stack (prod) to the building stack's first available build of a version.
// Looks the AMI up in the building account, gates its scan, then edits Pulumi.<stack>.yaml in place and
// writes the promotion record and the manifest under promotions/<stack>/. Rolling back is promoting an
// earlier version: the building stack keeps earlier versions shared until the lifecycle removes them.
import type { Image } from "@aws-sdk/client-ec2";
import type { GoldenAmiConfig } from "../../../components/config";
import { CommandContext, ExitCode } from "../context";
import { GateResult } from "../decisions/gateVerdict";
import { gateBuild, readAllowlist, renderGate } from "./gate";
import { unjudged } from "../decisions/gateVerdict";
import { findBuildOfAmi, recipeNameOf } from "../aws/imageBuilds";
import { noPackagesMessage, readManifest } from "./manifest";
import { asFile, gateSummary, Manifest, manifestPath, promotionRecordPath, PromotionRecord } from "../decisions/promotionRecord";
import { Severity } from "../decisions/severity";
import { reportAwsFailure } from "../aws/singleRegion";
import { findSourceImage } from "../aws/sourceImage";
import { pinPromotion } from "../decisions/stackFileEdit";
import { NOT_YET_PINNED } from "../target";

export interface PromoteSettings {
    source: GoldenAmiConfig;
    target: GoldenAmiConfig;
    version: string;
    threshold: Severity;
    dryRun: boolean;
    /** Set with --force: pin even if the gate fails, and record why. */
    forceReason?: string;
}

export async function promoteCommand(settings: PromoteSettings, context: CommandContext): Promise<number> {
    const { source, target, version } = settings;
    const promoteFrom = target.promoteFrom!;
    const stackFile = `Pulumi.${target.stack}.yaml`;
    const stackText = context.files.read(stackFile);
    if (stackText === undefined) throw new Error(`${stackFile} was validated but cannot be read back`);
    const allowlist = readAllowlist(context);
    const region = source.homeRegion;
    const where = `account ${promoteFrom.account}, region ${region}`;

    return reportAwsFailure(region, context, async () => {
        const clients = context.clientsFor(region);
        const progress = (line: string) => context.progress(`${region}: ${line}`);
        const lookup = await findSourceImage(clients.ec2,
            { account: promoteFrom.account, imageName: source.image.name, version, stack: source.stack }, progress);
        if (lookup.first === undefined) {
            const others = lookup.unavailable.map(image => `${image.ImageId} (${image.State})`);
            context.stderr(`error: no available build of ${source.image.name} ${version} by stack ${source.stack} in ${where} ` +
                `(looked for AMIs named ${lookup.pattern}${others.length > 0 ? `; found only ${others.join(", ")}` : ""}): ` +
                `build it with ${source.stack}'s \`pulumi up\` at image.version ${version}, or check --version and the credentials' account`);
            return ExitCode.problemsFound;
        }
        const ami = lookup.first;
        const amiId = ami.ImageId!;
        const recipeName = recipeNameOf(source.image.name, source.stack);
        progress(`finding the Image Builder build of ${amiId}…`);
        const buildArn = await findBuildOfAmi(clients.imageBuilder, { imageId: amiId, tags: tagsOf(ami) }, recipeName, version);
        const gate: GateResult = buildArn === undefined
            ? unjudged("NONE", `cannot tell which Image Builder build made ${amiId}: it has no Ec2ImageBuilderArn tag and no build of ${recipeName} ${version} lists it ` +
                `(run promote with credentials of the building account ${promoteFrom.account}: only the owner sees that tag and its builds)`, settings.threshold)
            : await gateBuild(clients.imageBuilder, buildArn, region, { threshold: settings.threshold, allowlist, now: context.now(), progress });
        context.stdout(renderGate(`${recipeName} ${version}`, gate).join("\n"));
        if (!gate.passed && settings.forceReason === undefined) {
            context.stderr(`error: refusing to promote ${amiId} into ${target.stack}: it fails the gate. ` +
                `Fix the image, or pin it anyway with --force --reason "<why>" (the reason is recorded in ${promotionRecordPath(target.stack, version)})`);
            return ExitCode.problemsFound;
        }
        const manifest = buildArn === undefined ? undefined
            : await readManifest(clients.imageBuilder, { image: recipeName, version, buildArn, region, amiId }, context.now(), progress);

        const record = promotionRecord(settings, ami, gate, manifest, context.now());
        const files: [string, string][] = [
            [stackFile, pinPromotion(stackText, { version, amiId, region, stack: source.stack }, stackFile)],
            [promotionRecordPath(target.stack, version), asFile(record)],
            ...(manifest === undefined ? [] : [[manifestPath(target.stack, version), asFile(manifest)] as [string, string]]),
        ];
        if (manifest !== undefined && manifest.packages.length === 0) context.stderr(`warning: ${noPackagesMessage(manifest.buildArn)}`);
        if (manifest === undefined) context.stderr(`warning: no manifest written: the Image Builder build of ${amiId} is unknown`);
        if (settings.dryRun) {
            context.stdout([`dry run: would pin ${target.stack} to ${amiId} (${version}) and write:`,
                ...files.map(([file, contents]) => `--- ${file}\n${file === stackFile ? changedLines(stackText, contents) : contents.trimEnd()}`)].join("\n"));
            return ExitCode.ok;
        }
        for (const [file, contents] of files) context.files.write(file, contents);
        context.stdout([
            `promoted ${source.image.name} ${version} (${amiId}, ${ami.Name}) into ${target.stack}${settings.forceReason ? " although it fails the gate (forced)" : ""}:`,
            ...files.map(([file]) => `  wrote ${file}`),
            `Next: commit these files and open a pull request; ${target.stack}'s \`pulumi up\` copies the image.`,
            ...(record.previous ? [`Roll back: npm run images -- promote --from ${source.stack} --version ${record.previous.version} --stack ${target.stack}`] : []),
        ].join("\n"));
        return ExitCode.ok;
    });
}

function promotionRecord(settings: PromoteSettings, ami: Image, gate: GateResult, manifest: Manifest | undefined, now: Date): PromotionRecord {
    const { source, target, version } = settings;
    return {
        stack: target.stack,
        version,
        amiId: ami.ImageId!,
        source: { stack: source.stack, account: target.promoteFrom!.account, region: source.homeRegion },
        imageName: source.image.name,
        ami: { name: ami.Name ?? "", createdAt: ami.CreationDate ?? "" },
        ...(gate.buildArn === undefined ? {} : { buildArn: gate.buildArn }),
        promotedAt: now.toISOString(),
        ...(target.promoteFrom!.amiId === NOT_YET_PINNED ? {} : { previous: { version: target.image.version, amiId: target.promoteFrom!.amiId } }),
        gate: gateSummary(gate),
        ...(settings.forceReason === undefined ? {} : { forced: { reason: settings.forceReason } }),
        ...(manifest === undefined ? {} : { manifest: manifestPath(target.stack, version) }),
    };
}

function tagsOf(image: Image): Record<string, string> {
    return Object.fromEntries((image.Tags ?? []).map(tag => [tag.Key ?? "", tag.Value ?? ""]));
}

/** The lines the edit changes, old and new, so a dry run shows exactly what the stack file gets. */
function changedLines(before: string, after: string): string {
    const old = before.split("\n");
    const updated = after.split("\n");
    if (old.length !== updated.length) return after.trimEnd();
    return updated.flatMap((line, index) => (line === old[index] ? [] : [`- ${old[index] ?? ""}`, `+ ${line}`])).join("\n");
}
