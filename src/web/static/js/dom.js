/**
 * Building DOM without HTML strings. Every piece of data goes in as a text node or an attribute value set
 * with setAttribute — never parsed as HTML — so resource names, tags and model output stay data even when
 * they contain markup.
 */

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * `h("a", { href: "#/x", class: "link" }, "text", child)`. Attributes: `class`, `for`, aria-* and data-* as is;
 * `on*` functions become listeners; `true` sets a boolean attribute, `false`/`null`/`undefined` leaves it out.
 * Children: nodes, strings (text nodes), numbers, arrays, and null/false (skipped).
 */
export function h(tag, attrs = {}, ...children) {
  return build(document.createElement(tag), attrs, children);
}

/** The same for SVG elements. */
export function s(tag, attrs = {}, ...children) {
  return build(document.createElementNS(SVG_NS, tag), attrs, children);
}

function build(el, attrs, children) {
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      el.addEventListener(name.slice(2).toLowerCase(), value);
    } else if (name === "href") {
      el.setAttribute("href", safeHref(String(value)));
    } else if (value === true) {
      el.setAttribute(name, "");
    } else {
      el.setAttribute(name, String(value));
    }
  }
  append(el, children);
  return el;
}

/** Links stay inside the dashboard (or are plain https/mailto): a `javascript:` URL in data never becomes one. */
export function safeHref(href) {
  if (href.startsWith("#")) return href;
  if (href.startsWith("/") && !href.startsWith("//")) return href;
  if (/^https:\/\//i.test(href)) return href;
  return "#";
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false || child === true) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

/** Replaces an element's content. */
export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

/** A visually hidden text for screen readers. */
export function srOnly(text) {
  return h("span", { class: "sr-only" }, text);
}

let idCounter = 0;
/** A unique id for label/aria wiring. */
export function uid(prefix = "id") {
  idCounter += 1;
  return `${prefix}-${idCounter}`;
}

/** Pretty JSON inside a <pre>, as text. */
export function jsonBlock(value, label) {
  const text = JSON.stringify(value ?? null, null, 2);
  return h("pre", { class: "json", tabindex: "0", "aria-label": label ?? "JSON" }, h("code", {}, text));
}

/** A table that scrolls sideways on small screens, reachable by keyboard. */
export function tableWrap(table, label) {
  return h("div", { class: "table-wrap", role: "region", "aria-label": label, tabindex: "0" }, table);
}
