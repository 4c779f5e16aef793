import { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type { Database } from "./database.ts";

/**
 * LangGraph checkpoints live in the same database as everything else: PostgreSQL in production,
 * PGlite (through its pg-compatible pool) when embedded. Thread id = scan id.
 */
export async function createCheckpointer(db: Database): Promise<PostgresSaver> {
  const saver = new PostgresSaver(db.pool);
  await saver.setup();
  return saver;
}
