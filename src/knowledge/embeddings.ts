import type { Cache } from "../cache/index.ts";
import type { Config } from "../config/index.ts";
import { errorMessage, ServiceError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import { type IngestThread, threadedLocalEmbedder } from "./ingest-thread.ts";
import { sha256 } from "./loaders.ts";
import { createLocalEmbedder } from "./local-embedder.ts";
import type { Embedder } from "./types.ts";

export const TITAN_V2_MODEL = "amazon.titan-embed-text-v2:0";
export const TITAN_V2_DIMENSIONS = 1024;

/**
 * Amazon Titan Text Embeddings v2 through `@langchain/aws` (1024 dimensions, normalised). Constructed only
 * when `ENFORCEAI_EMBEDDINGS=bedrock`; the SDK's default credential chain applies. Not exercised by the tests
 * (no model runs on the test machines).
 */
export async function createBedrockEmbedder(options: { region?: string; model?: string }): Promise<Embedder> {
  const model = options.model ?? TITAN_V2_MODEL;
  // config.llm.region: ENFORCEAI_BEDROCK_REGION, then AWS_REGION / AWS_DEFAULT_REGION.
  const region = options.region;
  if (!region) {
    throw new ServiceError(
      "ENFORCEAI_EMBEDDINGS=bedrock needs a region: set ENFORCEAI_BEDROCK_REGION or AWS_REGION (e.g. us-east-1)",
    );
  }
  const { BedrockEmbeddings } = await import("@langchain/aws");
  // Titan v2 embeds one text per request: batching is ours (see withBatchingAndCache), not the client's.
  const client = new BedrockEmbeddings({ model, region, maxRetries: 0 });
  return {
    id: `bedrock:${model}`,
    dimensions: TITAN_V2_DIMENSIONS,
    embedDocuments: (texts) => client.embedDocuments(texts),
    embedQuery: (text) => client.embedQuery(text),
  };
}

export interface EmbeddingPolicy {
  /** Texts per call to the underlying embedder. */
  batchSize?: number;
  /** Attempts per batch (1 = no retry). */
  attempts?: number;
  /** First back-off delay in ms; doubles each retry. */
  backoffMs?: number;
  cacheTtlSeconds?: number;
  logger?: Logger;
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE =
  /throttl|too many requests|rate exceeded|timeout|timed out|ECONNRESET|ETIMEDOUT|EAI_AGAIN|socket hang up|service unavailable|internal server|50[0-4]/i;

/**
 * Wraps an embedder with a cache keyed by model id and the text's sha256 (so re-embedding unchanged text is
 * free, across processes when the cache is Redis), batching, and retries with exponential back-off on
 * transient errors (throttling, timeouts, 5xx).
 */
export function withBatchingAndCache(
  inner: Embedder,
  cache: Cache | undefined,
  policy: EmbeddingPolicy = {},
): Embedder {
  const batchSize = policy.batchSize ?? 32;
  const attempts = policy.attempts ?? 3;
  const backoff = policy.backoffMs ?? 500;
  const ttl = policy.cacheTtlSeconds ?? 30 * 24 * 3600;
  const sleep = policy.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  const key = (text: string) => `emb:${inner.id}:${sha256(text)}`;

  async function withRetry<T>(what: string, fn: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        const message = errorMessage(error);
        if (attempt >= attempts || !RETRYABLE.test(message)) {
          throw new ServiceError(`embedding with ${inner.id} failed (${what}): ${message}`, undefined, {
            cause: error,
          });
        }
        const delay = backoff * 2 ** (attempt - 1);
        policy.logger?.warn(
          { model: inner.id, attempt, delay, error: message },
          "embedding failed; retrying",
        );
        await sleep(delay);
      }
    }
  }

  async function embedMany(texts: string[]): Promise<number[][]> {
    const out = new Array<number[] | undefined>(texts.length);
    const missing = new Map<string, number[]>(); // text → positions
    for (let i = 0; i < texts.length; i++) {
      const t = texts[i]!;
      const hit = cache ? await cache.get<number[]>(key(t)) : undefined;
      if (hit && hit.length === inner.dimensions) out[i] = hit;
      else {
        const list = missing.get(t) ?? [];
        list.push(i);
        missing.set(t, list);
      }
    }
    const todo = [...missing.keys()];
    for (let start = 0; start < todo.length; start += batchSize) {
      const batch = todo.slice(start, start + batchSize);
      const vectors = await withRetry(`${batch.length} text(s)`, () => inner.embedDocuments(batch));
      if (vectors.length !== batch.length) {
        throw new ServiceError(
          `embedding with ${inner.id} returned ${vectors.length} vectors for ${batch.length} texts`,
        );
      }
      for (let j = 0; j < batch.length; j++) {
        const v = vectors[j]!;
        if (v.length !== inner.dimensions) {
          throw new ServiceError(
            `embedding with ${inner.id} returned ${v.length} dimensions, expected ${inner.dimensions}`,
          );
        }
        for (const i of missing.get(batch[j]!)!) out[i] = v;
        if (cache) await cache.set(key(batch[j]!), v, ttl);
      }
    }
    return out as number[][];
  }

  return {
    id: inner.id,
    dimensions: inner.dimensions,
    embedDocuments: embedMany,
    async embedQuery(text) {
      const hit = cache ? await cache.get<number[]>(`${key(text)}:q`) : undefined;
      if (hit && hit.length === inner.dimensions) return hit;
      const v = await withRetry("query", () => inner.embedQuery(text));
      if (cache) await cache.set(`${key(text)}:q`, v, ttl);
      return v;
    },
  };
}

/**
 * The configured embedder: local by default, Titan v2 on Bedrock when `ENFORCEAI_EMBEDDINGS=bedrock`. With an
 * ingest thread, the local embedder computes its document vectors there (same vectors, off the event loop).
 */
export async function createEmbedder(
  config: Pick<Config, "embeddings" | "llm">,
  cache?: Cache,
  logger?: Logger,
  thread?: IngestThread,
): Promise<Embedder> {
  if (config.embeddings === "bedrock") {
    const bedrock = await createBedrockEmbedder({ region: config.llm.region });
    return withBatchingAndCache(bedrock, cache, { batchSize: 16, logger });
  }
  const local = createLocalEmbedder();
  return withBatchingAndCache(thread ? threadedLocalEmbedder(local, thread) : local, cache, {
    batchSize: 256,
    logger,
  });
}

export function cosine(a: readonly number[], b: readonly number[]): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na > 0 && nb > 0 ? dot / Math.sqrt(na * nb) : 0;
}
