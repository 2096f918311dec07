// images-tagged: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import * as fixtures from "./fixtures";
import { imageBlockPublicAccessOn, imagesTagged, noPublicImages } from "../../policy/policies";
import { assertOne, distribute, findings, good, INVISIBLE, taggedResources, TAGS_FIX, workflow } from "./cases";
import { amiCopy, blockPublicAccess, distributionConfiguration, image, imagePipeline, imageRecipe, imageTags, KEY_ARN, regionalProvider } from "./fixtures";
import { detail, loadPackConfig, ResourceFixture, runPolicies, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("images-tagged", () => {
    describe("blocks", () => {
        it("fails an aws.ec2.Tag that blanks a required tag, and passes the program's keep tag, which shares nothing", async () => {
            const tag = (key: string, value: string): ResourceFixture => ({
                type: "aws:ec2/tag:Tag",
                name: `tag-${key}`,
                provider: regionalProvider(),
                props: { resourceId: fixtures.SOURCE_AMI, key, value },
            });
            for (const blank of ["", "  "]) {
                assert.deepStrictEqual(await findings(imagesTagged, [tag("Owner", blank)]), [
                    "value is blank, so this tag strips the required tag Owner from the resource it tags: give it a non-blank value, " +
                        "or remove this aws.ec2.Tag and set Owner on the image itself.",
                ]);
            }
            const keep = tag("GoldenAmiKeep", "true");
            assert.deepStrictEqual(
                (await runPolicies([keep], loadPackConfig("prod"))).filter(d => d.level === "mandatory"),
                [],
            );
            assert.deepStrictEqual(await findings(noPublicImages, [tag("group", "all")]), []);
        });

        it("images-tagged blocks a provider whose ignoreTags drops a required tag (keys or keyPrefixes, object or JSON string)", async () => {
            const variants: Array<[Record<string, unknown>, string]> = [
                [{ ignoreTags: { keys: ["Owner"] } }, "Owner"],
                [{ ignoreTags: '{"keyPrefixes":["Ver"]}' }, "Version"],
                [{ ignoreTags: { keys: ["Name", "Environment"] } }, "Name, Environment"],
            ];
            for (const [props, tags] of variants) {
                const copy = amiCopy();
                copy.provider = regionalProvider(undefined, props);
                assert.deepStrictEqual(
                    await findings(imagesTagged, [copy]),
                    [
                        `the provider's ignoreTags matches ${tags}, so the provider never sets, updates or restores ${tags.includes(",") ? "those tags" : "that tag"} on this image: ` +
                            "remove the required tags from the provider's ignoreTags.keys and keyPrefixes.",
                    ],
                    JSON.stringify(props),
                );
            }
            const harmless = image();
            harmless.provider = regionalProvider(undefined, { ignoreTags: { keys: ["LastScanned"], keyPrefixes: ["kubernetes.io/"] } });
            assert.deepStrictEqual(await findings(imagesTagged, [harmless]), []);
        });

        it("images-tagged requires each DistributeImage distribution's amiTags to carry the required tags (class: untagged images)", async () => {
            assertOne(
                await findings(imagesTagged, [workflow(distribute(`          kmsKeyId: ${KEY_ARN}\n`, "            Name: al2023-base\n"))]),
                /^data: steps\[0\]\.inputs\.distributions\[0\]\.amiTags is missing Owner, Environment, Version/,
            );
            assert.deepStrictEqual(await findings(imagesTagged, [workflow(good)]), []);
        });

        it("images-tagged counts a required tag whose value is only zero-width or invisible characters as missing, wherever it is set", async () => {
            for (const blank of INVISIBLE) {
                const label = JSON.stringify(blank);
                const copy = amiCopy();
                copy.props.tags = { ...imageTags(), Owner: blank };
                assertOne(await findings(imagesTagged, [copy]), /^tags is missing Owner/, `tags ${label}`);
                const defaulted = amiCopy();
                delete defaulted.props.tags.Owner;
                defaulted.provider = regionalProvider(fixtures.HOME_REGION, { defaultTags: { tags: { Owner: blank } } });
                assertOne(await findings(imagesTagged, [defaulted]), /^tags is missing Owner/, `defaultTags ${label}`);
                const distribution = fixtures.distributionConfiguration();
                distribution.props.distributions[0].amiDistributionConfiguration.amiTags = { ...imageTags(), Version: blank };
                assertOne(await findings(imagesTagged, [distribution]), /amiTags is missing Version/, `amiTags ${label}`);
                const tag: ResourceFixture = {
                    type: "aws:ec2/tag:Tag",
                    name: "owner",
                    provider: regionalProvider(),
                    props: { resourceId: fixtures.SOURCE_AMI, key: "Owner", value: blank },
                };
                assertOne(await findings(imagesTagged, [tag]), /^value is blank, so this tag strips the required tag Owner/, `aws.ec2.Tag ${label}`);
            }
        });

        it("blocks an Image Builder build with no distribution configuration, whose AMI gets no tags, under dev.json too", async () => {
            for (const build of [image(), imagePipeline()]) {
                delete build.props.distributionConfigurationArn;
                const diagnostics = (await runPolicies([build], loadPackConfig("dev"))).filter(d => d.policy === "images-tagged");
                assert.deepStrictEqual(
                    diagnostics.map(d => [d.level, detail(d)]),
                    [
                        [
                            "mandatory",
                            "distributionConfigurationArn is not set, so the AMI this build makes carries no tags: set it to an aws.imagebuilder.DistributionConfiguration " +
                                "whose amiDistributionConfiguration.amiTags carry Name, Owner, Environment, Version.",
                        ],
                    ],
                );
            }
            const container: ResourceFixture = image();
            delete container.props.distributionConfigurationArn;
            delete container.props.imageRecipeArn;
            container.props.containerRecipeArn = "arn:aws:imagebuilder:us-east-1:111111111111:container-recipe/app/1.0.0";
            assert.deepStrictEqual(await runPolicy(imagesTagged, [container]), []);
        });

        it("blocks a copy with a blank or missing required tag under dev.json", async () => {
            for (const change of [
                (tags: any) => {
                    delete tags.Owner;
                },
                (tags: any) => {
                    tags.Owner = " ";
                },
            ]) {
                const copy = amiCopy();
                change(copy.props.tags);
                const diagnostics = (await runPolicies([copy], loadPackConfig("dev"))).filter(d => d.policy === "images-tagged");
                assert.deepStrictEqual(
                    diagnostics.map(d => [d.level, detail(d)]),
                    [["mandatory", "tags is missing Owner (blank values count as missing): add them to the resource's tags or to its provider's defaultTags."]],
                );
            }
        });

        for (const [type, fixture] of taggedResources) {
            it(`passes a fully tagged ${type} and fails one missing a required tag`, async () => {
                assert.deepStrictEqual(await runPolicy(imagesTagged, [fixture()]), []);
                const untagged = fixture();
                delete untagged.props.tags.Owner;
                const diagnostics = await runPolicy(imagesTagged, [untagged]);
                assert.deepStrictEqual(diagnostics.map(detail), [`tags is missing Owner (blank values count as missing): ${TAGS_FIX}`]);
                assert.strictEqual(diagnostics[0].level, "mandatory");
            });
        }

        it("fails a resource with no tags at all, listing every required key", async () => {
            const copy = amiCopy();
            delete copy.props.tags;
            const diagnostics = await runPolicy(imagesTagged, [copy]);
            assert.deepStrictEqual(diagnostics.map(detail), [`tags is missing Name, Owner, Environment, Version (blank values count as missing): ${TAGS_FIX}`]);
        });

        it("counts empty and whitespace values as missing", async () => {
            const copy = amiCopy();
            copy.props.tags.Owner = "";
            copy.props.tags.Version = "   ";
            const diagnostics = await runPolicy(imagesTagged, [copy]);
            assert.deepStrictEqual(diagnostics.map(detail), [`tags is missing Owner, Version (blank values count as missing): ${TAGS_FIX}`]);
        });

        it("takes the required keys from the policy config", async () => {
            const diagnostics = await runPolicy(imagesTagged, [amiCopy()], { requiredTags: ["Name", "DataClassification"] });
            assert.deepStrictEqual(diagnostics.map(detail), [`tags is missing DataClassification (blank values count as missing): ${TAGS_FIX}`]);
        });

        it("lets a blank resource tag override a default, as the provider does", async () => {
            const copy = amiCopy();
            copy.props.tags.Owner = " ";
            copy.provider = regionalProvider(undefined, { defaultTags: { tags: { Owner: "platform-team" } } });
            assert.deepStrictEqual((await runPolicy(imagesTagged, [copy])).map(detail), [`tags is missing Owner (blank values count as missing): ${TAGS_FIX}`]);
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
    });

    describe("still passes", () => {
        it("keeps the public-access and tag rules on what they already covered (no regression)", async () => {
            assert.deepStrictEqual(await findings(imageBlockPublicAccessOn, [blockPublicAccess()]), []);
            assert.deepStrictEqual(await findings(imagesTagged, [image(), imageRecipe(), distributionConfiguration()]), []);
            assert.deepStrictEqual(imageTags().Owner, "platform-team");
        });

        it("still passes values with invisible characters inside real text, and values in any script", async () => {
            const copy = amiCopy();
            copy.props.tags = { ...imageTags(), Name: "al2023\u200b-base", Owner: "プラットフォーム", Environment: "dév" };
            assert.deepStrictEqual(await findings(imagesTagged, [copy]), []);
            const tag: ResourceFixture = {
                type: "aws:ec2/tag:Tag",
                name: "keep",
                provider: regionalProvider(),
                props: { resourceId: fixtures.SOURCE_AMI, key: "Owner", value: "platform\u200dteam" },
            };
            assert.deepStrictEqual(await findings(imagesTagged, [tag]), []);
        });

        it("counts the provider's defaultTags, given as an object or as the JSON string the engine stores", async () => {
            for (const defaultTags of [{ tags: { Owner: "platform-team" } }, JSON.stringify({ tags: { Owner: "platform-team" } })]) {
                const copy = amiCopy();
                delete copy.props.tags.Owner;
                copy.provider = regionalProvider(undefined, { defaultTags });
                assert.deepStrictEqual(await runPolicy(imagesTagged, [copy]), [], `defaultTags as ${typeof defaultTags}`);
            }
        });

        it("passes a distribution whose AMIs carry every required tag", async () => {
            assert.deepStrictEqual(await runPolicy(imagesTagged, [distributionConfiguration()]), []);
        });

        it("reads only the required keys: an unknown extra tag leaves the check whole", async () => {
            const copy = amiCopy();
            copy.props.tags.BaseImage = UNKNOWN;
            assert.deepStrictEqual(await runPolicy(imagesTagged, [copy]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly when the whole tags object is unknown until apply", async () => {
            const copy = amiCopy();
            copy.props.tags = UNKNOWN;
            const diagnostics = await runPolicy(imagesTagged, [copy]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check tags: value unknown until apply"]],
            );
        });

        it("says plainly when a required tag's value is unknown, and still reports the missing ones", async () => {
            const copy = amiCopy();
            copy.props.tags.Version = UNKNOWN;
            delete copy.props.tags.Owner;
            const diagnostics = await runPolicy(imagesTagged, [copy]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, d.level === "advisory" ? unknownDetail(d) : detail(d)]),
                [
                    ["mandatory", `tags is missing Owner (blank values count as missing): ${TAGS_FIX}`],
                    ["advisory", "could not check tags.Version: value unknown until apply"],
                ],
            );
        });

        it("says plainly when the provider's defaultTags are unknown and a required tag would come from them", async () => {
            const copy = amiCopy();
            delete copy.props.tags.Owner;
            copy.provider = regionalProvider(undefined, { defaultTags: UNKNOWN });
            const diagnostics = await runPolicy(imagesTagged, [copy]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check the provider's defaultTags: value unknown until apply"]],
            );
        });
    });
});
