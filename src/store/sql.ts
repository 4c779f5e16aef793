/** SQL fragments every repository shares, derived from the domain so SQL and TypeScript sort alike. */
import { SEVERITY_ORDER, STATUS_ORDER } from "../domain/order.ts";

/** Builds `CASE col WHEN 'a' THEN 0 … ELSE n END` from a list (values are our own constants, never input). */
function rankCase(column: string, order: readonly string[]): string {
  const whens = order.map((v, i) => `WHEN '${v}' THEN ${i}`).join(" ");
  return `CASE ${column} ${whens} ELSE ${order.length} END`;
}

/** Sort key for a severity column: 0 for the worst (SEVERITY_ORDER). */
export const severityRank = (column: string): string => rankCase(column, SEVERITY_ORDER);

/** Sort key for a finding status column: 0 for what needs attention first (STATUS_ORDER). */
export const statusRank = (column: string): string => rankCase(column, STATUS_ORDER);

/** The review order of findings: status, severity, id (compareByStatusThenSeverity in SQL). */
export const findingReviewOrder = (prefix = ""): string =>
  `${statusRank(`${prefix}status`)}, ${severityRank(`${prefix}severity`)}, ${prefix}finding_id`;

/**
 * `%text%` for ILIKE with the user's `%`, `_` and `\` taken literally (backslash is ILIKE's default escape),
 * so a search for "my_bucket" does not match "myxbucket".
 */
export const containsPattern = (text: string): string => `%${text.replace(/[%_\\]/g, "\\$&")}%`;

/** Collects `WHERE` conditions with numbered parameters: `add("a = ?", v)` becomes `a = $n`. */
export class Conditions {
  readonly values: unknown[];
  private readonly where: string[] = [];

  constructor(initial?: { sql: string; values: unknown[] }) {
    this.values = [...(initial?.values ?? [])];
    if (initial) this.where.push(initial.sql);
  }

  add(sql: string, value: unknown): this {
    this.values.push(value);
    this.where.push(sql.replaceAll("?", `$${this.values.length}`));
    return this;
  }

  /** The next parameter's placeholder, for LIMIT/OFFSET after the conditions. */
  param(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  get clause(): string {
    return this.where.join(" AND ");
  }

  get whereClause(): string {
    return this.where.length ? `WHERE ${this.clause}` : "";
  }
}
