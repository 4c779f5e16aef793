/**
 * Text the store cannot keep is refused at the edge (issue 17, items 1, 2 and 12): an undecodable path
 * parameter, a NUL character or a lone UTF-16 surrogate anywhere in a request is a 400 problem naming the field
 * — after authentication and rate limiting, logged as one request line, never a 500 — and nothing is stored.
 * Resource search takes `%` and `_` literally, as finding search does. On every store backend.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { JSON_BODY_MAX_DEPTH } from "../../src/api/http.ts";
import { PROBLEM_CONTENT_TYPE, problemSchema } from "../../src/api/problem.ts";
import { type ApiServer, createServer } from "../../src/api/server.ts";
import { type App, createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createLogger } from "../../src/logger.ts";
import { openStore } from "../../src/store/index.ts";
import { storeBackends } from "../helpers/stores.ts";
import { conforms, type Harness, type Reply, startHarness } from "./harness.ts";

// Remediation calls of approved requests would go to a closed local port, never to AWS.
process.env.AWS_ACCESS_KEY_ID ??= "test";
process.env.AWS_SECRET_ACCESS_KEY ??= "test";
process.env.AWS_MAX_ATTEMPTS = "1";

const NUL = "a text with \u0000 inside";
const LONE_SURROGATE = "a text with \ud800 inside";

function refused(reply: Reply, field: string): void {
  expect(reply.status, reply.text).toBe(400);
  expect(reply.headers.get("content-type")).toContain(PROBLEM_CONTENT_TYPE);
  const problem = conforms(problemSchema, reply.body);
  expect(problem.type).toBe("urn:enforceai:problem:validation");
  expect(problem.errors?.map((e) => e.path)).toContain(field);
}

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

for (const backend of storeBackends()) {
  describe(`refused text on ${backend.name}`, () => {
    let h: Harness;
    let scanId: string;

    beforeAll(async () => {
      h = await startHarness(await backend.open(), {
        env: {
          AWS_ENDPOINT_URL: "http://127.0.0.1:9",
          AWS_REGION: "us-east-1",
          ENFORCEAI_REMEDIATION_ROLE_ARN: "arn:aws:iam::123456789012:role/EnforceAIRemediation",
        },
      });
      // A scan waiting for approval: the approval queue and the inventory have rows to protect.
      const start = await h.call("POST", "/api/v1/scans", {
        role: "approver",
        body: { demo: true, frameworks: ["cis-aws-3.0"], autoRemediate: true },
      });
      expect(start.status).toBe(202);
      scanId = start.body.id;
      expect(await h.waitForScan(scanId)).toBe("awaiting_approval");
    }, 120_000);

    afterAll(async () => {
      await h?.close();
    });

    it("an undecodable path parameter is a 400 naming it, on every route that has one", async () => {
      const routes = h.server.routes.filter((r) => r.path.includes(":"));
      expect(routes.length).toBeGreaterThan(10);
      for (const def of routes) {
        for (const bad of ["%C3%28", "%FF", "%ED%A0%80"]) {
          const path = `/api/v1${def.path.replace(/:[A-Za-z_]\w*/g, bad)}`;
          const reply = await h.call(def.method.toUpperCase(), path);
          refused(reply, `params.${/:([A-Za-z_]\w*)/.exec(def.path)![1]}`);
        }
      }
      // Authentication still comes first; a wrong method on the path is still a 405.
      expect((await h.call("GET", "/api/v1/scans/%FF", { key: null })).status).toBe(401);
      expect((await h.call("DELETE", "/api/v1/keys/%FF", { role: "viewer" })).status).toBe(403);
      expect((await h.call("PUT", "/api/v1/scans/%FF")).status).toBe(405);
    });

    it("a NUL in a path id or a query value is a 400 naming the field; nothing changes", async () => {
      const keysBefore = (await h.call("GET", "/api/v1/keys")).body.items;
      refused(await h.call("DELETE", "/api/v1/keys/%00abc"), "params.id");
      refused(await h.call("DELETE", `/api/v1/keys/${h.keys.viewer.id}%00`), "params.id");
      expect((await h.call("GET", "/api/v1/keys")).body.items).toEqual(keysBefore);
      expect((await h.call("GET", "/api/v1/scans", { role: "viewer" })).status).toBe(200);

      refused(await h.call("DELETE", "/api/v1/suppressions/a%00b"), "params.id");
      refused(await h.call("GET", "/api/v1/resources/a%00b"), "params.arn");
      refused(await h.call("GET", "/api/v1/scans/a%00b"), "params.id");
      refused(await h.call("GET", "/api/v1/approvals?scanId=a%00b"), "query.scanId");
      refused(await h.call("GET", "/api/v1/remediations?scanId=a%00b"), "query.scanId");
      refused(await h.call("GET", "/api/v1/findings?checkId=a%00b"), "query.checkId");
    });

    it("an approval comment with a NUL or a lone surrogate is a 400; the request stays pending", async () => {
      const pending = (await h.call("GET", `/api/v1/approvals?scanId=${scanId}`)).body.items;
      const id = pending[0].id as string;
      for (const comment of [NUL, LONE_SURROGATE]) {
        // admin-user did not request it: without the bad comment this approval would go through.
        refused(
          await h.call("POST", `/api/v1/approvals/${id}/approve`, { body: { comment } }),
          "body.comment",
        );
        refused(
          await h.call("POST", `/api/v1/approvals/${id}/reject`, { body: { comment } }),
          "body.comment",
        );
      }
      const detail = (await h.call("GET", `/api/v1/approvals/${id}`)).body;
      expect(detail.status).toBe("pending");
      expect(detail.decisions).toEqual([]);
    });

    it("a custom-policy title with a NUL or a lone surrogate is a 400 naming it; no policy is stored", async () => {
      for (const title of [NUL, LONE_SURROGATE]) {
        const reply = await h.call("POST", "/api/v1/policies", {
          body: { check: { ...ownerTagCheck, title } },
        });
        refused(reply, "body.check.title");
        const put = await h.call("PUT", `/api/v1/policies/${ownerTagCheck.id}`, {
          body: { check: { ...ownerTagCheck, title } },
        });
        refused(put, "body.check.title");
      }
      // A key the store cannot keep is named by its place, not quoted.
      const badKey = await h.call("POST", "/api/v1/policies", {
        body: { check: { ...ownerTagCheck, pass: { ...ownerTagCheck.pass, [NUL]: 1 } } },
      });
      refused(badKey, "body.check.pass");
      expect((await h.call("GET", "/api/v1/policies")).body.items).toEqual([]);
    });

    it("a suppression or a chat message with such text is refused; none is stored", async () => {
      const suppression = await h.call("POST", "/api/v1/suppressions", {
        body: { checkId: "iam_root_mfa_enabled", reason: LONE_SURROGATE, owner: "team" },
      });
      refused(suppression, "body.reason");
      expect((await h.call("GET", "/api/v1/suppressions")).body.items).toEqual([]);
      const chat = await h.call("POST", "/api/v1/chat/threads/t1/messages", { body: { message: NUL } });
      refused(chat, "body.message");
      expect((await h.call("GET", "/api/v1/chat/threads/t1")).status).toBe(404);
    });

    it(`a JSON body nested deeper than ${JSON_BODY_MAX_DEPTH} levels is a 400 naming the limit`, async () => {
      // Written as text: JSON.stringify itself recurses.
      const deep = `${'{"a":'.repeat(5_000)}"leaf"${"}".repeat(5_000)}`;
      const reply = await h.call("POST", "/api/v1/scans", {
        raw: deep,
        headers: { "content-type": "application/json" },
      });
      refused(reply, "body");
      expect(reply.body.detail).toContain(String(JSON_BODY_MAX_DEPTH));
      // The same for a custom check whose condition nests a few thousand levels.
      const check = JSON.stringify({ ...ownerTagCheck, pass: "PASS" });
      const condition = `${'{"not":'.repeat(3_000)}${JSON.stringify(ownerTagCheck.pass)}${"}".repeat(3_000)}`;
      const policy = await h.call("POST", "/api/v1/policies", {
        raw: `{"check":${check.replace('"PASS"', condition)}}`,
        headers: { "content-type": "application/json" },
      });
      refused(policy, "body");
      let shallow: unknown = ownerTagCheck.pass;
      for (let i = 0; i < 3; i++) shallow = { not: shallow };
      expect(
        (await h.call("POST", "/api/v1/policies", { body: { check: { ...ownerTagCheck, pass: shallow } } }))
          .status,
      ).not.toBe(400);
    });

    it("resource search takes % and _ literally", async () => {
      const all = (await h.call("GET", "/api/v1/resources?limit=500")).body;
      expect(all.total).toBeGreaterThan(50);
      const percent = (await h.call("GET", "/api/v1/resources?search=%25")).body;
      expect(percent.total).toBe(0);
      const underscore = (await h.call("GET", "/api/v1/resources?search=_&limit=500")).body;
      const literal = all.items.filter((r: { resourceId: string; arn: string }) =>
        `${r.resourceId}\n${r.arn}`.toLowerCase().includes("_"),
      );
      expect(underscore.total).toBe(literal.length);
      expect(underscore.total).toBeLessThan(all.total);
    });
  });
}

describe("an undecodable path parameter is an ordinary client error", () => {
  const lines: Record<string, unknown>[] = [];
  let app: App;
  let server: ApiServer;
  let url: string;
  let key: string;

  beforeAll(async () => {
    app = await createApp(
      loadConfig({ ENFORCEAI_HOME: "/tmp/enforceai-api-test-unused", ENFORCEAI_USER: "t" }),
      {
        store: await openStore({ dataDir: "memory://" }),
        logger: createLogger({
          level: "info",
          format: "json",
          destination: { write: (s: string) => lines.push(JSON.parse(s)) },
        }),
      },
    );
    server = await createServer(app, { chatModel: null, rateLimit: { perSecond: 0.5, burst: 3 } });
    url = (await server.listen(0, "127.0.0.1")).url;
    key = (await app.store.apiKeys.create("viewer", "test", "prober")).key;
  }, 60_000);
  afterAll(async () => {
    await server?.close(1_000);
    await app?.close();
  });

  it("spends the caller's rate limit and logs one info line per request, no error", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${url}/api/v1/scans/%C3%28`, { headers: { authorization: `Bearer ${key}` } });
      await res.arrayBuffer();
      statuses.push(res.status);
    }
    expect(statuses).toEqual([400, 400, 400, 429, 429, 429]);
    // Without a key the address's bucket is spent the same way.
    const anonymous: number[] = [];
    for (let i = 0; i < 5; i++) {
      const res = await fetch(`${url}/api/v1/scans/%FF`);
      await res.arrayBuffer();
      anonymous.push(res.status);
    }
    expect(anonymous).toEqual([401, 401, 401, 429, 429]);
    expect(lines.filter((l) => Number(l.level) >= 50)).toEqual([]);
    const requests = lines.filter((l) => l.msg === "request");
    expect(requests).toHaveLength(11);
    expect(requests[0]).toMatchObject({ level: 30, route: "/api/v1/scans/:id", status: 400 });
  });
});
