import { execFile } from "node:child_process";
import { cp, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import { openDatabase } from "../../src/store/database.ts";
import { openStore } from "../../src/store/index.ts";
import { loadMigrations, MIGRATIONS_DIR, migrate } from "../../src/store/migrate.ts";

const run = promisify(execFile);
const tmpDirs: string[] = [];
async function tmp() {
  const d = await mkdtemp(path.join(os.tmpdir(), "enforceai-embedded-"));
  tmpDirs.push(d);
  return d;
}
afterAll(async () => {
  for (const d of tmpDirs) await rm(d, { recursive: true, force: true });
});

describe("embedded PGlite data directory", () => {
  it("refuses a second process with a clear message instead of corrupting the data", async () => {
    const home = await tmp();
    const store = await openStore({ home });
    try {
      const program = path.join(PACKAGE_ROOT, "test", "fixtures", "programs", "open-store.ts");
      const result = await run(process.execPath, ["--import", "tsx", program, home], {
        cwd: PACKAGE_ROOT,
      }).then(
        () => ({ code: 0, stderr: "" }),
        (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
      );
      expect(result.code).toBe(3);
      expect(result.stderr).toMatch(/in use by another EnforceAI process \(pid \d+\)/);
      // The first process still works.
      expect((await store.db.pool.query("select 1 as one")).rows[0].one).toBe(1);
    } finally {
      await store.close();
    }
  });

  it("takes over a lock left by a process that died", async () => {
    const home = await tmp();
    await mkdir(path.join(home, "db"), { recursive: true });
    await writeFile(path.join(home, "db", "enforceai.lock"), "999999\n");
    const store = await openStore({ home });
    expect((await store.scans.list()).length).toBe(0);
    await store.close();
  });

  it("upgrades an existing data directory in place, keeping its rows", async () => {
    const home = await tmp();
    const first = await openStore({ home });
    await first.scans.create({
      id: "kept",
      source: "demo",
      requestedBy: "a",
      startedAt: new Date(),
      frameworks: [],
    });
    await first.close();

    const migrationsDir = await tmp();
    await cp(MIGRATIONS_DIR, migrationsDir, { recursive: true });
    await writeFile(
      path.join(migrationsDir, "999_add_note.sql"),
      "ALTER TABLE compliance_scans ADD COLUMN note text;",
    );
    const db = await openDatabase({ dataDir: path.join(home, "db") });
    try {
      expect(await migrate(db.pool, await loadMigrations(migrationsDir))).toEqual([999]);
      const { rows } = await db.pool.query("SELECT id, note FROM compliance_scans");
      expect(rows).toEqual([{ id: "kept", note: null }]);
      expect(await migrate(db.pool, await loadMigrations(migrationsDir))).toEqual([]);
    } finally {
      await db.close();
    }
  });
});
