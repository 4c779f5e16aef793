import { readdir, readFile, stat } from "node:fs/promises";
import path from "node:path";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Cache } from "../cache/index.ts";
import type { Config, IngestLimits } from "../config/index.ts";
import type { Catalog } from "../engine/catalog.ts";
import { loadCatalog } from "../engine/catalog.ts";
import { EnforceAIError, errorMessage, NotFoundError, ValidationError } from "../errors.ts";
import { CHUNKER_VERSION, type ChunkOptions } from "../knowledge/chunker.ts";
import { createEmbedder } from "../knowledge/embeddings.ts";
import {
  type ExtractedControl,
  ExtractionError,
  extractControlsDeterministic,
  extractControlsWithModel,
} from "../knowledge/extract-controls.ts";
import type { IndexedChunk, KnowledgeIndex } from "../knowledge/index-backend.ts";
import { IngestThread } from "../knowledge/ingest-thread.ts";
import {
  DEFAULT_MAX_DOCUMENT_BYTES,
  type DocumentFormat,
  sha256,
  splitFrontMatter,
  tooLarge,
} from "../knowledge/loaders.ts";
import { OpenSearchKnowledgeIndex } from "../knowledge/opensearch-index.ts";
import { prepareDocument } from "../knowledge/prepare.ts";
import type { Embedder, KnowledgeSearch, Passage, SearchOptions } from "../knowledge/types.ts";
import type { Logger } from "../logger.ts";
import { DOCUMENTS_DIR } from "../paths.ts";
import { type DocumentStatus, documentIdFor, type KnowledgeDocument } from "../store/documents.ts";
import type { Store } from "../store/index.ts";
import { type IngestDeps, type IngestStatusEvent, ingestDocument } from "./ingest/pipeline.ts";
import type { NormalizedDocument } from "./ingest/state.ts";
import {
  type CheckInfo,
  type MappingRow,
  type MappingStatus,
  requireKnownCheck,
  type SuggestOptions,
  suggestMappings,
} from "./mappings.ts";

/** What the knowledge base needs to know about the check catalog: checks to map to, frameworks that are built in. */
export interface CatalogView {
  checks: CheckInfo[];
  builtinFrameworks: string[];
}

export interface CreateKnowledgeOptions {
  config: Config;
  store: Store;
  cache?: Cache;
  logger?: Logger;
  /** The engine's checks and frameworks (e.g. `app.knowledge`); loaded from the configured folders if absent. */
  engine?: () => Promise<Pick<Catalog, "checks" | "frameworks">>;
  /** Called after a person confirmed or rejected a mapping (the catalog then includes it). */
  onMappingDecided?: () => void;
  /** Overrides `engine` with a plain view (tests). */
  catalog?: () => Promise<CatalogView>;
  /** A chat model for control extraction; without one the deterministic parser extracts controls. */
  chatModel?: BaseChatModel;
  embedder?: Embedder;
  index?: KnowledgeIndex;
  maxDocumentBytes?: number;
  /** Bounds on what a document becomes once read (default: `config.ingest`). */
  limits?: Partial<IngestLimits>;
  /**
   * Read documents (and embed them, with the local embedder) in a worker thread, off the event loop (default
   * true); false does it in place.
   */
  ingestThread?: boolean;
  chunkOptions?: ChunkOptions;
  /** Folder of the bundled corpus (`knowledge/documents`). */
  documentsDir?: string;
  /** Index the bundled corpus before the first search (default true). */
  autoIndexBundled?: boolean;
  mapping?: SuggestOptions;
  /** OpenSearch alias (default `enforceai-knowledge`). */
  opensearchAlias?: string;
  onStatus?: (event: IngestStatusEvent) => void;
}

export interface IngestInput {
  framework: string;
  version?: string;
  title?: string;
  format?: DocumentFormat;
  encoding?: string;
  /** Who ingests (ENFORCEAI_USER / API key owner). */
  user?: string;
  /** This document's status changes (with its row), e.g. to answer 202 without asking the store. */
  onStatus?: (event: IngestStatusEvent) => void;
}

export interface IngestResult {
  document: KnowledgeDocument;
  outcome: "indexed" | "unchanged";
  chunks: number;
  /** Texts that went to the embedder (0 for an unchanged document). */
  embeddedTexts: number;
}

export interface BundledCorpusResult {
  documents: number;
  indexed: number;
  unchanged: number;
  failed: { source: string; error: string }[];
  removed: number;
  ms: number;
}

/** The knowledge base: ingestion, retrieval, documents and their status, extracted controls and mappings. */
export interface Knowledge extends KnowledgeSearch {
  readonly index: KnowledgeIndex;
  readonly embedder: Embedder;
  search(query: string, options?: SearchOptions): Promise<Passage[]>;
  ingestFile(file: string, input: IngestInput): Promise<IngestResult>;
  ingestText(source: string, content: string | Uint8Array, input: IngestInput): Promise<IngestResult>;
  /** Removes a document and its passages; `by` is who asked (the audit entry commits with the removal). */
  deleteDocument(id: string, by: string): Promise<void>;
  listDocuments(filter?: { framework?: string; status?: DocumentStatus }): Promise<KnowledgeDocument[]>;
  getDocument(id: string): Promise<KnowledgeDocument>;
  ensureBundledCorpus(): Promise<BundledCorpusResult>;
  listMappings(framework: string, status?: MappingStatus): Promise<MappingRow[]>;
  decideMapping(input: {
    framework: string;
    controlId: string;
    checkId: string;
    decision: "confirmed" | "rejected";
    user: string;
  }): Promise<MappingRow>;
  /** Rebuilds the index (re-embedding every chunk with the current embedder) without downtime. */
  reindex(): Promise<{ chunks: number; from?: string; to?: string }>;
  close(): Promise<void>;
}

const FRAMEWORK_ID = /^[a-z0-9][a-z0-9.-]*$/;
const MAX_QUERY_CHARS = 4000;

export async function createKnowledge(options: CreateKnowledgeOptions): Promise<Knowledge> {
  const { config, store, cache, logger } = options;
  const thread = options.ingestThread === false ? undefined : new IngestThread();
  const embedder = options.embedder ?? (await createEmbedder(config, cache, logger, thread));
  const index: KnowledgeIndex =
    options.index ??
    (config.opensearchUrl
      ? new OpenSearchKnowledgeIndex({ url: config.opensearchUrl, alias: options.opensearchAlias, logger })
      : store.knowledgeIndex);
  const { documents, mappings } = store;
  const maxBytes = options.maxDocumentBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  const pipelineKey = `${index.key}|chunker-v${CHUNKER_VERSION}`;
  const documentsDir = options.documentsDir ?? DOCUMENTS_DIR;

  let catalogPromise: Promise<CatalogView> | undefined;
  const catalog = () => {
    catalogPromise ??= (async () => {
      if (options.catalog) return options.catalog();
      const engine = await (
        options.engine ??
        (() =>
          loadCatalog({
            checksDir: config.checksDir,
            frameworksDir: config.frameworksDir,
            settingsFile: config.settingsFile,
          }))
      )();
      return {
        checks: engine.checks.map((c) => ({
          id: c.check.id,
          title: c.check.title,
          description: c.check.description,
        })),
        builtinFrameworks: engine.frameworks.map((f) => f.id),
      };
    })();
    return catalogPromise;
  };

  async function extract(input: {
    document: KnowledgeDocument;
    normalized: NormalizedDocument;
    controls?: ExtractedControl[];
  }): Promise<void> {
    const { document, normalized } = input;
    const view = await catalog();
    if (view.builtinFrameworks.includes(document.framework)) {
      await documents.setExtraction(document.id, {
        status: "skipped",
        error: "built-in framework: its controls come from the catalog",
      });
      return;
    }
    let controls: ExtractedControl[];
    try {
      controls = options.chatModel
        ? (await extractControlsWithModel(options.chatModel, normalized, { framework: document.framework }))
            .controls
        : (input.controls ?? extractControlsDeterministic(normalized));
    } catch (error) {
      await documents.setExtraction(document.id, {
        status: "failed",
        error: errorMessage(error).split("\n")[0],
      });
      throw error;
    }
    if (controls.length === 0) {
      await documents.setExtraction(document.id, {
        status: "failed",
        error:
          "no controls found: no heading or line starts with a recognisable control id (e.g. A.5.1, AC-2, 1.2.3)",
        controls: 0,
      });
      return;
    }
    const suggestions = await suggestMappings(controls, view.checks, embedder, options.mapping);
    await store.transaction(async ({ mappings: tx }) => {
      await tx.upsertIngestedFramework({
        id: document.framework,
        name: document.title ?? document.framework,
        version: document.version,
        description: `Ingested from ${document.source}`,
      });
      await tx.replaceControls(document.framework, controls);
      await tx.upsertSuggestions(document.framework, suggestions);
    });
    await documents.setExtraction(document.id, { status: "extracted", controls: controls.length });
    logger?.info(
      { framework: document.framework, controls: controls.length, suggestions: suggestions.length },
      "controls extracted and mappings proposed",
    );
  }

  const ingestDeps: IngestDeps = {
    documents,
    index,
    embedder,
    pipelineKey,
    maxBytes,
    limits: { ...config.ingest, ...options.limits },
    prepare: thread ? (input) => thread.prepare(input) : prepareDocument,
    extractControls: !options.chatModel,
    chunkOptions: options.chunkOptions,
    extract,
    logger,
    onStatus: options.onStatus,
  };

  let prepared: Promise<void> | undefined;
  /** Whether `prepare` already rebuilt the index for a new embedding model. */
  let reembedded = false;
  /** Creates the index if needed; rebuilds it when it was built with another embedding model. */
  function prepare(): Promise<void> {
    prepared ??= (async () => {
      const state = await index.ensure({ model: embedder.id, dimensions: embedder.dimensions });
      if (state.created) {
        // a new, empty index where documents say they are indexed (it was deleted, or the cluster is new):
        // they are not searchable; bundled ones are indexed again below, the others need their file again
        for (const d of await documents.list({ status: "indexed" })) {
          if (d.indexKey !== pipelineKey) continue;
          await documents.markFailed(
            d.id,
            `the index ${index.key} was created anew and no longer holds this document; ingest it again`,
          );
        }
      }
      if (state.embeddingModel && state.embeddingModel !== embedder.id) {
        reembedded = true;
        logger?.warn(
          { from: state.embeddingModel, to: embedder.id },
          "embedding model changed; re-embedding the index",
        );
        await reembed();
      }
    })().catch((error) => {
      prepared = undefined;
      throw error;
    });
    return prepared;
  }

  async function reembed() {
    const result = await index.reindex({
      embedding: { model: embedder.id, dimensions: embedder.dimensions },
      transform: async (chunks: IndexedChunk[]) => {
        const vectors = await embedder.embedDocuments(chunks.map((c) => c.text));
        return chunks.map((c, i) => ({ ...c, embedding: vectors[i]!, embeddingModel: embedder.id }));
      },
    });
    await documents.setEmbeddingModel(pipelineKey, embedder.id);
    return result;
  }

  async function ingest(
    source: string,
    bytes: Uint8Array,
    input: IngestInput,
    origin: KnowledgeDocument["origin"],
  ) {
    validateFramework(input.framework);
    await prepare();
    const deps: IngestDeps = input.onStatus
      ? {
          ...ingestDeps,
          onStatus: (event) => {
            options.onStatus?.(event);
            input.onStatus?.(event);
          },
        }
      : ingestDeps;
    const state = await ingestDocument(deps, {
      source,
      bytes,
      framework: input.framework,
      version: input.version,
      title: input.title,
      format: input.format,
      encoding: input.encoding,
      origin,
      createdBy: input.user,
    });
    if (state.outcome === "failed" || state.failure !== undefined) {
      const failure = state.failure;
      if (failure instanceof EnforceAIError) throw failure;
      throw new ValidationError(`${source}: ingestion failed: ${errorMessage(failure)}`, undefined, {
        cause: failure,
      });
    }
    return {
      document: state.document!,
      outcome: state.outcome === "unchanged" ? "unchanged" : "indexed",
      chunks: state.document!.chunkCount,
      embeddedTexts: state.embeddedTexts ?? 0,
    } satisfies IngestResult;
  }

  /** Records a document that failed before its content could be read (too large, unreadable file). */
  async function failEarly(
    source: string,
    input: IngestInput,
    origin: KnowledgeDocument["origin"],
    error: EnforceAIError,
  ): Promise<never> {
    const doc = await documents.register({
      framework: input.framework,
      version: input.version ?? "unversioned",
      title: input.title ?? null,
      source,
      origin,
      createdBy: input.user ?? null,
    });
    await documents.markFailed(doc.id, error.message.split("\n")[0]!);
    options.onStatus?.({ documentId: doc.id, status: "failed", error: error.message });
    throw error;
  }

  let bundled: Promise<BundledCorpusResult> | undefined;

  async function indexBundled(): Promise<BundledCorpusResult> {
    const started = performance.now();
    const files = (await readdir(documentsDir).catch(() => [] as string[]))
      .filter((f) => f.endsWith(".md"))
      .sort();
    const wanted: { source: string; bytes: Uint8Array; framework: string; hash: string }[] = [];
    for (const file of files) {
      const bytes = await readFile(path.join(documentsDir, file));
      const { meta } = splitFrontMatter(bytes.toString("utf8"), file);
      wanted.push({
        source: file,
        bytes,
        framework: meta.framework ?? path.basename(file, ".md"),
        hash: sha256(bytes),
      });
    }
    // the fast path: one query
    const existing = await documents.list();
    const byId = new Map(existing.map((d) => [d.id, d]));
    const staleModel = existing.some(
      (d) => d.status === "indexed" && d.indexKey === pipelineKey && d.embeddingModel !== embedder.id,
    );
    const todo = wanted.filter((w) => {
      const d = byId.get(documentIdFor(w.framework, w.source));
      return !(
        d &&
        d.status === "indexed" &&
        d.contentHash === w.hash &&
        d.indexKey === pipelineKey &&
        d.embeddingModel === embedder.id
      );
    });
    const gone = existing.filter(
      (d) => d.origin === "bundled" && !wanted.some((w) => documentIdFor(w.framework, w.source) === d.id),
    );
    const result: BundledCorpusResult = {
      documents: wanted.length,
      indexed: 0,
      unchanged: wanted.length - todo.length,
      failed: [],
      removed: 0,
      ms: 0,
    };
    if (todo.length === 0 && gone.length === 0 && !staleModel) {
      result.ms = Math.round(performance.now() - started);
      return result;
    }
    await prepare();
    if (staleModel && !reembedded) await reembed();
    for (const d of gone) {
      await index.deleteDocument(d.id);
      await documents.delete(d.id);
      result.removed++;
    }
    // every document waiting is visible as queued before the first one starts
    for (const w of todo) {
      await documents.register({
        framework: w.framework,
        version: "unversioned",
        source: w.source,
        origin: "bundled",
      });
    }
    for (const w of todo) {
      try {
        const r = await ingest(w.source, w.bytes, { framework: w.framework }, "bundled");
        if (r.outcome === "indexed") result.indexed++;
        else result.unchanged++;
      } catch (error) {
        logger?.error(
          { source: w.source, error: errorMessage(error) },
          "bundled document could not be indexed",
        );
        result.failed.push({ source: w.source, error: errorMessage(error) });
      }
    }
    result.ms = Math.round(performance.now() - started);
    logger?.info(result, "bundled knowledge corpus indexed");
    return result;
  }

  const knowledge: Knowledge = {
    index,
    embedder,

    async search(query, searchOptions = {}) {
      const q = query.normalize("NFC").trim();
      if (q === "")
        throw new ValidationError('the question is empty; ask something, e.g. "who may use the root user?"');
      if (q.length > MAX_QUERY_CHARS)
        throw new ValidationError(`the question is longer than ${MAX_QUERY_CHARS} characters`);
      const k = searchOptions.k ?? 5;
      if (!Number.isInteger(k) || k < 1 || k > 100)
        throw new ValidationError("k must be a whole number from 1 to 100");
      await prepare();
      if (options.autoIndexBundled !== false) await knowledge.ensureBundledCorpus();
      const mode = searchOptions.mode ?? "hybrid";
      const vector = mode === "bm25" ? [] : await embedder.embedQuery(q);
      return index.search({
        text: q,
        vector,
        embeddingModel: embedder.id,
        k,
        mode,
        frameworks: searchOptions.frameworks,
        version: searchOptions.version,
        controlIds: searchOptions.controlIds,
      });
    },

    async ingestFile(file, input) {
      const source = path.basename(file);
      let size: number;
      try {
        const s = await stat(file);
        if (!s.isFile()) throw new ValidationError(`${file} is not a file`);
        size = s.size;
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        throw new NotFoundError(`cannot read ${file}: ${errorMessage(error)}`);
      }
      validateFramework(input.framework);
      if (size > maxBytes) return failEarly(source, input, "user", tooLarge(source, size, maxBytes));
      return ingest(source, await readFile(file), input, "user");
    },

    async ingestText(source, content, input) {
      const bytes = typeof content === "string" ? new TextEncoder().encode(content) : content;
      validateFramework(input.framework);
      if (bytes.length > maxBytes)
        return failEarly(source, input, "user", tooLarge(source, bytes.length, maxBytes));
      return ingest(source, bytes, input, "user");
    },

    async deleteDocument(id, by) {
      const doc = await documents.require(id);
      await prepare();
      // The passages first: the index may live outside the database (OpenSearch), so it cannot share the
      // transaction. A failure after it leaves the document listed and a retry finishes the job; the row and
      // its audit entry then go together.
      await index.deleteDocument(doc.id);
      await store.transaction(async (tx) => {
        await tx.documents.delete(doc.id);
        await tx.audit.append({
          actor: by,
          action: "document.deleted",
          subjectType: "document",
          subjectId: doc.id,
          details: { framework: doc.framework, source: doc.source },
        });
      });
    },

    listDocuments: (filter) => documents.list(filter),
    getDocument: (id) => documents.require(id),

    ensureBundledCorpus() {
      bundled ??= indexBundled().catch((error) => {
        bundled = undefined;
        throw error;
      });
      return bundled;
    },

    listMappings: (framework, status) => mappings.list(framework, status),

    async decideMapping(input) {
      if (input.decision === "confirmed") requireKnownCheck(input.checkId, (await catalog()).checks);
      const row = await store.transaction(async (tx) => {
        const decided = await tx.mappings.decide(input);
        await tx.audit.append({
          actor: input.user,
          action: `mapping.${input.decision}`,
          subjectType: "control_check",
          subjectId: `${input.framework}/${input.controlId}/${input.checkId}`,
          details: {
            framework: input.framework,
            control: input.controlId,
            check: input.checkId,
            origin: decided.origin,
          },
        });
        return decided;
      });
      // Only a committed decision changes the catalog.
      options.onMappingDecided?.();
      return row;
    },

    async reindex() {
      await prepare();
      return reembed();
    },

    async close() {
      await thread?.close();
      if (!options.index) await index.close();
    },
  };
  return knowledge;
}

/** Why a document a stopped process was ingesting is failed on the next start. */
export const INTERRUPTED_INGESTION = "interrupted: the process ingesting it stopped; ingest it again";

/**
 * On start, where no other process can be ingesting (the embedded store's lock admits one process, or a single
 * server with ENFORCEAI_RESUME_ON_START): documents left `queued` or `processing` by a process that stopped are
 * failed with the reason, instead of staying `processing` forever. They cannot be resumed: their bytes were only
 * in the stopped process's memory (bundled documents are indexed again by the next search anyway).
 */
export async function failInterruptedIngestions(
  store: Pick<Store, "documents">,
  logger?: Logger,
): Promise<KnowledgeDocument[]> {
  const failed = await store.documents.failInterrupted(INTERRUPTED_INGESTION);
  if (failed.length > 0) {
    logger?.warn(
      { documents: failed.map((d) => d.id) },
      "documents a stopped process was ingesting are marked failed; ingest them again",
    );
  }
  return failed;
}

function validateFramework(id: string) {
  if (!FRAMEWORK_ID.test(id)) {
    throw new ValidationError(
      `--framework "${id}" is not a framework id; use lowercase letters, digits, dots and dashes, e.g. iso-27001-2022`,
    );
  }
}

export { ExtractionError };
