// Finds the AMI a promotion pins: the building stack's first available build of the version, as EC2
// lists it in the building account's home region.
import { EC2Client, Image, paginateDescribeImages } from "@aws-sdk/client-ec2";
import { collectPages } from "./awsErrors";
import { timeOf } from "../decisions/goldenImage";

/** `{{ imagebuilder:buildDate }}` as Image Builder renders it in the AMI name: `2026-11-23T04-00-12.345Z`. */
const BUILD_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}/;

export interface SourceLookup {
    /** The name pattern looked for: `<image.name>-<version>-<stack>-*`. */
    pattern: string;
    /** The oldest available build; what the building stack's `pulumi up` made and shared. */
    first?: Image;
    /** Builds of the version that are not available (pending, failed, …): reported, never pinned. */
    unavailable: Image[];
}

export async function findSourceImage(
    ec2: EC2Client,
    source: { account: string; imageName: string; version: string; stack: string },
    progress: (line: string) => void,
): Promise<SourceLookup> {
    const prefix = `${source.imageName}-${source.version}-${source.stack}-`;
    const pattern = `${prefix}*`;
    const images = await collectPages(
        "ec2:DescribeImages",
        paginateDescribeImages({ client: ec2 }, { Owners: [source.account], IncludeDeprecated: true, Filters: [{ Name: "name", Values: [pattern] }] }),
        page => page.Images,
        soFar => progress(`reading ${pattern} images… ${soFar} so far`),
    );
    // The build date right after the stack keeps a stack named `dev-review` out of `dev`'s builds.
    const builds = images
        .filter(image => BUILD_DATE.test((image.Name ?? "").slice(prefix.length)))
        .sort((left, right) => timeOf(left.CreationDate) - timeOf(right.CreationDate) || (left.ImageId ?? "").localeCompare(right.ImageId ?? ""));
    return {
        pattern,
        first: builds.find(image => image.State === "available"),
        unavailable: builds.filter(image => image.State !== "available"),
    };
}
