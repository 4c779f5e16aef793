import type { Passage } from "./types.ts";

/** A chunk as the index stores it: text, metadata and its embedding. */
export interface IndexedChunk {
  id: string;
  documentId: string;
  chunkIndex: number;
  framework: string;
  version: string;
  controlId: string | null;
  controlIds: string[];
  section: string | null;
  page: number | null;
  source: string;
  contentHash: string;
  text: string;
  embeddingModel: string;
  embedding: number[];
}

export interface IndexFilters {
  frameworks?: string[];
  version?: string;
  controlIds?: string[];
}

export interface IndexQuery extends IndexFilters {
  text: string;
  /** The query's embedding (same model as the indexed chunks). */
  vector: number[];
  embeddingModel: string;
  k: number;
  mode: "hybrid" | "bm25" | "vector";
}

/**
 * Where chunks are indexed and searched. Two implementations share one behaviour test suite:
 * `PgKnowledgeIndex` (PostgreSQL / PGlite: full-text search + pgvector, or real[] vectors ranked in the
 * application where pgvector is missing) and `OpenSearchKnowledgeIndex` (BM25 + k-NN behind an alias).
 */
export interface KnowledgeIndex {
  readonly kind: "postgres" | "opensearch";
  /** Names this index (backend and location); stored with each document so a switch of backend re-indexes. */
  readonly key: string;
  /**
   * Creates what the index needs (idempotent). Returns the embedding model the index was built for when the
   * index records one (OpenSearch keeps it in its mapping's `_meta`); a different model calls for `reindex`.
   */
  ensure(embedding: {
    model: string;
    dimensions: number;
  }): Promise<{ created: boolean; embeddingModel?: string }>;
  /** Replaces every chunk of a document with these (atomically where the backend allows). */
  replaceDocument(documentId: string, chunks: IndexedChunk[]): Promise<void>;
  deleteDocument(documentId: string): Promise<void>;
  /** Embeddings already stored for these chunk contents (so unchanged chunks of a changed document are not re-embedded). */
  lookupEmbeddings(contentHashes: string[], embeddingModel: string): Promise<Map<string, number[]>>;
  search(query: IndexQuery): Promise<Passage[]>;
  /** Chunks stored for a document (or all). */
  count(documentId?: string): Promise<number>;
  /**
   * Rebuilds the index (e.g. after a change of embedding model) without downtime: readers keep seeing the old
   * chunks until the new ones replace them at once. `transform` may re-embed each batch of chunks.
   */
  reindex(options?: {
    embedding?: { model: string; dimensions: number };
    transform?: (chunks: IndexedChunk[]) => Promise<IndexedChunk[]>;
  }): Promise<{ chunks: number; from?: string; to?: string }>;
  close(): Promise<void>;
}

/** Reciprocal rank fusion constant (Cormack et al.); 60 is the usual choice. */
export const RRF_K = 60;

/**
 * Reciprocal rank fusion: each list contributes 1 / (RRF_K + rank) for every item it ranks. Items in both lists
 * rise; no score normalisation is needed, so BM25 and cosine scores of different scales fuse cleanly. Ties
 * are broken by the best single rank, then by id, so the order is deterministic.
 */
export function reciprocalRankFusion(lists: Passage[][], k: number, rrfK = RRF_K): Passage[] {
  const fused = new Map<string, { passage: Passage; score: number; best: number }>();
  for (const list of lists) {
    list.forEach((p, i) => {
      const rank = i + 1;
      const entry = fused.get(p.id);
      if (entry) {
        entry.score += 1 / (rrfK + rank);
        entry.best = Math.min(entry.best, rank);
      } else fused.set(p.id, { passage: p, score: 1 / (rrfK + rank), best: rank });
    });
  }
  return [...fused.values()]
    .sort((a, b) => b.score - a.score || a.best - b.best || (a.passage.id < b.passage.id ? -1 : 1))
    .slice(0, k)
    .map((e) => ({ ...e.passage, score: round(e.score) }));
}

/** How many candidates each list contributes to fusion. */
export function candidateCount(k: number): number {
  return Math.max(50, k * 5);
}

export function round(x: number, digits = 6): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function sortByScore(list: Passage[]): Passage[] {
  return list.sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : 1));
}

/** The fields both backends store for a chunk, under the same snake_case names (a SQL row, an OpenSearch source). */
export interface StoredChunkFields {
  id: string;
  document_id: string;
  chunk_index: number;
  framework: string;
  version: string;
  control_id: string | null;
  control_ids: string[];
  section: string | null;
  page: number | null;
  source: string;
  content_hash: string;
  text: string;
  embedding_model: string;
}

/** A stored chunk as a retrieved passage, with its score. */
export function storedChunkToPassage(c: StoredChunkFields, score: number): Passage {
  const location: Passage["location"] = {};
  if (c.section) location.section = c.section;
  if (c.page !== null && c.page !== undefined) location.page = c.page;
  return {
    id: c.id,
    framework: c.framework,
    version: c.version,
    controlId: c.control_id,
    score: round(score),
    text: c.text,
    source: c.source,
    location,
  };
}
