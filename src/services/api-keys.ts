/**
 * API keys as people manage them, the same for `enforceai keys` and `/api/v1/keys`: each change and its audit
 * entry are one transaction, so the trail never misses a key nor names one that was not made or revoked.
 */
import type { Role } from "../domain/roles.ts";
import { NotFoundError } from "../errors.ts";
import type { ApiKey } from "../store/api-keys.ts";
import type { ApiKeyRow } from "../store/read-model.ts";
import type { Runtime } from "./runtime.ts";

type KeyRuntime = Pick<Runtime, "store">;

export interface NewKey {
  role: Role;
  name?: string;
  /** The holder of an existing key with this (normalised) name is the same person. */
  sameHolder?: boolean;
}

/** Creates a key for `actor` (an API principal's identity or the CLI user); the key is in this answer only. */
export function createApiKey(
  app: KeyRuntime,
  input: NewKey,
  actor: string,
): Promise<ApiKey & { key: string }> {
  return app.store.transaction(async (tx) => {
    const created = await tx.apiKeys.create(input.role, actor, input.name, { sameHolder: input.sameHolder });
    await tx.audit.append({
      actor: created.createdBy,
      action: "api_key.created",
      subjectType: "api_key",
      subjectId: created.id,
      details: { role: created.role, name: created.name, sameHolder: !!input.sameHolder },
    });
    return created;
  });
}

/** Every key, revoked ones too (never the keys themselves). */
export function listApiKeys(app: KeyRuntime): Promise<ApiKeyRow[]> {
  return app.store.reads.listApiKeys();
}

/** Revokes an active key: from now on it answers 401 (servers caching it: within their key cache time). */
export function revokeApiKey(app: KeyRuntime, keyId: string, actor: string): Promise<void> {
  return app.store.transaction(async (tx) => {
    if (!(await tx.apiKeys.revoke(keyId))) {
      throw new NotFoundError(
        `no active API key ${keyId}; list the keys with \`enforceai keys list\` (revoked ones show their revokedAt)`,
      );
    }
    await tx.audit.append({
      actor,
      action: "api_key.revoked",
      subjectType: "api_key",
      subjectId: keyId,
      details: {},
    });
  });
}
