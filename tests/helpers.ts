import * as assert from "assert";
import { DeclaredResource, ProgramRun, runProgram, RunOptions } from "../tools/engine/mockRun";

export { promiseOf, runProgram, MOCK_ACCOUNT_ID } from "../tools/engine/mockRun";
export type { DeclaredResource, ProgramRun } from "../tools/engine/mockRun";

export { RESOURCE_TYPES as TYPES } from "../tools/engine/resourceTypes";

/** Runs the program and fails the test with the program's own error if it refused to run. */
export async function runStack(stack: string, options?: RunOptions): Promise<ProgramRun> {
    const run = await runProgram(stack, options);
    if (run.error) throw run.error;
    return run;
}

export function ofType(run: ProgramRun, type: string): DeclaredResource[] {
    return run.resources.filter(resource => resource.type === type);
}

export function onlyOne(run: ProgramRun, type: string): DeclaredResource {
    const found = ofType(run, type);
    assert.strictEqual(found.length, 1, `expected exactly one ${type}, found ${found.map(r => r.name).join(", ") || "none"}`);
    return found[0];
}

/** The resource whose placeholder output `value` is (its id or ARN): how a reference is traced to its target. */
export function referencedBy(run: ProgramRun, value: unknown): DeclaredResource | undefined {
    return run.resources.find(resource => resource.custom && (resource.id === value || resource.state.arn === value));
}

/**
 * The list, after asserting it is not empty: a check over every item of an empty list passes without
 * checking anything. Use it wherever a test loops, filters or calls `every` over what it asserts on.
 */
export function nonEmpty<T>(items: readonly T[], what: string): readonly T[] {
    assert.ok(items.length > 0, `expected at least one ${what}, found none: the checks over them would pass without checking anything`);
    return items;
}
