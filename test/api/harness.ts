/**
 * A real server on 127.0.0.1 (ephemeral port) over a given store, with one API key per role, and a small
 * client that keeps status, headers and the parsed body together.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { z } from "zod";
import { type ApiServer, createServer, type ServerOptions } from "../../src/api/server.ts";
import { parseSse } from "../../src/api/sse.ts";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/index.ts";
import type { Role } from "../../src/domain/roles.ts";
import { createLogger } from "../../src/logger.ts";
import type { Store } from "../../src/store/index.ts";

export interface Reply {
  status: number;
  headers: Headers;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience
  body: any;
}

export interface Harness {
  app: App;
  server: ApiServer;
  url: string;
  keys: Record<Role, { id: string; key: string }>;
  call(
    method: string,
    path: string,
    options?: {
      key?: string | null;
      role?: Role;
      body?: unknown;
      headers?: Record<string, string>;
      raw?: string | Uint8Array | FormData;
    },
  ): Promise<Reply>;
  /** Starts a demo scan and waits until it is no longer running. */
  demoScan(role?: Role, body?: Record<string, unknown>): Promise<string>;
  waitForScan(id: string): Promise<string>;
  events(
    path: string,
    options?: { role?: Role; body?: unknown; headers?: Record<string, string> },
  ): Promise<{
    status: number;
    headers: Headers;
    events: { event: string; data: unknown; id?: string }[];
  }>;
  close(): Promise<void>;
}

export async function startHarness(
  store: Store,
  options: ServerOptions & { env?: NodeJS.ProcessEnv; chatModel?: BaseChatModel | null } = {},
): Promise<Harness> {
  const env = { ENFORCEAI_HOME: "/tmp/enforceai-api-test-unused", ENFORCEAI_USER: "tester", ...options.env };
  const app = await createApp(loadConfig(env), {
    store,
    logger: createLogger({ level: "silent", format: "json" }),
  });
  const server = await createServer(app, {
    chatModel: null,
    rateLimit: false,
    requestLog: false,
    ...options,
  });
  const { url } = await server.listen(0, "127.0.0.1");
  const keys = {} as Harness["keys"];
  for (const role of ["viewer", "operator", "approver", "admin"] as const) {
    // A second harness over the same store stands for the same people.
    const k = await store.apiKeys.create(role, "test", `${role}-user`, { sameHolder: true });
    keys[role] = { id: k.id, key: k.key };
  }
  const call: Harness["call"] = async (method, path, o = {}) => {
    const headers: Record<string, string> = { ...o.headers };
    const key = o.key === undefined ? keys[o.role ?? "admin"].key : o.key;
    if (key !== null) headers.authorization = `Bearer ${key}`;
    let body: string | Uint8Array | FormData | undefined = o.raw;
    if (o.body !== undefined) {
      body = JSON.stringify(o.body);
      headers["content-type"] ??= "application/json";
    }
    const res = await fetch(`${url}${path}`, { method, headers, body });
    const text = await res.text();
    let parsed: unknown = text;
    if (/json/.test(res.headers.get("content-type") ?? "")) {
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = text;
      }
    }
    return { status: res.status, headers: res.headers, text, body: parsed };
  };
  const waitForScan = async (id: string) => {
    for (let i = 0; i < 300; i++) {
      const r = await call("GET", `/api/v1/scans/${id}`, { role: "viewer" });
      if (r.body.scan.status !== "running") return r.body.scan.status as string;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`scan ${id} still running after 30 s`);
  };
  return {
    app,
    server,
    url,
    keys,
    call,
    waitForScan,
    async demoScan(role = "operator", body = { demo: true }) {
      const r = await call("POST", "/api/v1/scans", { role, body });
      if (r.status !== 202) throw new Error(`scan did not start: ${r.status} ${r.text}`);
      await waitForScan(r.body.id);
      return r.body.id as string;
    },
    async events(path, o = {}) {
      const headers: Record<string, string> = {
        authorization: `Bearer ${keys[o.role ?? "admin"].key}`,
        ...o.headers,
      };
      if (o.body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(`${url}${path}`, {
        method: o.body === undefined ? "GET" : "POST",
        headers,
        body: o.body === undefined ? undefined : JSON.stringify(o.body),
      });
      const text = await res.text();
      return { status: res.status, headers: res.headers, events: res.ok ? parseSse(text) : [] };
    },
    async close() {
      await server.close(2_000);
      await app.close();
    },
  };
}

/** Parses with the declared schema and fails the test with the issues when the body does not match. */
export function conforms<T extends z.ZodType>(schema: T, body: unknown): z.output<T> {
  const result = schema.safeParse(body);
  if (!result.success) {
    throw new Error(`response does not match its schema: ${JSON.stringify(result.error.issues.slice(0, 5))}`);
  }
  return result.data;
}
