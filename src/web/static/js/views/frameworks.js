/**
 * Frameworks and their documents: what is scored, the documents in the knowledge base and their ingestion
 * status, uploading a new one, and the proposed control → check mappings a person confirms or rejects.
 */
import { ApiError, can, get, post, request } from "../api.js";
import { h, replace, tableWrap, uid } from "../dom.js";
import { frameworkHref, number, statusBadge, time } from "../format.js";
import {
  async,
  busy,
  describeError,
  emptyState,
  errorState,
  field,
  formMessage,
  loading,
  notify,
  pageHeader,
  section,
} from "../ui.js";

export function frameworksView(container) {
  const frameworks = h("div", {});
  const documents = h("div", {});
  let timer;
  replace(
    container,
    pageHeader("Frameworks and documents"),
    h(
      "div",
      { class: "stack" },
      section("Frameworks", frameworks),
      section("Documents in the knowledge base", documents),
      can("operator")
        ? section(
            "Upload a framework document",
            uploadForm(() => void reloadDocs()),
          )
        : h("p", { class: "state state-info" }, "Uploading documents needs the operator role."),
    ),
  );
  async(frameworks, () => get("/frameworks"), frameworkTable, "Loading frameworks");
  const reloadDocs = async (quiet = false) => {
    clearTimeout(timer);
    if (!quiet) replace(documents, loading("Loading documents"));
    try {
      const list = await get("/documents");
      replace(documents, documentTable(list.items));
      // Follow ingestion until every document is indexed or failed.
      if (list.items.some((d) => d.status === "queued" || d.status === "processing")) {
        timer = setTimeout(() => void reloadDocs(true), 2000);
      }
    } catch (error) {
      replace(
        documents,
        errorState(error, () => void reloadDocs()),
      );
    }
  };
  void reloadDocs();
  return () => clearTimeout(timer);
}

function frameworkTable(list) {
  if (list.items.length === 0) return emptyState("No framework is configured.");
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Frameworks"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Framework", "Name", "Version", "Controls", "Automated", "Manual"].map((c) =>
            h("th", { scope: "col" }, c),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        list.items.map((f) =>
          h(
            "tr",
            {},
            h("th", { scope: "row" }, h("a", { href: frameworkHref(f.id) }, f.id)),
            h("td", {}, f.name),
            h("td", {}, f.version),
            h("td", { class: "num" }, number(f.controls)),
            h("td", { class: "num" }, number(f.automatedControls)),
            h("td", { class: "num" }, number(f.controls - f.automatedControls)),
          ),
        ),
      ),
    ),
    "Frameworks",
  );
}

function documentTable(items) {
  if (items.length === 0) return emptyState("No documents yet; the bundled ones are indexed on first use.");
  return tableWrap(
    h(
      "table",
      {},
      h("caption", { class: "sr-only" }, "Documents"),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Document", "Framework", "Origin", "Status", "Passages", "Controls extracted", "Updated"].map(
            (c) => h("th", { scope: "col" }, c),
          ),
        ),
      ),
      h(
        "tbody",
        {},
        items.map((d) =>
          h(
            "tr",
            { "data-document-id": d.id },
            h(
              "th",
              { scope: "row" },
              d.title || d.source,
              h("span", { class: "sub" }, `${d.source}${d.format ? ` · ${d.format}` : ""}`),
            ),
            h(
              "td",
              {},
              h("a", { href: frameworkHref(d.framework) }, d.framework),
              h("span", { class: "sub" }, d.version),
            ),
            h("td", {}, d.origin),
            h(
              "td",
              {},
              statusBadge(d.status),
              d.error ? h("span", { class: "sub error-text" }, d.error) : null,
            ),
            h("td", { class: "num" }, number(d.chunkCount)),
            h(
              "td",
              {},
              d.extractionStatus === "extracted"
                ? [
                    number(d.controlsExtracted),
                    " · ",
                    h("a", { href: frameworkHref(d.framework) }, "review mappings"),
                  ]
                : d.extractionStatus === "failed"
                  ? h("span", { class: "error-text" }, `failed: ${d.extractionError ?? ""}`)
                  : h("span", { class: "muted" }, d.extractionStatus === "skipped" ? "built in" : "—"),
            ),
            h("td", {}, time(d.updatedAt)),
          ),
        ),
      ),
    ),
    "Documents",
  );
}

function uploadForm(reload) {
  const msg = formMessage();
  const file = h("input", {
    type: "file",
    class: "input",
    name: "file",
    required: true,
    accept: ".md,.markdown,.txt,.html,.htm,.pdf",
  });
  const framework = h("input", {
    type: "text",
    class: "input",
    name: "framework",
    required: true,
    pattern: "[a-z0-9][a-z0-9.-]*",
    autocomplete: "off",
    placeholder: "acme-cloud-policy",
  });
  const version = h("input", {
    type: "text",
    class: "input",
    name: "version",
    maxlength: 50,
    autocomplete: "off",
  });
  const title = h("input", {
    type: "text",
    class: "input",
    name: "title",
    maxlength: 200,
    autocomplete: "off",
  });
  const submit = h("button", { type: "submit", class: "button button-primary" }, "Upload and ingest");
  const form = h(
    "form",
    {
      class: "form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        msg.clear();
        if (!file.files?.length) {
          msg.error(new Error("Choose a file (Markdown, text, HTML or PDF)."));
          file.focus();
          return;
        }
        if (!/^[a-z0-9][a-z0-9.-]*$/.test(framework.value.trim())) {
          framework.setAttribute("aria-invalid", "true");
          msg.error(
            new Error(
              "The framework id is lowercase letters, digits, dots and dashes, e.g. acme-cloud-policy.",
            ),
          );
          framework.focus();
          return;
        }
        framework.removeAttribute("aria-invalid");
        const data = new FormData();
        data.append("framework", framework.value.trim());
        if (version.value.trim()) data.append("version", version.value.trim());
        if (title.value.trim()) data.append("title", title.value.trim());
        data.append("file", file.files[0], file.files[0].name);
        await busy(submit, async () => {
          msg.ok("Uploading and ingesting…");
          try {
            const doc = await request("POST", "/documents", { form: data });
            msg.ok(
              doc.status === "indexed"
                ? `Ingested: ${doc.chunkCount} passages${doc.controlsExtracted ? `, ${doc.controlsExtracted} controls extracted` : ""}.`
                : `Accepted; ingestion is ${doc.status}.`,
            );
            notify(`Document ${doc.source} ${doc.status}`);
            form.reset();
            reload();
            if (doc.extractionStatus === "extracted") {
              msg.el.append(
                h(
                  "p",
                  {},
                  h(
                    "a",
                    { href: frameworkHref(doc.framework) },
                    `Review the proposed mappings of ${doc.framework}`,
                  ),
                ),
              );
            }
          } catch (error) {
            msg.error(error);
          }
        });
      },
    },
    field(
      "Document",
      file,
      "Markdown, text, HTML or PDF. Controls are extracted and mapped to checks for a person to confirm.",
    ),
    field("Framework id", framework, "Lowercase, e.g. acme-cloud-policy or iso-27001-2022"),
    field("Version (optional)", version),
    field("Title (optional)", title),
    h("div", { class: "form-actions" }, submit),
    msg.el,
  );
  return form;
}

// ------------------------------------------------------------------------------------------- one framework

export function frameworkView(container, [id], query) {
  const focusControl = query.get("control");
  const about = h("div", { class: "stack" });
  const mappings = h("div", {});
  const controls = h("div", {});
  replace(
    container,
    pageHeader(`Framework ${id}`),
    h(
      "div",
      { class: "stack" },
      about,
      section("Control mappings to review", mappings),
      section("Controls", controls),
    ),
  );
  // The mappings load on their own: an ingested framework has them before it is scored (or even listed).
  loadMappings(mappings, id);
  async(
    controls,
    () =>
      get(`/frameworks/${encodeURIComponent(id)}`).catch((error) => {
        if (error instanceof ApiError && error.status === 404) return null;
        throw error;
      }),
    (f) => {
      if (!f) {
        replace(
          about,
          h(
            "p",
            { class: "state state-info" },
            `${id} is not scored yet: confirm at least one proposed mapping and its controls count from the next scan on.`,
          ),
        );
        return emptyState("No controls are scored for this framework yet.");
      }
      const heading = container.querySelector("#page-title");
      if (heading) heading.textContent = `${f.name} (${f.id})`;
      document.title = `${f.name} · EnforceAI`;
      replace(
        about,
        h("p", { class: "lede" }, f.description),
        h(
          "p",
          { class: "small" },
          `Version ${f.version} · ${f.automatedControls} of ${f.controls} controls automated (decided by checks), ${f.controls - f.automatedControls} manual · ${f.source}`,
          f.publisher ? ` · ${f.publisher}` : "",
        ),
      );
      const table = controlTable(f, focusControl);
      if (focusControl) {
        // Once the table is in the page: bring the cited control into view and move focus to it.
        setTimeout(() => {
          const row = table.querySelector(`[data-control="${CSS.escape(focusControl)}"]`);
          if (row) {
            row.scrollIntoView({ block: "center" });
            row.querySelector("th")?.focus();
          }
        }, 0);
      }
      return table;
    },
    "Loading the controls",
  );
  return undefined;
}

function controlTable(f, focusControl) {
  return tableWrap(
    h(
      "table",
      { class: "controls-table" },
      h("caption", { class: "sr-only" }, `Controls of ${f.id}`),
      h(
        "thead",
        {},
        h(
          "tr",
          {},
          ["Control", "Title and description", "Decided by"].map((c) => h("th", { scope: "col" }, c)),
        ),
      ),
      h(
        "tbody",
        {},
        f.controlList.map((c) =>
          h(
            "tr",
            { "data-control": c.id, class: c.id === focusControl ? "highlight" : null },
            h(
              "th",
              { scope: "row", tabindex: c.id === focusControl ? "-1" : null },
              c.id,
              c.section ? h("span", { class: "sub" }, c.section) : null,
            ),
            h("td", {}, h("strong", {}, c.title), h("p", { class: "small" }, c.description)),
            h(
              "td",
              {},
              c.manual
                ? h("span", { class: "muted" }, "manual review")
                : h(
                    "ul",
                    { class: "plain" },
                    c.checks.map((check) => h("li", {}, h("code", {}, check))),
                  ),
            ),
          ),
        ),
      ),
    ),
    `Controls of ${f.id}`,
  );
}

function loadMappings(container, framework, after) {
  async(
    container,
    () => get(`/frameworks/${encodeURIComponent(framework)}/mappings`),
    (list) => {
      if (after) setTimeout(after, 0);
      return mappingTable(container, framework, list.items);
    },
    "Loading mappings",
  );
}

function mappingTable(container, framework, items) {
  const proposed = items.filter((m) => m.status === "proposed");
  const decided = items.filter((m) => m.status !== "proposed" && m.origin !== "builtin");
  if (proposed.length === 0 && decided.length === 0) {
    return emptyState("Nothing to review: this framework has no proposed mappings.");
  }
  const row = (m) => {
    const msgId = uid("m");
    const cells = [
      h("th", { scope: "row" }, m.controlId, h("span", { class: "sub" }, m.controlTitle)),
      h("td", {}, h("code", {}, m.checkId)),
      h("td", { class: "num" }, typeof m.score === "number" ? m.score.toFixed(2) : "—"),
      h("td", { class: "small" }, m.rationale ?? ""),
      h(
        "td",
        {},
        statusBadge(m.status),
        m.decidedBy ? h("span", { class: "sub" }, `${m.decidedBy}, ${time(m.decidedAt).textContent}`) : null,
      ),
    ];
    if (m.status === "proposed" && can("approver")) {
      const decide = (decision, button) =>
        busy(button, async () => {
          try {
            await post(`/frameworks/${encodeURIComponent(framework)}/mappings`, {
              controlId: m.controlId,
              checkId: m.checkId,
              decision,
            });
            notify(`${m.controlId} → ${m.checkId} ${decision}`);
            // The table is drawn again: focus goes to the next proposal (or to the section) instead of the page.
            loadMappings(container, framework, () => {
              const next = container.querySelector("button[aria-label^='Confirm ']");
              if (next) next.focus();
              else container.closest("section")?.querySelector("h2")?.focus();
            });
          } catch (error) {
            document.getElementById(msgId).textContent = describeError(error);
          }
        });
      const confirm = h(
        "button",
        {
          type: "button",
          class: "button button-small",
          "aria-label": `Confirm ${m.controlId} → ${m.checkId}`,
        },
        "Confirm",
      );
      const reject = h(
        "button",
        {
          type: "button",
          class: "button button-small button-quiet",
          "aria-label": `Reject ${m.controlId} → ${m.checkId}`,
        },
        "Reject",
      );
      confirm.addEventListener("click", () => decide("confirmed", confirm));
      reject.addEventListener("click", () => decide("rejected", reject));
      cells.push(
        h(
          "td",
          {},
          h("div", { class: "button-row" }, confirm, reject),
          h("span", { id: msgId, class: "error-text", role: "alert" }),
        ),
      );
    } else {
      cells.push(
        h("td", {}, m.status === "proposed" ? h("span", { class: "muted" }, "an approver decides") : ""),
      );
    }
    return h("tr", { "data-mapping": `${m.controlId} ${m.checkId}` }, cells);
  };
  return h(
    "div",
    {},
    h(
      "p",
      { class: "small" },
      `${proposed.length} proposed mapping${proposed.length === 1 ? "" : "s"} wait for a person. A confirmed mapping makes the control count in the framework's score from the next scan on.`,
    ),
    tableWrap(
      h(
        "table",
        {},
        h("caption", { class: "sr-only" }, "Proposed and decided mappings"),
        h(
          "thead",
          {},
          h(
            "tr",
            {},
            ["Control", "Check", "Score", "Why", "Status", "Decision"].map((c) =>
              h("th", { scope: "col" }, c),
            ),
          ),
        ),
        h("tbody", {}, [...proposed, ...decided].map(row)),
      ),
      "Mappings",
    ),
  );
}
