/**
 * Deeply nested custom-policy conditions (issue 17, item 4): 3,000 to 5,000 levels fit in a body under the size
 * limit and used to overflow the stack in validation (500). They are a 400 that names the depth limit, on create
 * and on update; a policy at the limit is accepted.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_CONDITION_DEPTH } from "../../src/engine/check-schema.ts";
import { openStore } from "../../src/store/index.ts";
import { type Harness, startHarness } from "./harness.ts";

const CHECK_FIELDS =
  '"id":"acme_deep_policy","title":"A deeply nested policy","service":"s3","resourceType":"AWS::S3::Bucket",' +
  '"severity":"low","description":"Nested conditions for the depth limit.","risk":"None; this exists for the test.",' +
  '"remediation":{"steps":["none"]}';

/** The request body as text: `JSON.stringify` itself overflows on thousands of levels. */
function bodyWithDepth(levels: number, wrapper: "not" | "all"): string {
  const open = wrapper === "not" ? '{"not":' : '{"all":[';
  const close = wrapper === "not" ? "}" : "]}";
  const leaf = '{"key":"tags.Owner","op":"present"}';
  return `{"check":{${CHECK_FIELDS},"pass":${open.repeat(levels - 1)}${leaf}${close.repeat(levels - 1)}}}`;
}

describe("custom policies: condition depth limit", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(await openStore({ dataDir: "memory://" }));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const send = (method: string, path: string, raw: string) =>
    h.call(method, path, { raw, headers: { "content-type": "application/json" } });

  it("answers 400 naming the limit for 3,000 and 5,000 levels (create and update)", async () => {
    for (const [levels, wrapper] of [
      [3000, "all"],
      [5000, "not"],
    ] as const) {
      const raw = bodyWithDepth(levels, wrapper);
      expect(raw.length).toBeLessThan(100 * 1024);
      const r = await send("POST", "/api/v1/policies", raw);
      expect(r.status, r.text).toBe(400);
      // So deep a body is refused by the API's JSON depth limit before the check schema reads it.
      expect(r.body.errors[0].path).toBe("body");
      expect(r.body.errors[0].message).toMatch(/nests deeper than 100 levels/);
    }
    // Within the body limit but past the condition limit: the check schema names the condition.
    const r = await send("POST", "/api/v1/policies", bodyWithDepth(MAX_CONDITION_DEPTH + 8, "not"));
    expect(r.status, r.text).toBe(400);
    expect(r.body.errors[0].path).toBe("body.check.pass");
    expect(r.body.errors[0].message).toMatch(/conditions nest more than 32 levels deep/);
    const created = await send("POST", "/api/v1/policies", bodyWithDepth(MAX_CONDITION_DEPTH, "not"));
    expect(created.status, created.text).toBe(201);
    const update = await send("PUT", "/api/v1/policies/acme_deep_policy", bodyWithDepth(5000, "not"));
    expect(update.status, update.text).toBe(400);
    expect(update.body.errors[0].message).toMatch(/nests deeper than 100 levels/);
    const shallower = await send(
      "PUT",
      "/api/v1/policies/acme_deep_policy",
      bodyWithDepth(MAX_CONDITION_DEPTH + 8, "not"),
    );
    expect(shallower.status, shallower.text).toBe(400);
    expect(shallower.body.errors[0].message).toMatch(/at most 32 levels/);
    expect((await h.call("GET", "/api/v1/policies/acme_deep_policy", { role: "viewer" })).status).toBe(200);
  });
});
