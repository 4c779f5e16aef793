import { createHash } from "node:crypto";
import path from "node:path";
import { TextDecoder } from "node:util";
import { parse as parseYaml } from "yaml";
import { DEFAULT_INGEST_LIMITS, type IngestLimits } from "../config/index.ts";
import { errorMessage, PayloadTooLargeError, ValidationError } from "../errors.ts";
import { measureInflatedStreams } from "./pdf-streams.ts";

export const DOCUMENT_FORMATS = ["markdown", "text", "html", "pdf"] as const;
export type DocumentFormat = (typeof DOCUMENT_FORMATS)[number];

/** Default upper bound for one document (configurable per knowledge base). */
export const DEFAULT_MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export interface FrontMatter {
  framework?: string;
  version?: string;
  title?: string;
}

/** A document as read from its bytes, before normalisation. */
export interface LoadedDocument {
  format: DocumentFormat;
  /** Raw text per page; one element without a page number for formats that have no pages. */
  pages: { page?: number; text: string }[];
  /** Markdown front matter (`framework`, `version`, `title`), when present. */
  meta: FrontMatter;
  bytes: number;
  /** sha256 of the bytes: an unchanged document is recognised by it. */
  contentHash: string;
}

export interface LoadOptions {
  /** File or upload name: used to pick the format and in messages. */
  source: string;
  format?: DocumentFormat;
  /** Character encoding of a text document when it is not UTF-8 (a WHATWG label such as `windows-1252`). */
  encoding?: string;
  maxBytes?: number;
  /** Bounds on what the bytes become (inflated PDF streams, pages, text); the defaults of src/config. */
  limits?: Partial<Omit<IngestLimits, "maxPassages">>;
}

export function sha256(data: Uint8Array | string): string {
  return createHash("sha256").update(data).digest("hex");
}

const EXTENSIONS: Record<string, DocumentFormat> = {
  ".md": "markdown",
  ".markdown": "markdown",
  ".mdown": "markdown",
  ".txt": "text",
  ".text": "text",
  ".html": "html",
  ".htm": "html",
  ".xhtml": "html",
  ".pdf": "pdf",
};

const isPdfBytes = (b: Uint8Array) =>
  b.length >= 5 && b[0] === 0x25 && b[1] === 0x50 && b[2] === 0x44 && b[3] === 0x46;

/** The format from the file extension, or from the content when the extension says nothing. */
export function detectFormat(source: string, bytes: Uint8Array): DocumentFormat {
  const ext = path.extname(source).toLowerCase();
  const byExt = EXTENSIONS[ext];
  if (byExt) return byExt;
  if (isPdfBytes(bytes)) return "pdf";
  const head = new TextDecoder("utf-8", { fatal: false })
    .decode(bytes.subarray(0, 2048))
    .trimStart()
    .toLowerCase();
  if (
    head.startsWith("<!doctype html") ||
    head.startsWith("<html") ||
    /<(body|h1|p)\b/.test(head.slice(0, 512))
  )
    return "html";
  if (head.startsWith("---\n") || /^#{1,6} /m.test(head)) return "markdown";
  return "text";
}

/**
 * Reads a document's bytes. Refuses, with one line that says what to do: empty input, more than `maxBytes`,
 * binary data, text in an encoding it cannot identify, a PDF that is not readable or has no text layer.
 */
export async function loadDocument(bytes: Uint8Array, options: LoadOptions): Promise<LoadedDocument> {
  const { source } = options;
  const maxBytes = options.maxBytes ?? DEFAULT_MAX_DOCUMENT_BYTES;
  if (bytes.length > maxBytes) throw tooLarge(source, bytes.length, maxBytes);
  if (bytes.length === 0) throw new ValidationError(`${source} is empty; nothing to ingest`);
  const format = options.format ?? detectFormat(source, bytes);
  const contentHash = sha256(bytes);
  const limits = { ...DEFAULT_INGEST_LIMITS, ...options.limits };
  if (format === "pdf") {
    const pages = await loadPdf(bytes, source, limits);
    return { format, pages, meta: {}, bytes: bytes.length, contentHash };
  }
  if (isPdfBytes(bytes)) {
    throw new ValidationError(`${source} is a PDF, not ${format}; name it .pdf or pass the pdf format`);
  }
  let text = decodeText(bytes, { source, encoding: options.encoding, html: format === "html" });
  if (text.length > limits.maxTextChars) throw tooMuchText(source, limits.maxTextChars);
  let meta: FrontMatter = {};
  if (format === "markdown") ({ meta, body: text } = splitFrontMatter(text, source));
  if (text.trim() === "") throw new ValidationError(`${source} has no text; nothing to ingest`);
  return { format, pages: [{ text }], meta, bytes: bytes.length, contentHash };
}

export function tooLarge(source: string, size: number, max: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `${source} is ${formatBytes(size)}, over the ${formatBytes(max)} limit for one document; split it or raise the limit`,
    { size, max },
  );
}

function tooMuchText(source: string, max: number): PayloadTooLargeError {
  return new PayloadTooLargeError(
    `${source} holds more than ${max} characters of text, the limit for one document ` +
      "(ENFORCEAI_INGEST_MAX_TEXT_CHARS); split it",
    { limit: "text-chars", max },
  );
}

export function formatBytes(n: number): string {
  if (n >= 1024 * 1024) return `${(n / (1024 * 1024)).toFixed(n % (1024 * 1024) === 0 ? 0 : 1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(n % 1024 === 0 ? 0 : 1)} KB`;
  return `${n} bytes`;
}

interface DecodeOptions {
  source: string;
  encoding?: string;
  /** Honour a `<meta charset>` declaration when the bytes are not UTF-8. */
  html?: boolean;
}

function decoderFor(label: string, source: string): TextDecoder {
  try {
    return new TextDecoder(label, { fatal: true });
  } catch {
    throw new ValidationError(
      `${source}: unknown encoding "${label}"; use a standard label such as utf-8, utf-16le or windows-1252`,
    );
  }
}

/** Bytes → string: an explicit encoding, a byte-order mark, UTF-8, or (HTML only) a declared charset. */
export function decodeText(bytes: Uint8Array, options: DecodeOptions): string {
  const { source } = options;
  if (options.encoding) {
    try {
      return decoderFor(options.encoding, source).decode(bytes);
    } catch (error) {
      if (error instanceof ValidationError) throw error;
      throw new ValidationError(`${source} is not valid ${options.encoding}: ${errorMessage(error)}`);
    }
  }
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return utf8(bytes.subarray(3), source);
  if (bytes[0] === 0xff && bytes[1] === 0xfe) return new TextDecoder("utf-16le").decode(bytes.subarray(2));
  if (bytes[0] === 0xfe && bytes[1] === 0xff) return new TextDecoder("utf-16be").decode(bytes.subarray(2));
  if (bytes.includes(0)) {
    throw new ValidationError(
      `${source} looks like a binary file (it contains NUL bytes); ingest Markdown, plain text, HTML or PDF`,
    );
  }
  let controls = 0;
  for (const b of bytes.subarray(0, 65536)) if (b < 0x09 || (b > 0x0d && b < 0x20 && b !== 0x1b)) controls++;
  if (controls / Math.min(bytes.length, 65536) > 0.05) {
    throw new ValidationError(
      `${source} looks like a binary file (${controls} control bytes); ingest Markdown, plain text, HTML or PDF`,
    );
  }
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    // not UTF-8: see below
  }
  if (options.html) {
    const head = new TextDecoder("latin1").decode(bytes.subarray(0, 4096));
    const declared = /<meta[^>]+charset\s*=\s*["']?([\w.:-]+)/i.exec(head)?.[1];
    if (declared && !/^utf-?8$/i.test(declared)) {
      try {
        return decoderFor(declared, source).decode(bytes);
      } catch (error) {
        if (error instanceof ValidationError) throw error;
        throw new ValidationError(`${source} declares charset ${declared} but is not valid ${declared}`);
      }
    }
  }
  const lossy = new TextDecoder("utf-8").decode(bytes);
  const bad = (lossy.match(/\uFFFD/g) ?? []).length;
  if (bad / lossy.length > 0.1) {
    throw new ValidationError(
      `${source} looks like a binary file (${Math.round((100 * bad) / lossy.length)}% of it is not text); ingest Markdown, plain text, HTML or PDF`,
    );
  }
  throw new ValidationError(
    `${source} is not UTF-8 and its encoding is unknown (${bad} invalid byte sequence${bad === 1 ? "" : "s"}); ` +
      "convert it to UTF-8 or pass its encoding (e.g. --encoding windows-1252)",
  );
}

function utf8(bytes: Uint8Array, source: string): string {
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new ValidationError(`${source} starts with a UTF-8 byte-order mark but is not valid UTF-8`);
  }
}

/** Splits `---\nYAML\n---` front matter from a Markdown body. */
export function splitFrontMatter(text: string, source: string): { meta: FrontMatter; body: string } {
  const m = /^\uFEFF?---[ \t]*\r?\n([\s\S]*?)\r?\n---[ \t]*(?:\r?\n|$)/.exec(text);
  if (!m) return { meta: {}, body: text };
  let raw: unknown;
  try {
    raw = parseYaml(m[1]!);
  } catch (error) {
    throw new ValidationError(
      `${source}: the front matter is not valid YAML: ${errorMessage(error).split("\n")[0]}`,
    );
  }
  const meta: FrontMatter = {};
  if (raw && typeof raw === "object") {
    const r = raw as Record<string, unknown>;
    for (const key of ["framework", "version", "title"] as const) {
      const v = r[key];
      if (typeof v === "string" || typeof v === "number") meta[key] = String(v);
    }
  }
  return { meta, body: text.slice(m[0].length) };
}

async function loadPdf(
  bytes: Uint8Array,
  source: string,
  limits: Omit<IngestLimits, "maxPassages">,
): Promise<{ page: number; text: string }[]> {
  if (!isPdfBytes(bytes)) throw new ValidationError(`${source} is not a PDF (it does not start with %PDF)`);
  measureInflatedStreams(bytes, source, limits.maxInflatedBytes);
  const { getDocumentProxy } = await import("unpdf");
  const out: { page: number; text: string }[] = [];
  try {
    // pdf.js may take ownership of the buffer it is given: hand it a copy
    const pdf = await getDocumentProxy(new Uint8Array(bytes));
    try {
      if (pdf.numPages > limits.maxPages) {
        throw new PayloadTooLargeError(
          `${source} has ${pdf.numPages} pages, over the limit of ${limits.maxPages} for one document ` +
            "(ENFORCEAI_INGEST_MAX_PAGES); split it",
          { limit: "pages", max: limits.maxPages, pages: pdf.numPages },
        );
      }
      // page by page, so that reading stops at the text limit instead of after the last page
      let chars = 0;
      for (let n = 1; n <= pdf.numPages; n++) {
        const page = await pdf.getPage(n);
        const content = await page.getTextContent();
        const text = content.items
          .map((item) => ("str" in item ? item.str + (item.hasEOL ? "\n" : "") : ""))
          .join("");
        page.cleanup();
        chars += text.length;
        if (chars > limits.maxTextChars) throw tooMuchText(source, limits.maxTextChars);
        out.push({ page: n, text });
      }
    } finally {
      await pdf.destroy().catch(() => {});
    }
  } catch (error) {
    if (error instanceof PayloadTooLargeError) throw error;
    const message = errorMessage(error);
    if (/password/i.test(message)) {
      throw new ValidationError(
        `${source} is a password-protected PDF; remove the password and ingest it again`,
      );
    }
    throw new ValidationError(`${source} is not a readable PDF: ${message.split("\n")[0]}`);
  }
  if (out.every((p) => p.text.trim() === "")) {
    throw new ValidationError(
      `${source} has no text layer (${out.length} page${out.length === 1 ? "" : "s"} of images, e.g. a scan); run OCR on it first`,
    );
  }
  return out;
}
