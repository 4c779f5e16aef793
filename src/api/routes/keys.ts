import { createApiKey, listApiKeys, revokeApiKey } from "../../services/api-keys.ts";
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
        return { status: 200, body: { items: await listApiKeys(services.app) } };
      },
    }),
    route({
      method: "post",
      path: "/keys",
      operationId: "createKey",
      summary: "Create an API key; the key is in this answer only",
      description:
        "The name is its holder's identity, normalised (Unicode NFKC, case-folded, trimmed). A name that " +
        "normalises to the identity of an existing key's holder is a 409 unless `sameHolder` is true.",
      tag: "keys",
      role: "admin",
      body: newApiKeySchema,
      errors: [409],
      responses: { 201: { description: "created", schema: createdApiKeySchema } },
      async handler({ body, principal, services }) {
        const created = await createApiKey(services.app, body, principal.identity);
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
        await revokeApiKey(services.app, params.id, principal.identity);
        services.keyCache.forgetKeyId(params.id);
        return { status: 204 };
      },
    }),
  ];
}
