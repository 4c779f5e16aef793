/**
 * Scale benchmark: `enforceai scan --inventory` end to end on synthetic inventories grown from the bundled
 * sample, on both stores, then every report format rendered again from the stored scan.
 *
 *   npm run bench:scale -- [--sizes 10000,100000] [--backends postgres,embedded] [--formats json,csv,ocsf,html,table]
 *                          [--database-url URL]
 *
 * Each measurement is a real CLI process (`node bin/enforceai.js`), timed from spawn to exit; its peak RSS is
 * the kernel's high-water mark (VmHWM in /proc/<pid>/status, read until the process ends — Linux only).
 * PostgreSQL runs get a database of their own (created and dropped here) on the server of --database-url or
 * TEST_DATABASE_URL; the embedded store lives in a temporary ENFORCEAI_HOME.
 */
import { spawn } from "node:child_process";
import { mkdtemp, open, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import pg from "pg";
import { SAMPLE_INVENTORY_FILE } from "../src/paths.ts";
import { readInventoryFile, writeInventoryFile } from "../tools/aws/inventory-file.ts";
import { syntheticInventory } from "./lib/synthetic-inventory.ts";
import { argValue } from "./seed-demo-account.ts";

const ROOT = path.resolve(import.meta.dirname, "..");
const CLI = path.join(ROOT, "bin", "enforceai.js");

const list = (flag: string, fallback: string) =>
  (argValue(process.argv, flag) ?? fallback)
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

interface Run {
  seconds: number;
  peakRssMb: number;
  stdout: string;
  stderr: string;
  code: number | null;
}

async function peakRssKb(pid: number): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0);
  } catch {
    return 0;
  }
}

/** Runs the CLI with `env` (on top of a clean environment) and measures its wall time and peak RSS. */
async function runCli(args: string[], env: Record<string, string>): Promise<Run> {
  const started = performance.now();
  const child = spawn(process.execPath, [CLI, ...args], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", NO_COLOR: "1", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (d: Buffer) => {
    stdout += d.toString();
  });
  child.stderr.on("data", (d: Buffer) => {
    stderr += d.toString();
  });
  let peak = 0;
  const poll = setInterval(() => {
    if (child.pid) void peakRssKb(child.pid).then((kb) => (peak = Math.max(peak, kb)));
  }, 100);
  const code = await new Promise<number | null>((resolve) => child.on("exit", resolve));
  clearInterval(poll);
  return {
    seconds: Math.round((performance.now() - started) / 10) / 100,
    peakRssMb: Math.round(peak / 1024),
    stdout,
    stderr,
    code,
  };
}

/**
 * The scan id (the report's first key) and the number of findings (posture totals, near its end), read from
 * the two ends of the file: a 100k-resource report is longer than any one string.
 */
async function reportSummary(file: string): Promise<{ scanId: string; findings: number }> {
  const handle = await open(file);
  try {
    const { size } = await handle.stat();
    const length = Math.min(size, 1 << 20);
    const head = Buffer.alloc(length);
    await handle.read(head, 0, length, 0);
    const tail = Buffer.alloc(length);
    await handle.read(tail, 0, length, size - length);
    const scanId = /"scan": \{\s*"id": "([^"]+)"/.exec(head.toString("utf8"))?.[1];
    const totals = /"posture": \{\s*"totals": \{\s*"findings": (\d+)/.exec(tail.toString("utf8"))?.[1];
    if (!scanId || !totals) throw new Error(`${file} does not look like a JSON report`);
    return { scanId, findings: Number(totals) };
  } finally {
    await handle.close();
  }
}

function fail(what: string, run: Run): never {
  throw new Error(`${what} exited ${run.code}:\n${run.stderr.slice(-2000)}`);
}

async function withDatabase<T>(serverUrl: string, use: (url: string) => Promise<T>): Promise<T> {
  const name = `enforceai_bench_${process.pid}_${Date.now()}`;
  const admin = new pg.Client({ connectionString: serverUrl });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  try {
    const url = new URL(serverUrl);
    url.pathname = `/${name}`;
    return await use(url.toString());
  } finally {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.end();
  }
}

async function main() {
  const sizes = list("--sizes", "10000,100000").map(Number);
  const backends = list("--backends", "postgres,embedded");
  const formats = list("--formats", "json,csv,ocsf,html,table");
  const serverUrl = argValue(process.argv, "--database-url") ?? process.env.TEST_DATABASE_URL;
  if (backends.includes("postgres") && !serverUrl) {
    throw new Error(
      "no PostgreSQL: pass --database-url URL or set TEST_DATABASE_URL (or --backends embedded)",
    );
  }
  const work = await mkdtemp(path.join(tmpdir(), "enforceai-bench-scale-"));
  const sample = await readInventoryFile(SAMPLE_INVENTORY_FILE);
  const rows: Record<string, string | number>[] = [];
  try {
    for (const size of sizes) {
      const items = syntheticInventory(sample.items, size);
      const file = path.join(work, `inventory-${size}.json`);
      await writeInventoryFile(file, {
        accountIds: [...new Set(items.map((i) => i.accountId))],
        regions: [...new Set(items.map((i) => i.awsRegion))],
        items,
        coverageGaps: [],
        capturedAt: new Date().toISOString(),
      });
      const inventoryMb = Math.round((await stat(file)).size / 2 ** 20);
      for (const backend of backends) {
        const measure = async (databaseUrl?: string) => {
          const home = await mkdtemp(path.join(work, `home-${backend}-`));
          const env: Record<string, string> = {
            ENFORCEAI_HOME: home,
            ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
          };
          const out = path.join(work, `report-${size}-${backend}.json`);
          const scan = await runCli(["scan", "--inventory", file, "--format", "json", "--output", out], env);
          if (scan.code !== 0) fail(`scan of ${size} on ${backend}`, scan);
          const report = await reportSummary(out);
          const row: Record<string, string | number> = {
            resources: size,
            backend,
            "inventory MB": inventoryMb,
            findings: report.findings,
            "scan s": scan.seconds,
            "scan peak RSS MB": scan.peakRssMb,
          };
          for (const format of formats) {
            const target = path.join(work, `again-${size}-${backend}.${format}`);
            const run = await runCli(["report", report.scanId, "--format", format, "--output", target], env);
            if (run.code !== 0) fail(`report ${format} of ${size} on ${backend}`, run);
            const mb = Math.round((await stat(target)).size / 2 ** 20);
            row[`${format} s / MB / RSS MB`] = `${run.seconds} / ${mb} / ${run.peakRssMb}`;
            await rm(target, { force: true });
          }
          await rm(out, { force: true });
          await rm(home, { recursive: true, force: true });
          rows.push(row);
          console.log(JSON.stringify({ bench: "scale", ...row }));
        };
        if (backend === "postgres") await withDatabase(serverUrl!, measure);
        else if (backend === "embedded") await measure();
        else throw new Error(`unknown backend "${backend}": use postgres or embedded`);
      }
      await rm(file, { force: true });
    }
  } finally {
    await rm(work, { recursive: true, force: true });
  }
  console.table(rows);
  for (const backend of backends) {
    const mine = rows.filter((r) => r.backend === backend);
    if (mine.length >= 2) {
      const [a, b] = [mine[0]!, mine.at(-1)!];
      console.log(
        `${backend} growth ${a.resources}→${b.resources} resources: scan time ×${(Number(b["scan s"]) / Number(a["scan s"])).toFixed(1)} ` +
          `for ×${(Number(b.resources) / Number(a.resources)).toFixed(0)} resources`,
      );
    }
  }
}

await main();
