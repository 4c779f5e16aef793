import { mkdir } from "node:fs/promises";
import path from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { createPgConfig } from "@electric-sql/pglite/node-postgres";
import { vector } from "@electric-sql/pglite-pgvector";
import pg from "pg";
import { redactUrl } from "../domain/secrets.ts";
import { errorMessage, ServiceError } from "../errors.ts";
import { acquireDirectoryLock, type DirectoryLock } from "./lock.ts";

export type DatabaseKind = "postgres" | "pglite";

/**
 * One `pg` Pool whatever the backend: a real PostgreSQL server, or embedded PGlite behind
 * `createPgConfig` (pool size 1, queries serialised). Everything above this speaks plain SQL through it.
 */
export interface Database {
  kind: DatabaseKind;
  pool: pg.Pool;
  /** Where the embedded data lives, or the server URL without its password. */
  location: string;
  /** The schema everything lives in (tables, migrations, graph checkpoints). */
  schema: string;
  close(): Promise<void>;
}

export interface OpenDatabaseOptions {
  /** PostgreSQL URL; when absent, PGlite stores its data under `dataDir`. */
  databaseUrl?: string;
  /** Embedded data directory, or `memory://` for a throwaway in-memory database. */
  dataDir?: string;
  /** Pool size for PostgreSQL. */
  maxConnections?: number;
  /** PostgreSQL schema to work in (created if missing); lets tests and tenants share one server. */
  schema?: string;
}

export async function openDatabase(options: OpenDatabaseOptions): Promise<Database> {
  if (options.databaseUrl)
    return openPostgres(options.databaseUrl, options.maxConnections ?? 10, options.schema);
  if (!options.dataDir) throw new ServiceError("no database configured: set DATABASE_URL or ENFORCEAI_HOME");
  return openPglite(options.dataDir);
}

async function openPostgres(url: string, max: number, schema?: string): Promise<Database> {
  if (schema !== undefined && !/^[a-z_][a-z0-9_]*$/.test(schema)) {
    throw new ServiceError(`invalid schema name "${schema}"; use lowercase letters, digits and _`);
  }
  if (schema) {
    // Create the schema first over a plain connection, so every pooled connection can use it at once.
    const setup = new pg.Client({ connectionString: url });
    try {
      await setup.connect();
      await setup.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
    } catch (error) {
      throw new ServiceError(
        `cannot connect to PostgreSQL at ${redactUrl(url)}: ${errorMessage(error)}. Check DATABASE_URL and that the server is running.`,
        undefined,
        { cause: error },
      );
    } finally {
      await setup.end().catch(() => {});
    }
  }
  const pool = new pg.Pool({
    connectionString: url,
    max,
    idleTimeoutMillis: 10_000,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // A pool emits errors from idle clients (server restart); without a listener they crash the process.
  pool.on("error", () => {});
  const safe = redactUrl(url);
  try {
    await pool.query("select 1");
  } catch (error) {
    await pool.end().catch(() => {});
    throw new ServiceError(
      `cannot connect to PostgreSQL at ${safe}: ${errorMessage(error)}. Check DATABASE_URL and that the server is running.`,
      undefined,
      { cause: error },
    );
  }
  return { kind: "postgres", pool, location: safe, schema: schema ?? "public", close: () => pool.end() };
}

async function openPglite(dataDir: string): Promise<Database> {
  const inMemory = dataDir.startsWith("memory://");
  let lock: DirectoryLock | undefined;
  if (!inMemory) {
    await mkdir(dataDir, { recursive: true });
    lock = await acquireDirectoryLock(path.join(dataDir, "enforceai.lock"), dataDir);
  }
  let db: PGlite;
  try {
    db = await PGlite.create(inMemory ? undefined : path.join(dataDir, "pgdata"), { extensions: { vector } });
  } catch (error) {
    await lock?.release();
    throw new ServiceError(
      `cannot open the embedded database in ${dataDir}: ${errorMessage(error)}. ` +
        "If the folder is damaged, move it aside and run again to start fresh.",
      undefined,
      { cause: error },
    );
  }
  const pool = new pg.Pool(createPgConfig(db) as unknown as pg.PoolConfig);
  pool.on("error", () => {});
  return {
    kind: "pglite",
    pool,
    schema: "public",
    location: inMemory ? "memory" : dataDir,
    async close() {
      await pool.end();
      await db.close();
      await lock?.release();
    },
  };
}

export { redactUrl };

/** Runs `fn` inside one transaction on one connection; rolls back on any error. */
export async function withTransaction<T>(
  pool: pg.Pool,
  fn: (client: pg.PoolClient) => Promise<T>,
): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    const result = await fn(client);
    await client.query("COMMIT");
    return result;
  } catch (error) {
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}
