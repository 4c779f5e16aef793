/**
 * The HTTP server: `/api/v1` (routes in ./routes, documented at `/api/v1/openapi.json`), `/healthz`, `/readyz`,
 * `/metrics`. Security headers on every answer, CORS closed unless origins are configured, bearer keys with
 * roles, per-key rate limits, body size limits, and every error as an RFC 9457 problem.
 */
import { randomUUID } from "node:crypto";
import http from "node:http";
import type { AddressInfo } from "node:net";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import express, { type NextFunction, type Request, type Response } from "express";
import { pinoHttp } from "pino-http";
import type { App } from "../app.ts";
import type { RemediationService } from "../remediation/service.ts";
import { type ChatService, createChatService } from "../services/chat.ts";
import { failInterruptedIngestions, type Knowledge } from "../services/knowledge-base.ts";
import { PolicyService } from "../services/policies.ts";
import { remediationService } from "../services/remediation.ts";
import { ReportCache } from "../services/report-cache.ts";
import { ScanJobs } from "../services/scan-jobs.ts";
import { KeyCache } from "./auth.ts";
import type { ApiLimits, ApiServices } from "./context.ts";
import { type AnyRoute, mountRoutes, notFoundOrNotAllowed, route, undecodablePathParams } from "./http.ts";
import { createMetrics } from "./metrics.ts";
import { buildOpenApi } from "./openapi.ts";
import { HttpProblem, sendProblem } from "./problem.ts";
import { createRateLimiter, DEFAULT_RATE_LIMIT, type RateLimitSettings } from "./rate-limit.ts";
import { approvalRoutes } from "./routes/approvals.ts";
import { changeRoutes } from "./routes/changes.ts";
import { chatRoutes } from "./routes/chat.ts";
import { findingRoutes } from "./routes/findings.ts";
import { healthRoutes } from "./routes/health.ts";
import { keyRoutes } from "./routes/keys.ts";
import { knowledgeRoutes } from "./routes/knowledge.ts";
import { policyRoutes } from "./routes/policies.ts";
import { postureRoutes } from "./routes/posture.ts";
import { resourceRoutes } from "./routes/resources.ts";
import { scanRoutes } from "./routes/scans.ts";
import { scheduleRoutes } from "./routes/schedules.ts";
import { suppressionRoutes } from "./routes/suppressions.ts";
import { corsPolicy, securityHeaders } from "./security.ts";

export const API_PREFIX = "/api/v1";

export const DEFAULT_LIMITS: ApiLimits = { jsonBodyBytes: 256 * 1024, uploadBytes: 20 * 1024 * 1024 };

export interface ServerOptions {
  /** Origins a browser app may call the API from (ENFORCEAI_CORS_ORIGINS); none by default. */
  corsOrigins?: string[];
  /** Per-key token bucket; `false` turns rate limiting off (benchmarks). */
  rateLimit?: RateLimitSettings | false;
  limits?: Partial<ApiLimits>;
  /** Scans running at once in this server (one more is a 409). */
  maxConcurrentScans?: number;
  /** The knowledge base; default the app's (`app.knowledgeBase()`). */
  knowledgeBase?: Knowledge | (() => Promise<Knowledge>);
  /** The remediation module; created from the app (config.remediation) on first use when absent. */
  remediation?: RemediationService | (() => Promise<RemediationService>);
  /** The chat model: default the app's analysis model; `null` forces the deterministic responder. */
  chatModel?: BaseChatModel | null;
  /** Whether scans may be started with `autoRemediate` (default true; false answers such requests with 409). */
  autoRemediation?: boolean;
  /** Trust X-Forwarded-For from a proxy in front (for client addresses in rate limits and logs). */
  trustProxy?: boolean | number | string;
  /**
   * How long a valid key is remembered (ms; default 5000, 0 = look every key up). A key revoked through the API
   * stops at once; one revoked elsewhere (the CLI) within this time.
   */
  keyCacheMs?: number;
  /** Log one line per request (method, route, status, ms, key id; never the key). Default true. */
  requestLog?: boolean;
  /** Mounts more handlers at `/` (the dashboard). */
  extra?: (root: express.Router) => void;
}

export interface ApiServer {
  /** The express application (for tests that bring their own listener). */
  express: express.Express;
  services: ApiServices;
  routes: AnyRoute[];
  openapi(): Record<string, unknown>;
  /** Starts listening; resolves with the URL. */
  listen(port?: number, host?: string): Promise<{ server: http.Server; url: string }>;
  /** Stops accepting, waits up to `graceMs` for requests and scans in flight, then releases what it opened. */
  close(graceMs?: number): Promise<void>;
}

function lazy<T>(make: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => {
    p ??= make().catch((error) => {
      p = undefined;
      throw error;
    });
    return p;
  };
}

export async function createServer(app: App, options: ServerOptions = {}): Promise<ApiServer> {
  const limits: ApiLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const rateLimiter =
    options.rateLimit === false
      ? undefined
      : await createRateLimiter(options.rateLimit ?? DEFAULT_RATE_LIMIT, {
          redisUrl: app.config.redisUrl,
          onOutage: (message) => app.logger.warn(message),
        });
  const policies = new PolicyService(app);
  const jobs = new ScanJobs(app, {
    maxConcurrent: options.maxConcurrentScans,
  });
  if (app.store.kind === "pglite" || app.config.resumeOnStart) {
    await failInterruptedIngestions(app.store, app.logger);
    const resumed = await jobs.resumeInterrupted("server");
    if (resumed.length > 0)
      app.logger.info({ scans: resumed }, "resumed scans interrupted by a previous stop");
  }

  const knowledgeBase = lazy(async () => {
    if (options.knowledgeBase) {
      return typeof options.knowledgeBase === "function" ? options.knowledgeBase() : options.knowledgeBase;
    }
    return app.knowledgeBase();
  });
  const remediation = lazy(async () => {
    if (options.remediation) {
      return typeof options.remediation === "function" ? options.remediation() : options.remediation;
    }
    return remediationService(app, () => app.catalog());
  });

  const models = options.chatModel === null ? undefined : await app.models();
  const chat: ChatService = createChatService({
    store: app.store,
    clock: app.clock,
    logger: app.logger,
    catalog: () => app.catalog(),
    retrieval: () => app.retrieval(),
    model: options.chatModel ?? models?.analysis.model,
    modelId: options.chatModel ? "custom" : models?.analysis.id,
    startScan: (request) => jobs.start(request),
    proposeRemediation: async ({ finding, scanId, requestedBy, reason }) =>
      (await remediation()).proposeForScan(scanId, [finding], requestedBy, { reason }),
  });

  const services: ApiServices = {
    app,
    keyCache: new KeyCache(options.keyCacheMs ?? 5_000),
    reports: new ReportCache(app.store),
    jobs,
    policies,
    chat,
    knowledgeBase,
    remediation,
    rateLimiter,
    limits,
    autoRemediation: options.autoRemediation ?? true,
  };

  const metrics = createMetrics(app.store);
  const rootRoutes = healthRoutes(metrics);
  let document: Record<string, unknown> | undefined;
  const apiRoutes: AnyRoute[] = [
    route({
      method: "get",
      path: "/openapi.json",
      operationId: "openapi",
      summary: "This API's OpenAPI 3.1 document",
      tag: "operations",
      role: "public",
      responses: { 200: { description: "the document" } },
      async handler({ res }) {
        res.status(200).type("application/json").send(JSON.stringify(openapi()));
        return undefined;
      },
    }),
    ...scanRoutes(),
    ...scheduleRoutes(),
    ...changeRoutes(),
    ...findingRoutes(),
    ...resourceRoutes(),
    ...postureRoutes(),
    ...policyRoutes(),
    ...suppressionRoutes(),
    ...knowledgeRoutes(),
    ...approvalRoutes(),
    ...chatRoutes(),
    ...keyRoutes(),
  ];
  const openapi = () => {
    document ??= buildOpenApi(
      [
        { prefix: API_PREFIX, routes: apiRoutes },
        { prefix: "", routes: rootRoutes },
      ],
      {},
    );
    return document;
  };

  const web = express();
  web.disable("x-powered-by");
  web.set("etag", false);
  web.set("trust proxy", options.trustProxy ?? false);
  web.set("query parser", "simple");

  const routeLabel = (res: http.ServerResponse) => {
    const def = (res as Response).locals?.route as AnyRoute | undefined;
    return def ? `${rootRoutes.includes(def) ? "" : API_PREFIX}${def.path}` : "unmatched";
  };
  web.use((req: Request, res: Response, next: NextFunction) => {
    const started = process.hrtime.bigint();
    res.on("finish", () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      metrics.observe(req.method, routeLabel(res), res.statusCode, seconds);
    });
    next();
  });
  // One line per request. Only the fields below are logged — never the request's headers (the bearer key)
  // or body; the logger's redaction is the second guard.
  const requestLine = (
    req: http.IncomingMessage,
    res: http.ServerResponse,
    value: { responseTime?: number },
  ) => ({
    method: req.method,
    route: routeLabel(res),
    status: res.statusCode,
    ms: value.responseTime,
    keyId: (res as Response).locals?.principal?.keyId,
  });
  const requestId = (_req: http.IncomingMessage, res: http.ServerResponse) => {
    const id = randomUUID();
    res.setHeader("X-Request-Id", id);
    return id;
  };
  if (options.requestLog === false) {
    // Without request lines pino-http would only cost time per request; the request id stays.
    web.use((req: Request, res: Response, next: NextFunction) => {
      requestId(req, res);
      next();
    });
  } else {
    web.use(
      pinoHttp({
        logger: app.logger,
        genReqId: requestId,
        customAttributeKeys: { reqId: "requestId" },
        quietReqLogger: true,
        quietResLogger: true,
        // Failures are logged by the error handler with their cause; the request line stays at info.
        customLogLevel: () => "info",
        customSuccessMessage: () => "request",
        customErrorMessage: () => "request",
        customSuccessObject: requestLine,
        customErrorObject: (req, res, _error, value) => requestLine(req, res, value),
      }),
    );
  }
  web.use(securityHeaders());
  web.use(corsPolicy(options.corsOrigins ?? []));
  web.use(API_PREFIX, (_req, res, next) => {
    res.setHeader("Cache-Control", "no-store");
    next();
  });

  const root = express.Router();
  mountRoutes(root, rootRoutes, services);
  options.extra?.(root);
  web.use(root);

  const api = express.Router();
  mountRoutes(api, apiRoutes, services);
  api.use(undecodablePathParams(apiRoutes, services));
  api.use(notFoundOrNotAllowed(apiRoutes));
  web.use(API_PREFIX, api);

  web.use((req: Request, _res: Response, next: NextFunction) => {
    next(new HttpProblem(404, `no such endpoint: ${req.method} ${req.path}`, { kind: "not-found" }));
  });
  web.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    const problem = sendProblem(req, res, error);
    if (problem.status >= 500) {
      app.logger.error({ err: error, method: req.method, path: req.path }, "request failed");
    }
  });

  let server: http.Server | undefined;
  return {
    express: web,
    services,
    routes: [...apiRoutes, ...rootRoutes],
    openapi,
    listen(port = 0, host = "127.0.0.1") {
      return new Promise((resolve, reject) => {
        const s = http.createServer(web);
        s.headersTimeout = 30_000;
        s.requestTimeout = 0; // streams (SSE) may last; idle sockets still time out
        s.keepAliveTimeout = 5_000;
        s.once("error", reject);
        s.listen(port, host, () => {
          server = s;
          const { port: actual } = s.address() as AddressInfo;
          resolve({ server: s, url: `http://${host.includes(":") ? `[${host}]` : host}:${actual}` });
        });
      });
    },
    async close(graceMs = 10_000) {
      const s = server;
      const closed = s
        ? new Promise<void>((resolve) => {
            s.close(() => resolve());
            s.closeIdleConnections();
          })
        : Promise.resolve();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        closed,
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, graceMs);
        }),
      ]);
      clearTimeout(timer);
      s?.closeAllConnections();
      await jobs.drain(graceMs);
      await rateLimiter?.close();
    },
  };
}
