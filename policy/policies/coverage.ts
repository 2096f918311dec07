// unjudged-image-paths-refused (default-deny): a resource type known to make an image, copy or share an image or snapshot,
// export a disk or launch an instance, that no rule of the pack judges, is refused (policy/lib/coverage.ts lists both), and so
// is a dynamic provider, whose code the pack cannot read. A reviewed entry in the policy config exempts one.
import { PolicyConfigSchema, ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";
import { configWithDefaults } from "../lib/config";
import { isDynamicProvider, OTHER_PROVIDER_TYPES, REFUSED, Refusal } from "../lib/coverage";
import { Check } from "../lib/unknowns";
import { withoutSecrets } from "../lib/secrets";

/** A reviewed exemption: a type, narrowed to resource names and (for dynamic providers) the inputs it may take. */
export interface Exemption {
    type: string;
    /** A regular expression the resource's name must match. */
    namePattern?: string;
    /** Every input the resource has (the engine's `__provider` aside) must be one of these. */
    inputs?: string[];
    /** Why it is safe: who reviewed it and what it does. */
    reason: string;
}

export interface UnjudgedPathsConfig {
    exemptions: Exemption[];
}

const configSchema: PolicyConfigSchema = {
    properties: {
        exemptions: {
            type: "array",
            items: {
                type: "object",
                properties: {
                    type: { type: "string", minLength: 3 },
                    namePattern: { type: "string", minLength: 1 },
                    inputs: { type: "array", items: { type: "string" } },
                    reason: { type: "string", minLength: 10 },
                },
                required: ["type", "reason"],
                additionalProperties: false,
            },
            description:
                "Reviewed exemptions: resource types (narrowed by name and inputs) that may make, copy, share or launch although the pack does not judge them. Default none.",
            default: [],
        },
    },
};

/** Why the resource is refused, or undefined when it is not (or the finding's inputs are unknown until apply, noted on `check`). */
function refusal(args: ResourceValidationArgs, check: Check): { why: string; outcome: string; found?: string } | undefined {
    if (isDynamicProvider(args.type)) {
        return { outcome: "may do any of these", why: "a dynamic provider runs code the pack cannot read, which may make, copy, share or launch anything" };
    }
    const refused: Refusal | undefined = REFUSED[args.type];
    if (refused) {
        const found = refused.when ? refused.when(withoutSecrets(args.props) as Record<string, any>, check) : undefined;
        if (refused.when && !found) return undefined;
        return { why: refused.why, outcome: refused.outcome, found };
    }
    if (OTHER_PROVIDER_TYPES.test(args.type)) {
        return {
            outcome: "makes, copies, shares or launches",
            why: "the pack reads only the aws provider's resources, and this type reaches the same outcome by a path no rule reads",
        };
    }
    return undefined;
}

function exempted(args: ResourceValidationArgs, exemptions: readonly Exemption[]): boolean {
    return exemptions.some(exemption => {
        if (exemption.type !== args.type) return false;
        if (exemption.namePattern !== undefined && !new RegExp(exemption.namePattern).test(args.name)) return false;
        if (exemption.inputs !== undefined) {
            const allowed = new Set([...exemption.inputs, "__provider"]);
            if (Object.keys(args.props).some(input => !allowed.has(input))) return false;
        }
        return true;
    });
}

export const unjudgedImagePathsRefused: ResourceValidationPolicy = {
    name: "unjudged-image-paths-refused",
    description:
        "Default-deny: resource types that make, copy, share or export images or snapshots, or launch instances, by a path no rule of the pack " +
        "judges (AWS Backup, SSM image documents, CloudFormation templates, Step Functions, Elastic Beanstalk, dynamic providers, ...) are refused unless exempted.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    validateResource: (args, reportViolation) => {
        // The cheap test first: most resources are of no refused type.
        if (!(args.type in REFUSED) && !isDynamicProvider(args.type) && !args.type.startsWith("aws-native:")) return;
        const check = new Check(reportViolation);
        const found = refusal(args, check);
        if (found) {
            const { exemptions } = configWithDefaults<UnjudgedPathsConfig>(configSchema, args.getConfig<UnjudgedPathsConfig>());
            if (!exempted(args, exemptions)) {
                check.violation(
                    `${args.type}${found.found ? ` (${found.found})` : ""} is refused: ${found.why}, and no rule of the pack judges that path (it ${found.outcome}). ` +
                        "Make, copy, share and launch images with the types the pack judges (policy/README.md), or, once reviewed, exempt this resource " +
                        `with an entry in this policy's exemptions config (policy/<stack>.json): { "type": "${args.type}", "namePattern": ${JSON.stringify(`^${args.name.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`)}, "reason": "<what it does and who reviewed it>" }.`,
                );
            }
        }
        check.finish();
    },
};
