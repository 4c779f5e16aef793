import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { targetOf } from "../util.ts";

function update(trail: string, region: string, enabled: boolean): PlannedCall {
  return {
    service: "cloudtrail",
    operation: "UpdateTrail",
    region,
    input: { Name: trail, EnableLogFileValidation: enabled },
  };
}

/** Turns on log file integrity validation for a trail. */
export const cloudtrailEnableLogFileValidation: RemediationAction = {
  id: "cloudtrail_enable_log_file_validation",
  title: "Turn on CloudTrail log file validation",
  description:
    "Updates the trail so CloudTrail delivers signed digest files that prove whether log files were changed.",
  resourceTypes: ["AWS::CloudTrail::Trail"],
  fixes: ["cloudtrail_log_file_validation"],
  risk: "low",
  reversible: true,
  rollbackNote: "Reversible: validation is turned off again; digest files already delivered remain.",
  operations: { write: ["cloudtrail:UpdateTrail"], read: ["cloudtrail:GetTrail"] },
  params: z.object({}).strict(),
  plan(item) {
    const target = targetOf(item);
    const name = item.arn || item.resourceId;
    return {
      target,
      calls: [update(name, target.region, true)],
      before: { logFileValidationEnabled: item.configuration.logFileValidationEnabled === true },
      after: { logFileValidationEnabled: true },
      notes: ["Validation covers log files delivered from now on."],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "cloudtrail",
      operation: "GetTrail",
      region: plan.target.region,
      input: { Name: plan.calls[0]?.input.Name ?? plan.target.resourceId },
    });
    const trail = answer.Trail as { LogFileValidationEnabled?: boolean } | undefined;
    return { logFileValidationEnabled: trail?.LogFileValidationEnabled === true };
  },
  rollback(plan, prior) {
    if (prior.logFileValidationEnabled === true) return { calls: [] };
    return {
      calls: [update(String(plan.calls[0]?.input.Name ?? plan.target.resourceId), plan.target.region, false)],
    };
  },
};
