import path from "node:path";
import type { PostgresSaver } from "@langchain/langgraph-checkpoint-postgres";
import type pg from "pg";
import { ApiKeyRepository } from "./api-keys.ts";
import { AuditLog } from "./audit.ts";
import { ChatThreads } from "./chat-threads.ts";
import {
  type Database,
  type DatabaseKind,
  type OpenDatabaseOptions,
  openDatabase,
  withTransaction,
} from "./database.ts";
import { DocumentRepository } from "./documents.ts";
import { EventRepository } from "./events.ts";
import { FindingRepository } from "./findings.ts";
import { PgKnowledgeIndex } from "./knowledge-index.ts";
import { MappingRepository } from "./mappings.ts";
import { migrate } from "./migrate.ts";
import { PolicyRepository } from "./policies.ts";
import { ReadModel } from "./read-model.ts";
import { RemediationRepository } from "./remediations.ts";
import { ResourceRepository } from "./resources.ts";
import { ScanSlotRepository } from "./scan-slots.ts";
import { ScanRepository } from "./scans.ts";
import { ScheduleRepository } from "./schedules.ts";
import { SuppressionRepository } from "./suppressions.ts";

/** The repositories over one connection (the pool, or a transaction's client). */
export interface Repositories {
  scans: ScanRepository;
  resources: ResourceRepository;
  findings: FindingRepository;
  suppressions: SuppressionRepository;
  apiKeys: ApiKeyRepository;
  audit: AuditLog;
  /** Custom checks stored through the API. */
  policies: PolicyRepository;
  /** Knowledge documents and where their ingestion stands. */
  documents: DocumentRepository;
  /** Ingested frameworks, their controls and control → check mappings. */
  mappings: MappingRepository;
  chatThreads: ChatThreads;
  /** Reads for the API and the chat agent (latest scan, counts, search, comparisons). */
  reads: ReadModel;
  remediations: RemediationRepository;
  /** Continuous compliance: event receipts, evaluations, drift records, failed messages. */
  events: EventRepository;
  /** Scheduled scans (cron expressions, the tick each waits for, the last run). */
  schedules: ScheduleRepository;
  /** Slots of the scans servers run in the background: the `--max-scans` limit across processes. */
  scanSlots: ScanSlotRepository;
}

function repositoriesOver(db: pg.Pool | pg.PoolClient): Repositories {
  const scans = new ScanRepository(db);
  return {
    scans,
    resources: new ResourceRepository(db),
    findings: new FindingRepository(db),
    suppressions: new SuppressionRepository(db),
    apiKeys: new ApiKeyRepository(db),
    audit: new AuditLog(db),
    policies: new PolicyRepository(db),
    documents: new DocumentRepository(db),
    mappings: new MappingRepository(db),
    chatThreads: new ChatThreads(db),
    reads: new ReadModel(db, scans),
    remediations: new RemediationRepository(db),
    events: new EventRepository(db),
    schedules: new ScheduleRepository(db),
    scanSlots: new ScanSlotRepository(db),
  };
}

/** The one store interface: typed repositories, transactions, and what else lives in the database. */
export interface Store extends Repositories {
  /** PostgreSQL or embedded PGlite. */
  kind: DatabaseKind;
  /**
   * The database itself, for the store's own tests and migrations only: code outside src/store reads and
   * writes through the repositories.
   */
  db: Database;
  /**
   * The embedded knowledge index (chunks in `knowledge_chunks`). Not part of a transaction's set: it runs its
   * own transactions per document.
   */
  knowledgeIndex: PgKnowledgeIndex;
  /** A LangGraph checkpointer in the store's database and schema (scans and chat threads). */
  checkpointer(): Promise<PostgresSaver>;
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function storeOver(db: Database): Store {
  // One saver per store: its setup runs once, not once per scan.
  let checkpointer: Promise<PostgresSaver> | undefined;
  return {
    kind: db.kind,
    db,
    ...repositoriesOver(db.pool),
    knowledgeIndex: new PgKnowledgeIndex(db.pool),
    // Loaded on first use: LangGraph is a heavy import that most commands (and every CLI start) do not need.
    checkpointer: () => {
      checkpointer ??= import("./checkpoints.ts")
        .then((m) => m.createCheckpointer(db))
        .catch((error) => {
          checkpointer = undefined;
          throw error;
        });
      return checkpointer;
    },
    transaction: (fn) => withTransaction(db.pool, (client) => fn(repositoriesOver(client))),
    close: () => db.close(),
  };
}

export interface OpenStoreOptions {
  databaseUrl?: string;
  /** ENFORCEAI_HOME; the embedded database lives in its `db/` folder. */
  home?: string;
  /** Overrides `home` for the embedded database (e.g. `memory://` in tests). */
  dataDir?: string;
  /** PostgreSQL schema (tests give each file its own). */
  schema?: string;
}

/** Opens the database (PostgreSQL or embedded PGlite) and brings its schema up to date. */
export async function openStore(options: OpenStoreOptions): Promise<Store> {
  const dbOptions: OpenDatabaseOptions = {
    databaseUrl: options.databaseUrl,
    dataDir: options.dataDir ?? (options.home ? path.join(options.home, "db") : undefined),
    schema: options.schema,
  };
  const db = await openDatabase(dbOptions);
  try {
    await migrate(db.pool);
  } catch (error) {
    await db.close();
    throw error;
  }
  return storeOver(db);
}
