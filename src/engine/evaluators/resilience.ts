/**
 * AWS Backup, OpenSearch Service, ElastiCache and Redshift: the resource policies of vaults and domains (through
 * the shared public-grant test of policy.ts, so "public unless limited by a real condition" means what it means
 * for buckets, functions and keys), and the two checks that read a second resource (a Redshift cluster's
 * parameter group, an ElastiCache replication group's member clusters).
 */
import type { ConfigurationItem } from "../../domain/types.ts";
import {
  asList,
  describePublicAllow,
  describeStatement,
  type PolicyStatement,
  principalsOf,
  publicStatementsIndexed,
  quote,
  statementCoversAction,
  statementsOf,
  unreadableReason,
} from "./policy.ts";
import type { EvaluationContext, Evaluator, EvaluatorResult } from "./types.ts";

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? "" : "s"}`;
}

/** The public Allow statements of a policy document as a verdict (`label` names the document in reasons). */
function policyVerdict(policy: unknown, label: string): EvaluatorResult {
  const open = publicStatementsIndexed(policy);
  if (open.length > 0)
    return {
      pass: false,
      reason: `${open.map((o) => describePublicAllow(o.statement, o.index, label)).join("; ")}; expected every Allow to name accounts or principals, or to carry a condition limiting the caller`,
      evidence: { publicStatements: open.map((o) => o.statement) },
    };
  return {
    pass: true,
    reason: `no statement of the ${label} allows a public principal (${count(statementsOf(policy).length, "statement")} read)`,
  };
}

/** A vault access policy that lets anyone (`*` without a limiting condition) act on the vault FAILs. */
const backupVaultPolicyNotPublic: Evaluator = (item) => {
  const policy = item.supplementaryConfiguration.accessPolicy;
  const unreadable = unreadableReason(
    policy,
    "supplementaryConfiguration.accessPolicy (vault access policy)",
  );
  if (unreadable) return { error: unreadable };
  if (policy === null || policy === undefined)
    return {
      pass: true,
      reason: "the vault has no access policy; only IAM principals of this account can use it",
    };
  return policyVerdict(policy, "vault access policy");
};

const DELETE_ACTION = "backup:DeleteRecoveryPoint";

/** A Deny whose principal is everyone (`*`, `{"AWS": "*"}`), whatever exceptions its conditions make. */
function deniesEveryone(statement: PolicyStatement): boolean {
  if (statement.Effect !== "Deny" || statement.NotPrincipal !== undefined) return false;
  return principalsOf(statement).some((p) => p === "*");
}

/**
 * PASS when the vault access policy denies backup:DeleteRecoveryPoint to every principal (a break-glass role may
 * be excepted by a condition); FAIL when there is no policy or no such Deny.
 */
const backupVaultPolicyDeniesDeletion: Evaluator = (item) => {
  const policy = item.supplementaryConfiguration.accessPolicy;
  const unreadable = unreadableReason(
    policy,
    "supplementaryConfiguration.accessPolicy (vault access policy)",
  );
  if (unreadable) return { error: unreadable };
  if (policy === null || policy === undefined)
    return {
      pass: false,
      reason: `the vault has no access policy; expected a Deny of ${DELETE_ACTION} to every principal`,
    };
  const statements = statementsOf(policy);
  const index = statements.findIndex((s) => deniesEveryone(s) && statementCoversAction(s, DELETE_ACTION));
  if (index >= 0)
    return {
      pass: true,
      reason: `vault access policy ${describeStatement(statements[index]!, index)} denies ${DELETE_ACTION} to every principal`,
    };
  return {
    pass: false,
    reason: `none of the ${count(statements.length, "statement")} of the vault access policy denies ${DELETE_ACTION} to every principal`,
  };
};

/**
 * An OpenSearch domain's access policy is judged like any resource policy, except for a domain with a VPC
 * endpoint only: callers must then reach it through the VPC and its security groups, which is what AWS's own
 * "public access" reading of a domain considers.
 */
const opensearchDomainPolicyNotPublic: Evaluator = (item) => {
  const domain = item.supplementaryConfiguration.domain;
  const unreadable = unreadableReason(domain, "supplementaryConfiguration.domain (DescribeDomain)");
  if (unreadable) return { error: unreadable };
  if (!domain || typeof domain !== "object")
    return { error: "the domain's status (DescribeDomain) was not recorded" };
  const d = domain as {
    vpcOptions?: { vpcId?: string; subnetIds?: string[] } | null;
    accessPolicies?: unknown;
  };
  const vpc =
    d.vpcOptions?.vpcId ??
    (d.vpcOptions?.subnetIds?.length ? `subnets ${d.vpcOptions.subnetIds.join(", ")}` : undefined);
  if (vpc)
    return {
      pass: true,
      reason: `the domain has a VPC endpoint only (${vpc}); its policy applies to callers inside the VPC`,
    };
  if (d.accessPolicies === null || d.accessPolicies === undefined)
    return {
      pass: true,
      reason:
        "the domain has no access policy; only IAM principals of this account allowed by their own policies can call it",
    };
  return policyVerdict(d.accessPolicies, "domain access policy");
};

function sameRegion(
  ctx: EvaluationContext,
  type: string,
  item: ConfigurationItem,
): readonly ConfigurationItem[] {
  return ctx.itemsOfType(type, item.accountId).filter((i) => i.awsRegion === item.awsRegion);
}

function gapText(ctx: EvaluationContext, service: string, item: ConfigurationItem): string | undefined {
  const gaps = ctx.gapsOf(service, item.accountId, item.awsRegion);
  if (gaps.length === 0) return undefined;
  return `${service} in ${item.awsRegion} could not be read fully (${gaps.map((g) => g.code ?? g.error).join(", ")})`;
}

const PARAMETER_GROUP = "AWS::Redshift::ClusterParameterGroup";

/**
 * PASS when every parameter group of the cluster sets require_ssl to true. The groups are separate inventory
 * items (one DescribeClusterParameters per group); a group that could not be read makes the verdict an ERROR.
 */
const redshiftClusterRequiresSsl: Evaluator = (item, _params, ctx) => {
  const groups = (item.configuration.clusterParameterGroups ?? []) as Array<{ parameterGroupName?: string }>;
  const names = groups.map((g) => g.parameterGroupName).filter((n): n is string => !!n);
  if (names.length === 0)
    return { error: "the cluster lists no parameter group, so require_ssl cannot be read" };
  const known = sameRegion(ctx, PARAMETER_GROUP, item);
  const off: string[] = [];
  for (const name of names) {
    const group = known.find((g) => g.resourceId === name);
    if (!group) {
      const gap = gapText(ctx, "redshift", item);
      return { error: `parameter group ${quote(name)} is not in the inventory${gap ? `: ${gap}` : ""}` };
    }
    const parameters = group.supplementaryConfiguration.parameters;
    const unreadable = unreadableReason(parameters, `the parameters of parameter group ${quote(name)}`);
    if (unreadable) return { error: unreadable };
    const requireSsl = (parameters as Array<{ parameterName?: string; parameterValue?: string | null }>).find(
      (p) => p.parameterName === "require_ssl",
    );
    if (String(requireSsl?.parameterValue ?? "false").toLowerCase() !== "true")
      off.push(`${quote(name)} has require_ssl ${quote(requireSsl?.parameterValue ?? "not set (false)")}`);
  }
  if (off.length > 0)
    return {
      pass: false,
      reason: `parameter group ${off.join(", ")}; expected require_ssl true so that clients must connect with SSL`,
    };
  return { pass: true, reason: `parameter group ${names.map(quote).join(", ")} sets require_ssl true` };
};

const CACHE_CLUSTER = "AWS::ElastiCache::CacheCluster";

/** The major version of an engine version string (`5.0.6` → 5), or undefined. */
function majorVersion(version: unknown): number | undefined {
  const m = /^(\d+)/.exec(String(version ?? ""));
  return m ? Number(m[1]) : undefined;
}

/**
 * Redis OSS replication groups below version 6 have no users or ACLs: AUTH (an auth token) is their only
 * authentication, so it must be on. From 6 on (and for Valkey) role-based access control is available and the
 * check passes. The version is read from a member cluster, which DescribeCacheClusters records.
 */
const elasticacheRedisAuthForOldVersions: Evaluator = (item, _params, ctx) => {
  const c = item.configuration as { engine?: string; authTokenEnabled?: boolean; memberClusters?: unknown };
  if (c.engine && c.engine !== "redis")
    return { pass: true, reason: `engine ${quote(c.engine)} always offers role-based access control` };
  const members = asList(c.memberClusters);
  const clusters = sameRegion(ctx, CACHE_CLUSTER, item);
  const member = clusters.find((m) => members.includes(m.resourceId));
  if (!member) {
    const gap = gapText(ctx, "elasticache", item);
    return {
      error: `no member cluster of the replication group (${members.join(", ") || "none listed"}) is in the inventory, so its engine version is unknown${gap ? `: ${gap}` : ""}`,
    };
  }
  const version = member.configuration.engineVersion;
  const major = majorVersion(version);
  if (major === undefined)
    return { error: `member cluster ${member.resourceId} has no readable engine version` };
  if (major >= 6)
    return {
      pass: true,
      reason: `engine version ${quote(version)} supports role-based access control (AUTH not required)`,
    };
  if (c.authTokenEnabled === true)
    return { pass: true, reason: `engine version ${quote(version)} with Redis AUTH enabled` };
  return {
    pass: false,
    reason: `engine version ${quote(version)} is below 6 and Redis AUTH is ${c.authTokenEnabled === false ? "disabled" : "not set"}; expected an auth token`,
  };
};

const KMS_KEY = "AWS::KMS::Key";

/**
 * PASS when the vault encrypts its recovery points with a customer managed KMS key. A key of another account is
 * customer managed by construction (AWS managed keys cannot be shared); a key of this account is looked up in the
 * KMS inventory, and a key the scan did not record makes the verdict an ERROR rather than a guess.
 */
const backupVaultCustomerManagedKey: Evaluator = (item, _params, ctx) => {
  const keyArn = item.configuration.encryptionKeyArn;
  if (typeof keyArn !== "string" || keyArn === "")
    return {
      pass: false,
      reason: "the vault records no encryption key; expected a customer managed KMS key",
    };
  const account = /^arn:aws[\w-]*:kms:[^:]*:(\d{12}):/.exec(keyArn)?.[1];
  if (account && account !== item.accountId)
    return {
      pass: true,
      reason: `the vault uses KMS key ${quote(keyArn)} of account ${account}, a customer managed key`,
    };
  const key = ctx.itemsOfType(KMS_KEY, item.accountId).find((k) => k.arn === keyArn);
  if (!key) {
    const region = /^arn:aws[\w-]*:kms:([^:]*):/.exec(keyArn)?.[1] ?? item.awsRegion;
    const gaps = ctx.gapsOf("kms", item.accountId, region);
    const gap =
      gaps.length > 0
        ? `; KMS in ${region} could not be read (${gaps.map((g) => g.code ?? g.error).join(", ")})`
        : "";
    return {
      error: `KMS key ${quote(keyArn)} is not in the inventory (scan KMS in ${region} to judge it)${gap}`,
    };
  }
  const manager = key.configuration.keyManager;
  if (manager === "CUSTOMER")
    return {
      pass: true,
      reason: `the vault uses customer managed KMS key ${quote(key.resourceName ?? key.resourceId)}`,
    };
  return {
    pass: false,
    reason: `the vault uses KMS key ${quote(key.resourceName ?? key.resourceId)} managed by ${quote(manager)}; expected a customer managed key`,
  };
};

export const resilienceEvaluators: Record<string, Evaluator> = {
  backupVaultCustomerManagedKey,
  backupVaultPolicyNotPublic,
  backupVaultPolicyDeniesDeletion,
  opensearchDomainPolicyNotPublic,
  redshiftClusterRequiresSsl,
  elasticacheRedisAuthForOldVersions,
};
