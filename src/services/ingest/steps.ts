import { createHash } from "node:crypto";
import type { IndexedChunk } from "../../knowledge/index-backend.ts";
import { tooLarge } from "../../knowledge/loaders.ts";
import type { IngestDeps } from "./deps.ts";
import type { IngestRun, IngestUpdate } from "./state.ts";

/**
 * register: finds or creates the document's row. An unchanged document (same bytes, same version, indexed
 * by the same pipeline into the same index with the same embedding model) ends the run here: nothing is
 * parsed, embedded or written.
 */
export const registerStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const r = s.request;
    const documentId = s.documentId;
    const contentHash = await sha256InSlices(r.bytes);
    const previous = await deps.documents.get(documentId);
    if (
      previous &&
      previous.status === "indexed" &&
      previous.contentHash === contentHash &&
      (!r.version || r.version === previous.version) &&
      previous.indexKey === deps.pipelineKey &&
      previous.embeddingModel === deps.embedder.id
    ) {
      deps.onStatus?.({ documentId, status: "unchanged" });
      return {
        documentId,
        contentHash,
        previous,
        outcome: "unchanged",
        document: previous,
      };
    }
    await deps.documents.register({
      framework: r.framework,
      version: r.version ?? previous?.version ?? "unversioned",
      title: r.title ?? null,
      source: r.source,
      origin: r.origin,
      createdBy: r.createdBy ?? null,
    });
    deps.onStatus?.({ documentId, status: "queued" });
    return { documentId, contentHash, previous };
  };

/**
 * prepare: status `processing`; the bytes read into text per page (format detection, decoding, PDF text
 * extraction), normalised (Unicode NFC, whitespace, HTML out, PDF hyphens joined), cut into passages along
 * headings and control ids, and — without a model — the controls found. The CPU-heavy part: `deps.prepare`
 * runs it in the ingest thread, under the document limits.
 */
export const prepareStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const r = s.request;
    const processing = await deps.documents.markProcessing(s.documentId, {
      bytes: r.bytes.length,
      pendingHash: s.contentHash,
    });
    deps.onStatus?.({ documentId: s.documentId, status: "processing", document: processing });
    if (r.bytes.length > deps.maxBytes) throw tooLarge(r.source, r.bytes.length, deps.maxBytes);
    const prepared = await deps.prepare({
      bytes: r.bytes,
      source: r.source,
      format: r.format,
      encoding: r.encoding,
      title: r.title,
      maxBytes: deps.maxBytes,
      limits: deps.limits,
      chunkOptions: deps.chunkOptions,
      extractControls: deps.extractControls,
      keepPages: !deps.extractControls,
    });
    const { loaded } = prepared;
    if (loaded.meta.framework && loaded.meta.framework !== r.framework) {
      deps.logger?.warn(
        { source: r.source, frontMatter: loaded.meta.framework, framework: r.framework },
        "the document's front matter names another framework; using the one given",
      );
    }
    const version = r.version ?? loaded.meta.version ?? s.previous?.version ?? "unversioned";
    return {
      loaded,
      version,
      normalized: prepared.normalized,
      chunks: prepared.chunks,
      controls: prepared.controls,
    };
  };

/** Content hashes asked of the index at once (a large document's would make one very large answer). */
const LOOKUP_BATCH = 500;

/** embed: vectors for every chunk; contents already in the index (or the cache) are not embedded again. */
export const embedStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const r = s.request;
    const model = deps.embedder.id;
    const hashes = [...new Set(s.chunks!.map((c) => c.contentHash))];
    const known = new Map<string, number[]>();
    for (let i = 0; i < hashes.length; i += LOOKUP_BATCH) {
      const found = await deps.index.lookupEmbeddings(hashes.slice(i, i + LOOKUP_BATCH), model);
      for (const [hash, vector] of found) known.set(hash, vector);
    }
    const missing = [...new Set(s.chunks!.filter((c) => !known.has(c.contentHash)).map((c) => c.text))];
    const vectors = missing.length > 0 ? await deps.embedder.embedDocuments(missing) : [];
    const byText = new Map(missing.map((t, i) => [t, vectors[i]!]));
    const indexed: IndexedChunk[] = s.chunks!.map((c) => ({
      id: `${s.documentId}:${c.index}:${c.contentHash.slice(0, 8)}`,
      documentId: s.documentId,
      chunkIndex: c.index,
      framework: r.framework,
      version: s.version!,
      controlId: c.controlId,
      controlIds: c.controlIds,
      section: c.section || null,
      page: c.page ?? null,
      source: r.source,
      contentHash: c.contentHash,
      text: c.text,
      embeddingModel: model,
      embedding: known.get(c.contentHash) ?? byText.get(c.text)!,
    }));
    return { indexed, embeddedTexts: missing.length };
  };

/** index: the document's chunks replace its previous ones; status `indexed`. */
export const indexStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const indexed = s.indexed!;
    await deps.index.replaceDocument(s.documentId, indexed);
    const loaded = s.loaded!;
    const document = await deps.documents.markIndexed(s.documentId, {
      contentHash: s.contentHash!,
      chunkCount: indexed.length,
      embeddingModel: deps.embedder.id,
      indexKey: deps.pipelineKey,
      version: s.version!,
      title: s.normalized!.title,
      format: loaded.format,
      bytes: loaded.bytes,
      pages: loaded.format === "pdf" ? loaded.pageCount : null,
    });
    deps.onStatus?.({ documentId: s.documentId, status: "indexed" });
    return { document, outcome: "indexed" };
  };

/**
 * extract: for a framework that is not built in, its controls are extracted and mapping suggestions made. A
 * failure here is recorded on the document (extraction_status) and does not undo the indexing.
 */
export const extractionStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    if (!deps.extract || !s.document) return {};
    try {
      await deps.extract({ document: s.document, normalized: s.normalized!, controls: s.controls });
    } catch (error) {
      deps.logger?.warn({ documentId: s.documentId, error: String(error) }, "control extraction failed");
    }
    return { document: (await deps.documents.get(s.documentId)) ?? s.document };
  };

/** sha256 of a large document a slice at a time, letting the event loop run between slices. */
async function sha256InSlices(bytes: Uint8Array): Promise<string> {
  const SLICE = 1024 * 1024;
  const hash = createHash("sha256");
  for (let i = 0; i < bytes.length; i += SLICE) {
    hash.update(bytes.subarray(i, i + SLICE));
    if (i + SLICE < bytes.length) await new Promise((resolve) => setImmediate(resolve));
  }
  return hash.digest("hex");
}

/** fail: status `failed` with the reason; nothing else is touched (earlier chunks of the document stay). */
export const failStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const message = s.failure instanceof Error ? s.failure.message.split("\n")[0]! : String(s.failure);
    const document = s.documentId ? await deps.documents.markFailed(s.documentId, message) : undefined;
    if (s.documentId) deps.onStatus?.({ documentId: s.documentId, status: "failed", error: message });
    return { document, outcome: "failed" };
  };
