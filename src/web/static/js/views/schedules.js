/** Scheduled scans: the list (next and last run, the last scan), and for operators creating, enabling and disabling. */
import { can, get, post, request } from "../api.js";
import { h, replace, tableWrap } from "../dom.js";
import { scanHref, time } from "../format.js";
import {
  async,
  busy,
  describeError,
  emptyState,
  field,
  formMessage,
  notify,
  pageHeader,
  section,
} from "../ui.js";

export function schedulesView(container) {
  const list = h("div", {});
  const reload = () =>
    async(
      list,
      () => get("/schedules"),
      (page) => scheduleTable(page, reload),
      "Loading schedules",
    );
  replace(
    container,
    pageHeader("Schedules"),
    h(
      "div",
      { class: "stack" },
      h(
        "p",
        { class: "small" },
        "The server starts each schedule's scan at its cron ticks (at least 5 minutes apart), once however many servers run.",
      ),
      section("Scheduled scans", list),
      can("operator")
        ? section("Schedule a scan", createForm(reload))
        : h(
            "p",
            { class: "state state-info" },
            "Changing schedules needs the operator role; your key can read them.",
          ),
    ),
  );
  reload();
  return undefined;
}

function createForm(reload) {
  const msg = formMessage();
  const name = h("input", {
    type: "text",
    class: "input",
    name: "name",
    required: true,
    autocomplete: "off",
  });
  const cron = h("input", {
    type: "text",
    class: "input",
    name: "cron",
    required: true,
    placeholder: "0 3 * * *",
    autocomplete: "off",
  });
  const timezone = h("input", { type: "text", class: "input", name: "timezone", placeholder: "UTC" });
  const demo = h("input", { type: "checkbox", name: "demo", id: "schedule-demo", checked: true });
  const regions = h("input", {
    type: "text",
    class: "input",
    name: "regions",
    placeholder: "us-east-1, eu-west-1",
    autocomplete: "off",
  });
  const submit = h("button", { type: "submit", class: "button button-primary" }, "Create schedule");
  return h(
    "form",
    {
      class: "form",
      onsubmit: async (event) => {
        event.preventDefault();
        msg.clear();
        const body = { name: name.value.trim(), cron: cron.value.trim() };
        if (timezone.value.trim()) body.timezone = timezone.value.trim();
        if (demo.checked) {
          body.options = { demo: true };
        } else {
          const r = regions.value
            .split(/[\s,]+/)
            .map((x) => x.trim())
            .filter(Boolean);
          body.options = { scope: r.length ? { regions: r } : {} };
        }
        await busy(submit, async () => {
          try {
            const created = await post("/schedules", body);
            notify(`Schedule ${created.name} created`);
            reload();
          } catch (error) {
            msg.error(error);
          }
        });
      },
    },
    field("Name", name, "Letters, digits and . _ - only."),
    field(
      "Cron expression",
      cron,
      "Five fields: minute hour day-of-month month day-of-week, e.g. 0 3 * * * for 03:00.",
    ),
    field("Time zone", timezone, "An IANA name such as Europe/Berlin; empty is UTC."),
    h(
      "div",
      { class: "check" },
      demo,
      h(
        "label",
        { for: demo.id },
        "Scan the bundled sample account (unchecked: a live scan with the server's credentials)",
      ),
    ),
    field("Regions (live scans)", regions, "Comma-separated; empty scans every enabled region."),
    h("div", { class: "form-actions" }, submit),
    msg.el,
  );
}

function toggleButton(schedule, reload) {
  const button = h(
    "button",
    {
      type: "button",
      class: "button button-quiet",
      onclick: () =>
        busy(button, async () => {
          try {
            await request("PATCH", `/schedules/${encodeURIComponent(schedule.id)}`, {
              body: { enabled: !schedule.enabled },
            });
            notify(`Schedule ${schedule.name} ${schedule.enabled ? "disabled" : "enabled"}`);
            reload();
          } catch (error) {
            notify(`Could not change ${schedule.name}: ${describeError(error)}`, "error");
          }
        }),
    },
    schedule.enabled ? "Disable" : "Enable",
  );
  return button;
}

function scheduleTable(page, reload) {
  if (page.items.length === 0) {
    return emptyState("No schedules yet. Set ENFORCEAI_SCAN_SCHEDULE on the server, or create one here.");
  }
  const operator = can("operator");
  const columns = ["Schedule", "Cron", "Scans", "Next run", "Last run", "Last scan", "Enabled"];
  if (operator) columns.push("Actions");
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Scheduled scans, by name"),
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
        page.items.map((s) =>
          h(
            "tr",
            {},
            h(
              "th",
              { scope: "row" },
              s.name,
              s.source === "config"
                ? h("span", { class: "small muted" }, " (ENFORCEAI_SCAN_SCHEDULE)")
                : null,
            ),
            h("td", {}, h("code", {}, s.cron), s.timezone !== "UTC" ? ` ${s.timezone}` : null),
            h("td", {}, whatItScans(s.options)),
            h("td", {}, s.nextRunAt ? time(s.nextRunAt) : "—"),
            h(
              "td",
              {},
              s.lastRunAt ? time(s.lastRunAt) : "never",
              s.lastError ? h("div", { class: "small state-error" }, s.lastError) : null,
            ),
            h("td", {}, s.lastScanId ? h("a", { href: scanHref(s.lastScanId) }, s.lastScanId) : "—"),
            h("td", {}, s.enabled ? "yes" : "no"),
            operator ? h("td", {}, toggleButton(s, reload)) : null,
          ),
        ),
      ),
    ),
    "Schedules",
  );
}

function whatItScans(options) {
  if (options.demo) return "sample account";
  const regions = options.scope?.regions?.join(", ") || "every enabled region";
  const roles = options.scope?.roleArns?.length ? `, ${options.scope.roleArns.length} role(s)` : "";
  const frameworks = options.frameworks?.length ? `; ${options.frameworks.join(", ")}` : "";
  return `live: ${regions}${roles}${frameworks}`;
}
