// The preflight's verdicts: pure functions from what the adapters read (facts.ts) to findings. Each
// finding says pass, warn or fail and, unless it passes, the exact fix: a command or a docs anchor.
import { Architecture, DoctorTarget } from "./target";

export type Status = "pass" | "warn" | "fail";

export const CHECKS = [
    "credentials",
    "regions",
    "inspector",
    "build-network",
    "service-linked-roles",
    "deploy-role",
    "base-image",
    "image-block-public-access",
    "promotion-source",
] as const;
export type CheckName = (typeof CHECKS)[number];

export interface Finding {
    check: CheckName;
    status: Status;
    /** What was checked: a region, an image, a role. */
    subject: string;
    message: string;
    /** A command to run or a docs anchor to follow; absent when the check passed. */
    fix?: string;
}

/** A value an adapter read, or why it could not be read (an explained AWS error). */
export type Read<T> = { value: T } | { error: string };

export const DOCS = {
    prerequisites: "docs/setup.md#5-prerequisites-in-the-accounts",
    buildNetwork: "docs/setup.md#the-build-network",
    roles: "docs/setup.md#3-two-roles-per-account",
    promotion: "docs/operations.md#patch-cadence-scan-gate-and-promotion",
};

export interface Route {
    destination: string;
    /** The target's id: igw-…, nat-…, tgw-…, pcx-…, eni-…, vpce-…, local. */
    target: string;
}

export interface VpcEndpoint {
    /** The service's last name part: ssm, ssmmessages, ec2messages, imagebuilder, s3, logs. */
    service: string;
    type: "Interface" | "Gateway" | "GatewayLoadBalancer" | string;
    state?: string;
    routeTableIds: string[];
    privateDns: boolean;
}

export type NetworkFacts =
    | { kind: "subnet"; subnetId: string; found: false }
    | { kind: "subnet"; subnetId: string; found: true; vpcId: string; mapsPublicIp: boolean; routeTableId?: string; routes: Route[]; endpoints: VpcEndpoint[] }
    | { kind: "default-vpc"; found: false }
    | {
          kind: "default-vpc";
          found: true;
          vpcId: string;
          subnetCount: number;
          mapsPublicIp: boolean;
          routeTableId?: string;
          routes: Route[];
          endpoints: VpcEndpoint[];
      };

export interface ServiceLinkedRoleFacts {
    role: ServiceLinkedRole;
    present: Read<boolean>;
    /** Read only when the role is missing: whether the deploy role may create it (IAM's policy simulator). */
    creatable?: Read<boolean>;
}

export interface BaseImageFacts {
    /** The SSM parameter read, for `ssm:` bases. */
    parameter?: string;
    /** undefined: the parameter does not exist. */
    amiId?: string;
    /** undefined: no such AMI visible to this account. */
    architecture?: string;
}

export interface PinnedImageFacts {
    found: boolean;
    state?: string;
    ownerId?: string;
    snapshotIds: string[];
    /** Snapshots this account may create volumes from (what CopyImage needs). */
    readableSnapshotIds: string[];
}

export interface DoctorFacts {
    identity: Read<{ account: string; arn: string }>;
    /** Region name → EC2's OptInStatus, for every region the account's partition has. */
    regionOptIn?: Read<Record<string, string>>;
    /** Building stacks: Inspector's EC2 scanning status in the home region. */
    inspector?: Read<{ ec2Status?: string }>;
    network?: Read<NetworkFacts>;
    serviceLinkedRoles: ServiceLinkedRoleFacts[];
    /** undefined value: no such role. */
    deployRole?: Read<{ name: string; maxSessionDuration: number } | undefined>;
    baseImages: Array<{ image: string; facts: Read<BaseImageFacts> }>;
    imageBlockPublicAccess: Array<{ region: string; facts: Read<{ state?: string; managedBy?: string }> }>;
    pinnedImages: Array<{ image: string; amiId: string; facts: Read<PinnedImageFacts> }>;
}

export const SERVICE_LINKED_ROLES = {
    imageBuilder: { name: "AWSServiceRoleForImageBuilder", service: "imagebuilder.amazonaws.com" },
    autoScaling: { name: "AWSServiceRoleForAutoScaling", service: "autoscaling.amazonaws.com" },
} as const;
export type ServiceLinkedRole = keyof typeof SERVICE_LINKED_ROLES;

/** The service-linked roles the stack's `up` needs: Image Builder's to build, Auto Scaling's to launch a fleet from encrypted images. */
export function serviceLinkedRolesFor(target: DoctorTarget): ServiceLinkedRole[] {
    return [...(target.building ? ["imageBuilder" as const] : []), ...(target.hasFleet ? ["autoScaling" as const] : [])];
}

/** Regions whose EC2 must answer: every stack region, and the region a promoting stack copies from. */
export function regionsToEnable(target: DoctorTarget): string[] {
    return [...new Set([...target.regions, ...(target.promoteFrom ? [target.promoteFrom.region] : [])])];
}

/** Interface endpoints a build subnet without a NAT route needs (Systems Manager drives the instance; Image Builder reports to itself). */
export const INTERFACE_ENDPOINTS = ["ssm", "ssmmessages", "ec2messages", "imagebuilder"] as const;

export function judge(target: DoctorTarget, facts: DoctorFacts): Finding[] {
    const findings: Finding[] = [judgeIdentity(target, facts)];
    if ("error" in facts.identity) return findings;
    const account = facts.identity.value.account;
    if (facts.regionOptIn) findings.push(...judgeRegions(target, facts.regionOptIn));
    if (facts.inspector) findings.push(judgeInspector(target, account, facts.inspector));
    if (facts.network) findings.push(judgeNetwork(target, facts.network));
    for (const role of facts.serviceLinkedRoles) findings.push(judgeServiceLinkedRole(role));
    if (facts.deployRole) findings.push(judgeDeployRole(target, facts.deployRole));
    const declared = new Map(target.images.map(image => [image.name, image.architecture]));
    for (const { image, facts: base } of facts.baseImages) findings.push(judgeBaseImage(target, image, declared.get(image) ?? "x86_64", base));
    for (const { region, facts: state } of facts.imageBlockPublicAccess) findings.push(judgeImageBlockPublicAccess(target, region, state));
    if (target.promoteFrom) {
        findings.push(...judgePromotingAccount(target, account));
        for (const pinned of facts.pinnedImages) findings.push(judgePinnedImage(target, account, pinned));
    }
    return findings;
}

/** Exit code: 0 with no failure. */
export function exitCodeOf(findings: Finding[]): 0 | 1 {
    return findings.some(finding => finding.status === "fail") ? 1 : 0;
}

function unread(check: CheckName, subject: string, error: string, fix?: string): Finding {
    return { check, status: "warn", subject, message: `could not check: ${error}`, ...(fix && { fix }) };
}

function judgeIdentity(target: DoctorTarget, facts: DoctorFacts): Finding {
    if ("error" in facts.identity) {
        return {
            check: "credentials",
            status: "fail",
            subject: target.homeRegion,
            message: `no usable AWS identity: ${facts.identity.error}`,
            fix: "aws sts get-caller-identity   # must answer with the account the stack deploys into; then run doctor again",
        };
    }
    const { account, arn } = facts.identity.value;
    if (target.promoteFrom?.account === account) {
        return {
            check: "credentials",
            status: "fail",
            subject: account,
            message: `these credentials are for ${account}, the account stack ${target.stack} promotes from; ${target.stack} deploys into its own account`,
            fix: `use the credentials of ${target.stack}'s account (AWS_PROFILE=…) and run doctor again`,
        };
    }
    return { check: "credentials", status: "pass", subject: account, message: `account ${account} as ${arn}` };
}

function judgeRegions(target: DoctorTarget, optIn: Read<Record<string, string>>): Finding[] {
    const regions = regionsToEnable(target);
    if ("error" in optIn) return [unread("regions", regions.join(", "), optIn.error)];
    return regions.map(region => {
        const status = optIn.value[region];
        if (status === "opt-in-not-required" || status === "opted-in") {
            return { check: "regions", status: "pass", subject: region, message: `enabled (${status})` };
        }
        if (status === undefined) {
            return {
                check: "regions",
                status: "fail",
                subject: region,
                message: `${region} is not a region of this account's partition`,
                fix: `correct the region in Pulumi.${target.stack}.yaml`,
            };
        }
        return {
            check: "regions",
            status: "fail",
            subject: region,
            message: `${region} is an opt-in region and is ${status} in this account: every AWS call there fails`,
            fix: `aws account enable-region --region-name ${region}   # then wait until get-region-opt-status says ENABLED`,
        };
    });
}

function judgeInspector(target: DoctorTarget, account: string, inspector: Read<{ ec2Status?: string }>): Finding {
    const subject = target.homeRegion;
    const enable = `aws inspector2 enable --resource-types EC2 --account-ids ${account} --region ${target.homeRegion}`;
    if ("error" in inspector) return unread("inspector", subject, inspector.error, enable);
    const status = inspector.value.ec2Status ?? "DISABLED";
    if (status === "ENABLED")
        return {
            check: "inspector",
            status: "pass",
            subject,
            message: "Amazon Inspector scans EC2: the build's image scan and the gate have findings to read",
        };
    if (status === "ENABLING")
        return {
            check: "inspector",
            status: "warn",
            subject,
            message: "Amazon Inspector EC2 scanning is being enabled; run doctor again in a few minutes",
            fix: DOCS.prerequisites,
        };
    return {
        check: "inspector",
        status: "fail",
        subject,
        message: `Amazon Inspector EC2 scanning is ${status}: the build's image scan finds nothing and the gate fails every version`,
        fix: enable,
    };
}

function judgeNetwork(target: DoctorTarget, network: Read<NetworkFacts>): Finding {
    const subject = target.build ? `${target.homeRegion} ${target.build.subnetId}` : `${target.homeRegion} default VPC`;
    if ("error" in network) return unread("build-network", subject, network.error, DOCS.buildNetwork);
    const facts = network.value;
    if (!facts.found) {
        return facts.kind === "subnet"
            ? {
                  check: "build-network",
                  status: "fail",
                  subject,
                  message: `golden-ami:build.subnetId ${facts.subnetId} does not exist in ${target.homeRegion}`,
                  fix: `set golden-ami:build.subnetId to a subnet of ${target.homeRegion} (${DOCS.buildNetwork})`,
              }
            : {
                  check: "build-network",
                  status: "fail",
                  subject,
                  message: `no default VPC in ${target.homeRegion} and no golden-ami:build: Image Builder has no subnet to launch the build into`,
                  fix: `aws ec2 create-default-vpc --region ${target.homeRegion}   # or set golden-ami:build (${DOCS.buildNetwork})`,
              };
    }
    if (facts.kind === "default-vpc" && facts.subnetCount === 0) {
        return {
            check: "build-network",
            status: "fail",
            subject,
            message: `the default VPC ${facts.vpcId} has no default subnets`,
            fix: `aws ec2 create-default-subnet --availability-zone ${target.homeRegion}a   # or set golden-ami:build (${DOCS.buildNetwork})`,
        };
    }
    const where = facts.kind === "subnet" ? `subnet ${facts.subnetId}` : `the default VPC ${facts.vpcId}`;
    const egress = egressOf(facts.routes, facts.mapsPublicIp);
    if (egress.reaches) return { check: "build-network", status: "pass", subject, message: `${where} ${egress.how}` };
    const missing = missingEndpoints(facts.endpoints, facts.routeTableId);
    if (missing.length === 0)
        return { check: "build-network", status: "pass", subject, message: `${where} reaches Systems Manager, Image Builder and S3 through VPC endpoints` };
    const partial = egress.how ? `; ${egress.how}` : "";
    return {
        check: "build-network",
        status: egress.uncertain ? "warn" : "fail",
        subject,
        message: `${where} has no route to a NAT gateway and lacks VPC endpoints for ${missing.join(", ")}${partial}: the build cannot reach Systems Manager, Image Builder and S3`,
        fix: `add a NAT route, or the endpoints (${DOCS.buildNetwork})`,
    };
}

/** How a route table takes the instances out, judged from its default route. */
export function egressOf(routes: Route[], mapsPublicIp: boolean): { reaches: boolean; uncertain?: boolean; how?: string } {
    const defaultRoute = routes.find(route => route.destination === "0.0.0.0/0");
    if (!defaultRoute) return { reaches: false };
    const target = defaultRoute.target;
    if (target.startsWith("nat-")) return { reaches: true, how: `routes 0.0.0.0/0 to the NAT gateway ${target}` };
    if (target.startsWith("igw-")) {
        return mapsPublicIp
            ? { reaches: true, how: `routes 0.0.0.0/0 to the internet gateway ${target} and gives instances public addresses` }
            : { reaches: false, how: `its route to ${target} is of no use: the subnet gives instances no public address` };
    }
    // A transit gateway, a peering, a firewall or a NAT instance may well lead out; it cannot be seen from here.
    return { reaches: false, uncertain: true, how: `0.0.0.0/0 goes to ${target}, which doctor cannot follow` };
}

/** The endpoints a subnet without a way out still needs; the S3 gateway endpoint must serve its route table. */
export function missingEndpoints(endpoints: VpcEndpoint[], routeTableId: string | undefined): string[] {
    const usable = endpoints.filter(endpoint => endpoint.state === undefined || endpoint.state.toLowerCase() === "available");
    const missing: string[] = INTERFACE_ENDPOINTS.filter(
        service => !usable.some(endpoint => endpoint.service === service && endpoint.type === "Interface" && endpoint.privateDns),
    );
    const s3 = usable.some(
        endpoint =>
            endpoint.service === "s3" && (endpoint.type === "Interface" || (routeTableId !== undefined && endpoint.routeTableIds.includes(routeTableId))),
    );
    if (!s3) missing.push("s3");
    return missing;
}

function judgeServiceLinkedRole({ role, present, creatable }: ServiceLinkedRoleFacts): Finding {
    const { name, service } = SERVICE_LINKED_ROLES[role];
    const create = `aws iam create-service-linked-role --aws-service-name ${service}`;
    if ("error" in present) return unread("service-linked-roles", name, present.error, create);
    if (present.value) return { check: "service-linked-roles", status: "pass", subject: name, message: "exists" };
    if (creatable === undefined || "error" in creatable) {
        return {
            check: "service-linked-roles",
            status: "warn",
            subject: name,
            message:
                `does not exist yet; ${service.split(".")[0]} creates it on first use only if the deploy role may iam:CreateServiceLinkedRole` +
                (creatable && "error" in creatable ? ` (could not ask IAM's policy simulator: ${creatable.error})` : ""),
            fix: create,
        };
    }
    return creatable.value
        ? {
              check: "service-linked-roles",
              status: "pass",
              subject: name,
              message: "does not exist yet; the deploy role may create it, and the first `up` will",
          }
        : {
              check: "service-linked-roles",
              status: "fail",
              subject: name,
              message: "does not exist, and the deploy role may not create it (iam:CreateServiceLinkedRole is denied)",
              fix: create,
          };
}

function judgeDeployRole(target: DoctorTarget, role: Read<{ name: string; maxSessionDuration: number } | undefined>): Finding {
    const subject = target.deployRole;
    const needed = target.requiredSessionSeconds;
    if ("error" in role) return unread("deploy-role", subject, role.error, DOCS.roles);
    if (role.value === undefined) {
        return {
            check: "deploy-role",
            status: "fail",
            subject,
            message: `no role ${target.deployRole} in this account: CI's \`up\` assumes it`,
            fix: `create it (${DOCS.roles}), or name yours with --deploy-role <name>`,
        };
    }
    const { name, maxSessionDuration } = role.value;
    if (maxSessionDuration >= needed) {
        return {
            check: "deploy-role",
            status: "pass",
            subject,
            message: `MaxSessionDuration ${hours(maxSessionDuration)} covers the ${hours(needed)} session \`up\` asks for`,
        };
    }
    return {
        check: "deploy-role",
        status: "fail",
        subject,
        message: `MaxSessionDuration is ${hours(maxSessionDuration)}, but ${target.building ? "a build" : "`up`"} asks for a ${hours(needed)} session: CI would get no credentials`,
        fix: `aws iam update-role --role-name ${name} --max-session-duration ${needed}`,
    };
}

function hours(seconds: number): string {
    const value = seconds / 3600;
    return `${Number.isInteger(value) ? value : value.toFixed(2)} h`;
}

function judgeBaseImage(target: DoctorTarget, image: string, declared: Architecture, base: Read<BaseImageFacts>): Finding {
    const subject = image;
    if ("error" in base) return unread("base-image", subject, base.error);
    const { parameter, amiId, architecture } = base.value;
    const source = parameter ? `SSM parameter ${parameter}` : `base image ${amiId}`;
    if (parameter && amiId === undefined) {
        return {
            check: "base-image",
            status: "fail",
            subject,
            message: `SSM parameter ${parameter} does not exist in ${target.homeRegion}: the recipe cannot resolve its parent image`,
            fix: `aws ssm get-parameters-by-path --path ${parameter.slice(0, parameter.lastIndexOf("/"))} --region ${target.homeRegion} --query 'Parameters[].Name'   # pick one, set image.baseImage`,
        };
    }
    if (architecture === undefined) {
        return {
            check: "base-image",
            status: "fail",
            subject,
            message: `${source} names ${amiId}, which this account cannot see in ${target.homeRegion}`,
            fix: `aws ec2 describe-images --image-ids ${amiId} --region ${target.homeRegion}`,
        };
    }
    if (architecture !== declared) {
        return {
            check: "base-image",
            status: "fail",
            subject,
            message: `${source} resolves to ${amiId}, a ${architecture} image, but ${image} is declared ${declared}: the build would launch the wrong instances`,
            fix:
                parameter && /(x86_64|arm64)$/.test(parameter)
                    ? `set image.baseImage to ssm:${parameter.replace(/(x86_64|arm64)$/, declared)}`
                    : `set image.baseImage to a ${declared} image, or declare the image ${architecture}`,
        };
    }
    return { check: "base-image", status: "pass", subject, message: `${source} resolves to ${amiId} (${architecture})` };
}

function judgeImageBlockPublicAccess(target: DoctorTarget, region: string, facts: Read<{ state?: string; managedBy?: string }>): Finding {
    const enable = `aws ec2 enable-image-block-public-access --image-block-public-access-state block-new-sharing --region ${region}`;
    if ("error" in facts) return unread("image-block-public-access", region, facts.error, enable);
    const { state = "unblocked", managedBy = "account" } = facts.value;
    if (state === "block-new-sharing")
        return { check: "image-block-public-access", status: "pass", subject: region, message: `block-new-sharing (managed by ${managedBy})` };
    if (!target.blockPublicSharing) {
        return {
            check: "image-block-public-access",
            status: "fail",
            subject: region,
            message:
                "unblocked, and golden-ami:blockPublicSharing is false, which is meant only where an organization policy blocks public sharing: nothing does here",
            fix: `${enable}   # or set golden-ami:blockPublicSharing: true`,
        };
    }
    if (managedBy === "declarative-policy") {
        return {
            check: "image-block-public-access",
            status: "fail",
            subject: region,
            message: "unblocked by an organization declarative policy: `up` cannot turn block-new-sharing on",
            fix: "change the organization's declarative policy for EC2 (image block public access), or set golden-ami:blockPublicSharing: false",
        };
    }
    return {
        check: "image-block-public-access",
        status: "pass",
        subject: region,
        message: "unblocked now; `up` turns on block-new-sharing (golden-ami:blockPublicSharing)",
    };
}

function judgePromotingAccount(target: DoctorTarget, account: string): Finding[] {
    const source = target.promoteFrom!;
    if (target.sourcePromotingAccounts === undefined || source.stack === undefined) return [];
    const subject = `${source.stack}'s promotingAccounts`;
    return target.sourcePromotingAccounts.includes(account)
        ? [{ check: "promotion-source", status: "pass", subject, message: `stack ${source.stack} shares its images and snapshots with ${account}` }]
        : [
              {
                  check: "promotion-source",
                  status: "fail",
                  subject,
                  message: `stack ${source.stack} does not list ${account} under golden-ami:sharing.promotingAccounts: its images are not shared with this account`,
                  fix: `add "${account}" to golden-ami:sharing.promotingAccounts in Pulumi.${source.stack}.yaml and run ${source.stack}'s up (${DOCS.promotion})`,
              },
          ];
}

function judgePinnedImage(target: DoctorTarget, account: string, pinned: { image: string; amiId: string; facts: Read<PinnedImageFacts> }): Finding {
    const source = target.promoteFrom!;
    const subject = `${pinned.image} ${pinned.amiId}`;
    if ("error" in pinned.facts) return unread("promotion-source", subject, pinned.facts.error);
    const facts = pinned.facts.value;
    const share = `list ${account} in the building stack's golden-ami:sharing.promotingAccounts and run its up (${DOCS.promotion})`;
    if (!facts.found) {
        return {
            check: "promotion-source",
            status: "fail",
            subject,
            message: `this account cannot see ${pinned.amiId} in ${source.region}: it is not shared with ${account}, or was deregistered`,
            fix: share,
        };
    }
    if (facts.ownerId !== source.account) {
        return {
            check: "promotion-source",
            status: "fail",
            subject,
            message: `${pinned.amiId} belongs to ${facts.ownerId}, not to ${source.account} (golden-ami:promoteFrom.account)`,
            fix: `npm run images -- promote --from <building stack> --version <version> --stack ${target.stack}   # pins the building account's AMI`,
        };
    }
    if (facts.state !== "available") {
        return {
            check: "promotion-source",
            status: "fail",
            subject,
            message: `${pinned.amiId} is ${facts.state ?? "in an unknown state"}, not available`,
            fix: `promote a version whose build is available (${DOCS.promotion})`,
        };
    }
    const unreadable = facts.snapshotIds.filter(snapshot => !facts.readableSnapshotIds.includes(snapshot));
    if (unreadable.length > 0) {
        return {
            check: "promotion-source",
            status: "fail",
            subject,
            message: `${pinned.amiId} is shared, but not its snapshot${unreadable.length === 1 ? "" : "s"} ${unreadable.join(", ")}: CopyImage fails ("You do not have permission to access the storage of this ami")`,
            fix: share,
        };
    }
    return { check: "promotion-source", status: "pass", subject, message: `${pinned.amiId} in ${source.region} is available to ${account}, its snapshots too` };
}
