import { z } from "zod";
import { UsageError } from "../errors.ts";

/**
 * An AWS Organization as a scan saw it: its OUs, its accounts, where each account sits, and what the scan did
 * with it. Written at discovery (compliance_scans.organization), read when the roll-up is scored, so that a
 * report rebuilt later (`enforceai report SCAN_ID`) shows the same accounts under the same OUs.
 */

/** The role AWS Organizations creates in every account it creates; the default of `--role-name`. */
export const DEFAULT_ORGANIZATION_ROLE = "OrganizationAccountAccessRole";

/**
 * What a scan did with an account: `scanned` (read), `skipped` (not active, or excluded: never a gap), or
 * `unreachable` (its role could not be assumed: a coverage gap of that account).
 */
export const ORGANIZATION_ACCOUNT_STATES = ["scanned", "skipped", "unreachable"] as const;

export const organizationUnitSchema = z
  .object({
    id: z.string().describe("the OU id (ou-…), or the root id (r-…)"),
    name: z.string(),
    parentId: z.string().nullable().describe("null for the root"),
    path: z.string().describe("the names from the root down, joined by /, e.g. Root/Prod/Web"),
  })
  .meta({ id: "OrganizationUnit" });
export type OrganizationUnit = z.infer<typeof organizationUnitSchema>;

export const organizationAccountSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    /** AWS's State (ACTIVE, SUSPENDED, PENDING_CLOSURE, …), or its older Status when State is absent. */
    status: z.string(),
    parentId: z.string(),
    ouPath: z.string(),
    state: z.enum(ORGANIZATION_ACCOUNT_STATES),
    /** How it was read: the caller's own credentials (its own account) or the role in the account. */
    via: z.enum(["caller", "role"]).optional(),
    /** Why it was skipped or unreachable. */
    reason: z.string().optional(),
  })
  .meta({ id: "OrganizationAccount" });
export type OrganizationAccount = z.infer<typeof organizationAccountSchema>;

export const organizationMapSchema = z
  .object({
    id: z.string(),
    managementAccountId: z.string(),
    /** The account the scan ran from (the management account or a delegated administrator). */
    callerAccountId: z.string(),
    roleName: z.string(),
    ous: z.array(organizationUnitSchema),
    accounts: z.array(organizationAccountSchema),
  })
  .meta({ id: "OrganizationMap" });
export type OrganizationMap = z.infer<typeof organizationMapSchema>;

/** How `--organization` was asked for (kept in the scan's source for resume). */
export interface OrganizationScope {
  roleName?: string;
  /** Only accounts under these OUs (at any depth); default every account. */
  ous?: string[];
  excludeAccounts?: string[];
}

/** An account as the Organizations API lists it (ListAccounts / ListAccountsForParent), with its parent. */
export interface ListedAccount {
  Id?: string;
  Name?: string;
  Status?: string;
  State?: string;
  parentId: string;
}

/** The state AWS reports: `State` (since 2025) over the deprecated `Status`. */
export function accountStatus(account: Pick<ListedAccount, "State" | "Status">): string {
  return account.State ?? account.Status ?? "UNKNOWN";
}

/** The OU ids from the root down to `ouId` (inclusive); unknown parents end the chain. */
export function ancestorsOf(ouId: string, ous: readonly OrganizationUnit[]): string[] {
  const byId = new Map(ous.map((o) => [o.id, o]));
  const chain: string[] = [];
  const seen = new Set<string>();
  for (let id: string | null | undefined = ouId; id && !seen.has(id); id = byId.get(id)?.parentId) {
    seen.add(id);
    chain.unshift(id);
  }
  return chain;
}

export interface OrganizationSelection {
  /** Accounts to read, in id order; `via: "caller"` for the caller's own account. */
  accounts: OrganizationAccount[];
  /** Accounts in scope that are not read (not active, or excluded). */
  skipped: OrganizationAccount[];
}

/**
 * Which accounts of an organisation a scan reads. Only ACTIVE accounts: a suspended or closing account cannot
 * be entered and is no gap of the scan. `ous` keeps the accounts under those OUs at any depth (an unknown id is
 * the caller's mistake, said as such); `excludeAccounts` are listed as skipped.
 */
export function selectOrganizationAccounts(
  listed: readonly ListedAccount[],
  ous: readonly OrganizationUnit[],
  options: { callerAccountId: string; scope: OrganizationScope },
): OrganizationSelection {
  const known = new Set(ous.map((o) => o.id));
  const unknown = (options.scope.ous ?? []).filter((id) => !known.has(id));
  if (unknown.length > 0) {
    throw new UsageError(
      `${unknown.join(", ")} ${unknown.length === 1 ? "is not an OU" : "are not OUs"} of the organisation; ` +
        `its OUs are ${ous.map((o) => `${o.id} (${o.path})`).join(", ")}`,
    );
  }
  const wanted = options.scope.ous?.length ? new Set(options.scope.ous) : undefined;
  const excluded = new Set(options.scope.excludeAccounts ?? []);
  const pathOf = new Map(ous.map((o) => [o.id, o.path]));
  const accounts: OrganizationAccount[] = [];
  const skipped: OrganizationAccount[] = [];
  const sorted = [...listed].filter((a) => a.Id).sort((a, b) => a.Id!.localeCompare(b.Id!));
  for (const a of sorted) {
    if (wanted && !ancestorsOf(a.parentId, ous).some((id) => wanted.has(id))) continue;
    const status = accountStatus(a);
    const base = {
      id: a.Id!,
      name: a.Name ?? a.Id!,
      status,
      parentId: a.parentId,
      ouPath: pathOf.get(a.parentId) ?? a.parentId,
    };
    if (excluded.has(base.id)) {
      skipped.push({ ...base, state: "skipped", reason: "excluded (--exclude-account)" });
    } else if (status !== "ACTIVE") {
      skipped.push({ ...base, state: "skipped", reason: `account is ${status}` });
    } else {
      accounts.push({
        ...base,
        state: "scanned",
        via: base.id === options.callerAccountId ? "caller" : "role",
      });
    }
  }
  return { accounts, skipped };
}

/** The role ARN of `roleName` in an account (the partition of the caller's account). */
export function organizationRoleArn(accountId: string, roleName: string, partition = "aws"): string {
  return `arn:${partition}:iam::${accountId}:role/${roleName}`;
}
