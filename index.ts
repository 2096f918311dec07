// golden-ami: reads the stack's config, makes one provider per region and wires the pipeline together.
// A building stack (no promoteFrom) builds the image with EC2 Image Builder; a promoting stack copies
// the very AMI the building account proved. Either way every configured region gets its own encrypted,
// shared and published image, and the fleet regions run it in Auto Scaling groups.
import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { Fleet, FleetInstanceProfile, GoldenImage, ImageSource, imageTags, loadConfig, lockedBuild, RegionalImage, stackResourceTags } from "./components";

export = async () => {
    const config = loadConfig();
    // A building stack builds exactly what image-versions.lock.json says this version is made of.
    const origin = config.promoteFrom ? undefined : lockedBuild(config);
    const tags = imageTags(config);
    const providers = Object.fromEntries(config.regions.map(region => [region, new aws.Provider(`aws-${region}`, { region })]));
    const homeProvider = providers[config.homeRegion];

    // Build here, or copy the exact image the building account proved (pinned in the stack file).
    let golden: GoldenImage | undefined;
    let homeSource: ImageSource;
    if (!origin) {
        homeSource = { kind: "copy", amiId: config.promoteFrom!.amiId, region: config.promoteFrom!.region };
    } else {
        golden = new GoldenImage(config.image.name, {
            provider: homeProvider,
            image: config.image,
            lifecycle: config.lifecycle,
            sharedWith: config.sharing,
            tags,
            stack: config.stack,
            origin,
            network: config.build,
            pinnedAmiIds: Object.values(config.pinnedBy),
        });
        homeSource = { kind: "local", amiId: golden.amiId, kmsKeyArn: golden.kmsKeyArn };
    }

    // Every copy comes from the same source image, so regions are copied side by side, never one after another.
    const copySource: ImageSource = homeSource.kind === "copy" ? homeSource : { kind: "copy", amiId: homeSource.amiId, region: config.homeRegion };
    const images = new Map(config.regions.map(region => [region, new RegionalImage(`${config.image.name}-${region}`, {
        provider: providers[region],
        region,
        image: config.image,
        stack: config.stack,
        source: region === config.homeRegion ? homeSource : copySource,
        sharedWith: config.sharing,
        blockPublicSharing: config.blockPublicSharing,
        // Promoting accounts copy the home region's image.
        promotionSource: region === config.homeRegion,
        rootDeviceName: config.image.rootDeviceName,
        deprecateAfterDays: config.lifecycle.deprecateAfterDays,
        tags,
    })]));
    if (!config.blockPublicSharing) {
        pulumi.log.warn("golden-ami:blockPublicSharing is false: image block public access is left to your organization's policy in every region.");
    }

    const fleets = new Map<string, Fleet>();
    if (config.fleet) {
        const instanceProfile = new FleetInstanceProfile(`${config.image.name}-fleet`, { provider: homeProvider, tags: stackResourceTags(tags) });
        for (const region of config.fleet.regions) {
            const image = images.get(region)!;
            fleets.set(region, new Fleet(`${config.image.name}-fleet-${region}`, {
                provider: providers[region],
                region,
                amiId: image.amiId,
                kmsKeyArn: image.kmsKeyArn,
                rootDeviceName: config.image.rootDeviceName,
                instanceProfileArn: instanceProfile.arn,
                fleet: config.fleet,
                tags,
            }));
        }
    }

    return {
        imageName: config.image.name,
        imageVersion: config.image.version,
        amiId: images.get(config.homeRegion)!.amiId,
        // A building stack tells what it built and where its builds are reported; a promoting one what it pins.
        ...(golden && {
            imageArn: golden.imageArn,
            imageBuildVersion: golden.imageVersion,
            buildNotificationsTopicArn: golden.notificationsTopicArn,
        }),
        ...(config.promoteFrom && { promotedFrom: config.promoteFrom }),
        amiIds: byRegion(images, image => image.amiId),
        ssmParameterNames: byRegion(images, image => image.parameterName),
        launchTemplateIds: byRegion(fleets, fleet => fleet.launchTemplateId),
        autoScalingGroupNames: byRegion(fleets, fleet => fleet.autoScalingGroupName),
    };
};

/** A stack output keyed by region. */
function byRegion<R>(resources: Map<string, R>, pick: (resource: R) => pulumi.Output<string>): pulumi.Output<Record<string, string>> {
    return pulumi.all(Object.fromEntries([...resources].map(([region, resource]) => [region, pick(resource)])));
}
