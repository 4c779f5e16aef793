/**
 * The remediation catalog: one module per action under `actions/`, registered here. `buildPlan` is the one way
 * to turn a resource into a plan: params are the action's defaults (from the failing checks and the settings),
 * then the policy's, then the caller's, validated by the action's schema.
 */
import { createHash } from "node:crypto";
import type { RemediationPlan } from "../../src/domain/remediation.ts";
import { canonicalJson } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { ValidationError } from "../../src/errors.ts";
import { cloudtrailEnableLogFileValidation } from "./actions/cloudtrail-enable-log-file-validation.ts";
import { dynamodbEnableDeletionProtection, dynamodbEnablePitr } from "./actions/dynamodb-actions.ts";
import { ec2EbsEncryptionByDefault } from "./actions/ec2-ebs-encryption-by-default.ts";
import { ec2RevokeWorldIngress } from "./actions/ec2-revoke-world-ingress.ts";
import { ecrEnableScanOnPush, ecrEnableTagImmutability } from "./actions/ecr-actions.ts";
import { elbv2DropInvalidHeaderFields, elbv2EnableDeletionProtection } from "./actions/elbv2-attributes.ts";
import { elbv2HttpRedirectToHttps } from "./actions/elbv2-http-redirect.ts";
import { iamDeactivateAccessKey } from "./actions/iam-deactivate-access-key.ts";
import { iamPasswordPolicy } from "./actions/iam-password-policy.ts";
import { kinesisEnableEncryption } from "./actions/kinesis-enable-encryption.ts";
import { kmsEnableKeyRotation } from "./actions/kms-enable-key-rotation.ts";
import { lambdaFunctionUrlIamAuth } from "./actions/lambda-function-url-iam-auth.ts";
import { logsSetRetention } from "./actions/logs-set-retention.ts";
import {
  rdsDisablePublicAccess,
  rdsEnableAutoMinorUpgrade,
  rdsEnableDeletionProtection,
  rdsSetBackupRetention,
} from "./actions/rds-actions.ts";
import { s3AccountPublicAccessBlock } from "./actions/s3-account-public-access-block.ts";
import { s3BucketDefaultEncryption } from "./actions/s3-bucket-default-encryption.ts";
import { s3BucketEnableLogging } from "./actions/s3-bucket-enable-logging.ts";
import { s3BucketEnableVersioning } from "./actions/s3-bucket-enable-versioning.ts";
import { s3BucketPublicAccessBlock } from "./actions/s3-bucket-public-access-block.ts";
import { s3BucketTlsOnlyPolicy } from "./actions/s3-bucket-tls-only-policy.ts";
import { snsTopicEnableEncryption } from "./actions/sns-topic-enable-encryption.ts";
import { sqsQueueEnableEncryption } from "./actions/sqs-queue-enable-encryption.ts";
import { commandSpec } from "./commands.ts";
import { type PlanContext, PlanError, type RemediationAction } from "./types.ts";
import { fieldChanges } from "./util.ts";

export {
  mergeTlsOnlyStatement,
  TLS_ONLY_SID,
  tlsOnlyStatement,
} from "./actions/s3-bucket-tls-only-policy.ts";
export { COMMANDS, commandSpec, iamActionOf, sendCall } from "./commands.ts";
export * from "./types.ts";
export { sameValue } from "./util.ts";

export const ACTIONS: readonly RemediationAction[] = [
  s3AccountPublicAccessBlock,
  s3BucketPublicAccessBlock,
  s3BucketDefaultEncryption,
  s3BucketEnableVersioning,
  s3BucketEnableLogging,
  s3BucketTlsOnlyPolicy,
  iamPasswordPolicy,
  iamDeactivateAccessKey,
  cloudtrailEnableLogFileValidation,
  kmsEnableKeyRotation,
  ec2EbsEncryptionByDefault,
  ec2RevokeWorldIngress,
  rdsEnableDeletionProtection,
  rdsSetBackupRetention,
  rdsDisablePublicAccess,
  rdsEnableAutoMinorUpgrade,
  lambdaFunctionUrlIamAuth,
  sqsQueueEnableEncryption,
  snsTopicEnableEncryption,
  dynamodbEnablePitr,
  dynamodbEnableDeletionProtection,
  ecrEnableScanOnPush,
  ecrEnableTagImmutability,
  elbv2DropInvalidHeaderFields,
  elbv2EnableDeletionProtection,
  elbv2HttpRedirectToHttps,
  logsSetRetention,
  kinesisEnableEncryption,
] as RemediationAction[];

const BY_ID = new Map(ACTIONS.map((a) => [a.id, a] as const));

export function getAction(id: string): RemediationAction | undefined {
  return BY_ID.get(id);
}

export function requireAction(id: string): RemediationAction {
  const action = BY_ID.get(id);
  if (!action)
    throw new ValidationError(`unknown remediation action "${id}"; known: ${[...BY_ID.keys()].join(", ")}`);
  return action;
}

/**
 * The action that fixes a check. The link is declared once, by the actions (`fixes`); the built-in checks do not
 * repeat it. (A custom check file may still name an action in `remediation.action`.)
 */
export function actionForCheck(checkId: string): RemediationAction | undefined {
  return ACTIONS.find((a) => a.fixes.includes(checkId));
}

/** The params an action plans with: its defaults, then `layers` in order (policy, caller), validated. */
export function resolveParams(
  action: RemediationAction,
  ctx: PlanContext,
  ...layers: (Record<string, unknown> | undefined)[]
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...(action.defaultParams?.(ctx) ?? {}) };
  for (const layer of layers) Object.assign(merged, layer ?? {});
  const parsed = action.params.safeParse(merged);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new ValidationError(
      `params of ${action.id}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`,
      { issues: parsed.error.issues },
    );
  }
  return parsed.data as Record<string, unknown>;
}

/** Plans one action for one resource. Throws PlanError when a person must act instead. */
export function buildPlan(
  action: RemediationAction,
  item: ConfigurationItem,
  ctx: PlanContext,
  ...paramLayers: (Record<string, unknown> | undefined)[]
): RemediationPlan {
  if (!action.resourceTypes.includes(item.resourceType)) {
    throw new PlanError(`${action.id} does not apply to ${item.resourceType}`);
  }
  const params = resolveParams(action, ctx, ...paramLayers);
  const draft = action.plan(item, params, ctx);
  for (const call of draft.calls) {
    const known = commandSpec(call.service, call.operation);
    if (!known?.write)
      throw new Error(
        `${action.id} planned ${call.service}:${call.operation}, which is not a registered write`,
      );
  }
  const changes = fieldChanges(draft.before, draft.after);
  if (changes.length === 0 || draft.calls.length === 0) {
    throw new PlanError(
      `nothing to change: ${item.resourceId} already has the configuration ${action.id} sets`,
    );
  }
  return {
    actionId: action.id,
    title: action.title,
    target: draft.target,
    params,
    calls: draft.calls,
    before: draft.before,
    after: draft.after,
    changes,
    risk: action.risk,
    reversible: action.reversible,
    rollback: action.rollbackNote,
    notes: draft.notes ?? [],
  };
}

/** Identifies exactly what was approved: the target, the calls and the before/after fields. */
export function planHash(
  plan: Pick<RemediationPlan, "actionId" | "target" | "calls" | "before" | "after">,
): string {
  return createHash("sha256")
    .update(
      canonicalJson({
        actionId: plan.actionId,
        target: plan.target,
        calls: plan.calls,
        before: plan.before,
        after: plan.after,
      }),
    )
    .digest("hex");
}
