/**
 * The dashboard's shell: hash routes (`#/findings?severity=high`), the navigation, the signed-in role, and focus
 * moved to each page's heading after a navigation.
 */
import { can, onUnauthorized, session } from "./api.js";
import { h, replace } from "./dom.js";
import { errorState } from "./ui.js";
import { approvalsView, approvalView } from "./views/approvals.js";
import { changesView } from "./views/changes.js";
import { chatView } from "./views/chat.js";
import { findingsView, findingView } from "./views/findings.js";
import { frameworksView, frameworkView } from "./views/frameworks.js";
import { overviewView } from "./views/overview.js";
import { resourcesView, resourceView } from "./views/resources.js";
import { scansView, scanView } from "./views/scans.js";
import { schedulesView } from "./views/schedules.js";
import { signInView } from "./views/signin.js";

const NAV = [
  { href: "#/overview", label: "Overview", match: /^\/overview/ },
  { href: "#/scans", label: "Scans", match: /^\/scans/ },
  { href: "#/schedules", label: "Schedules", match: /^\/schedules/ },
  { href: "#/changes", label: "Changes", match: /^\/changes/ },
  { href: "#/findings", label: "Findings", match: /^\/findings?\b/ },
  { href: "#/resources", label: "Resources", match: /^\/resources?\b/ },
  { href: "#/frameworks", label: "Frameworks", match: /^\/frameworks/ },
  { href: "#/approvals", label: "Approvals", match: /^\/approvals/ },
  { href: "#/chat", label: "Chat", match: /^\/chat/ },
];

/** [pattern, view]; a view renders into the container and may return a cleanup function. */
const ROUTES = [
  [/^\/overview$/, overviewView],
  [/^\/scans$/, scansView],
  [/^\/scans\/([^/]+)$/, scanView],
  [/^\/schedules$/, schedulesView],
  [/^\/changes$/, changesView],
  [/^\/findings$/, findingsView],
  [/^\/finding\/(.+)$/, findingView],
  [/^\/resources$/, resourcesView],
  [/^\/resource\/(.+)$/, resourceView],
  [/^\/frameworks$/, frameworksView],
  [/^\/frameworks\/([^/]+)$/, frameworkView],
  [/^\/approvals$/, approvalsView],
  [/^\/approvals\/([^/]+)$/, approvalView],
  [/^\/chat$/, chatView],
];

const main = () => document.getElementById("main");
let cleanup;
let signedOutReason;

/** `#/findings?x=1` → { path: "/findings", query: URLSearchParams }. */
export function currentRoute() {
  const raw = location.hash.startsWith("#/") ? location.hash.slice(1) : "/overview";
  const q = raw.indexOf("?");
  return {
    path: q === -1 ? raw : raw.slice(0, q),
    query: new URLSearchParams(q === -1 ? "" : raw.slice(q + 1)),
  };
}

/** Navigates (adds a history entry); `replace` rewrites the current one (filters). */
export function go(hash, options = {}) {
  if (options.replace) {
    history.replaceState(null, "", hash);
    void render({ focus: false });
  } else if (location.hash === hash) {
    void render();
  } else {
    location.hash = hash;
  }
}

function renderNav() {
  const nav = document.getElementById("nav");
  const account = document.getElementById("account");
  if (!session.key) {
    nav.hidden = true;
    account.replaceChildren();
    return;
  }
  nav.hidden = false;
  const { path } = currentRoute();
  replace(
    nav,
    h(
      "ul",
      {},
      NAV.map((item) =>
        h(
          "li",
          {},
          h("a", { href: item.href, "aria-current": item.match.test(path) ? "page" : null }, item.label),
        ),
      ),
    ),
  );
  replace(
    account,
    h(
      "span",
      { class: "role-badge", title: "the role of your API key" },
      h("span", { class: "sr-only" }, "Signed in as "),
      session.role,
    ),
    h(
      "button",
      {
        type: "button",
        class: "button button-quiet",
        onclick: () => {
          session.clear();
          signedOutReason = "You signed out.";
          void render();
        },
      },
      "Sign out",
    ),
  );
}

async function render(options = {}) {
  if (typeof cleanup === "function") {
    try {
      cleanup();
    } catch {
      /* a view's cleanup never stops navigation */
    }
  }
  cleanup = undefined;
  const container = main();
  renderNav();
  if (!session.key) {
    cleanup = signInView(container, {
      reason: signedOutReason,
      onSignedIn: () => {
        signedOutReason = undefined;
        void render();
      },
    });
    container.querySelector("input")?.focus();
    return;
  }
  const { path, query } = currentRoute();
  const found = ROUTES.find(([pattern]) => pattern.test(path));
  container.replaceChildren();
  if (!found) {
    replace(
      container,
      h("h1", { id: "page-title", tabindex: "-1" }, "Page not found"),
      errorState(new Error(`there is no page at ${path}`)),
      h("p", {}, h("a", { href: "#/overview" }, "Go to the overview")),
    );
  } else {
    const [pattern, view] = found;
    try {
      const params = pattern.exec(path).slice(1).map(decodeURIComponent);
      cleanup = view(container, params, query, { go, can });
    } catch (error) {
      // A mangled address (e.g. a broken %-escape) or a view that failed to start: say so, keep the shell.
      replace(
        container,
        h("h1", { id: "page-title", tabindex: "-1" }, "This page could not open"),
        errorState(error),
      );
    }
  }
  document.title = `${container.querySelector("h1")?.textContent ?? "EnforceAI"} · EnforceAI`;
  if (options.focus !== false) focusHeading();
}

/** Moves focus to the page heading so that keyboard and screen-reader users start at the new content. */
function focusHeading() {
  const heading = document.getElementById("page-title");
  if (heading) heading.focus({ preventScroll: false });
  else main().focus();
}

onUnauthorized(() => {
  if (!session.key) return;
  session.clear();
  signedOutReason = "Your API key is no longer accepted (revoked or unknown). Sign in again.";
  void render();
});

window.addEventListener("hashchange", () => void render());
window.addEventListener("DOMContentLoaded", () => {
  document.getElementById("skip-link")?.addEventListener("click", (event) => {
    event.preventDefault();
    main().focus();
  });
  if (!location.hash.startsWith("#/")) history.replaceState(null, "", "#/overview");
  void render();
});
