import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  candidateCount,
  type IndexedChunk,
  type IndexQuery,
  type KnowledgeIndex,
  reciprocalRankFusion,
} from "../../src/knowledge/index-backend.ts";
import { sha256 } from "../../src/knowledge/loaders.ts";
import { createLocalEmbedder } from "../../src/knowledge/local-embedder.ts";
import { OpenSearchKnowledgeIndex } from "../../src/knowledge/opensearch-index.ts";
import type { Passage } from "../../src/knowledge/types.ts";
import { indexBackends } from "./helpers.ts";

const embedder = createLocalEmbedder();

const DOCS: Record<string, { framework: string; version: string; chunks: [string | null, string][] }> = {
  "doc-cis": {
    framework: "cis",
    version: "3.0",
    chunks: [
      [null, "# CIS benchmark\n\nA baseline of account settings."],
      ["1.4", "## 1.4 Root user has no access keys\n\nThe root user must not have access keys; delete them."],
      ["1.8", "## 1.8 Password length\n\nThe IAM password policy requires at least 14 characters."],
      [
        "1.10",
        "## 1.10 Console users have MFA\n\nEvery IAM user with a console password has multi-factor authentication.",
      ],
      [
        "2.1.1",
        "## 2.1.1 S3 buckets are encrypted\n\nDefault encryption with KMS keys protects stored objects.",
      ],
    ],
  },
  "doc-pci": {
    framework: "pci",
    version: "4.0",
    chunks: [
      [
        "8.4.1",
        "## 8.4.1 MFA for administrators\n\nMulti-factor authentication for all administrative access to the card data environment.",
      ],
      [
        "10.5.1",
        "## 10.5.1 Audit log retention\n\nAudit logs are kept for at least twelve months, three months immediately available.",
      ],
      [
        "3.5.1",
        "## 3.5.1 Stored card numbers are unreadable\n\nPAN is rendered unreadable with strong cryptography wherever it is stored.",
      ],
    ],
  },
  "doc-pci-3": {
    framework: "pci",
    version: "3.2.1",
    chunks: [
      ["8.3", "## 8.3 MFA for remote access\n\nMulti-factor authentication for remote network access."],
    ],
  },
};

async function chunksOf(documentId: string, source = `${documentId}.md`): Promise<IndexedChunk[]> {
  const d = DOCS[documentId]!;
  const vectors = await embedder.embedDocuments(d.chunks.map(([, text]) => text));
  return d.chunks.map(([controlId, text], i) => ({
    id: `${documentId}:${i}:${sha256(text).slice(0, 8)}`,
    documentId,
    chunkIndex: i,
    framework: d.framework,
    version: d.version,
    controlId,
    controlIds: controlId ? [controlId] : [],
    section: text.split("\n")[0]!.replace(/^#+ /, ""),
    page: documentId === "doc-pci" ? i + 1 : null,
    source,
    contentHash: sha256(text),
    text,
    embeddingModel: embedder.id,
    embedding: vectors[i]!,
  }));
}

async function query(text: string, extra: Partial<IndexQuery> = {}): Promise<IndexQuery> {
  return {
    text,
    vector: await embedder.embedQuery(text),
    embeddingModel: embedder.id,
    k: 5,
    mode: "hybrid",
    ...extra,
  };
}

const ids = (ps: Passage[]) => ps.map((p) => p.controlId);

describe("reciprocal rank fusion", () => {
  const p = (id: string): Passage => ({
    id,
    framework: "f",
    version: "1",
    controlId: id,
    score: 0,
    text: id,
    source: "s",
    location: {},
  });

  it("ranks items found by both lists above items found by one, deterministically", () => {
    const fused = reciprocalRankFusion(
      [
        [p("a"), p("b"), p("c")],
        [p("d"), p("b"), p("a")],
      ],
      10,
    );
    expect(fused.map((x) => x.id)).toEqual(["a", "b", "d", "c"]);
    expect(fused[0]!.score).toBeCloseTo(1 / 61 + 1 / 63, 6);
    expect(reciprocalRankFusion([[p("x")], [p("y")]], 10).map((x) => x.id)).toEqual(["x", "y"]);
    expect(reciprocalRankFusion([[p("a"), p("b")]], 1)).toHaveLength(1);
  });
});

describe.each(indexBackends().map((b) => [b.name, b] as const))("knowledge index on %s", (_name, backend) => {
  let index: KnowledgeIndex;
  let close: () => Promise<void>;

  beforeAll(async () => {
    const opened = await backend.open();
    index = opened.index;
    close = opened.close;
    const first = await index.ensure({ model: embedder.id, dimensions: embedder.dimensions });
    const again = await index.ensure({ model: embedder.id, dimensions: embedder.dimensions });
    expect(again.created).toBe(false);
    if (index.kind === "opensearch") expect(first.embeddingModel).toBe(embedder.id);
    for (const id of Object.keys(DOCS)) await index.replaceDocument(id, await chunksOf(id));
  });

  afterAll(async () => {
    await close?.();
  });

  it("stores every chunk", async () => {
    expect(await index.count()).toBe(9);
    expect(await index.count("doc-pci")).toBe(3);
  });

  it("finds a passage by its words (BM25), by its meaning's vector, and by both", async () => {
    for (const mode of ["bm25", "vector", "hybrid"] as const) {
      const res = await index.search(await query("does the root user have access keys", { mode }));
      expect(res[0]!.controlId, mode).toBe("1.4");
      expect(res[0]).toMatchObject({ framework: "cis", version: "3.0", source: "doc-cis.md" });
      expect(res[0]!.location.section).toBe("1.4 Root user has no access keys");
      expect(res[0]!.text).toContain("The root user must not have access keys");
    }
  });

  it("returns passages best first with their page", async () => {
    const res = await index.search(await query("how long are audit logs retained", { k: 3 }));
    expect(res[0]).toMatchObject({ controlId: "10.5.1", location: { page: 2 } });
    for (let i = 1; i < res.length; i++) expect(res[i - 1]!.score).toBeGreaterThanOrEqual(res[i]!.score);
  });

  it("gives at most k passages", async () => {
    for (const mode of ["bm25", "vector", "hybrid"] as const) {
      expect(
        (await index.search(await query("multi-factor authentication", { mode, k: 2 }))).length,
        mode,
      ).toBe(2);
      expect(
        (await index.search(await query("multi-factor authentication", { mode, k: 50 }))).length,
      ).toBeLessThanOrEqual(9);
    }
  });

  it("filters by framework, version and control, in every mode", async () => {
    for (const mode of ["bm25", "vector", "hybrid"] as const) {
      const q = "multi-factor authentication";
      const pci = await index.search(await query(q, { mode, frameworks: ["pci"], k: 10 }));
      expect(pci.length).toBeGreaterThan(0);
      expect(
        pci.every((p) => p.framework === "pci"),
        mode,
      ).toBe(true);
      const v4 = await index.search(await query(q, { mode, frameworks: ["pci"], version: "4.0", k: 10 }));
      expect(v4.every((p) => p.version === "4.0")).toBe(true);
      expect(ids(v4)).not.toContain("8.3");
      const one = await index.search(await query(q, { mode, controlIds: ["1.10", "8.3"], k: 10 }));
      expect(ids(one).sort()).toEqual(["1.10", "8.3"]);
      expect(await index.search(await query(q, { mode, frameworks: ["nope"] }))).toEqual([]);
    }
  });

  it("fuses the BM25 and vector lists by reciprocal rank", async () => {
    for (const text of ["mfa for admins", "encrypted storage of card numbers", "password policy length"]) {
      const n = candidateCount(5);
      const bm25 = await index.search(await query(text, { mode: "bm25", k: n }));
      const vector = await index.search(await query(text, { mode: "vector", k: n }));
      const hybrid = await index.search(await query(text, { mode: "hybrid", k: 5 }));
      const expected = reciprocalRankFusion([bm25, vector], 5);
      expect(
        hybrid.map((p) => p.id),
        text,
      ).toEqual(expected.map((p) => p.id));
      expect(hybrid.map((p) => p.score)).toEqual(expected.map((p) => p.score));
    }
  });

  it("returns stored embeddings by content hash (no re-embedding of unchanged chunks)", async () => {
    const chunks = await chunksOf("doc-cis");
    const found = await index.lookupEmbeddings([chunks[1]!.contentHash, "0".repeat(64)], embedder.id);
    expect([...found.keys()]).toEqual([chunks[1]!.contentHash]);
    expect(found.get(chunks[1]!.contentHash)![0]).toBeCloseTo(chunks[1]!.embedding[0]!, 5);
    expect((await index.lookupEmbeddings([chunks[1]!.contentHash], "another-model")).size).toBe(0);
  });

  it("replaces a document's chunks and deletes a document, leaving the others alone", async () => {
    const before = await index.search(
      await query("audit logs", { frameworks: ["pci"], k: 10, mode: "bm25" }),
    );
    const changed = (await chunksOf("doc-cis")).slice(0, 2);
    changed[1] = { ...changed[1]!, id: "doc-cis:1:changed", text: `${changed[1]!.text} Rotate them never.` };
    await index.replaceDocument("doc-cis", changed);
    expect(await index.count("doc-cis")).toBe(2);
    const res = await index.search(
      await query("password length", { frameworks: ["cis"], k: 10, mode: "bm25" }),
    );
    expect(ids(res)).not.toContain("1.8");
    const root = await index.search(
      await query("root access keys", { frameworks: ["cis"], k: 1, mode: "bm25" }),
    );
    expect(root[0]!.text).toContain("Rotate them never.");
    await index.deleteDocument("doc-pci-3");
    expect(await index.count("doc-pci-3")).toBe(0);
    expect(await index.count("doc-pci")).toBe(3);
    const after = await index.search(await query("audit logs", { frameworks: ["pci"], k: 10, mode: "bm25" }));
    const summary = (ps: Passage[]) => ps.map((p) => [p.id, p.text]);
    expect(summary(after)).toEqual(summary(before).filter(([id]) => !id!.startsWith("doc-pci-3:")));
    // back to the full set for the tests after this one
    await index.replaceDocument("doc-cis", await chunksOf("doc-cis"));
    await index.replaceDocument("doc-pci-3", await chunksOf("doc-pci-3"));
  });

  it("reindexes without downtime: searches during the rebuild keep answering", async () => {
    const q = await query("root user access keys", { k: 3 });
    const before = await index.search(q);
    let stop = false;
    const failures: unknown[] = [];
    let answered = 0;
    const reader = (async () => {
      while (!stop) {
        try {
          const r = await index.search(q);
          if (r[0]?.controlId === "1.4") answered++;
          else failures.push(new Error(`unexpected top result ${r[0]?.controlId}`));
        } catch (error) {
          failures.push(error);
        }
      }
    })();
    const from = index instanceof OpenSearchKnowledgeIndex ? await index.currentIndex() : undefined;
    const result = await index.reindex({ transform: async (chunks) => chunks.map((c) => ({ ...c })) });
    stop = true;
    await reader;
    expect(failures).toEqual([]);
    expect(answered).toBeGreaterThan(0);
    expect(result.chunks).toBe(9);
    expect(await index.search(q)).toEqual(before);
    if (index instanceof OpenSearchKnowledgeIndex) {
      // versioned physical index behind the alias, swapped in one step; the old one is gone
      expect(result.from).toBe(from);
      expect(result.to).toMatch(new RegExp(`^${index.alias}-v2$`));
      expect(await index.currentIndex()).toBe(result.to);
    }
  });
});
