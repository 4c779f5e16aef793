// npm run bench:engine — evaluates generated inventories of 10k and 100k resources against the whole catalog
// and prints resources × checks per second, peak memory and how the cost grows.

import { assess } from "../src/engine/assess.ts";
import { loadCatalog } from "../src/engine/catalog.ts";
import { SAMPLE_INVENTORY_FILE } from "../src/paths.ts";
import { readInventoryFile } from "../tools/aws/inventory-file.ts";
import { syntheticInventory } from "./lib/synthetic-inventory.ts";

const sizes = (process.argv[2] ?? "10000,100000").split(",").map(Number);
const catalog = await loadCatalog();
const sample = await readInventoryFile(SAMPLE_INVENTORY_FILE);
const now = new Date();
const rows: Record<string, string | number>[] = [];

for (const size of sizes) {
  const items = syntheticInventory(sample.items, size);
  global.gc?.();
  const heapBefore = process.memoryUsage().heapUsed;
  let peak = 0;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t0 = performance.now();
  const { findings, posture } = assess(items, catalog, catalog.frameworks, [], now);
  const ms = performance.now() - t0;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  const pairs = findings.length;
  rows.push({
    resources: size,
    checks: catalog.checks.length,
    findings: pairs,
    "eval ms": Math.round(ms),
    "pairs/s": Math.round(pairs / (ms / 1000)),
    "resources/s": Math.round(size / (ms / 1000)),
    "heap growth MB": Math.round((process.memoryUsage().heapUsed - heapBefore) / 1e6),
    "peak RSS MB": Math.round(peak / 1e6),
    "cis score": posture.frameworks["cis-aws-3.0"]?.score ?? "-",
  });
  console.log(JSON.stringify({ bench: "engine", ...rows.at(-1) }));
}
console.table(rows);
if (rows.length === 2) {
  const [a, b] = rows;
  console.log(
    `growth ${a!.resources}→${b!.resources}: time ×${(Number(b!["eval ms"]) / Number(a!["eval ms"])).toFixed(1)}, ` +
      `resources ×${(Number(b!.resources) / Number(a!.resources)).toFixed(0)}`,
  );
}
