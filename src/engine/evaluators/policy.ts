/**
 * Reading IAM-style policy documents (identity, resource, trust and key policies): who is allowed, to do what,
 * under which conditions. Shared by the S3, Lambda, KMS and IAM evaluators.
 */

export interface PolicyStatement {
  Sid?: string;
  Effect?: string;
  Principal?: unknown;
  NotPrincipal?: unknown;
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Condition?: Record<string, Record<string, unknown>>;
}

export interface PolicyDocument {
  Version?: string;
  Statement?: PolicyStatement | PolicyStatement[];
}

export function statementsOf(policy: unknown): PolicyStatement[] {
  if (!policy || typeof policy !== "object") return [];
  const doc = typeof policy === "string" ? safeParse(policy) : (policy as PolicyDocument);
  const s = doc?.Statement;
  if (!s) return [];
  return Array.isArray(s) ? s : [s];
}

function safeParse(text: string): PolicyDocument | undefined {
  try {
    return JSON.parse(text) as PolicyDocument;
  } catch {
    return undefined;
  }
}

export function asList(value: unknown): string[] {
  if (value === undefined || value === null) return [];
  if (Array.isArray(value)) return value.map(String);
  return [String(value)];
}

/** The principal values of a statement, flattened: `*`, account ARNs, service names, federated ids. */
export function principalsOf(statement: PolicyStatement): string[] {
  const p = statement.Principal;
  if (p === undefined || p === null) return [];
  if (typeof p === "string") return [p];
  if (typeof p === "object") return Object.values(p as Record<string, unknown>).flatMap(asList);
  return [];
}

/** Condition keys that, when present, tie a public-looking grant to a specific account, org, network or source. */
const LIMITING_CONDITION_KEYS = new Set(
  [
    "aws:SourceArn",
    "aws:SourceAccount",
    "aws:SourceOwner",
    "aws:SourceVpc",
    "aws:SourceVpce",
    "aws:SourceIp",
    "aws:PrincipalAccount",
    "aws:PrincipalArn",
    "aws:PrincipalOrgID",
    "aws:PrincipalOrgPaths",
    "aws:ResourceAccount",
    "aws:userid",
    "aws:username",
    "kms:CallerAccount",
    "kms:ViaService",
    "lambda:FunctionUrlAuthType",
    "s3:DataAccessPointAccount",
    "sts:ExternalId",
  ].map((k) => k.toLowerCase()),
);

function hasLimitingCondition(statement: PolicyStatement): boolean {
  const condition = statement.Condition;
  if (!condition) return false;
  for (const [operator, clauses] of Object.entries(condition)) {
    // A negated match (StringNotEquals) or an IfExists variant does not restrict callers that omit the key.
    if (/Not|IfExists/i.test(operator)) continue;
    for (const [key, value] of Object.entries(clauses ?? {})) {
      if (!LIMITING_CONDITION_KEYS.has(key.toLowerCase())) continue;
      if (asList(value).some((v) => v === "*" || v === "")) continue;
      return true;
    }
  }
  return false;
}

/** True when the statement allows anyone (`*` or `{"AWS": "*"}`) without a condition that narrows who. */
export function isPublicAllow(statement: PolicyStatement): boolean {
  if (statement.Effect !== "Allow") return false;
  if (statement.NotPrincipal !== undefined) return true;
  const principals = principalsOf(statement);
  if (!principals.some((p) => p === "*" || p === "arn:aws:iam::*:root")) return false;
  return !hasLimitingCondition(statement);
}

export function publicStatements(policy: unknown): PolicyStatement[] {
  return statementsOf(policy).filter(isPublicAllow);
}

/** Case-insensitive IAM action match with `*` and `?` wildcards on the pattern side. */
export function actionMatches(pattern: string, action: string): boolean {
  const re = new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, "\\$&")
      .replace(/\*/g, ".*")
      .replace(/\?/g, ".")}$`,
    "i",
  );
  return re.test(action);
}

/** Actions the statement allows, considering NotAction (which allows everything it does not list). */
export function allowsAction(statement: PolicyStatement, action: string): boolean {
  if (statement.Effect !== "Allow") return false;
  if (statement.NotAction !== undefined) return !asList(statement.NotAction).some((p) => actionMatches(p, action));
  return asList(statement.Action).some((p) => actionMatches(p, action));
}

/** Allow of every action on every resource: `"Action": "*"`, `"Resource": "*"`, no condition. */
export function isFullAdmin(statement: PolicyStatement): boolean {
  if (statement.Effect !== "Allow" || statement.Condition) return false;
  const actions = asList(statement.Action);
  const resources = asList(statement.Resource);
  return actions.some((a) => a === "*" || a === "*:*") && resources.includes("*");
}

export function describeStatement(statement: PolicyStatement, index: number): string {
  return statement.Sid ? `statement "${statement.Sid}"` : `statement #${index + 1}`;
}
