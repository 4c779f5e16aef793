/**
 * The web dashboard: hand-written static files (HTML, CSS and plain ES modules, no build step) served by the
 * same process as the API, which they call with the signed-in API key. Mount with
 * `createServer(app, { extra: (root) => root.use(dashboardRouter()) })`.
 *
 * Only files inside `static/` are served, only GET and HEAD, never a directory listing or a dotfile. The
 * pages load nothing but their own scripts and styles, so the API's strict Content-Security-Policy
 * (`script-src 'self'; style-src 'self'`) applies to them unchanged.
 */
import path from "node:path";
import { fileURLToPath } from "node:url";
import express, { type NextFunction, type Request, type Response } from "express";

/** Where the dashboard's files live. */
export const DASHBOARD_DIR = fileURLToPath(new URL("./static/", import.meta.url));

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".svg": "image/svg+xml",
};

export interface DashboardOptions {
  /** A different folder of files (tests). */
  dir?: string;
}

export function dashboardRouter(options: DashboardOptions = {}): express.Router {
  const dir = options.dir ?? DASHBOARD_DIR;
  const router = express.Router();
  const files = express.static(dir, {
    index: "index.html",
    dotfiles: "ignore",
    redirect: false,
    fallthrough: true,
    etag: true,
    lastModified: false,
    setHeaders(res, file) {
      const type = TYPES[path.extname(file).toLowerCase()];
      if (type) res.setHeader("Content-Type", type);
      // Revalidate every time: a new version of the dashboard shows up on the next load, never half of it.
      res.setHeader("Cache-Control", "no-cache");
    },
  });
  router.use((req: Request, res: Response, next: NextFunction) => {
    if (req.method !== "GET" && req.method !== "HEAD") return next();
    // The API and the probes are never files.
    if (req.path.startsWith("/api/")) return next();
    return files(req, res, next);
  });
  return router;
}
