// Secrets written into user data: anyone who can describe the instance (or read the launch template)
// reads them in plain text, and they stay in every version of the template.
import * as zlib from "zlib";

interface SecretPattern {
    /** What was found, for the message; never the secret itself. */
    what: string;
    pattern: RegExp;
}

/** A value that is a reference, not a secret: `$VAR`, `${VAR}`, `$(command)`, `{{ resolve:... }}`, `<placeholder>`. */
const REFERENCE = /^["']?(\$|\{\{|<|%|\(|\*+["']?$|[A-Z][A-Za-z]+-[A-Z][A-Za-z]+$)/;

const SECRETS: SecretPattern[] = [
    { what: "an AWS access key id", pattern: /(?<![A-Z0-9])(AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}(?![A-Z0-9])/ },
    // `key=value`, `key: value`, and `aws configure set aws_secret_access_key value`.
    // Also `aws_secret_key`, `SecretKey` and other spellings tools use for the same 40 characters.
    { what: "an AWS secret access key", pattern: /secret_?(access_?)?key(_?id)?["']?(\s*[:=]\s*|\s+)["']?(?![$"'{<])[A-Za-z0-9/+=]{40}(?![A-Za-z0-9/+=])/i },
    { what: "a private key", pattern: /-----BEGIN ([A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/i },
];

/** `password = hunter2`, `DB_PASSWORD: "x"`, `--password hunter2`, `plain_text_passwd: x`, `echo 'root:x' | chpasswd`. */
const PASSWORD_ASSIGNMENT =
    /(?:^|[^A-Za-z0-9])(?:[A-Za-z0-9_]*(?:password|passwd|passphrase|pwd)["']?\s*[:=]|--?[a-z-]*(?:password|passwd|passphrase)\s)\s*(["']?[^\s"',;)]+)/gim;
/** `user:password` fed to chpasswd: piped from echo or printf (any flags), or as a here-string. */
const CHPASSWD =
    /(?:(?:echo|printf)(?:\s+-[a-zA-Z]+)*\s+["']?[A-Za-z0-9_.-]+:(?!\$)[^\s"':]+["']?\s*\|\s*(sudo\s+)?chpasswd|chpasswd\s*<<<\s*["']?[A-Za-z0-9_.-]+:(?!\$)[^\s"':]+)/;
/** Other ways to set a literal password: `echo x | passwd --stdin user`, `net user name x /add`, PowerShell's plain-text SecureString. */
const PASSWORD_COMMANDS = [
    /(?:echo|printf)(?:\s+-[a-zA-Z]+)*\s+["']?(?![$"'])[^\s"'|]+["']?\s*\|\s*(sudo\s+)?passwd\b/,
    /\bpasswd\b[^|\n]*--stdin[^|\n]*<<<\s*["']?(?![$"'])[^\s"']+/,
    // `openssl passwd -6 hunter2` hashes a password written right there in the user data.
    /\bopenssl[ \t]+passwd(?:[ \t]+-[-\w]+)*[ \t]+["']?(?![$"'-])[^\s"')]{3,}/,
    // `net user name pass /add`, `net user /add name pass`, `net.exe user name pass` (which sets an existing user's password).
    /\bnet(?:\.exe)?[ \t]+user[ \t]+(?:\/add[ \t]+)?(?![$/])\S+[ \t]+["']?(?![$*%"'/(])[^\s"']+["']?(?:[ \t]+\/[\w:]+)*[ \t]*\r?$/im,
    // A literal handed to ConvertTo-SecureString -AsPlainText, in any order of its parameters, or piped into it.
    /ConvertTo-SecureString\b(?=[^\n]*-AsPlainText)[^\n|]*?[ \t](?:-String[ \t]+)?(["'])(?![$"'])[^"'\n]+\1/i,
    /(["'])(?![$"'])[^"'\n]{3,}\1[ \t]*\|[ \t]*ConvertTo-SecureString\b[^\n]*-AsPlainText/i,
    // A quoted password with spaces: `net user name "P@ss w0rd" /add`.
    /\bnet(?:\.exe)?[ \t]+user[ \t]+(?:\/add[ \t]+)?(?![$/])\S+[ \t]+(["'])(?![$*%])[^"'\n]+\1(?:[ \t]+\/[\w:]+)*[ \t]*\r?$/im,
    // net.exe started from PowerShell: `Start-Process net -ArgumentList 'user name pass /add'`.
    /\bnet(?:\.exe)?["']?[ \t]+-ArgumentList[ \t]+["']user[ \t]+(?:\/add[ \t]+)?(?![$/])\S+[ \t]+(?![$*%/(])[^\s"']+/i,
    // Windows autologon: DefaultPassword under Winlogon, set by reg.exe or PowerShell, with a literal value.
    /Winlogon[^\n]*DefaultPassword[^\n]*?(?:\/d|-Value)[ \t]+(["']?)(?![$(])[^\s"']+\1/i,
    /DefaultPassword["']?[ \t]*=[ \t]*["'](?![$])[^"'\n]+["']/i,
    // ... with the key in a variable, and -Name and -Value in either order.
    /^(?=[^\n]*-Name[ \t]+["']?DefaultPassword\b)[^\n]*-Value[ \t]+(?:(["'])(?![$(])[^"'\n]+\1|(?![$("'])[^\s]+)/im,
    /\/v[ \t]+["']?DefaultPassword\b[^\n]*\/d[ \t]+(["']?)(?![$(%])[^\s"']+\1/i,
];

/** Windows automatic logon: it keeps the logon password in the registry, readable by anyone who can read the key. */
const AUTO_LOGON = /^(?=[^\n]*AutoAdminLogon)[^\n]*?(?:\/d|-Value|=)[ \t]*["']?1(?![\w.])/im;

/** `scheme://user:password@host`: credentials in a URL (a reference in place of the password is not one). */
const URL_CREDENTIALS = /\b[a-z][a-z0-9+.-]*:\/\/[^\s\/:@'"]+:(?![$%{<*])[^\s\/@'"]+@/i;
/** A `.netrc` entry: `machine host login user password secret`. */
const NETRC = /\bmachine[ \t]+\S+(?:[ \t]+login[ \t]+\S+)?[ \t]+password[ \t]+(?![$%{<])\S+/i;
/** Tokens with a vendor's own prefix. */
const VENDOR_TOKENS =
    /\b(ghp_[A-Za-z0-9]{36}|github_pat_[A-Za-z0-9_]{40,}|glpat-[A-Za-z0-9_-]{20}|xox[abposr]-[A-Za-z0-9-]{10,}|sk_live_[A-Za-z0-9]{16,}|npm_[A-Za-z0-9]{36}|AIza[0-9A-Za-z_-]{35})\b/;
/** `export VENDOR_API_KEY=...`, `$env:X_TOKEN = "..."`: a name that says secret, assigned a literal. */
const SECRET_NAME_ASSIGNMENT =
    /(?:^|[\s;$])(?:export[ \t]+|env:)?([A-Za-z][A-Za-z0-9_]*(?:API_?KEY|TOKEN|SECRET|ACCESS_KEY|PRIVATE_KEY))[ \t]*[:=][ \t]*["']?([A-Za-z0-9_\-+\/=.]{16,})/gim;

/**
 * More shapes of the same secrets: an HTTP credential header with a literal (`Authorization: Bearer …`, `X-Api-Key: …`),
 * `docker login -p <literal>`, a `*_PASS` variable, other vendors' prefixes (`ghs_`, `rk_live_`, `hvs.`, SendGrid's `SG.`),
 * and generated values under other secret-sounding names (`APP_SECRET_KEY`, `STRIPE_KEY`, `apikey` after a quote).
 */
const AUTHORIZATION_HEADER = /\b(?:Proxy-)?Authorization["']?[ \t]*:[ \t]*(?:Bearer|Basic|Token|Bot)[ \t]+(?![$%{<(])[A-Za-z0-9._~+\/=-]{8,}/i;
const KEY_HEADER = /\bX-[A-Za-z-]*(?:Api-?Key|Token|Auth|Secret)[A-Za-z-]*["']?[ \t]*:[ \t]*(?![$%{<(])([A-Za-z0-9._~+\/=-]{16,})/gi;
const DOCKER_LOGIN_PASSWORD = /\bdocker[ \t]+login\b[^\n|]*?[ \t]-p[ \t]+["']?(?![$"'-])[^\s"']{3,}/;
const PASS_ASSIGNMENT = /(?:^|[^A-Za-z0-9])[A-Za-z0-9]*_PASS["']?[ \t]*[:=][ \t]*(["']?[^\s"',;)]+)/gim;
const MORE_VENDOR_TOKENS =
    /\b(gh[ousr]_[A-Za-z0-9]{36}|[sr]k_live_[A-Za-z0-9]{16,}|hvs\.[A-Za-z0-9_-]{24,}|SG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}|dop_v1_[a-f0-9]{64})\b/;
const MORE_SECRET_NAMES =
    /(?:^|[\s;$'"])(?:export[ \t]+)?((?:[A-Za-z][A-Za-z0-9_]*)?(?:_KEY|APIKEY|_AUTH))[ \t]*[:=][ \t]*["']?([A-Za-z0-9+\/=_]{20,})(?![A-Za-z0-9+\/=_.-])/gim;

/** Bits per character: a random key scores high, a word or a path low. */
function entropy(value: string): number {
    const counts = new Map<string, number>();
    for (const character of value) counts.set(character, (counts.get(character) ?? 0) + 1);
    let bits = 0;
    for (const count of counts.values()) bits -= (count / value.length) * Math.log2(count / value.length);
    return bits;
}

/** A literal that looks generated: long, letters and digits mixed, high entropy. */
function looksGenerated(value: string): boolean {
    return value.length >= 16 && /[0-9]/.test(value) && /[A-Za-z]/.test(value) && !value.includes("/") && entropy(value) >= 3.5;
}

/** A run of base64 long enough to hide a key: `echo <base64> | base64 -d`, a MIME part, a write_files entry. */
const EMBEDDED_BASE64 = /[A-Za-z0-9+/]{24,}={0,2}/g;
/**
 * A block of base64 wrapped over several lines (MIME encoders wrap at 76 columns, `base64` at 76, write_files
 * content at any width): decoded line by line, a secret that straddles two lines would be cut in half.
 */
const WRAPPED_BASE64 = /^(?:[ \t]*[A-Za-z0-9+/]{8,}[ \t]*\r?\n)+[ \t]*[A-Za-z0-9+/]+={0,2}[ \t]*$/gm;
/** How many encodings deep to look (base64 in gzip in base64 ...), and how many texts at most. */
const MAX_DEPTH = 3;
const MAX_TEXTS = 64;

/** The text behind base64 (and gzip, which cloud-init accepts), if it decodes to something. */
function decodedText(encoded: string): string | undefined {
    const compact = encoded.replace(/\s+/g, "");
    if (compact.length < 8 || !/^[A-Za-z0-9+/]+=*$/.test(compact)) return undefined;
    const bytes = Buffer.from(compact, "base64");
    // PowerShell's -EncodedCommand is base64 of UTF-16LE: every other byte of ASCII text is zero.
    if (bytes.length >= 4 && bytes[1] === 0 && bytes[3] === 0 && bytes[0] !== 0) return bytes.toString("utf16le");
    if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
        try {
            return zlib.gunzipSync(bytes).toString("utf8");
        } catch {
            // Not gzip after all (or a truncated stream): fall back to the bytes as they are.
        }
    }
    return bytes.toString("utf8");
}

/** Quoted-printable decoded: soft line breaks removed, `=XX` escapes turned back into their characters. */
function quotedPrintable(text: string): string {
    return text.replace(/=[ \t]*\r?\n/g, "").replace(/=([0-9A-F]{2})/gi, (_, hex: string) => String.fromCharCode(parseInt(hex, 16)));
}

/**
 * The text behind user data: as written, base64-decoded, gunzipped, and every long base64 run inside
 * (decoded the same way), a few levels deep.
 */
export function userDataTexts(value: string): string[] {
    const texts = [value];
    let layer = [value];
    for (let depth = 0; depth < MAX_DEPTH && layer.length > 0 && texts.length < MAX_TEXTS; depth++) {
        const next: string[] = [];
        for (const text of layer) {
            const candidates = new Set([text.trim(), ...(text.match(WRAPPED_BASE64) ?? []), ...(text.match(EMBEDDED_BASE64) ?? [])]);
            // A quoted-printable MIME part: soft line breaks (`=` at a line's end) can split a key anywhere.
            const quoted = /quoted-printable/i.test(text) ? quotedPrintable(text) : undefined;
            if (quoted !== undefined && !texts.includes(quoted) && texts.length < MAX_TEXTS) {
                texts.push(quoted);
                next.push(quoted);
            }
            for (const candidate of candidates) {
                const decoded = decodedText(candidate);
                if (decoded !== undefined && !texts.includes(decoded) && texts.length < MAX_TEXTS) {
                    texts.push(decoded);
                    next.push(decoded);
                }
            }
        }
        layer = next;
    }
    return texts;
}

/** The kinds of secret in user data (`userData` plain or base64), e.g. ["an AWS access key id", "a password"]. */
export function secretsIn(value: unknown): string[] {
    // A list of strings where one is expected (a document in parts) is read as one text.
    if (Array.isArray(value)) value = value.filter(part => typeof part === "string").join("\n");
    if (typeof value !== "string" || value.trim() === "") return [];
    const found = new Set<string>();
    for (const text of userDataTexts(value)) {
        // In a quoted-printable part `=` is written `=3D`: judge `password=3D$VAR` by the value after it (the decoded text is searched too).
        const quoted = /quoted-printable/i.test(text);
        for (const { what, pattern } of SECRETS) {
            if (pattern.test(text)) found.add(what);
        }
        if (CHPASSWD.test(text) || PASSWORD_COMMANDS.some(pattern => pattern.test(text))) found.add("a password");
        if (AUTO_LOGON.test(text)) found.add("Windows automatic logon (its password is kept in the registry in plain text)");
        if (URL_CREDENTIALS.test(text)) found.add("credentials in a URL");
        if (NETRC.test(text)) found.add("a .netrc password");
        if (VENDOR_TOKENS.test(text)) found.add("an API token");
        for (const match of text.matchAll(SECRET_NAME_ASSIGNMENT)) {
            if (looksGenerated(match[2])) found.add("an API token");
        }
        if (AUTHORIZATION_HEADER.test(text)) found.add("credentials in an HTTP header");
        for (const match of text.matchAll(KEY_HEADER)) if (looksGenerated(match[1])) found.add("credentials in an HTTP header");
        if (DOCKER_LOGIN_PASSWORD.test(text)) found.add("a password");
        if (MORE_VENDOR_TOKENS.test(text)) found.add("an API token");
        for (const match of text.matchAll(MORE_SECRET_NAMES)) if (looksGenerated(match[2])) found.add("an API token");
        for (const match of text.matchAll(PASS_ASSIGNMENT)) {
            const secret = match[1].replace(/["']/g, "");
            if (!REFERENCE.test(match[1]) && secret.length >= 3 && !/^(true|false|null|none|required|optional)$/i.test(secret)) found.add("a password");
        }
        for (const match of text.matchAll(PASSWORD_ASSIGNMENT)) {
            const secret = quoted ? match[1].replace(/^(["']?)3D/i, "$1") : match[1];
            if (
                !REFERENCE.test(secret) &&
                secret.replace(/["']/g, "").length >= 3 &&
                !/^(true|false|null|none|required|optional)$/i.test(secret.replace(/["']/g, ""))
            ) {
                found.add("a password");
            }
        }
    }
    return [...found];
}
