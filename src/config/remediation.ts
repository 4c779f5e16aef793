/**
 * Remediation settings from the environment. Every value is validated at start-up; a bad one stops with one
 * line naming the variable and the expected form (ConfigError, exit 2).
 */

import type { ChangeRisk } from "../domain/remediation.ts";
import { ConfigError } from "../errors.ts";
import { type MaintenanceWindow, parseMaintenanceWindow } from "../planning/window.ts";

export interface RemediationSettings {
  /** ENFORCEAI_APPROVERS: user names with the approver role for the CLI; undefined when not configured. */
  approvers?: string[];
  /** ENFORCEAI_TWO_APPROVERS_FOR: change risks that need two approvers (default: none). */
  twoApproversFor: ChangeRisk[];
  /** ENFORCEAI_APPROVAL_EXPIRY_HOURS: how long a request waits for a decision (default: the policy's, 72). */
  expiryHours?: number;
  /** ENFORCEAI_MAINTENANCE_WINDOW: when scheduled actions may run (UTC), e.g. sat:02:00-sat:04:00. */
  maintenanceWindow?: MaintenanceWindow;
  /** ENFORCEAI_WEBHOOK_URL: where manual tasks are posted (Slack-compatible JSON). */
  webhookUrl?: string;
  /** ENFORCEAI_REMEDIATION_ROLE_ARN: the role remediation assumes through STS. */
  roleArn?: string;
  /** ENFORCEAI_REMEDIATION_PROFILE: a named profile with the remediation credentials. */
  profile?: string;
  /** ENFORCEAI_REMEDIATION_POLICY_FILE: replaces knowledge/remediation-policy.yaml. */
  policyFile?: string;
  /** ENFORCEAI_REMEDIATION_LEASE_SECONDS: after this long a `running` execution counts as abandoned (default 900). */
  leaseSeconds: number;
}

const RISKS: readonly ChangeRisk[] = ["low", "medium", "high", "critical"];

function value(env: NodeJS.ProcessEnv, name: string): string | undefined {
  const v = env[name]?.trim();
  return v ? v : undefined;
}

function positiveNumber(env: NodeJS.ProcessEnv, name: string, example: string): number | undefined {
  const raw = value(env, name);
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isFinite(n) || n <= 0) {
    throw new ConfigError(
      `${name}=${JSON.stringify(raw)} is not a positive number; expected e.g. ${example}`,
      {
        variable: name,
      },
    );
  }
  return n;
}

export function remediationSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): RemediationSettings {
  const approversRaw = value(env, "ENFORCEAI_APPROVERS");
  const approvers = approversRaw
    ?.split(",")
    .map((s) => s.trim())
    .filter(Boolean);
  const twoRaw = value(env, "ENFORCEAI_TWO_APPROVERS_FOR");
  const twoApproversFor: ChangeRisk[] = [];
  for (const part of twoRaw
    ?.split(",")
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean) ?? []) {
    if (!(RISKS as readonly string[]).includes(part)) {
      throw new ConfigError(
        `ENFORCEAI_TWO_APPROVERS_FOR=${JSON.stringify(twoRaw)}: "${part}" is not a risk; expected a comma-separated list of ${RISKS.join(", ")}`,
        { variable: "ENFORCEAI_TWO_APPROVERS_FOR" },
      );
    }
    twoApproversFor.push(part as ChangeRisk);
  }
  const windowRaw = value(env, "ENFORCEAI_MAINTENANCE_WINDOW");
  const webhookUrl = value(env, "ENFORCEAI_WEBHOOK_URL");
  if (webhookUrl) {
    let ok = false;
    try {
      ok = ["http:", "https:"].includes(new URL(webhookUrl).protocol);
    } catch {
      ok = false;
    }
    if (!ok) {
      throw new ConfigError(
        `ENFORCEAI_WEBHOOK_URL=${JSON.stringify(webhookUrl)} is not an http(s) URL; expected e.g. https://hooks.slack.com/services/…`,
        { variable: "ENFORCEAI_WEBHOOK_URL" },
      );
    }
  }
  const roleArn = value(env, "ENFORCEAI_REMEDIATION_ROLE_ARN");
  if (roleArn && !/^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/.test(roleArn)) {
    throw new ConfigError(
      `ENFORCEAI_REMEDIATION_ROLE_ARN=${JSON.stringify(roleArn)} is not an IAM role ARN; expected arn:aws:iam::ACCOUNT:role/NAME`,
      { variable: "ENFORCEAI_REMEDIATION_ROLE_ARN" },
    );
  }
  return {
    approvers: approvers && approvers.length > 0 ? approvers : undefined,
    twoApproversFor,
    expiryHours: positiveNumber(env, "ENFORCEAI_APPROVAL_EXPIRY_HOURS", "72"),
    maintenanceWindow: windowRaw ? parseMaintenanceWindow(windowRaw) : undefined,
    webhookUrl,
    roleArn,
    profile: value(env, "ENFORCEAI_REMEDIATION_PROFILE"),
    policyFile: value(env, "ENFORCEAI_REMEDIATION_POLICY_FILE"),
    leaseSeconds: positiveNumber(env, "ENFORCEAI_REMEDIATION_LEASE_SECONDS", "900") ?? 900,
  };
}
