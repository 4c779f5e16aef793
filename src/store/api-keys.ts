import { createHash, randomBytes, randomUUID, timingSafeEqual } from "node:crypto";
import type pg from "pg";
import type { Role } from "../domain/roles.ts";

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

export class ApiKeyRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async create(role: Role, createdBy: string, name?: string): Promise<ApiKey & { key: string }> {
    const id = randomUUID();
    const key = `eai_${randomBytes(32).toString("base64url")}`;
    const { rows } = await this.db.query<{ created_at: Date }>(
      "INSERT INTO api_keys (id, key_hash, role, name, created_by) VALUES ($1, $2, $3, $4, $5) RETURNING created_at",
      [id, hashKey(key), role, name ?? null, createdBy],
    );
    return { id, key, role, name: name ?? null, createdBy, createdAt: rows[0]!.created_at.toISOString() };
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
      name: row.name,
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
