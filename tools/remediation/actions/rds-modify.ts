import { z } from "zod";
import type { ChangeRisk, PlannedCall } from "../../../src/domain/remediation.ts";
import type { ConfigurationItem } from "../../../src/domain/types.ts";
import type { PlanContext, RemediationAction, RollbackPlan } from "../types.ts";
import { PlanError } from "../types.ts";
import { targetOf } from "../util.ts";

const base = z.object({
  /** Apply now (true) or in the instance's next maintenance window (false). */
  applyImmediately: z.boolean().default(true),
});

interface RdsModifySpec<P extends z.infer<typeof base>> {
  id: string;
  title: string;
  description: string;
  fixes: readonly string[];
  risk: ChangeRisk;
  rollbackNote: string;
  /** lowerCamel field of the inventory's DBInstance, and the ModifyDBInstance / DescribeDBInstances member. */
  field: string;
  sdkField: string;
  params: z.ZodType<P>;
  defaultParams?(ctx: PlanContext): Partial<P>;
  wanted(item: ConfigurationItem, params: P, ctx: PlanContext): unknown;
  notes: string[];
  /** Whether putting `prior` back is safe. */
  unsafeRollback?(prior: unknown): string | undefined;
}

function modify(
  id: string,
  region: string,
  sdkField: string,
  value: unknown,
  applyImmediately: boolean,
): PlannedCall {
  return {
    service: "rds",
    operation: "ModifyDBInstance",
    region,
    input: { DBInstanceIdentifier: id, [sdkField]: value, ApplyImmediately: applyImmediately },
  };
}

/** One ModifyDBInstance setting; the live value counts a pending modification as the value to come. */
export function rdsModifyAction<P extends z.infer<typeof base>>(
  spec: RdsModifySpec<P>,
): RemediationAction<P> {
  return {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    resourceTypes: ["AWS::RDS::DBInstance"],
    fixes: spec.fixes,
    risk: spec.risk,
    reversible: true,
    rollbackNote: spec.rollbackNote,
    operations: { write: ["rds:ModifyDBInstance"], read: ["rds:DescribeDBInstances"] },
    params: spec.params,
    defaultParams: spec.defaultParams,
    plan(item, p, ctx) {
      const status = item.configuration.dbInstanceStatus;
      if (typeof status === "string" && status !== "available" && status !== "storage-optimization") {
        throw new PlanError(
          `the instance is ${status}; RDS accepts modifications only while it is available`,
        );
      }
      const target = targetOf(item);
      const value = spec.wanted(item, p, ctx);
      const notes = [...spec.notes];
      if (!p.applyImmediately) {
        notes.push(
          "ApplyImmediately is false: RDS applies the change in the instance's next maintenance window.",
        );
      }
      return {
        target,
        calls: [modify(target.resourceId, target.region, spec.sdkField, value, p.applyImmediately)],
        before: { [spec.field]: item.configuration[spec.field] ?? null },
        after: { [spec.field]: value },
        notes,
      };
    },
    async read(exec, plan) {
      const answer = await exec({
        service: "rds",
        operation: "DescribeDBInstances",
        region: plan.target.region,
        input: { DBInstanceIdentifier: plan.target.resourceId },
      });
      const db = (answer.DBInstances as Record<string, unknown>[] | undefined)?.[0] ?? {};
      const pending = (db.PendingModifiedValues as Record<string, unknown> | undefined) ?? {};
      return { [spec.field]: pending[spec.sdkField] ?? db[spec.sdkField] ?? null };
    },
    rollback(plan, prior): RollbackPlan {
      const value = prior[spec.field];
      const unsafe = spec.unsafeRollback?.(value);
      if (unsafe) return { unsafe };
      const call = plan.calls[0]!;
      return {
        calls: [
          modify(
            plan.target.resourceId,
            plan.target.region,
            spec.sdkField,
            value,
            call.input.ApplyImmediately !== false,
          ),
        ],
      };
    },
  };
}

export const rdsBaseParams = base;
