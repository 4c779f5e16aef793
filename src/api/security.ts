/**
 * Response headers every answer carries (helmet), and CORS (the `cors` package): closed (no Access-Control-* headers at all) unless
 * `ENFORCEAI_CORS_ORIGINS` lists the origins a browser app may call the API from.
 */
import cors from "cors";
import type { NextFunction, Request, Response } from "express";
import helmet from "helmet";
import { HttpProblem } from "./problem.ts";

/**
 * The dashboard is served by the same origin and loads only its own scripts, styles and data. Written here
 * rather than as helmet directives because helmet joins directives with a bare `;` and clients (and a test)
 * read the `; `-separated form this server has always sent.
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'self'",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
].join("; ");

const helmetPolicy = helmet({
  contentSecurityPolicy: false,
  xContentTypeOptions: true,
  xFrameOptions: { action: "deny" },
  referrerPolicy: { policy: "no-referrer" },
  crossOriginOpenerPolicy: { policy: "same-origin" },
  crossOriginResourcePolicy: { policy: "same-origin" },
  // The server speaks plain HTTP (TLS ends at the proxy in front of it), where HSTS means nothing; the proxy
  // that terminates TLS is the one to send it.
  strictTransportSecurity: false,
});

/**
 * Helmet's headers, plus the CSP above and the Permissions-Policy that helmet does not set. They do not depend
 * on the request, so helmet runs once against a recorder and every response gets the recorded list (helmet's
 * dozen middleware calls per request cost a quarter of a trivial request's time).
 */
export function securityHeaders(): (req: Request, res: Response, next: NextFunction) => void {
  const headers: [string, string][] = [];
  const recorder = {
    setHeader: (name: string, value: string | number | readonly string[]) => {
      headers.push([name, String(value)]);
    },
    removeHeader: () => {},
  };
  helmetPolicy({} as Request, recorder as unknown as Response, () => {});
  headers.push(["Content-Security-Policy", CONTENT_SECURITY_POLICY]);
  headers.push(["Permissions-Policy", "camera=(), microphone=(), geolocation=()"]);
  return (_req, res, next) => {
    for (const [name, value] of headers) res.setHeader(name, value);
    next();
  };
}

/** `https://a.example, https://b.example` → normalised origins; `*` is refused (keys are credentials). */
export function parseCorsOrigins(value: string | undefined): string[] {
  if (!value?.trim()) return [];
  return value
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean)
    .map((origin) => {
      if (origin === "*") {
        throw new Error(
          "ENFORCEAI_CORS_ORIGINS may not be *; list the exact origins, e.g. https://grc.example.com",
        );
      }
      let url: URL;
      try {
        url = new URL(origin);
      } catch {
        throw new Error(
          `ENFORCEAI_CORS_ORIGINS: "${origin}" is not an origin; expected e.g. https://grc.example.com`,
        );
      }
      if (url.protocol !== "http:" && url.protocol !== "https:") {
        throw new Error(`ENFORCEAI_CORS_ORIGINS: "${origin}" must be an http(s) origin`);
      }
      return url.origin;
    });
}

const ALLOWED_HEADERS = ["Authorization", "Content-Type", "Last-Event-ID"];
const ALLOWED_METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"];
const EXPOSED_HEADERS = ["Retry-After", "Location", "Content-Disposition", "RateLimit-Remaining"];

/**
 * The `cors` middleware with our policy: requests without Origin are left alone; listed origins are reflected
 * (with `Vary: Origin` for every cross-origin request); a preflight from an unlisted origin is a 403 problem.
 */
export function corsPolicy(origins: readonly string[]) {
  const allowed = [...origins];
  const policy = cors<Request>((req, callback) => {
    const origin = req.headers.origin;
    if (origin === undefined) return callback(null, { origin: false });
    const preflight = req.method === "OPTIONS" && req.headers["access-control-request-method"] !== undefined;
    if (preflight && !allowed.includes(origin)) {
      return callback(
        new HttpProblem(403, `cross-origin requests from ${origin} are not allowed`, { kind: "cors" }),
        undefined,
      );
    }
    callback(null, {
      origin: allowed,
      methods: ALLOWED_METHODS,
      allowedHeaders: ALLOWED_HEADERS,
      exposedHeaders: allowed.includes(origin) ? EXPOSED_HEADERS : [],
      maxAge: 600,
      // Only a real preflight (with Access-Control-Request-Method) is answered here.
      preflightContinue: !preflight,
      optionsSuccessStatus: 204,
    });
  });
  // Requests without Origin (API clients, the same-origin dashboard) carry no CORS headers: skip the package.
  return (req: Request, res: Response, next: NextFunction) =>
    req.headers.origin === undefined ? next() : policy(req, res, next);
}
