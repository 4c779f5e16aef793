export {
  type BundledCorpusResult,
  type CreateKnowledgeOptions,
  createKnowledge,
  type IngestInput,
  type IngestResult,
  type Knowledge,
} from "../services/knowledge-base.ts";
export { confirmedMappings, type MappingRow } from "../services/mappings.ts";
export type { Embedder } from "./embeddings.ts";
export { createEmbedder, withBatchingAndCache } from "./embeddings.ts";
export type { IndexedChunk, IndexQuery, KnowledgeIndex } from "./index-backend.ts";
export { createLocalEmbedder } from "./local-embedder.ts";
export { OpenSearchKnowledgeIndex } from "./opensearch-index.ts";
export { PgKnowledgeIndex } from "./pg-index.ts";
export type { KnowledgeSearch, Passage, SearchOptions } from "./types.ts";
