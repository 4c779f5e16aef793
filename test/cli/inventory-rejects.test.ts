/**
 * `scan --inventory` with a file that cannot be scanned (issue 17, item 11): the real CLI exits 2 with one line
 * naming what is wrong and what to do, and leaves no failed scan behind (nothing in `scans list`, the API or the
 * failed-scans metric). Before, each rejected file left a `failed` scan with no reason, and a deeply nested or
 * NUL-containing file exited 3 "unexpected failure".
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../helpers/cli.ts";

vi.setConfig({ testTimeout: 180_000 });

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-inventory-rejects-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

const item = (configuration: string) =>
  `{"format":"enforceai-inventory/v1","items":[{"resourceType":"AWS::S3::Bucket","resourceId":"b",` +
  `"arn":"arn:aws:s3:::b","awsRegion":"us-east-1","accountId":"123456789012",` +
  `"configurationItemCaptureTime":"2026-01-01T00:00:00Z","configuration":${configuration}}]}`;

const FILES: Array<[string, string, RegExp]> = [
  [
    "not-json.json",
    "not json\nat all\n",
    /not-json\.json is not JSON \(.*\); expected an AWS Config snapshot/,
  ],
  [
    "wrong-shape.json",
    '{"format":"enforceai-inventory/v1","items":[{"a":1}]}',
    /wrong-shape\.json: items\[0\]\.resourceType must be a string; each item needs resourceType/,
  ],
  [
    "nested.json",
    item(`{"x":${"[".repeat(5000)}1${"]".repeat(5000)}}`),
    /nested\.json: items\[0\]\.configuration\.x.* nests deeper than 64 levels .*run the scan again$/,
  ],
  [
    "nul.json",
    item('{"name":"a\\u0000b"}'),
    /nul\.json: items\[0\]\.configuration\.name contains a NUL character .*run the scan again$/,
  ],
];

const scans = async () => {
  const r = await runCli(["scans", "list", "--json"], { ENFORCEAI_HOME: home });
  expect(r.code, r.stderr).toBe(0);
  return JSON.parse(r.stdout) as { id: string; status: string }[];
};

describe("scan --inventory with a file it cannot scan (real CLI, embedded store)", () => {
  it("exits 2 with one line for each, and records no scan", async () => {
    const before = await scans();
    for (const [name, text, pattern] of FILES) {
      const file = path.join(home, name);
      await writeFile(file, text);
      const r = await runCli(["scan", "--inventory", file, "--format", "json"], { ENFORCEAI_HOME: home });
      expect(r.code, `${name}: ${r.stderr}`).toBe(2);
      const lines = r.stderr.trimEnd().split("\n");
      expect(lines, name).toHaveLength(1);
      expect(lines[0]).toMatch(/^enforceai: /);
      expect(lines[0]).not.toMatch(/unexpected failure|more lines/);
      expect(lines[0]).toMatch(pattern);
      expect(r.stdout).toBe("");
    }
    const after = await scans();
    expect(after.length).toBe(before.length);
    // No scan record at all: the contract's list shows no error text, so a failed one would say nothing.
    expect(after.filter((s) => s.status === "failed")).toEqual(before.filter((s) => s.status === "failed"));
  });
});
