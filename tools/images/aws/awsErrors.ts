// Turns SDK failures into messages that say what to do. Every AWS call goes through `awsCall` or
// `collectPages`, so a failure names the IAM action that failed, not just the SDK's exception class.
// Throttling and timeouts are retried by the SDK itself (see clients.ts); what arrives here has run out of attempts.

/** A failed AWS call, labelled with the IAM action it needed (`ec2:DescribeImages`). */
export class AwsCallError extends Error {
    constructor(
        readonly action: string,
        readonly awsError: unknown,
    ) {
        super(explainAwsError(action, awsError));
        this.name = "AwsCallError";
    }
}

export async function awsCall<T>(action: string, call: () => Promise<T>): Promise<T> {
    try {
        return await call();
    } catch (error) {
        throw error instanceof AwsCallError ? error : new AwsCallError(action, error);
    }
}

/** Reads every page of an SDK paginator and returns the items of all of them; `onPage` hears the count so far. */
export async function collectPages<Page, Item>(
    action: string,
    pages: AsyncIterable<Page>,
    itemsOf: (page: Page) => Item[] | undefined,
    onPage?: (itemsSoFar: number) => void,
): Promise<Item[]> {
    return awsCall(action, async () => {
        const items: Item[] = [];
        for await (const page of pages) {
            items.push(...(itemsOf(page) ?? []));
            onPage?.(items.length);
        }
        return items;
    });
}

const CREDENTIALS_MISSING = new Set(["CredentialsProviderError"]);
const CREDENTIALS_EXPIRED = new Set(["ExpiredToken", "ExpiredTokenException", "RequestExpired", "TokenRefreshRequired"]);
const ACCESS_DENIED = new Set(["UnauthorizedOperation", "AccessDenied", "AccessDeniedException"]);
const NOT_ACCEPTED_HERE = new Set(["AuthFailure", "OptInRequired", "UnrecognizedClientException", "InvalidClientTokenId"]);
const THROTTLED = new Set(["RequestLimitExceeded", "Throttling", "ThrottlingException", "TooManyRequestsException"]);
const UNREACHABLE = new Set(["ENOTFOUND", "ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EAI_AGAIN", "TimeoutError"]);

/** The AWS error code of a failed call (`InvalidSnapshot.InUse`), through an `AwsCallError` too. */
export function awsErrorCode(error: unknown): string {
    return errorName(error instanceof AwsCallError ? error.awsError : error);
}

export function isCredentialsProblem(error: unknown): boolean {
    const name = errorName(error instanceof AwsCallError ? error.awsError : error);
    return CREDENTIALS_MISSING.has(name) || CREDENTIALS_EXPIRED.has(name);
}

export function explainAwsError(action: string, error: unknown): string {
    const name = errorName(error);
    const detail = errorMessage(error);
    if (CREDENTIALS_MISSING.has(name)) {
        return (
            "no AWS credentials: set AWS_PROFILE (run `aws sso login --profile <name>` for an SSO profile), " +
            "or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or run where an instance or task role is available"
        );
    }
    if (CREDENTIALS_EXPIRED.has(name)) {
        return `the AWS credentials have expired (${name}): refresh the session (for SSO: aws sso login) and run again`;
    }
    if (ACCESS_DENIED.has(name)) {
        return (
            `${action} was denied (${name}): allow it for the identity running the tool ` +
            `(docs/images.md lists every action the tool needs)${detail ? ` — AWS said: ${detail}` : ""}`
        );
    }
    if (NOT_ACCEPTED_HERE.has(name)) {
        return (
            `AWS did not accept the credentials for ${action} (${name}): check that the region is enabled ` +
            `for this account (opt-in regions) and that the credentials belong to the intended account`
        );
    }
    if (THROTTLED.has(name)) {
        return `${action} was still throttled after the SDK's retries (${name}): run again later or with fewer regions (--regions)`;
    }
    if (name === "TimeoutError") {
        const waited = timeoutOf(detail);
        const connecting = /establish a connection/.test(detail);
        return (
            `${action}: ${connecting ? "could not connect" : "no answer"}${waited ? ` within ${waited}` : " in time"}${attemptsOf(error)}: ` +
            "check the network, proxy settings (HTTPS_PROXY) and region name, then run again"
        );
    }
    if (UNREACHABLE.has(name) || UNREACHABLE.has(errorCode(error))) {
        return `${action} could not reach AWS (${errorCode(error) || name}): check the network, proxy settings and region name`;
    }
    return `${action} failed (${name || "unknown error"})${detail ? `: ${detail}` : ""}`;
}

/** "the configured 20000 ms requestTimeout" → "20 s". */
function timeoutOf(message: string): string | undefined {
    const milliseconds = /(\d+) ms/.exec(message)?.[1];
    if (milliseconds === undefined) return undefined;
    const seconds = Number(milliseconds) / 1000;
    return `${Number.isInteger(seconds) ? seconds : seconds.toFixed(1)} s`;
}

/** The SDK's retry layer records how many attempts a failed call made. */
function attemptsOf(error: unknown): string {
    const attempts = error && typeof error === "object" ? (error as { $metadata?: { attempts?: unknown } }).$metadata?.attempts : undefined;
    return typeof attempts === "number" ? ` (${attempts} attempt${attempts === 1 ? "" : "s"})` : "";
}

function errorName(error: unknown): string {
    if (error && typeof error === "object") {
        const { name, Code } = error as { name?: unknown; Code?: unknown };
        if (typeof Code === "string" && Code) return Code;
        if (typeof name === "string") return name;
    }
    return "";
}

function errorCode(error: unknown): string {
    const code = error && typeof error === "object" ? (error as { code?: unknown }).code : undefined;
    return typeof code === "string" ? code : "";
}

function errorMessage(error: unknown): string {
    const message = error instanceof Error ? error.message : typeof error === "string" ? error : "";
    // EC2 can append a long encoded authorization message; the first sentence is what helps.
    return message.length > 300 ? `${message.slice(0, 300)}…` : message;
}
