import { z } from "zod";
import type { PlannedCall } from "../../../src/domain/remediation.ts";
import type { ConfigurationItem } from "../../../src/domain/types.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, targetOf } from "../util.ts";

/** The table's DescribeTable view as the scan recorded it; refuses tables that are not ACTIVE. */
function activeTable(item: ConfigurationItem): Record<string, unknown> {
  const table = readable(item.supplementaryConfiguration.table, "the table's description") as
    | Record<string, unknown>
    | null
    | undefined;
  if (!table) throw new PlanError("the scan recorded no description of this table");
  const status = table.tableStatus;
  if (typeof status === "string" && status !== "ACTIVE") {
    throw new PlanError(`the table is ${status}; DynamoDB accepts this change only while it is ACTIVE`);
  }
  return table;
}

function pitr(table: string, region: string, enabled: boolean): PlannedCall {
  return {
    service: "dynamodb",
    operation: "UpdateContinuousBackups",
    region,
    input: {
      TableName: table,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: enabled },
    },
  };
}

/** Turns on point-in-time recovery (continuous backups) for a table. */
export const dynamodbEnablePitr: RemediationAction = {
  id: "dynamodb_enable_pitr",
  title: "Turn on point-in-time recovery for the DynamoDB table",
  description:
    "Enables point-in-time recovery, so the table can be restored to any second of the recovery period (35 days by default) from the moment it is on.",
  resourceTypes: ["AWS::DynamoDB::Table"],
  fixes: ["dynamodb_table_pitr_enabled"],
  risk: "low",
  reversible: false,
  rollbackNote:
    "Not offered: turning point-in-time recovery off again discards every restore point made since the change; turn it off by hand if that is really wanted.",
  operations: {
    write: ["dynamodb:UpdateContinuousBackups"],
    read: ["dynamodb:DescribeContinuousBackups"],
  },
  params: z.object({}).strict(),
  plan(item) {
    activeTable(item);
    const backups = readable(
      item.supplementaryConfiguration.continuousBackups,
      "the table's continuous backups",
    ) as { pointInTimeRecoveryStatus?: unknown } | null | undefined;
    const target = targetOf(item);
    return {
      target,
      calls: [pitr(target.resourceId, target.region, true)],
      before: {
        pointInTimeRecoveryStatus:
          typeof backups?.pointInTimeRecoveryStatus === "string"
            ? backups.pointInTimeRecoveryStatus
            : "DISABLED",
      },
      after: { pointInTimeRecoveryStatus: "ENABLED" },
      notes: [
        "Restores cover changes from now on only; earlier states stay recoverable only from on-demand backups.",
        "Point-in-time recovery is billed by the table's size; reads and writes are not affected.",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "dynamodb",
      operation: "DescribeContinuousBackups",
      region: plan.target.region,
      input: { TableName: plan.target.resourceId },
    });
    const d = answer.ContinuousBackupsDescription as
      | { PointInTimeRecoveryDescription?: { PointInTimeRecoveryStatus?: string } }
      | undefined;
    return {
      pointInTimeRecoveryStatus: d?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus ?? "DISABLED",
    };
  },
  rollback(_plan, prior) {
    if (prior.pointInTimeRecoveryStatus === "ENABLED") return { calls: [] };
    return {
      unsafe:
        "the table had no point-in-time recovery; turning it off again would discard every restore point made since the change",
    };
  },
};

function deletionProtection(table: string, region: string, enabled: boolean): PlannedCall {
  return {
    service: "dynamodb",
    operation: "UpdateTable",
    region,
    input: { TableName: table, DeletionProtectionEnabled: enabled },
  };
}

/** Turns on deletion protection for a table. */
export const dynamodbEnableDeletionProtection: RemediationAction = {
  id: "dynamodb_enable_deletion_protection",
  title: "Turn on deletion protection for the DynamoDB table",
  description:
    "Sets DeletionProtectionEnabled on the table, so DeleteTable fails until the flag is turned off.",
  resourceTypes: ["AWS::DynamoDB::Table"],
  fixes: ["dynamodb_table_deletion_protection_enabled"],
  risk: "low",
  reversible: true,
  rollbackNote: "Reversible: deletion protection is turned off again.",
  operations: { write: ["dynamodb:UpdateTable"], read: ["dynamodb:DescribeTable"] },
  params: z.object({}).strict(),
  plan(item) {
    const table = activeTable(item);
    const target = targetOf(item);
    return {
      target,
      calls: [deletionProtection(target.resourceId, target.region, true)],
      before: { deletionProtectionEnabled: table.deletionProtectionEnabled === true },
      after: { deletionProtectionEnabled: true },
      notes: [
        "Deleting the table (also from CloudFormation, CDK or Terraform) fails until the flag is turned off; tear-down scripts of test environments need to turn it off first.",
      ],
    };
  },
  async read(exec, plan) {
    const answer = await exec({
      service: "dynamodb",
      operation: "DescribeTable",
      region: plan.target.region,
      input: { TableName: plan.target.resourceId },
    });
    const table = answer.Table as { DeletionProtectionEnabled?: boolean } | undefined;
    return { deletionProtectionEnabled: table?.DeletionProtectionEnabled === true };
  },
  rollback(plan, prior) {
    if (prior.deletionProtectionEnabled === true) return { calls: [] };
    return { calls: [deletionProtection(plan.target.resourceId, plan.target.region, false)] };
  },
};
