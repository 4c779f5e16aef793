/**
 * `enforceai serve` and `enforceai chat` as processes: the server comes up on the port it reports, answers the
 * probes and keys from `enforceai keys create`, and stops gracefully on SIGTERM; the terminal chat answers one
 * question with `--message` (for scripts).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../helpers/cli.ts";
import { runCommand, spawnCommand } from "./cli-helpers.ts";

let home: string;
let env: Record<string, string>;

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-serve-"));
  env = {
    ENFORCEAI_HOME: home,
    ENFORCEAI_USER: "sam",
    ENFORCEAI_LOG_LEVEL: "warn",
    DATABASE_URL: "",
    REDIS_URL: "",
  };
  const demo = await runCli(["demo", "--format", "json"], env);
  expect(demo.code, demo.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("enforceai serve", () => {
  it("listens, answers probes and keyed requests, and stops gracefully on SIGTERM", async () => {
    const created = await runCli(["keys", "create", "--role", "viewer", "--json"], env);
    const { key } = JSON.parse(created.stdout) as { key: string };
    const child = spawnCommand("serve", ["--port", "0", "--grace", "2"], env);
    let stderr = "";
    child.stderr!.on("data", (d) => {
      stderr += String(d);
    });
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no address in 60 s: ${stderr}`)), 60_000);
        const check = () => {
          const m = /listening on (http:\/\/\S+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(m[1]!);
          }
        };
        child.stderr!.on("data", check);
        child.on("exit", () => reject(new Error(`exited: ${stderr}`)));
      });
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      const page = await fetch(`${url}/`);
      expect(page.status).toBe(200);
      expect(page.headers.get("content-type")).toMatch(/^text\/html/);
      expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'/);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);
      const scans = await fetch(`${url}/api/v1/scans`, { headers: { authorization: `Bearer ${key}` } });
      expect(scans.status).toBe(200);
      expect(((await scans.json()) as { total: number }).total).toBe(1);
      expect((await fetch(`${url}/api/v1/scans`)).status).toBe(401);
      child.kill("SIGTERM");
      expect(await exited).toBe(0);
      expect(stderr).toMatch(/SIGTERM: stopping/);
      expect(stderr).not.toContain(key);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  }, 90_000);

  it("refuses a bad port or CORS setting with a usage error (exit 2)", async () => {
    const port = await runCommand("serve", ["--port", "http"], env);
    expect(port.code).toBe(2);
    expect(port.stderr).toMatch(/--port http is not valid/);
    const cors = await runCommand("serve", ["--port", "0"], { ...env, ENFORCEAI_CORS_ORIGINS: "*" });
    expect(cors.code).toBe(2);
    expect(cors.stderr).toMatch(/ENFORCEAI_CORS_ORIGINS may not be \*/);
  }, 60_000);
});

describe("enforceai chat", () => {
  it("answers one question with --message, as JSON with citations", async () => {
    const r = await runCommand("chat", ["--message", "Which critical findings fail?", "--json"], env);
    expect(r.code, r.stderr).toBe(0);
    const answer = JSON.parse(r.stdout) as {
      answer: string;
      citations: { id: string }[];
      mode: string;
      toolCalls: string[];
    };
    expect(answer.mode).toBe("deterministic");
    expect(answer.toolCalls).toEqual(["search_findings"]);
    expect(answer.citations.length).toBeGreaterThan(0);
  }, 60_000);

  it("prints the answer and its sources, and continues a thread", async () => {
    const first = await runCommand("chat", ["--message", "How compliant are we?", "--thread", "cli-t1"], env);
    expect(first.code, first.stderr).toBe(0);
    expect(first.stdout).toMatch(/Running without a language model/);
    expect(first.stdout).toMatch(/Sources:\n {2}\[finding:/);
    const second = await runCommand(
      "chat",
      ["--message", "explain CIS 1.4", "--thread", "cli-t1", "--json"],
      env,
    );
    expect(JSON.parse(second.stdout).toolCalls).toEqual(["explain_control"]);
    const bad = await runCommand("chat", ["--message", "hi", "--role", "root"], env);
    expect(bad.code).toBe(2);
  }, 90_000);

  it("reads questions from stdin until exit", async () => {
    const child = spawnCommand("chat", [], env);
    let out = "";
    child.stdout!.on("data", (d) => {
      out += String(d);
    });
    child.stdin!.end("how compliant are we?\nexit\n");
    const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
    expect(code).toBe(0);
    expect(out).toMatch(/Posture of scan scan-/);
  }, 60_000);
});
