// A small in-memory AWS region behind aws-sdk-client-mock: real SDK clients whose `send` answers from
// the fixture, every list in pages of `pageSize`, the filters the tool uses honoured, and deregister /
// delete acting on the fixture (a snapshot of a registered image cannot be deleted, as in EC2).
// DescribeRegions answers with the regions set up (or `enabledRegions`), in any region. KMS answers from
// `keys`; ModifyImageAttribute, ModifySnapshotAttribute and RevokeGrant remove from the fixture.
// Image Builder answers from `builds`: ListImages, ListImageBuildVersions, GetImage, and each build's
// scan findings and packages.
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
    DescribeRegionsCommand,
    DescribeSnapshotAttributeCommand,
    DescribeSnapshotsCommand,
    CreateVolumePermission,
    EC2Client,
    EC2ServiceException,
    Filter,
    Image,
    Instance,
    LaunchPermission,
    LaunchTemplate,
    LaunchTemplateVersion,
    ModifyImageAttributeCommand,
    ModifySnapshotAttributeCommand,
    Snapshot,
} from "@aws-sdk/client-ec2";
import {
    GetImageCommand,
    ImagebuilderClient,
    ImagePackage,
    ImageScanFinding,
    ListImageBuildVersionsCommand,
    ListImagePackagesCommand,
    ListImagesCommand,
    ListImageScanFindingsCommand,
    ResourceNotFoundException,
} from "@aws-sdk/client-imagebuilder";
import { GetParametersByPathCommand, GetParametersCommand, Parameter, SSMClient } from "@aws-sdk/client-ssm";
import { DescribeKeyCommand, GrantListEntry, KMSClient, ListGrantsCommand, NotFoundException, RevokeGrantCommand } from "@aws-sdk/client-kms";
import { AwsClientStub, mockClient } from "aws-sdk-client-mock";
import { ClientFactory, RegionalClients } from "../../../tools/images/aws/clients";

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
    /** Snapshot id → who may create volumes from it; none means the owner only. */
    volumePermissions?: Record<string, CreateVolumePermission[]>;
    /** Image Builder's builds in this region. */
    builds?: FakeBuild[];
    /** KMS keys in this region: the alias naming one (if any) and the grants on it. */
    keys?: FakeKey[];
}

export interface FakeKey {
    arn: string;
    alias?: string;
    grants?: GrantListEntry[];
}

/** One Image Builder build version, as the tool reads it. */
export interface FakeBuild {
    /** `arn:aws:imagebuilder:<region>:<account>:image/<name>/<version>/<build>`. */
    arn: string;
    /** AVAILABLE, FAILED, BUILDING, ... */
    status: string;
    /** The AMI it distributed to its own region. */
    amiId?: string;
    region?: string;
    /** The image's scanState.status; undefined: no scan at all. */
    scanStatus?: string;
    scanReason?: string;
    scanningEnabled?: boolean;
    findings?: ImageScanFinding[];
    packages?: ImagePackage[];
    /** The component ARNs of the build's recipe, in order. */
    components?: string[];
}

export interface FakeRegion {
    clients: RegionalClients;
    ec2: AwsClientStub<EC2Client>;
    autoScaling: AwsClientStub<AutoScalingClient>;
    ssm: AwsClientStub<SSMClient>;
    imageBuilder: AwsClientStub<ImagebuilderClient>;
    kms: AwsClientStub<KMSClient>;
    /** The fixture as it is now: deregistered images and deleted snapshots are gone from it. */
    world: Required<RegionWorld>;
}

export interface FakeAccount {
    /** What DescribeRegions answers; default the regions set up. */
    enabledRegions?: string[];
}

export function fakeAws(
    worlds: Record<string, RegionWorld>,
    pageSize = 2,
    account: FakeAccount = {},
): { clientsFor: ClientFactory; regions: Record<string, FakeRegion> } {
    const enabledRegions = account.enabledRegions ?? Object.keys(worlds);
    const regions = Object.fromEntries(Object.entries(worlds).map(([region, world]) => [region, fakeRegion(region, world, pageSize, enabledRegions)]));
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

function fakeRegion(region: string, fixture: RegionWorld, pageSize: number, enabledRegions: string[]): FakeRegion {
    const images = fixture.images ?? [];
    const world: Required<RegionWorld> = {
        images: [...images],
        launchPermissions: fixture.launchPermissions ?? {},
        snapshots:
            fixture.snapshots ??
            images.flatMap(image =>
                (image.BlockDeviceMappings ?? []).flatMap(mapping =>
                    mapping.Ebs?.SnapshotId ? [{ SnapshotId: mapping.Ebs.SnapshotId, Encrypted: true }] : [],
                ),
            ),
        launchTemplates: fixture.launchTemplates ?? [],
        autoScalingGroups: fixture.autoScalingGroups ?? [],
        launchConfigurations: fixture.launchConfigurations ?? [],
        instances: fixture.instances ?? [],
        parameters: fixture.parameters ?? [],
        volumePermissions: fixture.volumePermissions ?? {},
        builds: fixture.builds ?? [],
        keys: fixture.keys ?? [],
    };
    const clients: RegionalClients = {
        ec2: new EC2Client({ region }),
        autoScaling: new AutoScalingClient({ region }),
        ssm: new SSMClient({ region }),
        imageBuilder: new ImagebuilderClient({ region }),
        kms: new KMSClient({ region }),
    };
    const ec2 = mockClient(clients.ec2);
    const autoScaling = mockClient(clients.autoScaling);
    const ssm = mockClient(clients.ssm);
    const imageBuilder = mockClient(clients.imageBuilder);
    const kms = mockClient(clients.kms);
    const page = <T>(items: T[], token: string | undefined) => {
        const start = Number(token ?? 0);
        const next = start + pageSize < items.length ? String(start + pageSize) : undefined;
        return { items: items.slice(start, start + pageSize), NextToken: next };
    };

    ec2.on(DescribeRegionsCommand).callsFake(() => ({
        Regions: enabledRegions.map(name => ({ RegionName: name, Endpoint: `ec2.${name}.amazonaws.com`, OptInStatus: "opt-in-not-required" })),
    }));
    ec2.on(ModifyImageAttributeCommand).callsFake(input => {
        const removed = input.LaunchPermission?.Remove ?? [];
        const same = (left: LaunchPermission, right: LaunchPermission) =>
            left.UserId === right.UserId &&
            left.Group === right.Group &&
            left.OrganizationArn === right.OrganizationArn &&
            left.OrganizationalUnitArn === right.OrganizationalUnitArn;
        world.launchPermissions[input.ImageId] = (world.launchPermissions[input.ImageId] ?? []).filter(
            permission => !removed.some((gone: LaunchPermission) => same(permission, gone)),
        );
        return {};
    });
    ec2.on(ModifySnapshotAttributeCommand).callsFake(input => {
        const accounts: string[] = input.UserIds ?? [];
        const groups: string[] = input.GroupNames ?? [];
        world.volumePermissions[input.SnapshotId] = (world.volumePermissions[input.SnapshotId] ?? []).filter(
            permission => !accounts.includes(permission.UserId ?? "") && !groups.includes(permission.Group ?? ""),
        );
        return {};
    });
    const keyOf = (keyId: string | undefined) => {
        const key = world.keys.find(candidate => candidate.arn === keyId || candidate.alias === keyId);
        if (!key) throw new NotFoundException({ message: `no key ${keyId}`, $metadata: {} });
        return key;
    };
    kms.on(DescribeKeyCommand).callsFake(input => ({ KeyMetadata: { KeyId: keyOf(input.KeyId).arn.split("/").pop(), Arn: keyOf(input.KeyId).arn } }));
    kms.on(ListGrantsCommand).callsFake(input => {
        const { items, NextToken } = page(keyOf(input.KeyId).grants ?? [], input.Marker);
        return { Grants: items, NextMarker: NextToken, Truncated: NextToken !== undefined };
    });
    kms.on(RevokeGrantCommand).callsFake(input => {
        const key = keyOf(input.KeyId);
        key.grants = (key.grants ?? []).filter(grant => grant.GrantId !== input.GrantId);
        return {};
    });
    ec2.on(DescribeImagesCommand).callsFake(input => {
        const { items, NextToken } = page(
            world.images.filter(image => matchesFilters(input.Filters, imageFilterValue(image))),
            input.NextToken,
        );
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
    ec2.on(DescribeSnapshotAttributeCommand).callsFake(input => {
        if (!world.snapshots.some(snapshot => snapshot.SnapshotId === input.SnapshotId)) throw awsError("InvalidSnapshot.NotFound");
        return { SnapshotId: input.SnapshotId, CreateVolumePermissions: world.volumePermissions[input.SnapshotId] ?? [] };
    });
    ec2.on(DescribeLaunchTemplatesCommand).callsFake(input => {
        const { items, NextToken } = page(
            world.launchTemplates.map(entry => entry.template),
            input.NextToken,
        );
        return { LaunchTemplates: items, NextToken };
    });
    ec2.on(DescribeLaunchTemplateVersionsCommand).callsFake(input => {
        const entry = world.launchTemplates.find(candidate => candidate.template.LaunchTemplateId === input.LaunchTemplateId);
        if (!entry) throw awsError("InvalidLaunchTemplateId.NotFound");
        const latest = Math.max(...entry.versions.map(version => version.VersionNumber ?? 0));
        const selected = entry.versions.filter(version =>
            (input.Versions as string[]).some(wanted =>
                wanted === "$Default"
                    ? version.DefaultVersion === true
                    : wanted === "$Latest"
                      ? version.VersionNumber === latest
                      : version.VersionNumber === Number(wanted),
            ),
        );
        const { items, NextToken } = page(selected, input.NextToken);
        return { LaunchTemplateVersions: items, NextToken };
    });
    ec2.on(DescribeInstancesCommand).callsFake(input => {
        const matching = world.instances.filter(instance =>
            matchesFilters(input.Filters, name =>
                name === "image-id" ? [instance.ImageId ?? ""] : name === "instance-state-name" ? [instance.State?.Name ?? ""] : [],
            ),
        );
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
        const below = world.parameters.filter(
            parameter => (parameter.Name ?? "").startsWith(prefix) && (input.Recursive || !(parameter.Name ?? "").slice(prefix.length).includes("/")),
        );
        const { items, NextToken } = page(below, input.NextToken);
        return { Parameters: items, NextToken };
    });
    ssm.on(GetParametersCommand).callsFake(input => {
        const names: string[] = input.Names;
        const found = world.parameters.filter(parameter => names.includes(parameter.Name ?? ""));
        return { Parameters: found, InvalidParameters: names.filter(name => !found.some(parameter => parameter.Name === name)) };
    });
    fakeImageBuilder(imageBuilder, world, region, page);
    return { clients, ec2, autoScaling, ssm, imageBuilder, kms, world };
}

function fakeImageBuilder(
    imageBuilder: AwsClientStub<ImagebuilderClient>,
    world: Required<RegionWorld>,
    region: string,
    page: <T>(items: T[], token: string | undefined) => { items: T[]; NextToken?: string },
): void {
    const versionArnOf = (build: FakeBuild) => build.arn.split("/").slice(0, -1).join("/");
    const outputOf = (build: FakeBuild) => ({ amis: build.amiId ? [{ region: build.region ?? region, image: build.amiId }] : [] });
    const buildOf = (arn: string | undefined) => {
        const build = world.builds.find(candidate => candidate.arn === arn);
        if (!build) throw new ResourceNotFoundException({ message: `no build ${arn}`, $metadata: {} });
        return build;
    };
    const filterValue = (filters: { name?: string; values?: string[] }[] | undefined, name: string) => filters?.find(filter => filter.name === name)?.values;

    imageBuilder.on(ListImagesCommand).callsFake(input => {
        const names = filterValue(input.filters, "name");
        const versions = filterValue(input.filters, "version");
        const versionArns = [...new Set(world.builds.map(versionArnOf))];
        const listed = versionArns
            .map(arn => ({ arn, name: arn.split("/")[1], version: arn.split("/")[2] }))
            .filter(version => (!names || names.includes(version.name)) && (!versions || versions.includes(version.version)));
        const { items, NextToken } = page(listed, input.nextToken);
        return { imageVersionList: items, nextToken: NextToken };
    });
    imageBuilder.on(ListImageBuildVersionsCommand).callsFake(input => {
        const builds = world.builds
            .filter(build => versionArnOf(build) === input.imageVersionArn)
            .map(build => ({ arn: build.arn, state: { status: build.status }, outputResources: outputOf(build) }));
        const { items, NextToken } = page(builds, input.nextToken);
        return { imageSummaryList: items, nextToken: NextToken };
    });
    imageBuilder.on(GetImageCommand).callsFake(input => {
        const build = buildOf(input.imageBuildVersionArn);
        return {
            image: {
                arn: build.arn,
                state: { status: build.status },
                outputResources: outputOf(build),
                ...(build.components && { imageRecipe: { components: build.components.map(componentArn => ({ componentArn })) } }),
                imageScanningConfiguration: { imageScanningEnabled: build.scanningEnabled ?? build.scanStatus !== undefined },
                scanState: build.scanStatus === undefined ? undefined : { status: build.scanStatus, reason: build.scanReason },
            },
        };
    });
    imageBuilder.on(ListImageScanFindingsCommand).callsFake(input => {
        // The API takes exactly one filter.
        if (input.filters?.length !== 1) throw new Error(`ListImageScanFindings takes exactly one filter, got ${JSON.stringify(input.filters)}`);
        const arns = filterValue(input.filters, "imageBuildVersionArn") ?? [];
        const findings = world.builds.filter(build => arns.includes(build.arn)).flatMap(build => build.findings ?? []);
        const { items, NextToken } = page(findings, input.nextToken);
        return { findings: items, nextToken: NextToken };
    });
    imageBuilder.on(ListImagePackagesCommand).callsFake(input => {
        const { items, NextToken } = page(buildOf(input.imageBuildVersionArn).packages ?? [], input.nextToken);
        return { imagePackageList: items, nextToken: NextToken };
    });
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
