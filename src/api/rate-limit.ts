/**
 * Per-key rate limits (and per client address for unauthenticated attempts) with rate-limiter-flexible. A key
 * may send `perSecond` requests a second steadily and up to `burst` at once after a quiet spell: a steady
 * limiter (one request per 1/perSecond s) and, when it is spent, a burst limiter (`burst - 1` requests per the
 * time the steady rate takes to earn them back) — rate-limiter-flexible's BurstyRateLimiter.
 *
 * With Redis (REDIS_URL) both limiters live in Redis, so every API process shares them; each has an in-memory
 * insurance limiter with the same settings, so a Redis outage degrades to per-process limits instead of
 * failing every authenticated request. Without Redis they live in this process.
 */
import { Redis } from "ioredis";
import {
  BurstyRateLimiter,
  RateLimiterMemory,
  RateLimiterRedis,
  RateLimiterRes,
  type RateLimiterStoreAbstract,
} from "rate-limiter-flexible";
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
  /** Whole seconds until a request is allowed again (0 when allowed). */
  retryAfterSeconds: number;
  /** Requests left in the limiter that answered (0 when refused). */
  remaining: number;
}

export interface RateLimiter {
  readonly kind: "memory" | "redis";
  take(bucket: string): Promise<Verdict>;
  close(): Promise<void>;
}

interface Limits {
  points: number;
  /** Seconds, fractional. */
  duration: number;
}

/** The steady limiter, and the burst limiter (none when the burst is 1: nothing beyond the steady rate). */
function limits(settings: RateLimitSettings): { steady: Limits; burst?: Limits } {
  const steady = { points: 1, duration: 1 / settings.perSecond };
  const extra = Math.floor(settings.burst) - 1;
  return extra >= 1 ? { steady, burst: { points: extra, duration: extra / settings.perSecond } } : { steady };
}

interface Consumer {
  consume(key: string): Promise<RateLimiterRes>;
}

function wrap(kind: RateLimiter["kind"], limiter: Consumer, close: () => Promise<void>): RateLimiter {
  return {
    kind,
    async take(bucket) {
      try {
        const res = await limiter.consume(bucket);
        return { allowed: true, retryAfterSeconds: 0, remaining: res.remainingPoints };
      } catch (rejection) {
        if (!(rejection instanceof RateLimiterRes)) throw rejection;
        return {
          allowed: false,
          retryAfterSeconds: Math.max(1, Math.ceil(rejection.msBeforeNext / 1000)),
          remaining: 0,
        };
      }
    },
    close,
  };
}

export function createMemoryRateLimiter(settings: RateLimitSettings): RateLimiter {
  const { steady, burst } = limits(settings);
  const limiter = new RateLimiterMemory({ keyPrefix: "steady", ...steady });
  return wrap(
    "memory",
    burst ? new BurstyRateLimiter(limiter, new RateLimiterMemory({ keyPrefix: "burst", ...burst })) : limiter,
    async () => {},
  );
}

/**
 * rate-limiter-flexible's script with millisecond expiry (`PX`): its own uses `EX`, whole seconds, and a
 * steady interval is a fraction of one. ARGV: points to add, duration in seconds.
 */
const INCR_TTL_MS_LUA = `
local ms = math.max(1, math.floor(tonumber(ARGV[2]) * 1000))
redis.call('set', KEYS[1], 0, 'PX', ms, 'NX')
local consumed = redis.call('incrby', KEYS[1], ARGV[1])
local ttl = redis.call('pttl', KEYS[1])
if ttl == -1 then
  redis.call('pexpire', KEYS[1], ms)
  ttl = ms
end
return {consumed, ttl}
`;

export interface RedisRateLimiterOptions {
  namespace?: string;
  /** Told once per outage that Redis is unreachable and limits are per process until it is back. */
  onOutage?: (message: string) => void;
}

export async function createRedisRateLimiter(
  url: string,
  settings: RateLimitSettings,
  options: RedisRateLimiterOptions | string = {},
): Promise<RateLimiter> {
  const { namespace = "enforceai:ratelimit:", onOutage } =
    typeof options === "string" ? { namespace: options } : options;
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1, enableOfflineQueue: false });
  let down = false;
  redis.on("error", (error: unknown) => {
    if (down) return;
    down = true;
    onOutage?.(
      `Redis for rate limits at ${new URL(url).host} is unreachable (${errorMessage(error)}); limiting per process until it is back`,
    );
  });
  redis.on("ready", () => {
    down = false;
  });
  // Waits for the first answer, connected or refused, never for Redis to come back: ioredis keeps retrying,
  // and the insurance limiters answer until it does.
  const settled = new Promise<void>((resolve) => {
    redis.once("ready", () => resolve());
    redis.once("error", () => resolve());
  });
  void redis.connect().catch(() => {});
  await settled;
  const { steady, burst } = limits(settings);
  const store = (prefix: string, l: Limits): RateLimiterStoreAbstract =>
    new RateLimiterRedis({
      storeClient: redis,
      keyPrefix: `${namespace}${prefix}`,
      ...l,
      customIncrTtlLuaScript: INCR_TTL_MS_LUA,
      // Straight to the insurance limiter while the connection is down, instead of waiting on a command.
      rejectIfRedisNotReady: true,
      insuranceLimiter: new RateLimiterMemory({ keyPrefix: prefix, ...l }),
    });
  const limiter = store("steady", steady);
  return wrap("redis", burst ? new BurstyRateLimiter(limiter, store("burst", burst)) : limiter, async () => {
    await redis.quit().catch(() => redis.disconnect());
  });
}

export async function createRateLimiter(
  settings: RateLimitSettings,
  options: { redisUrl?: string; onOutage?: (message: string) => void } = {},
): Promise<RateLimiter> {
  if (!(settings.perSecond > 0) || !(settings.burst >= 1)) {
    throw new ServiceError("rate limit settings need perSecond > 0 and burst >= 1");
  }
  return options.redisUrl
    ? createRedisRateLimiter(options.redisUrl, settings, { onOutage: options.onOutage })
    : createMemoryRateLimiter(settings);
}
