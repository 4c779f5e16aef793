import type { InventorySource, ScanRecord } from "../../domain/scan.ts";
import { SCAN_STATUSES } from "../../domain/scan.ts";
import { changesInProgressOf } from "../../report/build.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { HttpProblem, validationProblem } from "../problem.ts";
import {
  csvEnum,
  idParams,
  pagingQuery,
  scanDetailSchema,
  scanEventSchema,
  scanListSchema,
  scanSchema,
  startScanSchema,
} from "../schemas.ts";
import { openSse } from "../sse.ts";

/** The API's view of a scan record (internal options such as the inventory source stay out). */
export function scanView(s: ScanRecord) {
  const { options: _options, ...rest } = s;
  return rest;
}

const TAG = "scans";

export function scanRoutes(): AnyRoute[] {
  return [
    route({
      method: "post",
      path: "/scans",
      operationId: "startScan",
      summary: "Start a scan",
      description:
        '`{"demo": true}` scans the bundled sample account; `{"scope": {"regions": [...], "roleArns": [...]}}` scans ' +
        'live accounts with the server\'s AWS credentials; `{"organization": {"roleName": ..., "ous": [...]}}` every ' +
        "active account of the server's AWS Organization. Inventory files on the server are not readable through " +
        "the API. The scan runs in the background: follow it at `/scans/{id}/events`.",
      tag: TAG,
      role: "operator",
      body: startScanSchema,
      errors: [409, 415],
      responses: {
        202: {
          description: "the scan started",
          schema: scanSchema,
          headers: { Location: { description: "the scan's URL", schema: z.string() } },
        },
      },
      async handler({ body, principal, services }) {
        if (body.inventory !== undefined) {
          throw validationProblem([
            {
              path: "body.inventory",
              message:
                'the API does not read inventory files from the server; scan the sample ({"demo": true}) or a live scope, or use `enforceai scan --inventory FILE`',
            },
          ]);
        }
        if (body.demo && body.scope) {
          throw validationProblem([{ path: "body.scope", message: "give demo or scope, not both" }]);
        }
        if (body.organization && (body.demo || body.scope?.roleArns || body.autoRemediate)) {
          throw validationProblem([
            {
              path: "body.organization",
              message:
                "an organisation scan finds its accounts itself: drop demo, scope.roleArns and autoRemediate",
            },
          ]);
        }
        if (!body.demo && !body.scope && !body.organization) {
          throw validationProblem([
            { path: "body", message: 'say what to scan: {"demo": true} or {"scope": {"regions": [...]}}' },
          ]);
        }
        if (body.autoRemediate && !services.autoRemediation) {
          throw new HttpProblem(
            409,
            "automatic remediation is turned off on this server; start the scan without autoRemediate",
            { kind: "conflict" },
          );
        }
        const source: InventorySource = body.demo
          ? { kind: "demo" }
          : {
              kind: "live",
              regions: body.scope?.regions,
              roleArns: body.scope?.roleArns,
              externalId: body.scope?.externalId,
              endpoint: services.app.config.aws.endpoint,
              ...(body.organization ? { organization: body.organization } : {}),
            };
        const scan = await services.jobs.start({
          source,
          frameworks: body.frameworks,
          requestedBy: principal.identity,
          autoRemediate: body.autoRemediate,
        });
        return { status: 202, body: scanView(scan), headers: { Location: `/api/v1/scans/${scan.id}` } };
      },
    }),
    route({
      method: "get",
      path: "/scans",
      operationId: "listScans",
      summary: "List scans, newest first",
      tag: TAG,
      role: "viewer",
      query: z
        .object({ status: csvEnum(SCAN_STATUSES, "scan statuses").optional(), ...pagingQuery })
        .strict(),
      responses: { 200: { description: "a page of scans", schema: scanListSchema } },
      async handler({ query, services }) {
        const store = services.app.store;
        const [items, total] = await Promise.all([
          store.scans.list({ status: query.status, limit: query.limit, offset: query.offset }),
          store.reads.countScans(query.status),
        ]);
        return {
          status: 200,
          body: { items: items.map(scanView), total, limit: query.limit, offset: query.offset },
        };
      },
    }),
    route({
      method: "get",
      path: "/scans/:id",
      operationId: "getScan",
      summary: "A scan with its scores and a posture summary",
      tag: TAG,
      role: "viewer",
      params: idParams,
      errors: [404],
      responses: { 200: { description: "the scan", schema: scanDetailSchema } },
      async handler({ params, services }) {
        const scan = await services.app.store.scans.get(params.id);
        const report = await services.reports.get(scan.id, await services.app.catalog());
        const { bySeverity, byService, totals } = report.posture;
        const organization = report.scan.organization;
        // Read fresh: the report of a completed scan is cached, an execution in progress is not done.
        const changesInProgress = await changesInProgressOf(services.app.store, scan.id);
        return {
          status: 200,
          body: {
            scan: scanView(scan),
            summary: { bySeverity, byService, totals },
            ...(organization ? { organization } : {}),
            ...(changesInProgress.length > 0 ? { changesInProgress } : {}),
          },
        };
      },
    }),
    route({
      method: "post",
      path: "/scans/:id/cancel",
      operationId: "cancelScan",
      summary: "Cancel a running scan",
      description:
        "The scan is marked cancelled at once; a scan running in this server stops at its next step.",
      tag: TAG,
      role: "operator",
      params: idParams,
      errors: [404, 409],
      responses: { 200: { description: "the cancelled scan", schema: scanSchema } },
      async handler({ params, principal, services }) {
        return { status: 200, body: scanView(await services.jobs.cancel(params.id, principal.identity)) };
      },
    }),
    route({
      method: "post",
      path: "/scans/:id/resume",
      operationId: "resumeScan",
      summary: "Continue a scan: after its approvals were decided, or after it failed",
      description:
        "A scan started with `autoRemediate` waits (`awaiting_approval`) until people decide its requests; resuming " +
        "it then applies what was approved and verifies it. A failed scan continues from its last completed step.",
      tag: TAG,
      role: "operator",
      params: idParams,
      errors: [404, 409],
      responses: { 202: { description: "the scan continues", schema: scanSchema } },
      async handler({ params, principal, services }) {
        return { status: 202, body: scanView(await services.jobs.resume(params.id, principal.identity)) };
      },
    }),
    route({
      method: "get",
      path: "/scans/:id/events",
      operationId: "scanEvents",
      summary: "Follow a scan's progress (server-sent events)",
      description:
        "Events: `node-start` / `node-done` (graph steps), `discovery` (per service and region, live scans), and a " +
        "final `status`; the stream then ends. Each `data` line is a ScanEvent. Reconnect with `Last-Event-ID` to " +
        "resume. A finished scan answers with its `status` event only.",
      tag: TAG,
      role: "viewer",
      params: idParams,
      errors: [404],
      responses: {
        200: {
          description: "text/event-stream of ScanEvent",
          contentType: "text/event-stream",
          sseEvent: scanEventSchema,
        },
      },
      async handler({ req, res, params, services }) {
        const scan = await services.app.store.scans.get(params.id);
        const lastId = Number.parseInt(String(req.headers["last-event-id"] ?? "0"), 10);
        const sse = openSse(req, res);
        const followed = services.jobs.follow(
          scan.id,
          Number.isFinite(lastId) ? lastId : 0,
          (e) => sse.send(e.event.type, scanEventSchema.parse(e.event), e.seq),
          sse.closed,
        );
        if (followed === false) {
          // Not running here: wait for a status change of a scan another process runs, or answer at once.
          let current = scan;
          while (!sse.isClosed && current.status === "running") {
            await Promise.race([new Promise((r) => setTimeout(r, 1000)), sse.closed]);
            current = (await services.app.store.scans.find(scan.id)) ?? current;
          }
          sse.send(
            "status",
            { type: "status", scanId: scan.id, status: current.status, error: current.error },
            "final",
          );
        } else {
          await followed;
        }
        sse.close();
        return undefined;
      },
    }),
  ];
}
