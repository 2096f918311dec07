import * as assert from "assert";
import { DeclaredResource, ProgramRun, runProgram, RunOptions } from "../tools/mockRun";

export { promiseOf, runProgram, MOCK_ACCOUNT_ID } from "../tools/mockRun";
export type { DeclaredResource, ProgramRun } from "../tools/mockRun";

export const TYPES = {
    amiCopy: "aws:ec2/amiCopy:AmiCopy",
    launchPermission: "aws:ec2/amiLaunchPermission:AmiLaunchPermission",
    blockPublicAccess: "aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess",
    kmsKey: "aws:kms/key:Key",
    ssmParameter: "aws:ssm/parameter:Parameter",
    component: "aws:imagebuilder/component:Component",
    recipe: "aws:imagebuilder/imageRecipe:ImageRecipe",
    infrastructure: "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration",
    distribution: "aws:imagebuilder/distributionConfiguration:DistributionConfiguration",
    pipeline: "aws:imagebuilder/imagePipeline:ImagePipeline",
    image: "aws:imagebuilder/image:Image",
    lifecycle: "aws:imagebuilder/lifecyclePolicy:LifecyclePolicy",
    launchTemplate: "aws:ec2/launchTemplate:LaunchTemplate",
    autoScalingGroup: "aws:autoscaling/group:Group",
} as const;

/** Runs the program and fails the test with the program's own error if it refused to run. */
export async function runStack(stack: string, options?: RunOptions): Promise<ProgramRun> {
    const run = await runProgram(stack, options);
    if (run.error) throw run.error;
    return run;
}

export function ofType(run: ProgramRun, type: string): DeclaredResource[] {
    return run.resources.filter(resource => resource.type === type);
}

export function onlyOne(run: ProgramRun, type: string): DeclaredResource {
    const found = ofType(run, type);
    assert.strictEqual(found.length, 1, `expected exactly one ${type}, found ${found.map(r => r.name).join(", ") || "none"}`);
    return found[0];
}

/** The resource whose placeholder output `value` is (its id or ARN): how a reference is traced to its target. */
export function referencedBy(run: ProgramRun, value: unknown): DeclaredResource | undefined {
    return run.resources.find(resource => resource.custom && (resource.id === value || resource.state.arn === value));
}
