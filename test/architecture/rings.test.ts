import { execFile } from "node:child_process";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = path.resolve(import.meta.dirname, "../..");
const depcruise = path.join(root, "node_modules/.bin/depcruise");
const config = path.join(root, ".dependency-cruiser.cjs");

/** Runs the project's dependency rule over a small tree of files; resolves with its exit code and output. */
async function cruise(
  dir: string,
  folders = ["src", "graphs", "tools"],
): Promise<{ code: number; output: string }> {
  try {
    const args = [...folders, "--config", config, "--output-type", "err"];
    const { stdout } = await run(depcruise, args, { cwd: dir });
    return { code: 0, output: stdout };
  } catch (error) {
    const e = error as { code?: number; stdout?: string; stderr?: string };
    return { code: e.code ?? -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
  }
}

async function tree(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), "enforceai-rings-"));
  dirs.push(dir);
  await writeFile(
    path.join(dir, "tsconfig.json"),
    JSON.stringify({ compilerOptions: { allowImportingTsExtensions: true, noEmit: true } }),
  );
  for (const [file, text] of Object.entries(files)) {
    await mkdir(path.dirname(path.join(dir, file)), { recursive: true });
    await writeFile(path.join(dir, file), text);
  }
  return dir;
}

const dirs: string[] = [];
afterAll(async () => {
  await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
});

describe("the dependency rule", () => {
  it("passes on the project itself", async () => {
    const result = await cruise(root);
    expect(result.output).toContain("no dependency violations");
    expect(result.code).toBe(0);
  }, 60_000);

  it("accepts imports that point inward", async () => {
    const dir = await tree({
      "src/domain/types.ts": "export type Id = string;\n",
      "src/engine/rule.ts": 'import type { Id } from "../domain/types.ts";\nexport const f = (i: Id) => i;\n',
      "src/api/route.ts": 'import { f } from "../engine/rule.ts";\nexport const g = f;\n',
    });
    const result = await cruise(dir, ["src"]);
    expect(result.output).toContain("no dependency violations");
    expect(result.code).toBe(0);
  }, 60_000);

  it("fails on an import from an inner ring to an outer one", async () => {
    const dir = await tree({
      "src/api/route.ts": "export const handler = 1;\n",
      "src/engine/rule.ts": 'import { handler } from "../api/route.ts";\nexport const f = handler;\n',
    });
    const result = await cruise(dir, ["src"]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("core-not-to-edges");
    expect(result.output).toContain("src/engine/rule.ts → src/api/route.ts");
  }, 60_000);

  it("fails on a cycle between two modules of the same ring", async () => {
    const dir = await tree({
      "src/store/a.ts": 'import { b } from "../cache/b.ts";\nexport const a = () => b;\n',
      "src/cache/b.ts": 'import { a } from "../store/a.ts";\nexport const b = () => a;\n',
    });
    const result = await cruise(dir, ["src"]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("no-circular");
  }, 60_000);

  it("keeps the composition root out of the services and the graphs", async () => {
    const dir = await tree({
      "src/app.ts": "export const app = 1;\n",
      "graphs/scan.ts": 'import { app } from "../src/app.ts";\nexport const g = app;\n',
    });
    const result = await cruise(dir, ["src", "graphs"]);
    expect(result.code).not.toBe(0);
    expect(result.output).toContain("graphs-not-to-composition");
  }, 60_000);
});
