import jmespath from "jmespath";
import { isCallError } from "../domain/shape.ts";

/** Raised while reading a value that a collector could not fetch (`{ "$error": … }`). */
export class UnreadableValue extends Error {
  constructor(
    readonly path: string,
    readonly code: string,
    readonly detail: string,
  ) {
    super(`could not read ${path}: ${code}${detail ? ` (${detail})` : ""}`);
  }
}

export type Getter = (subject: unknown) => unknown;

const SIMPLE_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*|\[\d+\])*$/;
const SEGMENT = /[A-Za-z_$][\w$]*|\[\d+\]/g;

/**
 * Compiles a JMESPath expression once. Plain dotted paths (the large majority) get a direct property walk,
 * which is what makes 100k-resource evaluations fast; anything else goes through the JMESPath interpreter.
 * Either way, meeting a `$error` marker on the way raises UnreadableValue.
 */
export function compilePath(expression: string): Getter {
  if (SIMPLE_PATH.test(expression)) {
    const segments = (expression.match(SEGMENT) ?? []).map((s) =>
      s.startsWith("[") ? Number(s.slice(1, -1)) : s,
    );
    return (subject) => {
      let value: unknown = subject;
      for (let i = 0; i < segments.length; i++) {
        if (isCallError(value)) throw unreadable(expression, segments, i, value);
        if (value === null || value === undefined || typeof value !== "object") return null;
        const seg = segments[i]!;
        value =
          typeof seg === "number" ? (Array.isArray(value) ? value[seg] : undefined) : (value as never)[seg];
      }
      if (isCallError(value)) throw unreadable(expression, segments, segments.length, value);
      return value === undefined ? null : value;
    };
  }
  // Validate now so that a bad expression fails at load, not during a scan.
  (jmespath as unknown as { compile(e: string): unknown }).compile(expression);
  const prefix = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)*/.exec(expression)?.[0];
  const prefixGetter = prefix && prefix !== expression ? compilePath(prefix) : undefined;
  return (subject) => {
    // A complex expression hides the `$error` marker (a projection would silently skip it); probe its prefix.
    prefixGetter?.(subject);
    const value = jmespath.search(subject as never, expression);
    if (isCallError(value)) throw new UnreadableValue(expression, value.$error.code, value.$error.message);
    return value ?? null;
  };
}

function unreadable(
  expression: string,
  segments: (string | number)[],
  depth: number,
  value: { $error: { code: string; message: string } },
) {
  const path = segments
    .slice(0, depth)
    .map((s, i) => (typeof s === "number" ? `[${s}]` : i === 0 ? s : `.${s}`))
    .join("");
  return new UnreadableValue(path || expression, value.$error.code, value.$error.message);
}
