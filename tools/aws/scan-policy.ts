/**
 * The least-privilege IAM policy of the scanning identity, generated from what the collectors declare they call
 * (`docs/iam/enforceai-scan-policy.json` is this document; `npm run iam:policy` rewrites it).
 */
import type { Collector } from "./collector.ts";

/** Calls discovery itself makes before any collector runs: who am I, which regions are enabled. */
export const DISCOVERY_ACTIONS = ["sts:GetCallerIdentity", "ec2:DescribeRegions"] as const;

/** How a statement id spells an IAM prefix (`cloudtrail` → `CloudTrail`); others are capitalised. */
const PREFIX_TITLE: Record<string, string> = {
  "access-analyzer": "AccessAnalyzer",
  accessanalyzer: "AccessAnalyzer",
  cloudtrail: "CloudTrail",
  cloudwatch: "CloudWatch",
  ec2: "EC2",
  efs: "EFS",
  elasticfilesystem: "EFS",
  guardduty: "GuardDuty",
  iam: "IAM",
  kms: "KMS",
  logs: "CloudWatchLogs",
  rds: "RDS",
  s3: "S3",
  securityhub: "SecurityHub",
  sns: "SNS",
  sts: "STS",
};

export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: { Sid: string; Effect: "Allow"; Action: string[]; Resource: "*" }[];
}

export function scanPolicy(collectors: readonly Collector[]): PolicyDocument {
  const byPrefix = new Map<string, Set<string>>();
  for (const action of [...DISCOVERY_ACTIONS, ...collectors.flatMap((c) => c.actions)]) {
    const prefix = action.split(":")[0]!;
    const actions = byPrefix.get(prefix) ?? new Set<string>();
    byPrefix.set(prefix, actions.add(action));
  }
  return {
    Version: "2012-10-17",
    Statement: [...byPrefix.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([prefix, actions]) => ({
        Sid: `EnforceAIRead${PREFIX_TITLE[prefix] ?? prefix.charAt(0).toUpperCase() + prefix.slice(1)}`,
        Effect: "Allow",
        Action: [...actions].sort(),
        Resource: "*",
      })),
  };
}

/** The policy file's text: two-space JSON with a final newline. */
export function scanPolicyText(collectors: readonly Collector[]): string {
  return `${JSON.stringify(scanPolicy(collectors), null, 2)}\n`;
}
