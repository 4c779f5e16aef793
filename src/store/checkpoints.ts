import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { Database } from "./database.ts";

/** Names the checkpoint-table setup among other users of the same PostgreSQL (see `createCheckpointer`). */
const SETUP_LOCK = "enforceai:checkpoint-setup:";

/**
 * LangGraph checkpoints live in the same database as everything else: PostgreSQL in production,
 * PGlite (through its pg-compatible pool) when embedded. Thread id = scan id.
 */
export async function createCheckpointer(db: Database): Promise<PostgresSaver> {
  // The saver does not follow search_path: name the schema, or checkpoints of every tenant share one table.
  const saver = new PostgresSaver(db.pool, undefined, { schema: db.schema });
  if (db.kind !== "postgres") {
    await saver.setup();
    return saver;
  }
  // The saver's setup creates its tables with CREATE ... IF NOT EXISTS, which two sessions running at once on a
  // fresh schema fail (a duplicate pg_type row): the first scans of two servers, or of one burst, would fail.
  // A session advisory lock on a connection of its own makes the setups take turns.
  const guard = await db.pool.connect();
  try {
    await guard.query("SELECT pg_advisory_lock(hashtext($1 || $2))", [SETUP_LOCK, db.schema]);
    try {
      await saver.setup();
    } finally {
      await guard.query("SELECT pg_advisory_unlock(hashtext($1 || $2))", [SETUP_LOCK, db.schema]);
    }
  } finally {
    guard.release();
  }
  return saver;
}
