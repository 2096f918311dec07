// images-deprecate: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import { imagesDeprecate } from "../../policy/policies";
import { images, NO_DEPRECATION } from "./cases";
import { ami, amiCopy, amiFromInstance, inDays } from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("images-deprecate", () => {
    describe("blocks", () => {
        for (const [type, fixture] of images) {
            it(`passes an ${type} with a deprecationTime and fails one without`, async () => {
                assert.deepStrictEqual(await runPolicy(imagesDeprecate, [fixture()]), []);
                const undeprecated = fixture();
                undeprecated.props.deprecationTime = " ";
                assert.deepStrictEqual((await runPolicy(imagesDeprecate, [undeprecated])).map(detail), [NO_DEPRECATION]);
            });
        }

        it("passes a deprecation within the horizon, and fails one beyond it (default two years, or the stack's lifecycle)", async () => {
            for (const fixture of [ami, amiCopy, amiFromInstance]) {
                const image = fixture();
                image.props.deprecationTime = inDays(89);
                assert.deepStrictEqual(await runPolicy(imagesDeprecate, [image], { maxDeprecationDays: 90 }), []);
                image.props.deprecationTime = inDays(120);
                assert.deepStrictEqual(await runPolicy(imagesDeprecate, [image]), [], "within the two-year default");
                assert.match(
                    (await runPolicy(imagesDeprecate, [image], { maxDeprecationDays: 90 })).map(detail)[0],
                    /^deprecationTime is ".*", 119 days from now, beyond this stack's 90-day horizon, which is no deprecation: set it to an RFC 3339 time at most 90 days ahead/,
                );
            }
            const farOff = amiCopy();
            for (const time of [inDays(800), "2099-12-31T23:59:00Z", "2999-01-01T00:00:00+02:00"]) {
                farOff.props.deprecationTime = time;
                assert.match((await runPolicy(imagesDeprecate, [farOff])).map(detail)[0], /beyond this stack's 730-day horizon/, time);
            }
        });

        it("fails a deprecation time that is not an RFC 3339 time", async () => {
            for (const time of ["next year", "2027-01-22", "1798761600", "2027-13-45T00:00:00Z"]) {
                const copy = amiCopy();
                copy.props.deprecationTime = time;
                assert.deepStrictEqual((await runPolicy(imagesDeprecate, [copy])).map(detail), [
                    `deprecationTime is ${JSON.stringify(time)}, which is not an RFC 3339 time: set it to an RFC 3339 time at most 730 days ahead (e.g. the build time plus the stack's lifecycle.deprecateAfterDays).`,
                ]);
            }
        });

        it("rejects a horizon beyond two years, as the CLI validates config", async () => {
            await assert.rejects(
                runPolicy(imagesDeprecate, [amiCopy()], { maxDeprecationDays: 3650 }),
                /images-deprecate: maxDeprecationDays: Must be less than or equal to 730/,
            );
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly when deprecationTime is unknown until apply", async () => {
            const copy = amiCopy();
            copy.props.deprecationTime = UNKNOWN;
            assert.deepStrictEqual(
                (await runPolicy(imagesDeprecate, [copy])).map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check deprecationTime: value unknown until apply"]],
            );
        });
    });

    describe("still passes", () => {
        it("passes every kind of image deprecated within the stack's horizon", async () => {
            const all = [ami(), amiCopy(), amiFromInstance()];
            assert.strictEqual(all.length, 3);
            assert.deepStrictEqual(await runPolicy(imagesDeprecate, all, { maxDeprecationDays: 90 }), []);
        });
    });
});
