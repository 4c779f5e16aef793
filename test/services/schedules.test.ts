/**
 * Scheduled scans: next ticks and the cron guard; the tick claim — two runners over two store connections to
 * one PostgreSQL schema, ticking at the same due time, start exactly one scan; ENFORCEAI_SCAN_SCHEDULE synced
 * into the table; and the API (roles, audit entries, the config schedule's 409) with a runner that starts a
 * real demo scan through the server's ScanJobs.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ScanRecord } from "../../src/domain/scan.ts";
import { ConfigError, ValidationError } from "../../src/errors.ts";
import { createLogger } from "../../src/logger.ts";
import type { StartRequest } from "../../src/services/scan-jobs.ts";
import {
  CONFIG_SCHEDULE_NAME,
  nextRunAfter,
  ScheduleRunner,
  type ScheduleRuntime,
  ScheduleService,
  scheduleProblems,
} from "../../src/services/schedules.ts";
import { openStore, type Store } from "../../src/store/index.ts";
import { type Harness, startHarness } from "../api/harness.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { dropSchema, uniqueSchema } from "../helpers/stores.ts";

const silent = createLogger({ level: "silent", format: "json" });
const T0 = new Date("2026-03-02T10:07:00Z");
const unusedCatalog = () => Promise.reject(new Error("no catalog in this test"));

function runtime(store: Store, clock: () => Date): ScheduleRuntime {
  return { store, clock, catalog: unusedCatalog as ScheduleRuntime["catalog"] };
}

/** A start function that counts calls and answers with a scan-like record. */
function countingStart(calls: StartRequest[]) {
  return async (request: StartRequest) => {
    calls.push(request);
    return { id: `scan-${calls.length}` } as ScanRecord;
  };
}

describe("cron expressions", () => {
  it("computes the next tick in the schedule's time zone", () => {
    expect(nextRunAfter("0 3 * * *", "UTC", T0)?.toISOString()).toBe("2026-03-03T03:00:00.000Z");
    // 03:00 in Berlin (UTC+1 in March before the change) is 02:00 UTC.
    expect(nextRunAfter("0 3 * * *", "Europe/Berlin", T0)?.toISOString()).toBe("2026-03-03T02:00:00.000Z");
    expect(nextRunAfter("*/15 * * * *", "UTC", T0)?.toISOString()).toBe("2026-03-02T10:15:00.000Z");
    expect(nextRunAfter("30 6 * * 1", "UTC", T0)?.toISOString()).toBe("2026-03-09T06:30:00.000Z");
    expect(scheduleProblems("0 3 * * *", "UTC", T0)).toEqual([]);
  });

  it("names the field and gives an example for an invalid expression or zone", () => {
    for (const bad of ["every night", "0 3 * *", "61 * * * *", "0 3 * * * *"]) {
      const [problem] = scheduleProblems(bad, "UTC", T0);
      expect(problem?.path, bad).toBe("body.cron");
      expect(problem?.message, bad).toContain('"0 3 * * *"');
    }
    expect(scheduleProblems("0 3 * * *", "Mars/Olympus", T0)[0]).toMatchObject({ path: "body.timezone" });
    expect(scheduleProblems("0 0 30 2 *", "UTC", T0)[0]?.message).toMatch(/never fires/);
  });

  it("refuses schedules that fire more than once in 5 minutes, and says why", () => {
    for (const tooOften of ["* * * * *", "*/4 * * * *", "0,1 3 * * *", "59,0 * * * *"]) {
      const [problem] = scheduleProblems(tooOften, "UTC", T0);
      expect(problem?.message, tooOften).toMatch(/more than once in 5 minutes.*a scan takes minutes/);
    }
    expect(scheduleProblems("*/5 * * * *", "UTC", T0)).toEqual([]);
  });
});

describe("the config schedule (ENFORCEAI_SCAN_SCHEDULE)", () => {
  let store: Store;
  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
  });
  afterAll(async () => {
    await store?.close();
  });

  it("is created, disabled when the variable goes, enabled when it comes back; an operator's disable stays", async () => {
    const service = new ScheduleService(runtime(store, () => T0));
    const created = await service.syncConfig("0 3 * * *");
    expect(created).toMatchObject({
      name: CONFIG_SCHEDULE_NAME,
      source: "config",
      cron: "0 3 * * *",
      enabled: true,
      options: { scope: {} },
      nextRunAt: "2026-03-03T03:00:00.000Z",
    });
    expect((await service.syncConfig("0 3 * * *"))?.updatedAt).toBe(created?.updatedAt);

    const disabled = await service.syncConfig(undefined);
    expect(disabled).toMatchObject({ enabled: false, nextRunAt: null });
    expect(await service.syncConfig("0 3 * * *")).toMatchObject({ enabled: true });

    await service.update(created!.id, { enabled: false }, "alice");
    expect(await service.syncConfig("0 3 * * *")).toMatchObject({ enabled: false, updatedBy: "alice" });
    // A changed expression is a deliberate act: it applies and enables.
    expect(await service.syncConfig("0 4 * * *")).toMatchObject({ enabled: true, cron: "0 4 * * *" });

    const actions = (await store.audit.forSubject("schedule", created!.id)).map((e) => e.action);
    expect(actions).toEqual([
      "schedule.created",
      "schedule.updated",
      "schedule.updated",
      "schedule.updated",
      "schedule.updated",
    ]);
  });

  it("stops start-up on a bad value, naming the variable", async () => {
    const service = new ScheduleService(runtime(store, () => T0));
    await expect(service.syncConfig("* * * * *")).rejects.toThrow(ConfigError);
    await expect(service.syncConfig("nightly")).rejects.toThrow(
      /^ENFORCEAI_SCAN_SCHEDULE="nightly" .*0 3 \* \* \*/,
    );
  });

  it("refuses cron and option changes and deletion of the config schedule", async () => {
    const service = new ScheduleService(runtime(store, () => T0));
    const s = await store.schedules.findByName(CONFIG_SCHEDULE_NAME);
    await expect(service.update(s!.id, { cron: "0 5 * * *" }, "alice")).rejects.toThrow(
      /change the variable/,
    );
    await expect(service.delete(s!.id, "alice")).rejects.toThrow(/cannot be deleted; disable it/);
    await expect(
      service.create({ name: "x", cron: "* * * * *", options: { demo: true } }, "alice"),
    ).rejects.toThrow(ValidationError);
  });
});

serviceDescribe("postgres", "the tick claim across processes (PostgreSQL)", (url) => {
  const schema = uniqueSchema();
  let a: Store;
  let b: Store;
  beforeAll(async () => {
    a = await openStore({ databaseUrl: url, schema });
    b = await openStore({ databaseUrl: url, schema });
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    await dropSchema(url, schema);
  });

  it("two runners ticking at the same due time start exactly one scan per tick", async () => {
    const schedule = await new ScheduleService(runtime(a, () => T0)).create(
      { name: "every-quarter", cron: "*/15 * * * *", options: { demo: true } },
      "alice",
    );
    expect(schedule.nextRunAt).toBe("2026-03-02T10:15:00.000Z");
    const calls: StartRequest[] = [];
    let now = new Date("2026-03-02T10:15:00.000Z");
    const make = (store: Store) =>
      new ScheduleRunner({ store, logger: silent, clock: () => now, start: countingStart(calls) });
    const runners = [make(a), make(b), make(a), make(b)];

    for (let tick = 0; tick < 5; tick++) {
      const before = calls.length;
      const outcomes = (await Promise.all(runners.map((r) => r.tick()))).flat();
      expect(outcomes).toHaveLength(1);
      expect(calls.length - before).toBe(1);
      // Nothing more to claim at the same moment.
      expect((await Promise.all(runners.map((r) => r.tick()))).flat()).toEqual([]);
      now = new Date(now.getTime() + 15 * 60_000);
    }
    expect(calls.every((c) => c.requestedBy === "schedule:every-quarter" && c.source.kind === "demo")).toBe(
      true,
    );
    const after = await b.schedules.get(schedule.id);
    expect(after).toMatchObject({
      lastScanId: "scan-5",
      lastError: null,
      lastRunAt: "2026-03-02T11:15:00.000Z",
      nextRunAt: "2026-03-02T11:30:00.000Z",
    });
  });

  it("a missed stretch of ticks leads to one scan, then the next tick from now", async () => {
    const schedule = await new ScheduleService(runtime(a, () => T0)).create(
      { name: "hourly", cron: "0 * * * *", options: { demo: true } },
      "alice",
    );
    const calls: StartRequest[] = [];
    const late = new Date("2026-03-02T15:20:00Z");
    const runner = new ScheduleRunner({
      store: b,
      logger: silent,
      clock: () => late,
      start: countingStart(calls),
    });
    const outcomes = await runner.tick();
    expect(outcomes.filter((o) => o.scheduleId === schedule.id)).toHaveLength(1);
    expect((await a.schedules.get(schedule.id)).nextRunAt).toBe("2026-03-02T16:00:00.000Z");
  });
});

describe("the schedules API and a runner in the server", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(await openStore({ dataDir: "memory://" }));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("viewers read, operators create (audited), the 5-minute guard and field errors answer 400", async () => {
    const body = { name: "nightly-demo", cron: "0 3 * * *", options: { demo: true } };
    const denied = await h.call("POST", "/api/v1/schedules", { role: "viewer", body });
    expect(denied.status).toBe(403);

    const created = await h.call("POST", "/api/v1/schedules", { role: "operator", body });
    expect(created.status).toBe(201);
    expect(created.headers.get("location")).toBe(`/api/v1/schedules/${created.body.id}`);
    expect(created.body).toMatchObject({
      name: "nightly-demo",
      source: "api",
      enabled: true,
      timezone: "UTC",
    });
    expect(created.body.nextRunAt).toMatch(/T03:00:00\.000Z$/);
    const audit = await h.app.store.audit.forSubject("schedule", created.body.id);
    expect(audit).toMatchObject([{ action: "schedule.created", actor: "operator-user" }]);

    const list = await h.call("GET", "/api/v1/schedules", { role: "viewer" });
    expect(list.status).toBe(200);
    expect(list.body.items.map((s: { name: string }) => s.name)).toContain("nightly-demo");
    expect((await h.call("GET", `/api/v1/schedules/${created.body.id}`, { role: "viewer" })).status).toBe(
      200,
    );
    expect((await h.call("GET", "/api/v1/schedules/nope", { role: "viewer" })).status).toBe(404);

    const again = await h.call("POST", "/api/v1/schedules", { role: "operator", body });
    expect(again.status).toBe(409);

    const invalid = await h.call("POST", "/api/v1/schedules", {
      role: "operator",
      body: { ...body, name: "bad", cron: "3am daily" },
    });
    expect(invalid.status).toBe(400);
    expect(invalid.body.errors[0]).toMatchObject({ path: "body.cron" });
    expect(invalid.body.errors[0].message).toContain('"0 3 * * *"');

    const often = await h.call("POST", "/api/v1/schedules", {
      role: "operator",
      body: { ...body, name: "often", cron: "* * * * *" },
    });
    expect(often.status).toBe(400);
    expect(often.body.errors[0].message).toMatch(/more than once in 5 minutes/);

    const unknownFramework = await h.call("POST", "/api/v1/schedules", {
      role: "operator",
      body: { ...body, name: "fw", options: { demo: true, frameworks: ["no-such-framework"] } },
    });
    expect(unknownFramework.status).toBe(400);
    expect(unknownFramework.body.errors[0].path).toBe("body.options.frameworks");

    const reserved = await h.call("POST", "/api/v1/schedules", {
      role: "operator",
      body: { ...body, name: "default" },
    });
    expect(reserved.status).toBe(409);

    const disabled = await h.call("PATCH", `/api/v1/schedules/${created.body.id}`, {
      role: "operator",
      body: { enabled: false },
    });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ enabled: false, nextRunAt: null });
    expect(
      (
        await h.call("PATCH", `/api/v1/schedules/${created.body.id}`, {
          role: "viewer",
          body: { enabled: true },
        })
      ).status,
    ).toBe(403);

    const removed = await h.call("DELETE", `/api/v1/schedules/${created.body.id}`, { role: "operator" });
    expect(removed.status).toBe(204);
    expect((await h.app.store.audit.forSubject("schedule", created.body.id)).map((e) => e.action)).toEqual([
      "schedule.created",
      "schedule.updated",
      "schedule.deleted",
    ]);
  });

  it("the config schedule cannot be deleted (409 with the reason), only disabled", async () => {
    const config = await new ScheduleService(h.app).syncConfig("0 2 * * *");
    const r = await h.call("DELETE", `/api/v1/schedules/${config!.id}`, { role: "operator" });
    expect(r.status).toBe(409);
    expect(r.body.detail).toMatch(/ENFORCEAI_SCAN_SCHEDULE and cannot be deleted; disable it/);
    const patched = await h.call("PATCH", `/api/v1/schedules/${config!.id}`, {
      role: "operator",
      body: { cron: "0 4 * * *" },
    });
    expect(patched.status).toBe(409);
    const off = await h.call("PATCH", `/api/v1/schedules/${config!.id}`, {
      role: "operator",
      body: { enabled: false },
    });
    expect(off.status).toBe(200);
    expect(off.body.enabled).toBe(false);
  });

  it("a due schedule starts a demo scan through the server's scan jobs and records it", async () => {
    const created = await h.call("POST", "/api/v1/schedules", {
      role: "operator",
      body: { name: "demo-every-10", cron: "*/10 * * * *", options: { demo: true } },
    });
    expect(created.status).toBe(201);
    const due = new Date(created.body.nextRunAt);
    const runner = new ScheduleRunner({
      store: h.app.store,
      logger: silent,
      clock: () => new Date(due.getTime() + 1_000),
      start: (request) => h.server.services.jobs.start(request),
      intervalMs: 60_000,
    });
    const [outcome] = await runner.tick();
    expect(outcome).toMatchObject({ name: "demo-every-10", error: null });
    expect(await h.waitForScan(outcome!.scanId!)).toBe("completed");
    const scan = await h.call("GET", `/api/v1/scans/${outcome!.scanId}`, { role: "viewer" });
    expect(scan.body.scan).toMatchObject({ source: "demo", requestedBy: "schedule:demo-every-10" });
    const after = await h.call("GET", `/api/v1/schedules/${created.body.id}`, { role: "viewer" });
    expect(after.body).toMatchObject({ lastScanId: outcome!.scanId, lastError: null });
    expect(new Date(after.body.nextRunAt).getTime()).toBe(due.getTime() + 10 * 60_000);
    await runner.stop();
  }, 60_000);
});
