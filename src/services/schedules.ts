/**
 * Scheduled scans. A schedule is a five-field cron expression read in a time zone, and the scan it starts (the
 * choices of POST /api/v1/scans). `ScheduleService` creates, changes and removes schedules (each change and its
 * audit entry in one transaction); `ScheduleRunner`, started by `serve`, looks for due schedules every few
 * seconds, claims each tick in the store and starts the scan through the same path the API uses.
 *
 * Several servers over one PostgreSQL each run a runner: the claim is one conditional UPDATE, so a tick starts
 * one scan however many servers see it. A tick missed while no server ran (or several) leads to one scan when a
 * server next looks, then the schedule waits for its next tick from then on.
 */
import { randomUUID } from "node:crypto";
import { Cron } from "croner";
import type { ScanRecord } from "../domain/scan.ts";
import type { Clock } from "../domain/types.ts";
import { selectFrameworks } from "../engine/frameworks.ts";
import {
  ConfigError,
  ConflictError,
  errorMessage,
  type FieldError,
  invalidFields,
  isEnforceAIError,
} from "../errors.ts";
import type { Logger } from "../logger.ts";
import type { Repositories, Store } from "../store/index.ts";
import type { ScanSchedule, ScheduleChanges, ScheduleScanOptions } from "../store/schedules.ts";
import type { Runtime } from "./runtime.ts";
import type { StartRequest } from "./scan-jobs.ts";

/** A schedule may fire at most once in this long: a scan takes minutes, and closer ticks would pile up. */
export const MIN_SCHEDULE_INTERVAL_MS = 5 * 60_000;
export const CRON_EXAMPLE = "0 3 * * *";
/** The schedule ENFORCEAI_SCAN_SCHEDULE defines. */
export const CONFIG_SCHEDULE_NAME = "default";
/** How often a runner looks for due schedules by default. */
export const DEFAULT_TICK_MS = 15_000;

/** How many upcoming ticks the interval guard looks at (enough to cross hour and day boundaries). */
const GUARD_TICKS = 200;

function cronOf(cron: string, timezone: string): Cron {
  return new Cron(cron, { timezone, paused: true, mode: "5-part" });
}

function validTimezone(timezone: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: timezone });
    return true;
  } catch {
    return false;
  }
}

/**
 * Field errors of a cron expression and time zone (empty when both are fine): not five fields, a value out of
 * range, a zone that does not exist, a schedule that never fires or fires more than once in five minutes.
 */
export function scheduleProblems(
  cron: string,
  timezone: string,
  now: Date,
  paths = { cron: "body.cron", timezone: "body.timezone" },
): FieldError[] {
  if (!validTimezone(timezone)) {
    return [
      {
        path: paths.timezone,
        message: `"${timezone}" is not a time zone; give an IANA name such as UTC or Europe/Berlin`,
      },
    ];
  }
  let job: Cron;
  try {
    job = cronOf(cron, timezone);
  } catch (error) {
    const reason = errorMessage(error).replace(/^CronPattern: /, "");
    return [
      {
        path: paths.cron,
        message: `is not a cron expression (${reason}); give five fields: minute hour day-of-month month day-of-week, e.g. "${CRON_EXAMPLE}" for 03:00 every day`,
      },
    ];
  }
  const ticks = job.nextRuns(GUARD_TICKS, now);
  if (ticks.length === 0) {
    return [{ path: paths.cron, message: `never fires; give a date that exists, e.g. "${CRON_EXAMPLE}"` }];
  }
  for (let i = 1; i < ticks.length; i++) {
    const gap = ticks[i]!.getTime() - ticks[i - 1]!.getTime();
    if (gap < MIN_SCHEDULE_INTERVAL_MS) {
      return [
        {
          path: paths.cron,
          message:
            `fires more than once in 5 minutes (${ticks[i - 1]!.toISOString()} and ${ticks[i]!.toISOString()}); ` +
            `a scan takes minutes, so schedules are at least 5 minutes apart — e.g. "*/15 * * * *" or "${CRON_EXAMPLE}"`,
        },
      ];
    }
  }
  return [];
}

/** The first tick of the schedule strictly after `after`, or null when it never fires again. */
export function nextRunAfter(cron: string, timezone: string, after: Date): Date | null {
  return cronOf(cron, timezone).nextRun(after);
}

export interface ScheduleInput {
  name: string;
  cron: string;
  timezone?: string;
  options: ScheduleScanOptions;
  enabled?: boolean;
}

export interface ScheduleUpdate {
  cron?: string;
  timezone?: string;
  options?: ScheduleScanOptions;
  enabled?: boolean;
}

/** What the service needs of the runtime (tests give a store and a clock of their own). */
export type ScheduleRuntime = Pick<Runtime, "store" | "clock" | "catalog">;

export class ScheduleService {
  constructor(private readonly app: ScheduleRuntime) {}

  list(): Promise<ScanSchedule[]> {
    return this.app.store.schedules.list();
  }

  get(id: string): Promise<ScanSchedule> {
    return this.app.store.schedules.get(id);
  }

  async create(input: ScheduleInput, by: string): Promise<ScanSchedule> {
    if (input.name === CONFIG_SCHEDULE_NAME) {
      throw new ConflictError(
        `the name "${CONFIG_SCHEDULE_NAME}" is kept for the schedule of ENFORCEAI_SCAN_SCHEDULE; choose another name`,
      );
    }
    const now = this.app.clock();
    const timezone = input.timezone ?? "UTC";
    const problems = scheduleProblems(input.cron, timezone, now);
    problems.push(...(await this.optionProblems(input.options, "body.options")));
    if (problems.length > 0) throw invalidFields(problems);
    const enabled = input.enabled ?? true;
    return this.app.store.transaction(async (tx) => {
      const created = await tx.schedules.create(
        {
          id: randomUUID(),
          name: input.name,
          cron: input.cron,
          timezone,
          options: input.options,
          enabled,
          source: "api",
          nextRunAt: enabled ? nextRunAfter(input.cron, timezone, now) : null,
        },
        by,
        now,
      );
      await audit(tx, by, "schedule.created", created, {
        cron: created.cron,
        timezone,
        options: created.options,
        enabled,
      });
      return created;
    });
  }

  async update(id: string, changes: ScheduleUpdate, by: string): Promise<ScanSchedule> {
    const current = await this.app.store.schedules.get(id);
    if (
      current.source === "config" &&
      (changes.cron !== undefined || changes.timezone !== undefined || changes.options !== undefined)
    ) {
      throw new ConflictError(
        `schedule "${current.name}" comes from ENFORCEAI_SCAN_SCHEDULE; change the variable (the API can only enable or disable it)`,
      );
    }
    const now = this.app.clock();
    const cron = changes.cron ?? current.cron;
    const timezone = changes.timezone ?? current.timezone;
    const problems: FieldError[] = [];
    if (changes.cron !== undefined || changes.timezone !== undefined)
      problems.push(...scheduleProblems(cron, timezone, now));
    if (changes.options !== undefined)
      problems.push(...(await this.optionProblems(changes.options, "body.options")));
    if (problems.length > 0) throw invalidFields(problems);
    const enabled = changes.enabled ?? current.enabled;
    const retimed =
      changes.cron !== undefined || changes.timezone !== undefined || enabled !== current.enabled;
    const patch: ScheduleChanges = { ...changes };
    if (retimed) patch.nextRunAt = enabled ? nextRunAfter(cron, timezone, now) : null;
    return this.app.store.transaction(async (tx) => {
      const updated = await tx.schedules.update(id, patch, by, now);
      await audit(tx, by, "schedule.updated", updated, { changes });
      return updated;
    });
  }

  async delete(id: string, by: string): Promise<void> {
    const current = await this.app.store.schedules.get(id);
    if (current.source === "config") {
      throw new ConflictError(
        `schedule "${current.name}" comes from ENFORCEAI_SCAN_SCHEDULE and cannot be deleted; disable it (PATCH {"enabled": false}) or unset the variable`,
      );
    }
    await this.app.store.transaction(async (tx) => {
      await tx.schedules.delete(id);
      await audit(tx, by, "schedule.deleted", current, { cron: current.cron, options: current.options });
    });
  }

  /**
   * Brings the schedule ENFORCEAI_SCAN_SCHEDULE defines into the table (named "default", source 'config'): a
   * scan of the configured account with the server's credentials. Set: created, or its cron updated and
   * enabled when the variable changed; a schedule the variable's removal disabled is enabled again, one an
   * operator disabled stays disabled. Unset: the schedule, if any, is disabled. A bad value stops start-up.
   */
  async syncConfig(cron: string | undefined, by = "config"): Promise<ScanSchedule | undefined> {
    const now = this.app.clock();
    if (cron !== undefined) {
      const problems = scheduleProblems(cron, "UTC", now, { cron: "cron", timezone: "timezone" });
      if (problems.length > 0) {
        throw new ConfigError(`ENFORCEAI_SCAN_SCHEDULE=${JSON.stringify(cron)} ${problems[0]!.message}`, {
          variable: "ENFORCEAI_SCAN_SCHEDULE",
        });
      }
    }
    return this.app.store.transaction(async (tx) => {
      const current = await tx.schedules.findByName(CONFIG_SCHEDULE_NAME);
      if (current && current.source !== "config") {
        throw new ConfigError(
          `ENFORCEAI_SCAN_SCHEDULE is set, but a schedule named "${CONFIG_SCHEDULE_NAME}" was created through the API; rename or delete it first`,
          { variable: "ENFORCEAI_SCAN_SCHEDULE" },
        );
      }
      if (cron === undefined) {
        if (!current?.enabled) return current;
        const disabled = await tx.schedules.update(current.id, { enabled: false, nextRunAt: null }, by, now);
        await audit(tx, by, "schedule.updated", disabled, {
          changes: { enabled: false },
          reason: "ENFORCEAI_SCAN_SCHEDULE is not set",
        });
        return disabled;
      }
      if (!current) {
        const created = await tx.schedules.create(
          {
            id: randomUUID(),
            name: CONFIG_SCHEDULE_NAME,
            cron,
            timezone: "UTC",
            options: { scope: {} },
            enabled: true,
            source: "config",
            nextRunAt: nextRunAfter(cron, "UTC", now),
          },
          by,
          now,
        );
        await audit(tx, by, "schedule.created", created, { cron, reason: "ENFORCEAI_SCAN_SCHEDULE" });
        return created;
      }
      const changed = current.cron !== cron;
      const reEnable = !current.enabled && current.updatedBy === by;
      if (!changed && !reEnable) return current;
      const updated = await tx.schedules.update(
        current.id,
        { cron, timezone: "UTC", enabled: true, nextRunAt: nextRunAfter(cron, "UTC", now) },
        by,
        now,
      );
      await audit(tx, by, "schedule.updated", updated, {
        changes: { cron, enabled: true },
        reason: "ENFORCEAI_SCAN_SCHEDULE",
      });
      return updated;
    });
  }

  private async optionProblems(options: ScheduleScanOptions, path: string): Promise<FieldError[]> {
    if (options.demo && options.scope)
      return [{ path: `${path}.scope`, message: "give demo or scope, not both" }];
    if (!options.demo && !options.scope) {
      return [
        {
          path,
          message: 'say what to scan: {"demo": true} or {"scope": {"regions": [...]}} ({} for defaults)',
        },
      ];
    }
    if (options.frameworks?.length) {
      try {
        selectFrameworks((await this.app.catalog()).frameworks, options.frameworks);
      } catch (error) {
        return [{ path: `${path}.frameworks`, message: errorMessage(error) }];
      }
    }
    return [];
  }
}

function audit(
  tx: Repositories,
  actor: string,
  action: string,
  schedule: ScanSchedule,
  details: Record<string, unknown>,
) {
  return tx.audit.append({
    actor,
    action,
    subjectType: "schedule",
    subjectId: schedule.id,
    details: { name: schedule.name, ...details },
  });
}

/** The scan request of a schedule's options (what POST /api/v1/scans builds from the same choices). */
export function scanRequestFor(schedule: ScanSchedule, awsEndpoint?: string): StartRequest {
  const o = schedule.options;
  return {
    source: o.demo
      ? { kind: "demo" }
      : {
          kind: "live",
          regions: o.scope?.regions,
          roleArns: o.scope?.roleArns,
          externalId: o.scope?.externalId,
          endpoint: awsEndpoint,
        },
    frameworks: o.frameworks,
    requestedBy: `schedule:${schedule.name}`,
  };
}

export interface ScheduleRunnerOptions {
  store: Store;
  logger: Logger;
  clock: Clock;
  /** Starts a scan: in `serve` the server's ScanJobs (`jobs.start`), as the API does. */
  start(request: StartRequest): Promise<ScanRecord>;
  /** AWS_ENDPOINT_URL, passed on to live scans as the API does. */
  awsEndpoint?: string;
  /** How often to look for due schedules (ms); default 15 s. */
  intervalMs?: number;
}

export interface TickOutcome {
  scheduleId: string;
  name: string;
  scanId: string | null;
  error: string | null;
}

/** Looks for due schedules on a timer, claims each tick and starts its scan. */
export class ScheduleRunner {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<TickOutcome[]> | undefined;

  constructor(private readonly options: ScheduleRunnerOptions) {}

  /** Starts the timer (a first look at once). */
  start(): void {
    if (this.timer) return;
    const every = this.options.intervalMs ?? DEFAULT_TICK_MS;
    this.timer = setInterval(() => void this.tickSafely(), every);
    this.timer.unref();
    void this.tickSafely();
  }

  /** Stops the timer and waits for a look in progress (scans it started keep running in their jobs). */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.running?.catch(() => undefined);
  }

  private async tickSafely(): Promise<void> {
    try {
      await this.tick();
    } catch (error) {
      this.options.logger.warn(
        { err: errorMessage(error) },
        "schedule runner: could not look for due schedules",
      );
    }
  }

  /** One look: claims every due tick this process wins and starts its scan. Overlapping calls share one look. */
  tick(): Promise<TickOutcome[]> {
    this.running ??= this.look().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async look(): Promise<TickOutcome[]> {
    const { store, clock, logger } = this.options;
    const now = clock();
    const outcomes: TickOutcome[] = [];
    for (const due of await store.schedules.due(now)) {
      if (!due.nextRunAt) continue;
      let next: Date | null;
      try {
        next = nextRunAfter(due.cron, due.timezone, now);
      } catch (error) {
        next = null;
        logger.warn({ schedule: due.name, err: errorMessage(error) }, "schedule has no next tick");
      }
      const claimed = await store.schedules.claim(due.id, new Date(due.nextRunAt), next, now);
      if (!claimed) continue; // another process took this tick
      let scanId: string | null = null;
      let error: string | null = null;
      try {
        const scan = await this.options.start(scanRequestFor(claimed, this.options.awsEndpoint));
        scanId = scan.id;
        logger.info({ schedule: claimed.name, scanId }, "scheduled scan started");
      } catch (e) {
        error = errorMessage(e);
        logger[isEnforceAIError(e) ? "warn" : "error"](
          { schedule: claimed.name, err: error },
          "scheduled scan could not start",
        );
      }
      await store.schedules.recordRun(claimed.id, { scanId, error });
      outcomes.push({ scheduleId: claimed.id, name: claimed.name, scanId, error });
    }
    return outcomes;
  }
}
