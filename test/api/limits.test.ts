/** Rate limits (in-process and Redis token buckets; 429 with Retry-After over HTTP) and CORS when configured. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryRateLimiter, createRedisRateLimiter } from "../../src/api/rate-limit.ts";
import { parseCorsOrigins } from "../../src/api/security.ts";
import { openStore } from "../../src/store/index.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { type Harness, startHarness } from "./harness.ts";

describe("token bucket in process", () => {
  it("allows the burst, then refills at the rate; Retry-After in whole seconds", async () => {
    let now = 0;
    const limiter = createMemoryRateLimiter({ perSecond: 2, burst: 3 }, () => now);
    for (let i = 0; i < 3; i++) expect((await limiter.take("k")).allowed).toBe(true);
    const denied = await limiter.take("k");
    expect(denied).toEqual({ allowed: false, retryAfterSeconds: 1, remaining: 0 });
    expect((await limiter.take("other")).allowed).toBe(true);
    now += 500; // one token back
    expect((await limiter.take("k")).allowed).toBe(true);
    expect((await limiter.take("k")).allowed).toBe(false);
    now += 10_000; // never more than the burst
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
