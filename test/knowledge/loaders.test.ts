import { describe, expect, it } from "vitest";
import { PayloadTooLargeError, ValidationError } from "../../src/errors.ts";
import { decodeText, detectFormat, loadDocument } from "../../src/knowledge/loaders.ts";
import { htmlToText, normalizeText } from "../../src/knowledge/normalize.ts";
import { makePdf } from "./helpers.ts";

const enc = (s: string) => new TextEncoder().encode(s);

describe("loaders", () => {
  it("reads Markdown with front matter", async () => {
    const doc = await loadDocument(
      enc('---\nframework: acme\nversion: "2.1"\ntitle: Acme\n---\n# Acme\n\n## AC-1 Text\n'),
      {
        source: "acme.md",
      },
    );
    expect(doc.format).toBe("markdown");
    expect(doc.meta).toEqual({ framework: "acme", version: "2.1", title: "Acme" });
    expect(doc.pages).toEqual([{ text: "# Acme\n\n## AC-1 Text\n" }]);
    expect(doc.contentHash).toMatch(/^[0-9a-f]{64}$/);
  });

  it("reads plain text, UTF-8 with a BOM and UTF-16 with a BOM", async () => {
    expect((await loadDocument(enc("AC-1 Policy\nText."), { source: "p.txt" })).pages[0]!.text).toBe(
      "AC-1 Policy\nText.",
    );
    const bom = new Uint8Array([0xef, 0xbb, 0xbf, ...enc("Café")]);
    expect((await loadDocument(bom, { source: "p.txt" })).pages[0]!.text).toBe("Café");
    const utf16 = new Uint8Array([0xff, 0xfe, ...Buffer.from("Zoë", "utf16le")]);
    expect((await loadDocument(utf16, { source: "p.txt" })).pages[0]!.text).toBe("Zoë");
  });

  it("reads HTML; scripts, styles and comments never reach the text", () => {
    const html = `<!doctype html><html><head><title>Acme &amp; Co</title><style>h1{color:red}</style>
      <script>alert("x")</script></head><body><h1>Acme policy</h1><!-- secret -->
      <h2>AC-2 Account
      management</h2><p>Accounts are <b>reviewed</b>&nbsp;quarterly.</p><ul><li>one</li><li>two</li></ul>
      <script type="text/javascript">document.write("evil")</script></body></html>`;
    const { title, text } = htmlToText(html);
    expect(title).toBe("Acme & Co");
    expect(text).toBe(
      "# Acme policy\n\n## AC-2 Account management\n\nAccounts are reviewed quarterly.\n\n- one\n- two",
    );
    expect(text).not.toMatch(/alert|evil|secret|color/);
  });

  it("reads a PDF page by page", async () => {
    const pdf = makePdf([
      ["A.5.1 Policies for information security", "Management approves policies."],
      ["A.8.24 Use of cryptography"],
    ]);
    const doc = await loadDocument(pdf, { source: "iso.pdf" });
    expect(doc.format).toBe("pdf");
    expect(doc.pages).toEqual([
      { page: 1, text: "A.5.1 Policies for information security\nManagement approves policies." },
      { page: 2, text: "A.8.24 Use of cryptography" },
    ]);
  });

  it("detects formats from the extension, then the content", () => {
    expect(detectFormat("a.md", enc("x"))).toBe("markdown");
    expect(detectFormat("a.HTM", enc("x"))).toBe("html");
    expect(detectFormat("a.txt", enc("# x"))).toBe("text");
    expect(detectFormat("upload", makePdf([["x"]]))).toBe("pdf");
    expect(detectFormat("upload", enc("<!DOCTYPE html><p>x"))).toBe("html");
    expect(detectFormat("upload", enc("# Title\n\ntext"))).toBe("markdown");
    expect(detectFormat("upload", enc("just text"))).toBe("text");
  });

  it("normalises: NFC, line breaks, invisible characters, spaces", () => {
    const raw = "Cafe\u0301\r\nline\u00a0two\u200b\ttab\u0007\n\n\n\nend  ";
    expect(normalizeText(raw)).toBe("Café\nline two tab\n\nend");
    expect(normalizeText("ﬁle")).toBe("file");
  });
});

describe("bad input gets one clear line", () => {
  const cases: [
    string,
    Uint8Array,
    { source: string; maxBytes?: number; encoding?: string },
    RegExp,
    new (...args: never[]) => Error,
  ][] = [
    [
      "empty",
      new Uint8Array(),
      { source: "empty.md" },
      /^empty\.md is empty; nothing to ingest$/,
      ValidationError,
    ],
    ["whitespace only", enc("  \n\n  "), { source: "blank.txt" }, /has no text/, ValidationError],
    [
      "binary with NUL bytes",
      new Uint8Array([0x7f, 0x45, 0x4c, 0x46, 0, 1, 2, 0, 0, 0]),
      { source: "a.out.txt" },
      /looks like a binary file \(it contains NUL bytes\)/,
      ValidationError,
    ],
    [
      "binary without NUL bytes",
      new Uint8Array(Array.from({ length: 400 }, (_, i) => 0x80 + ((i * 37) % 0x7f))),
      { source: "blob.txt" },
      /looks like a binary file/,
      ValidationError,
    ],
    [
      "unknown encoding (Latin-1 bytes, no declaration)",
      new Uint8Array([
        ...enc("Politique de s"),
        0xe9,
        ...enc("curit"),
        0xe9,
        ...enc(" des donn"),
        0xe9,
        ...enc("es personnelles"),
      ]),
      { source: "fr.txt" },
      /is not UTF-8 and its encoding is unknown \(3 invalid byte sequences\); convert it to UTF-8 or pass its encoding/,
      ValidationError,
    ],
    [
      "an encoding label nobody knows",
      enc("x"),
      { source: "x.txt", encoding: "klingon-8" },
      /unknown encoding "klingon-8"/,
      ValidationError,
    ],
    [
      "over the size limit",
      enc("x".repeat(2048)),
      { source: "big.md", maxBytes: 1024 },
      /is 2 KB, over the 1 KB limit/,
      PayloadTooLargeError,
    ],
    [
      "a PDF without a text layer",
      makePdf([[], []]),
      { source: "scan.pdf" },
      /scan\.pdf has no text layer \(2 pages of images, e\.g\. a scan\); run OCR on it first/,
      ValidationError,
    ],
    [
      "a broken PDF",
      enc("%PDF-1.4\ngarbage"),
      { source: "broken.pdf" },
      /broken\.pdf is not a readable PDF/,
      ValidationError,
    ],
    [
      "a .pdf that is not a PDF",
      enc("hello"),
      { source: "fake.pdf" },
      /fake\.pdf is not a PDF/,
      ValidationError,
    ],
  ];
  it.each(cases)("%s", async (_name, bytes, options, message, kind) => {
    const error = await loadDocument(bytes, options).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(kind);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain("\n");
  });

  it("decodes a declared charset in HTML, and an explicit encoding", () => {
    const latin = new Uint8Array([
      ...enc('<meta charset="windows-1252"><p>S'),
      0xe9,
      ...enc("curit"),
      0xe9,
      ...enc("</p>"),
    ]);
    expect(decodeText(latin, { source: "fr.html", html: true })).toContain("Sécurité");
    const plain = new Uint8Array([...enc("S"), 0xe9, ...enc("curit"), 0xe9]);
    expect(decodeText(plain, { source: "fr.txt", encoding: "windows-1252" })).toBe("Sécurité");
  });
});
