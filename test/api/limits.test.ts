/** Rate limits (in-process and Redis token buckets; 429 with Retry-After over HTTP) and CORS when configured. */
import net from "node:net";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import {
  createMemoryRateLimiter,
  createRateLimiter,
  createRedisRateLimiter,
} from "../../src/api/rate-limit.ts";
import { parseCorsOrigins } from "../../src/api/security.ts";
import { createServer } from "../../src/api/server.ts";
import { createApp } from "../../src/app.ts";
import { createMemoryCache } from "../../src/cache/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createLogger } from "../../src/logger.ts";
import { openStore } from "../../src/store/index.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { type Harness, startHarness } from "./harness.ts";

describe("token bucket in process", () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it("allows the burst, then refills at the rate; Retry-After in whole seconds", async () => {
    // rate-limiter-flexible reads Date.now(): the clock is vitest's.
    vi.useFakeTimers({ toFake: ["Date"], now: 1_700_000_000_000 });
    const limiter = createMemoryRateLimiter({ perSecond: 2, burst: 3 });
    for (let i = 0; i < 3; i++) expect((await limiter.take("k")).allowed).toBe(true);
    const denied = await limiter.take("k");
    expect(denied).toEqual({ allowed: false, retryAfterSeconds: 1, remaining: 0 });
    expect((await limiter.take("other")).allowed).toBe(true);
    vi.setSystemTime(Date.now() + 500); // one token back
    expect((await limiter.take("k")).allowed).toBe(true);
    expect((await limiter.take("k")).allowed).toBe(false);
    vi.setSystemTime(Date.now() + 10_000); // never more than the burst
    for (let i = 0; i < 3; i++) expect((await limiter.take("k")).allowed).toBe(true);
    expect((await limiter.take("k")).allowed).toBe(false);
  });
});

serviceDescribe("redis", "token bucket in Redis", (url) => {
  it("is shared by every process that uses the same Redis", async () => {
    const settings = { perSecond: 1, burst: 2 };
    const ns = `enforceai:test:${Date.now()}:`;
    const a = await createRedisRateLimiter(url, settings, ns);
    const b = await createRedisRateLimiter(url, settings, ns);
    try {
      const bucket = `key:${Math.random()}`;
      expect((await a.take(bucket)).allowed).toBe(true);
      expect((await b.take(bucket)).allowed).toBe(true);
      const denied = await a.take(bucket);
      expect(denied.allowed).toBe(false);
      expect(denied.retryAfterSeconds).toBe(1);
      expect((await b.take(bucket)).allowed).toBe(false);
      await new Promise((r) => setTimeout(r, 1100));
      expect((await b.take(bucket)).allowed).toBe(true);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe("over HTTP", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(await openStore({ dataDir: "memory://" }), {
      rateLimit: { perSecond: 0.5, burst: 3 },
      corsOrigins: parseCorsOrigins("https://grc.example.com, http://localhost:5173"),
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("429 with Retry-After once a key's burst is spent; other keys are not affected", async () => {
    const statuses: number[] = [];
    let last: Awaited<ReturnType<Harness["call"]>> | undefined;
    for (let i = 0; i < 4; i++) {
      last = await h.call("GET", "/api/v1/scans", { role: "viewer" });
      statuses.push(last.status);
    }
    expect(statuses).toEqual([200, 200, 200, 429]);
    expect(Number(last!.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
    expect(last!.body).toMatchObject({ status: 429, type: "urn:enforceai:problem:rate-limited" });
    expect((await h.call("GET", "/api/v1/scans", { role: "operator" })).status).toBe(200);
  });

  it("failed key attempts spend the client's address's bucket", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 4; i++)
      statuses.push((await h.call("GET", "/api/v1/scans", { key: `eai_guess-${i}-aaaaaaaa` })).status);
    expect(statuses).toEqual([401, 401, 401, 429]);
  });

  it("CORS: listed origins get the headers and a preflight answer; others get nothing", async () => {
    const allowed = await h.call("GET", "/healthz", {
      key: null,
      headers: { origin: "https://grc.example.com" },
    });
    expect(allowed.headers.get("access-control-allow-origin")).toBe("https://grc.example.com");
    expect(allowed.headers.get("vary")).toMatch(/Origin/);
    const preflight = await h.call("OPTIONS", "/api/v1/scans", {
      key: null,
      headers: { origin: "http://localhost:5173", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get("access-control-allow-headers")).toMatch(/Authorization/);
    const other = await h.call("GET", "/healthz", { key: null, headers: { origin: "https://evil.example" } });
    expect(other.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("CORS origins are checked when read", () => {
    expect(parseCorsOrigins(undefined)).toEqual([]);
    expect(() => parseCorsOrigins("*")).toThrow(/may not be \*/);
    expect(() => parseCorsOrigins("not a url")).toThrow(/not an origin/);
    expect(parseCorsOrigins("https://a.example/path")).toEqual(["https://a.example"]);
  });
});

describe("while Redis is down", () => {
  it("requests still succeed and are still limited (in-memory insurance limiter)", {
    timeout: 90_000,
  }, async () => {
    // A port nothing listens on: bound, then closed, so connecting is refused like a Redis that went away.
    const closedPort = await new Promise<number>((resolve, reject) => {
      const probe = net.createServer();
      probe.once("error", reject);
      probe.listen(0, "127.0.0.1", () => {
        const { port } = probe.address() as net.AddressInfo;
        probe.close(() => resolve(port));
      });
    });
    const redisUrl = `redis://127.0.0.1:${closedPort}/0`;
    const warnings: string[] = [];
    const limiter = await createRateLimiter(
      { perSecond: 0.5, burst: 3 },
      { redisUrl, onOutage: (m) => warnings.push(m) },
    );
    try {
      expect(limiter.kind).toBe("redis");
      const verdicts = [];
      for (let i = 0; i < 4; i++) verdicts.push((await limiter.take("key:outage")).allowed);
      expect(verdicts).toEqual([true, true, true, false]);
      // The refused connection is reported once (asynchronously, as ioredis notices it).
      await vi.waitFor(() => expect(warnings).toHaveLength(1));
      expect(warnings[0]).toMatch(new RegExp(`127\\.0\\.0\\.1:${closedPort} is unreachable`));
    } finally {
      await limiter.close();
    }

    // The same over HTTP: the server starts with REDIS_URL unreachable and answers, then limits.
    const store = await openStore({ dataDir: "memory://" });
    const app = await createApp(
      loadConfig({
        ENFORCEAI_HOME: "/tmp/enforceai-api-test-unused",
        ENFORCEAI_USER: "tester",
        REDIS_URL: redisUrl,
      }),
      { store, cache: createMemoryCache(), logger: createLogger({ level: "silent", format: "json" }) },
    );
    const server = await createServer(app, {
      chatModel: null,
      requestLog: false,
      rateLimit: { perSecond: 0.5, burst: 3 },
    });
    try {
      const { url } = await server.listen(0, "127.0.0.1");
      const { key } = await store.apiKeys.create("viewer", "test", "outage");
      const statuses: number[] = [];
      for (let i = 0; i < 4; i++) {
        const res = await fetch(`${url}/api/v1/scans`, { headers: { authorization: `Bearer ${key}` } });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
      expect(statuses).toEqual([200, 200, 200, 429]);
    } finally {
      await server.close(1_000);
      await app.close();
    }
  });
});
