/**
 * Exactly once, on embedded PGlite and on PostgreSQL: two approvals at the same moment, two executions at the
 * same moment, and a worker process that dies between the claim and the change (or between the change and its
 * result) — each ends with one execution row and one change in AWS (moto).
 */
import { execFile } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { promisify } from "node:util";
import { CreateBucketCommand, GetBucketVersioningCommand } from "@aws-sdk/client-s3";
import { afterAll, describe, expect, it } from "vitest";
import { loadCatalog } from "../../src/engine/catalog.ts";
import { ConflictError } from "../../src/errors.ts";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import { buildReport } from "../../src/report/build.ts";
import { renderReport } from "../../src/report/index.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { requireService } from "../helpers/services.ts";
import { dropSchema, uniqueSchema } from "../helpers/stores.ts";
import {
  awsFor,
  countingFactory,
  type MotoAccount,
  motoAccount,
  requestFor,
  scanAccount,
  serviceFor,
  suffix,
  TestClock,
} from "./helpers.ts";

const run = promisify(execFile);
const moto = requireService("moto");
const pgUrl = requireService("postgres");
const program = path.join(PACKAGE_ROOT, "test", "remediation", "fixtures", "execute-and-die.ts");

interface Backend {
  name: string;
  spec(): Promise<{ dataDir?: string; databaseUrl?: string; schema?: string }>;
  cleanup(spec: { dataDir?: string; databaseUrl?: string; schema?: string }): Promise<void>;
}

const backends: Backend[] = [
  {
    name: "pglite",
    spec: async () => ({ dataDir: await mkdtemp(path.join(os.tmpdir(), "enforceai-rem-")) }),
    cleanup: async (s) => rm(s.dataDir!, { recursive: true, force: true }),
  },
];
if (pgUrl) {
  backends.push({
    name: "postgres",
    spec: async () => ({ databaseUrl: pgUrl, schema: uniqueSchema() }),
    cleanup: async (s) => dropSchema(pgUrl, s.schema!),
  });
}

/** A bucket without versioning, scanned, and its (pending) versioning request. */
async function versioningRequest(store: Store, clock: TestClock, account: MotoAccount) {
  const bucket = `enforceai-once-${suffix()}`;
  await account.client("s3").send(new CreateBucketCommand({ Bucket: bucket }));
  const { scanId } = await scanAccount(store, account, ["s3"], clock);
  const service = await serviceFor(store, clock);
  await service.proposeForScan(scanId, undefined, "alice");
  const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
  return { bucket, scanId, service, request };
}

async function versioningOf(account: MotoAccount, bucket: string) {
  return (await account.client("s3").send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;
}

describe.skipIf(!moto).each(backends)("exactly once on $name", (backend) => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const c of cleanups.reverse()) await c();
  });

  async function setup() {
    const spec = await backend.spec();
    const account = motoAccount(moto!);
    cleanups.push(async () => {
      account.destroy();
      await backend.cleanup(spec);
    });
    return { spec, account };
  }

  it("two approvals at the same moment: one decides; two executions at the same moment: one row, one change", async () => {
    const { spec, account } = await setup();
    const store = await openStore(spec);
    try {
      const clock = new TestClock();
      const { bucket, service, request } = await versioningRequest(store, clock, account);
      const decisions = await Promise.allSettled([
        service.decide(request.id, "bob", "approve", "ok"),
        service.decide(request.id, "carol", "approve", "ok too"),
      ]);
      expect(decisions.filter((d) => d.status === "fulfilled")).toHaveLength(1);
      const refused = decisions.find((d) => d.status === "rejected") as PromiseRejectedResult;
      expect(refused.reason).toBeInstanceOf(ConflictError);

      const counting = countingFactory();
      const [a, b] = [awsFor(account, counting.factory), awsFor(account, counting.factory)];
      const outcomes = await Promise.all([
        service.executeApproved({ approvalId: request.id }, a),
        service.executeApproved({ approvalId: request.id }, b),
        service.executeApproved({ approvalId: request.id }, a),
      ]);
      const kinds = outcomes.map((o) => o[0]!.outcome).sort();
      expect(kinds.filter((k) => k === "succeeded")).toHaveLength(1);
      expect(kinds.every((k) => ["succeeded", "in-progress", "already-executed"].includes(k))).toBe(true);
      expect(counting.count("PutBucketVersioning")).toBe(1);
      expect((await service.show(request.id)).executions).toHaveLength(1);
      expect(await versioningOf(account, bucket)).toBe("Enabled");
      a.destroy();
      b.destroy();
    } finally {
      await store.close();
    }
  });

  it("the worker dies after the claim: after the restart the change is made exactly once", async () => {
    const { spec, account } = await setup();
    const clock = new TestClock();
    let store = await openStore(spec);
    const { bucket, scanId, service: s1, request } = await versioningRequest(store, clock, account);
    await s1.decide(request.id, "bob", "approve");
    await store.close();

    const child = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        program,
        JSON.stringify({
          store: spec,
          approvalId: request.id,
          endpoint: moto,
          roleArn: account.roleArn,
          die: "after-claim",
        }),
      ],
      { cwd: PACKAGE_ROOT },
    ).catch((error: { code?: number; stdout?: string }) => error);
    expect((child as { code?: number }).code, "the worker died").toBe(137);
    expect(await versioningOf(account, bucket), "it died before sending anything").toBeUndefined();

    store = await openStore(spec);
    try {
      const service = await serviceFor(store, clock);
      const [claimed] = (await service.show(request.id)).executions;
      expect(claimed?.status).toBe("running");

      const counting = countingFactory();
      const aws = awsFor(account, counting.factory);
      // Within the lease the claim still counts as held: nothing runs.
      const early = await service.executeApproved({ approvalId: request.id }, aws);
      expect(early[0]?.outcome).toBe("in-progress");
      expect(counting.count("PutBucketVersioning")).toBe(0);
      // The scan's report shows the approved change as still in progress, and how to take it over.
      const catalog = await loadCatalog();
      const during = await buildReport(store, catalog, scanId);
      expect(during.scan.changesInProgress).toEqual([
        expect.objectContaining({
          approvalId: request.id,
          executionId: claimed!.id,
          startedAt: claimed!.startedAt,
        }),
      ]);
      expect(renderReport(during, "table")).toContain(`enforceai approvals execute ${request.id}`);
      expect(JSON.parse(renderReport(during, "json")).scan.changesInProgress[0].approvalId).toBe(request.id);

      // After the lease: two restarts at once — one takes the execution over, the change is sent once.
      clock.advance(16 * 60_000);
      const restarts = await Promise.all([
        service.executeApproved({ approvalId: request.id }, aws),
        service.executeApproved({ approvalId: request.id }, aws),
      ]);
      const winner = restarts.map((r) => r[0]!).find((o) => o.outcome === "succeeded");
      expect(winner, JSON.stringify(restarts)).toMatchObject({ recovered: true });
      expect(restarts.map((r) => r[0]!.outcome).filter((o) => o === "succeeded")).toHaveLength(1);
      expect(counting.count("PutBucketVersioning")).toBe(1);
      const detail = await service.show(request.id);
      expect(detail.executions).toHaveLength(1);
      expect(detail.executions[0]).toMatchObject({ id: claimed!.id, status: "succeeded" });
      expect(detail.audit.map((e) => e.action)).toContain("remediation.execution_recovered");
      expect(await versioningOf(account, bucket)).toBe("Enabled");
      expect((await buildReport(store, catalog, scanId)).scan.changesInProgress).toBeUndefined();
      aws.destroy();
    } finally {
      await store.close();
    }
  });

  it("the worker dies after the change, before its result: the restart finds it in place and sends nothing", async () => {
    const { spec, account } = await setup();
    const clock = new TestClock();
    let store = await openStore(spec);
    const { bucket, service: s1, request } = await versioningRequest(store, clock, account);
    await s1.decide(request.id, "bob", "approve");
    await store.close();

    const child = await run(
      process.execPath,
      [
        "--import",
        "tsx",
        program,
        JSON.stringify({
          store: spec,
          approvalId: request.id,
          endpoint: moto,
          roleArn: account.roleArn,
          die: "after-apply",
        }),
      ],
      { cwd: PACKAGE_ROOT },
    ).catch((error: { code?: number }) => error);
    expect((child as { code?: number }).code).toBe(137);
    expect(await versioningOf(account, bucket), "the change was made before the worker died").toBe("Enabled");

    store = await openStore(spec);
    try {
      const service = await serviceFor(store, clock);
      clock.advance(16 * 60_000);
      const counting = countingFactory();
      const aws = awsFor(account, counting.factory);
      const [outcome] = await service.executeApproved({ approvalId: request.id }, aws);
      expect(outcome).toMatchObject({ outcome: "succeeded", alreadyApplied: true, recovered: true });
      expect(counting.count("PutBucketVersioning")).toBe(0);
      expect(counting.count("GetBucketVersioning")).toBe(1);
      const detail = await service.show(request.id);
      expect(detail.executions).toHaveLength(1);
      expect(detail.executions[0]?.status).toBe("succeeded");
      // The prior configuration captured before the change survives the restart (it is not overwritten).
      expect(detail.priorConfiguration).toEqual({ status: null });
      aws.destroy();
    } finally {
      await store.close();
    }
  });
});
