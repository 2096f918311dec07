// The pack as a whole: its policies, the per-stack config files, and the stacks' programs under them.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { parseStackConfig } from "../../components/config";
import { policies } from "../../policy/policies";
import { readStackConfig } from "../../tools/engine/stackFile";
import { devProgram, DEV_SHARED_ACCOUNT, launchPermission, prodProgram } from "./fixtures";
import { detail, loadPackConfig, POLICY_DIR, reconcileConfig, runPolicies } from "./harness";

const SECURITY_POLICIES = [
    "unjudged-image-paths-refused",
    "no-public-images",
    "image-block-public-access-on",
    "image-regions-block-public-sharing",
    "image-sharing-allow-listed",
    "image-builds-use-stack-distributions",
    "workflow-parameters-resolved",
    "export-buckets-not-public",
    "images-encrypted-with-cmk",
    "image-keys-customer-managed",
    "outside-disks-encrypted-by-default",
    "images-tagged",
    "launch-templates-hardened",
    "instance-launches-hardened",
    "launch-templates-declared",
    "instances-get-no-public-ip",
];
const DEV_WARNINGS = ["asg-launch-template-pinned", "ami-from-instance-reboots", "images-deprecate", "image-builder-images-deprecate"];

function levels(stack: "dev" | "prod"): Record<string, string> {
    return Object.fromEntries([...reconcileConfig(policies, loadPackConfig(stack))].map(([name, settings]) => [name, settings.enforcementLevel]));
}

interface StackSharing {
    accounts?: string[];
    promotingAccounts?: string[];
    organizationArns?: string[];
    organizationalUnitArns?: string[];
}

function stackSharing(stack: "dev" | "prod"): StackSharing {
    const file = parse(fs.readFileSync(path.join(POLICY_DIR, "..", `Pulumi.${stack}.yaml`), "utf8"));
    return file.config["golden-ami:sharing"] ?? {};
}

function policyProperties(stack: "dev" | "prod", policy: string): Record<string, unknown> {
    return reconcileConfig(policies, loadPackConfig(stack)).get(policy)!.properties;
}

describe("the golden-ami policy pack", () => {
    it('names every policy once, none "all" (reserved), and keeps enforcementLevel out of config schemas', () => {
        const names = policies.map(policy => policy.name);
        assert.strictEqual(new Set(names).size, names.length);
        assert.ok(!names.includes("all"));
        for (const policy of policies) {
            assert.ok(!("enforcementLevel" in (policy.configSchema?.properties ?? {})), policy.name);
            assert.strictEqual(policy.enforcementLevel, "mandatory", `${policy.name} is mandatory unless a config file relaxes it`);
        }
    });

    it("keeps the pack's entry point to the one PolicyPack over the shared policy list", () => {
        const entry = fs.readFileSync(path.join(POLICY_DIR, "index.ts"), "utf8");
        assert.match(entry, /new PolicyPack\(PACK_NAME, \{ policies \}\);/);
        assert.match(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8"), /^runtime: nodejs$/m);
        assert.strictEqual(JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")).version, "0.8.0");
    });

    it("configures every policy, and only real policies, in both stacks' config files", () => {
        const names = policies.map(policy => policy.name).sort();
        for (const stack of ["dev", "prod"] as const) {
            assert.deepStrictEqual(Object.keys(loadPackConfig(stack)).sort(), names, stack);
        }
    });

    it("makes every rule mandatory in prod", () => {
        assert.deepStrictEqual(new Set(Object.values(levels("prod"))), new Set(["mandatory"]));
    });

    it("keeps every security rule mandatory in dev and warns on hygiene rules only", () => {
        const dev = levels("dev");
        assert.deepStrictEqual(
            SECURITY_POLICIES.map(name => dev[name]),
            SECURITY_POLICIES.map(() => "mandatory"),
        );
        assert.deepStrictEqual(
            DEV_WARNINGS.map(name => dev[name]),
            DEV_WARNINGS.map(() => "advisory"),
        );
        assert.strictEqual(SECURITY_POLICIES.length + DEV_WARNINGS.length, policies.length);
    });

    it("allow-lists exactly the principals each stack shares with (golden-ami:sharing accounts and promotingAccounts, organizations, OUs)", () => {
        for (const stack of ["dev", "prod"] as const) {
            const sharing = stackSharing(stack);
            // Promoting accounts copy the image into their own account: they get launch and snapshot access.
            const accounts = [...new Set([...(sharing.accounts ?? []), ...(sharing.promotingAccounts ?? [])])];
            assert.deepStrictEqual(
                policyProperties(stack, "image-sharing-allow-listed"),
                {
                    allowedAccounts: accounts,
                    allowedOrganizationArns: sharing.organizationArns ?? [],
                    allowedOrganizationalUnitArns: sharing.organizationalUnitArns ?? [],
                    allowedExportBuckets: [],
                },
                stack,
            );
        }
    });

    it("keeps each stack's policy settings in step with its stack file: hop limit, deprecation horizon, public sharing block", () => {
        for (const stack of ["dev", "prod"] as const) {
            const config = parseStackConfig(readStackConfig(stack), stack);
            const hopLimit = config.fleets.some(fleet => fleet.containers) ? 2 : 1;
            for (const policy of ["launch-templates-hardened", "instance-launches-hardened"]) {
                assert.deepStrictEqual(policyProperties(stack, policy), { maxHopLimit: hopLimit }, `${stack} ${policy}`);
            }
            for (const policy of ["images-deprecate", "image-builder-images-deprecate"]) {
                assert.deepStrictEqual(policyProperties(stack, policy), { maxDeprecationDays: config.lifecycle.deleteAfterDays }, `${stack} ${policy}`);
            }
            assert.strictEqual(policyProperties(stack, "image-regions-block-public-sharing").enforcedByOrganization, !config.blockPublicSharing, stack);
            // workflow-parameters-resolved replays the sharing, tag and key rules over resolved documents, with their settings.
            const replayed = policyProperties(stack, "workflow-parameters-resolved");
            assert.deepStrictEqual(replayed, {
                ...policyProperties(stack, "image-sharing-allow-listed"),
                ...policyProperties(stack, "images-tagged"),
                ...policyProperties(stack, "image-keys-customer-managed"),
            });
            // Two rules judge where keys come from: they must trust the same outside keys.
            assert.deepStrictEqual(
                policyProperties(stack, "outside-disks-encrypted-by-default").externalKeyArns,
                policyProperties(stack, "image-keys-customer-managed").externalKeyArns,
                stack,
            );
        }
    });

    it("passes the dev program under dev.json and the prod program under prod.json with no diagnostics", async () => {
        assert.deepStrictEqual(await runPolicies(devProgram(), loadPackConfig("dev")), []);
        assert.deepStrictEqual(await runPolicies(prodProgram(), loadPackConfig("prod"), { stack: "prod" }), []);
    });

    it("fails a PR that makes an image public, as mandatory, in both stacks", async () => {
        for (const stack of ["dev", "prod"] as const) {
            const program = stack === "dev" ? devProgram() : prodProgram();
            const diagnostics = await runPolicies([...program, launchPermission({ group: "all" })], loadPackConfig(stack), { stack });
            assert.deepStrictEqual(
                diagnostics.map(d => [d.policy, d.level]),
                [["no-public-images", "mandatory"]],
                stack,
            );
        }
    });

    it("fails a PR that leaves an image untagged, blocking in every stack", async () => {
        for (const [stack, level] of [
            ["dev", "mandatory"],
            ["prod", "mandatory"],
        ] as const) {
            const program = stack === "dev" ? devProgram() : prodProgram();
            const copy = program.find(resource => resource.type === "aws:ec2/amiCopy:AmiCopy")!;
            delete copy.props.tags.Owner;
            const diagnostics = await runPolicies(program, loadPackConfig(stack), { stack });
            assert.deepStrictEqual(
                diagnostics.map(d => [d.policy, d.level, detail(d).split(" (")[0]]),
                [["images-tagged", level, "tags is missing Owner"]],
                stack,
            );
        }
    });

    it("fails sharing prod's image with dev's consumer: each stack's allow-list is its own", async () => {
        const diagnostics = await runPolicies([...prodProgram(), launchPermission({ accountId: DEV_SHARED_ACCOUNT })], loadPackConfig("prod"), {
            stack: "prod",
        });
        assert.deepStrictEqual(
            diagnostics.map(d => [d.policy, d.level]),
            [["image-sharing-allow-listed", "mandatory"]],
        );
    });
});

describe("policy pack config, reconciled as the CLI does", () => {
    it('fills in schema defaults, lets "all" set every level and a policy\'s own entry override it', () => {
        const settings = reconcileConfig(policies, { all: "advisory", "images-tagged": { enforcementLevel: "disabled" } });
        assert.strictEqual(settings.get("no-public-images")!.enforcementLevel, "advisory");
        assert.strictEqual(settings.get("images-tagged")!.enforcementLevel, "disabled");
        assert.deepStrictEqual(settings.get("images-tagged")!.properties, { requiredTags: ["Name", "Owner", "Environment", "Version"] });
        assert.deepStrictEqual(settings.get("launch-templates-hardened")!.properties, { maxHopLimit: 1 });
    });

    it("rejects an invalid level or a property that breaks its schema", () => {
        assert.throws(() => reconcileConfig(policies, { "images-tagged": "strict" }), /"strict" is not a valid enforcement level/);
        assert.throws(
            () => reconcileConfig(policies, { "image-sharing-allow-listed": { allowedAccounts: ["12345"] } }),
            /image-sharing-allow-listed: allowedAccounts\.0: Does not match pattern/,
        );
        assert.throws(
            () => reconcileConfig(policies, { "images-tagged": { requiredTags: "Owner" } }),
            /images-tagged: requiredTags: Invalid type\. Expected: array, given: string/,
        );
    });

    it("runs nothing for a disabled policy", async () => {
        const diagnostics = await runPolicies([launchPermission({ group: "all" })], {
            "no-public-images": "disabled",
            "image-sharing-allow-listed": "disabled",
        });
        assert.deepStrictEqual(diagnostics, []);
    });
});
