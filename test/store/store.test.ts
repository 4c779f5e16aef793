import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { withContentHash } from "../../src/domain/shape.ts";
import type { ConfigurationItem, Finding } from "../../src/domain/types.ts";
import type { Store } from "../../src/store/index.ts";
import { loadMigrations, migrate } from "../../src/store/migrate.ts";
import { storeBackends } from "../helpers/stores.ts";

function bucket(name: string, versioning: string): ConfigurationItem {
  return withContentHash({
    resourceType: "AWS::S3::Bucket",
    resourceId: name,
    resourceName: name,
    arn: `arn:aws:s3:::${name}`,
    awsRegion: "us-east-1",
    accountId: "123456789012",
    configuration: { name },
    supplementaryConfiguration: { versioning: { status: versioning } },
    tags: { team: "data" },
    configurationItemCaptureTime: "2026-01-01T00:00:00.000Z",
  });
}

function finding(item: ConfigurationItem, status: Finding["status"]): Finding {
  return {
    id: `${item.accountId}/${item.awsRegion}/s3_bucket_versioning_enabled/${item.resourceId}`,
    checkId: "s3_bucket_versioning_enabled",
    title: "S3 bucket keeps object versions",
    severity: "medium",
    status,
    reason: `versioning status is ${status === "PASS" ? '"Enabled"' : '"Suspended"'}; expected "Enabled"`,
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    resourceArn: item.arn,
    resourceName: item.resourceId,
    region: item.awsRegion,
    accountId: item.accountId,
    service: "s3",
    tags: item.tags,
    frameworks: [{ framework: "nist-800-53-r5", controlId: "CP-9" }],
    suppressed: false,
  };
}

describe.each(storeBackends().map((b) => [b.name, b] as const))("store on %s", (_name, backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await backend.open();
  });
  afterAll(async () => {
    await store?.close();
  });

  it("applies migrations once and is idempotent on re-run", async () => {
    expect(await migrate(store.db.pool)).toEqual([]);
    const { rows } = await store.db.pool.query<{ version: number }>("SELECT version FROM schema_migrations");
    const all = (await loadMigrations()).map((m) => m.version);
    expect(rows.map((r) => r.version).sort((a, b) => a - b)).toEqual(all);
    expect(all[0]).toBe(1);
  });

  it("creates, updates and lists scans", async () => {
    const scan = await store.scans.create({
      id: "scan-a",
      source: "demo",
      requestedBy: "alice",
      startedAt: new Date("2026-01-01T00:00:00Z"),
      frameworks: ["cis-aws-3.0"],
    });
    expect(scan.status).toBe("running");
    const done = await store.scans.update("scan-a", {
      status: "completed",
      resourceCount: 2,
      completedAt: "2026-01-01T00:01:00.000Z",
      scores: { "cis-aws-3.0": { score: 50, passed: 1, failed: 1, manual: 0 } },
    });
    expect(done.status).toBe("completed");
    expect(done.scores["cis-aws-3.0"]?.score).toBe(50);
    expect(done.completedAt).toBe("2026-01-01T00:01:00.000Z");
    expect((await store.scans.list({ status: ["completed"] })).map((s) => s.id)).toContain("scan-a");
    await expect(store.scans.get("nope")).rejects.toThrow(/does not exist/);
  });

  it("refuses an unknown scan status (schema constraint)", async () => {
    await expect(store.scans.update("scan-a", { status: "exploded" as never })).rejects.toThrow();
  });

  it("stores each resource version once and rebuilds a scan's exact inventory", async () => {
    const items = [bucket("b1", "Enabled"), bucket("b2", "Suspended")];
    await store.resources.saveScanInventory("scan-a", items);
    await store.resources.saveScanInventory("scan-a", items); // idempotent
    const again = await store.resources.scanInventory("scan-a");
    expect(again).toEqual(items);
    const { rows } = await store.db.pool.query<{ n: string }>("SELECT count(*) AS n FROM resource_versions");
    expect(Number(rows[0]!.n)).toBe(2);
    const listed = await store.resources.list({ resourceType: "AWS::S3::Bucket", search: "b2" });
    expect(listed.total).toBe(1);
    expect(listed.items[0]!.resourceId).toBe("b2");
  });

  it("tracks a finding's life across scans: first seen, failed, resolved, with history", async () => {
    const b = bucket("life", "Suspended");
    await store.scans.create({
      id: "s1",
      source: "demo",
      requestedBy: "a",
      startedAt: new Date("2026-02-01"),
      frameworks: [],
    });
    await store.scans.create({
      id: "s2",
      source: "demo",
      requestedBy: "a",
      startedAt: new Date("2026-02-02"),
      frameworks: [],
    });
    await store.scans.create({
      id: "s3",
      source: "demo",
      requestedBy: "a",
      startedAt: new Date("2026-02-03"),
      frameworks: [],
    });
    await store.findings.recordScan("s1", [finding(b, "FAIL")], new Date("2026-02-01T00:00:00Z"));
    await store.findings.recordScan("s2", [finding(b, "FAIL")], new Date("2026-02-02T00:00:00Z"));
    await store.findings.recordScan("s3", [finding(b, "PASS")], new Date("2026-02-03T00:00:00Z"));
    const life = await store.findings.life(finding(b, "PASS").id);
    expect(life).toMatchObject({
      status: "PASS",
      firstSeenAt: "2026-02-01T00:00:00.000Z",
      lastSeenAt: "2026-02-03T00:00:00.000Z",
      firstFailedAt: "2026-02-01T00:00:00.000Z",
      resolvedAt: "2026-02-03T00:00:00.000Z",
    });
    expect(life!.history.map((h) => [h.scanId, h.from, h.to])).toEqual([
      ["s1", null, "FAIL"],
      ["s3", "FAIL", "PASS"],
    ]);
    const s1 = await store.findings.list({ scanId: "s1", framework: "nist-800-53-r5", controlId: "CP-9" });
    expect(s1.total).toBe(1);
    expect((await store.findings.list({ scanId: "s1", framework: "gdpr" })).total).toBe(0);
  });

  it("rolls a transaction back whole when any statement fails", async () => {
    await expect(
      store.transaction(async (tx) => {
        await tx.scans.create({
          id: "tx-1",
          source: "demo",
          requestedBy: "a",
          startedAt: new Date(),
          frameworks: [],
        });
        await tx.scans.create({
          id: "tx-1",
          source: "demo",
          requestedBy: "a",
          startedAt: new Date(),
          frameworks: [],
        });
      }),
    ).rejects.toThrow();
    expect(await store.scans.find("tx-1")).toBeUndefined();
  });

  it("keeps the audit log append-only", async () => {
    await store.audit.append({
      actor: "alice",
      action: "scan.start",
      subjectType: "scan",
      subjectId: "scan-a",
      details: {},
    });
    const entries = await store.audit.forSubject("scan", "scan-a");
    expect(entries).toHaveLength(1);
    await expect(store.db.pool.query("UPDATE audit_log SET actor = 'mallory'")).rejects.toThrow(
      /append-only/,
    );
    await expect(store.db.pool.query("DELETE FROM audit_log")).rejects.toThrow(/append-only/);
  });

  it("stores API keys hashed and authenticates only live keys", async () => {
    const created = await store.apiKeys.create("approver", "admin-user", "ci");
    expect(created.key).toMatch(/^eai_/);
    const { rows } = await store.db.pool.query<{ key_hash: string }>(
      "SELECT key_hash FROM api_keys WHERE id = $1",
      [created.id],
    );
    expect(rows[0]!.key_hash).not.toContain(created.key);
    expect((await store.apiKeys.authenticate(created.key))?.role).toBe("approver");
    expect(await store.apiKeys.authenticate("eai_wrong")).toBeUndefined();
    expect(await store.apiKeys.revoke(created.id)).toBe(true);
    expect(await store.apiKeys.authenticate(created.key)).toBeUndefined();
  });

  it("creates, lists and deletes suppressions", async () => {
    const s = await store.suppressions.create({
      checkId: "s3_bucket_versioning_enabled",
      resourceArn: null,
      tagKey: null,
      tagValue: null,
      accountId: null,
      region: null,
      reason: "scratch buckets",
      owner: "data-team",
      expiresAt: "2027-01-01T00:00:00.000Z",
      createdBy: "alice",
    });
    expect((await store.suppressions.list()).map((x) => x.id)).toContain(s.id);
    await store.suppressions.delete(s.id, new Date());
    expect((await store.suppressions.list()).map((x) => x.id)).not.toContain(s.id);
    await expect(store.suppressions.delete(s.id, new Date())).rejects.toThrow(/does not exist/);
  });
});
