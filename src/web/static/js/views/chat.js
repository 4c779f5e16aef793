/**
 * Chat about the posture. Answers stream in over server-sent events; citation markers in the answer
 * (`[finding:ID]`, `[passage:ID]`) become links to the finding or to the framework control. The message log is
 * a live region, busy while an answer streams, so a screen reader reads each answer once it is complete.
 */
import { get, stream } from "../api.js";
import { h, replace } from "../dom.js";
import { findingHref, frameworkHref, time } from "../format.js";
import { busy, describeError, emptyState, errorState, field, loading, pageHeader } from "../ui.js";

const MARKER = /\[(finding|passage):([^\]\s][^\]]*)\]/g;

const SUGGESTIONS = [
  "How compliant are we?",
  "Which critical findings are failing?",
  "Which S3 buckets are public?",
  "What does PCI DSS 3.5.1 require?",
];

export function chatView(container, _params, query) {
  const threadId = query.get("thread");
  const controller = new AbortController();
  const threads = h("nav", { class: "threads", "aria-label": "Conversations" });
  const log = h("div", {
    class: "chat-log",
    role: "log",
    "aria-live": "polite",
    "aria-label": "Conversation",
  });
  const input = h("textarea", {
    class: "input",
    name: "message",
    rows: 3,
    maxlength: 4000,
    required: true,
    placeholder: "e.g. Which RDS databases break PCI DSS encryption rules, and why?",
  });
  const send = h("button", { type: "submit", class: "button button-primary" }, "Send");
  const error = h("div", { class: "form-message", "aria-live": "assertive" });
  const state = {
    threadId: threadId ?? newThreadId(),
    citations: new Map(),
    docs: new Map(),
    streaming: false,
  };

  const form = h(
    "form",
    {
      class: "chat-form",
      novalidate: true,
      onsubmit: async (event) => {
        event.preventDefault();
        const message = input.value.trim();
        error.replaceChildren();
        if (!message) {
          replace(error, h("p", { class: "state state-error", role: "alert" }, "Type a question first."));
          input.focus();
          return;
        }
        if (state.streaming) return;
        input.value = "";
        await busy(send, () => ask(message));
        input.focus();
      },
    },
    field(
      "Ask about your posture",
      input,
      "Enter sends; Shift+Enter starts a new line. Answers cite the findings and framework passages they rest on.",
    ),
    h("div", { class: "form-actions" }, send),
    error,
  );
  input.addEventListener("keydown", (event) => {
    if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
      event.preventDefault();
      form.requestSubmit();
    }
  });

  const suggestions = h(
    "div",
    { class: "suggestions" },
    h("p", { class: "small" }, "Try:"),
    h(
      "ul",
      { class: "plain inline-list" },
      SUGGESTIONS.map((s) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "button button-small button-quiet",
              onclick: () => {
                input.value = s;
                form.requestSubmit();
              },
            },
            s,
          ),
        ),
      ),
    ),
  );

  replace(
    container,
    pageHeader("Chat", h("a", { class: "button", href: "#/chat" }, "New conversation")),
    h(
      "div",
      { class: "chat" },
      threads,
      h("section", { class: "chat-main", "aria-label": "Conversation" }, log, form),
    ),
  );

  // Framework of each document, for passage links in past answers (their citations are not stored).
  get("/documents")
    .then((list) => {
      for (const d of list.items) state.docs.set(d.id, d.framework);
    })
    .catch(() => {});

  const loadThreads = async () => {
    try {
      const list = await get("/chat/threads", undefined, controller.signal);
      replace(
        threads,
        h("h2", { class: "card-title" }, "Conversations"),
        list.items.length
          ? h(
              "ul",
              { class: "plain" },
              list.items.map((t) =>
                h(
                  "li",
                  {},
                  h(
                    "a",
                    {
                      href: `#/chat?thread=${encodeURIComponent(t.id)}`,
                      "aria-current": t.id === state.threadId ? "page" : null,
                    },
                    t.id,
                  ),
                  h("span", { class: "sub" }, time(t.updatedAt)),
                ),
              ),
            )
          : h("p", { class: "small muted" }, "No conversations yet."),
      );
    } catch (e) {
      if (e?.name !== "AbortError")
        replace(
          threads,
          errorState(e, () => void loadThreads()),
        );
    }
  };

  const loadHistory = async () => {
    if (!threadId) {
      replace(
        log,
        emptyState("Ask a question about findings, resources, scores or framework controls."),
        suggestions,
      );
      return;
    }
    replace(log, loading("Loading the conversation"));
    try {
      const thread = await get(`/chat/threads/${encodeURIComponent(threadId)}`, undefined, controller.signal);
      log.replaceChildren();
      for (const m of thread.messages) {
        if (m.role === "user") log.append(userBubble(m.content));
        else if (m.role === "assistant" && m.content.trim()) {
          const bubble = assistantBubble();
          renderAnswer(bubble.answer, m.content, state);
          renderSources(bubble.sources, m.content, state);
          log.append(bubble.el);
        }
      }
      if (!log.childElementCount) replace(log, emptyState("This conversation is empty."), suggestions);
    } catch (e) {
      if (e?.name === "AbortError") return;
      if (e?.status === 404)
        replace(log, emptyState("This conversation does not exist (or is not yours)."), suggestions);
      else
        replace(
          log,
          errorState(e, () => void loadHistory()),
        );
    }
  };

  const ask = async (message) => {
    if (!threadId && !query.has("thread")) {
      // The first message of a new thread: keep its id in the address (without a navigation).
      history.replaceState(null, "", `#/chat?thread=${encodeURIComponent(state.threadId)}`);
    }
    if (log.querySelector(".state-empty")) log.replaceChildren();
    log.append(userBubble(message));
    const bubble = assistantBubble();
    log.append(bubble.el);
    bubble.el.scrollIntoView({ block: "end" });
    let text = "";
    state.streaming = true;
    log.setAttribute("aria-busy", "true");
    bubble.status.textContent = "Thinking…";
    try {
      await stream("POST", `/chat/threads/${encodeURIComponent(state.threadId)}/messages`, {
        body: { message },
        signal: controller.signal,
        onEvent: (event, data) => {
          if (event === "token") {
            text += data.text ?? "";
            bubble.status.textContent = "Answering…";
            renderAnswer(bubble.answer, text, state);
          } else if (event === "tool_call") {
            bubble.tools.append(
              h("li", { "data-tool": data.id ?? "" }, `Looking up ${data.name}(${argsText(data.args)})`),
            );
          } else if (event === "tool_result") {
            bubble.tools.append(
              h("li", {}, `${data.ok === false ? "Failed: " : ""}${data.summary ?? data.name}`),
            );
          } else if (event === "citation" && data.citation) {
            state.citations.set(`${data.citation.kind}:${data.citation.id}`, data.citation);
          } else if (event === "done") {
            text = data.answer ?? text;
            for (const c of data.citations ?? []) state.citations.set(`${c.kind}:${c.id}`, c);
            renderAnswer(bubble.answer, text, state);
            renderSources(bubble.sources, text, state);
            bubble.status.textContent =
              data.mode === "deterministic"
                ? "Answered without a language model."
                : `Answered by ${data.mode}.`;
          } else if (event === "error") {
            bubble.status.textContent = "";
            replace(
              bubble.error,
              h(
                "p",
                { class: "state state-error", role: "alert" },
                data.problem?.detail ?? "The answer failed.",
              ),
            );
          }
        },
      });
    } catch (e) {
      if (e?.name === "AbortError") return;
      bubble.status.textContent = "";
      replace(bubble.error, h("p", { class: "state state-error", role: "alert" }, describeError(e)));
    } finally {
      state.streaming = false;
      log.removeAttribute("aria-busy");
      bubble.el.scrollIntoView({ block: "nearest" });
    }
    void loadThreads();
  };

  void loadThreads();
  void loadHistory();
  return () => controller.abort();
}

function newThreadId() {
  const random = crypto.getRandomValues(new Uint32Array(2));
  return `web-${Date.now().toString(36)}-${random[0].toString(36)}${random[1].toString(36)}`;
}

function argsText(args) {
  return Object.entries(args ?? {})
    .map(
      ([k, v]) => `${k}: ${Array.isArray(v) ? v.join(", ") : typeof v === "object" ? JSON.stringify(v) : v}`,
    )
    .join("; ");
}

function userBubble(text) {
  return h(
    "div",
    { class: "msg msg-user" },
    h("p", { class: "msg-who" }, "You"),
    h("p", { class: "msg-text" }, text),
  );
}

function assistantBubble() {
  const tools = h("ul", { class: "tool-log", "aria-label": "Tools used" });
  const answer = h("div", { class: "msg-text answer" });
  const sources = h("div", { class: "sources" });
  const status = h("p", { class: "msg-status small muted" });
  const error = h("div", {});
  const el = h(
    "div",
    { class: "msg msg-assistant" },
    h("p", { class: "msg-who" }, "EnforceAI"),
    h("details", { class: "tools" }, h("summary", {}, "How this answer was found"), tools),
    answer,
    sources,
    status,
    error,
  );
  return { el, tools, answer, sources, status, error };
}

/** The order in which an answer first cites each marker: its footnote numbers. */
function markerOrder(text) {
  const order = new Map();
  for (const m of text.matchAll(MARKER)) {
    const key = `${m[1]}:${m[2].trim()}`;
    if (!order.has(key)) order.set(key, order.size + 1);
  }
  return order;
}

function citationHref(kind, id, state) {
  if (kind === "finding") return findingHref(id);
  const info = state.citations.get(`passage:${id}`);
  const framework = info?.framework ?? state.docs.get(id.split(":")[0]);
  return framework ? frameworkHref(framework, info?.controlId ?? undefined) : "#/frameworks";
}

function citationLabel(kind, id, state) {
  const info = state.citations.get(`${kind}:${id}`);
  if (kind === "finding") return info?.title ? `finding: ${info.title}` : `finding ${id}`;
  return info
    ? `${info.framework ?? ""} ${info.controlId ?? ""} (${info.source ?? "framework passage"})`.trim()
    : `framework passage ${id}`;
}

/** Writes the answer as text, with each citation marker as a numbered link. */
function renderAnswer(el, text, state) {
  const order = markerOrder(text);
  const parts = [];
  let last = 0;
  for (const m of text.matchAll(MARKER)) {
    parts.push(text.slice(last, m.index));
    const kind = m[1];
    const id = m[2].trim();
    const n = order.get(`${kind}:${id}`);
    const label = citationLabel(kind, id, state);
    parts.push(
      h(
        "a",
        {
          href: citationHref(kind, id, state),
          class: `cite cite-${kind}`,
          "aria-label": `source ${n}: ${label}`,
          title: label,
        },
        `[${n}]`,
      ),
    );
    last = m.index + m[0].length;
  }
  parts.push(text.slice(last));
  replace(el, ...parts);
}

function renderSources(el, text, state) {
  const order = markerOrder(text);
  if (order.size === 0) {
    el.replaceChildren();
    return;
  }
  replace(
    el,
    h("h3", { class: "small" }, "Sources"),
    h(
      "ol",
      { class: "source-list" },
      [...order.keys()].map((key) => {
        const colon = key.indexOf(":");
        const kind = key.slice(0, colon);
        const id = key.slice(colon + 1);
        return h(
          "li",
          {},
          h(
            "a",
            { href: citationHref(kind, id, state), class: `cite-${kind}` },
            citationLabel(kind, id, state),
          ),
        );
      }),
    ),
  );
}
