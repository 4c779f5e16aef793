import { type AnyRoute, openApiPath } from "../../src/api/http.ts";
import { API_PREFIX } from "../../src/api/server.ts";

type Doc = { paths: Record<string, Record<string, unknown>> };

/** Whether the document has an operation for the route (under the API prefix, or at the root for probes). */
export function routeDocumented(doc: Doc, def: AnyRoute): boolean {
  const path = openApiPath(def.path);
  return [`${API_PREFIX}${path}`, path].some((p) => doc.paths[p]?.[def.method] !== undefined);
}
