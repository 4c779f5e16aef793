/**
 * The core of the API on every store backend: embedded PGlite and PostgreSQL (required under CI). Same
 * requests, same answers.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  findingListSchema,
  postureSchema,
  resourceDetailSchema,
  scanDetailSchema,
} from "../../src/api/schemas.ts";
import { storeBackends } from "../helpers/stores.ts";
import { conforms, type Harness, startHarness } from "./harness.ts";

for (const backend of storeBackends()) {
  describe(`API on ${backend.name}`, () => {
    let h: Harness;
    let scanId: string;

    beforeAll(async () => {
      h = await startHarness(await backend.open());
    }, 60_000);

    afterAll(async () => {
      await h?.close();
    });

    it("authenticates and enforces roles", async () => {
      expect((await h.call("GET", "/api/v1/findings", { key: null })).status).toBe(401);
      expect((await h.call("POST", "/api/v1/scans", { role: "viewer", body: { demo: true } })).status).toBe(
        403,
      );
      expect((await h.call("POST", "/api/v1/scans", { role: "operator", body: {} })).status).toBe(400);
    });

    it("runs a demo scan and streams its progress", async () => {
      const start = await h.call("POST", "/api/v1/scans", { role: "operator", body: { demo: true } });
      expect(start.status).toBe(202);
      scanId = start.body.id;
      const events = await h.events(`/api/v1/scans/${scanId}/events`);
      expect(events.events.at(-1)).toMatchObject({ event: "status", data: { status: "completed" } });
      const detail = conforms(scanDetailSchema, (await h.call("GET", `/api/v1/scans/${scanId}`)).body);
      expect(detail.scan.resourceCount).toBeGreaterThan(100);
    }, 60_000);

    it("filters findings, shows posture and a resource", async () => {
      const findings = await h.call(
        "GET",
        "/api/v1/findings?severity=critical&status=FAIL&framework=cis-aws-3.0",
        {
          role: "viewer",
        },
      );
      const page = conforms(findingListSchema, findings.body);
      expect(page.scanId).toBe(scanId);
      expect(page.total).toBeGreaterThan(0);
      const posture = conforms(
        postureSchema,
        (await h.call("GET", "/api/v1/posture", { role: "viewer" })).body,
      );
      expect(posture.scores["cis-aws-3.0"]!.failed).toBeGreaterThan(0);
      const arn = page.items[0]!.resourceArn;
      const resource = conforms(
        resourceDetailSchema,
        (await h.call("GET", `/api/v1/resources/${encodeURIComponent(arn)}`, { role: "viewer" })).body,
      );
      expect(resource.findings.some((f) => f.id === page.items[0]!.id)).toBe(true);
      const csv = await h.call(
        "GET",
        "/api/v1/findings?format=csv&severity=critical&status=FAIL&framework=cis-aws-3.0",
        {
          role: "viewer",
        },
      );
      expect(csv.text.trim().split("\r\n")).toHaveLength(page.total + 1);
    });

    it("stores a policy and suppresses a check; the next scan has both", async () => {
      const created = await h.call("POST", "/api/v1/policies", {
        role: "admin",
        body: {
          check: {
            id: "acme_instance_has_cost_center",
            title: "Every instance names its cost centre",
            service: "ec2",
            resourceType: "AWS::EC2::Instance",
            severity: "low",
            description: "Instances carry a CostCenter tag for billing.",
            risk: "Without it nobody pays for the machine, or turns it off.",
            pass: { key: "tags.CostCenter", op: "present" },
            remediation: { steps: ["Tag the instance with CostCenter."] },
          },
        },
      });
      expect(created.status).toBe(201);
      const suppression = await h.call("POST", "/api/v1/suppressions", {
        role: "operator",
        body: { checkId: "acme_instance_has_cost_center", reason: "being rolled out", owner: "platform" },
      });
      expect(suppression.status).toBe(201);
      const next = await h.demoScan();
      const custom = await h.call(
        "GET",
        `/api/v1/findings?scanId=${next}&checkId=acme_instance_has_cost_center&status=FAIL`,
      );
      expect(custom.body.total).toBeGreaterThan(0);
      expect(custom.body.items.every((f: { suppressed: boolean }) => f.suppressed)).toBe(true);
      const trend = await h.call("GET", "/api/v1/posture/trend", { role: "viewer" });
      expect(trend.body.items.map((i: { scanId: string }) => i.scanId)).toEqual([scanId, next]);
    }, 60_000);

    it("answers a chat question with citations", async () => {
      const r = await h.events("/api/v1/chat/threads/b-1/messages", {
        role: "viewer",
        body: { message: "show failing critical findings" },
      });
      const done = r.events.at(-1)!;
      expect(done.event).toBe("done");
      expect((done.data as { citations: unknown[] }).citations.length).toBeGreaterThan(0);
      expect(
        (await h.call("GET", "/api/v1/chat/threads/b-1", { role: "viewer" })).body.messages.length,
      ).toBeGreaterThan(2);
    });

    it("is ready: store, cache and index answer", async () => {
      const ready = await h.call("GET", "/readyz", { key: null });
      expect(ready.status).toBe(200);
      expect(ready.body.checks.store.detail).toBe(backend.name === "postgres" ? "postgres" : "pglite");
    });
  });
}
