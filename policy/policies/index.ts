// Every policy in the pack, in the order they run. `policy/index.ts` serves this list; tests import it.
import { Policies } from "@pulumi/policy";
import { asgLaunchTemplatePinned } from "./autoScaling";
import { unjudgedImagePathsRefused } from "./coverage";
import { imageBuilderImagesDeprecate, imagesDeprecate } from "./deprecation";
import { imageKeysCustomerManaged, imagesEncryptedWithCmk } from "./encryption";
import { instanceLaunchesHardened, launchTemplatesHardened } from "./launchHardening";
import { instancesGetNoPublicIp, launchTemplatesDeclared } from "./launchPaths";
import { exportBucketsNotPublic } from "./exports";
import { imageBlockPublicAccessOn, imageRegionsBlockPublicSharing, noPublicImages } from "./publicSharing";
import { imageBuildsUseStackDistributions, imageSharingAllowListed } from "./sharing";
import { amiFromInstanceReboots } from "./snapshots";
import { imagesTagged } from "./tags";
import { outsideDisksEncryptedByDefault } from "./volumes";
import { workflowParametersResolved } from "./workflows";

export * from "./autoScaling";
export * from "./coverage";
export * from "./deprecation";
export * from "./encryption";
export * from "./exports";
export * from "./launchHardening";
export * from "./launchPaths";
export * from "./publicSharing";
export * from "./sharing";
export * from "./snapshots";
export * from "./tags";
export * from "./volumes";
export * from "./workflows";

/** The pack's name, as the CLI shows it next to every violation. */
export const PACK_NAME = "golden-ami";

export const policies: Policies = [
    unjudgedImagePathsRefused,
    noPublicImages,
    imageBlockPublicAccessOn,
    imageRegionsBlockPublicSharing,
    imageSharingAllowListed,
    imageBuildsUseStackDistributions,
    workflowParametersResolved,
    exportBucketsNotPublic,
    imagesEncryptedWithCmk,
    imageKeysCustomerManaged,
    outsideDisksEncryptedByDefault,
    imagesTagged,
    launchTemplatesHardened,
    instanceLaunchesHardened,
    launchTemplatesDeclared,
    instancesGetNoPublicIp,
    asgLaunchTemplatePinned,
    amiFromInstanceReboots,
    imagesDeprecate,
    imageBuilderImagesDeprecate,
];
