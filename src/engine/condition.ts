import type { ConfigurationItem } from "../domain/types.ts";
import type { Condition, Operator, ValueTest, ValueType } from "./check-schema.ts";
import { cidrContains, cidrEquals } from "./cidr.ts";
import type { EvaluationContext, Evaluator } from "./evaluators/types.ts";
import { compilePath, type Getter } from "./path.ts";
import type { Settings } from "./settings.ts";

/** What a condition found: whether it holds, what was observed, and what was expected. */
export interface Outcome {
  ok: boolean;
  /** Observations, each naming a field and the value seen. */
  facts: string[];
  /** What a compliant resource would show. */
  expected: string;
  evidence: Record<string, unknown>;
}

export interface ConditionEnv {
  /** The whole item being judged (evaluators need it even inside quantifiers). */
  item: ConfigurationItem;
  ctx: EvaluationContext;
}

export type CompiledCondition = (subject: unknown, env: ConditionEnv) => Outcome;

export interface CompileOptions {
  settings: Settings;
  evaluators: ReadonlyMap<string, Evaluator>;
}

export class ConditionCompileError extends Error {}

/** Turns a condition tree into one closure, so a scan parses nothing per resource. */
export function compileCondition(
  condition: Condition,
  options: CompileOptions,
  path = "pass",
): CompiledCondition {
  if ("key" in condition) return compileValueTest(condition, options, path);
  if ("all" in condition) {
    const parts = condition.all.map((c, i) => compileCondition(c, options, `${path}.all[${i}]`));
    return (subject, env) => {
      const outcomes = parts.map((p) => p(subject, env));
      const failed = outcomes.filter((o) => !o.ok);
      const shown = failed.length > 0 ? failed : outcomes;
      return combine(failed.length === 0, shown, outcomes, " and ");
    };
  }
  if ("any" in condition) {
    const parts = condition.any.map((c, i) => compileCondition(c, options, `${path}.any[${i}]`));
    return (subject, env) => {
      const outcomes: Outcome[] = [];
      for (const p of parts) {
        const o = p(subject, env);
        outcomes.push(o);
        if (o.ok)
          return { ...combine(true, [o], outcomes, " or "), expected: anyExpected(parts.length, outcomes) };
      }
      return {
        ...combine(false, outcomes, outcomes, " or "),
        expected: outcomes.map((o) => o.expected).join(" or "),
      };
    };
  }
  if ("not" in condition) {
    const inner = compileCondition(condition.not, options, `${path}.not`);
    return (subject, env) => {
      const o = inner(subject, env);
      return { ok: !o.ok, facts: o.facts, expected: `not (${o.expected})`, evidence: o.evidence };
    };
  }
  if ("evaluator" in condition) {
    const evaluator = options.evaluators.get(condition.evaluator);
    if (!evaluator) {
      throw new ConditionCompileError(
        `${path}.evaluator: unknown evaluator "${condition.evaluator}"; known: ${[...options.evaluators.keys()].join(", ")}`,
      );
    }
    const params = condition.params ?? {};
    return (_subject, env) => {
      const result = evaluator(env.item, params, env.ctx);
      if ("error" in result) throw new EvaluatorFailure(result.error);
      return { ok: result.pass, facts: [result.reason], expected: "", evidence: result.evidence ?? {} };
    };
  }
  return compileQuantifier(condition, options, path);
}

export class EvaluatorFailure extends Error {}

function combine(ok: boolean, shown: Outcome[], all: Outcome[], joiner: string): Outcome {
  const evidence: Record<string, unknown> = {};
  for (const o of all) Object.assign(evidence, o.evidence);
  return {
    ok,
    facts: shown.flatMap((o) => o.facts),
    expected: shown
      .map((o) => o.expected)
      .filter(Boolean)
      .join(joiner),
    evidence,
  };
}

function anyExpected(_count: number, outcomes: Outcome[]): string {
  return outcomes[outcomes.length - 1]?.expected ?? "";
}

const IDENTITY_FIELDS = [
  "accessKeyId",
  "userName",
  "policyName",
  "groupId",
  "ruleNumber",
  "cidrIp",
  "cidrIpv6",
  "flowLogId",
  "name",
  "id",
];

function describeElement(element: unknown, index: number): string {
  if (element && typeof element === "object") {
    for (const f of IDENTITY_FIELDS) {
      const v = (element as Record<string, unknown>)[f];
      if (typeof v === "string" || typeof v === "number") return `${f} ${v}`;
    }
  } else if (typeof element === "string" || typeof element === "number") {
    return JSON.stringify(element);
  }
  return `#${index + 1}`;
}

function compileQuantifier(
  condition: Extract<Condition, { match: Condition }>,
  options: CompileOptions,
  path: string,
): CompiledCondition {
  const mode = condition.every !== undefined ? "every" : condition.some !== undefined ? "some" : "none";
  const expression = (condition.every ?? condition.some ?? condition.none)!;
  let getList: Getter;
  try {
    getList = compilePath(expression);
  } catch (error) {
    throw new ConditionCompileError(
      `${path}.${mode}: not a valid JMESPath expression "${expression}": ${String(error)}`,
    );
  }
  const match = compileCondition(condition.match, options, `${path}.match`);
  const label = condition.label ?? expression;
  return (subject, env) => {
    const raw = getList(subject);
    const list = Array.isArray(raw) ? raw : raw === null ? [] : [raw];
    const matching: string[] = [];
    const notMatching: string[] = [];
    let expected = "";
    for (let i = 0; i < list.length; i++) {
      const o = match(list[i], env);
      expected ||= o.expected;
      const line = `${describeElement(list[i], i)}: ${o.facts.join("; ")}`;
      (o.ok ? matching : notMatching).push(line);
    }
    if (list.length === 0) {
      expected = mode === "some" ? `at least one entry in ${label}` : "";
      return {
        ok: mode !== "some",
        facts: [`${label} has no entries`],
        expected,
        evidence: { [expression]: [] },
      };
    }
    const evidence = { [expression]: list };
    const count = `${list.length} entr${list.length === 1 ? "y" : "ies"} in ${label}`;
    if (mode === "every") {
      const ok = notMatching.length === 0;
      return {
        ok,
        facts: ok ? [`all ${count} comply`] : notMatching.slice(0, 5).map((l) => `${label} ${l}`),
        expected: `every entry: ${expected}`,
        evidence,
      };
    }
    if (mode === "some") {
      const ok = matching.length > 0;
      return {
        ok,
        facts: ok ? [`${label} ${matching[0]}`] : [`none of ${count} qualifies`],
        expected: `at least one entry: ${expected}`,
        evidence,
      };
    }
    const ok = matching.length === 0;
    return {
      ok,
      facts: ok ? [`none of ${count} matches`] : matching.slice(0, 5).map((l) => `${label} ${l}`),
      expected: `no entry where ${expected}`,
      evidence,
    };
  };
}

function compileValueTest(test: ValueTest, options: CompileOptions, path: string): CompiledCondition {
  let getter: Getter;
  try {
    getter = compilePath(test.key);
  } catch (error) {
    throw new ConditionCompileError(
      `${path}.key: not a valid JMESPath expression "${test.key}": ${String(error)}`,
    );
  }
  let expected = test.value;
  if (test.valueFrom !== undefined) {
    if (!(test.valueFrom in options.settings)) {
      throw new ConditionCompileError(
        `${path}.valueFrom: unknown setting "${test.valueFrom}"; known: ${Object.keys(options.settings).join(", ")}`,
      );
    }
    expected = options.settings[test.valueFrom as keyof Settings];
  }
  const regex = test.op === "regex" ? new RegExp(String(expected)) : undefined;
  const label = test.label ?? test.key;
  const expectation = describeExpectation(test.op, expected, test.valueType);
  return (subject, env) => {
    const raw = getter(subject);
    const actual = test.valueType ? convert(raw, test.valueType, env.ctx.now) : raw;
    const ok = applyOperator(test.op, actual, expected, test.valueType, regex);
    return {
      ok,
      facts: [`${label} is ${describeValue(raw, actual, test.valueType)}`],
      expected: expectation,
      evidence: { [test.key]: raw },
    };
  };
}

const DAY_MS = 86_400_000;

function convert(value: unknown, type: ValueType, now: Date): unknown {
  switch (type) {
    case "age": {
      if (value === null || value === undefined || value === "") return null;
      const time = new Date(value as string).getTime();
      return Number.isNaN(time) ? null : Math.floor((now.getTime() - time) / DAY_MS);
    }
    case "daysUntil": {
      if (value === null || value === undefined || value === "") return null;
      const time = new Date(value as string).getTime();
      // Whole days left: a date 12 hours ahead is 0 days away, one 12 hours past is -1.
      return Number.isNaN(time) ? null : Math.floor((time - now.getTime()) / DAY_MS);
    }
    case "integer": {
      if (typeof value === "number") return Math.trunc(value);
      const n = Number.parseInt(String(value), 10);
      return Number.isNaN(n) ? null : n;
    }
    case "boolean":
      return value === "true" ? true : value === "false" ? false : value;
    case "length":
      if (Array.isArray(value) || typeof value === "string") return value.length;
      if (value && typeof value === "object") return Object.keys(value).length;
      return 0;
    case "cidr":
      return value;
  }
}

function isEmpty(value: unknown): boolean {
  if (value === null || value === undefined || value === "") return true;
  if (Array.isArray(value)) return value.length === 0;
  if (typeof value === "object") return Object.keys(value).length === 0;
  return false;
}

function equals(a: unknown, b: unknown, type?: ValueType): boolean {
  if (type === "cidr" && typeof a === "string" && typeof b === "string") return cidrEquals(a, b);
  if (a === b) return true;
  if (typeof a === "object" && typeof b === "object" && a !== null && b !== null)
    return JSON.stringify(a) === JSON.stringify(b);
  return false;
}

function compare(op: "gt" | "ge" | "lt" | "le", a: unknown, b: unknown): boolean {
  if (a === null || a === undefined) return false;
  const x = typeof a === "string" && typeof b === "number" ? Number(a) : a;
  if (typeof x !== typeof b) return false;
  switch (op) {
    case "gt":
      return (x as number) > (b as number);
    case "ge":
      return (x as number) >= (b as number);
    case "lt":
      return (x as number) < (b as number);
    case "le":
      return (x as number) <= (b as number);
  }
}

function applyOperator(
  op: Operator,
  actual: unknown,
  expected: unknown,
  type?: ValueType,
  regex?: RegExp,
): boolean {
  switch (op) {
    case "eq":
      return equals(actual, expected, type);
    case "ne":
      return !equals(actual, expected, type);
    case "gt":
    case "ge":
    case "lt":
    case "le":
      return compare(op, actual, expected);
    case "in":
      return (expected as unknown[]).some((e) => equals(actual, e, type));
    case "not-in":
      return !(expected as unknown[]).some((e) => equals(actual, e, type));
    case "contains":
      if (Array.isArray(actual)) return actual.some((e) => equals(e, expected, type));
      if (type === "cidr" && typeof actual === "string") return cidrContains(actual, String(expected));
      return typeof actual === "string" && actual.includes(String(expected));
    case "regex":
      return typeof actual === "string" && regex!.test(actual);
    case "absent":
      return actual === null || actual === undefined;
    case "present":
      return actual !== null && actual !== undefined;
    case "empty":
      return isEmpty(actual);
    case "not-empty":
      return !isEmpty(actual);
  }
}

export function formatValue(value: unknown): string {
  if (value === null || value === undefined) return "not set";
  if (typeof value === "string") return JSON.stringify(value);
  const text = JSON.stringify(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}

function describeValue(raw: unknown, actual: unknown, type?: ValueType): string {
  if (type === "age")
    return actual === null ? `${formatValue(raw)} (no age)` : `${actual} days old (${formatValue(raw)})`;
  if (type === "daysUntil")
    return actual === null ? `${formatValue(raw)} (no date)` : `${actual} days away (${formatValue(raw)})`;
  if (type === "length") return `${actual} long`;
  return formatValue(raw);
}

function describeExpectation(op: Operator, expected: unknown, type?: ValueType): string {
  const unit = type === "age" ? " days old" : type === "daysUntil" ? " days away" : "";
  const v = Array.isArray(expected) ? expected.map((e) => formatValue(e)).join(", ") : formatValue(expected);
  switch (op) {
    case "eq":
      return `${v}${unit}`;
    case "ne":
      return `anything but ${v}${unit}`;
    case "gt":
      return `more than ${v}${unit}`;
    case "ge":
      return `at least ${v}${unit}`;
    case "lt":
      return `less than ${v}${unit}`;
    case "le":
      return `at most ${v}${unit}`;
    case "in":
      return `one of ${v}`;
    case "not-in":
      return `none of ${v}`;
    case "contains":
      return type === "cidr" ? `a range containing ${v}` : `to contain ${v}`;
    case "regex":
      return `to match /${String(expected)}/`;
    case "absent":
      return "not set";
    case "present":
      return "set";
    case "empty":
      return "empty";
    case "not-empty":
      return "not empty";
  }
}
