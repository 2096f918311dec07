// What the pack judges and what it refuses. The pack reads a fixed set of resource types field by field; every other
// type known to make an image, copy or share an image or snapshot, export a disk or launch an instance is refused
// (default-deny), so a way to reach those outcomes that no rule reads cannot pass silently. `tests/policy/
// unjudged-image-paths-refused.spec.ts` reads the installed provider's types and fails when one that takes an image id,
// a snapshot id, a launch template or image sharing settings is in neither list.
import { Check } from "./unknowns";
import { isBlank, isWord } from "./values";

export type Outcome = "makes an image" | "copies or shares an image or snapshot" | "exports a disk" | "launches instances" | "none";

/** Resource types the pack judges, with what they do; each is read by the rules named in policy/README.md. */
export const JUDGED: Readonly<Record<string, readonly Outcome[]>> = {
    "aws:ec2/ami:Ami": ["makes an image"],
    "aws:ec2/amiCopy:AmiCopy": ["copies or shares an image or snapshot"],
    "aws:ec2/amiFromInstance:AmiFromInstance": ["makes an image"],
    "aws:ec2/amiLaunchPermission:AmiLaunchPermission": ["copies or shares an image or snapshot"],
    "aws:ec2/snapshotCreateVolumePermission:SnapshotCreateVolumePermission": ["copies or shares an image or snapshot"],
    "aws:ebs/snapshotCopy:SnapshotCopy": ["copies or shares an image or snapshot"],
    "aws:ebs/snapshotImport:SnapshotImport": ["makes an image"],
    "aws:ebs/volume:Volume": ["none"],
    "aws:imagebuilder/image:Image": ["makes an image", "copies or shares an image or snapshot", "launches instances"],
    "aws:imagebuilder/imagePipeline:ImagePipeline": ["makes an image", "copies or shares an image or snapshot", "launches instances"],
    "aws:imagebuilder/imageRecipe:ImageRecipe": ["makes an image"],
    "aws:imagebuilder/distributionConfiguration:DistributionConfiguration": ["copies or shares an image or snapshot", "exports a disk"],
    "aws:imagebuilder/workflow:Workflow": ["copies or shares an image or snapshot", "exports a disk"],
    "aws:imagebuilder/infrastructureConfiguration:InfrastructureConfiguration": ["launches instances"],
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": ["makes an image", "copies or shares an image or snapshot"],
    "aws:ram/principalAssociation:PrincipalAssociation": ["copies or shares an image or snapshot"],
    "aws:ram/resourceShareAssociationsExclusive:ResourceShareAssociationsExclusive": ["copies or shares an image or snapshot"],
    "aws:ec2/instance:Instance": ["launches instances"],
    "aws:ec2/spotInstanceRequest:SpotInstanceRequest": ["launches instances"],
    "aws:ec2/launchTemplate:LaunchTemplate": ["launches instances"],
    "aws:ec2/launchConfiguration:LaunchConfiguration": ["launches instances"],
    "aws:ec2/fleet:Fleet": ["launches instances"],
    "aws:ec2/spotFleetRequest:SpotFleetRequest": ["launches instances"],
    "aws:autoscaling/group:Group": ["launches instances"],
    "aws:eks/nodeGroup:NodeGroup": ["launches instances"],
    "aws:batch/computeEnvironment:ComputeEnvironment": ["launches instances"],
    "aws:ec2/volumeAttachment:VolumeAttachment": ["launches instances"],
    "aws:ec2/networkInterface:NetworkInterface": ["launches instances"],
    "aws:ec2/networkInterfaceAttachment:NetworkInterfaceAttachment": ["launches instances"],
    // Takes a snapshot id but makes, copies, shares or launches nothing with it.
    "aws:ebs/fastSnapshotRestore:FastSnapshotRestore": ["none"],
};

/** Why a type is refused; `when` narrows it to the inputs that do it (undefined: always), returning what it found. */
export interface Refusal {
    outcome: Exclude<Outcome, "none">;
    why: string;
    when?: (props: Record<string, any>, check: Check) => string | undefined;
}

/** The API calls and document actions that make, copy, share or export images or snapshots, or launch instances. */
export const IMAGE_CALLS =
    /\b(aws:createImage|aws:copyImage|aws:runInstances|create-?image|copy-?image|copy-?snapshot|create-?snapshots?|modify-?image-?attribute|modify-?snapshot-?attribute|register-?image|import-?image|import-?snapshot|export-?image|create-?store-?image-?task|run-?instances|create-?fleet|request-?spot-?(fleet|instances)|create-?launch-?template)\b/i;
/** AWS documents that make or copy images or snapshots (AWS-CreateImage, AWS-UpdateLinuxAmi, AWS-CopySnapshot, ...). */
const IMAGE_DOCUMENTS =
    /^(arn:[^:]+:ssm:[^:]*:[^:]*:(automation-)?document\/)?(AWS|AWSEC2|AWSSupport|AmazonEC2)-[\w-]*(Image|Ami|AMI|Snapshot|Clone|Copy)[\w-]*$/;
/** CloudFormation resource types that make, copy, share or launch (the template's other resources are not images). */
const TEMPLATE_TYPES =
    /AWS::(EC2::(Instance|LaunchTemplate|SpotFleet|EC2Fleet|Volume|VolumeAttachment|NetworkInterface)|ImageBuilder::|DLM::|Backup::|AutoScaling::(AutoScalingGroup|LaunchConfiguration)|ElasticBeanstalk::|Batch::ComputeEnvironment|EKS::Nodegroup|ECS::CapacityProvider|SSM::(Association|Document|MaintenanceWindowTask)|StepFunctions::|CloudFormation::(Stack|StackSet)|Serverless::|Lambda::|CodeBuild::Fleet|Cloud9::|EMR::|GameLift::)/;

/** An SSM document or automation definition ARN (or bare name) naming one of AWS's image documents, with any `:version` dropped. */
function isImageDocument(reference: string): boolean {
    const name = reference
        .trim()
        .replace(/^arn:[^:]+:ssm:[^:]*:[^:]*:(automation-definition|(automation-)?document)\//, "")
        .replace(/:[^:/]*$/, "");
    return IMAGE_DOCUMENTS.test(name);
}

/** EventBridge Scheduler's universal targets that call an image, launch, Image Builder, DLM or Backup API. */
const SDK_TARGET =
    /^arn:[^:]+:scheduler:::aws-sdk:(ec2:(createImage|copyImage|copySnapshot|createSnapshots?|modifyImageAttribute|modifySnapshotAttribute|registerImage|importImage|importSnapshot|exportImage|createStoreImageTask|runInstances|createFleet|requestSpotFleet|requestSpotInstances|createLaunchTemplate\w*)|imagebuilder:\w+|dlm:\w+|backup:\w+|autoscaling:\w+)$/i;

function text(check: Check, field: string, get: () => unknown): string | undefined {
    const value = check.read(field, get);
    if (!value.known || isBlank(value.value)) return undefined;
    return typeof value.value === "string" ? value.value : JSON.stringify(value.value);
}

function setField(check: Check, field: string, get: () => unknown): string | undefined {
    const value = check.read(field, get);
    return value.known && !isBlank(value.value) && !(typeof value.value === "object" && Object.keys(value.value as object).length === 0)
        ? `${field} is set`
        : undefined;
}

/** Types the pack does not judge and refuses: they reach an outcome by a path no rule reads. */
export const REFUSED: Readonly<Record<string, Refusal>> = {
    "aws:backup/plan:Plan": {
        outcome: "makes an image",
        why: "AWS Backup makes an AMI for every EC2 instance it backs up, without a reboot, with the instance's tags and keys, and its copy actions send them to other regions and accounts",
    },
    "aws:backup/selection:Selection": {
        outcome: "makes an image",
        why: "an AWS Backup selection hands instances to a plan that captures each as an AMI (no reboot, no required tags, no deprecation)",
    },
    "aws:ebs/snapshot:Snapshot": {
        outcome: "copies or shares an image or snapshot",
        why: "a snapshot taken outside Image Builder is a copy of a disk the pack cannot see into (its encryption is its volume's)",
    },
    "aws:ebs/volumeCopy:VolumeCopy": {
        outcome: "copies or shares an image or snapshot",
        why: "a volume copy is a copy of a disk whose encryption the pack cannot see (it takes no key of its own)",
    },
    "aws:ssm/association:Association": {
        outcome: "makes an image",
        why: "the association runs an SSM document that makes or copies images or snapshots, outside every rule of the pack",
        when: (props, check) => {
            const name = text(check, "name", () => props.name);
            return name && isImageDocument(name) ? `name is ${JSON.stringify(name)}` : undefined;
        },
    },
    "aws:ssm/maintenanceWindowTask:MaintenanceWindowTask": {
        outcome: "makes an image",
        why: "the maintenance window runs an SSM document that makes or copies images or snapshots, outside every rule of the pack",
        when: (props, check) => {
            const task = text(check, "taskArn", () => props.taskArn);
            return task && isImageDocument(task) ? `taskArn is ${JSON.stringify(task)}` : undefined;
        },
    },
    "aws:cloudwatch/eventTarget:EventTarget": {
        outcome: "makes an image",
        why: "the EventBridge rule starts an SSM automation or command that makes or copies images or snapshots, outside every rule of the pack",
        when: (props, check) => {
            const arn = text(check, "arn", () => props.arn);
            return arn && isImageDocument(arn) ? `arn is ${JSON.stringify(arn)}` : undefined;
        },
    },
    "aws:scheduler/schedule:Schedule": {
        outcome: "makes an image",
        why: "the schedule calls an image, launch, Image Builder, DLM or Backup API itself (or starts an SSM image document), outside every rule of the pack",
        when: (props, check) => {
            const arn = text(check, "target.arn", () => props.target?.arn);
            return arn && (SDK_TARGET.test(arn.trim()) || isImageDocument(arn)) ? `target.arn is ${JSON.stringify(arn)}` : undefined;
        },
    },
    "aws:ssm/document:Document": {
        outcome: "makes an image",
        why: "the document's steps make, copy, share or export images or snapshots, or launch instances, outside every rule of the pack",
        when: (props, check) => {
            const content = text(check, "content", () => props.content);
            return content && IMAGE_CALLS.test(content) ? `content calls ${IMAGE_CALLS.exec(content)![0]}` : undefined;
        },
    },
    "aws:cloudformation/stack:Stack": {
        outcome: "launches instances",
        why: "a CloudFormation stack's template makes its own resources, which the pack does not read",
        when: (props, check) => templateFinding(props, check),
    },
    "aws:cloudformation/stackSet:StackSet": {
        outcome: "launches instances",
        why: "a CloudFormation stack set's template makes its own resources in other accounts and regions, which the pack does not read",
        when: (props, check) => templateFinding(props, check),
    },
    "aws:serverlessrepository/cloudFormationStack:CloudFormationStack": {
        outcome: "launches instances",
        why: "a Serverless Application Repository application deploys a template the pack cannot read",
    },
    "aws:sfn/stateMachine:StateMachine": {
        outcome: "makes an image",
        why: "the state machine calls EC2, Image Builder, DLM, Backup or Auto Scaling APIs itself, outside every rule of the pack",
        when: (props, check) => {
            const definition = text(check, "definition", () => props.definition);
            if (!definition) return undefined;
            const call =
                /aws-sdk:(ec2:(createImage|copyImage|copySnapshot|createSnapshots?|modifyImageAttribute|modifySnapshotAttribute|registerImage|importImage|importSnapshot|exportImage|createStoreImageTask|runInstances|createFleet|requestSpotFleet|requestSpotInstances|createLaunchTemplate\w*)|imagebuilder:\w+|dlm:\w+|backup:\w+|autoscaling:\w+)/i.exec(
                    definition,
                ) ?? /arn:[^"]*:states:::ec2:\w+/i.exec(definition);
            return call ? `definition calls ${call[0]}` : undefined;
        },
    },
    "aws:elasticbeanstalk/environment:Environment": {
        outcome: "launches instances",
        why: "Elastic Beanstalk launches instances with its own launch settings (metadata options, volumes, public IPs, image) that no rule reads",
    },
    "aws:elasticbeanstalk/configurationTemplate:ConfigurationTemplate": {
        outcome: "launches instances",
        why: "an Elastic Beanstalk configuration template sets how environments launch instances, which no rule reads",
    },
    "aws:cloud9/environmentEC2:EnvironmentEC2": {
        outcome: "launches instances",
        why: "Cloud9 launches an instance from imageId with its own settings (public IP, metadata options) that no rule reads",
    },
    "aws:codebuild/fleet:Fleet": {
        outcome: "launches instances",
        why: "a CodeBuild fleet launches build hosts from imageId with settings no rule reads",
        when: (props, check) => setField(check, "imageId", () => props.imageId),
    },
    "aws:gamelift/gameServerGroup:GameServerGroup": {
        outcome: "launches instances",
        why: "a GameLift game server group runs its own Auto Scaling group from the launch template, which no rule follows",
    },
    "aws:lightsail/instance:Instance": {
        outcome: "launches instances",
        why: "Lightsail launches instances from its own blueprints, with settings no rule reads",
    },
    "aws:dlm/lifecyclePolicy:LifecyclePolicy": {
        outcome: "makes an image",
        why:
            "a Data Lifecycle Manager AMI policy captures instances as AMIs whose tags, deprecation, reboot and source-volume keys no rule reads yet " +
            "(its snapshot and event policies are judged: shares allow-listed, cross-region copies under a declared key)",
        when: (props, check) => {
            const policyType = check.read("policyDetails.policyType", () => {
                const details = props.policyDetails;
                return (Array.isArray(details) ? details[0] : details)?.policyType as unknown;
            });
            return policyType.known && isWord(policyType.value, "IMAGE_MANAGEMENT") ? 'policyDetails.policyType is "IMAGE_MANAGEMENT"' : undefined;
        },
    },
    "aws:emr/cluster:Cluster": {
        outcome: "launches instances",
        why: "EMR launches its instances from customAmiId with settings no rule reads",
        when: (props, check) => setField(check, "customAmiId", () => props.customAmiId),
    },
    "aws:ecs/service:Service": {
        outcome: "copies or shares an image or snapshot",
        why: "ECS creates each task's volume from that snapshot, a disk the pack cannot see into",
        when: (props, check) =>
            setField(check, "volumeConfiguration.managedEbsVolume.snapshotId", () => props.volumeConfiguration?.managedEbsVolume?.snapshotId),
    },
    "aws:storagegateway/cachesIscsiVolume:CachesIscsiVolume": {
        outcome: "copies or shares an image or snapshot",
        why: "Storage Gateway restores the snapshot into a volume it serves over iSCSI, outside every rule of the pack",
        when: (props, check) => setField(check, "snapshotId", () => props.snapshotId),
    },
    "aws:storagegateway/storedIscsiVolume:StoredIscsiVolume": {
        outcome: "copies or shares an image or snapshot",
        why: "Storage Gateway restores the snapshot into a volume it serves over iSCSI, outside every rule of the pack",
        when: (props, check) => setField(check, "snapshotId", () => props.snapshotId),
    },
    "aws:imagebuilder/containerRecipe:ContainerRecipe": {
        outcome: "launches instances",
        why: "the container build launches its instance from that image with block devices no rule reads",
        when: (props, check) => setField(check, "instanceConfiguration", () => props.instanceConfiguration),
    },
    "aws:ecs/capacityProvider:CapacityProvider": {
        outcome: "launches instances",
        why: "ECS Managed Instances launch instances from their own launch template settings, which no rule reads",
        when: (props, check) => setField(check, "managedInstancesProvider", () => props.managedInstancesProvider),
    },
    "aws:eks/nodeGroup:NodeGroup": {
        outcome: "launches instances",
        why: "EKS then launches the nodes from a launch template of its own, whose metadata options and volumes no rule reads",
        when: (props, check) => {
            const template = check.read("launchTemplate", () => props.launchTemplate);
            return template.known && isBlank(template.value) ? "launchTemplate is not set" : undefined;
        },
    },
    "aws:batch/computeEnvironment:ComputeEnvironment": {
        outcome: "launches instances",
        why: "Batch then launches instances from a launch template of its own, whose metadata options and volumes no rule reads",
        when: (props, check) => {
            const resources = check.read("computeResources", () => ({ type: props.computeResources?.type, template: props.computeResources?.launchTemplate }));
            if (!resources.known || !(isWord(resources.value.type, "EC2") || isWord(resources.value.type, "SPOT")) || !isBlank(resources.value.template))
                return undefined;
            return `computeResources.type is ${JSON.stringify(resources.value.type)} and computeResources.launchTemplate is not set`;
        },
    },
};

function templateFinding(props: Record<string, any>, check: Check): string | undefined {
    const url = setField(check, "templateUrl", () => props.templateUrl);
    if (url) return `${url}, so the pack cannot read the template`;
    const body = text(check, "templateBody", () => props.templateBody);
    const found = body ? TEMPLATE_TYPES.exec(body) : null;
    return found ? `templateBody declares ${found[0]}…` : undefined;
}

/** `pulumi-nodejs:dynamic:Resource` and other languages' dynamic providers: code the pack cannot judge. */
export function isDynamicProvider(type: string): boolean {
    return /^pulumi-[a-z]+:dynamic:Resource$/.test(type);
}

/** Other providers' types that reach the same outcomes; the pack reads only the aws provider. */
export const OTHER_PROVIDER_TYPES =
    /^aws-native:(ec2:(Instance|LaunchTemplate|SpotFleet|Ec2Fleet|Volume|VolumeAttachment|NetworkInterface\w*)|imagebuilder:\w+|dlm:\w+|backup:\w+|autoscaling:(AutoScalingGroup|LaunchConfiguration)|elasticbeanstalk:Environment|batch:ComputeEnvironment|eks:Nodegroup|ecs:CapacityProvider|ssm:(Association|Document|MaintenanceWindowTask)|cloudformation:(Stack|StackSet)|stepfunctions:StateMachine|ram:\w+)$/;
