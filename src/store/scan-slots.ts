import type pg from "pg";
import { withTransaction } from "./database.ts";

/** The answer to a reservation: taken, or refused with the number of live slots that filled the limit. */
export type SlotReservation = { reserved: true } | { reserved: false; running: number; alreadyHeld: boolean };

/**
 * Slots for scans running in the background of a server (migration 008). Every decision about the limit is
 * made inside one transaction under an advisory lock of this schema, so concurrent reservations, from one
 * process or many, are taken one after another.
 */
export class ScanSlotRepository {
  constructor(private readonly db: pg.Pool | pg.PoolClient) {}

  /** Inside a store transaction the statements join it; on the pool they get a transaction of their own. */
  private atomically<T>(fn: (db: pg.Pool | pg.PoolClient) => Promise<T>): Promise<T> {
    return "release" in this.db ? fn(this.db) : withTransaction(this.db, fn);
  }

  /**
   * Takes the slot of `scanId` for `holder` when fewer than `limit` live slots exist; expired slots (their
   * holder stopped renewing them) are removed first.
   */
  reserve(scanId: string, holder: string, limit: number, leaseSeconds: number): Promise<SlotReservation> {
    return this.atomically(async (db) => {
      await db.query("SELECT pg_advisory_xact_lock(hashtext('enforceai:scan-slots:' || current_schema()))");
      await db.query("DELETE FROM scan_slots WHERE expires_at <= now()");
      const { rows } = await db.query<{ running: number; mine: boolean }>(
        "SELECT count(*)::int AS running, bool_or(scan_id = $1) AS mine FROM scan_slots",
        [scanId],
      );
      const { running, mine } = rows[0]!;
      if (mine || running >= limit) return { reserved: false, running, alreadyHeld: !!mine };
      await db.query(
        "INSERT INTO scan_slots (scan_id, holder, expires_at) VALUES ($1, $2, now() + make_interval(secs => $3))",
        [scanId, holder, leaseSeconds],
      );
      return { reserved: true };
    });
  }

  /** Moves the expiry of the holder's slots on; answers how many it still holds. */
  async renew(holder: string, scanIds: string[], leaseSeconds: number): Promise<number> {
    if (scanIds.length === 0) return 0;
    const { rowCount } = await this.db.query(
      "UPDATE scan_slots SET expires_at = now() + make_interval(secs => $3) WHERE holder = $1 AND scan_id = ANY($2)",
      [holder, scanIds, leaseSeconds],
    );
    return rowCount ?? 0;
  }

  /** Frees a slot; with `holder`, only when that holder has it. */
  async release(scanId: string, holder?: string): Promise<void> {
    await this.db.query(
      holder === undefined
        ? "DELETE FROM scan_slots WHERE scan_id = $1"
        : "DELETE FROM scan_slots WHERE scan_id = $1 AND holder = $2",
      holder === undefined ? [scanId] : [scanId, holder],
    );
  }

  /** Live slots of every holder (what the limit is measured against). */
  async count(): Promise<number> {
    const { rows } = await this.db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM scan_slots WHERE expires_at > now()",
    );
    return rows[0]?.n ?? 0;
  }
}
