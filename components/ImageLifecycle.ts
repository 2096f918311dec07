import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import { LifecycleConfig } from "./config";
import { serviceRole } from "./iam";

export interface ImageLifecycleArgs {
    /** The building region's provider: the policy manages the images built there. */
    provider: aws.Provider;
    /** The policy's name, unique in the account and region. */
    policyName: string;
    /** The image's recipe name in Image Builder, and the recipe versions whose images the policy manages. */
    recipeName: string;
    versions: string[];
    /** AMIs with this tag are never deprecated or deleted: the current one and those a promoting stack pins. */
    keepTag: { key: string; value: string };
    /** Ages and counts; see `golden-ami:lifecycle`. */
    lifecycle: LifecycleConfig;
    /** For the managed policy's ARN (`aws` outside China and GovCloud). */
    partition: pulumi.Input<string>;
    tags: Record<string, string>;
}

/** Deprecates old images, then deletes them together with their snapshots, keeping the newest and any in use. */
export class ImageLifecycle extends pulumi.ComponentResource {
    constructor(name: string, args: ImageLifecycleArgs, opts?: pulumi.ComponentResourceOptions) {
        super("golden-ami:imagebuilder:ImageLifecycle", name, {}, opts);
        const child = { parent: this, provider: args.provider };
        const { lifecycle } = args;
        const { role, attachments } = serviceRole(
            name,
            {
                service: "imagebuilder.amazonaws.com",
                description: "EC2 Image Builder lifecycle management",
                managedPolicies: ["service-role/EC2ImageBuilderLifecycleExecutionPolicy"],
                partition: args.partition,
                tags: args.tags,
            },
            child,
        );
        const kept = { [args.keepTag.key]: args.keepTag.value };
        new aws.imagebuilder.LifecyclePolicy(
            name,
            {
                name: args.policyName,
                description: `Deprecate ${args.policyName} images after ${lifecycle.deprecateAfterDays} days, delete them with their snapshots after ${lifecycle.deleteAfterDays}`,
                executionRole: role.arn,
                resourceType: "AMI_IMAGE",
                // By recipe version, not by a tag every build carries: a version a promoting stack pins is left out.
                resourceSelection: { recipes: args.versions.map(semanticVersion => ({ name: args.recipeName, semanticVersion })) },
                policyDetails: [
                    {
                        // Without `amis`, only Image Builder's own image record is deprecated, not the AMI it distributed.
                        action: { type: "DEPRECATE", includeResources: { amis: true } },
                        filter: { type: "AGE", value: lifecycle.deprecateAfterDays, unit: "DAYS", retainAtLeast: lifecycle.keepAtLeast },
                        // `tagMap` skips the Image Builder images themselves (their records hold the scan findings), `amis` their AMIs.
                        exclusionRules: { tagMap: kept, amis: { tagMap: kept } },
                    },
                    {
                        action: { type: "DELETE", includeResources: { amis: true, snapshots: true } },
                        filter: { type: "AGE", value: lifecycle.deleteAfterDays, unit: "DAYS", retainAtLeast: lifecycle.keepAtLeast },
                        exclusionRules: { tagMap: kept, amis: { tagMap: kept, lastLaunched: { value: lifecycle.keepIfLaunchedWithinDays, unit: "DAYS" } } },
                    },
                ],
                tags: args.tags,
            },
            { ...child, dependsOn: attachments },
        );
        this.registerOutputs({});
    }
}
