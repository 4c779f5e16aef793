import { z } from "zod";
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

export const CHECK_ID = /^[a-z][a-z0-9]*(_[a-z0-9]+)+$/;
const RESOURCE_TYPE = /^AWS::[A-Za-z0-9]*::[A-Za-z0-9]+$/;

export const checkSchema = z
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

export type Check = z.infer<typeof checkSchema> & {
  /** Where the definition came from: a built-in file or a custom one. */
  source: { kind: "builtin" | "custom"; file: string };
};

/** A check as a person writes it (a stored policy): everything but where it was loaded from. */
export type CheckDefinition = Omit<Check, "source">;
