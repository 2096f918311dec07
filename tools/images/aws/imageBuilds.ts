// Reads Image Builder's side of a build: which build of a version is the stack's, its scan and its
// packages. The building stack names its image `<image.name>-<stack>`; build version ARNs end in
// `image/<name lowercased>/<version>/<build number>`.
import {
    GetImageCommand,
    Image,
    ImagebuilderClient,
    ImagePackage,
    ImageScanFinding,
    ImageSummary,
    paginateListImageBuildVersions,
    paginateListImagePackages,
    paginateListImages,
    paginateListImageScanFindings,
} from "@aws-sdk/client-imagebuilder";
import { awsCall, collectPages } from "./awsErrors";

/** Tag Image Builder puts on the AMIs it distributes (visible to the owning account only). */
export const BUILD_ARN_TAG = "Ec2ImageBuilderArn";

/** Builds that never made an image, or whose image is gone: never "the" build of a version. */
const GONE = new Set(["FAILED", "CANCELLED", "DELETED"]);
/** Builds that made their image; the lifecycle may have deprecated or disabled it since. */
const MADE = new Set(["AVAILABLE", "DEPRECATED", "DISABLED"]);

/** Whether a build got through its tests and made its image (a failed, cancelled or unfinished build did not). */
export function madeItsImage(status: string | undefined): boolean {
    return MADE.has(status ?? "");
}

const BUILD_ARN = /^arn:aws[a-z-]*:imagebuilder:[a-z0-9-]+:\d{12}:image\/([a-z0-9_-]+)\/(\d+\.\d+\.\d+)\/(\d+)$/;

/** The Image Builder image a building stack makes: `<image.name>-<stack>`. */
export function recipeNameOf(imageName: string, stack: string): string {
    return `${imageName}-${stack}`;
}

export interface BuildArnParts {
    recipe: string;
    version: string;
    buildNumber: number;
}

export function parseBuildArn(arn: string): BuildArnParts | undefined {
    const match = BUILD_ARN.exec(arn);
    return match ? { recipe: match[1], version: match[2], buildNumber: Number(match[3]) } : undefined;
}

/** The first build of a version, or why there is none to judge. */
export type FirstBuild = { found: true; build: ImageSummary & { arn: string } } | { found: false; problem: string };

/** The lowest-numbered build that made its image: the one the stack's `pulumi up` made, and the one prod promotes. */
export function firstBuildOf(builds: ImageSummary[], describe: string): FirstBuild {
    const ordered = builds
        .filter((build): build is ImageSummary & { arn: string } => typeof build.arn === "string" && parseBuildArn(build.arn) !== undefined)
        .sort((left, right) => parseBuildArn(left.arn)!.buildNumber - parseBuildArn(right.arn)!.buildNumber);
    const first = ordered.find(build => !GONE.has(build.state?.status ?? ""));
    if (first === undefined) {
        const gone = ordered.map(build => `${build.arn.split("/").pop()}: ${build.state?.status ?? "unknown"}`);
        return { found: false, problem: `no build of ${describe} made an image${gone.length > 0 ? ` (builds ${gone.join(", ")})` : ""}` };
    }
    const status = first.state?.status ?? "unknown";
    if (!MADE.has(status)) {
        return { found: false, problem: `the first build of ${describe} (${first.arn}) is still ${status}: run again once it is AVAILABLE` };
    }
    return { found: true, build: first };
}

/** The image version ARN (`…:image/<name>/<version>`) of this account's image, if Image Builder has one. */
export async function findImageVersionArn(imageBuilder: ImagebuilderClient, recipeName: string, version: string): Promise<string | undefined> {
    const versions = await collectPages(
        "imagebuilder:ListImages",
        paginateListImages(
            { client: imageBuilder },
            {
                owner: "Self",
                includeDeprecated: true,
                filters: [
                    { name: "name", values: [recipeName] },
                    { name: "version", values: [version] },
                ],
            },
        ),
        page => page.imageVersionList,
    );
    return versions.find(candidate => candidate.name?.toLowerCase() === recipeName.toLowerCase() && candidate.version === version)?.arn;
}

export async function listBuilds(imageBuilder: ImagebuilderClient, imageVersionArn: string): Promise<ImageSummary[]> {
    return collectPages(
        "imagebuilder:ListImageBuildVersions",
        paginateListImageBuildVersions({ client: imageBuilder }, { imageVersionArn }),
        page => page.imageSummaryList,
    );
}

/** The first build of `<recipe>/<version>` in the account the credentials belong to. */
export async function findFirstBuild(imageBuilder: ImagebuilderClient, recipeName: string, version: string, where: string): Promise<FirstBuild> {
    const describe = `${recipeName} ${version} in ${where}`;
    const versionArn = await findImageVersionArn(imageBuilder, recipeName, version);
    if (versionArn === undefined) {
        return {
            found: false,
            problem: `Image Builder has no image ${recipeName} at version ${version} in ${where}: has the building stack's \`pulumi up\` built it? (check --version, and that the credentials are the building account's)`,
        };
    }
    return firstBuildOf(await listBuilds(imageBuilder, versionArn), describe);
}

/** The build that made `amiId`: from the AMI's own tag, else by the AMIs each build of the version lists. */
export async function findBuildOfAmi(
    imageBuilder: ImagebuilderClient,
    ami: { imageId: string; tags: Record<string, string> },
    recipeName: string,
    version: string,
): Promise<string | undefined> {
    const tagged = ami.tags[BUILD_ARN_TAG];
    if (tagged && parseBuildArn(tagged)) return tagged;
    const versionArn = await findImageVersionArn(imageBuilder, recipeName, version);
    if (versionArn === undefined) return undefined;
    const builds = await listBuilds(imageBuilder, versionArn);
    return builds.find(build => (build.outputResources?.amis ?? []).some(output => output.image === ami.imageId))?.arn;
}

export async function getBuild(imageBuilder: ImagebuilderClient, buildArn: string): Promise<Image | undefined> {
    const answer = await awsCall("imagebuilder:GetImage", () => imageBuilder.send(new GetImageCommand({ imageBuildVersionArn: buildArn })));
    return answer.image;
}

/** Every finding of the build; the API takes one filter and at most 25 findings a page. */
export async function listScanFindings(imageBuilder: ImagebuilderClient, buildArn: string, onPage?: (soFar: number) => void): Promise<ImageScanFinding[]> {
    return collectPages(
        "imagebuilder:ListImageScanFindings",
        paginateListImageScanFindings({ client: imageBuilder, pageSize: 25 }, { filters: [{ name: "imageBuildVersionArn", values: [buildArn] }] }),
        page => page.findings,
        onPage,
    );
}

export async function listPackages(imageBuilder: ImagebuilderClient, buildArn: string, onPage?: (soFar: number) => void): Promise<ImagePackage[]> {
    return collectPages(
        "imagebuilder:ListImagePackages",
        paginateListImagePackages({ client: imageBuilder }, { imageBuildVersionArn: buildArn }),
        page => page.imagePackageList,
        onPage,
    );
}

/** The AMI the build distributed to its own region. */
export function amiOfBuild(image: Image | ImageSummary | undefined, region: string): string | undefined {
    return (image?.outputResources?.amis ?? []).find(ami => ami.region === region)?.image;
}
