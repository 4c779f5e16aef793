/**
 * The dashboard's files as the server hands them out (content types, the API's CSP, nothing outside the folder,
 * API paths untouched) and rules the files themselves keep: no inline script or style, no HTML sinks for data.
 */
import { readdirSync, readFileSync, statSync } from "node:fs";
import type http from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import express from "express";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { securityHeaders } from "../../src/api/security.ts";
import { DASHBOARD_DIR, dashboardRouter } from "../../src/web/index.ts";

let server: http.Server;
let url: string;

beforeAll(async () => {
  const app = express();
  app.use(securityHeaders());
  app.use(dashboardRouter());
  app.use((_req, res) => {
    res.status(404).json({ fallthrough: true });
  });
  await new Promise<void>((resolve) => {
    server = app.listen(0, "127.0.0.1", () => resolve());
  });
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
});

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? files(full) : [full];
  });
}

describe("dashboard files over HTTP", () => {
  it("serves the page at / with the API's CSP, and scripts and styles with their types", async () => {
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    expect(page.headers.get("content-type")).toBe("text/html; charset=utf-8");
    expect(page.headers.get("content-security-policy")).toMatch(/script-src 'self'; style-src 'self'/);
    expect(page.headers.get("cache-control")).toBe("no-cache");
    const html = await page.text();
    expect(html).toContain('<script type="module" src="/js/main.js"></script>');
    const script = await fetch(`${url}/js/main.js`);
    expect(script.status).toBe(200);
    expect(script.headers.get("content-type")).toBe("text/javascript; charset=utf-8");
    expect((await fetch(`${url}/styles.css`)).headers.get("content-type")).toBe("text/css; charset=utf-8");
    expect((await fetch(`${url}/favicon.svg`)).headers.get("content-type")).toBe("image/svg+xml");
    expect((await fetch(`${url}/`, { method: "HEAD" })).status).toBe(200);
  });

  it("serves nothing outside its folder, no dotfiles, no other methods, and leaves /api to the API", async () => {
    for (const p of ["/../package.json", "/%2e%2e/package.json", "/js/../../index.ts", "/.env", "/nope.js"]) {
      const r = await fetch(`${url}${p}`);
      expect(r.status, p).toBe(404);
      expect(await r.json(), p).toEqual({ fallthrough: true });
    }
    expect((await fetch(`${url}/`, { method: "POST" })).status).toBe(404);
    expect((await fetch(`${url}/api/v1/index.html`)).status).toBe(404);
  });
});

describe("dashboard sources", () => {
  const all = files(DASHBOARD_DIR);
  const scripts = all.filter((f) => f.endsWith(".js"));

  it("has its page, stylesheet and one script per view", () => {
    const names = all.map((f) => path.relative(DASHBOARD_DIR, f).replaceAll(path.sep, "/"));
    expect(names).toEqual(
      expect.arrayContaining(["index.html", "styles.css", "favicon.svg", "js/main.js", "js/api.js"]),
    );
    expect(scripts.length).toBeGreaterThanOrEqual(10);
  });

  it("never writes HTML from strings (data goes in as text nodes and attributes)", () => {
    for (const file of scripts) {
      const code = readFileSync(file, "utf8");
      for (const sink of [
        "innerHTML",
        "outerHTML",
        "insertAdjacentHTML",
        "document.write",
        "eval(",
        "new Function",
      ]) {
        expect(code.includes(sink), `${path.basename(file)} uses ${sink}`).toBe(false);
      }
    }
  });

  it("keeps the page free of inline scripts, inline styles and event-handler attributes (strict CSP)", () => {
    const html = readFileSync(path.join(DASHBOARD_DIR, "index.html"), "utf8");
    expect(html).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.toMatch(/<style\b/);
    expect(html).not.toMatch(/\sstyle=/);
    expect(html).not.toMatch(/\son[a-z]+=/);
    for (const file of scripts) {
      const code = readFileSync(file, "utf8");
      expect(code, path.basename(file)).not.toMatch(/setAttribute\(\s*["']style["']/);
      expect(code, path.basename(file)).not.toMatch(/["']style["']\s*:/);
    }
  });
});
