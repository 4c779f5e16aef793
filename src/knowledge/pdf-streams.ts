import { inflateSync, constants as zlib } from "node:zlib";
import { PayloadTooLargeError } from "../errors.ts";

/**
 * What a PDF's Flate-compressed streams come to once inflated, measured before pdf.js reads them: pdf.js
 * inflates a content stream whole and has no bound of its own, so a 700 KB file can become gigabytes of text
 * operators (a decompression bomb). Every stream the text extraction may decode counts: page and form content,
 * fonts, object streams. Images do not (text extraction never decodes them, and a picture-heavy manual would
 * otherwise be refused for its photographs).
 *
 * Throws a PayloadTooLargeError as soon as the total passes `max`; no stream is inflated to more than what is
 * left of the budget, so the measurement itself stays within `max` bytes of memory.
 */
export function measureInflatedStreams(bytes: Uint8Array, source: string, max: number): number {
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // latin1 maps byte n to char n, so string offsets are byte offsets
  const text = buffer.toString("latin1");
  let total = 0;
  let from = 0;
  for (;;) {
    const keyword = text.indexOf("stream", from);
    if (keyword < 0) break;
    from = keyword + 6;
    // `endstream` contains `stream`; a stream's data starts after `stream` and one end of line
    if (text.startsWith("end", keyword - 3)) continue;
    let start = keyword + 6;
    if (text[start] === "\r") start++;
    if (text[start] === "\n") start++;
    else if (start === keyword + 6) continue;
    const end = text.indexOf("endstream", start);
    if (end < 0) break;
    from = end + 9;
    const dictionary = text.slice(Math.max(text.lastIndexOf("obj", keyword), keyword - 4096), keyword);
    if (/\/Subtype\s*\/Image\b/.test(dictionary)) continue;
    if (!firstFilterIsFlate(dictionary)) continue;
    const left = max - total;
    try {
      total += inflateSync(buffer.subarray(start, end), {
        maxOutputLength: Math.max(1, left),
        // a stream cut short (or followed by an end of line) still counts what it inflates to
        finishFlush: zlib.Z_SYNC_FLUSH,
      }).length;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE") total = max + 1;
      // anything else is data zlib cannot read; pdf.js will not inflate it either
    }
    if (total > max) {
      throw new PayloadTooLargeError(
        `${source} inflates to more than ${(max / (1024 * 1024)).toFixed(1)} MiB of compressed PDF content (the limit for one ` +
          "document, ENFORCEAI_INGEST_MAX_INFLATED_BYTES); it is refused as a possible decompression bomb",
        { limit: "inflated-bytes", max },
      );
    }
  }
  return total;
}

/** `/Filter /FlateDecode` or `/Filter [/FlateDecode …]` (also the abbreviation `/Fl`). */
function firstFilterIsFlate(dictionary: string): boolean {
  const m = /\/Filter\s*(\[\s*)?\/(\w+)/.exec(dictionary);
  return m !== null && (m[2] === "FlateDecode" || m[2] === "Fl");
}
