/**
 * The policy agent's deterministic rules: knowledge/remediation-policy.yaml maps action, finding severity,
 * change risk, resource type and tags to a strategy. The same input always gives the same decision.
 */
import { readFile } from "node:fs/promises";
import path from "node:path";
import { parse, YAMLParseError } from "yaml";
import { z } from "zod";
import type { ChangeRisk, StrategyName } from "../domain/remediation.ts";
import { SEVERITIES, type Severity } from "../domain/types.ts";
import { ValidationError } from "../errors.ts";
import { KNOWLEDGE_DIR } from "../paths.ts";

export const REMEDIATION_POLICY_FILE = path.join(KNOWLEDGE_DIR, "remediation-policy.yaml");

const STRATEGIES = ["immediate", "scheduled", "manual", "compensating"] as const;
const RISKS = ["low", "medium", "high", "critical"] as const;

const tagMatch = z.union([z.literal("*"), z.array(z.string()).min(1)]);

const ruleSchema = z
  .object({
    name: z.string().min(1),
    when: z
      .object({
        actions: z.array(z.string()).min(1).optional(),
        severities: z.array(z.enum(SEVERITIES)).min(1).optional(),
        risks: z.array(z.enum(RISKS)).min(1).optional(),
        resourceTypes: z.array(z.string()).min(1).optional(),
        tags: z.record(z.string(), tagMatch).optional(),
      })
      .strict(),
    strategy: z.enum(STRATEGIES),
    rationale: z.string().min(1),
    risk: z.enum(RISKS).optional(),
    params: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

const policySchema = z
  .object({
    version: z.literal(1),
    expiryHours: z.number().positive().default(72),
    default: z.object({ strategy: z.enum(STRATEGIES), rationale: z.string().min(1) }).strict(),
    rules: z.array(ruleSchema).default([]),
    params: z.record(z.string(), z.record(z.string(), z.unknown())).default({}),
    compensating: z.record(z.string(), z.string()).default({}),
  })
  .strict();

export type RemediationPolicy = z.infer<typeof policySchema>;
export type PolicyRule = z.infer<typeof ruleSchema>;

export interface PolicyInput {
  actionId: string;
  severity: Severity;
  risk: ChangeRisk;
  resourceType: string;
  tags: Record<string, string>;
}

export interface PolicyDecision {
  strategy: StrategyName;
  rationale: string;
  rule?: string;
  risk: ChangeRisk;
  params: Record<string, unknown>;
  /** For `compensating`: the alternative control. */
  compensatingControl?: string;
}

export function parseRemediationPolicy(text: string, file = "remediation policy"): RemediationPolicy {
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    const detail = error instanceof YAMLParseError ? error.message.split("\n")[0] : String(error);
    throw new ValidationError(`${file}: not valid YAML: ${detail}`);
  }
  const result = policySchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ValidationError(`${file}: ${issue.path.join(".") || "(top level)"}: ${issue.message}`, {
      issues: result.error.issues,
    });
  }
  return result.data;
}

export async function loadRemediationPolicy(file = REMEDIATION_POLICY_FILE): Promise<RemediationPolicy> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new ValidationError(
      `cannot read the remediation policy ${file}: ${(error as Error).message}; check ENFORCEAI_REMEDIATION_POLICY_FILE`,
    );
  }
  return parseRemediationPolicy(text, file);
}

const RISK_RANK: Record<ChangeRisk, number> = { low: 0, medium: 1, high: 2, critical: 3 };

function matches(rule: PolicyRule, input: PolicyInput): boolean {
  const w = rule.when;
  if (w.actions && !w.actions.includes(input.actionId)) return false;
  if (w.severities && !w.severities.includes(input.severity)) return false;
  if (w.risks && !w.risks.includes(input.risk)) return false;
  if (w.resourceTypes && !w.resourceTypes.includes(input.resourceType)) return false;
  for (const [key, accepted] of Object.entries(w.tags ?? {})) {
    if (!Object.hasOwn(input.tags, key)) return false;
    if (accepted !== "*" && !accepted.includes(input.tags[key]!)) return false;
  }
  return true;
}

/** The strategy for one proposal: the first matching rule, or the default. */
export function decideStrategy(policy: RemediationPolicy, input: PolicyInput): PolicyDecision {
  const rule = policy.rules.find((r) => matches(r, input));
  const strategy = rule?.strategy ?? policy.default.strategy;
  const risk = rule?.risk && RISK_RANK[rule.risk] > RISK_RANK[input.risk] ? rule.risk : input.risk;
  return {
    strategy,
    rationale: rule?.rationale ?? policy.default.rationale,
    rule: rule?.name,
    risk,
    params: { ...(policy.params[input.actionId] ?? {}), ...(rule?.params ?? {}) },
    compensatingControl:
      strategy === "compensating"
        ? (policy.compensating[input.actionId] ??
          policy.compensating.default ??
          "Document the alternative control that covers the risk.")
        : undefined,
  };
}
