import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, targetOf } from "../util.ts";

function update(fn: string, region: string, authType: string): PlannedCall {
  return {
    service: "lambda",
    operation: "UpdateFunctionUrlConfig",
    region,
    input: { FunctionName: fn, AuthType: authType },
  };
}

/** Requires IAM authentication (SigV4) on the function URL. */
export const lambdaFunctionUrlIamAuth: RemediationAction = {
  id: "lambda_function_url_iam_auth",
  title: "Require IAM authentication on the function URL",
  description:
    "Sets the function URL's AuthType to AWS_IAM: only signed requests from principals with lambda:InvokeFunctionUrl get through.",
  resourceTypes: ["AWS::Lambda::Function"],
  fixes: ["lambda_function_url_auth_required"],
  risk: "high",
  rollbackNote: "Reversible: the previous AuthType (NONE) is put back — which makes the URL public again.",
  reversible: true,
  operations: { write: ["lambda:UpdateFunctionUrlConfig"], read: ["lambda:GetFunctionUrlConfig"] },
  params: z.object({}).strict(),
  plan(item) {
    const url = readable(item.supplementaryConfiguration.functionUrl, "the function URL") as
      | { authType?: string | null }
      | null
      | undefined;
    if (!url) throw new PlanError("the function has no URL");
    const target = targetOf(item);
    return {
      target,
      calls: [update(target.resourceId, target.region, "AWS_IAM")],
      before: { authType: url.authType ?? null },
      after: { authType: "AWS_IAM" },
      notes: [
        "Unsigned callers (browsers, webhooks) get 403; they must sign with SigV4 and be allowed lambda:InvokeFunctionUrl.",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "lambda",
      operation: "GetFunctionUrlConfig",
      region: plan.target.region,
      input: { FunctionName: plan.target.resourceId },
    });
    return { authType: (answer.AuthType as string | undefined) ?? null };
  },
  rollback(plan, prior) {
    if (prior.authType === "AWS_IAM" || !prior.authType) return { calls: [] };
    return { calls: [update(plan.target.resourceId, plan.target.region, String(prior.authType))] };
  },
};
