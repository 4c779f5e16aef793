/**
 * Text normalisation for ingestion: Unicode NFC, one kind of line break and space, no invisible characters,
 * and HTML reduced to Markdown-like text (headings stay headings, so the chunker can follow the structure).
 */

const LIGATURES: Record<string, string> = { ﬀ: "ff", ﬁ: "fi", ﬂ: "fl", ﬃ: "ffi", ﬄ: "ffl", ﬅ: "st", ﬆ: "st" };

/** NFC; LF line breaks; tabs and exotic spaces → space; zero-width and control characters removed. */
export function normalizeText(input: string): string {
  let s = input.normalize("NFC");
  s = s.replace(/^\uFEFF/, "");
  s = s.replace(/\r\n?/g, "\n").replace(/[\u2028\u2029\u0085]/g, "\n");
  s = s.replace(/[ﬀ-ﬆ]/g, (c) => LIGATURES[c] ?? c);
  // zero-width space/joiners, soft hyphen, word joiner, BOMs inside the text
  s = s.replace(/[\u200B-\u200D\u2060\u00AD\uFEFF]/g, "");
  // other control characters (keep \n)
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  s = s.replace(/[\u0000-\u0009\u000B-\u001F\u007F-\u009F]/g, (c) => (c === "\t" ? " " : ""));
  s = s.replace(/[\u00A0\u1680\u2000-\u200A\u202F\u205F\u3000]/g, " ");
  s = s
    .split("\n")
    .map((line) => line.replace(/ {2,}/g, (m, offset: number) => (offset === 0 ? m : " ")).trimEnd())
    .join("\n");
  s = s.replace(/\n{3,}/g, "\n\n");
  return s.trim();
}

/** Joins words a PDF hyphenated across a line break ("encryp-\ntion" → "encryption"). */
export function dehyphenate(text: string): string {
  return text.replace(/([a-z])-\n([a-z])/g, "$1$2");
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  ndash: "–",
  mdash: "—",
  hellip: "…",
  lsquo: "‘",
  rsquo: "’",
  ldquo: "“",
  rdquo: "”",
  sect: "§",
  para: "¶",
  copy: "©",
  reg: "®",
  trade: "™",
  bull: "•",
  middot: "·",
  rarr: "→",
  larr: "←",
  times: "×",
  shy: "",
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, body: string) => {
    if (body[0] === "#") {
      const code =
        body[1] === "x" || body[1] === "X"
          ? Number.parseInt(body.slice(2), 16)
          : Number.parseInt(body.slice(1), 10);
      if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff) return "";
      try {
        return String.fromCodePoint(code);
      } catch {
        return "";
      }
    }
    return NAMED_ENTITIES[body.toLowerCase()] ?? whole;
  });
}

export interface HtmlText {
  title?: string;
  /** Markdown-like text: `#` headings for h1–h6, `- ` for list items, blank lines between blocks. */
  text: string;
}

const BLOCK_TAGS =
  "p|div|section|article|header|footer|main|aside|nav|table|thead|tbody|tfoot|tr|ul|ol|dl|dt|dd|blockquote|pre|figure|figcaption|form|fieldset|address|hr";

/**
 * HTML → text. Scripts, styles, templates, comments and the head are dropped entirely (never indexed, never
 * shown); headings become `#` lines; other tags are removed; entities are decoded.
 */
export function htmlToText(html: string): HtmlText {
  let s = html;
  const titleMatch = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(s);
  const title = titleMatch ? collapse(decodeEntities(stripTags(titleMatch[1]!))) : undefined;
  s = s.replace(/<!--[\s\S]*?-->/g, " ");
  s = s.replace(/<!\[CDATA\[[\s\S]*?\]\]>/g, " ");
  s = s.replace(/<(script|style|noscript|template|svg|iframe|object|head)\b[\s\S]*?<\/\1\s*>/gi, " ");
  s = s.replace(/<(script|style|noscript|template)\b[^>]*\/?>/gi, " ");
  s = s.replace(/<!doctype[^>]*>/gi, " ");
  // source line breaks are not text line breaks in HTML; the tags below decide where lines end
  s = s.replace(/\s+/g, " ");
  s = s.replace(/<h([1-6])\b[^>]*>([\s\S]*?)<\/h\1\s*>/gi, (_m, level: string, inner: string) => {
    const text = collapse(decodeEntities(stripTags(inner)));
    return text ? `\n\n${"#".repeat(Number(level))} ${text}\n\n` : "\n\n";
  });
  s = s.replace(/<li\b[^>]*>/gi, "\n- ");
  s = s.replace(/<br\s*\/?>/gi, "\n");
  s = s.replace(/<(td|th)\b[^>]*>/gi, " ");
  s = s.replace(/<\/li\s*>/gi, "");
  s = s.replace(new RegExp(`</?(?:${BLOCK_TAGS})\\b[^>]*>`, "gi"), "\n\n");
  s = stripTags(s);
  s = decodeEntities(s);
  s = s
    .split("\n")
    .map((l) => l.replace(/ {2,}/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { title: title || undefined, text: s };
}

function stripTags(s: string): string {
  return s.replace(/<\/?[a-zA-Z][^>]*>/g, " ").replace(/<[!?][^>]*>/g, " ");
}

function collapse(s: string): string {
  return s.replace(/\s+/g, " ").trim();
}
