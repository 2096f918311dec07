import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { DOCS, DoctorFacts, exitCodeOf, Finding, judge, missingEndpoints, VpcEndpoint } from "../../../tools/doctor/checks";
import { DoctorTarget } from "../../../tools/doctor/target";

const ACCOUNT = "111111111111";
const PROD_ACCOUNT = "222222222222";

function building(overrides: Partial<DoctorTarget> = {}): DoctorTarget {
    return {
        stack: "dev",
        building: true,
        homeRegion: "us-east-1",
        regions: ["us-east-1", "us-west-2"],
        images: [
            {
                name: "al2023-base",
                version: "1.4.1",
                baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64",
                architecture: "x86_64",
            },
            {
                name: "al2023-arm",
                version: "1.0.0",
                baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
                architecture: "arm64",
            },
        ],
        blockPublicSharing: true,
        hasFleet: true,
        deployRole: "golden-ami-deploy",
        requiredSessionSeconds: 18000,
        ...overrides,
    };
}

function promoting(overrides: Partial<DoctorTarget> = {}): DoctorTarget {
    return building({
        stack: "prod",
        building: false,
        images: [{ name: "al2023-base", version: "1.4.0", baseImage: "ssm:/x", architecture: "x86_64", pinnedAmiId: "ami-0a3c6e2d9b8f71452" }],
        promoteFrom: { account: ACCOUNT, region: "us-east-1", stack: "dev" },
        sourcePromotingAccounts: [PROD_ACCOUNT],
        requiredSessionSeconds: 10800,
        ...overrides,
    });
}

const ALL_ENDPOINTS: VpcEndpoint[] = [
    ...["ssm", "ssmmessages", "ec2messages", "imagebuilder"].map(service => ({
        service,
        type: "Interface",
        state: "available",
        routeTableIds: [],
        privateDns: true,
    })),
    { service: "s3", type: "Gateway", state: "available", routeTableIds: ["rtb-1"], privateDns: false },
];

function passingFacts(account = ACCOUNT): DoctorFacts {
    return {
        identity: { value: { account, arn: `arn:aws:sts::${account}:assumed-role/admin/me` } },
        regionOptIn: {
            value: { "us-east-1": "opt-in-not-required", "us-west-2": "opt-in-not-required", "eu-south-2": "not-opted-in", "ap-east-1": "opted-in" },
        },
        inspector: { value: { ec2Status: "ENABLED" } },
        network: {
            value: {
                kind: "default-vpc",
                found: true,
                vpcId: "vpc-1",
                subnetCount: 6,
                mapsPublicIp: true,
                routeTableId: "rtb-1",
                routes: [{ destination: "0.0.0.0/0", target: "igw-1" }],
                endpoints: [],
            },
        },
        serviceLinkedRoles: [
            { role: "imageBuilder", present: { value: true } },
            { role: "autoScaling", present: { value: true } },
        ],
        deployRole: { value: { name: "golden-ami-deploy", maxSessionDuration: 18000 } },
        baseImages: [
            {
                image: "al2023-base",
                facts: {
                    value: { parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", amiId: "ami-1", architecture: "x86_64" },
                },
            },
            {
                image: "al2023-arm",
                facts: { value: { parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64", amiId: "ami-2", architecture: "arm64" } },
            },
        ],
        imageBlockPublicAccess: [
            { region: "us-east-1", facts: { value: { state: "block-new-sharing", managedBy: "account" } } },
            { region: "us-west-2", facts: { value: { state: "unblocked", managedBy: "account" } } },
        ],
        pinnedImages: [],
    };
}

function promotingFacts(): DoctorFacts {
    return {
        ...passingFacts(PROD_ACCOUNT),
        inspector: undefined,
        network: undefined,
        baseImages: [],
        serviceLinkedRoles: [{ role: "autoScaling", present: { value: true } }],
        deployRole: { value: { name: "golden-ami-deploy", maxSessionDuration: 10800 } },
        pinnedImages: [
            {
                image: "al2023-base",
                amiId: "ami-0a3c6e2d9b8f71452",
                facts: { value: { found: true, state: "available", ownerId: ACCOUNT, snapshotIds: ["snap-1"], readableSnapshotIds: ["snap-1"] } },
            },
        ],
    };
}

function only(findings: Finding[], check: Finding["check"], subject?: string): Finding {
    const matching = findings.filter(finding => finding.check === check && (subject === undefined || finding.subject.includes(subject)));
    assert.strictEqual(matching.length, 1, `one ${check} finding${subject ? ` for ${subject}` : ""}, got ${JSON.stringify(matching)}`);
    return matching[0];
}

describe("doctor: verdicts over what was read", () => {
    it("passes a ready building stack and a ready promoting stack: every finding passes, exit 0", () => {
        for (const [target, facts] of [
            [building(), passingFacts()],
            [promoting(), promotingFacts()],
        ] as const) {
            const findings = judge(target, facts);
            assert.ok(findings.length >= 8, `${target.stack}: ${findings.length} findings`);
            assert.deepStrictEqual(
                findings.filter(finding => finding.status !== "pass"),
                [],
                target.stack,
            );
            assert.strictEqual(exitCodeOf(findings), 0);
        }
    });

    it("stops at the credentials: without an identity nothing else is judged, and it fails", () => {
        const findings = judge(building(), { ...passingFacts(), identity: { error: "no AWS credentials: set AWS_PROFILE" } });
        assert.strictEqual(findings.length, 1);
        assert.strictEqual(findings[0].status, "fail");
        assert.match(findings[0].message, /no AWS credentials/);
        assert.strictEqual(exitCodeOf(findings), 1);
    });

    it("fails a promoting stack run with the building account's credentials", () => {
        const finding = only(
            judge(promoting(), { ...promotingFacts(), identity: { value: { account: ACCOUNT, arn: "arn:aws:sts::111111111111:user/me" } } }),
            "credentials",
        );
        assert.strictEqual(finding.status, "fail");
        assert.match(finding.message, /the account stack prod promotes from/);
    });

    it("fails an opt-in region that is not enabled, with the command that enables it", () => {
        const finding = only(judge(building({ regions: ["us-east-1", "eu-south-2"] }), passingFacts()), "regions", "eu-south-2");
        assert.strictEqual(finding.status, "fail");
        assert.strictEqual(finding.fix?.split("   ")[0], "aws account enable-region --region-name eu-south-2");
        assert.strictEqual(only(judge(building({ regions: ["us-east-1", "ap-east-1"] }), passingFacts()), "regions", "ap-east-1").status, "pass");
    });

    it("checks the region a promoting stack copies from, too", () => {
        const findings = judge(promoting({ promoteFrom: { account: ACCOUNT, region: "eu-south-2", stack: "dev" } }), promotingFacts());
        assert.strictEqual(only(findings, "regions", "eu-south-2").status, "fail");
    });

    it("fails a building stack whose home region does not scan EC2 with Inspector, with the enable command for its account", () => {
        for (const ec2Status of ["DISABLED", "SUSPENDED", undefined]) {
            const finding = only(judge(building(), { ...passingFacts(), inspector: { value: { ec2Status } } }), "inspector");
            assert.strictEqual(finding.status, "fail", String(ec2Status));
            assert.strictEqual(finding.fix, `aws inspector2 enable --resource-types EC2 --account-ids ${ACCOUNT} --region us-east-1`);
        }
        assert.strictEqual(only(judge(building(), { ...passingFacts(), inspector: { value: { ec2Status: "ENABLING" } } }), "inspector").status, "warn");
    });

    it("warns, never passes, when a check could not read AWS, and keeps the fix", () => {
        const finding = only(
            judge(building(), { ...passingFacts(), inspector: { error: "inspector2:BatchGetAccountStatus was denied (AccessDeniedException)" } }),
            "inspector",
        );
        assert.strictEqual(finding.status, "warn");
        assert.match(finding.message, /could not check: inspector2:BatchGetAccountStatus was denied/);
        assert.match(finding.fix ?? "", /aws inspector2 enable/);
    });

    describe("the build network", () => {
        const network = (value: any) =>
            only(
                judge(building(value.kind === "subnet" ? { build: { subnetId: value.subnetId, securityGroupIds: [] } } : {}), {
                    ...passingFacts(),
                    network: { value },
                }),
                "build-network",
            );
        const subnet = { kind: "subnet", subnetId: "subnet-0a1b2c3d", found: true, vpcId: "vpc-2", mapsPublicIp: false, routeTableId: "rtb-1" };

        it("fails without a default VPC and without golden-ami:build, naming both ways out", () => {
            const finding = network({ kind: "default-vpc", found: false });
            assert.strictEqual(finding.status, "fail");
            assert.match(finding.fix ?? "", /^aws ec2 create-default-vpc --region us-east-1 .*docs\/setup\.md#the-build-network/);
        });

        it("fails a build subnet that does not exist", () => {
            assert.strictEqual(network({ kind: "subnet", subnetId: "subnet-0a1b2c3d", found: false }).status, "fail");
        });

        it("passes a subnet whose default route is a NAT gateway", () => {
            assert.strictEqual(network({ ...subnet, routes: [{ destination: "0.0.0.0/0", target: "nat-1" }], endpoints: [] }).status, "pass");
        });

        it("fails a route to an internet gateway when the subnet gives no public addresses, and no endpoints", () => {
            const finding = network({ ...subnet, routes: [{ destination: "0.0.0.0/0", target: "igw-1" }], endpoints: [] });
            assert.strictEqual(finding.status, "fail");
            assert.match(finding.message, /no public address/);
        });

        it("passes a private subnet with every endpoint, the S3 gateway on its route table; fails it naming what is missing", () => {
            assert.strictEqual(network({ ...subnet, routes: [], endpoints: ALL_ENDPOINTS }).status, "pass");
            const finding = network({ ...subnet, routes: [], endpoints: ALL_ENDPOINTS.filter(endpoint => endpoint.service !== "ssmmessages") });
            assert.strictEqual(finding.status, "fail");
            assert.match(finding.message, /lacks VPC endpoints for ssmmessages:/);
        });

        it("warns, not fails, when the default route leads somewhere doctor cannot follow (a transit gateway)", () => {
            assert.strictEqual(network({ ...subnet, routes: [{ destination: "0.0.0.0/0", target: "tgw-1" }], endpoints: [] }).status, "warn");
        });

        it("counts an S3 gateway endpoint only on the subnet's route table, and interface endpoints only with private DNS", () => {
            const elsewhere = ALL_ENDPOINTS.map(endpoint => (endpoint.service === "s3" ? { ...endpoint, routeTableIds: ["rtb-other"] } : endpoint));
            assert.deepStrictEqual(missingEndpoints(elsewhere, "rtb-1"), ["s3"]);
            const noDns = ALL_ENDPOINTS.map(endpoint => (endpoint.service === "ssm" ? { ...endpoint, privateDns: false } : endpoint));
            assert.deepStrictEqual(missingEndpoints(noDns, "rtb-1"), ["ssm"]);
        });
    });

    it("passes a missing service-linked role the deploy role may create, fails one it may not, warns when it cannot tell", () => {
        const roleFinding = (creatable: any) =>
            only(
                judge(building(), { ...passingFacts(), serviceLinkedRoles: [{ role: "imageBuilder", present: { value: false }, creatable }] }),
                "service-linked-roles",
            );
        assert.strictEqual(roleFinding({ value: true }).status, "pass");
        const denied = roleFinding({ value: false });
        assert.strictEqual(denied.status, "fail");
        assert.strictEqual(denied.fix, "aws iam create-service-linked-role --aws-service-name imagebuilder.amazonaws.com");
        assert.strictEqual(roleFinding(undefined).status, "warn");
    });

    it("fails a deploy role whose MaxSessionDuration is shorter than the session the deploy job asks for, with the update command", () => {
        const finding = only(
            judge(building(), { ...passingFacts(), deployRole: { value: { name: "golden-ami-deploy", maxSessionDuration: 3600 } } }),
            "deploy-role",
        );
        assert.strictEqual(finding.status, "fail");
        assert.match(finding.message, /MaxSessionDuration is 1 h, but a build asks for a 5 h session/);
        assert.strictEqual(finding.fix, "aws iam update-role --role-name golden-ami-deploy --max-session-duration 18000");
        const missing = only(judge(building(), { ...passingFacts(), deployRole: { value: undefined } }), "deploy-role");
        assert.strictEqual(missing.status, "fail");
        assert.match(missing.fix ?? "", /docs\/setup\.md#3-two-roles-per-account/);
    });

    it("judges every image's base: a missing parameter fails, and so does a base of another architecture than the image declares", () => {
        const facts = passingFacts();
        facts.baseImages = [
            { image: "al2023-base", facts: { value: { parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" } } },
            {
                image: "al2023-arm",
                facts: {
                    value: { parameter: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64", amiId: "ami-1", architecture: "x86_64" },
                },
            },
        ];
        const findings = judge(building(), facts);
        assert.match(only(findings, "base-image", "al2023-base").message, /does not exist in us-east-1/);
        const wrongArchitecture = only(findings, "base-image", "al2023-arm");
        assert.strictEqual(wrongArchitecture.status, "fail");
        assert.match(wrongArchitecture.message, /a x86_64 image, but al2023-arm is declared arm64/);
        assert.strictEqual(wrongArchitecture.fix, "set image.baseImage to ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64");
    });

    it("image block public access: unblocked passes where up turns it on, fails where blockPublicSharing is off or an organization policy holds it open", () => {
        const state = (target: DoctorTarget, value: { state: string; managedBy: string }) =>
            only(judge(target, { ...passingFacts(), imageBlockPublicAccess: [{ region: "us-west-2", facts: { value } }] }), "image-block-public-access");
        assert.strictEqual(state(building(), { state: "unblocked", managedBy: "account" }).status, "pass");
        assert.strictEqual(state(building(), { state: "unblocked", managedBy: "declarative-policy" }).status, "fail");
        const off = state(building({ blockPublicSharing: false }), { state: "unblocked", managedBy: "account" });
        assert.strictEqual(off.status, "fail");
        assert.match(off.fix ?? "", /^aws ec2 enable-image-block-public-access --image-block-public-access-state block-new-sharing --region us-west-2/);
        assert.strictEqual(state(building({ blockPublicSharing: false }), { state: "block-new-sharing", managedBy: "declarative-policy" }).status, "pass");
    });

    describe("a promoting stack's source", () => {
        it("fails when the building stack does not list this account among its promoting accounts", () => {
            const finding = only(judge(promoting({ sourcePromotingAccounts: ["999999999999"] }), promotingFacts()), "promotion-source", "promotingAccounts");
            assert.strictEqual(finding.status, "fail");
            assert.match(finding.fix ?? "", /add "222222222222" to golden-ami:sharing\.promotingAccounts in Pulumi\.dev\.yaml/);
        });

        const pinned = (value: any) =>
            only(
                judge(promoting(), { ...promotingFacts(), pinnedImages: [{ image: "al2023-base", amiId: "ami-0a3c6e2d9b8f71452", facts: { value } }] }),
                "promotion-source",
                "ami-",
            );

        it("fails a pinned AMI this account cannot see, one of another owner, one not available, one whose snapshot is not shared", () => {
            const cases = [
                [{ found: false, snapshotIds: [], readableSnapshotIds: [] }, /cannot see ami-0a3c6e2d9b8f71452 in us-east-1/],
                [
                    { found: true, state: "available", ownerId: "999999999999", snapshotIds: [], readableSnapshotIds: [] },
                    /belongs to 999999999999, not to 111111111111/,
                ],
                [{ found: true, state: "failed", ownerId: ACCOUNT, snapshotIds: [], readableSnapshotIds: [] }, /is failed, not available/],
                [
                    { found: true, state: "available", ownerId: ACCOUNT, snapshotIds: ["snap-1", "snap-2"], readableSnapshotIds: ["snap-1"] },
                    /not its snapshot snap-2: CopyImage fails/,
                ],
            ] as const;
            for (const [value, message] of cases) {
                const finding = pinned(value);
                assert.strictEqual(finding.status, "fail", JSON.stringify(value));
                assert.match(finding.message, message);
            }
        });
    });

    it("cites docs anchors that exist", () => {
        const anchors = Object.values(DOCS);
        assert.ok(anchors.length > 0);
        for (const anchor of anchors) {
            const [file, fragment] = anchor.split("#");
            const slugs = fs
                .readFileSync(path.join(__dirname, "../../..", file), "utf8")
                .split("\n")
                .filter(line => /^#{1,6} /.test(line))
                .map(line =>
                    line
                        .replace(/^#+ /, "")
                        .toLowerCase()
                        .replace(/[^\p{L}\p{N} -]/gu, "")
                        .replace(/ /g, "-"),
                );
            assert.ok(slugs.includes(fragment), `${anchor}: headings are ${slugs.join(", ")}`);
        }
    });
});
