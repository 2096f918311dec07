// The provider type tokens the plan and the tests look resources up by.
export const RESOURCE_TYPES = {
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
