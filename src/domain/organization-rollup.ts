/**
 * The organisation roll-up of a scan as reports and the API show it (src/engine/rollup.ts computes it; the
 * posture stores it). Apart from src/domain/organization.ts because it names the framework score, whose file
 * names the scan source.
 */
import { z } from "zod";
import { ORGANIZATION_ACCOUNT_STATES } from "./organization.ts";
import { frameworkScoreSchema } from "./scan.ts";

const scores = z.record(z.string(), frameworkScoreSchema);

export const accountRollupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    ouId: z.string(),
    ouPath: z.string(),
    state: z.enum(ORGANIZATION_ACCOUNT_STATES),
    /** AWS's state of the account (ACTIVE, SUSPENDED, …). */
    status: z.string(),
    reason: z.string().optional().describe("why it was skipped or unreachable"),
    scores: scores.describe("per framework; empty for an account that was not read"),
    score: z.number().nullable().describe("the mean of its framework scores; null when it was not read"),
    failed: z.number().int().describe("its failing, unsuppressed findings"),
  })
  .meta({ id: "AccountRollup" });
export type AccountRollup = z.infer<typeof accountRollupSchema>;

export const ouRollupSchema = z
  .object({
    id: z.string(),
    name: z.string(),
    path: z.string(),
    accounts: z.number().int().describe("accounts under it at any depth"),
    scanned: z.number().int().describe("of which the scan read"),
    scores,
    score: z.number().nullable(),
  })
  .meta({ id: "OuRollup" });
export type OuRollup = z.infer<typeof ouRollupSchema>;

export const organizationRollupSchema = z
  .object({
    id: z.string(),
    managementAccountId: z.string(),
    callerAccountId: z.string(),
    roleName: z.string(),
    scores: scores.describe("every read account together: the organisation-wide score per framework"),
    score: z.number().nullable(),
    accounts: z.array(accountRollupSchema),
    worstAccounts: z.array(z.string()).describe("the read accounts with the lowest scores, worst first"),
    ous: z.array(ouRollupSchema),
  })
  .meta({ id: "OrganizationRollup" });
export type OrganizationRollup = z.infer<typeof organizationRollupSchema>;
