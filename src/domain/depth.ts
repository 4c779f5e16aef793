/**
 * How deeply a parsed document nests. Everything that walks a document recursively (schema validation,
 * `JSON.stringify`, content hashes, key conversion) overflows the stack on a few thousand levels, which a body
 * of 100 KB holds easily; callers measure first, with this walk that keeps its own stack, and refuse with a
 * message naming the limit.
 */

export type JsonPath = (string | number)[];

interface Frame {
  value: unknown;
  depth: number;
  key: string | number;
  parent: Frame | undefined;
}

/**
 * The path to the first object or list that sits deeper than `max` levels (the document itself is level 1),
 * or undefined when the whole document stays within `max`.
 */
export function pathBeyondDepth(value: unknown, max: number): JsonPath | undefined {
  const stack: Frame[] = [{ value, depth: 1, key: "", parent: undefined }];
  for (let frame = stack.pop(); frame; frame = stack.pop()) {
    if (typeof frame.value !== "object" || frame.value === null) continue;
    if (frame.depth > max) return pathOf(frame);
    const entries: [string | number, unknown][] = Array.isArray(frame.value)
      ? frame.value.map((v, i) => [i, v])
      : Object.entries(frame.value);
    for (const [key, child] of entries) {
      if (typeof child === "object" && child !== null) {
        stack.push({ value: child, depth: frame.depth + 1, key, parent: frame });
      }
    }
  }
  return undefined;
}

function pathOf(frame: Frame): JsonPath {
  const path: JsonPath = [];
  for (let f: Frame | undefined = frame; f?.parent; f = f.parent) path.unshift(f.key);
  return path;
}

/** `a.b.0.c`, cut in the middle when long: a path 5,000 levels deep must not become a 20 KB message. */
export function formatPath(path: JsonPath, keep = 4): string {
  if (path.length <= keep * 2) return path.join(".");
  return `${path.slice(0, keep).join(".")}.….${path.slice(-keep).join(".")}`;
}
