/**
 * Continuous compliance over the API: drift records (who changed what, with which call, before/after), the
 * event-driven evaluations, a live stream of them for the dashboard, and the messages that failed. Written
 * by `enforceai watch` (any process); read here from the store, so the stream works whichever process watches.
 */
import { driftRecordSchema, evaluationSchema, eventFailureSchema } from "../../domain/changes.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { openSse } from "../sse.ts";

const TAG = "changes";
const limit = z.coerce.number().int().min(1).max(200).default(50).describe("page size (1-200)");

const driftQuery = z.object({
  arn: z.string().min(1).max(2048).optional().describe("only this resource"),
  account: z
    .string()
    .regex(/^\d{12}$/, "is not a 12-digit account id")
    .optional(),
  before: z.coerce.number().int().min(1).optional().describe("records older than this id (the next page)"),
  limit,
});

/** How often the live stream looks for new evaluations. */
const STREAM_POLL_MS = 1_000;

export function changeRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/drift",
      operationId: "listDrift",
      summary: "Drift records: resources changed by API calls, newest first",
      description:
        "One record per changed resource per evaluation: the caller, the call, when, and the difference of its " +
        "configuration. Page with `before` = the last record's id.",
      tag: TAG,
      role: "viewer",
      query: driftQuery,
      responses: {
        200: {
          description: "drift records",
          schema: z.object({ items: z.array(driftRecordSchema), next: z.number().int().nullable() }),
        },
      },
      async handler({ query, services }) {
        const items = await services.app.store.events.drift({
          arn: query.arn,
          accountId: query.account,
          beforeId: query.before,
          limit: query.limit,
        });
        const next = items.length === query.limit ? (items.at(-1)?.id ?? null) : null;
        return { status: 200, body: { items, next } };
      },
    }),
    route({
      method: "get",
      path: "/evaluations",
      operationId: "listEvaluations",
      summary: "Event-driven evaluations, newest first",
      tag: TAG,
      role: "viewer",
      query: z.object({ limit }),
      responses: {
        200: { description: "evaluations", schema: z.object({ items: z.array(evaluationSchema) }) },
      },
      async handler({ query, services }) {
        return {
          status: 200,
          body: { items: await services.app.store.events.evaluations({ limit: query.limit }) },
        };
      },
    }),
    route({
      method: "get",
      path: "/evaluations/stream",
      operationId: "streamEvaluations",
      summary: "Follow event-driven evaluations as they are stored (server-sent events)",
      description:
        "An `evaluation` event per stored evaluation, its `id` the evaluation's `seq`. From now on, or after " +
        "`Last-Event-ID` when reconnecting. The stream stays open.",
      tag: TAG,
      role: "viewer",
      responses: {
        200: {
          description: "text/event-stream of Evaluation",
          contentType: "text/event-stream",
          sseEvent: evaluationSchema,
        },
      },
      async handler({ req, res, services }) {
        const store = services.app.store;
        const header = Number.parseInt(String(req.headers["last-event-id"] ?? ""), 10);
        let after = Number.isFinite(header) && header >= 0 ? header : await store.events.latestSeq();
        const sse = openSse(req, res);
        sse.comment(`following evaluations after ${after}`);
        while (!sse.isClosed) {
          for (const evaluation of await store.events.evaluations({ afterSeq: after })) {
            sse.send("evaluation", evaluation, evaluation.seq);
            after = evaluation.seq;
          }
          await Promise.race([new Promise((r) => setTimeout(r, STREAM_POLL_MS)), sse.closed]);
        }
        return undefined;
      },
    }),
    route({
      method: "get",
      path: "/events/failures",
      operationId: "listEventFailures",
      summary: "Event messages that failed, with the reason (dead-lettered ones marked)",
      tag: TAG,
      role: "operator",
      query: z.object({
        deadLettered: z.enum(["true", "false"]).optional().describe("only the dead-lettered ones"),
        limit,
      }),
      responses: {
        200: { description: "failed messages", schema: z.object({ items: z.array(eventFailureSchema) }) },
      },
      async handler({ query, services }) {
        const items = await services.app.store.events.failures({
          deadLetteredOnly: query.deadLettered === "true",
          limit: query.limit,
        });
        return { status: 200, body: { items } };
      },
    }),
  ];
}
