/**
 * Every change that leaves an audit entry commits with that entry, or not at all (issue 17, item 3). The audit
 * write is made to fail for real: a value PostgreSQL refuses in the entry's JSON (a lone surrogate), or a
 * trigger installed for the test that refuses entries of named actions. Each change must then leave nothing
 * behind, on both store backends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.ts";
import { storeBackends } from "../helpers/stores.ts";
import { type Harness, startHarness } from "./harness.ts";

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

const POLICY = `---
framework: acme-cloud-policy
version: "2026"
title: ACME cloud policy
---
# ACME cloud policy

## A.1.1 Storage is never public
Every S3 bucket blocks public access at the bucket and at the account level, so that no object can be read by
anyone on the internet.

## A.1.2 Data at rest is encrypted
Every database instance and every volume stores its data encrypted with a managed key.
`;

/** A real refusal inside the database: inserting an audit entry of a listed action raises. */
async function installAuditRefusal(store: Store): Promise<void> {
  await store.db.pool.query(`
    CREATE TABLE test_refused_audit (action text PRIMARY KEY);
    CREATE FUNCTION test_refuse_audit() RETURNS trigger AS $$
    BEGIN
      IF EXISTS (SELECT 1 FROM test_refused_audit WHERE action = NEW.action) THEN
        RAISE EXCEPTION 'audit entry % refused by the test', NEW.action;
      END IF;
      RETURN NEW;
    END;
    $$ LANGUAGE plpgsql;
    CREATE TRIGGER test_refuse_audit BEFORE INSERT ON audit_log
      FOR EACH ROW EXECUTE FUNCTION test_refuse_audit();
  `);
}

async function refuse(store: Store, ...actions: string[]): Promise<void> {
  await store.db.pool.query("DELETE FROM test_refused_audit");
  for (const action of actions) {
    await store.db.pool.query("INSERT INTO test_refused_audit (action) VALUES ($1)", [action]);
  }
}

async function auditCount(store: Store): Promise<number> {
  const { rows } = await store.db.pool.query<{ n: string }>("SELECT count(*) AS n FROM audit_log");
  return Number(rows[0]!.n);
}

for (const backend of storeBackends()) {
  describe(`audited writes commit with their audit entry (${backend.name})`, () => {
    let h: Harness;
    let store: Store;
    beforeAll(async () => {
      store = await backend.open();
      h = await startHarness(store, { limits: { uploadBytes: 64 * 1024 } });
      await installAuditRefusal(store);
    }, 120_000);
    afterAll(async () => {
      await h?.close();
    });

    it('a suppression whose audit entry PostgreSQL refuses (reason "a\\ud800b") is not stored', async () => {
      const before = await auditCount(store);
      const r = await h.call("POST", "/api/v1/suppressions", {
        role: "operator",
        body: { checkId: "s3_bucket_versioning_enabled", reason: "a\ud800b", owner: "tester" },
      });
      expect(r.status).not.toBe(201);
      expect(await store.suppressions.list()).toEqual([]);
      expect(await auditCount(store)).toBe(before);
    });

    it("suppressions: created and deleted only together with their entries", async () => {
      await refuse(store, "suppression.created");
      const body = { checkId: "s3_bucket_versioning_enabled", reason: "accepted", owner: "tester" };
      const refused = await h.call("POST", "/api/v1/suppressions", { role: "operator", body });
      expect(refused.status).toBe(500);
      expect(await store.suppressions.list()).toEqual([]);

      await refuse(store);
      const created = await h.call("POST", "/api/v1/suppressions", { role: "operator", body });
      expect(created.status).toBe(201);
      await refuse(store, "suppression.deleted");
      const del = await h.call("DELETE", `/api/v1/suppressions/${created.body.id}`, { role: "operator" });
      expect(del.status).toBe(500);
      expect((await store.suppressions.list()).map((s) => s.id)).toEqual([created.body.id]);
      expect((await store.audit.forSubject("suppression", created.body.id)).map((a) => a.action)).toEqual([
        "suppression.created",
      ]);
    });

    it("API keys: a refused entry leaves no new key and keeps a revoked one working", async () => {
      const keysBefore = (await store.reads.listApiKeys()).length;
      await refuse(store, "api_key.created");
      const created = await h.call("POST", "/api/v1/keys", { body: { role: "viewer", name: "refused" } });
      expect(created.status).toBe(500);
      expect((await store.reads.listApiKeys()).length).toBe(keysBefore);

      await refuse(store, "api_key.revoked");
      const viewer = h.keys.viewer;
      const revoke = await h.call("DELETE", `/api/v1/keys/${viewer.id}`);
      expect(revoke.status).toBe(500);
      const still = await h.call("GET", "/api/v1/suppressions", { key: viewer.key });
      expect(still.status).toBe(200);
    });

    it("custom policies: create, update and delete roll back with a refused entry", async () => {
      await refuse(store, "policy.created");
      const refused = await h.call("POST", "/api/v1/policies", { body: { check: ownerTagCheck } });
      expect(refused.status).toBe(500);
      expect(await store.policies.list()).toEqual([]);

      await refuse(store, "policy.updated", "policy.deleted");
      expect((await h.call("POST", "/api/v1/policies", { body: { check: ownerTagCheck } })).status).toBe(201);
      const update = await h.call("PUT", `/api/v1/policies/${ownerTagCheck.id}`, {
        body: { check: { ...ownerTagCheck, severity: "high" } },
      });
      expect(update.status).toBe(500);
      expect((await store.policies.find(ownerTagCheck.id))?.check.severity).toBe("low");
      const del = await h.call("DELETE", `/api/v1/policies/${ownerTagCheck.id}`);
      expect(del.status).toBe(500);
      expect(await store.policies.find(ownerTagCheck.id)).toBeDefined();
      expect((await store.audit.forSubject("policy", ownerTagCheck.id)).map((a) => a.action)).toEqual([
        "policy.created",
      ]);
    });

    it("scans: no scan record without `scan.started`, never `completed` without `scan.completed`, cancel rolls back", async () => {
      await refuse(store, "scan.started");
      const before = (await store.scans.list()).length;
      const refused = await h.call("POST", "/api/v1/scans", { role: "operator", body: { demo: true } });
      expect(refused.status).toBeGreaterThanOrEqual(400);
      expect((await store.scans.list()).length).toBe(before);

      await refuse(store, "scan.completed");
      const started = await h.call("POST", "/api/v1/scans", { role: "operator", body: { demo: true } });
      expect(started.status).toBe(202);
      expect(await h.waitForScan(started.body.id)).toBe("failed");
      expect((await store.scans.get(started.body.id)).completedAt).toBeNull();

      await refuse(store, "scan.cancelled");
      await store.scans.create({
        id: "scan-left-running",
        source: "demo",
        requestedBy: "tester",
        startedAt: new Date(),
        frameworks: [],
      });
      const cancel = await h.call("POST", "/api/v1/scans/scan-left-running/cancel", { role: "operator" });
      expect(cancel.status).toBe(500);
      expect((await store.scans.get("scan-left-running")).status).toBe("running");
    }, 120_000);

    it("documents and mappings: a refused entry leaves the decision undone and the document listed", async () => {
      await refuse(store);
      const form = new FormData();
      form.append("framework", "acme-cloud-policy");
      form.append("version", "2026");
      form.append("file", new Blob([POLICY], { type: "text/markdown" }), "acme-policy.md");
      const uploaded = await h.call("POST", "/api/v1/documents", { role: "operator", raw: form });
      expect(uploaded.status, uploaded.text).toBe(201);

      const proposed = await h.call("GET", "/api/v1/frameworks/acme-cloud-policy/mappings?status=proposed", {
        role: "viewer",
      });
      const first = proposed.body.items[0];
      await refuse(store, "mapping.confirmed", "document.deleted");
      const decide = await h.call("POST", "/api/v1/frameworks/acme-cloud-policy/mappings", {
        role: "approver",
        body: { controlId: first.controlId, checkId: first.checkId, decision: "confirmed" },
      });
      expect(decide.status).toBe(500);
      const after = await store.mappings.list("acme-cloud-policy");
      expect(after.find((m) => m.controlId === first.controlId && m.checkId === first.checkId)?.status).toBe(
        "proposed",
      );

      const del = await h.call("DELETE", `/api/v1/documents/${uploaded.body.id}`, { role: "operator" });
      expect(del.status).toBe(500);
      expect((await h.call("GET", `/api/v1/documents/${uploaded.body.id}`, { role: "viewer" })).status).toBe(
        200,
      );
      // Once the entry can be written, the same delete finishes the job.
      await refuse(store);
      expect(
        (await h.call("DELETE", `/api/v1/documents/${uploaded.body.id}`, { role: "operator" })).status,
      ).toBe(204);
      expect((await store.audit.forSubject("document", uploaded.body.id)).map((a) => a.action)).toEqual([
        "document.deleted",
      ]);
    }, 120_000);
  });
}
