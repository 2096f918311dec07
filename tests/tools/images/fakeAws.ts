// A small in-memory AWS region behind aws-sdk-client-mock: real SDK clients whose `send` answers from
// the fixture, every list in pages of `pageSize`, the filters the tool uses honoured, and deregister /
// delete acting on the fixture (a snapshot of a registered image cannot be deleted, as in EC2).
import {
    AutoScalingClient,
    AutoScalingGroup,
    DescribeAutoScalingGroupsCommand,
    DescribeLaunchConfigurationsCommand,
    LaunchConfiguration,
} from "@aws-sdk/client-auto-scaling";
import {
    DeleteSnapshotCommand,
    DeregisterImageCommand,
    DescribeImageAttributeCommand,
    DescribeImagesCommand,
    DescribeInstancesCommand,
    DescribeLaunchTemplatesCommand,
    DescribeLaunchTemplateVersionsCommand,
    DescribeSnapshotsCommand,
    EC2Client,
    EC2ServiceException,
    Filter,
    Image,
    Instance,
    LaunchPermission,
    LaunchTemplate,
    LaunchTemplateVersion,
    Snapshot,
} from "@aws-sdk/client-ec2";
import { GetParametersByPathCommand, GetParametersCommand, Parameter, SSMClient } from "@aws-sdk/client-ssm";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { ClientFactory, RegionalClients } from "../../../tools/images/clients";

export interface RegionWorld {
    images?: Image[];
    /** Image id → its launch permissions; none means only the owner may launch it. */
    launchPermissions?: Record<string, LaunchPermission[]>;
    /** Default: every snapshot the images name, encrypted. */
    snapshots?: Snapshot[];
    launchTemplates?: { template: LaunchTemplate; versions: LaunchTemplateVersion[] }[];
    autoScalingGroups?: AutoScalingGroup[];
    launchConfigurations?: LaunchConfiguration[];
    instances?: Instance[];
    parameters?: Parameter[];
}

export interface FakeRegion {
    clients: RegionalClients;
    ec2: AwsClientStub<EC2Client>;
    autoScaling: AwsClientStub<AutoScalingClient>;
    ssm: AwsClientStub<SSMClient>;
    /** The fixture as it is now: deregistered images and deleted snapshots are gone from it. */
    world: Required<RegionWorld>;
}

export function fakeAws(worlds: Record<string, RegionWorld>, pageSize = 2): { clientsFor: ClientFactory; regions: Record<string, FakeRegion> } {
    const regions = Object.fromEntries(Object.entries(worlds).map(([region, world]) => [region, fakeRegion(region, world, pageSize)]));
    return {
        regions,
        clientsFor: region => {
            if (!regions[region]) throw new Error(`test set up no fake for region ${region}`);
            return regions[region].clients;
        },
    };
}

export function awsError(name: string, message = `${name} from the fake`): EC2ServiceException {
    return new EC2ServiceException({ name, message, $fault: "client", $metadata: { httpStatusCode: 403 } });
}

function fakeRegion(region: string, fixture: RegionWorld, pageSize: number): FakeRegion {
    const images = fixture.images ?? [];
    const world: Required<RegionWorld> = {
        images: [...images],
        launchPermissions: fixture.launchPermissions ?? {},
        snapshots: fixture.snapshots ?? images.flatMap(image => (image.BlockDeviceMappings ?? [])
            .flatMap(mapping => mapping.Ebs?.SnapshotId ? [{ SnapshotId: mapping.Ebs.SnapshotId, Encrypted: true }] : [])),
        launchTemplates: fixture.launchTemplates ?? [],
        autoScalingGroups: fixture.autoScalingGroups ?? [],
        launchConfigurations: fixture.launchConfigurations ?? [],
        instances: fixture.instances ?? [],
        parameters: fixture.parameters ?? [],
    };
    const clients: RegionalClients = {
        ec2: new EC2Client({ region }),
        autoScaling: new AutoScalingClient({ region }),
        ssm: new SSMClient({ region }),
    };
    const ec2 = mockClient(clients.ec2);
    const autoScaling = mockClient(clients.autoScaling);
    const ssm = mockClient(clients.ssm);
    const page = <T>(items: T[], token: string | undefined) => {
        const start = Number(token ?? 0);
        const next = start + pageSize < items.length ? String(start + pageSize) : undefined;
        return { items: items.slice(start, start + pageSize), NextToken: next };
    };

    ec2.on(DescribeImagesCommand).callsFake(input => {
        const { items, NextToken } = page(world.images.filter(image => matchesFilters(input.Filters, imageFilterValue(image))), input.NextToken);
        return { Images: items, NextToken };
    });
    ec2.on(DescribeImageAttributeCommand).callsFake(input => {
        if (!world.images.some(image => image.ImageId === input.ImageId)) throw awsError("InvalidAMIID.NotFound");
        return { ImageId: input.ImageId, LaunchPermissions: world.launchPermissions[input.ImageId] ?? [] };
    });
    ec2.on(DescribeSnapshotsCommand).callsFake(input => {
        const wanted = (snapshot: Snapshot) => matchesFilters(input.Filters, name => (name === "snapshot-id" ? [snapshot.SnapshotId ?? ""] : []));
        const { items, NextToken } = page(world.snapshots.filter(wanted), input.NextToken);
        return { Snapshots: items, NextToken };
    });
    ec2.on(DescribeLaunchTemplatesCommand).callsFake(input => {
        const { items, NextToken } = page(world.launchTemplates.map(entry => entry.template), input.NextToken);
        return { LaunchTemplates: items, NextToken };
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake(input => {
        const entry = world.launchTemplates.find(candidate => candidate.template.LaunchTemplateId === input.LaunchTemplateId);
        if (!entry) throw awsError("InvalidLaunchTemplateId.NotFound");
        const latest = Math.max(...entry.versions.map(version => version.VersionNumber ?? 0));
        const selected = entry.versions.filter(version => (input.Versions as string[]).some(wanted =>
            wanted === "$Default" ? version.DefaultVersion === true
                : wanted === "$Latest" ? version.VersionNumber === latest
                    : version.VersionNumber === Number(wanted)));
        const { items, NextToken } = page(selected, input.NextToken);
        return { LaunchTemplateVersions: items, NextToken };
    });
    ec2.on(DescribeInstancesCommand).callsFake(input => {
        const matching = world.instances.filter(instance => matchesFilters(input.Filters, name =>
            name === "image-id" ? [instance.ImageId ?? ""] : name === "instance-state-name" ? [instance.State?.Name ?? ""] : []));
        const { items, NextToken } = page(matching, input.NextToken);
        return { Reservations: items.map(instance => ({ Instances: [instance] })), NextToken };
    });
    ec2.on(DeregisterImageCommand).callsFake(input => {
        if (!world.images.some(image => image.ImageId === input.ImageId)) throw awsError("InvalidAMIID.Unavailable");
        world.images = world.images.filter(image => image.ImageId !== input.ImageId);
        return {};
    });
    ec2.on(DeleteSnapshotCommand).callsFake(input => {
        const registered = world.images.find(image => (image.BlockDeviceMappings ?? []).some(mapping => mapping.Ebs?.SnapshotId === input.SnapshotId));
        if (registered) throw awsError("InvalidSnapshot.InUse", `The snapshot ${input.SnapshotId} is currently in use by ${registered.ImageId}`);
        world.snapshots = world.snapshots.filter(snapshot => snapshot.SnapshotId !== input.SnapshotId);
        return {};
    });
    autoScaling.on(DescribeAutoScalingGroupsCommand).callsFake(input => {
        const { items, NextToken } = page(world.autoScalingGroups, input.NextToken);
        return { AutoScalingGroups: items, NextToken };
    });
    autoScaling.on(DescribeLaunchConfigurationsCommand).callsFake(input => {
        const { items, NextToken } = page(world.launchConfigurations, input.NextToken);
        return { LaunchConfigurations: items, NextToken };
    });
    ssm.on(GetParametersByPathCommand).callsFake(input => {
        const prefix = `${String(input.Path).replace(/\/$/, "")}/`;
        const below = world.parameters.filter(parameter => (parameter.Name ?? "").startsWith(prefix)
            && (input.Recursive || !(parameter.Name ?? "").slice(prefix.length).includes("/")));
        const { items, NextToken } = page(below, input.NextToken);
        return { Parameters: items, NextToken };
    });
    ssm.on(GetParametersCommand).callsFake(input => {
        const names: string[] = input.Names;
        const found = world.parameters.filter(parameter => names.includes(parameter.Name ?? ""));
        return { Parameters: found, InvalidParameters: names.filter(name => !found.some(parameter => parameter.Name === name)) };
    });
    return { clients, ec2, autoScaling, ssm, world };
}

/** EC2 semantics: filters AND together, values of one filter OR, `*` a wildcard. */
function matchesFilters(filters: Filter[] | undefined, valuesOf: (filterName: string) => string[]): boolean {
    return (filters ?? []).every(filter => {
        const patterns = (filter.Values ?? []).map(value => new RegExp(`^${value.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*")}$`));
        return valuesOf(filter.Name ?? "").some(actual => patterns.some(pattern => pattern.test(actual)));
    });
}

function imageFilterValue(image: Image): (filterName: string) => string[] {
    return filterName => {
        if (filterName === "name") return [image.Name ?? ""];
        if (filterName.startsWith("tag:")) {
            const key = filterName.slice("tag:".length);
            return (image.Tags ?? []).filter(tag => tag.Key === key).map(tag => tag.Value ?? "");
        }
        return [];
    };
}
