import { NotFoundError } from "../../errors.ts";
import { type AnyRoute, route } from "../http.ts";
import { postureQuery, postureSchema, trendQuery, trendSchema } from "../schemas.ts";

export function postureRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/posture",
      operationId: "getPosture",
      summary: "Scores per framework and control (latest completed scan, or scanId)",
      tag: "posture",
      role: "viewer",
      query: postureQuery,
      errors: [404],
      responses: { 200: { description: "the posture", schema: postureSchema } },
      async handler({ query, services }) {
        const scan = await services.app.store.reads.resolveScan(query.scanId);
        const report = await services.reports.get(scan.id, await services.app.catalog());
        let controls = report.posture.controls;
        let scores = report.scan.scores;
        let frameworks = report.scan.frameworks ?? [];
        if (query.framework) {
          if (!frameworks.some((f) => f.id === query.framework)) {
            throw new NotFoundError(
              `scan ${scan.id} did not score framework "${query.framework}"; it scored ${frameworks.map((f) => f.id).join(", ")}`,
            );
          }
          controls = controls.filter((c) => c.framework === query.framework);
          scores = Object.fromEntries(Object.entries(scores).filter(([id]) => id === query.framework));
          frameworks = frameworks.filter((f) => f.id === query.framework);
        }
        const { bySeverity, byService, totals } = report.posture;
        return {
          status: 200,
          body: {
            scanId: scan.id,
            completedAt: scan.completedAt,
            scores,
            frameworks,
            controls,
            summary: { bySeverity, byService, totals },
          },
        };
      },
    }),
    route({
      method: "get",
      path: "/posture/trend",
      operationId: "getPostureTrend",
      summary: "Score per framework across completed scans, oldest first",
      tag: "posture",
      role: "viewer",
      query: trendQuery,
      responses: { 200: { description: "the trend", schema: trendSchema } },
      async handler({ query, services }) {
        const scans = await services.app.store.scans.list({ status: ["completed"], limit: query.limit });
        const items = scans.reverse().map((s) => ({
          scanId: s.id,
          startedAt: s.startedAt,
          completedAt: s.completedAt,
          findingCount: s.findingCount,
          scores: Object.fromEntries(
            Object.entries(s.scores)
              .filter(([id]) => !query.framework || id === query.framework)
              .map(([id, sc]) => [id, sc.score]),
          ),
        }));
        return { status: 200, body: { items } };
      },
    }),
  ];
}
