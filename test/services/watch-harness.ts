/**
 * What every watcher test needs, against moto: an account of its own, the events queue with its DLQ, an
 * EventBridge rule that delivers to the queue, a store, the catalog and the event table, a webhook receiver,
 * and helpers to publish CloudTrail-shaped events (moto does not emit CloudTrail events itself: tests make the
 * change in moto and publish the event the real service would) and to take a baseline scan.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { PutEventsCommand, PutRuleCommand, PutTargetsCommand } from "@aws-sdk/client-eventbridge";
import { CreateTopicCommand, SubscribeCommand } from "@aws-sdk/client-sns";
import {
  CreateQueueCommand,
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from "@aws-sdk/client-sqs";
import type { Finding } from "../../src/domain/types.ts";
import { assess } from "../../src/engine/assess.ts";
import { type Catalog, loadCatalog } from "../../src/engine/catalog.ts";
import { type EventTable, loadEventTable } from "../../src/events/table.ts";
import { createLogger } from "../../src/logger.ts";
import type { ChangeNotice } from "../../src/notify/changes.ts";
import type { SlackMessage } from "../../src/notify/webhook.ts";
import { EVENT_TABLE_FILE } from "../../src/paths.ts";
import { loadRemediationPolicy } from "../../src/planning/strategy.ts";
import { RemediationService } from "../../src/remediation/service.ts";
import {
  changeNotifier,
  type EvaluationSummary,
  Watcher,
  type WatchSettings,
} from "../../src/services/watch.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { type AwsAccess, awsAccess } from "../../tools/aws/access.ts";
import type { ClientFactory } from "../../tools/aws/clients.ts";
import { discoverAccount } from "../../tools/aws/discover.ts";
import { SqsConsumer } from "../../tools/aws/event-queue.ts";
import { accountCredentials, randomAccountId } from "../aws/moto-helpers.ts";

export const REGION = "us-east-1";

export interface WatchHarness {
  endpoint: string;
  accountId: string;
  access: AwsAccess;
  store: Store;
  catalog: Catalog;
  table: EventTable;
  queueUrl: string;
  dlqUrl: string;
  /** Webhook posts received, in order. */
  webhook: SlackMessage[];
  notices: ChangeNotice[];
  summaries: EvaluationSummary[];
  watcher(overrides?: {
    settings?: Partial<WatchSettings>;
    catalog?: () => Promise<Catalog>;
    /** Builds the re-reading clients (tests inject faults with `faultyClientFactory`). */
    clientFactory?: ClientFactory;
    /** Proposes new failures into the approval queue (ENFORCEAI_EVENTS_PROPOSE). */
    remediation?: RemediationService;
  }): Watcher;
  /** The approval queue over the harness's store, with the shipped remediation policy. */
  remediation(): Promise<RemediationService>;
  /** A CloudTrail record of a successful write call by `user` in this account. */
  record(
    source: string,
    eventName: string,
    requestParameters: unknown,
    extra?: Record<string, unknown>,
  ): Record<string, unknown>;
  /** Publishes records through EventBridge (PutEvents → the rule → the queue). */
  publish(...records: Record<string, unknown>[]): Promise<void>;
  /** Sends a raw body straight to the queue. */
  send(body: string): Promise<void>;
  /** Discovers `services` and stores it as a completed scan with its findings: the known inventory. */
  baseline(services: string[]): Promise<{ scanId: string; findings: Finding[] }>;
  /** Notices published to the SNS topic (read from a queue subscribed to it). */
  snsNotices(): Promise<Record<string, unknown>[]>;
  /** Messages on the DLQ (received and left there), with their reason attribute. */
  deadLetters(): Promise<{ body: string; reason?: string }[]>;
  queueDepth(): Promise<{ visible: number; inFlight: number }>;
  close(): Promise<void>;
}

export async function watchHarness(endpoint: string, store?: Store): Promise<WatchHarness> {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  const access = awsAccess({ homeRegion: REGION, endpoint, credentials, maxAttempts: 2 });
  const clients = access.clientsFor(REGION);
  const sqs = clients.get("sqs");
  const suffix = randomUUID().slice(0, 8);
  const dlq = await sqs.send(new CreateQueueCommand({ QueueName: `enforceai-dlq-${suffix}` }));
  const dlqArn = `arn:aws:sqs:${REGION}:${accountId}:enforceai-dlq-${suffix}`;
  const queue = await sqs.send(
    new CreateQueueCommand({
      QueueName: `enforceai-events-${suffix}`,
      // SQS's own redrive is the backstop; the watcher dead-letters earlier, with the reason.
      Attributes: { RedrivePolicy: JSON.stringify({ deadLetterTargetArn: dlqArn, maxReceiveCount: 10 }) },
    }),
  );
  const queueUrl = queue.QueueUrl!;
  const dlqUrl = dlq.QueueUrl!;
  const events = clients.get("eventbridge");
  const ruleName = `enforceai-${suffix}`;
  await events.send(
    new PutRuleCommand({
      Name: ruleName,
      EventPattern: JSON.stringify({ "detail-type": ["AWS API Call via CloudTrail"] }),
    }),
  );
  await events.send(
    new PutTargetsCommand({
      Rule: ruleName,
      Targets: [{ Id: "queue", Arn: `arn:aws:sqs:${REGION}:${accountId}:enforceai-events-${suffix}` }],
    }),
  );
  const ownStore = store ?? (await openStore({ dataDir: "memory://" }));
  const catalog = await loadCatalog();
  const table = await loadEventTable(EVENT_TABLE_FILE);
  const webhook: SlackMessage[] = [];
  const receiver = http.createServer((req, res) => {
    let body = "";
    req.on("data", (c) => {
      body += c;
    });
    req.on("end", () => {
      webhook.push(JSON.parse(body) as SlackMessage);
      res.writeHead(200).end("ok");
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  // SNS notices land on a queue subscribed to the topic, as a mail or pager integration would read them.
  const sns = clients.get("sns");
  const topicArn = (await sns.send(new CreateTopicCommand({ Name: `enforceai-changes-${suffix}` })))
    .TopicArn!;
  const noticeQueueUrl = (
    await sqs.send(new CreateQueueCommand({ QueueName: `enforceai-notices-${suffix}` }))
  ).QueueUrl!;
  await sns.send(
    new SubscribeCommand({
      TopicArn: topicArn,
      Protocol: "sqs",
      Endpoint: `arn:aws:sqs:${REGION}:${accountId}:enforceai-notices-${suffix}`,
      Attributes: { RawMessageDelivery: "true" },
    }),
  );
  const notifier = changeNotifier({ webhookUrl, topicArn, sns: () => sns });
  const notices: ChangeNotice[] = [];
  const summaries: EvaluationSummary[] = [];
  const made: Watcher[] = [];
  const logger = createLogger({ level: "silent", format: "json" });

  const harness: WatchHarness = {
    endpoint,
    accountId,
    access,
    store: ownStore,
    catalog,
    table,
    queueUrl,
    dlqUrl,
    webhook,
    notices,
    summaries,
    watcher(overrides = {}) {
      const watcher = new Watcher({
        store: ownStore,
        clock: () => new Date(),
        logger,
        catalog: overrides.catalog ?? (async () => catalog),
        table,
        consumer: new SqsConsumer({ sqs, queueUrl, visibilitySeconds: 2 }),
        accessFor: () =>
          awsAccess({
            homeRegion: REGION,
            endpoint,
            credentials,
            maxAttempts: 2,
            clientFactory: overrides.clientFactory,
          }),
        notify: async (notice) => {
          notices.push(notice);
          await notifier!(notice);
        },
        onEvaluation: (s) => summaries.push(s),
        propose: overrides.remediation
          ? async (scanId, items, findings) =>
              (await overrides.remediation!.queue.proposeFor(scanId, items, findings, "enforceai-watch"))
                .length
          : undefined,
        settings: { windowMs: 300, maxAttempts: 2, ...overrides.settings },
      });
      made.push(watcher);
      return watcher;
    },
    async remediation() {
      return new RemediationService({
        store: ownStore,
        clock: () => new Date(),
        catalog: async () => catalog,
        settings: { approvers: ["alice", "bob"], twoApproversFor: [], leaseSeconds: 900 },
        policy: await loadRemediationPolicy(),
      });
    },
    record(source, eventName, requestParameters, extra = {}) {
      return {
        eventVersion: "1.09",
        userIdentity: {
          type: "IAMUser",
          principalId: "AIDAEXAMPLEALICE",
          arn: `arn:aws:iam::${accountId}:user/alice`,
          accountId,
          userName: "alice",
        },
        eventTime: new Date().toISOString(),
        eventSource: source,
        eventName,
        awsRegion: REGION,
        sourceIPAddress: "198.51.100.7",
        userAgent: "aws-cli/2",
        requestParameters,
        responseElements: null,
        eventID: randomUUID(),
        readOnly: false,
        eventType: "AwsApiCall",
        managementEvent: true,
        recipientAccountId: accountId,
        ...extra,
      };
    },
    async publish(...records) {
      for (let i = 0; i < records.length; i += 10) {
        const answer = await events.send(
          new PutEventsCommand({
            Entries: records.slice(i, i + 10).map((r) => ({
              Source: `aws.${String(r.eventSource).split(".")[0]}`,
              DetailType: "AWS API Call via CloudTrail",
              Detail: JSON.stringify(r),
            })),
          }),
        );
        if (answer.FailedEntryCount) throw new Error(`PutEvents refused ${answer.FailedEntryCount} entries`);
      }
    },
    async send(body) {
      await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: body }));
    },
    async baseline(services) {
      const inventory = await discoverAccount({
        access: awsAccess({ homeRegion: REGION, endpoint, credentials, maxAttempts: 2 }),
        regions: [REGION],
        services,
      });
      const scanId = `scan-${randomUUID().slice(0, 8)}`;
      const now = new Date();
      await ownStore.scans.create({
        id: scanId,
        source: "live",
        requestedBy: "test",
        startedAt: now,
        frameworks: [],
      });
      await ownStore.resources.saveScanInventory(scanId, inventory.items);
      const { findings } = assess(inventory.items, catalog, catalog.frameworks, [], now);
      await ownStore.findings.recordScan(scanId, findings, now);
      await ownStore.scans.update(scanId, {
        status: "completed",
        accounts: [accountId],
        regions: [REGION],
        resourceCount: inventory.items.length,
        findingCount: findings.length,
      });
      return { scanId, findings };
    },
    async snsNotices() {
      const answer = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: noticeQueueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 1 }),
      );
      return (answer.Messages ?? []).map((m) => JSON.parse(m.Body ?? "{}") as Record<string, unknown>);
    },
    async deadLetters() {
      const answer = await sqs.send(
        new ReceiveMessageCommand({
          QueueUrl: dlqUrl,
          MaxNumberOfMessages: 10,
          WaitTimeSeconds: 1,
          VisibilityTimeout: 0,
          MessageAttributeNames: ["All"],
        }),
      );
      return (answer.Messages ?? []).map((m) => ({
        body: m.Body ?? "",
        reason: m.MessageAttributes?.["enforceai-reason"]?.StringValue,
      }));
    },
    async queueDepth() {
      const answer = await sqs.send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
      return {
        visible: Number(answer.Attributes?.ApproximateNumberOfMessages ?? 0),
        inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible ?? 0),
      };
    },
    async close() {
      for (const w of made) w.close();
      access.destroy();
      await new Promise<void>((resolve) => receiver.close(() => resolve()));
      if (!store) await ownStore.close();
    },
  };
  return harness;
}
