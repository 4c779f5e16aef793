/**
 * An inventory file is stored as it is read, so its strings hold to the store's text rule (issue 17, item 2): a
 * NUL or a lone UTF-16 surrogate is a validation error naming where it is (exit 2), not an unexpected failure
 * of the database (exit 3).
 */
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseInventory } from "../../tools/aws/inventory-file.ts";
import { runCli } from "../helpers/cli.ts";

const FIXTURE = path.join(import.meta.dirname, "..", "fixtures", "inventories", "small-account.json");

let home: string;
let fixture: { items: { configuration: Record<string, unknown>; tags: Record<string, string> }[] };
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-text-"));
  fixture = JSON.parse(await readFile(FIXTURE, "utf8"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("inventory files with text the store cannot keep", () => {
  it("scan --inventory refuses a NUL with exit 2, naming the field", async () => {
    const document = structuredClone(fixture);
    document.items[1]!.configuration.note = "before \u0000 after";
    const file = path.join(home, "nul.json");
    await writeFile(file, JSON.stringify(document));
    const run = await runCli(
      ["scan", "--inventory", file, "--format", "json"],
      { ENFORCEAI_HOME: home },
      180_000,
    );
    expect(run.stderr).not.toMatch(/unexpected failure/);
    expect(run.stderr).toContain("items[1].configuration.note contains a NUL character");
    expect(run.code).toBe(2);
  }, 200_000);

  it("refuses a lone surrogate in a value or a key, listing each place", () => {
    const document = structuredClone(fixture);
    document.items[0]!.configuration.name = "half \ud800 a pair";
    document.items[2]!.tags = { "\udc00": "x" };
    let caught: unknown;
    try {
      parseInventory(JSON.stringify(document), "inv.json");
    } catch (error) {
      caught = error;
    }
    expect((caught as Error).message).toMatch(
      /^inv\.json: items\[0\]\.configuration\.name contains a lone UTF-16 surrogate \(not valid Unicode text\); fix or re-export/,
    );
    // The key alone: named by where it is, never quoted.
    const keyOnly = structuredClone(fixture);
    keyOnly.items[2]!.tags = { "\udc00": "x" };
    expect(() => parseInventory(JSON.stringify(keyOnly), "inv.json")).toThrow(
      /^inv\.json: a key under items\[2\]\.tags contains a lone UTF-16 surrogate/,
    );
    // Well-formed text, astral characters included, is read as before.
    const fine = structuredClone(fixture);
    fine.items[0]!.configuration.name = "ok \u{1F600} 名前";
    expect(parseInventory(JSON.stringify(fine)).items).toHaveLength(fixture.items.length);
  });
});
