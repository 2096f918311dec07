// The Windows AWSTOE documents: well-formed, PowerShell only, safe to run twice (AWSTOE reruns a step after exit 3010),
// never running Sysprep (Image Builder runs it after the last component), and the hygiene step clearing the build's traces.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { AWSTOE_PHASES, STOP_ON_ERROR, WINDOWS_ACTION, windowsDocumentProblems } from "../../components/awstoe";
import { PLATFORM_DEFAULTS, WINDOWS_EXPECTED_SERVICES } from "../../components/platforms";
import { REPO_ROOT } from "../../tools/engine/stackFile";
import { nonEmpty } from "../helpers";

const WINDOWS_DOCUMENTS = ["build", "hygiene", "boot-test"].map(name => `components/documents/windows/${name}.yaml`);
const read = (file: string) => fs.readFileSync(path.join(REPO_ROOT, file), "utf8");

/** A one-step Windows document running these PowerShell lines. */
function documentRunning(...lines: string[]): string {
    return [
        "name: red-case",
        "schemaVersion: 1.0",
        "phases:",
        "  - name: build",
        "    steps:",
        "      - name: Step",
        "        action: ExecutePowerShell",
        "        inputs:",
        "          commands:",
        `            - ${JSON.stringify(STOP_ON_ERROR)}`,
        ...lines.map(line => `            - ${JSON.stringify(line)}`),
    ].join("\n");
}

describe("Windows AWSTOE documents", () => {
    it("lists every Windows document of the repository, and the platform's hygiene document among them", () => {
        const onDisk = fs
            .readdirSync(path.join(REPO_ROOT, "components/documents/windows"))
            .filter(file => file.endsWith(".yaml"))
            .map(file => `components/documents/windows/${file}`)
            .sort();
        assert.deepStrictEqual(onDisk, [...WINDOWS_DOCUMENTS].sort());
        assert.ok(WINDOWS_DOCUMENTS.includes(PLATFORM_DEFAULTS.windows.hygieneDocument));
    });

    for (const file of WINDOWS_DOCUMENTS) {
        it(`${file} follows the rules: schema shape, ExecutePowerShell only, stops on errors, idempotent, no Sysprep`, () => {
            assert.deepStrictEqual(windowsDocumentProblems(read(file)), []);
        });

        it(`${file} has AWSTOE's shape: a name, schemaVersion 1.0, phases of build/validate/test, steps with name, action and commands`, () => {
            const document = parse(read(file));
            assert.ok(typeof document.name === "string" && document.name.length > 0);
            assert.strictEqual(document.schemaVersion, 1.0);
            for (const phase of nonEmpty(document.phases, `${file} phase`) as any[]) {
                assert.ok((AWSTOE_PHASES as readonly string[]).includes(phase.name), `${file}: phase ${phase.name}`);
                for (const step of nonEmpty(phase.steps, `${file} ${phase.name} step`) as any[]) {
                    assert.match(step.name, /^[A-Za-z0-9]+$/);
                    assert.strictEqual(step.action, WINDOWS_ACTION, `${file} ${step.name}`);
                    assert.strictEqual(step.inputs.commands[0], STOP_ON_ERROR, `${file} ${step.name} stops on the first error`);
                }
            }
        });
    }

    it("the boot test checks the named services, the System log since boot, IMDSv2 and encryption, naming the failing check", () => {
        const document = parse(read("components/documents/windows/boot-test.yaml"));
        const test = document.phases.find((phase: any) => phase.name === "test");
        const steps = nonEmpty(test.steps, "boot test step") as any[];
        assert.deepStrictEqual(
            steps.map(step => step.name),
            ["ExpectedServicesRunning", "NoSystemErrorsSinceBoot", "ImdsV2Only", "DiskEncrypted"],
        );
        for (const step of steps) {
            const script = step.inputs.commands.join("\n");
            assert.match(script, new RegExp(`throw "${step.name} failed: `), `${step.name} names itself when it fails`);
        }
        const script = (name: string) => steps.find(step => step.name === name).inputs.commands.join("\n");
        assert.match(script("ExpectedServicesRunning"), /\{\{ ExpectedServices \}\}/);
        assert.match(script("NoSystemErrorsSinceBoot"), /LogName = 'System'; Level = 1, 2; StartTime = \$bootedAt/);
        assert.match(script("ImdsV2Only"), /\$status -ne 401/);
        assert.match(script("DiskEncrypted"), /Get-EC2Volume[\s\S]*-not \$_\.Encrypted/);
        const [parameter] = document.parameters;
        assert.deepStrictEqual(parameter.ExpectedServices.default.split(","), [...WINDOWS_EXPECTED_SERVICES], "the default the docs state");
    });

    it("the hygiene step removes temp files, build credentials, agent logs, PowerShell history and the build's staging, and checks it did", () => {
        const document = parse(read(PLATFORM_DEFAULTS.windows.hygieneDocument));
        const build = document.phases.find((phase: any) => phase.name === "build");
        const script = (nonEmpty(build.steps, "hygiene step") as any[]).map(step => step.inputs.commands.join("\n")).join("\n");
        for (const [what, pattern] of Object.entries({
            "temp files": /\$env:TEMP, "\$env:SystemRoot\\Temp"/,
            "AWS credentials": /'\.aws\\credentials'/,
            "machine-wide AWS keys": /'AWS_SECRET_ACCESS_KEY'/,
            "PowerShell history": /\*_history\.txt/,
            "agent logs": /AmazonCloudWatchAgent\\Logs/,
            "the build's staging directory": /golden-ami\\staging/,
            "Windows Update downloads": /SoftwareDistribution\\Download/,
        })) {
            assert.match(script, pattern, `hygiene does not remove ${what}`);
        }
        // Sysprep, which Image Builder runs after this step, needs EC2Launch v2 and the SSM Agent that runs it.
        assert.doesNotMatch(script, /EC2Launch|Amazon\\SSM|Panther|unattend/i, "hygiene leaves alone what Image Builder's Sysprep step needs");
        assert.ok(
            document.phases.some((phase: any) => phase.name === "validate"),
            "hygiene checks its own work",
        );
    });

    describe("blocks", () => {
        const cases: Array<[string, string, RegExp]> = [
            ["a Sysprep run", documentRunning("& $env:SystemRoot\\System32\\Sysprep\\sysprep.exe /generalize /oobe /shutdown"), /runs Sysprep/],
            ["EC2Launch v2's Sysprep", documentRunning("& 'C:\\Program Files\\Amazon\\EC2Launch\\EC2Launch.exe' sysprep --shutdown"), /runs Sysprep/],
            ["a restart under AWSTOE", documentRunning("Restart-Computer -Force"), /restarts the instance under AWSTOE: exit 3010/],
            ["a local user with a password", documentRunning("net user builder P@ssw0rd! /add"), /adds a local user, which fails the second time/],
            ["New-LocalUser", documentRunning("New-LocalUser -Name builder -NoPassword"), /adds a local user/],
            ["New-Item without -Force", documentRunning("New-Item -ItemType Directory -Path C:\\tools"), /New-Item without -Force fails when the item exists/],
            ["mkdir", documentRunning("mkdir C:\\tools"), /mkdir fails when the directory exists/],
            ["an append", documentRunning("Add-Content -Path C:\\hosts -Value '10.0.0.1 db'"), /appends, so a second run writes twice/],
            ["an unconditional reboot request", documentRunning("Install-WindowsFeature Web-Server", "exit 3010"), /exits 3010 unconditionally/],
            [
                "a step without the stop-on-error line",
                documentRunning().replace(JSON.stringify(STOP_ON_ERROR), "Get-Date"),
                /must start with \$ErrorActionPreference = 'Stop'/,
            ],
            ["a Bash step", documentRunning("x").replace("ExecutePowerShell", "ExecuteBash"), /uses ExecuteBash: Windows steps are ExecutePowerShell scripts/],
            ["a phase AWSTOE does not run", documentRunning("Get-Date").replace("name: build", "name: deploy"), /has a phase "deploy"/],
            [
                "a schema version AWSTOE does not read",
                documentRunning("Get-Date").replace("schemaVersion: 1.0", "schemaVersion: 2.0"),
                /schemaVersion 2, expected 1.0/,
            ],
            [
                "a parameter the document does not declare",
                documentRunning("Write-Output '{{ Services }}'"),
                /reads \{\{ Services \}\}, which the document's parameters do not declare/,
            ],
        ];
        for (const [what, document, expected] of cases) {
            it(`refuses ${what}`, () => {
                const problems = windowsDocumentProblems(document);
                assert.ok(
                    problems.some(problem => expected.test(problem)),
                    `expected ${expected}, got ${JSON.stringify(problems)}`,
                );
            });
        }
    });

    describe("still passes", () => {
        it("a reboot asked for only when one is pending, New-Item -Force, Sysprep named in a comment, Set-Content", () => {
            const document = documentRunning(
                "# Image Builder runs Sysprep after the last component.",
                "New-Item -ItemType Directory -Path C:\\tools -Force | Out-Null",
                "Set-Content -Path C:\\tools\\version.txt -Value '1.0.0'",
                "$result = Install-WindowsFeature Web-Server",
                "if ($result.RestartNeeded -eq 'Yes') { exit 3010 }",
            );
            assert.deepStrictEqual(windowsDocumentProblems(document), []);
        });
    });
});
