// export-buckets-not-public: the buckets the stack exports disk images to are not opened to the world by what the stack declares.
import * as assert from "assert";
import { exportBucketsNotPublic, imageSharingAllowListed } from "../../policy/policies";
import { findings, workflow } from "./cases";
import { devProgram, distributionConfiguration, image, regionalProvider } from "./fixtures";
import { ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const BUCKET = "golden-ami-exports";

/** A distribution that exports each image's disk to the bucket, as an allow-listed destination. */
function exporting(bucket = BUCKET): ResourceFixture {
    const distribution = distributionConfiguration();
    distribution.props.distributions[0].s3ExportConfiguration = { roleName: "vmimport", diskImageFormat: "VMDK", s3Bucket: bucket, s3Prefix: "images/" };
    return distribution;
}

function bucket(props: Record<string, unknown> = {}): ResourceFixture {
    return {
        type: "aws:s3/bucket:Bucket",
        name: "exports",
        provider: regionalProvider(),
        props: { bucket: BUCKET, ...props },
        outputs: { id: BUCKET, bucket: BUCKET, arn: `arn:aws:s3:::${BUCKET}` },
    };
}

function setting(type: string, props: Record<string, unknown>, bucketRef = BUCKET): ResourceFixture {
    return { type, name: `exports-${type.split(":").pop()!.toLowerCase()}`, provider: regionalProvider(), props: { bucket: bucketRef, ...props } };
}

function policy(statement: Record<string, unknown>): ResourceFixture {
    return setting("aws:s3/bucketPolicy:BucketPolicy", {
        policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [{ Sid: "Read", Effect: "Allow", Action: "s3:GetObject", Resource: `arn:aws:s3:::${BUCKET}/*`, ...statement }],
        }),
    });
}

const FULL_BLOCK = { blockPublicAcls: true, blockPublicPolicy: true, ignorePublicAcls: true, restrictPublicBuckets: true };

describe("export-buckets-not-public", () => {
    describe("blocks", () => {
        it("blocks a bucket policy that allows everyone to an export bucket, unconditioned or with a condition that pins nothing", async () => {
            const cases: Array<Record<string, unknown>> = [
                { Principal: "*" },
                { Principal: { AWS: "*" } },
                { Principal: { AWS: ["111111111111", "*"] } },
                { NotPrincipal: { AWS: "arn:aws:iam::111111111111:root" } },
                { Principal: "*", Condition: { Bool: { "aws:SecureTransport": "true" } } },
                { Principal: "*", Condition: { StringNotEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } },
                { Principal: "*", Condition: { StringLike: { "aws:PrincipalOrgID": "o-*" } } },
                { Principal: "*", Condition: { StringEqualsIfExists: { "aws:SourceAccount": "111111111111" } } },
                { Principal: "*", Condition: { IpAddress: { "aws:SourceIp": "0.0.0.0/0" } } },
            ];
            for (const statement of cases) {
                const found = await findings(exportBucketsNotPublic, [exporting(), bucket(), policy(statement)]);
                assert.strictEqual(found.length, 1, JSON.stringify(statement));
                assert.match(
                    found[0],
                    /^policy Statement\[0\] \(Sid "Read"\) allows everyone \(Principal "\*" or NotPrincipal\) without a condition that pins fixed principals or sources, which opens bucket "golden-ami-exports" to the world, and distributions\[0\]\.s3ExportConfiguration of al2023-base-distribution exports disk images there: .*must stay private; remove the statement/,
                );
            }
        });

        it("blocks public ACLs (canned or by grant), on the bucket or through BucketAclV2 / BucketAcl, and an unreadable policy", async () => {
            const publicGrant = {
                accessControlPolicy: {
                    owner: { id: "owner" },
                    grants: [{ grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" }, permission: "READ" }],
                },
            };
            const cases: Array<[ResourceFixture[], RegExp]> = [
                [[bucket({ acl: "public-read" })], /^acl is "public-read", which opens bucket/],
                [[bucket(), setting("aws:s3/bucketAclV2:BucketAclV2", { acl: "Public-Read-Write" })], /^acl is "Public-Read-Write"/],
                [[bucket(), setting("aws:s3/bucketAclV2:BucketAclV2", { acl: "authenticated-read" })], /^acl is "authenticated-read"/],
                [[bucket(), setting("aws:s3/bucketAclV2:BucketAclV2", publicGrant)], /^a grant's grantee is the AllUsers or AuthenticatedUsers group/],
                [[bucket(), setting("aws:s3/bucketAcl:BucketAcl", publicGrant)], /^a grant's grantee is the AllUsers/],
                [[bucket({ grants: [{ type: "Group", uri: "http://acs.amazonaws.com/groups/global/AuthenticatedUsers", permissions: ["READ"] }] })], /grantee/],
                [
                    [bucket({ policy: JSON.stringify({ Statement: [{ Effect: "Allow", Principal: "*", Action: "s3:*" }] }) })],
                    /^policy Statement\[0\] allows everyone/,
                ],
                [[bucket(), setting("aws:s3/bucketPolicy:BucketPolicy", { policy: "{ not json" })], /is not a policy document the pack can read/],
            ];
            for (const [resources, expected] of cases) {
                const found = await findings(exportBucketsNotPublic, [exporting(), ...resources]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], expected);
            }
        });

        it("blocks a public access block on an export bucket that is not fully on (unset settings are false)", async () => {
            const found = await findings(exportBucketsNotPublic, [
                exporting(),
                bucket(),
                setting("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", { blockPublicAcls: true, blockPublicPolicy: false, ignorePublicAcls: true }),
            ]);
            assert.deepStrictEqual(found.length, 1);
            assert.match(
                found[0],
                /^the public access block turns off blockPublicPolicy false, restrictPublicBuckets unset \(false\), which opens bucket "golden-ami-exports"/,
            );
            assert.match(found[0], /set blockPublicAcls, blockPublicPolicy, ignorePublicAcls, restrictPublicBuckets all to true\.$/);
        });

        it("follows a bucket named by its name or id, a BucketV2, and an export in a workflow document", async () => {
            const v2 = { ...bucket(), type: "aws:s3/bucketV2:BucketV2", outputs: { id: BUCKET, bucket: BUCKET, arn: `arn:aws:s3:::${BUCKET}` } };
            const found = await findings(exportBucketsNotPublic, [exporting(), v2, setting("aws:s3/bucketAclV2:BucketAclV2", { acl: "public-read" })]);
            assert.strictEqual(found.length, 1);
            const exportingWorkflow = workflow(
                `  - name: Export\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions:\n        - region: us-east-1\n          s3ExportConfiguration:\n            roleName: vmimport\n            diskImageFormat: RAW\n            s3Bucket: ${BUCKET}\n`,
            );
            const fromWorkflow = await findings(exportBucketsNotPublic, [exportingWorkflow, policy({ Principal: "*" })]);
            assert.strictEqual(fromWorkflow.length, 1);
            assert.match(fromWorkflow[0], /and data: steps\[0\]\.inputs\.distributions\[0\]\.s3ExportConfiguration of workflow .* exports disk images there/);
        });

        it("blocks an access point to an export bucket with a public policy or its public access block turned off", async () => {
            const point = (props: Record<string, unknown>): ResourceFixture => ({
                type: "aws:s3/accessPoint:AccessPoint",
                name: "exports-door",
                provider: regionalProvider(),
                props: { bucket: BUCKET, name: "exports-door", ...props },
                outputs: { arn: "arn:aws:s3:us-east-1:111111111111:accesspoint/exports-door" },
            });
            const open = JSON.stringify({ Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject", Resource: "*" }] });
            const cases: Array<[ResourceFixture[], RegExp]> = [
                [[point({ policy: open })], /^policy Statement\[0\] allows everyone/],
                [
                    [point({ publicAccessBlockConfiguration: { blockPublicPolicy: false, restrictPublicBuckets: false } })],
                    /^the access point's publicAccessBlockConfiguration turns off blockPublicPolicy false, restrictPublicBuckets false/,
                ],
                [
                    [
                        point({}),
                        {
                            type: "aws:s3control/accessPointPolicy:AccessPointPolicy",
                            name: "exports-door-policy",
                            provider: regionalProvider(),
                            props: { accessPointArn: "arn:aws:s3:us-east-1:111111111111:accesspoint/exports-door", policy: open },
                        },
                    ],
                    /^policy Statement\[0\] allows everyone/,
                ],
            ];
            for (const [resources, expected] of cases) {
                const found = await findings(exportBucketsNotPublic, [exporting(), bucket(), ...resources]);
                assert.strictEqual(found.length, 1, JSON.stringify(found));
                assert.match(found[0], expected);
            }
            // An access point left at its defaults, and a bucket policy that delegates to the account's access points, stay private.
            const delegated = policy({ Principal: { AWS: "*" }, Condition: { StringEquals: { "s3:DataAccessPointAccount": "111111111111" } } });
            assert.deepStrictEqual(await findings(exportBucketsNotPublic, [exporting(), bucket(), point({}), delegated]), []);
        });

        it("follows an export bucket a workflow takes from a parameter its build passes", async () => {
            const exportingWorkflow = workflow(
                "  - name: Export\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions:\n        - region: us-east-1\n          s3ExportConfiguration:\n            roleName: vmimport\n            diskImageFormat: RAW\n            s3Bucket.$: $.parameters.bucket\n",
            );
            exportingWorkflow.outputs = { arn: "arn:aws:imagebuilder:us-east-1:111111111111:workflow/distribution/distribute/1.0.0/1" };
            const build = image();
            build.props.workflows = [{ workflowArn: exportingWorkflow.outputs.arn, parameters: [{ name: "bucket", value: BUCKET }] }];
            const found = await findings(exportBucketsNotPublic, [exportingWorkflow, build, bucket(), policy({ Principal: "*" })]);
            assert.strictEqual(found.length, 1, JSON.stringify(found));
            assert.match(
                found[0],
                /opens bucket "golden-ami-exports" to the world, and data: steps\[0\]\.inputs\.distributions\[0\]\.s3ExportConfiguration of workflow distribute exports/,
            );
        });

        it("image-sharing-allow-listed holds a workflow document's export bucket to allowedExportBuckets, and refuses one set at run time", async () => {
            const document = (s3Bucket: string) =>
                `  - name: Export\n    action: DistributeImage\n    onFailure: Abort\n    inputs:\n      distributions:\n        - region: us-east-1\n          s3ExportConfiguration:\n            ${s3Bucket}\n`;
            const allowed = { allowedExportBuckets: [BUCKET] };
            assert.deepStrictEqual(await findings(imageSharingAllowListed, [workflow(document(`s3Bucket: ${BUCKET}`))], allowed), []);
            const other = await findings(imageSharingAllowListed, [workflow(document("s3Bucket: somebody-elses-bucket"))], allowed);
            assert.strictEqual(other.length, 1);
            assert.match(
                other[0],
                /s3ExportConfiguration\.s3Bucket is "somebody-elses-bucket", which is not allow-listed: export disk images only to the buckets in/,
            );
            const dynamic = await findings(imageSharingAllowListed, [workflow(document('s3Bucket.$: "$.stepOutputs.Pick.bucket"'))], allowed);
            assert.strictEqual(dynamic.length, 1);
            assert.match(dynamic[0], /s3Bucket\.\$ sets the export bucket at run time/);
        });
    });

    describe("still passes", () => {
        it("passes a private export bucket: a full public access block, policies that pin the organization, account or endpoint, a private ACL", async () => {
            const resources = [
                exporting(),
                bucket(),
                setting("aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock", FULL_BLOCK),
                setting("aws:s3/bucketAclV2:BucketAclV2", { acl: "private" }),
                setting("aws:s3/bucketOwnershipControls:BucketOwnershipControls", { rule: { objectOwnership: "BucketOwnerEnforced" } }),
            ];
            assert.deepStrictEqual(await findings(exportBucketsNotPublic, resources), []);
            const pinned: Array<Record<string, unknown>> = [
                { Principal: { AWS: "arn:aws:iam::222222222222:root" } },
                { Principal: "*", Condition: { StringEquals: { "aws:PrincipalOrgID": "o-a1b2c3d4e5" } } },
                { Principal: { AWS: "*" }, Condition: { StringEquals: { "aws:SourceVpce": ["vpce-0123456789abcdef0"] } } },
                { Principal: "*", Condition: { IpAddress: { "aws:SourceIp": "10.0.0.0/16" } } },
                { Principal: "*", Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } },
            ];
            for (const statement of pinned)
                assert.deepStrictEqual(await findings(exportBucketsNotPublic, [exporting(), bucket(), policy(statement)]), [], JSON.stringify(statement));
        });

        it("passes a public bucket nothing exports to (another rule's business), and dev's program with nothing exported", async () => {
            assert.deepStrictEqual(await findings(exportBucketsNotPublic, [distributionConfiguration(), bucket({ acl: "public-read" })]), []);
            assert.deepStrictEqual(await findings(exportBucketsNotPublic, [...devProgram(), bucket({ acl: "public-read" })]), []);
            // The same bucket exported to is found: the pass above is not for want of reading it.
            assert.strictEqual((await findings(exportBucketsNotPublic, [exporting(), bucket({ acl: "public-read" })])).length, 1);
        });

        it("says what it could not check: a policy unknown until apply", async () => {
            const unknownPolicy = setting("aws:s3/bucketPolicy:BucketPolicy", { policy: UNKNOWN });
            const diagnostics = await runPolicy(exportBucketsNotPublic, [exporting(), bucket(), unknownPolicy]);
            assert.strictEqual(diagnostics.length, 1);
            assert.strictEqual(diagnostics[0].level, "advisory");
            assert.match(unknownDetail(diagnostics[0]), /could not check exports-bucketpolicy\.policy/);
        });
    });
});
