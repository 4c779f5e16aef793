import { z } from "zod";
import { formatPath, pathBeyondDepth } from "../domain/depth.ts";
import { SEVERITIES } from "../domain/types.ts";

export const OPERATORS = [
  "eq",
  "ne",
  "gt",
  "ge",
  "lt",
  "le",
  "in",
  "not-in",
  "contains",
  "regex",
  "absent",
  "present",
  "empty",
  "not-empty",
] as const;
export type Operator = (typeof OPERATORS)[number];

export const VALUE_TYPES = ["age", "daysUntil", "integer", "cidr", "boolean", "length"] as const;
export type ValueType = (typeof VALUE_TYPES)[number];

export interface ValueTest {
  key: string;
  op: Operator;
  value?: unknown;
  valueFrom?: string;
  valueType?: ValueType;
  label?: string;
}
export interface AllOf {
  all: Condition[];
}
export interface AnyOf {
  any: Condition[];
}
export interface Not {
  not: Condition;
}
export interface Quantified {
  every?: string;
  some?: string;
  none?: string;
  match: Condition;
  label?: string;
}
export interface EvaluatorCall {
  evaluator: string;
  params?: Record<string, unknown>;
}
export type Condition = ValueTest | AllOf | AnyOf | Not | Quantified | EvaluatorCall;

const valueTestSchema = z
  .object({
    key: z.string().min(1),
    op: z.enum(OPERATORS),
    value: z.unknown().optional(),
    valueFrom: z.string().min(1).optional(),
    valueType: z.enum(VALUE_TYPES).optional(),
    label: z.string().min(1).optional(),
  })
  .strict()
  .superRefine((test, ctx) => {
    const unary =
      test.op === "absent" || test.op === "present" || test.op === "empty" || test.op === "not-empty";
    const hasValue = test.value !== undefined || test.valueFrom !== undefined;
    if (unary && hasValue) ctx.addIssue({ code: "custom", message: `op "${test.op}" takes no value` });
    if (!unary && !hasValue)
      ctx.addIssue({ code: "custom", message: `op "${test.op}" needs value or valueFrom` });
    if (test.value !== undefined && test.valueFrom !== undefined)
      ctx.addIssue({ code: "custom", message: "give value or valueFrom, not both" });
    if ((test.op === "in" || test.op === "not-in") && test.value !== undefined && !Array.isArray(test.value))
      ctx.addIssue({ code: "custom", message: `op "${test.op}" needs a list value` });
    if (test.op === "regex" && typeof test.value === "string") {
      try {
        new RegExp(test.value);
      } catch {
        ctx.addIssue({ code: "custom", message: `value is not a valid regular expression: ${test.value}` });
      }
    }
  });

export const conditionSchema: z.ZodType<Condition> = z.lazy(() =>
  z.union([
    valueTestSchema,
    z.object({ all: z.array(conditionSchema).min(1) }).strict(),
    z.object({ any: z.array(conditionSchema).min(1) }).strict(),
    z.object({ not: conditionSchema }).strict(),
    z.object({ every: z.string().min(1), match: conditionSchema, label: z.string().optional() }).strict(),
    z.object({ some: z.string().min(1), match: conditionSchema, label: z.string().optional() }).strict(),
    z.object({ none: z.string().min(1), match: conditionSchema, label: z.string().optional() }).strict(),
    z.object({ evaluator: z.string().min(1), params: z.record(z.string(), z.unknown()).optional() }).strict(),
  ]),
) as z.ZodType<Condition>;

/**
 * How deeply conditions may nest: every `all`, `any`, `not` and quantifier `match` is one level, the condition
 * under `pass` or `where` is level 1. The built-in checks need at most 5; 32 leaves room for any check a
 * person writes and stays far below where the recursive validator and compiler would overflow the stack
 * (a few thousand levels, which a 100 KB request body can hold). See docs/checks.md.
 */
export const MAX_CONDITION_DEPTH = 32;

/** Objects and lists anywhere in a check document (values and evaluator params included). */
export const MAX_CHECK_DOCUMENT_DEPTH = 100;

export interface NestingProblem {
  /** The top-level field the problem is under (`pass`, `where`, or the deepest path's first key). */
  field: string;
  message: string;
}

/**
 * Measures a parsed check document before anything recursive touches it (schema validation, the compiler,
 * `JSON.stringify`): conditions deeper than MAX_CONDITION_DEPTH, or any value deeper than
 * MAX_CHECK_DOCUMENT_DEPTH. The walk keeps its own stack, so a hostile document cannot overflow it.
 */
export function checkNestingProblem(document: unknown): NestingProblem | undefined {
  if (typeof document !== "object" || document === null || Array.isArray(document)) return undefined;
  const fields = document as Record<string, unknown>;
  for (const field of ["where", "pass"]) {
    const stack: { node: unknown; depth: number; path: (string | number)[] }[] = [
      { node: fields[field], depth: 1, path: [field] },
    ];
    for (let top = stack.pop(); top; top = stack.pop()) {
      const { node, depth, path } = top;
      if (typeof node !== "object" || node === null || Array.isArray(node)) continue;
      if (depth > MAX_CONDITION_DEPTH) {
        return {
          field,
          message:
            `conditions nest more than ${MAX_CONDITION_DEPTH} levels deep (at ${formatPath(path)}); ` +
            `at most ${MAX_CONDITION_DEPTH} levels of all/any/not/match are allowed: flatten the groups or split the check`,
        };
      }
      const condition = node as Record<string, unknown>;
      for (const key of ["all", "any"]) {
        const list = condition[key];
        if (!Array.isArray(list)) continue;
        for (const [i, child] of list.entries()) {
          stack.push({ node: child, depth: depth + 1, path: [...path, key, i] });
        }
      }
      for (const key of ["not", "match"]) {
        if (key in condition) stack.push({ node: condition[key], depth: depth + 1, path: [...path, key] });
      }
    }
  }
  const deep = pathBeyondDepth(document, MAX_CHECK_DOCUMENT_DEPTH);
  if (deep) {
    return {
      field: String(deep[0]),
      message:
        `nests more than ${MAX_CHECK_DOCUMENT_DEPTH} levels of objects and lists (at ${formatPath(deep)}); ` +
        "a check document may nest at most that deep",
    };
  }
  return undefined;
}

export const CHECK_ID = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;
const RESOURCE_TYPE = /^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$/;

const checkFields = z
  .object({
    id: z.string().regex(CHECK_ID, "snake_case with at least two words, e.g. s3_bucket_versioning_enabled"),
    title: z.string().min(5).max(140),
    service: z.string().regex(/^[a-z0-9]+$/),
    resourceType: z.string().regex(RESOURCE_TYPE, "an AWS Config resource type such as AWS::S3::Bucket"),
    severity: z.enum(SEVERITIES),
    description: z.string().min(10),
    risk: z.string().min(10),
    where: conditionSchema.optional(),
    pass: conditionSchema,
    remediation: z
      .object({
        /** Custom checks only: the built-in checks' actions declare the checks they fix (tools/remediation). */
        action: z.string().optional(),
        steps: z.array(z.string()).min(1),
        cli: z.string().optional(),
        iac: z.string().optional(),
      })
      .strict(),
    references: z.array(z.string().url()).default([]),
  })
  .strict();

/**
 * A check document. Its nesting is measured first (`checkNestingProblem`): the recursive condition schema
 * below would overflow the stack on a document nested thousands deep, so such a one never reaches it. Every
 * path into the catalog (check files, the policies API's request body, stored policies) parses through here.
 */
export const checkSchema = z.preprocess((document, ctx) => {
  const problem = checkNestingProblem(document);
  if (problem)
    ctx.addIssue({ code: "custom", path: [problem.field], message: problem.message, input: document });
  return document;
}, checkFields);

export type Check = z.infer<typeof checkSchema> & {
  /** Where the definition came from: a built-in file or a custom one. */
  source: { kind: "builtin" | "custom"; file: string };
};

/** A check as a person writes it (a stored policy): everything but where it was loaded from. */
export type CheckDefinition = Omit<Check, "source">;
