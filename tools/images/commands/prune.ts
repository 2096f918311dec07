// `prune`: deregisters images beyond the newest `keep` and deletes their snapshots; dry run unless --apply.
// A region whose images or users could not all be read is skipped whole: nothing there is removed.
//
// With --stack and no --regions it reads every region enabled for the account, not only the stack's:
// copies stay when a region is dropped from `golden-ami:regions` (retainOnDelete), and nothing else would
// ever clean them up. In such a region the same rules hold as anywhere, but one: an image there is not kept
// for being at the stack's `image.version`, since the stack's `up` no longer manages a copy there. What
// still keeps an image there: the newest `keep` per stack (a consumer's launch template in that region may
// still name the last copies, and this account cannot see into the consumer's), anything in use in that
// region or launched within `launchedWithinDays`, the `GoldenAmiKeep` tag, a stack file's pin and a current
// promotion record. That is never more than prune removes in a listed region, so reading the dropped
// regions is as safe as the rest; a warning naming them instead would leave their copies to be forgotten.
import * as fs from "fs";
import * as path from "path";
import { DeleteSnapshotCommand, DeregisterImageCommand, EC2Client } from "@aws-sdk/client-ec2";
import { awsCall, awsErrorCode } from "../aws/awsErrors";
import { discoveryWarning, regionScopeOf } from "../aws/enabledRegions";
import { CommandContext, ExitCode, ImagesEnvironment, progressFor } from "../context";
import { GoldenImage } from "../decisions/goldenImage";
import { findUsage } from "../aws/inUse";
import { findGoldenImages } from "../aws/inventory";
import { planPrune, PrunedImage } from "../decisions/prunePlan";
import { DroppedRegion, droppedRegions, isListedRegion, readEveryRegion, RegionScope, regionScopeLines, scopeRecord } from "../decisions/regionScope";
import { keptForRollback, RollbackTarget, rollbackTargets } from "../decisions/rollbackTargets";
import { atStackVersion, mergeUsage } from "../decisions/usage";
import { acrossRegions, describeFailures } from "../aws/regions";
import { shortDate } from "../table";
import { ImageTarget, resolveTarget } from "../target";
import { defineCommand, flags, UsageError } from "../../cli";
import { everyRegionFlag, jsonFlag, launchedWithinFlag, nameFlag, ssmPathFlag, imageFlag, stackFlag } from "../options";

export interface PruneSettings {
    /** Really deregister and delete; otherwise only say what would happen. */
    apply: boolean;
    /** Where the JSON report goes; default `reports/prune-<timestamp>.json`. */
    reportFile?: string;
    /** Also Image Builder's own builds, by the lifecycle's rules (age and count); default: the lifecycle's alone. */
    includeImageBuilder?: boolean;
    /** Print the report on stdout as JSON instead of the table, and no progress. */
    json?: boolean;
}

interface ImageRecord {
    imageId: string;
    name: string;
    version?: string;
    createdAt: string;
    state: string;
}

export interface KeptRecord extends ImageRecord {
    reasons: string[];
}

export interface PrunedRecord extends ImageRecord {
    snapshotIds: string[];
    deregistered: boolean;
    deletedSnapshots: string[];
    errors: string[];
}

export interface RegionPruneReport {
    region: string;
    kept: KeptRecord[];
    pruned: PrunedRecord[];
    /** Images of the family tagged with another stack's Environment: never touched by this stack's prune. */
    otherStacksImages: number;
}

export async function pruneCommand(target: ImageTarget, settings: PruneSettings, context: CommandContext): Promise<number> {
    const startedAt = context.now();
    const quiet: CommandContext = { ...context, progress: progressFor(context, settings.json === true) };
    // Read before any AWS call: an unreadable stack file could hide a pin.
    const rollback = rollbackTargets(context.files);
    const scope = await regionScopeOf(target, quiet, quiet.progress);
    const outcomes = await acrossRegions(scope.regions, region => pruneRegion(region, target, settings, rollback, isListedRegion(scope, region), quiet));
    const reports = outcomes.flatMap(outcome => (outcome.ok ? [outcome.value] : []));
    const failedRegions = outcomes.flatMap(outcome => (outcome.ok ? [] : [{ region: outcome.region, error: outcome.error }]));
    const dropped = droppedRegions(
        scope,
        reports.map(report => ({ region: report.region, images: report.kept.length + report.pruned.length })),
    );

    const reportFile = settings.reportFile ?? `reports/prune-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`;
    const report = {
        command: "prune",
        mode: settings.apply ? "apply" : "dry-run",
        startedAt: startedAt.toISOString(),
        finishedAt: context.now().toISOString(),
        stack: target.stack,
        name: target.name,
        keep: target.keep,
        launchedWithinDays: target.launchedWithinDays,
        imageBuilder: settings.includeImageBuilder ? { include: true, deleteAfterDays: target.deleteAfterDays } : { include: false },
        rollbackTargets: rollback,
        regionScope: scopeRecord(scope),
        /** Regions read that hold images of the stack but are no longer in its golden-ami:regions. */
        droppedRegions: dropped,
        regions: reports,
        failedRegions,
    };
    context.writeReport(reportFile, JSON.stringify(report, null, 2));

    context.stdout(
        settings.json
            ? JSON.stringify({ ...report, reportFile }, null, 2)
            : [...renderPrune(target, settings.apply, scope, reports, dropped), `Report: ${reportFile}`].join("\n"),
    );
    const warning = discoveryWarning(scope, "images kept in a region the stack no longer lists were not considered");
    if (warning !== undefined) context.stderr(warning);
    const failures = describeFailures(outcomes);
    failures.forEach(context.stderr);
    if (reports.some(report => report.pruned.some(pruned => pruned.errors.length > 0))) return ExitCode.problemsFound;
    return readEveryRegion(failures, scope) ? ExitCode.ok : ExitCode.regionFailed;
}

async function pruneRegion(
    region: string,
    target: ImageTarget,
    settings: PruneSettings,
    rollback: RollbackTarget[],
    /** In the stack's golden-ami:regions: its `up` manages the copy at its image.version there. */
    listed: boolean,
    context: CommandContext,
): Promise<RegionPruneReport> {
    const { apply } = settings;
    const clients = context.clientsFor(region);
    context.progress(`${region}: reading ${target.name} images…`);
    const family = await findGoldenImages(clients.ec2, region, target.name, context.progress);
    // With a stack, only its own images: a shared account may hold another stack's too.
    const images = target.stack === undefined ? family : family.filter(image => image.tags.Environment === target.stack);
    context.progress(`${region}: ${images.length} images; checking launch templates, Auto Scaling groups, instances and SSM parameters…`);
    const usage = await findUsage(clients, images, {
        ssmPaths: target.ssmPaths,
        launchedWithinDays: target.launchedWithinDays,
        now: context.now(),
        warn: message => context.stderr(`${region}: warning: ${message}`),
    });
    const current = listed && target.stack !== undefined && target.version !== undefined ? atStackVersion(images, target.stack, target.version) : {};
    const pinnedOrRecorded = keptForRollback(
        images.map(image => image.imageId),
        rollback,
    );
    const plan = planPrune(
        images,
        mergeUsage(usage, current, pinnedOrRecorded),
        target.keep,
        family.filter(image => !images.includes(image)),
        {
            include: settings.includeImageBuilder === true,
            deleteAfterDays: target.deleteAfterDays,
            now: context.now(),
        },
    );
    const pruned: PrunedRecord[] = [];
    // One image at a time: deletes are few, and a slow steady pace keeps clear of EC2's rate limits.
    for (const [index, candidate] of plan.prune.entries()) {
        if (apply) context.progress(`${region}: removing ${candidate.image.imageId} and its snapshots (${index + 1} of ${plan.prune.length})…`);
        pruned.push(apply ? await removeImage(clients.ec2, region, candidate, context) : notYetRemoved(candidate));
    }
    return {
        region,
        kept: plan.keep.map(({ image, reasons }) => ({ ...recordOf(image), reasons })),
        pruned,
        otherStacksImages: family.length - images.length,
    };
}

/** Deregisters first and deletes the snapshots only once that succeeded: EC2 refuses to delete a registered image's snapshots. */
async function removeImage(ec2: EC2Client, region: string, candidate: PrunedImage, context: CommandContext): Promise<PrunedRecord> {
    const record = notYetRemoved(candidate);
    const { imageId } = candidate.image;
    try {
        await awsCall("ec2:DeregisterImage", () => ec2.send(new DeregisterImageCommand({ ImageId: imageId })));
        record.deregistered = true;
        context.stderr(`${region}: deregistered ${imageId}`);
    } catch (error) {
        record.errors.push(`${imageId}: ${messageOf(error)}`);
        return record;
    }
    for (const snapshotId of candidate.snapshotIds) {
        try {
            await deleteSnapshot(ec2, snapshotId, context);
            record.deletedSnapshots.push(snapshotId);
            context.stderr(`${region}: deleted ${snapshotId}`);
        } catch (error) {
            const stillInUse =
                awsErrorCode(error) === SNAPSHOT_IN_USE
                    ? ` (still in use ${SNAPSHOT_IN_USE_WAITS_MS.reduce((sum, wait) => sum + wait, 0) / 1000} s after ${imageId} was deregistered: ` +
                      "another image was registered from it, or EC2 has not caught up; delete it later)"
                    : "";
            record.errors.push(`${snapshotId}: ${messageOf(error)}${stillInUse}`);
        }
    }
    return record;
}

const SNAPSHOT_IN_USE = "InvalidSnapshot.InUse";
/**
 * EC2 can go on refusing to delete a snapshot as "currently in use by" the image for a few seconds after
 * DeregisterImage succeeded. Waits this long before each further try (30 s in all), then reports it.
 */
export const SNAPSHOT_IN_USE_WAITS_MS = [2_000, 4_000, 8_000, 16_000];

async function deleteSnapshot(ec2: EC2Client, snapshotId: string, context: CommandContext): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
        try {
            await awsCall("ec2:DeleteSnapshot", () => ec2.send(new DeleteSnapshotCommand({ SnapshotId: snapshotId })));
            return;
        } catch (error) {
            if (awsErrorCode(error) !== SNAPSHOT_IN_USE || attempt >= SNAPSHOT_IN_USE_WAITS_MS.length) throw error;
            await context.sleep(SNAPSHOT_IN_USE_WAITS_MS[attempt]);
        }
    }
}

function notYetRemoved({ image, snapshotIds }: PrunedImage): PrunedRecord {
    return { ...recordOf(image), snapshotIds, deregistered: false, deletedSnapshots: [], errors: [] };
}

function recordOf({ imageId, name, version, createdAt, state }: GoldenImage): ImageRecord {
    return { imageId, name, version, createdAt, state };
}

function renderPrune(target: ImageTarget, apply: boolean, scope: RegionScope, reports: RegionPruneReport[], dropped: DroppedRegion[]): string[] {
    const lines = [
        apply
            ? `prune ${target.name}: keeping the ${target.keep} newest available images per stack, every image in use, pinned or named by a current promotion record.`
            : `prune ${target.name} (dry run, nothing changed; add --apply to act): keeping the ${target.keep} newest available images per stack, every image in use, pinned or named by a current promotion record.`,
    ];
    const { lines: regionLines, empty } = regionScopeLines(
        scope,
        dropped,
        reports.map(report => ({ region: report.region, empty: report.kept.length + report.pruned.length + report.otherStacksImages === 0 })),
        "pruned by the same rules, except that none is kept for being at the stack's image.version",
    );
    lines.push(...regionLines);
    for (const report of reports) {
        if (empty.includes(report.region)) continue;
        const removed = apply ? "deregistered" : "would deregister";
        lines.push(
            `${report.region}: keeps ${report.kept.length}, ${removed} ${report.pruned.filter(p => !apply || p.deregistered).length}` +
                (report.otherStacksImages > 0 ? ` (${report.otherStacksImages} images of other stacks left alone)` : ""),
        );
        for (const kept of report.kept) {
            lines.push(`  ${"keep".padEnd(10)}${kept.imageId}  ${kept.version ?? "?"}  ${shortDate(kept.createdAt)}  ${kept.reasons.join("; ")}`);
        }
        for (const pruned of report.pruned) {
            const snapshots = pruned.snapshotIds.length > 0 ? pruned.snapshotIds.join(", ") : "none";
            const verb = !apply ? "would go" : pruned.errors.length > 0 ? "FAILED" : "removed";
            lines.push(`  ${verb.padEnd(10)}${pruned.imageId}  ${pruned.version ?? "?"}  ${shortDate(pruned.createdAt)}  snapshots: ${snapshots}`);
            for (const error of pruned.errors) lines.push(`      error: ${error}`);
        }
    }
    return lines;
}

function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

export const pruneCommandLine = defineCommand({
    name: "prune",
    summary:
        "deregister images beyond the newest --keep per stack, and their snapshots; never an image in use, pinned by a stack, " +
        "or named by a current promotion record (the promoted AMI and the previous one, the rollback target); with --stack, in every region " +
        "enabled for the account, those the stack no longer lists included. Dry run unless --apply",
    flags: {
        stack: stackFlag,
        image: imageFlag,
        regions: everyRegionFlag,
        name: nameFlag,
        keep: flags.wholeNumber("<n>", "newest available images kept per stack (default: lifecycle.keepAtLeast, else 3)", 1),
        launchedWithin: launchedWithinFlag,
        ssmPath: ssmPathFlag,
        includeImageBuilder: flags.boolean(
            "also Image Builder's own builds (the lifecycle policy's otherwise), only those beyond --keep " + "and older than lifecycle.deleteAfterDays",
        ),
        apply: flags.boolean("really deregister and delete (default: dry run)"),
        report: flags.value("<file>", "where to write the JSON report (default reports/prune-<timestamp>.json)", reportPath),
        json: jsonFlag,
    },
    run: (flags, { context, loadStack }: ImagesEnvironment) =>
        pruneCommand(
            resolveTarget({ command: "prune", ...flags }, loadStack),
            { apply: flags.apply, includeImageBuilder: flags.includeImageBuilder, reportFile: flags.report, json: flags.json },
            context,
        ),
});

/** A report path that can be written: not a directory, so the run does not fail after its deletions. */
function reportPath(text: string, flag: string): string {
    if (fs.existsSync(text) && fs.statSync(text).isDirectory()) {
        throw new UsageError(`${flag} ${text} is a directory: give a file path, like ${path.join(text, "prune.json")}`);
    }
    return text;
}
