/** A rule that takes matching findings out of the score (they stay in the report, marked). */
export interface Suppression {
  id: string;
  checkId: string | null;
  resourceArn: string | null;
  tagKey: string | null;
  tagValue: string | null;
  accountId: string | null;
  region: string | null;
  reason: string;
  owner: string;
  expiresAt: string | null;
  createdBy: string;
  createdAt: string;
}

export type NewSuppression = Omit<Suppression, "id" | "createdAt">;
