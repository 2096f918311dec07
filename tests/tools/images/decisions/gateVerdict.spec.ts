import * as assert from "assert";
import type { Image } from "@aws-sdk/client-imagebuilder";
import { AllowlistEntry } from "../../../../tools/images/decisions/allowlist";
import { judgeFindings, scanProblem, WORST_SHOWN } from "../../../../tools/images/decisions/gateVerdict";
import { NOW, scanFinding } from "../fixtures";

const allowed = (id: string, expires: string): AllowlistEntry => ({ id, expires, reason: "not reachable: the package is not used by any service" });

describe("images gate: which findings fail a build", () => {
    const findings = [
        scanFinding("CVE-2026-0001", "MEDIUM"),
        scanFinding("CVE-2026-0002", "HIGH", { score: 7.5 }),
        scanFinding("CVE-2026-0003", "LOW"),
        scanFinding("CVE-2026-0004", "INFORMATIONAL"),
    ];

    it("counts the findings by severity and fails on one at the threshold", () => {
        const verdict = judgeFindings("COMPLETED", findings, "HIGH", [], NOW);
        assert.strictEqual(verdict.passed, false);
        assert.deepStrictEqual(verdict.counts, { CRITICAL: 0, HIGH: 1, MEDIUM: 1, LOW: 1, INFORMATIONAL: 1, UNTRIAGED: 0 });
        assert.deepStrictEqual(
            verdict.blocking.map(finding => finding.id),
            ["CVE-2026-0002"],
        );
    });

    it("passes the same findings at a higher threshold, and fails them at a lower one", () => {
        assert.strictEqual(judgeFindings("COMPLETED", findings, "CRITICAL", [], NOW).passed, true);
        assert.deepStrictEqual(
            judgeFindings("COMPLETED", findings, "MEDIUM", [], NOW).blocking.map(finding => finding.id),
            ["CVE-2026-0002", "CVE-2026-0001"],
        );
    });

    it("fails an UNTRIAGED finding at every threshold, and counts an unknown severity as UNTRIAGED", () => {
        const unrated = [scanFinding("CVE-2026-0009", "UNTRIAGED"), scanFinding("CVE-2026-0010", "SEVERE")];
        const verdict = judgeFindings("COMPLETED", unrated, "CRITICAL", [], NOW);
        assert.strictEqual(verdict.passed, false);
        assert.strictEqual(verdict.counts.UNTRIAGED, 2);
    });

    it("accepts a finding a current allow-list entry names, through the entry's expiry day", () => {
        const verdict = judgeFindings("COMPLETED", findings, "HIGH", [allowed("CVE-2026-0002", NOW.toISOString().slice(0, 10))], NOW);
        assert.strictEqual(verdict.passed, true);
        assert.deepStrictEqual(
            verdict.allowListed.map(finding => finding.id),
            ["CVE-2026-0002"],
        );
        assert.deepStrictEqual(verdict.expiredEntries, []);
    });

    it("no longer accepts a finding once its entry has expired, and names the expired entry", () => {
        const verdict = judgeFindings("COMPLETED", findings, "HIGH", [allowed("CVE-2026-0002", "2026-05-31")], NOW);
        assert.strictEqual(verdict.passed, false);
        assert.deepStrictEqual(
            verdict.blocking.map(finding => finding.id),
            ["CVE-2026-0002"],
        );
        assert.deepStrictEqual(
            verdict.expiredEntries.map(entry => entry.id),
            ["CVE-2026-0002"],
        );
    });

    it("lists the worst findings first (severity, then Inspector score), at most ten", () => {
        const many = [
            ...Array.from({ length: 12 }, (_, index) => scanFinding(`CVE-2026-01${String(index).padStart(2, "0")}`, "LOW")),
            scanFinding("CVE-2026-0200", "CRITICAL", { score: 9.1 }),
            scanFinding("CVE-2026-0201", "CRITICAL", { score: 9.8 }),
            scanFinding("CVE-2026-0202", "UNTRIAGED"),
        ];
        const verdict = judgeFindings("COMPLETED", many, "HIGH", [], NOW);
        assert.strictEqual(verdict.worst.length, WORST_SHOWN);
        assert.deepStrictEqual(
            verdict.worst.slice(0, 4).map(finding => finding.id),
            ["CVE-2026-0201", "CVE-2026-0200", "CVE-2026-0202", "CVE-2026-0100"],
        );
        assert.strictEqual(verdict.total, 15);
    });
});

describe("images gate: a scan that cannot be judged fails the gate", () => {
    const image = (scan: Partial<Image>): Image => ({ arn: "arn:aws:imagebuilder:us-east-1:111111111111:image/al2023-base-dev/1.4.1/1", ...scan });

    it("judges a COMPLETED scan", () => {
        assert.deepStrictEqual(scanProblem(image({ scanState: { status: "COMPLETED" } })), { status: "COMPLETED" });
    });

    const unjudgeable: [string, Partial<Image>, RegExp][] = [
        ["a build made with scanning off", { imageScanningConfiguration: { imageScanningEnabled: false } }, /scanning was not enabled .*enable it and rebuild/],
        ["a scanned build Inspector has not reported on", { imageScanningConfiguration: { imageScanningEnabled: true } }, /no scan results yet/],
        ["a scan still running", { scanState: { status: "SCANNING" } }, /not finished \(SCANNING\): run the gate again/],
        [
            "a scan that timed out",
            { scanState: { status: "TIMED_OUT", reason: "Inspector did not answer" } },
            /did not complete \(TIMED_OUT — Inspector did not answer\)/,
        ],
    ];
    for (const [what, scan, message] of unjudgeable) {
        it(`refuses to judge ${what}, saying what to do`, () => {
            assert.match(scanProblem(image(scan)).problem ?? "", message);
        });
    }
});
