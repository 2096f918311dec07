// npm run -s patch-due -- --stack dev [--max-age-days 30]
// Is a patch build due? Yes when the base image's SSM parameter now names another AMI than the one the
// stack's current image.version was locked on (image-versions.lock.json, baseImageId), or when that
// version was locked --max-age-days ago or more. The patch workflow (.github/workflows/patch.yml) asks
// this weekly and, when due, runs `npm run lock -- --stack dev --bump patch` and opens a pull request.
// Exit 0 with `due=true|false` (also written to $GITHUB_OUTPUT), 2 bad flags or files, 3 AWS unreachable.
import * as fs from "fs";
import * as path from "path";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { ConfigError, GoldenAmiConfig, imageNamed, parseStackConfig } from "../../components/config";
import { lockKey, readVersionLock, VERSION_LOCK_FILE } from "../../components/versionLock";
import { clientFactory } from "../images/aws/clients";
import { readStackConfig, REPO_ROOT, StackFileError } from "../engine/stackFile";
import { explainAwsError } from "../images/aws/awsErrors";
import { defineCommand, ExitCode, flags, runMain, UsageError } from "../cli";

const DAY_MS = 24 * 60 * 60 * 1000;

export interface PatchDue {
    due: boolean;
    version: string;
    reasons: string[];
    /** The images due a patch build: what the patch workflow bumps, one `npm run lock -- --image <name> --bump patch` each. */
    dueImages?: string[];
}

interface LockedVersion {
    baseImageId?: string;
    lockedAt?: string;
}

/** Decides from the locked entry, the base image's current AMI id (undefined: not an SSM base) and the clock. */
export function decide(version: string, locked: LockedVersion, currentBaseImageId: string | undefined, now: Date, maxAgeDays: number): PatchDue {
    const reasons: string[] = [];
    if (currentBaseImageId !== undefined && locked.baseImageId === undefined) {
        reasons.push(`${version} records no baseImageId, so a moved base image cannot be told: lock a new version`);
    } else if (currentBaseImageId !== undefined && currentBaseImageId !== locked.baseImageId) {
        reasons.push(`the base image moved: ${locked.baseImageId} → ${currentBaseImageId}`);
    }
    const lockedAt = locked.lockedAt ? Date.parse(locked.lockedAt) : NaN;
    const ageDays = Math.floor((now.getTime() - lockedAt) / DAY_MS);
    if (Number.isNaN(lockedAt)) reasons.push(`${version} records no lockedAt date`);
    else if (ageDays >= maxAgeDays) reasons.push(`${version} was locked ${ageDays} days ago (at most ${maxAgeDays})`);
    return { due: reasons.length > 0, version, reasons };
}

/** The stack's values, validated as the program validates them. */
export function loadStack(stack: string, root: string = REPO_ROOT): GoldenAmiConfig {
    return parseStackConfig(readStackConfig(stack, root), stack);
}

/** Each image of the stack (or only `imageName`), decided on its own; due when any one is, with the reasons named by image. */
export async function patchDue(
    stack: string,
    maxAgeDays: number,
    ssm: Pick<SSMClient, "send">,
    now: Date,
    root: string = REPO_ROOT,
    imageName?: string,
): Promise<PatchDue> {
    const config = loadStack(stack, root);
    const images = imageName === undefined ? config.images : [imageNamed(config, imageName)];
    const lock = readVersionLock(path.join(root, VERSION_LOCK_FILE));
    const results: PatchDue[] = [];
    const dueImages: string[] = [];
    for (const image of images) {
        const locked = lock[lockKey(image)];
        if (!locked) {
            throw new StackFileError(
                `${lockKey(image)} (golden-ami:images.${image.name}.version in Pulumi.${stack}.yaml) is not in ${VERSION_LOCK_FILE}: run \`npm run lock -- --stack ${stack} --image ${image.name}\` and commit it`,
            );
        }
        let current: string | undefined;
        if (image.baseImage.startsWith("ssm:")) {
            const name = image.baseImage.slice("ssm:".length);
            const answer = await ssm.send(new GetParameterCommand({ Name: name }));
            current = answer.Parameter?.Value;
            if (!current) throw new Error(`SSM parameter ${name} has no value`);
        }
        const decided = decide(image.version, locked, current, now, maxAgeDays);
        if (decided.due) dueImages.push(image.name);
        results.push(
            images.length === 1
                ? decided
                : { ...decided, version: `${image.name} ${image.version}`, reasons: decided.reasons.map(reason => `${image.name}: ${reason}`) },
        );
    }
    return {
        due: results.some(result => result.due),
        version: results.map(result => result.version).join(", "),
        reasons: results.flatMap(result => result.reasons),
        dueImages,
    };
}

/** Where the answer goes besides stdout: $GITHUB_OUTPUT in a workflow. */
export interface PatchDueEnvironment {
    ssmFor: (region: string) => Pick<SSMClient, "send">;
    now: () => Date;
    githubOutput?: string;
    root: string;
}

/** `npm run patch-due`, declared once (tools/cli). */
export const patchDueCommandLine = defineCommand({
    name: "npm run -s patch-due --",
    summary:
        "Is a patch build due? Yes when the base image's SSM parameter names another AMI than the stack's image.version was locked on, " +
        "or that version was locked --max-age-days ago or more.",
    description: "Prints the answer; in a workflow also writes due=true|false and reason=… to $GITHUB_OUTPUT.",
    footer: "Exit codes: 0 answered (due or not), 2 bad flags, stack file or lock file, 3 the SSM parameter could not be read.",
    flags: {
        stack: flags.text("<name>", "the building stack whose locked version is checked").required("the building stack, e.g. --stack dev"),
        maxAgeDays: flags.wholeNumber("<n>", "a version locked this many days ago or more is due for a patch build (default 30)", 1).default(30),
        json: flags.boolean("print { due, version, reasons } as JSON"),
    },
    run: async ({ stack, maxAgeDays, json }, environment: PatchDueEnvironment, output) => {
        let result: PatchDue;
        try {
            const region = loadStack(stack, environment.root).homeRegion;
            result = await patchDue(stack, maxAgeDays, environment.ssmFor(region), environment.now(), environment.root);
        } catch (error) {
            if (error instanceof StackFileError || error instanceof ConfigError) throw new UsageError(error.message);
            output.stderr(`patch-due: could not read the base image's SSM parameter: ${explainAwsError("ssm:GetParameter", error)}`);
            return ExitCode.unreachable;
        }
        output.stdout(
            json
                ? JSON.stringify(result, null, 2)
                : result.due
                  ? `A patch build of ${result.version} is due: ${result.reasons.join("; ")}`
                  : `No patch build due: ${result.version} is on the current base image and recent enough.`,
        );
        if (environment.githubOutput) {
            fs.appendFileSync(
                environment.githubOutput,
                `due=${result.due}\nimages=${(result.dueImages ?? []).join(" ")}\nreason=${result.reasons.join("; ").replace(/\n/g, " ")}\n`,
            );
        }
        return ExitCode.ok;
    },
});

if (require.main === module) {
    const environment: PatchDueEnvironment = {
        // The images CLI's clients: connect and request timeouts, so a stalled endpoint ends the job, not the runner's clock.
        ssmFor: region => clientFactory()(region).ssm,
        now: () => new Date(),
        githubOutput: process.env.GITHUB_OUTPUT,
        root: REPO_ROOT,
    };
    runMain(patchDueCommandLine, environment);
}
