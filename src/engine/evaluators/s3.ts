import type { ConfigurationItem } from "../../domain/types.ts";
import {
  actionText,
  conditionClauses,
  conditionKeysOf,
  coversWholeService,
  describePublicAllow,
  describeStatement,
  type PolicyStatement,
  principalsOf,
  principalText,
  publicStatementsIndexed,
  quote,
  statementCoversAction,
  statementsOf,
  unreadableReason,
} from "./policy.ts";
import type { EvaluationContext, Evaluator, EvaluatorResult } from "./types.ts";

export const ACCOUNT_PUBLIC_ACCESS_BLOCK = "AWS::S3::AccountPublicAccessBlock";

const FLAGS = ["blockPublicAcls", "ignorePublicAcls", "blockPublicPolicy", "restrictPublicBuckets"] as const;
type Flag = (typeof FLAGS)[number];

/** The four settings at one level: `null` = none configured, `"unreadable"` = the call failed, undefined = unknown. */
type Level = Partial<Record<Flag, unknown>> | null | { unreadable: string } | { missing: string };

interface FlagState {
  /** true: on at bucket or account level; false: known off at both; undefined: cannot tell. */
  on: boolean | undefined;
  text: string;
}

function bucketLevel(bucket: ConfigurationItem): Level {
  const pab = bucket.supplementaryConfiguration.publicAccessBlock;
  const unreadable = unreadableReason(pab, "the bucket-level public access block");
  if (unreadable) return { unreadable };
  if (pab === null || pab === undefined) return null;
  return pab as Partial<Record<Flag, unknown>>;
}

function accountLevel(accountId: string, ctx: EvaluationContext): Level {
  const item = ctx.accountItem(ACCOUNT_PUBLIC_ACCESS_BLOCK, accountId);
  if (!item)
    return {
      missing: `the account-level public access block of account ${accountId} is not in the inventory`,
    };
  const unreadable = unreadableReason(item.configuration, "the account-level public access block");
  if (unreadable) return { unreadable };
  return item.configuration as Partial<Record<Flag, unknown>>;
}

function levelValue(level: Level, flag: Flag): boolean | undefined {
  if (level === null) return false;
  if ("unreadable" in level || "missing" in level) return undefined;
  return level[flag] === true;
}

function levelWords(level: Level, flag: Flag): string {
  if (level === null) return "no public access block configured";
  if ("unreadable" in level) return (level as { unreadable: string }).unreadable;
  if ("missing" in level) return "not in the inventory";
  return quote(level[flag] ?? false);
}

function flagState(bucket: Level, account: Level, flag: Flag): FlagState {
  const b = levelValue(bucket, flag);
  const a = levelValue(account, flag);
  if (b === true) return { on: true, text: `${flag} is true at bucket level` };
  if (a === true) return { on: true, text: `${flag} is true at account level` };
  const on = b === false && a === false ? false : undefined;
  const state = on === false ? "off" : "not known to be on";
  return {
    on,
    text: `${flag} is ${state} (bucket level: ${levelWords(bucket, flag)}; account level: ${levelWords(account, flag)})`,
  };
}

/** Why a level could not be read, or undefined when it could. */
function levelProblem(level: Level): string | undefined {
  if (level === null) return undefined;
  if ("unreadable" in level) return (level as { unreadable: string }).unreadable;
  if ("missing" in level) return (level as { missing: string }).missing;
  return undefined;
}

const PUBLIC_GROUPS: Record<string, string> = {
  "http://acs.amazonaws.com/groups/global/AllUsers": "AllUsers (anyone)",
  "http://acs.amazonaws.com/groups/global/AuthenticatedUsers": "AuthenticatedUsers (any AWS account)",
};

interface Grant {
  grantee?: { type?: string; uri?: string; id?: string };
  permission?: string;
}

function publicGrants(acl: unknown): Grant[] {
  const grants = (acl as { grants?: Grant[] } | null)?.grants ?? [];
  return grants.filter((g) => g.grantee?.uri !== undefined && g.grantee.uri in PUBLIC_GROUPS);
}

function aclsDisabled(bucket: ConfigurationItem): boolean {
  const oc = bucket.supplementaryConfiguration.ownershipControls as {
    rules?: { objectOwnership?: string }[];
  } | null;
  if (!oc || unreadableReason(oc, "")) return false;
  return (oc.rules ?? []).some((r) => r.objectOwnership === "BucketOwnerEnforced");
}

/**
 * Whether a bucket is readable or writable by the public, through its ACL or its bucket policy, after the bucket-
 * and account-level public access blocks: `ignorePublicAcls` neutralises public ACL grants (as does ACLs being
 * disabled by BucketOwnerEnforced), `restrictPublicBuckets` neutralises public policy statements. `blockPublicAcls`
 * and `blockPublicPolicy` only refuse new grants, so they do not make an existing one harmless.
 */
export function bucketPublicVerdict(bucket: ConfigurationItem, ctx: EvaluationContext): EvaluatorResult {
  const sc = bucket.supplementaryConfiguration;
  const bucketPab = bucketLevel(bucket);
  const accountPab = accountLevel(bucket.accountId, ctx);
  const exposed: string[] = [];
  const unknown: string[] = [];
  const safe: string[] = [];
  const evidence: Record<string, unknown> = {};

  // ACL
  const aclError = unreadableReason(sc.acl, "supplementaryConfiguration.acl (bucket ACL)");
  if (aclsDisabled(bucket)) {
    safe.push("ACLs are disabled (object ownership BucketOwnerEnforced), so ACL grants have no effect");
  } else if (aclError) {
    unknown.push(aclError);
  } else {
    const grants = publicGrants(sc.acl);
    const total = ((sc.acl as { grants?: unknown[] } | null)?.grants ?? []).length;
    if (grants.length === 0) {
      safe.push(`no ACL grant to a public group (${total} grant${total === 1 ? "" : "s"} read)`);
    } else {
      evidence.publicGrants = grants;
      const desc = `the ACL grants ${grants
        .map((g) => `${g.permission ?? "?"} to ${PUBLIC_GROUPS[g.grantee!.uri!]}`)
        .join(", ")}`;
      const state = flagState(bucketPab, accountPab, "ignorePublicAcls");
      if (state.on === true) safe.push(`${desc}, but ${state.text}, so S3 ignores it`);
      else if (state.on === false) exposed.push(`${desc} and ${state.text}`);
      else unknown.push(`${desc}, and ${state.text}`);
    }
  }

  // Policy
  const policyError = unreadableReason(sc.policy, "supplementaryConfiguration.policy (bucket policy)");
  if (policyError) {
    unknown.push(policyError);
  } else if (sc.policy === null || sc.policy === undefined) {
    safe.push("the bucket has no bucket policy");
  } else {
    const statements = statementsOf(sc.policy);
    const open = publicStatementsIndexed(sc.policy);
    if (open.length === 0) {
      safe.push(
        `no statement of the bucket policy allows a public principal (${statements.length} statement${statements.length === 1 ? "" : "s"} read)`,
      );
    } else {
      evidence.publicStatements = open.map((o) => o.statement);
      const desc = open.map((o) => describePublicAllow(o.statement, o.index, "bucket policy")).join("; ");
      const state = flagState(bucketPab, accountPab, "restrictPublicBuckets");
      if (state.on === true)
        safe.push(`${desc}, but ${state.text}, so only AWS services and this account can use it`);
      else if (state.on === false) exposed.push(`${desc}, and ${state.text}`);
      else unknown.push(`${desc}, and ${state.text}`);
    }
  }

  if (exposed.length > 0) {
    return {
      pass: false,
      reason: `bucket ${bucket.resourceId} is public: ${exposed.join("; ")}; expected no public ACL grant or policy statement, or a public access block (ignorePublicAcls / restrictPublicBuckets) that neutralises it`,
      evidence,
    };
  }
  if (unknown.length > 0)
    return {
      error: `cannot tell whether bucket ${bucket.resourceId} is public: ${unknown.join("; ")}`,
      evidence,
    };
  return { pass: true, reason: `bucket ${bucket.resourceId} is not public: ${safe.join("; ")}`, evidence };
}

/** Public through its ACL or its policy, unless a public access block neutralises it. */
const s3BucketPublic: Evaluator = (item, _params, ctx) => bucketPublicVerdict(item, ctx);

/** All four public access block settings in force for the bucket, each at bucket or account level. */
const s3EffectivePublicAccessBlock: Evaluator = (item, _params, ctx) => {
  const bucketPab = bucketLevel(item);
  const accountPab = accountLevel(item.accountId, ctx);
  const states = FLAGS.map((flag) => ({ flag, ...flagState(bucketPab, accountPab, flag) }));
  const off = states.filter((s) => s.on === false);
  const unknown = states.filter((s) => s.on === undefined);
  const evidence = { bucketLevel: bucketPab, accountLevel: accountPab };
  if (off.length > 0) {
    return {
      pass: false,
      reason: `${off.map((s) => s.text).join("; ")}; expected all four settings (${FLAGS.join(", ")}) true at bucket or account level`,
      evidence,
    };
  }
  if (unknown.length > 0) {
    const why = [levelProblem(bucketPab), levelProblem(accountPab)].filter(Boolean).join("; ");
    const flags = unknown.map((s) => s.flag).join(", ");
    return {
      error: `cannot tell whether ${flags} ${unknown.length === 1 ? "is" : "are"} in force: ${why}`,
      evidence,
    };
  }
  return {
    pass: true,
    reason: `all four public access block settings are in force: ${states.map((s) => s.text).join("; ")}`,
    evidence,
  };
};

/** No Allow statement of the bucket policy names a public principal without a limiting condition. */
const s3BucketPolicyNotPublic: Evaluator = (item) => {
  const policy = item.supplementaryConfiguration.policy;
  const error = unreadableReason(policy, "supplementaryConfiguration.policy (bucket policy)");
  if (error) return { error };
  if (policy === null || policy === undefined) {
    return {
      pass: true,
      reason: "the bucket has no bucket policy (policy is not set), so no statement can make it public",
    };
  }
  const statements = statementsOf(policy);
  const open = publicStatementsIndexed(policy);
  if (open.length > 0) {
    return {
      pass: false,
      reason: `${open.map((o) => describePublicAllow(o.statement, o.index, "bucket policy")).join("; ")}; expected no public Allow`,
      evidence: { publicStatements: open.map((o) => o.statement) },
    };
  }
  return {
    pass: true,
    reason: `no statement of the bucket policy allows a public principal (${statements.length} statement${statements.length === 1 ? "" : "s"} read)`,
  };
};

const OBJECT_ACTIONS = ["s3:GetObject", "s3:PutObject"];

interface TransportDeny {
  /** The statement tests aws:SecureTransport false or a minimum s3:TlsVersion. */
  transport: boolean;
  /** What keeps it from denying every insecure request, when something does. */
  gap?: string;
  scope?: string;
  when?: string;
}

/** What a Deny statement lacks to refuse every plain-HTTP (or old-TLS) request. */
function transportDeny(statement: PolicyStatement): TransportDeny {
  const secure = conditionClauses(statement, "aws:SecureTransport").filter(
    (c) => /^Bool(IfExists)?$/i.test(c.operator) && c.values.some((v) => v.toLowerCase() === "false"),
  );
  const tls = conditionClauses(statement, "s3:TlsVersion").filter((c) =>
    /^NumericLessThan(IfExists)?$/i.test(c.operator),
  );
  if (secure.length === 0 && tls.length === 0) return { transport: false };
  const gaps: string[] = [];
  if (statement.NotPrincipal !== undefined || !principalsOf(statement).includes("*")) {
    gaps.push(`it applies to ${principalText(statement)} instead of every principal ("*")`);
  }
  let scope: string | undefined;
  if (coversWholeService(statement, "s3")) scope = "every S3 action";
  else if (OBJECT_ACTIONS.every((a) => statementCoversAction(statement, a)))
    scope = "object reads and writes";
  else
    gaps.push(`it covers only ${actionText(statement)}, not s3:* (nor both s3:GetObject and s3:PutObject)`);
  const transportKeys = new Set(["aws:securetransport", "s3:tlsversion"]);
  const extra = conditionKeysOf(statement).filter((k) => !transportKeys.has(k.toLowerCase()));
  if (extra.length > 0) {
    gaps.push(`its condition also tests ${extra.join(", ")}, so requests that fail that test are not denied`);
  }
  const when = [
    ...secure.map((c) => `${c.key} is "false"`),
    ...tls.map((c) => `${c.key} is below ${c.values.map((v) => quote(v)).join(" or ")}`),
  ].join(" or ");
  return { transport: true, gap: gaps.length > 0 ? gaps.join(" and ") : undefined, scope, when };
}

/** A Deny for every principal on s3:* (or the object actions) when aws:SecureTransport is false (or TLS is old). */
const s3SecureTransport: Evaluator = (item) => {
  const policy = item.supplementaryConfiguration.policy;
  const error = unreadableReason(policy, "supplementaryConfiguration.policy (bucket policy)");
  if (error) return { error };
  const expected =
    'expected a Deny statement for Principal "*" on s3:* with the condition Bool aws:SecureTransport "false"';
  if (policy === null || policy === undefined) {
    return { pass: false, reason: `the bucket has no bucket policy (policy is not set); ${expected}` };
  }
  const statements = statementsOf(policy);
  const nearMisses: string[] = [];
  for (const [index, statement] of statements.entries()) {
    if (statement.Effect !== "Deny") continue;
    const r = transportDeny(statement);
    if (!r.transport) continue;
    const name = `bucket policy ${describeStatement(statement, index)}`;
    if (!r.gap) {
      return {
        pass: true,
        reason: `${name} denies ${r.scope} to every principal when ${r.when}`,
        evidence: { statement },
      };
    }
    nearMisses.push(`${name} tests the connection but ${r.gap}`);
  }
  const seen =
    nearMisses.length > 0
      ? nearMisses.join("; ")
      : `no statement of the bucket policy denies requests over an insecure connection (${statements.length} statement${statements.length === 1 ? "" : "s"} read)`;
  return { pass: false, reason: `${seen}; ${expected}` };
};

export const s3Evaluators: Record<string, Evaluator> = {
  s3BucketPublic,
  s3EffectivePublicAccessBlock,
  s3BucketPolicyNotPublic,
  s3SecureTransport,
};
