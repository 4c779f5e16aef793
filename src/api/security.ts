/**
 * Response headers every answer carries, and CORS: closed (no Access-Control-* headers at all) unless
 * `ENFORCEAI_CORS_ORIGINS` lists the origins a browser app may call the API from.
 */
import type { NextFunction, Request, Response } from "express";
import { HttpProblem } from "./problem.ts";

/** The dashboard is served by the same origin and loads only its own scripts, styles and data. */
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

export function securityHeaders(_req: Request, res: Response, next: NextFunction): void {
  res.setHeader("Content-Security-Policy", CONTENT_SECURITY_POLICY);
  res.setHeader("X-Content-Type-Options", "nosniff");
  res.setHeader("X-Frame-Options", "DENY");
  res.setHeader("Referrer-Policy", "no-referrer");
  res.setHeader("Cross-Origin-Opener-Policy", "same-origin");
  res.setHeader("Cross-Origin-Resource-Policy", "same-origin");
  res.setHeader("Permissions-Policy", "camera=(), microphone=(), geolocation=()");
  next();
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

const ALLOWED_HEADERS = "Authorization, Content-Type, Last-Event-ID";
const ALLOWED_METHODS = "GET, POST, PUT, PATCH, DELETE";
const EXPOSED_HEADERS = "Retry-After, Location, Content-Disposition, RateLimit-Remaining";

export function cors(origins: readonly string[]) {
  const allowed = new Set(origins);
  return (req: Request, res: Response, next: NextFunction): void => {
    const origin = req.headers.origin;
    if (origin === undefined) {
      next();
      return;
    }
    res.append("Vary", "Origin");
    const ok = allowed.has(origin);
    if (ok) {
      res.setHeader("Access-Control-Allow-Origin", origin);
      res.setHeader("Access-Control-Expose-Headers", EXPOSED_HEADERS);
    }
    if (req.method === "OPTIONS" && req.headers["access-control-request-method"]) {
      if (!ok)
        throw new HttpProblem(403, `cross-origin requests from ${origin} are not allowed`, { kind: "cors" });
      res.setHeader("Access-Control-Allow-Methods", ALLOWED_METHODS);
      res.setHeader("Access-Control-Allow-Headers", ALLOWED_HEADERS);
      res.setHeader("Access-Control-Max-Age", "600");
      res.status(204).end();
      return;
    }
    next();
  };
}
