/**
 * The watcher: continuous compliance. It consumes the events queue (EventBridge → SQS), maps each change
 * event through the event table to the resources it names, coalesces a burst into one evaluation, reads those
 * resources again with the read-only collectors (never trusting the event for state), re-runs their checks
 * (and the account-level ones) in the context of the latest known inventory, stores the finding changes, a
 * drift record per changed resource and the evaluation, then deletes the messages and tells people.
 *
 * Delivery is at least once: a message whose work was stored but not yet deleted comes back, and its event id
 * in the store's receipts makes the second pass a no-op. A message that keeps failing goes to the dead-letter
 * queue after `maxAttempts` with its last reason; one that cannot be read goes there at once.
 */
import { randomBytes } from "node:crypto";
import { PublishCommand, type SNSClient } from "@aws-sdk/client-sns";
import type { AwsAccess } from "../../tools/aws/access.ts";
import { getCallerIdentity } from "../../tools/aws/account.ts";
import { errorCode, errorText } from "../../tools/aws/collector.ts";
import { type AccountCoverageGap, discoverResources, serviceOfType } from "../../tools/aws/discover.ts";
import { type QueueMessage, SqsConsumer } from "../../tools/aws/event-queue.ts";
import type { Suppression } from "../domain/suppression.ts";
import type { Clock, ConfigurationItem, Finding } from "../domain/types.ts";
import type { Catalog } from "../engine/catalog.ts";
import type { CompiledCheck } from "../engine/checks.ts";
import { createContext, evaluateOne, findingOf } from "../engine/evaluate.ts";
import { applySuppressions } from "../engine/suppress.ts";
import { ConfigError } from "../errors.ts";
import { diffItems } from "../events/diff.ts";
import { type ChangedRef, type ChangeEvent, type IgnoreReason, parseMessage } from "../events/message.ts";
import { type EventTable, loadEventTable, valuesAt } from "../events/table.ts";
import type { Logger } from "../logger.ts";
import type { ChangeNotice, ChangeNoticeItem } from "../notify/changes.ts";
import { changeMessage, snsNotice } from "../notify/changes.ts";
import { postWebhook } from "../notify/webhook.ts";
import { EVENT_TABLE_FILE } from "../paths.ts";
import type { DriftEvent, NewDriftRecord, Transition } from "../store/events.ts";
import type { Store } from "../store/index.ts";
import { remediationService, scanAccess } from "./remediation.ts";
import type { Runtime } from "./runtime.ts";

export interface WatchSettings {
  /** How long a burst is gathered before it is evaluated (ms). */
  windowMs: number;
  /** Most messages in one evaluation. */
  maxBatch: number;
  /** Attempts at a message before it goes to the dead-letter queue. */
  maxAttempts: number;
}

export const DEFAULT_WATCH_SETTINGS: WatchSettings = { windowMs: 1_000, maxBatch: 500, maxAttempts: 5 };

/** Receives in flight at once while a burst is gathered. */
const RECEIVERS = 4;

export interface WatchDeps {
  store: Store;
  clock: Clock;
  logger: Logger;
  catalog(): Promise<Catalog>;
  table: EventTable;
  consumer: SqsConsumer;
  /** The read-only access to an account (its owner, the watcher, destroys them at the end). */
  accessFor(accountId: string): AwsAccess;
  /** Tells people about new failures and resolutions (webhook, SNS); failures are logged, never thrown. */
  notify?(notice: ChangeNotice): Promise<void>;
  /**
   * With ENFORCEAI_EVENTS_PROPOSE: files new failures as remediation proposals under the scan the account's
   * inventory builds on (approval queue only: nothing is applied without a person's approval).
   */
  propose?(
    scanId: string,
    items: readonly ConfigurationItem[],
    findings: readonly Finding[],
  ): Promise<number>;
  /** Called after each stored evaluation (the CLI prints it). */
  onEvaluation?(summary: EvaluationSummary): void;
  settings?: Partial<WatchSettings>;
}

export interface EvaluationSummary {
  evaluationId: string;
  events: ChangeEvent[];
  resources: { resourceType: string; resourceId: string; arn: string; change: string }[];
  transitions: Transition[];
  gaps: AccountCoverageGap[];
  /** From the first event's time to the stored result (ms), per event. */
  latenciesMs: number[];
}

export interface WatchStats {
  messages: number;
  changes: number;
  evaluations: number;
  duplicates: number;
  /** Remediation proposals filed for new failures (ENFORCEAI_EVENTS_PROPOSE). */
  proposed: number;
  malformed: number;
  deadLettered: number;
  failedAttempts: number;
  ignored: Record<IgnoreReason, number>;
  /** Time spent handling received messages (re-reads, evaluation, store, deletes), not waiting for them. */
  handlingMs: number;
  /** `source eventName` → how many times an event the table does not know was seen. */
  unknownEvents: Record<string, number>;
}

interface AccountInventory {
  baseScanId: string | undefined;
  items: Map<string, ConfigurationItem>;
}

interface PendingChange {
  message: QueueMessage;
  event: ChangeEvent;
}

const itemKeyOfFinding = (f: Finding) => `${f.accountId}|${f.region}|${f.resourceType}|${f.resourceId}`;
const itemKey = (i: Pick<ConfigurationItem, "accountId" | "awsRegion" | "resourceType" | "resourceId">) =>
  `${i.accountId}|${i.awsRegion}|${i.resourceType}|${i.resourceId}`;

/** Account-level records: checks on these types look across the account and are re-run on any change in it. */
const ACCOUNT_TYPE = "AWS::::Account";

export class Watcher {
  readonly stats: WatchStats = {
    messages: 0,
    changes: 0,
    evaluations: 0,
    duplicates: 0,
    proposed: 0,
    malformed: 0,
    deadLettered: 0,
    failedAttempts: 0,
    ignored: { "read-only": 0, "failed-call": 0, "unknown-event": 0, "unknown-resource-type": 0 },
    unknownEvents: {},
    handlingMs: 0,
  };
  private readonly settings: WatchSettings;
  private readonly inventories = new Map<string, AccountInventory>();
  private readonly accesses = new Map<string, { access: AwsAccess; verified?: Promise<string> }>();
  private readonly knownTypes: Set<string>;
  private readonly accountLevelTypes: Set<string>;

  constructor(private readonly deps: WatchDeps) {
    this.settings = { ...DEFAULT_WATCH_SETTINGS, ...deps.settings };
    this.knownTypes = new Set([...deps.table.resourceTypes].filter((t) => serviceOfType(t) !== undefined));
    this.accountLevelTypes = new Set([ACCOUNT_TYPE]);
    for (const rules of deps.table.rules.values()) {
      for (const rule of rules) if (rule.ids.length === 0) this.accountLevelTypes.add(rule.resourceType);
    }
  }

  /**
   * Consumes until `signal` fires, or — with `untilEmpty` — until a receive finds the queue empty. Answers the
   * number of messages handled.
   */
  async run(options: { signal?: AbortSignal; untilEmpty?: boolean } = {}): Promise<number> {
    let handled = 0;
    try {
      while (!options.signal?.aborted) {
        const n = await this.poll(options.signal, options.untilEmpty ? 1 : 20);
        handled += n;
        if (n === 0 && options.untilEmpty) break;
      }
    } catch (error) {
      if (!options.signal?.aborted) throw error;
    }
    return handled;
  }

  /** Destroys the AWS clients the watcher made. */
  close(): void {
    for (const { access } of this.accesses.values()) access.destroy();
    this.accesses.clear();
  }

  /**
   * One window: waits up to `idleWaitSeconds` for a first message, gathers more for `windowMs`, evaluates the
   * burst, deletes what was handled. Answers the number of messages received.
   */
  async poll(signal?: AbortSignal, idleWaitSeconds = 20): Promise<number> {
    const { consumer } = this.deps;
    const messages = await consumer.receive(10, idleWaitSeconds, signal);
    if (messages.length === 0) return 0;
    // Gathering the burst and the work may outlast the visibility timeout: keep the messages hidden meanwhile.
    const heartbeat = setInterval(
      () => {
        consumer.extend(messages).catch((error: unknown) => {
          this.deps.logger.warn(
            { err: errorText(error) },
            "could not extend the visibility of event messages",
          );
        });
      },
      Math.max(500, (consumer.visibilitySeconds * 1_000) / 2),
    );
    try {
      const started = Date.now();
      const windowEnds = started + this.settings.windowMs;
      // Under a backlog (receives keep coming back full) the window stretches, up to five times: one
      // evaluation then covers more events with the same re-reads. Latency stays one window when it is quiet.
      const backlogEnds = started + this.settings.windowMs * 5;
      let backlog = false;
      // A few receives side by side: one ReceiveMessage answers at most 10 messages.
      const gather = async () => {
        while (messages.length < this.settings.maxBatch && !signal?.aborted) {
          const left = (backlog ? backlogEnds : windowEnds) - Date.now();
          if (left <= 0) break;
          const more = await consumer.receive(10, left >= 1_000 ? 1 : 0, signal);
          messages.push(...more);
          backlog = more.length === 10;
          if (more.length === 0 && left < 1_000) await sleep(Math.min(left, 100));
        }
      };
      await Promise.all(Array.from({ length: RECEIVERS }, gather));
      const handling = performance.now();
      await this.handle(messages);
      this.stats.handlingMs += performance.now() - handling;
    } finally {
      clearInterval(heartbeat);
    }
    return messages.length;
  }

  private async handle(messages: QueueMessage[]): Promise<void> {
    const { consumer, logger, table } = this.deps;
    this.stats.messages += messages.length;
    const done: QueueMessage[] = [];
    const changes: PendingChange[] = [];
    for (const message of messages) {
      const parsed = parseMessage(message.body, table, this.knownTypes);
      if (parsed.kind === "malformed") {
        this.stats.malformed++;
        await this.deadLetter(message, `malformed message: ${parsed.reason}`);
      } else if (parsed.kind === "ignored") {
        this.stats.ignored[parsed.reason]++;
        if (parsed.reason === "unknown-event") {
          const name = `${parsed.source} ${parsed.eventName}`;
          this.stats.unknownEvents[name] = (this.stats.unknownEvents[name] ?? 0) + 1;
        }
        done.push(message);
      } else {
        changes.push({ message, event: parsed.event });
      }
    }
    // Redelivered events already acted on (by us or another watcher) are deleted without work.
    const seen = await this.deps.store.events.received(changes.map((c) => c.event.eventId));
    const fresh: PendingChange[] = [];
    const firstOf = new Set<string>();
    for (const change of changes) {
      if (seen.has(change.event.eventId) || firstOf.has(change.event.eventId)) {
        this.stats.duplicates++;
        done.push(change.message);
      } else {
        firstOf.add(change.event.eventId);
        fresh.push(change);
      }
    }
    if (fresh.length > 0) {
      try {
        await this.evaluate(fresh);
        done.push(...fresh.map((c) => c.message));
      } catch (error) {
        const reason = `${errorCode(error)}: ${errorText(error)}`;
        logger.warn({ err: reason, messages: fresh.length }, "an evaluation of change events failed");
        for (const { message, event } of fresh) await this.failed(message, event.eventId, reason);
      }
    }
    if (done.length > 0) await consumer.delete(done);
  }

  /** A failed attempt: recorded; after `maxAttempts` the message goes to the dead-letter queue. */
  private async failed(message: QueueMessage, eventId: string, reason: string): Promise<void> {
    this.stats.failedAttempts++;
    if (message.receiveCount >= this.settings.maxAttempts) {
      await this.deadLetter(message, `failed ${message.receiveCount} times; last: ${reason}`, eventId);
      return;
    }
    await this.deps.store.events
      .recordFailure({
        messageId: message.messageId,
        eventId,
        attempts: message.receiveCount,
        reason,
        at: this.deps.clock(),
        deadLettered: false,
      })
      .catch((error: unknown) => {
        this.deps.logger.warn({ err: errorText(error) }, "could not record a failed event message");
      });
  }

  private async deadLetter(message: QueueMessage, reason: string, eventId?: string): Promise<void> {
    const { consumer, logger, store } = this.deps;
    let moved = false;
    try {
      moved = await consumer.deadLetter(message, reason);
    } catch (error) {
      logger.error(
        { err: errorText(error), messageId: message.messageId },
        "could not dead-letter a message",
      );
    }
    if (moved) this.stats.deadLettered++;
    else logger.warn({ messageId: message.messageId, reason }, "the events queue has no dead-letter queue");
    await store.events
      .recordFailure({
        messageId: message.messageId,
        eventId,
        attempts: message.receiveCount,
        reason,
        at: this.deps.clock(),
        deadLettered: moved,
      })
      .catch((error: unknown) => logger.warn({ err: errorText(error) }, "could not record a dead letter"));
  }

  /** Evaluates a burst of change events: one evaluation, one transaction. */
  private async evaluate(changes: PendingChange[]): Promise<void> {
    const { store, clock } = this.deps;
    const startedAt = clock();
    const evaluationId = `ev-${startedAt.toISOString().replace(/[-:.]/g, "").slice(0, 15)}-${randomBytes(4).toString("hex")}`;
    const catalog = await this.deps.catalog();
    const suppressions = await store.suppressions.list();
    const byAccount = new Map<string, PendingChange[]>();
    for (const change of changes) {
      const list = byAccount.get(change.event.accountId) ?? [];
      list.push(change);
      byAccount.set(change.event.accountId, list);
    }
    const findings: Finding[] = [];
    const gone: { accountId: string; region: string; resourceType: string; resourceId: string }[] = [];
    const freshItems: ConfigurationItem[] = [];
    const prior = new Map<string, Finding["status"]>();
    const drafts: Omit<NewDriftRecord, "transitions">[] = [];
    const gaps: AccountCoverageGap[] = [];
    const applied: { account: AccountInventory; fresh: ConfigurationItem[]; deleted: ConfigurationItem[] }[] =
      [];
    for (const [accountId, accountChanges] of byAccount) {
      const result = await this.evaluateAccount(accountId, accountChanges, catalog, suppressions, startedAt);
      findings.push(...result.findings);
      for (const [id, status] of result.prior) prior.set(id, status);
      freshItems.push(...result.fresh);
      gaps.push(...result.gaps);
      for (const d of result.deleted)
        gone.push({
          accountId: d.accountId,
          region: d.awsRegion,
          resourceType: d.resourceType,
          resourceId: d.resourceId,
        });
      for (const d of result.drift) drafts.push({ ...d, evaluationId });
      applied.push({ account: result.inventory, fresh: result.fresh, deleted: result.deleted });
    }
    const events = changes.map((c) => c.event);
    const summary = await store.transaction(async (tx) => {
      const claimed = await tx.events.claim(evaluationId, events, startedAt);
      // Another watcher stored these events first (a redelivery raced us): nothing of ours is stored.
      if (claimed.size === 0) return undefined;
      await tx.resources.applyChanges(evaluationId, freshItems, gone);
      const changed = await tx.findings.recordEvaluation(evaluationId, findings, gone, startedAt, prior);
      const byId = new Map(findings.map((f) => [f.id, f]));
      const transitions: Transition[] = changed.map((c) => {
        const f = c.finding ?? byId.get(c.findingId);
        const [, , checkId = ""] = c.findingId.split("/");
        return {
          findingId: c.findingId,
          checkId: f?.checkId ?? checkId,
          title: f?.title ?? checkId,
          severity: f?.severity ?? "informational",
          resourceArn: f?.resourceArn ?? "",
          from: c.from,
          to: c.to,
          reason: f?.reason ?? "the resource was deleted",
          frameworks: f?.frameworks ?? [],
        };
      });
      const drift: NewDriftRecord[] = drafts.map((d) => {
        const dependents = this.dependentsOf(d.resourceType);
        return {
          ...d,
          transitions: transitions.filter(
            (t) =>
              t.resourceArn === d.arn ||
              t.findingId.endsWith(`/${d.resourceId}`) ||
              (dependents.size > 0 && dependents.has(byId.get(t.findingId)?.resourceType ?? "")),
          ),
        };
      });
      const resources = drafts.map((d) => ({
        resourceType: d.resourceType,
        resourceId: d.resourceId,
        arn: d.arn,
        change: d.change,
      }));
      await tx.events.saveEvaluation({
        id: evaluationId,
        startedAt,
        completedAt: clock(),
        eventCount: claimed.size,
        resources,
        gaps: gaps.map(({ accountId, service, region, code, error }) => ({
          accountId,
          service,
          region,
          code,
          error,
        })),
        transitions,
      });
      await tx.events.appendDrift(drift);
      return { transitions, resources, drift };
    });
    if (!summary) {
      this.stats.duplicates += changes.length;
      return;
    }
    // Stored: the in-memory inventories now follow (a failed transaction left them as they were).
    for (const { account, fresh, deleted } of applied) {
      for (const item of deleted) account.items.delete(itemKey(item));
      for (const item of fresh) account.items.set(itemKey(item), item);
    }
    this.stats.changes += changes.length;
    this.stats.evaluations++;
    const doneAt = Date.now();
    this.deps.onEvaluation?.({
      evaluationId,
      events,
      resources: summary.resources,
      transitions: summary.transitions,
      gaps,
      latenciesMs: events.map((e) => doneAt - Date.parse(e.at)),
    });
    await this.tell(evaluationId, summary.transitions, summary.drift);
    if (this.deps.propose) await this.proposeNewFailures(summary.transitions, findings, applied);
  }

  private async proposeNewFailures(
    transitions: readonly Transition[],
    findings: readonly Finding[],
    applied: readonly { account: AccountInventory }[],
  ): Promise<void> {
    const newlyFailing = new Set(
      transitions.filter((t) => t.to === "FAIL" && t.from !== "FAIL").map((t) => t.findingId),
    );
    if (newlyFailing.size === 0) return;
    for (const { account } of applied) {
      const failing = findings.filter(
        (f) => newlyFailing.has(f.id) && !f.suppressed && account.items.has(itemKeyOfFinding(f)),
      );
      if (failing.length === 0) continue;
      if (!account.baseScanId) {
        this.deps.logger.warn(
          { findings: failing.length },
          "new failures not proposed for remediation: the account has no scan to file them under; run a scan",
        );
        continue;
      }
      try {
        this.stats.proposed += await this.deps.propose!(
          account.baseScanId,
          [...account.items.values()],
          failing,
        );
      } catch (error) {
        this.deps.logger.warn({ err: errorText(error) }, "could not propose remediations for new failures");
      }
    }
  }

  private async evaluateAccount(
    accountId: string,
    changes: PendingChange[],
    catalog: Catalog,
    suppressions: readonly Suppression[],
    now: Date,
  ) {
    const inventory = await this.inventoryOf(accountId);
    const known = [...inventory.items.values()];
    // A call that names a part kept inside its parent points at the parents that hold it.
    const refs = changes.flatMap((c) =>
      c.event.refs.flatMap((ref) => {
        if (!ref.via) return [{ ref, event: c.event }];
        const wanted = new Set(ref.ids);
        const holders = known.filter(
          (i) =>
            i.resourceType === ref.resourceType &&
            i.accountId === accountId &&
            valuesAt(ref.via!, i).some((v) => wanted.has(v)),
        );
        return holders.length > 0
          ? [{ ref: { ...ref, ids: holders.map((i) => i.resourceId), via: undefined }, event: c.event }]
          : [];
      }),
    );
    const gaps: AccountCoverageGap[] = [];
    let freshRead: ConfigurationItem[] = [];
    const access = await this.verifiedAccess(accountId).catch((error: unknown) => {
      gaps.push({
        accountId,
        service: "sts",
        region: "global",
        code: errorCode(error),
        error: errorText(error),
      });
      return undefined;
    });
    if (access) {
      const partition = [...inventory.items.values()][0]?.arn.split(":")[1] ?? "aws";
      const read = await discoverResources(
        access,
        refs.map(({ ref }) => ({
          resourceType: ref.resourceType,
          region: ref.region,
          accountId,
          arn: `arn:${partition}:::`,
          ids: ref.ids,
        })),
        { clock: this.deps.clock, onlyNamed: true, perResourceConcurrency: 16 },
      );
      freshRead = read.items;
      gaps.push(...read.gaps);
    }
    // Which resources each event named, before (the known inventory) and after (what was just read).
    const fresh = new Map<string, ConfigurationItem>();
    const deleted = new Map<string, ConfigurationItem>();
    const eventsOf = new Map<string, ChangeEvent[]>();
    for (const { ref, event } of refs) {
      const after = freshRead.filter((i) => matches(i, ref, this.accountLevelTypes));
      const before = known.filter((i) => matches(i, ref, this.accountLevelTypes));
      const unread = gapsOf(gaps, ref);
      for (const item of after) {
        fresh.set(itemKey(item), item);
        pushEvent(eventsOf, itemKey(item), event);
      }
      // Gone only when the read that should have seen it succeeded.
      if (!unread) {
        for (const item of before) {
          if (!after.some((a) => itemKey(a) === itemKey(item))) {
            deleted.set(itemKey(item), item);
            pushEvent(eventsOf, itemKey(item), event);
          }
        }
      }
    }
    for (const key of fresh.keys()) deleted.delete(key);
    // The account as it is now: the known inventory with the fresh versions in and the deleted ones out.
    const current = new Map(inventory.items);
    for (const key of deleted.keys()) current.delete(key);
    for (const [key, item] of fresh) current.set(key, item);
    const items = [...current.values()];
    const ctx = createContext(items, catalog.settings, now, gaps);
    const targets = new Map(fresh);
    // Checks of dependent types read the changed records: judge those resources again (not read again).
    const dependents = new Set(refs.flatMap(({ ref }) => ref.dependents ?? []));
    if (dependents.size > 0) {
      for (const item of items) {
        if (item.accountId === accountId && dependents.has(item.resourceType) && !targets.has(itemKey(item)))
          targets.set(itemKey(item), item);
      }
    }
    // Account-level checks look across the account: any change in it may change their verdicts.
    for (const item of items) {
      if (item.accountId === accountId && this.accountLevelTypes.has(item.resourceType))
        targets.set(itemKey(item), item);
    }
    const findings = applySuppressions(evaluateItems([...targets.values()], catalog, ctx), suppressions, now);
    // The same checks on the state before the change: a finding the store never tracked (its check was not in
    // the last scan's frameworks) moves from what it was, not from nothing — no false "new failure".
    const beforeCtx = createContext(known, catalog.settings, now, gaps);
    const beforeTargets = [...targets.keys()].flatMap((key) => {
      const item = inventory.items.get(key);
      return item ? [item] : [];
    });
    const prior = new Map(
      evaluateItems(beforeTargets, catalog, beforeCtx).map((f) => [f.id, f.status] as const),
    );
    const drift: Omit<NewDriftRecord, "transitions" | "evaluationId">[] = [];
    for (const [key, events] of eventsOf) {
      const after = fresh.get(key);
      const before = inventory.items.get(key);
      const subject = after ?? deleted.get(key)!;
      if (after && before && after.contentHash === before.contentHash) continue;
      const ordered = [...events].sort((a, b) => a.at.localeCompare(b.at));
      const last = ordered[ordered.length - 1]!;
      drift.push({
        accountId,
        region: subject.awsRegion,
        resourceType: subject.resourceType,
        resourceId: subject.resourceId,
        arn: subject.arn,
        change: !after ? "deleted" : before ? "modified" : "created",
        event: driftEvent(last),
        events: ordered.map(driftEvent),
        beforeHash: before?.contentHash ?? null,
        afterHash: after?.contentHash ?? null,
        diff: diffItems(before, after),
      });
    }
    return {
      inventory,
      findings,
      fresh: [...fresh.values()],
      deleted: [...deleted.values()],
      drift,
      gaps,
      prior,
    };
  }

  /** The types the event table says look at `resourceType` (their transitions belong to its drift). */
  private dependentsOf(resourceType: string): Set<string> {
    const out = new Set<string>();
    for (const rules of this.deps.table.rules.values()) {
      for (const rule of rules) {
        if (rule.resourceType === resourceType) for (const d of rule.dependents) out.add(d);
      }
    }
    return out;
  }

  /** The account's latest known inventory: its newest scan, with what events changed since. Cached per scan. */
  private async inventoryOf(accountId: string): Promise<AccountInventory> {
    const { store } = this.deps;
    const scan = await store.scans.latestEvaluatedFor(accountId);
    const cached = this.inventories.get(accountId);
    if (cached && cached.baseScanId === scan?.id) return cached;
    const since = scan ? new Date(scan.startedAt) : new Date(0);
    const base = scan ? await store.resources.scanInventoryOf(scan.id, accountId) : [];
    if (!scan) {
      this.deps.logger.warn(
        { accountId },
        "no scan of this account yet: checks that look across resources see only what events re-read; run a scan",
      );
    }
    const deletedArns = await store.events.deletedSince(accountId, since);
    const items = new Map<string, ConfigurationItem>();
    for (const item of base) if (!deletedArns.has(item.arn)) items.set(itemKey(item), item);
    for (const item of await store.resources.changedByEventsSince(accountId, since))
      items.set(itemKey(item), item);
    const inventory = { baseScanId: scan?.id, items };
    this.inventories.set(accountId, inventory);
    return inventory;
  }

  /**
   * The read-only access to an account, checked once to be that account: collectors label what they read with
   * the account they are given, so credentials of another account must never read for it.
   */
  private async verifiedAccess(accountId: string): Promise<AwsAccess> {
    let entry = this.accesses.get(accountId);
    if (!entry) {
      entry = { access: this.deps.accessFor(accountId) };
      this.accesses.set(accountId, entry);
    }
    const access = entry.access;
    entry.verified ??= getCallerIdentity(access.clientsFor(access.homeRegion).sts).then((id) => id.accountId);
    const actual = await entry.verified.catch((error: unknown) => {
      entry.verified = undefined;
      throw error;
    });
    if (actual !== accountId) {
      throw Object.assign(
        new Error(
          `the watcher's credentials are for account ${actual}, not ${accountId}; set ENFORCEAI_EVENTS_ROLE_NAME to a role the watcher can assume in every watched account`,
        ),
        { name: "AccountMismatch" },
      );
    }
    return access;
  }

  private async tell(
    evaluationId: string,
    transitions: Transition[],
    drift: NewDriftRecord[],
  ): Promise<void> {
    if (!this.deps.notify) return;
    const items: ChangeNoticeItem[] = [];
    for (const t of transitions) {
      const kind =
        t.to === "FAIL" && t.from !== "FAIL"
          ? "new-failure"
          : t.from === "FAIL" && (t.to === "PASS" || t.to === "GONE")
            ? "resolved"
            : undefined;
      if (!kind) continue;
      const cause = drift.find((d) => d.transitions.some((x) => x.findingId === t.findingId))?.event;
      items.push({
        kind,
        checkId: t.checkId,
        title: t.title,
        severity: t.severity,
        resourceArn: t.resourceArn,
        from: t.from,
        to: t.to,
        reason: t.reason,
        frameworks: t.frameworks,
        cause: cause
          ? { eventName: cause.eventName, source: cause.source, actor: cause.actor.arn, at: cause.at }
          : undefined,
      });
    }
    if (items.length === 0) return;
    try {
      await this.deps.notify({ evaluationId, items });
    } catch (error) {
      this.deps.logger.warn(
        { err: errorText(error), evaluationId },
        "could not send the change notification",
      );
    }
  }
}

/** Every check of the items' types, judged in `ctx`. */
function evaluateItems(
  items: ConfigurationItem[],
  catalog: Catalog,
  ctx: ReturnType<typeof createContext>,
): Finding[] {
  const byType = new Map<string, CompiledCheck[]>();
  for (const compiled of catalog.checks) {
    const list = byType.get(compiled.check.resourceType) ?? [];
    list.push(compiled);
    byType.set(compiled.check.resourceType, list);
  }
  const out: Finding[] = [];
  for (const item of items) {
    for (const compiled of byType.get(item.resourceType) ?? []) {
      const verdict = evaluateOne(compiled, item, ctx);
      if (verdict) out.push(findingOf(compiled, item, verdict, catalog.refs.get(compiled.check.id) ?? []));
    }
  }
  return out;
}

/** Whether an item is a resource the event named: by id, name or ARN; a singleton type by type (and region). */
function matches(item: ConfigurationItem, ref: ChangedRef, accountLevel: ReadonlySet<string>): boolean {
  if (item.resourceType !== ref.resourceType || item.accountId !== ref.accountId) return false;
  if (ref.ids.length === 0) {
    return (
      accountLevel.has(item.resourceType) && (item.awsRegion === "global" || item.awsRegion === ref.region)
    );
  }
  return ref.ids.some(
    (id) =>
      id === item.resourceId ||
      id === item.resourceName ||
      id === item.arn ||
      // Some calls name a resource by a longer form that ends in our id (a queue URL, a key ARN's alias path).
      (id.length > item.resourceId.length && id.endsWith(`/${item.resourceId}`)),
  );
}

function gapsOf(gaps: readonly AccountCoverageGap[], ref: ChangedRef): boolean {
  const service = serviceOfType(ref.resourceType);
  return gaps.some(
    (g) =>
      (g.service === service || g.service === "sts") && (g.region === ref.region || g.region === "global"),
  );
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function pushEvent(map: Map<string, ChangeEvent[]>, key: string, event: ChangeEvent): void {
  const list = map.get(key) ?? [];
  if (!list.includes(event)) list.push(event);
  map.set(key, list);
}

function driftEvent(e: ChangeEvent): DriftEvent {
  return { eventId: e.eventId, eventName: e.eventName, source: e.source, at: e.at, actor: e.actor };
}

export interface StartWatcherOptions {
  /** Overrides ENFORCEAI_EVENTS_QUEUE_URL. */
  queueUrl?: string;
  settings?: Partial<WatchSettings>;
  onEvaluation?(summary: EvaluationSummary): void;
}

/**
 * How new failures and resolutions reach people: the Slack-compatible webhook and the SNS topic, both when both
 * are configured (one failing does not stop the other; the first failure is reported). Undefined: neither.
 */
export function changeNotifier(options: {
  webhookUrl?: string;
  topicArn?: string;
  sns?: () => SNSClient;
}): ((notice: ChangeNotice) => Promise<void>) | undefined {
  const { webhookUrl, topicArn, sns } = options;
  if (!webhookUrl && !topicArn) return undefined;
  return async (notice) => {
    const sends: Promise<unknown>[] = [];
    if (webhookUrl) sends.push(postWebhook(webhookUrl, changeMessage(notice)));
    if (topicArn && sns) {
      const { subject, message } = snsNotice(notice);
      sends.push(sns().send(new PublishCommand({ TopicArn: topicArn, Subject: subject, Message: message })));
    }
    const results = await Promise.allSettled(sends);
    const failed = results.find((r): r is PromiseRejectedResult => r.status === "rejected");
    if (failed) throw failed.reason;
  };
}

/** The region of an SQS queue URL (`https://sqs.REGION.amazonaws.com/…`); emulators' URLs fall back. */
export function queueRegion(queueUrl: string, fallback: string): string {
  const host = new URL(queueUrl).hostname;
  return (
    /^sqs\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?$/.exec(host)?.[1] ??
    /^([a-z]{2}(-[a-z]+)+-\d)\.queue\./.exec(host)?.[1] ??
    fallback
  );
}

/**
 * Builds a watcher from the runtime's configuration: the queue, the read-only access per account (through
 * ENFORCEAI_EVENTS_ROLE_NAME when set), and the notifications (the remediation webhook, the SNS topic).
 */
export async function createWatcher(app: Runtime, options: StartWatcherOptions = {}): Promise<Watcher> {
  const { config } = app;
  const queueUrl = options.queueUrl ?? config.events.queueUrl;
  if (!queueUrl) {
    throw new ConfigError(
      "no events queue: set ENFORCEAI_EVENTS_QUEUE_URL (or pass --queue-url); `enforceai events setup` creates one",
      { variable: "ENFORCEAI_EVENTS_QUEUE_URL" },
    );
  }
  const table = await loadEventTable(EVENT_TABLE_FILE);
  const queueAccess = scanAccess(app);
  const region = queueRegion(queueUrl, config.aws.homeRegion);
  const consumer = new SqsConsumer({
    sqs: queueAccess.clientsFor(region).get("sqs"),
    queueUrl,
    visibilitySeconds: config.events.visibilitySeconds,
  });
  const roleName = config.events.roleName;
  const partition = config.events.snsTopicArn?.split(":")[1] ?? "aws";
  const webhookUrl = config.remediation.webhookUrl;
  const topicArn = config.events.snsTopicArn;
  const watcher = new Watcher({
    store: app.store,
    clock: app.clock,
    logger: app.logger,
    catalog: () => app.catalog(),
    table,
    consumer,
    accessFor: (accountId) =>
      roleName
        ? scanAccess(app, {
            roleArn: `arn:${partition}:iam::${accountId}:role/${roleName}`,
            sessionName: "enforceai-watch",
          })
        : scanAccess(app),
    notify: changeNotifier({
      webhookUrl,
      topicArn,
      sns: topicArn ? () => queueAccess.clientsFor(topicArn.split(":")[3] ?? region).get("sns") : undefined,
    }),
    propose: config.events.propose
      ? async (scanId, items, findings) => {
          const service = await remediationService(app);
          const before = new Set((await service.listApprovals({ scanId })).map((a) => a.id));
          const after = await service.queue.proposeFor(scanId, items, findings, "enforceai-watch");
          return after.filter((a) => !before.has(a.id)).length;
        }
      : undefined,
    onEvaluation: options.onEvaluation,
    settings: {
      windowMs: config.events.windowMs,
      maxAttempts: config.events.maxAttempts,
      ...options.settings,
    },
  });
  const close = watcher.close.bind(watcher);
  watcher.close = () => {
    close();
    queueAccess.destroy();
  };
  return watcher;
}
