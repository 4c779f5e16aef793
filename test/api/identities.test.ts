/**
 * Identities over the API are normalised (NFKC, case-folded, trimmed): a key named `Alice` or `alice ` is
 * alice, so it cannot approve alice's request, and two keys of one person are one approver where two are
 * needed. A key whose name would be another holder's identity is refused unless the caller says it is the
 * same person; the audit trail shows normalised identities.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemSchema } from "../../src/api/problem.ts";
import { remediationService } from "../../src/services/remediation.ts";
import { startScan } from "../../src/services/scan-service.ts";
import { openStore } from "../../src/store/index.ts";
import { conforms, type Harness, startHarness } from "./harness.ts";

let h: Harness;
let requestId: string;

beforeAll(async () => {
  h = await startHarness(await openStore({ dataDir: "memory://" }), {
    // Every request needs two approvers.
    env: { ENFORCEAI_TWO_APPROVERS_FOR: "low,medium,high,critical" },
  });
  const scan = await startScan(h.app, { source: { kind: "demo" }, requestedBy: "alice" });
  const requests = await (await remediationService(h.app)).proposeForScan(scan.id, undefined, "alice");
  expect(requests.length).toBeGreaterThan(0);
  requestId = requests[0]!.id;
}, 90_000);

afterAll(async () => {
  await h?.close();
});

const newKey = (body: Record<string, unknown>) => h.call("POST", "/api/v1/keys", { role: "admin", body });
const approve = (key: string) =>
  h.call("POST", `/api/v1/approvals/${requestId}/approve`, { key, body: { comment: "looks right" } });

describe("identities of API keys", () => {
  it("stores a key's name normalised and refuses another holder's identity unless it is the same person", async () => {
    const alice = await newKey({ role: "approver", name: "  Alice  " });
    expect(alice.status).toBe(201);
    expect(alice.body.name).toBe("alice");

    const impostor = await newKey({ role: "approver", name: "ALICE" });
    expect(impostor.status).toBe(409);
    expect(impostor.headers.get("content-type")).toMatch(/^application\/problem\+json/);
    expect(conforms(problemSchema, impostor.body).detail).toMatch(
      new RegExp(`identity "alice" of the holder of key ${alice.body.id}.*sameHolder`),
    );

    const second = await newKey({ role: "viewer", name: "alice", sameHolder: true });
    expect(second.status).toBe(201);
    expect(second.body.name).toBe("alice");
    const listed = (await h.call("GET", "/api/v1/keys", { role: "admin" })).body.items as {
      id: string;
      name: string | null;
    }[];
    expect(listed.filter((k) => k.name === "alice").map((k) => k.id)).toEqual([
      alice.body.id,
      second.body.id,
    ]);

    const audit = await h.app.store.audit.forSubject("api_key", second.body.id);
    expect(audit).toMatchObject([
      { actor: "admin-user", action: "api_key.created", details: { name: "alice", sameHolder: true } },
    ]);
  });

  it("four eyes: keys named `Alice` or `alice ` cannot approve alice's request", async () => {
    for (const name of ["Alice", "alice "]) {
      // The store's own caller says it is the same person: these are alice's keys, not someone else's.
      const twin = await h.app.store.apiKeys.create("approver", "test", name, { sameHolder: true });
      const r = await approve(twin.key);
      expect(r.status).toBe(403);
      expect(r.body.detail).toMatch(/alice requested .* cannot approve it \(four eyes\)/);
    }
    expect((await h.call("GET", `/api/v1/approvals/${requestId}`)).body).toMatchObject({
      status: "pending",
      approvals: 0,
    });
  });

  it("two keys of one person are one approver; the trail names the normalised identities", async () => {
    const bob = await newKey({ role: "approver", name: "Bob" });
    const bobAgain = await h.app.store.apiKeys.create("approver", "test", "BOB ", { sameHolder: true });
    const carol = await newKey({ role: "approver", name: "Carol" });

    const first = await approve(bob.body.key);
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ status: "pending", approvals: 1, requiredApprovals: 2 });
    const twice = await approve(bobAgain.key);
    expect(twice.status).toBe(409);
    expect(twice.body.detail).toMatch(/bob has already decided/);
    expect((await h.call("GET", `/api/v1/approvals/${requestId}`)).body.status).toBe("pending");

    const second = await approve(carol.body.key);
    expect(second.status).toBe(200);
    expect(second.body.status).toBe("approved");
    expect(second.body.decisions.map((d: { decidedBy: string }) => d.decidedBy)).toEqual(["bob", "carol"]);
    const trail = second.body.audit as { actor: string; action: string; details: Record<string, unknown> }[];
    expect(trail.find((e) => e.action === "remediation.proposed")?.actor).toBe("alice");
    expect(trail.filter((e) => e.action === "approval.decision").map((e) => e.actor)).toEqual([
      "bob",
      "carol",
    ]);
    expect(trail.find((e) => e.action === "approval.approved")).toMatchObject({
      actor: "carol",
      details: { approvers: ["bob", "carol"] },
    });
  });

  it("refuses a name that normalises to nothing or to a key id", async () => {
    expect((await newKey({ role: "viewer", name: "   " })).status).toBe(400);
    await expect(h.app.store.apiKeys.create("viewer", "test", "\u200b \u200d")).rejects.toThrow(/empty/);
    await expect(h.app.store.apiKeys.create("viewer", "test", "KEY:abc")).rejects.toThrow(/may not start/);
  });
});
