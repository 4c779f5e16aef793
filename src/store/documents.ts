import { createHash } from "node:crypto";
import type pg from "pg";
import { NotFoundError } from "../errors.ts";

export const DOCUMENT_STATUSES = ["queued", "processing", "indexed", "failed"] as const;
export type DocumentStatus = (typeof DOCUMENT_STATUSES)[number];

/** A knowledge document and where its ingestion stands. */
export interface KnowledgeDocument {
  id: string;
  framework: string;
  version: string;
  title: string | null;
  /** File or upload name (bundled documents: their file name under knowledge/documents). */
  source: string;
  origin: "bundled" | "user";
  format: string | null;
  bytes: number | null;
  pages: number | null;
  /** sha256 of the content last indexed successfully. */
  contentHash: string | null;
  status: DocumentStatus;
  /** Why the last ingestion failed (status `failed`). */
  error: string | null;
  chunkCount: number;
  embeddingModel: string | null;
  /** The index the chunks are in (see KnowledgeIndex.key) plus the pipeline version. */
  indexKey: string | null;
  extractionStatus: "extracted" | "failed" | "skipped" | null;
  extractionError: string | null;
  controlsExtracted: number | null;
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  indexedAt: string | null;
}

interface Row {
  id: string;
  framework: string;
  version: string;
  title: string | null;
  source: string;
  origin: "bundled" | "user";
  format: string | null;
  bytes: string | number | null;
  pages: number | null;
  content_hash: string | null;
  status: DocumentStatus;
  error: string | null;
  chunk_count: number;
  embedding_model: string | null;
  index_key: string | null;
  extraction_status: KnowledgeDocument["extractionStatus"];
  extraction_error: string | null;
  controls_extracted: number | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  indexed_at: Date | null;
}

const toDocument = (r: Row): KnowledgeDocument => ({
  id: r.id,
  framework: r.framework,
  version: r.version,
  title: r.title,
  source: r.source,
  origin: r.origin,
  format: r.format,
  bytes: r.bytes === null ? null : Number(r.bytes),
  pages: r.pages,
  contentHash: r.content_hash,
  status: r.status,
  error: r.error,
  chunkCount: r.chunk_count,
  embeddingModel: r.embedding_model,
  indexKey: r.index_key,
  extractionStatus: r.extraction_status,
  extractionError: r.extraction_error,
  controlsExtracted: r.controls_extracted,
  createdBy: r.created_by,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
  indexedAt: r.indexed_at?.toISOString() ?? null,
});

/** A document's id follows from its framework and source: ingesting the same file again finds the same row. */
export function documentIdFor(framework: string, source: string): string {
  return `doc_${createHash("sha256").update(`${framework}\0${source}`).digest("hex").slice(0, 16)}`;
}

export interface RegisterDocument {
  framework: string;
  version: string;
  title?: string | null;
  source: string;
  origin: KnowledgeDocument["origin"];
  createdBy?: string | null;
}

/** Documents of the knowledge base and their ingestion status (queued → processing → indexed | failed). */
export class DocumentRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  async get(id: string): Promise<KnowledgeDocument | undefined> {
    const { rows } = await this.db.query<Row>("SELECT * FROM knowledge_documents WHERE id = $1", [id]);
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async require(id: string): Promise<KnowledgeDocument> {
    const doc = await this.get(id);
    if (!doc)
      throw new NotFoundError(
        `no knowledge document "${id}"; list them with \`enforceai knowledge documents\``,
      );
    return doc;
  }

  async list(
    filter: { framework?: string; status?: DocumentStatus; origin?: KnowledgeDocument["origin"] } = {},
  ) {
    const where: string[] = [];
    const params: unknown[] = [];
    if (filter.framework) where.push(`framework = $${params.push(filter.framework)}`);
    if (filter.status) where.push(`status = $${params.push(filter.status)}`);
    if (filter.origin) where.push(`origin = $${params.push(filter.origin)}`);
    const { rows } = await this.db.query<Row>(
      `SELECT * FROM knowledge_documents ${where.length ? `WHERE ${where.join(" AND ")}` : ""} ORDER BY framework, source`,
      params,
    );
    return rows.map(toDocument);
  }

  /**
   * Creates the document's row, or puts an existing one back in the queue. What was indexed before (hash,
   * chunk count) stays recorded until a new version is indexed.
   */
  async register(d: RegisterDocument): Promise<KnowledgeDocument> {
    const id = documentIdFor(d.framework, d.source);
    const { rows } = await this.db.query<Row>(
      `INSERT INTO knowledge_documents (id, framework, version, title, source, origin, status, created_by)
       VALUES ($1, $2, $3, $4, $5, $6, 'queued', $7)
       ON CONFLICT (id) DO UPDATE SET status = 'queued', error = NULL, updated_at = now()
       RETURNING *`,
      [id, d.framework, d.version, d.title ?? null, d.source, d.origin, d.createdBy ?? null],
    );
    return toDocument(rows[0]!);
  }

  async markProcessing(
    id: string,
    info: { format?: string; bytes?: number; pendingHash?: string } = {},
  ): Promise<KnowledgeDocument | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE knowledge_documents
          SET status = 'processing', error = NULL, format = coalesce($2, format), bytes = coalesce($3, bytes),
              pending_hash = $4, updated_at = now()
        WHERE id = $1
        RETURNING *`,
      [id, info.format ?? null, info.bytes ?? null, info.pendingHash ?? null],
    );
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  async markIndexed(
    id: string,
    info: {
      contentHash: string;
      chunkCount: number;
      embeddingModel: string;
      indexKey: string;
      version: string;
      title?: string | null;
      format?: string;
      bytes?: number;
      pages?: number | null;
    },
  ): Promise<KnowledgeDocument> {
    const { rows } = await this.db.query<Row>(
      `UPDATE knowledge_documents
          SET status = 'indexed', error = NULL, content_hash = $2, pending_hash = NULL, chunk_count = $3,
              embedding_model = $4, index_key = $5, version = $6, title = coalesce($7, title),
              format = coalesce($8, format), bytes = coalesce($9, bytes), pages = $10,
              indexed_at = now(), updated_at = now()
        WHERE id = $1
        RETURNING *`,
      [
        id,
        info.contentHash,
        info.chunkCount,
        info.embeddingModel,
        info.indexKey,
        info.version,
        info.title ?? null,
        info.format ?? null,
        info.bytes ?? null,
        info.pages ?? null,
      ],
    );
    if (!rows[0]) throw new NotFoundError(`no knowledge document "${id}"`);
    return toDocument(rows[0]);
  }

  /** Records the failure; chunks indexed by an earlier successful ingestion stay as they were. */
  async markFailed(id: string, error: string): Promise<KnowledgeDocument | undefined> {
    const { rows } = await this.db.query<Row>(
      `UPDATE knowledge_documents SET status = 'failed', error = $2, pending_hash = NULL, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id, error.slice(0, 2000)],
    );
    return rows[0] ? toDocument(rows[0]) : undefined;
  }

  /**
   * Documents a stopped process left `queued` or `processing` are failed with `reason` (their bytes were only in
   * that process's memory, so nobody can finish them). Only for a start where no other process can be ingesting:
   * the caller decides that. Returns the documents it failed.
   */
  async failInterrupted(reason: string): Promise<KnowledgeDocument[]> {
    const { rows } = await this.db.query<Row>(
      `UPDATE knowledge_documents SET status = 'failed', error = $1, pending_hash = NULL, updated_at = now()
        WHERE status IN ('queued', 'processing') RETURNING *`,
      [reason],
    );
    return rows.map(toDocument);
  }

  /** Back to indexed without change (an unchanged document was ingested again). */
  async markUnchanged(id: string): Promise<KnowledgeDocument> {
    const { rows } = await this.db.query<Row>(
      `UPDATE knowledge_documents SET status = 'indexed', error = NULL, pending_hash = NULL, updated_at = now()
        WHERE id = $1 RETURNING *`,
      [id],
    );
    if (!rows[0]) throw new NotFoundError(`no knowledge document "${id}"`);
    return toDocument(rows[0]);
  }

  async setExtraction(
    id: string,
    info: {
      status: NonNullable<KnowledgeDocument["extractionStatus"]>;
      error?: string | null;
      controls?: number | null;
    },
  ): Promise<void> {
    await this.db.query(
      `UPDATE knowledge_documents SET extraction_status = $2, extraction_error = $3, controls_extracted = $4,
              updated_at = now()
        WHERE id = $1`,
      [id, info.status, info.error?.slice(0, 2000) ?? null, info.controls ?? null],
    );
  }

  /** After the index re-embedded every chunk with another model. */
  async setEmbeddingModel(indexKey: string, model: string): Promise<void> {
    await this.db.query(
      "UPDATE knowledge_documents SET embedding_model = $2, updated_at = now() WHERE index_key = $1 AND status = 'indexed'",
      [indexKey, model],
    );
  }

  async delete(id: string): Promise<boolean> {
    const res = await this.db.query("DELETE FROM knowledge_documents WHERE id = $1", [id]);
    return (res.rowCount ?? 0) > 0;
  }
}
