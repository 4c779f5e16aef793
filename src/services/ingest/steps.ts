import path from "node:path";
import { ValidationError } from "../../errors.ts";
import { chunkDocument } from "../../knowledge/chunker.ts";
import { parseControlHeading } from "../../knowledge/control-ids.ts";
import type { IndexedChunk } from "../../knowledge/index-backend.ts";
import { loadDocument, sha256, tooLarge } from "../../knowledge/loaders.ts";
import { dehyphenate, htmlToText, normalizeText } from "../../knowledge/normalize.ts";
import type { IngestDeps } from "./deps.ts";
import type { IngestRun, IngestUpdate, NormalizedDocument } from "./state.ts";

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
    const contentHash = sha256(r.bytes);
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

/** load: status `processing`; bytes → text per page (format detection, decoding, PDF text extraction). */
export const loadStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const r = s.request;
    await deps.documents.markProcessing(s.documentId, { bytes: r.bytes.length, pendingHash: s.contentHash });
    deps.onStatus?.({ documentId: s.documentId, status: "processing" });
    if (r.bytes.length > deps.maxBytes) throw tooLarge(r.source, r.bytes.length, deps.maxBytes);
    const loaded = await loadDocument(r.bytes, {
      source: r.source,
      format: r.format,
      encoding: r.encoding,
      maxBytes: deps.maxBytes,
    });
    if (loaded.meta.framework && loaded.meta.framework !== r.framework) {
      deps.logger?.warn(
        { source: r.source, frontMatter: loaded.meta.framework, framework: r.framework },
        "the document's front matter names another framework; using the one given",
      );
    }
    const version = r.version ?? loaded.meta.version ?? s.previous?.version ?? "unversioned";
    return { loaded, version };
  };

/** normalise: Unicode NFC, whitespace, HTML tags and scripts out, PDF line-break hyphens joined. */
export const normalizeStep =
  () =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const loaded = s.loaded!;
    const r = s.request;
    let htmlTitle: string | undefined;
    const pages = loaded.pages.map((p) => {
      let text = p.text;
      if (loaded.format === "html") {
        const h = htmlToText(text);
        htmlTitle = h.title;
        text = h.text;
      }
      if (loaded.format === "pdf") text = dehyphenate(text.replace(/\r\n?/g, "\n"));
      return { page: p.page, text: normalizeText(text) };
    });
    if (pages.every((p) => p.text === "")) {
      throw new ValidationError(
        `${r.source} has no text once markup and whitespace are removed; nothing to ingest`,
      );
    }
    const firstHeading = pages.map((p) => /^#{1,6} +(.+)$/m.exec(p.text)?.[1]).find((t): t is string => !!t);
    // text and PDF: a short first line that is not a control heading reads as the title
    const firstLine = pages[0]?.text
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim();
    const lineTitle =
      firstLine && firstLine.length <= 120 && !parseControlHeading(firstLine, { strict: true })
        ? firstLine
        : undefined;
    const title =
      r.title ??
      loaded.meta.title ??
      htmlTitle ??
      firstHeading ??
      (loaded.format === "markdown" ? undefined : lineTitle) ??
      path.basename(r.source);
    const normalized: NormalizedDocument = {
      format: loaded.format,
      title: normalizeText(title),
      meta: loaded.meta,
      pages,
    };
    return { normalized };
  };

/** chunk: along headings and control ids, with size limits and overlap; metadata on every chunk. */
export const chunkStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const chunks = chunkDocument(s.normalized!, deps.chunkOptions);
    if (chunks.length === 0) throw new ValidationError(`${s.request.source} has no text to index`);
    return { chunks };
  };

/** embed: vectors for every chunk; contents already in the index (or the cache) are not embedded again. */
export const embedStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const r = s.request;
    const model = deps.embedder.id;
    const known = await deps.index.lookupEmbeddings([...new Set(s.chunks!.map((c) => c.contentHash))], model);
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
      pages: loaded.format === "pdf" ? loaded.pages.length : null,
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
      await deps.extract({ document: s.document, normalized: s.normalized! });
    } catch (error) {
      deps.logger?.warn({ documentId: s.documentId, error: String(error) }, "control extraction failed");
    }
    return { document: (await deps.documents.get(s.documentId)) ?? s.document };
  };

/** fail: status `failed` with the reason; nothing else is touched (earlier chunks of the document stay). */
export const failStep =
  (deps: IngestDeps) =>
  async (s: IngestRun): Promise<IngestUpdate> => {
    const message = s.failure instanceof Error ? s.failure.message.split("\n")[0]! : String(s.failure);
    const document = s.documentId ? await deps.documents.markFailed(s.documentId, message) : undefined;
    if (s.documentId) deps.onStatus?.({ documentId: s.documentId, status: "failed", error: message });
    return { document, outcome: "failed" };
  };
