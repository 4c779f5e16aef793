/**
 * `kill -9` of `enforceai watch` while a message is in flight loses and duplicates nothing: the message comes
 * back after its visibility timeout and the next watcher processes it once. Real processes, real moto queue,
 * the embedded store in a temporary ENFORCEAI_HOME. moto's default account (static credentials) is used, with
 * names of our own, because the CLI reads the queue with the default credential chain.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { CreateQueueCommand, GetQueueAttributesCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, expect, it } from "vitest";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import { openStore } from "../../src/store/index.ts";
import { type AwsAccess, awsAccess } from "../../tools/aws/access.ts";
import { DUMMY_CREDENTIALS } from "../aws/moto-helpers.ts";
import { runCli } from "../helpers/cli.ts";
import { serviceDescribe } from "../helpers/services.ts";

const ACCOUNT = "123456789012";
const REGION = "us-east-1";

serviceDescribe("moto", "a watcher killed mid-message", (endpoint) => {
  let access: AwsAccess;
  let home: string;
  let queueUrl: string;
  const bucket = `crash-${randomUUID().slice(0, 8)}`;
  const env = () => ({
    ENFORCEAI_HOME: home,
    AWS_ENDPOINT_URL: endpoint,
    AWS_ACCESS_KEY_ID: DUMMY_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DUMMY_CREDENTIALS.secretAccessKey,
    AWS_REGION: REGION,
    ENFORCEAI_EVENTS_QUEUE_URL: queueUrl,
    ENFORCEAI_EVENTS_VISIBILITY_SECONDS: "2",
  });

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "enforceai-watch-crash-"));
    access = awsAccess({ homeRegion: REGION, endpoint, credentials: DUMMY_CREDENTIALS, maxAttempts: 2 });
    const clients = access.clientsFor(REGION);
    queueUrl = (
      await clients
        .get("sqs")
        .send(new CreateQueueCommand({ QueueName: `crash-${randomUUID().slice(0, 8)}` }))
    ).QueueUrl!;
    await clients.s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    access?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  async function depth() {
    const answer = await access
      .clientsFor(REGION)
      .get("sqs")
      .send(
        new GetQueueAttributesCommand({
          QueueUrl: queueUrl,
          AttributeNames: ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        }),
      );
    return {
      visible: Number(answer.Attributes?.ApproximateNumberOfMessages),
      inFlight: Number(answer.Attributes?.ApproximateNumberOfMessagesNotVisible),
    };
  }

  async function until(what: string, test: () => Promise<boolean>, ms = 30_000) {
    const deadline = Date.now() + ms;
    while (!(await test())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it("the message reappears and is processed exactly once", async () => {
    const eventId = randomUUID();
    await access
      .clientsFor(REGION)
      .get("sqs")
      .send(
        new SendMessageCommand({
          QueueUrl: queueUrl,
          MessageBody: JSON.stringify({
            "detail-type": "AWS API Call via CloudTrail",
            id: randomUUID(),
            detail: {
              eventSource: "s3.amazonaws.com",
              eventName: "CreateBucket",
              eventID: eventId,
              eventTime: new Date().toISOString(),
              awsRegion: REGION,
              recipientAccountId: ACCOUNT,
              userIdentity: {
                type: "IAMUser",
                arn: `arn:aws:iam::${ACCOUNT}:user/mallory`,
                userName: "mallory",
              },
              requestParameters: { bucketName: bucket },
            },
          }),
        }),
      );
    // A long window holds the message in flight (its visibility extended) before any work is stored.
    let child: ChildProcess | undefined = spawn(
      process.execPath,
      [path.join(PACKAGE_ROOT, "bin", "enforceai.js"), "watch"],
      {
        cwd: PACKAGE_ROOT,
        env: { ...process.env, ...env(), ENFORCEAI_EVENTS_WINDOW_MS: "20000", ENFORCEAI_LOG_LEVEL: "warn" },
        stdio: "ignore",
      },
    );
    try {
      await until("the watcher to take the message", async () => (await depth()).inFlight === 1);
      child.kill("SIGKILL");
      await new Promise((r) => child!.once("exit", r));
      child = undefined;
      await until("the message to come back", async () => (await depth()).visible === 1);
    } finally {
      child?.kill("SIGKILL");
    }
    const again = await runCli(["watch", "--once", "--json"], env());
    expect(again.code, again.stderr).toBe(0);
    const stats = JSON.parse(again.stdout.slice(again.stdout.lastIndexOf('{\n  "stats"'))).stats;
    expect(stats).toMatchObject({ messages: 1, changes: 1, duplicates: 0 });
    expect(await depth()).toEqual({ visible: 0, inFlight: 0 });
    const store = await openStore({ home });
    try {
      expect((await store.events.received([eventId])).size).toBe(1);
      const drift = await store.events.drift({ arn: `arn:aws:s3:::${bucket}` });
      expect(drift).toHaveLength(1);
      expect(drift[0]).toMatchObject({ change: "created", actor: `arn:aws:iam::${ACCOUNT}:user/mallory` });
    } finally {
      await store.close();
    }
  }, 120_000);
});
