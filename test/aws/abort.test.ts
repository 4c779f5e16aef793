/**
 * Cancelling a discovery: the AbortSignal reaches every SDK call (`abortSignal`), no new task or call starts once
 * it fired, and the run ends at once with the abort error. Against moto, in an account of the test's own.
 */
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { awsAccess } from "../../tools/aws/access.ts";
import { type ClientFactory, createClient } from "../../tools/aws/clients.ts";
import { discoverAccount, discoverResources } from "../../tools/aws/discover.ts";
import { requireService } from "../helpers/services.ts";
import { type Attempt, accountCredentials, faultyClientFactory, randomAccountId } from "./moto-helpers.ts";

const moto = requireService("moto");

type Handler = (args: unknown) => Promise<unknown>;
interface InitializeStack {
  add(
    middleware: (next: Handler) => Handler,
    options: { step: "initialize"; name: string; priority: "high" },
  ): void;
}
const REGION = "us-east-1";

describe.skipIf(!moto)("cancelling discovery", () => {
  const endpoint = moto!;
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId, "enforceai-abort");
  const buckets = Array.from({ length: 12 }, (_, i) => `enforceai-abort-${accountId}-${i}`);

  /** Settles once nothing that was already running can still make a call: every task has seen the abort. */
  const settled = () => new Promise((resolve) => setTimeout(resolve, 250));

  it("ends mid-discovery with the abort error and makes no call after it", async () => {
    const s3 = createClient("s3", {
      region: REGION,
      endpoint,
      credentials,
      maxAttempts: 2,
      retryMode: "standard",
    });
    for (const Bucket of buckets) await s3.send(new CreateBucketCommand({ Bucket }));
    s3.destroy();

    const controller = new AbortController();
    const attempts: Attempt[] = [];
    // Calls counted where they are made (the first middleware runs synchronously inside `send`): a call made
    // before the abort may reach the later steps (where `attempts` are recorded) a moment after it, under load.
    let made = 0;
    const counting: ClientFactory = (kind, settings) => {
      const client = createClient(kind, settings);
      (client.middlewareStack as unknown as InitializeStack).add(
        (next) => (args) => {
          made += 1;
          return next(args);
        },
        { step: "initialize", name: "countCallsMade", priority: "high" },
      );
      return client;
    };
    // Abort on the first per-bucket read: discovery is then well under way, with most of its work ahead.
    const clientFactory = faultyClientFactory(
      (a) => {
        if (a.operation.startsWith("GetBucket") && !controller.signal.aborted) controller.abort();
        return undefined;
      },
      attempts,
      counting,
    );
    const started = performance.now();
    const run = discoverAccount({
      endpoint,
      credentials,
      regions: [REGION],
      services: ["s3", "iam", "kms", "ec2"],
      clientFactory,
      maxAttempts: 1,
      perResourceConcurrency: 1,
      signal: controller.signal,
    });
    await expect(run).rejects.toMatchObject({ name: "AbortError" });
    const elapsed = performance.now() - started;
    const madeBeforeEnd = made;
    await settled();
    expect(made).toBe(madeBeforeEnd);
    // One per-bucket read (the one that aborted) at most per task in flight; the other buckets are never read.
    const perBucket = attempts.filter((a) => a.operation.startsWith("GetBucket")).length;
    expect(perBucket).toBeLessThan(buckets.length);
    expect(elapsed).toBeLessThan(10_000);
  }, 60_000);

  it("makes no call at all when the signal has already fired", async () => {
    const attempts: Attempt[] = [];
    const clientFactory = faultyClientFactory(() => undefined, attempts);
    const controller = new AbortController();
    controller.abort();
    await expect(
      discoverAccount({ endpoint, credentials, regions: [REGION], clientFactory, signal: controller.signal }),
    ).rejects.toMatchObject({ name: "AbortError" });
    const access = awsAccess({ homeRegion: REGION, endpoint, credentials, clientFactory });
    await expect(
      discoverResources(
        access,
        [{ resourceType: "AWS::S3::Bucket", region: REGION, accountId, arn: `arn:aws:s3:::${buckets[0]}` }],
        { signal: controller.signal },
      ),
    ).rejects.toMatchObject({ name: "AbortError" });
    access.destroy();
    expect(attempts).toEqual([]);
  });
});
