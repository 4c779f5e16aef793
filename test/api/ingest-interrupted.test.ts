/**
 * A document whose ingestion was interrupted does not stay `processing` forever (issue 17, item 10): a real
 * `enforceai serve` is killed with SIGKILL while it ingests an upload; when the server starts again (the
 * embedded store's lock says no other process can be ingesting), the document is failed with the reason, so
 * the dashboard stops waiting and the person knows to ingest it again.
 */
import type { ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { largeMarkdown } from "../../scripts/lib/ingest-load.ts";
import { INTERRUPTED_INGESTION } from "../../src/services/knowledge-base.ts";
import { documentIdFor } from "../../src/store/documents.ts";
import { runCli } from "../helpers/cli.ts";
import { spawnCommand } from "./cli-helpers.ts";

let home: string;
let env: Record<string, string>;
let key: string;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-ingest-killed-"));
  env = {
    ENFORCEAI_HOME: home,
    ENFORCEAI_USER: "sam",
    ENFORCEAI_LOG_LEVEL: "warn",
    DATABASE_URL: "",
    REDIS_URL: "",
    OPENSEARCH_URL: "",
  };
  const created = await runCli(["keys", "create", "--role", "operator", "--json"], env);
  expect(created.code, created.stderr).toBe(0);
  key = (JSON.parse(created.stdout) as { key: string }).key;
}, 120_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

async function serve(): Promise<{ child: ChildProcess; url: string; exited: Promise<unknown> }> {
  const child = spawnCommand("serve", ["--port", "0", "--grace", "1"], env);
  let stderr = "";
  const exited = new Promise((resolve) => child.on("exit", resolve));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no address in 90 s: ${stderr}`)), 90_000);
    child.stderr!.on("data", (d) => {
      stderr += String(d);
      const m = /listening on (http:\/\/\S+)/.exec(stderr);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]!);
      }
    });
    child.on("exit", () => reject(new Error(`exited: ${stderr}`)));
  });
  return { child, url, exited };
}

const get = async (url: string) =>
  (await fetch(url, { headers: { authorization: `Bearer ${key}` } })).json() as Promise<{
    status: string;
    error: string | null;
  }>;

describe("a document whose ingesting process was killed", () => {
  it("is failed with the reason when the server starts again, not left processing", async () => {
    const id = documentIdFor("acme-killed", "killed.md");
    const first = await serve();
    try {
      const form = new FormData();
      form.append("framework", "acme-killed");
      form.append(
        "file",
        new Blob([largeMarkdown(6 * 1024 * 1024, 1000)], { type: "text/markdown" }),
        "killed.md",
      );
      // not awaited: the server is killed before it answers
      void fetch(`${first.url}/api/v1/documents`, {
        method: "POST",
        headers: { authorization: `Bearer ${key}` },
        body: form,
      }).catch((error: unknown) => error);
      let status = "";
      for (let i = 0; i < 600 && status !== "processing"; i++) {
        await new Promise((r) => setTimeout(r, 50));
        const r = await fetch(`${first.url}/api/v1/documents/${id}`, {
          headers: { authorization: `Bearer ${key}` },
        });
        if (r.status === 200) status = ((await r.json()) as { status: string }).status;
      }
      expect(status).toBe("processing");
    } finally {
      first.child.kill("SIGKILL");
      await first.exited;
    }

    const second = await serve();
    try {
      const doc = await get(`${second.url}/api/v1/documents/${id}`);
      expect(doc.status).toBe("failed");
      expect(doc.error).toBe(INTERRUPTED_INGESTION);
      expect(doc.error).toMatch(/^interrupted: the process ingesting it stopped; ingest it again$/);
    } finally {
      second.child.kill("SIGTERM");
      await second.exited;
    }
  }, 240_000);
});
