/**
 * The organisation roll-up of a scan as reports show it (src/engine/rollup.ts computes it; the posture stores it).
 * Apart from src/domain/organization.ts because it names the framework score, whose file names the scan source.
 */
import type { OrganizationAccount } from "./organization.ts";
import type { FrameworkScore } from "./scan.ts";

export interface AccountRollup {
  id: string;
  name: string;
  ouId: string;
  ouPath: string;
  state: OrganizationAccount["state"];
  status: string;
  reason?: string;
  /** Per framework; empty for an account that was not read. */
  scores: Record<string, FrameworkScore>;
  /** The mean of its framework scores; null when it was not read (or no framework was scored). */
  score: number | null;
  /** Its failing, unsuppressed findings. */
  failed: number;
}

export interface OuRollup {
  id: string;
  name: string;
  path: string;
  /** Accounts under it at any depth, and how many of them were read. */
  accounts: number;
  scanned: number;
  scores: Record<string, FrameworkScore>;
  score: number | null;
}

export interface OrganizationRollup {
  id: string;
  managementAccountId: string;
  callerAccountId: string;
  roleName: string;
  /** Every read account together: the organisation-wide score per framework. */
  scores: Record<string, FrameworkScore>;
  score: number | null;
  accounts: AccountRollup[];
  /** The read accounts with the lowest scores, worst first. */
  worstAccounts: string[];
  ous: OuRollup[];
}
