/**
 * The changes API over a store the watcher wrote to: drift records (paged, by resource), evaluations, the live
 * stream of evaluations (from now, or after Last-Event-ID), failed messages (operator only), and the drift on
 * a resource's page. Roles on every route.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseSse } from "../../src/api/sse.ts";
import type { NewDriftRecord } from "../../src/store/events.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { type Harness, startHarness } from "./harness.ts";

const ARN = "arn:aws:s3:::watched";
const event = (n: number) => ({
  eventId: `e-${n}`,
  eventName: "PutBucketPolicy",
  source: "s3.amazonaws.com",
  at: new Date(Date.UTC(2026, 11, 1, 10, n)).toISOString(),
  actor: { type: "IAMUser", arn: "arn:aws:iam::123456789012:user/alice", name: "alice" },
});
const transition = {
  findingId: "123456789012/us-east-1/s3_bucket_policy_no_public_principal/watched",
  checkId: "s3_bucket_policy_no_public_principal",
  title: "no public principal",
  severity: "high",
  resourceArn: ARN,
  from: "PASS" as const,
  to: "FAIL" as const,
  reason: "Principal * allowed",
  frameworks: [{ framework: "cis-aws-3.0", controlId: "2.1.4" }],
};

async function evaluation(store: Store, id: string, n: number): Promise<void> {
  const at = new Date(Date.UTC(2026, 11, 1, 10, n));
  await store.events.saveEvaluation({
    id,
    startedAt: at,
    completedAt: at,
    eventCount: 1,
    resources: [{ resourceType: "AWS::S3::Bucket", resourceId: "watched", arn: ARN, change: "modified" }],
    gaps: [],
    transitions: [transition],
  });
  const drift: NewDriftRecord = {
    evaluationId: id,
    accountId: "123456789012",
    region: "us-east-1",
    resourceType: "AWS::S3::Bucket",
    resourceId: "watched",
    arn: ARN,
    change: "modified",
    event: event(n),
    events: [event(n)],
    beforeHash: "a",
    afterHash: "b",
    diff: {
      changes: [{ path: "supplementaryConfiguration.policy", before: null, after: { Statement: [] } }],
      truncated: false,
    },
    transitions: [transition],
  };
  await store.events.appendDrift([drift]);
}

describe("the changes API", () => {
  let store: Store;
  let h: Harness;

  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
    h = await startHarness(store);
    for (let i = 1; i <= 3; i++) await evaluation(store, `ev-${i}`, i);
    await store.events.recordFailure({
      messageId: "m-1",
      eventId: "e-9",
      attempts: 5,
      reason: "failed 5 times; last: boom",
      at: new Date(),
      deadLettered: true,
    });
  });
  // Closing the harness closes the app, and the app closes the store it was given.
  afterAll(async () => h?.close());

  it("lists drift newest first, pages with `before`, filters by resource, and needs a key", async () => {
    const first = await h.call("GET", "/api/v1/drift?limit=2", { role: "viewer" });
    expect(first.status).toBe(200);
    expect(first.body.items.map((d: { evaluationId: string }) => d.evaluationId)).toEqual(["ev-3", "ev-2"]);
    expect(first.body.items[0]).toMatchObject({
      actor: "arn:aws:iam::123456789012:user/alice",
      eventName: "PutBucketPolicy",
    });
    const next = await h.call("GET", `/api/v1/drift?limit=2&before=${first.body.next}`, { role: "viewer" });
    expect(next.body.items.map((d: { evaluationId: string }) => d.evaluationId)).toEqual(["ev-1"]);
    expect(next.body.next).toBeNull();
    const other = await h.call("GET", `/api/v1/drift?arn=${encodeURIComponent("arn:aws:s3:::other")}`, {
      role: "viewer",
    });
    expect(other.body.items).toEqual([]);
    expect((await h.call("GET", "/api/v1/drift", { key: null })).status).toBe(401);
    expect((await h.call("GET", "/api/v1/drift?account=12", { role: "viewer" })).status).toBe(400);
  });

  it("lists evaluations; failed messages are for operators", async () => {
    const evaluations = await h.call("GET", "/api/v1/evaluations", { role: "viewer" });
    expect(evaluations.body.items.map((e: { id: string }) => e.id)).toEqual(["ev-3", "ev-2", "ev-1"]);
    expect(evaluations.body.items[0].transitions[0]).toMatchObject({ from: "PASS", to: "FAIL" });
    expect((await h.call("GET", "/api/v1/events/failures", { role: "viewer" })).status).toBe(403);
    const failures = await h.call("GET", "/api/v1/events/failures?deadLettered=true", { role: "operator" });
    expect(failures.body.items).toEqual([
      expect.objectContaining({ messageId: "m-1", deadLettered: true, attempts: 5 }),
    ]);
  });

  it("streams evaluations as they are stored, and replays after Last-Event-ID", async () => {
    const controller = new AbortController();
    const res = await fetch(`${h.url}/api/v1/evaluations/stream`, {
      headers: { authorization: `Bearer ${h.keys.viewer.key}` },
      signal: controller.signal,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const reader = res.body!.getReader();
    let text = "";
    const read = async (until: (t: string) => boolean) => {
      while (!until(text)) {
        const { value, done } = await reader.read();
        if (done) break;
        text += new TextDecoder().decode(value);
      }
    };
    await read((t) => t.includes("following evaluations"));
    await evaluation(store, "ev-4", 4);
    await read((t) => t.includes("event: evaluation"));
    controller.abort();
    const [streamed] = parseSse(text).filter((e) => e.event === "evaluation");
    expect(streamed).toMatchObject({ event: "evaluation", data: { id: "ev-4" } });

    // Reconnecting after ev-2's seq replays the later ones.
    const seq = (await store.events.evaluations()).find((e) => e.id === "ev-2")!.seq;
    const again = new AbortController();
    const replay = await fetch(`${h.url}/api/v1/evaluations/stream`, {
      headers: { authorization: `Bearer ${h.keys.viewer.key}`, "last-event-id": String(seq) },
      signal: again.signal,
    });
    const r2 = replay.body!.getReader();
    let t2 = "";
    while ((t2.match(/event: evaluation/g) ?? []).length < 2) {
      const { value, done } = await r2.read();
      if (done) break;
      t2 += new TextDecoder().decode(value);
    }
    again.abort();
    expect(
      parseSse(t2)
        .filter((e) => e.event === "evaluation")
        .map((e) => (e.data as { id: string }).id),
    ).toEqual(["ev-3", "ev-4"]);
  });

  it("a resource's page carries its drift", async () => {
    await store.resources.applyChanges(
      "ev-1",
      [
        {
          resourceType: "AWS::S3::Bucket",
          resourceId: "watched",
          resourceName: "watched",
          arn: ARN,
          awsRegion: "us-east-1",
          accountId: "123456789012",
          configuration: {},
          supplementaryConfiguration: {},
          tags: {},
          configurationItemCaptureTime: new Date().toISOString(),
        },
      ],
      [],
    );
    const detail = await h.call("GET", `/api/v1/resources/${encodeURIComponent(ARN)}`, { role: "viewer" });
    expect(detail.status).toBe(200);
    expect(detail.body.drift.map((d: { evaluationId: string }) => d.evaluationId)).toEqual([
      "ev-4",
      "ev-3",
      "ev-2",
      "ev-1",
    ]);
  });
});
