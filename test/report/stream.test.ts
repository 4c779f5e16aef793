import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { emitChunks } from "../../src/cli/output.ts";
import {
  csvChunks,
  jsonChunks,
  ocsfChunks,
  renderCsv,
  renderJson,
  renderOcsf,
} from "../../src/report/index.ts";
import { fixtureFindings, fixtureReport } from "./fixture.ts";

/** V8's longest string on 64-bit (2^29 - 24 characters): a report joined into one string fails beyond it. */
const V8_MAX_STRING = 2 ** 29 - 24;

const many = (n: number) => {
  const all = fixtureFindings();
  return Array.from({ length: n }, (_, i) => ({
    ...all[i % all.length]!,
    id: `f-${i}`,
    resourceId: `r-${i}`,
  }));
};

const dir = mkdtempSync(path.join(tmpdir(), "enforceai-stream-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("streamed report formats", () => {
  it("json pieces join to exactly what JSON.stringify prints for the whole report", () => {
    for (const report of [fixtureReport(many(2_000)), fixtureReport([])]) {
      const pieces = [...jsonChunks(report)];
      const text = pieces.join("");
      expect(text).toBe(`${JSON.stringify(JSON.parse(text), null, 2)}\n`);
      expect(JSON.parse(text).findings).toHaveLength(report.findings.length);
      expect(renderJson(report)).toBe(text);
    }
    expect([...jsonChunks(fixtureReport(many(2_000)))].length).toBeGreaterThan(3);
  });

  it("ocsf pieces join to one pretty-printed array, one event per finding", () => {
    const report = fixtureReport(many(2_000));
    const text = [...ocsfChunks(report)].join("");
    const events = JSON.parse(text);
    expect(events).toHaveLength(2_000);
    expect(text).toBe(`${JSON.stringify(events, null, 2)}\n`);
    expect(renderOcsf(fixtureReport([]))).toBe("[]\n");
  });

  it("csv pieces are whole CRLF records: a header and one row per finding", () => {
    const report = fixtureReport(many(1_234));
    const pieces = [...csvChunks(report)];
    expect(pieces.length).toBeGreaterThan(2);
    for (const piece of pieces) expect(piece.endsWith("\r\n")).toBe(true);
    expect(renderCsv(report)).toBe(pieces.join(""));
    expect(renderCsv(report).startsWith("id,accountId,")).toBe(true);
    expect(renderCsv(fixtureReport([]))).toMatch(/^id,[^\r\n]*\r\n$/);
  });

  it("a file is written whole under its name, or not at all", async () => {
    const report = fixtureReport(many(500));
    const file = path.join(dir, "report.json");
    const messages: string[] = [];
    const io = {
      stdout: process.stdout,
      stderr: { write: (s: string) => messages.push(s) > 0 } as unknown as NodeJS.WritableStream,
      env: {},
    };
    await emitChunks(io, jsonChunks(report), file);
    expect(JSON.parse(readFileSync(file, "utf8")).findings).toHaveLength(500);
    expect(existsSync(`${file}.partial`)).toBe(false);
    expect(messages.join("")).toContain(`wrote ${file}`);

    function* failing(): Generator<string> {
      yield "{";
      throw new Error("renderer broke");
    }
    const broken = path.join(dir, "broken.json");
    await expect(emitChunks(io, failing(), broken)).rejects.toThrow("renderer broke");
    expect(existsSync(broken)).toBe(false);
    expect(existsSync(`${broken}.partial`)).toBe(false);
  });

  it("json, csv and ocsf each longer than V8's longest string stream out of a 256 MB heap", () => {
    // 40,000 findings whose reason is 16,000 characters: about 650 million characters per format.
    const child = spawnSync(
      process.execPath,
      [
        "--max-old-space-size=256",
        "--import",
        "tsx",
        path.join(import.meta.dirname, "stream-child.ts"),
        "40000",
        "16000",
      ],
      { encoding: "utf8", timeout: 240_000 },
    );
    expect(child.stderr).not.toMatch(/Invalid string length|heap out of memory/);
    expect(child.status).toBe(0);
    const out = JSON.parse(child.stdout.trim().split("\n").at(-1)!);
    for (const format of ["json", "csv", "ocsf"]) {
      expect(out[format].chars).toBeGreaterThan(V8_MAX_STRING);
      expect(out[format].endsWithNewline).toBe(true);
    }
    expect(out.heapUsedMb).toBeLessThan(256);
  }, 300_000);
});
