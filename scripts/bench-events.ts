/**
 * Event benchmark on moto: how fast a change in AWS becomes an updated finding, and how many events one
 * watcher process handles in a burst.
 *
 *   npm run bench:events -- [--endpoint URL] [--changes 40] [--burst 1000] [--buckets 20] [--window-ms 1000]
 *
 * Latency: a bucket's policy is made public (or private again) in moto, the CloudTrail-shaped event goes
 * through EventBridge to the queue (moto emits no CloudTrail events itself), and the clock runs from the
 * event's time until the watcher has stored the new verdict — the coalescing window included. Throughput: a
 * burst of `--burst` events over `--buckets` buckets is put on the queue, then one watcher drains it.
 * The store is the embedded one (in memory). moto answers in-process, so re-reads cost less than on AWS, but
 * its ReceiveMessage is slow on a deep queue (about 370 ms per call with 500 messages waiting on this machine),
 * so the burst's wall time measures moto; the handling time (everything but waiting for messages) is ours.
 * It reuses the watcher tests' harness (test/services/watch-harness.ts): one way to stand the pipeline up.
 */
import { randomUUID } from "node:crypto";
import { CreateBucketCommand, DeleteBucketPolicyCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { SendMessageBatchCommand } from "@aws-sdk/client-sqs";
import { REGION, watchHarness } from "../test/services/watch-harness.ts";
import { argValue, emulatorEndpoint } from "./seed-demo-account.ts";

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
}

async function main() {
  const endpoint = emulatorEndpoint(process.argv);
  const changes = Number(argValue(process.argv, "--changes") ?? 40);
  const burst = Number(argValue(process.argv, "--burst") ?? 1000);
  const bucketCount = Number(argValue(process.argv, "--buckets") ?? 20);
  const windowMs = Number(argValue(process.argv, "--window-ms") ?? 1000);
  const h = await watchHarness(endpoint);
  const s3 = h.access.clientsFor(REGION).s3;
  const sqs = h.access.clientsFor(REGION).get("sqs");
  const buckets = Array.from({ length: bucketCount }, (_, i) => `bench-${i}-${randomUUID().slice(0, 6)}`);
  for (const b of buckets) await s3.send(new CreateBucketCommand({ Bucket: b }));
  await h.baseline(["s3"]);

  // Latency: one change at a time, a watcher running as in production.
  const watcher = h.watcher({ settings: { windowMs } });
  const stop = new AbortController();
  const running = watcher.run({ signal: stop.signal });
  const latencies: number[] = [];
  for (let i = 0; i < changes; i++) {
    const bucket = buckets[i % buckets.length]!;
    const makePublic = Math.floor(i / buckets.length) % 2 === 0;
    if (makePublic) {
      await s3.send(
        new PutBucketPolicyCommand({
          Bucket: bucket,
          Policy: JSON.stringify({
            Version: "2012-10-17",
            Statement: [
              {
                Effect: "Allow",
                Principal: "*",
                Action: "s3:GetObject",
                Resource: `arn:aws:s3:::${bucket}/*`,
              },
            ],
          }),
        }),
      );
    } else {
      await s3.send(new DeleteBucketPolicyCommand({ Bucket: bucket }));
    }
    const record = h.record("s3.amazonaws.com", makePublic ? "PutBucketPolicy" : "DeleteBucketPolicy", {
      bucketName: bucket,
    });
    const before = h.summaries.length;
    await h.publish(record);
    const deadline = Date.now() + 30_000;
    while (!h.summaries.slice(before).some((s) => s.events.some((e) => e.eventId === record.eventID))) {
      if (Date.now() > deadline) throw new Error(`event ${i} was not evaluated within 30 s`);
      await new Promise((r) => setTimeout(r, 10));
    }
    const summary = h.summaries
      .slice(before)
      .find((s) => s.events.some((e) => e.eventId === record.eventID))!;
    latencies.push(summary.latenciesMs[summary.events.findIndex((e) => e.eventId === record.eventID)]!);
  }
  stop.abort(new Error("done"));
  await running;

  // Throughput: a burst put on the queue first, then drained by one watcher.
  const names = ["PutBucketTagging", "PutBucketVersioning", "PutBucketLogging", "PutBucketEncryption"];
  const bodies = Array.from({ length: burst }, (_, i) =>
    JSON.stringify({
      "detail-type": "AWS API Call via CloudTrail",
      id: randomUUID(),
      detail: h.record("s3.amazonaws.com", names[i % names.length]!, {
        bucketName: buckets[i % buckets.length],
      }),
    }),
  );
  for (let i = 0; i < bodies.length; i += 10) {
    await sqs.send(
      new SendMessageBatchCommand({
        QueueUrl: h.queueUrl,
        Entries: bodies.slice(i, i + 10).map((body, n) => ({ Id: String(n), MessageBody: body })),
      }),
    );
  }
  const drainer = h.watcher({ settings: { windowMs } });
  const started = performance.now();
  await drainer.run({ untilEmpty: true });
  const seconds = (performance.now() - started) / 1000;
  const result = {
    latency: {
      changes,
      windowMs,
      p50Ms: Math.round(percentile(latencies, 50)),
      p95Ms: Math.round(percentile(latencies, 95)),
      maxMs: Math.round(Math.max(...latencies)),
    },
    burst: {
      events: burst,
      handled: drainer.stats.changes,
      evaluations: drainer.stats.evaluations,
      seconds: Math.round(seconds * 100) / 100,
      eventsPerSecond: Math.round(drainer.stats.changes / seconds),
      handlingSeconds: Math.round(drainer.stats.handlingMs / 10) / 100,
      eventsPerHandlingSecond: Math.round(drainer.stats.changes / (drainer.stats.handlingMs / 1000)),
    },
  };
  console.log(JSON.stringify(result));
  console.log(
    `event → stored verdict: p50 ${result.latency.p50Ms} ms, p95 ${result.latency.p95Ms} ms (window ${windowMs} ms, ${changes} changes)\n` +
      `burst of ${burst}: ${result.burst.handled} handled in ${result.burst.seconds} s = ${result.burst.eventsPerSecond} events/s (${result.burst.evaluations} evaluations); ` +
      `handling alone (re-reads, evaluation, store, deletes; not waiting on ReceiveMessage) ${result.burst.handlingSeconds} s = ${result.burst.eventsPerHandlingSecond} events/s`,
  );
  await h.close();
}

await main();
