import { z } from "zod";
import type { FieldState, PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { readOrAbsent, targetOf } from "../util.ts";

const params = z
  .object({
    minimumPasswordLength: z.number().int().min(6).max(128).optional(),
    passwordReusePrevention: z.number().int().min(1).max(24).optional(),
    maxPasswordAge: z.number().int().min(1).max(1095).optional(),
  })
  .strict();
type Params = z.infer<typeof params>;

const FIELDS = [
  "minimumPasswordLength",
  "requireSymbols",
  "requireNumbers",
  "requireUppercaseCharacters",
  "requireLowercaseCharacters",
  "allowUsersToChangePassword",
  "maxPasswordAge",
  "passwordReusePrevention",
  "hardExpiry",
] as const;

/** The policy fields, from the inventory (lowerCamel) or from GetAccountPasswordPolicy (SDK case). */
function stateOf(policy: Record<string, unknown> | null): FieldState {
  const state: FieldState = { configured: !!policy };
  for (const field of FIELDS) {
    const sdkName = field.charAt(0).toUpperCase() + field.slice(1);
    const value = policy ? (policy[field] ?? policy[sdkName]) : undefined;
    state[field] = value ?? null;
  }
  return state;
}

function updateCall(state: FieldState): PlannedCall {
  const input: Record<string, unknown> = {
    MinimumPasswordLength: state.minimumPasswordLength ?? undefined,
    RequireSymbols: state.requireSymbols === true,
    RequireNumbers: state.requireNumbers === true,
    RequireUppercaseCharacters: state.requireUppercaseCharacters === true,
    RequireLowercaseCharacters: state.requireLowercaseCharacters === true,
    AllowUsersToChangePassword: state.allowUsersToChangePassword === true,
    HardExpiry: state.hardExpiry === true,
  };
  if (typeof state.maxPasswordAge === "number" && state.maxPasswordAge > 0)
    input.MaxPasswordAge = state.maxPasswordAge;
  if (typeof state.passwordReusePrevention === "number" && state.passwordReusePrevention > 0) {
    input.PasswordReusePrevention = state.passwordReusePrevention;
  }
  for (const key of Object.keys(input)) if (input[key] === undefined) delete input[key];
  return { service: "iam", operation: "UpdateAccountPasswordPolicy", region: "global", input };
}

const num = (v: unknown): number | undefined => (typeof v === "number" && v > 0 ? v : undefined);

/**
 * Sets the account password policy to the thresholds of the settings (length, reuse, expiry, complexity),
 * keeping every existing value that is already stricter.
 */
export const iamPasswordPolicy: RemediationAction<Params> = {
  id: "iam_password_policy",
  title: "Set a strong account password policy",
  description:
    "Updates the IAM account password policy: minimum length, reuse prevention and maximum age from the settings " +
    "(stricter existing values are kept) and all four character classes required.",
  resourceTypes: ["AWS::IAM::PasswordPolicy"],
  fixes: [
    "iam_password_policy_exists",
    "iam_password_policy_min_length",
    "iam_password_policy_complexity",
    "iam_password_policy_reuse_prevention",
    "iam_password_policy_expiry",
  ],
  risk: "low",
  reversible: true,
  rollbackNote:
    "Reversible: the previous policy is put back (or deleted when the account had none). Passwords changed meanwhile keep meeting the stricter rules.",
  operations: {
    write: ["iam:UpdateAccountPasswordPolicy", "iam:DeleteAccountPasswordPolicy"],
    read: ["iam:GetAccountPasswordPolicy"],
  },
  params: params as z.ZodType<Params>,
  plan(item, p, ctx) {
    const configured = item.configuration.configured === true;
    const before = stateOf(configured ? item.configuration : null);
    const s = ctx.settings;
    const minLength = Math.max(
      p.minimumPasswordLength ?? s.passwordMinLength,
      num(before.minimumPasswordLength) ?? 0,
    );
    const reuse = Math.max(
      p.passwordReusePrevention ?? s.passwordReusePrevention,
      num(before.passwordReusePrevention) ?? 0,
    );
    const wantedAge = p.maxPasswordAge ?? s.passwordMaxAgeDays;
    const existingAge = num(before.maxPasswordAge);
    const after: FieldState = {
      configured: true,
      minimumPasswordLength: minLength,
      requireSymbols: true,
      requireNumbers: true,
      requireUppercaseCharacters: true,
      requireLowercaseCharacters: true,
      allowUsersToChangePassword: configured ? before.allowUsersToChangePassword === true : true,
      maxPasswordAge: existingAge !== undefined ? Math.min(existingAge, wantedAge) : wantedAge,
      passwordReusePrevention: Math.min(reuse, 24),
      hardExpiry: configured ? before.hardExpiry === true : false,
    };
    return {
      target: targetOf(item),
      calls: [updateCall(after)],
      before,
      after,
      notes: [
        "Existing passwords keep working until they expire; users must meet the new rules at their next change.",
      ],
    };
  },
  async read(exec) {
    const answer = await readOrAbsent(
      () => exec({ service: "iam", operation: "GetAccountPasswordPolicy", region: "global", input: {} }),
      ["NoSuchEntity", "NoSuchEntityException"],
    );
    return stateOf((answer?.PasswordPolicy as Record<string, unknown> | undefined) ?? null);
  },
  rollback(_plan, prior) {
    if (prior.configured !== true) {
      return {
        calls: [{ service: "iam", operation: "DeleteAccountPasswordPolicy", region: "global", input: {} }],
      };
    }
    return { calls: [updateCall(prior)] };
  },
};
