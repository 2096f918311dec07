// ami-from-instance-reboots: an image captured from a running instance without a reboot may hold inconsistent file systems.
import * as aws from "@pulumi/aws";
import { ResourceValidationPolicy, validateResourceOfType } from "@pulumi/policy";
import { withCheck } from "../lib/validation";
import { isTrue, show } from "../lib/values";

export const amiFromInstanceReboots: ResourceValidationPolicy = {
    name: "ami-from-instance-reboots",
    description: "Images captured from an instance reboot it first (no snapshotWithoutReboot), so file systems are consistent.",
    enforcementLevel: "mandatory",
    severity: "medium",
    validateResource: validateResourceOfType(
        aws.ec2.AmiFromInstance,
        withCheck((image, _args, check) => {
            const noReboot = check.read("snapshotWithoutReboot", () => image.snapshotWithoutReboot);
            if (noReboot.known && isTrue(noReboot.value)) {
                check.violation(
                    `snapshotWithoutReboot is ${show(noReboot.value)}: the snapshot is taken while the instance runs, ` +
                        "so writes in flight can leave file systems inconsistent; remove it (or set it to false), or build the image with EC2 Image Builder.",
                );
            }
        }),
    ),
};
