import { PayloadTooLargeError } from "../errors.ts";
import { isControlId, parseControlHeading } from "./control-ids.ts";
import type { DocumentFormat } from "./loaders.ts";
import { sha256 } from "./loaders.ts";

/** A chunk before it is stored: what it says, and where in the document it sits. */
export interface ChunkDraft {
  index: number;
  /** Starts with the section's heading line (so a control's chunk always begins with its id). */
  text: string;
  /** The control the chunk belongs to (the most specific one), or null for text outside any control. */
  controlId: string | null;
  /** The chunk's control and the controls above it in the heading structure. */
  controlIds: string[];
  /** Heading path, outermost first, joined with " > ". */
  section: string;
  /** First page the chunk's text comes from (PDF). */
  page?: number;
  /** sha256 of `text`. */
  contentHash: string;
}

export interface ChunkOptions {
  /** Upper bound on a chunk's length in characters (heading included). Default 2000. */
  maxChars?: number;
  /** How much of the previous piece a continuation chunk repeats. Default 200. */
  overlapChars?: number;
}

export const DEFAULT_CHUNK_OPTIONS: Required<ChunkOptions> = { maxChars: 2000, overlapChars: 200 };

/** Bump when the chunking changes: documents indexed by an older chunker are then indexed again. */
export const CHUNKER_VERSION = 1;

interface Line {
  text: string;
  page?: number;
}

interface Section {
  /** Heading texts from the outermost heading to this section's own. */
  path: string[];
  /** The heading as it appears in the document (with its `#` marks), or "" for text before any heading. */
  heading: string;
  controlIds: string[];
  inheritedControlIds: string[];
  body: Line[];
  page?: number;
  hasChildren: boolean;
}

const MD_HEADING = /^(#{1,6})[ \t]+(.+?)[ \t]*#*[ \t]*$/;
const BOLD_LINE = /^\*\*([^*]+)\*\*$/;
/** Level given to control-id lines in text and PDF: below every Markdown heading, siblings of each other. */
const CONTROL_LINE_LEVEL = 7;

/**
 * Splits a normalised document along its structure. Markdown (and HTML, converted to Markdown-like text)
 * headings open sections; in text and PDF documents, a line that starts with a recognisable control id and a
 * title does too. Each section becomes one chunk, or several when it is longer than `maxChars`; every
 * continuation repeats the heading line and overlaps the previous piece, so a control id is never separated
 * from its text.
 */
export function chunkDocument(
  doc: { format: DocumentFormat; pages: { page?: number; text: string }[] },
  options: ChunkOptions = {},
  /** Refuses the document, as soon as it is known, when it makes more passages than this. */
  limit: { maxChunks: number; source: string } = {
    maxChunks: Number.POSITIVE_INFINITY,
    source: "the document",
  },
): ChunkDraft[] {
  const opts = { ...DEFAULT_CHUNK_OPTIONS, ...options };
  if (opts.maxChars < 200) throw new Error("maxChars must be at least 200");
  if (opts.overlapChars < 0 || opts.overlapChars > opts.maxChars / 4) {
    throw new Error("overlapChars must be between 0 and a quarter of maxChars");
  }
  const sections = parseSections(doc.format, toLines(doc.pages));
  const drafts: Omit<ChunkDraft, "index" | "contentHash">[] = [];
  for (const s of sections) {
    const bodyText = s.body
      .map((l) => l.text)
      .join("\n")
      .trim();
    if (!bodyText) {
      // an empty preamble, a heading whose text is its children's, or a bare heading without a control id;
      // a control heading without text is kept, so its id is still found
      if (!s.heading || s.hasChildren || s.controlIds.length === 0) continue;
    }
    const controlIds = unique([...s.controlIds, ...s.inheritedControlIds]);
    const controlId = s.controlIds[0] ?? s.inheritedControlIds[0] ?? null;
    const base = { controlId, controlIds, section: s.path.join(" > ") };
    for (const piece of splitSection(s, opts)) drafts.push({ ...base, ...piece });
    if (drafts.length > limit.maxChunks) {
      throw new PayloadTooLargeError(
        `${limit.source} makes more than ${limit.maxChunks} passages, the limit for one document ` +
          "(ENFORCEAI_INGEST_MAX_PASSAGES); split it",
        { limit: "passages", max: limit.maxChunks },
      );
    }
  }
  return drafts.map((d, index) => ({ ...d, index, contentHash: sha256(d.text) }));
}

function toLines(pages: { page?: number; text: string }[]): Line[] {
  const lines: Line[] = [];
  for (const p of pages) for (const text of p.text.split("\n")) lines.push({ text, page: p.page });
  return lines;
}

function parseSections(format: DocumentFormat, lines: Line[]): Section[] {
  const controlLines = format === "text" || format === "pdf";
  const sections: Section[] = [];
  const stack: { level: number; title: string; controlIds: string[]; section: Section }[] = [];
  let current: Section = {
    path: [],
    heading: "",
    controlIds: [],
    inheritedControlIds: [],
    body: [],
    hasChildren: false,
  };
  sections.push(current);
  let fence = false;

  const open = (level: number, title: string, heading: string, page?: number) => {
    while (stack.length > 0 && stack[stack.length - 1]!.level >= level) stack.pop();
    const parsed = parseControlHeading(title);
    const ids = parsed?.ids ?? [];
    const inherited = unique(stack.flatMap((s) => s.controlIds)).filter((id) => !ids.includes(id));
    const parent = stack[stack.length - 1];
    if (parent) parent.section.hasChildren = true;
    current = {
      path: [...stack.map((s) => s.title), title],
      heading,
      controlIds: ids,
      inheritedControlIds: inherited,
      body: [],
      page,
      hasChildren: false,
    };
    stack.push({ level, title, controlIds: ids, section: current });
    sections.push(current);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    const t = line.text.trim();
    if (/^(```|~~~)/.test(t)) fence = !fence;
    if (!fence) {
      const md = MD_HEADING.exec(t);
      if (md) {
        open(md[1]!.length, md[2]!.trim(), t, line.page);
        continue;
      }
      const bold = BOLD_LINE.exec(t);
      if (bold && parseControlHeading(bold[1]!, { strict: true })) {
        open(CONTROL_LINE_LEVEL, bold[1]!.trim(), t, line.page);
        continue;
      }
      if (controlLines && t) {
        if (parseControlHeading(t, { strict: true })) {
          open(CONTROL_LINE_LEVEL, t, t, line.page);
          continue;
        }
        // a PDF often puts the id on a line of its own, with the title on the next line
        if (isControlId(t)) {
          const next = lines[i + 1]?.text.trim() ?? "";
          const merged = `${t} ${next}`;
          if (next && parseControlHeading(merged, { strict: true })) {
            open(CONTROL_LINE_LEVEL, merged, merged, line.page);
            i++;
            continue;
          }
        }
      }
    }
    if (current.body.length === 0 && current.page === undefined && t) current.page = line.page;
    current.body.push(line);
  }
  return sections;
}

interface Unit {
  text: string;
  page?: number;
  /** Joined to the previous unit with a blank line (paragraph) or a space (sentence, words). */
  joiner: "\n\n" | " " | "\n";
}

function splitSection(s: Section, opts: Required<ChunkOptions>): { text: string; page?: number }[] {
  const heading = s.heading;
  const units = paragraphs(s.body);
  const whole = join(heading, units);
  if (whole.length <= opts.maxChars) return [{ text: whole, page: units[0]?.page ?? s.page }];

  // every piece starts with the heading; a heading longer than a quarter of the limit is shortened there and
  // its full text becomes the first unit of the body
  const long = heading.length > opts.maxChars / 4;
  const prefix = long ? `${heading.slice(0, Math.floor(opts.maxChars / 4) - 1)}…` : heading;
  const budget = opts.maxChars - (prefix ? prefix.length + 2 : 0);
  const all: Unit[] = long ? [{ text: heading, page: s.page, joiner: "\n\n" }, ...units] : units;
  const fine = all.flatMap((u) => refine(u, budget - opts.overlapChars - 1));
  const pieces: { units: Unit[]; overlap: string }[] = [];
  let currentUnits: Unit[] = [];
  let overlap = "";
  let size = 0;
  for (const u of fine) {
    const add = (currentUnits.length === 0 ? 0 : u.joiner.length) + u.text.length;
    const room = budget - (overlap ? overlap.length + 1 : 0);
    if (currentUnits.length > 0 && size + add > room) {
      pieces.push({ units: currentUnits, overlap });
      overlap = tail(currentUnits, opts.overlapChars);
      currentUnits = [];
      size = 0;
    }
    currentUnits.push(u);
    size += add;
  }
  if (currentUnits.length > 0) pieces.push({ units: currentUnits, overlap });
  return pieces.map((p) => {
    const body = joinUnits(p.units);
    const text = [prefix, p.overlap ? `${p.overlap} ${body}` : body].filter(Boolean).join("\n\n");
    return { text, page: p.units.find((u) => u.page !== undefined)?.page ?? s.page };
  });
}

function paragraphs(body: Line[]): Unit[] {
  const out: Unit[] = [];
  let buf: Line[] = [];
  const flush = () => {
    const text = buf
      .map((l) => l.text)
      .join("\n")
      .trim();
    if (text) out.push({ text, page: buf.find((l) => l.text.trim())?.page, joiner: "\n\n" });
    buf = [];
  };
  for (const l of body) {
    if (l.text.trim() === "") flush();
    else buf.push(l);
  }
  flush();
  return out;
}

/** Splits a unit longer than `max` into sentences, then words, then characters. */
function refine(u: Unit, max: number): Unit[] {
  if (u.text.length <= max) return [u];
  const sentences = u.text.split(/(?<=[.!?;:])\s+(?=\S)|\n+/);
  if (sentences.length > 1) {
    return sentences.flatMap((text, i) =>
      refine({ text, page: u.page, joiner: i === 0 ? u.joiner : " " }, max),
    );
  }
  const words = u.text.split(/\s+/);
  const out: Unit[] = [];
  let buf = "";
  for (const w of words) {
    if (w.length > max) {
      if (buf) out.push({ text: buf, page: u.page, joiner: " " });
      buf = "";
      for (let i = 0; i < w.length; i += max)
        out.push({ text: w.slice(i, i + max), page: u.page, joiner: " " });
      continue;
    }
    if (buf && buf.length + 1 + w.length > max) {
      out.push({ text: buf, page: u.page, joiner: " " });
      buf = w;
    } else buf = buf ? `${buf} ${w}` : w;
  }
  if (buf) out.push({ text: buf, page: u.page, joiner: " " });
  if (out[0]) out[0].joiner = u.joiner;
  return out;
}

/** The end of a piece, at most `max` characters, starting at a sentence or at least a word boundary. */
function tail(units: Unit[], max: number): string {
  if (max === 0) return "";
  const text = joinUnits(units);
  if (text.length <= max) return text;
  const cut = text.slice(text.length - max);
  const sentence = cut.search(/(?<=[.!?;:])\s+\S/);
  if (sentence >= 0) return cut.slice(sentence).trim();
  const space = cut.indexOf(" ");
  return (space >= 0 ? cut.slice(space + 1) : cut).trim();
}

function joinUnits(units: Unit[]): string {
  return units.map((u, i) => (i === 0 ? u.text : u.joiner + u.text)).join("");
}

function join(heading: string, units: Unit[]): string {
  const body = joinUnits(units);
  return [heading, body].filter(Boolean).join("\n\n");
}

function unique<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}

/** A section of a document as the chunker sees it (used by the deterministic control extractor). */
export interface DocumentSection {
  path: string[];
  /** The heading text without `#` marks. */
  heading: string;
  controlIds: string[];
  body: string;
  page?: number;
}

export function documentSections(doc: {
  format: DocumentFormat;
  pages: { page?: number; text: string }[];
}): DocumentSection[] {
  return parseSections(doc.format, toLines(doc.pages)).map((s) => ({
    path: s.path,
    heading: s.path[s.path.length - 1] ?? "",
    controlIds: s.controlIds,
    body: s.body
      .map((l) => l.text)
      .join("\n")
      .trim(),
    page: s.page,
  }));
}
