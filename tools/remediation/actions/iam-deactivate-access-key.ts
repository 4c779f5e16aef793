import { z } from "zod";
import type { FieldState, PlannedCall } from "../../../src/domain/remediation.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { ageInDays, readable, targetOf } from "../util.ts";

const params = z
  .object({
    /** Deactivate active keys created more than this many days ago. */
    maxAgeDays: z.number().int().min(0).optional(),
    /** Deactivate active keys not used for this many days (never-used keys count from their creation). */
    unusedDays: z.number().int().min(0).optional(),
    /** Deactivate active keys that were never used. */
    neverUsed: z.boolean().optional(),
    /** Keep at most this many active keys (the most recently used ones stay). */
    maxActive: z.number().int().min(0).optional(),
  })
  .strict();
type Params = z.infer<typeof params>;

interface Key {
  accessKeyId?: string | null;
  status?: string | null;
  createDate?: string | null;
  lastUsedDate?: unknown;
}

const field = (id: string) => `accessKey:${id}`;
const idOf = (f: string) => f.slice("accessKey:".length);

function deactivate(userName: string, accessKeyId: string, status: "Active" | "Inactive"): PlannedCall {
  return {
    service: "iam",
    operation: "UpdateAccessKey",
    region: "global",
    input: { UserName: userName, AccessKeyId: accessKeyId, Status: status },
  };
}

/** Deactivates a user's access keys that are older, or unused for longer, than the given days. */
export const iamDeactivateAccessKey: RemediationAction<Params> = {
  id: "iam_deactivate_access_key",
  title: "Deactivate stale access keys",
  description:
    "Sets the selected access keys of the user to Inactive (they are not deleted): keys older than maxAgeDays, " +
    "unused for unusedDays, never used, or beyond maxActive active keys.",
  resourceTypes: ["AWS::IAM::User"],
  fixes: [
    "iam_user_access_key_rotated",
    "iam_user_credentials_unused",
    "iam_user_no_unused_initial_access_keys",
    "iam_user_single_active_access_key",
  ],
  risk: "high",
  reversible: true,
  rollbackNote: "Reversible: the keys are set back to Active; the secret never changes.",
  operations: { write: ["iam:UpdateAccessKey"], read: ["iam:ListAccessKeys"] },
  params: params as z.ZodType<Params>,
  defaultParams(ctx) {
    const out: Partial<Params> = {};
    for (const check of ctx.checks) {
      if (check.id === "iam_user_access_key_rotated") out.maxAgeDays = ctx.settings.accessKeyMaxAgeDays;
      if (check.id === "iam_user_credentials_unused") out.unusedDays = ctx.settings.credentialsUnusedDays;
      if (check.id === "iam_user_no_unused_initial_access_keys") out.neverUsed = true;
      if (check.id === "iam_user_single_active_access_key") out.maxActive = 1;
    }
    return out;
  },
  plan(item, p, ctx) {
    const userName = item.configuration.userName;
    if (typeof userName !== "string") throw new PlanError("the user item carries no userName");
    const keys = readable(item.supplementaryConfiguration.accessKeys, "the user's access keys") as
      | Key[]
      | null;
    const active = (keys ?? []).filter((k) => k.status === "Active" && typeof k.accessKeyId === "string");
    const lastUsed = (k: Key) => (typeof k.lastUsedDate === "string" ? k.lastUsedDate : undefined);
    const chosen = new Set<string>();
    for (const key of active) {
      const id = key.accessKeyId!;
      const age = ageInDays(key.createDate, ctx.now);
      const idle = ageInDays(lastUsed(key) ?? key.createDate, ctx.now);
      if (p.maxAgeDays !== undefined && age !== undefined && age > p.maxAgeDays) chosen.add(id);
      if (p.unusedDays !== undefined && idle !== undefined && idle > p.unusedDays) chosen.add(id);
      if (p.neverUsed && lastUsed(key) === undefined) chosen.add(id);
    }
    if (p.maxActive !== undefined) {
      const remaining = active
        .filter((k) => !chosen.has(k.accessKeyId!))
        .sort((a, b) => (lastUsed(b) ?? b.createDate ?? "").localeCompare(lastUsed(a) ?? a.createDate ?? ""));
      for (const key of remaining.slice(p.maxActive)) chosen.add(key.accessKeyId!);
    }
    if (chosen.size === 0) throw new PlanError("no active access key of the user matches the parameters");
    const ids = [...chosen].sort();
    const before: FieldState = Object.fromEntries(ids.map((id) => [field(id), "Active"]));
    const after: FieldState = Object.fromEntries(ids.map((id) => [field(id), "Inactive"]));
    return {
      target: targetOf(item),
      calls: ids.map((id) => deactivate(userName, id, "Inactive")),
      before,
      after,
      notes: [
        "Programs that sign requests with these keys fail with InvalidClientTokenId until they use another key.",
      ],
    };
  },
  async read(exec, plan) {
    const userName = String(
      (plan.calls[0]?.input as { UserName?: string } | undefined)?.UserName ?? plan.target.resourceId,
    );
    const answer = await exec({
      service: "iam",
      operation: "ListAccessKeys",
      region: "global",
      input: { UserName: userName },
    });
    const statuses = new Map(
      ((answer.AccessKeyMetadata as { AccessKeyId?: string; Status?: string }[] | undefined) ?? []).map(
        (k) => [k.AccessKeyId ?? "", k.Status ?? null] as const,
      ),
    );
    return Object.fromEntries(Object.keys(plan.before).map((f) => [f, statuses.get(idOf(f)) ?? "Deleted"]));
  },
  remainingCalls(plan, current) {
    return plan.calls.filter((call) => current[field(String(call.input.AccessKeyId))] !== "Inactive");
  },
  rollback(plan, prior) {
    return {
      calls: plan.calls
        .filter((call) => prior[field(String(call.input.AccessKeyId))] === "Active")
        .map((call) => deactivate(String(call.input.UserName), String(call.input.AccessKeyId), "Active")),
    };
  },
};
