/**
 * The watcher, service by service (first half; the rest in watch-services-b.test.ts): a compliant resource in
 * moto is made non-compliant with a real call, the CloudTrail record of that call is published, and the
 * finding turns FAIL with a drift record naming the caller; the revert and its record resolve it.
 *
 * Not covered here, and why:
 * (see watch-services-b.test.ts for the services neither file covers)
 */
import { randomUUID } from "node:crypto";
import { DeleteAlternateContactCommand, PutAlternateContactCommand } from "@aws-sdk/client-account";
import { CreateTrailCommand, StartLoggingCommand, StopLoggingCommand } from "@aws-sdk/client-cloudtrail";
import {
  CreateLogGroupCommand,
  DeleteRetentionPolicyCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import { CreateTableCommand, UpdateContinuousBackupsCommand } from "@aws-sdk/client-dynamodb";
import {
  DisableEbsEncryptionByDefaultCommand,
  EnableEbsEncryptionByDefaultCommand,
} from "@aws-sdk/client-ec2";
import { CreateRepositoryCommand, PutImageTagMutabilityCommand } from "@aws-sdk/client-ecr";
import { CreateFileSystemCommand, PutFileSystemPolicyCommand } from "@aws-sdk/client-efs";
import {
  AttachUserPolicyCommand,
  CreateRoleCommand,
  CreateUserCommand,
  DetachUserPolicyCommand,
  UpdateAccountPasswordPolicyCommand,
} from "@aws-sdk/client-iam";
import { CreateKeyCommand, DisableKeyRotationCommand, EnableKeyRotationCommand } from "@aws-sdk/client-kms";
import { AddPermissionCommand, CreateFunctionCommand, RemovePermissionCommand } from "@aws-sdk/client-lambda";
import { CreateDBInstanceCommand, ModifyDBInstanceCommand } from "@aws-sdk/client-rds";
import { CreateBucketCommand, PutBucketVersioningCommand } from "@aws-sdk/client-s3";
import {
  CreateSecretCommand,
  DeleteResourcePolicyCommand,
  PutResourcePolicyCommand,
} from "@aws-sdk/client-secrets-manager";
import { CreateTopicCommand, SetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, SetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { CreateDocumentCommand, ModifyDocumentPermissionCommand } from "@aws-sdk/client-ssm";
import { afterAll, beforeAll, it } from "vitest";
import type { Finding } from "../../src/domain/types.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { REGION, type WatchHarness, watchHarness } from "./watch-harness.ts";
import {
  assumeRolePolicy,
  EMPTY_ZIP,
  ownerPolicy,
  publicPolicy,
  runScenario,
  type Scenario,
  type SeedContext,
  type Seeded,
} from "./watch-seeds.ts";

const scenarios: Scenario[] = [
  {
    service: "s3",
    change: "versioning suspended",
    checkId: "s3_bucket_versioning_enabled",
    async seed({ clients, suffix }) {
      const bucket = `watch-a-${suffix}`;
      await clients.get("s3").send(new CreateBucketCommand({ Bucket: bucket }));
      await clients
        .get("s3")
        .send(
          new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } }),
        );
      return { resourceId: bucket, arn: `arn:aws:s3:::${bucket}`, bucket };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("s3").send(
          new PutBucketVersioningCommand({
            Bucket: s.bucket,
            VersioningConfiguration: { Status: "Suspended" },
          }),
        ),
      source: "s3.amazonaws.com",
      eventName: "PutBucketVersioning",
      params: { bucketName: s.bucket, VersioningConfiguration: { Status: "Suspended" } },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("s3").send(
          new PutBucketVersioningCommand({
            Bucket: s.bucket,
            VersioningConfiguration: { Status: "Enabled" },
          }),
        ),
      source: "s3.amazonaws.com",
      eventName: "PutBucketVersioning",
      params: { bucketName: s.bucket, VersioningConfiguration: { Status: "Enabled" } },
    }),
  },
  {
    service: "ec2",
    change: "EBS encryption by default turned off",
    checkId: "ec2_ebs_encryption_by_default",
    async seed({ clients, accountId }) {
      await clients.get("ec2").send(new EnableEbsEncryptionByDefaultCommand({}));
      return {
        resourceId: `${accountId}:${REGION}`,
        arn: `arn:aws:ec2:${REGION}:${accountId}:regional-settings`,
      };
    },
    breakIt: ({ clients }) => ({
      call: () => clients.get("ec2").send(new DisableEbsEncryptionByDefaultCommand({})),
      source: "ec2.amazonaws.com",
      eventName: "DisableEbsEncryptionByDefault",
      params: { DisableEbsEncryptionByDefaultRequest: "" },
    }),
    revert: ({ clients }) => ({
      call: () => clients.get("ec2").send(new EnableEbsEncryptionByDefaultCommand({})),
      source: "ec2.amazonaws.com",
      eventName: "EnableEbsEncryptionByDefault",
      params: { EnableEbsEncryptionByDefaultRequest: "" },
    }),
  },
  {
    service: "iam",
    change: "AdministratorAccess attached to a user",
    checkId: "iam_user_no_administrator_access",
    async seed({ clients, suffix }) {
      const userName = `watch-${suffix}`;
      const user = await clients.get("iam").send(new CreateUserCommand({ UserName: userName }));
      return { resourceId: user.User!.UserId!, arn: user.User!.Arn!, region: "global", userName };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients
          .get("iam")
          .send(new AttachUserPolicyCommand({ UserName: s.userName, PolicyArn: ADMIN_POLICY })),
      source: "iam.amazonaws.com",
      eventName: "AttachUserPolicy",
      params: { userName: s.userName, policyArn: ADMIN_POLICY },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients
          .get("iam")
          .send(new DetachUserPolicyCommand({ UserName: s.userName, PolicyArn: ADMIN_POLICY })),
      source: "iam.amazonaws.com",
      eventName: "DetachUserPolicy",
      params: { userName: s.userName, policyArn: ADMIN_POLICY },
    }),
  },
  {
    service: "iam",
    change: "the password policy's minimum length lowered",
    checkId: "iam_password_policy_min_length",
    async seed({ clients, accountId }) {
      await clients.get("iam").send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 16 }));
      return {
        resourceId: accountId,
        arn: `arn:aws:iam::${accountId}:account-password-policy`,
        region: "global",
      };
    },
    breakIt: ({ clients }) => ({
      call: () =>
        clients.get("iam").send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 8 })),
      source: "iam.amazonaws.com",
      eventName: "UpdateAccountPasswordPolicy",
      params: { minimumPasswordLength: 8 },
    }),
    revert: ({ clients }) => ({
      call: () =>
        clients.get("iam").send(new UpdateAccountPasswordPolicyCommand({ MinimumPasswordLength: 16 })),
      source: "iam.amazonaws.com",
      eventName: "UpdateAccountPasswordPolicy",
      params: { minimumPasswordLength: 16 },
    }),
  },
  {
    service: "rds",
    change: "deletion protection removed from an instance",
    checkId: "rds_instance_deletion_protection",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      await clients.get("rds").send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: name,
          Engine: "postgres",
          DBInstanceClass: "db.t3.micro",
          AllocatedStorage: 20,
          MasterUsername: "watcher",
          MasterUserPassword: "not-a-real-password-1",
          DeletionProtection: true,
        }),
      );
      return {
        resourceId: name,
        arn: `arn:aws:rds:${REGION}:${accountId}:db:${name}`,
        name,
      };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("rds").send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: s.name,
            DeletionProtection: false,
            ApplyImmediately: true,
          }),
        ),
      source: "rds.amazonaws.com",
      eventName: "ModifyDBInstance",
      params: { dBInstanceIdentifier: s.name, deletionProtection: false, applyImmediately: true },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("rds").send(
          new ModifyDBInstanceCommand({
            DBInstanceIdentifier: s.name,
            DeletionProtection: true,
            ApplyImmediately: true,
          }),
        ),
      source: "rds.amazonaws.com",
      eventName: "ModifyDBInstance",
      params: { dBInstanceIdentifier: s.name, deletionProtection: true, applyImmediately: true },
    }),
  },
  {
    service: "lambda",
    change: "a function made invocable by anyone",
    checkId: "lambda_function_not_public",
    async seed({ clients, suffix }) {
      const name = `watch-${suffix}`;
      const role = await clients.get("iam").send(
        new CreateRoleCommand({
          RoleName: `watch-lambda-${suffix}`,
          AssumeRolePolicyDocument: assumeRolePolicy("lambda.amazonaws.com"),
        }),
      );
      const fn = await clients.get("lambda").send(
        new CreateFunctionCommand({
          FunctionName: name,
          Runtime: "python3.12",
          Role: role.Role!.Arn!,
          Handler: "index.handler",
          Code: { ZipFile: EMPTY_ZIP },
        }),
      );
      return { resourceId: name, arn: fn.FunctionArn!, name };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("lambda").send(
          new AddPermissionCommand({
            FunctionName: s.name,
            StatementId: "anyone",
            Action: "lambda:InvokeFunction",
            Principal: "*",
          }),
        ),
      source: "lambda.amazonaws.com",
      eventName: "AddPermission20150331v2",
      params: {
        functionName: s.name,
        statementId: "anyone",
        action: "lambda:InvokeFunction",
        principal: "*",
      },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients
          .get("lambda")
          .send(new RemovePermissionCommand({ FunctionName: s.name, StatementId: "anyone" })),
      source: "lambda.amazonaws.com",
      eventName: "RemovePermission20150331v2",
      params: { functionName: s.name, statementId: "anyone" },
    }),
  },
  {
    service: "cloudtrail",
    change: "logging stopped",
    checkId: "cloudtrail_trail_logging",
    async seed({ clients, accountId, suffix }) {
      const bucket = `watch-trail-${suffix}`;
      const name = `watch-${suffix}`;
      await clients.get("s3").send(new CreateBucketCommand({ Bucket: bucket }));
      const trail = await clients
        .get("cloudtrail")
        .send(new CreateTrailCommand({ Name: name, S3BucketName: bucket }));
      await clients.get("cloudtrail").send(new StartLoggingCommand({ Name: name }));
      return {
        resourceId: name,
        arn: trail.TrailARN ?? `arn:aws:cloudtrail:${REGION}:${accountId}:trail/${name}`,
        name,
      };
    },
    breakIt: ({ clients }, s) => ({
      call: () => clients.get("cloudtrail").send(new StopLoggingCommand({ Name: s.name })),
      source: "cloudtrail.amazonaws.com",
      eventName: "StopLogging",
      params: { name: s.name },
    }),
    revert: ({ clients }, s) => ({
      call: () => clients.get("cloudtrail").send(new StartLoggingCommand({ Name: s.name })),
      source: "cloudtrail.amazonaws.com",
      eventName: "StartLogging",
      params: { name: s.arn },
    }),
  },
  {
    service: "kms",
    change: "key rotation turned off",
    checkId: "kms_cmk_rotation_enabled",
    async seed({ clients }) {
      const key = await clients.get("kms").send(new CreateKeyCommand({ Description: "watched" }));
      const keyId = key.KeyMetadata!.KeyId!;
      await clients.get("kms").send(new EnableKeyRotationCommand({ KeyId: keyId }));
      return { resourceId: keyId, arn: key.KeyMetadata!.Arn!, keyId };
    },
    breakIt: ({ clients }, s) => ({
      call: () => clients.get("kms").send(new DisableKeyRotationCommand({ KeyId: s.keyId })),
      source: "kms.amazonaws.com",
      eventName: "DisableKeyRotation",
      params: { keyId: s.keyId },
    }),
    revert: ({ clients }, s) => ({
      call: () => clients.get("kms").send(new EnableKeyRotationCommand({ KeyId: s.keyId })),
      source: "kms.amazonaws.com",
      eventName: "EnableKeyRotation",
      params: { keyId: s.arn },
    }),
  },
  {
    service: "logs",
    change: "a log group's retention removed",
    checkId: "logs_log_group_retention_configured",
    async seed({ clients, accountId, suffix }) {
      const name = `/watch/${suffix}`;
      await clients.get("logs").send(new CreateLogGroupCommand({ logGroupName: name }));
      await clients
        .get("logs")
        .send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 400 }));
      const arn = `arn:aws:logs:${REGION}:${accountId}:log-group:${name}`;
      return { resourceId: name, arn, name };
    },
    breakIt: ({ clients }, s) => ({
      call: () => clients.get("logs").send(new DeleteRetentionPolicyCommand({ logGroupName: s.name })),
      source: "logs.amazonaws.com",
      eventName: "DeleteRetentionPolicy",
      params: { logGroupName: s.name },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients
          .get("logs")
          .send(new PutRetentionPolicyCommand({ logGroupName: s.name, retentionInDays: 400 })),
      source: "logs.amazonaws.com",
      eventName: "PutRetentionPolicy",
      params: { logGroupName: s.name, retentionInDays: 400 },
    }),
  },
  {
    service: "sns",
    change: "a topic policy opened to everyone",
    checkId: "sns_topic_policy_not_public",
    async seed({ clients, suffix }) {
      const topic = await clients.get("sns").send(new CreateTopicCommand({ Name: `watch-${suffix}` }));
      return { resourceId: topic.TopicArn!, arn: topic.TopicArn! };
    },
    breakIt: ({ clients }, s) => {
      const policy = publicPolicy("sns:Publish", s.arn);
      return {
        call: () =>
          clients.get("sns").send(
            new SetTopicAttributesCommand({
              TopicArn: s.arn,
              AttributeName: "Policy",
              AttributeValue: policy,
            }),
          ),
        source: "sns.amazonaws.com",
        eventName: "SetTopicAttributes",
        params: { topicArn: s.arn, attributeName: "Policy", attributeValue: policy },
      };
    },
    revert: ({ clients, accountId }, s) => {
      const policy = ownerPolicy(accountId, "sns:Publish", s.arn);
      return {
        call: () =>
          clients.get("sns").send(
            new SetTopicAttributesCommand({
              TopicArn: s.arn,
              AttributeName: "Policy",
              AttributeValue: policy,
            }),
          ),
        source: "sns.amazonaws.com",
        eventName: "SetTopicAttributes",
        params: { topicArn: s.arn, attributeName: "Policy", attributeValue: policy },
      };
    },
  },
  {
    service: "sqs",
    change: "a queue policy opened to everyone",
    checkId: "sqs_queue_policy_not_public",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      const queue = await clients.get("sqs").send(new CreateQueueCommand({ QueueName: name }));
      return { resourceId: queue.QueueUrl!, arn: `arn:aws:sqs:${REGION}:${accountId}:${name}` };
    },
    breakIt: ({ clients }, s) => {
      const policy = publicPolicy("sqs:SendMessage", s.arn);
      return {
        call: () =>
          clients
            .get("sqs")
            .send(new SetQueueAttributesCommand({ QueueUrl: s.resourceId, Attributes: { Policy: policy } })),
        source: "sqs.amazonaws.com",
        eventName: "SetQueueAttributes",
        params: { queueUrl: s.resourceId, attributes: { Policy: policy } },
      };
    },
    revert: ({ clients, accountId }, s) => {
      const policy = ownerPolicy(accountId, "sqs:SendMessage", s.arn);
      return {
        call: () =>
          clients
            .get("sqs")
            .send(new SetQueueAttributesCommand({ QueueUrl: s.resourceId, Attributes: { Policy: policy } })),
        source: "sqs.amazonaws.com",
        eventName: "SetQueueAttributes",
        params: { queueUrl: s.resourceId, attributes: { Policy: policy } },
      };
    },
  },
  {
    service: "secretsmanager",
    change: "a secret's resource policy opened to everyone",
    checkId: "secretsmanager_secret_policy_not_public",
    async seed({ clients, suffix }) {
      const secret = await clients
        .get("secretsmanager")
        .send(new CreateSecretCommand({ Name: `watch-${suffix}`, SecretString: "value" }));
      return { resourceId: secret.ARN!, arn: secret.ARN!, name: secret.Name! };
    },
    breakIt: ({ clients }, s) => {
      const policy = publicPolicy("secretsmanager:GetSecretValue", "*");
      return {
        call: () =>
          clients
            .get("secretsmanager")
            .send(new PutResourcePolicyCommand({ SecretId: s.name, ResourcePolicy: policy })),
        source: "secretsmanager.amazonaws.com",
        eventName: "PutResourcePolicy",
        params: { secretId: s.name, resourcePolicy: policy },
      };
    },
    revert: ({ clients }, s) => ({
      call: () => clients.get("secretsmanager").send(new DeleteResourcePolicyCommand({ SecretId: s.arn })),
      source: "secretsmanager.amazonaws.com",
      eventName: "DeleteResourcePolicy",
      params: { secretId: s.arn },
    }),
  },
  {
    service: "ssm",
    change: "a document shared publicly",
    checkId: "ssm_document_not_public",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      await clients.get("ssm").send(
        new CreateDocumentCommand({
          Name: name,
          DocumentType: "Command",
          Content: JSON.stringify({
            schemaVersion: "2.2",
            description: "watched",
            mainSteps: [{ action: "aws:runShellScript", name: "noop", inputs: { runCommand: ["true"] } }],
          }),
        }),
      );
      return { resourceId: name, arn: `arn:aws:ssm:${REGION}:${accountId}:document/${name}`, name };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("ssm").send(
          new ModifyDocumentPermissionCommand({
            Name: s.name,
            PermissionType: "Share",
            AccountIdsToAdd: ["all"],
          }),
        ),
      source: "ssm.amazonaws.com",
      eventName: "ModifyDocumentPermission",
      params: { name: s.name, permissionType: "Share", accountIdsToAdd: ["all"] },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("ssm").send(
          new ModifyDocumentPermissionCommand({
            Name: s.name,
            PermissionType: "Share",
            AccountIdsToRemove: ["all"],
          }),
        ),
      source: "ssm.amazonaws.com",
      eventName: "ModifyDocumentPermission",
      params: { name: s.name, permissionType: "Share", accountIdsToRemove: ["all"] },
    }),
  },
  {
    service: "dynamodb",
    change: "point-in-time recovery turned off",
    checkId: "dynamodb_table_pitr_enabled",
    async seed({ clients, suffix }) {
      const name = `watch-${suffix}`;
      const table = await clients.get("dynamodb").send(
        new CreateTableCommand({
          TableName: name,
          AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
          KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
          BillingMode: "PAY_PER_REQUEST",
        }),
      );
      await clients.get("dynamodb").send(
        new UpdateContinuousBackupsCommand({
          TableName: name,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        }),
      );
      return { resourceId: name, arn: table.TableDescription!.TableArn!, name };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("dynamodb").send(
          new UpdateContinuousBackupsCommand({
            TableName: s.name,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: false },
          }),
        ),
      source: "dynamodb.amazonaws.com",
      eventName: "UpdateContinuousBackups",
      params: { tableName: s.name, pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: false } },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("dynamodb").send(
          new UpdateContinuousBackupsCommand({
            TableName: s.name,
            PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          }),
        ),
      source: "dynamodb.amazonaws.com",
      eventName: "UpdateContinuousBackups",
      params: { tableName: s.name, pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true } },
    }),
  },
  {
    service: "ecr",
    change: "image tags made mutable",
    checkId: "ecr_repository_tag_immutability_enabled",
    async seed({ clients, suffix }) {
      const name = `watch-${suffix}`;
      const repo = await clients
        .get("ecr")
        .send(new CreateRepositoryCommand({ repositoryName: name, imageTagMutability: "IMMUTABLE" }));
      return { resourceId: name, arn: repo.repository!.repositoryArn!, name };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients
          .get("ecr")
          .send(new PutImageTagMutabilityCommand({ repositoryName: s.name, imageTagMutability: "MUTABLE" })),
      source: "ecr.amazonaws.com",
      eventName: "PutImageTagMutability",
      params: { repositoryName: s.name, imageTagMutability: "MUTABLE" },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients
          .get("ecr")
          .send(
            new PutImageTagMutabilityCommand({ repositoryName: s.name, imageTagMutability: "IMMUTABLE" }),
          ),
      source: "ecr.amazonaws.com",
      eventName: "PutImageTagMutability",
      params: { repositoryName: s.name, imageTagMutability: "IMMUTABLE" },
    }),
  },
  {
    service: "efs",
    change: "a file system policy opened to everyone",
    checkId: "efs_file_system_policy_no_public_access",
    async seed({ clients, accountId, suffix }) {
      const fs = await clients
        .get("efs")
        .send(new CreateFileSystemCommand({ CreationToken: `watch-${suffix}`, Encrypted: true }));
      const id = fs.FileSystemId!;
      const arn = `arn:aws:elasticfilesystem:${REGION}:${accountId}:file-system/${id}`;
      const policy = ownerPolicy(accountId, "elasticfilesystem:ClientMount", arn);
      await clients.get("efs").send(new PutFileSystemPolicyCommand({ FileSystemId: id, Policy: policy }));
      return { resourceId: id, arn };
    },
    breakIt: ({ clients }, s) => {
      const policy = publicPolicy("elasticfilesystem:ClientMount", s.arn);
      return {
        call: () =>
          clients
            .get("efs")
            .send(new PutFileSystemPolicyCommand({ FileSystemId: s.resourceId, Policy: policy })),
        source: "elasticfilesystem.amazonaws.com",
        eventName: "PutFileSystemPolicy",
        params: { fileSystemId: s.resourceId, policy },
      };
    },
    revert: ({ clients, accountId }, s) => {
      const policy = ownerPolicy(accountId, "elasticfilesystem:ClientMount", s.arn);
      return {
        call: () =>
          clients
            .get("efs")
            .send(new PutFileSystemPolicyCommand({ FileSystemId: s.resourceId, Policy: policy })),
        source: "elasticfilesystem.amazonaws.com",
        eventName: "PutFileSystemPolicy",
        params: { fileSystemId: s.resourceId, policy },
      };
    },
  },
  {
    service: "account",
    change: "the security contact removed",
    checkId: "account_security_contact_registered",
    async seed({ clients, accountId }) {
      await clients.get("account").send(new PutAlternateContactCommand(SECURITY_CONTACT));
      return { resourceId: accountId, arn: `arn:aws:account::${accountId}:account`, region: "global" };
    },
    breakIt: ({ clients }) => ({
      call: () =>
        clients.get("account").send(new DeleteAlternateContactCommand({ AlternateContactType: "SECURITY" })),
      source: "account.amazonaws.com",
      eventName: "DeleteAlternateContact",
      params: { alternateContactType: "SECURITY" },
    }),
    revert: ({ clients }) => ({
      call: () => clients.get("account").send(new PutAlternateContactCommand(SECURITY_CONTACT)),
      source: "account.amazonaws.com",
      eventName: "PutAlternateContact",
      params: { alternateContactType: "SECURITY", emailAddress: "HIDDEN_DUE_TO_SECURITY_REASONS" },
    }),
  },
];

const ADMIN_POLICY = "arn:aws:iam::aws:policy/AdministratorAccess";
const SECURITY_CONTACT = {
  AlternateContactType: "SECURITY" as const,
  EmailAddress: "security@example.com",
  Name: "Security team",
  PhoneNumber: "+1-555-0100",
  Title: "CISO",
};

serviceDescribe("moto", "the watcher, per service (a)", (endpoint) => {
  let h: WatchHarness;
  let ctx: SeedContext;
  let baseline: Finding[];
  const seeded = new Map<Scenario, Seeded | Error>();

  beforeAll(async () => {
    h = await watchHarness(endpoint);
    ctx = { clients: h.access.clientsFor(REGION), accountId: h.accountId, suffix: randomUUID().slice(0, 8) };
    for (const scenario of scenarios) seeded.set(scenario, await scenario.seed(ctx).catch((e: Error) => e));
    ({ findings: baseline } = await h.baseline([...new Set(scenarios.map((s) => s.service))]));
  }, 120_000);
  afterAll(async () => h?.close());

  for (const scenario of scenarios) {
    it(`${scenario.service}: ${scenario.change} FAILs ${scenario.checkId}; reverting resolves it`, async () => {
      const seed = seeded.get(scenario)!;
      if (seed instanceof Error) throw new Error(`seeding failed: ${seed.name}: ${seed.message}`);
      await runScenario(h, ctx, scenario, seed, baseline);
    }, 30_000);
  }
});
