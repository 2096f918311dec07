// Which AWS account a resource lives in, as far as a policy can tell: the account of the role its
// provider assumes, a named profile or static access key (some account, which one the policy cannot see),
// or the deploying credentials' own account.
import { PolicyProviderResource } from "@pulumi/policy";
import { Reading, read } from "./unknowns";
import { accountOfArn, decoded, isBlank, strings } from "./values";

/** An account as a policy knows it: `key` compares two, `label` names it in a message. */
export interface Account {
    key: string;
    label: string;
    /** The 12-digit id, when the policy can tell it. */
    id?: string;
}

export const DEPLOYING_ACCOUNT: Account = { key: "deploying", label: "the deploying account" };

export function accountById(id: string): Account {
    return { key: `account:${id}`, label: `account ${id}`, id };
}

/** The role ARN(s) a provider assumes, last one winning (`assumeRoles` in aws v7, `assumeRole` before it). */
function assumedRoleArns(props: Record<string, unknown>): string[] {
    const roles: string[] = [];
    for (const field of ["assumeRoles", "assumeRole", "assumeRoleWithWebIdentity"]) {
        const value = decoded(props[field]);
        const items = Array.isArray(value) ? value : value === undefined || value === null ? [] : [value];
        for (const item of items) {
            if (item && typeof item === "object") roles.push(...strings((item as Record<string, unknown>).roleArn));
        }
    }
    return roles;
}

/**
 * The account a provider deploys into: a role it assumes names its account; a profile is some other
 * identity the policy cannot resolve; otherwise the deploying credentials' account (its id is known when
 * a provider pins it with a single `allowedAccountIds`, see `deployingAccountId`).
 */
export function providerAccount(provider: PolicyProviderResource | undefined, deployingId?: string): Reading<Account> {
    if (!provider) return { known: true, value: deployingId ? accountById(deployingId) : DEPLOYING_ACCOUNT };
    return read(() => {
        const props = provider.props as Record<string, unknown>;
        const roles = assumedRoleArns(props);
        if (roles.length > 0) {
            const role = roles[roles.length - 1];
            const id = accountOfArn(role);
            return id ? accountById(id) : { key: `role:${role}`, label: `the account of role ${role}` };
        }
        // Static credentials are some account's: which one the policy cannot tell, only that it is theirs (the key id is not secret).
        const accessKey = props.accessKey;
        if (typeof accessKey === "string" && !isBlank(accessKey)) {
            return { key: `access-key:${accessKey.trim()}`, label: `the account of access key ${accessKey.trim()}` };
        }
        const profile = props.profile;
        const named = typeof profile === "string" && !isBlank(profile) ? profile.trim() : "default";
        // Other credential or config files hold other credentials, even under the default profile's name.
        const files = credentialFiles(props);
        if (files.length > 0) {
            return { key: `files:${files.join(",")}:profile:${named}`, label: `the account of profile "${named}" in ${files.join(", ")}` };
        }
        if (named !== "default") return { key: `profile:${named}`, label: `the account of profile "${named}"` };
        return deployingId ? accountById(deployingId) : DEPLOYING_ACCOUNT;
    });
}

/** The provider's `sharedCredentialsFiles` and `sharedConfigFiles` (lists, or JSON strings of lists). */
function credentialFiles(props: Record<string, unknown>): string[] {
    return ["sharedCredentialsFiles", "sharedConfigFiles"].flatMap(field => strings(decoded(props[field])));
}

/** The deploying account's id, when providers that use the deploying credentials pin exactly one account. */
export function deployingAccountId(providers: Array<PolicyProviderResource | undefined>): string | undefined {
    const pinned = new Set<string>();
    for (const provider of providers) {
        if (!provider) continue;
        const pin = read(() => {
            const props = provider.props as Record<string, unknown>;
            if (assumedRoleArns(props).length > 0 || !isBlank(props.profile) || !isBlank(props.accessKey) || credentialFiles(props).length > 0)
                return undefined;
            const allowed = strings(decoded(props.allowedAccountIds));
            return allowed.length === 1 ? allowed[0] : undefined;
        });
        if (pin.known && pin.value) pinned.add(pin.value);
    }
    return pinned.size === 1 ? [...pinned][0] : undefined;
}
