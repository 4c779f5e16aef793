/**
 * The dashboard end to end, in Debian's Chromium driven by playwright-core, against `enforceai serve` run as a
 * child process (embedded store in a temporary ENFORCEAI_HOME, no model: the deterministic chat responder):
 * sign in, a demo scan followed live, the findings explorer, a suppression, the overview, a resource, a
 * framework document with its mappings, a streamed chat answer with citations, and a remediation of a live
 * scan of a moto account — proposed, refused to its requester (four eyes), approved by another approver,
 * applied and verified. Screenshots of every page go to test-results/screenshots/.
 *
 * Chromium: `bash scripts/install-browser.sh`. Under CI=true a missing Chromium or moto fails this file.
 */
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { CreateAccessKeyCommand, CreateUserCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand, GetKeyRotationStatusCommand, TagResourceCommand } from "@aws-sdk/client-kms";
import { CreateQueueCommand, SendMessageCommand } from "@aws-sdk/client-sqs";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openStore } from "../../src/store/index.ts";
import { spawnCommand } from "../api/cli-helpers.ts";
import { requireService } from "../helpers/services.ts";
import { type MotoAccount, motoAccount } from "../remediation/helpers.ts";

const ROOT = path.resolve(import.meta.dirname, "../..");
const SHOTS = path.join(ROOT, "test-results", "screenshots");
const CHROMIUM = process.env.ENFORCEAI_CHROMIUM ?? "/usr/bin/chromium";
const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

/** Like requireService: in CI a missing browser fails the run; elsewhere the file is skipped. */
function requireChromium(): string | undefined {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.env.CI === "true") {
    throw new Error(
      `Chromium is missing at ${CHROMIUM}: run \`bash scripts/install-browser.sh\` before the tests.`,
    );
  }
  return undefined;
}

const moto = requireService("moto");
const browserPath = requireChromium();

/** Normalised text of the first match, or null while there is none. */
async function textOf(locator: Locator): Promise<string | null> {
  try {
    const text = await locator.first().textContent({ timeout: 500 });
    return text === null ? null : text.replace(/\s+/g, " ").trim();
  } catch {
    return null;
  }
}

/**
 * Web-first assertions in the spirit of @playwright/test's `expect(locator)` (playwright-core has none): each
 * retries until it holds or its timeout (default 15 s) ends, then fails with vitest's message.
 */
function pw(locator: Locator) {
  const poll = (fn: () => Promise<unknown>, timeout = 15_000) => expect.poll(fn, { timeout, interval: 100 });
  const matchers = (negate: boolean) => {
    const p = (fn: () => Promise<unknown>, timeout?: number) =>
      negate ? poll(fn, timeout).not : poll(fn, timeout);
    return {
      toBeVisible: (o: { timeout?: number } = {}) =>
        p(() => locator.first().isVisible(), o.timeout).toBe(true),
      toHaveText: (expected: string | RegExp, o: { timeout?: number } = {}) =>
        typeof expected === "string"
          ? p(() => textOf(locator), o.timeout).toBe(expected)
          : p(async () => (await textOf(locator)) ?? "", o.timeout).toMatch(expected),
      toContainText: (expected: string | RegExp | string[], o: { timeout?: number } = {}) => {
        if (Array.isArray(expected)) {
          return p(async () => {
            const all = (await locator.allTextContents()).map((t) => t.replace(/\s+/g, ""));
            return expected.every((e) => all.some((t) => t.includes(e.replace(/\s+/g, ""))));
          }, o.timeout).toBe(true);
        }
        return typeof expected === "string"
          ? p(async () => (await textOf(locator)) ?? "", o.timeout).toContain(expected)
          : p(async () => (await textOf(locator)) ?? "", o.timeout).toMatch(expected);
      },
      toHaveAttribute: (name: string, value: string) =>
        p(() =>
          locator
            .first()
            .getAttribute(name, { timeout: 500 })
            .catch(() => null),
        ).toBe(value),
      toBeFocused: () =>
        p(() =>
          locator
            .first()
            .evaluate((el) => el === el.ownerDocument.activeElement, undefined, { timeout: 500 })
            .catch(() => false),
        ).toBe(true),
      toBeChecked: () =>
        p(() =>
          locator
            .first()
            .isChecked({ timeout: 500 })
            .catch(() => false),
        ).toBe(true),
      toHaveCount: (n: number) => p(() => locator.count()).toBe(n),
    };
  };
  return { ...matchers(false), not: matchers(true) };
}

/** A tag value that would run script if any page put data into HTML. */
const HOSTILE = `<img src=x onerror="window.__xss=1">`;

describe.skipIf(!moto || !browserPath)("dashboard end to end (Chromium, enforceai serve, moto)", () => {
  let home: string;
  let child: ChildProcess | undefined;
  let stderr = "";
  let url: string;
  let browser: Browser;
  let account: MotoAccount;
  let kmsKeyId: string;
  let queueUrl: string;
  const keys = {} as Record<"operator" | "alice" | "bob", string>;
  const contexts: BrowserContext[] = [];
  const pageErrors: string[] = [];
  let op: Page;
  let bob: Page;

  async function newPage(width = 1280, height = 900): Promise<Page> {
    const context = await browser.newContext({ viewport: { width, height }, reducedMotion: "reduce" });
    contexts.push(context);
    const page = await context.newPage();
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("console", (m) => {
      // A failed fetch is logged by the browser (the role check's 403s and 400s are expected); a refused
      // script or style (CSP) or an exception is a bug.
      if (m.type() === "error" && /Content Security Policy|Refused to/i.test(m.text()))
        pageErrors.push(m.text());
    });
    return page;
  }

  async function shot(page: Page, name: string, fullPage = true) {
    await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage });
  }

  async function signIn(page: Page, key: string) {
    await page.goto(`${url}/`);
    await page.getByLabel("API key").fill(key);
    await page.getByRole("button", { name: "Sign in" }).click();
    await pw(page.locator("#nav")).toBeVisible();
  }

  /** Navigates by hash and waits for the page's heading. */
  async function open(page: Page, hash: string) {
    await page.evaluate(`location.hash = ${JSON.stringify(hash)}`);
    await pw(page.locator("#page-title")).toBeVisible();
  }

  beforeAll(async () => {
    mkdirSync(SHOTS, { recursive: true });
    // A moto account of the test's own: a KMS key without rotation (the violation to remediate), tagged with
    // markup, and an IAM user whose access key makes the server's default credentials act in this account.
    account = motoAccount(moto!);
    const kms = account.client("kms");
    kmsKeyId = (
      await kms.send(
        new CreateKeyCommand({
          Description: "dashboard e2e",
          Tags: [
            { TagKey: "owner", TagValue: HOSTILE },
            { TagKey: "Name", TagValue: "e2e-key" },
          ],
        }),
      )
    ).KeyMetadata!.KeyId!;
    const iam = account.client("iam");
    await iam.send(new CreateUserCommand({ UserName: "enforceai-scanner" }));
    const accessKey = (await iam.send(new CreateAccessKeyCommand({ UserName: "enforceai-scanner" })))
      .AccessKey!;

    // The events queue the server's watcher consumes (ENFORCEAI_WATCH_IN_SERVE).
    queueUrl = (
      await account.client("sqs").send(new CreateQueueCommand({ QueueName: "enforceai-e2e-events" }))
    ).QueueUrl!;

    home = mkdtempSync(path.join(os.tmpdir(), "enforceai-web-"));
    const store = await openStore({ home });
    keys.operator = (await store.apiKeys.create("operator", "e2e", "olivia-operator")).key;
    keys.alice = (await store.apiKeys.create("approver", "e2e", "alice-approver")).key;
    keys.bob = (await store.apiKeys.create("approver", "e2e", "bob-approver")).key;
    await store.close();

    const env: Record<string, string | undefined> = {
      DATABASE_URL: undefined,
      REDIS_URL: undefined,
      OPENSEARCH_URL: undefined,
      AWS_PROFILE: undefined,
      AWS_SESSION_TOKEN: undefined,
      ENFORCEAI_HOME: home,
      ENFORCEAI_LLM: "offline",
      ENFORCEAI_LOG_LEVEL: "warn",
      ENFORCEAI_LOG_FORMAT: "json",
      AWS_ENDPOINT_URL: moto,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: accessKey.AccessKeyId,
      AWS_SECRET_ACCESS_KEY: accessKey.SecretAccessKey,
      AWS_EC2_METADATA_DISABLED: "true",
      AWS_MAX_ATTEMPTS: "2",
      ENFORCEAI_REMEDIATION_ROLE_ARN: `arn:aws:iam::${account.accountId}:role/enforceai-remediation`,
      ENFORCEAI_EVENTS_QUEUE_URL: queueUrl,
      ENFORCEAI_WATCH_IN_SERVE: "true",
      ENFORCEAI_EVENTS_WINDOW_MS: "200",
    };
    // `enforceai serve` as a user runs it (through the command's own function until the CLI registers it).
    const proc = spawnCommand("serve", ["--port", "0", "--rate-limit", "off", "--grace", "2"], env);
    proc.stdout?.resume();
    child = proc;
    url = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`serve did not start in 60 s:\n${stderr}`)), 60_000);
      proc.stderr!.on("data", (chunk: Buffer) => {
        stderr += chunk.toString();
        const m = /listening on (http:\/\/[^\s(]+)/.exec(stderr);
        if (m) {
          clearTimeout(timer);
          resolve(m[1]!);
        }
      });
      proc.on("exit", (code) => {
        clearTimeout(timer);
        reject(new Error(`serve exited (${code}):\n${stderr}`));
      });
    });
    browser = await chromium.launch({ executablePath: browserPath!, args: CHROMIUM_ARGS });
    op = await newPage();
  }, 120_000);

  afterAll(async () => {
    for (const c of contexts) await c.close().catch(() => {});
    await browser?.close().catch(() => {});
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child!.once("exit", resolve));
      child.kill("SIGTERM");
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 8_000))]);
      if (child.exitCode === null) child.kill("SIGKILL");
    }
    account?.destroy();
    if (home) rmSync(home, { recursive: true, force: true });
  }, 30_000);

  it("signs in with an API key kept in sessionStorage; a wrong key is refused", async () => {
    await op.goto(`${url}/`);
    await pw(op.getByRole("heading", { level: 1 })).toHaveText("Sign in to EnforceAI");
    // The key field is focused on arrival.
    await pw(op.getByLabel("API key")).toBeFocused();
    await shot(op, "01-sign-in", false);
    await op.getByLabel("API key").fill("eai_this-key-does-not-exist");
    await op.keyboard.press("Enter");
    await pw(op.getByRole("alert")).toContainText("not valid");
    await pw(op.getByLabel("API key")).toHaveAttribute("aria-invalid", "true");

    await op.getByLabel("API key").fill(keys.operator);
    await op.getByRole("button", { name: "Sign in" }).click();
    await pw(op.locator(".role-badge")).toContainText("operator");
    await pw(op.getByRole("heading", { level: 1 })).toHaveText("Posture overview");
    await pw(op.locator("#page-title")).toBeFocused();
    expect(await op.evaluate('sessionStorage.getItem("enforceai.key")')).toBe(keys.operator);
    expect(await op.evaluate("localStorage.length")).toBe(0);
    // No scan yet: the empty state offers the sample account to an operator.
    await pw(op.getByText("No completed scan yet")).toBeVisible();
    await pw(op.getByRole("button", { name: "Scan the sample account" })).toBeVisible();
    await shot(op, "02-overview-empty", false);
  });

  it("works from the keyboard: skip link, visible focus, focus on the new page's heading", async () => {
    await op.locator("#skip-link").focus();
    await pw(op.locator("#skip-link")).toBeFocused();
    expect(await op.evaluate('document.getElementById("skip-link").getBoundingClientRect().top >= 0')).toBe(
      true,
    );
    await op.keyboard.press("Enter");
    await pw(op.locator("#main")).toBeFocused();
    // Tab order from the top: skip link, brand, then the navigation; the focus ring is drawn.
    await op.locator("#skip-link").focus();
    await op.keyboard.press("Tab");
    await op.keyboard.press("Tab");
    await op.keyboard.press("Tab");
    await pw(op.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Scans" })).toBeFocused();
    expect(await op.evaluate("getComputedStyle(document.activeElement).outlineWidth")).toBe("3px");
    await op.keyboard.press("Enter");
    await pw(op.locator("#page-title")).toHaveText("Scans");
    await pw(op.locator("#page-title")).toBeFocused();
    await pw(
      op.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Scans" }),
    ).toHaveAttribute("aria-current", "page");
  });

  it("starts a demo scan and follows its progress live until it completes", async () => {
    await pw(op.getByRole("heading", { level: 1 })).toHaveText("Scans");
    await pw(op.getByText("No scans yet.")).toBeVisible();
    await pw(op.getByLabel("The bundled sample account (demo)")).toBeChecked();
    await op.getByRole("button", { name: "Start scan" }).click();
    await pw(op.getByRole("heading", { level: 1 })).toHaveText(/^Scan scan-/);
    await pw(op.locator(".scan-status")).toContainText("Scan completed", { timeout: 60_000 });
    // Steps were marked from the event stream: run ones done, the rest "not needed" (only the stream says so).
    await pw(op.locator('.step[data-state="done"]').first()).toContainText("Discover resources");
    await pw(op.locator('.step[data-state="done"]')).toHaveCount(5);
    await pw(op.locator('.step[data-state="not needed"]')).toHaveCount(4);
    await pw(op.locator("progress")).toHaveAttribute("value", "9");
    await pw(op.getByRole("link", { name: "Explore the failing findings" })).toBeVisible();
    await shot(op, "03-scan-progress");
  });

  it("filters findings by severity and service, searches, groups, and opens one with its evidence", async () => {
    await op.getByRole("link", { name: "Explore the failing findings" }).click();
    await pw(op.getByRole("heading", { level: 1 })).toHaveText("Findings");
    await pw(op.locator(".result-count")).toContainText(/\d+ findings in scan/);
    const all = Number(
      (await op.locator(".result-count").textContent())!.match(/^(\d[\d,]*)/)![1]!.replace(/,/g, ""),
    );
    const filters = op.getByRole("form", { name: "Filter findings" });
    await filters.getByLabel("critical", { exact: true }).check();
    await filters.getByLabel("high", { exact: true }).check();
    // The service list comes from the latest scan, so the Coverage II services are offered too.
    await pw(filters.getByLabel("Service").locator('option[value="elbv2"]')).toHaveCount(1);
    await filters.getByLabel("Service").selectOption("s3");
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await pw(op.locator(".result-count")).not.toContainText(`${all} findings`);
    const rows = op.locator("tbody tr[data-finding-id]");
    expect(await rows.count()).toBeGreaterThan(0);
    for (const text of await rows.locator("td:nth-child(1)").allTextContents())
      expect(["critical", "high"]).toContain(text);
    for (const text of await rows.locator("td:nth-child(6)").allTextContents()) expect(text).toBe("s3");
    expect(op.url()).toContain("severity=critical%2Chigh");

    await filters.getByLabel("Search").fill("public");
    await filters.getByLabel("Group by").selectOption("resource");
    await filters.getByRole("button", { name: "Apply filters" }).click();
    await pw(op.locator("details.group").first()).toBeVisible();
    for (const title of await op.locator("tbody tr[data-finding-id] th a").allTextContents()) {
      expect(title.toLowerCase()).toContain("public");
    }
    await shot(op, "04-findings", false);

    await op.getByRole("link", { name: "S3 bucket is not open to the public" }).first().click();
    await pw(op.getByRole("heading", { level: 1 })).toHaveText("S3 bucket is not open to the public");
    await pw(op.locator("#page-title")).toBeFocused();
    await pw(op.locator(".verdict")).toContainText("is public");
    const evidence = op.locator("table.evidence");
    await pw(evidence).toBeVisible();
    expect(await evidence.locator("tbody tr").count()).toBeGreaterThan(0);
    await pw(op.getByRole("heading", { name: "How to fix it" })).toBeVisible();
    await pw(op.locator(".prose ol li").first()).toBeVisible();
  });

  it("suppresses the finding with a reason, an owner and an expiry, and shows it marked", async () => {
    const form = op.getByRole("form", { name: "Suppress this finding" });
    await form.getByRole("button", { name: "Suppress" }).click();
    await pw(op.locator(".suppress").getByRole("alert")).toContainText("Give a reason.");
    await pw(form.getByLabel("Reason")).toBeFocused();
    await form.getByLabel("Reason").fill("Public website assets; reviewed by the security team");
    await form.getByLabel("Owner").fill("web-team");
    const expiry = new Date(Date.now() + 30 * 86_400_000).toISOString().slice(0, 10);
    await form.getByLabel("Expires on").fill(expiry);
    await form.getByRole("button", { name: "Suppress" }).click();
    await pw(op.locator(".suppress").getByRole("status")).toContainText("Suppressed until");
    await pw(op.getByRole("button", { name: "Add another suppression" })).toBeVisible();
    await pw(op.locator(".badges")).toContainText("Suppressed from next scan");
    await pw(op.locator(".suppression-state")).toContainText("web-team");
    await shot(op, "05-finding-suppressed");
    const findingUrl = op.url();

    // In the explorer, "only suppressed" lists it, marked.
    await open(op, "#/findings?suppressed=true&status=FAIL");
    await pw(op.locator("tbody tr[data-finding-id]").first()).toBeVisible();
    await pw(op.locator("tbody tr[data-finding-id]").first()).toContainText("Suppressed from next scan");
    await op.goto(findingUrl);
  });

  it("after a second scan the suppression is applied, and the overview shows scores, severities and the trend", async () => {
    await open(op, "#/scans");
    await op.getByRole("button", { name: "Start scan" }).click();
    await pw(op.locator(".scan-status")).toContainText("Scan completed", { timeout: 60_000 });
    await op.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Overview" }).click();
    await pw(op.getByRole("heading", { level: 1 })).toHaveText("Posture overview");
    await pw(op.getByRole("img", { name: /Score per framework/ })).toBeVisible();
    // Beside the scores: how many controls each score covers (the CIS 3.0 figure counts the issue-13 checks).
    const automation = op.getByRole("list", { name: "Controls automated per framework" });
    await pw(automation.locator("li")).toHaveCount(10);
    await pw(automation.locator('[data-framework="cis-aws-3.0"]')).toContainText(
      "56 of 62 controls automated, 6 manual (not in the score)",
    );
    await pw(op.getByRole("img", { name: /Findings by severity/ })).toBeVisible();
    const trend = op.getByRole("img", { name: /Score trend across scans/ });
    await pw(trend).toBeVisible();
    // Two completed scans: two points per framework line (ten frameworks).
    await pw(trend.locator("circle")).toHaveCount(20);
    await pw(op.locator(".kpi", { hasText: "Suppressed" }).locator(".kpi-value")).not.toHaveText("0");
    await pw(
      op.getByRole("table", { name: "The ten failing controls with the worst severity" }),
    ).toBeVisible();
    await pw(op.getByText("No coverage gaps")).toBeVisible();
    await shot(op, "06-overview");

    await open(op, "#/findings?suppressed=true&status=FAIL");
    const row = op.locator("tbody tr[data-finding-id]").first();
    await pw(row.locator(".badge-suppressed")).toHaveText("Suppressed");

    // The same page on a phone-sized screen.
    const phone = await newPage(390, 844);
    await signIn(phone, keys.operator);
    await pw(phone.getByRole("img", { name: /Score per framework/ })).toBeVisible();
    const overflow = await phone.evaluate("document.documentElement.scrollWidth - window.innerWidth");
    expect(overflow).toBeLessThanOrEqual(1);
    await shot(phone, "07-overview-phone");
  });

  it("shows a resource: its configuration, tags and the history of its findings", async () => {
    await open(op, "#/findings?suppressed=true&status=FAIL");
    await op.locator("tbody tr[data-finding-id] td:nth-child(4) a").first().click();
    await pw(op.getByRole("heading", { level: 2, name: "Configuration", exact: true })).toBeVisible();
    await pw(op.getByRole("heading", { name: /Findings in the latest scan/ })).toBeVisible();
    const history = op.getByRole("table", { name: "Findings history" });
    await pw(history.locator("tbody tr").first()).toBeVisible();
    await pw(history.locator(".timeline li").first()).toContainText("first seen as");
    await shot(op, "08-resource");
  });

  it("filters resources by a type chosen from the inventory's types, grouped by service", async () => {
    await open(op, "#/resources");
    const type = op.getByLabel("Type");
    await pw(type.locator('optgroup[label="GuardDuty"] option')).toHaveCount(1);
    await pw(type.locator('optgroup[label="S3"] option[value="AWS::S3::Bucket"]')).toHaveText(
      /AWS::S3::Bucket \(\d+\)/,
    );
    await type.selectOption("AWS::GuardDuty::Detector");
    await op.getByRole("button", { name: "Apply" }).click();
    await pw(op.locator("tbody tr").first()).toContainText("AWS::GuardDuty::Detector");
    expect(await type.inputValue()).toBe("AWS::GuardDuty::Detector");
  });

  it("uploads a framework document and lists its proposed mappings (decided by an approver only)", async () => {
    await open(op, "#/frameworks");
    await pw(op.locator("[data-document-id]").first()).toContainText("indexed");
    const policy = [
      "# ACME cloud policy",
      "",
      "## A.1.1 Storage is never public",
      "Every S3 bucket blocks public access at the bucket and at the account level.",
      "",
      "## A.1.2 Data at rest is encrypted",
      "Every database instance and every volume stores its data encrypted with a managed key.",
      "",
    ].join("\n");
    await op
      .getByLabel("Document", { exact: true })
      .setInputFiles({ name: "acme-policy.md", mimeType: "text/markdown", buffer: Buffer.from(policy) });
    await op.getByLabel("Framework id").fill("acme-cloud-policy");
    await op.getByLabel("Version (optional)").fill("2026");
    await op.getByRole("button", { name: "Upload and ingest" }).click();
    await pw(op.getByText(/Ingested: \d+ passages, 2 controls extracted/)).toBeVisible({ timeout: 30_000 });
    await pw(op.locator("[data-document-id]", { hasText: "acme-policy.md" })).toContainText("indexed");
    await shot(op, "09-frameworks");
    await op.getByRole("link", { name: "Review the proposed mappings of acme-cloud-policy" }).click();
    await pw(op.locator("tr[data-mapping]").first()).toBeVisible();
    // An operator sees the proposals but no decision buttons.
    await pw(op.getByRole("button", { name: /^Confirm / })).toHaveCount(0);
    await pw(op.getByText("an approver decides").first()).toBeVisible();

    // An approver confirms one; the framework is then scored.
    bob = await newPage();
    await signIn(bob, keys.bob);
    await open(bob, "#/frameworks/acme-cloud-policy");
    const first = bob.locator("tr[data-mapping]").first();
    const mapping = (await first.getAttribute("data-mapping"))!;
    await first.getByRole("button", { name: /^Confirm / }).click();
    const confirmed = bob.locator(`tr[data-mapping="${mapping}"]`);
    await pw(confirmed.locator(".badge")).toHaveText("confirmed");
    await pw(confirmed).toContainText("bob-approver");
    await shot(bob, "10-framework-mappings");
    await open(bob, "#/frameworks");
    await pw(bob.locator("tbody tr", { hasText: "acme-cloud-policy" }).first()).toBeVisible();
  });

  it("chat streams an answer whose citations link to the findings and control passages", async () => {
    await open(op, "#/chat");
    await pw(op.getByText("Ask a question about findings")).toBeVisible();
    // Count how often the answer changes while it streams.
    await op.evaluate(`
      window.__updates = 0;
      new MutationObserver((records) => { window.__updates += records.length; })
        .observe(document.querySelector(".chat-log"), { childList: true, subtree: true, characterData: true });
    `);
    await op.getByLabel("Ask about your posture").fill("Which critical findings are failing?");
    await op.keyboard.press("Enter");
    const answer = op.locator(".msg-assistant").last();
    await pw(answer.locator(".msg-status")).toHaveText("Answered without a language model.", {
      timeout: 30_000,
    });
    expect(await op.evaluate("window.__updates")).toBeGreaterThan(10);
    await pw(op.locator(".chat-log")).toHaveAttribute("role", "log");
    await pw(op.locator(".chat-log")).not.toHaveAttribute("aria-busy", "true");
    await pw(answer.locator(".answer")).toContainText("findings match");
    const cite = answer.locator(".answer a.cite-finding").first();
    await pw(cite).toHaveText("[1]");
    await pw(answer.locator(".source-list li").first()).toContainText("finding:");
    await shot(op, "11-chat");
    const label = (await cite.getAttribute("aria-label"))!.replace(/^source 1: finding: /, "");
    await cite.click();
    await pw(op.getByRole("heading", { level: 1 })).toHaveText(label);

    await op.goBack();
    await pw(op.locator(".msg-assistant").first()).toBeVisible();
    await op.getByLabel("Ask about your posture").fill("What does PCI DSS 3.5.1 require?");
    await op.getByRole("button", { name: "Send" }).click();
    const second = op.locator(".msg-assistant").last();
    await pw(second.locator(".msg-status")).toHaveText("Answered without a language model.", {
      timeout: 30_000,
    });
    await second.locator(".answer a.cite-passage").first().click();
    await pw(op.getByRole("heading", { level: 1 })).toContainText("pci-dss-4.0");
    await pw(op.locator('tr.highlight[data-control="3.5.1"]')).toBeVisible();
  });

  it("a live scan proposes a remediation; its requester may not approve it, another approver does, and it is verified", async () => {
    const alice = await newPage();
    await signIn(alice, keys.alice);
    await open(alice, "#/scans");
    await alice.getByLabel("A live account, with the server's AWS credentials").check();
    await alice.getByLabel("Regions").fill("us-east-1");
    await alice.getByLabel("cis-aws-3.0").check();
    await alice.getByLabel(/Propose remediations for failing findings/).check();
    await alice.getByRole("button", { name: "Start scan" }).click();
    await pw(alice.locator(".scan-status")).toContainText("waiting for remediation approvals", {
      timeout: 60_000,
    });
    await pw(alice.locator('.step[data-state="waiting"]')).toContainText("Wait for approvals");
    await alice.getByRole("link", { name: "Review approvals" }).click();
    await pw(alice.getByRole("heading", { level: 1 })).toHaveText("Remediation approvals");
    const kmsRow = alice.locator('tr[data-action="kms_enable_key_rotation"]', { hasText: kmsKeyId });
    await pw(kmsRow).toBeVisible();
    const pendingCount = await alice.locator("tr[data-approval-id]").count();
    expect(pendingCount).toBeGreaterThan(1);
    await shot(alice, "12-approvals", false);

    await kmsRow.getByRole("link").first().click();
    await pw(alice.getByRole("heading", { level: 1 })).toHaveText(
      "Turn on automatic rotation for the KMS key",
    );
    await pw(alice.locator("ol.calls")).toContainText("kms:EnableKeyRotation");
    await pw(alice.locator("ol.calls")).toContainText(kmsKeyId);
    const diff = alice.getByRole("table", { name: "Fields the change sets, before and after" });
    await pw(diff.locator("tbody tr")).toContainText(["keyRotationEnabledfalsetrue"]);
    const approvalUrl = alice.url();
    // Four eyes: the approver who started the scan requested the change and cannot approve it.
    await alice.getByLabel("Comment").fill("I asked for this myself");
    await alice.getByRole("button", { name: "Approve" }).click();
    await pw(alice.getByRole("alert")).toContainText("you cannot approve it");
    await shot(alice, "13-approval-four-eyes");

    // An operator reviews but has no decision buttons.
    await op.goto(approvalUrl);
    await pw(op.getByText("This request waits for an approver")).toBeVisible();
    await pw(op.getByRole("button", { name: "Approve" })).toHaveCount(0);

    // Bob approves the KMS change and rejects the rest.
    await bob.goto(approvalUrl);
    await bob.getByLabel("Comment").fill("Rotation is safe and reversible");
    await bob.getByRole("button", { name: "Approve" }).click();
    await pw(bob.locator(".badges")).toContainText("approved");
    await pw(bob.getByRole("heading", { name: "Decisions" })).toBeVisible();
    await pw(bob.locator(".timeline")).toContainText("bob-approver approved");
    const scanLink = bob.locator(".facts a[href^='#/scans/']");
    const scanId = (await scanLink.textContent())!;
    for (let i = 0; i < pendingCount - 1; i++) {
      await open(bob, `#/approvals?status=pending&scanId=${scanId}`);
      await bob.locator("tr[data-approval-id] th a").first().click();
      await bob.getByLabel("Comment").fill("Not in this change window");
      await bob.getByRole("button", { name: "Reject" }).click();
      await pw(bob.locator(".badges")).toContainText("rejected");
    }
    await open(bob, `#/approvals?status=pending&scanId=${scanId}`);
    await pw(bob.getByText("No request is waiting for a decision.")).toBeVisible();
    await bob.getByRole("button", { name: "Continue the scan" }).click();
    await pw(bob.locator(".scan-status")).toContainText("Scan completed", { timeout: 60_000 });

    await bob.goto(approvalUrl);
    await pw(bob.getByText("Verified: the resource was read again and the checks now pass.")).toBeVisible();
    await pw(bob.locator(".badges")).toContainText("verified");
    await pw(bob.locator(".execution")).toContainText("succeeded");
    await shot(bob, "14-approval-verified");
    const rotation = await account.client("kms").send(new GetKeyRotationStatusCommand({ KeyId: kmsKeyId }));
    expect(rotation.KeyRotationEnabled).toBe(true);

    // History lists the execution; the key's page shows its hostile tag as text.
    await open(bob, "#/approvals?status=history");
    await pw(bob.locator("tr", { hasText: "Turn on automatic rotation" })).toContainText("succeeded");
    await bob.goto(approvalUrl);
    await bob.locator(".facts a[href^='#/resource/']").click();
    await pw(bob.getByRole("heading", { level: 1 })).toHaveText(kmsKeyId);
    await pw(bob.getByRole("table", { name: "Tags" })).toContainText(HOSTILE);
    expect(await bob.evaluate("window.__xss")).toBeUndefined();
    expect(await bob.locator("img[src='x']").count()).toBe(0);
  });

  it("a change made in AWS shows up live on the Changes page and in the resource's changes", async () => {
    await open(op, "#/changes");
    await pw(op.getByText("Waiting for changes…")).toBeVisible();
    await account
      .client("kms")
      .send(new TagResourceCommand({ KeyId: kmsKeyId, Tags: [{ TagKey: "team", TagValue: "payments" }] }));
    // moto emits no CloudTrail events: send the one the real service would, as EventBridge delivers it.
    await account.client("sqs").send(
      new SendMessageCommand({
        QueueUrl: queueUrl,
        MessageBody: JSON.stringify({
          "detail-type": "AWS API Call via CloudTrail",
          id: randomUUID(),
          detail: {
            eventSource: "kms.amazonaws.com",
            eventName: "TagResource",
            eventID: randomUUID(),
            eventTime: new Date().toISOString(),
            awsRegion: "us-east-1",
            recipientAccountId: account.accountId,
            userIdentity: {
              type: "IAMUser",
              arn: `arn:aws:iam::${account.accountId}:user/dana`,
              userName: "dana",
            },
            requestParameters: { keyId: kmsKeyId, tags: [{ tagKey: "team", tagValue: "payments" }] },
          },
        }),
      }),
    );
    const live = op.locator("ol.timeline li").first();
    await pw(live).toContainText(kmsKeyId, { timeout: 30_000 });
    // Only verdicts the change moved: account-wide checks the scan's frameworks left out are not "new failures".
    await pw(live).not.toContainText("account_billing_contact_registered");
    const table = op.getByRole("table", { name: "Changes" });
    await pw(table.locator("tbody tr").first()).toContainText("TagResource");
    await pw(table.locator("tbody tr").first()).toContainText(`user/dana`);
    await shot(op, "15-changes");
    await table.locator("tbody tr").first().getByRole("link").first().click();
    await pw(op.getByRole("heading", { level: 1 })).toHaveText(kmsKeyId);
    const changes = op.getByRole("table", { name: "Changes" });
    await pw(changes.locator("tbody tr").first()).toContainText("TagResource");
    await changes.locator("summary").first().click();
    await pw(changes.locator("details").first()).toContainText("tags.team");
  });

  it("raised no script error and no CSP violation on any page", () => {
    expect(pageErrors).toEqual([]);
  });
});
