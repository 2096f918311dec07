// golden-ami: reads the stack's config, makes one provider and one image key per region and wires the
// catalog's pipelines together, one per image, side by side. A building stack (no promoteFrom) builds each
// image with EC2 Image Builder (a layered image on its parent's build); a promoting stack copies the very
// AMIs the building account proved. Either way every configured region gets each image encrypted, shared
// and published, and each fleet runs its image in Auto Scaling groups.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import {
    catalogTags,
    Fleet,
    FleetInstanceProfile,
    GoldenImage,
    ImageKey,
    ImageSource,
    imageTags,
    inBuildOrder,
    legacyAliases,
    loadConfig,
    lockedBuilds,
    lockedVersionsOf,
    pinnedAmiIdsOf,
    readVersionLock,
    RegionalImage,
    stackResourceTags,
} from "./components";

export = async () => {
    const config = loadConfig();
    // A building stack builds exactly what image-versions.lock.json says each image's version is made of.
    const lock = config.promoteFrom ? undefined : readVersionLock();
    const origins = lock && lockedBuilds(config, lock);
    const providers = Object.fromEntries(config.regions.map(region => [region, new aws.Provider(`aws-${region}`, { region })]));
    const legacy = legacyAliases(config);

    // One key per region for every image of the catalog (and the fleets' volumes); public sharing blocked once per region.
    const keys = new Map(
        config.regions.map(region => [
            region,
            new ImageKey(
                `images-${region}`,
                {
                    provider: providers[region],
                    alias: `golden-ami/${config.stack}`,
                    sharedWith: config.sharing,
                    serviceRoles:
                        origins && region === config.homeRegion
                            ? ["imageBuilder", "autoScaling", ...(config.images.some(image => image.fastLaunch) ? (["ec2FastLaunch"] as const) : [])]
                            : ["autoScaling"],
                    tags: catalogTags(config),
                },
                { aliases: legacy.key(region) },
            ),
        ]),
    );
    for (const region of config.blockPublicSharing ? config.regions : []) {
        new aws.ec2.ImageBlockPublicAccess(
            `block-public-sharing-${region}`,
            { state: "block-new-sharing" },
            { provider: providers[region], aliases: legacy.blockPublicSharing(region) },
        );
    }
    if (!config.blockPublicSharing) {
        pulumi.log.warn("golden-ami:blockPublicSharing is false: image block public access is left to your organization's policy in every region.");
    }

    // Images build side by side; a layered image waits for its parent's build only.
    const builds = new Map<string, GoldenImage>();
    const regional = new Map<string, Map<string, RegionalImage>>();
    for (const image of inBuildOrder(config.images)) {
        const tags = imageTags(config, image);
        let homeSource: ImageSource;
        if (!origins) {
            homeSource = { kind: "copy", amiId: config.promoteFrom!.amiIds[image.name], region: config.promoteFrom!.region };
        } else {
            const build = new GoldenImage(image.name, {
                provider: providers[config.homeRegion],
                image,
                lifecycle: config.lifecycle,
                kmsKeyArn: keys.get(config.homeRegion)!.arn,
                tags,
                stack: config.stack,
                origin: origins.get(image.name)!,
                parentAmiId: image.parentImage === undefined ? undefined : builds.get(image.parentImage)!.amiId,
                network: config.build,
                pinnedAmiIds: pinnedAmiIdsOf(config.pinnedBy, image.name),
                lockedVersions: lockedVersionsOf(image.name, lock),
                pinnedVersions: config.pinnedVersions[image.name] ?? [],
            });
            builds.set(image.name, build);
            homeSource = { kind: "local", amiId: build.amiId };
        }
        // Every copy comes from the same source image, so regions are copied side by side, never one after another.
        const copySource: ImageSource = homeSource.kind === "copy" ? homeSource : { kind: "copy", amiId: homeSource.amiId, region: config.homeRegion };
        regional.set(
            image.name,
            new Map(
                config.regions.map(region => [
                    region,
                    new RegionalImage(`${image.name}-${region}`, {
                        provider: providers[region],
                        region,
                        image,
                        stack: config.stack,
                        source: region === config.homeRegion ? homeSource : copySource,
                        kmsKeyArn: keys.get(region)!.arn,
                        sharedWith: config.sharing,
                        // Promoting accounts copy the home region's image.
                        promotionSource: region === config.homeRegion,
                        rootDeviceName: image.rootDeviceName,
                        deprecateAfterDays: config.lifecycle.deprecateAfterDays,
                        tags,
                    }),
                ]),
            ),
        );
    }

    const fleets = new Map<string, Map<string, Fleet>>();
    for (const fleet of config.fleets) {
        const image = config.images.find(candidate => candidate.name === fleet.image)!;
        const tags = imageTags(config, image);
        const instanceProfile = new FleetInstanceProfile(`${fleet.name}-fleet`, { provider: providers[config.homeRegion], tags: stackResourceTags(tags) });
        fleets.set(
            fleet.name,
            new Map(
                fleet.regions.map(region => {
                    // One launch template per architecture, each on its own image's copy in the region.
                    const images = Object.fromEntries(
                        Object.entries(fleet.images).map(([architecture, name]) => {
                            const each = config.images.find(candidate => candidate.name === name)!;
                            const copy = regional.get(each.name)!.get(region)!;
                            return [architecture, { amiId: copy.amiId, rootDeviceName: each.rootDeviceName, tags: imageTags(config, each) }];
                        }),
                    );
                    return [
                        region,
                        new Fleet(`${fleet.name}-fleet-${region}`, {
                            provider: providers[region],
                            region,
                            images,
                            kmsKeyArn: keys.get(region)!.arn,
                            instanceProfileArn: instanceProfile.arn,
                            fleet,
                            tags,
                        }),
                    ];
                }),
            ),
        );
    }

    return {
        // Per image: what it is, where consumers find it, and (building stack) what Image Builder built.
        images: Object.fromEntries(
            config.images.map(image => {
                const copies = regional.get(image.name)!;
                const build = builds.get(image.name);
                return [
                    image.name,
                    {
                        version: image.version,
                        architecture: image.architecture,
                        amiId: copies.get(config.homeRegion)!.amiId,
                        amiIds: byRegion(copies, copy => copy.amiId),
                        ssmParameterNames: byRegion(copies, copy => copy.parameterName),
                        ...(build && {
                            imageArn: build.imageArn,
                            imageBuildVersion: build.imageVersion,
                            buildNotificationsTopicArn: build.notificationsTopicArn,
                        }),
                    },
                ];
            }),
        ),
        ...(config.promoteFrom && { promotedFrom: config.promoteFrom }),
        fleets: Object.fromEntries(
            config.fleets.map(fleet => {
                const groups = fleets.get(fleet.name)!;
                return [
                    fleet.name,
                    {
                        image: fleet.image,
                        // A mixed-architecture fleet: its image and launch template of each architecture.
                        ...(Object.keys(fleet.images).length > 1 && {
                            images: fleet.images,
                            launchTemplateIdsByArchitecture: byRegion(groups, group => group.launchTemplateIds),
                        }),
                        launchTemplateIds: byRegion(groups, group => group.launchTemplateId),
                        autoScalingGroupNames: byRegion(groups, group => group.autoScalingGroupName),
                    },
                ];
            }),
        ),
    };
};

/** A stack output keyed by region. */
function byRegion<R, T>(resources: Map<string, R>, pick: (resource: R) => pulumi.Output<T>): pulumi.Output<Record<string, pulumi.Unwrap<T>>> {
    return pulumi.all(Object.fromEntries([...resources].map(([region, resource]) => [region, pick(resource)])));
}
