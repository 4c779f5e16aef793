import { randomBytes } from "node:crypto";
import { Command } from "@langchain/langgraph";
import type { RemediationDeps, ScanDeps } from "../../graphs/scan/deps.ts";
import {
  buildScanGraph,
  type DiscoveryProgressEvent,
  type ScanProgressEvent,
  type ScanStateType,
} from "../../graphs/scan.ts";
import { discoverAccount, discoverAccounts, type ProgressEvent } from "../../tools/aws/discover.ts";
import { readInventoryFile, writeInventoryFile } from "../../tools/aws/inventory-file.ts";
import { discoverOrganization } from "../../tools/aws/organization-accounts.ts";
import type { AwsSettings } from "../config/index.ts";
import type { InventorySource, ScanRecord } from "../domain/scan.ts";
import type { Inventory } from "../domain/types.ts";
import { selectFrameworks } from "../engine/frameworks.ts";
import { ConflictError, errorMessage, NotFoundError } from "../errors.ts";
import { SAMPLE_INVENTORY_FILE } from "../paths.ts";
import { remediationAccess, remediationService, scanAccess } from "./remediation.ts";
import type { Runtime } from "./runtime.ts";

export interface StartScanOptions {
  source: InventorySource;
  frameworks?: string[];
  requestedBy: string;
  onProgress?: (event: ScanProgressEvent) => void;
  /** Cancels the scan: the graph stops at once and live discovery stops its AWS calls. */
  signal?: AbortSignal;
  /** Propose remediations for failing findings, wait for approvals, then apply and verify what was approved. */
  autoRemediate?: boolean;
  /** With autoRemediate: list the exact calls instead of making them. */
  dryRun?: boolean;
  /** Also write the discovered inventory to this file (readable later with `scan --inventory`). */
  saveInventory?: string;
  /** For tests: a fixed scan id. */
  scanId?: string;
}

/** The policy agent's dependencies: approvals in the store, remediation credentials made only when used. */
export async function remediationDeps(app: Runtime, source?: InventorySource): Promise<RemediationDeps> {
  const role =
    source?.kind === "live" && source.roleArns?.length === 1
      ? { roleArn: source.roleArns[0]!, externalId: source.externalId, sessionName: "enforceai-verify" }
      : undefined;
  return {
    service: await remediationService(app),
    aws: () => remediationAccess(app),
    // Verification re-reads with the scan's own read-only access: the scanned account's role when there is one.
    discovery: () => scanAccess(app, role),
  };
}

/** Sortable, readable and unique: `scan-20261126-061500-3f9a1c`. */
export function newScanId(now: Date): string {
  const stamp = now.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
  return `scan-${stamp}-${randomBytes(3).toString("hex")}`;
}

/** Reads the inventory a source names. Live discovery goes through the read-only collectors. */
export async function loadInventory(
  source: InventorySource,
  onProgress: (e: DiscoveryProgressEvent) => void,
  scanId: string,
  aws: AwsSettings,
  signal?: AbortSignal,
): Promise<Inventory> {
  switch (source.kind) {
    case "demo":
      return readInventoryFile(SAMPLE_INVENTORY_FILE);
    case "inventory":
      return readInventoryFile(source.file);
    case "live": {
      const progress = (e: ProgressEvent) =>
        onProgress({
          type: "discovery",
          scanId,
          service: e.service,
          region: e.region,
          state: e.type === "task-start" ? "start" : e.type === "task-done" ? "done" : "failed",
          resources: "resourceCount" in e ? e.resourceCount : undefined,
        });
      const common = {
        regions: source.regions,
        // A source's own endpoint (stored with the scan) wins; the rest of the access comes from config.aws.
        endpoint: source.endpoint ?? aws.endpoint,
        serviceEndpoints: aws.serviceEndpoints,
        homeRegion: source.regions?.[0] ?? aws.homeRegion,
        maxAttempts: aws.maxAttempts,
        retryMode: aws.retryMode,
        onProgress: progress,
        signal,
      };
      if (source.organization) {
        return discoverOrganization({ ...common, scope: source.organization, externalId: source.externalId });
      }
      if (source.roleArns?.length) {
        return discoverAccounts(
          source.roleArns.map((roleArn) => ({ roleArn, externalId: source.externalId })),
          common,
        );
      }
      return discoverAccount(common);
    }
  }
}

async function scanGraph(
  app: Runtime,
  saveInventory?: string,
  source?: InventorySource,
  preloaded?: Inventory,
) {
  const checkpointer = await app.store.checkpointer();
  let firstLoad = preloaded;
  const load: ScanDeps["loadInventory"] = async (source, progress, scanId, signal) => {
    // A file read (and validated) before the scan was recorded is not read twice.
    const inventory = firstLoad ?? (await loadInventory(source, progress, scanId, app.config.aws, signal));
    firstLoad = undefined;
    if (saveInventory) await writeInventoryFile(saveInventory, inventory);
    return inventory;
  };
  return buildScanGraph(
    {
      store: app.store,
      catalog: () => app.catalog(),
      loadInventory: load,
      clock: app.clock,
      logger: app.logger,
      cache: app.cache,
      models: await app.models(),
      callPolicy: app.callPolicy,
      retrieval: () => app.retrieval(),
      analysisBudget: app.config.llm.analysisBudget,
      precheckBatchSize: app.config.llm.precheckBatchSize,
      remediation: await remediationDeps(app, source),
    },
    checkpointer,
  );
}

/** What a run of the scan graph reports to its caller, and how the caller stops it. */
interface RunControl {
  onProgress?: (e: ScanProgressEvent) => void;
  signal?: AbortSignal;
}

/**
 * Turns the graph's stream into progress events: a "tasks" chunk with `input` is a step starting, one with a
 * result (no error, no interrupt) is a step done; "custom" chunks are what the nodes wrote (discovery progress).
 */
function progressOf(scanId: string, mode: string, chunk: unknown): ScanProgressEvent | undefined {
  if (mode === "custom") return chunk as DiscoveryProgressEvent;
  if (mode !== "tasks") return undefined;
  const task = chunk as { name: string; input?: unknown; error?: unknown; interrupts?: unknown[] };
  if ("input" in task) return { type: "node-start", scanId, node: task.name };
  if (task.error || (task.interrupts?.length ?? 0) > 0) return undefined;
  return { type: "node-done", scanId, node: task.name };
}

async function runToEnd(
  app: Runtime,
  scanId: string,
  input: Partial<ScanStateType> | Command | null,
  control: RunControl,
  saveInventory?: string,
  source?: InventorySource,
  preloaded?: Inventory,
) {
  const { onProgress, signal } = control;
  try {
    const graph = await scanGraph(app, saveInventory, source, preloaded);
    // "sync": each step's checkpoint is written before the next step starts, so a crash loses at most one step.
    const stream = await graph.stream(input as Parameters<typeof graph.stream>[0], {
      configurable: { thread_id: scanId },
      durability: "sync",
      streamMode: ["tasks", "custom"],
      signal,
    });
    for await (const [mode, chunk] of stream) {
      if (signal?.aborted) break;
      const event = progressOf(scanId, mode, chunk);
      if (event) onProgress?.(event);
    }
    signal?.throwIfAborted();
  } catch (error) {
    // A stopped run is not a failure of the scan: whoever aborted it records why (cancelled, server stopping).
    if (!signal?.aborted) {
      await app.store.scans.update(scanId, { status: "failed", error: errorMessage(error) }).catch(() => {});
    }
    throw error;
  }
  return app.store.scans.get(scanId);
}

/** Starts a scan and runs it to its end (or its first interrupt). */
export async function startScan(app: Runtime, options: StartScanOptions): Promise<ScanRecord> {
  const catalog = await app.catalog();
  const frameworks = selectFrameworks(catalog.frameworks, options.frameworks).map((f) => f.id);
  // A file is read and validated before the scan is recorded: a file that cannot be scanned is the caller's
  // mistake to fix (exit 2, a 400), not a failed scan in the history, the API and the failed-scans metric.
  const preloaded =
    options.source.kind === "inventory" ? await readInventoryFile(options.source.file) : undefined;
  const now = app.clock();
  const scanId = options.scanId ?? newScanId(now);
  // The record and its audit entry commit together: no scan exists that the audit log does not show starting.
  await app.store.transaction(async (tx) => {
    await tx.scans.create({
      id: scanId,
      source: options.source.kind === "live" ? "live" : options.source.kind,
      requestedBy: options.requestedBy,
      startedAt: now,
      frameworks,
      options: { source: options.source, autoRemediate: !!options.autoRemediate, dryRun: !!options.dryRun },
    });
    await tx.audit.append({
      actor: options.requestedBy,
      action: "scan.started",
      subjectType: "scan",
      subjectId: scanId,
      details: { source: options.source.kind, frameworks },
    });
  });
  return runToEnd(
    app,
    scanId,
    {
      scanId,
      source: options.source,
      frameworks,
      requestedBy: options.requestedBy,
      autoRemediate: options.autoRemediate ?? false,
      dryRun: options.dryRun ?? false,
    },
    { onProgress: options.onProgress, signal: options.signal },
    options.saveInventory,
    options.source,
    preloaded,
  );
}

/** Continues an interrupted scan from its last checkpoint; completed steps are not run again. */
export async function resumeScan(
  app: Runtime,
  scanId: string,
  onProgress?: (e: ScanProgressEvent) => void,
  signal?: AbortSignal,
): Promise<ScanRecord> {
  const scan = await app.store.scans.find(scanId);
  if (!scan)
    throw new NotFoundError(`scan ${scanId} does not exist; list scans with \`enforceai scans list\``);
  if (scan.status === "completed" || scan.status === "cancelled") {
    throw new ConflictError(`scan ${scanId} is ${scan.status}; only a running or failed scan can be resumed`);
  }
  if (scan.status === "failed") await app.store.scans.update(scanId, { status: "running", error: null });
  // A scan waiting at its approval interrupt is resumed with a Command; the approve node then re-reads the
  // decisions from the store (and waits again if some are still pending).
  const input = scan.status === "awaiting_approval" ? new Command({ resume: "decided" }) : null;
  const source = (scan.options as { source?: InventorySource }).source;
  return runToEnd(app, scanId, input, { onProgress, signal }, undefined, source);
}
