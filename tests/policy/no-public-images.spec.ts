// no-public-images: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import { imagesEncryptedWithCmk, imageSharingAllowListed, noPublicImages } from "../../policy/policies";
import {
    ALLOW_LIST,
    assertOne,
    distribute,
    dlmPolicy,
    findings,
    good,
    modify,
    notAllowListed,
    OUTSIDER,
    secret,
    sharingFindings,
    UNTIL_APPLY,
    workflow,
} from "./cases";
import {
    amiCopy,
    DEV_SHARED_ACCOUNT,
    distributionConfiguration,
    image,
    KEY_ARN,
    launchPermission,
    ramPrincipalAssociation,
    snapshotPermission,
} from "./fixtures";
import { detail, PACK_VERSION, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("no-public-images", () => {
    describe("blocks", () => {
        it('no-public-images finds "all" given as a single value where a list is expected, or inside a list where one value is expected', async () => {
            const single = distributionConfiguration();
            single.props.distributions[0].amiDistributionConfiguration.launchPermission = { userGroups: "all" };
            assert.deepStrictEqual(await findings(noPublicImages, [single]), [
                'distributions[0].amiDistributionConfiguration.launchPermission.userGroups[0] is "all", which makes every image this distribution makes public: ' +
                    "remove it and share with userIds, organizationArns or organizationalUnitArns instead.",
            ]);
            const blocks = distributionConfiguration();
            blocks.props.distributions[0].amiDistributionConfiguration.launchPermission = [{ userGroups: ["ALL"] }];
            assert.strictEqual((await findings(noPublicImages, [blocks])).length, 1);
            const listed = distributionConfiguration();
            listed.props.distributions[0].amiDistributionConfiguration = [
                { ...listed.props.distributions[0].amiDistributionConfiguration, launchPermission: { userGroups: ["all"] } },
            ];
            assert.strictEqual((await findings(noPublicImages, [listed])).length, 1);
            const permission = launchPermission({ group: "all" });
            permission.props.group = [" All "];
            assert.deepStrictEqual(await findings(noPublicImages, [permission]), [
                'group is [" All "], which makes the image public: remove this launch permission, or share with an accountId, organizationArn or organizationalUnitArn instead.',
            ]);
        });

        it("no-public-images, image-sharing-allow-listed and images-encrypted-with-cmk see through secret principals and keys (classes: sharing, encryption)", async () => {
            const everyone = launchPermission({ group: "all" });
            everyone.props.group = secret(" All ");
            assertOne(await findings(noPublicImages, [everyone]), /^group is " All ", which makes the image public/);
            const distribution = fixtures.distributionConfiguration();
            distribution.props.distributions[0].amiDistributionConfiguration.launchPermission = secret({ userGroups: ["all"] });
            assertOne(
                await findings(noPublicImages, [distribution]),
                /^distributions\[0\]\.amiDistributionConfiguration\.launchPermission\.userGroups\[0\] is "all"/,
            );
            const stranger = launchPermission();
            stranger.props.accountId = secret("999999999999");
            assertOne(await findings(imageSharingAllowListed, [stranger], ALLOW_LIST), /^accountId is "999999999999", which is not allow-listed/);
            const copy = amiCopy();
            copy.props.kmsKeyId = secret("alias/aws/ebs");
            assertOne(await findings(imagesEncryptedWithCmk, [copy]), /^kmsKeyId is "alias\/aws\/ebs", an AWS-managed key/);
        });

        it('no-public-images blocks a ModifyImageAttributes step that grants "all", however written, or sets the groups at run time (class: never public)', async () => {
            for (const groups of ["            userGroups: [all]\n", '            userGroups:\n              - " ALL "\n', "            UserGroups: all\n"]) {
                assertOne(
                    await findings(noPublicImages, [workflow(distribute(`          kmsKeyId: ${KEY_ARN}\n`) + modify(groups))]),
                    /^data: steps\[1\]\.inputs\.attributes\[0\]\.launchPermission\.userGroups is .*, which makes every image this workflow distributes public/,
                    groups,
                );
            }
            assertOne(
                await findings(noPublicImages, [workflow(modify("            userGroups.$: $.stepOutputs.Pick.groups\n"))]),
                /^data: steps\[0\]\.inputs\.attributes\[0\]\.launchPermission\.userGroups\.\$ sets the launch permission's groups at run time/,
            );
            assert.deepStrictEqual(await findings(noPublicImages, [workflow(good)]), []);
        });

        it("no-public-images blocks \"all\" as an account: a workflow's launchPermission.userIds, a DLM share rule's targetAccounts (class: public destination)", async () => {
            assertOne(
                await findings(noPublicImages, [workflow(modify("            userIds: [ALL]\n"))]),
                /^data: steps\[0\]\.inputs\.attributes\[0\]\.launchPermission\.userIds is \["ALL"\], and "all" there means everyone/,
            );
            const shared = dlmPolicy({ shareRule: [{ targetAccounts: ["222222222222", "all"] }] }, { policyType: "EBS_SNAPSHOT_MANAGEMENT" });
            assertOne(
                await findings(noPublicImages, [shared]),
                /^policyDetails\.schedules\[0\]\.shareRule\[0\]\.targetAccounts\[1\] is "all", which shares every image and snapshot this policy makes with everyone/,
            );
            assert.deepStrictEqual(await findings(noPublicImages, [dlmPolicy({ shareRule: [{ targetAccounts: ["222222222222"] }] })]), []);
        });

        it('fails a launch permission for the group "all", naming the field and the fix', async () => {
            const diagnostics = await runPolicy(noPublicImages, [launchPermission({ group: "all" })]);
            assert.deepStrictEqual(diagnostics.map(detail), [
                'group is "all", which makes the image public: remove this launch permission, ' +
                    "or share with an accountId, organizationArn or organizationalUnitArn instead.",
            ]);
            assert.strictEqual(diagnostics[0].level, "mandatory");
            assert.match(diagnostics[0].urn!, /AmiLaunchPermission::al2023-base-us-east-1-sharing-all$/);
        });

        it('fails a distribution whose launchPermission.userGroups contains "all"', async () => {
            const distribution = distributionConfiguration();
            distribution.props.distributions.push({
                region: "us-west-2",
                amiDistributionConfiguration: { kmsKeyId: "k", launchPermission: { userGroups: ["all"] } },
            });
            const diagnostics = await runPolicy(noPublicImages, [distribution]);
            assert.deepStrictEqual(diagnostics.map(detail), [
                'distributions[1].amiDistributionConfiguration.launchPermission.userGroups[0] is "all", which makes every image ' +
                    "this distribution makes public: remove it and share with userIds, organizationArns or organizationalUnitArns instead.",
            ]);
        });

        it('fails snapshot create-volume access for an account that is not allow-listed, and for "all" (any case) as public', async () => {
            assert.deepStrictEqual(await sharingFindings(snapshotPermission(OUTSIDER)), [notAllowListed("accountId", OUTSIDER)]);
            for (const everyone of ["all", "ALL", " All "]) {
                assert.deepStrictEqual((await runPolicy(noPublicImages, [snapshotPermission(everyone)])).map(detail), [
                    `accountId is ${JSON.stringify(everyone)}, which lets anyone create volumes from the image's snapshot: set accountId to one allow-listed account.`,
                ]);
            }
        });

        it('fails a launch permission for "all" however it is spelled or wherever it is declared', async () => {
            for (const [grant, region] of [
                [{ group: "ALL" }, "us-east-1"],
                [{ group: " all" }, "ap-southeast-2"],
                [{ accountId: "all" }, "eu-west-1"],
            ] as const) {
                const findings = (await runPolicy(noPublicImages, [launchPermission(grant, region)])).map(detail);
                assert.strictEqual(findings.length, 1, JSON.stringify(grant));
                assert.match(findings[0], /which makes the image public: remove this launch permission/);
            }
        });
    });

    describe("still passes", () => {
        it("passes a launch permission for one account", async () => {
            assert.deepStrictEqual(await runPolicy(noPublicImages, [launchPermission()]), []);
        });

        it("does not apply to other resource types", async () => {
            assert.deepStrictEqual(await runPolicy(noPublicImages, [amiCopy(), image()]), []);
        });

        it("passes a distribution shared with one account", async () => {
            assert.deepStrictEqual(await runPolicy(noPublicImages, [distributionConfiguration()]), []);
        });

        it("passes the allow-listed variants of every way to share", async () => {
            assert.deepStrictEqual(await sharingFindings(snapshotPermission()), []);
            assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation()), []);
            assert.deepStrictEqual(await sharingFindings(ramPrincipalAssociation(`arn:aws:iam::${DEV_SHARED_ACCOUNT}:role/consumer`)), []);
            assert.deepStrictEqual(await sharingFindings(launchPermission({ accountId: ` ${DEV_SHARED_ACCOUNT} ` })), []);
            assert.deepStrictEqual(await runPolicy(noPublicImages, [snapshotPermission(), launchPermission(), distributionConfiguration()]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly when the group is unknown until apply, as an advisory", async () => {
            const diagnostics = await runPolicy(noPublicImages, [launchPermission({ group: UNKNOWN })]);
            assert.strictEqual(diagnostics.length, 1);
            assert.strictEqual(diagnostics[0].level, "advisory");
            assert.strictEqual(
                diagnostics[0].message,
                `can't run policy 'no-public-images' from policy pack 'golden-ami@v${PACK_VERSION}' during preview: ` +
                    `could not check group: value unknown until apply; ${UNTIL_APPLY}`,
            );
        });

        it("says plainly when userGroups is unknown until apply", async () => {
            const distribution = distributionConfiguration();
            distribution.props.distributions[0].amiDistributionConfiguration.launchPermission.userGroups = UNKNOWN;
            const diagnostics = await runPolicy(noPublicImages, [distribution]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check distributions[0].amiDistributionConfiguration.launchPermission.userGroups: value unknown until apply"]],
            );
        });
    });
});
