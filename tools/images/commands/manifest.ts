// `manifest`: the packages Image Builder recorded for a build, with versions; --write keeps them in
// the repository next to the promotion records.
import { ImagebuilderClient } from "@aws-sdk/client-imagebuilder";
import { CommandContext, ExitCode, ImagesEnvironment, progressFor } from "../context";
import { amiOfBuild, findFirstBuild, getBuild, listPackages } from "../aws/imageBuilds";
import { asFile, componentVersions, Manifest, manifestPath, packageVersions } from "../decisions/promotionRecord";
import { reportAwsFailure } from "../aws/singleRegion";
import { renderTable } from "../table";
import { BuildTarget, resolveBuildTarget } from "../target";
import { defineCommand, flags } from "../../cli";
import { buildVersionFlag, jsonFlag, imageFlag, stackFlag } from "../options";

/** The build's recorded packages; `amiId` is read from the build when not given. */
export async function readManifest(
    imageBuilder: ImagebuilderClient,
    build: { image: string; version: string; buildArn: string; region: string; amiId?: string },
    now: Date,
    progress: (line: string) => void,
): Promise<Manifest> {
    const image = await getBuild(imageBuilder, build.buildArn);
    const amiId = build.amiId ?? amiOfBuild(image, build.region);
    const packages = await listPackages(imageBuilder, build.buildArn, soFar => progress(`${build.region}: reading packages… ${soFar} so far`));
    return {
        image: build.image,
        version: build.version,
        buildArn: build.buildArn,
        region: build.region,
        amiId,
        recordedAt: now.toISOString(),
        packages: packageVersions(packages),
        components: componentVersions(image?.imageRecipe?.components ?? []),
    };
}

export function noPackagesMessage(buildArn: string): string {
    return (
        `Image Builder recorded no packages for ${buildArn}: it records them only for builds with enhanced image metadata ` +
        "(enhancedImageMetadataEnabled, on by default) on a platform whose packages the SSM agent can inventory"
    );
}

export async function manifestCommand(build: BuildTarget, settings: { json: boolean; write: boolean }, context: CommandContext): Promise<number> {
    const progress = progressFor(context, settings.json);
    return reportAwsFailure(build.region, context, async () => {
        const imageBuilder = context.clientsFor(build.region).imageBuilder;
        progress(`${build.region}: looking for the first build of ${build.recipeName} ${build.version}…`);
        const first = await findFirstBuild(imageBuilder, build.recipeName, build.version, build.region);
        if (!first.found) {
            context.stderr(`error: ${first.problem}`);
            return ExitCode.problemsFound;
        }
        const manifest = await readManifest(
            imageBuilder,
            { image: build.recipeName, version: build.version, buildArn: first.build.arn, region: build.region, amiId: amiOfBuild(first.build, build.region) },
            context.now(),
            progress,
        );
        const file = manifestPath(build.stack, build.imageName, build.version);
        if (settings.json) {
            context.stdout(JSON.stringify(manifest, null, 2));
        } else {
            context.stdout(
                [
                    `manifest ${build.recipeName} ${build.version} (build ${manifest.buildArn}${manifest.amiId ? `, ${manifest.amiId}` : ""}): ${manifest.packages.length} packages`,
                    renderTable(
                        ["PACKAGE", "VERSION"],
                        manifest.packages.map(pkg => [pkg.name, pkg.version]),
                    ),
                    ...(manifest.components?.length
                        ? [
                              `components, in recipe order: ${manifest.components.length}`,
                              renderTable(
                                  ["COMPONENT", "VERSION", "OWNER"],
                                  manifest.components.map(component => [component.name, component.version, component.owner]),
                              ),
                          ]
                        : []),
                ].join("\n"),
            );
        }
        if (manifest.packages.length === 0) {
            context.stderr(`error: ${noPackagesMessage(manifest.buildArn)}`);
            return ExitCode.problemsFound;
        }
        if (settings.write) {
            context.files.write(file, asFile(manifest));
            context.stderr(`wrote ${file}`);
        }
        return ExitCode.ok;
    });
}

export const manifestCommandLine = defineCommand({
    name: "manifest",
    summary: "the packages Image Builder recorded for a build, with versions",
    flags: {
        stack: stackFlag,
        image: imageFlag,
        version: buildVersionFlag,
        json: jsonFlag,
        write: flags.boolean("also write promotions/<stack>/<version>.manifest.json"),
    },
    run: (flags, { context, loadStack }: ImagesEnvironment) =>
        manifestCommand(resolveBuildTarget({ command: "manifest", ...flags }, loadStack), { json: flags.json, write: flags.write }, context),
});
