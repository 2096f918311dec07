// image-block-public-access-on: what it blocks, what still passes and what it says it could not check; every red-team case is filed here under its rule.
import * as assert from "assert";
import { imageBlockPublicAccessOn } from "../../policy/policies";
import { blockPublicAccess, snapshotBlockPublicAccess } from "./fixtures";
import { detail, runPolicy, UNKNOWN, unknownDetail } from "./harness";

describe("image-block-public-access-on", () => {
    describe("blocks", () => {
        it("fails EBS snapshot block public access turned off, and image block public access in any other state", async () => {
            const snapshots = snapshotBlockPublicAccess();
            snapshots.props.state = "unblocked";
            assert.deepStrictEqual((await runPolicy(imageBlockPublicAccessOn, [snapshots])).map(detail), [
                'state is "unblocked", which lets snapshots (an image\'s contents) be made public: set state to "block-all-sharing" (or "block-new-sharing").',
            ]);
            for (const state of ["unblocked", "BLOCK-NEW-SHARING", ""]) {
                const images = blockPublicAccess();
                images.props.state = state;
                assert.deepStrictEqual((await runPolicy(imageBlockPublicAccessOn, [images])).map(detail), [
                    `state is ${JSON.stringify(state)}: set state to "block-new-sharing" so no image in this region can be made public.`,
                ]);
            }
        });

        it("fails any other state, naming the field and the fix", async () => {
            const setting = blockPublicAccess();
            setting.props.state = "unblocked";
            const diagnostics = await runPolicy(imageBlockPublicAccessOn, [setting]);
            assert.deepStrictEqual(diagnostics.map(detail), [
                'state is "unblocked": set state to "block-new-sharing" so no image in this region can be made public.',
            ]);
        });
    });

    describe("still passes", () => {
        it("passes EBS snapshot block public access that blocks all or new sharing", async () => {
            for (const state of ["block-all-sharing", "block-new-sharing"]) {
                const setting = snapshotBlockPublicAccess();
                setting.props.state = state;
                assert.deepStrictEqual(await runPolicy(imageBlockPublicAccessOn, [setting]), []);
            }
        });

        it("passes block-new-sharing", async () => {
            assert.deepStrictEqual(await runPolicy(imageBlockPublicAccessOn, [blockPublicAccess()]), []);
        });
    });

    describe("says what it could not check until apply", () => {
        it("says plainly when the state is unknown until apply", async () => {
            const setting = blockPublicAccess();
            setting.props.state = UNKNOWN;
            const diagnostics = await runPolicy(imageBlockPublicAccessOn, [setting]);
            assert.deepStrictEqual(
                diagnostics.map(d => [d.level, unknownDetail(d)]),
                [["advisory", "could not check state: value unknown until apply"]],
            );
        });
    });
});
