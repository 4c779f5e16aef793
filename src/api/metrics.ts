/**
 * Prometheus metrics (`GET /metrics`): request counts and latency by route template and status, scans by status
 * and failing findings by severity (read from the store when scraped), plus the process's default metrics.
 * One registry per server, so several servers in one process (tests) never share counters.
 */
import client from "prom-client";
import type { Store } from "../store/index.ts";

export interface ApiMetrics {
  registry: client.Registry;
  observe(method: string, route: string, status: number, seconds: number): void;
  render(): Promise<string>;
  contentType: string;
}

export function createMetrics(store: Store, options: { defaultMetrics?: boolean } = {}): ApiMetrics {
  const registry = new client.Registry();
  if (options.defaultMetrics !== false)
    client.collectDefaultMetrics({ register: registry, prefix: "enforceai_" });
  const requests = new client.Counter({
    name: "enforceai_http_requests_total",
    help: "HTTP requests answered, by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    registers: [registry],
  });
  const latency = new client.Histogram({
    name: "enforceai_http_request_duration_seconds",
    help: "HTTP request latency in seconds, by method, route template and status",
    labelNames: ["method", "route", "status"] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new client.Gauge({
    name: "enforceai_scans",
    help: "Scans in the store, by status",
    labelNames: ["status"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await store.reads.scanCountsByStatus()) this.set({ status: r.status }, r.count);
    },
  });
  new client.Gauge({
    name: "enforceai_findings_failing",
    help: "Failing, unsuppressed findings of the latest completed scan, by severity",
    labelNames: ["severity"] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await store.reads.failingOfLatestBySeverity())
        this.set({ severity: r.severity }, r.count);
    },
  });
  return {
    registry,
    observe(method, route, status, seconds) {
      const labels = { method, route, status: String(status) };
      requests.inc(labels);
      latency.observe(labels, seconds);
    },
    render: () => registry.metrics(),
    contentType: registry.contentType,
  };
}
