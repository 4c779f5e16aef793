import type { Suppression } from "../../domain/suppression.ts";
import { isActive } from "../../engine/suppress.ts";
import { createSuppression, deleteSuppression } from "../../services/suppressions.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { validationProblem } from "../problem.ts";
import { newSuppressionSchema, suppressionListSchema, suppressionSchema } from "../schemas.ts";

const view = (s: Suppression, now: Date) => ({ ...s, active: isActive(s, now) });

export function suppressionRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/suppressions",
      operationId: "listSuppressions",
      summary: "Suppressions (expired ones included, marked inactive)",
      tag: "suppressions",
      role: "viewer",
      responses: { 200: { description: "the suppressions", schema: suppressionListSchema } },
      async handler({ services }) {
        const now = services.app.clock();
        return {
          status: 200,
          body: { items: (await services.app.store.suppressions.list()).map((s) => view(s, now)) },
        };
      },
    }),
    route({
      method: "post",
      path: "/suppressions",
      operationId: "createSuppression",
      summary: "Accept findings as an exception, with a reason, an owner and an expiry",
      description:
        "Matching findings stay in reports, marked suppressed, and leave the score from the next scan on. " +
        "An expiry in the past is refused.",
      tag: "suppressions",
      role: "operator",
      body: newSuppressionSchema,
      responses: {
        201: {
          description: "created",
          schema: suppressionSchema,
          headers: { Location: { description: "the suppression's URL", schema: z.string() } },
        },
      },
      async handler({ body, principal, services }) {
        const now = services.app.clock();
        if (body.expiresAt && Date.parse(body.expiresAt) <= now.getTime()) {
          throw validationProblem([
            {
              path: "body.expiresAt",
              message: `is in the past (now is ${now.toISOString()}); give a future time`,
            },
          ]);
        }
        const created = await createSuppression(
          services.app.store,
          {
            checkId: body.checkId ?? null,
            resourceArn: body.resourceArn ?? null,
            tagKey: body.tagKey ?? null,
            tagValue: body.tagValue ?? null,
            accountId: body.accountId ?? null,
            region: body.region ?? null,
            reason: body.reason,
            owner: body.owner,
            expiresAt: body.expiresAt ? new Date(body.expiresAt).toISOString() : null,
            createdBy: principal.identity,
          },
          principal.identity,
        );
        return {
          status: 201,
          body: view(created, now),
          headers: { Location: `/api/v1/suppressions/${created.id}` },
        };
      },
    }),
    route({
      method: "delete",
      path: "/suppressions/:id",
      operationId: "deleteSuppression",
      summary: "End a suppression",
      tag: "suppressions",
      role: "operator",
      params: z.object({ id: z.string().min(1).max(100).describe("the suppression id") }),
      errors: [404],
      responses: { 204: { description: "deleted" } },
      async handler({ params, principal, services }) {
        await deleteSuppression(services.app.store, params.id, principal.identity, services.app.clock());
        return { status: 204 };
      },
    }),
  ];
}
