import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";

const REPO_ROOT = path.resolve(__dirname, "..");
const DOCS = path.join(REPO_ROOT, "docs");

/** The pages whose links are checked: the README and every page under docs/. */
const pages = [
    "README.md",
    ...fs
        .readdirSync(DOCS)
        .filter(file => file.endsWith(".md"))
        .map(file => `docs/${file}`),
];
const read = (page: string) => fs.readFileSync(path.join(REPO_ROOT, page), "utf8");

/** Lines outside fenced code blocks, with their 1-based numbers. */
function proseLines(markdown: string): { line: string; number: number }[] {
    const lines: { line: string; number: number }[] = [];
    let fence: string | undefined;
    markdown.split("\n").forEach((line, index) => {
        const opening = /^\s*(```|~~~)/.exec(line);
        if (opening) {
            if (fence === undefined) fence = opening[1];
            else if (opening[1] === fence) fence = undefined;
            return;
        }
        if (fence === undefined) lines.push({ line, number: index + 1 });
    });
    return lines;
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens. */
export function githubSlug(heading: string): string {
    const text = heading
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1") // a link's text only
        .replace(/<[^>]+>/g, ""); // inline HTML tags
    return text
        .trim()
        .toLowerCase()
        .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, "")
        .replace(/ /g, "-");
}

/** Every anchor a page offers, numbered as GitHub numbers repeated headings (`-1`, `-2`, …). */
export function anchorsOf(markdown: string): Set<string> {
    const seen = new Map<string, number>();
    const anchors = new Set<string>();
    for (const { line } of proseLines(markdown)) {
        const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
        if (!heading) continue;
        const slug = githubSlug(heading[1]);
        const count = seen.get(slug) ?? 0;
        seen.set(slug, count + 1);
        anchors.add(count === 0 ? slug : `${slug}-${count}`);
    }
    return anchors;
}

interface Link {
    page: string;
    line: number;
    target: string;
}

/** Relative links of a page (inline code and code blocks skipped; web and mail links left out). */
export function relativeLinks(page: string, markdown: string): Link[] {
    const links: Link[] = [];
    for (const { line, number } of proseLines(markdown)) {
        const prose = line.replace(/`[^`]*`/g, "");
        for (const match of prose.matchAll(/\]\(([^)\s]+)(?:\s+"[^"]*")?\)/g)) {
            const target = match[1];
            if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
            links.push({ page, line: number, target });
        }
    }
    return links;
}

/** What is wrong with one link, or undefined when it resolves (file, and anchor in a Markdown file). */
export function brokenLink(link: Link, readPage: (file: string) => string | undefined): string | undefined {
    const [file, anchor] = link.target.split("#", 2) as [string, string | undefined];
    const resolved = file === "" ? link.page : path.posix.normalize(path.posix.join(path.posix.dirname(link.page), file));
    const where = `${link.page}:${link.line} links to ${link.target}`;
    if (resolved.startsWith("..")) return `${where}, outside the repository`;
    const text = readPage(resolved);
    if (text === undefined) return `${where}, but ${resolved} does not exist`;
    if (anchor !== undefined && resolved.endsWith(".md") && !anchorsOf(text).has(anchor)) {
        return `${where}, but ${resolved} has no heading with the anchor #${anchor}`;
    }
    return undefined;
}

const readRepoFile = (file: string): string | undefined => {
    const full = path.join(REPO_ROOT, file);
    if (!fs.existsSync(full)) return undefined;
    return fs.statSync(full).isDirectory() ? "" : fs.readFileSync(full, "utf8");
};

describe("documentation", () => {
    it("the docs folder holds the setup, configuration, operations and development pages", () => {
        for (const page of ["docs/setup.md", "docs/configuration.md", "docs/operations.md", "docs/development.md"]) {
            assert.ok(pages.includes(page), `${page} is missing`);
        }
    });

    it("every relative link in README.md and docs/*.md names a file that exists, and a heading that exists", () => {
        const links = pages.flatMap(page => relativeLinks(page, read(page)));
        assert.ok(links.length > 20, `expected the pages to link to each other, found ${links.length} links`);
        assert.ok(
            links.some(link => link.target.includes("#")),
            "expected some links with anchors",
        );
        const broken = links.map(link => brokenLink(link, readRepoFile)).filter(Boolean);
        assert.deepStrictEqual(broken, []);
    });

    it("the README links every page under docs/", () => {
        const linked = new Set(relativeLinks("README.md", read("README.md")).map(link => link.target.split("#")[0]));
        const docsPages = pages.filter(page => page.startsWith("docs/"));
        assert.ok(docsPages.length >= 4);
        assert.deepStrictEqual(
            docsPages.filter(page => !linked.has(page)),
            [],
        );
    });

    it("the README stays under 250 lines, with the two commands for a fresh machine on its first screen", () => {
        const lines = read("README.md").split("\n");
        assert.ok(lines.length < 250, `README.md has ${lines.length} lines`);
        const firstScreen = lines.slice(0, 40).join("\n");
        assert.ok(firstScreen.includes("npm ci && npm run plan"), "the first 40 lines must show `npm ci && npm run plan`");
        assert.ok(/^npm test\b/m.test(firstScreen), "the first 40 lines must show `npm test`");
        assert.ok(firstScreen.includes("Node.js ≥ 22"), "the quick start must state the Node.js version");
    });

    it("docs pages that code and workflows cite exist, with the anchors they name", () => {
        const sources = ["components", "tools", "policy", ".github/workflows"]
            .flatMap(dir => listFiles(path.join(REPO_ROOT, dir)))
            .concat([path.join(REPO_ROOT, "Pulumi.yaml"), path.join(REPO_ROOT, "index.ts")])
            .filter(file => /\.(ts|ya?ml)$/.test(file));
        const citations = sources.flatMap(file =>
            [...fs.readFileSync(file, "utf8").matchAll(/\bdocs\/[\w.-]+\.md(?:#[\w-]+)?/g)].map(match => ({
                source: path.relative(REPO_ROOT, file),
                target: match[0],
            })),
        );
        assert.ok(citations.length > 0, "expected the code to cite the docs somewhere");
        const broken = citations.flatMap(({ source, target }) => {
            const problem = brokenLink({ page: "README.md", line: 0, target }, readRepoFile);
            return problem ? [`${source} cites ${target}: ${problem}`] : [];
        });
        assert.deepStrictEqual(broken, []);
    });

    describe("the link checker", () => {
        it("slugs headings as GitHub does: punctuation dropped, spaces to hyphens, repeats numbered", () => {
            assert.strictEqual(githubSlug("Promotion and rollback (the promoting stack)"), "promotion-and-rollback-the-promoting-stack");
            assert.strictEqual(githubSlug("`golden-ami:image.name`"), "golden-amiimagename");
            assert.strictEqual(githubSlug("6. The first `up`"), "6-the-first-up");
            assert.strictEqual(githubSlug("What is kept, what is removed, and when"), "what-is-kept-what-is-removed-and-when");
            assert.deepStrictEqual([...anchorsOf("## Flags\n\n```\n## not a heading\n```\n## Flags\n")], ["flags", "flags-1"]);
        });

        it("reports a missing file and a missing anchor, and skips links in code", () => {
            const pageText = "See [a](docs/none.md), [b](#nowhere), [c](#here) and `[d](ignored.md)`.\n\n## Here\n";
            const links = relativeLinks("README.md", pageText);
            assert.deepStrictEqual(
                links.map(link => link.target),
                ["docs/none.md", "#nowhere", "#here"],
            );
            const problems = links.map(link => brokenLink(link, file => (file === "README.md" ? pageText : undefined)));
            assert.match(problems[0] ?? "", /docs\/none\.md does not exist/);
            assert.match(problems[1] ?? "", /no heading with the anchor #nowhere/);
            assert.strictEqual(problems[2], undefined);
        });
    });
});

function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap(entry => {
        if (entry.name === "node_modules") return [];
        const full = path.join(dir, entry.name);
        return entry.isDirectory() ? listFiles(full) : [full];
    });
}
