// Images, stacks and a recording command context for the images tool's tests.
import { Image } from "@aws-sdk/client-ec2";
import { ImageScanFinding } from "@aws-sdk/client-imagebuilder";
import { parseStackConfig, RawStackConfig } from "../../../components/config";
import { ClientFactory } from "../../../tools/images/aws/clients";
import { CommandContext } from "../../../tools/images/context";
import { GoldenImage, toGoldenImage } from "../../../tools/images/decisions/goldenImage";
import { RepoFiles } from "../../../tools/images/repoFiles";
import { StackLoader } from "../../../tools/images/target";

export const FAMILY = "al2023-base";
export const PROD_ACCOUNT = "222222222222";
export const NOW = new Date("2026-06-01T12:00:00.000Z");

export interface AmiOptions {
    created: string;
    version?: string;
    environment?: string;
    state?: string;
    /** Default one encrypted root volume `snap-<id digits>`. */
    volumes?: { device: string; snapshotId: string; encrypted: boolean }[];
    /** Replaces or adds tags; a value of `undefined` removes the tag. */
    tags?: Record<string, string | undefined>;
    public?: boolean;
    /** Default a date in 2027; `null` for none. */
    deprecationTime?: string | null;
    lastLaunchedTime?: string;
    name?: string;
}

/** A DescribeImages entry the way the Pulumi program leaves one: named, tagged, encrypted, deprecating. */
export function goldenAmi(imageId: string, options: AmiOptions): Image {
    const version = options.version ?? "1.4.0";
    const environment = options.environment ?? "dev";
    const tags: Record<string, string | undefined> = {
        Name: FAMILY,
        Environment: environment,
        Version: version,
        BaseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
        ManagedBy: "golden-ami",
        Owner: "platform-team",
        CostCenter: "cc-1042",
        ...options.tags,
    };
    const volumes = options.volumes ?? [{ device: "/dev/xvda", snapshotId: imageId.replace("ami-", "snap-"), encrypted: true }];
    return {
        ImageId: imageId,
        Name: options.name ?? `${FAMILY}-${version}-${options.created.replace(/:/g, "-")}`,
        CreationDate: options.created,
        State: (options.state ?? "available") as Image["State"],
        Public: options.public ?? false,
        DeprecationTime: options.deprecationTime === null ? undefined : (options.deprecationTime ?? "2027-01-01T00:00:00.000Z"),
        LastLaunchedTime: options.lastLaunchedTime,
        OwnerId: "111111111111",
        Tags: Object.entries(tags).flatMap(([Key, Value]) => (Value === undefined ? [] : [{ Key, Value }])),
        BlockDeviceMappings: volumes.map(volume => ({
            DeviceName: volume.device,
            Ebs: { SnapshotId: volume.snapshotId, Encrypted: volume.encrypted, VolumeSize: 20 },
        })),
    };
}

export function goldenImage(imageId: string, options: AmiOptions, region = "us-east-1"): GoldenImage {
    return toGoldenImage(region, goldenAmi(imageId, options));
}

/** The dev stack as a stack file would hold it, read through the program's own validation. */
export const DEV_STACK: RawStackConfig = {
    "aws:region": "us-east-1",
    images: { [FAMILY]: { version: "1.4.0", baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" } },
    regions: ["us-west-2"],
    sharing: { accounts: [PROD_ACCOUNT] },
    lifecycle: { deprecateAfterDays: 30, deleteAfterDays: 90, keepAtLeast: 2, keepIfLaunchedWithinDays: 14 },
    tags: { Owner: "platform-team", CostCenter: "cc-1042" },
};

export const loadDevStack: StackLoader = stack => {
    if (stack !== "dev") throw new Error(`No stack file Pulumi.${stack}.yaml`);
    return parseStackConfig(DEV_STACK, stack);
};

export interface RecordingContext {
    context: CommandContext;
    stdout: string[];
    stderr: string[];
    /** What the terminal would show while stderr is a terminal. */
    progress: string[];
    reports: Record<string, unknown>;
    /** Each wait the command asked for, in milliseconds; none is really waited. */
    slept: number[];
}

/** Repository files held in memory: path → text. */
export function memoryFiles(initial: Record<string, string> = {}): RepoFiles & { contents: Record<string, string> } {
    const contents = { ...initial };
    return {
        root: "(test repository)",
        contents,
        read: repoPath => contents[repoPath],
        write: (repoPath, text) => {
            contents[repoPath] = text;
        },
        list: directory => {
            const prefix = directory === "" ? "" : `${directory.replace(/\/$/, "")}/`;
            return Object.keys(contents)
                .filter(file => file.startsWith(prefix) && !file.slice(prefix.length).includes("/"))
                .map(file => file.slice(prefix.length))
                .sort();
        },
    };
}

export function recordingContext(clientsFor: ClientFactory, files: RepoFiles = memoryFiles()): RecordingContext {
    const recording: RecordingContext = {
        stdout: [],
        stderr: [],
        progress: [],
        reports: {},
        slept: [],
        context: {
            clientsFor,
            stdout: text => recording.stdout.push(text),
            stderr: line => recording.stderr.push(line),
            progress: line => recording.progress.push(line),
            now: () => NOW,
            sleep: async milliseconds => {
                recording.slept.push(milliseconds);
            },
            writeReport: (file, contents) => {
                recording.reports[file] = JSON.parse(contents);
            },
            files,
        },
    };
    return recording;
}

export const BUILD_ACCOUNT = "111111111111";

/** A build version ARN of the dev stack's image, as Image Builder names it. */
export function buildArn(build: number, version = "1.4.1", recipe = `${FAMILY}-dev`): string {
    return `arn:aws:imagebuilder:us-east-1:${BUILD_ACCOUNT}:image/${recipe}/${version}/${build}`;
}

/** An Inspector package vulnerability as ListImageScanFindings returns it. */
export function scanFinding(vulnerabilityId: string, severity: string, options: { score?: number; pkg?: string; build?: string } = {}): ImageScanFinding {
    return {
        awsAccountId: BUILD_ACCOUNT,
        imageBuildVersionArn: options.build ?? buildArn(1),
        type: "PACKAGE_VULNERABILITY",
        severity,
        title: `${vulnerabilityId} - ${options.pkg ?? "openssl"}`,
        inspectorScore: options.score,
        packageVulnerabilityDetails: {
            vulnerabilityId,
            source: "NVD",
            vulnerablePackages: [{ name: options.pkg ?? "openssl", version: "3.0.8", release: "1.amzn2023", fixedInVersion: "3.0.9" }],
        },
    };
}
