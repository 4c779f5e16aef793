/**
 * `--format table`: the terminal summary. Header, scores per framework, failing findings by severity,
 * coverage gaps, then the failing findings grouped by severity (worst first) and by check, the findings
 * that could not be evaluated, and the line that says how explanations were produced.
 *
 * Colour is plain ANSI SGR, only when `color` is true (the caller decides: TTY, NO_COLOR, --no-color).
 * Every value that comes from the scanned account is stripped of control characters first, so a resource
 * name cannot smuggle escape sequences into the terminal.
 */

import type { FrameworkScore } from "../domain/scan.ts";
import type { Finding, Severity } from "../domain/types.ts";
import type { ScanReport } from "./model.ts";
import {
  compareFindings,
  failingBySeverity,
  formatDuration,
  formatScore,
  llmLine,
  SEVERITY_ORDER,
} from "./util.ts";

export interface TableOptions {
  color: boolean;
  /** Truncate every line to this many columns (no truncation when absent). */
  width?: number;
  /** List the passed findings too (by check). */
  showPassed?: boolean;
  /** Resources listed per check before `… and N more`; default 5. */
  maxResources?: number;
}

// ---------------------------------------------------------------------------------------------------------
// ANSI helper

const ESC = "\u001b[";
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI SGR sequences is the point
const SGR = /\u001b\[[0-9;]*m/g;
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching ANSI SGR sequences is the point
const SGR_AT_START = /^\u001b\[[0-9;]*m/;
// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

export interface Style {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  blue(s: string): string;
  magenta(s: string): string;
  cyan(s: string): string;
  gray(s: string): string;
}

/** A tiny colour helper: each function wraps its text in an SGR pair when `on`, and is the identity otherwise. */
export function ansi(on: boolean): Style {
  const wrap = (open: number, close: number) => (s: string) =>
    on && s !== "" ? `${ESC}${open}m${s}${ESC}${close}m` : s;
  return {
    bold: wrap(1, 22),
    dim: wrap(2, 22),
    red: wrap(31, 39),
    green: wrap(32, 39),
    yellow: wrap(33, 39),
    blue: wrap(34, 39),
    magenta: wrap(35, 39),
    cyan: wrap(36, 39),
    gray: wrap(90, 39),
  };
}

/** Removes ANSI SGR sequences. */
export function stripAnsi(s: string): string {
  return s.replace(SGR, "");
}

/** Attacker-controlled text made safe for a terminal: control and bidi-override characters become spaces. */
export function cleanText(s: string | undefined | null): string {
  return String(s ?? "").replace(UNSAFE, " ");
}

function visibleWidth(s: string): number {
  return [...stripAnsi(s)].length;
}

function padEnd(s: string, width: number): string {
  return s + " ".repeat(Math.max(0, width - visibleWidth(s)));
}

function padStart(s: string, width: number): string {
  return " ".repeat(Math.max(0, width - visibleWidth(s))) + s;
}

/** Cuts a line to `width` visible columns, keeping escape sequences intact and ending with `…`. */
export function truncateLine(line: string, width: number, color: boolean): string {
  if (width <= 0 || visibleWidth(line) <= width) return line;
  const limit = width - 1;
  let out = "";
  let n = 0;
  let i = 0;
  while (i < line.length && n < limit) {
    if (line.charCodeAt(i) === 0x1b) {
      const m = SGR_AT_START.exec(line.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    const ch = String.fromCodePoint(line.codePointAt(i)!);
    out += ch;
    i += ch.length;
    n++;
  }
  return `${out}…${color ? `${ESC}0m` : ""}`;
}

// ---------------------------------------------------------------------------------------------------------
// Sections

function severityStyle(st: Style, sev: Severity): (s: string) => string {
  switch (sev) {
    case "critical":
      return (s) => st.bold(st.magenta(s));
    case "high":
      return st.red;
    case "medium":
      return st.yellow;
    case "low":
      return st.cyan;
    default:
      return st.gray;
  }
}

function scoreStyle(st: Style, score: number): (s: string) => string {
  return score >= 90 ? st.green : score >= 70 ? st.yellow : st.red;
}

function bar(score: number, cells = 20): string {
  const filled = Math.max(0, Math.min(cells, Math.round((score / 100) * cells)));
  return "█".repeat(filled) + "░".repeat(cells - filled);
}

function plural(n: number, word: string, words = `${word}s`): string {
  return `${n} ${n === 1 ? word : words}`;
}

function header(report: ScanReport, st: Style): string[] {
  const s = report.scan;
  const label = (t: string) => st.gray(padEnd(t, 11));
  const started = s.startedAt ? `    ${st.gray("started")} ${s.startedAt}` : "";
  return [
    `${st.bold("EnforceAI compliance scan")}  ${cleanText(s.id)}  ${st.gray(`[${cleanText(s.status)}]`)}`,
    `  ${label("accounts")}${s.accounts.length ? s.accounts.map(cleanText).join(", ") : "—"}`,
    `  ${label("regions")}${s.regions.length ? s.regions.map(cleanText).join(", ") : "—"}`,
    `  ${label("resources")}${s.resourceCount}    ${st.gray("duration")} ${formatDuration(s.startedAt, s.completedAt)}${started}`,
    ...(s.changesInProgress ?? []).map(
      (c) =>
        `  ${st.bold("change in progress")} ${cleanText(c.actionId)} on ${c.resourceArns.map(cleanText).join(", ")} ` +
        `(approval ${cleanText(c.approvalId)}, started ${c.startedAt}): not finished; if the process making it ` +
        `stopped, \`enforceai approvals execute ${cleanText(c.approvalId)}\` takes it over once the lease has passed`,
    ),
  ];
}

function scoresSection(report: ScanReport, st: Style): string[] {
  const entries = Object.entries(report.scan.scores ?? {}) as [string, FrameworkScore][];
  const lines = [st.bold("Framework scores")];
  if (entries.length === 0) return [...lines, `  ${st.gray("no framework scored")}`];
  const names = new Map((report.scan.frameworks ?? []).map((f) => [f.id, f]));
  const idWidth = Math.max(9, ...entries.map(([id]) => cleanText(id).length));
  // Controls not evaluated, from the control results: the stored score keeps only passed, failed and manual.
  const errorsById = new Map<string, number>();
  for (const c of report.posture.controls) {
    if (c.status === "ERROR") errorsById.set(c.framework, (errorsById.get(c.framework) ?? 0) + 1);
  }
  const errorsOf = (id: string) => errorsById.get(id) ?? 0;
  const showErrors = entries.some(([id]) => errorsOf(id) > 0);
  const cols = ["passed", "failed", "manual", ...(showErrors ? ["errors"] : [])];
  lines.push(
    `  ${st.gray(padEnd("framework", idWidth))}  ${st.gray(padStart("score", 6))}  ${" ".repeat(20)}  ${cols
      .map((c) => st.gray(padStart(c, 6)))
      .join(" ")}`,
  );
  for (const [id, s] of entries) {
    const paint = scoreStyle(st, s.score);
    const nums = [s.passed, s.failed, s.manual, ...(showErrors ? [errorsOf(id)] : [])].map((n) =>
      padStart(String(n), 6),
    );
    const name = names.get(id);
    // How many controls the score covers: manual controls are not in it.
    const suffix = name
      ? `  ${st.gray(cleanText(`${name.automatedControls} of ${name.controls} controls automated · ${name.name} ${name.version}`))}`
      : "";
    lines.push(
      `  ${padEnd(cleanText(id), idWidth)}  ${paint(padStart(formatScore(s.score), 6))}  ${paint(bar(s.score))}  ${nums.join(" ")}${suffix}`,
    );
  }
  return lines;
}

/** An organisation scan: each account (OU, state, score), the worst accounts, then the score per OU. */
function organizationSection(report: ScanReport, st: Style): string[] {
  const o = report.scan.organization;
  if (!o) return [];
  const scoreText = (score: number | null) => (score === null ? "—" : formatScore(score));
  const paintScore = (score: number | null) => (score === null ? st.gray : scoreStyle(st, score));
  const frameworksOf = (scores: Record<string, FrameworkScore>) =>
    Object.entries(scores)
      .map(([id, sc]) => `${cleanText(id)} ${formatScore(sc.score)}`)
      .join(" · ");
  const scanned = o.accounts.filter((a) => a.state === "scanned").length;
  const lines = [
    `${st.bold("Organization")} ${cleanText(o.id)}  ${st.gray(
      `management ${cleanText(o.managementAccountId)} · role ${cleanText(o.roleName)} · ${scanned} of ${plural(o.accounts.length, "account")} scanned`,
    )}  ${paintScore(o.score)(scoreText(o.score))}`,
  ];
  const idWidth = 12;
  const nameWidth = Math.min(24, Math.max(4, ...o.accounts.map((a) => cleanText(a.name).length)));
  const pathWidth = Math.min(32, Math.max(2, ...o.accounts.map((a) => cleanText(a.ouPath).length)));
  lines.push(
    `  ${st.gray(padEnd("account", idWidth))}  ${st.gray(padEnd("name", nameWidth))}  ${st.gray(padEnd("OU", pathWidth))}  ${st.gray(padEnd("state", 11))}  ${st.gray(padStart("score", 6))}  ${st.gray(padStart("failed", 6))}`,
  );
  for (const a of o.accounts) {
    const state =
      a.state === "scanned" ? a.state : a.state === "skipped" ? st.gray(a.state) : st.yellow(a.state);
    const detail = a.state === "scanned" ? frameworksOf(a.scores) : cleanText(a.reason ?? "");
    lines.push(
      `  ${padEnd(cleanText(a.id), idWidth)}  ${padEnd(cleanText(a.name).slice(0, nameWidth), nameWidth)}  ${padEnd(cleanText(a.ouPath).slice(0, pathWidth), pathWidth)}  ${padEnd(state, 11)}  ${paintScore(a.score)(padStart(scoreText(a.score), 6))}  ${padStart(a.state === "scanned" ? String(a.failed) : "", 6)}  ${st.gray(detail)}`,
    );
  }
  if (o.worstAccounts.length > 0) {
    const byId = new Map(o.accounts.map((a) => [a.id, a]));
    const worst = o.worstAccounts.map((id) => `${cleanText(id)} (${scoreText(byId.get(id)?.score ?? null)})`);
    lines.push(`  ${st.gray("worst")}  ${worst.join(", ")}`);
  }
  lines.push("", st.bold("Score per OU"));
  const ouWidth = Math.min(48, Math.max(4, ...o.ous.map((u) => cleanText(u.path).length)));
  lines.push(
    `  ${st.gray(padEnd("OU", ouWidth))}  ${st.gray(padStart("accounts", 8))}  ${st.gray(padStart("score", 6))}`,
  );
  for (const u of o.ous) {
    lines.push(
      `  ${padEnd(cleanText(u.path), ouWidth)}  ${padStart(`${u.scanned}/${u.accounts}`, 8)}  ${paintScore(u.score)(padStart(scoreText(u.score), 6))}  ${st.gray(`${cleanText(u.id)}  ${frameworksOf(u.scores)}`)}`,
    );
  }
  return lines;
}

function severitySection(report: ScanReport, st: Style): string[] {
  const counts = failingBySeverity(report.findings);
  const total = Object.values(counts).reduce((a, b) => a + b, 0);
  const suppressed = report.findings.filter((f) => f.status === "FAIL" && f.suppressed).length;
  const parts = SEVERITY_ORDER.map((sev) => {
    const text = `${sev} ${counts[sev]}`;
    return counts[sev] > 0 ? severityStyle(st, sev)(text) : st.gray(text);
  });
  const sup = suppressed > 0 ? `   ${st.dim(`+ ${suppressed} suppressed`)}` : "";
  return [`${st.bold("Failing findings")}  ${st.bold(String(total))}   ${parts.join(st.gray(" · "))}${sup}`];
}

function gapsSection(report: ScanReport, st: Style): string[] {
  const gaps = report.scan.coverageGaps ?? [];
  if (gaps.length === 0) return [];
  const lines = [
    st.bold(
      st.yellow(
        `! Coverage gaps: ${plural(gaps.length, "service/region pair")} could not be read — checks there were NOT evaluated`,
      ),
    ),
  ];
  const svcWidth = Math.max(...gaps.map((g) => cleanText(g.service).length));
  const regWidth = Math.max(...gaps.map((g) => cleanText(g.region).length));
  const accountOf = (g: (typeof gaps)[number]) => (g as { accountId?: string }).accountId;
  const multiAccount = new Set(gaps.map(accountOf)).size > 1;
  for (const g of gaps) {
    const code = g.code ? `${cleanText(g.code)}: ` : "";
    const account = multiAccount ? `${cleanText(accountOf(g) ?? "")}  ` : "";
    lines.push(
      `  ${st.yellow("!")} ${account}${padEnd(cleanText(g.service), svcWidth)}  ${padEnd(cleanText(g.region), regWidth)}  ${code}${cleanText(g.error)}`,
    );
  }
  return lines;
}

interface CheckGroup {
  checkId: string;
  title: string;
  findings: Finding[];
}

function byCheck(findings: readonly Finding[]): CheckGroup[] {
  const groups = new Map<string, CheckGroup>();
  for (const f of findings) {
    let g = groups.get(f.checkId);
    if (!g) {
      g = { checkId: f.checkId, title: f.title, findings: [] };
      groups.set(f.checkId, g);
    }
    g.findings.push(f);
  }
  const live = (g: CheckGroup) => g.findings.filter((f) => !f.suppressed).length;
  return [...groups.values()].sort(
    (a, b) => live(b) - live(a) || b.findings.length - a.findings.length || a.title.localeCompare(b.title),
  );
}

function resourceLabel(f: Finding, multiAccount: boolean): string {
  const name = cleanText(f.resourceName || f.resourceId || f.resourceArn);
  const where = multiAccount ? `${cleanText(f.accountId)}/${cleanText(f.region)}` : cleanText(f.region);
  return `${name}  (${where})`;
}

function checkLines(group: CheckGroup, st: Style, max: number, multiAccount: boolean): string[] {
  const sorted = [...group.findings].sort(
    (a, b) => Number(a.suppressed) - Number(b.suppressed) || compareFindings(a, b),
  );
  const live = sorted.filter((f) => !f.suppressed).length;
  const sup = sorted.length - live;
  const count =
    live === 0 ? `${sup} suppressed` : `${plural(live, "resource")}${sup > 0 ? `, ${sup} suppressed` : ""}`;
  const title = live > 0 ? st.bold(cleanText(group.title)) : st.dim(cleanText(group.title));
  const lines = [`  ${title} ${st.gray(`(${cleanText(group.checkId)})`)} — ${count}`];
  for (const f of sorted.slice(0, max)) {
    if (f.suppressed) {
      const s = f.suppression;
      const why = s
        ? `suppressed: ${cleanText(s.reason)}${s.owner ? ` (owner ${cleanText(s.owner)}${s.expiresAt ? `, until ${cleanText(s.expiresAt)}` : ""})` : ""}`
        : "suppressed";
      lines.push(st.dim(`    ~ ${resourceLabel(f, multiAccount)} — ${why}`));
    } else {
      lines.push(`    • ${resourceLabel(f, multiAccount)} — ${cleanText(f.reason)}`);
    }
  }
  if (sorted.length > max) {
    const rest = sorted.slice(max);
    const restSup = rest.filter((f) => f.suppressed).length;
    lines.push(st.gray(`    … and ${rest.length} more${restSup > 0 ? ` (${restSup} suppressed)` : ""}`));
  }
  return lines;
}

function findingsSection(report: ScanReport, st: Style, max: number): string[] {
  const multiAccount = new Set(report.findings.map((f) => f.accountId)).size > 1;
  const lines: string[] = [];
  const failing = report.findings.filter((f) => f.status === "FAIL");
  for (const sev of SEVERITY_ORDER) {
    const inSev = failing.filter((f) => f.severity === sev);
    if (inSev.length === 0) continue;
    const live = inSev.filter((f) => !f.suppressed).length;
    const sup = inSev.length - live;
    const paint = severityStyle(st, sev);
    const head =
      live === 0
        ? `${sev.toUpperCase()}  ${sup} suppressed`
        : `${sev.toUpperCase()}  ${plural(live, "failing finding")}${sup > 0 ? `, ${sup} suppressed` : ""}`;
    lines.push("", live > 0 ? st.bold(paint(head)) : st.dim(head));
    for (const g of byCheck(inSev)) lines.push(...checkLines(g, st, max, multiAccount));
  }
  if (failing.length === 0) lines.push("", st.green("No failing findings."));

  const errors = report.findings.filter((f) => f.status === "ERROR");
  if (errors.length > 0) {
    lines.push(
      "",
      st.bold(st.yellow(`Not evaluated  ${plural(errors.length, "finding")}`)) +
        st.gray("  — the check could not run; the reason says why (often a missing permission)"),
    );
    for (const g of byCheck(errors)) lines.push(...checkLines(g, st, max, multiAccount));
  }

  const manual = report.findings.filter((f) => f.status === "MANUAL");
  if (manual.length > 0) {
    lines.push("", st.bold(st.blue(`Manual review  ${plural(manual.length, "finding")}`)));
    for (const g of byCheck(manual)) lines.push(...checkLines(g, st, max, multiAccount));
  }
  return lines;
}

function passedSection(report: ScanReport, st: Style, options: TableOptions, max: number): string[] {
  const passed = report.findings.filter((f) => f.status === "PASS");
  if (passed.length === 0) return [];
  const groups = byCheck(passed);
  if (!options.showPassed) {
    return [
      "",
      st.gray(`Passed: ${plural(passed.length, "finding")} across ${plural(groups.length, "check")}.`),
    ];
  }
  const lines = ["", st.bold(st.green(`PASSED  ${plural(passed.length, "finding")}`))];
  for (const g of groups) lines.push(...checkLines(g, st, max, false));
  return lines;
}

/** The terminal summary of a scan. */
export function renderTable(report: ScanReport, options: TableOptions): string {
  const st = ansi(options.color);
  const max = Math.max(1, options.maxResources ?? 5);
  const gaps = gapsSection(report, st);
  const organization = organizationSection(report, st);
  const lines = [
    ...header(report, st),
    "",
    ...scoresSection(report, st),
    ...(organization.length > 0 ? ["", ...organization] : []),
    "",
    ...severitySection(report, st),
    ...(gaps.length > 0 ? ["", ...gaps] : []),
    ...findingsSection(report, st, max),
    ...passedSection(report, st, options, max),
    "",
    st.gray(llmLine(report.scan.llm)),
  ];
  const width = options.width;
  const out = width && width > 0 ? lines.map((l) => truncateLine(l, width, options.color)) : lines;
  return `${out.join("\n")}\n`;
}
