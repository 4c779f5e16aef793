import { describe, expect, it } from "vitest";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import {
  type Condition,
  checkSchema,
  MAX_CHECK_DOCUMENT_DEPTH,
  MAX_CONDITION_DEPTH,
} from "../../src/engine/check-schema.ts";
import { compileCheck, parseCheck } from "../../src/engine/checks.ts";
import { compileCondition } from "../../src/engine/condition.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import type { Evaluator } from "../../src/engine/evaluators/types.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { ValidationError } from "../../src/errors.ts";
import { SETTINGS_FILE } from "../../src/paths.ts";

const settings = await loadSettings(SETTINGS_FILE);
const NOW = new Date("2026-06-01T00:00:00Z");
const evaluators = new Map<string, Evaluator>([
  [
    "alwaysNamed",
    (item) => ({ pass: item.resourceId === "good", reason: `resourceId is ${item.resourceId}` }),
  ],
  ["broken", () => ({ error: "policy document is not JSON" })],
]);

function item(
  configuration: Record<string, unknown>,
  supplementary: Record<string, unknown> = {},
): ConfigurationItem {
  return {
    resourceType: "AWS::Test::Thing",
    resourceId: "r1",
    arn: "arn:aws:test:::r1",
    awsRegion: "us-east-1",
    accountId: "111122223333",
    configuration,
    supplementaryConfiguration: supplementary,
    tags: {},
    configurationItemCaptureTime: NOW.toISOString(),
  };
}

function judge(condition: Condition, subject: ConfigurationItem) {
  const compiled = compileCondition(condition, { settings, evaluators });
  return compiled(subject, { item: subject, ctx: createContext([subject], settings, NOW) });
}

describe("condition language", () => {
  it.each<[string, Condition, Record<string, unknown>, boolean]>([
    ["eq", { key: "configuration.a", op: "eq", value: 1 }, { a: 1 }, true],
    ["ne", { key: "configuration.a", op: "ne", value: 1 }, { a: 2 }, true],
    [
      "gt/ge/lt/le",
      {
        all: [
          { key: "configuration.a", op: "gt", value: 1 },
          { key: "configuration.a", op: "le", value: 2 },
        ],
      },
      { a: 2 },
      true,
    ],
    ["gt on a missing value is false", { key: "configuration.a", op: "gt", value: 0 }, {}, false],
    ["in", { key: "configuration.s", op: "in", value: ["x", "y"] }, { s: "y" }, true],
    ["not-in", { key: "configuration.s", op: "not-in", value: ["x", "y"] }, { s: "y" }, false],
    ["contains (list)", { key: "configuration.l", op: "contains", value: "b" }, { l: ["a", "b"] }, true],
    ["contains (string)", { key: "configuration.s", op: "contains", value: "ell" }, { s: "hello" }, true],
    [
      "regex",
      { key: "configuration.s", op: "regex", value: "^py(thon)?3\\.1[0-9]$" },
      { s: "python3.12" },
      true,
    ],
    ["absent", { key: "configuration.missing", op: "absent" }, {}, true],
    ["present on null is false", { key: "configuration.n", op: "present" }, { n: null }, false],
    ["empty on []", { key: "configuration.l", op: "empty" }, { l: [] }, true],
    ["not-empty on {}", { key: "configuration.o", op: "not-empty" }, { o: {} }, false],
    [
      "age lt (days since)",
      { key: "configuration.t", op: "lt", value: 90, valueType: "age" },
      { t: "2026-05-01T00:00:00Z" },
      true,
    ],
    [
      "age ge",
      { key: "configuration.t", op: "ge", value: 90, valueType: "age" },
      { t: "2025-01-01T00:00:00Z" },
      true,
    ],
    [
      "age of a missing date never compares",
      { key: "configuration.t", op: "lt", value: 90, valueType: "age" },
      {},
      false,
    ],
    [
      "daysUntil gt (days ahead)",
      { key: "configuration.t", op: "gt", value: 30, valueType: "daysUntil" },
      { t: "2026-09-01T00:00:00Z" },
      true,
    ],
    [
      "daysUntil of a past date is negative",
      { key: "configuration.t", op: "ge", value: 0, valueType: "daysUntil" },
      { t: "2026-05-01T00:00:00Z" },
      false,
    ],
    ["integer", { key: "configuration.p", op: "eq", value: 22, valueType: "integer" }, { p: "22" }, true],
    ["boolean", { key: "configuration.b", op: "eq", value: true, valueType: "boolean" }, { b: "true" }, true],
    ["length", { key: "configuration.l", op: "le", value: 1, valueType: "length" }, { l: [1, 2] }, false],
    [
      "cidr eq normalises",
      { key: "configuration.c", op: "eq", value: "0.0.0.0/0", valueType: "cidr" },
      { c: "0.0.0.0/00" },
      true,
    ],
    [
      "cidr contains",
      { key: "configuration.c", op: "contains", value: "10.1.2.3", valueType: "cidr" },
      { c: "10.0.0.0/8" },
      true,
    ],
    [
      "cidr ipv6 world",
      { key: "configuration.c", op: "eq", value: "::/0", valueType: "cidr" },
      { c: "0:0::/0" },
      true,
    ],
    [
      "any",
      {
        any: [
          { key: "configuration.a", op: "eq", value: 1 },
          { key: "configuration.a", op: "eq", value: 2 },
        ],
      },
      { a: 2 },
      true,
    ],
    ["not", { not: { key: "configuration.a", op: "eq", value: 1 } }, { a: 1 }, false],
    [
      "every on an empty list holds",
      { every: "configuration.l", match: { key: "v", op: "gt", value: 0 } },
      { l: [] },
      true,
    ],
    [
      "every",
      { every: "configuration.l", match: { key: "v", op: "gt", value: 0 } },
      { l: [{ v: 1 }, { v: 0 }] },
      false,
    ],
    [
      "some",
      { some: "configuration.l", match: { key: "v", op: "gt", value: 0 } },
      { l: [{ v: 0 }, { v: 3 }] },
      true,
    ],
    ["none", { none: "configuration.l", match: { key: "v", op: "gt", value: 0 } }, { l: [{ v: 0 }] }, true],
    [
      "JMESPath filter",
      { every: "configuration.l[?s=='Active']", match: { key: "v", op: "eq", value: 1 } },
      {
        l: [
          { s: "Active", v: 1 },
          { s: "Inactive", v: 9 },
        ],
      },
      true,
    ],
  ])("%s", (_name, condition, configuration, expected) => {
    expect(judge(condition, item(configuration)).ok).toBe(expected);
  });

  it("reads thresholds from settings with valueFrom", () => {
    const c: Condition = { key: "configuration.len", op: "ge", valueFrom: "passwordMinLength" };
    expect(judge(c, item({ len: 14 })).ok).toBe(true);
    expect(judge(c, item({ len: 8 })).ok).toBe(false);
  });

  it("writes a reason that names the field, the value seen and the expectation", () => {
    const o = judge(
      { key: "configuration.len", label: "minimum password length", op: "ge", value: 14 },
      item({ len: 8 }),
    );
    const reason = `${o.facts.join("; ")}; expected ${o.expected}`;
    expect(reason).toBe("minimum password length is 8; expected at least 14");
  });

  it("names the offending elements of a quantifier", () => {
    const o = judge(
      {
        every: "configuration.keys",
        label: "access key",
        match: { key: "createDate", op: "lt", value: 90, valueType: "age" },
      },
      item({
        keys: [
          { accessKeyId: "AKIAOLD", createDate: "2025-01-01T00:00:00Z" },
          { accessKeyId: "AKIANEW", createDate: "2026-05-30T00:00:00Z" },
        ],
      }),
    );
    expect(o.ok).toBe(false);
    expect(o.facts.join(" ")).toContain("accessKeyId AKIAOLD");
    expect(o.facts.join(" ")).not.toContain("AKIANEW");
  });

  it("rejects unknown settings and evaluators at load, not during a scan", () => {
    expect(() =>
      compileCondition({ key: "a", op: "eq", valueFrom: "nope" }, { settings, evaluators }),
    ).toThrow(/unknown setting "nope"/);
    expect(() => compileCondition({ evaluator: "nope" }, { settings, evaluators })).toThrow(
      /unknown evaluator "nope"/,
    );
  });
});

describe("verdicts", () => {
  const base = {
    id: "test_thing_ok",
    title: "Thing is fine",
    service: "test",
    resourceType: "AWS::Test::Thing",
    severity: "low",
    description: "A thing under test.",
    risk: "Things may break.",
    remediation: { steps: ["Fix the thing."] },
  };
  const check = (pass: Condition, where?: Condition) =>
    compileCheck(
      { ...checkSchema.parse({ ...base, pass, where }), source: { kind: "builtin", file: "t.yaml" } },
      { settings, evaluators },
    );

  it("turns an unreadable value into ERROR with what to do, never FAIL", () => {
    const subject = item({}, { policy: { $error: { code: "AccessDenied", message: "not authorized" } } });
    const v = evaluateOne(
      check({ key: "supplementaryConfiguration.policy.Statement", op: "empty" }),
      subject,
      createContext([subject], settings, NOW),
    );
    expect(v?.status).toBe("ERROR");
    expect(v?.reason).toMatch(
      /could not read supplementaryConfiguration\.policy: AccessDenied.*Grant the missing read permission/,
    );
  });

  it("turns an evaluator error into ERROR", () => {
    const subject = item({});
    const v = evaluateOne(check({ evaluator: "broken" }), subject, createContext([subject], settings, NOW));
    expect(v).toMatchObject({ status: "ERROR", reason: "Not evaluated: policy document is not JSON" });
  });

  it("skips resources the where-clause excludes", () => {
    const subject = item({ kind: "aws-managed" });
    const c = check(
      { key: "configuration.x", op: "present" },
      { key: "configuration.kind", op: "eq", value: "customer" },
    );
    expect(evaluateOne(c, subject, createContext([subject], settings, NOW))).toBeUndefined();
  });

  it("validates check files and names the file and field on error", () => {
    const bad = "id: Bad-Id\ntitle: x\n";
    expect(() => parseCheck("custom/bad.yaml", bad, "custom")).toThrow(ValidationError);
    try {
      parseCheck("custom/bad.yaml", bad, "custom");
    } catch (e) {
      expect((e as Error).message).toMatch(/^custom\/bad\.yaml: id: snake_case/m);
      expect((e as Error).message).toMatch(/custom\/bad\.yaml: severity:/);
    }
    expect(() => parseCheck("x.yaml", "id: [unclosed", "custom")).toThrow(/x\.yaml: not valid YAML/);
    const wrongOp = { ...base, pass: { key: "a", op: "equals", value: 1 } };
    expect(checkSchema.safeParse(wrongOp).success).toBe(false);
    const missingValue = { ...base, pass: { key: "a", op: "eq" } };
    expect(checkSchema.safeParse(missingValue).success).toBe(false);
  });
});

describe("load-time errors in quantifiers", () => {
  it("reports a bad JMESPath in every/some/none as a compile error naming the place", () => {
    expect(() =>
      compileCondition(
        { every: "configuration.[[", match: { key: "x", op: "present" } },
        { settings, evaluators },
      ),
    ).toThrow(/pass\.every: not a valid JMESPath expression "configuration\.\[\["/);
  });
});

describe("nesting limits (issue 17, item 4)", () => {
  const check = (pass: unknown) => ({
    id: "acme_deep_check",
    title: "A deeply nested check",
    service: "test",
    resourceType: "AWS::Test::Thing",
    severity: "low",
    description: "Nested conditions, for the depth limit.",
    risk: "None; this exists for the test.",
    pass,
    remediation: { steps: ["none"] },
  });
  /** `levels` conditions, each the only child of the one above (built without recursion). */
  function nested(levels: number, wrap: (inner: unknown, i: number) => unknown): unknown {
    let c: unknown = { key: "configuration.kind", op: "present" };
    for (let i = 1; i < levels; i++) c = wrap(c, i);
    return c;
  }
  const mixed = (inner: unknown, i: number) =>
    i % 3 === 0
      ? { not: inner }
      : i % 3 === 1
        ? { all: [inner] }
        : { every: "configuration.list", match: inner };

  it(`accepts ${MAX_CONDITION_DEPTH} levels and compiles them`, () => {
    const parsed = checkSchema.parse(check(nested(MAX_CONDITION_DEPTH, mixed)));
    expect(() =>
      compileCheck({ ...parsed, source: { kind: "custom", file: "deep.yaml" } }, { settings, evaluators }),
    ).not.toThrow();
  });

  it(`refuses one level more, naming the limit and the field`, () => {
    const result = checkSchema.safeParse(check(nested(MAX_CONDITION_DEPTH + 1, mixed)));
    expect(result.success).toBe(false);
    expect(result.error!.issues).toHaveLength(1);
    expect(result.error!.issues[0]!.path).toEqual(["pass"]);
    expect(result.error!.issues[0]!.message).toMatch(/conditions nest more than 32 levels deep/);
  });

  it("refuses 5,000 levels with a validation error instead of overflowing the stack", () => {
    for (const wrap of [mixed, (inner: unknown) => ({ any: [inner] })]) {
      const result = checkSchema.safeParse(check(nested(5000, wrap)));
      expect(result.success).toBe(false);
      expect(result.error!.issues[0]!.message).toMatch(/more than 32 levels/);
    }
    let deepValue: unknown = 1;
    for (let i = 0; i < 5000; i++) deepValue = [deepValue];
    const value = checkSchema.safeParse(check({ key: "configuration.kind", op: "eq", value: deepValue }));
    expect(value.success).toBe(false);
    expect(value.error!.issues[0]!.message).toMatch(
      new RegExp(`nests more than ${MAX_CHECK_DOCUMENT_DEPTH} levels of objects and lists`),
    );
  });

  it("a check file nested too deeply for the YAML parser is a validation error naming the limit", () => {
    let flow = "{key: configuration.kind, op: present}";
    for (let i = 0; i < 5000; i++) flow = `{not: ${flow}}`;
    const text = `id: acme_deep_check\ntitle: A deeply nested check\npass: ${flow}\n`;
    expect(() => parseCheck("custom/deep.yaml", text, "custom")).toThrow(ValidationError);
    expect(() => parseCheck("custom/deep.yaml", text, "custom")).toThrow(
      /custom\/deep\.yaml: nests too deeply to read; conditions may nest at most 32 levels/,
    );
  });
});
