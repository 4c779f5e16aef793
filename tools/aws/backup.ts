import {
  type BackupPlansListMember,
  type BackupVaultListMember,
  GetBackupPlanCommand,
  GetBackupVaultAccessPolicyCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
} from "@aws-sdk/client-backup";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { parsePolicyDocument } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const TOKEN = { input: "NextToken", output: "NextToken" };

/**
 * Backup vaults of the region: encryption key, Vault Lock state and retention bounds from the listing; the vault
 * access policy (parsed) per vault. A vault without a policy answers ResourceNotFoundException: `null`.
 */
const vaults = resource({
  resourceType: "AWS::Backup::BackupVault",
  client: "backup",
  list: {
    action: "backup:ListBackupVaults",
    command: ListBackupVaultsCommand,
    paging: TOKEN,
    items: (page) => page.BackupVaultList,
  },
  id: (v: BackupVaultListMember) => v.BackupVaultName,
  arn: (v, ctx) =>
    v.BackupVaultArn ??
    `arn:${ctx.partition}:backup:${ctx.region}:${ctx.accountId}:backup-vault:${v.BackupVaultName}`,
  configuration: (v) => {
    // The creator request id is an idempotency string, not configuration.
    const { CreatorRequestId: _id, ...rest } = v;
    return { locked: false, minRetentionDays: null, maxRetentionDays: null, ...lowerCamelKeys(rest) };
  },
  details: [
    detail({
      key: "accessPolicy",
      action: "backup:GetBackupVaultAccessPolicy",
      command: GetBackupVaultAccessPolicyCommand,
      input: (v: BackupVaultListMember) => ({ BackupVaultName: v.BackupVaultName }),
      // AWS's own keys (`Statement`, `Effect`, …) are kept for the policy evaluators.
      pick: (answer) => parsePolicyDocument(answer.Policy),
      absentWhen: ["ResourceNotFoundException"],
    }),
  ],
});

/**
 * Backup plans of the region (the latest version of each): its rules (target vault, schedule, lifecycle, copy
 * actions) from GetBackupPlan and the names of its resource selections from ListBackupSelections. What each
 * selection covers (GetBackupSelection, one call per selection) is not read: no check needs it yet.
 */
const plans = resource({
  resourceType: "AWS::Backup::BackupPlan",
  client: "backup",
  list: {
    action: "backup:ListBackupPlans",
    command: ListBackupPlansCommand,
    paging: TOKEN,
    items: (page) => page.BackupPlansList,
  },
  id: (p: BackupPlansListMember) => p.BackupPlanId,
  name: (p) => p.BackupPlanName ?? p.BackupPlanId,
  arn: (p, ctx) =>
    p.BackupPlanArn ??
    `arn:${ctx.partition}:backup:${ctx.region}:${ctx.accountId}:backup-plan:${p.BackupPlanId}`,
  configuration: (p) => {
    const { CreatorRequestId: _id, ...rest } = p;
    return lowerCamelKeys(rest);
  },
  details: [
    detail({
      key: "plan",
      action: "backup:GetBackupPlan",
      command: GetBackupPlanCommand,
      input: (p: BackupPlansListMember) => ({ BackupPlanId: p.BackupPlanId }),
      pick: (answer) => {
        const plan = answer.BackupPlan;
        if (!plan) return null;
        return {
          backupPlanName: plan.BackupPlanName ?? null,
          rules: (plan.Rules ?? []).map((r) => ({
            ruleName: r.RuleName ?? null,
            targetBackupVaultName: r.TargetBackupVaultName ?? null,
            scheduleExpression: r.ScheduleExpression ?? null,
            enableContinuousBackup: r.EnableContinuousBackup ?? false,
            // No lifecycle: recovery points are kept until deleted by hand.
            lifecycle: {
              deleteAfterDays: r.Lifecycle?.DeleteAfterDays ?? null,
              moveToColdStorageAfterDays: r.Lifecycle?.MoveToColdStorageAfterDays ?? null,
            },
            copyActions: (r.CopyActions ?? []).map((c) => ({
              destinationBackupVaultArn: c.DestinationBackupVaultArn ?? null,
              deleteAfterDays: c.Lifecycle?.DeleteAfterDays ?? null,
            })),
          })),
        };
      },
    }),
    detail({
      key: "selections",
      action: "backup:ListBackupSelections",
      command: ListBackupSelectionsCommand,
      paging: TOKEN,
      input: (p: BackupPlansListMember) => ({ BackupPlanId: p.BackupPlanId }),
      pick: (answer) =>
        (answer.BackupSelectionsList ?? []).map((s) => ({
          selectionId: s.SelectionId ?? null,
          selectionName: s.SelectionName ?? null,
          iamRoleArn: s.IamRoleArn ?? null,
        })),
    }),
  ],
});

export const backupSpec: ServiceSpec = { service: "backup", global: false, resources: [vaults, plans] };

/** AWS Backup per region: vaults (encryption, Vault Lock, access policy) and plans (rules, selections). */
export const backupCollector = specCollector(backupSpec);
