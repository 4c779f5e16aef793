/**
 * Bearer API keys. A key (from `enforceai keys create`, stored as a sha256 hash) names a role; roles are ordered
 * viewer < operator < approver < admin and every route states the least role it needs. The key itself never
 * reaches a log line: only its id does.
 */

import { createHash } from "node:crypto";
import type { Request } from "express";
import { LRUCache } from "lru-cache";
import { KEY_IDENTITY_PREFIX, normalizeIdentity } from "../domain/identity.ts";
import type { Principal } from "../domain/roles.ts";
import { type Role, roleAtLeast } from "../domain/roles.ts";
import type { ApiKey } from "../store/api-keys.ts";
import type { Store } from "../store/index.ts";
import { HttpProblem } from "./problem.ts";

export function principalOf(key: ApiKey): Principal {
  const byId = `${KEY_IDENTITY_PREFIX}${key.id}`;
  const name = key.name === null ? null : normalizeIdentity(key.name);
  return {
    keyId: key.id,
    role: key.role,
    name,
    identity: name ?? byId,
    identities: name ? [name, byId] : [byId],
  };
}

/** A local principal for the terminal chat: the CLI user, who already holds the database. */
export function localPrincipal(user: string, role: Role = "admin"): Principal {
  const identity = normalizeIdentity(user);
  return { keyId: `local:${identity}`, role, name: identity, identity, identities: [identity] };
}

const BEARER = /^Bearer[ ]+([A-Za-z0-9._~+/=-]{8,512})[ ]*$/;

/** Reads the key from `Authorization: Bearer <key>`; 401 when it is missing or malformed. */
export function bearerKey(req: Request): string {
  const header = req.headers.authorization;
  if (!header) {
    throw new HttpProblem(401, "this endpoint needs an API key: send `Authorization: Bearer <key>`", {
      kind: "unauthorized",
    });
  }
  const match = BEARER.exec(header);
  if (!match) {
    throw new HttpProblem(401, "the Authorization header must be `Bearer <key>`", { kind: "unauthorized" });
  }
  return match[1]!;
}

/**
 * Remembers valid keys for a few seconds, so that a busy client does not cost two queries per request (the
 * lookup and the last-used stamp). Only successes are remembered: a new key works at once; a key revoked
 * through the API is forgotten at once; one revoked elsewhere (the CLI, another server) stops working within
 * `ttlMs`. Entries are keyed by the key's hash, never by the key.
 */
export class KeyCache {
  private readonly entries: LRUCache<string, Principal>;

  constructor(readonly ttlMs: number) {
    this.entries = new LRUCache<string, Principal>({ max: 10_000, ttl: Math.max(1, ttlMs) });
  }

  static hash(key: string): string {
    return createHash("sha256").update(key).digest("hex");
  }

  get(key: string): Principal | undefined {
    return this.ttlMs > 0 ? this.entries.get(KeyCache.hash(key)) : undefined;
  }

  set(key: string, principal: Principal): void {
    if (this.ttlMs > 0) this.entries.set(KeyCache.hash(key), principal);
  }

  forgetKeyId(keyId: string): void {
    for (const [hash, p] of this.entries.entries()) if (p.keyId === keyId) this.entries.delete(hash);
  }
}

export async function authenticate(store: Store, key: string, cache?: KeyCache): Promise<Principal> {
  const cached = cache?.get(key);
  if (cached) return cached;
  const found = await store.apiKeys.authenticate(key);
  if (!found) {
    throw new HttpProblem(
      401,
      "the API key is not valid (unknown or revoked); create one with `enforceai keys create`",
      { kind: "unauthorized" },
    );
  }
  const principal = principalOf(found);
  cache?.set(key, principal);
  return principal;
}

export function requireRole(principal: Principal, needed: Role): void {
  if (!roleAtLeast(principal.role, needed)) {
    throw new HttpProblem(
      403,
      `this needs the ${needed} role or higher; this key has the ${principal.role} role`,
      {
        kind: "forbidden",
      },
    );
  }
}
