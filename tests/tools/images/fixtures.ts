// Images, stacks and a recording command context for the images tool's tests.
import { Image } from "@aws-sdk/client-ec2";
import { parseStackConfig, RawStackConfig } from "../../../components/config";
import { ClientFactory } from "../../../tools/images/clients";
import { CommandContext } from "../../../tools/images/context";
import { GoldenImage, toGoldenImage } from "../../../tools/images/goldenImage";
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
        DeprecationTime: options.deprecationTime === null ? undefined : options.deprecationTime ?? "2027-01-01T00:00:00.000Z",
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
    image: { name: FAMILY, version: "1.4.0", baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" },
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
    reports: Record<string, unknown>;
}

export function recordingContext(clientsFor: ClientFactory): RecordingContext {
    const recording: RecordingContext = {
        stdout: [],
        stderr: [],
        reports: {},
        context: {
            clientsFor,
            stdout: text => recording.stdout.push(text),
            stderr: line => recording.stderr.push(line),
            now: () => NOW,
            writeReport: (file, contents) => { recording.reports[file] = JSON.parse(contents); },
        },
    };
    return recording;
}
