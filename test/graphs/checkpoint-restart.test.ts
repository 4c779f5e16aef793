import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import { requireService } from "../helpers/services.ts";
import { dropSchema, uniqueSchema } from "../helpers/stores.ts";

const run = promisify(execFile);
const program = path.join(PACKAGE_ROOT, "test", "fixtures", "programs", "checkpoint-graph.ts");

async function step(mode: "start" | "resume", ...args: string[]) {
  const { stdout } = await run(process.execPath, ["--import", "tsx", program, mode, ...args], {
    cwd: PACKAGE_ROOT,
  });
  return JSON.parse(stdout) as { steps: string[]; pending: unknown[] };
}

const targets: [string, () => Promise<string[]>, (args: string[]) => Promise<void>][] = [
  [
    "pglite",
    async () => [await mkdtemp(path.join(os.tmpdir(), "enforceai-ckpt-"))],
    async ([dir]) => rm(dir!, { recursive: true, force: true }),
  ],
];
const pgUrl = requireService("postgres");
if (pgUrl)
  targets.push([
    "postgres",
    async () => [pgUrl, uniqueSchema()],
    async ([url, schema]) => dropSchema(url!, schema!),
  ]);

describe.each(targets)("graph checkpoints on %s", (_name, setup, teardown) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups) await c();
  });

  it("survive a process restart: the interrupt is pending in a new process, resuming runs each node once", async () => {
    const args = await setup();
    cleanups.push(() => teardown(args));
    const first = await step("start", ...args);
    expect(first.pending).toEqual([{ question: "apply?" }]);
    expect(first.steps).toHaveLength(1);
    const firstPid = first.steps[0]!.split("@")[1];

    const second = await step("resume", ...args);
    expect(second.pending).toEqual([]);
    expect(second.steps).toHaveLength(2);
    expect(second.steps[0]).toBe(`prepare@${firstPid}`); // not re-run after the restart
    expect(second.steps[1]).toMatch(/^finish:approved@\d+$/);
    expect(second.steps[1]!.split("@")[1]).not.toBe(firstPid);
  });
});
