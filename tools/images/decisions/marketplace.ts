// Whether a promoting stack can copy an AMI into its own account: not an AWS Marketplace one.
import type { Image } from "@aws-sdk/client-ec2";

/**
 * EC2 does not copy an AWS Marketplace AMI (or one made from it) that another account shared: "The CopyImage action is not
 * supported for copying an AWS Marketplace AMI that was shared with you from another account" (Amazon EC2 User Guide,
 * Copy an Amazon EC2 AMI, https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/CopyingAMIs.html). A promoting stack copies
 * the pinned AMI into its own account, so such a pin would fail at its `pulumi up`. AWS's license-included Windows Server
 * images carry no Marketplace code and are copied like any other (docs/windows.md).
 */
export function marketplaceCodes(ami: Pick<Image, "ProductCodes">): string[] {
    return (ami.ProductCodes ?? []).filter(code => code.ProductCodeType === "marketplace").map(code => code.ProductCodeId ?? "");
}

export function marketplaceRefusal(codes: string[], stack: string): string {
    return (
        `it carries the AWS Marketplace product code ${codes.join(", ")}, and EC2 does not copy a Marketplace AMI shared from another account ` +
        `(CopyImage; see docs/windows.md): ${stack}'s \`pulumi up\` could not copy it. Build the image from AWS's public parameters, ` +
        `or launch the Marketplace product in ${stack}'s account`
    );
}
