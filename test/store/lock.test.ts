/**
 * The embedded store's directory lock under contention: eight real processes ask for the same lock at the
 * same moment, round after round, on a free directory, on one whose lock names a dead process and on one
 * whose lock an older version left empty. Never may two of them hold it.
 */
import { type ChildProcessWithoutNullStreams, spawn } from "node:child_process";
import { mkdtemp, rm, utimes, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.ts";

const CONTENDERS = 8;
const ROUNDS = 20;
const PROGRAM = path.join(PACKAGE_ROOT, "test", "fixtures", "programs", "lock-contender.ts");

interface Contender {
  child: ChildProcessWithoutNullStreams;
  next(): Promise<string>;
  send(line: string): void;
}

function startContender(): Contender {
  const child = spawn(process.execPath, ["--import", "tsx", PROGRAM], { cwd: PACKAGE_ROOT });
  const lines: string[] = [];
  const waiting: ((line: string) => void)[] = [];
  createInterface({ input: child.stdout }).on("line", (line) => {
    const waiter = waiting.shift();
    if (waiter) waiter(line);
    else lines.push(line);
  });
  return {
    child,
    next: () =>
      lines.length > 0
        ? Promise.resolve(lines.shift()!)
        : new Promise<string>((resolve) => waiting.push(resolve)),
    send: (line) => child.stdin.write(`${line}\n`),
  };
}

const dirs: string[] = [];
let contenders: Contender[] = [];

beforeAll(async () => {
  contenders = Array.from({ length: CONTENDERS }, startContender);
  expect(await Promise.all(contenders.map((c) => c.next()))).toEqual(Array(CONTENDERS).fill("ready"));
}, 60_000);

afterAll(async () => {
  for (const c of contenders) c.child.stdin.end();
  await Promise.all(
    contenders.map(
      (c) => new Promise((resolve) => (c.child.exitCode !== null ? resolve(0) : c.child.on("exit", resolve))),
    ),
  );
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

/** One round: every contender asks at once; answers how many got the lock, then lets the holders go. */
async function round(
  prepare: (lockFile: string) => Promise<void>,
): Promise<{ held: number; refused: string[] }> {
  const dir = await mkdtemp(path.join(os.tmpdir(), "enforceai-lock-"));
  dirs.push(dir);
  await prepare(path.join(dir, "enforceai.lock"));
  for (const c of contenders) c.send(`try ${dir}`);
  const answers = await Promise.all(contenders.map((c) => c.next()));
  const holders = contenders.filter((_, i) => answers[i] === "held");
  for (const c of holders) c.send("release");
  expect(await Promise.all(holders.map((c) => c.next()))).toEqual(holders.map(() => "released"));
  return { held: holders.length, refused: answers.filter((a) => a !== "held") };
}

describe("embedded store lock under contention", () => {
  it(`admits exactly one of ${CONTENDERS} processes to a free directory, ${ROUNDS} rounds`, async () => {
    const held: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      const r = await round(async () => {});
      held.push(r.held);
      for (const message of r.refused)
        expect(message).toMatch(/^refused the embedded database in .* is in use/);
    }
    expect(held).toEqual(Array(ROUNDS).fill(1));
  }, 120_000);

  it(`lets exactly one process take over a lock left by a dead process, ${ROUNDS} rounds`, async () => {
    const held: number[] = [];
    for (let i = 0; i < ROUNDS; i++) {
      held.push((await round((lock) => writeFile(lock, "999999\n"))).held);
    }
    expect(held).toEqual(Array(ROUNDS).fill(1));
  }, 120_000);

  it("treats an empty lock as held while it is fresh, and takes over an old one exactly once", async () => {
    const fresh = await round((lock) => writeFile(lock, ""));
    expect(fresh.held).toBe(0);
    expect(fresh.refused[0]).toMatch(/taking its lock right now/);
    const held: number[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await round(async (lock) => {
        await writeFile(lock, "");
        const longAgo = new Date(Date.now() - 60_000);
        await utimes(lock, longAgo, longAgo);
      });
      held.push(r.held);
    }
    expect(held).toEqual(Array(5).fill(1));
  }, 120_000);
});
