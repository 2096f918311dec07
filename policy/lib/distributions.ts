// Walking an Image Builder distribution configuration's AMI outputs.
import * as aws from "@pulumi/aws";
import { Unwrap } from "@pulumi/pulumi";
import { Check } from "./unknowns";

/** The resolved forms a policy sees: no Inputs left. */
export type Distribution = Unwrap<aws.types.input.imagebuilder.DistributionConfigurationDistribution>;
export type AmiOutput = Unwrap<aws.types.input.imagebuilder.DistributionConfigurationDistributionAmiDistributionConfiguration>;

/**
 * Visits each distribution that makes an AMI, with its `amiDistributionConfiguration` (undefined when unset,
 * which still distributes an AMI, only with none of our settings). Container-only distributions are skipped.
 */
export function eachAmiDistribution(
    check: Check,
    distributions: () => readonly Distribution[] | undefined,
    visit: (ami: AmiOutput | undefined, at: string) => void,
): void {
    check.each("distributions", distributions, (target, at) => {
        const ami = check.read(`${at}.amiDistributionConfiguration`, () => target.amiDistributionConfiguration);
        if (!ami.known) return;
        if (ami.value === undefined || ami.value === null) {
            const container = check.read(`${at}.containerDistributionConfiguration`, () => target.containerDistributionConfiguration);
            if (!container.known || container.value) return;
        }
        visit(ami.value ?? undefined, at);
    });
}
