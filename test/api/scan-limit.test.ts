/**
 * `serve --max-scans` under a burst: twenty POST /scans sent at once to a listening server with a limit of two
 * start exactly two scans; the rest are 409 problems. Two servers sharing one PostgreSQL schema hold the limit
 * together (the scan slots in the store), and a finished scan frees its slot.
 */
import http from "node:http";
import { afterAll, describe, expect, it } from "vitest";
import { openStore, type Store } from "../../src/store/index.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { dropSchema, storeBackends, uniqueSchema } from "../helpers/stores.ts";
import { type Harness, startHarness } from "./harness.ts";

const BURST = 20;
const LIMIT = 2;

interface Answer {
  status: number;
  contentType: string;
  // biome-ignore lint/suspicious/noExplicitAny: test convenience
  body: any;
}

/**
 * One POST /scans on a connection of its own (closed after the answer), so the burst leaves no idle
 * keep-alive sockets behind for the harness's later requests to trip over.
 */
function startDemoScan(target: Harness): Promise<Answer> {
  const payload = JSON.stringify({ demo: true });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${target.url}/api/v1/scans`,
      {
        method: "POST",
        agent: false,
        headers: {
          authorization: `Bearer ${target.keys.operator.key}`,
          "content-type": "application/json",
          "content-length": Buffer.byteLength(payload),
        },
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (chunk) => {
          text += chunk;
        });
        res.on("end", () =>
          resolve({
            status: res.statusCode ?? 0,
            contentType: String(res.headers["content-type"] ?? ""),
            body: JSON.parse(text),
          }),
        );
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

function burst(targets: Harness[]): Promise<Answer[]> {
  return Promise.all(Array.from({ length: BURST }, (_, i) => startDemoScan(targets[i % targets.length]!)));
}

/**
 * Waits until the server that runs the scan has finished its job (its slot is freed before that), then
 * answers the scan's status. Not over HTTP: two scans on the embedded database can hold the event loop
 * longer than the server's keep-alive timeout, and a reused socket then races its own closing.
 */
async function finished(targets: Harness[], id: string): Promise<string> {
  for (let i = 0; i < 600; i++) {
    const job = targets.map((t) => t.server.services.jobs.get(id)).find(Boolean);
    if (job?.finished) return (await targets[0]!.app.store.scans.get(id)).status;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`scan ${id} still running after 60 s`);
}

function expectLimitHeld(replies: Answer[]) {
  const accepted = replies.filter((r) => r.status === 202);
  const refused = replies.filter((r) => r.status !== 202);
  expect(accepted).toHaveLength(LIMIT);
  for (const r of refused) {
    expect(r.status).toBe(409);
    expect(r.contentType).toMatch(/^application\/problem\+json/);
    expect(r.body.detail).toMatch(/already running \(the limit is 2/);
  }
  return accepted.map((r) => r.body.id as string);
}

for (const backend of storeBackends()) {
  describe(`scan limit on one server (${backend.name})`, () => {
    let store: Store | undefined;
    let harness: Harness | undefined;
    // Closing the harness closes its app, and with it the store.
    afterAll(async () => harness?.close());

    it(`accepts exactly ${LIMIT} of ${BURST} simultaneous scans, then frees the slots when they end`, async () => {
      store = await backend.open();
      harness = await startHarness(store, { maxConcurrentScans: LIMIT });
      const started = expectLimitHeld(await burst([harness]));
      for (const id of started) expect(await finished([harness], id)).toBe("completed");
      expect(await store.scanSlots.count()).toBe(0);
      const again = await startDemoScan(harness);
      expect(again.status).toBe(202);
      expect(await finished([harness], again.body.id)).toBe("completed");
    }, 120_000);
  });
}

serviceDescribe("postgres", "scan limit across servers on one PostgreSQL", (url) => {
  const schema = uniqueSchema();
  const stores: Store[] = [];
  const harnesses: Harness[] = [];
  afterAll(async () => {
    for (const h of harnesses) await h.close();
    await dropSchema(url, schema);
  });

  it(`two servers with --max-scans ${LIMIT} start ${LIMIT} scans between them, not ${2 * LIMIT}`, async () => {
    for (let i = 0; i < 2; i++) {
      const store = await openStore({ databaseUrl: url, schema });
      stores.push(store);
      harnesses.push(await startHarness(store, { maxConcurrentScans: LIMIT }));
    }
    const replies = await burst(harnesses);
    const started = expectLimitHeld(replies);
    for (const id of started) expect(await finished(harnesses, id)).toBe("completed");
    expect(await stores[0]!.scanSlots.count()).toBe(0);
  }, 120_000);
});
