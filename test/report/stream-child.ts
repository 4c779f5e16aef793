/**
 * Run by stream.test.ts under a small heap (--max-old-space-size): renders a report whose json, csv and ocsf
 * texts are each longer than the longest string V8 can hold, into a sink that only counts, and prints the counts.
 * The findings share one long reason string, so the model itself stays small; only streaming can write it.
 */
import { once } from "node:events";
import { Writable } from "node:stream";
import { emitChunks } from "../../src/cli/output.ts";
import { reportChunks } from "../../src/report/index.ts";
import { fixtureFindings, fixtureReport } from "./fixture.ts";

const count = Number(process.argv[2]);
const reason = "x".repeat(Number(process.argv[3]));
const [template] = fixtureFindings();
const findings = Array.from({ length: count }, (_, i) => ({
  ...template!,
  id: `finding-${i}`,
  resourceId: `bucket-${i}`,
  reason,
}));
const report = fixtureReport(findings);
const result: Record<string, { chars: number; endsWithNewline: boolean }> = {};
for (const format of ["json", "csv", "ocsf"] as const) {
  let chars = 0;
  let last = "";
  const sink = new Writable({
    highWaterMark: 1 << 20,
    write(chunk: Buffer, _encoding, done) {
      chars += chunk.length;
      last = chunk.toString("latin1").slice(-1);
      // an asynchronous sink, so backpressure is exercised
      setImmediate(done);
    },
  });
  const io = { stdout: sink, stderr: process.stderr, env: {} };
  await emitChunks(io, reportChunks(report, format));
  sink.end();
  await once(sink, "finish");
  result[format] = { chars, endsWithNewline: last === "\n" };
}
console.log(JSON.stringify({ ...result, heapUsedMb: Math.round(process.memoryUsage().heapUsed / 2 ** 20) }));
