/**
 * What the ingestion responsiveness test and `npm run bench:ingest` share: a large, legitimate framework
 * document, and a `/healthz` poller that measures from a thread of its own (a poller on the server's thread
 * would stall with it and never see the stall: its timer fires late, and the time it waited is not counted).
 */
import { Worker } from "node:worker_threads";

/**
 * A Markdown framework document of about `bytes` bytes: `controls` controls (ids ACME-1 …), each with a body
 * long enough that it makes several passages, in prose with enough varied words to be realistic to embed.
 */
export function largeMarkdown(bytes: number, controls = 2000): string {
  const words =
    "access audit backup bucket certificate cipher console credential database encryption firewall identity " +
    "incident inventory key logging monitoring network password patch policy privilege public recovery " +
    "retention review role rotation secret segment session snapshot storage token trail vendor volume";
  const vocabulary = words.split(" ");
  const head = `---\nframework: acme-large\nversion: "1"\ntitle: ACME large policy\n---\n# ACME large policy\n\n`;
  // a body overshoots its size by at most one sentence (~130 characters)
  const perControl = Math.max(200, Math.floor((bytes - head.length) / controls) - 140);
  const parts = [head];
  let seed = 7;
  for (let c = 1; c <= controls; c++) {
    let body = `## ACME-${c} Control ${c} keeps ${vocabulary[c % vocabulary.length]} under review\n\n`;
    while (body.length < perControl) {
      const sentence: string[] = [];
      for (let w = 0; w < 14; w++) {
        seed = (seed * 1103515245 + 12345) % 2147483648;
        sentence.push(vocabulary[seed % vocabulary.length]!);
      }
      body += `The ${sentence.join(" ")} is checked every quarter and recorded.${body.length % 5 === 0 ? "\n\n" : " "}`;
    }
    parts.push(`${body}\n\n`);
  }
  return parts.join("");
}

export interface LatencySummary {
  count: number;
  failures: number;
  p50: number;
  p99: number;
  max: number;
}

export function summarize(latencies: number[], failures = 0): LatencySummary {
  const sorted = [...latencies].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? Number.NaN;
  return { count: sorted.length, failures, p50: at(0.5), p99: at(0.99), max: sorted.at(-1) ?? Number.NaN };
}

const POLLER = `
const { parentPort, workerData } = require("node:worker_threads");
const latencies = [];
let failures = 0;
let stop = false;
parentPort.on("message", () => { stop = true; });
(async () => {
  while (!stop) {
    const started = performance.now();
    try {
      const res = await fetch(workerData.url, { signal: AbortSignal.timeout(30000) });
      await res.arrayBuffer();
      if (res.status !== 200) failures++;
      else latencies.push(performance.now() - started);
    } catch {
      failures++;
      latencies.push(performance.now() - started);
    }
    await new Promise((r) => setTimeout(r, workerData.intervalMs));
  }
  parentPort.postMessage({ latencies, failures });
})();
`;

/** Polls `url` (sequentially, `intervalMs` apart) from its own thread until `stop()`; resolves the latencies. */
export function pollFromThread(url: string, intervalMs = 10): { stop(): Promise<LatencySummary> } {
  const worker = new Worker(POLLER, { eval: true, workerData: { url, intervalMs } });
  const done = new Promise<LatencySummary>((resolve, reject) => {
    worker.once("message", (m: { latencies: number[]; failures: number }) =>
      resolve(summarize(m.latencies, m.failures)),
    );
    worker.once("error", reject);
  });
  return {
    async stop() {
      worker.postMessage("stop");
      const summary = await done;
      await worker.terminate();
      return summary;
    },
  };
}
