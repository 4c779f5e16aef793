/**
 * Continuous compliance in the store: which events were acted on (dedupe), the evaluations they caused, the
 * drift records of changed resources, and messages that failed. All of the watcher's SQL is here.
 */
import type pg from "pg";
import type {
  DriftEvent,
  DriftRecord,
  EvaluationGapRecord,
  EvaluationRecord,
  EventFailure,
  Transition,
} from "../domain/changes.ts";

export type { DriftEvent, DriftRecord, EvaluationGapRecord, EvaluationRecord, EventFailure, Transition };

export interface ReceivedEvent {
  eventId: string;
  source: string;
  eventName: string;
}

export interface NewEvaluation {
  id: string;
  startedAt: Date;
  completedAt: Date;
  eventCount: number;
  resources: { resourceType: string; resourceId: string; arn: string; change: string }[];
  gaps: EvaluationGapRecord[];
  transitions: Transition[];
}

export interface NewDriftRecord {
  evaluationId: string;
  accountId: string;
  region: string;
  resourceType: string;
  resourceId: string;
  arn: string;
  change: "created" | "modified" | "deleted";
  /** The latest event of the burst that changed the resource. */
  event: DriftEvent;
  /** Every event of the burst, oldest first. */
  events: DriftEvent[];
  beforeHash: string | null;
  afterHash: string | null;
  diff: { changes: { path: string; before?: unknown; after?: unknown }[]; truncated: boolean };
  transitions: Transition[];
}

export interface DriftFilter {
  arn?: string;
  accountId?: string;
  /** Records older than this id (keyset paging, newest first). */
  beforeId?: number;
  limit?: number;
}

interface DriftRow {
  id: string;
  evaluation_id: string;
  account_id: string;
  region: string;
  resource_type: string;
  resource_id: string;
  arn: string;
  change: NewDriftRecord["change"];
  at: Date;
  actor: string;
  actor_type: string;
  event_source: string;
  event_name: string;
  events: DriftEvent[];
  before_hash: string | null;
  after_hash: string | null;
  diff: NewDriftRecord["diff"];
  transitions: Transition[];
}

interface EvaluationRow {
  id: string;
  seq: string;
  trigger: "event";
  started_at: Date;
  completed_at: Date;
  event_count: number;
  resources: NewEvaluation["resources"];
  gaps: EvaluationGapRecord[];
  transitions: Transition[];
}

const toEvaluation = (r: EvaluationRow): EvaluationRecord => ({
  id: r.id,
  seq: Number(r.seq),
  trigger: r.trigger,
  startedAt: r.started_at.toISOString(),
  completedAt: r.completed_at.toISOString(),
  eventCount: r.event_count,
  resources: r.resources,
  gaps: r.gaps,
  transitions: r.transitions,
});

export class EventRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  /** The ids among `eventIds` already acted on. */
  async received(eventIds: readonly string[]): Promise<Set<string>> {
    if (eventIds.length === 0) return new Set();
    const { rows } = await this.db.query<{ event_id: string }>(
      "SELECT event_id FROM event_receipts WHERE event_id = ANY($1::text[])",
      [eventIds],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  /**
   * Records the events as acted on by `evaluationId` and answers the ids that were new. In a transaction with
   * the evaluation's other writes: two watchers racing on one redelivered message cannot both record it.
   */
  async claim(evaluationId: string, events: readonly ReceivedEvent[], at: Date): Promise<Set<string>> {
    if (events.length === 0) return new Set();
    const { rows } = await this.db.query<{ event_id: string }>(
      `INSERT INTO event_receipts (event_id, received_at, source, event_name, evaluation_id)
       SELECT e, $2, s, n, $3 FROM jsonb_to_recordset($1::jsonb) AS x(e text, s text, n text)
       ON CONFLICT (event_id) DO NOTHING RETURNING event_id`,
      [JSON.stringify(events.map((e) => ({ e: e.eventId, s: e.source, n: e.eventName }))), at, evaluationId],
    );
    return new Set(rows.map((r) => r.event_id));
  }

  async saveEvaluation(evaluation: NewEvaluation): Promise<void> {
    await this.db.query(
      `INSERT INTO evaluations (id, trigger, started_at, completed_at, event_count, resources, gaps, transitions)
       VALUES ($1, 'event', $2, $3, $4, $5, $6, $7)`,
      [
        evaluation.id,
        evaluation.startedAt,
        evaluation.completedAt,
        evaluation.eventCount,
        JSON.stringify(evaluation.resources),
        JSON.stringify(evaluation.gaps),
        JSON.stringify(evaluation.transitions),
      ],
    );
  }

  async appendDrift(records: readonly NewDriftRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.db.query(
      `INSERT INTO drift_records (evaluation_id, account_id, region, resource_type, resource_id, arn, change, at,
                                  actor, actor_type, event_source, event_name, events, before_hash, after_hash,
                                  diff, transitions)
       SELECT ev, a, r, t, i, arn, c, at::timestamptz, who, wt, src, name, events, bh, ah, diff, tr
       FROM jsonb_to_recordset($1::jsonb) AS x(ev text, a text, r text, t text, i text, arn text, c text, at text,
            who text, wt text, src text, name text, events jsonb, bh text, ah text, diff jsonb, tr jsonb)`,
      [
        JSON.stringify(
          records.map((d) => ({
            ev: d.evaluationId,
            a: d.accountId,
            r: d.region,
            t: d.resourceType,
            i: d.resourceId,
            arn: d.arn,
            c: d.change,
            at: d.event.at,
            who: d.event.actor.arn,
            wt: d.event.actor.type,
            src: d.event.source,
            name: d.event.eventName,
            events: d.events,
            bh: d.beforeHash,
            ah: d.afterHash,
            diff: d.diff,
            tr: d.transitions,
          })),
        ),
      ],
    );
  }

  /** Drift records, newest first. */
  async drift(filter: DriftFilter = {}): Promise<DriftRecord[]> {
    const values: unknown[] = [];
    const where: string[] = [];
    const add = (sql: string, value: unknown) => {
      values.push(value);
      where.push(sql.replace("?", `$${values.length}`));
    };
    if (filter.arn) add("arn = ?", filter.arn);
    if (filter.accountId) add("account_id = ?", filter.accountId);
    if (filter.beforeId !== undefined) add("id < ?", filter.beforeId);
    values.push(filter.limit ?? 50);
    const { rows } = await this.db.query<DriftRow>(
      `SELECT * FROM drift_records ${where.length ? `WHERE ${where.join(" AND ")}` : ""}
       ORDER BY id DESC LIMIT $${values.length}`,
      values,
    );
    return rows.map((r) => ({
      id: Number(r.id),
      evaluationId: r.evaluation_id,
      accountId: r.account_id,
      region: r.region,
      resourceType: r.resource_type,
      resourceId: r.resource_id,
      arn: r.arn,
      change: r.change,
      at: r.at.toISOString(),
      actor: r.actor,
      actorType: r.actor_type,
      eventSource: r.event_source,
      eventName: r.event_name,
      events: r.events,
      beforeHash: r.before_hash,
      afterHash: r.after_hash,
      diff: r.diff,
      transitions: r.transitions,
    }));
  }

  /** Resources of `accountId` deleted by events after `since` (ARNs). */
  async deletedSince(accountId: string, since: Date): Promise<Set<string>> {
    const { rows } = await this.db.query<{ arn: string }>(
      `SELECT DISTINCT d.arn FROM drift_records d JOIN evaluations e ON e.id = d.evaluation_id
       WHERE d.account_id = $1 AND d.change = 'deleted' AND e.started_at >= $2`,
      [accountId, since],
    );
    return new Set(rows.map((r) => r.arn));
  }

  /** Evaluations, newest first; with `afterSeq`, only the later ones, oldest first (the live stream). */
  async evaluations(options: { limit?: number; afterSeq?: number } = {}): Promise<EvaluationRecord[]> {
    if (options.afterSeq !== undefined) {
      const { rows } = await this.db.query<EvaluationRow>(
        "SELECT * FROM evaluations WHERE seq > $1 ORDER BY seq LIMIT $2",
        [options.afterSeq, options.limit ?? 100],
      );
      return rows.map(toEvaluation);
    }
    const { rows } = await this.db.query<EvaluationRow>(
      "SELECT * FROM evaluations ORDER BY seq DESC LIMIT $1",
      [options.limit ?? 50],
    );
    return rows.map(toEvaluation);
  }

  async latestSeq(): Promise<number> {
    const { rows } = await this.db.query<{ seq: string | null }>("SELECT max(seq) AS seq FROM evaluations");
    return Number(rows[0]?.seq ?? 0);
  }

  /** Records a failed attempt at a message (the reason of the last one wins). */
  async recordFailure(failure: {
    messageId: string;
    eventId?: string;
    attempts: number;
    reason: string;
    at: Date;
    deadLettered: boolean;
  }): Promise<void> {
    await this.db.query(
      `INSERT INTO event_failures (message_id, event_id, attempts, reason, first_at, last_at, dead_lettered)
       VALUES ($1, $2, $3, $4, $5, $5, $6)
       ON CONFLICT (message_id) DO UPDATE SET attempts = GREATEST(event_failures.attempts, excluded.attempts),
         reason = excluded.reason, last_at = excluded.last_at,
         dead_lettered = event_failures.dead_lettered OR excluded.dead_lettered`,
      [
        failure.messageId,
        failure.eventId ?? null,
        failure.attempts,
        failure.reason,
        failure.at,
        failure.deadLettered,
      ],
    );
  }

  async failures(options: { deadLetteredOnly?: boolean; limit?: number } = {}): Promise<EventFailure[]> {
    const { rows } = await this.db.query<{
      message_id: string;
      event_id: string | null;
      attempts: number;
      reason: string;
      first_at: Date;
      last_at: Date;
      dead_lettered: boolean;
    }>(
      `SELECT * FROM event_failures ${options.deadLetteredOnly ? "WHERE dead_lettered" : ""}
       ORDER BY last_at DESC LIMIT $1`,
      [options.limit ?? 100],
    );
    return rows.map((r) => ({
      messageId: r.message_id,
      eventId: r.event_id,
      attempts: r.attempts,
      reason: r.reason,
      firstAt: r.first_at.toISOString(),
      lastAt: r.last_at.toISOString(),
      deadLettered: r.dead_lettered,
    }));
  }
}
