/**
 * A live scan started through the API against the AWS emulator (moto), in a private account reached through
 * a role: its progress stream carries the discovery events (per service and region), and its findings are the
 * account's.
 */
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { scanEventSchema } from "../../src/api/schemas.ts";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createLogger } from "../../src/logger.ts";
import { type ScanEvent, ScanJobs } from "../../src/services/scan-jobs.ts";
import { openStore } from "../../src/store/index.ts";
import { accountCredentials, randomAccountId } from "../aws/moto-helpers.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { conforms, type Harness, startHarness } from "./harness.ts";

serviceDescribe("moto", "a live scan through the API", (moto) => {
  const account = randomAccountId();
  const roleArn = `arn:aws:iam::${account}:role/EnforceAIScan`;
  const bucket = `api-live-${account}`;
  let h: Harness;

  beforeAll(async () => {
    // The SDK's default credential chain of the server process: moto accepts any.
    process.env.AWS_ACCESS_KEY_ID = "testing";
    process.env.AWS_SECRET_ACCESS_KEY = "testing";
    const s3 = new S3Client({
      endpoint: moto,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: accountCredentials(moto, account),
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    h = await startHarness(await openStore({ dataDir: "memory://" }), {
      env: { AWS_ENDPOINT_URL: moto, AWS_REGION: "us-east-1" },
    });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it("streams discovery events per service and region, then completes with the account's findings", async () => {
    const start = await h.call("POST", "/api/v1/scans", {
      role: "operator",
      body: { scope: { regions: ["us-east-1"], roleArns: [roleArn] }, frameworks: ["cis-aws-3.0"] },
    });
    expect(start.status, start.text).toBe(202);
    expect(start.body.source).toBe("live");
    const stream = await h.events(`/api/v1/scans/${start.body.id}/events`, { role: "viewer" });
    for (const e of stream.events) conforms(scanEventSchema, e.data);
    const discovery = stream.events
      .filter((e) => e.event === "discovery")
      .map((e) => e.data as { service: string; region: string; state: string });
    expect(discovery.length).toBeGreaterThan(4);
    expect(discovery.some((d) => d.service === "s3" && d.state === "done")).toBe(true);
    expect(discovery.filter((d) => d.state === "start").length).toBe(
      discovery.filter((d) => d.state !== "start").length,
    );
    expect(stream.events.at(-1)).toMatchObject({ event: "status", data: { status: "completed" } });
    const scan = (await h.call("GET", `/api/v1/scans/${start.body.id}`)).body.scan;
    expect(scan.accounts).toEqual([account]);
    const findings = await h.call("GET", `/api/v1/findings?scanId=${start.body.id}&service=s3&limit=500`);
    expect(findings.body.items.some((f: { resourceId: string }) => f.resourceId === bucket)).toBe(true);
  }, 120_000);
});

serviceDescribe("moto", "cancelling a live scan", (moto) => {
  const account = randomAccountId();
  let app: App;

  beforeAll(async () => {
    process.env.AWS_ACCESS_KEY_ID = "testing";
    process.env.AWS_SECRET_ACCESS_KEY = "testing";
    app = await createApp(
      loadConfig({
        ENFORCEAI_HOME: "/tmp/enforceai-api-test-unused",
        AWS_ENDPOINT_URL: moto,
        AWS_REGION: "us-east-1",
      }),
      {
        store: await openStore({ dataDir: "memory://" }),
        logger: createLogger({ level: "silent", format: "json" }),
      },
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it("stops while discovery is in flight: cancelled promptly, no discovery progress after the cancel", async () => {
    const jobs = new ScanJobs(app);
    const scan = await jobs.start({
      // Many regions, so that discovery is still running when the cancel comes.
      source: {
        kind: "live",
        regions: ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1"],
        roleArns: [`arn:aws:iam::${account}:role/EnforceAIScan`],
        endpoint: moto,
      },
      frameworks: ["cis-aws-3.0"],
      requestedBy: "tester",
    });
    const events: ScanEvent[] = [];
    let eventsAtCancel = -1;
    let cancelledAt = 0;
    let cancelling: Promise<unknown> | undefined;
    await jobs.follow(
      scan.id,
      0,
      ({ event }) => {
        events.push(event);
        if (event.type === "discovery" && event.state === "done" && !cancelling) {
          eventsAtCancel = events.length;
          cancelledAt = performance.now();
          cancelling = jobs.cancel(scan.id, "tester");
        }
      },
      new Promise(() => {}),
    );
    const endedAfterMs = performance.now() - cancelledAt;
    expect(await cancelling).toMatchObject({ status: "cancelled" });
    expect(eventsAtCancel).toBeGreaterThan(0);
    // Only the final status follows the cancel.
    expect(events.slice(eventsAtCancel)).toEqual([
      { type: "status", scanId: scan.id, status: "cancelled", error: "cancelled by tester" },
    ]);
    expect(endedAfterMs).toBeLessThan(2_000);
    const record = await app.store.scans.get(scan.id);
    expect(record.status).toBe("cancelled");
    // Discovery never finished: nothing of it was stored, and the graph went no further.
    expect(record.resourceCount ?? 0).toBe(0);
    expect(await app.store.findings.allOfScan(scan.id)).toEqual([]);
    await expect(jobs.resume(scan.id, "tester")).rejects.toThrow(/cancelled/);
  }, 120_000);
});
