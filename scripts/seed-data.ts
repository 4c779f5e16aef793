/**
 * Demo seeding for the data services (Secrets Manager, SSM documents and parameters, DynamoDB, SQS), all in
 * `DATA_REGION`. Each violation has a compliant twin, named in `DATA_NAMES`:
 * - secrets: `data/app/db` (customer managed key, tags, a policy for one role of the account) and
 *   `data/legacy/partner` (AWS managed key, no tags, a GetSecretValue grant to everyone, no rotation);
 * - SSM: a private tagged document and a public untagged one; a SecureString password parameter and a plain String
 *   token parameter (plus an ordinary setting the secret-name check leaves alone);
 * - DynamoDB: an on-demand table with deletion protection, PITR, a customer managed key and tags; a provisioned
 *   table with autoscaling targets on reads and writes; a provisioned legacy table with none of it;
 * - SQS: a queue encrypted with the customer managed key, a policy for an SNS topic limited by aws:SourceArn, a
 *   dead-letter queue and tags; its (SSE-SQS, tagged) dead-letter queue; and an unencrypted, public, untagged queue
 *   without a dead-letter queue.
 * Managed nodes and their patch/association compliance are not seeded: moto does not implement those calls (the
 * collector tests answer them with stubs).
 */

import {
  PutScalingPolicyCommand,
  RegisterScalableTargetCommand,
} from "@aws-sdk/client-application-auto-scaling";
import {
  CreateTableCommand,
  UpdateContinuousBackupsCommand,
  UpdateTableCommand,
} from "@aws-sdk/client-dynamodb";
import { CreateAliasCommand, CreateKeyCommand } from "@aws-sdk/client-kms";
import { CreateSecretCommand, PutResourcePolicyCommand } from "@aws-sdk/client-secrets-manager";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import {
  CreateDocumentCommand,
  ModifyDocumentPermissionCommand,
  PutParameterCommand,
} from "@aws-sdk/client-ssm";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const DATA_REGION = "us-east-1";

export const DATA_NAMES = {
  keyAlias: "alias/data-services",
  goodSecret: "data/app/db",
  badSecret: "data/legacy/partner",
  privateDocument: "data-runbook-private",
  publicDocument: "data-runbook-public",
  securePassword: "/data/app/db-password",
  plainToken: "/data/legacy/api-token",
  plainSetting: "/data/app/log-level",
  goodTable: "data-orders",
  scaledTable: "data-sessions",
  badTable: "data-legacy",
  goodQueue: "data-orders",
  deadLetterQueue: "data-orders-dlq",
  badQueue: "data-legacy-jobs",
} as const;

export interface DataSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
  keyArn: string;
}

const DOCUMENT = JSON.stringify({
  schemaVersion: "2.2",
  description: "Restart the application service",
  mainSteps: [
    {
      action: "aws:runShellScript",
      name: "restart",
      inputs: { runCommand: ["systemctl restart app"] },
    },
  ],
});

export async function seedData(
  accountId: string,
  clients: (region: string) => AwsClientSet,
): Promise<DataSeed> {
  const set = clients(DATA_REGION);
  const created: Record<string, number> = {
    "kms:key": 0,
    "secretsmanager:secret": 0,
    "ssm:document": 0,
    "ssm:parameter": 0,
    "dynamodb:table": 0,
    "sqs:queue": 0,
  };
  const count = (kind: string) => {
    created[kind] = (created[kind] ?? 0) + 1;
  };

  // A customer managed key for the compliant twins.
  const key = await set
    .get("kms")
    .send(new CreateKeyCommand({ Description: "data services demo key", KeyUsage: "ENCRYPT_DECRYPT" }));
  const keyArn = key.KeyMetadata!.Arn!;
  await set
    .get("kms")
    .send(new CreateAliasCommand({ AliasName: DATA_NAMES.keyAlias, TargetKeyId: key.KeyMetadata!.KeyId! }));
  count("kms:key");

  // ---- Secrets Manager
  const sm = set.get("secretsmanager");
  const good = await sm.send(
    new CreateSecretCommand({
      Name: DATA_NAMES.goodSecret,
      SecretString: JSON.stringify({ username: "app", password: "demo-only-not-a-secret" }),
      KmsKeyId: keyArn,
      Tags: [{ Key: "Owner", Value: "orders" }],
    }),
  );
  await sm.send(
    new PutResourcePolicyCommand({
      SecretId: good.ARN,
      ResourcePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Effect: "Allow",
            Principal: { AWS: `arn:aws:iam::${accountId}:role/orders-app` },
            Action: "secretsmanager:GetSecretValue",
            Resource: "*",
          },
        ],
      }),
    }),
  );
  const bad = await sm.send(
    new CreateSecretCommand({ Name: DATA_NAMES.badSecret, SecretString: "demo-only-partner-token" }),
  );
  await sm.send(
    new PutResourcePolicyCommand({
      SecretId: bad.ARN,
      BlockPublicPolicy: false,
      ResourcePolicy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          { Effect: "Allow", Principal: "*", Action: "secretsmanager:GetSecretValue", Resource: "*" },
        ],
      }),
    }),
  );
  count("secretsmanager:secret");
  count("secretsmanager:secret");

  // ---- SSM documents and parameters
  const ssm = set.get("ssm");
  await ssm.send(
    new CreateDocumentCommand({
      Name: DATA_NAMES.privateDocument,
      DocumentType: "Command",
      Content: DOCUMENT,
      Tags: [{ Key: "Owner", Value: "platform" }],
    }),
  );
  await ssm.send(
    new CreateDocumentCommand({
      Name: DATA_NAMES.publicDocument,
      DocumentType: "Command",
      Content: DOCUMENT,
    }),
  );
  await ssm.send(
    new ModifyDocumentPermissionCommand({
      Name: DATA_NAMES.publicDocument,
      PermissionType: "Share",
      AccountIdsToAdd: ["all"],
    }),
  );
  count("ssm:document");
  count("ssm:document");
  for (const [name, type, value] of [
    [DATA_NAMES.securePassword, "SecureString", "demo-only-password"],
    [DATA_NAMES.plainToken, "String", "demo-only-token"],
    [DATA_NAMES.plainSetting, "String", "info"],
  ] as const) {
    await ssm.send(new PutParameterCommand({ Name: name, Type: type, Value: value }));
    count("ssm:parameter");
  }

  // ---- DynamoDB
  const ddb = set.get("dynamodb");
  const keySchema = {
    AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" as const }],
    KeySchema: [{ AttributeName: "pk", KeyType: "HASH" as const }],
  };
  await ddb.send(
    new CreateTableCommand({
      TableName: DATA_NAMES.goodTable,
      ...keySchema,
      BillingMode: "PAY_PER_REQUEST",
      DeletionProtectionEnabled: true,
      SSESpecification: { Enabled: true, SSEType: "KMS", KMSMasterKeyId: keyArn },
      Tags: [{ Key: "Owner", Value: "orders" }],
    }),
  );
  await ddb.send(
    new UpdateContinuousBackupsCommand({
      TableName: DATA_NAMES.goodTable,
      PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
    }),
  );
  for (const name of [DATA_NAMES.scaledTable, DATA_NAMES.badTable]) {
    await ddb.send(
      new CreateTableCommand({
        TableName: name,
        ...keySchema,
        BillingMode: "PROVISIONED",
        ProvisionedThroughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
      }),
    );
  }
  // Deletion protection can also be set later: the legacy table keeps the default (off).
  await ddb.send(
    new UpdateTableCommand({ TableName: DATA_NAMES.scaledTable, DeletionProtectionEnabled: true }),
  );
  count("dynamodb:table");
  count("dynamodb:table");
  count("dynamodb:table");
  const autoscaling = set.get("applicationautoscaling");
  for (const unit of ["Read", "Write"] as const) {
    const dimension = `dynamodb:table:${unit}CapacityUnits` as const;
    await autoscaling.send(
      new RegisterScalableTargetCommand({
        ServiceNamespace: "dynamodb",
        ResourceId: `table/${DATA_NAMES.scaledTable}`,
        ScalableDimension: dimension,
        MinCapacity: 5,
        MaxCapacity: 100,
      }),
    );
    await autoscaling.send(
      new PutScalingPolicyCommand({
        PolicyName: `${DATA_NAMES.scaledTable}-${unit.toLowerCase()}`,
        ServiceNamespace: "dynamodb",
        ResourceId: `table/${DATA_NAMES.scaledTable}`,
        ScalableDimension: dimension,
        PolicyType: "TargetTrackingScaling",
        TargetTrackingScalingPolicyConfiguration: {
          TargetValue: 70,
          PredefinedMetricSpecification: { PredefinedMetricType: `DynamoDB${unit}CapacityUtilization` },
        },
      }),
    );
  }

  // ---- SQS
  const sqs = set.get("sqs");
  const dlq = await sqs.send(
    new CreateQueueCommand({
      QueueName: DATA_NAMES.deadLetterQueue,
      Attributes: { SqsManagedSseEnabled: "true" },
      tags: { Owner: "orders" },
    }),
  );
  const dlqArn = (
    await sqs.send(new GetQueueAttributesCommand({ QueueUrl: dlq.QueueUrl, AttributeNames: ["QueueArn"] }))
  ).Attributes!.QueueArn!;
  const goodQueueArn = `arn:aws:sqs:${DATA_REGION}:${accountId}:${DATA_NAMES.goodQueue}`;
  await sqs.send(
    new CreateQueueCommand({
      QueueName: DATA_NAMES.goodQueue,
      Attributes: {
        KmsMasterKeyId: keyArn,
        RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 5 }),
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "sns.amazonaws.com" },
              Action: "sqs:SendMessage",
              Resource: goodQueueArn,
              Condition: {
                ArnEquals: { "aws:SourceArn": `arn:aws:sns:${DATA_REGION}:${accountId}:orders-events` },
              },
            },
          ],
        }),
      },
      tags: { Owner: "orders" },
    }),
  );
  await sqs.send(
    new CreateQueueCommand({
      QueueName: DATA_NAMES.badQueue,
      Attributes: {
        SqsManagedSseEnabled: "false",
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: "*",
              Action: ["sqs:SendMessage", "sqs:ReceiveMessage"],
              Resource: `arn:aws:sqs:${DATA_REGION}:${accountId}:${DATA_NAMES.badQueue}`,
            },
          ],
        }),
      },
    }),
  );
  count("sqs:queue");
  count("sqs:queue");
  count("sqs:queue");

  return { created, keyArn };
}
