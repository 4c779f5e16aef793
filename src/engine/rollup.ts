/**
 * The organisation roll-up of a scan: each account's score per framework, the worst accounts, and a score per
 * OU over the accounts under it at any depth. Pure: findings, frameworks and the organisation map in; the same
 * scoring as the scan's own (scorePosture), applied to each account's and each OU's findings.
 */
import { ancestorsOf, type OrganizationMap } from "../domain/organization.ts";
import type { AccountRollup, OrganizationRollup, OuRollup } from "../domain/organization-rollup.ts";
import type { FrameworkScore } from "../domain/scan.ts";
import type { Finding } from "../domain/types.ts";
import type { Framework } from "./frameworks.ts";
import { scorePosture } from "./scoring.ts";

/** How many accounts the worst-accounts list names. */
export const WORST_ACCOUNTS = 5;

const round1 = (n: number) => Math.round(n * 10) / 10;

function contractScores(findings: readonly Finding[], frameworks: readonly Framework[]) {
  const { frameworks: scored } = scorePosture(findings, frameworks);
  return Object.fromEntries(
    Object.entries(scored).map(([id, s]) => [
      id,
      { score: s.score, passed: s.passed, failed: s.failed, manual: s.manual },
    ]),
  );
}

function meanScore(scores: Record<string, FrameworkScore>): number | null {
  const values = Object.values(scores).map((s) => s.score);
  return values.length === 0 ? null : round1(values.reduce((a, b) => a + b, 0) / values.length);
}

export function rollUpOrganization(
  findings: readonly Finding[],
  frameworks: readonly Framework[],
  map: OrganizationMap,
): OrganizationRollup {
  const byAccount = new Map<string, Finding[]>();
  for (const f of findings) {
    const list = byAccount.get(f.accountId);
    if (list) list.push(f);
    else byAccount.set(f.accountId, [f]);
  }
  const accounts: AccountRollup[] = map.accounts.map((a) => {
    const own = a.state === "scanned" ? (byAccount.get(a.id) ?? []) : [];
    const scores = a.state === "scanned" ? contractScores(own, frameworks) : {};
    const out: AccountRollup = {
      id: a.id,
      name: a.name,
      ouId: a.parentId,
      ouPath: a.ouPath,
      state: a.state,
      status: a.status,
      scores,
      score: a.state === "scanned" ? meanScore(scores) : null,
      failed: own.filter((f) => f.status === "FAIL" && !f.suppressed).length,
    };
    if (a.reason) out.reason = a.reason;
    return out;
  });
  const scanned = accounts.filter((a) => a.state === "scanned");
  const worstAccounts = scanned
    .filter((a) => a.score !== null)
    .sort((a, b) => a.score! - b.score! || b.failed - a.failed || a.id.localeCompare(b.id))
    .slice(0, WORST_ACCOUNTS)
    .map((a) => a.id);

  const ous: OuRollup[] = map.ous.map((ou) => {
    const under = accounts.filter((a) => ancestorsOf(a.ouId, map.ous).includes(ou.id));
    const read = under.filter((a) => a.state === "scanned");
    const scores =
      read.length > 0
        ? contractScores(
            read.flatMap((a) => byAccount.get(a.id) ?? []),
            frameworks,
          )
        : {};
    return {
      id: ou.id,
      name: ou.name,
      path: ou.path,
      accounts: under.length,
      scanned: read.length,
      scores,
      score: read.length > 0 ? meanScore(scores) : null,
    };
  });
  const readIds = new Set(scanned.map((a) => a.id));
  const orgScores = contractScores(
    findings.filter((f) => readIds.has(f.accountId)),
    frameworks,
  );
  return {
    id: map.id,
    managementAccountId: map.managementAccountId,
    callerAccountId: map.callerAccountId,
    roleName: map.roleName,
    scores: orgScores,
    score: meanScore(orgScores),
    accounts,
    worstAccounts,
    ous,
  };
}
