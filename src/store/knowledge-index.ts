import type pg from "pg";
import { ServiceError } from "../errors.ts";
import { cosine } from "../knowledge/embeddings.ts";
import {
  candidateCount,
  type IndexedChunk,
  type IndexFilters,
  type IndexQuery,
  type KnowledgeIndex,
  reciprocalRankFusion,
  type StoredChunkFields,
  sortByScore,
  storedChunkToPassage,
} from "../knowledge/index-backend.ts";
import type { Passage } from "../knowledge/types.ts";
import { withTransaction } from "./database.ts";

/** Rows and text characters per INSERT of chunks (see `insert`). */
const INSERT_MAX_ROWS = 50;
const INSERT_MAX_CHARS = 8_000;

/** BM25 parameters (Lucene's defaults, so both backends rank text alike). */
const BM25_K1 = 1.2;
const BM25_B = 0.75;

interface ChunkRow extends StoredChunkFields {
  score?: number;
  embedding_text?: string;
}

const COLUMNS =
  "c.id, c.document_id, c.chunk_index, c.framework, c.version, c.control_id, c.control_ids, c.section, c.page, c.source, c.content_hash, c.text, c.embedding_model";

function parseVectorText(text: string): number[] {
  const inner = text.trim().slice(1, -1);
  return inner === "" ? [] : inner.split(",").map(Number);
}

/**
 * The embedded index, in the store's database: chunks in `knowledge_chunks` with a generated `tsvector`
 * (english configuration) for BM25 ranking computed in SQL, and an `embedding` column that is pgvector's
 * `vector` where the extension exists (PGlite) and `real[]` elsewhere (then ranked by cosine in the
 * application: exact, linear in the number of chunks — see docs/knowledge.md). Vector search is exact (no
 * ANN index), so filters never cost recall.
 */
export class PgKnowledgeIndex implements KnowledgeIndex {
  readonly kind = "postgres" as const;
  readonly key = "postgres";
  private vectorType?: "vector" | "real[]";

  constructor(private readonly pool: pg.Pool) {}

  /** `vector` (pgvector) or `real[]`: what the migration could create on this server. */
  async embeddingColumnType(): Promise<"vector" | "real[]"> {
    if (this.vectorType) return this.vectorType;
    const { rows } = await this.pool.query<{ type: string }>(
      `SELECT format_type(a.atttypid, a.atttypmod) AS type FROM pg_attribute a
        WHERE a.attrelid = to_regclass('knowledge_chunks') AND a.attname = 'embedding' AND NOT a.attisdropped`,
    );
    const type = rows[0]?.type;
    if (!type)
      throw new ServiceError("the knowledge_chunks table is missing; the database schema is not migrated");
    this.vectorType = type.startsWith("vector") ? "vector" : "real[]";
    return this.vectorType;
  }

  /** The index table answers (readiness). */
  async ping(): Promise<void> {
    await this.pool.query("select 1 from knowledge_chunks limit 1");
  }

  async ensure(): Promise<{ created: boolean }> {
    await this.embeddingColumnType();
    return { created: false };
  }

  private literal(v: number[]): string {
    return this.vectorType === "vector" ? `[${v.join(",")}]` : `{${v.join(",")}}`;
  }

  private cast(): string {
    return this.vectorType === "vector" ? "vector" : "real[]";
  }

  async replaceDocument(documentId: string, chunks: IndexedChunk[]): Promise<void> {
    await this.embeddingColumnType();
    await withTransaction(this.pool, async (client) => {
      // two processes replacing the same document (workers indexing the bundled corpus at once) take turns
      await client.query("SELECT pg_advisory_xact_lock(hashtext('enforceai:knowledge:' || $1))", [
        documentId,
      ]);
      await client.query("DELETE FROM knowledge_chunks WHERE document_id = $1", [documentId]);
      await this.insert(client, chunks);
    });
  }

  private async insert(client: pg.PoolClient, chunks: IndexedChunk[]): Promise<void> {
    const perRow = 14;
    for (let start = 0; start < chunks.length; ) {
      // Small statements, and the event loop runs between them: on the embedded database (PGlite, in this
      // process) a statement holds the loop while it computes its rows' tsvectors, and a query's answer comes
      // back as a microtask, so without the yield the whole document would be one uninterrupted block.
      if (start > 0) await new Promise((resolve) => setImmediate(resolve));
      let end = start;
      let chars = 0;
      while (
        end < chunks.length &&
        end - start < INSERT_MAX_ROWS &&
        (end === start || chars < INSERT_MAX_CHARS)
      ) {
        chars += chunks[end]!.text.length;
        end++;
      }
      const rows = chunks.slice(start, end);
      start = end;
      const params: unknown[] = [];
      const values = rows.map((c, i) => {
        params.push(
          c.id,
          c.documentId,
          c.chunkIndex,
          c.framework,
          c.version,
          c.controlId,
          c.controlIds,
          c.section,
          c.page,
          c.source,
          c.contentHash,
          c.text,
          c.embeddingModel,
          this.literal(c.embedding),
        );
        const b = i * perRow;
        const ph = Array.from({ length: perRow }, (_, j) => `$${b + j + 1}`);
        ph[6] = `${ph[6]}::text[]`;
        ph[13] = `${ph[13]}::${this.cast()}`;
        return `(${ph.join(", ")})`;
      });
      await client.query(
        `INSERT INTO knowledge_chunks (id, document_id, chunk_index, framework, version, control_id, control_ids, section,
                                       page, source, content_hash, text, embedding_model, embedding)
         VALUES ${values.join(", ")}`,
        params,
      );
    }
  }

  async deleteDocument(documentId: string): Promise<void> {
    await this.pool.query("DELETE FROM knowledge_chunks WHERE document_id = $1", [documentId]);
  }

  async lookupEmbeddings(contentHashes: string[], embeddingModel: string): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    if (contentHashes.length === 0) return out;
    const { rows } = await this.pool.query<{ content_hash: string; embedding_text: string }>(
      `SELECT DISTINCT ON (content_hash) content_hash, embedding::text AS embedding_text FROM knowledge_chunks
        WHERE content_hash = ANY($1::text[]) AND embedding_model = $2 AND embedding IS NOT NULL`,
      [contentHashes, embeddingModel],
    );
    for (const r of rows) out.set(r.content_hash, parseVectorText(r.embedding_text));
    return out;
  }

  async count(documentId?: string): Promise<number> {
    const { rows } = documentId
      ? await this.pool.query<{ n: string }>(
          "SELECT count(*) AS n FROM knowledge_chunks WHERE document_id = $1",
          [documentId],
        )
      : await this.pool.query<{ n: string }>("SELECT count(*) AS n FROM knowledge_chunks");
    return Number(rows[0]!.n);
  }

  async search(q: IndexQuery): Promise<Passage[]> {
    await this.embeddingColumnType();
    const n = q.mode === "hybrid" ? candidateCount(q.k) : q.k;
    if (q.mode === "bm25") return this.bm25(q, n);
    if (q.mode === "vector") return this.vector(q, n);
    const [text, vector] = [await this.bm25(q, n), await this.vector(q, n)];
    return reciprocalRankFusion([text, vector], q.k);
  }

  /** Okapi BM25 over Postgres full-text lexemes (english stemming and stop words), computed in SQL. */
  private async bm25(q: IndexQuery, limit: number): Promise<Passage[]> {
    const params: unknown[] = [q.text];
    const where = filterSql(q, params, "c");
    params.push(limit);
    const { rows } = await this.pool.query<ChunkRow>(
      `WITH scope AS (SELECT c.* FROM knowledge_chunks c WHERE ${where}),
            stats AS (SELECT count(*)::float8 AS n, greatest(avg(length(search_tsv)), 1)::float8 AS avgdl FROM scope),
            cand AS (SELECT * FROM scope
                      WHERE search_tsv @@ replace(plainto_tsquery('english', $1)::text, '&', '|')::tsquery),
            terms AS (SELECT DISTINCT lexeme FROM unnest(to_tsvector('english', $1))),
            postings AS (
              SELECT c.id, u.lexeme, coalesce(array_length(u.positions, 1), 1)::float8 AS tf,
                     length(c.search_tsv)::float8 AS dl
                FROM cand c CROSS JOIN LATERAL unnest(c.search_tsv) u
                JOIN terms t ON t.lexeme = u.lexeme),
            df AS (SELECT lexeme, count(*)::float8 AS df FROM postings GROUP BY lexeme),
            scored AS (
              SELECT p.id,
                     sum(ln(1 + (s.n - d.df + 0.5) / (d.df + 0.5))
                         * p.tf * ${BM25_K1 + 1} / (p.tf + ${BM25_K1} * (${1 - BM25_B} + ${BM25_B} * p.dl / s.avgdl))) AS score
                FROM postings p JOIN df d USING (lexeme) CROSS JOIN stats s
               GROUP BY p.id)
       SELECT ${COLUMNS}, sc.score FROM scored sc JOIN cand c USING (id)
        ORDER BY sc.score DESC, c.id
        LIMIT $${params.length}`,
      params,
    );
    return rows.map((r) => storedChunkToPassage(r, Number(r.score)));
  }

  private async vector(q: IndexQuery, limit: number): Promise<Passage[]> {
    const params: unknown[] = [q.embeddingModel];
    const where = filterSql(q, params, "c");
    if (this.vectorType === "vector") {
      params.push(this.literal(q.vector), limit);
      const v = `$${params.length - 1}::vector`;
      const { rows } = await this.pool.query<ChunkRow>(
        `SELECT ${COLUMNS}, 1 - (c.embedding <=> ${v}) AS score FROM knowledge_chunks c
          WHERE c.embedding_model = $1 AND ${where}
          ORDER BY c.embedding <=> ${v}, c.id
          LIMIT $${params.length}`,
        params,
      );
      return rows.map((r) => storedChunkToPassage(r, Number(r.score)));
    }
    // real[]: exact cosine in the application, then the details of the best ones only
    const { rows } = await this.pool.query<{ id: string; embedding: number[] }>(
      `SELECT c.id, c.embedding FROM knowledge_chunks c WHERE c.embedding_model = $1 AND ${where}`,
      params,
    );
    const best = rows
      .map((r) => ({ id: r.id, score: cosine(q.vector, r.embedding) }))
      .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1))
      .slice(0, limit);
    if (best.length === 0) return [];
    const details = await this.pool.query<ChunkRow>(
      `SELECT ${COLUMNS} FROM knowledge_chunks c WHERE c.id = ANY($1::text[])`,
      [best.map((b) => b.id)],
    );
    const byId = new Map(details.rows.map((r) => [r.id, r]));
    return sortByScore(
      best.filter((b) => byId.has(b.id)).map((b) => storedChunkToPassage(byId.get(b.id)!, b.score)),
    );
  }

  async reindex(
    options: { transform?: (chunks: IndexedChunk[]) => Promise<IndexedChunk[]> } = {},
  ): Promise<{ chunks: number }> {
    await this.embeddingColumnType();
    // One transaction: readers see the old rows until the new ones are committed (MVCC), so no downtime.
    return withTransaction(this.pool, async (client) => {
      const { rows } = await client.query<ChunkRow & { embedding_text: string | null }>(
        `SELECT ${COLUMNS}, c.embedding::text AS embedding_text FROM knowledge_chunks c ORDER BY c.document_id, c.chunk_index`,
      );
      let chunks: IndexedChunk[] = rows.map((r) => ({
        id: r.id,
        documentId: r.document_id,
        chunkIndex: r.chunk_index,
        framework: r.framework,
        version: r.version,
        controlId: r.control_id,
        controlIds: r.control_ids,
        section: r.section,
        page: r.page,
        source: r.source,
        contentHash: r.content_hash,
        text: r.text,
        embeddingModel: r.embedding_model,
        embedding: r.embedding_text ? parseVectorText(r.embedding_text) : [],
      }));
      if (options.transform) chunks = await options.transform(chunks);
      await client.query("DELETE FROM knowledge_chunks");
      await this.insert(client, chunks);
      return { chunks: chunks.length };
    });
  }

  async close(): Promise<void> {}
}

/** WHERE clause for the filters; pushes its parameters. */
function filterSql(f: IndexFilters, params: unknown[], alias: string): string {
  const parts = ["TRUE"];
  if (f.frameworks && f.frameworks.length > 0) {
    params.push(f.frameworks);
    parts.push(`${alias}.framework = ANY($${params.length}::text[])`);
  }
  if (f.version) {
    params.push(f.version);
    parts.push(`${alias}.version = $${params.length}`);
  }
  if (f.controlIds && f.controlIds.length > 0) {
    params.push(f.controlIds);
    parts.push(`${alias}.control_ids && $${params.length}::text[]`);
  }
  return parts.join(" AND ");
}
