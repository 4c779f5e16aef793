/**
 * The CloudWatch Logs filter pattern language for JSON log events (`{ $.eventName = "CreateTrail" || … }`),
 * parsed into a tree and matched against events. Used to decide whether a metric filter on a CloudTrail log
 * group counts every event of a monitored class (CIS AWS Foundations section 4).
 *
 * What is understood (the JSON form of the language, as CloudWatch documents it):
 * - selectors `$.a.b`, `$.a[0].b`, `$.a.*`-free paths; comparisons `=` `!=` `<` `<=` `>` `>=`;
 * - values quoted ("Failed authentication") or bare (ConsoleLogin, 1.5), `*` as a wildcard anywhere in a
 *   string value, `%regex%` values;
 * - `IS TRUE` / `IS FALSE` / `IS NULL`, `NOT EXISTS`, `EXISTS`;
 * - `&&`, `||` (`&&` binds tighter, as in the language's examples), parentheses, any spacing.
 * Anything else (space-delimited and term patterns) is reported as not a JSON pattern: the caller decides.
 */

export type Value =
  | { kind: "string"; text: string }
  | { kind: "number"; value: number }
  | { kind: "regex"; source: string };

export type PatternNode =
  | { type: "and"; terms: PatternNode[] }
  | { type: "or"; terms: PatternNode[] }
  | { type: "compare"; path: (string | number)[]; op: "=" | "!=" | "<" | "<=" | ">" | ">="; value: Value }
  | { type: "is"; path: (string | number)[]; value: true | false | null }
  | { type: "exists"; path: (string | number)[]; exists: boolean };

export type ParsedPattern =
  /** The empty pattern: every event matches. */
  { kind: "all" } | { kind: "json"; root: PatternNode } | { kind: "unsupported"; reason: string };

class PatternError extends Error {}

interface Token {
  t: "(" | ")" | "&&" | "||" | "op" | "word" | "string";
  v: string;
}

const OPS = ["!=", "<=", ">=", "=", "<", ">"];

function tokenize(body: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < body.length) {
    const c = body[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "(" || c === ")") {
      out.push({ t: c, v: c });
      i++;
      continue;
    }
    if (body.startsWith("&&", i) || body.startsWith("||", i)) {
      out.push({ t: body.slice(i, i + 2) as "&&" | "||", v: body.slice(i, i + 2) });
      i += 2;
      continue;
    }
    const op = OPS.find((o) => body.startsWith(o, i));
    if (op) {
      out.push({ t: "op", v: op });
      i += op.length;
      continue;
    }
    if (c === '"') {
      let text = "";
      i++;
      while (i < body.length && body[i] !== '"') {
        if (body[i] === "\\" && i + 1 < body.length) i++;
        text += body[i];
        i++;
      }
      if (i >= body.length) throw new PatternError("a quoted value is not closed");
      i++;
      out.push({ t: "string", v: text });
      continue;
    }
    if (c === "%") {
      const end = body.indexOf("%", i + 1);
      if (end < 0) throw new PatternError("a %regex% value is not closed");
      out.push({ t: "word", v: body.slice(i, end + 1) });
      i = end + 1;
      continue;
    }
    let word = "";
    while (
      i < body.length &&
      !/\s/.test(body[i]!) &&
      !'()"'.includes(body[i]!) &&
      !body.startsWith("&&", i) &&
      !body.startsWith("||", i) &&
      !OPS.some((o) => body.startsWith(o, i))
    ) {
      word += body[i];
      i++;
    }
    out.push({ t: "word", v: word });
  }
  return out;
}

function parsePath(selector: string): (string | number)[] {
  if (!selector.startsWith("$"))
    throw new PatternError(`expected a selector like $.eventName, found ${selector}`);
  const path: (string | number)[] = [];
  const re = /\.([A-Za-z0-9_\-@:]+)|\[(\d+)\]/gy;
  re.lastIndex = 1;
  while (re.lastIndex < selector.length) {
    const start = re.lastIndex;
    const m = re.exec(selector);
    if (!m || m.index !== start) throw new PatternError(`cannot read selector ${selector}`);
    path.push(m[1] !== undefined ? m[1] : Number(m[2]));
  }
  if (path.length === 0) throw new PatternError(`selector ${selector} names no field`);
  return path;
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  parse(): PatternNode {
    const node = this.or();
    if (this.i < this.tokens.length) throw new PatternError(`unexpected ${this.tokens[this.i]!.v}`);
    return node;
  }

  private peek(): Token | undefined {
    return this.tokens[this.i];
  }

  private next(): Token {
    const t = this.tokens[this.i++];
    if (!t) throw new PatternError("the pattern ends too early");
    return t;
  }

  private or(): PatternNode {
    const terms = [this.and()];
    while (this.peek()?.t === "||") {
      this.i++;
      terms.push(this.and());
    }
    return terms.length === 1 ? terms[0]! : { type: "or", terms };
  }

  private and(): PatternNode {
    const terms = [this.unary()];
    while (this.peek()?.t === "&&") {
      this.i++;
      terms.push(this.unary());
    }
    return terms.length === 1 ? terms[0]! : { type: "and", terms };
  }

  private unary(): PatternNode {
    const t = this.next();
    if (t.t === "(") {
      const inner = this.or();
      if (this.next().t !== ")") throw new PatternError("a parenthesis is not closed");
      return inner;
    }
    if (t.t !== "word") throw new PatternError(`expected a selector, found ${t.v}`);
    const path = parsePath(t.v);
    const after = this.next();
    if (after.t === "op") return { type: "compare", path, op: after.v as "=", value: this.value() };
    if (after.t === "word" && after.v.toUpperCase() === "IS") {
      const what = this.next().v.toUpperCase();
      if (what === "TRUE" || what === "FALSE" || what === "NULL")
        return { type: "is", path, value: what === "TRUE" ? true : what === "FALSE" ? false : null };
      throw new PatternError(`expected TRUE, FALSE or NULL after IS, found ${what}`);
    }
    if (after.t === "word" && after.v.toUpperCase() === "NOT") {
      if (this.next().v.toUpperCase() !== "EXISTS") throw new PatternError("expected EXISTS after NOT");
      return { type: "exists", path, exists: false };
    }
    if (after.t === "word" && after.v.toUpperCase() === "EXISTS")
      return { type: "exists", path, exists: true };
    throw new PatternError(`expected a comparison after ${t.v}, found ${after.v}`);
  }

  private value(): Value {
    const t = this.next();
    if (t.t === "string") return { kind: "string", text: t.v };
    if (t.t !== "word" || t.v === "") throw new PatternError(`expected a value, found ${t.v || "nothing"}`);
    if (t.v.length > 1 && t.v.startsWith("%") && t.v.endsWith("%"))
      return { kind: "regex", source: t.v.slice(1, -1) };
    if (/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(t.v)) return { kind: "number", value: Number(t.v) };
    return { kind: "string", text: t.v };
  }
}

/** Parses a metric filter pattern. Never throws: a pattern it cannot read says why. */
export function parseFilterPattern(pattern: string | null | undefined): ParsedPattern {
  const text = (pattern ?? "").trim();
  if (text === "") return { kind: "all" };
  if (!text.startsWith("{") || !text.endsWith("}"))
    return { kind: "unsupported", reason: "it is not a JSON filter pattern ({ $.field = value … })" };
  try {
    const tokens = tokenize(text.slice(1, -1));
    if (tokens.length === 0) return { kind: "unsupported", reason: "the JSON pattern is empty" };
    return { kind: "json", root: new Parser(tokens).parse() };
  } catch (error) {
    return { kind: "unsupported", reason: `it cannot be parsed: ${(error as Error).message}` };
  }
}

function lookup(event: unknown, path: readonly (string | number)[]): { found: boolean; value: unknown } {
  let current: unknown = event;
  for (const step of path) {
    if (current === null || typeof current !== "object" || !(step in (current as object)))
      return { found: false, value: undefined };
    current = (current as Record<string | number, unknown>)[step];
  }
  return { found: true, value: current };
}

function globMatch(glob: string, text: string): boolean {
  const source = glob
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${source}$`, "s").test(text);
}

function equalsValue(actual: unknown, value: Value): boolean {
  if (actual === undefined || actual === null || typeof actual === "object") return false;
  if (value.kind === "number")
    return typeof actual === "number" ? actual === value.value : Number(actual) === value.value;
  const text = String(actual);
  if (value.kind === "regex") {
    try {
      return new RegExp(value.source).test(text);
    } catch {
      return false;
    }
  }
  return value.text.includes("*") ? globMatch(value.text, text) : text === value.text;
}

function matchNode(node: PatternNode, event: unknown): boolean {
  switch (node.type) {
    case "and":
      return node.terms.every((t) => matchNode(t, event));
    case "or":
      return node.terms.some((t) => matchNode(t, event));
    case "exists":
      return lookup(event, node.path).found === node.exists;
    case "is": {
      const { found, value } = lookup(event, node.path);
      return found && value === node.value;
    }
    case "compare": {
      const { found, value } = lookup(event, node.path);
      if (node.op === "=") return found && equalsValue(value, node.value);
      // A field that is absent is "not equal" to any value (the reading that makes != the broader test).
      if (node.op === "!=") return !found || !equalsValue(value, node.value);
      if (node.value.kind !== "number" || !found) return false;
      const n = Number(value);
      if (!Number.isFinite(n)) return false;
      const v = node.value.value;
      return node.op === "<" ? n < v : node.op === "<=" ? n <= v : node.op === ">" ? n > v : n >= v;
    }
  }
}

/** Whether a parsed pattern selects an event (an object as CloudTrail writes it to CloudWatch Logs). */
export function patternMatches(pattern: ParsedPattern, event: unknown): boolean {
  if (pattern.kind === "all") return true;
  if (pattern.kind === "unsupported") return false;
  return matchNode(pattern.root, event);
}
