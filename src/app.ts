import type { Cache } from "./cache/index.ts";
import { createCache } from "./cache/index.ts";
import type { Config } from "./config/index.ts";
import { type EngineKnowledge, loadEngineKnowledge } from "./engine/knowledge.ts";
import type { KnowledgeSearch } from "./knowledge/types.ts";
import { type CallPolicy, DEFAULT_CALL_POLICY, Semaphore } from "./llm/invoke.ts";
import { createModels, type ModelPair } from "./llm/models.ts";
import { createLogger, type Logger } from "./logger.ts";
import { openStore, type Store } from "./store/index.ts";

export type Clock = () => Date;

/**
 * The composition root: every long-lived dependency is created here, once, and passed down. Nothing else in
 * the code base opens a database, a cache or a logger on its own.
 */
export interface App {
  config: Config;
  logger: Logger;
  store: Store;
  cache: Cache;
  clock: Clock;
  knowledge(): Promise<EngineKnowledge>;
  /** The configured models, or undefined offline. */
  models(): Promise<ModelPair | undefined>;
  callPolicy: CallPolicy;
  /** Retrieval over the framework documents (indexed on first use), or undefined when unavailable. */
  retrieval(): Promise<KnowledgeSearch | undefined>;
  close(): Promise<void>;
}

export interface CreateAppOptions {
  logger?: Logger;
  clock?: Clock;
  store?: Store;
  cache?: Cache;
  /** Scripted models in tests; other LangChain chat models in embedding applications. */
  models?: Parameters<typeof createModels>[1];
  retrieval?: () => Promise<KnowledgeSearch | undefined>;
}

export async function createApp(config: Config, options: CreateAppOptions = {}): Promise<App> {
  const logger = options.logger ?? createLogger(config.log);
  const store = options.store ?? (await openStore({ databaseUrl: config.databaseUrl, home: config.home }));
  let cache: Cache;
  try {
    cache = options.cache ?? (await createCache({ redisUrl: config.redisUrl }));
  } catch (error) {
    await store.close();
    throw error;
  }
  let knowledge: Promise<EngineKnowledge> | undefined;
  let models: Promise<ModelPair | undefined> | undefined;
  return {
    config,
    logger,
    store,
    cache,
    clock: options.clock ?? (() => new Date()),
    knowledge() {
      knowledge ??= loadEngineKnowledge({
        checksDir: config.checksDir,
        frameworksDir: config.frameworksDir,
        settingsFile: config.settingsFile,
      });
      return knowledge;
    },
    models() {
      models ??= createModels(config, options.models);
      return models;
    },
    callPolicy: {
      ...DEFAULT_CALL_POLICY,
      timeoutMs: config.llm.timeoutMs,
      semaphore: new Semaphore(config.llm.concurrency),
    },
    retrieval: options.retrieval ?? (async () => undefined),
    async close() {
      await cache.close();
      await store.close();
    },
  };
}
