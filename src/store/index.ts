import path from "node:path";
import type pg from "pg";
import { ApiKeyRepository } from "./api-keys.ts";
import { AuditLog } from "./audit.ts";
import { type Database, type OpenDatabaseOptions, openDatabase, withTransaction } from "./database.ts";
import { FindingRepository } from "./findings.ts";
import { migrate } from "./migrate.ts";
import { RemediationRepository } from "./remediations.ts";
import { ResourceRepository } from "./resources.ts";
import { ScanRepository } from "./scans.ts";
import { SuppressionRepository } from "./suppressions.ts";

/** The repositories over one connection (the pool, or a transaction's client). */
export interface Repositories {
  scans: ScanRepository;
  resources: ResourceRepository;
  findings: FindingRepository;
  suppressions: SuppressionRepository;
  apiKeys: ApiKeyRepository;
  audit: AuditLog;
  remediations: RemediationRepository;
}

function repositoriesOver(db: pg.Pool | pg.PoolClient): Repositories {
  return {
    scans: new ScanRepository(db),
    resources: new ResourceRepository(db),
    findings: new FindingRepository(db),
    suppressions: new SuppressionRepository(db),
    apiKeys: new ApiKeyRepository(db),
    audit: new AuditLog(db),
    remediations: new RemediationRepository(db),
  };
}

/** The one store interface: typed repositories, transactions, and the database under them. */
export interface Store extends Repositories {
  db: Database;
  transaction<T>(fn: (tx: Repositories) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export function storeOver(db: Database): Store {
  return {
    db,
    ...repositoriesOver(db.pool),
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
