import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import { keyHolderIdentity, normalizeIdentity } from "../domain/identity.ts";
import type { Role } from "../domain/roles.ts";
import { ConflictError } from "../errors.ts";
import { withTransaction } from "./database.ts";

export interface ApiKey {
  id: string;
  role: Role;
  name: string | null;
  createdBy: string;
  createdAt: string;
}

/** Keys are random 32-byte secrets; only their sha256 is stored, so a database leak reveals no key. */
function hashKey(key: string): string {
  return createHash("sha256").update(key).digest("hex");
}

export interface NewApiKeyOptions {
  /**
   * The caller says the holder of the existing key with this identity is the same person, who gets another
   * key. Without it, a name that normalises to an existing holder's identity is refused.
   */
  sameHolder?: boolean;
}

export class ApiKeyRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  /** Inside a store transaction the statements join it; on the pool they get a transaction of their own. */
  private atomically<T>(fn: (db: pg.Pool | pg.PoolClient) => Promise<T>): Promise<T> {
    return "release" in this.db ? fn(this.db) : withTransaction(this.db, fn);
  }

  /**
   * A new key. Its name is normalised; when another key (revoked ones too: their holders still stand in the
   * audit trail and in requests) already has that identity, the key is refused unless `sameHolder` says it is
   * the same person. An advisory lock makes two creations of one name take turns.
   */
  async create(
    role: Role,
    createdBy: string,
    rawName?: string,
    options: NewApiKeyOptions = {},
  ): Promise<ApiKey & { key: string }> {
    // The name is its holder's identity, stored normalised (src/domain/identity.ts).
    const name = rawName === undefined ? null : keyHolderIdentity(rawName);
    const id = randomUUID();
    const key = `eai_${randomBytes(32).toString("base64url")}`;
    return this.atomically(async (db) => {
      if (name !== null) {
        await db.query(
          "SELECT pg_advisory_xact_lock(hashtext('enforceai:api-key-names:' || current_schema()))",
        );
        // Names stored before they were normalised are compared normalised too.
        const { rows: named } = await db.query<{ id: string; name: string }>(
          "SELECT id, name FROM api_keys WHERE name IS NOT NULL ORDER BY created_at, id",
        );
        const holder = named.find((k) => normalizeIdentity(k.name) === name);
        if (holder && !options.sameHolder) {
          throw new ConflictError(
            `the name "${rawName}" is the identity "${name}" of the holder of key ${holder.id}; ` +
              "give another name, or say it is the same person (sameHolder / --same-holder)",
            { identity: name, keyId: holder.id },
          );
        }
      }
      const { rows } = await db.query<{ created_at: Date }>(
        "INSERT INTO api_keys (id, key_hash, role, name, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING created_at",
        [id, hashKey(key), role, name, normalizeIdentity(createdBy)],
      );
      return {
        id,
        key,
        role,
        name,
        createdBy: normalizeIdentity(createdBy),
        createdAt: rows[0]!.created_at.toISOString(),
      };
    });
  }

  /** The key's identity, or undefined for an unknown or revoked key. */
  async authenticate(key: string): Promise<ApiKey | undefined> {
    const hash = hashKey(key);
    const { rows } = await this.db.query<{
      id: string;
      key_hash: string;
      role: Role;
      name: string | null;
      created_by: string;
      created_at: Date;
    }>("SELECT * FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL", [hash]);
    const row = rows[0];
    if (!row || !timingSafeEqual(Buffer.from(row.key_hash), Buffer.from(hash))) return undefined;
    await this.db.query("UPDATE api_keys SET last_used_at = now() WHERE id = $1", [row.id]);
    return {
      id: row.id,
      role: row.role,
      // A name stored before names were normalised is its holder's identity all the same.
      name: row.name === null ? null : normalizeIdentity(row.name),
      createdBy: row.created_by,
      createdAt: row.created_at.toISOString(),
    };
  }

  async revoke(id: string): Promise<boolean> {
    const { rowCount } = await this.db.query(
      "UPDATE api_keys SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL",
      [id],
    );
    return (rowCount ?? 0) > 0;
  }
}
