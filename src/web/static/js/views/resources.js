/** Resources: the inventory (latest known state) and one resource's configuration, findings and their history. */
import { get } from "../api.js";
import { h, jsonBlock, replace, tableWrap } from "../dom.js";
import { findingHref, number, resourceHref, scanHref, severityBadge, statusBadge, time } from "../format.js";
import { async, emptyState, facts, field, pageHeader, section } from "../ui.js";
import { driftTable } from "./changes.js";
import { tags } from "./findings.js";

export function resourcesView(container, _params, query, { go }) {
  const search = h("input", {
    type: "search",
    class: "input",
    name: "search",
    value: query.get("search") ?? "",
    autocomplete: "off",
  });
  const chosen = query.get("type") ?? "";
  const type = h(
    "select",
    { class: "input", name: "type" },
    h("option", { value: "" }, "All types"),
    chosen ? h("option", { value: chosen, selected: true }, chosen) : null,
  );
  // The types come from the inventory itself, grouped by service, so a new collector needs no change here.
  get("/resources/types")
    .then(({ items }) => {
      const groups = new Map();
      for (const t of items) groups.set(t.service, [...(groups.get(t.service) ?? []), t]);
      replace(
        type,
        h("option", { value: "" }, "All types"),
        [...groups.entries()].map(([service, list]) =>
          h(
            "optgroup",
            { label: service },
            list.map((t) =>
              h(
                "option",
                { value: t.resourceType, selected: t.resourceType === chosen },
                `${t.resourceType} (${number(t.count)})`,
              ),
            ),
          ),
        ),
      );
    })
    .catch(() => {
      // The filter still works with the type given in the address; the list itself is a convenience.
    });
  const region = h("input", {
    type: "text",
    class: "input",
    name: "region",
    value: query.get("region") ?? "",
    autocomplete: "off",
    placeholder: "us-east-1",
  });
  const offset = Number(query.get("offset") ?? 0) || 0;
  const list = h("div", {});
  const form = h(
    "form",
    {
      class: "filters filters-inline",
      "aria-label": "Filter resources",
      onsubmit: (event) => {
        event.preventDefault();
        const q = new URLSearchParams();
        if (search.value.trim()) q.set("search", search.value.trim());
        if (type.value) q.set("type", type.value);
        if (region.value.trim()) q.set("region", region.value.trim());
        go(`#/resources${q.toString() ? `?${q}` : ""}`);
      },
    },
    field("Search", search, "Part of the resource id or ARN"),
    field("Type", type),
    field("Region", region),
    h(
      "div",
      { class: "form-actions" },
      h("button", { type: "submit", class: "button button-primary" }, "Apply"),
    ),
  );
  replace(container, pageHeader("Resources"), h("div", { class: "stack" }, form, list));
  async(
    list,
    () =>
      get("/resources", {
        search: query.get("search") || undefined,
        type: query.get("type") || undefined,
        region: query.get("region") || undefined,
        limit: 100,
        offset,
      }),
    (page) => resourceTable(page, query),
    "Loading resources",
  );
  return undefined;
}

function resourceTable(page, query) {
  if (page.items.length === 0) return emptyState("No resource matches. Resources appear here after a scan.");
  const pageLink = (to, label) => {
    const q = new URLSearchParams(query);
    q.set("offset", String(to));
    return h("a", { class: "button", href: `#/resources?${q}` }, label);
  };
  return h(
    "div",
    {},
    h(
      "p",
      { class: "result-count", role: "status" },
      `${number(page.total)} resources; showing ${page.offset + 1}–${page.offset + page.items.length}.`,
    ),
    tableWrap(
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, "Resources"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Resource", "Type", "Region", "Account", "Captured"].map((c) => h("th", { scope: "col" }, c)),
          ),
        ),
        h(
          "tbody",
          {},
          page.items.map((r) =>
            h(
              "tr",
              {},
              h(
                "th",
                { scope: "row" },
                h("a", { href: resourceHref(r.arn) }, r.resourceName || r.resourceId),
                h("span", { class: "sub" }, r.arn),
              ),
              h("td", {}, r.resourceType),
              h("td", {}, r.awsRegion),
              h("td", {}, r.accountId),
              h("td", {}, time(r.configurationItemCaptureTime)),
            ),
          ),
        ),
      ),
      "Resources",
    ),
    h(
      "p",
      { class: "pager" },
      page.offset > 0 ? pageLink(Math.max(0, page.offset - page.limit), "Previous") : null,
      page.offset + page.items.length < page.total ? pageLink(page.offset + page.limit, "Next") : null,
    ),
  );
}

/** Each finding's life across scans: when it was first seen and failed, and every change of status. */
function historyTable(findings, lifeById, scanId) {
  return tableWrap(
    h(
      "table",
      { class: "history-table" },
      h("caption", { class: "sr-only" }, "Findings history"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Finding", "Now", "First seen", "First failed", "Resolved", "Changes"].map((c) =>
            h("th", { scope: "col" }, c),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        findings.map((f) => {
          const life = lifeById.get(f.id);
          return h(
            "tr",
            {},
            h("th", { scope: "row" }, h("a", { href: findingHref(f.id, scanId) }, f.title)),
            h("td", {}, statusBadge(f.status)),
            h("td", {}, life ? time(life.firstSeenAt) : "—"),
            h(
              "td",
              {},
              life?.firstFailedAt ? time(life.firstFailedAt) : h("span", { class: "muted" }, "never"),
            ),
            h("td", {}, life?.resolvedAt ? time(life.resolvedAt) : h("span", { class: "muted" }, "—")),
            h(
              "td",
              {},
              life?.history?.length
                ? h(
                    "ol",
                    { class: "timeline" },
                    life.history.map((e) =>
                      h(
                        "li",
                        {},
                        e.from ? [statusBadge(e.from), " → "] : "first seen as ",
                        statusBadge(e.to),
                        " ",
                        time(e.at),
                        e.scanId.startsWith("ev-")
                          ? [" after a change (", h("code", {}, e.scanId), ")"]
                          : [" in ", h("a", { href: scanHref(e.scanId) }, e.scanId)],
                      ),
                    ),
                  )
                : h("span", { class: "muted" }, "none recorded"),
            ),
          );
        }),
      ),
    ),
    "Findings history",
  );
}

export function resourceView(container, [arn]) {
  const body = h("div", { class: "stack" });
  replace(container, pageHeader("Resource"), body);
  async(
    body,
    () => get(`/resources/${encodeURIComponent(arn)}`),
    (detail) => {
      const r = detail.resource;
      const heading = container.querySelector("#page-title");
      if (heading) heading.textContent = r.resourceName || r.resourceId;
      document.title = `${r.resourceName || r.resourceId} · EnforceAI`;
      return render(detail);
    },
    "Loading the resource",
  );
  return undefined;
}

function render({ resource: r, scanId, findings, history: lives, drift = [] }) {
  const failing = findings.filter((f) => f.status === "FAIL").length;
  const lifeById = new Map(lives.map((l) => [l.id, l]));
  return h(
    "div",
    { class: "stack" },
    h(
      "div",
      { class: "grid-2" },
      section(
        "Identity",
        facts([
          ["Type", r.resourceType],
          ["Id", h("code", { class: "wrap" }, r.resourceId)],
          ["ARN", h("code", { class: "wrap" }, r.arn)],
          ["Account", r.accountId],
          ["Region", r.awsRegion],
          ["Captured", time(r.configurationItemCaptureTime)],
          ["Latest scan", scanId ? h("a", { href: scanHref(scanId) }, scanId) : "none completed"],
        ]),
      ),
      section("Tags", tags(r.tags)),
    ),
    section(
      `Findings in the latest scan (${failing} failing of ${findings.length})`,
      findings.length
        ? tableWrap(
            h(
              "table",
              {},
              h("caption", { class: "sr-only" }, "Findings about this resource"),
              h(
                "thead",
                {},
                h(
                  "tr",
                  {},
                  ["Severity", "Status", "Finding", "Verdict"].map((c) => h("th", { scope: "col" }, c)),
                ),
              ),
              h(
                "tbody",
                {},
                findings.map((f) =>
                  h(
                    "tr",
                    {},
                    h("td", {}, severityBadge(f.severity)),
                    h(
                      "td",
                      {},
                      statusBadge(f.status),
                      f.suppressed
                        ? [" ", h("span", { class: "badge badge-suppressed" }, "Suppressed")]
                        : null,
                    ),
                    h(
                      "th",
                      { scope: "row" },
                      h("a", { href: findingHref(f.id, scanId) }, f.title),
                      h("span", { class: "sub" }, f.checkId),
                    ),
                    h("td", { class: "wrap" }, f.reason),
                  ),
                ),
              ),
            ),
            "Findings about this resource",
          )
        : emptyState("No completed scan judged this resource yet."),
    ),
    section(
      "Findings history",
      findings.length ? historyTable(findings, lifeById, scanId) : emptyState("No history yet."),
    ),
    section("Changes", driftTable(drift, { showResource: false })),
    section("Configuration", jsonBlock(r.configuration, "Configuration")),
    Object.keys(r.supplementaryConfiguration ?? {}).length
      ? section(
          "Supplementary configuration",
          jsonBlock(r.supplementaryConfiguration, "Supplementary configuration"),
        )
      : null,
  );
}
