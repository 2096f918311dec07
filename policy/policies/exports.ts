// export-buckets-not-public: an allow-listed export destination stays private. The buckets the stack exports disk images to
// (an Image Builder distribution's or workflow document's s3ExportConfiguration) must not be opened to the world by anything
// the stack declares: a bucket policy that allows everyone, a public ACL, a public access block that is not fully on.
import * as aws from "@pulumi/aws";
import { PolicyResource, StackValidationPolicy } from "@pulumi/policy";
import { isPublicCannedAcl, isPublicGrantee, PUBLIC_ACCESS_BLOCK_SETTINGS, publicStatements } from "../lib/buckets";
import { References } from "../lib/stack";
import { Check, read } from "../lib/unknowns";
import { validateStackWithCheck } from "../lib/validation";
import { isBlank, isTrue, itemsOf, show } from "../lib/values";
import { blockField, findBlocks, workflowDocument } from "../lib/workflows";
import { resolveDocument, usesParameters, WorkflowRuns } from "../lib/workflowParameters";

const KEEP_PRIVATE = "an export bucket holds the image's whole disk, so it must stay private";

/** Where the stack exports disk images: bucket name → what exports there (for messages). */
function exportDestinations(resources: PolicyResource[], check: Check): Map<string, string> {
    const destinations = new Map<string, string>();
    let runs: WorkflowRuns | undefined;
    const add = (bucket: unknown, what: string) => {
        if (typeof bucket === "string" && !isBlank(bucket) && !destinations.has(bucket.trim())) destinations.set(bucket.trim(), what);
    };
    for (const resource of resources) {
        if (resource.isType(aws.imagebuilder.DistributionConfiguration)) {
            check.each(
                `${resource.name}.distributions`,
                () => resource.props.distributions as any[] | undefined,
                (target, at) => {
                    const bucket = check.read(`${at}.s3ExportConfiguration.s3Bucket`, () => itemsOf<any>(target.s3ExportConfiguration)[0]?.s3Bucket as unknown);
                    if (bucket.known) add(bucket.value, `${at.slice(resource.name.length + 1)}.s3ExportConfiguration of ${resource.name}`);
                },
            );
        } else if (resource.isType(aws.imagebuilder.Workflow)) {
            const data = check.read(`${resource.name}.data`, () => resource.props.data as unknown);
            if (!data.known) continue;
            const document = workflowDocument(data.value);
            // A bucket taken from a workflow parameter is the one each of the stack's builds passes.
            const documents = usesParameters(document)
                ? (runs ??= new WorkflowRuns(resources)).runsOf(resource, document).map(run => resolveDocument(document, run).document)
                : [];
            for (const each of [document, ...documents]) {
                for (const { at, value } of findBlocks(each, "s3ExportConfiguration")) {
                    add(blockField(value, "s3Bucket").value, `data: ${at} of workflow ${resource.name}`);
                }
            }
        }
    }
    return destinations;
}

export const exportBucketsNotPublic: StackValidationPolicy = {
    name: "export-buckets-not-public",
    description:
        "The S3 buckets the stack exports disk images to are not opened to the world by a bucket policy, ACL or public access block the stack declares.",
    enforcementLevel: "mandatory",
    severity: "critical",
    validateStack: validateStackWithCheck((args, check) => {
        const resources = args.resources;
        const destinations = exportDestinations(resources, check);
        if (destinations.size === 0) return;
        // A bucket is named by its name (the bucket's `bucket` and `id`); the settings below name it by either.
        const buckets = new References(
            resources.filter(resource => resource.isType(aws.s3.Bucket) || resource.isType(aws.s3.BucketV2)),
            ["bucket", "id", "arn"],
        );
        const identity = (name: string) => buckets.find(name)?.urn ?? name.trim().toLowerCase();
        const exported = new Map<string, { name: string; what: string }>();
        for (const [name, what] of destinations) exported.set(identity(name), { name, what });
        const destinationOf = (bucket: unknown) => (typeof bucket === "string" && !isBlank(bucket) ? exported.get(identity(bucket)) : undefined);

        const report = (resource: PolicyResource, destination: { name: string; what: string }, finding: string, fix: string) =>
            check.violation(
                `${finding}, which opens bucket ${show(destination.name)} to the world, and ${destination.what} exports disk images there: ` +
                    `${KEEP_PRIVATE}; ${fix}.`,
                resource.urn,
            );
        const checkPolicy = (resource: PolicyResource, destination: { name: string; what: string }, field: string, get: () => unknown) => {
            const policy = check.read(`${resource.name}.${field}`, get);
            if (!policy.known || isBlank(policy.value)) return;
            const open = publicStatements(policy.value);
            if (open === undefined) {
                check.violation(
                    `${field} of ${resource.name}, the policy of export bucket ${show(destination.name)}, is not a policy document the pack can read, ` +
                        `so it may open the bucket to the world: ${KEEP_PRIVATE}; write it as JSON.`,
                    resource.urn,
                );
                return;
            }
            for (const statement of open) {
                report(
                    resource,
                    destination,
                    `${field} ${statement} allows everyone (Principal "*" or NotPrincipal) without a condition that pins fixed principals or sources`,
                    "remove the statement, or name the principals, or limit it with fixed values of aws:PrincipalOrgID, aws:PrincipalAccount, " +
                        "aws:SourceAccount, aws:SourceArn, aws:SourceVpce or aws:SourceVpc",
                );
            }
        };
        const checkAcl = (resource: PolicyResource, destination: { name: string; what: string }, acl: () => unknown, grantees: () => unknown[]) => {
            const canned = check.read(`${resource.name}.acl`, acl);
            if (canned.known && isPublicCannedAcl(canned.value)) {
                report(
                    resource,
                    destination,
                    `acl is ${show(canned.value)}`,
                    'remove it (or set "private") and keep ACLs disabled (object ownership "BucketOwnerEnforced")',
                );
            }
            const grants = check.read(`${resource.name}.grants`, grantees);
            if (grants.known && grants.value.some(isPublicGrantee)) {
                report(
                    resource,
                    destination,
                    "a grant's grantee is the AllUsers or AuthenticatedUsers group",
                    'remove that grant and keep ACLs disabled (object ownership "BucketOwnerEnforced")',
                );
            }
        };

        let accessPoints: References | undefined;
        for (const resource of resources) {
            const props = resource.props as Record<string, any>;
            if (resource.isType(aws.s3.Bucket) || resource.isType(aws.s3.BucketV2)) {
                const destination = exported.get(resource.urn);
                if (!destination) continue;
                checkPolicy(resource, destination, "policy", () => props.policy);
                checkAcl(
                    resource,
                    destination,
                    () => props.acl,
                    () => itemsOf<any>(props.grants),
                );
                continue;
            }
            if (resource.isType(aws.s3.AccessPoint)) {
                // An access point is another door to the bucket: its own policy and public access block count as the bucket's.
                const bucket = check.read(`${resource.name}.bucket`, () => props.bucket as unknown);
                const destination = bucket.known ? destinationOf(bucket.value) : undefined;
                if (!destination) continue;
                checkPolicy(resource, destination, "policy", () => props.policy);
                const block = check.read(`${resource.name}.publicAccessBlockConfiguration`, () =>
                    PUBLIC_ACCESS_BLOCK_SETTINGS.map(
                        setting => [setting, itemsOf<any>(props.publicAccessBlockConfiguration)[0]?.[setting] as unknown] as const,
                    ),
                );
                // Unset, an access point's settings are on.
                const off = block.known ? block.value.filter(([, value]) => value !== undefined && value !== null && !isTrue(value)) : [];
                if (off.length > 0) {
                    report(
                        resource,
                        destination,
                        `the access point's publicAccessBlockConfiguration turns off ${off.map(([setting, value]) => `${setting} ${show(value)}`).join(", ")}`,
                        "leave its four settings on (unset or true)",
                    );
                }
                continue;
            }
            if (resource.isType(aws.s3control.AccessPointPolicy)) {
                const arn = check.read(`${resource.name}.accessPointArn`, () => props.accessPointArn as unknown);
                if (!arn.known || typeof arn.value !== "string") continue;
                accessPoints ??= new References(
                    resources.filter(candidate => candidate.isType(aws.s3.AccessPoint)),
                    ["arn", "id"],
                );
                const point = accessPoints.find(arn.value);
                const bucket = point ? read(() => point.props.bucket as unknown) : undefined;
                const destination = bucket?.known ? destinationOf(bucket.value) : undefined;
                if (destination) checkPolicy(resource, destination, "policy", () => props.policy);
                continue;
            }
            const isSetting =
                resource.isType(aws.s3.BucketPolicy) ||
                resource.isType(aws.s3.BucketAclV2) ||
                resource.isType(aws.s3.BucketAcl) ||
                resource.isType(aws.s3.BucketPublicAccessBlock);
            if (!isSetting) continue;
            const bucket = check.read(`${resource.name}.bucket`, () => props.bucket as unknown);
            if (!bucket.known) continue;
            const destination = destinationOf(bucket.value);
            if (!destination) {
                if (buckets.incomplete && typeof bucket.value === "string") check.unknown(`whether ${resource.name}.bucket is a bucket the stack exports to`);
                continue;
            }
            if (resource.isType(aws.s3.BucketPolicy)) {
                checkPolicy(resource, destination, "policy", () => props.policy);
            } else if (resource.isType(aws.s3.BucketPublicAccessBlock)) {
                const settings = check.read(`${resource.name}.${PUBLIC_ACCESS_BLOCK_SETTINGS.join("/")}`, () =>
                    PUBLIC_ACCESS_BLOCK_SETTINGS.map(setting => [setting, props[setting] as unknown] as const),
                );
                if (!settings.known) continue;
                const off = settings.value
                    .filter(([, value]) => !isTrue(value))
                    .map(([setting, value]) => `${setting} ${value === undefined ? "unset (false)" : show(value)}`);
                if (off.length > 0) {
                    report(
                        resource,
                        destination,
                        `the public access block turns off ${off.join(", ")}`,
                        `set ${PUBLIC_ACCESS_BLOCK_SETTINGS.join(", ")} all to true`,
                    );
                }
            } else {
                checkAcl(
                    resource,
                    destination,
                    () => props.acl,
                    () =>
                        itemsOf<any>(props.accessControlPolicy)
                            .flatMap(policy => itemsOf<any>(policy?.grants))
                            .map(grant => itemsOf<any>(grant?.grantee)[0]),
                );
            }
        }
    }),
};
