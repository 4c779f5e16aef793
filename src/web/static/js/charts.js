/**
 * Charts as inline SVG built element by element (no library, no HTML strings). Each chart is an image with a
 * title and a description for screen readers, and comes with the same numbers as a table (in a <details>),
 * so nothing is told by color alone.
 */
import { h, s, tableWrap, uid } from "./dom.js";
import { SEVERITIES } from "./format.js";

/** Line colors, each with a dash pattern so that lines differ without color too. */
export const SERIES = [
  { color: "#1d4ed8", dash: "" },
  { color: "#b91c1c", dash: "6 3" },
  { color: "#047857", dash: "2 3" },
  { color: "#7e22ce", dash: "8 3 2 3" },
  { color: "#a16207", dash: "4 4" },
  { color: "#0f766e", dash: "1 2" },
  { color: "#9d174d", dash: "10 2" },
  { color: "#374151", dash: "3 1" },
];

/** On a narrow screen the charts are drawn narrower, so that their text is not scaled down to nothing. */
function compact() {
  return typeof window !== "undefined" && window.matchMedia("(max-width: 640px)").matches;
}

function frame(title, description, width, height, ...children) {
  const titleId = uid("chart-title");
  const descId = uid("chart-desc");
  return s(
    "svg",
    {
      viewBox: `0 0 ${width} ${height}`,
      class: "chart",
      role: "img",
      "aria-labelledby": `${titleId} ${descId}`,
      preserveAspectRatio: "xMidYMid meet",
    },
    s("title", { id: titleId }, title),
    s("desc", { id: descId }, description),
    ...children,
  );
}

/** The numbers behind a chart, as a table inside a closed <details>. */
function dataTable(caption, head, rows) {
  return h(
    "details",
    { class: "chart-data" },
    h("summary", {}, "Show the numbers"),
    tableWrap(
      h(
        "table",
        {},
        h("caption", {}, caption),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            head.map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h(
          "tbody",
          {},
          rows.map((r) =>
            h(
              "tr",
              {},
              r.map((c, i) => (i === 0 ? h("th", { scope: "row" }, c) : h("td", {}, c))),
            ),
          ),
        ),
      ),
      caption,
    ),
  );
}

/**
 * Score per framework: one horizontal bar per framework (0-100 %), labelled with its id and value.
 * `items`: [{ id, label, score, passed, failed, manual }].
 */
export function scoreBars(items) {
  const row = 34;
  const labelW = compact() ? 112 : 150;
  const barW = compact() ? 180 : 360;
  const width = labelW + barW + 70;
  const height = Math.max(row * items.length + 24, 60);
  const summary = items.map((i) => `${i.label} ${i.score}%`).join(", ");
  const grid = [0, 25, 50, 75, 100].map((p) => {
    const x = labelW + (barW * p) / 100;
    return s(
      "g",
      { class: "grid" },
      s("line", { x1: x, x2: x, y1: 0, y2: height - 18, stroke: "#d1d5db", "stroke-width": 1 }),
      s("text", { x, y: height - 4, "text-anchor": "middle", class: "axis" }, `${p}%`),
    );
  });
  const bars = items.map((item, i) => {
    const y = i * row + 6;
    const w = Math.max((barW * Math.max(0, Math.min(100, item.score))) / 100, 1.5);
    return s(
      "g",
      {},
      s("text", { x: labelW - 8, y: y + 16, "text-anchor": "end", class: "label" }, item.label),
      s("rect", { x: labelW, y, width: barW, height: 22, fill: "#eef2f7", rx: 3 }),
      s(
        "rect",
        { x: labelW, y, width: w, height: 22, fill: scoreColor(item.score), rx: 3 },
        s(
          "title",
          {},
          `${item.label}: ${item.score}% (${item.passed} passed, ${item.failed} failed controls)`,
        ),
      ),
      s("text", { x: labelW + barW + 8, y: y + 16, class: "value" }, `${item.score}%`),
    );
  });
  return h(
    "figure",
    { class: "chart-figure" },
    frame(
      "Score per framework",
      `Percentage of decided automated controls that pass: ${summary}.`,
      width,
      height,
      ...grid,
      ...bars,
    ),
    dataTable(
      "Score per framework",
      ["Framework", "Score", "Passed controls", "Failed controls", "Manual controls"],
      items.map((i) => [i.label, `${i.score}%`, i.passed, i.failed, i.manual]),
    ),
  );
}

/** Dark enough on the light track for 3:1 contrast, and ordered from bad to good. */
function scoreColor(score) {
  if (score >= 80) return "#047857";
  if (score >= 50) return "#a16207";
  return "#b91c1c";
}

/** Failed and passed findings per severity, as stacked horizontal bars. `bySeverity`: { high: {passed, failed} }. */
export function severityBars(bySeverity) {
  const rows = SEVERITIES.map((sev) => ({
    sev,
    failed: bySeverity?.[sev]?.failed ?? 0,
    passed: bySeverity?.[sev]?.passed ?? 0,
  }));
  const max = Math.max(1, ...rows.map((r) => r.failed + r.passed));
  const row = 30;
  const labelW = compact() ? 96 : 110;
  const barW = compact() ? 190 : 380;
  const width = labelW + barW + 90;
  const height = row * rows.length + 30;
  const bars = rows.map((r, i) => {
    const y = i * row + 4;
    const wf = (barW * r.failed) / max;
    const wp = (barW * r.passed) / max;
    return s(
      "g",
      {},
      s("text", { x: labelW - 8, y: y + 15, "text-anchor": "end", class: "label" }, r.sev),
      s(
        "rect",
        { x: labelW, y, width: Math.max(wf, 0), height: 20, fill: "#b91c1c" },
        s("title", {}, `${r.sev}: ${r.failed} failed`),
      ),
      s(
        "rect",
        { x: labelW + wf, y, width: Math.max(wp, 0), height: 20, fill: "#7c8799" },
        s("title", {}, `${r.sev}: ${r.passed} passed`),
      ),
      s("text", { x: labelW + wf + wp + 6, y: y + 15, class: "value" }, `${r.failed} failed`),
    );
  });
  const legendY = height - 10;
  const legend = s(
    "g",
    { class: "legend" },
    s("rect", { x: labelW, y: legendY - 10, width: 12, height: 12, fill: "#b91c1c" }),
    s("text", { x: labelW + 18, y: legendY, class: "axis" }, "failed"),
    s("rect", {
      x: labelW + 80,
      y: legendY - 10,
      width: 12,
      height: 12,
      fill: "#7c8799",
    }),
    s("text", { x: labelW + 98, y: legendY, class: "axis" }, "passed"),
  );
  const summary = rows.map((r) => `${r.sev}: ${r.failed} failed, ${r.passed} passed`).join("; ");
  return h(
    "figure",
    { class: "chart-figure" },
    frame("Findings by severity", summary, width, height, ...bars, legend),
    dataTable(
      "Findings by severity",
      ["Severity", "Failed", "Passed"],
      rows.map((r) => [r.sev, r.failed, r.passed]),
    ),
  );
}

/**
 * Score per framework across completed scans, oldest first. `items`: the trend API's items; `frameworks`: the
 * ids to draw (one line each).
 */
export function trendChart(items, frameworks) {
  const width = compact() ? 420 : 960;
  const height = compact() ? 240 : 280;
  const left = 44;
  const right = 16;
  const top = 12;
  const bottom = 40;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const n = items.length;
  const x = (i) => (n <= 1 ? left + plotW / 2 : left + (plotW * i) / (n - 1));
  const y = (v) => top + plotH - (plotH * Math.max(0, Math.min(100, v))) / 100;
  const grid = [0, 25, 50, 75, 100].map((p) =>
    s(
      "g",
      { class: "grid" },
      s("line", { x1: left, x2: width - right, y1: y(p), y2: y(p), stroke: "#e5e7eb", "stroke-width": 1 }),
      s("text", { x: left - 6, y: y(p) + 4, "text-anchor": "end", class: "axis" }, `${p}%`),
    ),
  );
  const step = Math.max(1, Math.ceil(n / 6));
  const xLabels = items.map((it, i) =>
    i % step === 0 || i === n - 1
      ? s(
          "text",
          {
            x: x(i),
            y: height - bottom + 16,
            // The first and last labels stay inside the chart.
            "text-anchor": n > 1 && i === 0 ? "start" : n > 1 && i === n - 1 ? "end" : "middle",
            class: "axis",
          },
          shortDate(it.completedAt ?? it.startedAt),
        )
      : null,
  );
  const lines = frameworks.map((fw, k) => {
    const style = SERIES[k % SERIES.length];
    const points = items
      .map((it, i) =>
        typeof it.scores?.[fw] === "number" ? [x(i), y(it.scores[fw]), it.scores[fw], it] : null,
      )
      .filter(Boolean);
    const d = points
      .map(([px, py], i) => `${i === 0 ? "M" : "L"}${px.toFixed(1)},${py.toFixed(1)}`)
      .join(" ");
    return s(
      "g",
      { class: "series" },
      points.length > 1
        ? s("path", {
            d,
            fill: "none",
            stroke: style.color,
            "stroke-width": 2.5,
            "stroke-dasharray": style.dash || null,
          })
        : null,
      points.map(([px, py, v, it]) =>
        s(
          "circle",
          { cx: px, cy: py, r: 4, fill: style.color },
          s("title", {}, `${fw}: ${v}% in ${it.scanId}`),
        ),
      ),
    );
  });
  const summary = frameworks
    .map((fw) => {
      const values = items.map((it) => it.scores?.[fw]).filter((v) => typeof v === "number");
      if (values.length === 0) return `${fw}: no score`;
      return `${fw}: from ${values[0]}% to ${values[values.length - 1]}%`;
    })
    .join("; ");
  const legend = h(
    "ul",
    { class: "legend-list" },
    frameworks.map((fw, k) => {
      const style = SERIES[k % SERIES.length];
      return h(
        "li",
        {},
        s(
          "svg",
          { viewBox: "0 0 28 10", width: 28, height: 10, "aria-hidden": "true", focusable: "false" },
          s("line", {
            x1: 0,
            x2: 28,
            y1: 5,
            y2: 5,
            stroke: style.color,
            "stroke-width": 3,
            "stroke-dasharray": style.dash || null,
          }),
        ),
        fw,
      );
    }),
  );
  return h(
    "figure",
    { class: "chart-figure" },
    frame(
      "Score trend across scans",
      `${n} completed scan${n === 1 ? "" : "s"}, oldest first. ${summary}.`,
      width,
      height,
      ...grid,
      ...xLabels,
      ...lines,
    ),
    legend,
    dataTable(
      "Score per scan",
      ["Scan", "Completed", ...frameworks],
      items.map((it) => [
        it.scanId,
        shortDate(it.completedAt ?? it.startedAt),
        ...frameworks.map((fw) => (typeof it.scores?.[fw] === "number" ? `${it.scores[fw]}%` : "—")),
      ]),
    ),
  );
}

function shortDate(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return "";
  return d.toLocaleString(undefined, { month: "short", day: "numeric", hour: "2-digit", minute: "2-digit" });
}
