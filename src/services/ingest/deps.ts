import type { ChunkOptions } from "../../knowledge/chunker.ts";
import type { KnowledgeIndex } from "../../knowledge/index-backend.ts";
import type { Embedder } from "../../knowledge/types.ts";
import type { Logger } from "../../logger.ts";
import type { DocumentRepository, DocumentStatus, KnowledgeDocument } from "../../store/documents.ts";
import type { NormalizedDocument } from "./state.ts";

export interface IngestStatusEvent {
  documentId: string;
  status: DocumentStatus | "unchanged";
  error?: string;
}

/** Control extraction after indexing (only for frameworks that are not built in); see src/knowledge/extract-controls.ts. */
export type ExtractStep = (input: {
  document: KnowledgeDocument;
  normalized: NormalizedDocument;
}) => Promise<void>;

/** What the ingestion graph's nodes need, passed in (no singletons). */
export interface IngestDeps {
  documents: DocumentRepository;
  index: KnowledgeIndex;
  embedder: Embedder;
  /** Identifies index + pipeline; a document indexed under another key is indexed again. */
  pipelineKey: string;
  maxBytes: number;
  chunkOptions?: ChunkOptions;
  extract?: ExtractStep;
  logger?: Logger;
  onStatus?: (event: IngestStatusEvent) => void;
}
