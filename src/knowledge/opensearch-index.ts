import type { API, Types } from "@opensearch-project/opensearch";
import { Client } from "@opensearch-project/opensearch";
import { redactUrl } from "../domain/secrets.ts";
import { errorMessage, ServiceError } from "../errors.ts";
import type { Logger } from "../logger.ts";
import {
  candidateCount,
  type IndexedChunk,
  type IndexFilters,
  type IndexQuery,
  type KnowledgeIndex,
  reciprocalRankFusion,
  type StoredChunkFields,
  storedChunkToPassage,
} from "./index-backend.ts";
import type { Passage } from "./types.ts";

type QueryContainer = Types.Common_QueryDsl.QueryContainer;
type Indices_UpdateAliases_Action = Types.Indices_UpdateAliases.Action;

export const DEFAULT_OPENSEARCH_ALIAS = "enforceai-knowledge";
/** Bump when the mapping changes: `ensure` then rebuilds the index behind the alias. */
export const OPENSEARCH_SCHEMA_VERSION = 1;

export interface OpenSearchIndexOptions {
  url: string;
  /** The alias searches and writes go through; physical indices are `<alias>-v<N>`. */
  alias?: string;
  /** Replicas per shard; `auto` = 0 on a single-node cluster, 1 otherwise. */
  replicas?: number | "auto";
  /** Use OpenSearch's own `hybrid` query when the neural-search plugin is installed (`auto`), or never. */
  nativeHybrid?: "auto" | "off";
  logger?: Logger;
  /** For tests: an existing client. */
  client?: Client;
}

interface ChunkSource extends StoredChunkFields {
  embedding: number[];
}

interface Hit {
  _id: string;
  _score: number;
  _source: ChunkSource;
}

interface SearchResponse {
  hits: { hits: Hit[]; total?: { value: number } | number };
  _scroll_id?: string;
}

/**
 * The production index: OpenSearch with an explicit mapping — `text` (BM25, english analyzer), keyword
 * metadata, and `embedding` as a `knn_vector` (HNSW, lucene engine, cosine similarity). Searches and writes
 * go through an alias; `reindex` builds a new versioned physical index and swaps the alias in one atomic
 * request, so readers never see an empty or half-built index. Hybrid ranking is reciprocal rank fusion of the
 * BM25 and k-NN lists, computed here; where the neural-search plugin is installed, OpenSearch's own `hybrid`
 * query with an RRF search pipeline is used instead (detected, not assumed).
 */
export class OpenSearchKnowledgeIndex implements KnowledgeIndex {
  readonly kind = "opensearch" as const;
  readonly key: string;
  readonly alias: string;
  private readonly client: Client;
  private readonly safeUrl: string;
  private ensured?: Promise<{ created: boolean; embeddingModel?: string }>;
  private native?: Promise<boolean>;

  constructor(private readonly options: OpenSearchIndexOptions) {
    this.alias = options.alias ?? DEFAULT_OPENSEARCH_ALIAS;
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(this.alias)) {
      throw new ServiceError(
        `invalid OpenSearch index alias "${this.alias}"; use lowercase letters, digits, . _ -`,
      );
    }
    this.safeUrl = redactUrl(options.url);
    this.client = options.client ?? new Client({ node: options.url, requestTimeout: 30_000, maxRetries: 2 });
    const host = (() => {
      try {
        return new URL(options.url).host;
      } catch {
        return options.url;
      }
    })();
    this.key = `opensearch:${host}/${this.alias}`;
  }

  /**
   * One call of the client's typed API (`what` names it in errors, e.g. `PUT /index`), with our errors: an
   * unreachable cluster says which URL and what to check; a refusal carries OpenSearch's status and type.
   */
  private async call<T>(
    what: string,
    send: () => Promise<{ statusCode?: number | null; body: unknown }>,
  ): Promise<{ status: number; body: T }> {
    try {
      const res = await send();
      return { status: res.statusCode ?? 200, body: res.body as T };
    } catch (error) {
      const e = error as {
        meta?: { statusCode?: number; body?: { error?: { type?: string; reason?: string } } };
      };
      const status = e.meta?.statusCode;
      const reason = e.meta?.body?.error?.reason ?? errorMessage(error);
      if (status === undefined) {
        throw new ServiceError(
          `cannot reach OpenSearch at ${this.safeUrl}: ${reason}. Check OPENSEARCH_URL and that the cluster is running.`,
          undefined,
          { cause: error },
        );
      }
      throw new ServiceError(
        `OpenSearch ${what} failed (${status} ${e.meta?.body?.error?.type ?? ""}): ${reason}`,
        {
          status,
          type: e.meta?.body?.error?.type,
        },
        { cause: error },
      );
    }
  }

  private async bulk(lines: unknown[], refresh: "wait_for" | "true" | "false" = "wait_for"): Promise<void> {
    if (lines.length === 0) return;
    let res: { body: { errors?: boolean; items?: Record<string, { error?: { reason?: string } }>[] } };
    try {
      res = (await this.client.bulk({ body: lines as Record<string, unknown>[], refresh })) as typeof res;
    } catch (error) {
      throw new ServiceError(
        `cannot write to OpenSearch at ${this.safeUrl}: ${errorMessage(error)}`,
        undefined,
        {
          cause: error,
        },
      );
    }
    if (res.body.errors) {
      const first = res.body.items?.map((i) => Object.values(i)[0]?.error?.reason).find(Boolean);
      throw new ServiceError(`OpenSearch refused part of a bulk write: ${first ?? "unknown reason"}`);
    }
  }

  /** The physical index the alias points at, or undefined when the alias does not exist. */
  async currentIndex(): Promise<string | undefined> {
    const res = await this.call<Record<string, unknown>>(`GET /_alias/${this.alias}`, () =>
      this.client.indices.getAlias({ name: this.alias }, { ignore: [404] }),
    );
    if (res.status === 404) return undefined;
    const names = Object.keys(res.body ?? {});
    if (names.length > 1)
      throw new ServiceError(`alias ${this.alias} points at ${names.length} indices; expected one`);
    return names[0];
  }

  private async indexMeta(
    index: string,
  ): Promise<{ embedding_model?: string; dimensions?: number; schema?: number }> {
    const res = await this.call<Record<string, { mappings?: { _meta?: Record<string, unknown> } }>>(
      `GET /${index}/_mapping`,
      () => this.client.indices.getMapping({ index }),
    );
    const meta = Object.values(res.body)[0]?.mappings?._meta ?? {};
    return meta as { embedding_model?: string; dimensions?: number; schema?: number };
  }

  private async replicaCount(): Promise<number> {
    const r = this.options.replicas ?? "auto";
    if (r !== "auto") return r;
    const res = await this.call<{ number_of_data_nodes?: number }>("GET /_cluster/health", () =>
      this.client.cluster.health(),
    );
    return (res.body.number_of_data_nodes ?? 1) > 1 ? 1 : 0;
  }

  /** The next free versioned name: `<alias>-v<N+1>`. */
  private async nextIndexName(): Promise<string> {
    const res = await this.call<{ index: string }[]>(`GET /_cat/indices/${this.alias}-v*`, () =>
      this.client.cat.indices({ index: `${this.alias}-v*`, format: "json" }, { ignore: [404] }),
    );
    const versions = (Array.isArray(res.body) ? res.body : [])
      .map((r) => new RegExp(`^${this.alias.replace(/\./g, "\\.")}-v(\\d+)$`).exec(r.index)?.[1])
      .filter((v): v is string => !!v)
      .map(Number);
    return `${this.alias}-v${Math.max(0, ...versions) + 1}`;
  }

  private async createPhysical(
    name: string,
    embedding: { model: string; dimensions: number },
  ): Promise<void> {
    const body: API.Indices_Create_RequestBody = {
      settings: {
        index: {
          knn: true,
          number_of_shards: 1,
          number_of_replicas: await this.replicaCount(),
        },
      },
      mappings: {
        dynamic: "strict",
        _meta: {
          embedding_model: embedding.model,
          dimensions: embedding.dimensions,
          schema: OPENSEARCH_SCHEMA_VERSION,
        },
        properties: {
          id: { type: "keyword" },
          document_id: { type: "keyword" },
          chunk_index: { type: "integer" },
          framework: { type: "keyword" },
          version: { type: "keyword" },
          control_id: { type: "keyword" },
          control_ids: { type: "keyword" },
          section: {
            type: "text",
            analyzer: "english",
            fields: { raw: { type: "keyword", ignore_above: 1024 } },
          },
          page: { type: "integer" },
          source: { type: "keyword" },
          content_hash: { type: "keyword" },
          embedding_model: { type: "keyword" },
          text: { type: "text", analyzer: "english" },
          embedding: {
            type: "knn_vector",
            dimension: embedding.dimensions,
            method: {
              name: "hnsw",
              engine: "lucene",
              space_type: "cosinesimil",
              parameters: { m: 16, ef_construction: 128 },
            },
          },
        },
      },
    };
    await this.call(`PUT /${name}`, () => this.client.indices.create({ index: name, body }));
  }

  ensure(embedding: {
    model: string;
    dimensions: number;
  }): Promise<{ created: boolean; embeddingModel?: string }> {
    if (this.ensured) return this.ensured.then((r) => ({ ...r, created: false }));
    this.ensured = this.doEnsure(embedding).catch((error) => {
      this.ensured = undefined;
      throw error;
    });
    return this.ensured;
  }

  private async doEnsure(embedding: { model: string; dimensions: number }) {
    const current = await this.currentIndex();
    if (current) {
      const meta = await this.indexMeta(current);
      return { created: false, embeddingModel: meta.embedding_model };
    }
    const name = await this.nextIndexName();
    try {
      await this.createPhysical(name, embedding);
    } catch (error) {
      // another process created it first: fine, as long as the alias ends up in place
      if (!(error instanceof ServiceError && error.details?.type === "resource_already_exists_exception"))
        throw error;
    }
    await this.call("POST /_aliases", () =>
      this.client.indices.updateAliases({
        body: { actions: [{ add: { index: name, alias: this.alias, is_write_index: true } }] },
      }),
    );
    const winner = await this.currentIndex();
    const meta = winner ? await this.indexMeta(winner) : {};
    return { created: winner === name, embeddingModel: meta.embedding_model ?? embedding.model };
  }

  private toSource(c: IndexedChunk): ChunkSource {
    return {
      id: c.id,
      document_id: c.documentId,
      chunk_index: c.chunkIndex,
      framework: c.framework,
      version: c.version,
      control_id: c.controlId,
      control_ids: c.controlIds,
      section: c.section,
      page: c.page,
      source: c.source,
      content_hash: c.contentHash,
      text: c.text,
      embedding_model: c.embeddingModel,
      embedding: c.embedding,
    };
  }

  private async writeChunks(
    index: string,
    chunks: IndexedChunk[],
    refresh: "wait_for" | "false" = "wait_for",
  ) {
    for (let start = 0; start < chunks.length; start += 200) {
      const lines: unknown[] = [];
      for (const c of chunks.slice(start, start + 200)) {
        lines.push({ index: { _index: index, _id: c.id } }, this.toSource(c));
      }
      await this.bulk(lines, refresh);
    }
  }

  async replaceDocument(documentId: string, chunks: IndexedChunk[]): Promise<void> {
    // New chunks first, then the old ones that are not among them: a reader sees the old version or the new
    // one (briefly both), never none.
    await this.writeChunks(this.alias, chunks);
    await this.call(`POST /${this.alias}/_delete_by_query`, () =>
      this.client.deleteByQuery({
        index: this.alias,
        refresh: true,
        conflicts: "proceed",
        body: {
          query: {
            bool: {
              filter: [{ term: { document_id: documentId } }],
              must_not: chunks.length > 0 ? [{ ids: { values: chunks.map((c) => c.id) } }] : [],
            },
          },
        },
      }),
    );
  }

  async deleteDocument(documentId: string): Promise<void> {
    await this.call(`POST /${this.alias}/_delete_by_query`, () =>
      this.client.deleteByQuery({
        index: this.alias,
        refresh: true,
        conflicts: "proceed",
        body: { query: { term: { document_id: documentId } } },
      }),
    );
  }

  async lookupEmbeddings(contentHashes: string[], embeddingModel: string): Promise<Map<string, number[]>> {
    const out = new Map<string, number[]>();
    for (let start = 0; start < contentHashes.length; start += 500) {
      const batch = contentHashes.slice(start, start + 500);
      const res = await this.call<SearchResponse>(`POST /${this.alias}/_search`, () =>
        this.client.search({
          index: this.alias,
          body: {
            size: batch.length,
            _source: ["content_hash", "embedding"],
            query: {
              bool: {
                filter: [{ terms: { content_hash: batch } }, { term: { embedding_model: embeddingModel } }],
              },
            },
          },
        }),
      );
      for (const h of res.body.hits.hits) out.set(h._source.content_hash, h._source.embedding);
    }
    return out;
  }

  async count(documentId?: string): Promise<number> {
    const res = await this.call<{ count: number }>(`POST /${this.alias}/_count`, () =>
      this.client.count({
        index: this.alias,
        ...(documentId ? { body: { query: { term: { document_id: documentId } } } } : {}),
      }),
    );
    return res.body.count;
  }

  private filters(f: IndexFilters): QueryContainer[] {
    const out: QueryContainer[] = [];
    if (f.frameworks && f.frameworks.length > 0) out.push({ terms: { framework: f.frameworks } });
    if (f.version) out.push({ term: { version: f.version } });
    if (f.controlIds && f.controlIds.length > 0) out.push({ terms: { control_ids: f.controlIds } });
    return out;
  }

  private bm25Query(q: IndexQuery): QueryContainer {
    return { bool: { must: [{ match: { text: { query: q.text } } }], filter: this.filters(q) } };
  }

  private knnQuery(q: IndexQuery, n: number): QueryContainer {
    const filter = this.filters(q);
    return {
      knn: {
        embedding: { vector: q.vector, k: n, ...(filter.length > 0 ? { filter: { bool: { filter } } } : {}) },
      },
    };
  }

  /** Whether the neural-search plugin (and so the `hybrid` query) is installed. Checked once. */
  hasNativeHybrid(): Promise<boolean> {
    if (this.options.nativeHybrid === "off") return Promise.resolve(false);
    this.native ??= this.call<{ component: string }[]>("GET /_cat/plugins", () =>
      this.client.cat.plugins({ format: "json" }),
    )
      .then((r) => r.body.some((p) => p.component === "opensearch-neural-search"))
      .catch(() => false);
    return this.native;
  }

  async search(q: IndexQuery): Promise<Passage[]> {
    const source = { excludes: ["embedding"] };
    // lucene's cosinesimil score is (1 + cos) / 2; report the cosine, like the embedded index
    const cos = (s: number) => 2 * s - 1;
    if (q.mode === "bm25") {
      const res = await this.call<SearchResponse>(`POST /${this.alias}/_search`, () =>
        this.client.search({
          index: this.alias,
          body: { size: q.k, _source: source, query: this.bm25Query(q) },
        }),
      );
      return res.body.hits.hits.map((h) => storedChunkToPassage(h._source, h._score));
    }
    if (q.mode === "vector") {
      const res = await this.call<SearchResponse>(`POST /${this.alias}/_search`, () =>
        this.client.search({
          index: this.alias,
          body: { size: q.k, _source: source, query: this.knnQuery(q, q.k) },
        }),
      );
      return res.body.hits.hits.map((h) => storedChunkToPassage(h._source, cos(h._score)));
    }
    const n = candidateCount(q.k);
    if (await this.hasNativeHybrid()) {
      try {
        return await this.nativeHybrid(q, n);
      } catch (error) {
        this.options.logger?.warn(
          { error: errorMessage(error) },
          "OpenSearch hybrid query failed; fusing in the application",
        );
      }
    }
    // one round trip for both lists
    const body = [
      { index: this.alias },
      { size: n, _source: source, query: this.bm25Query(q) },
      { index: this.alias },
      { size: n, _source: source, query: this.knnQuery(q, n) },
    ];
    let responses: (SearchResponse & { error?: { reason?: string } })[];
    try {
      const r = (await this.client.msearch({ body: body as Record<string, unknown>[] })) as {
        body: { responses: (SearchResponse & { error?: { reason?: string } })[] };
      };
      responses = r.body.responses;
    } catch (error) {
      throw new ServiceError(
        `cannot search OpenSearch at ${this.safeUrl}: ${errorMessage(error)}`,
        undefined,
        {
          cause: error,
        },
      );
    }
    const failed = responses.find((r) => r.error);
    if (failed)
      throw new ServiceError(`OpenSearch search failed: ${failed.error?.reason ?? "unknown reason"}`);
    const [text, vector] = responses;
    return reciprocalRankFusion(
      [
        text!.hits.hits.map((h) => storedChunkToPassage(h._source, h._score)),
        vector!.hits.hits.map((h) => storedChunkToPassage(h._source, cos(h._score))),
      ],
      q.k,
    );
  }

  /** OpenSearch's own hybrid query with a score-ranker (RRF) search pipeline; needs neural-search 2.19+. */
  private async nativeHybrid(q: IndexQuery, n: number): Promise<Passage[]> {
    const pipeline = `${this.alias}-rrf`;
    await this.call(`PUT /_search/pipeline/${pipeline}`, () =>
      this.client.searchPipeline.put({
        id: pipeline,
        body: {
          description: "EnforceAI hybrid ranking: reciprocal rank fusion of BM25 and k-NN",
          phase_results_processors: [
            { "score-ranker-processor": { combination: { technique: "rrf", rank_constant: 60 } } },
          ],
        },
      }),
    );
    const res = await this.call<SearchResponse>(`POST /${this.alias}/_search`, () =>
      this.client.search({
        index: this.alias,
        search_pipeline: pipeline,
        body: {
          size: q.k,
          _source: { excludes: ["embedding"] },
          query: { hybrid: { queries: [this.bm25Query(q), this.knnQuery(q, n)] } },
        },
      }),
    );
    return res.body.hits.hits.map((h) => storedChunkToPassage(h._source, h._score));
  }

  async reindex(
    options: {
      embedding?: { model: string; dimensions: number };
      transform?: (chunks: IndexedChunk[]) => Promise<IndexedChunk[]>;
    } = {},
  ): Promise<{ chunks: number; from?: string; to?: string }> {
    const from = await this.currentIndex();
    const meta = from ? await this.indexMeta(from) : {};
    const embedding = options.embedding ?? {
      model: meta.embedding_model ?? "unknown",
      dimensions: meta.dimensions ?? 0,
    };
    if (!embedding.dimensions)
      throw new ServiceError("reindex needs the embedding dimensions of the new index");
    const to = await this.nextIndexName();
    await this.createPhysical(to, embedding);
    let total = 0;
    try {
      if (from) {
        let page = await this.call<SearchResponse>(`POST /${from}/_search`, () =>
          this.client.search({ index: from, scroll: "2m", body: { size: 500, sort: ["_doc"] } }),
        );
        try {
          while (page.body.hits.hits.length > 0) {
            let chunks: IndexedChunk[] = page.body.hits.hits.map((h) => fromSource(h._source));
            if (options.transform) chunks = await options.transform(chunks);
            await this.writeChunks(to, chunks, "false");
            total += chunks.length;
            const scrollId = page.body._scroll_id;
            if (!scrollId) break;
            page = await this.call<SearchResponse>("POST /_search/scroll", () =>
              this.client.scroll({ body: { scroll: "2m", scroll_id: scrollId } }),
            );
          }
        } finally {
          if (page.body._scroll_id) {
            const scrollId = page.body._scroll_id;
            await this.call("DELETE /_search/scroll", () =>
              this.client.clearScroll({ body: { scroll_id: scrollId } }, { ignore: [404] }),
            ).catch(() => {});
          }
        }
      }
      await this.call(`POST /${to}/_refresh`, () => this.client.indices.refresh({ index: to }));
    } catch (error) {
      await this.call(`DELETE /${to}`, () =>
        this.client.indices.delete({ index: to }, { ignore: [404] }),
      ).catch(() => {});
      throw error;
    }
    // the swap: one request, atomic for readers
    const actions: Indices_UpdateAliases_Action[] = [
      { add: { index: to, alias: this.alias, is_write_index: true } },
    ];
    if (from) actions.unshift({ remove: { index: from, alias: this.alias } });
    await this.call("POST /_aliases", () => this.client.indices.updateAliases({ body: { actions } }));
    if (from)
      await this.call(`DELETE /${from}`, () =>
        this.client.indices.delete({ index: from }, { ignore: [404] }),
      );
    this.ensured = Promise.resolve({ created: false, embeddingModel: embedding.model });
    return { chunks: total, from, to };
  }

  /** Removes the alias and every physical index behind it (tests, `knowledge reset`). */
  async destroy(): Promise<void> {
    await this.call(`DELETE /${this.alias}-v*`, () =>
      this.client.indices.delete(
        { index: `${this.alias}-v*`, expand_wildcards: ["open", "closed"] },
        { ignore: [404] },
      ),
    );
    this.ensured = undefined;
  }

  async close(): Promise<void> {
    if (!this.options.client) await this.client.close();
  }
}

function fromSource(s: ChunkSource): IndexedChunk {
  return {
    id: s.id,
    documentId: s.document_id,
    chunkIndex: s.chunk_index,
    framework: s.framework,
    version: s.version,
    controlId: s.control_id,
    controlIds: s.control_ids,
    section: s.section,
    page: s.page,
    source: s.source,
    contentHash: s.content_hash,
    text: s.text,
    embeddingModel: s.embedding_model,
    embedding: s.embedding,
  };
}
