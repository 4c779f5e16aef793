/**
 * Probes and metrics, outside `/api/v1` and without a key (load balancers and Prometheus carry none):
 * `/healthz` says the process is up; `/readyz` checks that the store answers, the cache and the knowledge index;
 * `/metrics` is Prometheus text.
 */
import { errorMessage } from "../../errors.ts";
import type { ApiServices } from "../context.ts";
import { type AnyRoute, route, z } from "../http.ts";
import type { ApiMetrics } from "../metrics.ts";
import { healthSchema, readinessSchema } from "../schemas.ts";

async function timed(check: () => Promise<string | undefined>, timeoutMs = 2_000) {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    const detail = await Promise.race([
      check(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
      }),
    ]);
    return { ok: true, ...(detail ? { detail } : {}), ms: Math.round(performance.now() - started) };
  } catch (error) {
    return {
      ok: false,
      detail: errorMessage(error).split("\n")[0],
      ms: Math.round(performance.now() - started),
    };
  } finally {
    clearTimeout(timer);
  }
}

/** OpenSearch answers its root URL; credentials in the URL become a Basic header (fetch refuses them in URLs). */
async function pingOpenSearch(url: string): Promise<string> {
  const u = new URL(url);
  const headers: Record<string, string> = {};
  if (u.username) {
    headers.authorization = `Basic ${Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString("base64")}`;
    u.username = "";
    u.password = "";
  }
  const res = await fetch(new URL("/_cluster/health", u), { headers, signal: AbortSignal.timeout(2_000) });
  if (!res.ok) throw new Error(`OpenSearch answered ${res.status}`);
  const body = (await res.json()) as { status?: string };
  if (body.status === "red") throw new Error("OpenSearch cluster status is red");
  return `opensearch ${body.status ?? "up"}`;
}

export async function readiness(services: ApiServices) {
  const { app } = services;
  const checks = {
    store: await timed(async () => {
      await app.store.reads.ping();
      return app.store.kind;
    }),
    cache: await timed(async () => {
      if (!(await app.cache.ping())) throw new Error("the cache did not answer");
      return app.cache.kind;
    }),
    index: await timed(async () => {
      if (app.config.opensearchUrl) return pingOpenSearch(app.config.opensearchUrl);
      // Embedded: the index is a table in the store.
      await app.store.knowledgeIndex.ping();
      return "embedded (in the store)";
    }),
  };
  const ready = Object.values(checks).every((c) => c.ok);
  return { status: ready ? ("ready" as const) : ("not_ready" as const), checks };
}

export function healthRoutes(metrics: ApiMetrics): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/healthz",
      operationId: "health",
      summary: "The process is up",
      tag: "operations",
      role: "public",
      responses: { 200: { description: "up", schema: healthSchema } },
      async handler() {
        return { status: 200, body: { status: "ok" } };
      },
    }),
    route({
      method: "get",
      path: "/readyz",
      operationId: "readiness",
      summary: "The store, the cache and the knowledge index answer",
      tag: "operations",
      role: "public",
      responses: {
        200: { description: "ready", schema: readinessSchema },
        503: { description: "not ready (which check failed is in `checks`)", schema: readinessSchema },
      },
      async handler({ services }) {
        const result = await readiness(services);
        return { status: result.status === "ready" ? 200 : 503, body: result };
      },
    }),
    route({
      method: "get",
      path: "/metrics",
      operationId: "metrics",
      summary: "Prometheus metrics",
      tag: "operations",
      role: "public",
      responses: {
        200: {
          description: "Prometheus text exposition format",
          contentType: "text/plain",
          schema: z.string(),
        },
      },
      async handler({ res }) {
        res
          .status(200)
          .setHeader("Content-Type", metrics.contentType)
          .send(await metrics.render());
        return undefined;
      },
    }),
  ];
}
