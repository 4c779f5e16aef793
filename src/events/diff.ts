/**
 * The before/after difference of a ConfigurationItem, field by field: what a drift record shows. Paths are
 * dotted (`configuration.policy.Statement[0].Effect`); arrays compare by position. Long diffs are cut, and
 * the record says so, so a rewrite of a large policy cannot make one record huge.
 */
import type { ConfigurationItem } from "../domain/types.ts";

export interface FieldChange {
  path: string;
  before?: unknown;
  after?: unknown;
}

export interface ItemDiff {
  changes: FieldChange[];
  /** True when there were more changes than `limit`. */
  truncated: boolean;
}

const COMPARED = ["resourceName", "configuration", "supplementaryConfiguration", "tags"] as const;

export function diffItems(
  before: ConfigurationItem | undefined,
  after: ConfigurationItem | undefined,
  limit = 50,
): ItemDiff {
  const changes: FieldChange[] = [];
  let truncated = false;
  const push = (change: FieldChange) => {
    if (changes.length >= limit) truncated = true;
    else changes.push(change);
  };
  for (const key of COMPARED) walk(key, before?.[key], after?.[key], push);
  return { changes, truncated };
}

function walk(path: string, a: unknown, b: unknown, push: (c: FieldChange) => void): void {
  if (a === b) return;
  if (isPlain(a) && isPlain(b)) {
    for (const key of new Set([...Object.keys(a), ...Object.keys(b)])) {
      walk(`${path}.${key}`, a[key], b[key], push);
    }
    return;
  }
  if (Array.isArray(a) && Array.isArray(b)) {
    for (let i = 0; i < Math.max(a.length, b.length); i++) walk(`${path}[${i}]`, a[i], b[i], push);
    return;
  }
  if (a !== undefined && b !== undefined && JSON.stringify(a) === JSON.stringify(b)) return;
  push({
    path,
    ...(a === undefined ? {} : { before: clip(a) }),
    ...(b === undefined ? {} : { after: clip(b) }),
  });
}

const isPlain = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Values over 1,000 characters of JSON are kept as a cut string: a record stays small. */
function clip(value: unknown): unknown {
  const json = JSON.stringify(value);
  if (json === undefined || json.length <= 1_000) return value;
  return `${json.slice(0, 1_000)}… (${json.length} characters)`;
}
