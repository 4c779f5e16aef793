import { randomBytes } from "node:crypto";
import type { KnowledgeIndex } from "../../src/knowledge/index-backend.ts";
import { createLocalEmbedder } from "../../src/knowledge/local-embedder.ts";
import { OpenSearchKnowledgeIndex } from "../../src/knowledge/opensearch-index.ts";
import type { Embedder } from "../../src/knowledge/types.ts";
import type { Store } from "../../src/store/index.ts";
import { requireService } from "../helpers/services.ts";
import { storeBackends } from "../helpers/stores.ts";

/** A local embedder that counts what it is asked to embed. */
export function countingEmbedder(inner: Embedder = createLocalEmbedder()) {
  const stats = { documentCalls: 0, texts: 0, queries: 0 };
  const embedder: Embedder = {
    id: inner.id,
    dimensions: inner.dimensions,
    async embedDocuments(texts) {
      stats.documentCalls++;
      stats.texts += texts.length;
      return inner.embedDocuments(texts);
    },
    async embedQuery(text) {
      stats.queries++;
      return inner.embedQuery(text);
    },
  };
  return { embedder, stats };
}

export interface IndexBackend {
  name: string;
  /** Opens a fresh, empty index (and the store it may live in). */
  open(): Promise<{ index: KnowledgeIndex; store?: Store; close(): Promise<void> }>;
}

export function uniqueAlias(): string {
  return `t-${randomBytes(5).toString("hex")}-knowledge`;
}

/**
 * Every index backend the behaviour suite runs on: PGlite (pgvector), PostgreSQL (no pgvector: real[] vectors
 * ranked in the application) and OpenSearch (BM25 + k-NN behind an alias). PostgreSQL and OpenSearch come from
 * the test services (required under CI=true).
 */
export function indexBackends(): IndexBackend[] {
  const out: IndexBackend[] = storeBackends().map((b) => ({
    name: b.name === "pglite" ? "pglite (pgvector)" : "postgres (real[])",
    async open() {
      const store = await b.open();
      return { index: store.knowledgeIndex, store, close: () => store.close() };
    },
  }));
  const url = requireService("opensearch");
  if (url) {
    out.push({
      name: "opensearch",
      async open() {
        const index = new OpenSearchKnowledgeIndex({ url, alias: uniqueAlias(), replicas: 0 });
        return {
          index,
          async close() {
            await index.destroy();
            await index.close();
          },
        };
      },
    });
  }
  return out;
}

/** A minimal PDF with one text line per entry on each page (Helvetica), with a correct xref table. */
export function makePdf(pages: string[][]): Uint8Array {
  const objs: string[] = [];
  const n = pages.length;
  objs.push("<< /Type /Catalog /Pages 2 0 R >>");
  objs.push(`<< /Type /Pages /Kids [${pages.map((_, i) => `${3 + i * 2} 0 R`).join(" ")}] /Count ${n} >>`);
  const fontId = 3 + n * 2;
  pages.forEach((lines, i) => {
    objs.push(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 ${fontId} 0 R >> >> /Contents ${4 + i * 2} 0 R >>`,
    );
    const esc = (s: string) => s.replace(/[\\()]/g, (c) => `\\${c}`);
    const content =
      lines.length === 0
        ? ""
        : `BT /F1 11 Tf 72 720 Td 14 TL ${lines.map((l) => `(${esc(l)}) Tj T*`).join(" ")} ET`;
    objs.push(`<< /Length ${content.length} >>\nstream\n${content}\nendstream`);
  });
  objs.push("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  let out = "%PDF-1.4\n";
  const offsets: number[] = [];
  objs.forEach((o, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${o}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objs.length + 1}\n0000000000 65535 f \n`;
  out += offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`).join("");
  out += `trailer\n<< /Size ${objs.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`;
  return new TextEncoder().encode(out);
}
