import * as assert from "assert";
import * as os from "os";
import { parseCommandLine } from "../../../tools/cli";
import { imagesProgram, runCli } from "../../../tools/images/cli";
import { ExitCode } from "../../../tools/images/context";
import { explainAwsError } from "../../../tools/images/aws/awsErrors";
import { CliOptions } from "../../../tools/images/options";
import { resolveTarget } from "../../../tools/images/target";
import { awsError } from "./fakeAws";
import { parseStackConfig } from "../../../components/config";
import { DEV_STACK, FAMILY, loadDevStack, recordingContext } from "./fixtures";

function optionsOf(argv: string[]): CliOptions {
    const parsed = parseCommandLine(imagesProgram, argv);
    if (parsed === "help") throw new Error(`${argv.join(" ")} asked for help`);
    return { command: parsed.path[0], ...parsed.values } as CliOptions;
}

const noAws = () => {
    throw new Error("bad input must be refused before any AWS client is made");
};

async function refused(argv: string[]) {
    const recording = recordingContext(noAws);
    const exitCode = await runCli(argv, recording.context, loadDevStack);
    return { exitCode, errors: recording.stderr.join("\n") };
}

describe("images command line", () => {
    it("prints the usage with --help and exits 0", async () => {
        const recording = recordingContext(noAws);
        assert.strictEqual(await runCli(["--help"], recording.context, loadDevStack), ExitCode.ok);
        assert.match(recording.stdout.join("\n"), /^Usage: npm run images -- <command> \[flags\]/);
    });

    const badInputs: [string, string[], RegExp][] = [
        [
            "an unknown region",
            ["list", "--regions", "us-east-1,mars-north-1", "--name", FAMILY],
            /--regions: "mars-north-1" is not an AWS region; expected names like us-east-1/,
        ],
        ["an unknown flag", ["prune", "--stack", "dev", "--kep", "2"], /unknown flag --kep for prune \(did you mean --keep\?\)/],
        ["an unknown command", ["purge", "--stack", "dev"], /unknown command "purge" \(did you mean prune\?\): expected one of list, verify, prune/],
        ["a flag of another command", ["list", "--stack", "dev", "--apply"], /--apply does not apply to list; it is a flag of prune/],
        ["a keep of 0", ["prune", "--stack", "dev", "--keep", "0"], /--keep must be a whole number of at least 1, got "0"/],
        [
            "verify without a stack",
            ["verify", "--name", FAMILY, "--regions", "us-east-1"],
            /verify compares AWS with a stack's configuration: pass --stack <name>/,
        ],
        ["neither a stack nor name and regions", ["list", "--name", FAMILY], /pass --stack <name>, or --name <image> and --regions <a,b>/],
        ["a stack without a stack file", ["list", "--stack", "qa"], /--stack qa: No stack file Pulumi\.qa\.yaml/],
        ["gate without a stack", ["gate", "--version", "1.4.1"], /gate reads a building stack's build: pass --stack <name>/],
        [
            "an unknown severity",
            ["gate", "--stack", "dev", "--max-severity", "SEVERE"],
            /--max-severity must be one of INFORMATIONAL, LOW, MEDIUM, HIGH, CRITICAL, got "SEVERE"/,
        ],
        ["a version that is not semver", ["manifest", "--stack", "dev", "--version", "v1.4.1"], /--version must be a semantic version major\.minor\.patch/],
        ["--write on gate", ["gate", "--stack", "dev", "--write"], /--write does not apply to gate/],
        [
            "a report path that is a directory",
            ["prune", "--stack", "dev", "--report", os.tmpdir()],
            /--report \S+ is a directory: give a file path, like \S+prune\.json/,
        ],
        ["a flag given twice", ["prune", "--stack", "dev", "--keep", "2", "--keep", "3"], /--keep is given twice: give it once/],
    ];
    for (const [what, argv, message] of badInputs) {
        it(`refuses ${what} with a message saying what to change, exit 2, before calling AWS`, async () => {
            const { exitCode, errors } = await refused(argv);
            assert.strictEqual(exitCode, ExitCode.badInput, errors);
            assert.match(errors, message);
        });
    }

    describe("a stack of several images", () => {
        const images = DEV_STACK.images as Record<string, Record<string, unknown>>;
        const catalog = {
            ...DEV_STACK,
            images: {
                ...images,
                "al2023-base-arm64": {
                    ...images[FAMILY],
                    architecture: "arm64",
                    instanceTypes: ["t4g.medium"],
                    version: "1.0.0",
                    baseImage: "ssm:/aws/service/ami-amazon-linux-latest/al2023-ami-kernel-default-arm64",
                },
            },
        };
        const loadCatalog = (stack: string) => parseStackConfig(catalog, stack);

        for (const command of [["list"], ["verify"], ["prune"], ["gate"], ["manifest"], ["promote", "--from", "dev", "--version", "1.0.0"]]) {
            it(`needs --image for ${command[0]}, listing the images, exit 2 before calling AWS`, async () => {
                const recording = recordingContext(noAws);
                const stack = command[0] === "promote" ? ["--stack", "prod"] : ["--stack", "dev"];
                const exitCode = await runCli([...command, ...stack], recording.context, loadCatalog);
                assert.strictEqual(exitCode, ExitCode.badInput, recording.stderr.join("\n"));
                assert.match(recording.stderr.join("\n"), /stack dev has 2 images \(al2023-base, al2023-base-arm64\): pass --image <name> to say which/);
            });
        }

        it("works on the image --image names, and suggests the closest name for a typo", async () => {
            const target = resolveTarget(optionsOf(["prune", "--stack", "dev", "--image", "al2023-base-arm64"]), loadCatalog);
            assert.deepStrictEqual([target.name, target.version], ["al2023-base-arm64", "1.0.0"]);
            const recording = recordingContext(noAws);
            assert.strictEqual(await runCli(["list", "--stack", "dev", "--image", "al2023-base-arm46"], recording.context, loadCatalog), ExitCode.badInput);
            assert.match(recording.stderr.join("\n"), /no image named "al2023-base-arm46" in golden-ami:images; did you mean al2023-base-arm64\?/);
        });
    });

    it("takes regions, name, keep and more from the stack, home region first", () => {
        const target = resolveTarget(optionsOf(["prune", "--stack", "dev"]), loadDevStack);
        assert.deepStrictEqual(
            [target.name, target.version, target.regions, target.keep, target.launchedWithinDays, target.sharing?.accounts],
            [FAMILY, "1.4.0", ["us-east-1", "us-west-2"], 2, 14, ["222222222222"]],
        );
    });

    it("lets flags override the stack's regions, name and keep", () => {
        const options = optionsOf([
            "prune",
            "--stack",
            "dev",
            "--regions",
            "eu-west-1",
            "--name",
            "other",
            "--keep",
            "7",
            "--ssm-path",
            "/a,/b",
            "--ssm-path",
            "/c",
        ]);
        const target = resolveTarget(options, loadDevStack);
        assert.deepStrictEqual([target.name, target.regions, target.keep, target.ssmPaths], ["other", ["eu-west-1"], 7, ["/a", "/b", "/c"]]);
    });
});

describe("images: AWS clients and their failures", () => {
    const explained: [string, unknown, RegExp][] = [
        [
            "missing credentials",
            Object.assign(new Error("Could not load credentials from any providers"), { name: "CredentialsProviderError" }),
            /^no AWS credentials: set AWS_PROFILE/,
        ],
        ["expired credentials", awsError("ExpiredToken"), /credentials have expired \(ExpiredToken\): refresh the session/],
        ["access denied", awsError("UnauthorizedOperation"), /^ec2:DescribeImages was denied \(UnauthorizedOperation\): allow it/],
        ["a region not enabled", awsError("OptInRequired"), /check that the region is enabled/],
        ["throttling beyond the retries", awsError("RequestLimitExceeded"), /still throttled after the SDK's retries/],
        ["an unreachable endpoint", Object.assign(new Error("getaddrinfo ENOTFOUND"), { code: "ENOTFOUND" }), /could not reach AWS \(ENOTFOUND\)/],
        [
            "an endpoint that accepts no connection in time",
            Object.assign(
                new Error(
                    "@smithy/node-http-handler - the request socket did not establish a connection with the server within the configured timeout of 5000 ms.",
                ),
                { name: "TimeoutError", $metadata: { attempts: 3 } },
            ),
            /^ec2:DescribeImages: could not connect within 5 s \(3 attempts\): check the network/,
        ],
    ];
    for (const [what, error, message] of explained) {
        it(`explains ${what} in words that say what to do`, () => {
            assert.match(explainAwsError("ec2:DescribeImages", error), message);
        });
    }
});
