/**
 * Text the store can keep. PostgreSQL refuses NUL (U+0000) in `text` and `jsonb`, and a lone UTF-16 surrogate
 * has no UTF-8 form: a `text` column would silently keep U+FFFD instead, `jsonb` refuses its `\ud800` escape.
 * This is the one rule for every input that may reach the store (API requests, CLI flags, inventory files): each
 * edge checks with it first and names the field that broke it, so nothing half-stored comes back as a 500.
 */
import { z } from "zod";

// A high surrogate not followed by a low one, or a low one not preceded by a high one.
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why the store cannot keep this text, or undefined when it can. */
export function unstorableTextReason(text: string): string | undefined {
  if (text.includes("\u0000")) return "contains a NUL character (U+0000), which cannot be stored";
  if (LONE_SURROGATE.test(text)) return "contains a lone UTF-16 surrogate (not valid Unicode text)";
  return undefined;
}

export interface TextIssue {
  path: (string | number)[];
  message: string;
}

/**
 * Every string — values and object keys — in a JSON-like value that the store cannot keep, with its path.
 * Walks without recursion (a deeply nested value cannot exhaust the stack) and stops after `max` issues.
 */
export function unstorableTextIn(value: unknown, max = 20): TextIssue[] {
  const issues: TextIssue[] = [];
  // Children are pushed last-first, so they are visited (and issues listed) in document order.
  const pending: { value: unknown; path: (string | number)[]; badKey?: string }[] = [{ value, path: [] }];
  while (pending.length > 0 && issues.length < max) {
    const next = pending.pop()!;
    if (next.badKey) {
      // A key that cannot be stored is named by its position, never quoted (it would break the answer too).
      issues.push({ path: next.path, message: `a key here ${next.badKey}` });
    } else if (typeof next.value === "string") {
      const reason = unstorableTextReason(next.value);
      if (reason) issues.push({ path: next.path, message: reason });
    } else if (Array.isArray(next.value)) {
      for (let index = next.value.length - 1; index >= 0; index--) {
        pending.push({ value: next.value[index], path: [...next.path, index] });
      }
    } else if (next.value !== null && typeof next.value === "object") {
      const entries = Object.entries(next.value);
      for (let index = entries.length - 1; index >= 0; index--) {
        const [key, item] = entries[index]!;
        const badKey = unstorableTextReason(key);
        pending.push(
          badKey ? { value: undefined, path: next.path, badKey } : { value: item, path: [...next.path, key] },
        );
      }
    }
  }
  return issues;
}

/** A string schema that also holds to the rule (for fields validated one by one). */
export function storableText<T extends z.ZodString>(schema: T): T {
  return schema.superRefine((text, ctx) => {
    const reason = unstorableTextReason(text);
    if (reason) ctx.addIssue({ code: "custom", message: reason });
  }) as T;
}

/**
 * Any JSON-like input whose strings all hold to the rule; the issues point at each offending string. Piped
 * before a request part's own schema, it covers every field of every route, present and future.
 */
export const storableInput = z.unknown().superRefine((value, ctx) => {
  for (const issue of unstorableTextIn(value)) {
    ctx.addIssue({ code: "custom", path: issue.path, message: issue.message });
  }
});
