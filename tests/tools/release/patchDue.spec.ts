import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { GetParameterCommand, SSMClient } from "@aws-sdk/client-ssm";
import { mockClient } from "aws-sdk-client-mock";
import { decide, patchDue } from "../../../tools/release/patchDue";
import { readStackConfig, REPO_ROOT } from "../../../tools/engine/stackFile";

const NOW = new Date("2026-11-23T06:00:00Z");
const LOCKED = { baseImageId: "ami-0aaaaaaaaaaaaaaaa", lockedAt: "2026-11-01T10:00:00Z" };

describe("patch cadence: is a patch build due", () => {
    it("is due when the base image's parameter names another AMI than the version was locked on", () => {
        assert.deepStrictEqual(decide("1.4.0", LOCKED, "ami-0bbbbbbbbbbbbbbbb", NOW, 30), {
            due: true,
            version: "1.4.0",
            reasons: ["the base image moved: ami-0aaaaaaaaaaaaaaaa → ami-0bbbbbbbbbbbbbbbb"],
        });
    });

    it("is due when the version is as old as --max-age-days, not a day before", () => {
        assert.strictEqual(decide("1.4.0", LOCKED, LOCKED.baseImageId, NOW, 21).due, true);
        assert.strictEqual(decide("1.4.0", LOCKED, LOCKED.baseImageId, NOW, 22).due, false);
    });

    it("is not due on the same base image within the age, and cannot tell a move without a recorded baseImageId", () => {
        assert.deepStrictEqual(decide("1.4.0", LOCKED, LOCKED.baseImageId, NOW, 30), { due: false, version: "1.4.0", reasons: [] });
        assert.match(decide("1.4.0", { lockedAt: LOCKED.lockedAt }, "ami-0bbbbbbbbbbbbbbbb", NOW, 30).reasons[0], /records no baseImageId/);
    });

    it("reads the stack's version, its lock entry and the SSM parameter the stack's baseImage names", async () => {
        const root = fs.mkdtempSync(path.join(os.tmpdir(), "golden-ami-patch-"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.yaml"), path.join(root, "Pulumi.yaml"));
        fs.copyFileSync(path.join(REPO_ROOT, "Pulumi.dev.yaml"), path.join(root, "Pulumi.dev.yaml"));
        const version = (readStackConfig("dev").images as Record<string, { version: string }>)["al2023-base"].version;
        fs.writeFileSync(path.join(root, "image-versions.lock.json"), JSON.stringify({ [`al2023-base@${version}`]: LOCKED }));
        const ssm = mockClient(SSMClient);
        ssm.on(GetParameterCommand, { Name: "/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-x86_64" }).resolves({
            Parameter: { Value: "ami-0ccccccccccccccccc" },
        });
        try {
            const result = await patchDue("dev", 30, new SSMClient({ region: "us-east-1" }), NOW, root, "al2023-base");
            assert.deepStrictEqual(result.reasons, ["the base image moved: ami-0aaaaaaaaaaaaaaaa → ami-0ccccccccccccccccc"]);
            fs.writeFileSync(path.join(root, "image-versions.lock.json"), "{}");
            await assert.rejects(
                patchDue("dev", 30, new SSMClient({ region: "us-east-1" }), NOW, root),
                /al2023-base@\d+\.\d+\.\d+ .* is not in image-versions\.lock\.json: run `npm run lock -- --stack dev --image al2023-base`/,
            );
        } finally {
            ssm.restore();
        }
    });
});
