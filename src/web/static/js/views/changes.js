/**
 * Changes: what API calls did to resources, as `enforceai watch` saw them — who, which call, when, the
 * before/after difference, and the verdicts it moved. New evaluations arrive live over the stream.
 */
import { get, stream } from "../api.js";
import { h, replace, tableWrap } from "../dom.js";
import { resourceHref, statusBadge, time } from "../format.js";
import { async, emptyState, pageHeader, section } from "../ui.js";

export function changesView(container) {
  const list = h("div", {});
  const live = h("ol", { class: "timeline", "aria-live": "polite" });
  const liveBox = section(
    "Live",
    h("div", {}, h("p", { class: "small muted" }, "Waiting for changes…"), live),
  );
  const reload = () =>
    async(
      list,
      () => get("/drift", { limit: 50 }),
      (page) => driftTable(page.items),
      "Loading changes",
    );
  replace(
    container,
    pageHeader("Changes"),
    h(
      "div",
      { class: "stack" },
      h(
        "p",
        { class: "small" },
        "Resources changed by API calls (CloudTrail → EventBridge → SQS → enforceai watch), read again and judged within seconds.",
      ),
      liveBox,
      section("Recent changes", list),
    ),
  );
  reload();
  const controller = new AbortController();
  (async () => {
    let lastId;
    for (let attempt = 0; attempt < 100 && !controller.signal.aborted; attempt++) {
      try {
        await stream("GET", "/evaluations/stream", {
          signal: controller.signal,
          lastEventId: lastId,
          onEvent: (event, data, id) => {
            if (event !== "evaluation") return;
            lastId = id;
            live.prepend(evaluationItem(data));
            reload();
          },
        });
      } catch {
        if (controller.signal.aborted) return;
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
  })();
  return () => controller.abort();
}

function evaluationItem(e) {
  const moved = e.transitions.map((t) => [
    statusBadge(t.from ?? "new"),
    " → ",
    statusBadge(t.to),
    ` ${t.checkId} `,
  ]);
  return h(
    "li",
    {},
    time(e.completedAt),
    ` · ${e.eventCount} event${e.eventCount === 1 ? "" : "s"} · `,
    e.resources.map((r) => [h("a", { href: resourceHref(r.arn) }, r.resourceId), ` (${r.change}) `]),
    moved.length ? [" · ", moved] : " · no verdict changed",
    e.gaps.length
      ? h(
          "span",
          { class: "sub" },
          `${e.gaps.length} read(s) failed: ${e.gaps.map((g) => `${g.service} ${g.code ?? ""}`).join(", ")}`,
        )
      : null,
  );
}

/** Drift records as a table: when, resource, change, call and caller, the verdicts it moved, the diff. */
export function driftTable(records, { showResource = true } = {}) {
  if (records.length === 0)
    return emptyState("No changes recorded yet. Run `enforceai watch` to follow them.");
  return tableWrap(
    h(
      "table",
      { class: "drift-table" },
      h("caption", { class: "sr-only" }, "Changes"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["When", showResource ? "Resource" : null, "Change", "Call", "By", "Verdicts", "Difference"]
            .filter(Boolean)
            .map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        records.map((d) =>
          h(
            "tr",
            {},
            h("td", {}, time(d.at)),
            showResource
              ? h(
                  "th",
                  { scope: "row" },
                  h("a", { href: resourceHref(d.arn) }, d.resourceId),
                  h("span", { class: "sub" }, d.resourceType),
                )
              : null,
            h("td", {}, d.change),
            h(
              "td",
              {},
              h("code", {}, d.eventName),
              d.events.length > 1
                ? h("span", { class: "sub" }, `${d.events.length} calls in the burst`)
                : null,
            ),
            h(
              "td",
              { class: "wrap" },
              h("code", { class: "wrap" }, d.actor),
              h("span", { class: "sub" }, d.actorType),
            ),
            h(
              "td",
              {},
              d.transitions.length
                ? h(
                    "ul",
                    { class: "plain" },
                    d.transitions.map((t) =>
                      h("li", {}, statusBadge(t.from ?? "new"), " → ", statusBadge(t.to), " ", t.checkId),
                    ),
                  )
                : h("span", { class: "muted" }, "unchanged"),
            ),
            h("td", { class: "wrap" }, diffList(d.diff)),
          ),
        ),
      ),
    ),
    "Changes",
  );
}

function diffList(diff) {
  if (!diff.changes.length) return h("span", { class: "muted" }, "—");
  const show = (v) => (v === undefined ? "∅" : typeof v === "string" ? v : JSON.stringify(v));
  return h(
    "details",
    {},
    h(
      "summary",
      {},
      `${diff.changes.length}${diff.truncated ? "+" : ""} field${diff.changes.length === 1 ? "" : "s"}`,
    ),
    h(
      "ul",
      { class: "plain" },
      diff.changes.map((c) =>
        h(
          "li",
          {},
          h("code", {}, c.path),
          ": ",
          h("del", {}, show(c.before)),
          " → ",
          h("ins", {}, show(c.after)),
        ),
      ),
    ),
  );
}
