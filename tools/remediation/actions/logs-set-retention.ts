import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { targetOf } from "../util.ts";

/** The retention periods PutRetentionPolicy accepts, in days. */
export const LOG_RETENTION_DAYS = [
  1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653,
] as const;

/** The shortest accepted period of at least `days`, or undefined above ten years. */
export function retentionAtLeast(days: number): number | undefined {
  return LOG_RETENTION_DAYS.find((d) => d >= days);
}

function put(name: string, region: string, days: number): PlannedCall {
  return {
    service: "logs",
    operation: "PutRetentionPolicy",
    region,
    input: { logGroupName: name, retentionInDays: days },
  };
}

const params = z
  .object({
    /** The minimum retention; default the logGroupMinRetentionDays setting. Rounded up to an accepted period. */
    retentionDays: z.number().int().min(1).max(3653).optional(),
    /**
     * A group whose events never expire loses every event older than the new period. Only with this set to
     * true is such a group planned at all (for logs_log_group_retention_configured).
     */
    expireNeverExpiring: z.boolean().default(false),
  })
  .strict();

/**
 * Sets a log group's retention to at least the required period. It only ever lengthens retention: a group that
 * keeps events longer keeps its period, and a group that never expires is left alone unless the caller accepts
 * that old events will be deleted.
 */
export const logsSetRetention: RemediationAction<z.infer<typeof params>> = {
  id: "logs_set_retention",
  title: "Set the log group's retention to at least the required period",
  description:
    "Sets the log group's retention (PutRetentionPolicy) to the shortest accepted period of at least logGroupMinRetentionDays (or the retentionDays param). It never shortens a longer retention.",
  resourceTypes: ["AWS::Logs::LogGroup"],
  fixes: ["logs_log_group_retention_at_least_setting", "logs_log_group_retention_configured"],
  risk: "low",
  reversible: true,
  rollbackNote:
    "Reversible: the previous period is put back (or the retention policy deleted, so events never expire again). Putting a shorter period back deletes the events older than it that were kept meanwhile; events a new period deleted cannot be brought back.",
  operations: {
    write: ["logs:PutRetentionPolicy", "logs:DeleteRetentionPolicy"],
    read: ["logs:DescribeLogGroups"],
  },
  params,
  plan(item, p, ctx) {
    if (item.configuration.logGroupClass === "DELIVERY") {
      throw new PlanError("the log group is of class DELIVERY, whose retention CloudWatch Logs fixes itself");
    }
    const raw = item.configuration.retentionInDays;
    const current = typeof raw === "number" ? raw : null;
    const minimum = p.retentionDays ?? ctx.settings.logGroupMinRetentionDays;
    const wanted = retentionAtLeast(Math.max(minimum, current ?? 0));
    if (wanted === undefined) {
      throw new PlanError(
        `no accepted retention period is at least ${minimum} days (the longest is 3653); leave the group at never expire`,
      );
    }
    if (current === null && !p.expireNeverExpiring) {
      throw new PlanError(
        `the log group's events never expire; a retention of ${wanted} days would delete every event older than that at once. Set the retention by hand after deciding what may go, or plan with expireNeverExpiring: true`,
      );
    }
    const target = targetOf(item);
    const notes = [
      `Retention becomes ${wanted} days${current === null ? "" : ` (from ${current})`}; stored bytes are billed for the longer period.`,
    ];
    if (current === null)
      notes.push(
        `The group never expired events: every event older than ${wanted} days is deleted by CloudWatch Logs soon after the change, and cannot be brought back by a rollback.`,
      );
    return {
      target,
      calls: [put(target.resourceId, target.region, wanted)],
      before: { retentionInDays: current },
      after: { retentionInDays: wanted },
      notes,
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "logs",
      operation: "DescribeLogGroups",
      region: plan.target.region,
      input: { logGroupNamePrefix: plan.target.resourceId },
    });
    const group = ((answer.logGroups as { logGroupName?: string; retentionInDays?: number }[]) ?? []).find(
      (g) => g.logGroupName === plan.target.resourceId,
    );
    if (!group) throw new PlanError(`log group ${plan.target.resourceId} no longer exists`);
    return { retentionInDays: group.retentionInDays ?? null };
  },
  rollback(plan, prior) {
    const previous = prior.retentionInDays;
    if (typeof previous === "number")
      return { calls: [put(plan.target.resourceId, plan.target.region, previous)] };
    return {
      calls: [
        {
          service: "logs",
          operation: "DeleteRetentionPolicy",
          region: plan.target.region,
          input: { logGroupName: plan.target.resourceId },
        },
      ],
    };
  },
};
