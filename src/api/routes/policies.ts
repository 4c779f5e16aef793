import { NotFoundError } from "../../errors.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { policyInputSchema, policyListSchema, policySchema } from "../schemas.ts";

const policyParams = z.object({
  id: z
    .string()
    .min(1)
    .max(200)
    .regex(/^[a-z][a-z0-9_]*$/, "a check id: lowercase snake_case")
    .describe("the check id"),
});

export function policyRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/policies",
      operationId: "listPolicies",
      summary: "Custom checks stored through the API",
      tag: "policies",
      role: "viewer",
      responses: { 200: { description: "the policies", schema: policyListSchema } },
      async handler({ services }) {
        return { status: 200, body: { items: await services.policies.list() } };
      },
    }),
    route({
      method: "get",
      path: "/policies/:id",
      operationId: "getPolicy",
      summary: "One custom check",
      tag: "policies",
      role: "viewer",
      params: policyParams,
      errors: [404],
      responses: { 200: { description: "the policy", schema: policySchema } },
      async handler({ params, services }) {
        const policy = await services.policies.get(params.id);
        if (!policy) throw new NotFoundError(`no custom policy "${params.id}"`);
        return { status: 200, body: policy };
      },
    }),
    route({
      method: "post",
      path: "/policies",
      operationId: "createPolicy",
      summary: "Create a custom check (validated like a check file); it runs from the next scan on",
      tag: "policies",
      role: "admin",
      body: policyInputSchema,
      errors: [409],
      responses: {
        201: {
          description: "created",
          schema: policySchema,
          headers: { Location: { description: "the policy's URL", schema: z.string() } },
        },
      },
      async handler({ body, principal, services }) {
        const created = await services.policies.create(body, principal.identity);
        return { status: 201, body: created, headers: { Location: `/api/v1/policies/${created.id}` } };
      },
    }),
    route({
      method: "put",
      path: "/policies/:id",
      operationId: "updatePolicy",
      summary: "Replace a custom check (same validation; the id stays)",
      tag: "policies",
      role: "admin",
      params: policyParams,
      body: policyInputSchema,
      errors: [404],
      responses: { 200: { description: "updated", schema: policySchema } },
      async handler({ params, body, principal, services }) {
        return { status: 200, body: await services.policies.update(params.id, body, principal.identity) };
      },
    }),
    route({
      method: "delete",
      path: "/policies/:id",
      operationId: "deletePolicy",
      summary: "Delete a custom check (past findings stay)",
      tag: "policies",
      role: "admin",
      params: policyParams,
      errors: [404],
      responses: { 204: { description: "deleted" } },
      async handler({ params, principal, services }) {
        await services.policies.delete(params.id, principal.identity);
        return { status: 204 };
      },
    }),
  ];
}
