/**
 * The report model of a scan (`buildReport`: findings, posture, trend) is what the posture and scan routes
 * answer from. A completed scan does not change — its posture was stored when it was evaluated, so a later
 * catalog change does not touch it — so its report is built once and kept in a small in-process LRU; a running
 * scan's report is built every time.
 */
import { LRUCache } from "lru-cache";
import type { Catalog } from "../engine/catalog.ts";
import { buildReport } from "../report/build.ts";
import type { ScanReport } from "../report/model.ts";
import type { Store } from "../store/index.ts";

export class ReportCache {
  private readonly entries = new LRUCache<string, Promise<ScanReport>>({ max: 16 });

  constructor(private readonly store: Store) {}

  /** `catalog` scores only a scan whose posture is not stored yet (see buildReport). */
  async get(scanId: string, catalog: Catalog): Promise<ScanReport> {
    const scan = await this.store.scans.get(scanId);
    if (scan.status !== "completed") return buildReport(this.store, catalog, scanId);
    const key = `${scanId}|${scan.completedAt}|${scan.findingCount}`;
    let report = this.entries.get(key);
    if (!report) {
      report = buildReport(this.store, catalog, scanId);
      this.entries.set(key, report);
      report.catch(() => this.entries.delete(key));
    }
    return report;
  }
}
