// `promote`: pins a promoting stack (prod) to the building stack's first available build of a version.
// Looks the AMI up in the building account, gates its scan, then edits Pulumi.<stack>.yaml in place and
// writes the promotion record and the manifest under promotions/<stack>/. Rolling back is promoting an
// earlier version: the building stack keeps earlier versions shared until the lifecycle removes them.
import type { Image } from "@aws-sdk/client-ec2";
import type { StackImage } from "../../../components/config";
import { CommandContext, ExitCode, ImagesEnvironment, progressFor } from "../context";
import { GateResult, unjudged } from "../decisions/gateVerdict";
import { gateBuild, readAllowlist, renderGate } from "./gate";
import { findBuildOfAmi, recipeNameOf } from "../aws/imageBuilds";
import { noPackagesMessage, readManifest } from "./manifest";
import { asFile, gateSummary, Manifest, manifestPath, promotionRecordPath, PromotionRecord } from "../decisions/promotionRecord";
import { DEFAULT_THRESHOLD, Severity } from "../decisions/severity";
import { reportAwsFailure } from "../aws/singleRegion";
import { findSourceImage } from "../aws/sourceImage";
import { marketplaceCodes, marketplaceRefusal } from "../decisions/marketplace";
import { pinPromotion } from "../decisions/stackFileEdit";
import { loadPromotionStacks, NOT_YET_PINNED } from "../target";
import { defineCommand, flags, UsageError } from "../../cli";
import { imageFlag, jsonFlag, maxSeverityFlag, semver } from "../options";

export interface PromoteSettings {
    source: StackImage;
    target: StackImage;
    version: string;
    threshold: Severity;
    dryRun: boolean;
    /** Set with --force: pin even if the gate fails, and record why. */
    forceReason?: string;
    /** Print one JSON document on stdout instead of text, and no progress. */
    json?: boolean;
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
        const progress = (line: string) => progressFor(context, settings.json === true)(`${region}: ${line}`);
        const say = (text: string) => {
            if (!settings.json) context.stdout(text);
        };
        const json = (result: object) => {
            if (settings.json) context.stdout(JSON.stringify({ stack: target.stack, from: source.stack, version, ...result }, null, 2));
        };
        const lookup = await findSourceImage(
            clients.ec2,
            { account: promoteFrom.account, imageName: source.image.name, version, stack: source.stack },
            progress,
        );
        if (lookup.first === undefined) {
            const others = lookup.unavailable.map(image => `${image.ImageId} (${image.State})`);
            context.stderr(
                `error: no available build of ${source.image.name} ${version} by stack ${source.stack} in ${where} ` +
                    `(looked for AMIs named ${lookup.pattern}${others.length > 0 ? `; found only ${others.join(", ")}` : ""}): ` +
                    `build it with ${source.stack}'s \`pulumi up\` at image.version ${version}, or check --version and the credentials' account`,
            );
            return ExitCode.problemsFound;
        }
        const ami = lookup.first;
        const amiId = ami.ImageId!;
        const marketplace = marketplaceCodes(ami);
        if (marketplace.length > 0) {
            json({ promoted: false, amiId, marketplaceProductCodes: marketplace });
            context.stderr(`error: refusing to promote ${amiId} into ${target.stack}: ${marketplaceRefusal(marketplace, target.stack)}`);
            return ExitCode.problemsFound;
        }
        const recipeName = recipeNameOf(source.image.name, source.stack);
        progress(`finding the Image Builder build of ${amiId}…`);
        const buildArn = await findBuildOfAmi(clients.imageBuilder, { imageId: amiId, tags: tagsOf(ami) }, recipeName, version);
        const gate: GateResult =
            buildArn === undefined
                ? unjudged(
                      "NONE",
                      `cannot tell which Image Builder build made ${amiId}: it has no Ec2ImageBuilderArn tag and no build of ${recipeName} ${version} lists it ` +
                          `(run promote with credentials of the building account ${promoteFrom.account}: only the owner sees that tag and its builds)`,
                      settings.threshold,
                  )
                : await gateBuild(clients.imageBuilder, buildArn, region, { threshold: settings.threshold, allowlist, now: context.now(), progress });
        say(renderGate(`${recipeName} ${version}`, gate).join("\n"));
        if (!gate.passed && settings.forceReason === undefined) {
            json({ promoted: false, amiId, gate });
            context.stderr(
                `error: refusing to promote ${amiId} into ${target.stack}: it fails the gate. ` +
                    `Fix the image, or pin it anyway with --force --reason "<why>" (the reason is recorded in ${promotionRecordPath(target.stack, source.image.name, version)})`,
            );
            return ExitCode.problemsFound;
        }
        const manifest =
            buildArn === undefined
                ? undefined
                : await readManifest(clients.imageBuilder, { image: recipeName, version, buildArn, region, amiId }, context.now(), progress);

        const record = promotionRecord(settings, ami, gate, manifest, context.now());
        const files: [string, string][] = [
            [stackFile, pinPromotion(stackText, { image: source.image.name, version, amiId, region, stack: source.stack }, stackFile)],
            [promotionRecordPath(target.stack, source.image.name, version), asFile(record)],
            ...(manifest === undefined ? [] : [[manifestPath(target.stack, source.image.name, version), asFile(manifest)] as [string, string]]),
        ];
        if (manifest !== undefined && manifest.packages.length === 0) context.stderr(`warning: ${noPackagesMessage(manifest.buildArn)}`);
        if (manifest === undefined) context.stderr(`warning: no manifest written: the Image Builder build of ${amiId} is unknown`);
        if (settings.dryRun) {
            json({ promoted: false, dryRun: true, amiId, gate, files: files.map(([file, contents]) => ({ file, contents })) });
            say(
                [
                    `dry run: would pin ${target.stack} to ${amiId} (${version}) and write:`,
                    ...files.map(([file, contents]) => `--- ${file}\n${file === stackFile ? changedLines(stackText, contents) : contents.trimEnd()}`),
                ].join("\n"),
            );
            return ExitCode.ok;
        }
        for (const [file, contents] of files) context.files.write(file, contents);
        json({ promoted: true, amiId, gate, files: files.map(([file]) => file), record });
        say(
            [
                `promoted ${source.image.name} ${version} (${amiId}, ${ami.Name}) into ${target.stack}${settings.forceReason ? " although it fails the gate (forced)" : ""}:`,
                ...files.map(([file]) => `  wrote ${file}`),
                `Next: commit these files and open a pull request; ${target.stack}'s \`pulumi up\` copies the image.`,
                ...(record.previous
                    ? [`Roll back: npm run images -- promote --from ${source.stack} --version ${record.previous.version} --stack ${target.stack}`]
                    : []),
            ].join("\n"),
        );
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
        ...(manifest === undefined ? {} : { manifest: manifestPath(target.stack, source.image.name, version) }),
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

export const promoteCommandLine = defineCommand({
    name: "promote",
    summary: "pin a promoting stack (prod) to the first available build of --version of the --from stack",
    description:
        "Edits Pulumi.<stack>.yaml, writes promotions/<stack>/<version>.json and the manifest. Runs the gate first.\n" +
        "Roll back by promoting an earlier version.",
    footer: "Example: npm run images -- promote --from dev --version 1.4.1 --stack prod",
    flags: {
        from: flags.text("<stack>", "the building stack whose image is pinned (e.g. dev)"),
        version: flags.value("<x.y.z>", "the version to pin", semver),
        stack: flags.text("<name>", "the promoting stack to pin (e.g. prod)"),
        image: imageFlag,
        maxSeverity: maxSeverityFlag,
        dryRun: flags.boolean("print what would be written, write nothing"),
        json: jsonFlag,
        force: flags.boolean("pin an image that fails the gate; needs --reason"),
        reason: flags.text("<text>", "with --force: why this image may go out although it fails the gate (recorded)"),
    },
    check: options => {
        const missing = [
            ["--from", options.from],
            ["--version", options.version],
            ["--stack", options.stack],
        ]
            .filter(([, value]) => value === undefined)
            .map(([flag]) => flag);
        if (missing.length > 0) {
            throw new UsageError(`promote needs ${missing.join(", ")}: e.g. promote --from dev --version 1.4.1 --stack prod`);
        }
        if (options.from === options.stack) {
            throw new UsageError(`--from and --stack are both "${options.stack}": promote from the building stack (e.g. dev) into a promoting one (e.g. prod)`);
        }
        if (options.force && options.reason === undefined) {
            throw new UsageError('--force needs --reason "<why this image may go out although it fails the gate>"; the reason is recorded with the promotion');
        }
        if (options.reason !== undefined && !options.force) {
            throw new UsageError("--reason only goes with --force (pinning an image that fails the gate)");
        }
    },
    run: (flags, { context, loadStack }: ImagesEnvironment) =>
        promoteCommand(
            {
                ...loadPromotionStacks({ command: "promote", ...flags }, loadStack),
                version: flags.version!,
                threshold: flags.maxSeverity ?? DEFAULT_THRESHOLD,
                dryRun: flags.dryRun,
                forceReason: flags.reason,
                json: flags.json,
            },
            context,
        ),
});
