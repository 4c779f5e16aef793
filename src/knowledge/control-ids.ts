/**
 * Control identifiers as frameworks write them. Used by the chunker (a heading that starts with an id opens a
 * control's section) and by the deterministic control extractor.
 *
 * Recognised forms (each may carry parenthesised sub-parts, e.g. `AC-2(1)`, `164.312(a)(2)(iv)`):
 *   ISO/IEC 27001 Annex A   A.5.1, A.8.24
 *   SOC 2 TSC / PCI appx.   CC6.1, A1.2, PI1.1, P4.3, A3.2.1
 *   NIST / internal         AC-2, SC-28(1), REQ-12, POL-3.1
 *   GDPR                    Art. 32, Article 32(1)
 *   HIPAA (CFR sections)    164.312(a)(1), 164.308(a)(1)(ii)(A)
 *   numbered                1.2.3, 1.10, 12.10.1
 */
const SUB = String.raw`(?:\([A-Za-z0-9]{1,6}\))*`;

const ID_PATTERNS: readonly string[] = [
  // CFR-style section numbers (three digits, dot, three digits) with optional paragraph parts
  String.raw`\d{3}\.\d{3}${SUB}`,
  // GDPR-style articles
  String.raw`(?:Art\.|Article)\s?\d{1,3}${SUB}`,
  // ISO Annex A
  String.raw`A\.\d{1,2}(?:\.\d{1,3})*${SUB}`,
  // letter prefix + number + dotted parts (SOC 2 CC6.1, PCI appendix A3.2.1)
  String.raw`[A-Z]{1,3}\d{1,2}(?:\.\d{1,3})+${SUB}`,
  // PREFIX-number (NIST AC-2, REQ-12, POL-3.1)
  String.raw`[A-Z]{1,6}-\d{1,4}(?:\.\d{1,3})*${SUB}`,
  // dotted numbers (CIS 1.10, PCI 12.10.1)
  String.raw`\d{1,3}(?:\.\d{1,3})+${SUB}`,
];

const ID = `(?:${ID_PATTERNS.join("|")})`;

/** Words that may stand before an id in a heading: "Requirement 8.3.1", "Control A.5.1", "§ 164.312". */
const PREFIX = String.raw`(?:(?:Requirement|Req\.?|Control|Recommendation|Section|Criterion|§)\s*)?`;

/** `<id> <title>` at the start of a heading or a line; the title must start like a title, not a number. */
const HEADING = new RegExp(
  String.raw`^\s*${PREFIX}(${ID})(?:\s*[,/&]\s*(${ID}))?(?=[\s:.\-–—)]|$)[\s:.\-–—)]*(.*)$`,
);

export interface ControlHeading {
  /** The ids in the heading (usually one; "3.4.1, 3.5.1 ..." gives two). */
  ids: string[];
  /** The rest of the heading after the id(s). */
  title: string;
}

/** Normalises an id for comparison and storage: single spaces, "Article 32" → "Art. 32". */
export function normalizeControlId(id: string): string {
  return id
    .trim()
    .replace(/\s+/g, " ")
    .replace(/^Article\s?/, "Art. ")
    .replace(/^Art\.(?=\d)/, "Art. ");
}

/**
 * Parses a heading (Markdown heading text, or a line of a text/PDF document) that starts with a control id.
 * `strict` (for plain lines, which are not known to be headings) also requires a short title that starts with
 * a capital letter, so "1.2 million records were ..." is not taken for control 1.2.
 */
export function parseControlHeading(text: string, options: { strict?: boolean } = {}): ControlHeading | null {
  const m = HEADING.exec(text);
  if (!m) return null;
  const ids = [m[1], m[2]].filter((x): x is string => !!x).map(normalizeControlId);
  const title = (m[3] ?? "").trim();
  if (options.strict) {
    if (title.length < 3 || title.length > 160) return null;
    if (!/^[A-Z(“"']/.test(title)) return null;
    if (/[.;,]$/.test(title) && title.split(/\s+/).length > 14) return null;
  }
  return { ids, title };
}

/** Whether a string as a whole is a control id in one of the recognised forms. */
export function isControlId(text: string): boolean {
  return new RegExp(`^${ID}$`).test(text.trim());
}
