// `revoke`: takes back access the stack's `golden-ami:sharing` no longer gives, on every image of the stack
// (current and retained versions) in every region, and the KMS grants on the stack's keys. Dry run unless
// --apply. `pulumi up` keeps launch and snapshot permissions when they leave the program (retainOnDelete:
// a rollback needs them on retained versions), so removing a principal takes `up` and then this command;
// CI runs both. A region that could not be read whole is skipped whole: nothing there is changed.
// "Every region" means every region enabled for the account, not only the stack's: copies stay in a region
// dropped from `golden-ami:regions`, with their permissions, and a removed principal must lose those too.
import { EC2Client, LaunchPermission, ModifyImageAttributeCommand, ModifySnapshotAttributeCommand } from "@aws-sdk/client-ec2";
import { awsCall } from "../aws/awsErrors";
import { discoveryWarning, regionScopeOf } from "../aws/enabledRegions";
import { findStackKeys, imageKeyAlias, listKeyGrants, revokeKeyGrant } from "../aws/keyGrants";
import { findGoldenImages, readLaunchPermissions, readVolumePermissions } from "../aws/inventory";
import { acrossRegions, describeFailures, mapWithLimit } from "../aws/regions";
import { CommandContext, ExitCode, ImagesEnvironment, progressFor } from "../context";
import { madeByStack, snapshotIdsOf } from "../decisions/goldenImage";
import { DroppedRegion, droppedRegions, readEveryRegion, RegionScope, regionScopeLines, scopeRecord } from "../decisions/regionScope";
import {
    describePrincipal,
    GrantDecision,
    ImageAccess,
    ImageRevocation,
    LaunchPrincipal,
    lossesByPrincipal,
    planRevocation,
    PUBLIC_GROUP,
} from "../decisions/revokePlan";
import { defineCommand, flags, UsageError } from "../../cli";
import { everyRegionFlag, imageFlag, jsonFlag, stackFlag } from "../options";
import { ImageTarget, resolveTarget, StackLoader } from "../target";

export interface RevokeSettings {
    apply: boolean;
    json: boolean;
    /** Where the JSON report goes; default `reports/revoke-<timestamp>.json`. */
    reportFile?: string;
    /** The regions to read, when the caller found them already (they are the stack's, the same for each of its images). */
    scope?: RegionScope;
}

export interface RevokedImage extends ImageRevocation {
    /** What was really removed (with --apply); a failure leaves the rest untouched and is listed in errors. */
    removed: boolean;
    errors: string[];
}

export interface RevokedGrant {
    keyArn: string;
    grantId: string;
    granteePrincipal?: string;
    operations: string[];
    reason: string;
    revoked: boolean;
    error?: string;
}

export interface RegionRevokeReport {
    region: string;
    imagesChecked: number;
    imagesUnchanged: number;
    images: RevokedImage[];
    keys: string[];
    grants: RevokedGrant[];
    /** Grants kept because the grantee may belong to a listed organization or OU. */
    undecidedGrants: RevokedGrant[];
    grantsKept: number;
    /** Who loses what here: principal → launch permissions on images, snapshot reads, grants. */
    losses: Losses;
}

type Losses = ReturnType<typeof lossesByPrincipal>;

const IMAGE_CALLS_IN_FLIGHT = 4;

export async function revokeCommand(target: ImageTarget, settings: RevokeSettings, context: CommandContext): Promise<number> {
    const { stack, sharing } = target;
    if (stack === undefined || sharing === undefined) {
        throw new UsageError("revoke reconciles the stack's images with its golden-ami:sharing: pass --stack <name>");
    }
    const startedAt = context.now();
    const progress = progressFor(context, settings.json);
    const scope = settings.scope ?? (await regionScopeOf(target, context, progress));
    const outcomes = await acrossRegions(scope.regions, region => revokeRegion(region, target, stack, settings.apply, context, progress));
    const reports = outcomes.flatMap(outcome => (outcome.ok ? [outcome.value] : []));
    const failedRegions = outcomes.flatMap(outcome => (outcome.ok ? [] : [{ region: outcome.region, error: outcome.error }]));
    const report = {
        command: "revoke",
        mode: settings.apply ? "apply" : "dry-run",
        startedAt: startedAt.toISOString(),
        finishedAt: context.now().toISOString(),
        stack,
        name: target.name,
        sharing,
        regionScope: scopeRecord(scope),
        /** Regions read that hold images of the stack but are no longer in its golden-ami:regions. */
        droppedRegions: droppedRegions(
            scope,
            reports.map(region => ({ region: region.region, images: region.imagesChecked })),
        ),
        losses: lossesOf(reports),
        regions: reports,
        failedRegions,
    };
    const reportFile = settings.reportFile ?? `reports/revoke-${startedAt.toISOString().replace(/[:.]/g, "-")}.json`;
    context.writeReport(reportFile, JSON.stringify(report, null, 2));
    if (settings.json) context.stdout(JSON.stringify(report, null, 2));
    else context.stdout([...renderRevoke(target, settings.apply, scope, reports, report.droppedRegions, report.losses), `Report: ${reportFile}`].join("\n"));
    const warning = discoveryWarning(scope, "copies kept in a region the stack no longer lists keep their launch and snapshot permissions");
    if (warning !== undefined) context.stderr(warning);
    const failures = describeFailures(outcomes);
    failures.forEach(context.stderr);
    const failedChanges = reports.some(
        region => region.images.some(image => image.errors.length > 0) || region.grants.some(grant => grant.error !== undefined),
    );
    if (failedChanges) return ExitCode.problemsFound;
    // Regions that may hold a removed principal's access were not read: the promise of revoke is not kept.
    return readEveryRegion(failures, scope) ? ExitCode.ok : ExitCode.regionFailed;
}

async function revokeRegion(
    region: string,
    target: ImageTarget,
    stack: string,
    apply: boolean,
    context: CommandContext,
    progress: (line: string) => void,
): Promise<RegionRevokeReport> {
    const clients = context.clientsFor(region);
    progress(`${region}: reading ${target.name} images…`);
    const family = await findGoldenImages(clients.ec2, region, target.name, progress);
    // Every version the stack made, retained ones included: access to an old image is access all the same.
    const images = family.filter(image => madeByStack(image, target.name, stack));
    progress(`${region}: reading who may launch and copy ${images.length} images…`);
    const access = await mapWithLimit(images, IMAGE_CALLS_IN_FLIGHT, async (image): Promise<ImageAccess> => ({
        image,
        launchPermissions: await readLaunchPermissions(clients.ec2, image.imageId),
        volumePermissions: await readVolumePermissions(clients.ec2, snapshotIdsOf(image)),
    }));
    progress(`${region}: reading the grants on the stack's keys…`);
    const keys = await findStackKeys(clients.kms, clients.ec2, imageKeyAlias(stack), images.flatMap(snapshotIdsOf));
    const grants = (await Promise.all(keys.map(key => listKeyGrants(clients.kms, key)))).flat();
    const plan = planRevocation(target.sharing!, access, grants);

    const revokedImages: RevokedImage[] = [];
    for (const image of plan.images) {
        revokedImages.push(apply ? await removeImageAccess(clients.ec2, region, image, context) : { ...image, removed: false, errors: [] });
    }
    const revokedGrants: RevokedGrant[] = [];
    for (const decision of plan.revokeGrants) {
        const record = grantRecord(decision);
        if (apply) {
            try {
                await revokeKeyGrant(clients.kms, decision.grant);
                record.revoked = true;
                context.stderr(`${region}: revoked grant ${decision.grant.grantId} on ${decision.grant.keyArn} (${decision.grant.granteePrincipal})`);
            } catch (error) {
                record.error = messageOf(error);
            }
        }
        revokedGrants.push(record);
    }
    return {
        region,
        imagesChecked: images.length,
        imagesUnchanged: plan.unchangedImages,
        images: revokedImages,
        keys,
        grants: revokedGrants,
        undecidedGrants: plan.undecidedGrants.map(grantRecord),
        grantsKept: plan.keptGrants,
        losses: lossesByPrincipal(plan),
    };
}

/** One ModifyImageAttribute for the image's launch permissions, then one ModifySnapshotAttribute per snapshot. */
async function removeImageAccess(ec2: EC2Client, region: string, image: ImageRevocation, context: CommandContext): Promise<RevokedImage> {
    const record: RevokedImage = { ...image, removed: false, errors: [] };
    if (image.launch.length > 0) {
        try {
            await awsCall("ec2:ModifyImageAttribute", () =>
                ec2.send(
                    new ModifyImageAttributeCommand({
                        ImageId: image.imageId,
                        LaunchPermission: { Remove: image.launch.map(launchPermissionOf) },
                    }),
                ),
            );
            context.stderr(`${region}: ${image.imageId}: removed the launch permission of ${image.launch.map(describePrincipal).join(", ")}`);
        } catch (error) {
            record.errors.push(`${image.imageId}: ${messageOf(error)}`);
        }
    }
    for (const [snapshotId, readers] of Object.entries(image.snapshots)) {
        const accounts = readers.filter(reader => reader !== PUBLIC_GROUP);
        const groups = readers.filter(reader => reader === PUBLIC_GROUP);
        try {
            await awsCall("ec2:ModifySnapshotAttribute", () =>
                ec2.send(
                    new ModifySnapshotAttributeCommand({
                        SnapshotId: snapshotId,
                        Attribute: "createVolumePermission",
                        OperationType: "remove",
                        ...(accounts.length > 0 && { UserIds: accounts }),
                        ...(groups.length > 0 && { GroupNames: ["all"] }),
                    }),
                ),
            );
            context.stderr(`${region}: ${snapshotId}: removed read access (createVolumePermission) of ${readers.join(", ")}`);
        } catch (error) {
            record.errors.push(`${snapshotId}: ${messageOf(error)}`);
        }
    }
    record.removed = record.errors.length === 0;
    return record;
}

function launchPermissionOf(principal: LaunchPrincipal): LaunchPermission {
    switch (principal.kind) {
        case "account":
            return { UserId: principal.id };
        case "organization":
            return { OrganizationArn: principal.id };
        case "organizational-unit":
            return { OrganizationalUnitArn: principal.id };
        case "group":
            return { Group: "all" };
    }
}

function grantRecord({ grant, reason }: GrantDecision): RevokedGrant {
    return { keyArn: grant.keyArn, grantId: grant.grantId, granteePrincipal: grant.granteePrincipal, operations: grant.operations, reason, revoked: false };
}

/** Who loses access, summed over the regions read: principal → images, snapshots and grants. */
function lossesOf(reports: RegionRevokeReport[]): Losses {
    const total: Losses = {};
    for (const report of reports) {
        for (const [who, losses] of Object.entries(report.losses)) {
            const entry = (total[who] ??= { images: 0, snapshots: 0, grants: 0 });
            entry.images += losses.images;
            entry.snapshots += losses.snapshots;
            entry.grants += losses.grants;
        }
    }
    return total;
}

function renderRevoke(
    target: ImageTarget,
    apply: boolean,
    scope: RegionScope,
    reports: RegionRevokeReport[],
    dropped: DroppedRegion[],
    losses: Losses,
): string[] {
    const sharing = target.sharing!;
    const listed = [
        ...[...sharing.accounts, ...sharing.promotingAccounts].map(account => `account ${account}`),
        ...sharing.organizationArns.map(arn => `organization ${arn}`),
        ...sharing.organizationalUnitArns.map(arn => `OU ${arn}`),
    ];
    const lines = [
        `revoke ${target.stack} (${target.name})${apply ? "" : " (dry run, nothing changed; add --apply to act)"}: ` +
            `golden-ami:sharing lists ${listed.length > 0 ? listed.join(", ") : "nobody"}; everyone else loses access to every image of the stack.`,
    ];
    const verb = apply ? "removed" : "would remove";
    const { lines: regionLines, empty } = regionScopeLines(
        scope,
        dropped,
        reports.map(report => ({ region: report.region, empty: isEmpty(report) })),
        "copies stay when a region is dropped (retainOnDelete), so their access is reconciled too",
    );
    lines.push(...regionLines);
    for (const report of reports) {
        if (empty.includes(report.region)) continue;
        lines.push(
            `${report.region}: ${report.imagesChecked} images checked, ${report.images.length} with access to take back; ` +
                `${report.keys.length} key(s), ${report.grants.length} grant(s) to revoke, ${report.grantsKept} kept`,
        );
        for (const image of report.images) {
            const what = [
                ...(image.launch.length > 0 ? [`launch: ${image.launch.map(describePrincipal).join(", ")}`] : []),
                ...Object.entries(image.snapshots).map(([snapshotId, readers]) => `read ${snapshotId}: ${readers.join(", ")}`),
            ];
            const state = !apply ? verb : image.errors.length > 0 ? "FAILED" : verb;
            lines.push(`  ${state.padEnd(13)}${image.imageId}  ${image.version ?? "?"}  ${what.join("; ")}`);
            for (const error of image.errors) lines.push(`      error: ${error}`);
        }
        for (const grant of report.grants) {
            const state = !apply ? "would revoke" : grant.error ? "FAILED" : "revoked";
            lines.push(`  ${state.padEnd(13)}grant ${grant.grantId} on ${grant.keyArn} to ${grant.granteePrincipal}: ${grant.reason}`);
            if (grant.error) lines.push(`      error: ${grant.error}`);
        }
        for (const grant of report.undecidedGrants) {
            lines.push(
                `  ${"kept".padEnd(13)}grant ${grant.grantId} on ${grant.keyArn} to ${grant.granteePrincipal}: ${grant.reason}; ` +
                    `if it is not, revoke it: aws kms revoke-grant --key-id ${grant.keyArn} --grant-id ${grant.grantId}`,
            );
        }
    }
    const entries = Object.entries(losses).sort(([left], [right]) => left.localeCompare(right));
    if (entries.length === 0) lines.push("Nobody loses access: only the listed principals have any.");
    for (const [who, loss] of entries) {
        lines.push(
            `${who} ${apply ? "lost" : "loses"} access: launch of ${loss.images} image(s), read of ${loss.snapshots} snapshot(s), ${loss.grants} KMS grant(s)`,
        );
    }
    return lines;
}

function isEmpty(report: RegionRevokeReport): boolean {
    return report.imagesChecked === 0 && report.keys.length === 0 && report.grants.length === 0 && report.undecidedGrants.length === 0;
}

function messageOf(error: unknown): string {
    return error instanceof Error ? error.message : String(error);
}

export const revokeCommandLine = defineCommand({
    name: "revoke",
    summary:
        "take back access golden-ami:sharing no longer gives: launch permissions, snapshot read access and KMS grants of unlisted " +
        "principals, on every image of the stack (all versions) in every region enabled for the account, those the stack no longer lists " +
        "included. Dry run unless --apply; CI runs it with --apply after each pulumi up",
    flags: {
        stack: stackFlag,
        image: imageFlag,
        regions: everyRegionFlag,
        apply: flags.boolean("really remove (default: dry run)"),
        report: flags.text("<file>", "where to write the JSON report (default reports/revoke-<timestamp>.json)"),
        json: jsonFlag,
    },
    run: async (flags, { context, loadStack }: ImagesEnvironment) => {
        // Without --image, every image of the catalog: access to any of them is access all the same.
        const images = flags.image !== undefined || flags.stack === undefined ? [flags.image] : imageNamesOf(flags.stack, loadStack);
        const targets = images.map(image => resolveTarget({ command: "revoke", ...flags, image }, loadStack));
        // One region discovery for the stack, not one per image: the regions are the stack's.
        const scope = images.length > 1 ? await regionScopeOf(targets[0], context, progressFor(context, flags.json)) : undefined;
        let exitCode: number = ExitCode.ok;
        for (const [index, image] of images.entries()) {
            const reportFile = flags.report === undefined || images.length === 1 ? flags.report : flags.report.replace(/(\.json)?$/, `-${image}$1`);
            const code = await revokeCommand(targets[index], { apply: flags.apply, json: flags.json, reportFile, scope }, context);
            exitCode = Math.max(exitCode, code);
        }
        return exitCode;
    },
});

function imageNamesOf(stack: string, loadStack: StackLoader): (string | undefined)[] {
    try {
        return loadStack(stack).images.map(image => image.name);
    } catch {
        // resolveTarget reports the stack file's problem with the usual message.
        return [undefined];
    }
}
