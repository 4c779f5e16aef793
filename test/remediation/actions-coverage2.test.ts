/**
 * The SQS, SNS, DynamoDB, ECR, ELBv2, CloudWatch Logs and Kinesis actions against violating resources created in
 * moto (each service in an account of its own): plan from the real collectors' items, reject, approve, apply,
 * verify by re-discovery with the real checks, and roll back where a rollback is offered. Plan rules that moto
 * cannot show (enhanced registry scanning, service publishers, retention that must never shrink) are checked on
 * synthetic items shaped like the collectors' output.
 */

import { RequestCertificateCommand } from "@aws-sdk/client-acm";
import {
  CreateLogGroupCommand,
  DescribeLogGroupsCommand,
  PutRetentionPolicyCommand,
} from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateTableCommand,
  DescribeContinuousBackupsCommand,
  DescribeTableCommand,
  GetItemCommand,
} from "@aws-sdk/client-dynamodb";
import { DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import { CreateRepositoryCommand, DescribeRepositoriesCommand } from "@aws-sdk/client-ecr";
import {
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { CreateStreamCommand, DescribeStreamSummaryCommand } from "@aws-sdk/client-kinesis";
import { CreateTopicCommand, GetTopicAttributesCommand } from "@aws-sdk/client-sns";
import { CreateQueueCommand, GetQueueAttributesCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { decideStrategy, loadRemediationPolicy } from "../../src/planning/strategy.ts";
import type { Store } from "../../src/store/index.ts";
import { openStore } from "../../src/store/index.ts";
import { buildPlan, type PlanContext, PlanError, requireAction } from "../../tools/remediation/index.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { exerciseAction } from "./flow.ts";
import { awsFor, catalog, type MotoAccount, motoAccount, serviceFor, suffix, TestClock } from "./helpers.ts";

serviceDescribe(
  "moto",
  "SQS, SNS, DynamoDB, ECR, ELBv2, Logs and Kinesis remediation actions against moto",
  (moto) => {
    let store: Store;
    const accounts: MotoAccount[] = [];
    const account = () => {
      const a = motoAccount(moto);
      accounts.push(a);
      return a;
    };
    beforeAll(async () => {
      store = await openStore({ dataDir: "memory://" });
    });
    afterAll(async () => {
      for (const a of accounts) a.destroy();
      await store?.close();
    });

    /** Rolls a verified request back as another approver; answers the outcome. */
    async function rollBack(a: MotoAccount, clock: TestClock, requestId: string) {
      const service = await serviceFor(store, clock);
      const aws = awsFor(a);
      try {
        return await service.rollback(requestId, "carol", aws, { comment: "test rollback" });
      } finally {
        aws.destroy();
      }
    }

    it("sqs_queue_enable_encryption turns on SSE-SQS, and rollback turns it off", async () => {
      const a = account();
      const sqs = a.client("sqs");
      const { QueueUrl } = await sqs.send(
        new CreateQueueCommand({
          QueueName: `enforceai-q-${suffix()}`,
          Attributes: { SqsManagedSseEnabled: "false" },
        }),
      );
      const sse = async () =>
        (
          await sqs.send(
            new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ["SqsManagedSseEnabled"] }),
          )
        ).Attributes?.SqsManagedSseEnabled;
      const clock = new TestClock();
      const { request } = await exerciseAction(store, clock, a, {
        actionId: "sqs_queue_enable_encryption",
        resourceId: QueueUrl!,
        services: ["sqs"],
        expectChecks: ["sqs_queue_encrypted"],
      });
      expect(request.plan?.calls).toEqual([
        {
          service: "sqs",
          operation: "SetQueueAttributes",
          region: "us-east-1",
          input: { QueueUrl, Attributes: { SqsManagedSseEnabled: "true" } },
        },
      ]);
      expect(await sse()).toBe("true");
      expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
      expect(await sse()).toBe("false");
    });

    it("sns_topic_enable_encryption sets the AWS managed key, and rollback clears it", async () => {
      const a = account();
      const sns = a.client("sns");
      const { TopicArn } = await sns.send(new CreateTopicCommand({ Name: `enforceai-t-${suffix()}` }));
      const key = async () =>
        (await sns.send(new GetTopicAttributesCommand({ TopicArn }))).Attributes?.KmsMasterKeyId ?? "";
      const clock = new TestClock();
      const { request } = await exerciseAction(store, clock, a, {
        actionId: "sns_topic_enable_encryption",
        resourceId: TopicArn!,
        services: ["sns"],
        expectChecks: ["sns_topic_encrypted_kms"],
      });
      expect(request.plan?.calls[0]?.input).toEqual({
        TopicArn,
        AttributeName: "KmsMasterKeyId",
        AttributeValue: "alias/aws/sns",
      });
      expect(await key()).toBe("alias/aws/sns");
      expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
      expect(await key()).toBe("");
    });

    describe("DynamoDB", () => {
      let a: MotoAccount;
      let table: string;
      beforeAll(async () => {
        a = account();
        table = `enforceai-tbl-${suffix()}`;
        await a.client("dynamodb").send(
          new CreateTableCommand({
            TableName: table,
            BillingMode: "PAY_PER_REQUEST",
            AttributeDefinitions: [{ AttributeName: "pk", AttributeType: "S" }],
            KeySchema: [{ AttributeName: "pk", KeyType: "HASH" }],
            DeletionProtectionEnabled: false,
          }),
        );
      });

      it("dynamodb_enable_pitr turns on point-in-time recovery; its rollback is refused", async () => {
        const clock = new TestClock();
        const { request } = await exerciseAction(store, clock, a, {
          actionId: "dynamodb_enable_pitr",
          resourceId: table,
          services: ["dynamodb"],
          expectChecks: ["dynamodb_table_pitr_enabled"],
        });
        expect(request.plan?.calls[0]?.input).toEqual({
          TableName: table,
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        });
        const backups = await a
          .client("dynamodb")
          .send(new DescribeContinuousBackupsCommand({ TableName: table }));
        expect(
          backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
        ).toBe("ENABLED");
        await expect(rollBack(a, clock, request.id)).rejects.toThrow(/not safe.*restore point/);
      });

      it("dynamodb_enable_deletion_protection, and rollback turns it off", async () => {
        const clock = new TestClock();
        const { request } = await exerciseAction(store, clock, a, {
          actionId: "dynamodb_enable_deletion_protection",
          resourceId: table,
          services: ["dynamodb"],
          expectChecks: ["dynamodb_table_deletion_protection_enabled"],
        });
        const protectedNow = async () =>
          (await a.client("dynamodb").send(new DescribeTableCommand({ TableName: table }))).Table
            ?.DeletionProtectionEnabled;
        expect(await protectedNow()).toBe(true);
        expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
        expect(await protectedNow()).toBe(false);
        // The table itself is untouched by either change.
        await a.client("dynamodb").send(new GetItemCommand({ TableName: table, Key: { pk: { S: "none" } } }));
      });
    });

    describe("ECR", () => {
      let a: MotoAccount;
      let repo: string;
      const live = async () =>
        (await a.client("ecr").send(new DescribeRepositoriesCommand({ repositoryNames: [repo] })))
          .repositories![0]!;
      beforeAll(async () => {
        a = account();
        repo = `enforceai-repo-${suffix()}`;
        await a.client("ecr").send(
          new CreateRepositoryCommand({
            repositoryName: repo,
            imageTagMutability: "MUTABLE",
            imageScanningConfiguration: { scanOnPush: false },
          }),
        );
      });

      it("ecr_enable_scan_on_push under basic registry scanning", async () => {
        const { request } = await exerciseAction(store, new TestClock(), a, {
          actionId: "ecr_enable_scan_on_push",
          resourceId: repo,
          services: ["ecr"],
          expectChecks: ["ecr_repository_image_scanning_enabled"],
        });
        expect(request.plan?.calls[0]?.input).toEqual({
          repositoryName: repo,
          registryId: a.accountId,
          imageScanningConfiguration: { scanOnPush: true },
        });
        expect(request.plan?.notes.join(" ")).toMatch(/enhanced scanning/);
        expect((await live()).imageScanningConfiguration?.scanOnPush).toBe(true);
      });

      it("ecr_enable_tag_immutability, and rollback sets MUTABLE again", async () => {
        const clock = new TestClock();
        const { request } = await exerciseAction(store, clock, a, {
          actionId: "ecr_enable_tag_immutability",
          resourceId: repo,
          services: ["ecr"],
          expectChecks: ["ecr_repository_tag_immutability_enabled"],
        });
        expect(request.risk).toBe("medium");
        expect(request.plan?.notes.join(" ")).toMatch(/latest/);
        expect((await live()).imageTagMutability).toBe("IMMUTABLE");
        expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
        expect((await live()).imageTagMutability).toBe("MUTABLE");
      });
    });

    describe("ELBv2", () => {
      let a: MotoAccount;
      let arn: string;
      let targetGroupArn: string;
      let httpListenerArn: string;
      const attribute = async (key: string) =>
        (
          await a.client("elbv2").send(new DescribeLoadBalancerAttributesCommand({ LoadBalancerArn: arn }))
        ).Attributes?.find((x) => x.Key === key)?.Value;
      beforeAll(async () => {
        a = account();
        const subnets = await a
          .client("ec2")
          .send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }));
        const ids = (subnets.Subnets ?? []).map((s) => s.SubnetId!).slice(0, 2);
        const created = await a.client("elbv2").send(
          new CreateLoadBalancerCommand({
            Name: `enforceai-alb-${suffix()}`,
            Type: "application",
            Scheme: "internet-facing",
            Subnets: ids,
          }),
        );
        arn = created.LoadBalancers![0]!.LoadBalancerArn!;
        const group = await a.client("elbv2").send(
          new CreateTargetGroupCommand({
            Name: `enforceai-tg-${suffix()}`,
            Protocol: "HTTP",
            Port: 80,
            VpcId: subnets.Subnets![0]!.VpcId,
          }),
        );
        targetGroupArn = group.TargetGroups![0]!.TargetGroupArn!;
        // moto checks that the listener's certificate exists in ACM; a requested one is enough.
        const certificate = await a
          .client("acm")
          .send(new RequestCertificateCommand({ DomainName: "app.example.com" }));
        const forward = [{ Type: "forward" as const, TargetGroupArn: targetGroupArn }];
        await a.client("elbv2").send(
          new CreateListenerCommand({
            LoadBalancerArn: arn,
            Protocol: "HTTPS",
            Port: 443,
            Certificates: [{ CertificateArn: certificate.CertificateArn }],
            DefaultActions: forward,
          }),
        );
        const http = await a.client("elbv2").send(
          new CreateListenerCommand({
            LoadBalancerArn: arn,
            Protocol: "HTTP",
            Port: 80,
            DefaultActions: forward,
          }),
        );
        httpListenerArn = http.Listeners![0]!.ListenerArn!;
      });

      it("elbv2_http_redirect_to_https, and rollback puts the forward action back", async () => {
        const clock = new TestClock();
        const defaultActions = async () =>
          (await a.client("elbv2").send(new DescribeListenersCommand({ ListenerArns: [httpListenerArn] })))
            .Listeners![0]!.DefaultActions;
        const { request } = await exerciseAction(store, clock, a, {
          actionId: "elbv2_http_redirect_to_https",
          resourceId: arn,
          services: ["elbv2"],
          expectChecks: ["elbv2_alb_http_redirects_to_https"],
        });
        // Only the HTTP listener changes; the HTTPS one keeps forwarding.
        expect(request.plan?.calls).toHaveLength(1);
        expect(request.plan?.calls[0]?.input.ListenerArn).toBe(httpListenerArn);
        expect((await defaultActions())?.[0]).toMatchObject({
          Type: "redirect",
          RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" },
        });
        expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
        expect((await defaultActions())?.[0]).toMatchObject({
          Type: "forward",
          TargetGroupArn: targetGroupArn,
        });
      });

      it("elbv2_drop_invalid_header_fields", async () => {
        const { request } = await exerciseAction(store, new TestClock(), a, {
          actionId: "elbv2_drop_invalid_header_fields",
          resourceId: arn,
          services: ["elbv2"],
          expectChecks: ["elbv2_alb_drop_invalid_header_fields"],
        });
        expect(request.plan?.calls[0]?.input).toEqual({
          LoadBalancerArn: arn,
          Attributes: [{ Key: "routing.http.drop_invalid_header_fields.enabled", Value: "true" }],
        });
        expect(await attribute("routing.http.drop_invalid_header_fields.enabled")).toBe("true");
      });

      it("elbv2_enable_deletion_protection, and rollback turns it off", async () => {
        const clock = new TestClock();
        const { request } = await exerciseAction(store, clock, a, {
          actionId: "elbv2_enable_deletion_protection",
          resourceId: arn,
          services: ["elbv2"],
          expectChecks: ["elbv2_deletion_protection_enabled"],
        });
        expect(await attribute("deletion_protection.enabled")).toBe("true");
        expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
        expect(await attribute("deletion_protection.enabled")).toBe("false");
      });
    });

    describe("CloudWatch Logs", () => {
      const retention = async (a: MotoAccount, name: string) =>
        (
          await a.client("logs").send(new DescribeLogGroupsCommand({ logGroupNamePrefix: name }))
        ).logGroups?.find((g) => g.logGroupName === name)?.retentionInDays ?? null;

      it("logs_set_retention raises a short retention to the setting, and rollback puts the old one back", async () => {
        const a = account();
        const name = `/enforceai/short-${suffix()}`;
        await a.client("logs").send(new CreateLogGroupCommand({ logGroupName: name }));
        await a
          .client("logs")
          .send(new PutRetentionPolicyCommand({ logGroupName: name, retentionInDays: 7 }));
        const clock = new TestClock();
        const { request } = await exerciseAction(store, clock, a, {
          actionId: "logs_set_retention",
          resourceId: name,
          services: ["logs"],
          expectChecks: ["logs_log_group_retention_at_least_setting"],
        });
        expect(request.plan?.calls[0]?.input).toEqual({ logGroupName: name, retentionInDays: 365 });
        expect(await retention(a, name)).toBe(365);
        expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
        expect(await retention(a, name)).toBe(7);
      });

      it("a never-expiring group is planned only with expireNeverExpiring; rollback deletes the policy", async () => {
        const a = account();
        const name = `/enforceai/forever-${suffix()}`;
        await a.client("logs").send(new CreateLogGroupCommand({ logGroupName: name }));
        const clock = new TestClock();
        const { request } = await exerciseAction(store, clock, a, {
          actionId: "logs_set_retention",
          resourceId: name,
          services: ["logs"],
          params: { logs_set_retention: { expireNeverExpiring: true, retentionDays: 400 } },
          expectChecks: ["logs_log_group_retention_configured"],
        });
        expect(request.plan?.notes.join(" ")).toMatch(/cannot be brought back/);
        expect(await retention(a, name)).toBe(400);
        expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
        expect(await retention(a, name)).toBeNull();
      });
    });

    it("kinesis_enable_encryption starts KMS encryption, and rollback stops it", async () => {
      const a = account();
      const kinesis = a.client("kinesis");
      const name = `enforceai-stream-${suffix()}`;
      await kinesis.send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      const encryption = async () =>
        (await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }))).StreamDescriptionSummary
          ?.EncryptionType;
      const clock = new TestClock();
      const { request } = await exerciseAction(store, clock, a, {
        actionId: "kinesis_enable_encryption",
        resourceId: name,
        services: ["kinesis"],
        expectChecks: ["kinesis_stream_encrypted_at_rest"],
      });
      expect(request.plan?.calls[0]).toMatchObject({
        operation: "StartStreamEncryption",
        input: {
          EncryptionType: "KMS",
          KeyId: "alias/aws/kinesis",
          StreamARN: expect.stringContaining(name),
        },
      });
      expect(await encryption()).toBe("KMS");
      expect((await rollBack(a, clock, request.id)).outcome).toBe("succeeded");
      expect(await encryption()).toBe("NONE");
    });
  },
);

// ---- Plan rules over synthetic items shaped like the collectors' output (no AWS).

const k = await catalog();
const NOW = new Date("2026-06-01T00:00:00Z");

function ctx(items: ConfigurationItem[] = []): PlanContext {
  return {
    settings: k.settings,
    now: NOW,
    checks: [],
    itemsOfType: (t) => items.filter((i) => i.resourceType === t),
  };
}

function item(resourceType: string, partial: Partial<ConfigurationItem>): ConfigurationItem {
  const resourceId = partial.resourceId ?? "res-1";
  return {
    resourceType,
    resourceId,
    arn: `arn:aws:test:us-east-1:111122223333:${resourceId}`,
    awsRegion: "us-east-1",
    accountId: "111122223333",
    configuration: {},
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: NOW.toISOString(),
    ...partial,
  };
}

describe("coverage II plan rules", () => {
  it("logs_set_retention only ever lengthens retention and rounds up to an accepted period", () => {
    const action = requireAction("logs_set_retention");
    const group = (retentionInDays: number | null) =>
      item("AWS::Logs::LogGroup", {
        resourceId: "/app",
        configuration: { logGroupName: "/app", retentionInDays },
      });
    expect(buildPlan(action, group(30), ctx()).after).toEqual({ retentionInDays: 365 });
    expect(buildPlan(action, group(30), ctx(), { retentionDays: 366 }).after).toEqual({
      retentionInDays: 400,
    });
    // A longer retention than asked for stays: nothing to change, never a shorter period.
    expect(() => buildPlan(action, group(545), ctx(), { retentionDays: 90 })).toThrow(/nothing to change/);
    expect(() => buildPlan(action, group(3653), ctx())).toThrow(/nothing to change/);
    // Never-expiring groups: a manual task unless the caller accepts that old events go.
    expect(() => buildPlan(action, group(null), ctx())).toThrow(PlanError);
    expect(() => buildPlan(action, group(null), ctx())).toThrow(/never expire/);
    expect(buildPlan(action, group(null), ctx(), { expireNeverExpiring: true }).after).toEqual({
      retentionInDays: 365,
    });
    const plan = buildPlan(action, group(30), ctx());
    expect(action.rollback(plan, { retentionInDays: 30 })).toEqual({
      calls: [
        {
          service: "logs",
          operation: "PutRetentionPolicy",
          region: "us-east-1",
          input: { logGroupName: "/app", retentionInDays: 30 },
        },
      ],
    });
    expect(action.rollback(plan, { retentionInDays: null })).toMatchObject({
      calls: [{ operation: "DeleteRetentionPolicy", input: { logGroupName: "/app" } }],
    });
  });

  it("ecr_enable_scan_on_push is a manual task under enhanced registry scanning", () => {
    const action = requireAction("ecr_enable_scan_on_push");
    const repo = item("AWS::ECR::Repository", {
      resourceId: "app",
      configuration: {
        repositoryName: "app",
        registryId: "111122223333",
        imageScanningConfiguration: { scanOnPush: false },
      },
    });
    const registry = (scanType: string) =>
      item("AWS::ECR::RegistryScanningConfiguration", {
        resourceId: "111122223333:us-east-1",
        configuration: { registryId: "111122223333", scanType, rules: [] },
      });
    expect(() => buildPlan(action, repo, ctx([registry("ENHANCED")]))).toThrow(/enhanced scanning.*ignores/);
    expect(buildPlan(action, repo, ctx([registry("BASIC")])).after).toEqual({ scanOnPush: true });
  });

  it("ecr_enable_tag_immutability leaves repositories with exclusion filters to a person", () => {
    const action = requireAction("ecr_enable_tag_immutability");
    const repo = item("AWS::ECR::Repository", {
      resourceId: "app",
      configuration: { repositoryName: "app", imageTagMutability: "MUTABLE_WITH_EXCLUSION" },
    });
    expect(() => buildPlan(action, repo, ctx())).toThrow(/exclusion filters/);
  });

  it("sns_topic_enable_encryption needs a customer managed key when AWS services publish", () => {
    const action = requireAction("sns_topic_enable_encryption");
    const topic = item("AWS::SNS::Topic", {
      resourceId: "arn:aws:sns:us-east-1:111122223333:alarms",
      supplementaryConfiguration: {
        attributes: {
          kmsMasterKeyId: null,
          policy: {
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: { Service: "cloudwatch.amazonaws.com" },
                Action: "sns:Publish",
                Resource: "*",
              },
            ],
          },
        },
      },
    });
    expect(() => buildPlan(action, topic, ctx())).toThrow(/cloudwatch\.amazonaws\.com.*customer managed key/);
    const own = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
    expect(buildPlan(action, topic, ctx(), { keyId: own }).after).toEqual({ kmsMasterKeyId: own });
    const unreadable = {
      ...topic,
      supplementaryConfiguration: { attributes: { $error: { code: "AccessDenied", message: "no" } } },
    };
    expect(() => buildPlan(action, unreadable, ctx())).toThrow(/could not read/);
  });

  it("sqs_queue_enable_encryption does not replace an SSE-KMS key", () => {
    const action = requireAction("sqs_queue_enable_encryption");
    const queue = item("AWS::SQS::Queue", {
      resourceId: "https://sqs.us-east-1.amazonaws.com/111122223333/q",
      supplementaryConfiguration: {
        attributes: { sqsManagedSseEnabled: false, kmsMasterKeyId: "alias/app" },
      },
    });
    expect(() => buildPlan(action, queue, ctx())).toThrow(/already encrypted with KMS key alias\/app/);
  });

  it("DynamoDB, Kinesis and ELBv2 actions refuse resources in the wrong state or of the wrong type", () => {
    const table = item("AWS::DynamoDB::Table", {
      resourceId: "t",
      supplementaryConfiguration: {
        table: { tableStatus: "UPDATING", deletionProtectionEnabled: false },
        continuousBackups: { pointInTimeRecoveryStatus: "DISABLED" },
      },
    });
    expect(() => buildPlan(requireAction("dynamodb_enable_pitr"), table, ctx())).toThrow(/UPDATING/);
    expect(() => buildPlan(requireAction("dynamodb_enable_deletion_protection"), table, ctx())).toThrow(
      /UPDATING/,
    );
    const stream = item("AWS::Kinesis::Stream", {
      resourceId: "s",
      supplementaryConfiguration: { summary: { streamStatus: "UPDATING", encryptionType: "NONE" } },
    });
    expect(() => buildPlan(requireAction("kinesis_enable_encryption"), stream, ctx())).toThrow(/UPDATING/);
    const nlb = item("AWS::ElasticLoadBalancingV2::LoadBalancer", {
      resourceId: "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/net/n/1",
      configuration: { type: "network" },
      supplementaryConfiguration: { attributes: { deletionProtectionEnabled: "false" } },
    });
    expect(() => buildPlan(requireAction("elbv2_drop_invalid_header_fields"), nlb, ctx())).toThrow(
      /network load balancer/,
    );
    expect(buildPlan(requireAction("elbv2_enable_deletion_protection"), nlb, ctx()).after).toEqual({
      deletionProtectionEnabled: "true",
    });
    const http = {
      listenerArn: "arn:l/http",
      protocol: "HTTP",
      port: 80,
      defaultActions: [{ type: "forward", targetGroupArn: "arn:tg" }],
    };
    const alb = (listeners: unknown[]) =>
      item("AWS::ElasticLoadBalancingV2::LoadBalancer", {
        resourceId: "arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/a/1",
        configuration: { type: "application" },
        supplementaryConfiguration: { listeners },
      });
    const redirect = requireAction("elbv2_http_redirect_to_https");
    expect(() => buildPlan(redirect, alb([http]), ctx())).toThrow(/no HTTPS listener on port 443/);
    const https = { listenerArn: "arn:l/https", protocol: "HTTPS", port: 443, defaultActions: [] };
    const plan = buildPlan(redirect, alb([http, https]), ctx());
    expect(plan.calls.map((c) => c.input.ListenerArn)).toEqual(["arn:l/http"]);
    // Rollback puts the captured action back in the SDK's casing.
    expect(redirect.rollback(plan, plan.before)).toEqual({
      calls: [
        {
          service: "elbv2",
          operation: "ModifyListener",
          region: "us-east-1",
          input: {
            ListenerArn: "arn:l/http",
            DefaultActions: [{ Type: "forward", TargetGroupArn: "arn:tg" }],
          },
        },
      ],
    });
    expect(redirect.remainingCalls?.(plan, plan.after)).toEqual([]);
  });

  it("the bundled policy schedules tag immutability and runs the other new actions at once", async () => {
    const policy = await loadRemediationPolicy();
    const decide = (actionId: string, risk: "low" | "medium" = "low") =>
      decideStrategy(policy, { actionId, severity: "medium", risk, resourceType: "any", tags: {} });
    expect(decide("ecr_enable_tag_immutability", "medium")).toMatchObject({
      strategy: "scheduled",
      rule: "image-tag-immutability",
    });
    expect(decide("elbv2_http_redirect_to_https", "medium").strategy).toBe("scheduled");
    for (const id of ["sqs_queue_enable_encryption", "logs_set_retention", "kinesis_enable_encryption"])
      expect(decide(id).strategy, id).toBe("immediate");
  });
});
