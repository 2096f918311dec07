// For the commands that read one region (gate, manifest, promote): an AWS failure ends the command
// with exit 3 and one line naming the region and the call, as the multi-region commands report it.
import { AwsCallError, isCredentialsProblem } from "./awsErrors";
import { CommandContext, ExitCode } from "../context";
import { describeFailures } from "./regions";

export async function reportAwsFailure(region: string, context: CommandContext, work: () => Promise<number>): Promise<number> {
    try {
        return await work();
    } catch (error) {
        if (!(error instanceof AwsCallError)) throw error;
        describeFailures([{ region, ok: false, error: error.message, credentialsProblem: isCredentialsProblem(error) }]).forEach(context.stderr);
        return ExitCode.regionFailed;
    }
}
