import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ImageConfig, SharingConfig } from "./config";
import { compactTimestamp, CreatedAt } from "./CreatedAt";
import { ImageSharing } from "./ImageSharing";

/**
 * A regional copy of one root volume takes minutes to well under an hour; with the 4 h build this keeps a
 * building stack's `up` inside a GitHub-hosted runner's 6 h job limit (.github/workflows/main.yml).
 */
export const COPY_TIMEOUT = "90m";

/** Where the region's image comes from: copied from another image, or already built here (under this region's key). */
export type ImageSource = { kind: "copy"; amiId: pulumi.Input<string>; region: pulumi.Input<string> } | { kind: "local"; amiId: pulumi.Input<string> };

export interface RegionalImageArgs {
    /** This region's provider. */
    provider: aws.Provider;
    region: string;
    image: Pick<ImageConfig, "name" | "version">;
    stack: string;
    source: ImageSource;
    /** The region's image key, shared by every image of the catalog: copies are encrypted with it. */
    kmsKeyArn: pulumi.Input<string>;
    /** Who may launch the image here; default nobody outside the account. */
    sharedWith: SharingConfig;
    /** The region promoting accounts copy from: they get read access to this region's image snapshots. */
    promotionSource: boolean;
    /** The image's root device: the snapshot promoting accounts need to read. */
    rootDeviceName: string;
    /** Copies are deprecated this many days after they are made. */
    deprecateAfterDays: number;
    tags: Record<string, string>;
}

/** The golden image in one region: an encrypted copy under the region's own key, shared and published. */
export class RegionalImage extends pulumi.ComponentResource {
    public readonly amiId: pulumi.Output<string>;
    public readonly kmsKeyArn: pulumi.Output<string>;
    /** SSM parameter (`aws:ec2:image`) consumers resolve the current image from. */
    public readonly parameterName: pulumi.Output<string>;

    constructor(name: string, args: RegionalImageArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:ec2:RegionalImage", name, {}, opts);
        const { image, provider, source } = args;
        const child = { parent: this, provider };

        let amiId: pulumi.Output<string>;
        const kmsKeyArn = pulumi.output(args.kmsKeyArn);
        if (source.kind === "local") {
            amiId = pulumi.output(source.amiId);
        } else {
            // Remade exactly when the copy is: whatever replaces a copy (a new source, a rebuild, another key)
            // gives the new one its own name, so it never collides with the old one it is created next to.
            const made = new CreatedAt(
                `${name}-copy`,
                {
                    sourceAmiId: source.amiId,
                    sourceAmiRegion: source.region,
                    kmsKeyId: kmsKeyArn,
                },
                { parent: this },
            );
            const copy = new aws.ec2.AmiCopy(
                `${name}-copy`,
                {
                    name: pulumi.interpolate`${image.name}-${image.version}-${args.stack}-${made.createdAt.apply(compactTimestamp)}`,
                    description: `${image.name} ${image.version} golden image (${args.stack})`,
                    sourceAmiId: source.amiId,
                    sourceAmiRegion: source.region,
                    encrypted: true,
                    kmsKeyId: kmsKeyArn,
                    deprecationTime: made.createdAt.apply(createdAt => deprecationTime(new Date(createdAt), args.deprecateAfterDays)),
                    tags: args.tags,
                },
                {
                    ...child,
                    // Not deregistered when replaced or dropped: a fleet may still run it while its instance refresh
                    // rolls forward, and a rollback may pin it again. The images CLI's prune removes it once unused.
                    retainOnDelete: true,
                    customTimeouts: { create: COPY_TIMEOUT },
                },
            );
            amiId = copy.id;
        }

        new ImageSharing(
            `${name}-sharing`,
            {
                provider,
                amiId,
                sharedWith: args.sharedWith,
                readableSnapshots: args.promotionSource && args.sharedWith.promotingAccounts.length > 0,
                rootDeviceName: args.rootDeviceName,
            },
            { parent: this },
        );

        const parameter = new aws.ssm.Parameter(
            `${name}-ami-id`,
            {
                name: imageParameterName(image.name, args.stack),
                description: `Current ${image.name} golden image in ${args.region} (${args.stack})`,
                type: "String",
                dataType: "aws:ec2:image",
                // An AMI id is no secret: `insecureValue` keeps it readable in diffs, where `value` would show [secret].
                insecureValue: amiId,
                tags: args.tags,
            },
            child,
        );

        this.amiId = amiId;
        this.kmsKeyArn = kmsKeyArn;
        this.parameterName = parameter.name;
        this.registerOutputs({ amiId: this.amiId, kmsKeyArn: this.kmsKeyArn, parameterName: this.parameterName });
    }
}

/** Where consumers find the current image id, the same path in every region. */
export function imageParameterName(imageName: string, stack: string): string {
    return `/golden-ami/${imageName}/${stack}/ami-id`;
}

/** RFC 3339 time `days` after `from`, at a whole minute (EC2 rounds deprecation times to the minute). */
export function deprecationTime(from: Date, days: number): string {
    const at = new Date(from.getTime() + days * 24 * 60 * 60 * 1000);
    at.setUTCSeconds(0, 0);
    return at.toISOString().replace(".000Z", "Z");
}
