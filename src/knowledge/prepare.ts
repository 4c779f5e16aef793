import path from "node:path";
import type { IngestLimits } from "../config/index.ts";
import { ValidationError } from "../errors.ts";
import { type ChunkDraft, type ChunkOptions, chunkDocument } from "./chunker.ts";
import { parseControlHeading } from "./control-ids.ts";
import { type ExtractedControl, extractControlsDeterministic } from "./extract-controls.ts";
import { type DocumentFormat, type FrontMatter, type LoadedDocument, loadDocument } from "./loaders.ts";
import { dehyphenate, htmlToText, normalizeText } from "./normalize.ts";

/** A document after normalisation: clean text per page, headings as Markdown headings. */
export interface NormalizedDocument {
  format: DocumentFormat;
  title: string;
  meta: FrontMatter;
  pages: { page?: number; text: string }[];
}

/** What to read a document's bytes into passages with (structured-cloneable: it crosses to the ingest thread). */
export interface PrepareInput {
  bytes: Uint8Array;
  source: string;
  format?: DocumentFormat;
  encoding?: string;
  /** A title the caller gave; otherwise one is found in the document. */
  title?: string;
  maxBytes: number;
  limits: IngestLimits;
  chunkOptions?: ChunkOptions;
  /** Extract controls with the deterministic parser too (no model is configured). */
  extractControls: boolean;
  /** Return the normalised pages (a model extracts the controls from them). */
  keepPages: boolean;
}

/** A document read, normalised and cut into passages: the CPU-heavy part of ingestion, done in one go. */
export interface PreparedDocument {
  loaded: Omit<LoadedDocument, "pages"> & { pageCount: number };
  /** `pages` is empty unless `keepPages` was asked for. */
  normalized: NormalizedDocument;
  chunks: ChunkDraft[];
  controls?: ExtractedControl[];
}

/** load → normalise → chunk (→ controls); every limit of `input.limits` applies as soon as it can be decided. */
export async function prepareDocument(input: PrepareInput): Promise<PreparedDocument> {
  const loaded = await loadDocument(input.bytes, {
    source: input.source,
    format: input.format,
    encoding: input.encoding,
    maxBytes: input.maxBytes,
    limits: input.limits,
  });
  const normalized = normalizeLoaded(loaded, input);
  const chunks = chunkDocument(normalized, input.chunkOptions, {
    maxChunks: input.limits.maxPassages,
    source: input.source,
  });
  if (chunks.length === 0) throw new ValidationError(`${input.source} has no text to index`);
  const controls = input.extractControls ? extractControlsDeterministic(normalized) : undefined;
  const { pages, ...rest } = loaded;
  return {
    loaded: { ...rest, pageCount: pages.length },
    normalized: input.keepPages ? normalized : { ...normalized, pages: [] },
    chunks,
    controls,
  };
}

/** Unicode NFC, whitespace, HTML tags and scripts out, PDF line-break hyphens joined; the title found. */
export function normalizeLoaded(
  loaded: LoadedDocument,
  request: { source: string; title?: string },
): NormalizedDocument {
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
      `${request.source} has no text once markup and whitespace are removed; nothing to ingest`,
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
    request.title ??
    loaded.meta.title ??
    htmlTitle ??
    firstHeading ??
    (loaded.format === "markdown" ? undefined : lineTitle) ??
    path.basename(request.source);
  return { format: loaded.format, title: normalizeText(title), meta: loaded.meta, pages };
}
