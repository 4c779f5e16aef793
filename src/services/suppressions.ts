/**
 * Suppressions as people make and end them (the CLI and the API both call these). The row and its audit entry
 * are written in one transaction: a suppression takes findings out of the score, so one that exists without
 * the entry saying who made it and why must never be left behind when the entry cannot be written.
 */
import type { NewSuppression, Suppression } from "../domain/suppression.ts";
import type { Store } from "../store/index.ts";

export async function createSuppression(
  store: Pick<Store, "transaction">,
  input: NewSuppression,
  actor: string,
): Promise<Suppression> {
  return store.transaction(async (tx) => {
    const created = await tx.suppressions.create(input);
    await tx.audit.append({
      actor,
      action: "suppression.created",
      subjectType: "suppression",
      subjectId: created.id,
      // What was asked for, as given: the entry records the request, not the database's reading of it.
      details: { ...input },
    });
    return created;
  });
}

export async function deleteSuppression(
  store: Pick<Store, "transaction">,
  id: string,
  actor: string,
  at: Date,
): Promise<void> {
  await store.transaction(async (tx) => {
    await tx.suppressions.delete(id, at);
    await tx.audit.append({
      actor,
      action: "suppression.deleted",
      subjectType: "suppression",
      subjectId: id,
      details: {},
    });
  });
}
