// `gate --recorded --stack prod`: what CI runs before a promoting stack's `up`. It judges the promotion as it
// was recorded and reviewed, offline: the committed record at the stack's image.version must name the AMI the
// stack pins, and either passed the gate when it was promoted or was forced with a reason. Nothing is read
// from AWS and the allow-list is not judged again: an entry that expired after the promotion does not block
// an unrelated push (expiry is judged by `promote`). Before the first promotion, the stack's pin is the stack
// file's example: that is said, and the result is "nothing to deploy", not a failure.
import { GoldenAmiConfig, stackImage, StackImage } from "../../../components/config";
import { CommandContext, ExitCode } from "../context";
import { promotionRecordPath, readPromotionRecord } from "../decisions/promotionRecord";
import { NOT_YET_PINNED } from "../target";

export interface RecordedVerdict {
    stack: string;
    image: string;
    version: string;
    amiId: string;
    record: string;
    /** true: `up` may deploy the pin; false: it must not (see `reason`). */
    deployable: boolean;
    /** true when nothing was promoted into the stack yet: not deployable, and not a failure. */
    notYetPromoted: boolean;
    reason: string;
}

/** One image's promotion into the stack, as recorded. */
export function judgeRecordedPromotion(stack: StackImage, context: CommandContext): RecordedVerdict {
    const promoteFrom = stack.promoteFrom!;
    const image = stack.image.name;
    const version = stack.image.version;
    const recordFile = promotionRecordPath(stack.stack, image, version);
    const verdict = (deployable: boolean, reason: string, notYetPromoted = false): RecordedVerdict => ({
        stack: stack.stack,
        image,
        version,
        amiId: promoteFrom.amiId,
        record: recordFile,
        deployable,
        notYetPromoted,
        reason,
    });
    const promoted = context.files.list(`promotions/${stack.stack}/${image}`).filter(file => /^\d+\.\d+\.\d+\.json$/.test(file));
    if (promoteFrom.amiId === NOT_YET_PINNED || promoted.length === 0) {
        return verdict(
            false,
            `nothing was promoted into ${stack.stack} yet (no promotions/${stack.stack}/${image}/<version>.json): ` +
                `promoteFrom.amiIds.${image} ${promoteFrom.amiId === NOT_YET_PINNED ? "is not set" : `${promoteFrom.amiId} is the stack file's example`}, ` +
                `so there is nothing to deploy. Promote first: npm run images -- promote --from ${promoteFrom.stack ?? "<building stack>"} --image ${image} --version <x.y.z> --stack ${stack.stack}`,
            true,
        );
    }
    const record = readPromotionRecord(context.files, stack.stack, image, version);
    if (record === undefined) {
        return verdict(
            false,
            `${stack.stack} pins ${promoteFrom.amiId} at ${version}, but ${recordFile} is missing or not JSON: ` +
                `Pulumi.${stack.stack}.yaml was edited by hand. Pin with npm run images -- promote, which gates the image and writes the record`,
        );
    }
    if (record.amiId !== promoteFrom.amiId || record.version !== version) {
        return verdict(
            false,
            `${recordFile} promoted ${record.amiId ?? "no AMI"} at ${record.version ?? "no version"}, but Pulumi.${stack.stack}.yaml pins ` +
                `${promoteFrom.amiId} at ${version}: the pin was changed without a promotion. Promote again with npm run images -- promote`,
        );
    }
    const forced = typeof record.forced?.reason === "string" && record.forced.reason.trim() !== "";
    if (record.gate?.passed === true) {
        return verdict(
            true,
            `${promoteFrom.amiId} passed the gate when it was promoted to ${stack.stack} (${record.promotedAt ?? "date not recorded"}, ` +
                `threshold ${record.gate.threshold ?? "?"}; ${recordFile})`,
        );
    }
    if (forced) {
        return verdict(
            true,
            `${promoteFrom.amiId} failed the gate but was promoted with --force, reviewed with the record: "${record.forced!.reason}" (${recordFile})`,
        );
    }
    return verdict(
        false,
        `${recordFile} records a failed gate and no --force reason: ${record.gate?.problem ?? `blocking ${(record.gate?.blocking ?? []).join(", ") || "findings"}`}`,
    );
}

/** The stack deploys whole: every image's promotion must be deployable, or none was promoted yet (nothing to deploy). */
export function recordedGateCommand(stack: GoldenAmiConfig, settings: { json: boolean }, context: CommandContext): number {
    const verdicts = stack.images.map(image => judgeRecordedPromotion(stackImage(stack, image.name), context));
    const deployable = verdicts.every(verdict => verdict.deployable);
    const notYetPromoted = verdicts.every(verdict => verdict.notYetPromoted);
    if (settings.json) {
        context.stdout(JSON.stringify({ stack: stack.stack, deployable, notYetPromoted, images: verdicts }, null, 2));
    } else {
        for (const verdict of verdicts) {
            const label = verdict.deployable ? "PASS" : verdict.notYetPromoted ? "NOTHING TO DEPLOY" : "FAIL";
            context.stdout(`gate ${stack.stack} ${verdict.image} ${verdict.version} (${verdict.amiId}, as recorded): ${label}: ${verdict.reason}`);
        }
    }
    return deployable || notYetPromoted ? ExitCode.ok : ExitCode.problemsFound;
}
