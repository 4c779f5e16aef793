import { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { errorMessage, ServiceError } from "../errors.ts";

/**
 * A JSON cache with per-entry TTLs. Model answers and embeddings are cached here, keyed by content hashes,
 * so repeated work is free. Redis when `REDIS_URL` is set (shared by workers), else in-process.
 */
export interface Cache {
  readonly kind: "redis" | "memory";
  get<T>(key: string): Promise<T | undefined>;
  set(key: string, value: unknown, ttlSeconds?: number): Promise<void>;
  delete(key: string): Promise<void>;
  /** Removes every key that starts with the prefix (this cache's namespace only). */
  clear(prefix?: string): Promise<void>;
  ping(): Promise<boolean>;
  close(): Promise<void>;
}

export const DEFAULT_TTL_SECONDS = 7 * 24 * 3600;

export function createMemoryCache(options: { maxEntries?: number; namespace?: string } = {}): Cache {
  const lru = new LRUCache<string, { json: string }>({
    max: options.maxEntries ?? 10_000,
    ttlAutopurge: false,
  });
  const ns = options.namespace ?? "enforceai:";
  return {
    kind: "memory",
    async get<T>(key: string) {
      const hit = lru.get(ns + key);
      return hit ? (JSON.parse(hit.json) as T) : undefined;
    },
    async set(key, value, ttlSeconds = DEFAULT_TTL_SECONDS) {
      // Stored as JSON so both backends hand back equal, unshared copies.
      lru.set(ns + key, { json: JSON.stringify(value) }, { ttl: ttlSeconds * 1000 });
    },
    async delete(key) {
      lru.delete(ns + key);
    },
    async clear(prefix = "") {
      for (const k of [...lru.keys()]) if (k.startsWith(ns + prefix)) lru.delete(k);
    },
    async ping() {
      return true;
    },
    async close() {
      lru.clear();
    },
  };
}

export async function createRedisCache(url: string, options: { namespace?: string } = {}): Promise<Cache> {
  const ns = options.namespace ?? "enforceai:";
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on("error", () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new ServiceError(
      `cannot connect to Redis at ${new URL(url).host}: ${errorMessage(error).replace(/\.+$/, "")}. Check REDIS_URL, or unset it to use the in-process cache.`,
    );
  }
  return {
    kind: "redis",
    async get<T>(key: string) {
      const raw = await redis.get(ns + key);
      return raw === null ? undefined : (JSON.parse(raw) as T);
    },
    async set(key, value, ttlSeconds = DEFAULT_TTL_SECONDS) {
      await redis.set(ns + key, JSON.stringify(value), "EX", Math.max(1, Math.round(ttlSeconds)));
    },
    async delete(key) {
      await redis.del(ns + key);
    },
    async clear(prefix = "") {
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", `${ns}${prefix}*`, "COUNT", 500);
        cursor = next;
        if (keys.length > 0) await redis.del(...keys);
      } while (cursor !== "0");
    },
    async ping() {
      try {
        return (await redis.ping()) === "PONG";
      } catch {
        return false;
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export async function createCache(options: { redisUrl?: string; namespace?: string }): Promise<Cache> {
  return options.redisUrl ? createRedisCache(options.redisUrl, options) : createMemoryCache(options);
}
