// The images the stack makes itself, whose volumes other rules judge: what a launch's image id must be for the pack to
// know how the volumes launched from it are encrypted.
import * as aws from "@pulumi/aws";
import { PolicyResource } from "@pulumi/policy";
import { read } from "./unknowns";
import { isBlank, itemsOf } from "./values";

/** Whether an image id names an image of this stack: yes, no, or unknown until apply. */
export type ImageStanding = true | false | "unknown";

/**
 * The stack's AMIs: `AmiCopy`, `Ami` and `AmiFromInstance` ids, the AMIs an imagebuilder `Image` distributed
 * (`outputResources[].amis[].image`), and `aws.ssm.Parameter`s holding one of them (for `resolve:ssm:<name>`).
 */
export class StackImages {
    private readonly ids = new Set<string>();
    private readonly parameters = new Map<string, unknown>();
    private incomplete = false;
    private parametersIncomplete = false;

    constructor(resources: PolicyResource[]) {
        for (const resource of resources) {
            if (resource.isType(aws.ec2.AmiCopy) || resource.isType(aws.ec2.Ami) || resource.isType(aws.ec2.AmiFromInstance)) {
                this.add(read(() => resource.props.id as unknown));
            } else if (resource.isType(aws.imagebuilder.Image)) {
                const outputs = read(() =>
                    itemsOf<any>(resource.props.outputResources).flatMap(output => itemsOf<any>(output?.amis).map(ami => ami?.image as unknown)),
                );
                if (!outputs.known) this.incomplete = true;
                // A build whose outputs are not known yet (a preview, a build under way) has an AMI the pack cannot name yet.
                else if (outputs.value.length === 0) this.incomplete = true;
                else for (const id of outputs.value) this.add({ known: true, value: id });
            } else if (resource.isType(aws.ssm.Parameter)) {
                const parameter = read(() => ({
                    name: resource.props.name as unknown,
                    value: (resource.props.insecureValue ?? resource.props.value) as unknown,
                }));
                if (!parameter.known) this.parametersIncomplete = true;
                else if (typeof parameter.value.name === "string") this.parameters.set(parameter.value.name.trim(), parameter.value.value);
            }
        }
    }

    private add(id: { known: true; value: unknown } | { known: false }): void {
        if (!id.known) this.incomplete = true;
        else if (typeof id.value === "string" && !isBlank(id.value)) this.ids.add(id.value.trim());
    }

    /** Whether `imageId` (an AMI id, or `resolve:ssm:<parameter>[:version]`) is one of the stack's images. */
    standing(imageId: string): ImageStanding {
        const trimmed = imageId.trim();
        const ssm = /^resolve:ssm:(.+?)(:\d+)?$/.exec(trimmed);
        if (ssm) {
            const value = this.parameters.get(ssm[1]);
            if (value === undefined) return this.parametersIncomplete ? "unknown" : false;
            const known = read(() => value);
            if (!known.known) return "unknown";
            return typeof known.value === "string" && !/^resolve:/i.test(known.value.trim()) ? this.standing(known.value) : false;
        }
        if (this.ids.has(trimmed)) return true;
        return this.incomplete ? "unknown" : false;
    }
}
