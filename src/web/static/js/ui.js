/** Shared view pieces: page headings, loading, error and empty states, notices, sections. */
import { ApiError } from "./api.js";
import { h, replace, uid } from "./dom.js";

/** The page's heading; the router focuses it after each navigation. */
export function pageHeader(title, ...extra) {
  return h(
    "div",
    { class: "page-header" },
    h("h1", { id: "page-title", tabindex: "-1" }, title),
    extra.length ? h("div", { class: "page-actions" }, ...extra) : null,
  );
}

export function loading(what = "Loading") {
  return h(
    "p",
    { class: "state state-loading", role: "status" },
    h("span", { class: "spinner", "aria-hidden": "true" }),
    `${what}…`,
  );
}

/** An error with what went wrong and, when given, a way to try again. */
export function errorState(error, retry) {
  const message = describeError(error);
  return h(
    "div",
    { class: "state state-error", role: "alert" },
    h("p", {}, h("strong", {}, "Something went wrong: "), message),
    retry ? h("button", { type: "button", class: "button", onclick: retry }, "Try again") : null,
  );
}

export function describeError(error) {
  if (error instanceof ApiError) {
    const fields = error.fields;
    return fields ? `${error.message} (${fields})` : error.message;
  }
  return error?.message ?? String(error);
}

export function emptyState(message, ...actions) {
  return h(
    "div",
    { class: "state state-empty" },
    h("p", {}, message),
    actions.length ? h("p", { class: "actions" }, ...actions) : null,
  );
}

/** A titled card section; `headingLevel` 2 by default. */
export function section(title, body, options = {}) {
  const id = uid("sec");
  return h(
    "section",
    { class: `card ${options.class ?? ""}`.trim(), "aria-labelledby": id },
    h(`h${options.level ?? 2}`, { id, class: "card-title", tabindex: "-1" }, title),
    body,
  );
}

/**
 * Loads data into a container: shows the loading state, then the view `render(data)` returns, or the error
 * with a retry. Returns a function that reloads.
 */
export function async(container, load, render, what) {
  const run = async () => {
    container.setAttribute("aria-busy", "true");
    replace(container, loading(what));
    try {
      const data = await load();
      replace(container, render(data));
    } catch (error) {
      if (error?.name === "AbortError") return;
      replace(container, errorState(error, run));
    } finally {
      container.removeAttribute("aria-busy");
    }
  };
  void run();
  return run;
}

/** Announces a message in the polite live region (and shows it as a toast). */
export function notify(message, kind = "info") {
  const region = document.getElementById("notices");
  if (!region) return;
  const item = h("div", { class: `notice notice-${kind}` }, message);
  region.append(item);
  // At most three at a time, each for a few seconds: they repeat what the page already shows.
  while (region.childElementCount > 3) region.firstElementChild?.remove();
  setTimeout(() => item.remove(), kind === "error" ? 10_000 : 5000);
}

/** An inline message under a form: role=alert for errors, status otherwise. */
export function formMessage() {
  const el = h("div", { class: "form-message", "aria-live": "polite" });
  return {
    el,
    error(error) {
      replace(el, h("p", { class: "state state-error", role: "alert" }, describeError(error)));
    },
    ok(text) {
      replace(el, h("p", { class: "state state-ok", role: "status" }, text));
    },
    clear() {
      el.replaceChildren();
    },
  };
}

/** A labelled form field: `field("Reason", input)`; the input gets an id if it has none. */
export function field(label, input, hint) {
  if (!input.id) input.id = uid("f");
  const hintEl = hint ? h("span", { class: "hint", id: `${input.id}-hint` }, hint) : null;
  if (hintEl) input.setAttribute("aria-describedby", hintEl.id);
  return h("div", { class: "field" }, h("label", { for: input.id }, label), input, hintEl);
}

/** A definition list from [term, value] pairs (values may be nodes). */
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs
      .filter(([, v]) => v !== undefined && v !== null && v !== "")
      .map(([k, v]) => h("div", { class: "fact" }, h("dt", {}, k), h("dd", {}, v))),
  );
}

/** Disables a button while `work` runs. */
export async function busy(button, work) {
  button.disabled = true;
  button.setAttribute("aria-busy", "true");
  try {
    return await work();
  } finally {
    button.disabled = false;
    button.removeAttribute("aria-busy");
  }
}
