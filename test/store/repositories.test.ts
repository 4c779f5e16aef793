/**
 * The store's repositories beyond scans/findings/resources: every one hangs off the Store and off a
 * transaction, reads page and filter in SQL, searches take `%` and `_` literally, and severity sorts follow the
 * one order of src/domain.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SEVERITY_ORDER } from "../../src/domain/order.ts";
import { withContentHash } from "../../src/domain/shape.ts";
import type { ConfigurationItem, Finding, Severity } from "../../src/domain/types.ts";
import type { Repositories, Store } from "../../src/store/index.ts";
import { containsPattern, severityRank } from "../../src/store/sql.ts";
import { storeBackends } from "../helpers/stores.ts";

function bucket(name: string): ConfigurationItem {
  return withContentHash({
    resourceType: "AWS::S3::Bucket",
    resourceId: name,
    resourceName: name,
    arn: `arn:aws:s3:::${name}`,
    awsRegion: "us-east-1",
    accountId: "123456789012",
    configuration: { name },
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: "2026-01-01T00:00:00.000Z",
  });
}

function finding(
  item: ConfigurationItem,
  checkId: string,
  severity: Severity,
  status: Finding["status"],
): Finding {
  return {
    id: `${item.accountId}/${item.awsRegion}/${checkId}/${item.resourceId}`,
    checkId,
    title: `check ${checkId}`,
    severity,
    status,
    reason: status,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    resourceArn: item.arn,
    resourceName: item.resourceId,
    region: item.awsRegion,
    accountId: item.accountId,
    service: "s3",
    tags: {},
    frameworks: [],
    suppressed: false,
  };
}

describe("SQL fragments from the domain order", () => {
  it("ranks every severity, worst first, from SEVERITY_ORDER", () => {
    const sql = severityRank("s.severity");
    for (const [i, s] of SEVERITY_ORDER.entries()) expect(sql).toContain(`WHEN '${s}' THEN ${i}`);
    expect(sql).toContain(`ELSE ${SEVERITY_ORDER.length} END`);
  });

  it("escapes LIKE wildcards", () => {
    expect(containsPattern("my_bucket%")).toBe("%my\\_bucket\\%%");
    expect(containsPattern("a\\b")).toBe("%a\\\\b%");
  });
});

describe.each(storeBackends().map((b) => [b.name, b] as const))("repositories on %s", (_name, backend) => {
  let store: Store;
  const items = [bucket("my_bucket"), bucket("myxbucket"), bucket("pct%bucket"), bucket("plain")];
  beforeAll(async () => {
    store = await backend.open();
    const at = new Date("2026-02-01T00:00:00Z");
    for (const id of ["repo-a", "repo-b"]) {
      await store.scans.create({ id, source: "demo", requestedBy: "t", startedAt: at, frameworks: [] });
      await store.resources.saveScanInventory(id, items);
    }
    // scan a: only "plain" fails (low); scan b: every bucket fails, with every severity among them.
    await store.findings.recordScan(
      "repo-a",
      items.map((it) => finding(it, "c1", "low", it.resourceId === "plain" ? "FAIL" : "PASS")),
      at,
    );
    const severities: Severity[] = ["low", "informational", "critical", "medium"];
    await store.findings.recordScan(
      "repo-b",
      items.map((it, i) => finding(it, "c1", severities[i]!, "FAIL")),
      new Date("2026-02-02T00:00:00Z"),
    );
    await store.scans.update("repo-b", { status: "completed", completedAt: "2026-02-02T00:00:00.000Z" });
  });
  afterAll(async () => {
    await store?.close();
  });

  it("a transaction hands every repository of the store", async () => {
    const names = await store.transaction(async (tx: Repositories) => Object.keys(tx).sort());
    const onStore = Object.keys(store).filter((k) => names.includes(k));
    expect(onStore.sort()).toEqual(names);
    for (const name of ["policies", "documents", "mappings", "chatThreads", "reads", "findings", "scans"]) {
      expect(names).toContain(name);
    }
  });

  it("a transaction's writes are rolled back together on error", async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.chatThreads.claim("tx-thread", "alice", new Date());
        await tx.scans.update("repo-a", { error: "set in the transaction" });
        throw new Error("boom");
      }),
    ).rejects.toThrow("boom");
    expect(await store.chatThreads.find("tx-thread")).toBeUndefined();
    expect((await store.scans.get("repo-a")).error).toBeNull();
  });

  it("resource search takes % and _ literally, as finding search does", async () => {
    const underscore = await store.resources.list({ search: "my_bucket" });
    expect(underscore.items.map((i) => i.resourceId)).toEqual(["my_bucket"]);
    expect(underscore.total).toBe(1);
    const percent = await store.resources.list({ search: "%" });
    expect(percent.items.map((i) => i.resourceId)).toEqual(["pct%bucket"]);
    const page = await store.resources.list({ limit: 2, offset: 1 });
    expect(page.total).toBe(4);
    expect(page.items).toHaveLength(2);
  });

  it("finding search escapes wildcards and pages in SQL", async () => {
    const hit = await store.reads.searchFindings({ scanId: "repo-b", text: "c_1", limit: 10 });
    expect(hit.total).toBe(0);
    const all = await store.reads.searchFindings({ scanId: "repo-b", limit: 2 });
    expect(all.total).toBe(4);
    expect(all.findings.map((f) => f.severity)).toEqual(["critical", "medium"]);
  });

  it("sorts low before informational (the one severity order)", async () => {
    const { findings } = await store.findings.list({ scanId: "repo-b", limit: 10 });
    expect(findings.map((f) => f.severity)).toEqual(["critical", "medium", "low", "informational"]);
    const fresh = await store.reads.newFailures("repo-a", "repo-b", 10);
    // "plain" failed in both scans; of the new failures low comes before informational (compare_scans once
    // ranked them alike).
    expect(fresh.map((f) => f.severity)).toEqual(["critical", "low", "informational"]);
    expect((await store.reads.newFailures("repo-b", "repo-a", 10)).length).toBe(0);
  });

  it("reads one finding, and the lives of many in one call", async () => {
    const id = finding(items[3]!, "c1", "low", "FAIL").id;
    expect((await store.findings.find("repo-b", id))?.severity).toBe("medium");
    expect(await store.findings.find("repo-b", "nope")).toBeUndefined();
    const lives = await store.findings.lives([id, "unknown", finding(items[0]!, "c1", "low", "FAIL").id]);
    expect(lives.map((l) => l.id)).toEqual([id, finding(items[0]!, "c1", "low", "FAIL").id]);
    expect(lives[0]!.history.map((h) => h.to)).toEqual(["FAIL"]);
    expect(lives[1]!.history.map((h) => h.to)).toEqual(["PASS", "FAIL"]);
    expect(await store.findings.life(id)).toEqual(lives[0]);
  });

  it("answers the API's and chat's reads", async () => {
    expect((await store.reads.latestCompletedScan())?.id).toBe("repo-b");
    expect((await store.reads.resolveScan()).id).toBe("repo-b");
    expect(await store.reads.countScans(["completed"])).toBe(1);
    const byStatus = Object.fromEntries(
      (await store.reads.scanCountsByStatus()).map((r) => [r.status, r.count]),
    );
    expect(byStatus.completed).toBe(1);
    const failing = await store.reads.failingOfLatestBySeverity();
    expect(failing.reduce((a, r) => a + r.count, 0)).toBe(4);
    expect(await store.reads.lastScanOfResource("arn:aws:s3:::plain")).toBe("repo-b");
    expect((await store.reads.findingsOfResource("repo-b", "arn:aws:s3:::plain")).length).toBe(1);
    const before = await store.reads.activeApiKeyCount();
    await store.apiKeys.create("viewer", "t", "k");
    expect(await store.reads.activeApiKeyCount()).toBe(before + 1);
    expect((await store.reads.listApiKeys()).some((k) => k.name === "k")).toBe(true);
    await store.reads.ping();
    await store.knowledgeIndex.ping();
  });

  it("mappings: controls and suggestions in one statement each, repeated ids keep the last", async () => {
    await store.mappings.upsertIngestedFramework({ id: "acme-1", name: "Acme", version: "1" });
    await store.mappings.replaceControls("acme-1", [
      { id: "A.1", title: "first", summary: "one" },
      { id: "A.2", title: "second", summary: "two" },
      { id: "A.1", title: "first again", summary: "one again" },
    ] as never);
    await store.mappings.upsertSuggestions("acme-1", [
      { controlId: "A.1", checkId: "c1", score: 0.5, rationale: "x" },
      { controlId: "A.1", checkId: "c1", score: 0.7, rationale: "y" },
      { controlId: "A.2", checkId: "c2", score: 0.4, rationale: "z" },
    ]);
    const rows = await store.mappings.list("acme-1");
    expect(rows.map((r) => [r.controlId, r.checkId, r.score, r.controlTitle])).toEqual([
      ["A.2", "c2", 0.4, "second"],
      ["A.1", "c1", 0.7, "first again"],
    ]);
    await store.mappings.decide({
      framework: "acme-1",
      controlId: "A.2",
      checkId: "c2",
      decision: "confirmed",
      user: "u",
    });
    const ingested = await store.mappings.ingestedWithConfirmed();
    expect(ingested.frameworks.map((f) => f.id)).toEqual(["acme-1"]);
    expect(ingested.controls.map((c) => c.id)).toEqual(["A.2", "A.1"]);
    expect(ingested.confirmed).toEqual([{ frameworkId: "acme-1", controlId: "A.2", checkId: "c2" }]);
  });

  it("policies give their stored checks to the catalog", async () => {
    expect(await store.policies.storedChecks()).toEqual([]);
  });
});
