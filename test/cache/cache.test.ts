import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Cache, createMemoryCache, createRedisCache } from "../../src/cache/index.ts";
import { ServiceError } from "../../src/errors.ts";
import { requireService } from "../helpers/services.ts";

const redisUrl = requireService("redis");
const backends: [string, () => Promise<Cache>][] = [
  ["memory", async () => createMemoryCache({ namespace: `t${randomBytes(4).toString("hex")}:` })],
];
if (redisUrl) {
  backends.push([
    "redis",
    () => createRedisCache(redisUrl, { namespace: `t${randomBytes(4).toString("hex")}:` }),
  ]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe.each(backends)("cache on %s", (_name, open) => {
  let cache: Cache;
  beforeAll(async () => {
    cache = await open();
  });
  afterAll(async () => {
    await cache?.clear();
    await cache?.close();
  });

  it("round-trips JSON values and returns undefined for a miss", async () => {
    await cache.set("a", { n: 1, list: ["x"], nested: { ok: true } });
    expect(await cache.get("a")).toEqual({ n: 1, list: ["x"], nested: { ok: true } });
    expect(await cache.get("missing")).toBeUndefined();
  });

  it("hands back copies, never the stored object", async () => {
    const value = { n: 1 };
    await cache.set("copy", value);
    value.n = 2;
    const got = await cache.get<{ n: number }>("copy");
    expect(got).toEqual({ n: 1 });
  });

  it("expires entries after their TTL", async () => {
    await cache.set("short", "v", 1);
    expect(await cache.get("short")).toBe("v");
    await sleep(1_100);
    expect(await cache.get("short")).toBeUndefined();
  });

  it("deletes one key and clears by prefix", async () => {
    await cache.set("llm:1", 1);
    await cache.set("llm:2", 2);
    await cache.set("emb:1", 3);
    await cache.delete("llm:1");
    expect(await cache.get("llm:1")).toBeUndefined();
    await cache.clear("llm:");
    expect(await cache.get("llm:2")).toBeUndefined();
    expect(await cache.get("emb:1")).toBe(3);
  });

  it("answers ping", async () => {
    expect(await cache.ping()).toBe(true);
  });
});

describe("redis cache errors", () => {
  it("says which URL failed and what to do when Redis is unreachable", async () => {
    const error = await createRedisCache("redis://127.0.0.1:1/0").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServiceError);
    expect((error as Error).message).toMatch(/cannot connect to Redis at 127\.0\.0\.1:1.*REDIS_URL/);
  });
});
