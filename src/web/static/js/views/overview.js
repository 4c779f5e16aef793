/** Posture at a glance: score per framework, severity breakdown, trend, top failing controls, coverage gaps. */
import { ApiError, can, get, post } from "../api.js";
import { scoreBars, severityBars, trendChart } from "../charts.js";
import { h, replace, tableWrap } from "../dom.js";
import {
  approvalHref,
  findingsHref,
  number,
  percent,
  SEVERITIES,
  scanHref,
  severityBadge,
  time,
} from "../format.js";
import { busy, emptyState, errorState, loading, notify, pageHeader, section } from "../ui.js";

export function overviewView(container, _params, _query, { go }) {
  const body = h("div", { class: "stack" });
  replace(container, pageHeader("Posture overview"), body);
  const controller = new AbortController();

  const load = async () => {
    body.setAttribute("aria-busy", "true");
    replace(body, loading("Loading the posture"));
    try {
      const [posture, trend, active, pending] = await Promise.all([
        get("/posture", undefined, controller.signal).catch((error) => {
          if (error instanceof ApiError && error.status === 404) return null;
          throw error;
        }),
        get("/posture/trend", { limit: 30 }, controller.signal),
        get("/scans", { status: "running,awaiting_approval", limit: 5 }, controller.signal),
        get("/approvals", { limit: 500 }, controller.signal).catch(() => ({ items: [] })),
      ]);
      const banners = activity(active.items, pending.items);
      if (!posture) {
        replace(body, banners, noScanYet(go));
        return;
      }
      const detail = await get(`/scans/${encodeURIComponent(posture.scanId)}`, undefined, controller.signal);
      replace(body, banners, render(posture, trend.items, detail.scan));
    } catch (error) {
      if (error?.name === "AbortError") return;
      replace(body, errorState(error, load));
    } finally {
      body.removeAttribute("aria-busy");
    }
  };
  void load();
  return () => controller.abort();
}

function activity(running, approvals) {
  const items = [];
  for (const scan of running) {
    items.push(
      h(
        "li",
        {},
        scan.status === "running" ? "Scan running: " : "Scan waiting for approvals: ",
        h("a", { href: scanHref(scan.id) }, scan.id),
      ),
    );
  }
  if (approvals.length > 0) {
    items.push(
      h(
        "li",
        {},
        h(
          "a",
          { href: "#/approvals" },
          `${approvals.length} remediation request${approvals.length === 1 ? "" : "s"}`,
        ),
        " waiting for a decision",
        approvals.length === 1
          ? h("span", {}, " (", h("a", { href: approvalHref(approvals[0].id) }, approvals[0].title), ")")
          : null,
      ),
    );
  }
  return items.length ? h("div", { class: "banner", role: "status" }, h("ul", {}, items)) : null;
}

function noScanYet(go) {
  const actions = [];
  if (can("operator")) {
    const button = h(
      "button",
      {
        type: "button",
        class: "button button-primary",
        onclick: () =>
          busy(button, async () => {
            try {
              const scan = await post("/scans", { demo: true });
              notify(`Scan ${scan.id} started`);
              go(scanHref(scan.id));
            } catch (error) {
              notify(`The scan did not start: ${error.message}`, "error");
            }
          }),
      },
      "Scan the sample account",
    );
    actions.push(button);
  }
  actions.push(h("a", { href: "#/scans", class: "button" }, "Go to scans"));
  return emptyState(
    can("operator")
      ? "No completed scan yet. Scan the bundled sample account to see how a posture looks, or start a scan of your own account from the Scans page."
      : "No completed scan yet. Ask an operator to run one; the posture appears here when it completes.",
    ...actions,
  );
}

function render(posture, trendItems, scan) {
  const totals = posture.summary.totals;
  const frameworks = posture.frameworks.map((f) => f.id);
  const scores = posture.frameworks
    .filter((f) => posture.scores[f.id])
    .map((f) => ({
      id: f.id,
      label: f.id,
      controls: f.controls,
      automatedControls: f.automatedControls,
      ...posture.scores[f.id],
    }));

  const kpis = h(
    "ul",
    { class: "kpis", "aria-label": "Totals of the latest scan" },
    kpi("Findings", totals.findings),
    kpi("Failed", totals.failed, "bad"),
    kpi("Passed", totals.passed, "good"),
    kpi("Errors (could not read)", totals.errors, totals.errors ? "warn" : ""),
    kpi("Suppressed", totals.suppressed),
  );

  const scanFacts = h(
    "p",
    { class: "lede" },
    "Latest completed scan ",
    h("a", { href: scanHref(scan.id) }, scan.id),
    ", completed ",
    time(scan.completedAt),
    ` · ${scan.source} · ${scan.accounts.length} account${scan.accounts.length === 1 ? "" : "s"} (${scan.accounts.join(", ")}) · ${scan.regions.length} region${scan.regions.length === 1 ? "" : "s"} · ${number(scan.resourceCount)} resources`,
  );

  return h(
    "div",
    { class: "stack" },
    scanFacts,
    kpis,
    h(
      "div",
      { class: "grid-2" },
      section(
        "Score per framework",
        scores.length
          ? h("div", {}, scoreBars(scores), automationList(scores), frameworkLinks(scores))
          : emptyState("This scan scored no framework."),
      ),
      section(
        "Findings by severity",
        h("div", {}, severityBars(posture.summary.bySeverity), severityLinks(posture.summary.bySeverity)),
      ),
    ),
    section(
      "Trend across scans",
      trendItems.length
        ? trendChart(trendItems, frameworks)
        : emptyState("The trend appears once scans complete."),
    ),
    h(
      "div",
      { class: "grid-2" },
      section("Top failing controls", topControls(posture.controls)),
      section("Coverage gaps of the latest scan", coverageGaps(scan.coverageGaps)),
    ),
    section("By service", byService(posture.summary.byService)),
  );
}

function kpi(label, value, tone = "") {
  return h(
    "li",
    { class: `kpi ${tone}`.trim() },
    h("span", { class: "kpi-value" }, number(value)),
    h("span", { class: "kpi-label" }, label),
  );
}

/** "N of M controls automated" beside each score: the score covers the automated controls only. */
function automationList(scores) {
  return h(
    "ul",
    { class: "small automation", "aria-label": "Controls automated per framework" },
    scores.map((s) =>
      h(
        "li",
        { "data-framework": s.id },
        h("strong", {}, s.id),
        ` ${percent(s.score)} · ${number(s.automatedControls)} of ${number(s.controls)} controls automated`,
        s.controls > s.automatedControls
          ? `, ${number(s.controls - s.automatedControls)} manual (not in the score)`
          : "",
      ),
    ),
  );
}

function frameworkLinks(scores) {
  return h(
    "p",
    { class: "small" },
    "Failing findings by framework: ",
    scores.map((s, i) => [
      i ? ", " : "",
      h("a", { href: findingsHref({ framework: s.id, status: "FAIL" }) }, s.id),
    ]),
  );
}

function severityLinks(bySeverity) {
  return h(
    "p",
    { class: "small" },
    "Failing findings: ",
    SEVERITIES.map((sev, i) => [
      i ? ", " : "",
      h(
        "a",
        { href: findingsHref({ severity: sev, status: "FAIL" }) },
        `${sev} (${bySeverity?.[sev]?.failed ?? 0})`,
      ),
    ]),
  );
}

function topControls(controls) {
  const failing = controls
    .filter((c) => c.status === "FAIL")
    .sort(
      (a, b) =>
        SEVERITIES.indexOf(a.worstSeverity ?? "informational") -
          SEVERITIES.indexOf(b.worstSeverity ?? "informational") || b.failed - a.failed,
    )
    .slice(0, 10);
  if (failing.length === 0) return emptyState("No control fails in this scan.");
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "The ten failing controls with the worst severity"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Control"),
          h("th", { scope: "col" }, "Title"),
          h("th", { scope: "col" }, "Failed"),
          h("th", { scope: "col" }, "Worst"),
        ),
      ),
      h(
        "tbody",
        {},
        failing.map((c) =>
          h(
            "tr",
            {},
            h(
              "th",
              { scope: "row" },
              h(
                "a",
                { href: findingsHref({ framework: c.framework, control: c.controlId, status: "FAIL" }) },
                `${c.framework} ${c.controlId}`,
              ),
            ),
            h("td", {}, c.title),
            h("td", { class: "num" }, number(c.failed)),
            h("td", {}, c.worstSeverity ? severityBadge(c.worstSeverity) : "—"),
          ),
        ),
      ),
    ),
    "Top failing controls",
  );
}

function coverageGaps(gaps) {
  if (!gaps?.length) {
    return emptyState("No coverage gaps: every service in every region was read.");
  }
  return h(
    "div",
    {},
    h(
      "p",
      { class: "small" },
      "These services could not be read. Their resources are missing from the scan, so their checks neither pass nor fail.",
    ),
    tableWrap(
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, "Coverage gaps"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            h("th", { scope: "col" }, "Service"),
            h("th", { scope: "col" }, "Region"),
            h("th", { scope: "col" }, "Error"),
          ),
        ),
        h(
          "tbody",
          {},
          gaps.map((g) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, g.service),
              h("td", {}, g.region),
              h("td", {}, g.code ? `${g.code}: ${g.error}` : g.error),
            ),
          ),
        ),
      ),
      "Coverage gaps",
    ),
  );
}

function byService(services) {
  const rows = Object.entries(services ?? {}).filter(([, v]) => v.passed + v.failed > 0);
  if (rows.length === 0) return emptyState("No service had findings.");
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Findings by service"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          h("th", { scope: "col" }, "Service"),
          h("th", { scope: "col" }, "Passed"),
          h("th", { scope: "col" }, "Failed"),
          h("th", { scope: "col" }, "Pass rate"),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map(([service, v]) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, h("a", { href: findingsHref({ service, status: "FAIL" }) }, service)),
            h("td", { class: "num" }, number(v.passed)),
            h("td", { class: "num" }, number(v.failed)),
            h("td", { class: "num" }, percent(v.score)),
          ),
        ),
      ),
    ),
    "Findings by service",
  );
}
