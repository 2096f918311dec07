import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";

export interface ServiceRoleArgs {
    /** The service that assumes the role, e.g. `ec2.amazonaws.com`. */
    service: string;
    description: string;
    /** AWS managed policies by path below `policy/`, e.g. `AmazonSSMManagedInstanceCore`. */
    managedPolicies: string[];
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
}

/** A role one AWS service assumes, with AWS managed policies attached, and nothing else. */
export function serviceRole(
    name: string,
    args: ServiceRoleArgs,
    opts: pulumi.CustomResourceOptions,
): { role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
    const role = new aws.iam.Role(
        name,
        {
            description: args.description,
            assumeRolePolicy: JSON.stringify({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { Service: args.service }, Action: "sts:AssumeRole" }],
            }),
            tags: args.tags,
        },
        opts,
    );
    const attachments = args.managedPolicies.map(
        policy =>
            new aws.iam.RolePolicyAttachment(
                `${name}-${policy.split("/").pop()}`,
                {
                    role: role.name,
                    policyArn: pulumi.interpolate`arn:${args.partition}:iam::aws:policy/${policy}`,
                },
                opts,
            ),
    );
    return { role, attachments };
}

/** An EC2 instance profile on a service role of its own. */
export function instanceProfile(
    name: string,
    args: Omit<ServiceRoleArgs, "service">,
    opts: pulumi.CustomResourceOptions,
): { profile: aws.iam.InstanceProfile; role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
    const { role, attachments } = serviceRole(name, { ...args, service: "ec2.amazonaws.com" }, opts);
    return { role, attachments, profile: new aws.iam.InstanceProfile(name, { role: role.name, tags: args.tags }, opts) };
}
