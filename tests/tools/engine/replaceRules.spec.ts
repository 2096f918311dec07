import * as assert from "assert";
import { FORCE_NEW_INPUTS, replaceReasons } from "../../../tools/engine/replaceRules";
import { runStack } from "../../helpers";

const pinning =
    'config:\n  golden-ami:promoteFrom:\n    account: "111111111111"\n    region: us-east-1\n    amiIds:\n      al2023-base: ami-0aaaaaaaaaaaaaaa1\n    stack: dev\n';

describe("replace rules: what plan --diff and the sequence runs call a replacement", () => {
    it("know every resource type the dev and prod programs declare, so no replacement is shown as an update", async () => {
        const runs = [await runStack("dev", { stackFiles: { prod: pinning } }), await runStack("prod")];
        const declared = new Set(runs.flatMap(run => run.resources.filter(resource => resource.custom).map(resource => resource.type)));
        assert.ok(declared.has("aws:ec2/tag:Tag") && declared.has("aws:s3/bucketPolicy:BucketPolicy"), [...declared].join(", "));
        const unknown = [...declared].filter(type => !(type in FORCE_NEW_INPUTS)).sort();
        assert.deepStrictEqual(unknown, [], "declared types with no entry in tools/engine/replaceRules.ts");
    });

    it("replace a bucket's settings when they move to another bucket, and update them otherwise", () => {
        assert.deepStrictEqual(replaceReasons("aws:s3/bucketPolicy:BucketPolicy", ["bucket", "policy"]), ["bucket"]);
        assert.deepStrictEqual(replaceReasons("aws:s3/bucketPolicy:BucketPolicy", ["policy"]), []);
        assert.deepStrictEqual(replaceReasons("aws:ec2/imageBlockPublicAccess:ImageBlockPublicAccess", ["state"]), []);
        assert.deepStrictEqual(replaceReasons("aws:imagebuilder/image:Image", ["imageRecipeArn", "tags"]), ["imageRecipeArn"]);
    });
});
