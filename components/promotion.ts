import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { ImageConfig, PromoteFromConfig } from "./config";

/**
 * The AMI the building account made for `image.version`: the first build of that version, the one its
 * `pulumi up` built and tested. Found by owner and name, because an AMI's tags are not visible to the
 * accounts it is shared with. Awaited before any image resource is declared, so a missing version
 * stops the preview with a plain message.
 */
export async function findPromotedImage(image: Pick<ImageConfig, "name" | "version">, from: PromoteFromConfig, provider: aws.Provider): Promise<string> {
    const namePattern = `${image.name}-${image.version}-*`;
    const found = await aws.ec2.getAmiIds({
        owners: [from.account],
        filters: [
            { name: "name", values: [namePattern] },
            { name: "state", values: ["available"] },
        ],
        // The building stack may already have deprecated the version prod still pins.
        includeDeprecated: true,
        sortAscending: true,
    }, { provider });
    if (found.ids.length === 0) {
        throw new pulumi.RunError(
            `golden-ami:image.version ${image.version} was not found: account ${from.account} has no available AMI named ` +
            `"${namePattern}" in ${from.region} that this account may launch. Build and test it in the building stack ` +
            `first (and share it with this account), or pin a version it has.`);
    }
    return found.ids[0];
}
