/**
 * Routes as data. Each route states its method, path, the least role it needs, its zod schemas (params, query,
 * body, responses) and a handler. The same definition mounts the express handler chain (authenticate, rate
 * limit, role, body parsing, validation, response shaping) and feeds the OpenAPI document, so an undocumented
 * route cannot exist.
 */
import express, {
  type ErrorRequestHandler,
  type NextFunction,
  type Request,
  type RequestHandler,
  type Response,
} from "express";
import { z } from "zod";
import type { Principal, Role } from "../domain/roles.ts";
import { storableInput } from "../domain/text.ts";
import { authenticate, bearerKey, requireRole } from "./auth.ts";
import type { ApiServices } from "./context.ts";
import { HttpProblem, issuesToErrors, validationProblem } from "./problem.ts";

export type Method = "get" | "post" | "put" | "patch" | "delete";

export interface ResponseDef {
  description: string;
  /** The JSON body's schema (responses are parsed through it before they are sent). */
  schema?: z.ZodType;
  /** Default application/json. Non-JSON responses (CSV, SSE) are written by the handler itself. */
  contentType?: string;
  /** For `text/event-stream`: the schema of each event's JSON `data` line. */
  sseEvent?: z.ZodType;
  /** Extra content types the same status may answer with (documented only). */
  alternatives?: Record<string, z.ZodType>;
  headers?: Record<string, { description: string; schema: z.ZodType }>;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface HandlerContext<P, Q, B> {
  req: Request;
  res: Response;
  params: P;
  query: Q;
  body: B;
  /** The caller; a local stand-in on public routes. */
  principal: Principal;
  services: ApiServices;
}

type Empty = z.ZodObject<Record<string, never>>;

export interface RouteDef<
  P extends z.ZodType = Empty,
  Q extends z.ZodType = Empty,
  B extends z.ZodType = Empty,
> {
  method: Method;
  /** Express path relative to the mount point (`/scans/:id`). */
  path: string;
  operationId: string;
  summary: string;
  description?: string;
  tag: string;
  /** The least role that may call this route, or `public` (health probes only). */
  role: Role | "public";
  params?: P;
  query?: Q;
  body?: B;
  /** `multipart/form-data` routes parse their own body; `body` then only documents it. */
  requestContentType?: "application/json" | "multipart/form-data";
  /** Whether the body may be absent (then `body` is undefined). */
  bodyOptional?: boolean;
  /** JSON body size limit in bytes (default: the server's). */
  bodyLimitBytes?: number;
  responses: Record<number, ResponseDef>;
  /** Error statuses this route can answer with besides the common ones (documented as problems). */
  errors?: number[];
  handler(ctx: HandlerContext<z.output<P>, z.output<Q>, z.output<B>>): Promise<Reply | undefined>;
}

// biome-ignore lint/suspicious/noExplicitAny: the registry holds routes of every shape
export type AnyRoute = RouteDef<any, any, any>;

export function route<P extends z.ZodType = Empty, Q extends z.ZodType = Empty, B extends z.ZodType = Empty>(
  def: RouteDef<P, Q, B>,
): AnyRoute {
  return def as AnyRoute;
}

/** `/scans/:id` → `/scans/{id}`. */
export function openApiPath(path: string): string {
  return path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "{$1}");
}

const PUBLIC_PRINCIPAL: Principal = {
  keyId: "public",
  role: "viewer",
  name: null,
  identity: "anonymous",
  identities: ["anonymous"],
};

/** How deeply a JSON body may nest (objects and arrays); deeper bodies are refused before any schema runs. */
export const JSON_BODY_MAX_DEPTH = 100;

// Every request part first holds to the store's text rule (src/domain/text.ts), then to the route's schema.
function parsePart<T>(schema: z.ZodType<T> | undefined, value: unknown, where: string): T {
  if (!schema) return {} as T;
  const result = storableInput.pipe(schema).safeParse(value ?? {});
  if (!result.success) throw validationProblem(issuesToErrors(result.error.issues, where));
  return result.data;
}

/** Authenticates the caller, applies its rate limit and checks its role. */
async function admit(def: AnyRoute, services: ApiServices, req: Request, res: Response): Promise<void> {
  res.locals.route = def;
  if (def.role === "public") {
    res.locals.principal = PUBLIC_PRINCIPAL;
    return;
  }
  let principal: Principal;
  try {
    principal = await authenticate(services.app.store, bearerKey(req), services.keyCache);
  } catch (error) {
    // Failed attempts spend the caller's address's tokens: guessing keys gets slow fast.
    if (error instanceof HttpProblem && error.status === 401)
      await limit(services, `ip:${req.ip ?? "unknown"}`, res);
    throw error;
  }
  res.locals.principal = principal;
  await limit(services, `key:${principal.keyId}`, res);
  requireRole(principal, def.role);
}

function guard(def: AnyRoute, services: ApiServices): RequestHandler {
  return async (req, res, next) => {
    await admit(def, services, req, res);
    next();
  };
}

/** The nesting depth of a parsed JSON value, counted without recursion; stops once past `max`. */
function depthExceeds(value: unknown, max: number): boolean {
  const pending: { value: unknown; depth: number }[] = [{ value, depth: 0 }];
  while (pending.length > 0) {
    const next = pending.pop()!;
    if (next.value === null || typeof next.value !== "object") continue;
    const depth = next.depth + 1;
    if (depth > max) return true;
    for (const item of Object.values(next.value)) pending.push({ value: item, depth });
  }
  return false;
}

/**
 * Express decodes path parameters while it matches a route, before any of the route's handlers run; one that
 * is not percent-encoded UTF-8 (`%FF`, `%C3%28`) arrives here as a URIError. It is the caller's mistake, so the
 * caller is authenticated, rate limited and role-checked as for the route itself, then answered with a 400
 * naming the parameter. A path no route takes goes on to the 404/405 answer.
 */
export function undecodablePathParams(
  routes: readonly AnyRoute[],
  services: ApiServices,
): ErrorRequestHandler {
  const compiled = routes.map((def) => ({
    def,
    pattern: new RegExp(`^${def.path.replace(/:([A-Za-z_][A-Za-z0-9_]*)/g, "(?<$1>[^/]+)")}/?$`),
  }));
  return async (error: unknown, req: Request, res: Response, next: NextFunction) => {
    if (!(error instanceof URIError)) return next(error);
    const method = req.method === "HEAD" ? "GET" : req.method;
    const match = compiled.find((c) => c.def.method.toUpperCase() === method && c.pattern.test(req.path));
    if (!match) return next();
    await admit(match.def, services, req, res);
    const groups = match.pattern.exec(req.path)?.groups ?? {};
    const errors = Object.entries(groups)
      .filter(([, raw]) => !decodes(raw))
      .map(([name]) => ({ path: `params.${name}`, message: "is not valid percent-encoded UTF-8" }));
    throw validationProblem(errors.length > 0 ? errors : [{ path: "params", message: "undecodable path" }]);
  };
}

function decodes(raw: string): boolean {
  try {
    decodeURIComponent(raw);
    return true;
  } catch {
    return false;
  }
}

async function limit(services: ApiServices, bucket: string, res: Response): Promise<void> {
  if (!services.rateLimiter) return;
  const verdict = await services.rateLimiter.take(bucket);
  res.setHeader("RateLimit-Remaining", String(verdict.remaining));
  if (!verdict.allowed) {
    throw new HttpProblem(429, `too many requests; try again in ${verdict.retryAfterSeconds} s`, {
      kind: "rate-limited",
      headers: { "Retry-After": String(verdict.retryAfterSeconds) },
    });
  }
}

function bodyParser(def: AnyRoute, services: ApiServices): RequestHandler[] {
  if (def.method === "get" || def.method === "delete") return [];
  if (def.requestContentType === "multipart/form-data") return [];
  const json = express.json({
    limit: def.bodyLimitBytes ?? services.limits.jsonBodyBytes,
    type: ["application/json", "application/*+json"],
    strict: false,
  });
  // Parsing is iterative, but validating and storing a value a few thousand levels deep is not.
  const shallow: RequestHandler = (req, _res, next) => {
    if (depthExceeds(req.body, JSON_BODY_MAX_DEPTH)) {
      throw validationProblem(
        [{ path: "body", message: `nests deeper than ${JSON_BODY_MAX_DEPTH} levels` }],
        `the request body nests deeper than the limit of ${JSON_BODY_MAX_DEPTH} levels of objects and arrays`,
      );
    }
    next();
  };
  const typed: RequestHandler = (req, _res, next) => {
    const length = Number(req.headers["content-length"] ?? 0);
    const hasBody = length > 0 || req.headers["transfer-encoding"] !== undefined;
    if (hasBody && !req.is(["application/json", "application/*+json"])) {
      throw new HttpProblem(
        415,
        `send the body as application/json (got ${req.headers["content-type"] ?? "no content type"})`,
        { kind: "unsupported-media-type" },
      );
    }
    next();
  };
  return [typed, json, shallow];
}

function handle(def: AnyRoute, services: ApiServices): RequestHandler {
  return async (req: Request, res: Response) => {
    const params = parsePart(def.params, req.params, "params");
    const query = parsePart(def.query, req.query, "query");
    let body: unknown;
    if (def.body && def.requestContentType !== "multipart/form-data") {
      if (req.body === undefined && def.bodyOptional) body = undefined;
      else if (req.body === undefined)
        throw validationProblem([{ path: "body", message: "a JSON body is required" }]);
      else body = parsePart(def.body, req.body, "body");
    }
    const reply = await def.handler({
      req,
      res,
      params,
      query,
      body,
      principal: res.locals.principal as Principal,
      services,
    });
    if (!reply || res.headersSent) return;
    for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
    const spec = def.responses[reply.status];
    if (reply.body === undefined) {
      res.status(reply.status).end();
      return;
    }
    let payload: unknown = reply.body;
    if (spec?.schema) {
      const shaped = spec.schema.safeParse(reply.body);
      if (!shaped.success) {
        services.app.logger.error(
          { route: def.operationId, issues: shaped.error.issues.slice(0, 5) },
          "response does not match its declared schema",
        );
        throw new HttpProblem(500, "internal error: the response did not match its schema", {
          kind: "internal",
        });
      }
      payload = shaped.data as unknown;
    }
    res
      .status(reply.status)
      .type(spec?.contentType ?? "application/json")
      .send(JSON.stringify(payload));
  };
}

/** Mounts the routes on a router, each behind its guard, body parser and validation. */
export function mountRoutes(
  router: express.Router,
  routes: readonly AnyRoute[],
  services: ApiServices,
): void {
  for (const def of routes) {
    router[def.method](def.path, guard(def, services), ...bodyParser(def, services), handle(def, services));
  }
}

/** For unmatched requests under the API prefix: 405 with Allow when the path exists, else 404. */
export function notFoundOrNotAllowed(routes: readonly AnyRoute[]) {
  const compiled = routes.map((r) => ({
    method: r.method.toUpperCase(),
    pattern: new RegExp(`^${r.path.replace(/:[A-Za-z_][A-Za-z0-9_]*/g, "[^/]+")}/?$`),
  }));
  return (req: Request, _res: Response, next: NextFunction) => {
    const allowed = compiled.filter((c) => c.pattern.test(req.path)).map((c) => c.method);
    if (allowed.length > 0) {
      const allow = [...new Set([...allowed, ...(allowed.includes("GET") ? ["HEAD"] : [])])].join(", ");
      return next(
        new HttpProblem(405, `${req.method} is not allowed here; allowed: ${allow}`, {
          kind: "method-not-allowed",
          headers: { Allow: allow },
        }),
      );
    }
    next(
      new HttpProblem(404, `no such endpoint: ${req.method} ${req.baseUrl}${req.path}`, {
        kind: "not-found",
      }),
    );
  };
}

export { z };
