/**
 * Containers: whether an ECR repository's images are scanned (its own scan-on-push flag or the registry's scanning
 * rules), whether its repository policy is open to everyone, and whether an EKS cluster runs a supported
 * Kubernetes version.
 */
import { isCallError } from "../../domain/shape.ts";
import {
  describePublicAllow,
  publicStatementsIndexed,
  quote,
  statementsOf,
  unreadableReason,
} from "./policy.ts";
import type { Evaluator } from "./types.ts";

const REGISTRY_SCANNING = "AWS::ECR::RegistryScanningConfiguration";

interface ScanningRule {
  scanFrequency?: string | null;
  repositoryFilters?: { filter?: string | null; filterType?: string | null }[];
}

/** ECR's WILDCARD filter: `*` stands for any run of characters, everything else is literal. */
export function wildcardMatches(filter: string, name: string): boolean {
  const pattern = filter
    .split("*")
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&"))
    .join(".*");
  return new RegExp(`^${pattern}$`).test(name);
}

/** The registry rule (and filter) that scans this repository on push or continuously, if any. */
function matchingRule(
  rules: readonly ScanningRule[],
  name: string,
): { rule: ScanningRule; filter: string } | undefined {
  for (const rule of rules) {
    if (rule.scanFrequency !== "SCAN_ON_PUSH" && rule.scanFrequency !== "CONTINUOUS_SCAN") continue;
    for (const f of rule.repositoryFilters ?? []) {
      if (f.filter && (f.filterType ?? "WILDCARD") === "WILDCARD" && wildcardMatches(f.filter, name))
        return { rule, filter: f.filter };
    }
  }
  return undefined;
}

/**
 * AWS FSBP ECR.1. With basic scanning, a repository is scanned when its own scanOnPush is on or a registry rule
 * scans it on push. With enhanced scanning (Amazon Inspector) only the registry's rules decide, and the
 * repository flag is ignored. The registry configuration is the region's `AWS::ECR::RegistryScanningConfiguration`.
 */
const ecrRepositoryScanned: Evaluator = (item, params, ctx) => {
  const name = item.resourceName ?? item.resourceId;
  // `enhancedOnly`: only an ENHANCED registry rule counts (the repository flag and basic rules do not).
  const enhancedOnly = params.enhancedOnly === true;
  const scanOnPush =
    (item.configuration.imageScanningConfiguration as { scanOnPush?: unknown } | null | undefined)
      ?.scanOnPush === true;
  const registry = ctx
    .itemsOfType(REGISTRY_SCANNING, item.accountId)
    .find((r) => r.awsRegion === item.awsRegion);
  if (!registry) {
    if (scanOnPush && !enhancedOnly)
      return {
        pass: true,
        reason:
          "imageScanningConfiguration.scanOnPush is true (the registry scanning configuration was not recorded)",
      };
    const gaps = ctx.gapsOf("ecr", item.accountId, item.awsRegion);
    return {
      error:
        gaps.length > 0
          ? `the registry scanning configuration in ${item.awsRegion} could not be read (${gaps.map((g) => g.code ?? g.error).join(", ")})`
          : `this inventory holds no registry scanning configuration for ${item.awsRegion}`,
    };
  }
  const config = registry.configuration as { scanType?: string; rules?: ScanningRule[] };
  const scanType = config.scanType ?? "BASIC";
  const match = matchingRule(config.rules ?? [], name);
  if (enhancedOnly && scanType !== "ENHANCED")
    return {
      pass: false,
      reason: `the registry in ${item.awsRegion} uses ${scanType} scanning; expected ENHANCED scanning with a rule covering repository ${quote(name)}`,
      evidence: { scanType },
    };
  if (match)
    return {
      pass: true,
      reason: `the registry's ${scanType} scanning rule ${match.rule.scanFrequency} with filter ${quote(match.filter)} covers repository ${quote(name)}`,
      evidence: { scanType, rule: match.rule },
    };
  if (scanType === "ENHANCED")
    return {
      pass: false,
      reason: `the registry uses ENHANCED scanning and none of its rules (${(config.rules ?? []).length}) matches repository ${quote(name)}; the repository's own scanOnPush (${scanOnPush}) is ignored under enhanced scanning; expected a scan-on-push or continuous rule whose filter matches it`,
      evidence: { scanType, rules: config.rules ?? [] },
    };
  if (scanOnPush)
    return { pass: true, reason: "imageScanningConfiguration.scanOnPush is true (BASIC scanning)" };
  return {
    pass: false,
    reason: `imageScanningConfiguration.scanOnPush is false and no registry scanning rule matches repository ${quote(name)}; expected scan on push or a registry rule covering it`,
    evidence: { scanType, rules: config.rules ?? [] },
  };
};

/** No Allow of the repository policy is open to everyone without a condition that narrows the caller. */
const ecrRepositoryPolicyNotPublic: Evaluator = (item) => {
  const policy = item.supplementaryConfiguration.policy;
  const unreadable = unreadableReason(policy, "supplementaryConfiguration.policy (repository policy)");
  if (unreadable) return { error: unreadable };
  if (!policy)
    return {
      pass: true,
      reason: "the repository has no repository policy (only IAM principals of this account can use it)",
    };
  const open = publicStatementsIndexed(policy);
  if (open.length > 0)
    return {
      pass: false,
      reason: `${open.map((o) => describePublicAllow(o.statement, o.index, "repository policy")).join("; ")}; expected every Allow to name accounts or an organisation`,
      evidence: { publicStatements: open.map((o) => o.statement) },
    };
  return {
    pass: true,
    reason: `no statement of the repository policy allows a public principal (${statementsOf(policy).length} read)`,
  };
};

function versionParts(version: string): number[] | undefined {
  if (!/^\d+(\.\d+)*$/.test(version)) return undefined;
  return version.split(".").map((p) => Number.parseInt(p, 10));
}

function compareVersions(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** AWS FSBP EKS.2: the cluster's Kubernetes version is at least the `eksOldestSupportedVersion` setting. */
const eksVersionSupported: Evaluator = (item, _params, ctx) => {
  const cluster = item.supplementaryConfiguration.cluster;
  if (isCallError(cluster)) {
    return {
      error: `could not read supplementaryConfiguration.cluster: ${cluster.$error.code} (${cluster.$error.message})`,
    };
  }
  const version = (cluster as { version?: unknown } | null | undefined)?.version;
  const oldest = ctx.settings.eksOldestSupportedVersion;
  const wanted = versionParts(oldest);
  if (!wanted) return { error: `setting eksOldestSupportedVersion ${quote(oldest)} is not a version number` };
  const actual = typeof version === "string" ? versionParts(version) : undefined;
  if (!actual)
    return { error: `the cluster's Kubernetes version is ${quote(version)}, not a version number` };
  if (compareVersions(actual, wanted) >= 0)
    return {
      pass: true,
      reason: `Kubernetes version ${version} is at or above the oldest supported version ${oldest}`,
      evidence: { version, oldestSupported: oldest },
    };
  return {
    pass: false,
    reason: `Kubernetes version ${version} is older than ${oldest}, the oldest version AWS still supports (setting eksOldestSupportedVersion); expected an upgrade`,
    evidence: { version, oldestSupported: oldest },
  };
};

/** Evaluators for ECR, ECS and EKS checks, by name. */
export const containersEvaluators: Record<string, Evaluator> = {
  ecrRepositoryScanned,
  ecrRepositoryPolicyNotPublic,
  eksVersionSupported,
};
