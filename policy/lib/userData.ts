// Secrets written into user data: anyone who can describe the instance (or read the launch template)
// reads them in plain text, and they stay in every version of the template.
import * as zlib from "zlib";

interface SecretPattern {
    /** What was found, for the message; never the secret itself. */
    what: string;
    pattern: RegExp;
}

/** A value that is a reference, not a secret: `$VAR`, `${VAR}`, `$(command)`, `{{ resolve:... }}`, `<placeholder>`. */
const REFERENCE = /^["']?(\$|\{\{|<|%|\*+["']?$)/;

const SECRETS: SecretPattern[] = [
    { what: "an AWS access key id", pattern: /(?<![A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/ },
    { what: "an AWS secret access key", pattern: /secret_?access_?key["']?\s*[:=]\s*["']?(?![$"'{<])[A-Za-z0-9/+=]{40}/i },
    { what: "a private key", pattern: /-----BEGIN ((RSA|EC|DSA|OPENSSH|ENCRYPTED|PGP) )?PRIVATE KEY( BLOCK)?-----/ },
];

/** `password = hunter2`, `DB_PASSWORD: "x"`, `--password hunter2`, `plain_text_passwd: x`, `echo 'root:x' | chpasswd`. */
const PASSWORD_ASSIGNMENT = /(?:^|[^A-Za-z0-9])(?:[A-Za-z0-9_]*(?:password|passwd|passphrase|pwd)["']?\s*[:=]|--?[a-z-]*(?:password|passwd|passphrase)\s)\s*(["']?[^\s"',;)]+)/gim;
const CHPASSWD = /echo\s+["']?[A-Za-z0-9_.-]+:(?!\$)[^\s"':]+["']?\s*\|\s*(sudo\s+)?chpasswd/;

/** The text behind user data: as written, base64-decoded, and gunzipped (cloud-init accepts gzip). */
export function userDataTexts(value: string): string[] {
    const texts = [value];
    const compact = value.replace(/\s+/g, "");
    if (compact.length >= 8 && compact.length % 4 === 0 && /^[A-Za-z0-9+/]+=*$/.test(compact)) {
        const bytes = Buffer.from(compact, "base64");
        if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
            try {
                texts.push(zlib.gunzipSync(bytes).toString("utf8"));
            } catch {
                // Not gzip after all: the base64 text is all there is.
            }
        } else {
            texts.push(bytes.toString("utf8"));
        }
    }
    return texts;
}

/** The kinds of secret in user data (`userData` plain or base64), e.g. ["an AWS access key id", "a password"]. */
export function secretsIn(value: unknown): string[] {
    if (typeof value !== "string" || value.trim() === "") return [];
    const found = new Set<string>();
    for (const text of userDataTexts(value)) {
        for (const { what, pattern } of SECRETS) {
            if (pattern.test(text)) found.add(what);
        }
        if (CHPASSWD.test(text)) found.add("a password");
        for (const match of text.matchAll(PASSWORD_ASSIGNMENT)) {
            const secret = match[1];
            if (!REFERENCE.test(secret) && secret.replace(/["']/g, "").length >= 3 && !/^(true|false|null|none|required|optional)$/i.test(secret.replace(/["']/g, ""))) {
                found.add("a password");
            }
        }
    }
    return [...found];
}
