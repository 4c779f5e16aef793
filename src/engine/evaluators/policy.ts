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
  if (statement.NotAction !== undefined)
    return !asList(statement.NotAction).some((p) => actionMatches(p, action));
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

// ---------------------------------------------------------------------------------------------------------------
// Additions for the S3, IAM, CloudTrail and KMS evaluators. Existing helpers above keep their signatures.

/** `{ "$error": { code, message } }` as the collectors store a call that failed (docs/inventory.md). */
function callErrorOf(value: unknown): { code: string; message: string } | undefined {
  if (!value || typeof value !== "object" || !("$error" in value)) return undefined;
  const e = (value as { $error?: { code?: unknown; message?: unknown } }).$error;
  return { code: String(e?.code ?? "Error"), message: String(e?.message ?? "") };
}

/**
 * Why a supplementary value could not be read, as a sentence for an ERROR finding, or undefined when it could.
 * `what` names the field, e.g. `supplementaryConfiguration.policy (bucket policy)`.
 */
export function unreadableReason(value: unknown, what: string): string | undefined {
  const e = callErrorOf(value);
  if (!e) return undefined;
  return `could not read ${what}: ${e.code}${e.message ? ` (${e.message})` : ""}`;
}

/** A value shortened for a reason sentence: strings quoted, objects as compact JSON. */
export function quote(value: unknown): string {
  if (value === undefined || value === null) return "not set";
  const text = JSON.stringify(value);
  return text.length > 100 ? `${text.slice(0, 97)}...` : text;
}

/** The Principal (or `everyone except` the NotPrincipal) of a statement, as words. */
export function principalText(statement: PolicyStatement): string {
  if (statement.NotPrincipal !== undefined)
    return `everyone except NotPrincipal ${quote(statement.NotPrincipal)}`;
  const p = statement.Principal;
  if (p && typeof p === "object" && !Array.isArray(p)) {
    const entries = Object.entries(p as Record<string, unknown>);
    if (entries.length === 1) {
      const [kind, v] = entries[0]!;
      const values = asList(v);
      return `Principal ${kind} ${values.length === 1 ? quote(values[0]) : quote(values)}`;
    }
  }
  return `Principal ${quote(p)}`;
}

/** The actions of a statement, as words: `s3:GetObject, s3:ListBucket` or `every action except iam:*`. */
export function actionText(statement: PolicyStatement, max = 4): string {
  if (statement.NotAction !== undefined)
    return `every action except ${asList(statement.NotAction).join(", ")}`;
  const actions = asList(statement.Action);
  if (actions.length === 0) return "no action";
  const shown = actions.slice(0, max).join(", ");
  return actions.length > max ? `${shown} and ${actions.length - max} more` : shown;
}

/** The condition keys a statement tests, e.g. `aws:Referer, aws:SecureTransport`. */
export function conditionKeysOf(statement: PolicyStatement): string[] {
  return Object.values(statement.Condition ?? {}).flatMap((clauses) => Object.keys(clauses ?? {}));
}

/**
 * One public Allow statement in words, e.g. `bucket policy statement "PublicRead" allows Principal "*" to
 * s3:GetObject with no limiting condition`.
 */
export function describePublicAllow(
  statement: PolicyStatement,
  index: number,
  documentLabel: string,
): string {
  const keys = conditionKeysOf(statement);
  const condition =
    keys.length === 0
      ? "with no condition"
      : `with a condition on ${keys.join(", ")} that does not limit who the caller is`;
  return `${documentLabel} ${describeStatement(statement, index)} allows ${principalText(statement)} to ${actionText(statement)} ${condition}`;
}

/** The public Allow statements of a document with their index in it (for `describeStatement`). */
export function publicStatementsIndexed(policy: unknown): { statement: PolicyStatement; index: number }[] {
  return statementsOf(policy)
    .map((statement, index) => ({ statement, index }))
    .filter(({ statement }) => isPublicAllow(statement));
}

/**
 * Whether the statement's actions cover every action of a service (`s3:*`, `*`, or a NotAction that names
 * nothing of that service). `service` is the IAM prefix, e.g. `s3`, `kms`.
 */
export function coversWholeService(statement: PolicyStatement, service: string): boolean {
  const whole = `${service}:*`;
  if (statement.NotAction !== undefined) {
    return !asList(statement.NotAction).some(
      (p) => p === "*" || p.toLowerCase().startsWith(`${service.toLowerCase()}:`),
    );
  }
  return asList(statement.Action).some((p) => actionMatches(p, whole));
}

/** Whether the statement's Action (or NotAction complement) includes `action`, whatever its Effect. */
export function statementCoversAction(statement: PolicyStatement, action: string): boolean {
  if (statement.NotAction !== undefined)
    return !asList(statement.NotAction).some((p) => actionMatches(p, action));
  return asList(statement.Action).some((p) => actionMatches(p, action));
}

/** The clauses of a statement's Condition that test `key` (case-insensitive), with their operator. */
export function conditionClauses(
  statement: PolicyStatement,
  key: string,
): { operator: string; key: string; values: string[] }[] {
  const out: { operator: string; key: string; values: string[] }[] = [];
  for (const [operator, clauses] of Object.entries(statement.Condition ?? {})) {
    for (const [k, v] of Object.entries(clauses ?? {})) {
      if (k.toLowerCase() === key.toLowerCase()) out.push({ operator, key: k, values: asList(v) });
    }
  }
  return out;
}

/**
 * The AWS account a principal value names (`123456789012`, `arn:aws:iam::123456789012:root`, a role or user ARN),
 * `*` for anyone, or undefined for service and federated principals.
 */
export function accountOfPrincipal(value: string): string | undefined {
  if (value === "*") return "*";
  if (/^\d{12}$/.test(value)) return value;
  const m = /^arn:aws[\w-]*:(?:iam|sts)::(\d{12}|\*):/.exec(value);
  return m ? m[1] : undefined;
}

/** The AWS-kind principals of a statement (`Principal.AWS`, or a bare `"*"`). Service and federated ones excluded. */
export function awsPrincipalsOf(statement: PolicyStatement): string[] {
  const p = statement.Principal;
  if (p === "*") return ["*"];
  if (p && typeof p === "object" && !Array.isArray(p)) return asList((p as Record<string, unknown>).AWS);
  return [];
}
