/**
 * The API client: the signed-in key (sessionStorage only: it ends with the browser tab), JSON calls that turn
 * RFC 9457 problems into errors, and server-sent events read from a fetch stream (EventSource cannot send the
 * Authorization header).
 */

const KEY = "enforceai.key";
const ROLE = "enforceai.role";
export const API = "/api/v1";

export const ROLES = ["viewer", "operator", "approver", "admin"];

export const session = {
  get key() {
    return sessionStorage.getItem(KEY);
  },
  get role() {
    return sessionStorage.getItem(ROLE);
  },
  set(key, role) {
    sessionStorage.setItem(KEY, key);
    sessionStorage.setItem(ROLE, role);
  },
  clear() {
    sessionStorage.removeItem(KEY);
    sessionStorage.removeItem(ROLE);
  },
};

/** Whether the signed-in role is at least `needed` (viewer < operator < approver < admin). */
export function can(needed) {
  const role = session.role;
  return !!role && ROLES.indexOf(role) >= ROLES.indexOf(needed);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `request failed (HTTP ${status})`);
    this.name = "ApiError";
    this.status = status;
    this.problem = problem;
  }
  /** Field errors of a validation problem, as one readable line. */
  get fields() {
    const errors = this.problem?.errors ?? [];
    return errors.map((e) => `${e.path}: ${e.message}`).join("; ");
  }
}

/** Listeners told when the key stops working (401), so the app can ask to sign in again. */
const unauthorizedListeners = new Set();
export function onUnauthorized(fn) {
  unauthorizedListeners.add(fn);
}

function headers(extra = {}, key = session.key) {
  const out = { Accept: "application/json", ...extra };
  if (key) out.Authorization = `Bearer ${key}`;
  return out;
}

async function problemOf(res) {
  try {
    const body = await res.json();
    return body && typeof body === "object" ? body : undefined;
  } catch {
    return undefined;
  }
}

/**
 * `request("GET", "/findings", { query: {...} })`. `query` values that are undefined, null, "" or empty arrays
 * are left out; arrays become comma-separated. Resolves with the parsed JSON (or undefined for 204).
 */
export async function request(method, path, options = {}) {
  const url = new URL(API + path, location.origin);
  for (const [k, v] of Object.entries(options.query ?? {})) {
    if (v === undefined || v === null || v === "" || (Array.isArray(v) && v.length === 0)) continue;
    url.searchParams.set(k, Array.isArray(v) ? v.join(",") : String(v));
  }
  const init = { method, headers: headers({}, options.key ?? session.key), signal: options.signal };
  if (options.form) {
    init.body = options.form;
  } else if (options.body !== undefined) {
    init.body = JSON.stringify(options.body);
    init.headers["Content-Type"] = "application/json";
  }
  let res;
  try {
    res = await fetch(url, init);
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, {
      detail: "the server could not be reached; check that `enforceai serve` is running",
    });
  }
  if (!res.ok) {
    const problem = await problemOf(res);
    if (res.status === 401 && !options.key) for (const fn of unauthorizedListeners) fn(problem);
    throw new ApiError(res.status, problem);
  }
  if (res.status === 204) return undefined;
  const type = res.headers.get("content-type") ?? "";
  return type.includes("json") ? res.json() : res.text();
}

export const get = (path, query, signal) => request("GET", path, { query, signal });
export const post = (path, body) => request("POST", path, { body });
export const del = (path) => request("DELETE", path);

/**
 * Reads a text/event-stream response: calls `onEvent(name, data, id)` per event until the stream ends, the
 * signal aborts, or the server answers with a problem (thrown as ApiError before any event).
 */
export async function stream(method, path, { body, onEvent, signal, lastEventId } = {}) {
  const init = {
    method,
    headers: headers({ Accept: "text/event-stream" }),
    signal,
  };
  if (lastEventId) init.headers["Last-Event-ID"] = lastEventId;
  if (body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  let res;
  try {
    res = await fetch(API + path, init);
  } catch (error) {
    if (error?.name === "AbortError") throw error;
    throw new ApiError(0, {
      detail: "the server could not be reached; check that `enforceai serve` is running",
    });
  }
  if (!res.ok || !res.body) {
    const problem = await problemOf(res);
    if (res.status === 401) for (const fn of unauthorizedListeners) fn(problem);
    throw new ApiError(res.status, problem);
  }
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += value.replace(/\r\n?/g, "\n");
    let end = buffer.indexOf("\n\n");
    while (end !== -1) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      dispatch(block, onEvent);
      end = buffer.indexOf("\n\n");
    }
  }
  if (buffer.trim()) dispatch(buffer, onEvent);
}

function dispatch(block, onEvent) {
  let event = "message";
  let id;
  const data = [];
  for (const line of block.split("\n")) {
    if (line === "" || line.startsWith(":")) continue;
    const colon = line.indexOf(":");
    const field = colon === -1 ? line : line.slice(0, colon);
    const value = colon === -1 ? "" : line.slice(colon + 1).replace(/^ /, "");
    if (field === "event") event = value;
    else if (field === "data") data.push(value);
    else if (field === "id") id = value;
  }
  if (data.length === 0) return;
  let parsed = data.join("\n");
  try {
    parsed = JSON.parse(parsed);
  } catch {
    /* keep the text */
  }
  onEvent(event, parsed, id);
}

/**
 * The role of a key. The API has no "who am I" route, so the dashboard asks three questions whose answers the
 * role check decides before any handler runs (nothing is read or written): listing keys (admin), deciding a
 * mapping with an invalid body (approver: 400, below: 403) and starting a scan with an invalid body
 * (operator: 400, below: 403). A 401 means the key is not valid.
 */
export async function detectRole(key) {
  const attempt = async (method, path, body) => {
    try {
      await request(method, path, { key, body });
      return "ok";
    } catch (error) {
      if (!(error instanceof ApiError)) throw error;
      if (error.status === 401 || error.status === 0 || error.status === 429) throw error;
      return error.status === 403 ? "forbidden" : "ok";
    }
  };
  const [admin, approver, operator] = await Promise.all([
    attempt("GET", "/keys"),
    attempt("POST", "/frameworks/role-check/mappings", { roleCheck: true }),
    attempt("POST", "/scans", { roleCheck: true }),
  ]);
  if (admin === "ok") return "admin";
  if (approver === "ok") return "approver";
  if (operator === "ok") return "operator";
  return "viewer";
}
