// The offline analyzer lives in tools/ because `npm run plan` uses it too; the policy tests import it from here.
export * from "../../tools/engine/policyRunner";
