import * as assert from "assert";
import { RawStackConfig } from "../components/config";
import { DeclaredResource, ProgramRun, runProgram, RunOptions } from "../tools/engine/mockRun";
import { readStackConfig } from "../tools/engine/stackFile";

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

/** One image's stack outputs (`images.<name>`): version, amiId, amiIds and ssmParameterNames by region. */
export function imageOutput(
    run: ProgramRun,
    image: string,
): { version: string; amiId: string; amiIds: Record<string, string>; ssmParameterNames: Record<string, string> } {
    const images = run.outputs.images as Record<string, any> | undefined;
    assert.ok(images?.[image], `no stack output images.${image} (outputs: ${Object.keys(images ?? {}).join(", ")})`);
    return images[image];
}

/**
 * The stack with its first image alone (its pin and fleets too): the single-image view component tests read, where
 * "one recipe", "one copy per region" are the rules. Catalog behaviour is tested in catalog.spec.ts.
 */
export function firstImageOnly(stack: string): RawStackConfig {
    const raw = readStackConfig(stack);
    const images = raw.images as Record<string, unknown>;
    const [name] = Object.keys(images);
    const promoteFrom = raw.promoteFrom as { amiIds: Record<string, string> } | undefined;
    const fleets = raw.fleets as Record<string, { image?: string }> | undefined;
    return {
        images: { [name]: images[name] },
        ...(fleets && { fleets: Object.fromEntries(Object.entries(fleets).filter(([, fleet]) => fleet.image === name)) }),
        ...(promoteFrom && { promoteFrom: { ...promoteFrom, amiIds: { [name]: promoteFrom.amiIds[name] } } }),
    };
}

/**
 * The list, after asserting it is not empty: a check over every item of an empty list passes without
 * checking anything. Use it wherever a test loops, filters or calls `every` over what it asserts on.
 */
export function nonEmpty<T>(items: readonly T[], what: string): readonly T[] {
    assert.ok(items.length > 0, `expected at least one ${what}, found none: the checks over them would pass without checking anything`);
    return items;
}

/** The version an image of a stack file holds now, so a test follows the stack's own version bumps. */
export function stackVersion(stack: string, image: string): string {
    const images = readStackConfig(stack).images as Record<string, { version: string }>;
    return images[image].version;
}
