/**
 * The only SDK commands remediation may send. Each entry names the IAM action that authorises it, so the
 * remediation role's policy (docs/iam/enforceai-remediation-policy.json) is exactly this table, and a call
 * that is not listed here cannot be made.
 */
import { GetTrailCommand, UpdateTrailCommand } from "@aws-sdk/client-cloudtrail";
import {
  DeleteRetentionPolicyCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import {
  AuthorizeSecurityGroupIngressCommand,
  DescribeSecurityGroupsCommand,
  DisableEbsEncryptionByDefaultCommand,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsEncryptionByDefaultCommand,
  RevokeSecurityGroupIngressCommand,
} from "@aws-sdk/client-ec2";
import {
  DescribeRepositoriesCommand,
  PutImageScanningConfigurationCommand,
  PutImageTagMutabilityCommand,
} from "@aws-sdk/client-ecr";
import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  ModifyListenerCommand,
  ModifyLoadBalancerAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  DeleteAccountPasswordPolicyCommand,
  GetAccountPasswordPolicyCommand,
  ListAccessKeysCommand,
  UpdateAccessKeyCommand,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import {
  DescribeStreamSummaryCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
} from "@aws-sdk/client-kinesis";
import {
  DisableKeyRotationCommand,
  EnableKeyRotationCommand,
  GetKeyRotationStatusCommand,
} from "@aws-sdk/client-kms";
import { GetFunctionUrlConfigCommand, UpdateFunctionUrlConfigCommand } from "@aws-sdk/client-lambda";
import { DescribeDBInstancesCommand, ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import {
  DeleteBucketEncryptionCommand,
  DeleteBucketPolicyCommand,
  DeletePublicAccessBlockCommand,
  GetBucketEncryptionCommand,
  GetBucketLoggingCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketEncryptionCommand,
  PutBucketLoggingCommand,
  PutBucketPolicyCommand,
  PutBucketVersioningCommand,
  PutPublicAccessBlockCommand,
} from "@aws-sdk/client-s3";
import {
  DeletePublicAccessBlockCommand as DeleteAccountPublicAccessBlockCommand,
  GetPublicAccessBlockCommand as GetAccountPublicAccessBlockCommand,
  PutPublicAccessBlockCommand as PutAccountPublicAccessBlockCommand,
} from "@aws-sdk/client-s3-control";
import { GetTopicAttributesCommand, SetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { GetQueueAttributesCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import type { PlannedCall } from "../../src/domain/remediation.ts";
import type { AwsClientSet, ClientKind } from "../aws/clients.ts";

// biome-ignore lint/suspicious/noExplicitAny: SDK command constructors differ only in their input type.
type CommandClass = new (input: any) => unknown;

export interface CommandSpec {
  service: ClientKind;
  operation: string;
  /** The IAM action that authorises the call. */
  iamAction: string;
  /** Changes configuration (true) or only reads it (false). */
  write: boolean;
  command: CommandClass;
}

const spec = (
  service: ClientKind,
  operation: string,
  iamAction: string,
  write: boolean,
  command: CommandClass,
): CommandSpec => ({ service, operation, iamAction, write, command });

export const COMMANDS: readonly CommandSpec[] = [
  // S3 bucket level
  spec("s3", "PutPublicAccessBlock", "s3:PutBucketPublicAccessBlock", true, PutPublicAccessBlockCommand),
  spec(
    "s3",
    "DeletePublicAccessBlock",
    "s3:PutBucketPublicAccessBlock",
    true,
    DeletePublicAccessBlockCommand,
  ),
  spec("s3", "GetPublicAccessBlock", "s3:GetBucketPublicAccessBlock", false, GetPublicAccessBlockCommand),
  spec("s3", "PutBucketEncryption", "s3:PutEncryptionConfiguration", true, PutBucketEncryptionCommand),
  spec("s3", "DeleteBucketEncryption", "s3:PutEncryptionConfiguration", true, DeleteBucketEncryptionCommand),
  spec("s3", "GetBucketEncryption", "s3:GetEncryptionConfiguration", false, GetBucketEncryptionCommand),
  spec("s3", "PutBucketVersioning", "s3:PutBucketVersioning", true, PutBucketVersioningCommand),
  spec("s3", "GetBucketVersioning", "s3:GetBucketVersioning", false, GetBucketVersioningCommand),
  spec("s3", "PutBucketLogging", "s3:PutBucketLogging", true, PutBucketLoggingCommand),
  spec("s3", "GetBucketLogging", "s3:GetBucketLogging", false, GetBucketLoggingCommand),
  spec("s3", "PutBucketPolicy", "s3:PutBucketPolicy", true, PutBucketPolicyCommand),
  spec("s3", "DeleteBucketPolicy", "s3:DeleteBucketPolicy", true, DeleteBucketPolicyCommand),
  spec("s3", "GetBucketPolicy", "s3:GetBucketPolicy", false, GetBucketPolicyCommand),
  // S3 account level (S3 Control)
  spec(
    "s3control",
    "PutPublicAccessBlock",
    "s3:PutAccountPublicAccessBlock",
    true,
    PutAccountPublicAccessBlockCommand,
  ),
  spec(
    "s3control",
    "DeletePublicAccessBlock",
    "s3:PutAccountPublicAccessBlock",
    true,
    DeleteAccountPublicAccessBlockCommand,
  ),
  spec(
    "s3control",
    "GetPublicAccessBlock",
    "s3:GetAccountPublicAccessBlock",
    false,
    GetAccountPublicAccessBlockCommand,
  ),
  // IAM
  spec(
    "iam",
    "UpdateAccountPasswordPolicy",
    "iam:UpdateAccountPasswordPolicy",
    true,
    UpdateAccountPasswordPolicyCommand,
  ),
  spec(
    "iam",
    "DeleteAccountPasswordPolicy",
    "iam:DeleteAccountPasswordPolicy",
    true,
    DeleteAccountPasswordPolicyCommand,
  ),
  spec(
    "iam",
    "GetAccountPasswordPolicy",
    "iam:GetAccountPasswordPolicy",
    false,
    GetAccountPasswordPolicyCommand,
  ),
  spec("iam", "UpdateAccessKey", "iam:UpdateAccessKey", true, UpdateAccessKeyCommand),
  spec("iam", "ListAccessKeys", "iam:ListAccessKeys", false, ListAccessKeysCommand),
  // CloudTrail
  spec("cloudtrail", "UpdateTrail", "cloudtrail:UpdateTrail", true, UpdateTrailCommand),
  spec("cloudtrail", "GetTrail", "cloudtrail:GetTrail", false, GetTrailCommand),
  // KMS
  spec("kms", "EnableKeyRotation", "kms:EnableKeyRotation", true, EnableKeyRotationCommand),
  spec("kms", "DisableKeyRotation", "kms:DisableKeyRotation", true, DisableKeyRotationCommand),
  spec("kms", "GetKeyRotationStatus", "kms:GetKeyRotationStatus", false, GetKeyRotationStatusCommand),
  // EC2
  spec(
    "ec2",
    "EnableEbsEncryptionByDefault",
    "ec2:EnableEbsEncryptionByDefault",
    true,
    EnableEbsEncryptionByDefaultCommand,
  ),
  spec(
    "ec2",
    "DisableEbsEncryptionByDefault",
    "ec2:DisableEbsEncryptionByDefault",
    true,
    DisableEbsEncryptionByDefaultCommand,
  ),
  spec(
    "ec2",
    "GetEbsEncryptionByDefault",
    "ec2:GetEbsEncryptionByDefault",
    false,
    GetEbsEncryptionByDefaultCommand,
  ),
  spec(
    "ec2",
    "RevokeSecurityGroupIngress",
    "ec2:RevokeSecurityGroupIngress",
    true,
    RevokeSecurityGroupIngressCommand,
  ),
  spec(
    "ec2",
    "AuthorizeSecurityGroupIngress",
    "ec2:AuthorizeSecurityGroupIngress",
    true,
    AuthorizeSecurityGroupIngressCommand,
  ),
  spec("ec2", "DescribeSecurityGroups", "ec2:DescribeSecurityGroups", false, DescribeSecurityGroupsCommand),
  // RDS
  spec("rds", "ModifyDBInstance", "rds:ModifyDBInstance", true, ModifyDBInstanceCommand),
  spec("rds", "DescribeDBInstances", "rds:DescribeDBInstances", false, DescribeDBInstancesCommand),
  // Lambda
  spec(
    "lambda",
    "UpdateFunctionUrlConfig",
    "lambda:UpdateFunctionUrlConfig",
    true,
    UpdateFunctionUrlConfigCommand,
  ),
  spec("lambda", "GetFunctionUrlConfig", "lambda:GetFunctionUrlConfig", false, GetFunctionUrlConfigCommand),
  // SQS
  spec("sqs", "SetQueueAttributes", "sqs:SetQueueAttributes", true, SetQueueAttributesCommand),
  spec("sqs", "GetQueueAttributes", "sqs:GetQueueAttributes", false, GetQueueAttributesCommand),
  // SNS
  spec("sns", "SetTopicAttributes", "sns:SetTopicAttributes", true, SetTopicAttributesCommand),
  spec("sns", "GetTopicAttributes", "sns:GetTopicAttributes", false, GetTopicAttributesCommand),
  // DynamoDB
  spec(
    "dynamodb",
    "UpdateContinuousBackups",
    "dynamodb:UpdateContinuousBackups",
    true,
    UpdateContinuousBackupsCommand,
  ),
  spec(
    "dynamodb",
    "DescribeContinuousBackups",
    "dynamodb:DescribeContinuousBackups",
    false,
    DescribeContinuousBackupsCommand,
  ),
  spec("dynamodb", "UpdateTable", "dynamodb:UpdateTable", true, UpdateTableCommand),
  spec("dynamodb", "DescribeTable", "dynamodb:DescribeTable", false, DescribeTableCommand),
  // ECR
  spec(
    "ecr",
    "PutImageScanningConfiguration",
    "ecr:PutImageScanningConfiguration",
    true,
    PutImageScanningConfigurationCommand,
  ),
  spec("ecr", "PutImageTagMutability", "ecr:PutImageTagMutability", true, PutImageTagMutabilityCommand),
  spec("ecr", "DescribeRepositories", "ecr:DescribeRepositories", false, DescribeRepositoriesCommand),
  // Elastic Load Balancing v2
  spec(
    "elbv2",
    "ModifyLoadBalancerAttributes",
    "elasticloadbalancing:ModifyLoadBalancerAttributes",
    true,
    ModifyLoadBalancerAttributesCommand,
  ),
  spec(
    "elbv2",
    "DescribeLoadBalancerAttributes",
    "elasticloadbalancing:DescribeLoadBalancerAttributes",
    false,
    DescribeLoadBalancerAttributesCommand,
  ),
  spec("elbv2", "ModifyListener", "elasticloadbalancing:ModifyListener", true, ModifyListenerCommand),
  spec(
    "elbv2",
    "DescribeListeners",
    "elasticloadbalancing:DescribeListeners",
    false,
    DescribeListenersCommand,
  ),
  // CloudWatch Logs
  spec("logs", "PutRetentionPolicy", "logs:PutRetentionPolicy", true, PutRetentionPolicyCommand),
  spec("logs", "DeleteRetentionPolicy", "logs:DeleteRetentionPolicy", true, DeleteRetentionPolicyCommand),
  spec("logs", "DescribeLogGroups", "logs:DescribeLogGroups", false, DescribeLogGroupsCommand),
  // Kinesis
  spec(
    "kinesis",
    "StartStreamEncryption",
    "kinesis:StartStreamEncryption",
    true,
    StartStreamEncryptionCommand,
  ),
  spec("kinesis", "StopStreamEncryption", "kinesis:StopStreamEncryption", true, StopStreamEncryptionCommand),
  spec(
    "kinesis",
    "DescribeStreamSummary",
    "kinesis:DescribeStreamSummary",
    false,
    DescribeStreamSummaryCommand,
  ),
];

const BY_KEY = new Map<string, CommandSpec>(COMMANDS.map((c) => [`${c.service}:${c.operation}`, c]));

/** `s3:PutPublicAccessBlock` → its spec, or undefined when remediation may not make that call. */
export function commandSpec(service: string, operation: string): CommandSpec | undefined {
  return BY_KEY.get(`${service}:${operation}`);
}

export function callKey(call: Pick<PlannedCall, "service" | "operation">): string {
  return `${call.service}:${call.operation}`;
}

/** The IAM action that authorises a planned call. */
export function iamActionOf(call: Pick<PlannedCall, "service" | "operation">): string {
  const found = commandSpec(call.service, call.operation);
  if (!found) throw new Error(`${callKey(call)} is not in the remediation command registry`);
  return found.iamAction;
}

/**
 * Sends one planned call with the clients of its region (`global` → the home region) and answers the SDK
 * output without its `$metadata`.
 */
export async function sendCall(
  clientsFor: (region: string) => AwsClientSet,
  homeRegion: string,
  call: PlannedCall,
): Promise<Record<string, unknown>> {
  const found = commandSpec(call.service, call.operation);
  if (!found)
    throw new Error(`${callKey(call)} is not in the remediation command registry; refusing to send it`);
  const region = call.region === "global" ? homeRegion : call.region;
  const client = clientsFor(region).get(found.service) as unknown as {
    send(command: unknown): Promise<unknown>;
  };
  const output = (await client.send(new found.command(structuredClone(call.input)))) as Record<
    string,
    unknown
  >;
  const { $metadata: _m, ...rest } = output ?? {};
  return rest;
}
