/**
 * Scans started through the API run in the background of the server process. Each running scan keeps its
 * progress events (so a client that subscribes late, or reconnects with Last-Event-ID, sees all of them) and an
 * AbortController: cancelling aborts the graph run, which stops at once (discovery stops its in-flight AWS
 * calls), and the scan is marked `cancelled`; what its completed steps stored stays.
 */
import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import os from "node:os";
import type { ScanProgressEvent } from "../../graphs/scan.ts";
import type { InventorySource, ScanRecord } from "../domain/scan.ts";
import { selectFrameworks } from "../engine/frameworks.ts";
import { ConflictError, errorMessage, invalidFields } from "../errors.ts";
import type { SlotReservation } from "../store/scan-slots.ts";
import type { Runtime } from "./runtime.ts";
import { newScanId, resumeScan, startScan } from "./scan-service.ts";

const resumeHint = (scanId: string) =>
  `the server stopped during the scan; continue it with \`enforceai scan --resume ${scanId}\``;

export type ScanEvent =
  | ScanProgressEvent
  | { type: "status"; scanId: string; status: ScanRecord["status"]; error: string | null };

export interface BufferedEvent {
  seq: number;
  event: ScanEvent;
}

class ScanCancelled extends Error {
  constructor(scanId: string) {
    super(`scan ${scanId} was cancelled`);
    this.name = "ScanCancelled";
  }
}

class ServerStopping extends Error {
  constructor(scanId: string) {
    super(resumeHint(scanId));
    this.name = "ServerStopping";
  }
}

/** Runs a scan to its end, reporting progress and stopping when `signal` aborts. */
type ScanRunner = (onProgress: (e: ScanProgressEvent) => void, signal: AbortSignal) => Promise<ScanRecord>;

interface Job {
  scanId: string;
  events: BufferedEvent[];
  emitter: EventEmitter;
  /** Aborts the scan's graph run (and, through it, live discovery). */
  abort: AbortController;
  cancelledBy?: string;
  /** The server is stopping: the scan is aborted and stays resumable from its last checkpoint. */
  stopping?: boolean;
  done: Promise<void>;
  finished: boolean;
}

export interface StartRequest {
  source: InventorySource;
  frameworks?: string[];
  requestedBy: string;
  /** Propose, wait for approvals, then apply and verify (the scan graph's remediation steps). */
  autoRemediate?: boolean;
}

export interface ScanJobsOptions {
  /**
   * Scans running at once; one more is a 409. Counted in this process and over the scan slots in the store,
   * so servers sharing one PostgreSQL hold the limit together.
   */
  maxConcurrent?: number;
  /** How long a finished scan's events stay replayable (ms). */
  retainMs?: number;
  /** How long a slot outlives its last renewal, should this process die without freeing it (seconds). */
  slotLeaseSeconds?: number;
}

export class ScanJobs {
  private readonly jobs = new Map<string, Job>();
  /** Slots taken by starts and resumes whose job is not registered yet (they are still awaiting). */
  private readonly reserving = new Set<string>();
  private readonly maxConcurrent: number;
  private readonly retainMs: number;
  private readonly leaseSeconds: number;
  /** Names this process's slots in the store. */
  private readonly holder = `${os.hostname()}:${process.pid}:${randomBytes(4).toString("hex")}`;
  private renewTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly app: Runtime,
    readonly options: ScanJobsOptions = {},
  ) {
    this.maxConcurrent = options.maxConcurrent ?? 2;
    this.retainMs = options.retainMs ?? 10 * 60_000;
    this.leaseSeconds = options.slotLeaseSeconds ?? 60;
  }

  /** Scans this process runs or is about to run (reserved slots count). */
  running(): number {
    return [...this.jobs.values()].filter((j) => !j.finished).length + this.reserving.size;
  }

  /** Starts a scan in the background; resolves with its record once the scan exists in the store. */
  async start(request: StartRequest): Promise<ScanRecord> {
    const scanId = newScanId(this.app.clock());
    await this.reserve(scanId);
    try {
      const catalog = await this.app.catalog();
      try {
        selectFrameworks(catalog.frameworks, request.frameworks);
      } catch (error) {
        throw invalidFields([{ path: "body.frameworks", message: errorMessage(error) }]);
      }
    } catch (error) {
      await this.unreserve(scanId);
      throw error;
    }
    return this.run(scanId, (onProgress, signal) =>
      startScan(this.app, {
        source: request.source,
        frameworks: request.frameworks,
        requestedBy: request.requestedBy,
        autoRemediate: request.autoRemediate,
        onProgress,
        signal,
        scanId,
      }),
    );
  }

  /**
   * Continues a scan from its checkpoint in the background: one waiting for approvals (after people decided) or
   * one that failed (e.g. the server stopped during it).
   */
  async resume(scanId: string, by: string): Promise<ScanRecord> {
    const scan = await this.app.store.scans.get(scanId);
    const job = this.jobs.get(scanId);
    if (job && !job.finished) throw new ConflictError(`scan ${scanId} is already running on this server`);
    if (scan.status !== "awaiting_approval" && scan.status !== "failed") {
      throw new ConflictError(
        `scan ${scanId} is ${scan.status}; only a scan awaiting approval or a failed one can be resumed`,
      );
    }
    await this.reserve(scanId);
    try {
      await this.app.store.audit.append({
        actor: by,
        action: "scan.resumed",
        subjectType: "scan",
        subjectId: scanId,
        details: { from: scan.status },
      });
    } catch (error) {
      await this.unreserve(scanId);
      throw error;
    }
    return this.run(scanId, (onProgress, signal) => resumeScan(this.app, scanId, onProgress, signal));
  }

  /**
   * Continues the scans left `running` by a process that stopped (crash, restart), from their checkpoints.
   * Only safe where no other process can be running them: the embedded store (its lock admits one process),
   * or a PostgreSQL deployment with a single server (`ENFORCEAI_RESUME_ON_START=true`).
   */
  async resumeInterrupted(by: string): Promise<string[]> {
    const stale = await this.app.store.scans.list({ status: ["running"], limit: this.maxConcurrent });
    const resumed: string[] = [];
    for (const scan of stale) {
      if (this.jobs.get(scan.id)) continue;
      // No other process runs these (see above): a slot they still have is the stopped process's.
      await this.app.store.scanSlots.release(scan.id);
      try {
        await this.reserve(scan.id);
      } catch (error) {
        if (error instanceof ConflictError) break;
        throw error;
      }
      await this.app.store.audit.append({
        actor: by,
        action: "scan.resumed",
        subjectType: "scan",
        subjectId: scan.id,
        details: { from: "running", reason: "server start" },
      });
      await this.run(scan.id, (onProgress, signal) => resumeScan(this.app, scan.id, onProgress, signal));
      resumed.push(scan.id);
    }
    return resumed;
  }

  /**
   * Takes a slot for `scanId` or refuses with a 409. The count in this process is checked and the slot marked
   * taken before the first await, so no burst of requests can pass the check together; the slot in the store
   * (taken under an advisory lock) then holds the limit across every server on the same database.
   */
  private async reserve(scanId: string): Promise<void> {
    if (this.reserving.has(scanId))
      throw new ConflictError(`scan ${scanId} is already starting on this server`);
    const here = this.running();
    if (here >= this.maxConcurrent) throw this.full(here);
    this.reserving.add(scanId);
    let answer: SlotReservation;
    try {
      answer = await this.app.store.scanSlots.reserve(
        scanId,
        this.holder,
        this.maxConcurrent,
        this.leaseSeconds,
      );
    } catch (error) {
      this.reserving.delete(scanId);
      throw error;
    }
    if (!answer.reserved) {
      this.reserving.delete(scanId);
      if (answer.alreadyHeld) throw new ConflictError(`scan ${scanId} is already running`);
      throw this.full(answer.running);
    }
    this.keepRenewing();
  }

  /** Frees a slot whose scan never became a job. */
  private async unreserve(scanId: string): Promise<void> {
    this.reserving.delete(scanId);
    await this.releaseSlot(scanId);
  }

  private async releaseSlot(scanId: string): Promise<void> {
    await this.app.store.scanSlots.release(scanId, this.holder).catch((error) => {
      // It expires on its own after the lease; until then it counts against the limit.
      this.app.logger.warn({ scanId, err: errorMessage(error) }, "could not free the scan's slot");
    });
  }

  private full(running: number): ConflictError {
    return new ConflictError(
      `${running} scans are already running (the limit is ${this.maxConcurrent}, counted over every server on this database); wait for one to finish`,
      { running, limit: this.maxConcurrent },
    );
  }

  /** While this process holds slots, their leases are renewed well before they run out. */
  private keepRenewing(): void {
    if (this.renewTimer) return;
    this.renewTimer = setInterval(
      () => {
        const held = [
          ...this.reserving,
          ...[...this.jobs.values()].filter((j) => !j.finished).map((j) => j.scanId),
        ];
        if (held.length === 0) {
          clearInterval(this.renewTimer);
          this.renewTimer = undefined;
          return;
        }
        this.app.store.scanSlots.renew(this.holder, held, this.leaseSeconds).catch((error) => {
          this.app.logger.warn({ err: errorMessage(error) }, "could not renew the scan slots");
        });
      },
      Math.max(1_000, (this.leaseSeconds * 1000) / 3),
    );
    this.renewTimer.unref();
  }

  private async run(scanId: string, runner: ScanRunner): Promise<ScanRecord> {
    let resolveStarted!: () => void;
    const started = new Promise<void>((resolve) => {
      resolveStarted = resolve;
    });
    const job: Job = {
      scanId,
      events: [],
      emitter: new EventEmitter(),
      abort: new AbortController(),
      done: Promise.resolve(),
      finished: false,
    };
    job.emitter.setMaxListeners(0);
    // The job now counts as running; the slot reserved for it moves with it (no await in between).
    this.jobs.set(scanId, job);
    this.reserving.delete(scanId);
    const push = (event: ScanEvent) => {
      const buffered = { seq: job.events.length + 1, event };
      job.events.push(buffered);
      job.emitter.emit("event", buffered);
    };
    const onProgress = (event: ScanProgressEvent) => {
      resolveStarted();
      // After a cancel the scan's stream says nothing more: the last event is its status.
      if (!job.abort.signal.aborted) push(event);
    };
    job.done = (async () => {
      let error: string | null = null;
      try {
        await runner(onProgress, job.abort.signal);
      } catch (e) {
        error = errorMessage(e);
        if (!job.cancelledBy && !job.stopping) this.app.logger.warn({ scanId, err: error }, "scan failed");
      } finally {
        resolveStarted();
      }
      let record = await this.app.store.scans.find(scanId).catch(() => undefined);
      if (error !== null && record?.status === "running" && !job.cancelledBy && !job.stopping) {
        // Failed before the graph ran (the runner marks failures inside the graph only).
        record = await this.app.store.scans.update(scanId, { status: "failed", error }).catch(() => record);
      }
      if (job.stopping && record) {
        record = await this.app.store.scans
          .update(scanId, { status: "failed", error: resumeHint(scanId) })
          .catch(() => record);
      } else if (job.cancelledBy && record && record.status !== "cancelled") {
        record = await this.app.store.scans
          .update(scanId, { status: "cancelled", error: `cancelled by ${job.cancelledBy}` })
          .catch(() => record);
      }
      await this.releaseSlot(scanId);
      job.finished = true;
      push({
        type: "status",
        scanId,
        status: record?.status ?? "failed",
        error: record?.error ?? error,
      });
      job.emitter.emit("end");
      setTimeout(() => {
        if (this.jobs.get(scanId) === job) this.jobs.delete(scanId);
      }, this.retainMs).unref();
    })();
    await started;
    const record = await this.app.store.scans.find(scanId);
    if (!record) {
      // The scan failed before it was recorded (e.g. the catalog could not load).
      await job.done;
      const last = job.events.at(-1)?.event;
      throw new ConflictError(
        `the scan could not start: ${last?.type === "status" ? (last.error ?? "unknown error") : "unknown error"}`,
      );
    }
    return record;
  }

  /** The job of a scan running (or recently finished) in this process. */
  get(scanId: string): Job | undefined {
    return this.jobs.get(scanId);
  }

  /**
   * Replays buffered events after `afterSeq`, then follows live ones until the scan ends or `signal` fires.
   * Returns false when this process does not run the scan.
   */
  follow(
    scanId: string,
    afterSeq: number,
    onEvent: (e: BufferedEvent) => void,
    until: Promise<void>,
  ): Promise<boolean> | false {
    const job = this.jobs.get(scanId);
    if (!job) return false;
    return new Promise<boolean>((resolve) => {
      for (const e of job.events) if (e.seq > afterSeq) onEvent(e);
      if (job.finished) return resolve(true);
      const listener = (e: BufferedEvent) => onEvent(e);
      const end = () => {
        job.emitter.off("event", listener);
        job.emitter.off("end", end);
        resolve(true);
      };
      job.emitter.on("event", listener);
      job.emitter.on("end", end);
      void until.then(end);
    });
  }

  /**
   * Cancels a running scan: its status becomes `cancelled` now; a scan this process runs is aborted at once.
   */
  async cancel(scanId: string, by: string): Promise<ScanRecord> {
    const job = this.jobs.get(scanId);
    const runningHere = !!job && !job.finished;
    // A scan this process runs is aborted before anything else, so no progress of it follows the request
    // (its run may then record `cancelled` before the check below reads the status).
    if (job && runningHere) {
      job.cancelledBy = by;
      job.abort.abort(new ScanCancelled(scanId));
    }
    const scan = await this.app.store.scans.get(scanId);
    const cancellable =
      scan.status === "running" ||
      scan.status === "awaiting_approval" ||
      (runningHere && scan.status === "cancelled");
    if (!cancellable) {
      throw new ConflictError(`scan ${scanId} is ${scan.status}; only a running scan can be cancelled`);
    }
    return this.app.store.transaction(async (tx) => {
      const updated = await tx.scans.update(scanId, { status: "cancelled", error: `cancelled by ${by}` });
      await tx.audit.append({
        actor: by,
        action: "scan.cancelled",
        subjectType: "scan",
        subjectId: scanId,
        details: { runningHere },
      });
      return updated;
    });
  }

  /**
   * For shutdown: waits up to `timeoutMs` for running scans, then marks the rest failed with a resume hint
   * (their checkpoints stay: `enforceai scan --resume ID` continues them).
   */
  async drain(timeoutMs: number): Promise<void> {
    const pending = [...this.jobs.values()].filter((j) => !j.finished);
    if (pending.length === 0) return;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled(pending.map((j) => j.done)),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, timeoutMs);
      }),
    ]);
    if (timer) clearTimeout(timer);
    for (const job of pending) {
      if (job.finished) continue;
      job.stopping = true;
      job.abort.abort(new ServerStopping(job.scanId));
      await this.app.store.scans
        .update(job.scanId, { status: "failed", error: resumeHint(job.scanId) })
        .catch(() => {});
      await this.releaseSlot(job.scanId);
    }
    if (this.renewTimer) clearInterval(this.renewTimer);
    this.renewTimer = undefined;
  }
}
