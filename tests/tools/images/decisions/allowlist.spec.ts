import * as assert from "assert";
import { isCurrent, parseAllowlist } from "../../../../tools/images/decisions/allowlist";
import { UsageError } from "../../../../tools/images/options";

const entry = { id: "CVE-2026-12345", expires: "2026-09-30", reason: "no fix upstream yet; the daemon is not installed" };

describe("images gate: the findings allow-list", () => {
    it("reads entries with an id, an expiry date and a reason", () => {
        assert.deepStrictEqual(parseAllowlist(JSON.stringify({ entries: [entry] })), [entry]);
    });

    it("has no entries when the repository has no allow-list file", () => {
        assert.deepStrictEqual(parseAllowlist(undefined), []);
    });

    it("counts an entry through its expiry day (UTC) and not the day after", () => {
        assert.strictEqual(isCurrent(entry, new Date("2026-09-30T23:59:59.000Z")), true);
        assert.strictEqual(isCurrent(entry, new Date("2026-10-01T00:00:00.000Z")), false);
    });

    const refused: [string, unknown, RegExp][] = [
        ["a list instead of an object", [entry], /must be an object with an "entries" list/],
        ["an entry without a reason", { entries: [{ ...entry, reason: " " }] }, /entries\[0\]\.reason must say why the finding is accepted/],
        ["an entry without an expiry", { entries: [{ id: entry.id, reason: entry.reason }] }, /entries\[0\]\.expires must be a date YYYY-MM-DD/],
        ["a date in another form", { entries: [{ ...entry, expires: "30/09/2026" }] }, /entries\[0\]\.expires must be a date YYYY-MM-DD .*got "30\/09\/2026"/],
        ["the same finding twice", { entries: [entry, entry] }, /entries\[1\]\.id "CVE-2026-12345" is listed twice/],
        ["a misspelt field", { entries: [{ ...entry, expiry: "2026-09-30" }] }, /entries\[0\]\.expiry is not a known field/],
    ];
    for (const [what, document, message] of refused) {
        it(`refuses ${what}, naming the entry and the fix`, () => {
            assert.throws(
                () => parseAllowlist(JSON.stringify(document)),
                (error: Error) => error instanceof UsageError && message.test(error.message),
            );
        });
    }

    it("refuses a file that is not JSON", () => {
        assert.throws(() => parseAllowlist("{ entries: [] "), /findings-allowlist\.json is not valid JSON/);
    });
});
