// When S3 treats a bucket as public: a bucket policy that grants to everyone without a condition that pins who or where,
// an ACL that grants AllUsers or AuthenticatedUsers, a public access block that is not fully on. The rules are S3's own
// ("The meaning of public"): a policy is not public when it limits access to fixed values of the keys below.
import { itemsOf } from "./values";

/** Condition keys that make an allow-everyone statement non-public when given fixed values (S3's list, with the principal keys). */
const LIMITING_KEYS = [
    "aws:sourceip",
    "aws:sourcearn",
    "aws:sourcevpc",
    "aws:sourcevpce",
    "aws:sourceowner",
    "aws:sourceaccount",
    "s3:x-amz-server-side-encryption-aws-kms-key-id",
    "aws:userid",
    "aws:principalorgid",
    "aws:principalaccount",
    "aws:principalarn",
    "aws:principalorgpaths",
    "s3:dataaccesspointarn",
    "s3:dataaccesspointaccount",
];

/** Operators that require a key to equal (or fall inside) the given values; negated and IfExists forms do not limit. */
const LIMITING_OPERATORS = /^(forallvalues:|foranyvalue:)?(stringequals|stringequalsignorecase|stringlike|arnequals|arnlike|ipaddress)$/i;

/** A fixed value: no wildcard, no policy variable; for aws:SourceIp, not a CIDR that spans the internet. */
function isFixed(key: string, value: unknown): boolean {
    if (typeof value !== "string" || value.trim() === "" || /[*?]|\$\{/.test(value)) return false;
    if (key === "aws:sourceip") {
        const prefix = /\/(\d+)$/.exec(value.trim());
        return !(prefix && Number(prefix[1]) < 8);
    }
    return true;
}

function limits(condition: unknown): boolean {
    if (condition === null || typeof condition !== "object") return false;
    for (const [operator, clauses] of Object.entries(condition as Record<string, unknown>)) {
        if (!LIMITING_OPERATORS.test(operator.trim()) || clauses === null || typeof clauses !== "object") continue;
        for (const [key, values] of Object.entries(clauses as Record<string, unknown>)) {
            const name = key.trim().toLowerCase();
            const list = itemsOf(values);
            if (LIMITING_KEYS.includes(name) && list.length > 0 && list.every(value => isFixed(name, value))) return true;
        }
    }
    return false;
}

/** `"*"`, `{ AWS: "*" }`, `{ AWS: ["*"] }`: everyone. */
function isEveryone(principal: unknown): boolean {
    if (principal === "*") return true;
    if (principal === null || typeof principal !== "object") return false;
    return Object.values(principal as Record<string, unknown>).some(value => itemsOf(value).some(item => typeof item === "string" && item.trim() === "*"));
}

/**
 * The statements of a bucket policy (a JSON string or an object) that open the bucket to the world: Allow to everyone (or
 * to everyone but some, with NotPrincipal) with no condition that pins fixed principals, sources or networks. Returns how
 * each is written, e.g. `Statement[0] (Sid "Public")`; undefined when the document cannot be read.
 */
export function publicStatements(policy: unknown): string[] | undefined {
    let document = policy;
    if (typeof policy === "string") {
        try {
            document = JSON.parse(policy);
        } catch {
            return undefined;
        }
    }
    if (document === null || typeof document !== "object") return undefined;
    const found: string[] = [];
    itemsOf<Record<string, unknown>>((document as Record<string, unknown>).Statement).forEach((statement, index) => {
        if (statement === null || typeof statement !== "object") return;
        if (typeof statement.Effect !== "string" || statement.Effect.trim().toLowerCase() !== "allow") return;
        const open = ("NotPrincipal" in statement && statement.NotPrincipal !== undefined) || isEveryone(statement.Principal);
        if (!open || limits(statement.Condition)) return;
        found.push(`Statement[${index}]${typeof statement.Sid === "string" && statement.Sid !== "" ? ` (Sid ${JSON.stringify(statement.Sid)})` : ""}`);
    });
    return found;
}

/** Canned ACLs that grant everyone (or every AWS account) access. */
const PUBLIC_CANNED_ACLS = ["public-read", "public-read-write", "authenticated-read"];
/** The ACL groups that mean everyone and every AWS account. */
const PUBLIC_GROUPS = /^https?:\/\/acs\.amazonaws\.com\/groups\/global\/(AllUsers|AuthenticatedUsers)$/i;

export function isPublicCannedAcl(acl: unknown): boolean {
    return typeof acl === "string" && PUBLIC_CANNED_ACLS.includes(acl.trim().toLowerCase());
}

/** A grant's grantee (`{ type, uri }`, or a bucket's inline grant `{ type, uri }`) is everyone or every AWS account. */
export function isPublicGrantee(grantee: unknown): boolean {
    const uri = (grantee as Record<string, unknown> | undefined)?.uri;
    return typeof uri === "string" && PUBLIC_GROUPS.test(uri.trim());
}

/** The four public access block settings, each of which the provider leaves false unless set. */
export const PUBLIC_ACCESS_BLOCK_SETTINGS = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"] as const;
