import type { Cache } from "./cache/index.ts";
import { createCache } from "./cache/index.ts";
import type { Config } from "./config/index.ts";
import type { Clock } from "./domain/types.ts";
import type { KnowledgeSearch } from "./knowledge/types.ts";
import { DEFAULT_CALL_POLICY } from "./llm/invoke.ts";
import { createModels, type ModelPair } from "./llm/models.ts";
import { createLogger, type Logger } from "./logger.ts";
import { loadRemediationPolicy, type RemediationPolicy } from "./planning/strategy.ts";
import { createCatalogProvider } from "./services/catalog.ts";
import { createKnowledge, failInterruptedIngestions, type Knowledge } from "./services/knowledge-base.ts";
import type { Runtime } from "./services/runtime.ts";
import { openStore, type Store } from "./store/index.ts";

/**
 * The composition root: every long-lived dependency is created here, once, and passed down. Nothing else in
 * the code base opens a database, a cache or a logger on its own.
 */
export interface App extends Runtime {
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
  // The embedded store's lock admits one process: documents it finds mid-ingestion were left by one that died.
  if (!options.store && store.kind === "pglite") await failInterruptedIngestions(store, logger);
  let cache: Cache;
  try {
    cache = options.cache ?? (await createCache({ redisUrl: config.redisUrl }));
  } catch (error) {
    await store.close();
    throw error;
  }
  let models: Promise<ModelPair | undefined> | undefined;
  const getModels = () => {
    models ??= createModels(config, options.models);
    return models;
  };
  let knowledgeBase: Promise<Knowledge> | undefined;
  const openKnowledgeBase = () => {
    knowledgeBase ??= (async () => {
      const pair = await getModels();
      return createKnowledge({
        config,
        store,
        cache,
        logger,
        engine: () => catalog.current(),
        onMappingDecided: () => catalog.invalidate(),
        chatModel: pair?.analysis.model,
      });
    })();
    return knowledgeBase;
  };
  const catalog = createCatalogProvider({
    sources: {
      checksDir: config.checksDir,
      frameworksDir: config.frameworksDir,
      settingsFile: config.settingsFile,
    },
    store,
    logger,
  });
  let remediationPolicy: Promise<RemediationPolicy> | undefined;
  const loadRemediationPolicyOnce = () => {
    remediationPolicy ??= loadRemediationPolicy(config.remediation.policyFile);
    return remediationPolicy;
  };
  return {
    config,
    logger,
    store,
    cache,
    clock: options.clock ?? (() => new Date()),
    catalog: () => catalog.current(),
    fileCatalog: () => catalog.files(),
    catalogChanged: () => catalog.invalidate(),
    remediationPolicy: loadRemediationPolicyOnce,
    models: getModels,
    callPolicy: {
      ...DEFAULT_CALL_POLICY,
      timeoutMs: config.llm.timeoutMs,
      maxConcurrency: config.llm.concurrency,
    },
    retrieval: options.retrieval ?? openKnowledgeBase,
    knowledgeBase: openKnowledgeBase,
    async close() {
      if (knowledgeBase) await (await knowledgeBase.catch(() => undefined))?.close();
      await cache.close();
      await store.close();
    },
  };
}
