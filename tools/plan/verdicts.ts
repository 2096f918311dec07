// How a plan's policy verdicts read, and the exit code they give: shared by `plan` and `plan --diff`.
import { PolicyVerdict } from "../engine/policyRunner";

export function renderPolicies(stack: string, policies: PolicyVerdict[]): string[] {
    const lines = [`Policies (policy/${stack}.json):`];
    for (const verdict of policies) {
        const mark = verdict.violations.length === 0 ? "pass" : verdict.level === "mandatory" ? "FAIL" : "warn";
        lines.push(`  ${mark.padEnd(4)}  ${verdict.policy} (${verdict.level})`);
        for (const violation of verdict.violations)
            lines.push(`          ${violation.resource ? `${violation.resource}: ` : ""}${violation.message.replace(/\n/g, "\n          ")}`);
    }
    const failures = policies.filter(verdict => verdict.level === "mandatory" && verdict.violations.length > 0).length;
    lines.push(
        "",
        failures === 0
            ? "No mandatory policy fails."
            : `${failures} mandatory ${failures === 1 ? "policy fails" : "policies fail"}: pulumi preview would stop here.`,
    );
    return lines;
}

export function exitCodeOf(plan: { mandatoryFailures: number; error?: string }): number {
    return plan.mandatoryFailures === 0 && !plan.error ? 0 : 1;
}
