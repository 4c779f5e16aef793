import { NotFoundError } from "../../errors.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { HttpProblem } from "../problem.ts";
import { apiKeyListSchema, createdApiKeySchema, newApiKeySchema } from "../schemas.ts";

export function keyRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/keys",
      operationId: "listKeys",
      summary: "API keys (never the keys themselves)",
      tag: "keys",
      role: "admin",
      responses: { 200: { description: "the keys", schema: apiKeyListSchema } },
      async handler({ services }) {
        return { status: 200, body: { items: await services.app.store.reads.listApiKeys() } };
      },
    }),
    route({
      method: "post",
      path: "/keys",
      operationId: "createKey",
      summary: "Create an API key; the key is in this answer only",
      tag: "keys",
      role: "admin",
      body: newApiKeySchema,
      responses: { 201: { description: "created", schema: createdApiKeySchema } },
      async handler({ body, principal, services }) {
        // The key and its audit entry commit together: no key exists that the audit log does not show.
        const created = await services.app.store.transaction(async (tx) => {
          const key = await tx.apiKeys.create(body.role, principal.identity, body.name);
          await tx.audit.append({
            actor: principal.identity,
            action: "api_key.created",
            subjectType: "api_key",
            subjectId: key.id,
            details: { role: key.role, name: key.name },
          });
          return key;
        });
        return {
          status: 201,
          body: { id: created.id, key: created.key, role: created.role, name: created.name },
        };
      },
    }),
    route({
      method: "delete",
      path: "/keys/:id",
      operationId: "revokeKey",
      summary: "Revoke an API key (it answers 401 from now on)",
      tag: "keys",
      role: "admin",
      params: z.object({ id: z.string().min(1).max(100) }),
      errors: [404, 409],
      responses: { 204: { description: "revoked" } },
      async handler({ params, principal, services }) {
        if (params.id === principal.keyId) {
          throw new HttpProblem(409, "a key cannot revoke itself; use another admin key", {
            kind: "conflict",
          });
        }
        await services.app.store.transaction(async (tx) => {
          const revoked = await tx.apiKeys.revoke(params.id);
          if (!revoked) throw new NotFoundError(`no active API key ${params.id}`);
          await tx.audit.append({
            actor: principal.identity,
            action: "api_key.revoked",
            subjectType: "api_key",
            subjectId: params.id,
            details: {},
          });
        });
        // Only once the revocation has committed: a rolled-back one leaves the key valid, and cached.
        services.keyCache.forgetKeyId(params.id);
        return { status: 204 };
      },
    }),
  ];
}
