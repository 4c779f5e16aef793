import { NotFoundError } from "../../errors.ts";
import { type AnyRoute, route, z } from "../http.ts";
import {
  resourceDetailSchema,
  resourceListSchema,
  resourceQuery,
  resourceTypeCountsSchema,
  resourceTypeQuery,
} from "../schemas.ts";

export function resourceRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/resources",
      operationId: "listResources",
      summary: "Resources (latest known state), filtered",
      tag: "resources",
      role: "viewer",
      query: resourceQuery,
      responses: { 200: { description: "a page of ConfigurationItems", schema: resourceListSchema } },
      async handler({ query, services }) {
        const { items, total } = await services.app.store.resources.list({
          accountId: query.account,
          region: query.region,
          resourceType: query.type,
          search: query.search,
          limit: query.limit,
          offset: query.offset,
        });
        return { status: 200, body: { items, total, limit: query.limit, offset: query.offset } };
      },
    }),
    // Before `/resources/:arn`, which would otherwise take "types" for an ARN.
    route({
      method: "get",
      path: "/resources/types",
      operationId: "listResourceTypes",
      summary: "Resource types in the inventory, with how many of each",
      tag: "resources",
      role: "viewer",
      query: resourceTypeQuery,
      responses: { 200: { description: "resource types and counts", schema: resourceTypeCountsSchema } },
      async handler({ query, services }) {
        const counts = await services.app.store.resources.typeCounts(query.account);
        const items = counts.map((c) => ({ ...c, service: c.resourceType.split("::")[1] ?? c.resourceType }));
        return { status: 200, body: { items } };
      },
    }),
    route({
      method: "get",
      path: "/resources/:arn",
      operationId: "getResource",
      summary: "One resource by ARN: configuration, evidence and finding history",
      description: "The ARN is one path segment: URL-encode it (`encodeURIComponent`).",
      tag: "resources",
      role: "viewer",
      params: z.object({
        arn: z.string().min(1).max(2048).describe("the resource's ARN, URL-encoded"),
      }),
      errors: [404],
      responses: { 200: { description: "the resource", schema: resourceDetailSchema } },
      async handler({ params, services }) {
        const store = services.app.store;
        const resource = await store.resources.findByArn(params.arn);
        if (!resource)
          throw new NotFoundError(`no resource with ARN ${params.arn}; list them with GET /api/v1/resources`);
        const scanId = await store.reads.lastScanOfResource(params.arn);
        const findings = scanId ? await store.reads.findingsOfResource(scanId, params.arn) : [];
        const history = await store.findings.lives(findings.map((f) => f.id));
        const drift = await store.events.drift({ arn: params.arn, limit: 20 });
        return { status: 200, body: { resource, scanId, findings, history, drift } };
      },
    }),
  ];
}
