/**
 * Per-key rate limits: a token bucket per API key (and per client address for unauthenticated attempts). Each
 * bucket holds up to `burst` tokens and refills at `perSecond`; a request takes one token, and an empty bucket
 * answers 429 with Retry-After. In Redis (REDIS_URL) the bucket is updated by one Lua script, atomically and on
 * Redis's clock, so every API process shares it; otherwise it lives in this process.
 */
import { Redis } from "ioredis";
import { LRUCache } from "lru-cache";
import { errorMessage, ServiceError } from "../errors.ts";

export interface RateLimitSettings {
  /** Sustained requests per second per key. */
  perSecond: number;
  /** Bucket size: how many requests may come at once after a quiet spell. */
  burst: number;
}

export const DEFAULT_RATE_LIMIT: RateLimitSettings = { perSecond: 20, burst: 60 };

export interface Verdict {
  allowed: boolean;
  /** Whole seconds until one token is back (0 when allowed). */
  retryAfterSeconds: number;
  remaining: number;
}

export interface RateLimiter {
  readonly kind: "memory" | "redis";
  take(bucket: string): Promise<Verdict>;
  close(): Promise<void>;
}

export function createMemoryRateLimiter(
  settings: RateLimitSettings,
  now: () => number = () => performance.now(),
): RateLimiter {
  const buckets = new LRUCache<string, { tokens: number; at: number }>({ max: 100_000 });
  const perMs = settings.perSecond / 1000;
  return {
    kind: "memory",
    async take(bucket) {
      const t = now();
      const b = buckets.get(bucket) ?? { tokens: settings.burst, at: t };
      b.tokens = Math.min(settings.burst, b.tokens + Math.max(0, t - b.at) * perMs);
      b.at = t;
      if (b.tokens >= 1) {
        b.tokens -= 1;
        buckets.set(bucket, b);
        return { allowed: true, retryAfterSeconds: 0, remaining: Math.floor(b.tokens) };
      }
      buckets.set(bucket, b);
      return {
        allowed: false,
        retryAfterSeconds: Math.max(1, Math.ceil((1 - b.tokens) / perMs / 1000)),
        remaining: 0,
      };
    },
    async close() {
      buckets.clear();
    },
  };
}

/** KEYS[1] bucket; ARGV: burst, tokens per millisecond. Returns {allowed, retryMs, remaining}. */
const TOKEN_BUCKET_LUA = `
local burst = tonumber(ARGV[1])
local perMs = tonumber(ARGV[2])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local data = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(data[1]) or burst
local at = tonumber(data[2]) or now
tokens = math.min(burst, tokens + math.max(0, now - at) * perMs)
local allowed = 0
local retry = 0
if tokens >= 1 then
  tokens = tokens - 1
  allowed = 1
else
  retry = math.ceil((1 - tokens) / perMs)
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'at', tostring(now))
redis.call('PEXPIRE', KEYS[1], math.ceil(burst / perMs) + 1000)
return {allowed, retry, math.floor(tokens)}
`;

export async function createRedisRateLimiter(
  url: string,
  settings: RateLimitSettings,
  namespace = "enforceai:ratelimit:",
): Promise<RateLimiter> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 2, enableOfflineQueue: false });
  redis.on("error", () => {});
  try {
    await redis.connect();
  } catch (error) {
    redis.disconnect();
    throw new ServiceError(
      `cannot connect to Redis for rate limits at ${new URL(url).host}: ${errorMessage(error)}. Check REDIS_URL.`,
    );
  }
  const perMs = settings.perSecond / 1000;
  return {
    kind: "redis",
    async take(bucket) {
      const [allowed, retryMs, remaining] = (await redis.eval(
        TOKEN_BUCKET_LUA,
        1,
        namespace + bucket,
        String(settings.burst),
        String(perMs),
      )) as [number, number, number];
      return {
        allowed: allowed === 1,
        retryAfterSeconds: allowed === 1 ? 0 : Math.max(1, Math.ceil(retryMs / 1000)),
        remaining,
      };
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}

export async function createRateLimiter(
  settings: RateLimitSettings,
  options: { redisUrl?: string } = {},
): Promise<RateLimiter> {
  if (!(settings.perSecond > 0) || !(settings.burst >= 1)) {
    throw new ServiceError("rate limit settings need perSecond > 0 and burst >= 1");
  }
  return options.redisUrl
    ? createRedisRateLimiter(options.redisUrl, settings)
    : createMemoryRateLimiter(settings);
}
