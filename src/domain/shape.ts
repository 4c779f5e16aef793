import { createHash } from "node:crypto";
import type { ConfigurationItem } from "./types.ts";

/** `SSEAlgorithm` → `sseAlgorithm`, `DBInstanceArn` → `dbInstanceArn`, `URI` → `uri`, `IpPermissions` → `ipPermissions`. */
export function lowerCamel(key: string): string {
  const run = /^[A-Z]+/.exec(key)?.[0];
  if (!run) return key;
  if (run.length === key.length) return key.toLowerCase();
  if (run.length === 1) return run.toLowerCase() + key.slice(1);
  const nextIsLower = /[a-z]/.test(key.charAt(run.length));
  const lowered = nextIsLower ? run.slice(0, -1).toLowerCase() + run.slice(-1) : run.toLowerCase();
  return lowered + key.slice(run.length);
}

/**
 * Converts the keys of an AWS SDK response to lowerCamelCase, recursively. Dates become ISO strings.
 * Keys listed in `dataKeys` hold maps whose keys are data (tag keys, environment variable names) and keep them.
 */
export function lowerCamelKeys<T = Record<string, unknown>>(
  value: unknown,
  dataKeys: ReadonlySet<string> = DEFAULT_DATA_KEYS,
): T {
  return convert(value, dataKeys, false) as T;
}

const DEFAULT_DATA_KEYS: ReadonlySet<string> = new Set(["Variables", "variables"]);

function convert(value: unknown, dataKeys: ReadonlySet<string>, keepKeys: boolean): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => convert(v, dataKeys, false));
  if (value && typeof value === "object") {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (v === undefined) continue;
      const key = keepKeys ? k : lowerCamel(k);
      out[key] = dataKeys.has(k) ? convertDataMap(v, dataKeys) : convert(v, dataKeys, false);
    }
    return out;
  }
  return value;
}

function convertDataMap(value: unknown, dataKeys: ReadonlySet<string>): unknown {
  if (value && typeof value === "object" && !Array.isArray(value)) return convert(value, dataKeys, true);
  return convert(value, dataKeys, false);
}

/** JSON with object keys sorted, so equal content always hashes equally. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object" && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = sortKeys(v);
    }
    return out;
  }
  return value;
}

export function contentHashOf(item: ConfigurationItem): string {
  const { configurationItemCaptureTime: _t, contentHash: _h, ...rest } = item;
  return createHash("sha256").update(canonicalJson(rest)).digest("hex");
}

export function withContentHash(item: ConfigurationItem): ConfigurationItem {
  return { ...item, contentHash: contentHashOf(item) };
}

export function compareItems(a: ConfigurationItem, b: ConfigurationItem): number {
  return (
    a.accountId.localeCompare(b.accountId) ||
    a.awsRegion.localeCompare(b.awsRegion) ||
    a.resourceType.localeCompare(b.resourceType) ||
    a.resourceId.localeCompare(b.resourceId)
  );
}

/** `{ "$error": { code, message } }` marks a supplementary call that failed (see docs/inventory.md). */
export interface CallError {
  $error: { code: string; message: string };
}

export function isCallError(value: unknown): value is CallError {
  return !!value && typeof value === "object" && "$error" in (value as object);
}

export function callError(code: string, message: string): CallError {
  return { $error: { code, message } };
}
