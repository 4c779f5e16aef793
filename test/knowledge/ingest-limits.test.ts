/**
 * Limits on what a document becomes once read (issue 17, item 9): a crafted PDF whose small FlateDecode content
 * stream inflates past the limit (a decompression bomb) is refused before pdf.js inflates it, with the reason on
 * the document and the process's memory bounded; the same for too many pages, too much text and too many
 * passages. Through the API the refusal is a 413 problem when it is known within the upload's wait.
 */
import { once } from "node:events";
import { createDeflate } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config/index.ts";
import { PayloadTooLargeError } from "../../src/errors.ts";
import { createKnowledge, type Knowledge } from "../../src/services/knowledge-base.ts";
import { documentIdFor } from "../../src/store/documents.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { startHarness } from "../api/harness.ts";

/** Deflates `repeat` copies of `unit` as a stream, so the inflated size never sits in memory here. */
async function deflateRepeated(unit: string, repeat: number): Promise<Buffer> {
  const deflate = createDeflate({ level: 9 });
  const out: Buffer[] = [];
  deflate.on("data", (b: Buffer) => out.push(b));
  const block = Buffer.from(unit.repeat(Math.ceil((1024 * 1024) / unit.length)));
  let written = 0;
  while (written < repeat * unit.length) {
    if (!deflate.write(block)) await once(deflate, "drain");
    written += block.length;
  }
  deflate.end();
  await once(deflate, "end");
  return Buffer.concat(out);
}

/** A well-formed PDF (with a correct xref table) whose pages' content streams are the given Flate data. */
function pdfWithPages(contents: Buffer[]): Buffer {
  const objects: Buffer[] = [];
  const kids = contents.map((_, i) => `${4 + i * 2} 0 R`).join(" ");
  objects.push(Buffer.from("<< /Type /Catalog /Pages 2 0 R >>"));
  objects.push(Buffer.from(`<< /Type /Pages /Kids [${kids}] /Count ${contents.length} >>`));
  objects.push(Buffer.from("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"));
  contents.forEach((data, i) => {
    objects.push(
      Buffer.from(
        `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 3 0 R >> >> /Contents ${5 + i * 2} 0 R >>`,
      ),
    );
    objects.push(
      Buffer.concat([
        Buffer.from(`<< /Length ${data.length} /Filter /FlateDecode >>\nstream\n`),
        data,
        Buffer.from("\nendstream"),
      ]),
    );
  });
  const parts: Buffer[] = [Buffer.from("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", "latin1")];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  objects.forEach((body, i) => {
    offsets.push(length);
    const obj = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from("\nendobj\n")]);
    parts.push(obj);
    length += obj.length;
  });
  const xref =
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("") +
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R >>\nstartxref\n${length}\n%%EOF\n`;
  parts.push(Buffer.from(xref));
  return Buffer.concat(parts);
}

const SHOW_TEXT = "BT /F1 10 Tf 72 700 Td (A.5.1 Access to information is restricted and reviewed.) Tj ET\n";

let store: Store;
let kb: Knowledge;

beforeAll(async () => {
  store = await openStore({ dataDir: "memory://" });
  kb = await createKnowledge({
    config: loadConfig({ ENFORCEAI_HOME: "/tmp/enforceai-limits-unused" }),
    store,
    autoIndexBundled: false,
    catalog: async () => ({ checks: [], builtinFrameworks: [] }),
  });
}, 60_000);

afterAll(async () => {
  await kb?.close();
  await store?.close();
});

describe("a crafted PDF that inflates past the limit", () => {
  it("is refused before it is inflated: status failed with the reason, memory bounded", async () => {
    // 256 MiB of text operators in a stream of under a megabyte
    const bomb = pdfWithPages([
      await deflateRepeated(SHOW_TEXT, Math.ceil((256 * 1024 * 1024) / SHOW_TEXT.length)),
    ]);
    expect(bomb.length).toBeLessThan(1024 * 1024);
    const before = process.memoryUsage().rss;
    let peak = before;
    const sampler = setInterval(() => {
      peak = Math.max(peak, process.memoryUsage().rss);
    }, 20);
    const started = performance.now();
    try {
      const error = await kb.ingestText("bomb.pdf", bomb, { framework: "acme-bomb" }).catch((e) => e);
      expect(error).toBeInstanceOf(PayloadTooLargeError);
      expect(error.message).toMatch(
        /bomb\.pdf inflates to more than 50\.0 MiB .*ENFORCEAI_INGEST_MAX_INFLATED_BYTES/,
      );
    } finally {
      clearInterval(sampler);
    }
    const ms = performance.now() - started;
    const grewMb = (peak - before) / (1024 * 1024);
    console.log(
      `pdf bomb: ${bomb.length} bytes refused in ${ms.toFixed(0)} ms; RSS grew ${grewMb.toFixed(0)} MB`,
    );
    // the ingest thread (its runtime and the 50 MiB of inflated data at most), not the 256 MiB and its text
    expect(grewMb).toBeLessThan(400);
    expect(ms).toBeLessThan(30_000);
    const doc = await kb.getDocument(documentIdFor("acme-bomb", "bomb.pdf"));
    expect(doc.status).toBe("failed");
    expect(doc.error).toMatch(/inflates to more than 50\.0 MiB/);
    expect(doc.chunkCount).toBe(0);
  }, 60_000);

  it("a PDF whose inflated content is within the limit is read as before", async () => {
    const pdf = pdfWithPages([await deflateRepeated(SHOW_TEXT, 3)]);
    const r = await kb.ingestText("fine.pdf", pdf, { framework: "acme-fine" });
    expect(r.document).toMatchObject({ status: "indexed", format: "pdf", pages: 1 });
    expect(r.chunks).toBeGreaterThan(0);
  }, 60_000);

  it("through the API: 413 problem, the reason stored on the document", async () => {
    const h = await startHarness(await openStore({ dataDir: "memory://" }));
    try {
      const bomb = pdfWithPages([
        await deflateRepeated(SHOW_TEXT, Math.ceil((128 * 1024 * 1024) / SHOW_TEXT.length)),
      ]);
      const form = new FormData();
      form.append("framework", "acme-bomb");
      form.append("file", new Blob([bomb], { type: "application/pdf" }), "bomb.pdf");
      const r = await h.call("POST", "/api/v1/documents", { role: "operator", raw: form });
      expect(r.status, r.text).toBe(413);
      expect(r.body.type).toBe("urn:enforceai:problem:payload-too-large");
      expect(r.body.detail).toMatch(/inflates to more than/);
      const doc = await h.call("GET", `/api/v1/documents/${documentIdFor("acme-bomb", "bomb.pdf")}`);
      expect(doc.body).toMatchObject({ status: "failed" });
      expect(doc.body.error).toMatch(/inflates to more than 50\.0 MiB/);
    } finally {
      await h.close();
    }
  }, 60_000);
});

describe("the other limits, configurable", () => {
  const limited = (limits: Record<string, number>) =>
    createKnowledge({
      config: loadConfig({ ENFORCEAI_HOME: "/tmp/enforceai-limits-unused" }),
      store,
      autoIndexBundled: false,
      limits,
      catalog: async () => ({ checks: [], builtinFrameworks: [] }),
    });

  it("come from the environment, with defaults", () => {
    expect(loadConfig({}).ingest).toEqual({
      maxInflatedBytes: 50 * 1024 * 1024,
      maxTextChars: 20 * 1024 * 1024,
      maxPages: 2000,
      maxPassages: 20_000,
    });
    const config = loadConfig({
      ENFORCEAI_INGEST_MAX_INFLATED_BYTES: "1000",
      ENFORCEAI_INGEST_MAX_TEXT_CHARS: "2000",
      ENFORCEAI_INGEST_MAX_PAGES: "3",
      ENFORCEAI_INGEST_MAX_PASSAGES: "4",
    });
    expect(config.ingest).toEqual({
      maxInflatedBytes: 1000,
      maxTextChars: 2000,
      maxPages: 3,
      maxPassages: 4,
    });
    expect(() => loadConfig({ ENFORCEAI_INGEST_MAX_PAGES: "many" })).toThrow(/ENFORCEAI_INGEST_MAX_PAGES/);
  });

  it("pages, text and passages: refused with the limit as the reason", async () => {
    const k = await limited({ maxPages: 2, maxTextChars: 5_000, maxPassages: 5 });
    try {
      const threePages = pdfWithPages(await Promise.all([1, 2, 3].map(() => deflateRepeated(SHOW_TEXT, 1))));
      const cases: [string, Uint8Array | string, RegExp][] = [
        ["pages.pdf", threePages, /has 3 pages, over the limit of 2 .*ENFORCEAI_INGEST_MAX_PAGES/],
        ["text.md", `# Long\n\n${"word ".repeat(2_000)}`, /more than 5000 characters .*MAX_TEXT_CHARS/],
        [
          "passages.md",
          Array.from(
            { length: 8 },
            (_, i) => `## C-${i + 1} Control ${i + 1}\nText of control ${i + 1}.`,
          ).join("\n\n"),
          /makes more than 5 passages.*ENFORCEAI_INGEST_MAX_PASSAGES/,
        ],
      ];
      for (const [source, content, reason] of cases) {
        const error = await k.ingestText(source, content, { framework: "acme-limits" }).catch((e) => e);
        expect(error, source).toBeInstanceOf(PayloadTooLargeError);
        expect(error.message).toMatch(reason);
        const doc = await k.getDocument(documentIdFor("acme-limits", source));
        expect(doc.status, source).toBe("failed");
        expect(doc.error).toMatch(reason);
      }
    } finally {
      await k.close();
    }
  }, 60_000);
});
