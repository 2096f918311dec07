// Reads a build's progress for `images watch`: Image Builder's image, its workflow executions and
// their steps, and — when a step failed — the last lines of the build's log in S3 or CloudWatch Logs.
import { CloudWatchLogsClient, GetLogEventsCommand } from "@aws-sdk/client-cloudwatch-logs";
import { GetImageCommand, ImagebuilderClient, Image, paginateListWorkflowExecutions, paginateListWorkflowStepExecutions } from "@aws-sdk/client-imagebuilder";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { awsCall, collectPages, explainAwsError } from "./awsErrors";
import { CLIENT_SETTINGS, ClientSettings, sdkClientConfig } from "./clients";
import { findImageVersionArn, listBuilds, parseBuildArn } from "./imageBuilds";
import { BuildView, failedStepOf, FailedStepLog, PhaseView, verdictOf } from "../decisions/buildProgress";

export interface WatchClients {
    imageBuilder: ImagebuilderClient;
    logs: CloudWatchLogsClient;
    s3: S3Client;
}

export type WatchClientFactory = (region: string) => WatchClients;

export function watchClientFactory(settings: ClientSettings = CLIENT_SETTINGS): WatchClientFactory {
    return region => {
        const config = sdkClientConfig(region, settings);
        return { imageBuilder: new ImagebuilderClient(config), logs: new CloudWatchLogsClient(config), s3: new S3Client(config) };
    };
}

export interface WatchedImage {
    /** The image's name in the stack. */
    image: string;
    /** Image Builder's image name: `<image>-<stack>`. */
    recipeName: string;
    version: string;
}

export interface WatchTarget {
    stack: string;
    region: string;
    images: WatchedImage[];
}

export interface WatchContext {
    clientsFor: (region: string) => WatchClients;
    /** Writes text as is (no newline added). */
    write: (text: string) => void;
    /** A terminal: redraw in place. */
    isTTY: boolean;
    now: () => Date;
    /** Resolves after the delay, or at once when `signal` aborts. */
    sleep: (milliseconds: number, signal: AbortSignal) => Promise<void>;
    /** Aborted by Ctrl-C (SIGINT). */
    signal: AbortSignal;
}

/** How many lines of a failed step's log are shown. */
export const LOG_TAIL_LINES = 20;
const LOG_TAIL_BYTES = 16_384;

/** The newest build of the version and where it is; `buildArn` undefined while `up` has not started one. */
export async function readBuildView(imageBuilder: ImagebuilderClient, watched: WatchedImage): Promise<BuildView & { image: string; raw?: Image }> {
    const base = { image: watched.image, version: watched.version, phases: [] as PhaseView[] };
    const versionArn = await findImageVersionArn(imageBuilder, watched.recipeName, watched.version);
    if (!versionArn) return base;
    const builds = (await listBuilds(imageBuilder, versionArn)).filter(build => build.arn && parseBuildArn(build.arn));
    const newest = builds.sort((left, right) => parseBuildArn(right.arn!)!.buildNumber - parseBuildArn(left.arn!)!.buildNumber)[0];
    if (!newest?.arn) return base;
    const buildArn = newest.arn;
    const image = (await awsCall("imagebuilder:GetImage", () => imageBuilder.send(new GetImageCommand({ imageBuildVersionArn: buildArn })))).image;
    const executions = await collectPages(
        "imagebuilder:ListWorkflowExecutions",
        paginateListWorkflowExecutions({ client: imageBuilder }, { imageBuildVersionArn: buildArn }),
        page => page.workflowExecutions,
    );
    const phases: PhaseView[] = [];
    for (const execution of executions) {
        const steps =
            execution.workflowExecutionId === undefined
                ? []
                : await collectPages(
                      "imagebuilder:ListWorkflowStepExecutions",
                      paginateListWorkflowStepExecutions({ client: imageBuilder }, { workflowExecutionId: execution.workflowExecutionId }),
                      page => page.steps,
                  );
        phases.push({
            phase: execution.type ?? "WORKFLOW",
            status: execution.status ?? "PENDING",
            ...(execution.startTime && { startTime: execution.startTime }),
            ...(execution.endTime && { endTime: execution.endTime }),
            steps: steps.map(step => ({
                name: step.name ?? step.stepExecutionId ?? "step",
                status: step.status ?? "PENDING",
                ...(step.startTime && { startTime: step.startTime }),
                ...(step.endTime && { endTime: step.endTime }),
                ...(step.message && { message: step.message }),
            })),
        });
    }
    const scan = image?.scanState?.status;
    if (image?.imageScanningConfiguration?.imageScanningEnabled || scan) {
        phases.push({ phase: "SCAN", status: scanStatus(scan), steps: [] });
    }
    return {
        ...base,
        buildArn,
        phases,
        ...(image?.state?.status && { status: image.state.status }),
        ...(image?.state?.reason && { reason: image.state.reason }),
        ...(image && { raw: image }),
    };
}

/** Inspector's scan of the build as a phase status. */
function scanStatus(status: string | undefined): string {
    switch (status) {
        case "COMPLETED":
            return "COMPLETED";
        case "FAILED":
        case "TIMED_OUT":
        case "ABANDONED":
            return "FAILED";
        case "SCANNING":
        case "COLLECTING":
            return "RUNNING";
        default:
            return "PENDING";
    }
}

/** A failed build with its failing step and the last lines of its log (S3 when the build logs there, else CloudWatch Logs). */
export async function withFailureLog(clients: WatchClients, build: BuildView & { raw?: Image }): Promise<BuildView> {
    const { raw, ...view } = build;
    if (verdictOf(view) !== "failed") return view;
    const step = failedStepOf(view) ?? { phase: "BUILD", step: "(no step reported)", ...(view.reason && { message: view.reason }) };
    const parts = view.buildArn ? parseBuildArn(view.buildArn) : undefined;
    const s3Logs = raw?.infrastructureConfiguration?.logging?.s3Logs;
    try {
        const log =
            s3Logs?.s3BucketName && parts
                ? await s3Tail(
                      clients.s3,
                      s3Logs.s3BucketName,
                      [s3Logs.s3KeyPrefix, parts.recipe, parts.version, String(parts.buildNumber)].filter(Boolean).join("/") + "/",
                  )
                : parts
                  ? await cloudWatchTail(clients.logs, `/aws/imagebuilder/${parts.recipe}`, `${parts.version}/${parts.buildNumber}`)
                  : undefined;
        return { ...view, failure: { ...step, ...(log ? { log } : { logProblem: "no log found for this build" }) } };
    } catch (error) {
        return { ...view, failure: { ...step, logProblem: error instanceof Error ? error.message : String(error) } };
    }
}

/** The newest `.log` object under the build's prefix, its last lines. */
async function s3Tail(s3: S3Client, bucket: string, prefix: string): Promise<FailedStepLog | undefined> {
    const objects = (await awsCall("s3:ListBucket", () => s3.send(new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix })))).Contents ?? [];
    const logs = objects
        .filter(object => object.Key?.endsWith(".log"))
        .sort((left, right) => (right.LastModified?.getTime() ?? 0) - (left.LastModified?.getTime() ?? 0) || (left.Key ?? "").localeCompare(right.Key ?? ""));
    const newest = logs.find(object => /application\.log$/.test(object.Key ?? "")) ?? logs[0];
    if (!newest?.Key) return undefined;
    const answer = await awsCall("s3:GetObject", () => s3.send(new GetObjectCommand({ Bucket: bucket, Key: newest.Key, Range: `bytes=-${LOG_TAIL_BYTES}` })));
    const text = answer.Body ? await answer.Body.transformToString() : "";
    return { location: `s3://${bucket}/${newest.Key}`, lastLines: lastLines(text) };
}

async function cloudWatchTail(logs: CloudWatchLogsClient, group: string, stream: string): Promise<FailedStepLog | undefined> {
    try {
        const answer = await logs.send(new GetLogEventsCommand({ logGroupName: group, logStreamName: stream, startFromHead: false, limit: LOG_TAIL_LINES }));
        const events = answer.events ?? [];
        if (events.length === 0) return undefined;
        return { location: `CloudWatch Logs ${group} ${stream}`, lastLines: lastLines(events.map(event => event.message ?? "").join("\n")) };
    } catch (error) {
        if ((error as { name?: string }).name === "ResourceNotFoundException") return undefined;
        throw new Error(explainAwsError("logs:GetLogEvents", error));
    }
}

export function lastLines(text: string, count = LOG_TAIL_LINES): string[] {
    return text.replace(/\s+$/, "").split(/\r?\n/).slice(-count);
}
