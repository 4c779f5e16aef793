import { randomBytes } from "node:crypto";
import pg from "pg";
import { openStore, type Store } from "../../src/store/index.ts";
import { requireService } from "./services.ts";

export interface StoreBackend {
  name: "pglite" | "postgres";
  open(): Promise<Store>;
}

/**
 * The store backends a suite runs against: embedded PGlite always, PostgreSQL when the test service is up
 * (required under CI). Each PostgreSQL store gets its own schema so test files never see each other's rows.
 */
export function storeBackends(): StoreBackend[] {
  const backends: StoreBackend[] = [{ name: "pglite", open: () => openStore({ dataDir: "memory://" }) }];
  const url = requireService("postgres");
  if (url) {
    backends.push({
      name: "postgres",
      async open() {
        const schema = uniqueSchema();
        const store = await openStore({ databaseUrl: url, schema });
        // Closing a test store also drops its schema, so runs leave nothing behind.
        return {
          ...store,
          async close() {
            await store.close();
            await dropSchema(url, schema);
          },
        };
      },
    });
  }
  return backends;
}

export function uniqueSchema(): string {
  return `t_${randomBytes(6).toString("hex")}`;
}

/** Drops a test schema (call in afterAll). */
export async function dropSchema(url: string, schema: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await client.end();
}
