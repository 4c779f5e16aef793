import { describe, expect, it } from "vitest";
import { createMemoryCache } from "../../src/cache/index.ts";
import { ServiceError } from "../../src/errors.ts";
import { cosine, withBatchingAndCache } from "../../src/knowledge/embeddings.ts";
import { createLocalEmbedder, features } from "../../src/knowledge/local-embedder.ts";
import type { Embedder } from "../../src/knowledge/types.ts";

describe("local embedder", () => {
  const e = createLocalEmbedder();

  it("is deterministic, fixed-size and L2-normalised", async () => {
    const [a, b] = await e.embedDocuments(["Root user has no access keys", "Root user has no access keys"]);
    expect(a).toHaveLength(512);
    expect(a).toEqual(b);
    expect(Math.sqrt(a!.reduce((s, x) => s + x * x, 0))).toBeCloseTo(1, 5);
    expect(e.id).toBe("local-hash-v1-512");
    expect(await e.embedQuery("")).toEqual(new Array(512).fill(0));
  });

  it("captures shared stems and the built-in synonyms, not unrelated text", async () => {
    const [mfa, twoFactor, encryption, encrypted, weather] = await e.embedDocuments([
      "Console users must have MFA enabled",
      "people signing in need a second factor such as an authenticator app",
      "encryption of stored data",
      "is the data encrypted",
      "the weather is sunny in spring",
    ]);
    expect(cosine(mfa!, twoFactor!)).toBeGreaterThan(0.15);
    expect(cosine(encryption!, encrypted!)).toBeGreaterThan(0.4);
    expect(cosine(mfa!, weather!)).toBeLessThan(0.1);
    expect(cosine(mfa!, twoFactor!)).toBeGreaterThan(cosine(mfa!, encryption!));
    expect(features("two-factor login").get("§mfa")).toBe(1);
    expect(features("log in with a password").get("§authenticate")).toBe(1);
  });
});

function scripted(failures: string[] = []) {
  const calls: string[][] = [];
  const inner: Embedder = {
    id: "scripted",
    dimensions: 3,
    async embedDocuments(texts) {
      const failure = failures.shift();
      if (failure) throw new Error(failure);
      calls.push(texts);
      return texts.map((t) => [t.length, 1, 0]);
    },
    async embedQuery(text) {
      return [text.length, 0, 1];
    },
  };
  return { inner, calls };
}

describe("batching, retries and the cache", () => {
  const noSleep = async () => {};

  it("batches, embeds each distinct text once, and serves repeats from the cache by content hash", async () => {
    const { inner, calls } = scripted();
    const cache = createMemoryCache();
    const e = withBatchingAndCache(inner, cache, { batchSize: 2, sleep: noSleep });
    const out = await e.embedDocuments(["a", "bb", "a", "ccc", "dddd"]);
    expect(out.map((v) => v[0])).toEqual([1, 2, 1, 3, 4]);
    expect(calls).toEqual([
      ["a", "bb"],
      ["ccc", "dddd"],
    ]);
    const again = await e.embedDocuments(["dddd", "a", "eeeee"]);
    expect(again.map((v) => v[0])).toEqual([4, 1, 5]);
    expect(calls.at(-1)).toEqual(["eeeee"]);
    // another embedder instance over the same cache (another process with Redis) re-uses the vectors
    const { inner: inner2, calls: calls2 } = scripted();
    await withBatchingAndCache(inner2, cache).embedDocuments(["a", "bb"]);
    expect(calls2).toEqual([]);
  });

  it("retries transient errors with back-off, and gives up on the others at once", async () => {
    const delays: number[] = [];
    const sleep = async (ms: number) => void delays.push(ms);
    const { inner, calls } = scripted(["ThrottlingException: Rate exceeded", "socket hang up"]);
    const e = withBatchingAndCache(inner, undefined, { attempts: 3, backoffMs: 100, sleep });
    expect(await e.embedDocuments(["x"])).toEqual([[1, 1, 0]]);
    expect(delays).toEqual([100, 200]);
    expect(calls).toHaveLength(1);

    const { inner: bad } = scripted(["AccessDeniedException: not authorized"]);
    const failing = withBatchingAndCache(bad, undefined, { sleep });
    await expect(failing.embedDocuments(["x"])).rejects.toThrow(ServiceError);
    await expect(
      withBatchingAndCache(scripted(["Throttling", "Throttling", "Throttling"]).inner, undefined, {
        sleep,
      }).embedDocuments(["x"]),
    ).rejects.toThrow(/embedding with scripted failed/);
  });

  it("refuses vectors of the wrong size", async () => {
    const inner: Embedder = {
      id: "broken",
      dimensions: 4,
      embedDocuments: async (texts) => texts.map(() => [1, 2]),
      embedQuery: async () => [1, 2],
    };
    await expect(withBatchingAndCache(inner, undefined).embedDocuments(["x"])).rejects.toThrow(
      /2 dimensions, expected 4/,
    );
  });
});
