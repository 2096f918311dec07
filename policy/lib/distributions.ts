// Walking an Image Builder distribution configuration's AMI outputs.
import * as aws from "@pulumi/aws";
import { Unwrap } from "@pulumi/pulumi";
import { Check } from "./unknowns";
import { itemsOf } from "./values";

/** The resolved forms a policy sees: no Inputs left. */
export type Distribution = Unwrap<aws.types.input.imagebuilder.DistributionConfigurationDistribution>;
export type AmiOutput = Unwrap<aws.types.input.imagebuilder.DistributionConfigurationDistributionAmiDistributionConfiguration>;

/**
 * Visits each distribution that makes an AMI, with its `amiDistributionConfiguration` (undefined when unset,
 * which still distributes an AMI, only with none of our settings). Container-only distributions are skipped.
 */
export function eachAmiDistribution(
    check: Check,
    distributions: () => readonly Distribution[] | undefined,
    visit: (ami: AmiOutput | undefined, at: string) => void,
): void {
    check.each("distributions", distributions, (target, at) => {
        const ami = check.read(`${at}.amiDistributionConfiguration`, () => target.amiDistributionConfiguration);
        if (!ami.known) return;
        if (ami.value === undefined || ami.value === null) {
            const container = check.read(`${at}.containerDistributionConfiguration`, () => target.containerDistributionConfiguration);
            if (!container.known || container.value) return;
        }
        // One configuration given as a list of one (or more) is read item by item, not skipped.
        if (Array.isArray(ami.value)) for (const each of ami.value) visit(each ?? undefined, at);
        else visit(ami.value ?? undefined, at);
    });
}

/**
 * Visits a Data Lifecycle Manager policy's `policyDetails` block, which may arrive as a list of one: its path is
 * then `policyDetails`, as the provider's one block is named.
 */
export function eachDlmPolicyDetails(check: Check, policyDetails: () => unknown, visit: (details: Record<string, any>, at: string) => void): void {
    check.each(
        "policyDetails",
        () => policyDetails() as readonly Record<string, any>[] | undefined,
        (details, detailsAt) => visit(details, detailsAt === "policyDetails[0]" ? "policyDetails" : detailsAt),
    );
}

/** Visits each schedule of a Data Lifecycle Manager policy (`policyDetails.schedules[]`), with its path, e.g. `policyDetails.schedules[0]`. */
export function eachDlmSchedule(check: Check, policyDetails: () => unknown, visit: (schedule: Record<string, any>, at: string) => void): void {
    eachDlmPolicyDetails(check, policyDetails, (details, at) =>
        check.each(`${at}.schedules`, () => details.schedules as readonly Record<string, any>[] | undefined, visit),
    );
}

/**
 * One list of a distribution's `launchPermission` (`userIds`, `userGroups`, ...). The block is one object; given
 * as a list of blocks, their lists are read together (an unknown entry then makes the whole list unknown).
 */
export function launchPermissionList(ami: AmiOutput | undefined, list: "userIds" | "userGroups" | "organizationArns" | "organizationalUnitArns"): unknown {
    const permission = ami?.launchPermission as unknown;
    if (Array.isArray(permission)) return permission.flatMap(block => itemsOf<unknown>(block?.[list]));
    return (permission as Record<string, unknown> | undefined)?.[list];
}

/** Each share rule of a Data Lifecycle Manager policy's schedules, with where it is: its targetAccounts get what the schedule makes. */
export function eachDlmShareRule(check: Check, policyDetails: () => unknown, visit: (at: string, rule: { targetAccounts?: readonly unknown[] }) => void): void {
    eachDlmSchedule(check, policyDetails, (schedule, scheduleAt) => {
        for (const key of ["shareRule", "shareRules"]) {
            check.each(
                `${scheduleAt}.${key}`,
                () => schedule[key],
                (rule: any, at) => visit(at, rule),
            );
        }
    });
}

/**
 * Each cross-region copy a Data Lifecycle Manager policy makes, with where its `encrypted` and `cmkArn` are:
 * a schedule's `crossRegionCopyRules[]`, or an event policy's `action.crossRegionCopies[].encryptionConfiguration`.
 */
export function eachDlmCopy(check: Check, policyDetails: () => unknown, visit: (at: string, copy: { encrypted?: unknown; cmkArn?: unknown }) => void): void {
    eachDlmSchedule(check, policyDetails, (schedule, scheduleAt) => {
        for (const key of ["crossRegionCopyRules", "crossRegionCopyRule"]) {
            check.each(
                `${scheduleAt}.${key}`,
                () => schedule[key],
                (rule: any, at) => visit(at, rule),
            );
        }
    });
    eachDlmPolicyDetails(check, policyDetails, (details, root) => {
        check.each(
            `${root}.action`,
            () => details.action,
            (action: any, actionAt) => {
                const at = actionAt.endsWith("[0]") ? actionAt.slice(0, -3) : actionAt;
                for (const key of ["crossRegionCopies", "crossRegionCopy"]) {
                    check.each(
                        `${at}.${key}`,
                        () => action[key],
                        (copy: any, copyAt) => {
                            const encryption = check.read(`${copyAt}.encryptionConfiguration`, () => itemsOf<any>(copy.encryptionConfiguration)[0] ?? {});
                            if (encryption.known) visit(`${copyAt}.encryptionConfiguration`, encryption.value);
                        },
                    );
                }
            },
        );
    });
}
