/** The request log (pino-http): one line per request with the route template, and never the bearer key. */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type ApiServer, createServer } from "../../src/api/server.ts";
import { type App, createApp } from "../../src/app.ts";
import { createMemoryCache } from "../../src/cache/index.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createLogger } from "../../src/logger.ts";
import { openStore } from "../../src/store/index.ts";

describe("request log", () => {
  const lines: string[] = [];
  let app: App;
  let server: ApiServer;
  let url: string;
  let key: string;

  beforeAll(async () => {
    const store = await openStore({ dataDir: "memory://" });
    app = await createApp(
      loadConfig({ ENFORCEAI_HOME: "/tmp/enforceai-api-test-unused", ENFORCEAI_USER: "t" }),
      {
        store,
        cache: createMemoryCache(),
        logger: createLogger({
          level: "info",
          format: "json",
          destination: { write: (s: string) => lines.push(s) },
        }),
      },
    );
    server = await createServer(app, { chatModel: null, rateLimit: false });
    url = (await server.listen(0, "127.0.0.1")).url;
    key = (await store.apiKeys.create("viewer", "test", "log-reader")).key;
  }, 60_000);
  afterAll(async () => {
    await server?.close(1_000);
    await app?.close();
  });

  it("logs method, route template, status, time and key id; the bearer key never reaches a line", async () => {
    const ok = await fetch(`${url}/api/v1/scans?limit=5`, { headers: { authorization: `Bearer ${key}` } });
    await ok.arrayBuffer();
    const requestId = ok.headers.get("x-request-id");
    const wrong = `${key.slice(0, -4)}zzzz`;
    for (const authorization of [`Bearer ${wrong}`, `Basic ${key}`, key]) {
      const denied = await fetch(`${url}/api/v1/scans/nope`, { headers: { authorization } });
      await denied.arrayBuffer();
    }
    const bodyWithKey = await fetch(`${url}/api/v1/scans`, {
      method: "POST",
      headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
      body: JSON.stringify({ key, apiKey: key, note: key }),
    });
    await bodyWithKey.arrayBuffer();

    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const requests = records.filter((r) => r.msg === "request");
    expect(requests).toHaveLength(5);
    const first = requests.find((r) => r.requestId === requestId)!;
    expect(first).toMatchObject({ method: "GET", route: "/api/v1/scans", status: 200 });
    expect(typeof first.ms).toBe("number");
    expect(typeof first.keyId).toBe("string");
    expect(requests.some((r) => r.route === "/api/v1/scans/:id" && r.status === 401)).toBe(true);
    const text = lines.join("");
    expect(text).not.toContain(key);
    expect(text).not.toContain(key.slice(4));
    expect(text).not.toContain(wrong);
    expect(text.toLowerCase()).not.toContain("authorization");
  });
});
