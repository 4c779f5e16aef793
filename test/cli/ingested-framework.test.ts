import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../helpers/cli.ts";

// Each test runs the real CLI several times (a process and an embedded database each): give it room under load.
vi.setConfig({ testTimeout: 180_000 });

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-ingested-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("a framework we do not ship, from document to score", () => {
  it("ingests a policy, proposes mappings, and scores it once a person confirms one", {
    timeout: 120_000,
  }, async () => {
    const env = { ENFORCEAI_HOME: home, ENFORCEAI_USER: "grc-lead" };
    const doc = path.join(home, "policy.md");
    await writeFile(
      doc,
      "# ACME cloud storage standard\n\n## ACME-1 Object versioning\nEvery storage bucket keeps previous versions of objects so that overwritten or deleted data can be restored.\n\n## ACME-2 Encryption of stored data\nData in buckets and databases is encrypted at rest with managed keys.\n",
    );
    const ingest = await runCli(
      ["ingest", doc, "--framework", "acme-storage", "--version", "1", "--json"],
      env,
    );
    expect(ingest.code).toBe(0);
    expect(JSON.parse(ingest.stdout)).toMatchObject({
      status: "indexed",
      version: "1",
      extraction: { controls: 2 },
    });

    const proposed = JSON.parse(
      (await runCli(["knowledge", "mappings", "list", "--framework", "acme-storage", "--json"], env)).stdout,
    );
    expect(
      proposed.some(
        (m: { controlId: string; checkId: string; status: string }) =>
          m.controlId === "ACME-1" && m.checkId === "s3_bucket_versioning_enabled" && m.status === "proposed",
      ),
    ).toBe(true);
    // Proposed mappings decide nothing yet: every control is still manual.
    const before = JSON.parse((await runCli(["frameworks", "list", "--json"], env)).stdout);
    expect(before.find((f: { id: string }) => f.id === "acme-storage")).toMatchObject({
      controls: 2,
      automatedControls: 0,
    });

    const confirm = await runCli(
      [
        "knowledge",
        "mappings",
        "confirm",
        "--framework",
        "acme-storage",
        "--control",
        "ACME-1",
        "--check",
        "s3_bucket_versioning_enabled",
      ],
      env,
    );
    expect(confirm.code).toBe(0);
    const after = JSON.parse((await runCli(["frameworks", "list", "--json"], env)).stdout);
    expect(after.find((f: { id: string }) => f.id === "acme-storage")).toMatchObject({
      controls: 2,
      automatedControls: 1,
    });

    const scan = JSON.parse(
      (await runCli(["demo", "--frameworks", "acme-storage", "--format", "json"], env)).stdout,
    );
    expect(scan.scan.scores["acme-storage"]).toMatchObject({ failed: 1, manual: 1 });
    const mapped = scan.findings.filter((f: { frameworks: { framework: string; controlId: string }[] }) =>
      f.frameworks.some((r) => r.framework === "acme-storage" && r.controlId === "ACME-1"),
    );
    expect(mapped.length).toBeGreaterThan(5);
  });
});
