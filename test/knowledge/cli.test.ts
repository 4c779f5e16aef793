import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildProgram } from "../../src/cli/main.ts";
import type { Io } from "../../src/cli/output.ts";
import { EnforceAIError } from "../../src/errors.ts";

let home: string;
let docs: string;

/** Runs `enforceai ...` in-process with the knowledge commands registered; the exit code as main() would give it. */
async function run(...args: string[]) {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => (stdout += d));
  err.on("data", (d) => (stderr += d));
  const io: Io = {
    stdout: out,
    stderr: err,
    env: { ENFORCEAI_HOME: home, ENFORCEAI_USER: "erin", ENFORCEAI_LOG_LEVEL: "silent" },
  };
  let code = 0;
  const program = buildProgram(io, (c) => {
    code = c;
  });
  try {
    await program.parseAsync(["node", "enforceai", ...args]);
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else if (error instanceof EnforceAIError) {
      code = error.exitCode;
      stderr += `enforceai: ${error.message.split("\n")[0]}\n`;
    } else throw error;
  }
  return { code, stdout, stderr };
}

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-cli-"));
  docs = await mkdtemp(path.join(os.tmpdir(), "enforceai-docs-"));
  await writeFile(
    path.join(docs, "acme.md"),
    '---\nversion: "3"\n---\n# Acme policy\n\n## POL-1 Encryption at rest\n\nStored data is encrypted by default with KMS keys.\n\n## POL-2 Logging\n\nA multi-region CloudTrail trail records API activity.\n',
  );
  await writeFile(path.join(docs, "empty.txt"), "");
});

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
  await rm(docs, { recursive: true, force: true });
});

describe("enforceai knowledge commands", () => {
  it("knowledge search works on a fresh ENFORCEAI_HOME and prints exactly the contract's JSON", async () => {
    const r = await run("knowledge", "search", "does the root user have access keys?", "--k", "3", "--json");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(list).toHaveLength(3);
    for (const p of list)
      expect(Object.keys(p)).toEqual(["framework", "version", "controlId", "score", "text", "source"]);
    expect(list[0]).toMatchObject({
      framework: "cis-aws-3.0",
      version: "3.0.0",
      controlId: "1.4",
      source: "cis-aws-3.0.md",
    });
    const scores = list.map((p) => p.score as number);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);

    const only = await run(
      "knowledge",
      "search",
      "encryption of stored data",
      "--framework",
      "hipaa",
      "--json",
    );
    expect((JSON.parse(only.stdout) as { framework: string }[]).every((p) => p.framework === "hipaa")).toBe(
      true,
    );
    const readable = await run("knowledge", "search", "root user access keys", "--k", "1");
    expect(readable.stdout).toMatch(
      /^1\. cis-aws-3\.0 3\.0\.0 {2}1\.4 {2}\(score [\d.]+\) {2}cis-aws-3\.0\.md\n/,
    );
    const unknown = await run("knowledge", "search", "x", "--framework", "nope");
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no documents for framework nope; known: cis-aws-3\.0/);
  });

  it("ingest prints the document's status; again, it is unchanged", async () => {
    const r = await run("ingest", path.join(docs, "acme.md"), "--framework", "acme-policy", "--json");
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({
      framework: "acme-policy",
      version: "3",
      source: "acme.md",
      status: "indexed",
      error: null,
      chunks: 2,
      outcome: "indexed",
      extraction: { status: "extracted", controls: 2 },
    });
    const again = await run("ingest", path.join(docs, "acme.md"), "--framework", "acme-policy");
    expect(again.stdout).toMatch(/^unchanged: acme\.md is already indexed \(2 chunks\)/);
  });

  it("a bad document fails with one line and exit 2, its status recorded as failed", async () => {
    const r = await run("ingest", path.join(docs, "empty.txt"), "--framework", "acme-policy", "--json");
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("enforceai: empty.txt is empty; nothing to ingest\n");
    expect(JSON.parse(r.stdout)).toMatchObject({
      status: "failed",
      error: "empty.txt is empty; nothing to ingest",
    });
    const missing = await run("ingest", path.join(docs, "nope.md"), "--framework", "acme-policy");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^enforceai: cannot read .*nope\.md/);
    const list = await run("knowledge", "documents", "--json");
    const statuses = (JSON.parse(list.stdout) as { source: string; status: string }[]).map((d) => [
      d.source,
      d.status,
    ]);
    expect(statuses).toContainEqual(["empty.txt", "failed"]);
    expect(statuses).toContainEqual(["acme.md", "indexed"]);
  });

  it("mappings: list the proposals, confirm one as the CLI user, reject another", async () => {
    const list = await run("knowledge", "mappings", "list", "--framework", "acme-policy", "--json");
    const rows = JSON.parse(list.stdout) as { controlId: string; checkId: string; status: string }[];
    expect(rows.length).toBeGreaterThan(1);
    expect(rows.every((m) => m.status === "proposed")).toBe(true);
    const [first, second] = rows;
    const ok = await run(
      "knowledge",
      "mappings",
      "confirm",
      "--framework",
      "acme-policy",
      "--control",
      first!.controlId,
      "--check",
      first!.checkId,
      "--json",
    );
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ status: "confirmed", decidedBy: "erin" });
    const no = await run(
      "knowledge",
      "mappings",
      "reject",
      "--framework",
      "acme-policy",
      "--control",
      second!.controlId,
      "--check",
      second!.checkId,
    );
    expect(no.stdout).toMatch(/^rejected acme-policy .* \(by erin\)\n$/);
    const confirmed = await run(
      "knowledge",
      "mappings",
      "list",
      "--framework",
      "acme-policy",
      "--status",
      "confirmed",
      "--json",
    );
    expect(JSON.parse(confirmed.stdout)).toHaveLength(1);
  });

  it("deletes a document", async () => {
    const docsList = JSON.parse((await run("knowledge", "documents", "--json")).stdout) as {
      id: string;
      source: string;
    }[];
    const acme = docsList.find((d) => d.source === "acme.md")!;
    const r = await run("knowledge", "delete", acme.id);
    expect(r.stdout).toBe("deleted acme.md (acme-policy)\n");
    const search = await run(
      "knowledge",
      "search",
      "encrypted by default",
      "--framework",
      "acme-policy",
      "--json",
    );
    expect(search.code).toBe(0);
    expect(JSON.parse(search.stdout)).toEqual([]);
  });
});
