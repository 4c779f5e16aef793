import type { Suppression } from "../domain/suppression.ts";
import type { Finding } from "../domain/types.ts";

/** True when every field the suppression sets matches the finding. */
export function suppressionMatches(s: Suppression, f: Finding): boolean {
  if (s.checkId && s.checkId !== f.checkId) return false;
  if (s.resourceArn && s.resourceArn !== f.resourceArn) return false;
  if (s.accountId && s.accountId !== f.accountId) return false;
  if (s.region && s.region !== f.region) return false;
  if (s.tagKey) {
    if (!(s.tagKey in f.tags)) return false;
    if (s.tagValue !== null && s.tagValue !== undefined && f.tags[s.tagKey] !== s.tagValue) return false;
  }
  return true;
}

/**
 * The active suppression that covers a finding the scan did not suppress (one created after the scan): it
 * leaves the score from the next scan on. Undefined for PASS findings, suppressed ones and uncovered ones.
 */
export function pendingSuppression(
  f: Finding,
  suppressions: readonly Suppression[],
  now: Date,
): Finding["suppression"] | undefined {
  if (f.suppressed || f.status === "PASS") return undefined;
  const s = suppressions.find((x) => isActive(x, now) && suppressionMatches(x, f));
  return s ? { id: s.id, reason: s.reason, owner: s.owner, expiresAt: s.expiresAt } : undefined;
}

export function isActive(s: Suppression, now: Date): boolean {
  return !s.expiresAt || new Date(s.expiresAt).getTime() > now.getTime();
}

/**
 * Marks findings covered by an active suppression. A suppressed finding stays in the report (marked, with
 * the reason) and leaves the score; an expired suppression applies no more.
 */
export function applySuppressions(
  findings: Finding[],
  suppressions: readonly Suppression[],
  now: Date,
): Finding[] {
  const active = suppressions.filter((s) => isActive(s, now));
  if (active.length === 0) return findings;
  return findings.map((f) => {
    if (f.status === "PASS") return f;
    const s = active.find((x) => suppressionMatches(x, f));
    if (!s) return f;
    return {
      ...f,
      suppressed: true,
      suppression: { id: s.id, reason: s.reason, owner: s.owner, expiresAt: s.expiresAt },
    };
  });
}
