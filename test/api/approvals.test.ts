/**
 * The approval queue over HTTP: a scan with autoRemediate proposes and waits; approvers decide (four eyes: no
 * identity approves its own request); the scan resumes and the remediation history shows each execution's result.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemSchema } from "../../src/api/problem.ts";
import { approvalDetailSchema, remediationHistorySchema } from "../../src/api/routes/approvals.ts";
import { scanSchema } from "../../src/api/schemas.ts";
import { openStore } from "../../src/store/index.ts";
import { conforms, type Harness, startHarness } from "./harness.ts";

// Remediation calls of the approved request go to a closed local port, never to AWS.
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";
process.env.AWS_MAX_ATTEMPTS = "1";

let h: Harness;
let scanId: string;

beforeAll(async () => {
  h = await startHarness(await openStore({ dataDir: "memory://" }), {
    env: {
      AWS_ENDPOINT_URL: "http://127.0.0.1:9",
      AWS_REGION: "us-east-1",
      // The scan runner reads the remediation settings from the configuration: a role (assumed through the
      // closed port).
      ENFORCEAI_REMEDIATION_ROLE_ARN: "arn:aws:iam::123456789012:role/EnforceAIRemediation",
    },
  });
  // The approver starts it: its own requests are then the four-eyes case.
  const start = await h.call("POST", "/api/v1/scans", {
    role: "approver",
    body: { demo: true, frameworks: ["cis-aws-3.0"], autoRemediate: true },
  });
  expect(start.status).toBe(202);
  scanId = start.body.id;
  expect(await h.waitForScan(scanId)).toBe("awaiting_approval");
}, 90_000);

afterAll(async () => {
  await h?.close();
});

describe("approvals", () => {
  it("lists the pending requests of the waiting scan (viewer), each with the exact plan", async () => {
    const r = await h.call("GET", `/api/v1/approvals?scanId=${scanId}`, { role: "viewer" });
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(1);
    expect(r.body.items.every((a: { status: string; requestedBy: string }) => a.status === "pending")).toBe(
      true,
    );
    expect(r.body.items[0].requestedBy).toBe("approver-user");
    const one = await h.call("GET", `/api/v1/approvals/${r.body.items[0].id}`, { role: "viewer" });
    const detail = conforms(approvalDetailSchema, one.body);
    expect(detail).toEqual(one.body);
    expect(detail.decisions).toEqual([]);
    expect(detail.executions).toEqual([]);
    expect((await h.call("GET", "/api/v1/approvals/apr-nope", { role: "viewer" })).status).toBe(404);
    expect((await h.call("GET", "/api/v1/approvals?status=maybe", { role: "viewer" })).status).toBe(400);
  });

  it("four eyes: the requester cannot approve, by key name or by key id; an operator cannot approve at all", async () => {
    const pending = (await h.call("GET", `/api/v1/approvals?scanId=${scanId}`)).body.items;
    const id = pending[0].id as string;
    const own = await h.call("POST", `/api/v1/approvals/${id}/approve`, {
      role: "approver",
      body: { comment: "mine" },
    });
    expect(own.status).toBe(403);
    expect(conforms(problemSchema, own.body).detail).toMatch(/cannot approve it \(four eyes\)/);
    // A second key of the same person (same name) is the same identity.
    const sameName = await h.app.store.apiKeys.create("approver", "test", "approver-user", {
      sameHolder: true,
    });
    const twin = await h.call("POST", `/api/v1/approvals/${id}/approve`, { key: sameName.key });
    expect(twin.status).toBe(403);
    const operator = await h.call("POST", `/api/v1/approvals/${id}/approve`, { role: "operator" });
    expect(operator.status).toBe(403);
    expect((await h.call("GET", `/api/v1/approvals/${id}`)).body.status).toBe("pending");
  });

  it("another approver approves one and rejects the others; a decided request is a 409", async () => {
    const pending = (await h.call("GET", `/api/v1/approvals?scanId=${scanId}&limit=500`)).body.items as {
      id: string;
      strategy: string;
    }[];
    // An immediate one runs as soon as the scan resumes (scheduled ones wait for their window).
    const first = pending.find((a) => a.strategy === "immediate");
    expect(first).toBeDefined();
    const rest = pending.filter((a) => a !== first);
    const approved = await h.call("POST", `/api/v1/approvals/${first!.id}/approve`, {
      role: "admin",
      body: { comment: "looks right" },
    });
    expect(approved.status).toBe(200);
    expect(conforms(approvalDetailSchema, approved.body)).toMatchObject({ status: "approved" });
    expect(approved.body.decisions[0]).toMatchObject({
      decidedBy: "admin-user",
      decision: "approve",
      comment: "looks right",
    });
    for (const a of rest) {
      // No body at all is fine for a decision.
      const r = await h.call("POST", `/api/v1/approvals/${a.id}/reject`, { role: "approver" });
      expect(r.status, a.id).toBe(200);
      expect(r.body.status).toBe("rejected");
    }
    const again = await h.call("POST", `/api/v1/approvals/${first!.id}/reject`, { role: "approver" });
    expect(again.status).toBe(409);
    expect((await h.call("GET", `/api/v1/approvals?scanId=${scanId}`)).body.items).toEqual([]);
    const decided = await h.call(
      "GET",
      `/api/v1/approvals?scanId=${scanId}&status=approved,rejected&limit=500`,
    );
    expect(decided.body.items).toHaveLength(pending.length);
  });

  it("the scan resumes, applies what was approved (the attempt is recorded) and completes", async () => {
    expect((await h.call("POST", `/api/v1/scans/${scanId}/resume`, { role: "viewer" })).status).toBe(403);
    const resumed = await h.call("POST", `/api/v1/scans/${scanId}/resume`, { role: "operator" });
    expect(resumed.status).toBe(202);
    conforms(scanSchema, resumed.body);
    expect(await h.waitForScan(scanId)).toBe("completed");
    expect((await h.call("POST", `/api/v1/scans/${scanId}/resume`, { role: "operator" })).status).toBe(409);

    const history = await h.call("GET", `/api/v1/remediations?scanId=${scanId}&limit=500`, {
      role: "viewer",
    });
    expect(history.status).toBe(200);
    const page = conforms(remediationHistorySchema, history.body);
    expect(page).toEqual(history.body);
    const approved = page.items.filter((i) => i.status === "approved");
    expect(approved).toHaveLength(1);
    // Exactly one execution for the approved request, with its result; none for the rejected ones.
    expect(approved[0]!.executions).toHaveLength(1);
    expect(["succeeded", "failed"]).toContain(approved[0]!.executions[0]!.status);
    expect(page.items.filter((i) => i.status === "rejected").every((i) => i.executions.length === 0)).toBe(
      true,
    );
    const rejectedOnly = await h.call("GET", `/api/v1/remediations?status=rejected`, { role: "viewer" });
    expect(
      rejectedOnly.body.items.every((i: { remediationStatus: string }) => i.remediationStatus === "rejected"),
    ).toBe(true);
  }, 60_000);

  it("a server with automatic remediation turned off answers autoRemediate with 409", async () => {
    const { createServer } = await import("../../src/api/server.ts");
    const s = await createServer(h.app, { chatModel: null, rateLimit: false, autoRemediation: false });
    const { url } = await s.listen();
    const r = await fetch(`${url}/api/v1/scans`, {
      method: "POST",
      headers: { authorization: `Bearer ${h.keys.operator.key}`, "content-type": "application/json" },
      body: JSON.stringify({ demo: true, autoRemediate: true }),
    });
    expect(r.status).toBe(409);
    await s.close(500);
  });
});
