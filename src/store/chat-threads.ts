/** Who owns each chat thread (the messages themselves are in the agent's checkpoints, thread id = chat thread id). */
import type pg from "pg";

export interface ChatThreadRecord {
  id: string;
  owner: string;
  createdAt: string;
  updatedAt: string;
}

interface Row {
  id: string;
  owner: string;
  created_at: Date;
  updated_at: Date;
}

const toRecord = (r: Row): ChatThreadRecord => ({
  id: r.id,
  owner: r.owner,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export class ChatThreads {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async find(id: string): Promise<ChatThreadRecord | undefined> {
    const { rows } = await this.db.query<Row>("SELECT * FROM chat_threads WHERE id = $1", [id]);
    return rows[0] ? toRecord(rows[0]) : undefined;
  }

  /** The thread, created for `owner` when new; an existing thread keeps its owner. */
  async claim(id: string, owner: string, at: Date): Promise<ChatThreadRecord> {
    const { rows } = await this.db.query<Row>(
      `INSERT INTO chat_threads (id, owner, created_at, updated_at) VALUES ($1, $2, $3, $3)
       ON CONFLICT (id) DO UPDATE SET updated_at = CASE WHEN chat_threads.owner = excluded.owner
         THEN excluded.updated_at ELSE chat_threads.updated_at END
       RETURNING *`,
      [id, owner, at],
    );
    return toRecord(rows[0]!);
  }

  async listOf(owner: string, limit = 50): Promise<ChatThreadRecord[]> {
    const { rows } = await this.db.query<Row>(
      "SELECT * FROM chat_threads WHERE owner = $1 ORDER BY updated_at DESC, id LIMIT $2",
      [owner, limit],
    );
    return rows.map(toRecord);
  }
}
