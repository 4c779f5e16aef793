/**
 * `--format html`: one self-contained HTML file — no scripts, no external fonts, styles or images; the
 * charts are inline SVG drawn here. A Content-Security-Policy meta tag forbids scripts outright, as a second
 * line of defence behind escaping.
 *
 * Every value taken from the report goes through `escapeHtml`: resource names, tags and reasons come from
 * the scanned account and are attacker-controlled.
 *
 * Size: the findings table lists at most `maxRows` (default 2,000) non-passing findings and the passed table
 * at most `maxPassedRows` (default 500), each with a note; evidence is embedded (truncated) for failing
 * findings only, never for passed ones.
 */

import type { FrameworkScore } from "../domain/scan.ts";
import type { Finding, Severity } from "../domain/types.ts";
import { topFailingControls } from "../engine/scoring.ts";
import type { ScanReport } from "./model.ts";
import {
  compareFindings,
  ENFORCEAI_VERSION,
  failingBySeverity,
  formatDuration,
  formatScore,
  frameworkRefsText,
  llmLine,
  SEVERITY_ORDER,
  sortedTags,
} from "./util.ts";

export interface HtmlOptions {
  /** Non-passing findings rendered in the findings table; default 2,000. */
  maxRows?: number;
  /** Passed findings rendered in the (collapsed) passed table; default 500. */
  maxPassedRows?: number;
  /** Failing controls listed; default 15. */
  topControls?: number;
}

const HTML_ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
  "`": "&#96;",
};

/**
 * Escapes text for HTML element content and quoted attribute values. C0/C1 control characters (other than
 * tab, LF, CR) become U+FFFD, since HTML does not allow them.
 */
export function escapeHtml(value: unknown): string {
  return (
    String(value ?? "")
      .replace(/[&<>"'`]/g, (ch) => HTML_ESCAPES[ch]!)
      // biome-ignore lint/suspicious/noControlCharactersInRegex: replacing control characters is the point
      .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f]/g, "\ufffd")
  );
}

const h = escapeHtml;

/** `errors` / `noResources` are counted by the scorer but are not part of the stored score type. */
/**
 * Controls not evaluated (ERROR) or without resources (NO_RESOURCES) per framework, counted from the posture's
 * control results: the stored score keeps only passed, failed and manual, so reading these two from it showed 0.
 */
function undecidedByFramework(report: ScanReport): Map<string, { errors: number; noResources: number }> {
  const out = new Map<string, { errors: number; noResources: number }>();
  for (const c of report.posture.controls) {
    const n = out.get(c.framework) ?? { errors: 0, noResources: 0 };
    if (c.status === "ERROR") n.errors++;
    else if (c.status === "NO_RESOURCES") n.noResources++;
    out.set(c.framework, n);
  }
  return out;
}

function extraCount(s: FrameworkScore, key: "errors" | "noResources"): number {
  const v = (s as FrameworkScore & Partial<Record<typeof key, unknown>>)[key];
  return typeof v === "number" ? v : 0;
}
const num = (n: number) => n.toLocaleString("en-US");

const SEVERITY_COLOR: Record<Severity, string> = {
  critical: "#9f1239",
  high: "#dc2626",
  medium: "#d97706",
  low: "#2563eb",
  informational: "#6b7280",
};

function scoreColor(score: number): string {
  return score >= 90 ? "#15803d" : score >= 70 ? "#b45309" : "#b91c1c";
}

function badge(sev: Severity): string {
  return `<span class="sev sev-${h(sev)}">${h(sev)}</span>`;
}

function statusCell(f: Finding): string {
  const cls = `st st-${f.status.toLowerCase()}`;
  const base = `<span class="${h(cls)}">${h(f.status)}</span>`;
  return f.suppressed ? `${base} <span class="sup">suppressed</span>` : base;
}

// ---------------------------------------------------------------------------------------------------------
// Charts (inline SVG, one per chart)

/**
 * "56 of 62 controls automated" per framework id, so a score is never read as covering the manual controls too.
 * Reports of older scans may lack the framework summaries; those frameworks then show no coverage line.
 */
function automationById(report: ScanReport): Map<string, string> {
  return new Map(
    (report.scan.frameworks ?? []).map((f) => [
      f.id,
      `${num(f.automatedControls)} of ${num(f.controls)} controls automated`,
    ]),
  );
}

/**
 * Horizontal bars laid out in CSS pixels with percentage widths (no viewBox), so the labels keep their size
 * on a phone and on a wide screen alike: the framework id above its bar, the score at the bar's end.
 */
function scoresChart(report: ScanReport, scores: [string, FrameworkScore][]): string {
  const rowH = 42;
  if (scores.length === 0) {
    return `<svg class="chart chart-scores" width="100%" height="40" role="img" aria-labelledby="chart-scores-t" xmlns="http://www.w3.org/2000/svg"><title id="chart-scores-t">No framework was scored</title><text x="0" y="24" class="axis">No framework was scored.</text></svg>`;
  }
  const height = scores.length * rowH + 4;
  const coverage = automationById(report);
  const desc = scores
    .map(([id, s]) => `${id}: ${formatScore(s.score)}${coverage.has(id) ? ` (${coverage.get(id)})` : ""}`)
    .join("; ");
  const barPct = 84;
  const rows = scores
    .map(([id, s], i) => {
      const y = i * rowH;
      const w = Math.max(0, Math.min(barPct, (s.score / 100) * barPct));
      return (
        `<g><title>${h(id)}: ${h(formatScore(s.score))} — ${num(s.passed)} passed, ${num(s.failed)} failed controls</title>` +
        `<text x="0" y="${y + 14}" class="lbl">${h(id)}${
          coverage.has(id) ? `<tspan class="axis"> · ${h(coverage.get(id)!)}</tspan>` : ""
        }</text>` +
        `<rect x="0" y="${y + 20}" width="${barPct}%" height="16" rx="3" fill="#e5e7eb"/>` +
        `<rect x="0" y="${y + 20}" width="${w.toFixed(2)}%" height="16" rx="3" fill="${scoreColor(s.score)}"/>` +
        `<text x="${barPct + 2}%" y="${y + 33}" class="val">${h(formatScore(s.score))}</text></g>`
      );
    })
    .join("");
  return (
    `<svg class="chart chart-scores" width="100%" height="${height}" role="img" aria-labelledby="chart-scores-t chart-scores-d" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="chart-scores-t">Compliance score per framework</title><desc id="chart-scores-d">${h(desc)}</desc>${rows}</svg>`
  );
}

function severityChart(counts: Record<Severity, number>): string {
  const total = SEVERITY_ORDER.reduce((a, s) => a + counts[s], 0);
  const cx = 75;
  const cy = 75;
  const r = 52;
  const c = 2 * Math.PI * r;
  let offset = 0;
  const arcs: string[] = [];
  if (total === 0) {
    arcs.push(`<circle cx="${cx}" cy="${cy}" r="${r}" fill="none" stroke="#e5e7eb" stroke-width="24"/>`);
  } else {
    for (const sev of SEVERITY_ORDER) {
      const n = counts[sev];
      if (n === 0) continue;
      const len = (n / total) * c;
      arcs.push(
        `<circle cx="${cx}" cy="${cy}" r="${r}" fill="none" stroke="${SEVERITY_COLOR[sev]}" stroke-width="24" ` +
          `stroke-dasharray="${len.toFixed(2)} ${(c - len).toFixed(2)}" stroke-dashoffset="${(-offset).toFixed(2)}" ` +
          `transform="rotate(-90 ${cx} ${cy})"><title>${h(sev)}: ${num(n)}</title></circle>`,
      );
      offset += len;
    }
  }
  const legend = SEVERITY_ORDER.map((sev, i) => {
    const y = 22 + i * 24;
    return (
      `<rect x="170" y="${y - 11}" width="14" height="14" rx="2" fill="${SEVERITY_COLOR[sev]}"/>` +
      `<text x="192" y="${y}" class="lbl">${h(sev)}</text><text x="320" y="${y}" text-anchor="end" class="val">${num(counts[sev])}</text>`
    );
  }).join("");
  const desc = SEVERITY_ORDER.map((s) => `${s}: ${counts[s]}`).join(", ");
  return (
    `<svg class="chart chart-sev" viewBox="0 0 330 150" role="img" aria-labelledby="chart-sev-t chart-sev-d" xmlns="http://www.w3.org/2000/svg">` +
    `<title id="chart-sev-t">Failing findings by severity (${num(total)} in all)</title><desc id="chart-sev-d">${h(desc)}</desc>` +
    `${arcs.join("")}<text x="${cx}" y="${cy + 2}" text-anchor="middle" class="big">${num(total)}</text>` +
    `<text x="${cx}" y="${cy + 20}" text-anchor="middle" class="axis">failing</text>${legend}</svg>`
  );
}

// ---------------------------------------------------------------------------------------------------------
// Sections

function summaryCards(report: ScanReport, counts: Record<Severity, number>): string {
  const failing = SEVERITY_ORDER.reduce((a, s) => a + counts[s], 0);
  const suppressed = report.findings.filter((f) => f.status === "FAIL" && f.suppressed).length;
  const errors = report.findings.filter((f) => f.status === "ERROR").length;
  const gaps = (report.scan.coverageGaps ?? []).length;
  const card = (value: number, label: string, cls = "") =>
    `<li class="card${cls ? ` ${cls}` : ""}"><span class="num">${num(value)}</span><span class="cap">${h(label)}</span></li>`;
  return `<ul class="cards">${[
    card(report.scan.resourceCount, "resources evaluated"),
    card(failing, "failing findings", failing > 0 ? "warn" : "ok"),
    card(counts.critical, "critical", counts.critical > 0 ? "crit" : ""),
    card(counts.high, "high", counts.high > 0 ? "high" : ""),
    card(suppressed, "suppressed"),
    card(errors, "not evaluated (errors)", errors > 0 ? "warn" : ""),
    card(gaps, "coverage gaps", gaps > 0 ? "warn" : "ok"),
  ].join("")}</ul>`;
}

function scoresTable(report: ScanReport, scores: [string, FrameworkScore][]): string {
  if (scores.length === 0) return "";
  const names = new Map((report.scan.frameworks ?? []).map((f) => [f.id, f]));
  const undecided = undecidedByFramework(report);
  const rows = scores
    .map(([id, s]) => {
      const fw = names.get(id);
      const u = undecided.get(id);
      const errors = u ? u.errors : extraCount(s, "errors");
      const noResources = u ? u.noResources : extraCount(s, "noResources");
      const name = fw ? `${fw.name} ${fw.version}` : "";
      const automated = fw ? `${num(fw.automatedControls)} of ${num(fw.controls)}` : "";
      return (
        `<tr><th scope="row"><code>${h(id)}</code>${name ? `<div class="sub">${h(name)}</div>` : ""}</th>` +
        `<td class="n">${h(formatScore(s.score))}</td><td class="n">${automated}</td><td class="n">${num(s.passed)}</td><td class="n">${num(s.failed)}</td>` +
        `<td class="n">${num(s.manual)}</td><td class="n">${num(errors)}</td><td class="n">${num(noResources)}</td></tr>`
      );
    })
    .join("");
  return (
    `<div class="table-wrap"><table class="compact"><caption>Controls per framework. The score counts only automated controls that passed or failed; manual controls are not in it.</caption><thead><tr>` +
    `<th scope="col">Framework</th><th scope="col" class="n">Score</th><th scope="col" class="n">Automated controls</th><th scope="col" class="n">Passed</th>` +
    `<th scope="col" class="n">Failed</th><th scope="col" class="n">Manual</th><th scope="col" class="n">Not evaluated</th>` +
    `<th scope="col" class="n">No resources</th></tr></thead><tbody>${rows}</tbody></table></div>`
  );
}

function gapsSection(report: ScanReport): string {
  const gaps = report.scan.coverageGaps ?? [];
  const body =
    gaps.length === 0
      ? `<p class="ok-text">None — every service and region in scope was read.</p>`
      : `<p class="alert" role="note"><strong>${num(gaps.length)} service/region ${gaps.length === 1 ? "pair" : "pairs"} could not be read.</strong> Checks on those services were not evaluated, so the scores above do not cover them.</p>` +
        `<div class="table-wrap"><table class="compact"><thead><tr><th scope="col">Service</th><th scope="col">Region</th><th scope="col">Code</th><th scope="col">Error</th></tr></thead><tbody>` +
        gaps
          .map(
            (g) =>
              `<tr><th scope="row">${h(g.service)}</th><td>${h(g.region)}</td><td>${h(g.code ?? "")}</td><td>${h(g.error)}</td></tr>`,
          )
          .join("") +
        `</tbody></table></div>`;
  return `<section aria-labelledby="gaps-h" id="coverage-gaps"><h2 id="gaps-h">Coverage gaps</h2>${body}</section>`;
}

/** An organisation scan: every account with its OU, state and scores, the worst accounts, the score per OU. */
function organizationSection(report: ScanReport): string {
  const o = report.scan.organization;
  if (!o) return "";
  const score = (n: number | null) => (n === null ? "—" : num(n));
  const frameworkIds = Object.keys(o.scores);
  const fwHead = frameworkIds.map((id) => `<th scope="col" class="n"><code>${h(id)}</code></th>`).join("");
  const fwCells = (scores: Record<string, FrameworkScore>) =>
    frameworkIds.map((id) => `<td class="n">${scores[id] ? num(scores[id].score) : "—"}</td>`).join("");
  const byId = new Map(o.accounts.map((a) => [a.id, a]));
  const worst =
    o.worstAccounts.length > 0
      ? `<p>Worst accounts: ${o.worstAccounts
          .map((id) => `<code>${h(id)}</code> (${score(byId.get(id)?.score ?? null)})`)
          .join(", ")}</p>`
      : "";
  const accounts =
    `<div class="table-wrap"><table class="compact"><thead><tr><th scope="col">Account</th><th scope="col">Name</th>` +
    `<th scope="col">OU</th><th scope="col">State</th><th scope="col" class="n">Score</th><th scope="col" class="n">Failed</th>${fwHead}</tr></thead><tbody>` +
    o.accounts
      .map(
        (a) =>
          `<tr><th scope="row"><code>${h(a.id)}</code></th><td>${h(a.name)}</td><td>${h(a.ouPath)}</td>` +
          `<td>${h(a.state)}${a.reason ? ` — ${h(a.reason)}` : ""}</td><td class="n">${score(a.score)}</td>` +
          `<td class="n">${a.state === "scanned" ? num(a.failed) : ""}</td>${fwCells(a.scores)}</tr>`,
      )
      .join("") +
    `</tbody></table></div>`;
  const ous =
    `<h3>Score per OU</h3><div class="table-wrap"><table class="compact"><thead><tr><th scope="col">OU</th><th scope="col">Id</th>` +
    `<th scope="col" class="n">Accounts scanned</th><th scope="col" class="n">Score</th>${fwHead}</tr></thead><tbody>` +
    o.ous
      .map(
        (u) =>
          `<tr><th scope="row">${h(u.path)}</th><td><code>${h(u.id)}</code></td><td class="n">${num(u.scanned)} of ${num(u.accounts)}</td>` +
          `<td class="n">${score(u.score)}</td>${fwCells(u.scores)}</tr>`,
      )
      .join("") +
    `</tbody></table></div>`;
  return (
    `<section aria-labelledby="org-h" id="organization"><h2 id="org-h">Organization <code>${h(o.id)}</code></h2>` +
    `<p>Management account <code>${h(o.managementAccountId)}</code>, role <code>${h(o.roleName)}</code> in each member; organisation-wide score ${score(o.score)}.</p>` +
    `${worst}${accounts}${ous}</section>`
  );
}

/** Passed and failed findings per service, worst score first, so a user sees which services drag the posture. */
function servicesSection(report: ScanReport): string {
  const rows = Object.entries(report.posture.byService).sort(
    ([a, x], [b, y]) => x.score - y.score || y.failed - x.failed || a.localeCompare(b),
  );
  const body =
    rows.length === 0
      ? `<p class="ok-text">No service was judged.</p>`
      : `<div class="table-wrap"><table><thead><tr><th scope="col">Service</th><th scope="col" class="n">Score</th>` +
        `<th scope="col" class="n">Passed</th><th scope="col" class="n">Failed</th></tr></thead><tbody>` +
        rows
          .map(
            ([service, t]) =>
              `<tr><th scope="row"><code>${h(service)}</code></th><td class="n">${num(t.score)}</td>` +
              `<td class="n">${num(t.passed)}</td><td class="n">${num(t.failed)}</td></tr>`,
          )
          .join("") +
        `</tbody></table></div>`;
  return `<section aria-labelledby="services-h" id="services"><h2 id="services-h">By service</h2>${body}</section>`;
}

function controlsSection(report: ScanReport, limit: number): string {
  const top = topFailingControls({ ...report.posture, frameworks: {} }, limit);
  const totalFailing = report.posture.controls.filter((c) => c.status === "FAIL").length;
  const body =
    top.length === 0
      ? `<p class="ok-text">No failing controls.</p>`
      : `<div class="table-wrap"><table><thead><tr><th scope="col">Framework</th><th scope="col">Control</th><th scope="col">Title</th>` +
        `<th scope="col">Worst severity</th><th scope="col" class="n">Failing findings</th><th scope="col">Checks</th></tr></thead><tbody>` +
        top
          .map(
            (c) =>
              `<tr><td><code>${h(c.framework)}</code></td><th scope="row">${h(c.controlId)}</th><td>${h(c.title)}${
                c.section ? `<div class="sub">${h(c.section)}</div>` : ""
              }</td><td>${c.worstSeverity ? badge(c.worstSeverity) : ""}</td><td class="n">${num(c.failed)}</td>` +
              `<td class="checks">${c.checks.map((k) => `<code>${h(k)}</code>`).join(" ")}</td></tr>`,
          )
          .join("") +
        `</tbody></table></div>` +
        (totalFailing > top.length
          ? `<p class="note">Showing the ${num(top.length)} worst of ${num(totalFailing)} failing controls.</p>`
          : "");
  return `<section aria-labelledby="controls-h"><h2 id="controls-h">Top failing controls</h2>${body}</section>`;
}

function resourceCell(f: Finding, multiAccount: boolean): string {
  const tags = Object.entries(sortedTags(f.tags));
  const shown = tags.slice(0, 6);
  const chips =
    shown.length === 0
      ? ""
      : `<div class="tags">${shown.map(([k, v]) => `<span class="tagchip">${h(k)}=${h(v)}</span>`).join(" ")}${
          tags.length > shown.length ? ` <span class="sub">+${tags.length - shown.length} more</span>` : ""
        }</div>`;
  const where = [f.resourceType, f.region, multiAccount ? f.accountId : ""].filter(Boolean).join(" · ");
  return (
    `<td class="res"><span class="rname">${h(f.resourceName || f.resourceId)}</span>` +
    `<div class="sub">${h(where)}</div>${f.resourceArn ? `<div class="arn">${h(f.resourceArn)}</div>` : ""}${chips}</td>`
  );
}

function evidenceBlock(f: Finding): string {
  if (f.status === "PASS" || !f.evidence || Object.keys(f.evidence).length === 0) return "";
  let text: string;
  try {
    text = JSON.stringify(f.evidence, null, 1) ?? "";
  } catch {
    text = "(evidence could not be serialised)";
  }
  if (text.length > 1200) text = `${text.slice(0, 1200)}\n… (truncated; see the JSON report)`;
  return `<details><summary>Evidence</summary><pre>${h(text)}</pre></details>`;
}

function findingRow(f: Finding, multiAccount: boolean, withEvidence: boolean): string {
  const sup =
    f.suppressed && f.suppression
      ? `<div class="supnote">Suppressed: ${h(f.suppression.reason)}${f.suppression.owner ? ` — owner ${h(f.suppression.owner)}` : ""}${
          f.suppression.expiresAt ? `, until ${h(f.suppression.expiresAt)}` : ""
        }</div>`
      : "";
  const controls = (f.frameworks ?? []).map((r) => `<code>${h(frameworkRefsText([r]))}</code>`).join(" ");
  return (
    `<tr${f.suppressed ? ` class="suppressed"` : ""}><td>${badge(f.severity)}</td><td>${statusCell(f)}</td>` +
    `<th scope="row">${h(f.title)}<div class="sub"><code>${h(f.checkId)}</code></div></th>${resourceCell(f, multiAccount)}` +
    `<td class="reason">${h(f.reason)}${sup}${withEvidence ? evidenceBlock(f) : ""}</td><td class="checks">${controls}</td></tr>`
  );
}

const FINDINGS_HEAD =
  `<thead><tr><th scope="col">Severity</th><th scope="col">Status</th><th scope="col">Check</th>` +
  `<th scope="col">Resource</th><th scope="col">Reason</th><th scope="col">Framework controls</th></tr></thead>`;

function findingsSection(report: ScanReport, maxRows: number, maxPassedRows: number): string {
  const multiAccount = new Set(report.findings.map((f) => f.accountId)).size > 1;
  const rank = (f: Finding) =>
    f.status === "FAIL" ? (f.suppressed ? 1 : 0) : f.status === "ERROR" ? 2 : f.status === "MANUAL" ? 3 : 4;
  const open = report.findings
    .filter((f) => f.status !== "PASS")
    .sort((a, b) => rank(a) - rank(b) || compareFindings(a, b));
  const shown = open.slice(0, maxRows);
  const failingTotal = open.filter((f) => f.status === "FAIL").length;
  const note =
    open.length > shown.length
      ? `<p class="note" role="note">Showing the first ${num(shown.length)} of ${num(open.length)} findings that did not pass (${num(failingTotal)} failing), worst first. The JSON, CSV and OCSF formats carry every finding.</p>`
      : "";
  const table =
    shown.length === 0
      ? `<p class="ok-text">Every evaluated check passed.</p>`
      : `<div class="table-wrap"><table class="findings"><caption>Failing findings first (worst severity first), then suppressed, not evaluated and manual findings</caption>${FINDINGS_HEAD}<tbody>${shown
          .map((f) => findingRow(f, multiAccount, true))
          .join("")}</tbody></table></div>`;

  const passed = report.findings.filter((f) => f.status === "PASS").sort(compareFindings);
  let passedBlock = "";
  if (passed.length > 0) {
    const p = passed.slice(0, maxPassedRows);
    passedBlock =
      `<details class="passed"><summary>Passed findings (${num(passed.length)})</summary>` +
      (passed.length > p.length
        ? `<p class="note">Showing the first ${num(p.length)} of ${num(passed.length)} passed findings.</p>`
        : "") +
      `<div class="table-wrap"><table class="findings">${FINDINGS_HEAD}<tbody>${p
        .map((f) => findingRow(f, multiAccount, false))
        .join("")}</tbody></table></div></details>`;
  }
  return `<section aria-labelledby="findings-h" id="findings"><h2 id="findings-h">Findings</h2>${note}${table}${passedBlock}</section>`;
}

const CSS = `
:root{--fg:#111827;--muted:#4b5563;--line:#d1d5db;--bg:#fff;--soft:#f3f4f6;--accent:#1d4ed8}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--fg);background:var(--bg)}
header,main,footer{max-width:1200px;margin:0 auto;padding:16px 24px}
header{border-bottom:1px solid var(--line)}
h1{font-size:1.6rem;margin:0 0 4px}h2{font-size:1.2rem;margin:28px 0 10px}
code{font:12px/1.3 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;background:var(--soft);padding:1px 4px;border-radius:3px;word-break:break-all}
.meta{color:var(--muted);margin:0}.meta b{color:var(--fg)}
.skip{position:absolute;left:-999px}.skip:focus{left:8px;top:8px;background:#fff;padding:4px 8px;border:2px solid var(--accent)}
.cards{list-style:none;padding:0;margin:16px 0;display:grid;grid-template-columns:repeat(auto-fit,minmax(150px,1fr));gap:12px}
.card{border:1px solid var(--line);border-left:6px solid var(--line);border-radius:6px;padding:10px 12px;background:#fff}
.card .num{display:block;font-size:1.7rem;font-weight:700}.card .cap{color:var(--muted)}
.card.ok{border-left-color:#15803d}.card.warn{border-left-color:#b45309}.card.crit{border-left-color:#9f1239}.card.high{border-left-color:#dc2626}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:24px;align-items:start}
.chart{display:block;overflow:visible}.chart-sev{width:100%;height:auto;max-width:380px}
.chart .lbl{font-size:13px;fill:#1f2937}.chart .val{font-size:13px;font-weight:600;fill:#111827}.chart .axis{font-size:11px;fill:#4b5563}.chart .big{font-size:24px;font-weight:700;fill:#111827}
.table-wrap{overflow-x:auto;margin:8px 0}
table{border-collapse:collapse;width:100%}
caption{text-align:left;color:var(--muted);padding:4px 0;font-size:.9rem}
th,td{border-bottom:1px solid var(--line);padding:6px 8px;text-align:left;vertical-align:top}
thead th{background:var(--soft);font-weight:600;white-space:nowrap}
tbody th{font-weight:600}
.n{text-align:right;font-variant-numeric:tabular-nums}
.sub{color:var(--muted);font-size:12px;font-weight:400}
.arn{color:var(--muted);font:11px/1.3 ui-monospace,Menlo,Consolas,monospace;word-break:break-all}
.rname{font-weight:600;word-break:break-all}
.tags{margin-top:4px}.tagchip{display:inline-block;background:var(--soft);border:1px solid var(--line);border-radius:10px;padding:0 6px;font-size:11px;margin:1px 0;word-break:break-all}
.reason{min-width:240px}
.checks code{display:inline-block;margin:1px 0}
.sev{display:inline-block;border-radius:4px;padding:1px 7px;font-size:12px;font-weight:700;text-transform:uppercase;letter-spacing:.02em;white-space:nowrap}
.sev-critical{background:#9f1239;color:#fff}.sev-high{background:#b91c1c;color:#fff}.sev-medium{background:#fde68a;color:#78350f}
.sev-low{background:#dbeafe;color:#1e3a8a}.sev-informational{background:#e5e7eb;color:#374151}
.st{font-weight:700;font-size:12px}.st-fail{color:#b91c1c}.st-pass{color:#15803d}.st-error{color:#92400e}.st-manual{color:#1e40af}
.sup{display:inline-block;font-size:11px;border:1px dashed #6b7280;color:#374151;border-radius:4px;padding:0 4px}
tr.suppressed{background:#f9fafb}tr.suppressed td,tr.suppressed th{font-style:italic}
.supnote{margin-top:4px;color:#374151;font-size:12px}
details summary{cursor:pointer;color:var(--accent)}
pre{white-space:pre-wrap;word-break:break-all;background:var(--soft);padding:6px;border-radius:4px;font-size:11px;max-height:240px;overflow:auto}
.alert{border:1px solid #b45309;background:#fffbeb;color:#78350f;padding:10px 12px;border-radius:6px}
.ok-text{color:#166534}.note{color:var(--muted);font-style:italic}
footer{border-top:1px solid var(--line);color:var(--muted);font-size:12px}
@media (max-width:640px){header,main,footer{padding:12px}.reason{min-width:160px}}
@media print{
  body{font-size:10pt}header,main,footer{max-width:none;padding:0 0 8px}
  .skip,details.passed{display:none}
  .card,.chart,tr{break-inside:avoid}thead{display:table-header-group}
  .table-wrap{overflow:visible}a{color:inherit;text-decoration:none}
  *{-webkit-print-color-adjust:exact;print-color-adjust:exact}
}
`;

/** The report as one self-contained HTML page. */
export function renderHtml(report: ScanReport, options: HtmlOptions = {}): string {
  const s = report.scan;
  const counts = failingBySeverity(report.findings);
  const scores = Object.entries(s.scores ?? {}) as [string, FrameworkScore][];
  const maxRows = Math.max(0, options.maxRows ?? 2000);
  const maxPassedRows = Math.max(0, options.maxPassedRows ?? 500);

  const meta = [
    `scan <b><code>${h(s.id)}</code></b>`,
    `status <b>${h(s.status)}</b>`,
    `accounts <b>${h(s.accounts.join(", ") || "—")}</b>`,
    `regions <b>${h(s.regions.join(", ") || "—")}</b>`,
    `started <b>${h(s.startedAt)}</b>`,
    `duration <b>${h(formatDuration(s.startedAt, s.completedAt))}</b>`,
  ].join(" · ");

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
<meta name="generator" content="EnforceAI ${h(ENFORCEAI_VERSION)}">
<title>EnforceAI compliance report — ${h(s.id)}</title>
<style>${CSS}</style>
</head>
<body>
<a class="skip" href="#findings">Skip to findings</a>
<header>
<h1>EnforceAI compliance report</h1>
<p class="meta">${meta}</p>
</header>
<main>
<section aria-labelledby="summary-h"><h2 id="summary-h">Summary</h2>${summaryCards(report, counts)}${
    (s.coverageGaps ?? []).length > 0
      ? `<p class="alert" role="note">Coverage is incomplete: see <a href="#coverage-gaps">coverage gaps</a>.</p>`
      : ""
  }${(s.changesInProgress ?? [])
    .map(
      (c) =>
        `<p class="alert" role="note">Change in progress: <code>${h(c.actionId)}</code> on ${c.resourceArns
          .map((a) => `<code>${h(a)}</code>`)
          .join(
            ", ",
          )} (approval <code>${h(c.approvalId)}</code>, started ${h(c.startedAt)}) has not finished. ` +
        `If the process making it stopped, <code>enforceai approvals execute ${h(c.approvalId)}</code> takes it over once the lease has passed.</p>`,
    )
    .join("")}</section>
<div class="charts">
<section aria-labelledby="scores-h"><h2 id="scores-h">Score per framework</h2>${scoresChart(report, scores)}</section>
<section aria-labelledby="sev-h"><h2 id="sev-h">Failing findings by severity</h2>${severityChart(counts)}</section>
</div>
${scoresTable(report, scores)}
${organizationSection(report)}
${gapsSection(report)}
${servicesSection(report)}
${controlsSection(report, options.topControls ?? 15)}
${findingsSection(report, maxRows, maxPassedRows)}
</main>
<footer>
<p>${h(llmLine(s.llm))}</p>
<p>Generated by EnforceAI ${h(ENFORCEAI_VERSION)} from scan <code>${h(s.id)}</code>${
    s.completedAt ? ` completed ${h(s.completedAt)}` : ""
  }.</p>
</footer>
</body>
</html>
`;
}
