import * as assert from "assert";
import { launchTemplatesHardened } from "../../policy/policies";
import { launchTemplate } from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("rule 7: launch-templates-hardened", () => {
    it("passes a template with IMDSv2, one hop, encrypted volumes and no public IP", async () => {
        assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [launchTemplate()]), []);
    });

    it("fails httpTokens other than \"required\", and a template with no metadataOptions", async () => {
        const optional = launchTemplate();
        optional.props.metadataOptions.httpTokens = "optional";
        assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [optional])).map(detail), [
            'metadataOptions.httpTokens is "optional": set it to "required" so instances use IMDSv2 only.',
        ]);

        const unset = launchTemplate();
        delete unset.props.metadataOptions;
        assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [unset])).map(detail), [
            'metadataOptions.httpTokens is not set: set it to "required" so instances use IMDSv2 only.',
            "metadataOptions.httpPutResponseHopLimit is not set, so the AMI's default applies (2 for Amazon Linux 2023): set it to 1.",
        ]);
    });

    it("fails a hop limit above the configured maximum (default 1)", async () => {
        const template = launchTemplate();
        template.props.metadataOptions.httpPutResponseHopLimit = 2;
        assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template])).map(detail), [
            "metadataOptions.httpPutResponseHopLimit is 2, above the allowed 1: set it to 1.",
        ]);
        assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [template], { maxHopLimit: 2 }), []);
        template.props.metadataOptions.httpPutResponseHopLimit = 3;
        assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template], { maxHopLimit: 2 })).map(detail), [
            "metadataOptions.httpPutResponseHopLimit is 3, above the allowed 2: set it to at most 2.",
        ]);
    });

    it("accepts a template that turns the metadata service off", async () => {
        const template = launchTemplate();
        template.props.metadataOptions = { httpEndpoint: "disabled" };
        assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [template]), []);
    });

    it("fails an EBS volume whose encrypted is not \"true\" (strings or booleans)", async () => {
        for (const encrypted of ["false", false, undefined]) {
            const template = launchTemplate();
            template.props.blockDeviceMappings[0].ebs.encrypted = encrypted;
            assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template])).map(detail), [
                `blockDeviceMappings[0].ebs.encrypted is ${encrypted === undefined ? "not set" : JSON.stringify(encrypted)}: set it to "true".`,
            ]);
        }
        const boolean = launchTemplate();
        boolean.props.blockDeviceMappings[0].ebs.encrypted = true;
        assert.deepStrictEqual(await runPolicy(launchTemplatesHardened, [boolean]), []);
    });

    it("fails a network interface that associates a public IP address", async () => {
        for (const associatePublicIpAddress of ["true", true]) {
            const template = launchTemplate();
            template.props.networkInterfaces[0].associatePublicIpAddress = associatePublicIpAddress;
            assert.deepStrictEqual((await runPolicy(launchTemplatesHardened, [template])).map(detail), [
                `networkInterfaces[0].associatePublicIpAddress is ${JSON.stringify(associatePublicIpAddress)}: set it to "false" ` +
                "and reach instances through a load balancer or Systems Manager.",
            ]);
        }
    });

    it("rejects a maxHopLimit config outside 1..64, as the CLI validates config against the schema", async () => {
        await assert.rejects(runPolicy(launchTemplatesHardened, [launchTemplate()], { maxHopLimit: 0 }),
            /launch-templates-hardened: maxHopLimit: Must be greater than or equal to 1/);
    });

    it("says plainly which values are unknown until apply", async () => {
        const template = launchTemplate();
        template.props.metadataOptions.httpTokens = UNKNOWN;
        template.props.networkInterfaces[0].associatePublicIpAddress = UNKNOWN;
        const diagnostics = await runPolicy(launchTemplatesHardened, [template]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check metadataOptions.httpTokens, networkInterfaces[0].associatePublicIpAddress: values unknown until apply"],
        ]);
    });
});
