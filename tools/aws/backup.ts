import {
  type BackupPlansListMember,
  type BackupVaultListMember,
  type Condition,
  type ConditionParameter,
  GetBackupPlanCommand,
  GetBackupSelectionCommand,
  GetBackupVaultAccessPolicyCommand,
  ListBackupPlansCommand,
  ListBackupSelectionsCommand,
  ListBackupVaultsCommand,
} from "@aws-sdk/client-backup";
import { isCallError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type Collector, type CollectorContext, parsePolicyDocument, supplementary } from "./collector.ts";
import { mapLimit } from "./concurrency.ts";
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
 * actions) from GetBackupPlan and its resource selections from ListBackupSelections; what each selection covers
 * is filled in afterwards by `withSelectionContents` (GetBackupSelection, one call per selection).
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

const SELECTION_ACTION = "backup:GetBackupSelection";

const conditionList = (list: readonly ConditionParameter[] | undefined) =>
  (list ?? []).map((c) => ({
    conditionKey: c.ConditionKey ?? null,
    conditionValue: c.ConditionValue ?? null,
  }));

/** A selection's contents as GetBackupSelection answers them, with lowerCamel keys and empty lists for absent ones. */
function selectionContents(selection: {
  Resources?: string[];
  NotResources?: string[];
  ListOfTags?: Condition[];
  Conditions?: {
    StringEquals?: ConditionParameter[];
    StringNotEquals?: ConditionParameter[];
    StringLike?: ConditionParameter[];
    StringNotLike?: ConditionParameter[];
  };
}) {
  const c = selection.Conditions;
  return {
    resources: selection.Resources ?? [],
    notResources: selection.NotResources ?? [],
    listOfTags: (selection.ListOfTags ?? []).map((t) => ({
      conditionType: t.ConditionType ?? null,
      conditionKey: t.ConditionKey ?? null,
      conditionValue: t.ConditionValue ?? null,
    })),
    conditions: {
      stringEquals: conditionList(c?.StringEquals),
      stringNotEquals: conditionList(c?.StringNotEquals),
      stringLike: conditionList(c?.StringLike),
      stringNotLike: conditionList(c?.StringNotLike),
    },
  };
}

/**
 * The one step the spec cannot declare: a call per element of a detail's answer. For every plan whose selections
 * were listed, each selection gains `contents` from GetBackupSelection (a failed call is a `$error` marker there,
 * never a missing field). Calls are bounded by the per-resource concurrency, like the spec's own details.
 */
async function withSelectionContents(
  ctx: CollectorContext,
  items: ConfigurationItem[],
): Promise<ConfigurationItem[]> {
  const client = ctx.clients.get("backup");
  const work = items.flatMap((plan) => {
    const selections = plan.supplementaryConfiguration.selections;
    if (plan.resourceType !== "AWS::Backup::BackupPlan" || !Array.isArray(selections)) return [];
    return (selections as Array<Record<string, unknown>>).map((selection) => ({ plan, selection }));
  });
  await mapLimit(work, ctx.perResourceConcurrency, async ({ plan, selection }) => {
    if (isCallError(selection) || typeof selection.selectionId !== "string") return;
    selection.contents = await supplementary(async () => {
      const answer = await client.send(
        new GetBackupSelectionCommand({
          BackupPlanId: plan.resourceId,
          SelectionId: selection.selectionId as string,
        }),
      );
      return selectionContents(answer.BackupSelection ?? {});
    });
  });
  return items;
}

export const backupSpec: ServiceSpec = { service: "backup", global: false, resources: [vaults, plans] };

/** AWS Backup per region: vaults (encryption, Vault Lock, access policy) and plans (rules, selections and what they select). */
const specRunner = specCollector(backupSpec);
export const backupCollector: Collector & { spec: ServiceSpec } = {
  ...specRunner,
  actions: [...specRunner.actions, SELECTION_ACTION].sort(),
  async collect(ctx) {
    // Selections are joined onto their plans: a targeted read reads them all (see CollectorContext.wants).
    return withSelectionContents(ctx, await specRunner.collect({ ...ctx, wants: undefined }));
  },
};
