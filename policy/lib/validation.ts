// Building validations on @pulumi/policy's typed helpers, with a `Check` that reports unknowns explicitly.
import { Resource, Unwrap } from "@pulumi/pulumi";
import { ReportViolation, ResourceValidation, ResourceValidationArgs, StackValidation, StackValidationArgs, TypedResourceValidation } from "@pulumi/policy";
import { resourceWithoutSecrets, withoutSecrets } from "./secrets";
import { Check } from "./unknowns";

type ResourceClass<TResource extends Resource, TArgs> = {
    new (name: string, args: TArgs, ...rest: any[]): TResource;
};

/** A typed check as `validateResourceOfType` takes it: the check reports, then says what it could not check. */
export function withCheck<TProps>(run: (props: TProps, args: ResourceValidationArgs, check: Check) => void): TypedResourceValidation<TProps> {
    return (props, args, reportViolation) => {
        const check = new Check(reportViolation);
        run(withoutSecrets(props), plainArgs(args), check);
        check.finish();
    };
}

/** The analyzer's arguments with every property (the resource's and its provider's) read without secret wrappers. */
function plainArgs(args: ResourceValidationArgs): ResourceValidationArgs {
    const props = withoutSecrets(args.props);
    return {
        ...args,
        props,
        provider: resourceWithoutSecrets(args.provider),
        asType: ((type: any) => (args.isType(type) ? props : undefined)) as ResourceValidationArgs["asType"],
    };
}

/** One resource type's check within a policy that covers several types. */
export interface TypedCheck {
    pulumiType: string;
    run(args: ResourceValidationArgs, check: Check): boolean;
}

export function on<TResource extends Resource, TArgs>(
    resourceClass: ResourceClass<TResource, TArgs>,
    run: (props: Unwrap<NonNullable<TArgs>>, args: ResourceValidationArgs, check: Check) => void,
): TypedCheck {
    return {
        pulumiType: (resourceClass as unknown as { __pulumiType: string }).__pulumiType,
        run(args, check) {
            const props = args.asType(resourceClass);
            if (props === undefined) return false;
            run(withoutSecrets(props), plainArgs(args), check);
            return true;
        },
    };
}

/** `validateResourceOfType` for several types: the matching check runs; any other type passes. */
export function validateResourceOfTypes(...checks: TypedCheck[]): ResourceValidation {
    const byType = new Map(checks.map(typed => [typed.pulumiType, typed]));
    const validation: ResourceValidation = (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
        const typed = byType.get(args.type);
        // Other types pass silently: notApplicable() throws, and thrown and reported for every resource of a
        // large stack it costs more than the checks themselves.
        if (!typed) return;
        const check = new Check(reportViolation);
        typed.run(args, check);
        check.finish();
    };
    // One type: the analyzer then skips other resources without decoding their properties, as for validateResourceOfType.
    if (checks.length === 1) (validation as unknown as { __pulumiType: string }).__pulumiType = checks[0].pulumiType;
    return validation;
}

/** A stack validation with a `Check`. */
export function validateStackWithCheck(run: (args: StackValidationArgs, check: Check) => void): StackValidation {
    return (args, reportViolation) => {
        const check = new Check(reportViolation, "stack");
        run({ ...args, resources: args.resources.map(resource => resourceWithoutSecrets(resource)) }, check);
        check.finish();
    };
}
