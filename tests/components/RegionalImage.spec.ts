import * as assert from "assert";
import { parseStackConfig, RawStackConfig } from "../../components/config";
import { LAUNCH_KEY_ACTIONS } from "../../components/keyPolicy";
import { deprecationTime, imageParameterName } from "../../components/RegionalImage";
import { generatedStackConfig } from "../../tools/engine/generatedConfig";
import { readStackConfig } from "../../tools/engine/stackFile";
import { DeclaredResource, firstImageOnly, nonEmpty, imageOutput, ofType, ProgramRun, referencedBy, runStack, TYPES } from "../helpers";

interface Expectation {
    stack: string;
    config?: RawStackConfig;
}

// 13 regions, shared with 80 principals of every kind: 50 accounts, 25 organizations, 5 OUs.
const cases: Expectation[] = [{ stack: "dev" }, { stack: "prod" }, { stack: "dev", config: generatedStackConfig(13, 80) }];

for (const { stack, config } of cases) {
    const label = config ? `${stack} with ${(config.regions as string[]).length + 1} regions and 80 principals` : stack;
    describe(`RegionalImage and ImageSharing (${label})`, () => {
        let run: ProgramRun;
        let regions: string[];
        let principals: string[];
        before(async () => {
            // One image: the rules read "one copy per region"; catalog.spec.ts holds the catalog's.
            run = await runStack(stack, config ? { rawConfig: config } : { config: firstImageOnly(stack) });
            const parsed = parseStackConfig(config ?? { ...readStackConfig(stack), ...firstImageOnly(stack) }, stack);
            regions = parsed.regions;
            principals = [
                ...parsed.sharing.accounts,
                ...parsed.sharing.promotingAccounts,
                ...parsed.sharing.organizationArns,
                ...parsed.sharing.organizationalUnitArns,
            ];
        });

        const promotes = stack === "prod";
        const imageIn = (region: string): string => imageOutput(run, "al2023-base").amiIds[region];

        it("holds one image per region, copied in that region's own provider and encrypted with that region's own key", () => {
            const copies = ofType(run, TYPES.amiCopy);
            const copiedRegions = promotes ? regions : regions.slice(1);
            assert.deepStrictEqual(copies.map(copy => copy.region).sort(), [...copiedRegions].sort(), "one copy per region");
            for (const copy of copies) {
                assert.strictEqual(copy.provider?.inputs.region, copy.region, `${copy.name} uses its region's provider`);
                assert.strictEqual(copy.inputs.encrypted, true, `${copy.name} is encrypted`);
                const key = referencedBy(run, copy.inputs.kmsKeyId);
                assert.strictEqual(key?.type, TYPES.kmsKey, `${copy.name} is encrypted with one of our keys`);
                assert.strictEqual(key.region, copy.region, `${copy.name}'s key is in its own region`);
                assert.strictEqual(key.inputs.enableKeyRotation, true, `${copy.name}'s key rotates`);
                assert.ok(copy.inputs.deprecationTime, `${copy.name} is deprecated in time`);
                assert.ok(
                    copy.inputs.name.startsWith(`al2023-base-${copy.inputs.tags.Version}-${stack}-`),
                    `${copy.name} is named and tagged with its version and stack: ${copy.inputs.name}`,
                );
            }
            assert.deepStrictEqual(Object.keys(imageOutput(run, "al2023-base").amiIds).sort(), [...regions].sort());
        });

        it("keeps every image key when its region or the stack goes, since retained images stay encrypted under it; not its alias", () => {
            const keys = ofType(run, TYPES.kmsKey);
            assert.strictEqual(keys.length, regions.length, "one key per region");
            for (const key of keys) assert.strictEqual(key.options.retainOnDelete, true, `${key.name} is retained`);
            for (const alias of nonEmpty(ofType(run, "aws:kms/alias:Alias"), "key alias"))
                assert.notStrictEqual(alias.options.retainOnDelete, true, `${alias.name} goes, so its name can be reused`);
        });

        it("copies every region from the one source image, so more regions widen the graph without lengthening it", () => {
            const sources = new Set(ofType(run, TYPES.amiCopy).map(copy => `${copy.inputs.sourceAmiRegion}/${copy.inputs.sourceAmiId}`));
            assert.strictEqual(sources.size, 1, `copies come from ${[...sources].join(", ")}`);
            const copyIds = new Set(ofType(run, TYPES.amiCopy).map(copy => copy.id));
            assert.ok(!ofType(run, TYPES.amiCopy).some(copy => copyIds.has(copy.inputs.sourceAmiId)), "no copy is made from another copy");
        });

        it("grants one launch permission per region and principal, to that region's image, and none other", () => {
            const permissions = ofType(run, TYPES.launchPermission);
            const granted = permissions.map(permission => `${permission.region} ${permission.inputs.imageId} ${principalOf(permission)}`).sort();
            const expected = regions.flatMap(region => principals.map(principal => `${region} ${imageIn(region)} ${principal}`)).sort();
            assert.deepStrictEqual(granted, expected);
            for (const permission of permissions) {
                const fields = ["accountId", "group", "organizationArn", "organizationalUnitArn"].filter(field => permission.inputs[field] !== undefined);
                assert.strictEqual(fields.length, 1, `${permission.name} grants exactly one principal`);
            }
        });

        it("lets exactly the shared principals use each region's key to launch, and only the owner administer it", () => {
            const keys = ofType(run, TYPES.kmsKey);
            assert.deepStrictEqual(keys.map(key => key.region).sort(), [...regions].sort(), "one key per region");
            for (const key of keys) {
                const policy = JSON.parse(key.inputs.policy);
                const admin = policy.Statement.filter((statement: any) => statement.Action === "kms:*");
                assert.deepStrictEqual(
                    admin.map((statement: any) => statement.Principal.AWS),
                    ["arn:aws:iam::123456789012:root"],
                    `${key.name} admin`,
                );
                assert.deepStrictEqual(keyPrincipals(policy, "UseKey").sort(), principals.map(keyPrincipal).sort(), `${key.name} launch principals`);
                assert.deepStrictEqual(
                    keyPrincipals(policy, "CreateGrantsForAwsServices").sort(),
                    principals.map(keyPrincipal).sort(),
                    `${key.name} grant principals`,
                );
                for (const statement of policy.Statement.filter((s: any) => s.Sid.endsWith("UseKey"))) {
                    assert.ok(
                        LAUNCH_KEY_ACTIONS.every(action => statement.Action.includes(action)),
                        `${key.name} ${statement.Sid} actions`,
                    );
                }
                for (const statement of policy.Statement.filter((s: any) => s.Sid.endsWith("CreateGrantsForAwsServices"))) {
                    assert.deepStrictEqual(
                        statement.Condition.Bool,
                        { "kms:GrantIsForAWSResource": true },
                        `${key.name} ${statement.Sid} grants only for AWS resources`,
                    );
                }
                for (const statement of policy.Statement.filter((s: any) => s.Sid.endsWith("GrantTheirAutoScaling"))) {
                    const grantees: string[] = statement.Condition.StringEquals["kms:GranteePrincipal"];
                    assert.ok(
                        nonEmpty(grantees, `${key.name} ${statement.Sid} grantee`).every(grantee =>
                            /:role\/aws-service-role\/autoscaling\.amazonaws\.com\/AWSServiceRoleForAutoScaling$/.test(grantee),
                        ),
                        `${key.name} ${statement.Sid} lets them grant their Auto Scaling role only`,
                    );
                }
            }
        });

        it("publishes each region's image id in SSM at a predictable path, typed as an EC2 image", () => {
            const parameters = ofType(run, TYPES.ssmParameter);
            assert.deepStrictEqual(parameters.map(parameter => parameter.region).sort(), [...regions].sort());
            for (const parameter of parameters) {
                assert.strictEqual(parameter.inputs.name, imageParameterName("al2023-base", stack));
                assert.strictEqual(parameter.inputs.dataType, "aws:ec2:image");
                assert.strictEqual(parameter.inputs.insecureValue, imageIn(parameter.region!), `${parameter.name} holds its region's image`);
            }
        });

        it("makes nothing public and blocks new public sharing in every region", () => {
            assert.ok(!ofType(run, TYPES.launchPermission).some(permission => permission.inputs.group !== undefined), "no group (public) permission");
            const blocks = ofType(run, TYPES.blockPublicAccess);
            assert.deepStrictEqual(blocks.map(block => block.region).sort(), [...regions].sort());
            assert.ok(blocks.every(block => block.inputs.state === "block-new-sharing"));
        });
    });
}

describe("RegionalImage settings", () => {
    it("leaves block public access to the organization when blockPublicSharing is off", async () => {
        const run = await runStack("dev", { config: { blockPublicSharing: false } });
        assert.deepStrictEqual(ofType(run, TYPES.blockPublicAccess), []);
    });

    it("sets deprecation times as whole-minute RFC 3339 timestamps the configured days ahead", () => {
        assert.strictEqual(deprecationTime(new Date("2026-11-23T10:15:42.123Z"), 30), "2026-12-23T10:15:00Z");
    });
});

function principalOf(permission: DeclaredResource): string {
    return permission.inputs.accountId ?? permission.inputs.organizationArn ?? permission.inputs.organizationalUnitArn ?? `group:${permission.inputs.group}`;
}

/** How a sharing principal appears in a key policy: account root, organization id, or OU path. */
function keyPrincipal(principal: string): string {
    if (/^\d{12}$/.test(principal)) return `arn:aws:iam::${principal}:root`;
    const [orgId, ouId] = principal.split(":").pop()!.split("/").slice(1);
    return ouId ? `${orgId}/*/${ouId}/*` : orgId;
}

/** The principals named by the shared-principal statements whose Sid ends with `suffix`. */
function keyPrincipals(policy: any, suffix: string): string[] {
    return policy.Statement.filter((statement: any) => statement.Sid.startsWith("Shared") && statement.Sid.endsWith(suffix)).flatMap((statement: any) => {
        const condition = statement.Condition ?? {};
        return (
            condition.StringEquals?.["aws:PrincipalOrgID"] ?? condition["ForAnyValue:StringLike"]?.["aws:PrincipalOrgPaths"] ?? [statement.Principal.AWS].flat()
        );
    });
}
