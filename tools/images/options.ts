// The flags the images commands share, declared once. Each command file declares its own command
// (name, help, flags, run) from these; tools/images/cli.ts lists the commands.
import { flags, UsageError } from "../cli";
import { DEFAULT_THRESHOLD, SEVERITIES } from "./decisions/severity";

export { UsageError };

/** What a command works on, from its flags: read by target.ts with the stack file. */
export interface CliOptions {
    command: string;
    stack?: string;
    /** The catalog image the command works on; required when the stack has more than one. */
    image?: string;
    regions?: string[];
    name?: string;
    keep?: number;
    /** Days: an image launched this recently counts as in use. */
    launchedWithin?: number;
    requireTags?: string[];
    ssmPath?: string[];
    /** promote: the building stack the image comes from. */
    from?: string;
    /** gate, manifest, promote: the image version (semver). */
    version?: string;
    /** gate: judge the build of the AMI this promoting stack pins, at the version it pins. */
    pinnedBy?: string;
}

const SEMVER = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/;

export function semver(text: string, flag: string): string {
    if (!SEMVER.test(text)) throw new UsageError(`${flag} must be a semantic version major.minor.patch like 1.4.1, got "${text}"`);
    return text;
}

export const stackFlag = flags.text("<name>", "read Pulumi.<name>.yaml for regions, image name, version, sharing, tags, keep");
export const imageFlag = flags.text("<name>", "the stack's image (a key of golden-ami:images); required when the stack has more than one");
export const regionsFlag = flags.list("<a,b>", "regions to look in (default: the stack's, home region first)");
/** revoke and prune: copies stay in a region dropped from the config, so by default they look everywhere. */
export const everyRegionFlag = flags.list(
    "<a,b>",
    "regions to look in (default with --stack: every region enabled for the account, the stack's first, " +
        "since copies stay in a region the stack no longer lists)",
);
export const nameFlag = flags.text("<image>", "image family name (default: the stack's image.name)");
export const jsonFlag = flags.boolean("print JSON on stdout instead of text (progress and warnings stay on stderr)");
export const launchedWithinFlag = flags.wholeNumber(
    "<days>",
    "count an image launched this recently as in use " + "(default: lifecycle.keepIfLaunchedWithinDays, else 30; 0 turns it off)",
    0,
);
export const ssmPathFlag = flags.list(
    "<p>",
    "also protect images named in this SSM parameter or under this path " + "(repeat or comma-separate; /golden-ami is always searched)",
);
export const buildVersionFlag = flags.value("<x.y.z>", "the build's version (default: the stack's image.version)", semver);
export const maxSeverityFlag = flags.oneOf(
    "<level>",
    `findings at or above it fail the gate (default ${DEFAULT_THRESHOLD}); ` + `one of ${SEVERITIES.join(", ")}; UNTRIAGED findings fail at every level`,
    SEVERITIES,
    { ignoreCase: true, note: "(UNTRIAGED findings fail the gate at every level)" },
);

export const IMAGES_SUMMARY = "Golden images in AWS: list, verify, prune, revoke, gate, read manifests, promote and watch a build.";

export const IMAGES_FOOTER = `Exit codes: 0 all well, 1 drift found, a gate failed, no build found or a prune or revoke action failed,
            2 bad flags, stack config or allow-list (nothing was read from AWS),
            3 AWS could not be read (credentials, permissions, throttling, network, no answer in time).`;
