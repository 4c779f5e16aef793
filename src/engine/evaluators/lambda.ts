/**
 * Lambda: who may invoke a function through its resource policy, and literal secrets in its environment.
 * Environment variable values are read only to decide whether they hold a literal; they never leave this file.
 */

import { isSecretReference, NOT_A_SECRET } from "../../domain/secrets.ts";
import { isCallError } from "../../domain/shape.ts";
import {
  asList,
  describeStatement,
  isPublicAllow,
  type PolicyStatement,
  principalsOf,
  statementsOf,
} from "./policy.ts";
import type { Evaluator } from "./types.ts";

function actionsOf(statement: PolicyStatement): string {
  if (statement.NotAction !== undefined) return `every action but ${asList(statement.NotAction).join(", ")}`;
  return asList(statement.Action).join(", ") || "no action";
}

/**
 * A service principal (`s3.amazonaws.com`, `sns.amazonaws.com`, …) with no condition naming the source resource or
 * account lets that service invoke the function on behalf of any customer's resource: the confused-deputy case.
 */
function unscopedServicePrincipals(statement: PolicyStatement): string[] {
  if (statement.Effect !== "Allow" || !statement.Principal || typeof statement.Principal !== "object")
    return [];
  const services = asList((statement.Principal as Record<string, unknown>).Service);
  if (services.length === 0) return [];
  if (hasConditionKey(statement, SERVICE_SCOPING_KEYS)) return [];
  // The shared helper decides whether the conditions narrow the caller; ask it as if the principal were "*".
  return isPublicAllow({ ...statement, Principal: "*" }) ? services : [];
}

/** Condition keys that scope a service principal beyond those the shared helper knows (Alexa skill id). */
const SERVICE_SCOPING_KEYS = new Set(["lambda:eventsourcetoken"]);

function hasConditionKey(statement: PolicyStatement, keys: ReadonlySet<string>): boolean {
  for (const [operator, clauses] of Object.entries(statement.Condition ?? {})) {
    if (/Not|IfExists/i.test(operator)) continue;
    if (Object.keys(clauses ?? {}).some((k) => keys.has(k.toLowerCase()))) return true;
  }
  return false;
}

/**
 * FAIL when the resource policy lets anyone invoke or manage the function: principal `*` without a condition that
 * narrows the caller, or (unless `params.serviceWithoutSource: false`) a service principal without a source
 * condition. A statement limited to function-URL calls (`lambda:FunctionUrlAuthType`) is left to the function-URL
 * check.
 */
const lambdaPolicyPublic: Evaluator = (item, params) => {
  const policy = item.supplementaryConfiguration.policy;
  if (isCallError(policy)) {
    return {
      error: `could not read supplementaryConfiguration.policy: ${policy.$error.code} (${policy.$error.message})`,
    };
  }
  if (policy === null || policy === undefined) {
    return {
      pass: true,
      reason: "the function has no resource policy; only IAM principals of this account can invoke it",
    };
  }
  const statements = statementsOf(policy);
  const checkServices = params.serviceWithoutSource !== false;
  const problems: string[] = [];
  const offending: PolicyStatement[] = [];
  statements.forEach((s, i) => {
    const name = describeStatement(s, i);
    if (isPublicAllow(s)) {
      const who =
        s.NotPrincipal !== undefined
          ? "everyone but the listed NotPrincipal"
          : `principal ${principalsOf(s)
              .map((p) => JSON.stringify(p))
              .join(", ")}`;
      problems.push(`${name} allows ${actionsOf(s)} to ${who} with no condition narrowing the caller`);
      offending.push(s);
      return;
    }
    if (!checkServices) return;
    const services = unscopedServicePrincipals(s);
    if (services.length > 0) {
      problems.push(
        `${name} allows ${actionsOf(s)} to ${services.join(", ")} with no aws:SourceArn or aws:SourceAccount condition, so that service can invoke it for any account's resources`,
      );
      offending.push(s);
    }
  });
  const n = `${statements.length} statement${statements.length === 1 ? "" : "s"}`;
  if (problems.length === 0) {
    return {
      pass: true,
      reason: `resource policy has ${n}; none grants access to any principal ("*") or to a service without a source condition`,
    };
  }
  return {
    pass: false,
    reason: `${problems.join("; ")}; expected every Allow to name specific accounts or to carry a source condition`,
    evidence: { "supplementaryConfiguration.policy": offending },
  };
};

const DEFAULT_NAME_PATTERN =
  /(secret|passw(or)?d|passwd|pwd|token|api[_-]?key|private[_-]?key|access[_-]?key|credential)/i;
/** Names that hold a pointer to a secret, or a setting about one, rather than the secret itself. */
const REFERENCE_NAME =
  /(_|^)(arn|name|id|path|param|parameter|ref|url|uri|endpoint|region|ttl|length|header|type|file|enabled)$/i;

/** Names of environment variables that look like secrets and hold a literal value. Never returns values. */
export function secretLikeVariables(
  variables: Record<string, unknown>,
  namePattern: RegExp = DEFAULT_NAME_PATTERN,
): { literal: string[]; referenced: string[] } {
  const literal: string[] = [];
  const referenced: string[] = [];
  for (const [name, raw] of Object.entries(variables)) {
    if (!namePattern.test(name) || REFERENCE_NAME.test(name)) continue;
    const value = typeof raw === "string" ? raw.trim() : raw === null || raw === undefined ? "" : String(raw);
    if (value === "" || NOT_A_SECRET.test(value)) continue;
    if (isSecretReference(value)) referenced.push(name);
    else literal.push(name);
  }
  return { literal: literal.sort(), referenced: referenced.sort() };
}

/** params: `namePattern` (a regular expression, case-insensitive) to replace the default list of secret words. */
const lambdaEnvSecrets: Evaluator = (item, params) => {
  const env = item.configuration.environment as { variables?: unknown } | null | undefined;
  const variables = env?.variables;
  if (isCallError(variables)) {
    return {
      error: `could not read configuration.environment.variables: ${variables.$error.code} (${variables.$error.message})`,
    };
  }
  if (!variables || typeof variables !== "object" || Object.keys(variables).length === 0) {
    return { pass: true, reason: "the function has no environment variables" };
  }
  let pattern = DEFAULT_NAME_PATTERN;
  if (params.namePattern !== undefined) {
    try {
      pattern = new RegExp(String(params.namePattern), "i");
    } catch {
      return { error: `params.namePattern is not a valid regular expression: ${String(params.namePattern)}` };
    }
  }
  const total = Object.keys(variables).length;
  const { literal, referenced } = secretLikeVariables(variables as Record<string, unknown>, pattern);
  const refNote =
    referenced.length > 0
      ? `; ${referenced.join(", ")} hold${referenced.length === 1 ? "s" : ""} a reference`
      : "";
  if (literal.length === 0) {
    return {
      pass: true,
      reason: `none of ${total} environment variable${total === 1 ? "" : "s"} holds a literal value under a secret-like name${refNote}`,
      evidence: { secretLikeVariables: [], referencedVariables: referenced },
    };
  }
  return {
    pass: false,
    reason:
      `environment variable${literal.length === 1 ? "" : "s"} ${literal.join(", ")} ` +
      `hold${literal.length === 1 ? "s" : ""} a literal value (not shown) under a secret-like name${refNote}; ` +
      "expected secrets to be fetched from Secrets Manager or Parameter Store at run time",
    evidence: { secretLikeVariables: literal, referencedVariables: referenced },
  };
};

/** Evaluators for lambda checks, by name (see docs/checks.md). */
export const lambdaEvaluators: Record<string, Evaluator> = {
  lambdaPolicyPublic,
  lambdaEnvSecrets,
};
