/**
 * The findings explorer (filters, search, grouping) and one finding: the evidence that decided its verdict,
 * the explanation and fix, its history, and suppressing it with a reason, an owner and an expiry.
 */
import { ApiError, can, get, post } from "../api.js";
import { h, jsonBlock, replace, tableWrap, uid } from "../dom.js";
import {
  FINDING_STATUSES,
  findingHref,
  findingsHref,
  frameworkHref,
  number,
  resourceHref,
  resourceLabel,
  SEVERITIES,
  scanHref,
  severityBadge,
  statusBadge,
  time,
  when,
} from "../format.js";
import {
  async,
  busy,
  emptyState,
  errorState,
  facts,
  field,
  formMessage,
  loading,
  notify,
  pageHeader,
  section,
} from "../ui.js";

/** Findings loaded per explorer view at most (search and grouping run over what is loaded). */
const LOAD_CAP = 2000;
const PAGE = 500;
/** Rows shown at first in a table (and added per "show more"). */
const SHOWN = 50;

/**
 * How a finding stands against suppressions, as the API computed it: `suppressed` (in the scan), `pending`
 * (a suppression made after the scan covers it: it leaves the score from the next scan on), or null.
 */
function suppressionState(f) {
  if (f.suppressed) return { state: "suppressed", suppression: f.suppression };
  return f.pendingSuppression ? { state: "pending", suppression: f.pendingSuppression } : null;
}

function suppressionMark(st) {
  if (!st) return null;
  return st.state === "suppressed"
    ? h("span", { class: "badge badge-suppressed", title: st.suppression?.reason ?? "" }, "Suppressed")
    : h(
        "span",
        {
          class: "badge badge-suppressed pending",
          title: "A suppression covers this finding from the next scan on",
        },
        "Suppressed from next scan",
      );
}

function readFilters(query) {
  const list = (k) =>
    (query.get(k) ?? "")
      .split(",")
      .map((x) => x.trim())
      .filter(Boolean);
  return {
    scanId: query.get("scanId") ?? "",
    framework: query.get("framework") ?? "",
    control: query.get("control") ?? "",
    severity: list("severity").filter((x) => SEVERITIES.includes(x)),
    // No status parameter means the failing ones; `any` means every status.
    status: query.has("status") ? list("status").filter((x) => FINDING_STATUSES.includes(x)) : ["FAIL"],
    service: query.get("service") ?? "",
    suppressed: query.get("suppressed") ?? "",
    q: query.get("q") ?? "",
    group: query.get("group") ?? "",
  };
}

export function findingsView(container, _params, query, { go }) {
  const filters = readFilters(query);
  const results = h("div", { class: "results" });
  const controller = new AbortController();
  replace(
    container,
    pageHeader("Findings"),
    h("div", { class: "explorer" }, filterBox(filters, go), h("div", { class: "stack" }, results)),
  );

  const load = async () => {
    results.setAttribute("aria-busy", "true");
    replace(results, loading("Loading findings"));
    try {
      const { items, total, scanId } = await loadFindings(filters, controller.signal);
      replace(results, renderResults(items, total, scanId, filters));
    } catch (error) {
      if (error?.name === "AbortError") return;
      if (error instanceof ApiError && error.status === 404 && !filters.scanId) {
        replace(
          results,
          emptyState(
            "No completed scan yet: findings appear here once a scan completes.",
            h("a", { href: "#/scans", class: "button" }, "Go to scans"),
          ),
        );
      } else {
        replace(results, errorState(error, load));
      }
    } finally {
      results.removeAttribute("aria-busy");
    }
  };
  void load();
  return () => controller.abort();
}

async function loadFindings(filters, signal) {
  const query = {
    scanId: filters.scanId || undefined,
    framework: filters.framework || undefined,
    control: filters.framework && filters.control ? filters.control : undefined,
    severity: filters.severity,
    status: filters.status,
    service: filters.service || undefined,
    limit: PAGE,
  };
  const items = [];
  let total = 0;
  let scanId = null;
  for (let offset = 0; offset < LOAD_CAP; offset += PAGE) {
    const page = await get("/findings", { ...query, offset }, signal);
    items.push(...page.items);
    total = page.total;
    scanId = page.scanId;
    if (items.length >= total || page.items.length === 0) break;
  }
  return { items, total, scanId };
}

/** The filters, folded away on a phone (the results come first there) and open elsewhere. */
function filterBox(filters, go) {
  const active = [
    filters.framework,
    filters.control,
    filters.service,
    filters.suppressed,
    filters.q,
    filters.group,
    ...filters.severity,
  ].filter(Boolean).length;
  return h(
    "details",
    { class: "filter-box", open: !window.matchMedia("(max-width: 900px)").matches },
    h(
      "summary",
      {},
      h("h2", { class: "card-title" }, "Filters"),
      active ? h("span", { class: "sub" }, `${active} set`) : null,
    ),
    filterForm(filters, go),
  );
}

function filterForm(filters, go) {
  const framework = h(
    "select",
    { name: "framework", class: "input" },
    h("option", { value: "" }, "All frameworks"),
  );
  get("/frameworks")
    .then((list) => {
      for (const f of list.items) {
        framework.append(
          h("option", { value: f.id, selected: f.id === filters.framework }, `${f.id} — ${f.name}`),
        );
      }
    })
    .catch(() => {
      if (filters.framework)
        framework.append(h("option", { value: filters.framework, selected: true }, filters.framework));
    });
  const control = h("input", {
    type: "text",
    name: "control",
    class: "input",
    value: filters.control,
    autocomplete: "off",
  });
  const service = h(
    "select",
    { name: "service", class: "input" },
    h("option", { value: "" }, "All services"),
    filters.service ? h("option", { value: filters.service, selected: true }, filters.service) : null,
  );
  // The services are those the latest scan judged (its posture by service), so new collectors need no change here.
  get("/posture")
    .then((posture) => (posture?.scanId ? get(`/scans/${encodeURIComponent(posture.scanId)}`) : null))
    .then((detail) => {
      const names = Object.keys(detail?.summary?.byService ?? {}).sort();
      if (filters.service && !names.includes(filters.service)) names.push(filters.service);
      replace(
        service,
        h("option", { value: "" }, "All services"),
        names.map((s) => h("option", { value: s, selected: s === filters.service }, s)),
      );
    })
    .catch(() => {
      // Without a scan there is nothing to filter by service; a service given in the address still applies.
    });
  const suppressed = h(
    "select",
    { name: "suppressed", class: "input" },
    h("option", { value: "" }, "Shown"),
    h("option", { value: "false", selected: filters.suppressed === "false" }, "Hidden"),
    h("option", { value: "true", selected: filters.suppressed === "true" }, "Only suppressed"),
  );
  const search = h("input", {
    type: "search",
    name: "q",
    class: "input",
    value: filters.q,
    autocomplete: "off",
    placeholder: "title, check, resource, reason",
  });
  const group = h(
    "select",
    { name: "group", class: "input" },
    [
      ["", "No grouping"],
      ["control", "Control"],
      ["resource", "Resource"],
      ["service", "Service"],
    ].map(([v, l]) => h("option", { value: v, selected: v === filters.group }, l)),
  );
  const checks = (name, values, chosen) =>
    h(
      "div",
      { class: "checks" },
      values.map((v) => {
        const id = uid(name);
        return h(
          "span",
          { class: "check" },
          h("input", { type: "checkbox", id, name, value: v, checked: chosen.includes(v) }),
          h("label", { for: id }, v),
        );
      }),
    );
  const form = h(
    "form",
    {
      class: "filters",
      "aria-label": "Filter findings",
      onsubmit: (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const status = data.getAll("status");
        go(
          findingsHref({
            scanId: filters.scanId,
            framework: data.get("framework"),
            control: data.get("framework") ? data.get("control")?.toString().trim() : "",
            severity: data.getAll("severity"),
            // Every box unchecked: any status.
            status: status.length ? status : ["any"],
            service: data.get("service"),
            suppressed: data.get("suppressed"),
            q: data.get("q")?.toString().trim(),
            group: data.get("group"),
          }),
        );
      },
    },
    filters.scanId
      ? h(
          "p",
          { class: "small" },
          "Scan ",
          h("a", { href: scanHref(filters.scanId) }, filters.scanId),
          " · ",
          h("a", { href: findingsHref({ ...filters, scanId: "" }) }, "latest scan instead"),
        )
      : h("p", { class: "small muted" }, "Latest completed scan"),
    field("Search", search),
    field("Framework", framework),
    field("Control id", control, "Needs a framework, e.g. 2.1.4"),
    h("fieldset", {}, h("legend", {}, "Severity"), checks("severity", SEVERITIES, filters.severity)),
    h("fieldset", {}, h("legend", {}, "Status"), checks("status", FINDING_STATUSES, filters.status)),
    field("Service", service),
    field("Suppressed findings", suppressed),
    field("Group by", group),
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "submit", class: "button button-primary" }, "Apply filters"),
      h("a", { class: "button", href: "#/findings" }, "Reset"),
    ),
  );
  return form;
}

function matchesSearch(f, q) {
  if (!q) return true;
  const hay = [f.title, f.checkId, f.resourceName, f.resourceId, f.resourceArn, f.reason, f.resourceType]
    .join("\n")
    .toLowerCase();
  return q
    .toLowerCase()
    .split(/\s+/)
    .filter(Boolean)
    .every((word) => hay.includes(word));
}

function renderResults(items, total, scanId, filters) {
  const rows = items
    .map((f) => ({ f, sup: suppressionState(f) }))
    .filter(({ f, sup }) => {
      if (filters.suppressed === "true" && !sup) return false;
      if (filters.suppressed === "false" && sup) return false;
      return matchesSearch(f, filters.q);
    });
  const truncated = total > items.length;
  const count = h(
    "p",
    { class: "result-count", role: "status" },
    `${number(rows.length)} finding${rows.length === 1 ? "" : "s"}`,
    filters.q || filters.suppressed ? ` of ${number(items.length)} loaded` : "",
    truncated
      ? ` (the first ${number(items.length)} of ${number(total)} — narrow the filters to see the rest)`
      : "",
    scanId ? [" in scan ", h("a", { href: scanHref(scanId) }, scanId)] : "",
  );
  if (rows.length === 0) {
    return h(
      "div",
      {},
      count,
      emptyState(
        "No finding matches these filters.",
        h("a", { href: "#/findings", class: "button" }, "Reset the filters"),
      ),
    );
  }
  if (!filters.group) return h("div", {}, count, pagedTable(rows, scanId, "Findings"));
  const groups = new Map();
  const add = (key, label, row, href) => {
    let g = groups.get(key);
    if (!g) {
      g = { label, href, rows: [] };
      groups.set(key, g);
    }
    g.rows.push(row);
  };
  for (const row of rows) {
    const f = row.f;
    if (filters.group === "control") {
      const refs = (f.frameworks ?? []).filter(
        (r) => !filters.framework || r.framework === filters.framework,
      );
      if (refs.length === 0) add("(none)", "No framework control", row);
      for (const r of refs)
        add(
          `${r.framework} ${r.controlId}`,
          `${r.framework} ${r.controlId}`,
          row,
          frameworkHref(r.framework, r.controlId),
        );
    } else if (filters.group === "resource") {
      add(f.resourceArn, `${resourceLabel(f)} (${f.resourceType})`, row, resourceHref(f.resourceArn));
    } else {
      add(f.service, f.service, row);
    }
  }
  const sorted = [...groups.entries()].sort(
    (a, b) =>
      b[1].rows.filter((r) => r.f.status === "FAIL").length -
        a[1].rows.filter((r) => r.f.status === "FAIL").length || a[0].localeCompare(b[0]),
  );
  return h(
    "div",
    {},
    count,
    h("p", { class: "small" }, `${number(sorted.length)} groups by ${filters.group}.`),
    sorted.map(([, g], i) => {
      const failed = g.rows.filter((r) => r.f.status === "FAIL").length;
      return h(
        "details",
        { class: "group", open: i < 5 },
        h(
          "summary",
          {},
          h("span", { class: "group-label" }, g.label),
          h(
            "span",
            { class: "group-count" },
            `${g.rows.length} finding${g.rows.length === 1 ? "" : "s"}, ${failed} failed`,
          ),
        ),
        g.href
          ? h(
              "p",
              { class: "small" },
              h(
                "a",
                { href: g.href },
                filters.group === "control" ? "About this control" : "Open the resource",
              ),
            )
          : null,
        pagedTable(g.rows, scanId, g.label),
      );
    }),
  );
}

/** The first rows of a long list, and a button that shows more (focus moves to the first new row). */
function pagedTable(rows, scanId, caption) {
  const wrap = h("div", {});
  const table = findingTable(rows.slice(0, SHOWN), scanId, caption);
  wrap.append(table);
  let shown = SHOWN;
  if (rows.length > shown) {
    const more = h("button", { type: "button", class: "button more" });
    const label = () => {
      more.textContent = `Show ${Math.min(SHOWN, rows.length - shown)} more (${rows.length - shown} not shown)`;
    };
    label();
    more.addEventListener("click", () => {
      const tbody = table.querySelector("tbody");
      const next = rows.slice(shown, shown + SHOWN);
      const added = next.map((row) => findingRow(row, scanId));
      tbody.append(...added);
      shown += next.length;
      added[0]?.querySelector("a")?.focus();
      if (shown >= rows.length) more.remove();
      else label();
    });
    wrap.append(more);
  }
  return wrap;
}

/**
 * The findings as a table. Explicit table roles keep its semantics on phones, where CSS lays each row out as a
 * small card (a `display` change would otherwise drop them in some browsers).
 */
function findingTable(rows, scanId, caption) {
  return tableWrap(
    h(
      "table",
      { class: "findings-table", role: "table" },
      h("caption", { class: "sr-only" }, caption),
      h(
        "thead",
        { role: "rowgroup" },
        h(
          "tr",
          { role: "row" },
          ["Severity", "Status", "Finding", "Resource", "Region", "Service"].map((c) =>
            h("th", { scope: "col", role: "columnheader" }, c),
          ),
        ),
      ),
      h(
        "tbody",
        { role: "rowgroup" },
        rows.map((row) => findingRow(row, scanId)),
      ),
    ),
    caption,
  );
}

function findingRow({ f, sup }, scanId) {
  return h(
    "tr",
    { "data-finding-id": f.id, role: "row" },
    h("td", { role: "cell", class: "c-sev" }, severityBadge(f.severity)),
    h("td", { role: "cell", class: "c-status" }, statusBadge(f.status), " ", suppressionMark(sup)),
    h(
      "th",
      { scope: "row", role: "rowheader", class: "c-title" },
      h("a", { href: findingHref(f.id, scanId) }, f.title),
      h("span", { class: "sub" }, f.checkId),
    ),
    h(
      "td",
      { role: "cell", class: "c-resource" },
      h("a", { href: resourceHref(f.resourceArn) }, resourceLabel(f)),
      h("span", { class: "sub" }, f.resourceType),
    ),
    h("td", { role: "cell", class: "nowrap c-region" }, f.region),
    h("td", { role: "cell", class: "c-service" }, f.service),
  );
}

// ------------------------------------------------------------------------------------------- one finding

export function findingView(container, [id], query) {
  const scanId = query.get("scanId") ?? undefined;
  const body = h("div", { class: "stack" });
  replace(container, pageHeader("Finding"), body);
  async(
    body,
    () => get(`/findings/${encodeURIComponent(id)}`, { scanId }),
    (detail) => {
      const heading = container.querySelector("#page-title");
      if (heading) heading.textContent = detail.finding.title;
      document.title = `${detail.finding.title} · EnforceAI`;
      return renderFinding(detail);
    },
    "Loading the finding",
  );
  return undefined;
}

function renderFinding({ scanId, finding: f, life }) {
  const sup = suppressionState(f);
  const supBox = h("div", { class: "suppression-state", "aria-live": "polite" }, suppressionDetails(sup));
  return h(
    "div",
    { class: "stack" },
    h(
      "p",
      { class: "badges" },
      severityBadge(f.severity),
      " ",
      statusBadge(f.status),
      " ",
      suppressionMark(sup),
    ),
    h("p", { class: "verdict" }, h("strong", {}, "Verdict: "), f.reason),
    h(
      "div",
      { class: "grid-2" },
      section(
        "Resource",
        facts([
          ["Resource", h("a", { href: resourceHref(f.resourceArn) }, resourceLabel(f))],
          ["Type", f.resourceType],
          ["ARN", h("code", { class: "wrap" }, f.resourceArn)],
          ["Account", f.accountId],
          ["Region", f.region],
          ["Service", f.service],
          ["Check", h("code", {}, f.checkId)],
          ["Scan", h("a", { href: scanHref(scanId) }, scanId)],
        ]),
      ),
      section("Evidence: the configuration that decided the verdict", evidence(f)),
    ),
    section("Explanation and remediation", explanation(f)),
    h(
      "div",
      { class: "grid-2" },
      section("Framework controls", controls(f.frameworks)),
      section("Tags", tags(f.tags)),
    ),
    section("History across scans", history(life)),
    section(
      "Suppression",
      h("div", {}, supBox, can("operator") && f.status !== "PASS" ? suppressForm(f, supBox, !!sup) : null),
    ),
  );
}

function evidence(f) {
  const entries = Object.entries(f.evidence ?? {});
  if (entries.length === 0) {
    return emptyState("This check recorded no field values; the verdict above says what it looked at.");
  }
  return tableWrap(
    h(
      "table",
      { class: "evidence" },
      h("caption", { class: "sr-only" }, "Evidence fields and their values"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Field"), h("th", { scope: "col" }, "Value"))),
      h(
        "tbody",
        {},
        entries.map(([k, v]) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, h("code", {}, k)),
            h(
              "td",
              {},
              typeof v === "object" && v !== null
                ? jsonBlock(v, `value of ${k}`)
                : h("code", {}, JSON.stringify(v)),
            ),
          ),
        ),
      ),
    ),
    "Evidence",
  );
}

function explanation(f) {
  const e = f.explanation;
  if (!e) {
    return emptyState(
      f.status === "PASS"
        ? "Nothing to fix: the check passes."
        : "No explanation was written for this finding in this scan.",
    );
  }
  return h(
    "div",
    { class: "prose" },
    h(
      "p",
      { class: "small muted" },
      e.mode === "offline"
        ? "Written from templates (no model configured)."
        : `Written by ${e.model ?? e.mode}.`,
    ),
    h("h3", {}, "Why it matters"),
    h("p", {}, e.rationale),
    e.businessImpact ? h("p", {}, h("strong", {}, "Business impact: "), e.businessImpact) : null,
    h("h3", {}, "How to fix it"),
    e.fixSteps?.length
      ? h(
          "ol",
          {},
          e.fixSteps.map((step) => h("li", {}, step)),
        )
      : h("p", {}, "No steps given."),
    e.citations?.length
      ? h(
          "div",
          {},
          h("h3", {}, "Sources"),
          h(
            "ul",
            {},
            e.citations.map((c) =>
              h(
                "li",
                {},
                h(
                  "a",
                  { href: c.framework ? frameworkHref(c.framework, c.controlId) : "#/frameworks" },
                  `${c.framework ?? ""} ${c.controlId}`,
                ),
                c.source ? h("span", { class: "sub" }, ` (${c.source})`) : null,
              ),
            ),
          ),
        )
      : null,
    f.assessment
      ? h("p", {}, h("strong", {}, "Pre-check: "), `${f.assessment.verdict} — ${f.assessment.note}`)
      : null,
  );
}

function controls(refs) {
  if (!refs?.length) return emptyState("This check serves no framework control.");
  return h(
    "ul",
    { class: "inline-list" },
    refs.map((r) =>
      h("li", {}, h("a", { href: frameworkHref(r.framework, r.controlId) }, `${r.framework} ${r.controlId}`)),
    ),
  );
}

export function tags(tagMap) {
  const entries = Object.entries(tagMap ?? {});
  if (entries.length === 0) return emptyState("No tags.");
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Tags"),
      h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Key"), h("th", { scope: "col" }, "Value"))),
      h(
        "tbody",
        {},
        entries.map(([k, v]) => h("tr", {}, h("th", { scope: "row" }, k), h("td", { class: "wrap" }, v))),
      ),
    ),
    "Tags",
  );
}

export function history(life) {
  if (!life?.history?.length) return emptyState("No history yet.");
  return h(
    "div",
    {},
    facts([
      ["First seen", time(life.firstSeenAt)],
      ["Last seen", time(life.lastSeenAt)],
      ["First failed", life.firstFailedAt ? time(life.firstFailedAt) : "never"],
      ["Resolved", life.resolvedAt ? time(life.resolvedAt) : null],
    ]),
    h(
      "ol",
      { class: "timeline" },
      life.history.map((e) =>
        h(
          "li",
          {},
          time(e.at),
          " — ",
          e.from ? [statusBadge(e.from), " → "] : "first seen as ",
          statusBadge(e.to),
          " in ",
          h("a", { href: scanHref(e.scanId) }, e.scanId),
        ),
      ),
    ),
  );
}

function suppressionDetails(sup) {
  if (!sup) return h("p", {}, "Not suppressed.");
  const s = sup.suppression ?? {};
  return h(
    "div",
    { class: "state state-info" },
    h(
      "p",
      {},
      h(
        "strong",
        {},
        sup.state === "suppressed" ? "Suppressed in this scan. " : "Suppressed from the next scan on. ",
      ),
      sup.state === "pending"
        ? "The finding stays in reports, marked, and leaves the score when the next scan runs."
        : "The finding stays in reports but not in the score.",
    ),
    facts([
      ["Reason", s.reason],
      ["Owner", s.owner],
      ["Expires", s.expiresAt ? time(s.expiresAt) : "never"],
    ]),
  );
}

function suppressForm(f, supBox, alreadySuppressed) {
  const msg = formMessage();
  let done = () => {};
  const scopeName = uid("scope");
  const thisOne = h("input", {
    type: "radio",
    name: scopeName,
    value: "resource",
    id: uid("r"),
    checked: true,
  });
  const everywhere = h("input", { type: "radio", name: scopeName, value: "check", id: uid("r") });
  const reason = h("textarea", { class: "input", name: "reason", rows: 3, required: true, maxlength: 2000 });
  const owner = h("input", {
    type: "text",
    class: "input",
    name: "owner",
    required: true,
    maxlength: 200,
    autocomplete: "off",
  });
  const inDays = (days) => {
    const d = new Date(Date.now() + days * 86_400_000);
    return d.toISOString().slice(0, 10);
  };
  const expires = h("input", {
    type: "date",
    class: "input",
    name: "expires",
    value: inDays(90),
    min: inDays(1),
  });
  const submit = h("button", { type: "submit", class: "button button-primary" }, "Suppress");
  const form = h(
    "form",
    {
      class: "form",
      novalidate: true,
      "aria-label": "Suppress this finding",
      onsubmit: async (event) => {
        event.preventDefault();
        msg.clear();
        const problems = [];
        if (!reason.value.trim()) problems.push([reason, "Give a reason."]);
        if (!owner.value.trim()) problems.push([owner, "Name the owner of the exception."]);
        for (const el of [reason, owner]) el.removeAttribute("aria-invalid");
        if (problems.length) {
          for (const [el] of problems) el.setAttribute("aria-invalid", "true");
          msg.error(new Error(problems.map(([, m]) => m).join(" ")));
          problems[0][0].focus();
          return;
        }
        const body = { checkId: f.checkId, reason: reason.value.trim(), owner: owner.value.trim() };
        if (thisOne.checked) body.resourceArn = f.resourceArn;
        if (expires.value) body.expiresAt = new Date(`${expires.value}T23:59:59`).toISOString();
        await busy(submit, async () => {
          try {
            const created = await post("/suppressions", body);
            replace(
              supBox,
              suppressionDetails({ state: f.suppressed ? "suppressed" : "pending", suppression: created }),
            );
            msg.ok(`Suppressed until ${created.expiresAt ? when(created.expiresAt) : "further notice"}.`);
            notify("Finding suppressed");
            const badges = document.querySelector(".badges");
            if (badges && !badges.querySelector(".badge-suppressed")) {
              badges.append(" ", suppressionMark({ state: "pending", suppression: created }));
            }
            form.reset();
            done();
          } catch (error) {
            msg.error(error);
          }
        });
      },
    },
    h(
      "fieldset",
      {},
      h("legend", {}, "What to suppress"),
      h(
        "div",
        { class: "radios" },
        h(
          "span",
          { class: "check" },
          thisOne,
          h("label", { for: thisOne.id }, "This check on this resource"),
        ),
        h(
          "span",
          { class: "check" },
          everywhere,
          h("label", { for: everywhere.id }, "This check on every resource"),
        ),
      ),
    ),
    field("Reason", reason, "Why the finding is accepted; kept in the audit log."),
    field("Owner", owner, "Who answers for the exception."),
    field("Expires on", expires, "The exception ends at the end of this day."),
    h("div", { class: "form-actions" }, submit),
  );
  // Once suppressed, the form folds away behind a button (another suppression is rarely needed).
  const again = h("button", { type: "button", class: "button", hidden: true }, "Add another suppression");
  again.addEventListener("click", () => {
    form.hidden = false;
    again.hidden = true;
    reason.focus();
  });
  if (alreadySuppressed) {
    form.hidden = true;
    again.hidden = false;
  }
  done = () => {
    form.hidden = true;
    again.hidden = false;
  };
  return h("div", { class: "suppress" }, h("h3", {}, "Suppress"), form, again, msg.el);
}
