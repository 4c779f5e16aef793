import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryCache } from "../../src/cache/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { NotFoundError, PayloadTooLargeError, ValidationError } from "../../src/errors.ts";
import type { KnowledgeIndex } from "../../src/knowledge/index-backend.ts";
import { createLocalEmbedder } from "../../src/knowledge/local-embedder.ts";
import { OpenSearchKnowledgeIndex } from "../../src/knowledge/opensearch-index.ts";
import type { Passage } from "../../src/knowledge/types.ts";
import type { IngestStatusEvent } from "../../src/services/ingest/pipeline.ts";
import { createKnowledge, type Knowledge } from "../../src/services/knowledge-base.ts";
import type { Store } from "../../src/store/index.ts";
import { openStore } from "../../src/store/index.ts";
import { requireService } from "../helpers/services.ts";
import { countingEmbedder, indexBackends, makePdf, uniqueAlias } from "./helpers.ts";

const POLICY_V1 = `---
framework: acme-policy
version: "1.0"
title: Acme security policy
---
# Acme security policy

Internal rules for the Acme AWS estate.

## POL-1 Encryption at rest

All stored data is encrypted with customer managed KMS keys.

## POL-2 Administrator MFA

Administrators sign in with multi-factor authentication.

## POL-3 Log retention

Audit logs are kept for one year.
`;

const POLICY_V2 = POLICY_V1.replace(
  "Audit logs are kept for one year.",
  "Audit logs are kept for seven years in Glacier.",
);

const OTHER =
  "# Other rules\n\n## R-1 Tagging\n\nEvery resource carries an owner tag.\n\n## R-2 Regions\n\nOnly eu-west-1 is used.\n";

const catalog = async () => ({
  checks: [
    {
      id: "s3_bucket_default_encryption",
      title: "S3 bucket encrypts objects by default",
      description: "Default encryption with KMS keys.",
    },
    {
      id: "iam_user_mfa_enabled",
      title: "IAM users have MFA",
      description: "Console users use multi-factor authentication.",
    },
  ],
  builtinFrameworks: ["cis-aws-3.0"],
});

describe.each(indexBackends().map((b) => [b.name, b] as const))("ingestion on %s", (_name, backend) => {
  let store: Store;
  let index: KnowledgeIndex;
  let closeBackend: () => Promise<void>;
  let kb: Knowledge;
  const counting = countingEmbedder();
  const events: IngestStatusEvent[] = [];
  const config = loadConfig({});

  beforeAll(async () => {
    const opened = await backend.open();
    index = opened.index;
    closeBackend = opened.close;
    store = opened.store ?? (await openStore({ dataDir: "memory://" }));
    kb = await createKnowledge({
      config,
      store,
      cache: createMemoryCache(),
      embedder: counting.embedder,
      index,
      catalog,
      autoIndexBundled: false,
      maxDocumentBytes: 64 * 1024,
      onStatus: (e) => events.push(e),
    });
    await kb.ingestText("other.md", OTHER, { framework: "other" });
  });

  afterAll(async () => {
    await closeBackend?.();
    if (!store?.db) return;
    if (index.kind === "opensearch") await store.close();
  });

  /** What another document looks like in the index: must not change when one document fails. */
  async function otherSnapshot() {
    const passages = await kb.search("owner tag on every resource", { frameworks: ["other"], k: 10 });
    return { count: await index.count((await kb.listDocuments({ framework: "other" }))[0]!.id), passages };
  }

  it("indexes a document: queued → processing → indexed, chunks with metadata", async () => {
    events.length = 0;
    const before = counting.stats.texts;
    const r = await kb.ingestText("policy.md", POLICY_V1, { framework: "acme-policy", user: "alice" });
    expect(r.outcome).toBe("indexed");
    expect(r.document).toMatchObject({
      framework: "acme-policy",
      version: "1.0",
      title: "Acme security policy",
      source: "policy.md",
      origin: "user",
      format: "markdown",
      status: "indexed",
      error: null,
      chunkCount: 4,
      createdBy: "alice",
    });
    expect(events.map((e) => e.status)).toEqual(["queued", "processing", "indexed"]);
    expect(r.embeddedTexts).toBe(4);
    // the chunks, then the extracted controls and the checks for mapping suggestions
    expect(counting.stats.texts - before).toBe(4 + 3 + 2);
    const [top] = await kb.search("which keys encrypt stored data", { frameworks: ["acme-policy"], k: 1 });
    expect(top).toMatchObject({
      framework: "acme-policy",
      version: "1.0",
      controlId: "POL-1",
      source: "policy.md",
    });
    expect(top!.location.section).toBe("Acme security policy > POL-1 Encryption at rest");
    expect(top!.id).toMatch(new RegExp(`^${r.document.id}:1:[0-9a-f]{8}$`));
  });

  it("does nothing for an unchanged document: no parsing, no embedding, no writes", async () => {
    events.length = 0;
    const calls = counting.stats.documentCalls;
    const r = await kb.ingestText("policy.md", POLICY_V1, { framework: "acme-policy" });
    expect(r.outcome).toBe("unchanged");
    expect(r.embeddedTexts).toBe(0);
    expect(counting.stats.documentCalls).toBe(calls);
    expect(events.map((e) => e.status)).toEqual(["unchanged"]);
    expect(r.document.status).toBe("indexed");
  });

  it("replaces the chunks of a changed document, embedding only what changed", async () => {
    const id = (await kb.listDocuments({ framework: "acme-policy" }))[0]!.id;
    const before = counting.stats.texts;
    const r = await kb.ingestText("policy.md", POLICY_V2, { framework: "acme-policy" });
    expect(r.outcome).toBe("indexed");
    expect(r.embeddedTexts).toBe(1);
    expect(counting.stats.texts - before).toBe(1 + 3 + 2);
    expect(await index.count(id)).toBe(4);
    const res = await kb.search("how long are audit logs kept", {
      frameworks: ["acme-policy"],
      k: 4,
      mode: "bm25",
    });
    const texts = res.map((p) => p.text).join("\n");
    expect(texts).toContain("seven years in Glacier");
    expect(texts).not.toContain("one year.");
  });

  it("re-indexes when only the version changes", async () => {
    const r = await kb.ingestText("policy.md", POLICY_V2, { framework: "acme-policy", version: "2.0" });
    expect(r.outcome).toBe("indexed");
    expect(r.embeddedTexts).toBe(0);
    const [p] = await kb.search("audit logs", { frameworks: ["acme-policy"], version: "2.0", k: 1 });
    expect(p!.version).toBe("2.0");
  });

  it("ingests PDF (with pages) and HTML", async () => {
    const pdf = makePdf([
      ["Acme Cloud Standard", "CS-1 Network segmentation", "Workloads run in private subnets."],
      ["CS-2 Backup", "Databases are backed up daily and restores are tested."],
    ]);
    const r = await kb.ingestText("standard.pdf", pdf, { framework: "acme-standard", version: "1" });
    expect(r.document).toMatchObject({ format: "pdf", pages: 2, chunkCount: 3 });
    const [p] = await kb.search("are restores tested", { frameworks: ["acme-standard"], k: 1 });
    expect(p).toMatchObject({ controlId: "CS-2", location: { page: 2 } });

    const html =
      "<html><head><title>Acme web</title><script>steal()</script></head><body><h2>WEB-1 TLS only</h2><p>Sites use TLS 1.2 or newer.</p></body></html>";
    const h = await kb.ingestText("web.html", html, { framework: "acme-web" });
    expect(h.document).toMatchObject({ format: "html", title: "Acme web", chunkCount: 1 });
    const [w] = await kb.search("https encryption in transit", { frameworks: ["acme-web"], k: 1 });
    expect(w!.text).toBe("## WEB-1 TLS only\n\nSites use TLS 1.2 or newer.");
  });

  const bad: [string, string | Uint8Array, new (...args: never[]) => Error, RegExp][] = [
    ["empty", "", ValidationError, /is empty/],
    ["binary", new Uint8Array([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0x0d]), ValidationError, /binary file/],
    ["oversize", "x".repeat(65 * 1024), PayloadTooLargeError, /over the 64 KB limit/],
    ["PDF without text", makePdf([[]]), ValidationError, /no text layer/],
    [
      "unknown encoding",
      new Uint8Array([
        ...Buffer.from("Les donn"),
        0xe9,
        ...Buffer.from("es personnelles sont chiffr"),
        0xe9,
        ...Buffer.from("es au repos."),
      ]),
      ValidationError,
      /encoding is unknown/,
    ],
  ];

  it.each(bad)(
    "refuses %s input with one line, marks the document failed, touches nothing else",
    async (name, content, kind, message) => {
      const other = await otherSnapshot();
      events.length = 0;
      const source = name === "PDF without text" ? "scan.pdf" : `${name.replace(/\s/g, "-")}.txt`;
      const error = await kb.ingestText(source, content, { framework: "acme-bad" }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(kind);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).not.toContain("\n");
      const doc = (await kb.listDocuments({ framework: "acme-bad" })).find((d) => d.source === source)!;
      expect(doc.status).toBe("failed");
      expect(doc.error).toBe((error as Error).message);
      expect(doc.chunkCount).toBe(0);
      expect(await index.count(doc.id)).toBe(0);
      expect(events.at(-1)).toMatchObject({ status: "failed" });
      expect(await otherSnapshot()).toEqual(other);
    },
  );

  it("keeps the indexed version of a document when a new version of it is refused", async () => {
    const id = (await kb.listDocuments({ framework: "acme-policy" }))[0]!.id;
    const count = await index.count(id);
    await expect(kb.ingestText("policy.md", "", { framework: "acme-policy" })).rejects.toThrow(
      ValidationError,
    );
    const doc = await kb.getDocument(id);
    expect(doc).toMatchObject({
      status: "failed",
      error: "policy.md is empty; nothing to ingest",
      chunkCount: 4,
    });
    expect(await index.count(id)).toBe(count);
    // the good version again: indexed, without embedding anything
    const r = await kb.ingestText("policy.md", POLICY_V2, { framework: "acme-policy", version: "2.0" });
    expect(r).toMatchObject({ outcome: "indexed", embeddedTexts: 0 });
  });

  it("deletes a document and only that document", async () => {
    const other = await otherSnapshot();
    const web = (await kb.listDocuments({ framework: "acme-web" }))[0]!;
    await kb.deleteDocument(web.id, "tester");
    expect(await index.count(web.id)).toBe(0);
    expect(await kb.listDocuments({ framework: "acme-web" })).toEqual([]);
    expect(await kb.search("TLS", { frameworks: ["acme-web"] })).toEqual([]);
    expect(await otherSnapshot()).toEqual(other);
    await expect(kb.deleteDocument(web.id, "tester")).rejects.toThrow(NotFoundError);
  });

  it("refuses a bad framework id and an empty question", async () => {
    await expect(kb.ingestText("x.md", "# x", { framework: "Not An Id" })).rejects.toThrow(
      /is not a framework id/,
    );
    await expect(kb.search("   ")).rejects.toThrow(ValidationError);
    await expect(kb.search("x", { k: 0 })).rejects.toThrow(/k must be/);
  });

  it("re-embeds everything when the embedding model changes", async () => {
    const small = countingEmbedder(createLocalEmbedder({ dimensions: 128 }));
    const kb2 = await createKnowledge({
      config,
      store,
      embedder: small.embedder,
      index,
      catalog,
      autoIndexBundled: false,
      documentsDir: path.join(os.tmpdir(), "enforceai-no-such-dir"),
    });
    const before = await index.count();
    // pgvector/real[]: documents remember their model; OpenSearch: the index mapping does
    await kb2.ensureBundledCorpus();
    const results: Passage[] = await kb2.search("owner tag", { frameworks: ["other"], k: 1 });
    expect(results[0]!.controlId).toBe("R-1");
    expect(small.stats.texts).toBe(before);
    expect(await index.count()).toBe(before);
    expect(
      (await kb2.listDocuments())
        .filter((d) => d.status === "indexed")
        .every((d) => d.embeddingModel === small.embedder.id),
    ).toBe(true);
  });
});

describe("the bundled corpus", () => {
  let store: Store;
  let dir: string;

  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
    dir = await mkdtemp(path.join(os.tmpdir(), "enforceai-corpus-"));
    await writeFile(path.join(dir, "a.md"), POLICY_V1);
    await writeFile(path.join(dir, "b.md"), `---\nframework: other\nversion: "1"\n---\n${OTHER}`);
  });

  afterAll(async () => {
    await store?.close();
    await rm(dir, { recursive: true, force: true });
  });

  // bundled documents are the built-in frameworks' guides: no control extraction for them
  const builtin = async () => ({ ...(await catalog()), builtinFrameworks: ["acme-policy", "other"] });
  const open = (embedder = countingEmbedder()) =>
    createKnowledge({
      config: loadConfig({}),
      store,
      embedder: embedder.embedder,
      catalog: builtin,
      documentsDir: dir,
    });

  it("is indexed on first use, so a search works right away", async () => {
    const counting = countingEmbedder();
    const kb = await open(counting);
    const [p] = await kb.search("who must use multi-factor sign-in");
    expect(p).toMatchObject({ framework: "acme-policy", controlId: "POL-2" });
    const docs = await kb.listDocuments();
    expect(docs.map((d) => [d.source, d.origin, d.status])).toEqual([
      ["a.md", "bundled", "indexed"],
      ["b.md", "bundled", "indexed"],
    ]);
    expect(counting.stats.texts).toBe(6);
  });

  it("takes the fast path when nothing changed: one query, no embedding", async () => {
    const counting = countingEmbedder();
    const kb = await open(counting);
    const queries: string[] = [];
    const original = store.db.pool.query.bind(store.db.pool);
    (store.db.pool as unknown as { query: unknown }).query = (...args: unknown[]) => {
      queries.push(String(args[0]));
      return (original as (...a: unknown[]) => unknown)(...args);
    };
    try {
      const r = await kb.ensureBundledCorpus();
      expect(r).toMatchObject({ documents: 2, indexed: 0, unchanged: 2, failed: [], removed: 0 });
    } finally {
      (store.db.pool as unknown as { query: unknown }).query = original;
    }
    expect(queries).toHaveLength(1);
    expect(counting.stats.documentCalls).toBe(0);
  });

  it("indexes a changed bundled document again and drops one that is gone", async () => {
    await writeFile(path.join(dir, "a.md"), POLICY_V2);
    await rm(path.join(dir, "b.md"));
    const counting = countingEmbedder();
    const r = await (await open(counting)).ensureBundledCorpus();
    expect(r).toMatchObject({ documents: 1, indexed: 1, unchanged: 0, removed: 1 });
    expect(counting.stats.texts).toBe(1);
    const kb = await open();
    expect((await kb.listDocuments()).map((d) => d.source)).toEqual(["a.md"]);
  });

  it("indexes the real bundled corpus with every control heading searchable", async () => {
    const s = await openStore({ dataDir: "memory://" });
    try {
      const kb = await createKnowledge({ config: loadConfig({}), store: s, catalog });
      const r = await kb.ensureBundledCorpus();
      expect(r.failed).toEqual([]);
      expect(r.indexed).toBeGreaterThanOrEqual(3);
      const [p] = await kb.search("root user access keys", { frameworks: ["cis-aws-3.0"], k: 1 });
      expect(p!.controlId).toBe("1.4");
    } finally {
      await s.close();
    }
  });
});

serviceDescribeOpenSearch();

/** OpenSearch only: an index that disappeared is noticed; bundled documents come back, others are marked failed. */
function serviceDescribeOpenSearch() {
  const url = requireService("opensearch");
  describe.skipIf(!url)("a lost OpenSearch index", () => {
    it("is recreated; bundled documents are indexed again, the others are marked failed with the reason", async () => {
      const store = await openStore({ dataDir: "memory://" });
      const dir = await mkdtemp(path.join(os.tmpdir(), "enforceai-corpus-"));
      const alias = uniqueAlias();
      try {
        await writeFile(path.join(dir, "a.md"), POLICY_V1);
        const open = async () => {
          const index = new OpenSearchKnowledgeIndex({ url: url!, alias, replicas: 0 });
          const kb = await createKnowledge({
            config: loadConfig({}),
            store,
            index,
            catalog,
            documentsDir: dir,
          });
          return { index, kb };
        };
        const first = await open();
        await first.kb.ingestText("other.md", OTHER, { framework: "other" });
        expect((await first.kb.search("owner tag", { frameworks: ["other"] })).length).toBeGreaterThan(0);
        await first.index.destroy();
        await first.index.close();

        const second = await open();
        const [p] = await second.kb.search("administrators multi-factor", {
          frameworks: ["acme-policy"],
          k: 1,
        });
        expect(p!.controlId).toBe("POL-2");
        const other = (await second.kb.listDocuments({ framework: "other" }))[0]!;
        expect(other.status).toBe("failed");
        expect(other.error).toMatch(/was created anew and no longer holds this document; ingest it again$/);
        await second.index.destroy();
        await second.index.close();
      } finally {
        await store.close();
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
}
