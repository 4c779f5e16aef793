import type { ChunkDraft } from "../../knowledge/chunker.ts";
import type { ExtractedControl } from "../../knowledge/extract-controls.ts";
import type { IndexedChunk } from "../../knowledge/index-backend.ts";
import type { DocumentFormat } from "../../knowledge/loaders.ts";
import type { NormalizedDocument, PreparedDocument } from "../../knowledge/prepare.ts";
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

export type { NormalizedDocument } from "../../knowledge/prepare.ts";

export type IngestOutcome = "indexed" | "unchanged" | "failed";

/**
 * What one ingestion run knows so far; each step adds to it. Held in memory only (ingestion is re-run from the
 * bytes, and an unchanged document is recognised by its hash), so it can hold the bytes and the chunks directly.
 */
export interface IngestRun {
  request: IngestRequest;
  documentId: string;
  contentHash?: string;
  previous?: KnowledgeDocument;
  loaded?: PreparedDocument["loaded"];
  normalized?: NormalizedDocument;
  /** Controls the deterministic parser found (when no model extracts them). */
  controls?: ExtractedControl[];
  version?: string;
  chunks?: ChunkDraft[];
  indexed?: IndexedChunk[];
  /** Texts sent to the embedder (not found in the index or the cache). */
  embeddedTexts?: number;
  outcome?: IngestOutcome;
  /** The error that stopped ingestion (kept as the object, so callers rethrow it with its kind). */
  failure?: unknown;
  document?: KnowledgeDocument;
  /** The steps that ran, in order (`name!` for one that failed). */
  steps: string[];
}

/** What a step adds to the run. */
export type IngestUpdate = Partial<Omit<IngestRun, "request" | "steps">>;
