// Entry point of `npm run doctor -- --stack <stack>`: a read-only preflight of the account and regions
// the stack deploys into. Exit 0 with no failure, 1 with one, 2 on bad flags or stack config.
import { defineCommand, endQuietlyOnClosedPipe, flags, Output, runCommandLine, UsageError } from "../cli";
import { REPO_ROOT } from "../engine/stackFile";
import { loadStackFile, StackLoader } from "../images/target";
import { CHECKS, exitCodeOf, Finding, judge } from "./checks";
import { DoctorClientFactory, doctorClientFactory } from "./clients";
import { readFacts } from "./facts";
import { DEFAULT_DEPLOY_ROLE, doctorTargetOf, DoctorTarget, readWorkflow } from "./target";

const SUMMARY = "Checks, read-only, that the account and regions of a stack are ready for its first `pulumi up` (docs/setup.md).";

const DESCRIPTION =
    "The credentials' account, every stack region enabled (opt-in regions), Amazon Inspector EC2 scanning, the build network " +
    "(a default VPC, or golden-ami:build's subnet with a NAT route or VPC endpoints), the service-linked roles, the deploy role's " +
    "MaxSessionDuration, each image's base (its SSM parameter resolves, to the declared architecture), image block public access, " +
    "and for a promoting stack that the pinned AMIs and their snapshots are shared with this account. Each finding passes, warns or " +
    "fails, with the command or docs section that fixes it.";

export interface DoctorContext {
    clientsFor: DoctorClientFactory;
    loadStack: StackLoader;
    workflowText?: string;
}

export const doctorCommandLine = defineCommand({
    name: "npm run doctor --",
    summary: SUMMARY,
    description: DESCRIPTION,
    footer: "Exit codes: 0 no failure (warnings allowed), 1 a check failed, 2 bad flags or stack config.",
    flags: {
        stack: flags
            .text("<name>", "read Pulumi.<name>.yaml: the stack whose account and regions to check")
            .required("the stack whose account and regions to check, e.g. --stack dev"),
        json: flags.boolean("print the findings as JSON"),
        deployRole: flags.text("<role>", `the role CI's \`up\` assumes, a name or an ARN (default ${DEFAULT_DEPLOY_ROLE})`),
    },
    run: async (values, context: DoctorContext, output) => {
        const target = targetFor(values, context);
        const findings = judge(target, await readFacts(target, context.clientsFor));
        output.stdout(values.json ? JSON.stringify(reportOf(target, findings), null, 2) : renderFindings(target, findings));
        return exitCodeOf(findings);
    },
});

/** Runs `npm run doctor` with these arguments. */
export function runDoctor(argv: string[], context: DoctorContext & Output): Promise<number> {
    return runCommandLine(doctorCommandLine, argv, { stdout: context.stdout, stderr: context.stderr }, context);
}

function targetFor(options: { stack: string; deployRole?: string }, context: DoctorContext): DoctorTarget {
    const config = loadOrExplain(options.stack, context.loadStack);
    const sourceStack = config.promoteFrom?.stack;
    let sourceConfig;
    if (sourceStack) {
        try {
            sourceConfig = context.loadStack(sourceStack);
        } catch {
            // The building stack's file is elsewhere or broken: its promotingAccounts are not checked.
        }
    }
    return doctorTargetOf({ config, sourceConfig, deployRole: options.deployRole, workflowText: context.workflowText });
}

function loadOrExplain(stack: string, loadStack: StackLoader) {
    try {
        return loadStack(stack, { unpinned: true });
    } catch (error) {
        throw new UsageError(`--stack ${stack}: ${error instanceof Error ? error.message : String(error)}`);
    }
}

const MARK: Record<Finding["status"], string> = { pass: "PASS", warn: "WARN", fail: "FAIL" };

export function renderFindings(target: DoctorTarget, findings: Finding[]): string {
    const lines = [
        `doctor: stack ${target.stack} (${target.building ? "builds" : `promotes from ${target.promoteFrom!.account}`}), regions ${target.regions.join(", ")}`,
        "",
    ];
    for (const check of CHECKS) {
        for (const finding of findings.filter(candidate => candidate.check === check)) {
            lines.push(`${MARK[finding.status]}  ${finding.check.padEnd(26)} ${finding.subject}: ${oneLine(finding.message)}`);
            if (finding.fix) lines.push(`      fix: ${finding.fix}`);
        }
    }
    const count = (status: Finding["status"]) => findings.filter(finding => finding.status === status).length;
    lines.push("", `${count("pass")} passed, ${count("warn")} warning${count("warn") === 1 ? "" : "s"}, ${count("fail")} failed`);
    return lines.join("\n");
}

/** AWS messages can span lines; a finding is one. */
function oneLine(text: string): string {
    return text.replace(/\s*\n\s*/g, " ");
}

export function reportOf(target: DoctorTarget, findings: Finding[]) {
    return { stack: target.stack, building: target.building, regions: target.regions, ok: exitCodeOf(findings) === 0, findings };
}

if (require.main === module) {
    endQuietlyOnClosedPipe(process.stdout);
    runDoctor(process.argv.slice(2), {
        clientsFor: doctorClientFactory(),
        stdout: text => process.stdout.write(`${text}\n`),
        stderr: line => process.stderr.write(`${line}\n`),
        loadStack: loadStackFile,
        workflowText: readWorkflow(REPO_ROOT),
    }).then(
        code => {
            process.exitCode = code;
        },
        error => {
            process.stderr.write(`doctor failed: ${error instanceof Error ? error.message : String(error)}\n`);
            process.exitCode = 1;
        },
    );
}
