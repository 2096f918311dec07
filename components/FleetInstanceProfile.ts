import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { instanceProfile } from "./iam";

/** The fleet instances' role: Session Manager access and nothing else; IAM is global, so one serves every region. */
export class FleetInstanceProfile extends pulumi.ComponentResource {
    public readonly arn: pulumi.Output<string>;

    constructor(name: string, args: { provider: aws.Provider; tags: Record<string, string> }, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:iam:FleetInstanceProfile", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const partition = aws.getPartitionOutput({}, child).partition;
        const { profile } = instanceProfile(
            name,
            {
                description: "golden-ami fleet instances",
                managedPolicies: ["AmazonSSMManagedInstanceCore"],
                partition,
                tags: args.tags,
            },
            child,
        );
        this.arn = profile.arn;
        this.registerOutputs({ arn: this.arn });
    }
}
