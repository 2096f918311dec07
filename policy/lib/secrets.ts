// Secret values. @pulumi/policy's analyzer unwraps secrets before a policy sees them, but a value can also
// reach a policy still in the engine's wire form, `{ "<sig key>": "<secret sig>", value: ... }` (a harness or
// tool that passes properties through, a nested value serialized twice). A check that met the wrapper would see an
// object where it expects a string or a boolean, so `pulumi.secret(userData)` or a secret `associatePublicIpAddress`
// would slip past it. Every check therefore reads properties through `withoutSecrets`, which hands back the value
// inside any wrapper, lazily and at any depth, and keeps the runtime's unknown-value proxy underneath (reading an
// unknown still throws as the runtime expects).
import { PolicyProviderResource, PolicyResource } from "@pulumi/policy";
import { specialSecretSig, specialSigKey } from "@pulumi/pulumi/runtime/rpc";

/** The value inside a secret wrapper (wrappers inside wrappers too); anything else as it is. */
export function unwrapSecret(value: unknown): unknown {
    let current = value;
    while (current !== null && typeof current === "object" && (current as Record<string, unknown>)[specialSigKey] === specialSecretSig) {
        current = (current as Record<string, unknown>).value;
    }
    return current;
}

/** `value` with every secret wrapper in it read as the value it wraps. */
export function withoutSecrets<T>(value: T): T {
    const unwrapped = unwrapSecret(value);
    if (unwrapped === null || typeof unwrapped !== "object") return unwrapped as T;
    return new Proxy(unwrapped as object, {
        get(object, property) {
            const item = (object as Record<string | symbol, unknown>)[property];
            if (item === null || typeof item !== "object") return item;
            // A proxy must return a frozen property's own value (the runtime's proxy keeps the same rule).
            const descriptor = Object.getOwnPropertyDescriptor(object, property);
            if (descriptor && "value" in descriptor && !descriptor.configurable && !descriptor.writable) return item;
            return withoutSecrets(item);
        },
    }) as T;
}

const resources = new WeakMap<object, PolicyResource>();

/** A stack resource (or provider) whose props are read without secret wrappers; the same object for the same resource. */
export function resourceWithoutSecrets<R extends PolicyResource | PolicyProviderResource | undefined>(resource: R): R {
    if (!resource) return resource;
    const cached = resources.get(resource);
    if (cached) return cached as R;
    const props = withoutSecrets(resource.props);
    const plain: Record<string, unknown> = { ...resource, props };
    if ("asType" in resource) {
        const original = resource as PolicyResource;
        plain.asType = (type: any) => (original.isType(type) ? props : undefined);
    }
    if ("provider" in resource && resource.provider) plain.provider = resourceWithoutSecrets(resource.provider as PolicyProviderResource);
    resources.set(resource, plain as unknown as PolicyResource);
    return plain as unknown as R;
}
