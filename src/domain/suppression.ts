import { z } from "zod";

const isoTime = z.string().describe("ISO-8601 time");

/**
 * A rule that takes matching findings out of the score (they stay in the report, marked). The one definition:
 * the store returns it, the API shows it (adding `active`).
 */
export const suppressionSchema = z.object({
  id: z.string(),
  checkId: z.string().nullable(),
  resourceArn: z.string().nullable(),
  tagKey: z.string().nullable(),
  tagValue: z.string().nullable(),
  accountId: z.string().nullable(),
  region: z.string().nullable(),
  reason: z.string(),
  owner: z.string(),
  expiresAt: isoTime.nullable(),
  createdBy: z.string(),
  createdAt: isoTime,
});
export type Suppression = z.infer<typeof suppressionSchema>;

export type NewSuppression = Omit<Suppression, "id" | "createdAt">;
