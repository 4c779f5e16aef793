import type { IngestLimits } from "../../config/index.ts";
import type { ChunkOptions } from "../../knowledge/chunker.ts";
import type { ExtractedControl } from "../../knowledge/extract-controls.ts";
import type { KnowledgeIndex } from "../../knowledge/index-backend.ts";
import type { PreparedDocument, PrepareInput } from "../../knowledge/prepare.ts";
import type { Embedder } from "../../knowledge/types.ts";
import type { Logger } from "../../logger.ts";
import type { DocumentRepository, DocumentStatus, KnowledgeDocument } from "../../store/documents.ts";
import type { NormalizedDocument } from "./state.ts";

export interface IngestStatusEvent {
  documentId: string;
  status: DocumentStatus | "unchanged";
  error?: string;
  /** The document's row as this status was recorded. */
  document?: KnowledgeDocument;
}

/** Control extraction after indexing (only for frameworks that are not built in); see src/knowledge/extract-controls.ts. */
export type ExtractStep = (input: {
  document: KnowledgeDocument;
  normalized: NormalizedDocument;
  /** Controls the deterministic parser already found while the document was read. */
  controls?: ExtractedControl[];
}) => Promise<void>;

/** What the ingestion graph's nodes need, passed in (no singletons). */
export interface IngestDeps {
  documents: DocumentRepository;
  index: KnowledgeIndex;
  embedder: Embedder;
  /** Identifies index + pipeline; a document indexed under another key is indexed again. */
  pipelineKey: string;
  maxBytes: number;
  limits: IngestLimits;
  /**
   * Reads the bytes into normalised text and passages: the ingest thread's `prepare` (off the event loop), or
   * `prepareDocument` in place.
   */
  prepare: (input: PrepareInput) => Promise<PreparedDocument>;
  /** Controls come from the deterministic parser (no model): it runs while the document is read. */
  extractControls: boolean;
  chunkOptions?: ChunkOptions;
  extract?: ExtractStep;
  logger?: Logger;
  onStatus?: (event: IngestStatusEvent) => void;
}
