/**
 * Helpers shared by the report renderers. Everything here is pure except the one-time read of the
 * package version at module load (used for OCSF `metadata.product.version`).
 */
import { readFileSync } from "node:fs";
import { compareSeverity } from "../domain/order.ts";
import type { LlmUsage } from "../domain/scan.ts";
import { type Finding, type FrameworkRef, SEVERITIES, type Severity } from "../domain/types.ts";

function readPackageVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
      version?: unknown;
    };
    return typeof pkg.version === "string" ? pkg.version : "0.0.0";
  } catch {
    return "0.0.0";
  }
}

/** The EnforceAI version from package.json (`0.0.0` when it cannot be read). */
export const ENFORCEAI_VERSION = readPackageVersion();

export { SEVERITY_ORDER } from "../domain/order.ts";

/** Sort key for findings in every human-readable report: worst severity, then check, then resource. */
export function compareFindings(a: Finding, b: Finding): number {
  return (
    compareSeverity(a.severity, b.severity) ||
    a.checkId.localeCompare(b.checkId) ||
    a.accountId.localeCompare(b.accountId) ||
    a.region.localeCompare(b.region) ||
    a.resourceId.localeCompare(b.resourceId)
  );
}

/** `cis-aws-3.0:2.1.4;pci-dss-4.0:1.2.1` */
export function frameworkRefsText(refs: readonly FrameworkRef[], sep = ";"): string {
  return refs.map((r) => `${r.framework}:${r.controlId}`).join(sep);
}

/** The line that says how the explanations were produced. */
export function llmLine(llm: Partial<LlmUsage> | undefined): string {
  const mode = llm?.mode;
  if (!mode) return "explanations: not recorded";
  if (mode === "offline") return "explanations: offline templates (no model)";
  const parts = [
    `${llm.calls ?? 0} call${llm.calls === 1 ? "" : "s"}`,
    `${llm.inputTokens ?? 0} input / ${llm.outputTokens ?? 0} output tokens`,
  ];
  if (llm.cacheHits) parts.push(`${llm.cacheHits} cache hit${llm.cacheHits === 1 ? "" : "s"}`);
  if (typeof llm.estimatedCostUsd === "number") parts.push(`~$${llm.estimatedCostUsd.toFixed(2)}`);
  return `explanations: ${mode} (${parts.join(", ")})`;
}

/** `1h 02m 03s`, `2m 05s`, `4.2s`; `—` when unknown (still running or unparsable). */
export function formatDuration(startedAt: string, completedAt: string | null): string {
  if (!completedAt) return "—";
  const ms = Date.parse(completedAt) - Date.parse(startedAt);
  if (!Number.isFinite(ms) || ms < 0) return "—";
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)}s`;
  const total = Math.round(ms / 1000);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const pad = (n: number) => String(n).padStart(2, "0");
  return h > 0 ? `${h}h ${pad(m)}m ${pad(s)}s` : `${m}m ${pad(s)}s`;
}

/** Score as shown to people: one decimal, no trailing `.0`. */
export function formatScore(score: number): string {
  return `${Number.isInteger(score) ? score : score.toFixed(1)}%`;
}

/** Counts of unsuppressed FAIL findings per severity, worst first. */
export function failingBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) if (f.status === "FAIL" && !f.suppressed) out[f.severity]++;
  return out;
}

/** Tags with keys sorted, so every format prints them in one stable order. */
export function sortedTags(tags: Record<string, string> | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of Object.keys(tags ?? {}).sort()) out[key] = tags![key]!;
  return out;
}

/** About how many characters a streamed report piece holds: large enough to keep writes few, small enough to stay cheap. */
export const CHUNK_CHARS = 64 * 1024;

/** `JSON.stringify(value, null, 2)` as it reads nested `depth` levels deep (JSON text holds no raw newline). */
export function indentedJson(value: unknown, depth: number): string {
  const text = JSON.stringify(value, null, 2);
  return depth === 0 ? text : text.replaceAll("\n", `\n${"  ".repeat(depth)}`);
}

/**
 * A pretty-printed JSON array, `depth` levels deep, in pieces of about CHUNK_CHARS: the same text
 * `JSON.stringify` prints for the whole array, without ever holding it in one string.
 */
export function* jsonArrayChunks<T>(
  items: readonly T[],
  toJson: (item: T) => unknown,
  depth: number,
): Generator<string> {
  if (items.length === 0) {
    yield "[]";
    return;
  }
  const inner = "  ".repeat(depth + 1);
  let piece = "[";
  for (let i = 0; i < items.length; i++) {
    piece += `${i === 0 ? "" : ","}\n${inner}${indentedJson(toJson(items[i]!), depth + 1)}`;
    if (piece.length >= CHUNK_CHARS) {
      yield piece;
      piece = "";
    }
  }
  yield `${piece}\n${"  ".repeat(depth)}]`;
}
