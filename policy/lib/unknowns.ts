// Values that are unknown until apply: how a check notices them and says so.
//
// The runtime hands every policy its resource's properties wrapped in `unknownCheckingProxy`: reading a
// value that is unknown during preview throws `UnknownValueError`, and the runtime turns that throw into an
// advisory "can't run policy ... during preview" diagnostic. A check that let the first unknown throw would
// skip everything after it, and its message would name a proxy path, not the rule. So checks read each
// value through `Check.read`, keep going, and `Check.finish` throws once, naming every field it could not
// check, through the very error class the runtime recognises.
import * as policy from "@pulumi/policy";
import { unknownValue } from "@pulumi/pulumi/runtime/rpc";

/** The published typings of @pulumi/policy 1.21 strip these runtime exports (they are marked internal). */
interface PolicyRuntime {
    unknownCheckingProxy<T extends object>(toProxy: T): T;
    UnknownValueError: new (unknownTypeSentinel: string, props: Array<string | symbol>) => Error & { props: Array<string | symbol> };
}
const runtime = policy as unknown as PolicyRuntime;

/** Wraps properties the way the runtime does before a policy sees them. */
export const unknownCheckingProxy = runtime.unknownCheckingProxy;

/** The engine's marker for a value unknown until apply (sent for every unknown, whatever its type). */
export const UNKNOWN = unknownValue;

export function isUnknownValueError(error: unknown): boolean {
    return error instanceof runtime.UnknownValueError;
}

/** What reading one value found: the value, or that it is unknown until apply. */
export type Reading<T> = { known: true; value: T } | { known: false };

/** Reads a value through the runtime's proxy; an unknown (proxied or a bare sentinel) reads as not known. */
export function read<T>(get: () => T): Reading<T> {
    try {
        const value = get();
        return value === UNKNOWN ? { known: false } : { known: true, value };
    } catch (error) {
        if (isUnknownValueError(error)) return { known: false };
        throw error;
    }
}

/** What a check covers: one resource's inputs, or the whole stack's outputs. */
export type CheckScope = "resource" | "stack";

const RECHECKED: Record<CheckScope, string> = {
    resource: "the check runs again with the real values when `pulumi up` registers the resource",
    stack: "the stack is checked again with the real values at the end of `pulumi up`",
};

/** Thrown once at the end of a check: the runtime reports it as an advisory diagnostic with this message. */
export class UncheckedValuesError extends runtime.UnknownValueError {
    constructor(
        public readonly fields: string[],
        scope: CheckScope,
    ) {
        super(UNKNOWN, fields);
        this.message = `could not check ${fields.join(", ")}: ${fields.length === 1 ? "value" : "values"} unknown until apply; ${RECHECKED[scope]}`;
    }
}

/** One run of a check over one resource or stack: violations go straight out, unknowns are collected. */
export class Check {
    /** The fields noted as unknown so far. */
    readonly unchecked: string[] = [];

    constructor(
        private readonly reportViolation: (message: string, urn?: string) => void,
        private readonly scope: CheckScope = "resource",
    ) {}

    /** Reads `field`; when it is unknown, notes it so the check can go on with the other fields. */
    read<T>(field: string, get: () => T): Reading<T> {
        const reading = read(get);
        if (!reading.known) this.unknown(field);
        return reading;
    }

    /**
     * Visits each item of the list at `field` (a missing list has none), reading item by item so one unknown
     * item leaves the others checked. `visit` gets the item and its path, e.g. `distributions[1]`.
     * Returns whether the list and every item in it were known.
     */
    each<T>(field: string, get: () => readonly T[] | undefined | null, visit: (item: T, at: string) => void): boolean {
        const list = this.read(field, get);
        if (!list.known) return false;
        // A single value where a list is expected counts as a list of one (never as the characters of a string).
        const items: readonly T[] = Array.isArray(list.value) ? list.value : list.value === undefined || list.value === null ? [] : [list.value as T];
        let allKnown = true;
        for (let index = 0; index < items.length; index++) {
            const at = `${field}[${index}]`;
            const item = this.read(at, () => items[index]);
            if (!item.known) allKnown = false;
            else if (item.value !== undefined && item.value !== null) visit(item.value, at);
        }
        return allKnown;
    }

    /** Notes a field that could not be checked. */
    unknown(field: string): void {
        if (!this.unchecked.includes(field)) this.unchecked.push(field);
    }

    violation(message: string, urn?: string): void {
        this.reportViolation(message, urn);
    }

    /** Ends the check: if anything was unknown, says which fields could not be checked. */
    finish(): void {
        if (this.unchecked.length > 0) throw new UncheckedValuesError(this.unchecked, this.scope);
    }
}
