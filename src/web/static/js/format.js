/** Small presentational helpers shared by the views. */
import { h } from "./dom.js";

export const SEVERITIES = ["critical", "high", "medium", "low", "informational"];
export const FINDING_STATUSES = ["FAIL", "ERROR", "MANUAL", "PASS"];

/** `2026-11-26T07:06:50Z` → a local date and time; empty for null. */
export function when(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  return d.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A <time> element with the exact time in its datetime attribute. */
export function time(iso) {
  if (!iso) return h("span", { class: "muted" }, "—");
  return h("time", { datetime: iso, title: iso }, when(iso));
}

export function duration(fromIso, toIso) {
  if (!fromIso || !toIso) return "";
  const ms = Date.parse(toIso) - Date.parse(fromIso);
  if (!Number.isFinite(ms) || ms < 0) return "";
  if (ms < 1000) return `${ms} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(1)} s`;
  return `${Math.floor(ms / 60_000)} min ${Math.round((ms % 60_000) / 1000)} s`;
}

/** A badge whose meaning is in its text, with color as a second cue only. */
export function severityBadge(severity) {
  return h("span", { class: `badge sev-${cssToken(severity)}` }, severity ?? "unknown");
}

export function statusBadge(status) {
  return h(
    "span",
    { class: `badge st-${cssToken(status)}` },
    String(status ?? "unknown").replaceAll("_", " "),
  );
}

/** Keeps a class name to letters, digits and dashes whatever the data says. */
export function cssToken(value) {
  return String(value ?? "")
    .toLowerCase()
    .replace(/[^a-z0-9-]/g, "-");
}

export function number(n) {
  return typeof n === "number" ? n.toLocaleString() : "—";
}

export function percent(n) {
  return typeof n === "number" ? `${n.toFixed(n % 1 === 0 ? 0 : 1)}%` : "—";
}

/** A finding's or resource's display name. */
export function resourceLabel(f) {
  return f.resourceName || f.resourceId || f.resourceArn || "(unnamed)";
}

export const findingHref = (id, scanId) =>
  `#/finding/${encodeURIComponent(id)}${scanId ? `?scanId=${encodeURIComponent(scanId)}` : ""}`;
export const resourceHref = (arn) => `#/resource/${encodeURIComponent(arn)}`;
export const scanHref = (id) => `#/scans/${encodeURIComponent(id)}`;
export const approvalHref = (id) => `#/approvals/${encodeURIComponent(id)}`;
export const frameworkHref = (id, control) =>
  `#/frameworks/${encodeURIComponent(id)}${control ? `?control=${encodeURIComponent(control)}` : ""}`;

/** `#/findings?framework=x&severity=a,b` from a filter object (empty values left out). */
export function findingsHref(filters = {}) {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(filters)) {
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    q.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  const text = q.toString();
  return `#/findings${text ? `?${text}` : ""}`;
}

/** Orders by severity, worst first. */
export function bySeverity(a, b) {
  return SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity);
}
