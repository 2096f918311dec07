import { GoldenAmiConfig } from "../../../components/config";
// The preflight against the EC2 emulator (EC2, SSM, IAM, STS as moto holds them), with Inspector and
// image block public access — which moto does not implement — mocked.
import * as assert from "assert";
import {
    AllocateAddressCommand,
    AttachInternetGatewayCommand,
    CreateInternetGatewayCommand,
    CreateNatGatewayCommand,
    CreateRouteCommand,
    CreateRouteTableCommand,
    AssociateRouteTableCommand,
    CreateSubnetCommand,
    CreateVpcCommand,
    CreateVpcEndpointCommand,
    DeleteSubnetCommand,
    DeleteVpcCommand,
    DescribeRouteTablesCommand,
    DescribeSubnetsCommand,
    DescribeVpcsCommand,
    EC2Client,
    GetImageBlockPublicAccessStateCommand,
    ModifySubnetAttributeCommand,
    RegisterImageCommand,
    CreateSnapshotCommand,
    CreateVolumeCommand,
} from "@aws-sdk/client-ec2";
import {
    CreateRoleCommand,
    CreateServiceLinkedRoleCommand,
    GetRoleCommand,
    IAMClient,
    NoSuchEntityException,
    SimulatePrincipalPolicyCommand,
} from "@aws-sdk/client-iam";
import { BatchGetAccountStatusCommand, Inspector2Client } from "@aws-sdk/client-inspector2";
import { mockClient } from "aws-sdk-client-mock";
import { DoctorFacts, judge } from "../../../tools/doctor/checks";
import { DoctorClientFactory, doctorClientFactory } from "../../../tools/doctor/clients";
import { runDoctor } from "../../../tools/doctor/doctor";
import {
    readFacts,
    readImageBlockPublicAccess,
    readInspector,
    readNetwork,
    readPinnedImage,
    readRegionOptIn,
    readServiceLinkedRole,
} from "../../../tools/doctor/facts";
import { DoctorTarget, workflowSessionSeconds } from "../../../tools/doctor/target";
import { parseStackFile } from "../../../tools/images/target";
import { MOTO_ACCOUNT, MotoServer, startMoto } from "../../emulator/motoServer";

const TRUST = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Principal: { Service: "ec2.amazonaws.com" }, Action: "sts:AssumeRole" }],
});

function target(overrides: Partial<DoctorTarget> = {}): DoctorTarget {
    return {
        stack: "dev",
        building: true,
        homeRegion: "us-east-1",
        regions: ["us-east-1"],
        images: [
            {
                name: "al2023-base",
                version: "1.4.1",
                baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
                architecture: "x86_64",
            },
        ],
        blockPublicSharing: true,
        hasFleet: false,
        deployRole: "golden-ami-deploy",
        requiredSessionSeconds: 18000,
        ...overrides,
    };
}

describe("doctor against the EC2 emulator", function () {
    this.timeout(60_000);
    let moto: MotoServer;
    let clientsFor: DoctorClientFactory;
    const inspector = mockClient(Inspector2Client);

    before(async () => {
        moto = await startMoto();
        clientsFor = doctorClientFactory({
            // moto loads a service's data on its first call: generous on a loaded machine.
            maxAttempts: 1,
            retryMode: "standard",
            connectionTimeoutMs: 5_000,
            requestTimeoutMs: 45_000,
            endpoint: moto.endpoint,
            credentials: { accessKeyId: "AKIATESTONLY", secretAccessKey: "test-only" },
        });
    });
    after(async () => {
        inspector.restore();
        await moto?.stop();
    });
    beforeEach(async () => {
        await moto.reset();
        inspector.reset();
        inspector.on(BatchGetAccountStatusCommand).resolves({
            accounts: [
                {
                    accountId: MOTO_ACCOUNT,
                    state: { status: "ENABLED", errorCode: undefined, errorMessage: undefined },
                    resourceState: { ec2: { status: "ENABLED", errorCode: undefined, errorMessage: undefined }, ecr: undefined },
                },
            ],
        });
    });

    const ec2 = () => clientsFor("us-east-1").ec2;
    const iam = (): IAMClient => clientsFor("us-east-1").iam;

    /** What a real default VPC has and moto's lacks: an internet gateway on the main route table. */
    async function routeDefaultVpcToInternet(): Promise<void> {
        const vpcId = (await ec2().send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))).Vpcs![0].VpcId!;
        const gateway = (await ec2().send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
        await ec2().send(new AttachInternetGatewayCommand({ InternetGatewayId: gateway, VpcId: vpcId }));
        const main = (
            await ec2().send(
                new DescribeRouteTablesCommand({
                    Filters: [
                        { Name: "vpc-id", Values: [vpcId] },
                        { Name: "association.main", Values: ["true"] },
                    ],
                }),
            )
        ).RouteTables![0];
        await ec2().send(new CreateRouteCommand({ RouteTableId: main.RouteTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: gateway }));
    }

    async function deleteDefaultVpc(): Promise<void> {
        const vpcId = (await ec2().send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }))).Vpcs![0].VpcId!;
        const subnets = (await ec2().send(new DescribeSubnetsCommand({ Filters: [{ Name: "vpc-id", Values: [vpcId] }] }))).Subnets ?? [];
        for (const subnet of subnets) await ec2().send(new DeleteSubnetCommand({ SubnetId: subnet.SubnetId }));
        await ec2().send(new DeleteVpcCommand({ VpcId: vpcId }));
    }

    /** A VPC with one subnet on a route table of its own. */
    async function privateSubnet(): Promise<{ vpcId: string; subnetId: string; routeTableId: string }> {
        const vpcId = (await ec2().send(new CreateVpcCommand({ CidrBlock: "10.20.0.0/16" }))).Vpc!.VpcId!;
        const subnetId = (await ec2().send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.20.1.0/24" }))).Subnet!.SubnetId!;
        const routeTableId = (await ec2().send(new CreateRouteTableCommand({ VpcId: vpcId }))).RouteTable!.RouteTableId!;
        await ec2().send(new AssociateRouteTableCommand({ RouteTableId: routeTableId, SubnetId: subnetId }));
        return { vpcId, subnetId, routeTableId };
    }

    function networkFinding(facts: Pick<DoctorFacts, "network">, doctorTarget: DoctorTarget) {
        const findings = judge(doctorTarget, {
            identity: { value: { account: MOTO_ACCOUNT, arn: "arn:aws:iam::123456789012:user/me" } },
            serviceLinkedRoles: [],
            baseImages: [],
            imageBlockPublicAccess: [],
            pinnedImages: [],
            ...facts,
        });
        const network = findings.filter(finding => finding.check === "build-network");
        assert.strictEqual(network.length, 1);
        return network[0];
    }

    describe("the build network", () => {
        it("passes the default VPC with its route to an internet gateway and public addresses", async () => {
            await routeDefaultVpcToInternet();
            const finding = networkFinding({ network: await readNetwork(ec2(), target()) }, target());
            assert.strictEqual(finding.status, "pass", finding.message);
            assert.match(finding.message, /routes 0\.0\.0\.0\/0 to the internet gateway igw-/);
        });

        it("fails when the default VPC was deleted and golden-ami:build is not set", async () => {
            await deleteDefaultVpc();
            const finding = networkFinding({ network: await readNetwork(ec2(), target()) }, target());
            assert.strictEqual(finding.status, "fail");
            assert.match(finding.fix ?? "", /aws ec2 create-default-vpc --region us-east-1/);
        });

        it("passes a build subnet whose route table sends 0.0.0.0/0 to a NAT gateway", async () => {
            const { subnetId, routeTableId, vpcId } = await privateSubnet();
            const publicSubnet = (await ec2().send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: "10.20.2.0/24" }))).Subnet!.SubnetId!;
            const allocation = (await ec2().send(new AllocateAddressCommand({ Domain: "vpc" }))).AllocationId!;
            const nat = (await ec2().send(new CreateNatGatewayCommand({ SubnetId: publicSubnet, AllocationId: allocation }))).NatGateway!.NatGatewayId!;
            await ec2().send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: "0.0.0.0/0", NatGatewayId: nat }));
            const doctorTarget = target({ build: { subnetId, securityGroupIds: [] } });
            const finding = networkFinding({ network: await readNetwork(ec2(), doctorTarget) }, doctorTarget);
            assert.strictEqual(finding.status, "pass", finding.message);
            assert.match(finding.message, new RegExp(`NAT gateway ${nat}`));
        });

        it("passes a private build subnet with the endpoints, and fails it naming the ones missing", async () => {
            const { subnetId, routeTableId, vpcId } = await privateSubnet();
            const doctorTarget = target({ build: { subnetId, securityGroupIds: [] } });
            for (const service of ["ssm", "ssmmessages", "ec2messages"]) {
                await ec2().send(
                    new CreateVpcEndpointCommand({
                        VpcId: vpcId,
                        ServiceName: `com.amazonaws.us-east-1.${service}`,
                        VpcEndpointType: "Interface",
                        SubnetIds: [subnetId],
                        PrivateDnsEnabled: true,
                    }),
                );
            }
            const missing = networkFinding({ network: await readNetwork(ec2(), doctorTarget) }, doctorTarget);
            assert.strictEqual(missing.status, "fail");
            assert.match(missing.message, /lacks VPC endpoints for imagebuilder, s3:/);
            await ec2().send(
                new CreateVpcEndpointCommand({
                    VpcId: vpcId,
                    ServiceName: "com.amazonaws.us-east-1.imagebuilder",
                    VpcEndpointType: "Interface",
                    SubnetIds: [subnetId],
                    PrivateDnsEnabled: true,
                }),
            );
            await ec2().send(
                new CreateVpcEndpointCommand({
                    VpcId: vpcId,
                    ServiceName: "com.amazonaws.us-east-1.s3",
                    VpcEndpointType: "Gateway",
                    RouteTableIds: [routeTableId],
                }),
            );
            const complete = networkFinding({ network: await readNetwork(ec2(), doctorTarget) }, doctorTarget);
            assert.strictEqual(complete.status, "pass", complete.message);
        });

        it("fails a build subnet that does not exist", async () => {
            const doctorTarget = target({ build: { subnetId: "subnet-0123456789abcdef0", securityGroupIds: [] } });
            const finding = networkFinding({ network: await readNetwork(ec2(), doctorTarget) }, doctorTarget);
            assert.strictEqual(finding.status, "fail");
            assert.match(finding.message, /subnet-0123456789abcdef0 does not exist in us-east-1/);
        });

        it("fails a subnet that routes to an internet gateway but gives no public addresses; passes it once it does", async () => {
            const { subnetId, routeTableId, vpcId } = await privateSubnet();
            const gateway = (await ec2().send(new CreateInternetGatewayCommand({}))).InternetGateway!.InternetGatewayId!;
            await ec2().send(new AttachInternetGatewayCommand({ InternetGatewayId: gateway, VpcId: vpcId }));
            await ec2().send(new CreateRouteCommand({ RouteTableId: routeTableId, DestinationCidrBlock: "0.0.0.0/0", GatewayId: gateway }));
            const doctorTarget = target({ build: { subnetId, securityGroupIds: [] } });
            assert.strictEqual(networkFinding({ network: await readNetwork(ec2(), doctorTarget) }, doctorTarget).status, "fail");
            await ec2().send(new ModifySubnetAttributeCommand({ SubnetId: subnetId, MapPublicIpOnLaunch: { Value: true } }));
            assert.strictEqual(networkFinding({ network: await readNetwork(ec2(), doctorTarget) }, doctorTarget).status, "pass");
        });
    });

    it("reads every region's opt-in status: an opt-in region the account has not enabled is not-opted-in", async () => {
        const optIn = await readRegionOptIn(ec2());
        assert.ok("value" in optIn, JSON.stringify(optIn));
        assert.strictEqual(optIn.value["us-east-1"], "opt-in-not-required");
        assert.strictEqual(optIn.value["ap-east-1"], "not-opted-in");
    });

    it("reads the pinned AMI and which of its snapshots this account may read; an unknown AMI is not found", async () => {
        const volume = (await ec2().send(new CreateVolumeCommand({ AvailabilityZone: "us-east-1a", Size: 8 }))).VolumeId!;
        const snapshot = (await ec2().send(new CreateSnapshotCommand({ VolumeId: volume }))).SnapshotId!;
        const amiId = (
            await ec2().send(
                new RegisterImageCommand({
                    Name: "al2023-base-1.4.1-dev-2026-11-23T04-00-12.345Z",
                    Architecture: "x86_64",
                    RootDeviceName: "/dev/xvda",
                    BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { SnapshotId: snapshot } }],
                }),
            )
        ).ImageId!;
        const pinned = await readPinnedImage(ec2(), amiId);
        assert.ok("value" in pinned, JSON.stringify(pinned));
        const { found, ownerId, snapshotIds, readableSnapshotIds } = pinned.value;
        assert.deepStrictEqual({ found, ownerId }, { found: true, ownerId: MOTO_ACCOUNT });
        assert.strictEqual(snapshotIds.length, 1, "the image's root snapshot");
        assert.deepStrictEqual(readableSnapshotIds, snapshotIds);
        const unknown = await readPinnedImage(ec2(), "ami-0fedcba9876543210");
        assert.deepStrictEqual(unknown, { value: { found: false, snapshotIds: [], readableSnapshotIds: [] } });
    });

    describe("what moto does not hold, mocked", () => {
        it("reads Inspector's EC2 status for the account, and turns a failed account into an error", async () => {
            assert.deepStrictEqual(await readInspector(clientsFor("us-east-1").inspector, MOTO_ACCOUNT), { value: { ec2Status: "ENABLED" } });
            inspector
                .on(BatchGetAccountStatusCommand)
                .resolves({ accounts: [], failedAccounts: [{ accountId: MOTO_ACCOUNT, errorCode: "ACCESS_DENIED", errorMessage: "not allowed" }] });
            const failed = await readInspector(clientsFor("us-east-1").inspector, MOTO_ACCOUNT);
            assert.ok("error" in failed);
            assert.match(failed.error, /inspector2:BatchGetAccountStatus failed \(ACCESS_DENIED\): not allowed/);
        });

        it("asks IAM's policy simulator whether the deploy role may create a missing service-linked role, for that role's ARN", async () => {
            const client = new IAMClient({ region: "us-east-1" });
            const mocked = mockClient(client);
            try {
                mocked
                    .on(GetRoleCommand, { RoleName: "AWSServiceRoleForImageBuilder" })
                    .rejects(new NoSuchEntityException({ message: "not found", $metadata: {} }));
                mocked
                    .on(SimulatePrincipalPolicyCommand)
                    .resolves({ EvaluationResults: [{ EvalActionName: "iam:CreateServiceLinkedRole", EvalDecision: "implicitDeny" }] });
                const facts = await readServiceLinkedRole(client, "imageBuilder", "111111111111", "aws", {
                    arn: "arn:aws:iam::111111111111:role/golden-ami-deploy",
                });
                assert.deepStrictEqual(facts, { role: "imageBuilder", present: { value: false }, creatable: { value: false } });
                const asked = mocked.commandCalls(SimulatePrincipalPolicyCommand);
                assert.strictEqual(asked.length, 1);
                assert.deepStrictEqual(
                    [asked[0].args[0].input.PolicySourceArn, asked[0].args[0].input.ResourceArns],
                    [
                        "arn:aws:iam::111111111111:role/golden-ami-deploy",
                        ["arn:aws:iam::111111111111:role/aws-service-role/imagebuilder.amazonaws.com/AWSServiceRoleForImageBuilder"],
                    ],
                );
            } finally {
                mocked.restore();
            }
        });

        it("reads image block public access and who manages it", async () => {
            const client = new EC2Client({ region: "us-east-1" });
            const mocked = mockClient(client);
            try {
                mocked.on(GetImageBlockPublicAccessStateCommand).resolves({ ImageBlockPublicAccessState: "unblocked", ManagedBy: "declarative-policy" });
                assert.deepStrictEqual(await readImageBlockPublicAccess(client), { value: { state: "unblocked", managedBy: "declarative-policy" } });
            } finally {
                mocked.restore();
            }
        });
    });

    describe("npm run doctor", () => {
        const output: string[] = [];
        const errors: string[] = [];
        /** moto's clients, with image block public access answered as a new account's (unblocked). */
        const withBlockState: DoctorClientFactory = region => {
            const clients = clientsFor(region);
            const ec2Client = clients.ec2;
            if (!(ec2Client as any).blockStateMocked) {
                const send = ec2Client.send.bind(ec2Client) as (command: unknown) => Promise<unknown>;
                (ec2Client as any).send = (command: unknown) =>
                    command instanceof GetImageBlockPublicAccessStateCommand
                        ? Promise.resolve({ ImageBlockPublicAccessState: "unblocked", ManagedBy: "account" })
                        : send(command);
                (ec2Client as any).blockStateMocked = true;
            }
            return clients;
        };
        const context = () => ({
            clientsFor: withBlockState,
            stdout: (text: string) => output.push(text),
            stderr: (line: string) => errors.push(line),
            loadStack: (stack: string) => withoutWindows(parseStackFile(stack)),
            workflowText:
                "jobs:\n  up-dev:\n    steps:\n      - uses: aws-actions/configure-aws-credentials@v4\n        with:\n          role-duration-seconds: 18000\n",
        });
        beforeEach(() => {
            output.length = 0;
            errors.length = 0;
        });

        async function readyAccount(maxSessionDuration = 18000): Promise<void> {
            await routeDefaultVpcToInternet();
            await iam().send(new CreateRoleCommand({ RoleName: "golden-ami-deploy", AssumeRolePolicyDocument: TRUST, MaxSessionDuration: maxSessionDuration }));
            // moto would name Image Builder's role AWSServiceRoleForimagebuilder; AWS names it as the role below.
            await iam().send(
                new CreateRoleCommand({
                    RoleName: "AWSServiceRoleForImageBuilder",
                    Path: "/aws-service-role/imagebuilder.amazonaws.com/",
                    AssumeRolePolicyDocument: TRUST,
                }),
            );
            await iam().send(new CreateServiceLinkedRoleCommand({ AWSServiceName: "autoscaling.amazonaws.com" }));
        }

        it("exits 0 for dev in a ready account, every finding a pass", async () => {
            await readyAccount();
            const code = await runDoctor(["--stack", "dev"], context());
            assert.strictEqual(code, 0, output.join("\n"));
            const text = output.join("\n");
            assert.doesNotMatch(text, /^(WARN|FAIL)/m);
            assert.match(
                text,
                /^PASS  base-image +al2023-base: SSM parameter \/aws\/service\/ami-amazon-linux-latest\/al2023-ami-kernel-default-x86_64 resolves to ami-/m,
            );
            assert.match(text, /^PASS  regions +us-west-2/m);
        });

        it("exits 1 when a check fails, and --json lists the findings with their fixes", async () => {
            await readyAccount(3600);
            const code = await runDoctor(["--stack", "dev", "--json"], context());
            assert.strictEqual(code, 1);
            const report = JSON.parse(output.join("\n"));
            assert.strictEqual(report.ok, false);
            const failures = report.findings.filter((finding: any) => finding.status === "fail");
            assert.deepStrictEqual(
                failures.map((finding: any) => [finding.check, finding.fix]),
                [["deploy-role", "aws iam update-role --role-name golden-ami-deploy --max-session-duration 18000"]],
            );
        });

        it("checks that each AMI prod pins is visible to prod's account: the emulator's account cannot see dev's example pin", async () => {
            await iam().send(new CreateRoleCommand({ RoleName: "golden-ami-deploy", AssumeRolePolicyDocument: TRUST, MaxSessionDuration: 10800 }));
            const code = await runDoctor(["--stack", "prod"], context());
            assert.strictEqual(code, 1);
            assert.match(
                output.join("\n"),
                /^FAIL  promotion-source +al2023-base ami-0a3c6e2d9b8f71452: this account cannot see ami-0a3c6e2d9b8f71452 in us-east-1/m,
            );
        });

        it("exits 2 without --stack, with an unknown flag, or an unknown stack, before reading AWS", async () => {
            for (const argv of [[], ["--stack", "dev", "--jsn"], ["--stack", "nope"]]) {
                errors.length = 0;
                assert.strictEqual(await runDoctor(argv, context()), 2, argv.join(" "));
                assert.match(errors[0], /^error: /);
            }
        });
    });

    it("reads the whole account in one pass for a building stack", async () => {
        const facts = await readFacts(target(), clientsFor);
        assert.ok("value" in facts.identity);
        assert.strictEqual(facts.baseImages.length, 1);
        assert.ok(facts.inspector && "value" in facts.inspector);
    });
});

describe("doctor: the session the deploy job asks for", () => {
    it("is the up-<stack> job's role-duration-seconds in the main workflow, so doctor and CI agree", () => {
        const workflow =
            "jobs:\n  up-dev:\n    steps:\n      - run: npm ci\n      - with:\n          role-duration-seconds: 18000\n  up-prod:\n    steps:\n      - with:\n          role-duration-seconds: 10800\n";
        assert.strictEqual(workflowSessionSeconds(workflow, "dev"), 18000);
        assert.strictEqual(workflowSessionSeconds(workflow, "prod"), 10800);
        assert.strictEqual(workflowSessionSeconds(workflow, "staging"), undefined);
    });
});

/**
 * The stack without its Windows images: the emulator holds AWS's Amazon Linux parameters (/aws/service/ami-amazon-linux-latest)
 * and none of the Windows ones, so their base-image check cannot pass there. checks.spec.ts judges a Windows base image.
 */
function withoutWindows(config: GoldenAmiConfig): GoldenAmiConfig {
    const windows = new Set(config.images.filter(image => image.platform === "windows").map(image => image.name));
    return { ...config, images: config.images.filter(image => !windows.has(image.name)), fleets: config.fleets.filter(fleet => !windows.has(fleet.image)) };
}
