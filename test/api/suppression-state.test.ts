/** The findings API returns the suppression state the engine computes, so the dashboard need not re-derive it. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.ts";
import { type Harness, startHarness } from "./harness.ts";

describe("suppression state in the findings API", () => {
  let h: Harness;
  let scanId: string;
  beforeAll(async () => {
    h = await startHarness(await openStore({ dataDir: "memory://" }));
    scanId = await h.demoScan();
  }, 120_000);
  afterAll(async () => {
    await h?.close();
  });

  it("a suppression made after the scan shows as pendingSuppression on the findings it covers", async () => {
    const failing = await h.call("GET", `/api/v1/findings?scanId=${scanId}&status=FAIL&limit=1`, {
      role: "viewer",
    });
    const target = failing.body.items[0];
    expect(target.pendingSuppression).toBeUndefined();
    const created = await h.call("POST", "/api/v1/suppressions", {
      role: "operator",
      body: { checkId: target.checkId, reason: "accepted for the test", owner: "tester" },
    });
    expect(created.status).toBe(201);
    const after = await h.call(
      "GET",
      `/api/v1/findings?scanId=${scanId}&checkId=${target.checkId}&status=FAIL`,
      {
        role: "viewer",
      },
    );
    expect(after.body.items.length).toBeGreaterThan(0);
    for (const f of after.body.items) {
      expect(f.suppressed).toBe(false);
      expect(f.pendingSuppression).toMatchObject({
        id: created.body.id,
        reason: "accepted for the test",
        owner: "tester",
      });
    }
    const detail = await h.call("GET", `/api/v1/findings/${encodeURIComponent(target.id)}?scanId=${scanId}`, {
      role: "viewer",
    });
    expect(detail.body.finding.pendingSuppression.id).toBe(created.body.id);
    const passing = await h.call(
      "GET",
      `/api/v1/findings?scanId=${scanId}&checkId=${target.checkId}&status=PASS`,
      {
        role: "viewer",
      },
    );
    for (const f of passing.body.items) expect(f.pendingSuppression).toBeUndefined();
  });
});
