// What the repository says must survive cleanup: the AMIs promoting stacks pin, and the AMIs their current
// promotion records name (the promoted one and the previous one, which a rollback pins again). Pure over the
// repository's files: prune adds these to what it keeps, whatever the count or age says.
import { parse as parseYaml } from "yaml";
import { PROJECT } from "../../../components/config";
import { UsageError } from "../options";
import { RepoFiles } from "../repoFiles";
import { ImageUsage } from "./usage";
import { promotionRecordPath, readPromotionRecord } from "./promotionRecord";

export interface RollbackTarget {
    amiId: string;
    reason: string;
}

/** Every stack file's pins (`promoteFrom.amiIds`), and each image's current promotion record's `amiId` and `previous.amiId`. */
export function rollbackTargets(files: RepoFiles): RollbackTarget[] {
    const targets: RollbackTarget[] = [];
    for (const file of files
        .list("")
        .filter(name => /^Pulumi\.[^.]+\.yaml$/.test(name))
        .sort()) {
        const stack = file.split(".")[1];
        const config = readConfig(files, file);
        const pins = (config?.[`${PROJECT}:promoteFrom`] as { amiIds?: unknown } | undefined)?.amiIds;
        if (typeof pins === "object" && pins !== null) {
            for (const [image, amiId] of Object.entries(pins)) {
                if (typeof amiId === "string") targets.push({ amiId, reason: `pinned by ${stack} (promoteFrom.amiIds.${image} in ${file})` });
            }
        }
        const images = config?.[`${PROJECT}:images`];
        if (typeof images !== "object" || images === null) continue;
        for (const [image, definition] of Object.entries(images as Record<string, unknown>)) {
            const version = (definition as { version?: unknown } | null)?.version;
            if (typeof version !== "string") continue;
            const record = readPromotionRecord(files, stack, image, version);
            const recordPath = promotionRecordPath(stack, image, version);
            if (typeof record?.amiId === "string") {
                targets.push({ amiId: record.amiId, reason: `promoted to ${stack} at ${image} ${version} (${recordPath})` });
            }
            if (typeof record?.previous?.amiId === "string") {
                targets.push({
                    amiId: record.previous.amiId,
                    reason: `${stack}'s rollback target: ${recordPath} records ${record.previous.version ?? "the earlier version"} as the previous promotion`,
                });
            }
        }
    }
    return targets;
}

export function keptForRollback(imageIds: string[], targets: RollbackTarget[]): ImageUsage {
    const wanted = new Set(imageIds);
    const usage: ImageUsage = {};
    for (const target of targets) {
        if (!wanted.has(target.amiId)) continue;
        const reasons = (usage[target.amiId] ??= []);
        if (!reasons.includes(target.reason)) reasons.push(target.reason);
    }
    return usage;
}

function readConfig(files: RepoFiles, file: string): Record<string, unknown> | undefined {
    const text = files.read(file);
    if (text === undefined) return undefined;
    try {
        const document = parseYaml(text) as { config?: Record<string, unknown> } | null;
        return document?.config;
    } catch {
        // An unreadable stack file could hide a pin: nothing is pruned until it is fixed.
        throw new UsageError(`${file} is not valid YAML: prune reads every stack file for the AMIs promoting stacks pin; fix it first`);
    }
}
