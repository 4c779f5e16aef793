/**
 * The remediation approval queue: each request's exact API calls and before/after, approve or reject with a
 * comment (approvers; never one's own request — the server enforces four eyes), continuing the waiting scan,
 * and the history of executions and their verification.
 */
import { ApiError, can, get, post } from "../api.js";
import { h, jsonBlock, replace, tableWrap } from "../dom.js";
import {
  approvalHref,
  findingHref,
  resourceHref,
  scanHref,
  severityBadge,
  statusBadge,
  time,
} from "../format.js";
import {
  async,
  busy,
  describeError,
  emptyState,
  facts,
  field,
  formMessage,
  notify,
  pageHeader,
  section,
} from "../ui.js";

const TABS = [
  ["pending", "Pending"],
  ["approved", "Approved"],
  ["rejected", "Rejected"],
  ["expired", "Expired"],
  ["history", "History"],
];

export function approvalsView(container, _params, query) {
  const tab = TABS.some(([k]) => k === query.get("status")) ? query.get("status") : "pending";
  const scanId = query.get("scanId") ?? "";
  const list = h("div", { class: "card" });
  const link = (k) => {
    const q = new URLSearchParams();
    q.set("status", k);
    if (scanId) q.set("scanId", scanId);
    return `#/approvals?${q}`;
  };
  replace(
    container,
    pageHeader("Remediation approvals"),
    h(
      "div",
      { class: "stack" },
      h(
        "p",
        { class: "lede" },
        "Nothing changes in AWS without an approval. Review the exact calls and the before/after of each request; the person who requested a change cannot approve it.",
      ),
      h(
        "nav",
        { class: "tabs", "aria-label": "Requests by status" },
        h(
          "ul",
          {},
          TABS.map(([k, label]) =>
            h("li", {}, h("a", { href: link(k), "aria-current": k === tab ? "page" : null }, label)),
          ),
        ),
      ),
      scanId
        ? h(
            "p",
            { class: "small" },
            "Requests of scan ",
            h("a", { href: scanHref(scanId) }, scanId),
            " · ",
            h("a", { href: `#/approvals?status=${tab}` }, "all scans"),
          )
        : null,
      list,
    ),
  );
  const reload = () =>
    async(
      list,
      async () => {
        if (tab === "history")
          return { history: await get("/remediations", { scanId: scanId || undefined, limit: 200 }) };
        const [page, scan] = await Promise.all([
          get("/approvals", { status: tab, scanId: scanId || undefined, limit: 200 }),
          scanId ? get(`/scans/${encodeURIComponent(scanId)}`).catch(() => null) : null,
        ]);
        return { page, scan: scan?.scan };
      },
      ({ page, scan, history }) =>
        history
          ? historyTable(history.items)
          : h(
              "div",
              { class: "stack" },
              continueScan(scan, tab === "pending" ? page.items.length : -1, reload),
              approvalTable(page.items, tab),
            ),
      "Loading requests",
    );
  reload();
  return undefined;
}

/** When a scan waits and none of its requests is pending any more: the button that lets it go on. */
function continueScan(scan, pendingCount, reload) {
  if (scan?.status !== "awaiting_approval" || pendingCount !== 0) return null;
  if (!can("operator")) {
    return h(
      "p",
      { class: "state state-info" },
      `Every request of scan ${scan.id} is decided; an operator continues the scan.`,
    );
  }
  const button = h(
    "button",
    {
      type: "button",
      class: "button button-primary",
      onclick: () =>
        busy(button, async () => {
          try {
            await post(`/scans/${encodeURIComponent(scan.id)}/resume`);
            notify(`Scan ${scan.id} continues: approved changes are applied and verified`);
            location.hash = scanHref(scan.id);
          } catch (error) {
            notify(`Could not continue the scan: ${describeError(error)}`, "error");
            reload();
          }
        }),
    },
    "Continue the scan",
  );
  return h(
    "div",
    { class: "banner", role: "status" },
    h(
      "p",
      {},
      `Every request of scan ${scan.id} is decided. Continue the scan to apply what was approved and verify it.`,
    ),
    button,
  );
}

function approvalTable(items, tab) {
  if (items.length === 0) {
    return emptyState(tab === "pending" ? "No request is waiting for a decision." : `No ${tab} requests.`);
  }
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, `${tab} remediation requests`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          [
            "Request",
            "Resource",
            "Strategy",
            "Risk",
            "Severity",
            "Requested by",
            "Created",
            tab === "pending" ? "Expires" : "Decided",
            "Status",
          ].map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        items.map((a) =>
          h(
            "tr",
            { "data-approval-id": a.id, "data-action": a.actionId },
            h(
              "th",
              { scope: "row" },
              h("a", { href: approvalHref(a.id) }, a.title),
              h("span", { class: "sub" }, a.id),
            ),
            h(
              "td",
              {},
              h("a", { href: resourceHref(a.resourceArn) }, a.resourceId),
              h("span", { class: "sub" }, `${a.resourceType} · ${a.region}`),
            ),
            h("td", {}, a.strategy),
            h("td", {}, a.risk),
            h("td", {}, severityBadge(a.severity)),
            h("td", {}, a.requestedBy),
            h("td", {}, time(a.createdAt)),
            h("td", {}, time(tab === "pending" ? a.expiresAt : a.decidedAt)),
            h("td", {}, statusBadge(a.status), " ", statusBadge(a.remediationStatus)),
          ),
        ),
      ),
    ),
    "Remediation requests",
  );
}

function historyTable(items) {
  if (items.length === 0) return emptyState("No remediation was requested yet.");
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Remediation history"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Request", "Resource", "Decision", "Remediation", "Executions", "Created"].map((c) =>
            h("th", { scope: "col" }, c),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        items.map((a) =>
          h(
            "tr",
            {},
            h(
              "th",
              { scope: "row" },
              h("a", { href: approvalHref(a.id) }, a.title),
              h("span", { class: "sub" }, a.id),
            ),
            h("td", {}, a.resourceId, h("span", { class: "sub" }, a.resourceType)),
            h("td", {}, statusBadge(a.status)),
            h("td", {}, statusBadge(a.remediationStatus)),
            h(
              "td",
              {},
              a.executions.length
                ? h(
                    "ul",
                    { class: "plain" },
                    a.executions.map((e) =>
                      h("li", {}, statusBadge(e.status), " ", time(e.finishedAt ?? e.startedAt)),
                    ),
                  )
                : h("span", { class: "muted" }, "none"),
            ),
            h("td", {}, time(a.createdAt)),
          ),
        ),
      ),
    ),
    "Remediation history",
  );
}

// ------------------------------------------------------------------------------------------- one request

export function approvalView(container, [id]) {
  const body = h("div", { class: "stack" });
  replace(container, pageHeader("Remediation request"), body);
  const load = () =>
    async(
      body,
      async () => {
        const detail = await get(`/approvals/${encodeURIComponent(id)}`);
        let scan = null;
        let pending = [];
        if (detail.scanId) {
          [scan, pending] = await Promise.all([
            get(`/scans/${encodeURIComponent(detail.scanId)}`)
              .then((d) => d.scan)
              .catch(() => null),
            get("/approvals", { scanId: detail.scanId, status: "pending", limit: 500 })
              .then((p) => p.items)
              .catch(() => []),
          ]);
        }
        return { detail, scan, pending };
      },
      ({ detail, scan, pending }) => {
        const heading = container.querySelector("#page-title");
        if (heading) heading.textContent = detail.title;
        return render(detail, scan, pending, load);
      },
      "Loading the request",
    );
  load();
  return undefined;
}

function render(a, scan, pending, reload) {
  const plan = a.plan;
  return h(
    "div",
    { class: "stack" },
    h(
      "p",
      { class: "badges" },
      statusBadge(a.status),
      " ",
      statusBadge(a.remediationStatus),
      " ",
      severityBadge(a.severity),
      " ",
      h("span", { class: "badge" }, `strategy: ${a.strategy}`),
      " ",
      h("span", { class: "badge" }, `risk: ${a.risk}`),
    ),
    a.status === "pending" ? decisionForm(a, reload) : null,
    a.status !== "pending" ? continueScan(scan, pending.length, reload) : null,
    a.verification ? section("Verification", verification(a.verification)) : null,
    section(
      "Request",
      facts([
        ["Resource", h("a", { href: resourceHref(a.resourceArn) }, a.resourceId)],
        ["Type", a.resourceType],
        ["Region", a.region],
        ["Requested by", a.requestedBy],
        ["Why", a.reason],
        ["Scan", a.scanId ? h("a", { href: scanHref(a.scanId) }, a.scanId) : null],
        ["Created", time(a.createdAt)],
        ["Expires", a.status === "pending" ? time(a.expiresAt) : null],
        ["Decided", a.decidedAt ? time(a.decidedAt) : null],
        ["Approvals", `${a.approvals} of ${a.requiredApprovals} needed`],
        ["Strategy", `${a.strategy}: ${a.strategyDecision?.rationale ?? ""}`],
      ]),
    ),
    section(
      "The change",
      plan
        ? change(plan)
        : h(
            "p",
            { class: "state state-error", role: "alert" },
            `No plan: ${a.planError ?? "the change could not be planned"}`,
          ),
    ),
    section(
      "Findings it fixes",
      a.findings.length
        ? h(
            "ul",
            {},
            a.findings.map((f) =>
              h(
                "li",
                {},
                h("a", { href: findingHref(f.id, a.scanId) }, f.title ?? f.checkId),
                f.reason ? h("span", { class: "sub" }, f.reason) : null,
              ),
            ),
          )
        : emptyState("No findings recorded."),
    ),
    section("Decisions", decisions(a.decisions)),
    section("Executions", executions(a.executions, a.priorConfiguration)),
    section("Audit trail", audit(a.audit)),
  );
}

function change(plan) {
  const changes = plan.changes ?? [];
  return h(
    "div",
    { class: "stack" },
    plan.notes?.length
      ? h(
          "ul",
          { class: "state state-warn" },
          plan.notes.map((n) => h("li", {}, n)),
        )
      : null,
    h("h3", {}, "Before and after"),
    changes.length
      ? tableWrap(
          h(
            "table",
            { class: "diff" },
            h("caption", { class: "sr-only" }, "Fields the change sets, before and after"),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Field", "Before", "After"].map((c) => h("th", { scope: "col" }, c)),
              ),
            ),
            h(
              "tbody",
              {},
              changes.map((c) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, h("code", {}, c.field)),
                  h("td", { class: "before" }, shownValue(c.before)),
                  h("td", { class: "after" }, shownValue(c.after)),
                ),
              ),
            ),
          ),
          "Before and after",
        )
      : h(
          "div",
          { class: "grid-2" },
          h("div", {}, h("h4", {}, "Before"), jsonBlock(plan.before, "Before")),
          h("div", {}, h("h4", {}, "After"), jsonBlock(plan.after, "After")),
        ),
    h("h3", {}, "Exact API calls"),
    plan.calls?.length
      ? h(
          "ol",
          { class: "calls" },
          plan.calls.map((call) =>
            h(
              "li",
              {},
              h(
                "p",
                {},
                h("code", { class: "call" }, `${call.service}:${call.operation}`),
                ` in ${call.region}`,
              ),
              jsonBlock(call.input, `input of ${call.operation}`),
            ),
          ),
        )
      : h("p", {}, "No API call: a person makes this change (or it is covered by another control)."),
    facts([
      ["Reversible", plan.reversible ? "yes" : "no"],
      ["Rollback", plan.rollback],
    ]),
  );
}

function shownValue(v) {
  if (v === undefined) return h("span", { class: "muted" }, "(absent)");
  if (v !== null && typeof v === "object") return jsonBlock(v, "value");
  return h("code", {}, JSON.stringify(v));
}

function decisionForm(a, reload) {
  if (!can("approver")) {
    return h(
      "p",
      { class: "state state-info" },
      `This request waits for an approver. Your key has the ${sessionStorage.getItem("enforceai.role")} role: you can review it but not decide it.`,
    );
  }
  const msg = formMessage();
  const comment = h("textarea", { class: "input", name: "comment", rows: 3, maxlength: 2000 });
  const approve = h("button", { type: "button", class: "button button-primary" }, "Approve");
  const reject = h("button", { type: "button", class: "button button-danger" }, "Reject");
  const decide = (decision, button) =>
    busy(button, async () => {
      msg.clear();
      try {
        const body = comment.value.trim() ? { comment: comment.value.trim() } : {};
        const detail = await post(`/approvals/${encodeURIComponent(a.id)}/${decision}`, body);
        notify(`${decision === "approve" ? "Approved" : "Rejected"}: ${detail.title}`);
        reload();
      } catch (error) {
        if (error instanceof ApiError && error.status === 403 && /four eyes/.test(error.message)) {
          msg.error(
            new Error(
              "You requested this change, so you cannot approve it (four eyes): another approver must decide.",
            ),
          );
        } else {
          msg.error(error);
        }
      }
    });
  approve.addEventListener("click", () => decide("approve", approve));
  reject.addEventListener("click", () => decide("reject", reject));
  return section(
    "Your decision",
    h(
      "form",
      { class: "form", onsubmit: (event) => event.preventDefault() },
      field("Comment", comment, "Why you approve or reject; kept in the audit trail."),
      h("div", { class: "form-actions button-row" }, approve, reject),
      msg.el,
    ),
    { class: "decision" },
  );
}

function decisions(list) {
  if (!list.length) return emptyState("No decision yet.");
  return h(
    "ul",
    { class: "timeline" },
    list.map((d) =>
      h(
        "li",
        {},
        time(d.decidedAt),
        " — ",
        h("strong", {}, d.decidedBy),
        ` ${d.decision === "approve" ? "approved" : "rejected"}`,
        d.comment ? [": ", h("q", {}, d.comment)] : "",
      ),
    ),
  );
}

function executions(list, prior) {
  if (!list.length)
    return emptyState(
      "Not executed. An approved immediate change runs when its scan continues; a scheduled one in the maintenance window.",
    );
  return h(
    "div",
    { class: "stack" },
    list.map((e) =>
      h(
        "div",
        { class: "execution" },
        h(
          "p",
          {},
          statusBadge(e.status),
          " ",
          time(e.startedAt),
          e.finishedAt ? [" → ", time(e.finishedAt)] : "",
          h("span", { class: "sub" }, `idempotency key ${e.idempotencyKey}`),
        ),
        e.error ? h("p", { class: "state state-error" }, e.error) : null,
        Array.isArray(e.result?.calls)
          ? h(
              "ul",
              { class: "plain" },
              e.result.calls.map((c) =>
                h(
                  "li",
                  {},
                  c.ok ? "✓ " : "✗ ",
                  h("code", {}, `${c.service}:${c.operation}`),
                  ` in ${c.region}${c.error ? ` — ${c.error}` : ""}`,
                ),
              ),
            )
          : null,
        e.result?.credentials ? h("p", { class: "small" }, `with ${e.result.credentials}`) : null,
      ),
    ),
    prior
      ? h(
          "details",
          {},
          h("summary", {}, "Configuration before the change (for rollback)"),
          jsonBlock(prior, "Prior configuration"),
        )
      : null,
  );
}

function verification(v) {
  const results = v.results ?? [];
  return h(
    "div",
    { class: "stack" },
    h(
      "p",
      { class: v.status === "PASS" ? "state state-ok" : "state state-error", role: "status" },
      v.status === "PASS"
        ? "Verified: the resource was read again and the checks now pass."
        : `Verification did not pass (${v.status}).`,
      " ",
      time(v.at),
    ),
    results.length
      ? tableWrap(
          h(
            "table",
            {},
            h("caption", { class: "sr-only" }, "Verification results"),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Check", "Result", "Why"].map((c) => h("th", { scope: "col" }, c)),
              ),
            ),
            h(
              "tbody",
              {},
              results.map((r) =>
                h(
                  "tr",
                  {},
                  h("th", { scope: "row" }, h("code", {}, r.checkId)),
                  h("td", {}, statusBadge(r.status)),
                  h("td", { class: "wrap" }, r.reason ?? ""),
                ),
              ),
            ),
          ),
          "Verification results",
        )
      : null,
    v.gaps?.length
      ? h(
          "p",
          { class: "state state-warn" },
          `Could not read: ${v.gaps.map((g) => `${g.service} ${g.region}`).join(", ")}`,
        )
      : null,
  );
}

function audit(list) {
  if (!list?.length) return emptyState("No audit entries.");
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Audit trail"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["When", "Who", "What"].map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        list.map((e) =>
          h("tr", {}, h("td", {}, time(e.at)), h("td", {}, e.actor), h("th", { scope: "row" }, e.action)),
        ),
      ),
    ),
    "Audit trail",
  );
}
