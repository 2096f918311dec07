import * as assert from "assert";
import { imagesTagged } from "../../policy/policies";
import {
    ami, amiCopy, amiFromInstance, distributionConfiguration, image, imagePipeline, imageRecipe, regionalProvider,
} from "./fixtures";
import { detail, ResourceFixture, runPolicy, UNKNOWN, unknownDetail } from "./harness";

const FIX = "add them to the resource's tags or to its provider's defaultTags.";

describe("rule 4: images-tagged", () => {
    const taggedResources: Array<[string, () => ResourceFixture]> = [
        ["aws.ec2.Ami", ami], ["aws.ec2.AmiCopy", amiCopy], ["aws.ec2.AmiFromInstance", amiFromInstance],
        ["aws.imagebuilder.Image", image], ["aws.imagebuilder.ImagePipeline", imagePipeline], ["aws.imagebuilder.ImageRecipe", imageRecipe],
    ];

    for (const [type, fixture] of taggedResources) {
        it(`passes a fully tagged ${type} and fails one missing a required tag`, async () => {
            assert.deepStrictEqual(await runPolicy(imagesTagged, [fixture()]), []);
            const untagged = fixture();
            delete untagged.props.tags.Owner;
            const diagnostics = await runPolicy(imagesTagged, [untagged]);
            assert.deepStrictEqual(diagnostics.map(detail), [`tags is missing Owner (blank values count as missing): ${FIX}`]);
            assert.strictEqual(diagnostics[0].level, "mandatory");
        });
    }

    it("fails a resource with no tags at all, listing every required key", async () => {
        const copy = amiCopy();
        delete copy.props.tags;
        const diagnostics = await runPolicy(imagesTagged, [copy]);
        assert.deepStrictEqual(diagnostics.map(detail), [`tags is missing Name, Owner, Environment, Version (blank values count as missing): ${FIX}`]);
    });

    it("counts empty and whitespace values as missing", async () => {
        const copy = amiCopy();
        copy.props.tags.Owner = "";
        copy.props.tags.Version = "   ";
        const diagnostics = await runPolicy(imagesTagged, [copy]);
        assert.deepStrictEqual(diagnostics.map(detail), [`tags is missing Owner, Version (blank values count as missing): ${FIX}`]);
    });

    it("takes the required keys from the policy config", async () => {
        const diagnostics = await runPolicy(imagesTagged, [amiCopy()], { requiredTags: ["Name", "DataClassification"] });
        assert.deepStrictEqual(diagnostics.map(detail), [`tags is missing DataClassification (blank values count as missing): ${FIX}`]);
    });

    it("counts the provider's defaultTags, given as an object or as the JSON string the engine stores", async () => {
        for (const defaultTags of [{ tags: { Owner: "platform-team" } }, JSON.stringify({ tags: { Owner: "platform-team" } })]) {
            const copy = amiCopy();
            delete copy.props.tags.Owner;
            copy.provider = regionalProvider(undefined, { defaultTags });
            assert.deepStrictEqual(await runPolicy(imagesTagged, [copy]), [], `defaultTags as ${typeof defaultTags}`);
        }
    });

    it("lets a blank resource tag override a default, as the provider does", async () => {
        const copy = amiCopy();
        copy.props.tags.Owner = " ";
        copy.provider = regionalProvider(undefined, { defaultTags: { tags: { Owner: "platform-team" } } });
        assert.deepStrictEqual((await runPolicy(imagesTagged, [copy])).map(detail), [`tags is missing Owner (blank values count as missing): ${FIX}`]);
    });

    it("fails a distribution whose amiTags miss a required tag, ignoring defaultTags (they never reach distributed AMIs)", async () => {
        const distribution = distributionConfiguration();
        delete distribution.props.distributions[0].amiDistributionConfiguration.amiTags.Version;
        distribution.provider = regionalProvider(undefined, { defaultTags: { tags: { Version: "1.4.0" } } });
        const diagnostics = await runPolicy(imagesTagged, [distribution]);
        assert.deepStrictEqual(diagnostics.map(detail), [
            "distributions[0].amiDistributionConfiguration.amiTags is missing Version (blank values count as missing): " +
            "add them to amiTags; the provider's defaultTags do not apply to the AMIs Image Builder distributes.",
        ]);
    });

    it("fails a distribution with no amiDistributionConfiguration: its AMIs carry no tags", async () => {
        const distribution = distributionConfiguration();
        distribution.props.distributions.push({ region: "us-west-2" });
        const diagnostics = await runPolicy(imagesTagged, [distribution]);
        assert.match(detail(diagnostics[0]), /^distributions\[1\]\.amiDistributionConfiguration\.amiTags is missing Name, Owner, Environment, Version/);
    });

    it("passes a distribution whose AMIs carry every required tag", async () => {
        assert.deepStrictEqual(await runPolicy(imagesTagged, [distributionConfiguration()]), []);
    });

    it("says plainly when the whole tags object is unknown until apply", async () => {
        const copy = amiCopy();
        copy.props.tags = UNKNOWN;
        const diagnostics = await runPolicy(imagesTagged, [copy]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [["advisory", "could not check tags: value unknown until apply"]]);
    });

    it("reads only the required keys: an unknown extra tag leaves the check whole", async () => {
        const copy = amiCopy();
        copy.props.tags.BaseImage = UNKNOWN;
        assert.deepStrictEqual(await runPolicy(imagesTagged, [copy]), []);
    });

    it("says plainly when a required tag's value is unknown, and still reports the missing ones", async () => {
        const copy = amiCopy();
        copy.props.tags.Version = UNKNOWN;
        delete copy.props.tags.Owner;
        const diagnostics = await runPolicy(imagesTagged, [copy]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, d.level === "advisory" ? unknownDetail(d) : detail(d)]), [
            ["mandatory", `tags is missing Owner (blank values count as missing): ${FIX}`],
            ["advisory", "could not check tags.Version: value unknown until apply"],
        ]);
    });

    it("says plainly when the provider's defaultTags are unknown and a required tag would come from them", async () => {
        const copy = amiCopy();
        delete copy.props.tags.Owner;
        copy.provider = regionalProvider(undefined, { defaultTags: UNKNOWN });
        const diagnostics = await runPolicy(imagesTagged, [copy]);
        assert.deepStrictEqual(diagnostics.map(d => [d.level, unknownDetail(d)]), [
            ["advisory", "could not check the provider's defaultTags: value unknown until apply"],
        ]);
    });
});
