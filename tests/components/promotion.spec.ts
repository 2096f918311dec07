import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import { ofType, ProgramRun, runProgram, runStack, TYPES } from "../helpers";

describe("promotion (the promoting stack, prod)", () => {
    let run: ProgramRun;
    before(async () => { run = await runStack("prod"); });

    it("declares no Image Builder resource: prod never rebuilds", () => {
        const imageBuilder = run.resources.filter(resource => resource.type.startsWith("aws:imagebuilder/"));
        assert.deepStrictEqual(imageBuilder.map(resource => resource.type), []);
    });

    it("resolves the pinned version by owner and name in the building account's region, deprecated or not", () => {
        const lookups = run.dataSources.filter(read => read.token === "aws:ec2/getAmiIds:getAmiIds");
        assert.strictEqual(lookups.length, 1);
        const [lookup] = lookups;
        assert.deepStrictEqual(lookup.inputs.owners, ["111111111111"], "owned by promoteFrom.account");
        assert.strictEqual(lookup.region, "us-east-1", "looked up in promoteFrom.region");
        assert.deepStrictEqual(lookup.inputs.filters.find((filter: any) => filter.name === "name").values, ["al2023-base-1.3.2-*"]);
        assert.ok(!lookup.inputs.filters.some((filter: any) => filter.name.startsWith("tag:")), "tags are not visible across accounts");
        assert.strictEqual(lookup.inputs.includeDeprecated, true);
        assert.strictEqual(lookup.inputs.sortAscending, true, "the first build of the version is the one dev tested");
    });

    it("copies that exact AMI into its own account in every region, home included", async () => {
        const proven = "ami-0provenindev00001";
        const promoted = await runStack("prod", { promotedAmiIds: [proven, "ami-0laterrebuild00002"] });
        const copies = ofType(promoted, TYPES.amiCopy);
        assert.deepStrictEqual(copies.map(copy => copy.region).sort(), ["ap-southeast-2", "eu-west-1", "us-east-1", "us-west-2"]);
        for (const copy of copies) {
            assert.strictEqual(copy.inputs.sourceAmiId, proven, `${copy.name} copies the proven AMI`);
            assert.strictEqual(copy.inputs.sourceAmiRegion, "us-east-1", `${copy.name} copies from the building region`);
        }
    });

    it("refuses, at preview, a version the building account does not have", async () => {
        const missing = await runProgram("prod", { promotedAmiIds: [], preview: true });
        assert.ok(missing.error && pulumi.RunError.isInstance(missing.error), `expected a RunError, got ${missing.error}`);
        assert.match(missing.error.message, /golden-ami:image.version 1.3.2 was not found: account 111111111111 has no available AMI named "al2023-base-1.3.2-\*" in us-east-1/);
    });
});
