/**
 * The bundled sample stands for a real account, but it is discovered from moto, which does not implement a few
 * read calls the collectors make. For those calls only, this client factory answers as AWS documents it would for
 * what the seeders set up (scripts/seed-*.ts): the compliant twins get the compliant answer, the others the
 * non-compliant one. Every other call goes to the emulator unchanged, and the collectors shape every answer, so
 * the sample is what discovery would record against AWS. Used by scripts/build-sample.ts only, never by a scan.
 */
import { GetFunctionUrlConfigCommand } from "@aws-sdk/client-lambda";
import type { ClientFactory, ClientKind } from "../tools/aws/clients.ts";
import { GOVERNANCE_ON } from "./seed-governance.ts";
import { ALB_HARDENED, WEB_ACL_HARDENED } from "./seed-lb.ts";
import { RESILIENCE_NAMES } from "./seed-resilience.ts";

type Handler = (args: { input?: unknown }) => Promise<{ output: unknown; response: unknown }>;
interface Stack {
  add(
    middleware: (next: Handler, context: { commandName?: string }) => Handler,
    options: { step: "initialize"; name: string; priority: "high" },
  ): void;
}
type Input = Record<string, unknown>;
type Send = (command: unknown) => Promise<unknown>;
type Answer = (
  input: Input,
  region: string,
  next: () => Promise<unknown>,
  send: Send,
) => Promise<object> | object;

function awsError(name: string, message: string): Error {
  return Object.assign(new Error(message), { name, $fault: "client", $metadata: { httpStatusCode: 404 } });
}

/** `kind:Operation` → the documented answer. */
function answers(): Record<string, Answer> {
  const planNames = new Map<string, string>();
  const loadBalancerArns = new Map<string, string>();
  return {
    // Access Analyzer: an account analyzer in the governed region, none elsewhere; no open findings.
    "accessanalyzer:ListAnalyzers": (_input, region) => ({
      analyzers:
        region === GOVERNANCE_ON
          ? [
              {
                arn: `arn:aws:access-analyzer:${region}:123456789012:analyzer/account-analyzer`,
                name: "account-analyzer",
                type: "ACCOUNT",
                status: "ACTIVE",
                createdAt: new Date("2026-01-05T10:00:00Z"),
                lastResourceAnalyzedAt: new Date("2026-11-19T08:00:00Z"),
                tags: {},
              },
            ]
          : [],
    }),
    "accessanalyzer:ListFindings": () => ({ findings: [] }),
    // SSM: the demo instances run no SSM agent, so there are no managed nodes and no compliance items.
    "ssm:DescribeInstanceInformation": () => ({ InstanceInformationList: [] }),
    "ssm:ListResourceComplianceSummaries": () => ({ ResourceComplianceSummaryItems: [] }),
    // Security Hub in the governed region subscribes to FSBP and CIS 3.0.
    "securityhub:GetEnabledStandards": (_input, region) => ({
      StandardsSubscriptions:
        region === GOVERNANCE_ON
          ? ["aws-foundational-security-best-practices/v/1.0.0", "cis-aws-foundations-benchmark/v/3.0.0"].map(
              (standard) => ({
                StandardsArn: `arn:aws:securityhub:${region}::standards/${standard}`,
                StandardsSubscriptionArn: `arn:aws:securityhub:${region}:123456789012:subscription/${standard}`,
                StandardsStatus: "READY",
              }),
            )
          : [],
    }),
    // GuardDuty in the governed region exports its findings to S3.
    "guardduty:ListPublishingDestinations": (_input, region) => ({
      Destinations:
        region === GOVERNANCE_ON
          ? [
              {
                DestinationId: "a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6",
                DestinationType: "S3",
                Status: "PUBLISHING",
              },
            ]
          : [],
    }),
    // AWS Backup: the central vault refuses deleting recovery points; the legacy vault has no policy.
    "backup:GetBackupVaultAccessPolicy": (input) => {
      if (input.BackupVaultName !== RESILIENCE_NAMES.centralVault)
        throw awsError("ResourceNotFoundException", "no access policy on this vault");
      return {
        BackupVaultName: input.BackupVaultName,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Sid: "DenyRecoveryPointDeletion",
              Effect: "Deny",
              Principal: { AWS: "*" },
              Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
              Resource: "*",
            },
          ],
        }),
      };
    },
    "backup:ListBackupPlans": async (_input, _region, next) => {
      const answer = (await next()) as {
        BackupPlansList?: { BackupPlanId?: string; BackupPlanName?: string }[];
      };
      for (const p of answer.BackupPlansList ?? [])
        if (p.BackupPlanId && p.BackupPlanName) planNames.set(p.BackupPlanId, p.BackupPlanName);
      return answer;
    },
    // The daily plan selects resources by tag; the legacy plan selects nothing.
    "backup:ListBackupSelections": (input) => ({
      BackupSelectionsList:
        planNames.get(String(input.BackupPlanId)) === RESILIENCE_NAMES.dailyPlan
          ? [
              {
                SelectionId: "b1c2d3e4-0000-4000-8000-000000000001",
                SelectionName: "tagged-production",
                BackupPlanId: input.BackupPlanId,
                IamRoleArn: "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole",
                CreationDate: new Date("2026-02-01T09:00:00Z"),
              },
            ]
          : [],
    }),
    // The daily plan's one selection picks resources tagged backup=daily (the legacy ListOfTags form, a single
    // STRINGEQUALS condition); no seeded resource carries that tag, so the coverage checks fail in the sample.
    "backup:GetBackupSelection": (input) => ({
      BackupPlanId: input.BackupPlanId,
      SelectionId: input.SelectionId,
      CreationDate: new Date("2026-02-01T09:00:00Z"),
      BackupSelection: {
        SelectionName: "tagged-production",
        IamRoleArn: "arn:aws:iam::123456789012:role/service-role/AWSBackupDefaultServiceRole",
        Resources: [],
        NotResources: [],
        ListOfTags: [{ ConditionType: "STRINGEQUALS", ConditionKey: "backup", ConditionValue: "daily" }],
        Conditions: { StringEquals: [], StringNotEquals: [], StringLike: [], StringNotLike: [] },
      },
    }),
    // WAFv2: the protection web ACL guards the hardened ALB; the empty one guards nothing.
    "elbv2:DescribeLoadBalancers": async (_input, _region, next) => {
      const answer = (await next()) as {
        LoadBalancers?: { LoadBalancerName?: string; LoadBalancerArn?: string }[];
      };
      for (const lb of answer.LoadBalancers ?? [])
        if (lb.LoadBalancerName && lb.LoadBalancerArn)
          loadBalancerArns.set(lb.LoadBalancerName, lb.LoadBalancerArn);
      return answer;
    },
    "wafv2:ListResourcesForWebACL": (input) => {
      const hardened = loadBalancerArns.get(ALB_HARDENED);
      const name = String(input.WebACLArn).split("/").at(-2);
      return { ResourceArns: name === WEB_ACL_HARDENED && hardened ? [hardened] : [] };
    },
    // Lambda: ListFunctionUrlConfigs lists the function's own URL (read with the call moto has); no alias URLs.
    "lambda:ListFunctionUrlConfigs": async (input, _region, _next, send) => {
      try {
        const url = (await send(
          new GetFunctionUrlConfigCommand({ FunctionName: String(input.FunctionName) }),
        )) as {
          FunctionUrl?: string;
          FunctionArn?: string;
          AuthType?: string;
          Cors?: unknown;
          CreationTime?: string;
          LastModifiedTime?: string;
        };
        return { FunctionUrlConfigs: [url] };
      } catch (error) {
        if ((error as { name?: string }).name === "ResourceNotFoundException")
          return { FunctionUrlConfigs: [] };
        throw error;
      }
    },
    // EC2: EBS default encryption uses the AWS managed key.
    "ec2:GetEbsDefaultKmsKeyId": (_input, region) => ({
      KmsKeyId: `arn:aws:kms:${region}:123456789012:alias/aws/ebs`,
    }),
  };
}

export function emulatorAnswers(base: ClientFactory): ClientFactory {
  const table = answers();
  return (kind, settings) => {
    const client = base(kind, settings);
    (client.middlewareStack as unknown as Stack).add(
      (next, context) => async (args) => {
        const answer = table[`${kind as ClientKind}:${(context.commandName ?? "").replace(/Command$/, "")}`];
        if (!answer) return next(args);
        const send: Send = (command) => (client as unknown as { send: Send }).send(command);
        const output = await answer(
          (args.input ?? {}) as Input,
          settings.region,
          async () => (await next(args)).output,
          send,
        );
        return { output: { $metadata: {}, ...output }, response: {} };
      },
      { step: "initialize", name: "sampleEmulatorAnswers", priority: "high" },
    );
    return client;
  };
}
