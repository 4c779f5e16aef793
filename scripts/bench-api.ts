/**
 * API benchmark: requests per second and p50/p99 latency of the findings and posture endpoints, with the sample
 * account loaded (one demo scan), on the embedded store and on PostgreSQL (TEST_DATABASE_URL or DATABASE_URL,
 * in a throw-away schema). autocannon, 127.0.0.1 only, bounded: `--duration` seconds per endpoint (default 10)
 * with `--connections` connections (default 10). Rate limits are off (they would measure themselves); every
 * request still authenticates its key.
 *
 *   npx tsx scripts/bench-api.ts [--duration 10] [--connections 10] [--backends pglite,postgres]
 */
import { randomBytes } from "node:crypto";
import autocannon from "autocannon";
import pg from "pg";
import { createServer } from "../src/api/server.ts";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/index.ts";
import { createLogger } from "../src/logger.ts";
import { startScan } from "../src/services/scan-service.ts";
import { openStore, type Store } from "../src/store/index.ts";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const duration = Number(option("duration", "10"));
const connections = Number(option("connections", "10"));
const wanted = option("backends", "pglite,postgres").split(",");
const postgresUrl = process.env.TEST_DATABASE_URL || process.env.DATABASE_URL;

const ENDPOINTS: { name: string; path: string }[] = [
  { name: "findings (page of 50)", path: "/api/v1/findings?limit=50" },
  {
    name: "findings (filtered)",
    path: "/api/v1/findings?framework=pci-dss-4.0&severity=critical,high&status=FAIL&limit=100",
  },
  { name: "findings (service+region)", path: "/api/v1/findings?service=s3&region=us-east-1&limit=100" },
  { name: "posture", path: "/api/v1/posture" },
  { name: "posture trend", path: "/api/v1/posture/trend" },
  { name: "healthz (baseline)", path: "/healthz" },
];

interface Row {
  backend: string;
  endpoint: string;
  rps: number;
  p50: number;
  p99: number;
  requests: number;
  non2xx: number;
  errors: number;
}

async function run(url: string, key: string): Promise<Omit<Row, "backend" | "endpoint">> {
  const result = await autocannon({
    url,
    connections,
    duration,
    // The load generator runs in worker threads: it does not take the server's event loop.
    workers: 2,
    headers: { authorization: `Bearer ${key}` },
  });
  return {
    rps: Math.round(result.requests.average),
    p50: result.latency.p50,
    p99: result.latency.p99,
    requests: result.requests.total,
    non2xx: result.non2xx,
    errors: result.errors,
  };
}

async function bench(backend: "pglite" | "postgres"): Promise<Row[]> {
  let store: Store;
  let dropSchema: (() => Promise<void>) | undefined;
  if (backend === "postgres") {
    const schema = `bench_${randomBytes(4).toString("hex")}`;
    store = await openStore({ databaseUrl: postgresUrl, schema });
    dropSchema = async () => {
      const client = new pg.Client({ connectionString: postgresUrl });
      await client.connect();
      await client.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await client.end();
    };
  } else {
    store = await openStore({ dataDir: "memory://" });
  }
  const app = await createApp(
    loadConfig({ ENFORCEAI_HOME: "/tmp/enforceai-bench-unused", ENFORCEAI_USER: "bench" }),
    {
      store,
      logger: createLogger({ level: "warn", format: "json" }),
    },
  );
  const server = await createServer(app, { rateLimit: false, requestLog: false, chatModel: null });
  const { url } = await server.listen(0, "127.0.0.1");
  try {
    const scan = await startScan(app, { source: { kind: "demo" }, requestedBy: "bench" });
    await startScan(app, { source: { kind: "demo" }, requestedBy: "bench" });
    const { key } = await store.apiKeys.create("viewer", "bench", "bench");
    process.stderr.write(
      `${backend}: sample account loaded (scan ${scan.id}: ${scan.resourceCount} resources, ${scan.findingCount} findings)\n`,
    );
    const rows: Row[] = [];
    for (const e of ENDPOINTS) {
      // Warm up (JIT, caches, the knowledge load) before measuring.
      await fetch(`${url}${e.path}`, { headers: { authorization: `Bearer ${key}` } }).then((r) =>
        r.arrayBuffer(),
      );
      const r = await run(`${url}${e.path}`, key);
      rows.push({ backend, endpoint: e.name, ...r });
      process.stderr.write(`  ${e.name}: ${r.rps} req/s, p50 ${r.p50} ms, p99 ${r.p99} ms\n`);
    }
    return rows;
  } finally {
    await server.close(1_000);
    await app.close();
    await dropSchema?.();
  }
}

const rows: Row[] = [];
for (const backend of ["pglite", "postgres"] as const) {
  if (!wanted.includes(backend)) continue;
  if (backend === "postgres" && !postgresUrl) {
    process.stderr.write("postgres: skipped (set TEST_DATABASE_URL or DATABASE_URL)\n");
    continue;
  }
  rows.push(...(await bench(backend)));
}

const header = ["backend", "endpoint", "req/s", "p50 ms", "p99 ms", "requests", "non-2xx", "errors"];
const table = [
  header,
  ...rows.map((r) => [
    r.backend,
    r.endpoint,
    String(r.rps),
    String(r.p50),
    String(r.p99),
    String(r.requests),
    String(r.non2xx),
    String(r.errors),
  ]),
];
const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
process.stdout.write(
  `\nAPI benchmark: ${connections} connections, ${duration} s per endpoint, 127.0.0.1, node ${process.version}\n\n`,
);
for (const [i, row] of table.entries()) {
  process.stdout.write(
    `| ${row.map((c, j) => (j >= 2 ? c.padStart(widths[j]!) : c.padEnd(widths[j]!))).join(" | ")} |\n`,
  );
  if (i === 0) process.stdout.write(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|\n`);
}
