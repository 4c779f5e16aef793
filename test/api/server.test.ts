/**
 * Every API route on a listening server over the embedded store: auth and roles, validation (400 with field
 * errors), 404/405/409/413/415, scan progress over SSE, findings filters and exports, resources, posture,
 * policies, suppressions, keys, probes, headers — and each answer checked against its declared schema.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { problemSchema } from "../../src/api/problem.ts";
import {
  apiKeyListSchema,
  createdApiKeySchema,
  findingListSchema,
  frameworkDetailSchema,
  frameworkListSchema,
  policyListSchema,
  policySchema,
  postureSchema,
  readinessSchema,
  resourceDetailSchema,
  resourceListSchema,
  resourceTypeCountsSchema,
  scanDetailSchema,
  scanEventSchema,
  scanListSchema,
  scanSchema,
  suppressionListSchema,
  suppressionSchema,
  trendSchema,
} from "../../src/api/schemas.ts";
import { startScan } from "../../src/services/scan-service.ts";
import { openStore } from "../../src/store/index.ts";
import { conforms, type Harness, startHarness } from "./harness.ts";
import { routeDocumented } from "./openapi-helpers.ts";

let h: Harness;
let scanId: string;

beforeAll(async () => {
  h = await startHarness(await openStore({ dataDir: "memory://" }));
  scanId = await h.demoScan();
}, 60_000);

afterAll(async () => {
  await h?.close();
});

const problem = (body: unknown) => {
  const p = conforms(problemSchema, body);
  expect(p).toEqual(body);
  return p;
};

describe("authentication and roles", () => {
  it("401 without a key, with a malformed header, with an unknown key, with a revoked key", async () => {
    const none = await h.call("GET", "/api/v1/scans", { key: null });
    expect(none.status).toBe(401);
    expect(none.headers.get("www-authenticate")).toMatch(/^Bearer/);
    expect(none.headers.get("content-type")).toMatch(/application\/problem\+json/);
    expect(problem(none.body).type).toBe("urn:enforceai:problem:unauthorized");

    const malformed = await h.call("GET", "/api/v1/scans", {
      key: null,
      headers: { authorization: "Basic abc" },
    });
    expect(malformed.status).toBe(401);

    const unknown = await h.call("GET", "/api/v1/scans", { key: "eai_not-a-real-key-0000000000000000" });
    expect(unknown.status).toBe(401);

    // Revoked elsewhere (as `enforceai` would, in the store) before its first use here: refused at once.
    const k = await h.app.store.apiKeys.create("admin", "test", "to-revoke");
    await h.app.store.apiKeys.revoke(k.id);
    const revoked = await h.call("GET", "/api/v1/scans", { key: k.key });
    expect(revoked.status).toBe(401);
    expect(problem(revoked.body).detail).toMatch(/unknown or revoked/);
  });

  it("a key revoked elsewhere while in use stops working within the key cache time", async () => {
    const { createServer } = await import("../../src/api/server.ts");
    const s = await createServer(h.app, {
      chatModel: null,
      rateLimit: false,
      requestLog: false,
      keyCacheMs: 300,
    });
    const { url } = await s.listen();
    const k = await h.app.store.apiKeys.create("viewer", "test", "in-use");
    const get = () =>
      fetch(`${url}/api/v1/scans`, { headers: { authorization: `Bearer ${k.key}` } }).then((r) => r.status);
    expect(await get()).toBe(200);
    await h.app.store.apiKeys.revoke(k.id);
    await new Promise((r) => setTimeout(r, 400));
    expect(await get()).toBe(401);
    await s.close(500);
  });

  it("403 when the role is too low, on every kind of route", async () => {
    const cases: [string, string, "viewer" | "operator" | "approver", unknown?][] = [
      ["POST", "/api/v1/scans", "viewer", { demo: true }],
      ["POST", `/api/v1/scans/${scanId}/cancel`, "viewer"],
      ["POST", "/api/v1/suppressions", "viewer", { checkId: "x_y", reason: "r", owner: "o" }],
      ["DELETE", "/api/v1/suppressions/x", "viewer"],
      ["POST", "/api/v1/policies", "approver", { check: {} }],
      ["PUT", "/api/v1/policies/abc_def", "operator", { check: {} }],
      ["DELETE", "/api/v1/policies/abc_def", "approver"],
      ["GET", "/api/v1/keys", "approver"],
      ["POST", "/api/v1/keys", "operator", { role: "viewer" }],
      ["DELETE", "/api/v1/keys/x", "approver"],
      ["POST", "/api/v1/approvals/x/approve", "operator"],
      ["POST", "/api/v1/approvals/x/reject", "viewer"],
      [
        "POST",
        "/api/v1/frameworks/iso/mappings",
        "operator",
        { controlId: "A", checkId: "b", decision: "confirmed" },
      ],
      ["POST", "/api/v1/documents", "viewer"],
      ["DELETE", "/api/v1/documents/x", "viewer"],
    ];
    for (const [method, path, role, body] of cases) {
      const r = await h.call(method, path, { role, body });
      expect(r.status, `${method} ${path} as ${role}`).toBe(403);
      expect(problem(r.body).detail).toMatch(/needs the \w+ role/);
    }
  });

  it("a viewer reads everything it may read", async () => {
    for (const path of [
      "/api/v1/scans",
      `/api/v1/scans/${scanId}`,
      "/api/v1/findings",
      "/api/v1/resources",
      "/api/v1/resources/types",
      "/api/v1/posture",
      "/api/v1/posture/trend",
      "/api/v1/policies",
      "/api/v1/suppressions",
      "/api/v1/frameworks",
      "/api/v1/frameworks/cis-aws-3.0",
      "/api/v1/approvals",
      "/api/v1/remediations",
      "/api/v1/chat/threads",
    ]) {
      expect((await h.call("GET", path, { role: "viewer" })).status, path).toBe(200);
    }
  });
});

describe("scans", () => {
  it("lists with paging and a status filter", async () => {
    const all = await h.call("GET", "/api/v1/scans?limit=1", { role: "viewer" });
    expect(all.status).toBe(200);
    const page = conforms(scanListSchema, all.body);
    expect(page).toEqual(all.body);
    expect(page.items).toHaveLength(1);
    expect(page.total).toBeGreaterThanOrEqual(1);
    const completed = await h.call("GET", "/api/v1/scans?status=completed", { role: "viewer" });
    expect(completed.body.items.every((s: { status: string }) => s.status === "completed")).toBe(true);
    const none = await h.call("GET", "/api/v1/scans?status=cancelled,failed&offset=0", { role: "viewer" });
    expect(none.body.items.every((s: { status: string }) => ["cancelled", "failed"].includes(s.status))).toBe(
      true,
    );
    const bad = await h.call("GET", "/api/v1/scans?status=done&limit=0", { role: "viewer" });
    expect(bad.status).toBe(400);
    const paths = problem(bad.body).errors!.map((e) => e.path);
    expect(paths).toEqual(expect.arrayContaining(["query.status", "query.limit"]));
  });

  it("shows one scan with its scores and a summary; 404 for an unknown one", async () => {
    const r = await h.call("GET", `/api/v1/scans/${scanId}`, { role: "viewer" });
    expect(r.status).toBe(200);
    const detail = conforms(scanDetailSchema, r.body);
    expect(detail).toEqual(r.body);
    expect(detail.scan.status).toBe("completed");
    expect(detail.scan.resourceCount).toBeGreaterThan(100);
    expect(Object.keys(detail.scan.scores)).toContain("cis-aws-3.0");
    expect(detail.summary.totals.failed).toBeGreaterThan(0);
    expect(detail.scan.requestedBy).toBe("operator-user");
    const missing = await h.call("GET", "/api/v1/scans/scan-20000101-000000-000000", { role: "viewer" });
    expect(missing.status).toBe(404);
    expect(problem(missing.body).type).toBe("urn:enforceai:problem:not-found");
  });

  it("validates the start request: what to scan, no server inventory, known frameworks, regions", async () => {
    const cases: [unknown, string][] = [
      [{}, "body"],
      [{ inventory: "/etc/passwd" }, "body.inventory"],
      [{ demo: true, scope: { regions: ["us-east-1"] } }, "body.scope"],
      [{ demo: true, frameworks: ["no-such-framework"] }, "body.frameworks"],
      [{ scope: { regions: ["mars-1"] } }, "body.scope.regions.0"],
      [{ demo: true, extra: 1 }, "body"],
      [{ demo: "yes" }, "body.demo"],
    ];
    for (const [body, path] of cases) {
      const r = await h.call("POST", "/api/v1/scans", { role: "operator", body });
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(
        problem(r.body).errors!.map((e) => e.path),
        JSON.stringify(body),
      ).toContain(path);
    }
  });

  it("415 for a body that is not JSON, 400 for broken JSON, 413 over the size limit", async () => {
    const text = await h.call("POST", "/api/v1/scans", {
      role: "operator",
      raw: "demo=true",
      headers: { "content-type": "application/x-www-form-urlencoded" },
    });
    expect(text.status).toBe(415);
    problem(text.body);
    const broken = await h.call("POST", "/api/v1/scans", {
      role: "operator",
      raw: '{"demo": tru',
      headers: { "content-type": "application/json" },
    });
    expect(broken.status).toBe(400);
    expect(problem(broken.body).errors![0]!.path).toBe("body");
    const big = await h.call("POST", "/api/v1/scans", {
      role: "operator",
      body: { demo: true, frameworks: ["x".repeat(300 * 1024)] },
    });
    expect(big.status).toBe(413);
    expect(problem(big.body).type).toBe("urn:enforceai:problem:payload-too-large");
  });

  it("streams a scan's progress as server-sent events: steps in order, then the final status", async () => {
    const start = await h.call("POST", "/api/v1/scans", {
      role: "operator",
      body: { demo: true, frameworks: ["cis-aws-3.0"] },
    });
    expect(start.status).toBe(202);
    expect(start.headers.get("location")).toBe(`/api/v1/scans/${start.body.id}`);
    const scan = conforms(scanSchema, start.body);
    expect(scan.status).toBe("running");
    const stream = await h.events(`/api/v1/scans/${scan.id}/events`, { role: "viewer" });
    expect(stream.status).toBe(200);
    expect(stream.headers.get("content-type")).toMatch(/^text\/event-stream/);
    const steps = stream.events
      .filter((e) => e.event === "node-start" || e.event === "node-done")
      .map((e) => `${e.event}:${(e.data as { node: string }).node}`);
    // Every step starts, then ends, in graph order; the status comes last.
    expect(steps.slice(0, 4)).toEqual([
      "node-start:discover",
      "node-done:discover",
      "node-start:evaluate",
      "node-done:evaluate",
    ]);
    expect(steps.slice(-2)).toEqual(["node-start:finalize", "node-done:finalize"]);
    for (let i = 0; i < steps.length; i += 2) expect(steps[i + 1]).toBe(steps[i]!.replace("start", "done"));
    expect(stream.events.at(-1)!.event).toBe("status");
    expect(stream.events.map((e) => e.id)).toEqual(stream.events.map((_, i) => String(i + 1)));
    for (const e of stream.events) conforms(scanEventSchema, e.data);
    expect(stream.events.at(-1)!.data).toMatchObject({ type: "status", status: "completed" });
    // Ids let a client resume: after id 4 only the rest comes.
    const resumed = await h.events(`/api/v1/scans/${scan.id}/events`, { headers: { "last-event-id": "4" } });
    expect(resumed.events[0]!.id).toBe("5");
    // A scan this server ran replays its events; one it did not run answers its status at once.
    const replay = await h.events(`/api/v1/scans/${scanId}/events`);
    expect(replay.events.at(-1)).toMatchObject({ event: "status", data: { status: "completed" } });
    const elsewhere = await startScan(h.app, {
      source: { kind: "demo" },
      frameworks: ["gdpr"],
      requestedBy: "cli-user",
    });
    const finished = await h.events(`/api/v1/scans/${elsewhere.id}/events`);
    expect(finished.events.map((e) => e.event)).toEqual(["status"]);
    expect((await h.call("GET", "/api/v1/scans/nope/events")).status).toBe(404);
  });

  it("cancels a running scan: cancelled at once, stopped at its next step; 409 when not running", async () => {
    const start = await h.call("POST", "/api/v1/scans", { role: "operator", body: { demo: true } });
    const id = start.body.id as string;
    const cancel = await h.call("POST", `/api/v1/scans/${id}/cancel`, { role: "operator" });
    expect(cancel.status).toBe(200);
    expect(conforms(scanSchema, cancel.body).status).toBe("cancelled");
    const events = await h.events(`/api/v1/scans/${id}/events`);
    const final = events.events.at(-1)!.data as { status: string };
    expect(final.status).toBe("cancelled");
    const steps = events.events
      .filter((e) => e.event === "node-start")
      .map((e) => (e.data as { node: string }).node);
    expect(steps).not.toContain("finalize");
    const again = await h.call("POST", `/api/v1/scans/${id}/cancel`, { role: "operator" });
    expect(again.status).toBe(409);
    expect((await h.call("GET", `/api/v1/scans/${id}`)).body.scan.status).toBe("cancelled");
    expect(
      (await h.call("POST", "/api/v1/scans/scan-20000101-000000-000000/cancel", { role: "operator" })).status,
    ).toBe(404);
  });
});

describe("findings", () => {
  it("default to the latest completed scan and filter by severity, status, service, region, account", async () => {
    const r = await h.call("GET", "/api/v1/findings?severity=critical,high&status=FAIL&limit=500", {
      role: "viewer",
    });
    expect(r.status).toBe(200);
    const page = conforms(findingListSchema, r.body);
    expect(page).toEqual(r.body);
    expect(page.items.length).toBeGreaterThan(5);
    expect(page.items.every((f) => f.status === "FAIL" && ["critical", "high"].includes(f.severity))).toBe(
      true,
    );
    const s3 = await h.call("GET", "/api/v1/findings?service=s3&region=us-east-1&account=123456789012", {
      role: "viewer",
    });
    expect(s3.body.items.length).toBeGreaterThan(0);
    expect(
      s3.body.items.every(
        (f: { service: string; region: string; accountId: string }) =>
          f.service === "s3" && f.region === "us-east-1" && f.accountId === "123456789012",
      ),
    ).toBe(true);
    const paged = await h.call("GET", "/api/v1/findings?limit=3&offset=3", { role: "viewer" });
    expect(paged.body.items).toHaveLength(3);
    expect(paged.body.offset).toBe(3);
  });

  it("filter by framework and control, and by suppression", async () => {
    const r = await h.call(
      "GET",
      `/api/v1/findings?scanId=${scanId}&framework=cis-aws-3.0&control=2.1.4&status=FAIL`,
      { role: "viewer" },
    );
    expect(r.status).toBe(200);
    for (const f of r.body.items) {
      expect(f.frameworks).toContainEqual({ framework: "cis-aws-3.0", controlId: "2.1.4" });
    }
    const notSuppressed = await h.call("GET", "/api/v1/findings?suppressed=false&limit=1", {
      role: "viewer",
    });
    expect(notSuppressed.body.total).toBeGreaterThan(0);
    const bad = await h.call("GET", "/api/v1/findings?control=1.4&suppressed=maybe&severity=urgent", {
      role: "viewer",
    });
    expect(bad.status).toBe(400);
    expect(problem(bad.body).errors!.map((e) => e.path)).toEqual(
      expect.arrayContaining(["query.suppressed", "query.severity"]),
    );
    const needsFramework = await h.call("GET", "/api/v1/findings?control=1.4", { role: "viewer" });
    expect(needsFramework.status).toBe(400);
    expect(problem(needsFramework.body).errors![0]!.path).toBe("query.control");
  });

  it("export CSV and OCSF with the right content types", async () => {
    const csv = await h.call("GET", "/api/v1/findings?format=csv&severity=critical", { role: "viewer" });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(csv.headers.get("content-disposition")).toMatch(/attachment; filename=".*\.csv"/);
    const lines = csv.text.trim().split("\r\n");
    expect(lines[0]).toMatch(/^id,accountId,region,service,checkId/);
    expect(lines.length).toBeGreaterThan(1);
    const ocsf = await h.call("GET", "/api/v1/findings?format=ocsf&severity=critical", { role: "viewer" });
    expect(ocsf.status).toBe(200);
    expect(ocsf.headers.get("content-type")).toMatch(/^application\/json/);
    expect(Array.isArray(ocsf.body)).toBe(true);
    expect(ocsf.body[0]).toMatchObject({ class_uid: 2003, category_uid: 2 });
    expect(ocsf.body).toHaveLength(lines.length - 1);
  });

  it("show one finding with its life; 404 for an unknown id or before any scan of it", async () => {
    const list = await h.call("GET", "/api/v1/findings?status=FAIL&limit=1", { role: "viewer" });
    const id = list.body.items[0].id as string;
    const r = await h.call("GET", `/api/v1/findings/${encodeURIComponent(id)}`, { role: "viewer" });
    expect(r.status).toBe(200);
    expect(r.body.finding.id).toBe(id);
    expect(r.body.life.history.length).toBeGreaterThan(0);
    expect((await h.call("GET", "/api/v1/findings/nope", { role: "viewer" })).status).toBe(404);
  });
});

describe("resources", () => {
  it("list and filter", async () => {
    const r = await h.call("GET", "/api/v1/resources?type=AWS::S3::Bucket&limit=5", { role: "viewer" });
    expect(r.status).toBe(200);
    const page = conforms(resourceListSchema, r.body);
    expect(page).toEqual(r.body);
    expect(page.items.every((i) => i.resourceType === "AWS::S3::Bucket")).toBe(true);
    const search = await h.call("GET", "/api/v1/resources?search=mallory", { role: "viewer" });
    expect(search.body.items[0].arn).toBe("arn:aws:iam::123456789012:user/mallory.contractor");
    expect((await h.call("GET", "/api/v1/resources?account=12", { role: "viewer" })).status).toBe(400);
  });

  it("lists the inventory's resource types with counts and their service, for the dashboard's filter", async () => {
    const r = await h.call("GET", "/api/v1/resources/types", { role: "viewer" });
    expect(r.status).toBe(200);
    const { items } = conforms(resourceTypeCountsSchema, r.body);
    const buckets = await h.call("GET", "/api/v1/resources?type=AWS::S3::Bucket&limit=1", { role: "viewer" });
    expect(items.find((t) => t.resourceType === "AWS::S3::Bucket")).toEqual({
      resourceType: "AWS::S3::Bucket",
      service: "S3",
      count: buckets.body.total,
    });
    expect(items.map((t) => t.resourceType)).toEqual([...items.map((t) => t.resourceType)].sort());
    expect(items.every((t) => t.count > 0)).toBe(true);
    expect((await h.call("GET", "/api/v1/resources/types?account=1", { role: "viewer" })).status).toBe(400);
    const other = await h.call("GET", "/api/v1/resources/types?account=999999999999", { role: "viewer" });
    expect(other.body.items).toEqual([]);
  });

  it("one by URL-encoded ARN: configuration, evidence and finding history; 404 when unknown", async () => {
    const arn = "arn:aws:s3:::acme-public-website-123456789012-use1";
    const r = await h.call("GET", `/api/v1/resources/${encodeURIComponent(arn)}`, { role: "viewer" });
    expect(r.status).toBe(200);
    const detail = conforms(resourceDetailSchema, r.body);
    expect(detail).toEqual(r.body);
    expect(detail.resource.arn).toBe(arn);
    expect(detail.resource.configuration).toBeTypeOf("object");
    expect(detail.findings.length).toBeGreaterThan(0);
    expect(detail.findings.every((f) => f.resourceArn === arn)).toBe(true);
    expect(detail.findings.some((f) => f.evidence && Object.keys(f.evidence).length > 0)).toBe(true);
    expect(detail.history.map((l) => l.id).sort()).toEqual(detail.findings.map((f) => f.id).sort());
    const missing = await h.call("GET", `/api/v1/resources/${encodeURIComponent("arn:aws:s3:::nope")}`, {
      role: "viewer",
    });
    expect(missing.status).toBe(404);
  });
});

describe("posture", () => {
  it("scores per framework and control, for one framework too", async () => {
    const r = await h.call("GET", `/api/v1/posture?scanId=${scanId}`, { role: "viewer" });
    expect(r.status).toBe(200);
    const posture = conforms(postureSchema, r.body);
    expect(posture).toEqual(r.body);
    expect(Object.keys(posture.scores)).toEqual(expect.arrayContaining(["cis-aws-3.0", "pci-dss-4.0"]));
    expect(posture.controls.some((c) => c.status === "FAIL")).toBe(true);
    const one = await h.call("GET", `/api/v1/posture?framework=pci-dss-4.0&scanId=${scanId}`, {
      role: "viewer",
    });
    expect(Object.keys(one.body.scores)).toEqual(["pci-dss-4.0"]);
    expect(one.body.controls.every((c: { framework: string }) => c.framework === "pci-dss-4.0")).toBe(true);
    expect((await h.call("GET", "/api/v1/posture?framework=nope", { role: "viewer" })).status).toBe(404);
  });

  it("the trend across completed scans, oldest first", async () => {
    const r = await h.call("GET", "/api/v1/posture/trend?framework=cis-aws-3.0", { role: "viewer" });
    expect(r.status).toBe(200);
    const trend = conforms(trendSchema, r.body);
    expect(trend.items.length).toBeGreaterThanOrEqual(2);
    const times = trend.items.map((i) => i.startedAt);
    expect([...times].sort()).toEqual(times);
    expect(trend.items.every((i) => Object.keys(i.scores).every((k) => k === "cis-aws-3.0"))).toBe(true);
  });
});

const ownerTagCheck = {
  id: "acme_bucket_has_owner_tag",
  title: "Every bucket names its owning team",
  service: "s3",
  resourceType: "AWS::S3::Bucket",
  severity: "low",
  description: "Our tagging standard asks every bucket to carry an Owner tag.",
  risk: "Nobody answers for an untagged bucket when it leaks or costs money.",
  pass: { key: "tags.Owner", label: "Owner tag", op: "present" },
  remediation: { steps: ["Add an Owner tag naming the team."] },
};

describe("policies (custom checks)", () => {
  it("validate like check files: schema errors by field, compile errors, built-in id clash, unknown controls", async () => {
    const schemaErrors = await h.call("POST", "/api/v1/policies", {
      role: "admin",
      body: { check: { ...ownerTagCheck, id: "Bad-Id", severity: "urgent" } },
    });
    expect(schemaErrors.status).toBe(400);
    expect(problem(schemaErrors.body).errors!.map((e) => e.path)).toEqual(
      expect.arrayContaining(["body.check.id", "body.check.severity"]),
    );
    const compile = await h.call("POST", "/api/v1/policies", {
      role: "admin",
      body: { check: { ...ownerTagCheck, pass: { evaluator: "no_such_evaluator" } } },
    });
    expect(compile.status).toBe(400);
    expect(problem(compile.body).errors![0]!.path).toBe("body.check");
    const badPath = await h.call("POST", "/api/v1/policies", {
      role: "admin",
      body: { check: { ...ownerTagCheck, pass: { every: "tags.[[", match: { key: "a", op: "present" } } } },
    });
    expect(badPath.status).toBe(400);
    const builtin = await h.call("POST", "/api/v1/policies", {
      role: "admin",
      body: { check: { ...ownerTagCheck, id: "s3_bucket_versioning_enabled" } },
    });
    expect(builtin.status).toBe(409);
    const control = await h.call("POST", "/api/v1/policies", {
      role: "admin",
      body: { check: ownerTagCheck, controls: [{ framework: "cis-aws-3.0", controlId: "99.99" }] },
    });
    expect(control.status).toBe(400);
    expect(problem(control.body).errors![0]!.path).toBe("body.controls.0.controlId");
  });

  it("create, list, get, update, delete; stored and included in the next scan", async () => {
    const created = await h.call("POST", "/api/v1/policies", {
      role: "admin",
      body: { check: ownerTagCheck, controls: [{ framework: "cis-aws-3.0", controlId: "2.1.1" }] },
    });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe("/api/v1/policies/acme_bucket_has_owner_tag");
    const policy = conforms(policySchema, created.body);
    expect(policy.createdBy).toBe("admin-user");
    expect(
      (await h.call("POST", "/api/v1/policies", { role: "admin", body: { check: ownerTagCheck } })).status,
    ).toBe(409);
    const list = await h.call("GET", "/api/v1/policies", { role: "viewer" });
    expect(conforms(policyListSchema, list.body).items.map((p) => p.id)).toEqual([
      "acme_bucket_has_owner_tag",
    ]);
    expect(
      (await h.call("GET", "/api/v1/policies/acme_bucket_has_owner_tag", { role: "viewer" })).status,
    ).toBe(200);

    const next = await h.demoScan("operator", { demo: true, frameworks: ["cis-aws-3.0"] });
    const findings = await h.call(
      "GET",
      `/api/v1/findings?scanId=${next}&checkId=acme_bucket_has_owner_tag`,
      {
        role: "viewer",
      },
    );
    expect(findings.body.total).toBeGreaterThan(0);
    expect(findings.body.items[0].frameworks).toContainEqual({
      framework: "cis-aws-3.0",
      controlId: "2.1.1",
    });
    const posture = await h.call("GET", `/api/v1/posture?scanId=${next}&framework=cis-aws-3.0`, {
      role: "viewer",
    });
    const control = posture.body.controls.find((c: { controlId: string }) => c.controlId === "2.1.1");
    expect(control.checks).toContain("acme_bucket_has_owner_tag");

    const renamed = await h.call("PUT", "/api/v1/policies/acme_bucket_has_owner_tag", {
      role: "admin",
      body: { check: { ...ownerTagCheck, id: "other_id_here" } },
    });
    expect(renamed.status).toBe(400);
    const updated = await h.call("PUT", "/api/v1/policies/acme_bucket_has_owner_tag", {
      role: "admin",
      body: { check: { ...ownerTagCheck, severity: "medium" } },
    });
    expect(updated.status).toBe(200);
    expect(updated.body.check.severity).toBe("medium");
    expect(updated.body.controls).toEqual([]);
    expect(
      (
        await h.call("PUT", "/api/v1/policies/no_such_policy", {
          role: "admin",
          body: { check: ownerTagCheck },
        })
      ).status,
    ).toBe(404);
    expect(
      (await h.call("DELETE", "/api/v1/policies/acme_bucket_has_owner_tag", { role: "admin" })).status,
    ).toBe(204);
    expect(
      (await h.call("DELETE", "/api/v1/policies/acme_bucket_has_owner_tag", { role: "admin" })).status,
    ).toBe(404);
    const audit = await h.app.store.audit.forSubject("policy", "acme_bucket_has_owner_tag");
    expect(audit.map((a) => a.action)).toEqual(["policy.created", "policy.updated", "policy.deleted"]);
  }, 60_000);
});

describe("suppressions", () => {
  it("create with reason, owner and expiry; list; delete; an expiry in the past is a 400", async () => {
    const past = await h.call("POST", "/api/v1/suppressions", {
      role: "operator",
      body: {
        checkId: "s3_bucket_versioning_enabled",
        reason: "r",
        owner: "o",
        expiresAt: "2020-01-01T00:00:00Z",
      },
    });
    expect(past.status).toBe(400);
    expect(problem(past.body).errors![0]!.path).toBe("body.expiresAt");
    const nothing = await h.call("POST", "/api/v1/suppressions", {
      role: "operator",
      body: { reason: "r", owner: "o" },
    });
    expect(nothing.status).toBe(400);
    const missing = await h.call("POST", "/api/v1/suppressions", {
      role: "operator",
      body: { checkId: "a_b" },
    });
    expect(problem(missing.body).errors!.map((e) => e.path)).toEqual(
      expect.arrayContaining(["body.reason", "body.owner"]),
    );

    const expires = new Date(Date.now() + 30 * 86_400_000).toISOString();
    const created = await h.call("POST", "/api/v1/suppressions", {
      role: "operator",
      body: {
        checkId: "s3_bucket_versioning_enabled",
        reason: "Versioning is handled by the backup system",
        owner: "storage-team",
        expiresAt: expires,
      },
    });
    expect(created.status).toBe(201);
    const s = conforms(suppressionSchema, created.body);
    expect(s).toMatchObject({ owner: "storage-team", active: true, createdBy: "operator-user" });
    const list = await h.call("GET", "/api/v1/suppressions", { role: "viewer" });
    expect(conforms(suppressionListSchema, list.body).items.map((x) => x.id)).toContain(s.id);

    const next = await h.demoScan("operator", { demo: true });
    const suppressed = await h.call(
      "GET",
      `/api/v1/findings?scanId=${next}&checkId=s3_bucket_versioning_enabled&status=FAIL`,
      { role: "viewer" },
    );
    expect(suppressed.body.total).toBeGreaterThan(0);
    expect(suppressed.body.items.every((f: { suppressed: boolean }) => f.suppressed)).toBe(true);
    const onlySuppressed = await h.call("GET", `/api/v1/findings?scanId=${next}&suppressed=true`, {
      role: "viewer",
    });
    expect(onlySuppressed.body.total).toBe(suppressed.body.total);

    expect((await h.call("DELETE", `/api/v1/suppressions/${s.id}`, { role: "operator" })).status).toBe(204);
    expect((await h.call("DELETE", `/api/v1/suppressions/${s.id}`, { role: "operator" })).status).toBe(404);
  }, 60_000);
});

describe("frameworks", () => {
  it("list and show one", async () => {
    const r = await h.call("GET", "/api/v1/frameworks", { role: "viewer" });
    const list = conforms(frameworkListSchema, r.body);
    expect(list).toEqual(r.body);
    expect(list.items.map((f) => f.id)).toEqual(
      expect.arrayContaining(["cis-aws-3.0", "pci-dss-4.0", "hipaa", "soc2", "nist-800-53-r5", "gdpr"]),
    );
    const one = await h.call("GET", "/api/v1/frameworks/cis-aws-3.0", { role: "viewer" });
    const detail = conforms(frameworkDetailSchema, one.body);
    expect(detail).toEqual(one.body);
    expect(detail.controlList.length).toBe(detail.controls);
    expect((await h.call("GET", "/api/v1/frameworks/nope", { role: "viewer" })).status).toBe(404);
  });
});

describe("API keys", () => {
  it("admins create, list (never the key) and revoke keys", async () => {
    const created = await h.call("POST", "/api/v1/keys", {
      role: "admin",
      body: { role: "viewer", name: "dashboard" },
    });
    expect(created.status).toBe(201);
    const key = conforms(createdApiKeySchema, created.body);
    expect(key.key).toMatch(/^eai_/);
    expect((await h.call("GET", "/api/v1/scans", { key: key.key })).status).toBe(200);
    const list = await h.call("GET", "/api/v1/keys", { role: "admin" });
    expect(conforms(apiKeyListSchema, list.body).items.map((k) => k.id)).toContain(key.id);
    expect(list.text).not.toContain(key.key);
    expect((await h.call("POST", "/api/v1/keys", { role: "admin", body: { role: "root" } })).status).toBe(
      400,
    );
    expect((await h.call("DELETE", `/api/v1/keys/${key.id}`, { role: "admin" })).status).toBe(204);
    expect((await h.call("GET", "/api/v1/scans", { key: key.key })).status).toBe(401);
    expect((await h.call("DELETE", `/api/v1/keys/${key.id}`, { role: "admin" })).status).toBe(404);
    expect((await h.call("DELETE", `/api/v1/keys/${h.keys.admin.id}`, { role: "admin" })).status).toBe(409);
  });
});

describe("probes, metrics and the HTTP envelope", () => {
  it("/healthz and /readyz need no key; readiness checks the store, the cache and the index", async () => {
    const health = await h.call("GET", "/healthz", { key: null });
    expect(health.status).toBe(200);
    expect(health.body).toEqual({ status: "ok" });
    const ready = await h.call("GET", "/readyz", { key: null });
    expect(ready.status).toBe(200);
    const r = conforms(readinessSchema, ready.body);
    expect(Object.keys(r.checks).sort()).toEqual(["cache", "index", "store"]);
    expect(Object.values(r.checks).every((c) => c.ok)).toBe(true);
  });

  it("/metrics: request counts and latency by route and status, scans by status, findings by severity", async () => {
    await h.call("GET", "/api/v1/scans", { role: "viewer" });
    await h.call("GET", "/api/v1/scans", { key: null });
    const r = await h.call("GET", "/metrics", { key: null });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(r.text).toMatch(
      /enforceai_http_requests_total\{method="GET",route="\/api\/v1\/scans",status="200"\} \d+/,
    );
    expect(r.text).toMatch(
      /enforceai_http_requests_total\{method="GET",route="\/api\/v1\/scans",status="401"\} \d+/,
    );
    expect(r.text).toMatch(
      /enforceai_http_request_duration_seconds_bucket\{le="0\.1",method="GET",route="\/api\/v1\/scans",status="200"\}/,
    );
    expect(r.text).toMatch(/enforceai_scans\{status="completed"\} \d+/);
    expect(r.text).toMatch(/enforceai_findings_failing\{severity="critical"\} \d+/);
    // Route templates, not raw paths: no ids in labels.
    expect(r.text).not.toContain(scanId);
  });

  it("security headers on every answer, no x-powered-by, CORS closed by default", async () => {
    for (const r of [
      await h.call("GET", "/healthz", { key: null }),
      await h.call("GET", "/api/v1/scans", { key: null }),
      await h.call("GET", "/api/v1/scans", { role: "viewer", headers: { origin: "https://evil.example" } }),
    ]) {
      expect(r.headers.get("content-security-policy")).toMatch(/frame-ancestors 'none'/);
      expect(r.headers.get("x-content-type-options")).toBe("nosniff");
      expect(r.headers.get("referrer-policy")).toBe("no-referrer");
      expect(r.headers.get("x-powered-by")).toBeNull();
      expect(r.headers.get("access-control-allow-origin")).toBeNull();
    }
    const preflight = await h.call("OPTIONS", "/api/v1/scans", {
      key: null,
      headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
    });
    expect(preflight.status).toBe(403);
  });

  it("404 for unknown endpoints and 405 with Allow for a wrong method, as problems", async () => {
    const unknown = await h.call("GET", "/api/v1/nothing-here");
    expect(unknown.status).toBe(404);
    problem(unknown.body);
    const outside = await h.call("GET", "/nothing-here", { key: null });
    expect(outside.status).toBe(404);
    problem(outside.body);
    const method = await h.call("PATCH", "/api/v1/scans");
    expect(method.status).toBe(405);
    expect(method.headers.get("allow")).toContain("POST");
    problem(method.body);
  });

  it("keys never reach the log", async () => {
    const lines: string[] = [];
    const { Writable } = await import("node:stream");
    const { createLogger } = await import("../../src/logger.ts");
    const sink = new Writable({
      write(chunk, _enc, cb) {
        lines.push(String(chunk));
        cb();
      },
    });
    const original = h.app.logger;
    h.app.logger = createLogger({ level: "debug", format: "json", destination: sink });
    try {
      const k = await h.app.store.apiKeys.create("viewer", "test", "logged");
      const { createServer } = await import("../../src/api/server.ts");
      const s = await createServer(h.app, { chatModel: null, rateLimit: false });
      const { url } = await s.listen();
      await fetch(`${url}/api/v1/scans`, { headers: { authorization: `Bearer ${k.key}` } });
      await fetch(`${url}/api/v1/scans`, {
        headers: { authorization: "Bearer eai_wrong-key-but-secret-looking" },
      });
      await s.close(500);
      const text = lines.join("");
      expect(text).toContain(`"keyId":"${k.id}"`);
      expect(text).not.toContain(k.key);
      expect(text).not.toContain("eai_wrong-key-but-secret-looking");
    } finally {
      h.app.logger = original;
    }
  });
});

describe("the OpenAPI document", () => {
  it("is served without a key and documents every route the server answers", async () => {
    const r = await h.call("GET", "/api/v1/openapi.json", { key: null });
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe("3.1.0");
    for (const def of h.server.routes)
      expect(routeDocumented(r.body, def), `${def.method} ${def.path}`).toBe(true);
    expect(Object.keys(r.body.paths).length).toBe(new Set(h.server.routes.map((x) => x.path)).size);
    // Every protected operation declares its problems.
    for (const [path, ops] of Object.entries(
      r.body.paths as Record<
        string,
        Record<string, { security?: unknown[]; responses: Record<string, unknown> }>
      >,
    )) {
      for (const [method, op] of Object.entries(ops)) {
        if (op.security) continue;
        expect(Object.keys(op.responses), `${method} ${path}`).toEqual(
          expect.arrayContaining(["401", "403", "429", "500"]),
        );
      }
    }
  });

  it("names components for responses plainly, a request twin that differs …Input; events by contentSchema", async () => {
    const r = await h.call("GET", "/api/v1/openapi.json", { key: null });
    const schemas = r.body.components.schemas as Record<string, { additionalProperties?: boolean }>;
    expect(schemas.FrameworkRef?.additionalProperties).toBe(false);
    expect(schemas.FrameworkRefInput?.additionalProperties).toBeUndefined();
    expect(Object.keys(schemas).filter((name) => /Output$|__/.test(name))).toEqual([]);
    const events =
      r.body.paths["/api/v1/scans/{id}/events"].get.responses["200"].content["text/event-stream"];
    expect(events.schema.properties.data).toEqual({
      type: "string",
      contentMediaType: "application/json",
      contentSchema: { $ref: "#/components/schemas/ScanEvent" },
    });
    expect(r.body.paths["/api/v1/scans"].get.parameters).toContainEqual(
      expect.objectContaining({ name: "limit", in: "query", description: "page size (1-500)" }),
    );
  });
});
