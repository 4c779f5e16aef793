/**
 * The data-service collectors (Secrets Manager, SSM, DynamoDB with its autoscaling targets, SQS) against moto,
 * seeded by scripts/seed-data.ts in a random account: each planted violation FAILs and its compliant twin PASSes.
 * Then, over stubbed SDK clients, what moto does not model — SSM managed nodes and their patch/association
 * compliance (moto 5 implements neither DescribeInstanceInformation nor ListResourceComplianceSummaries), secrets
 * whose dates lie in the past (moto stamps everything "now"), rotation on schedule — and the AccessDenied paths.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { DATA_NAMES, DATA_REGION, seedData } from "../../scripts/seed-data.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import type { EvaluationGap } from "../../src/engine/evaluators/types.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { errorCode, errorText } from "../../tools/aws/collector.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { dynamodbCollector } from "../../tools/aws/dynamodb.ts";
import { secretsmanagerCollector } from "../../tools/aws/secretsmanager.ts";
import { sqsCollector } from "../../tools/aws/sqs.ts";
import { ssmCollector } from "../../tools/aws/ssm.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { type StubContext, stubContext } from "./stub-sdk.ts";

const SERVICES = ["secretsmanager", "ssm", "dynamodb", "sqs", "kms"];
const NOW = new Date("2026-05-04T12:00:00.000Z");

const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function verdict(
  items: ConfigurationItem[],
  checkId: string,
  item: ConfigurationItem,
  gaps: EvaluationGap[] = [],
  now = NOW,
) {
  const compiled = catalog.find((c) => c.check.id === checkId);
  if (!compiled) throw new Error(`no check ${checkId}`);
  return evaluateOne(compiled, item, createContext(items, settings, now, gaps))?.status;
}

/** A stub context's gaps as the scan records them (`Listing: message`). */
function gapsOf(service: string, stub: StubContext): EvaluationGap[] {
  return stub.gaps.map((g) => ({
    service,
    region: stub.ctx.region,
    accountId: stub.ctx.accountId,
    code: errorCode(g.error),
    error: `${g.what}: ${errorText(g.error)}`,
  }));
}

const byName = (items: ConfigurationItem[], type: string, name: string) => {
  const found = items.filter((i) => i.resourceType === type && i.resourceName === name);
  expect(found, `${type} ${name}`).toHaveLength(1);
  return found[0]!;
};

serviceDescribe("moto", "data-service collectors against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];
  let keyArn: string;

  beforeAll(async () => {
    const counter = new ApiCallCounter();
    const sets = new Map<string, AwsClientSet>();
    const clients = (region: string) => {
      let set = sets.get(region);
      if (!set) {
        set = new AwsClientSet(
          region,
          () => ({ region, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
          createClient,
          counter,
        );
        sets.set(region, set);
      }
      return set;
    };
    try {
      keyArn = (await seedData(accountId, clients)).keyArn;
    } finally {
      for (const set of sets.values()) set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: [DATA_REGION],
      services: SERVICES,
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads everything but the SSM calls moto lacks (coverage gaps, never findings)", () => {
    expect(inventory.accountIds).toEqual([accountId]);
    expect(inventory.coverageGaps.map((g) => `${g.service}:${g.error.split(":")[0]}`).sort()).toEqual([
      "ssm:DescribeInstanceInformation",
      "ssm:ListResourceComplianceSummaries",
      "ssm:ListResourceComplianceSummaries",
    ]);
  });

  it("records secrets by ARN with their key, tags and parsed resource policy", () => {
    const good = byName(items, "AWS::SecretsManager::Secret", DATA_NAMES.goodSecret);
    expect(good.resourceId).toBe(good.arn);
    expect(good.resourceId).toMatch(/^arn:aws:secretsmanager:us-east-1:\d{12}:secret:data\/app\/db-/);
    expect(good.configuration).toMatchObject({ name: DATA_NAMES.goodSecret, kmsKeyId: keyArn });
    expect(good.tags).toEqual({ Owner: "orders" });
    expect(good.supplementaryConfiguration.policy).toMatchObject({ Statement: [{ Effect: "Allow" }] });
    // The secret value is never read.
    expect(JSON.stringify(good)).not.toContain("demo-only");
  });

  it("records SQS queues by URL with queueUrl/queueArn and typed attributes", () => {
    const good = byName(items, "AWS::SQS::Queue", DATA_NAMES.goodQueue);
    expect(good.resourceId).toBe(good.configuration.queueUrl);
    expect(good.configuration.queueArn).toBe(
      `arn:aws:sqs:${DATA_REGION}:${accountId}:${DATA_NAMES.goodQueue}`,
    );
    expect(good.arn).toBe(good.configuration.queueArn);
    const attributes = good.supplementaryConfiguration.attributes as Record<string, unknown>;
    expect(attributes.kmsMasterKeyId).toBe(keyArn);
    expect(attributes.redrivePolicy).toMatchObject({ maxReceiveCount: 5 });
    expect(typeof attributes.messageRetentionPeriod).toBe("number");
    expect(good.tags).toEqual({ Owner: "orders" });
  });

  it("records DynamoDB tables by name with DescribeTable, PITR and tags, and the autoscaling targets", () => {
    const good = byName(items, "AWS::DynamoDB::Table", DATA_NAMES.goodTable);
    expect(good.resourceId).toBe(DATA_NAMES.goodTable);
    expect(good.configuration).toEqual({
      tableName: DATA_NAMES.goodTable,
      tableArn: `arn:aws:dynamodb:${DATA_REGION}:${accountId}:table/${DATA_NAMES.goodTable}`,
    });
    expect(good.supplementaryConfiguration.table).toMatchObject({
      tableName: DATA_NAMES.goodTable,
      deletionProtectionEnabled: true,
      billingModeSummary: { billingMode: "PAY_PER_REQUEST" },
    });
    expect(good.supplementaryConfiguration.continuousBackups).toMatchObject({
      pointInTimeRecoveryStatus: "ENABLED",
    });
    expect(good.tags).toEqual({ Owner: "orders" });
    expect(
      ofType(items, "AWS::ApplicationAutoScaling::ScalableTarget")
        .map((t) => t.resourceId)
        .sort(),
    ).toEqual([
      `table/${DATA_NAMES.scaledTable}|dynamodb:table:ReadCapacityUnits`,
      `table/${DATA_NAMES.scaledTable}|dynamodb:table:WriteCapacityUnits`,
    ]);
  });

  it("records owned SSM documents with their sharing and parameters without values", () => {
    const open = byName(items, "AWS::SSM::Document", DATA_NAMES.publicDocument);
    expect(open.supplementaryConfiguration.sharedWith).toEqual(["all"]);
    const parameters = ofType(items, "AWS::SSM::Parameter");
    expect(parameters.map((p) => p.resourceId).sort()).toEqual(
      [DATA_NAMES.plainSetting, DATA_NAMES.plainToken, DATA_NAMES.securePassword].sort(),
    );
    expect(JSON.stringify(parameters)).not.toContain("demo-only");
  });

  it("FAILs each planted violation and PASSes its compliant twin", () => {
    const pairs: Array<[string, string, string, string]> = [
      // [check, type, compliant, violation]
      [
        "secretsmanager_secret_policy_not_public",
        "AWS::SecretsManager::Secret",
        DATA_NAMES.goodSecret,
        DATA_NAMES.badSecret,
      ],
      [
        "secretsmanager_secret_encrypted_cmk",
        "AWS::SecretsManager::Secret",
        DATA_NAMES.goodSecret,
        DATA_NAMES.badSecret,
      ],
      [
        "secretsmanager_secret_tagged",
        "AWS::SecretsManager::Secret",
        DATA_NAMES.goodSecret,
        DATA_NAMES.badSecret,
      ],
      [
        "ssm_document_not_public",
        "AWS::SSM::Document",
        DATA_NAMES.privateDocument,
        DATA_NAMES.publicDocument,
      ],
      ["ssm_document_tagged", "AWS::SSM::Document", DATA_NAMES.privateDocument, DATA_NAMES.publicDocument],
      [
        "ssm_parameter_secret_securestring",
        "AWS::SSM::Parameter",
        DATA_NAMES.securePassword,
        DATA_NAMES.plainToken,
      ],
      ["dynamodb_table_pitr_enabled", "AWS::DynamoDB::Table", DATA_NAMES.goodTable, DATA_NAMES.badTable],
      [
        "dynamodb_table_deletion_protection_enabled",
        "AWS::DynamoDB::Table",
        DATA_NAMES.goodTable,
        DATA_NAMES.badTable,
      ],
      ["dynamodb_table_encrypted_cmk", "AWS::DynamoDB::Table", DATA_NAMES.goodTable, DATA_NAMES.badTable],
      ["dynamodb_table_tagged", "AWS::DynamoDB::Table", DATA_NAMES.goodTable, DATA_NAMES.badTable],
      [
        "dynamodb_table_autoscaling_enabled",
        "AWS::DynamoDB::Table",
        DATA_NAMES.goodTable,
        DATA_NAMES.badTable,
      ],
      [
        "dynamodb_table_autoscaling_enabled",
        "AWS::DynamoDB::Table",
        DATA_NAMES.scaledTable,
        DATA_NAMES.badTable,
      ],
      ["sqs_queue_encrypted", "AWS::SQS::Queue", DATA_NAMES.goodQueue, DATA_NAMES.badQueue],
      ["sqs_queue_encrypted_cmk", "AWS::SQS::Queue", DATA_NAMES.goodQueue, DATA_NAMES.badQueue],
      ["sqs_queue_policy_not_public", "AWS::SQS::Queue", DATA_NAMES.goodQueue, DATA_NAMES.badQueue],
      ["sqs_queue_dlq_configured", "AWS::SQS::Queue", DATA_NAMES.goodQueue, DATA_NAMES.badQueue],
      ["sqs_queue_dlq_configured", "AWS::SQS::Queue", DATA_NAMES.deadLetterQueue, DATA_NAMES.badQueue],
      ["sqs_queue_tagged", "AWS::SQS::Queue", DATA_NAMES.goodQueue, DATA_NAMES.badQueue],
    ];
    const gaps = inventory.coverageGaps as EvaluationGap[];
    for (const [id, type, twin, violation] of pairs) {
      expect(verdict(items, id, byName(items, type, twin), gaps), `${id} on ${twin}`).toBe("PASS");
      expect(verdict(items, id, byName(items, type, violation), gaps), `${id} on ${violation}`).toBe("FAIL");
    }
    // Neither seeded secret rotates (moto cannot run a rotation function); both were created just now.
    for (const name of [DATA_NAMES.goodSecret, DATA_NAMES.badSecret]) {
      const secret = byName(items, "AWS::SecretsManager::Secret", name);
      expect(verdict(items, "secretsmanager_secret_rotation_enabled", secret, gaps)).toBe("FAIL");
      expect(verdict(items, "secretsmanager_secret_rotation_succeeded", secret, gaps)).toBeUndefined();
      expect(verdict(items, "secretsmanager_secret_unused", secret, gaps, new Date())).toBe("PASS");
      expect(verdict(items, "secretsmanager_secret_rotated_recently", secret, gaps, new Date())).toBe("PASS");
    }
    // An ordinary setting is not judged by the secret-name check.
    const setting = byName(items, "AWS::SSM::Parameter", DATA_NAMES.plainSetting);
    expect(verdict(items, "ssm_parameter_secret_securestring", setting, gaps)).toBeUndefined();
  });
});

describe("data-service collectors over stubbed answers (what moto does not model)", () => {
  const denied = () => awsError("AccessDeniedException", "not authorized", 403);
  const instance = (id: string, state = "running"): ConfigurationItem => ({
    resourceType: "AWS::EC2::Instance",
    resourceId: id,
    resourceName: id,
    arn: `arn:aws:ec2:us-east-1:111122223333:instance/${id}`,
    awsRegion: "us-east-1",
    accountId: "111122223333",
    configuration: { instanceId: id, state: { name: state } },
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: NOW.toISOString(),
  });

  const ssmAnswers = {
    // Shapes as the SSM API reference documents them.
    "ssm:DescribeInstanceInformation": (input: Record<string, unknown>) =>
      input.NextToken
        ? {
            InstanceInformationList: [
              {
                InstanceId: "mi-0123456789abcdef0",
                PingStatus: "ConnectionLost",
                ResourceType: "ManagedInstance",
              },
            ],
          }
        : {
            InstanceInformationList: [
              {
                InstanceId: "i-0aaaaaaaaaaaaaaa1",
                PingStatus: "Online",
                AgentVersion: "3.3.40.0",
                PlatformType: "Linux",
                ResourceType: "EC2Instance",
                LastPingDateTime: new Date("2026-05-04T11:59:00Z"),
              },
            ],
            NextToken: "page-2",
          },
    "ssm:ListResourceComplianceSummaries": (input: Record<string, unknown>) => {
      const type = (input.Filters as Array<{ Key: string; Values: string[] }>).find(
        (f) => f.Key === "ComplianceType",
      )!.Values[0];
      return {
        ResourceComplianceSummaryItems: [
          {
            ComplianceType: type,
            ResourceType: "ManagedInstance",
            ResourceId: "i-0aaaaaaaaaaaaaaa1",
            Status: "COMPLIANT",
            OverallSeverity: "UNSPECIFIED",
          },
          {
            ComplianceType: type,
            ResourceType: "ManagedInstance",
            ResourceId: "mi-0123456789abcdef0",
            Status: "NON_COMPLIANT",
            OverallSeverity: "CRITICAL",
            NonCompliantSummary: { NonCompliantCount: 3 },
          },
        ],
      };
    },
    "ssm:ListDocuments": () => ({ DocumentIdentifiers: [] }),
    "ssm:DescribeParameters": () => ({ Parameters: [] }),
  };

  it("joins EC2 instances with SSM managed nodes (FSBP SSM.1) and reads patch/association compliance", async () => {
    const stub = stubContext(ssmAnswers);
    const nodes = await ssmCollector.collect(stub.ctx);
    expect(stub.gaps).toEqual([]);
    expect(ofType(nodes, "AWS::SSM::ManagedInstanceInventory").map((n) => n.arn)).toEqual([
      "arn:aws:ec2:us-east-1:111122223333:instance/i-0aaaaaaaaaaaaaaa1",
      "arn:aws:ssm:us-east-1:111122223333:managed-instance/mi-0123456789abcdef0",
    ]);
    const items = [...nodes, instance("i-0aaaaaaaaaaaaaaa1"), instance("i-0bbbbbbbbbbbbbbb2")];
    expect(verdict(items, "ssm_ec2_instance_managed", items.at(-2)!)).toBe("PASS");
    expect(verdict(items, "ssm_ec2_instance_managed", items.at(-1)!)).toBe("FAIL");
    for (const [check, type] of [
      ["ssm_managed_instance_patch_compliant", "AWS::SSM::PatchCompliance"],
      ["ssm_managed_instance_association_compliant", "AWS::SSM::AssociationCompliance"],
    ] as const) {
      const [good, bad] = ofType(nodes, type).sort((a, b) => a.resourceId.localeCompare(b.resourceId));
      expect(good!.resourceId).toBe("i-0aaaaaaaaaaaaaaa1");
      expect(verdict(items, check, good!)).toBe("PASS");
      expect(bad!.configuration).toMatchObject({ status: "NON_COMPLIANT", overallSeverity: "CRITICAL" });
      expect(verdict(items, check, bad!)).toBe("FAIL");
    }
  });

  it("gives ERROR for SSM.1 when the managed nodes could not be read, not FAIL", async () => {
    const stub = stubContext({ ...ssmAnswers, "ssm:DescribeInstanceInformation": denied });
    const nodes = await ssmCollector.collect(stub.ctx);
    expect(stub.gaps.map((g) => g.what)).toEqual(["DescribeInstanceInformation"]);
    const items = [...nodes, instance("i-0aaaaaaaaaaaaaaa1")];
    expect(verdict(items, "ssm_ec2_instance_managed", items.at(-1)!, gapsOf("ssm", stub))).toBe("ERROR");
    // A gap of another SSM listing says nothing about managed nodes.
    const other = stubContext({ ...ssmAnswers, "ssm:DescribeParameters": denied });
    const withNodes = [...(await ssmCollector.collect(other.ctx)), instance("i-0aaaaaaaaaaaaaaa1")];
    expect(verdict(withNodes, "ssm_ec2_instance_managed", withNodes.at(-1)!, gapsOf("ssm", other))).toBe(
      "PASS",
    );
  });

  it("judges rotation and use from past dates (moto stamps every date now)", async () => {
    const arn = (name: string) => `arn:aws:secretsmanager:us-east-1:111122223333:secret:${name}-AbCdEf`;
    const stub = stubContext({
      "secretsmanager:ListSecrets": () => ({
        SecretList: [
          {
            ARN: arn("fresh"),
            Name: "fresh",
            RotationEnabled: true,
            RotationRules: { AutomaticallyAfterDays: 30 },
            CreatedDate: new Date("2025-01-01T00:00:00Z"),
            LastRotatedDate: new Date("2026-04-20T00:00:00Z"),
            NextRotationDate: new Date("2026-05-20T00:00:00Z"),
            LastAccessedDate: new Date("2026-05-04T00:00:00Z"),
            KmsKeyId: "alias/app-secrets",
            Tags: [{ Key: "Owner", Value: "orders" }],
          },
          {
            ARN: arn("stale"),
            Name: "stale",
            RotationEnabled: true,
            RotationRules: { AutomaticallyAfterDays: 30 },
            CreatedDate: new Date("2025-01-01T00:00:00Z"),
            LastRotatedDate: new Date("2025-10-01T00:00:00Z"),
            NextRotationDate: new Date("2025-10-31T00:00:00Z"),
            LastAccessedDate: new Date("2025-09-01T00:00:00Z"),
          },
        ],
      }),
      "secretsmanager:GetResourcePolicy": (input) =>
        input.SecretId === arn("stale") ? denied() : { ARN: input.SecretId, Name: "fresh" },
    });
    const secrets = await secretsmanagerCollector.collect(stub.ctx);
    expect(stub.gaps).toEqual([]);
    const [fresh, stale] = [
      byName(secrets, "AWS::SecretsManager::Secret", "fresh"),
      byName(secrets, "AWS::SecretsManager::Secret", "stale"),
    ];
    expect(fresh.supplementaryConfiguration.policy).toBeNull();
    for (const id of [
      "secretsmanager_secret_rotation_succeeded",
      "secretsmanager_secret_unused",
      "secretsmanager_secret_rotated_recently",
    ]) {
      expect(verdict(secrets, id, fresh), `${id} fresh`).toBe("PASS");
      expect(verdict(secrets, id, stale), `${id} stale`).toBe("FAIL");
    }
    expect(verdict(secrets, "secretsmanager_secret_policy_not_public", fresh)).toBe("PASS");
    expect(isCallError(stale.supplementaryConfiguration.policy)).toBe(true);
    expect(verdict(secrets, "secretsmanager_secret_policy_not_public", stale)).toBe("ERROR");
  });

  it("turns denied DynamoDB detail calls into $error markers and a denied target listing into ERROR", async () => {
    const stub = stubContext({
      "dynamodb:ListTables": () => ({ TableNames: ["t1"] }),
      "dynamodb:DescribeTable": denied,
      "dynamodb:DescribeContinuousBackups": denied,
      "dynamodb:ListTagsOfResource": denied,
      "applicationautoscaling:DescribeScalableTargets": denied,
    });
    const items = await dynamodbCollector.collect(stub.ctx);
    expect(stub.gaps.map((g) => g.what)).toEqual(["DescribeScalableTargets"]);
    const [table] = items;
    for (const id of [
      "dynamodb_table_pitr_enabled",
      "dynamodb_table_deletion_protection_enabled",
      "dynamodb_table_encrypted_cmk",
      "dynamodb_table_tagged",
      "dynamodb_table_autoscaling_enabled",
    ])
      expect(verdict(items, id, table!, gapsOf("dynamodb", stub)), id).toBe("ERROR");
    // A provisioned table whose targets could not be listed is unknown, not unscaled.
    const listed = stubContext({
      "dynamodb:ListTables": () => ({ TableNames: ["t1"] }),
      "dynamodb:DescribeTable": () => ({
        Table: {
          TableName: "t1",
          ItemCount: 7,
          TableSizeBytes: 1024,
          BillingModeSummary: { BillingMode: "PROVISIONED" },
        },
      }),
      "dynamodb:DescribeContinuousBackups": () => ({
        ContinuousBackupsDescription: { ContinuousBackupsStatus: "ENABLED" },
      }),
      "dynamodb:ListTagsOfResource": () => ({ Tags: [] }),
      "applicationautoscaling:DescribeScalableTargets": denied,
    });
    const [provisioned] = await dynamodbCollector.collect(listed.ctx);
    // Item counts and sizes are samples, not configuration.
    expect(provisioned!.supplementaryConfiguration.table).not.toHaveProperty("itemCount");
    expect(
      verdict([provisioned!], "dynamodb_table_autoscaling_enabled", provisioned!, gapsOf("dynamodb", listed)),
    ).toBe("ERROR");
  });

  it("records a gap for a denied listing of each service", async () => {
    for (const [collector, key] of [
      [secretsmanagerCollector, "secretsmanager:ListSecrets"],
      [dynamodbCollector, "dynamodb:ListTables"],
      [sqsCollector, "sqs:ListQueues"],
    ] as const) {
      const stub = stubContext({
        [key]: denied,
        "applicationautoscaling:DescribeScalableTargets": () => ({ ScalableTargets: [] }),
      });
      expect(await collector.collect(stub.ctx)).toEqual([]);
      expect(stub.gaps).toHaveLength(1);
    }
  });

  it("turns a denied GetQueueAttributes into ERROR verdicts, not FAIL", async () => {
    const url = "https://sqs.us-east-1.amazonaws.com/111122223333/jobs";
    const stub = stubContext({
      "sqs:ListQueues": () => ({ QueueUrls: [url] }),
      "sqs:GetQueueAttributes": () => awsError("AccessDenied", "not authorized", 403),
      "sqs:ListQueueTags": () => ({ Tags: { Owner: "jobs" } }),
    });
    const items = await sqsCollector.collect(stub.ctx);
    const [queue] = items;
    expect(queue!.resourceId).toBe(url);
    expect(queue!.configuration.queueArn).toBe("arn:aws:sqs:us-east-1:111122223333:jobs");
    for (const id of ["sqs_queue_encrypted", "sqs_queue_policy_not_public", "sqs_queue_dlq_configured"])
      expect(verdict(items, id, queue!), id).toBe("ERROR");
    expect(verdict(items, "sqs_queue_tagged", queue!)).toBe("PASS");
  });
});
