/** Chat over HTTP: the answer streamed as server-sent events, thread history, thread ownership. */
import { AIMessage } from "@langchain/core/messages";
import { fakeModel } from "@langchain/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chatEventSchema } from "../../src/api/routes/chat.ts";
import { chatThreadSchema } from "../../src/api/schemas.ts";
import { startScan } from "../../src/services/scan-service.ts";
import { openStore } from "../../src/store/index.ts";
import { conforms, type Harness, startHarness } from "./harness.ts";

let h: Harness;

beforeAll(async () => {
  h = await startHarness(await openStore({ dataDir: "memory://" }));
  await startScan(h.app, { source: { kind: "demo" }, requestedBy: "tester" });
}, 60_000);

afterAll(async () => {
  await h?.close();
});

describe("chat", () => {
  it("streams the answer: tool call, tool result, tokens, citations, done", async () => {
    const r = await h.events("/api/v1/chat/threads/web-1/messages", {
      role: "viewer",
      body: { message: "Which critical findings are failing?" },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get("content-type")).toMatch(/^text\/event-stream/);
    for (const e of r.events) expect(conforms(chatEventSchema, e.data)).toEqual(e.data);
    const kinds = r.events.map((e) => e.event);
    expect(kinds[0]).toBe("tool_call");
    expect(kinds[1]).toBe("tool_result");
    expect(kinds.filter((k) => k === "token").length).toBeGreaterThan(10);
    expect(kinds).toContain("citation");
    expect(kinds.at(-1)).toBe("done");
    const done = r.events.at(-1)!.data as {
      answer: string;
      citations: { kind: string; id: string }[];
      mode: string;
    };
    expect(done.mode).toBe("deterministic");
    expect(done.answer).toMatch(/Running without a language model/);
    expect(done.citations.length).toBeGreaterThan(0);
    for (const c of done.citations) expect(done.answer).toContain(`[finding:${c.id}]`);
    const tokens = r.events.filter((e) => e.event === "token").map((e) => (e.data as { text: string }).text);
    expect(tokens.join("")).toBe(done.answer);
  });

  it("keeps the thread: history for its owner (and admins), 404 for anyone else", async () => {
    await h.events("/api/v1/chat/threads/web-1/messages", {
      role: "viewer",
      body: { message: "How compliant are we?" },
    });
    const r = await h.call("GET", "/api/v1/chat/threads/web-1", { role: "viewer" });
    expect(r.status).toBe(200);
    const thread = conforms(chatThreadSchema, r.body);
    expect(thread).toEqual(r.body);
    expect(thread.owner).toBe("viewer-user");
    expect(thread.messages.filter((m) => m.role === "user").map((m) => m.content)).toEqual([
      "Which critical findings are failing?",
      "How compliant are we?",
    ]);
    expect((await h.call("GET", "/api/v1/chat/threads/web-1", { role: "operator" })).status).toBe(404);
    expect((await h.call("GET", "/api/v1/chat/threads/web-1", { role: "admin" })).status).toBe(200);
    const post = await h.call("POST", "/api/v1/chat/threads/web-1/messages", {
      role: "operator",
      body: { message: "hi" },
    });
    expect(post.status).toBe(404);
    expect((await h.call("GET", "/api/v1/chat/threads/never-used", { role: "viewer" })).status).toBe(404);
    const mine = await h.call("GET", "/api/v1/chat/threads", { role: "viewer" });
    expect(mine.body.items.map((t: { id: string }) => t.id)).toEqual(["web-1"]);
    expect((await h.call("GET", "/api/v1/chat/threads", { role: "operator" })).body.items).toEqual([]);
  });

  it("validates the message and the thread id", async () => {
    const empty = await h.call("POST", "/api/v1/chat/threads/web-2/messages", {
      role: "viewer",
      body: { message: "  " },
    });
    expect(empty.status).toBe(400);
    expect(empty.body.errors[0].path).toBe("body.message");
    const long = await h.call("POST", "/api/v1/chat/threads/web-2/messages", {
      role: "viewer",
      body: { message: "x".repeat(4001) },
    });
    expect(long.status).toBe(400);
    const badId = await h.call("POST", "/api/v1/chat/threads/bad%20id/messages", {
      role: "viewer",
      body: { message: "hi" },
    });
    expect(badId.status).toBe(400);
    expect(badId.body.errors[0].path).toBe("params.id");
    const scanLike = await h.call("POST", "/api/v1/chat/threads/scan-1/messages", {
      role: "viewer",
      body: { message: "hi" },
    });
    expect(scanLike.status).toBe(409);
    expect(
      (await h.call("POST", "/api/v1/chat/threads/web-2/messages", { key: null, body: { message: "hi" } }))
        .status,
    ).toBe(401);
  });

  it("with a model whose call fails, the stream ends with an error problem", async () => {
    const { createServer } = await import("../../src/api/server.ts");
    const model = fakeModel().respond(new Error("model unavailable")).respond(new AIMessage("unused"));
    const s = await createServer(h.app, { chatModel: model, rateLimit: false, requestLog: false });
    const { url } = await s.listen();
    const res = await fetch(`${url}/api/v1/chat/threads/err-1/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${h.keys.viewer.key}`, "content-type": "application/json" },
      body: JSON.stringify({ message: "hello" }),
    });
    const { parseSse } = await import("../../src/api/sse.ts");
    const events = parseSse(await res.text());
    expect(events.at(-1)).toMatchObject({
      event: "error",
      data: { type: "error", problem: { status: 500 } },
    });
    await s.close(500);
  });
});
