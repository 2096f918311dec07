import * as assert from "assert";
import { DescribeImagesCommand, DescribeSnapshotsCommand } from "@aws-sdk/client-ec2";
import { findGoldenImages, inspectImages } from "../../../../tools/images/aws/inventory";
import { fakeAws } from "../fakeAws";
import { FAMILY, goldenAmi } from "../fixtures";

describe("images: reading the family's images from EC2", () => {
    it("reads every page of DescribeImages, by name prefix and by Name tag, each image once, newest first", async () => {
        const images = Array.from({ length: 7 }, (_, index) => goldenAmi(`ami-0000000${index + 1}`, { created: `2026-0${index + 1}-01T04:00:00.000Z` }));
        // Named otherwise but tagged Name=<family>, as a hand-made copy might be.
        images.push(goldenAmi("ami-00000008", { created: "2026-08-01T04:00:00.000Z", name: "copied-by-hand" }));
        const aws = fakeAws({ "us-east-1": { images } }, 3);

        const found = await findGoldenImages(aws.clientsFor("us-east-1").ec2, "us-east-1", FAMILY);

        assert.deepStrictEqual(
            found.map(image => image.imageId),
            ["ami-00000008", "ami-00000007", "ami-00000006", "ami-00000005", "ami-00000004", "ami-00000003", "ami-00000002", "ami-00000001"],
        );
        const calls = aws.regions["us-east-1"].ec2.commandCalls(DescribeImagesCommand);
        assert.ok(calls.length >= 5, `expected several pages per query, saw ${calls.length} DescribeImages calls`);
        assert.ok(
            calls.every(call => call.args[0].input.Owners?.join() === "self"),
            "every DescribeImages call must ask for the account's own images",
        );
    });

    it("leaves out another family that shares the name prefix", async () => {
        const aws = fakeAws({
            "us-east-1": {
                images: [
                    goldenAmi("ami-00000001", { created: "2026-01-01T04:00:00.000Z" }),
                    goldenAmi("ami-00000002", { created: "2026-01-01T04:00:00.000Z", name: `${FAMILY}-gpu-1.0.0-2026`, tags: { Name: `${FAMILY}-gpu` } }),
                ],
            },
        });
        const found = await findGoldenImages(aws.clientsFor("us-east-1").ec2, "us-east-1", FAMILY);
        assert.deepStrictEqual(
            found.map(image => image.imageId),
            ["ami-00000001"],
        );
    });

    it("takes the version from the Version tag, else from the AMI name", async () => {
        const aws = fakeAws({
            "us-east-1": {
                images: [
                    goldenAmi("ami-00000001", { created: "2026-01-01T04:00:00.000Z", version: "1.2.3" }),
                    goldenAmi("ami-00000002", { created: "2026-02-01T04:00:00.000Z", version: "1.3.0", tags: { Version: undefined } }),
                ],
            },
        });
        const found = await findGoldenImages(aws.clientsFor("us-east-1").ec2, "us-east-1", FAMILY);
        assert.deepStrictEqual(
            found.map(image => [image.imageId, image.version]),
            [
                ["ami-00000002", "1.3.0"],
                ["ami-00000001", "1.2.3"],
            ],
        );
    });

    it("reads the encryption of every snapshot, across pages, and leaves out snapshots that do not exist", async () => {
        const images = Array.from({ length: 5 }, (_, index) => goldenAmi(`ami-0000000${index + 1}`, { created: "2026-01-01T04:00:00.000Z" }));
        const snapshots = [
            { SnapshotId: "snap-00000001", Encrypted: true },
            { SnapshotId: "snap-00000002", Encrypted: false },
            { SnapshotId: "snap-00000003", Encrypted: true },
            { SnapshotId: "snap-00000004", Encrypted: true },
        ];
        const aws = fakeAws({ "us-east-1": { images, snapshots } }, 1);
        const ec2 = aws.clientsFor("us-east-1").ec2;

        const inspected = await inspectImages(ec2, await findGoldenImages(ec2, "us-east-1", FAMILY));

        assert.deepStrictEqual(
            inspected.map(entry => entry.snapshotEncryption),
            [{ "snap-00000001": true }, { "snap-00000002": false }, { "snap-00000003": true }, { "snap-00000004": true }, {}],
        );
        assert.ok(aws.regions["us-east-1"].ec2.commandCalls(DescribeSnapshotsCommand).length >= 4, "expected one page per snapshot");
    });
});
