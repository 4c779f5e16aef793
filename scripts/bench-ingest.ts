/**
 * Ingestion benchmark: how responsive the server stays while it ingests a large document. A real listening
 * server on the embedded store (in memory) receives a generated Markdown framework of `--mb` MiB (default 20)
 * through `POST /api/v1/documents`, while a thread of its own polls `/healthz` every 10 ms; it prints the
 * /healthz p50/p99/max during the ingestion, the upload's answer (201 within 10 s, else 202) and the totals.
 *
 *   npm run bench:ingest -- [--mb 20] [--controls 2000]
 */
import { createServer } from "../src/api/server.ts";
import { createApp } from "../src/app.ts";
import { loadConfig } from "../src/config/index.ts";
import { createLogger } from "../src/logger.ts";
import { openStore } from "../src/store/index.ts";
import { largeMarkdown, pollFromThread } from "./lib/ingest-load.ts";

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1]! : fallback;
}

const mib = Number(option("mb", "20"));
const controls = Number(option("controls", "2000"));

const store = await openStore({ dataDir: "memory://" });
const app = await createApp(loadConfig({ ENFORCEAI_HOME: "/tmp/enforceai-bench-ingest-unused" }), {
  store,
  logger: createLogger({ level: "silent", format: "json" }),
});
const server = await createServer(app, { chatModel: null, rateLimit: false, requestLog: false });
const { url } = await server.listen(0, "127.0.0.1");
const { key } = await store.apiKeys.create("operator", "bench", "bench");
const headers = { authorization: `Bearer ${key}` };
// the knowledge base and the catalog are opened before the clock starts (a server has them from its first use)
await (await app.knowledgeBase()).listDocuments();
await app.catalog();

// just under the upload limit (20 MiB)
const markdown = largeMarkdown(Math.min(mib * 1024 * 1024, 20 * 1024 * 1024 - 64 * 1024), controls);
const form = new FormData();
form.append("framework", "acme-large");
form.append("file", new Blob([markdown], { type: "text/markdown" }), "acme-large.md");

const poller = pollFromThread(`${url}/healthz`);
const started = performance.now();
const answer = await fetch(`${url}/api/v1/documents`, { method: "POST", headers, body: form });
const answered = performance.now() - started;
let doc = (await answer.json()) as { id: string; status: string; chunkCount: number; error: string | null };
while (doc.status === "queued" || doc.status === "processing") {
  await new Promise((r) => setTimeout(r, 250));
  doc = (await (await fetch(`${url}/api/v1/documents/${doc.id}`, { headers })).json()) as typeof doc;
}
const total = performance.now() - started;
const healthz = await poller.stop();

const ms = (n: number) => `${n.toFixed(1)} ms`;
console.log(
  `document        ${(Buffer.byteLength(markdown) / (1024 * 1024)).toFixed(1)} MiB Markdown, ${controls} controls`,
);
console.log(`upload answer   ${answer.status} after ${ms(answered)}`);
console.log(
  `ingestion       ${doc.status} in ${(total / 1000).toFixed(1)} s, ${doc.chunkCount} passages${doc.error ? `, ${doc.error}` : ""}`,
);
console.log(
  `/healthz        p50 ${ms(healthz.p50)}  p99 ${ms(healthz.p99)}  max ${ms(healthz.max)}  (${healthz.count} requests, ${healthz.failures} failed)`,
);
await server.close(1_000);
await app.close();
