import { readFileSync } from "node:fs";
import path from "node:path";
import {
  DescribeRuleCommand,
  EventBridgeClient,
  ListRulesCommand,
  ListTargetsByRuleCommand,
  PutEventsCommand,
} from "@aws-sdk/client-eventbridge";
import {
  DeleteMessageCommand,
  GetQueueAttributesCommand,
  GetQueueUrlCommand,
  ListQueuesCommand,
  ReceiveMessageCommand,
  SQSClient,
} from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { eventTableSources } from "../../src/cli/commands/events.ts";
import { ForbiddenError } from "../../src/errors.ts";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import { awsAccess } from "../../tools/aws/access.ts";
import {
  applyEventsSetup,
  cloudTrailPattern,
  eventBridgeSources,
  watcherPolicy,
} from "../../tools/aws/events-setup.ts";
import { accountCredentials, awsError, DUMMY_CREDENTIALS, randomAccountId } from "../aws/moto-helpers.ts";
import { stubClientFactory } from "../aws/stub-sdk.ts";
import { runCli } from "../helpers/cli.ts";
import { serviceDescribe } from "../helpers/services.ts";

vi.setConfig({ testTimeout: 120_000 });

const REGION = "eu-west-1";

interface SetupJson {
  dryRun: boolean;
  account: string;
  region: string;
  queueUrl: string;
  dlqUrl: string;
  queueArn: string;
  dlqArn: string;
  ruleArns: string[];
  eventSources: string[];
  resources: { kind: string; name: string; arn: string; status: string; changed?: string[] }[];
  plan?: { kind: string; name: string; definition: Record<string, unknown> }[];
  environment: { ENFORCEAI_EVENTS_QUEUE_URL: string };
  watcherPolicy: { Statement: { Action: string[]; Resource: string }[] };
}

describe("events setup, without AWS", () => {
  it("maps a CloudTrail eventSource to the EventBridge source it arrives under", () => {
    expect(eventBridgeSources("s3.amazonaws.com")).toEqual(["aws.s3"]);
    expect(eventBridgeSources("elasticloadbalancing.amazonaws.com")).toEqual(["aws.elasticloadbalancing"]);
    // CloudWatch: aws.monitoring per the EventBridge reference, aws.cloudwatch as it was documented before.
    expect(eventBridgeSources("monitoring.amazonaws.com")).toEqual(["aws.monitoring", "aws.cloudwatch"]);
    expect(() => eventBridgeSources("s3")).toThrow(/not a CloudTrail eventSource/);
    expect(cloudTrailPattern(["s3.amazonaws.com", "iam.amazonaws.com", "s3.amazonaws.com"])).toEqual({
      source: ["aws.iam", "aws.s3"],
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: { eventSource: ["iam.amazonaws.com", "s3.amazonaws.com"] },
    });
  });

  // moto grants every call, so AWS's refusals are answered by stubs.
  const identity = () => ({ Account: "111122223333", Arn: "arn:aws:iam::111122223333:user/admin" });
  const stubAccess = (answers: Parameters<typeof stubClientFactory>[0], calls: string[]) =>
    awsAccess({
      homeRegion: "us-east-1",
      credentials: DUMMY_CREDENTIALS,
      maxAttempts: 1,
      clientFactory: stubClientFactory(answers, calls),
    });

  it("a dry run makes no write call: only GetCallerIdentity, for the account id of the ARNs", async () => {
    const calls: string[] = [];
    const access = stubAccess({ "sts:GetCallerIdentity": identity }, calls);
    const result = await applyEventsSetup(access, {
      region: "us-east-1",
      eventSources: ["s3.amazonaws.com"],
      dryRun: true,
    });
    access.destroy();
    expect(calls).toEqual(["sts:GetCallerIdentity"]);
    expect(result.ruleArns).toEqual([
      "arn:aws:events:us-east-1:111122223333:rule/enforceai-cloudtrail-changes",
      "arn:aws:events:us-east-1:111122223333:rule/enforceai-config-changes",
    ]);
    expect(result.resources.every((r) => r.status === "planned")).toBe(true);
  });

  it("a denied call is one line naming the call and what to do (exit code 2)", async () => {
    const access = stubAccess(
      {
        "sts:GetCallerIdentity": identity,
        "sqs:GetQueueUrl": () =>
          awsError("AccessDenied", "User is not authorized to perform: sqs:getqueueurl", 403),
      },
      [],
    );
    const failure = await applyEventsSetup(access, {
      region: "us-east-1",
      eventSources: ["s3.amazonaws.com"],
    }).catch((e: unknown) => e);
    access.destroy();
    expect(failure).toBeInstanceOf(ForbiddenError);
    expect((failure as ForbiddenError).exitCode).toBe(2);
    expect((failure as Error).message).toMatch(
      /^sqs:GetQueueUrl enforceai-events-dlq was denied \(AccessDenied\): the credentials need SQS, EventBridge and STS permissions .*--dry-run/,
    );
    expect((failure as Error).message).not.toContain("\n");
  });

  it("docs/iam/enforceai-watch-policy.json is the watcher policy of the default queue names", () => {
    const arn = (name: string) => `arn:aws:sqs:\${Region}:\${Account}:${name}`;
    const file = path.join(PACKAGE_ROOT, "docs/iam/enforceai-watch-policy.json");
    expect(JSON.parse(readFileSync(file, "utf8"))).toEqual(
      watcherPolicy(arn("enforceai-events"), arn("enforceai-events-dlq")),
    );
  });
});

serviceDescribe("moto", "enforceai events setup against an emulated account", (moto) => {
  const account = randomAccountId();
  const roleArn = `arn:aws:iam::${account}:role/EnforceAIEventsSetup`;
  const env = {
    AWS_ENDPOINT_URL: moto,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  };
  const setup = (...args: string[]) =>
    runCli(["events", "setup", "--region", REGION, "--role-arn", roleArn, ...args], env);
  let sqs: SQSClient;
  let events: EventBridgeClient;

  beforeAll(() => {
    const credentials = accountCredentials(moto, account);
    sqs = new SQSClient({ endpoint: moto, region: REGION, credentials });
    events = new EventBridgeClient({ endpoint: moto, region: REGION, credentials });
  });
  afterAll(() => {
    sqs.destroy();
    events.destroy();
  });

  it("--dry-run creates nothing and prints every resource of the plan", async () => {
    const run = await setup("--dry-run", "--json");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as SetupJson;
    expect(out.dryRun).toBe(true);
    expect(out.account).toBe(account);
    expect(out.resources.every((r) => r.status === "planned")).toBe(true);
    const kinds = out.plan!.map((r) => r.kind);
    expect(kinds).toEqual(["dlq", "queue", "queue-policy", "rule", "target", "rule", "target"]);
    const policy = out.plan!.find((r) => r.kind === "queue-policy")!.definition.Policy as {
      Statement: { Condition: { ArnEquals: { "aws:SourceArn": string[] } } }[];
    };
    expect(policy.Statement[0]!.Condition.ArnEquals["aws:SourceArn"]).toEqual(out.ruleArns);
    const rule = out.plan!.find((r) => r.kind === "rule")!.definition;
    expect(rule.EventPattern).toMatchObject({ "detail-type": ["AWS API Call via CloudTrail"] });

    expect((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).toEqual([]);
    expect((await events.send(new ListRulesCommand({}))).Rules ?? []).toEqual([]);

    const text = await setup("--dry-run");
    expect(text.code).toBe(0);
    expect(text.stdout).toContain("Dry run: nothing was changed");
    expect(text.stdout).toContain('"aws:SourceArn"');
    expect(text.stdout).toContain("ENFORCEAI_EVENTS_QUEUE_URL=");
  });

  it("creates the DLQ, the queue with its redrive and policy, both rules and their queue targets", async () => {
    const run = await setup("--json", "--max-receive-count", "4");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as SetupJson;
    expect(out.dryRun).toBe(false);
    expect(Object.fromEntries(out.resources.map((r) => [`${r.kind} ${r.name}`, r.status]))).toEqual({
      "dlq enforceai-events-dlq": "created",
      "queue enforceai-events": "created",
      "queue-policy enforceai-events": "created",
      "rule enforceai-cloudtrail-changes": "created",
      "rule enforceai-config-changes": "created",
      "target enforceai-cloudtrail-changes/enforceai-events-queue": "created",
      "target enforceai-config-changes/enforceai-events-queue": "created",
    });
    expect(out.environment.ENFORCEAI_EVENTS_QUEUE_URL).toBe(out.queueUrl);

    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: "enforceai-events" }))).QueueUrl!;
    expect(queueUrl).toBe(out.queueUrl);
    const attributes = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ["All"] }))
    ).Attributes!;
    expect(attributes.QueueArn).toBe(out.queueArn);
    expect(attributes.SqsManagedSseEnabled).toBe("true");
    expect(attributes.VisibilityTimeout).toBe("120");
    expect(attributes.ReceiveMessageWaitTimeSeconds).toBe("20");
    expect(JSON.parse(attributes.RedrivePolicy!)).toEqual({
      deadLetterTargetArn: out.dlqArn,
      maxReceiveCount: 4,
    });
    const policy = JSON.parse(attributes.Policy!);
    expect(policy.Statement).toEqual([
      expect.objectContaining({
        Effect: "Allow",
        Principal: { Service: "events.amazonaws.com" },
        Action: "sqs:SendMessage",
        Resource: out.queueArn,
        Condition: { ArnEquals: { "aws:SourceArn": out.ruleArns } },
      }),
    ]);
    const dlq = (
      await sqs.send(new GetQueueAttributesCommand({ QueueUrl: out.dlqUrl, AttributeNames: ["All"] }))
    ).Attributes!;
    expect(dlq.QueueArn).toBe(out.dlqArn);
    expect(dlq.MessageRetentionPeriod).toBe(String(14 * 24 * 3600));
    expect(dlq.SqsManagedSseEnabled).toBe("true");

    const sources = await eventTableSources();
    expect(out.eventSources).toEqual(sources);
    const rule = await events.send(new DescribeRuleCommand({ Name: "enforceai-cloudtrail-changes" }));
    expect(rule.Arn).toBe(out.ruleArns[0]);
    expect(rule.State).toBe("ENABLED");
    expect(JSON.parse(rule.EventPattern!)).toEqual({
      // "aws." + the service part, monitoring.amazonaws.com under both of its names (tools/aws/events-setup.ts).
      source: [...new Set(sources.flatMap((s) => eventBridgeSources(s)))].sort(),
      "detail-type": ["AWS API Call via CloudTrail"],
      detail: { eventSource: sources },
    });
    const config = await events.send(new DescribeRuleCommand({ Name: "enforceai-config-changes" }));
    expect(JSON.parse(config.EventPattern!)).toEqual({
      source: ["aws.config"],
      "detail-type": ["Config Configuration Item Change"],
    });
    for (const name of ["enforceai-cloudtrail-changes", "enforceai-config-changes"]) {
      const targets = (await events.send(new ListTargetsByRuleCommand({ Rule: name }))).Targets ?? [];
      expect(targets.map((t) => [t.Id, t.Arn])).toEqual([["enforceai-events-queue", out.queueArn]]);
    }
  });

  it("a second run changes nothing; a new max receive count updates the queue in place", async () => {
    const again = await setup("--json", "--max-receive-count", "4");
    expect(again.code).toBe(0);
    const out = JSON.parse(again.stdout) as SetupJson;
    expect(out.resources.map((r) => r.status)).toEqual(Array(7).fill("unchanged"));

    const changed = await setup("--json", "--max-receive-count", "7");
    expect(changed.code).toBe(0);
    const updated = JSON.parse(changed.stdout) as SetupJson;
    const queue = updated.resources.find((r) => r.kind === "queue")!;
    expect(queue).toMatchObject({ status: "updated", changed: ["RedrivePolicy"], arn: out.queueArn });
    expect(updated.resources.filter((r) => r.kind !== "queue").every((r) => r.status === "unchanged")).toBe(
      true,
    );
    const attributes = (
      await sqs.send(
        new GetQueueAttributesCommand({ QueueUrl: updated.queueUrl, AttributeNames: ["RedrivePolicy"] }),
      )
    ).Attributes!;
    expect(JSON.parse(attributes.RedrivePolicy!).maxReceiveCount).toBe(7);

    // No duplicates: still two queues and two rules, each rule with one target.
    expect(((await sqs.send(new ListQueuesCommand({}))).QueueUrls ?? []).length).toBe(2);
    const rules = (await events.send(new ListRulesCommand({}))).Rules ?? [];
    expect(rules.map((r) => r.Name).sort()).toEqual([
      "enforceai-cloudtrail-changes",
      "enforceai-config-changes",
    ]);
  });

  it("a CloudTrail-shaped event on the default bus arrives in the queue in its EventBridge envelope", async () => {
    const queueUrl = (await sqs.send(new GetQueueUrlCommand({ QueueName: "enforceai-events" }))).QueueUrl!;
    const detail = {
      eventVersion: "1.09",
      eventSource: "s3.amazonaws.com",
      eventName: "PutBucketPolicy",
      awsRegion: REGION,
      eventTime: new Date().toISOString(),
      requestParameters: { bucketName: `watched-${account}` },
      recipientAccountId: account,
    };
    const put = await events.send(
      new PutEventsCommand({
        Entries: [
          { Source: "aws.s3", DetailType: "AWS API Call via CloudTrail", Detail: JSON.stringify(detail) },
          {
            Source: "aws.config",
            DetailType: "Config Configuration Item Change",
            Detail: JSON.stringify({ messageType: "ConfigurationItemChangeNotification" }),
          },
          // Not in the pattern: a service the table does not follow.
          {
            Source: "aws.athena",
            DetailType: "AWS API Call via CloudTrail",
            Detail: JSON.stringify({ ...detail, eventSource: "athena.amazonaws.com" }),
          },
        ],
      }),
    );
    expect(put.FailedEntryCount ?? 0).toBe(0);

    const received = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 5 }),
    );
    const messages = [...(received.Messages ?? [])];
    // Delivery may be split over receives; collect until both expected events arrived.
    for (let i = 0; i < 3 && messages.length < 2; i++) {
      const more = await sqs.send(
        new ReceiveMessageCommand({ QueueUrl: queueUrl, MaxNumberOfMessages: 10, WaitTimeSeconds: 2 }),
      );
      messages.push(...(more.Messages ?? []));
    }
    const bodies = messages.map((m) => JSON.parse(m.Body!) as Record<string, unknown>);
    expect(bodies.map((b) => b.source).sort()).toEqual(["aws.config", "aws.s3"]);
    const envelope = bodies.find((b) => b.source === "aws.s3")!;
    expect(envelope).toMatchObject({
      id: expect.any(String),
      "detail-type": "AWS API Call via CloudTrail",
      source: "aws.s3",
      time: expect.any(String),
      region: REGION,
      detail,
    });
    // EventBridge puts the account id in the envelope; moto's envelope leaves it out.
    if ("account" in envelope) expect(envelope.account).toBe(account);
    for (const m of messages) {
      await sqs.send(new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }));
    }
  });

  it("an invalid region is a usage error (exit 2) saying what to pass", async () => {
    const run = await runCli(["events", "setup", "--region", "Mars-1"], env);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr.trim()).toBe(
      'enforceai: "Mars-1" is not an AWS region name; pass one like --region us-east-1',
    );
  });
});
