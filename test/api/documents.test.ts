/**
 * Framework documents over HTTP: multipart upload into the knowledge base (413 over the limit, 415 for what is
 * not a document), status, list, delete; the control → check mappings proposed for the new framework, confirmed
 * or rejected by an approver.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemSchema } from "../../src/api/problem.ts";
import { documentSchema, mappingSchema } from "../../src/api/routes/knowledge.ts";
import { frameworkListSchema } from "../../src/api/schemas.ts";
import { openStore } from "../../src/store/index.ts";
import { conforms, type Harness, startHarness } from "./harness.ts";

let h: Harness;

const POLICY = `---
framework: acme-cloud-policy
version: "2026"
title: ACME cloud policy
---
# ACME cloud policy

## A.1.1 Storage is never public
Every S3 bucket blocks public access at the bucket and at the account level, so that no object can be read by
anyone on the internet.

## A.1.2 Data at rest is encrypted
Every database instance and every volume stores its data encrypted with a managed key.

## A.2.1 Administrators use multi-factor authentication
The root user and every console user sign in with a second factor.
`;

function form(parts: { name: string; value: string | Blob; filename?: string }[]): FormData {
  const f = new FormData();
  for (const p of parts) {
    if (typeof p.value === "string" && !p.filename) f.append(p.name, p.value);
    else f.append(p.name, p.value as Blob, p.filename);
  }
  return f;
}

const upload = (role: "operator" | "viewer", data: FormData) =>
  h.call("POST", "/api/v1/documents", { role, raw: data });

beforeAll(async () => {
  h = await startHarness(await openStore({ dataDir: "memory://" }), { limits: { uploadBytes: 64 * 1024 } });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe("documents", () => {
  it("uploads a Markdown framework document: indexed, its controls extracted, mappings proposed", async () => {
    const r = await upload(
      "operator",
      form([
        { name: "framework", value: "acme-cloud-policy" },
        { name: "version", value: "2026" },
        { name: "file", value: new Blob([POLICY], { type: "text/markdown" }), filename: "acme-policy.md" },
      ]),
    );
    expect(r.status, r.text).toBe(201);
    const doc = conforms(documentSchema, r.body);
    expect(doc).toEqual(r.body);
    expect(doc).toMatchObject({
      framework: "acme-cloud-policy",
      status: "indexed",
      origin: "user",
      createdBy: "operator-user",
      extractionStatus: "extracted",
    });
    expect(doc.chunkCount).toBeGreaterThan(0);
    expect(doc.controlsExtracted).toBe(3);

    const status = await h.call("GET", `/api/v1/documents/${doc.id}`, { role: "viewer" });
    expect(status.status).toBe(200);
    expect(status.body.status).toBe("indexed");
    const list = await h.call("GET", "/api/v1/documents?framework=acme-cloud-policy", { role: "viewer" });
    expect(list.body.items.map((d: { id: string }) => d.id)).toEqual([doc.id]);
    expect((await h.call("GET", "/api/v1/documents?status=bogus", { role: "viewer" })).status).toBe(400);
  }, 60_000);

  it("lists the proposed mappings; an approver confirms one and rejects another", async () => {
    const r = await h.call("GET", "/api/v1/frameworks/acme-cloud-policy/mappings?status=proposed", {
      role: "viewer",
    });
    expect(r.status).toBe(200);
    const proposed = r.body.items.map((m: unknown) => conforms(mappingSchema, m));
    expect(proposed.length).toBeGreaterThan(1);
    const [a, b] = proposed;
    const confirm = { controlId: a.controlId, checkId: a.checkId, decision: "confirmed" };
    expect(
      (
        await h.call("POST", "/api/v1/frameworks/acme-cloud-policy/mappings", {
          role: "operator",
          body: confirm,
        })
      ).status,
    ).toBe(403);
    const confirmed = await h.call("POST", "/api/v1/frameworks/acme-cloud-policy/mappings", {
      role: "approver",
      body: confirm,
    });
    expect(confirmed.status).toBe(200);
    expect(confirmed.body).toMatchObject({ status: "confirmed", decidedBy: "approver-user" });
    const rejected = await h.call("POST", "/api/v1/frameworks/acme-cloud-policy/mappings", {
      role: "approver",
      body: { controlId: b.controlId, checkId: b.checkId, decision: "rejected" },
    });
    expect(rejected.body.status).toBe("rejected");
    const bad = await h.call("POST", "/api/v1/frameworks/acme-cloud-policy/mappings", {
      role: "approver",
      body: { controlId: "A.9.9", checkId: a.checkId, decision: "confirmed" },
    });
    expect(bad.status).toBe(404);
    const unknownFramework = await h.call("POST", "/api/v1/frameworks/nope/mappings", {
      role: "approver",
      body: confirm,
    });
    expect(unknownFramework.status).toBe(404);
    // With a confirmed mapping the ingested framework is listed.
    const frameworks = conforms(
      frameworkListSchema,
      (await h.call("GET", "/api/v1/frameworks", { role: "viewer" })).body,
    );
    expect(frameworks.items.map((f) => f.id)).toContain("acme-cloud-policy");
  });

  it("413 over the upload limit, 415 for what is not a document or not multipart, 400 without a framework", async () => {
    const big = await upload(
      "operator",
      form([
        { name: "framework", value: "big-doc" },
        {
          name: "file",
          value: new Blob(["# T\n", "x".repeat(100 * 1024)], { type: "text/markdown" }),
          filename: "big.md",
        },
      ]),
    );
    expect(big.status).toBe(413);
    expect(conforms(problemSchema, big.body).type).toBe("urn:enforceai:problem:payload-too-large");
    const exe = await upload(
      "operator",
      form([
        { name: "framework", value: "exe" },
        {
          name: "file",
          value: new Blob([new Uint8Array([0x4d, 0x5a, 0x90])], { type: "application/x-msdownload" }),
          filename: "tool.exe",
        },
      ]),
    );
    expect(exe.status).toBe(415);
    const json = await h.call("POST", "/api/v1/documents", { role: "operator", body: { framework: "x" } });
    expect(json.status).toBe(415);
    const noFramework = await upload(
      "operator",
      form([{ name: "file", value: new Blob([POLICY], { type: "text/markdown" }), filename: "p.md" }]),
    );
    expect(noFramework.status).toBe(400);
    expect(conforms(problemSchema, noFramework.body).errors![0]!.path).toBe("body.framework");
    const noFile = await upload("operator", form([{ name: "framework", value: "x" }]));
    expect(noFile.status).toBe(400);
    expect(noFile.body.errors[0].path).toBe("body.file");
    const badId = await upload(
      "operator",
      form([
        { name: "framework", value: "Not An Id" },
        { name: "file", value: new Blob([POLICY], { type: "text/markdown" }), filename: "p.md" },
      ]),
    );
    expect(badId.status).toBe(400);
  });

  it("an unreadable document is a 400 and is recorded as failed", async () => {
    const r = await upload(
      "operator",
      form([
        { name: "framework", value: "broken-pdf" },
        {
          name: "file",
          value: new Blob(["%PDF-1.7 not really a pdf"], { type: "application/pdf" }),
          filename: "broken.pdf",
        },
      ]),
    );
    expect(r.status).toBe(400);
    const list = await h.call("GET", "/api/v1/documents?framework=broken-pdf&status=failed", {
      role: "viewer",
    });
    expect(list.body.items).toHaveLength(1);
    expect(list.body.items[0].error).toBeTruthy();
  });

  it("deletes an uploaded document; a bundled one cannot be deleted; unknown is a 404", async () => {
    const list = await h.call("GET", "/api/v1/documents?framework=acme-cloud-policy", { role: "viewer" });
    const id = list.body.items[0].id as string;
    expect((await h.call("DELETE", `/api/v1/documents/${id}`, { role: "operator" })).status).toBe(204);
    expect((await h.call("GET", `/api/v1/documents/${id}`, { role: "viewer" })).status).toBe(404);
    expect((await h.call("DELETE", `/api/v1/documents/${id}`, { role: "operator" })).status).toBe(404);
    await (await h.app.knowledgeBase()).ensureBundledCorpus();
    const bundled = await h.call("GET", "/api/v1/documents?framework=cis-aws-3.0", { role: "viewer" });
    expect(bundled.body.items[0].origin).toBe("bundled");
    expect(
      (await h.call("DELETE", `/api/v1/documents/${bundled.body.items[0].id}`, { role: "operator" })).status,
    ).toBe(409);
  }, 120_000);
});
