import { Annotation } from "@langchain/langgraph";
import type { ChunkDraft } from "../../knowledge/chunker.ts";
import type { IndexedChunk } from "../../knowledge/index-backend.ts";
import type { DocumentFormat, FrontMatter, LoadedDocument } from "../../knowledge/loaders.ts";
import type { KnowledgeDocument } from "../../store/documents.ts";

/** What to ingest: the bytes and what the caller knows about them. */
export interface IngestRequest {
  /** File or upload name (identifies the document together with the framework). */
  source: string;
  framework: string;
  /** Framework version; default: the document's front matter, else the version recorded before, else "unversioned". */
  version?: string;
  title?: string;
  origin: KnowledgeDocument["origin"];
  format?: DocumentFormat;
  encoding?: string;
  createdBy?: string;
  bytes: Uint8Array;
}

/** A document after normalisation: clean text per page, headings as Markdown headings. */
export interface NormalizedDocument {
  format: DocumentFormat;
  title: string;
  meta: FrontMatter;
  pages: { page?: number; text: string }[];
}

export type IngestOutcome = "indexed" | "unchanged" | "failed";

/**
 * The ingestion graph's state. Not checkpointed (ingestion is re-run from the bytes, and an unchanged
 * document is recognised by its hash), so it can hold the bytes and the chunks directly.
 */
export const IngestState = Annotation.Root({
  request: Annotation<IngestRequest>(),
  documentId: Annotation<string>(),
  contentHash: Annotation<string>(),
  previous: Annotation<KnowledgeDocument | undefined>(),
  loaded: Annotation<LoadedDocument | undefined>(),
  normalized: Annotation<NormalizedDocument | undefined>(),
  version: Annotation<string>(),
  chunks: Annotation<ChunkDraft[]>(),
  indexed: Annotation<IndexedChunk[]>(),
  /** Texts sent to the embedder (not found in the index or the cache). */
  embeddedTexts: Annotation<number>(),
  outcome: Annotation<IngestOutcome | undefined>(),
  /** The error that stopped ingestion (kept as the object, so callers rethrow it with its kind). */
  failure: Annotation<unknown>(),
  document: Annotation<KnowledgeDocument | undefined>(),
  steps: Annotation<string[]>({ reducer: (a, b) => a.concat(b), default: () => [] }),
});

export type IngestStateType = typeof IngestState.State;
export type IngestUpdate = Partial<IngestStateType>;
