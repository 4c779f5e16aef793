import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../helpers/cli.ts";

// Each test runs the real CLI several times (a process and an embedded database each): give it room under load.
vi.setConfig({ testTimeout: 180_000 });

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-cli-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

describe("enforceai demo and scan --inventory (real CLI, embedded store)", () => {
  let demoReport: {
    scan: Record<string, unknown> & {
      id: string;
      scores: Record<string, { score: number; passed: number; failed: number; manual: number }>;
    };
    findings: Record<string, unknown>[];
  };

  it("demo prints the contract's JSON report and writes an HTML copy", async () => {
    const r = await runCli(["demo", "--format", "json"], { ENFORCEAI_HOME: home });
    expect(r.stderr).toMatch(/HTML report: .*\.html/);
    expect(r.code).toBe(0);
    demoReport = JSON.parse(r.stdout);
    const scan = demoReport.scan;
    for (const key of [
      "id",
      "status",
      "startedAt",
      "completedAt",
      "accounts",
      "regions",
      "resourceCount",
      "coverageGaps",
      "scores",
      "llm",
    ]) {
      expect(scan).toHaveProperty(key);
    }
    expect(scan.status).toBe("completed");
    expect(scan.resourceCount).toBeGreaterThanOrEqual(150);
    expect(scan.llm).toMatchObject({ mode: "offline", calls: 0 });
    expect(Object.keys(scan.scores)).toEqual(
      expect.arrayContaining(["cis-aws-3.0", "pci-dss-4.0", "hipaa", "soc2", "nist-800-53-r5", "gdpr"]),
    );
    const cis = scan.scores["cis-aws-3.0"]!;
    expect(cis.failed).toBeGreaterThan(0);
    expect(cis.passed).toBeGreaterThan(0);
    expect(cis.manual).toBeGreaterThan(0);
    const f = demoReport.findings[0]!;
    for (const key of [
      "id",
      "checkId",
      "title",
      "severity",
      "status",
      "reason",
      "resourceType",
      "resourceId",
      "resourceArn",
      "resourceName",
      "region",
      "accountId",
      "tags",
      "frameworks",
      "suppressed",
    ]) {
      expect(f).toHaveProperty(key);
    }
    expect(f.id).toBe(`${f.accountId}/${f.region}/${f.checkId}/${f.resourceId}`);
    expect(
      demoReport.findings.every((x) => typeof x.reason === "string" && (x.reason as string).length > 10),
    ).toBe(true);
    const statuses = new Set(demoReport.findings.map((x) => x.status));
    expect(statuses).toContain("PASS");
    expect(statuses).toContain("FAIL");
    // Offline, critical failures still get a template explanation citing the bundled framework documents.
    const critical = demoReport.findings.filter((x) => x.status === "FAIL" && x.severity === "critical");
    expect(critical.length).toBeGreaterThan(0);
    for (const c of critical as { explanation?: { mode: string; citations: { passageId: string }[] } }[]) {
      expect(c.explanation?.mode).toBe("offline");
      expect(c.explanation?.citations.length).toBeGreaterThan(0);
    }
    const html = await readFile(path.join(home, "reports", `${scan.id}.html`), "utf8");
    expect(html).toContain("<svg");
  });

  it("evaluates the same inventory to the same findings (deterministic)", async () => {
    const sample = path.join(process.cwd(), "knowledge", "samples", "demo-account.json");
    const r = await runCli(["scan", "--inventory", sample, "--format", "json"], { ENFORCEAI_HOME: home });
    expect(r.code).toBe(0);
    const again = JSON.parse(r.stdout) as typeof demoReport;
    const strip = (fs: Record<string, unknown>[]) => fs.map((x) => [x.id, x.status, x.reason]);
    expect(strip(again.findings)).toEqual(strip(demoReport.findings));
  });

  it("exits 1 with --fail-on when failing findings reach the threshold, 0 otherwise", async () => {
    const sample = path.join(process.cwd(), "knowledge", "samples", "demo-account.json");
    const critical = await runCli(
      ["scan", "--inventory", sample, "--format", "csv", "--fail-on", "critical"],
      { ENFORCEAI_HOME: home },
    );
    expect(critical.code).toBe(1);
    expect(critical.stdout.split("\n")[0]).toContain("checkId");
    // An inventory with nothing failing: a single compliant bucket.
    const clean = path.join(home, "clean.json");
    await writeFile(
      clean,
      JSON.stringify({
        configurationItems: [
          {
            resourceType: "AWS::S3::Bucket",
            resourceId: "ok-bucket",
            resourceName: "ok-bucket",
            ARN: "arn:aws:s3:::ok-bucket",
            awsRegion: "us-east-1",
            awsAccountId: "111122223333",
            configurationItemCaptureTime: "2026-01-01T00:00:00.000Z",
            configuration: { name: "ok-bucket" },
            supplementaryConfiguration: { versioning: { status: "Enabled" } },
            tags: {},
          },
        ],
      }),
    );
    const ok = await runCli(
      ["scan", "--inventory", clean, "--frameworks", "soc2", "--format", "json", "--fail-on", "critical"],
      {
        ENFORCEAI_HOME: home,
      },
    );
    expect(ok.stderr).toBe("");
    expect(ok.code).toBe(0);
  });

  it("lists scans in the contract's shape", async () => {
    const r = await runCli(["scans", "list", "--json"], { ENFORCEAI_HOME: home });
    expect(r.code).toBe(0);
    const scans = JSON.parse(r.stdout) as Record<string, unknown>[];
    expect(scans.length).toBeGreaterThanOrEqual(3);
    expect(Object.keys(scans[0]!).sort()).toEqual([
      "completedAt",
      "findingCount",
      "id",
      "resourceCount",
      "startedAt",
      "status",
    ]);
    expect(scans.every((s) => s.status === "completed")).toBe(true);
  });

  it("re-renders a stored scan with `report`", async () => {
    const r = await runCli(["report", demoReport.scan.id, "--format", "ocsf"], { ENFORCEAI_HOME: home });
    expect(r.code).toBe(0);
    const events = JSON.parse(r.stdout) as { class_uid: number }[];
    expect(events.length).toBe(demoReport.findings.length);
    expect(events[0]!.class_uid).toBe(2003);
  });

  it("answers bad input with one line on stderr and the contract's exit codes", async () => {
    const usage = await runCli(["scan", "--fail-on", "urgent"], { ENFORCEAI_HOME: home });
    expect(usage.code).toBe(2);
    expect(usage.stderr.trim()).toBe(
      "enforceai: --fail-on urgent is not a severity; use one of critical, high, medium, low, informational",
    );
    const missing = await runCli(["scan", "--inventory", path.join(home, "nope.json")], {
      ENFORCEAI_HOME: home,
    });
    expect(missing.code).toBe(2);
    expect(missing.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    const garbage = path.join(home, "garbage.json");
    await writeFile(garbage, '{"hello": "world"}');
    const bad = await runCli(["scan", "--inventory", garbage], { ENFORCEAI_HOME: home });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^enforceai: .*configurationItems/);
    const config = await runCli(["scans", "list"], { ENFORCEAI_HOME: home, REDIS_URL: "nonsense" });
    expect(config.code).toBe(2);
    expect(config.stderr.trim()).toMatch(/^enforceai: REDIS_URL="nonsense" is not a valid URL/);
    const unknown = await runCli(["scan", "--inventory", garbage, "--frameworks", "iso-27001"], {
      ENFORCEAI_HOME: home,
    });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/unknown framework "iso-27001"; known frameworks: /);
  });

  it("lists frameworks in the contract's shape", async () => {
    const r = await runCli(["frameworks", "list", "--json"], { ENFORCEAI_HOME: home });
    expect(r.code).toBe(0);
    const list = JSON.parse(r.stdout) as { id: string; controls: number; automatedControls: number }[];
    const cis = list.find((f) => f.id === "cis-aws-3.0")!;
    // CIS 3.0: all 54 recommendations CIS marks Automated, plus 1.2 and 1.22 (see test/engine/frameworks-cis.test.ts).
    expect(cis).toMatchObject({ controls: 62, automatedControls: 56 });
    expect(list.find((f) => f.id === "cis-aws-5.0")).toMatchObject({ version: "5.0.0", controls: 63 });
    expect(list.find((f) => f.id === "cis-aws-7.0")).toMatchObject({ version: "7.0.0", controls: 70 });
    for (const f of list) expect(f.automatedControls).toBeLessThanOrEqual(f.controls);
    expect(Object.keys(cis).sort()).toEqual(["automatedControls", "controls", "id", "name", "version"]);
  });

  it("creates an API key once, in the contract's shape", async () => {
    const r = await runCli(["keys", "create", "--role", "viewer", "--json"], { ENFORCEAI_HOME: home });
    expect(r.code).toBe(0);
    const key = JSON.parse(r.stdout);
    expect(Object.keys(key).sort()).toEqual(["id", "key", "role"]);
    expect(key.role).toBe("viewer");
    const bad = await runCli(["keys", "create", "--role", "root"], { ENFORCEAI_HOME: home });
    expect(bad.code).toBe(2);
  });
});
