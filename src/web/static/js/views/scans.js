/** Scans: the list, starting one (sample account or live), and a scan's live progress over server-sent events. */
import { ApiError, can, get, post, stream } from "../api.js";
import { h, replace, tableWrap, uid } from "../dom.js";
import { duration, findingsHref, number, scanHref, statusBadge, time } from "../format.js";
import {
  async,
  busy,
  describeError,
  emptyState,
  errorState,
  facts,
  field,
  formMessage,
  notify,
  pageHeader,
  section,
} from "../ui.js";

/** The scan graph's steps in order (docs: README "Architecture"). */
const STEPS = [
  ["discover", "Discover resources"],
  ["evaluate", "Evaluate checks"],
  ["precheck", "Pre-check (fast model)"],
  ["analyse", "Analyse (strong model)"],
  ["plan", "Plan remediations"],
  ["approve", "Wait for approvals"],
  ["remediate", "Remediate"],
  ["verify", "Verify"],
  ["finalize", "Finalize"],
];

export function scansView(container, _params, query, { go }) {
  const list = h("div", {});
  const status = query.get("status") ?? "";
  replace(
    container,
    pageHeader("Scans"),
    h(
      "div",
      { class: "stack" },
      can("operator")
        ? section("Start a scan", startForm(go))
        : h(
            "p",
            { class: "state state-info" },
            "Starting scans needs the operator role; your key can follow them.",
          ),
      section("Recent scans", list),
    ),
  );
  async(
    list,
    () => get("/scans", { limit: 50, status: status || undefined }),
    (page) => scanTable(page),
    "Loading scans",
  );
  return undefined;
}

function startForm(go) {
  const msg = formMessage();
  const name = uid("source");
  const demo = h("input", { type: "radio", name, value: "demo", id: uid("r"), checked: true });
  const live = h("input", { type: "radio", name, value: "live", id: uid("r") });
  const regions = h("input", {
    type: "text",
    class: "input",
    name: "regions",
    placeholder: "us-east-1, eu-west-1",
    autocomplete: "off",
  });
  const roles = h("textarea", {
    class: "input",
    name: "roleArns",
    rows: 2,
    placeholder: "arn:aws:iam::111122223333:role/EnforceAIScan",
  });
  const externalId = h("input", { type: "text", class: "input", name: "externalId", autocomplete: "off" });
  const autoRemediate = h("input", { type: "checkbox", name: "autoRemediate", id: uid("c") });
  const frameworkBox = h("div", { class: "checks" }, h("span", { class: "muted" }, "Loading frameworks…"));
  const liveFields = h(
    "div",
    { class: "live-fields", hidden: true },
    field("Regions", regions, "Comma-separated; empty scans every enabled region."),
    field(
      "Role ARNs to assume",
      roles,
      "One per line; empty scans the account of the server's own credentials.",
    ),
    field("External ID", externalId, "Only when the roles require one."),
  );
  const toggle = () => {
    liveFields.hidden = !live.checked;
  };
  demo.addEventListener("change", toggle);
  live.addEventListener("change", toggle);

  get("/frameworks")
    .then((list) => {
      replace(
        frameworkBox,
        list.items.map((f) => {
          const id = uid("fw");
          return h(
            "span",
            { class: "check" },
            h("input", { type: "checkbox", id, name: "framework", value: f.id }),
            h("label", { for: id }, f.id),
          );
        }),
      );
    })
    .catch((error) => replace(frameworkBox, h("span", { class: "state-error" }, describeError(error))));

  const submit = h("button", { type: "submit", class: "button button-primary" }, "Start scan");
  return h(
    "form",
    {
      class: "form",
      onsubmit: async (event) => {
        event.preventDefault();
        msg.clear();
        const body = {};
        const frameworks = [...frameworkBox.querySelectorAll("input:checked")].map((i) => i.value);
        if (frameworks.length) body.frameworks = frameworks;
        if (autoRemediate.checked) body.autoRemediate = true;
        if (demo.checked) {
          body.demo = true;
        } else {
          const scope = {};
          const r = regions.value
            .split(/[\s,]+/)
            .map((x) => x.trim())
            .filter(Boolean);
          if (r.length) scope.regions = r;
          const arns = roles.value
            .split(/\s+/)
            .map((x) => x.trim())
            .filter(Boolean);
          if (arns.length) scope.roleArns = arns;
          if (externalId.value.trim()) scope.externalId = externalId.value.trim();
          body.scope = scope;
        }
        await busy(submit, async () => {
          try {
            const scan = await post("/scans", body);
            notify(`Scan ${scan.id} started`);
            go(scanHref(scan.id));
          } catch (error) {
            msg.error(error);
          }
        });
      },
    },
    h(
      "fieldset",
      {},
      h("legend", {}, "What to scan"),
      h(
        "div",
        { class: "radios" },
        h(
          "span",
          { class: "check" },
          demo,
          h("label", { for: demo.id }, "The bundled sample account (demo)"),
        ),
        h(
          "span",
          { class: "check" },
          live,
          h("label", { for: live.id }, "A live account, with the server's AWS credentials"),
        ),
      ),
      liveFields,
    ),
    h("fieldset", {}, h("legend", {}, "Frameworks (none checked: all)"), frameworkBox),
    h(
      "div",
      { class: "check" },
      autoRemediate,
      h(
        "label",
        { for: autoRemediate.id },
        "Propose remediations for failing findings (the scan then waits for approvals; nothing changes without one)",
      ),
    ),
    h("div", { class: "form-actions" }, submit),
    msg.el,
  );
}

/** A small table of plain cells: `rows` are arrays of strings or nodes, the first cell the row's header. */
function plainTable(caption, columns, rows) {
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, caption),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          columns.map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        rows.map(([first, ...rest]) =>
          h("tr", {}, h("th", { scope: "row" }, first), ...rest.map((cell) => h("td", {}, cell))),
        ),
      ),
    ),
    caption,
  );
}

const scoreText = (score) => (score === null || score === undefined ? "—" : `${score}%`);

/** An organisation scan's roll-up as GET /scans/{id} returns it: accounts, the worst ones, the score per OU. */
function organizationSection(o) {
  const byId = new Map(o.accounts.map((a) => [a.id, a]));
  return section(
    `Organization ${o.id}`,
    h(
      "div",
      {},
      h(
        "p",
        {},
        `Management account ${o.managementAccountId}, role ${o.roleName} in each member. Organisation-wide: ${scoreText(o.score)}.`,
      ),
      o.worstAccounts.length
        ? h(
            "p",
            {},
            "Worst accounts: ",
            o.worstAccounts
              .map((id) => `${id} (${byId.get(id)?.name ?? id}, ${scoreText(byId.get(id)?.score)})`)
              .join(", "),
          )
        : null,
      plainTable(
        "Accounts",
        ["Account", "Name", "OU", "State", "Score", "Failing"],
        o.accounts.map((a) => [
          a.id,
          a.name,
          a.ouPath,
          a.reason ? `${a.state}: ${a.reason}` : a.state,
          scoreText(a.score),
          a.state === "scanned" ? number(a.failed) : "",
        ]),
      ),
      plainTable(
        "Score per OU",
        ["OU", "Id", "Accounts read", "Score"],
        o.ous.map((u) => [u.path, u.id, `${u.scanned} of ${u.accounts}`, scoreText(u.score)]),
      ),
    ),
  );
}

function scanTable(page) {
  if (page.items.length === 0) return emptyState("No scans yet.");
  return h(
    "div",
    {},
    tableWrap(
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, "Scans, newest first"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Scan", "Status", "Source", "Requested by", "Started", "Took", "Resources", "Findings"].map(
              (c) => h("th", { scope: "col" }, c),
            ),
          ),
        ),
        h(
          "tbody",
          {},
          page.items.map((s) =>
            h(
              "tr",
              {},
              h("th", { scope: "row" }, h("a", { href: scanHref(s.id) }, s.id)),
              h("td", {}, statusBadge(s.status)),
              h("td", {}, s.source),
              h("td", {}, s.requestedBy),
              h("td", {}, time(s.startedAt)),
              h("td", {}, duration(s.startedAt, s.completedAt)),
              h("td", { class: "num" }, number(s.resourceCount)),
              h("td", { class: "num" }, number(s.findingCount)),
            ),
          ),
        ),
      ),
      "Scans",
    ),
    page.total > page.items.length
      ? h("p", { class: "small" }, `Showing the ${page.items.length} newest of ${page.total}.`)
      : null,
  );
}

/** One scan: its facts, live progress while it runs, then its summary and what to do next. */
export function scanView(container, [id]) {
  const controller = new AbortController();
  const header = pageHeader(`Scan ${id}`);
  const statusLine = h("p", { class: "scan-status", role: "status", "aria-live": "polite" });
  const steps = new Map();
  const stepList = h(
    "ol",
    { class: "steps", "aria-label": "Scan steps" },
    STEPS.map(([key, label]) => {
      const state = h("span", { class: "step-state" }, "not started");
      const li = h(
        "li",
        { class: "step", "data-state": "pending" },
        h("span", { class: "step-label" }, label),
        state,
      );
      steps.set(key, { li, state });
      return li;
    }),
  );
  const discovery = h("ul", { class: "discovery-log", "aria-label": "Discovery by service and region" });
  const discoveryBox = h(
    "details",
    { class: "small", hidden: true },
    h("summary", {}, "Discovery by service and region"),
    discovery,
  );
  const progress = h("progress", { max: STEPS.length, value: 0, "aria-label": "Scan progress" });
  const facts_ = h("div", {});
  const after = h("div", { class: "stack" });
  const actions = h("div", { class: "page-actions" });
  replace(
    container,
    header,
    h(
      "div",
      { class: "stack" },
      statusLine,
      actions,
      section("Progress", h("div", {}, progress, stepList, discoveryBox)),
      section("Scan", facts_),
      after,
    ),
  );

  const setStep = (node, state) => {
    const step = steps.get(node);
    if (!step) return;
    step.li.dataset.state = state;
    step.state.textContent = state === "running" ? "running…" : state;
    const done = [...steps.values()].filter(
      (s) => s.li.dataset.state === "done" || s.li.dataset.state === "not needed",
    ).length;
    progress.value = done;
  };

  const showScan = (detail) => {
    const scan = detail.scan;
    replace(
      facts_,
      facts([
        ["Status", statusBadge(scan.status)],
        ["Source", scan.source],
        ["Requested by", scan.requestedBy],
        ["Started", time(scan.startedAt)],
        ["Completed", scan.completedAt ? time(scan.completedAt) : null],
        ["Took", duration(scan.startedAt, scan.completedAt)],
        ["Accounts", scan.accounts.join(", ") || null],
        ["Regions", scan.regions.join(", ") || null],
        ["Frameworks", scan.frameworks.join(", ")],
        ["Resources", number(scan.resourceCount)],
        ["Findings", number(scan.findingCount)],
        ["Model", scan.llm?.mode ?? "offline"],
        ["Error", scan.error],
      ]),
    );
    replace(actions, ...scanActions(scan, () => void refresh()));
    const summary = detail.summary;
    const parts = [];
    if (scan.status === "completed") {
      parts.push(
        section(
          "Results",
          h(
            "div",
            {},
            h(
              "p",
              {},
              `${number(summary.totals.failed)} failed, ${number(summary.totals.passed)} passed, ${number(summary.totals.errors)} errors, ${number(summary.totals.suppressed)} suppressed. `,
              h(
                "a",
                { href: findingsHref({ scanId: scan.id, status: "FAIL" }) },
                "Explore the failing findings",
              ),
              " · ",
              h("a", { href: "#/overview" }, "Overview"),
            ),
            Object.keys(scan.scores).length
              ? h(
                  "ul",
                  { class: "inline-list" },
                  Object.entries(scan.scores).map(([fw, sc]) => h("li", {}, `${fw}: ${sc.score}%`)),
                )
              : null,
            scan.coverageGaps.length
              ? h(
                  "p",
                  { class: "state state-warn" },
                  `${scan.coverageGaps.length} coverage gap(s): some services could not be read.`,
                )
              : null,
          ),
        ),
      );
    }
    if (detail.organization) parts.push(organizationSection(detail.organization));
    if (scan.status === "awaiting_approval") {
      parts.push(
        section(
          "Waiting for approvals",
          h(
            "p",
            {},
            "The scan proposed remediations and waits until every request is decided. ",
            h("a", { href: `#/approvals?scanId=${encodeURIComponent(scan.id)}` }, "Review the requests"),
            can("operator") ? ", then continue the scan here." : ".",
          ),
        ),
      );
    }
    replace(after, ...parts);
  };

  let finished = false;
  const refresh = async () => {
    try {
      const detail = await get(`/scans/${encodeURIComponent(id)}`, undefined, controller.signal);
      showScan(detail);
      return detail.scan;
    } catch (error) {
      if (error?.name === "AbortError") return undefined;
      replace(
        after,
        errorState(error, () => void refresh()),
      );
      return undefined;
    }
  };

  /** Marks the steps from a final status alone (a scan this server no longer holds the events of). */
  const markFromStatus = (status) => {
    for (const [key] of STEPS) setStep(key, status === "completed" ? "done" : "pending");
    if (status === "awaiting_approval") {
      for (const [key] of STEPS.slice(0, 5)) setStep(key, "done");
      setStep("approve", "waiting");
    }
  };

  const follow = async () => {
    const scan = await refresh();
    if (!scan) return;
    statusLine.textContent = scan.status === "running" ? "The scan is running…" : statusText(scan);
    // The stream replays what this server saw of the scan (also for one that just ended), then follows it.
    let lastId;
    let first = true;
    let sawSteps = false;
    for (let attempt = 0; attempt < 5 && !finished && !controller.signal.aborted; attempt++) {
      try {
        await stream("GET", `/scans/${encodeURIComponent(id)}/events`, {
          signal: controller.signal,
          lastEventId: lastId,
          onEvent: (event, data, eventId) => {
            if (eventId && eventId !== "final") lastId = eventId;
            if (event === "node-start") {
              sawSteps = true;
              const index = STEPS.findIndex(([k]) => k === data.node);
              // Steps before the first one seen ran before (a resumed scan), or were not needed.
              for (const [key, { li }] of [...steps].slice(0, Math.max(index, 0))) {
                if (li.dataset.state === "pending")
                  setStep(key, first && index > 0 && data.node !== "discover" ? "done" : "not needed");
              }
              first = false;
              setStep(data.node, "running");
              statusLine.textContent = `Running: ${STEPS.find(([k]) => k === data.node)?.[1] ?? data.node}`;
            } else if (event === "node-done") {
              setStep(data.node, "done");
            } else if (event === "discovery") {
              discoveryBox.hidden = false;
              discovery.append(
                h(
                  "li",
                  {},
                  `${data.service} in ${data.region}: ${data.state}${typeof data.resources === "number" ? ` (${data.resources} resources)` : ""}`,
                ),
              );
            } else if (event === "status") {
              finished = true;
              if (!sawSteps) {
                markFromStatus(data.status);
                return;
              }
              for (const [key, { li }] of steps) {
                if (li.dataset.state === "pending" && data.status === "completed") setStep(key, "not needed");
              }
              if (data.status === "awaiting_approval") setStep("approve", "waiting");
            }
          },
        });
      } catch (error) {
        if (error?.name === "AbortError") return;
        if (error instanceof ApiError && error.status !== 0) {
          replace(after, errorState(error));
          return;
        }
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
    if (!finished) markFromStatus(scan.status);
    const final = await refresh();
    if (final) statusLine.textContent = statusText(final);
  };
  void follow();
  return () => controller.abort();
}

function statusText(scan) {
  switch (scan.status) {
    case "completed":
      return `Scan completed: ${number(scan.findingCount)} findings on ${number(scan.resourceCount)} resources.`;
    case "awaiting_approval":
      return "The scan is waiting for remediation approvals.";
    case "failed":
      return `The scan failed: ${scan.error ?? "unknown error"}`;
    case "cancelled":
      return `The scan was cancelled${scan.error ? ` (${scan.error})` : ""}.`;
    default:
      return `The scan is ${scan.status}.`;
  }
}

function scanActions(scan, refresh) {
  if (!can("operator")) return [];
  const out = [];
  if (scan.status === "running" || scan.status === "awaiting_approval") {
    const cancel = h(
      "button",
      {
        type: "button",
        class: "button button-danger",
        onclick: () =>
          busy(cancel, async () => {
            if (!window.confirm(`Cancel scan ${scan.id}?`)) return;
            try {
              await post(`/scans/${encodeURIComponent(scan.id)}/cancel`);
              notify(`Scan ${scan.id} cancelled`);
              refresh();
            } catch (error) {
              notify(`Could not cancel: ${describeError(error)}`, "error");
            }
          }),
      },
      "Cancel scan",
    );
    out.push(cancel);
  }
  if (scan.status === "awaiting_approval" || scan.status === "failed") {
    const resume = h(
      "button",
      {
        type: "button",
        class: "button button-primary",
        onclick: () =>
          busy(resume, async () => {
            try {
              await post(`/scans/${encodeURIComponent(scan.id)}/resume`);
              notify(`Scan ${scan.id} continues`);
              // Re-open the page: it follows the stream again.
              window.dispatchEvent(new HashChangeEvent("hashchange"));
            } catch (error) {
              notify(`Could not continue: ${describeError(error)}`, "error");
            }
          }),
      },
      "Continue scan",
    );
    out.push(resume);
  }
  if (scan.status === "awaiting_approval") {
    out.push(
      h(
        "a",
        { class: "button", href: `#/approvals?scanId=${encodeURIComponent(scan.id)}` },
        "Review approvals",
      ),
    );
  }
  return out;
}
