import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { Database } from "./database.ts";

/**
 * LangGraph checkpoints live in the same database as everything else: PostgreSQL in production,
 * PGlite (through its pg-compatible pool) when embedded. Thread id = scan id.
 */
export async function createCheckpointer(db: Database): Promise<PostgresSaver> {
  // The saver does not follow search_path: name the schema, or checkpoints of every tenant share one table.
  const saver = new PostgresSaver(db.pool, undefined, { schema: db.schema });
  await saver.setup();
  return saver;
}
