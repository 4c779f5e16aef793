import type { Finding } from "../../domain/types.ts";
import { pendingSuppression } from "../../engine/suppress.ts";
import { NotFoundError } from "../../errors.ts";
import { csvChunks, ocsfChunks } from "../../report/index.ts";
import type { ApiServices } from "../context.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { validationProblem } from "../problem.ts";
import { findingFilterQuery, findingLifeSchema, findingListSchema, findingSchema } from "../schemas.ts";
import { sendChunks } from "../stream.ts";

/** Exports carry every match; this bounds one response. */
const EXPORT_MAX = 200_000;

export const ocsfExportSchema = z.array(z.record(z.string(), z.unknown())).meta({
  id: "OcsfExport",
  description: "OCSF 1.3.0 Compliance Finding events (class 2003), one per finding",
});

/** Each finding with the suppression state computed by the engine's rule, so clients need not re-derive it. */
async function withSuppressionState(
  services: ApiServices,
  findings: Finding[],
): Promise<(Finding & { pendingSuppression?: Finding["suppression"] })[]> {
  const suppressions = await services.app.store.suppressions.list();
  if (suppressions.length === 0) return findings;
  const now = services.app.clock();
  return findings.map((f) => {
    const pending = pendingSuppression(f, suppressions, now);
    return pending ? { ...f, pendingSuppression: pending } : f;
  });
}

export function findingRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/findings",
      operationId: "listFindings",
      summary: "Findings of a scan, filtered; or exported as CSV / OCSF",
      description:
        "The latest completed scan unless `scanId` is given. `format=csv` answers text/csv and `format=ocsf` a JSON " +
        "array of OCSF Compliance Finding events, both with every match (paging ignored).",
      tag: "findings",
      role: "viewer",
      query: findingFilterQuery,
      errors: [404],
      responses: {
        200: {
          description: "a page of findings (json), or the export",
          schema: z.union([findingListSchema, ocsfExportSchema]),
          alternatives: { "text/csv": z.string() },
        },
      },
      async handler({ query, services, res }) {
        if (query.control && !query.framework) {
          throw validationProblem([
            { path: "query.control", message: "control needs framework (control ids are per framework)" },
          ]);
        }
        const store = services.app.store;
        const scan = await store.reads.resolveScan(query.scanId);
        const filter = {
          scanId: scan.id,
          status: query.status,
          severity: query.severity,
          checkId: query.checkId,
          service: query.service,
          accountId: query.account,
          region: query.region,
          framework: query.framework,
          controlId: query.control,
          suppressed: query.suppressed,
        };
        if (query.format === "json") {
          const { findings, total } = await store.findings.list({
            ...filter,
            limit: query.limit,
            offset: query.offset,
          });
          const withState = await withSuppressionState(services, findings);
          return {
            status: 200,
            body: { scanId: scan.id, items: withState, total, limit: query.limit, offset: query.offset },
          };
        }
        const { findings } = await store.findings.list({ ...filter, limit: EXPORT_MAX, offset: 0 });
        const report = {
          ...(await services.reports.get(scan.id, await services.app.catalog())),
          findings,
        };
        const name = `enforceai-${scan.id}-findings`;
        if (query.format === "csv") {
          res
            .status(200)
            .type("text/csv; charset=utf-8")
            .setHeader("Content-Disposition", `attachment; filename="${name}.csv"`);
          await sendChunks(res, csvChunks(report));
        } else {
          res
            .status(200)
            .type("application/json")
            .setHeader("Content-Disposition", `attachment; filename="${name}.ocsf.json"`);
          await sendChunks(res, ocsfChunks(report));
        }
        return undefined;
      },
    }),
    route({
      method: "get",
      path: "/findings/:id",
      operationId: "getFinding",
      summary: "One finding (latest completed scan, or scanId) with its life across scans",
      description: "Finding ids contain slashes: URL-encode them (`encodeURIComponent`).",
      tag: "findings",
      role: "viewer",
      params: z.object({ id: z.string().min(1).max(2048).describe("the finding id, URL-encoded") }),
      query: z.object({ scanId: findingFilterQuery.shape.scanId }).strict(),
      errors: [404],
      responses: {
        200: {
          description: "the finding",
          schema: z
            .object({ scanId: z.string(), finding: findingSchema, life: findingLifeSchema.nullable() })
            .meta({ id: "FindingDetail" }),
        },
      },
      async handler({ params, query, services }) {
        const store = services.app.store;
        const scan = await store.reads.resolveScan(query.scanId);
        const finding = await store.findings.find(scan.id, params.id);
        if (!finding) throw new NotFoundError(`scan ${scan.id} has no finding "${params.id}"`);
        return {
          status: 200,
          body: {
            scanId: scan.id,
            finding: (await withSuppressionState(services, [finding]))[0],
            life: (await store.findings.life(params.id)) ?? null,
          },
        };
      },
    }),
  ];
}
