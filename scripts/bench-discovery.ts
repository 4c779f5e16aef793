/**
 * Discovery benchmark on moto: seeds the demo account at scale 1 and 10 (each in a fresh moto account, so
 * the server is never reset), discovers both regions, and prints wall time, API calls, resources and
 * resources per second — one JSON line per scale, then a table.
 *
 *   npx tsx scripts/bench-discovery.ts [--endpoint URL] [--scales 1,10] [--concurrency 4] [--per-resource 8]
 *
 * moto answers in-process and without network latency or throttling, so the numbers measure the collectors'
 * call pattern and concurrency, not AWS; against AWS the API call count is the better predictor.
 */
import { pathToFileURL } from "node:url";
import { fromTemporaryCredentials } from "@aws-sdk/credential-providers";
import { discoverAccount } from "../tools/aws/discover.ts";
import { argValue, DEMO_REGIONS, emulatorEndpoint, seedDemoAccount } from "./seed-demo-account.ts";

export interface BenchResult {
  scale: number;
  seedSeconds: number;
  discoverySeconds: number;
  apiCalls: number;
  resources: number;
  resourcesPerSecond: number;
  coverageGaps: number;
}

export async function benchDiscovery(
  endpoint: string,
  scale: number,
  options: { concurrency?: number; perResourceConcurrency?: number } = {},
): Promise<BenchResult> {
  // A fresh account per run: moto switches accounts on AssumeRole, and the role need not exist.
  const accountId = String(300_000_000_000 + Math.floor(Math.random() * 600_000_000_000));
  const credentials = fromTemporaryCredentials({
    params: { RoleArn: `arn:aws:iam::${accountId}:role/bench`, RoleSessionName: "bench-discovery" },
    masterCredentials: { accessKeyId: "testing", secretAccessKey: "testing" },
    clientConfig: { endpoint, region: "us-east-1" },
  });
  const seedStarted = performance.now();
  await seedDemoAccount({ endpoint, scale, credentials });
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const result = await discoverAccount({ endpoint, credentials, regions: [...DEMO_REGIONS], ...options });
  const discoverySeconds = result.stats.durationMs / 1000;
  return {
    scale,
    seedSeconds: round(seedSeconds),
    discoverySeconds: round(discoverySeconds),
    apiCalls: result.stats.apiCalls,
    resources: result.items.length,
    resourcesPerSecond: round(result.items.length / discoverySeconds),
    coverageGaps: result.coverageGaps.length,
  };
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function table(results: BenchResult[]): string {
  const header = ["scale", "resources", "API calls", "wall (s)", "resources/s", "seed (s)", "gaps"];
  const rows = results.map((r) => [
    String(r.scale),
    String(r.resources),
    String(r.apiCalls),
    r.discoverySeconds.toFixed(2),
    r.resourcesPerSecond.toFixed(1),
    r.seedSeconds.toFixed(2),
    String(r.coverageGaps),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padStart(widths[i]!)).join("  ");
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...rows.map(line)].join("\n");
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  const endpoint = emulatorEndpoint(argv);
  const scales = (argValue(argv, "--scales") ?? "1,10").split(",").map(Number);
  const concurrency = argValue(argv, "--concurrency");
  const perResource = argValue(argv, "--per-resource");
  const results: BenchResult[] = [];
  for (const scale of scales) {
    const result = await benchDiscovery(endpoint, scale, {
      ...(concurrency ? { concurrency: Number(concurrency) } : {}),
      ...(perResource ? { perResourceConcurrency: Number(perResource) } : {}),
    });
    console.log(JSON.stringify({ bench: "discovery", ...result }));
    results.push(result);
  }
  console.log(`\n${table(results)}`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  main().catch((error: unknown) => {
    console.error(`bench-discovery: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  });
}
