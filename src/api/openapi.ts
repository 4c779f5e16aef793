/**
 * The OpenAPI 3.1 document, built by zod-openapi from the route definitions (./http.ts) and their zod schemas.
 * Named schemas (`.meta({ id })`) become `components/schemas`; request parts are rendered as inputs (defaults
 * optional, coercions as their input type), responses as outputs. This file only maps a route to an operation:
 * parameters, body, responses, the problems every route can answer with, and who may call it.
 */
import { z } from "zod";
import {
  createDocument,
  type oas31,
  type ZodOpenApiContentObject,
  type ZodOpenApiOperationObject,
  type ZodOpenApiOverrideMetaContext,
  type ZodOpenApiPathsObject,
  type ZodOpenApiResponseObject,
} from "zod-openapi";
import { type AnyRoute, openApiPath, type ResponseDef } from "./http.ts";
import { PROBLEM_CONTENT_TYPE, problemSchema } from "./problem.ts";

type Json = Record<string, unknown>;

const SCHEMAS = "#/components/schemas/";

/**
 * zod-openapi names a schema's input rendering by its id and suffixes the output one when the two differ; the
 * document has always done the reverse (responses are what clients read most), so the output keeps the plain
 * name and the input is `…Input`. This suffix only marks the output twins until they are renamed.
 */
const OUTPUT_MARK = "__output";
const INPUT_SUFFIX = "Input";

const COMMON_ERRORS: Record<number, string> = {
  400: "the request is invalid (field-level messages in `errors`)",
  401: "no API key, or an unknown or revoked one",
  403: "the key's role is too low for this",
  404: "not found",
  405: "method not allowed",
  409: "conflicts with the current state",
  413: "the body is larger than this endpoint accepts",
  415: "unsupported content type",
  429: "rate limited; see Retry-After",
  500: "internal error",
  503: "a backend is unavailable",
};

const ERROR_HEADERS: Record<number, ZodOpenApiResponseObject["headers"]> = {
  401: { "WWW-Authenticate": { description: "Bearer", schema: { type: "string" } } },
  429: { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } },
};

export interface OpenApiInfo {
  title?: string;
  version?: string;
  serverUrl?: string;
}

/** The problems a route can answer with: the ones its definition names, and those its guard chain produces. */
function errorStatuses(r: AnyRoute): number[] {
  const statuses = new Set<number>([500, ...(r.errors ?? [])]);
  if (r.params || r.query || r.body) statuses.add(400);
  if (r.role !== "public") for (const s of [401, 403, 429]) statuses.add(s);
  if (r.body && r.requestContentType !== "multipart/form-data") statuses.add(413).add(415);
  return [...statuses].sort((a, b) => a - b);
}

/**
 * One server-sent event per schema (how OpenAPI tools read event streams): the JSON `data` line is described by
 * contentMediaType / contentSchema. The event schema sits in `data` so that zod-openapi renders it (as an output,
 * a reference when it is named); the override then moves it under `contentSchema`.
 */
function eventStream(event: z.ZodType): z.ZodType {
  return z.object({ data: event }).meta({
    override: ({ jsonSchema }: ZodOpenApiOverrideMetaContext) => {
      const data = jsonSchema.properties?.data;
      for (const key of Object.keys(jsonSchema)) delete (jsonSchema as Json)[key];
      Object.assign(jsonSchema, {
        type: "object",
        properties: {
          event: { type: "string" },
          data: { type: "string", contentMediaType: "application/json", contentSchema: data },
          id: { type: "string" },
          retry: { type: "integer" },
        },
        required: ["data"],
      });
    },
  });
}

function operation(r: AnyRoute): ZodOpenApiOperationObject {
  const responses: Record<string, ZodOpenApiResponseObject> = {};
  for (const [status, spec] of Object.entries(r.responses) as [string, ResponseDef][]) {
    const content: ZodOpenApiContentObject = {};
    if (spec.sseEvent) {
      content["text/event-stream"] = { schema: eventStream(spec.sseEvent) };
    } else if (spec.schema) {
      content[spec.contentType ?? "application/json"] = { schema: spec.schema };
    }
    for (const [type, schema] of Object.entries(spec.alternatives ?? {})) content[type] = { schema };
    responses[status] = {
      description: spec.description,
      ...(Object.keys(content).length ? { content } : {}),
      ...(spec.headers
        ? {
            headers: z.object(
              Object.fromEntries(
                Object.entries(spec.headers).map(([h, d]) => [
                  h,
                  d.schema.meta({ header: { description: d.description } }),
                ]),
              ),
            ),
          }
        : {}),
    };
  }
  for (const status of errorStatuses(r)) {
    responses[String(status)] = {
      description: COMMON_ERRORS[status] ?? "error",
      content: { [PROBLEM_CONTENT_TYPE]: { schema: problemSchema } },
      ...(ERROR_HEADERS[status] ? { headers: ERROR_HEADERS[status] } : {}),
    };
  }
  return {
    operationId: r.operationId,
    summary: r.summary,
    ...(r.description ? { description: r.description } : {}),
    tags: [r.tag],
    ...(r.role === "public" ? { security: [] } : { "x-required-role": r.role }),
    ...(r.params || r.query
      ? { requestParams: { ...(r.params ? { path: r.params } : {}), ...(r.query ? { query: r.query } : {}) } }
      : {}),
    ...(r.body
      ? {
          requestBody: {
            required: !r.bodyOptional,
            content: { [r.requestContentType ?? "application/json"]: { schema: r.body } },
          },
        }
      : {}),
    responses,
  };
}

const METHODS = ["get", "put", "post", "delete", "patch"] as const;

/**
 * A parameter's description belongs to the parameter: zod-openapi copies it from the schema's metadata, which it
 * cannot see through `.optional()` / `.default()` wrappers, and leaves it in the parameter's schema as well.
 */
function describeParameter(parameter: oas31.ParameterObject | oas31.ReferenceObject): void {
  if ("$ref" in parameter || !parameter.schema || "$ref" in parameter.schema) return;
  const { description, ...schema } = parameter.schema;
  if (description !== undefined) parameter.description ??= description;
  parameter.schema = schema;
}

/** Renames every `$ref` to a schema component by `rename`, through the whole document. */
function renameRefs(value: unknown, rename: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => renameRefs(v, rename));
  if (!value || typeof value !== "object") return value;
  const out: Json = {};
  for (const [k, v] of Object.entries(value)) {
    const target =
      k === "$ref" && typeof v === "string" && v.startsWith(SCHEMAS) ? v.slice(SCHEMAS.length) : "";
    out[k] = rename.has(target) ? `${SCHEMAS}${rename.get(target)}` : renameRefs(v, rename);
  }
  return out;
}

/** `X` (input) and `X__output` become `XInput` and `X`; components sorted by name. */
function outputsKeepPlainNames(document: oas31.OpenAPIObject): Json {
  const components = document.components?.schemas ?? {};
  const rename = new Map<string, string>();
  for (const name of Object.keys(components)) {
    if (!name.endsWith(OUTPUT_MARK)) continue;
    const base = name.slice(0, -OUTPUT_MARK.length);
    if (components[`${base}${INPUT_SUFFIX}`])
      throw new Error(`OpenAPI: ${base} reads differently as input, and ${base}${INPUT_SUFFIX} is taken`);
    rename.set(base, `${base}${INPUT_SUFFIX}`).set(name, base);
  }
  const schemas = Object.fromEntries(
    Object.keys(components)
      .map((name) => [rename.get(name) ?? name, components[name]] as const)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)),
  );
  return renameRefs({ ...document, components: { ...document.components, schemas } }, rename) as Json;
}

/** Builds the document. Throws when a schema cannot be represented (caught by the tests, never at runtime). */
export function buildOpenApi(
  groups: readonly { prefix: string; routes: readonly AnyRoute[] }[],
  info: OpenApiInfo = {},
): Json {
  const paths: ZodOpenApiPathsObject = {};
  for (const { prefix, routes } of groups) {
    for (const r of routes) {
      const path = `${prefix}${openApiPath(r.path)}`;
      paths[path] ??= {};
      paths[path][r.method] = operation(r);
    }
  }

  const document = createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: info.title ?? "EnforceAI API",
        version: info.version ?? "0.1.0",
        description:
          "AWS compliance governance: scans, findings, posture, custom policies, suppressions, framework documents, " +
          "the remediation approval queue and a chat agent. Every error is an RFC 9457 problem (application/problem+json).",
      },
      ...(info.serverUrl ? { servers: [{ url: info.serverUrl }] } : {}),
      security: [{ bearerAuth: [] }],
      paths,
      components: {
        securitySchemes: {
          bearerAuth: {
            type: "http",
            scheme: "bearer",
            description: "an API key from `enforceai keys create --role viewer|operator|approver|admin`",
          },
        },
      },
    },
    { outputIdSuffix: OUTPUT_MARK },
  );

  const components = document.components?.schemas ?? {};
  // Unnamed schemas reached twice (cycles) become `__schemaN` components: name them instead.
  const unnamed = Object.keys(components).filter((name) => name.startsWith("__schema"));
  if (unnamed.length) {
    throw new Error(
      `OpenAPI: a schema refers to an unnamed shared definition (${unnamed.join(", ")}); give it an id with .meta({ id })`,
    );
  }
  for (const item of Object.values(document.paths ?? {}))
    for (const method of METHODS) for (const p of item[method]?.parameters ?? []) describeParameter(p);
  return outputsKeepPlainNames(document);
}
