/**
 * The OpenAPI 3.1 document, assembled from the route definitions and their zod schemas with zod 4's own
 * `z.toJSONSchema` (JSON Schema 2020-12, which OpenAPI 3.1 uses as is). Named schemas (`.meta({ id })`) become
 * `components/schemas`; request schemas are converted as inputs (defaults optional, coercions as their input
 * type), response schemas as outputs.
 */
import { z } from "zod";
import { type AnyRoute, openApiPath } from "./http.ts";
import { PROBLEM_CONTENT_TYPE } from "./problem.ts";

type Json = Record<string, unknown>;

const COMPONENT_PREFIX = "#/components/schemas/";

interface Conversion {
  components: Record<string, Json>;
}

function convert(
  registry: z.core.$ZodRegistry<{ id: string }>,
  io: "input" | "output",
  suffix: string,
): Conversion {
  const out = z.toJSONSchema(registry, {
    io,
    unrepresentable: "any",
    target: "draft-2020-12",
    uri: (id) => `${COMPONENT_PREFIX}${id}${suffix}`,
    cycles: "ref",
    reused: "inline",
  }) as { schemas: Record<string, Json> };
  const components: Record<string, Json> = {};
  for (const [id, schema] of Object.entries(out.schemas)) {
    const { $schema: _s, $id: _i, ...rest } = schema;
    components[`${id}${suffix}`] = rest;
  }
  return { components };
}

/** All `$ref`s in a JSON value. */
function refsOf(value: unknown, into = new Set<string>()): Set<string> {
  if (Array.isArray(value)) for (const v of value) refsOf(v, into);
  else if (value && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith(COMPONENT_PREFIX))
        into.add(v.slice(COMPONENT_PREFIX.length));
      else refsOf(v, into);
    }
  }
  return into;
}

function rewriteRefs(value: unknown, map: Map<string, string>): unknown {
  if (Array.isArray(value)) return value.map((v) => rewriteRefs(v, map));
  if (value && typeof value === "object") {
    const out: Json = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string" && v.startsWith(COMPONENT_PREFIX)) {
        const id = v.slice(COMPONENT_PREFIX.length);
        out[k] = `${COMPONENT_PREFIX}${map.get(id) ?? id}`;
      } else out[k] = rewriteRefs(v, map);
    }
    return out;
  }
  return value;
}

const ref = (id: string) => ({ $ref: `${COMPONENT_PREFIX}${id}` });

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

export interface OpenApiInfo {
  title?: string;
  version?: string;
  serverUrl?: string;
}

/** Builds the document. Throws when a schema cannot be represented (caught by the tests, never at runtime). */
export function buildOpenApi(
  groups: readonly { prefix: string; routes: readonly AnyRoute[] }[],
  info: OpenApiInfo = {},
): Json {
  const entries = groups.flatMap((g) => g.routes.map((r) => ({ prefix: g.prefix, r })));
  const routes = entries.map((e) => e.r);
  const inputs = z.registry<{ id: string }>();
  const outputs = z.registry<{ id: string }>();
  // Every named schema joins both registries, so references to it resolve to a component of its own.
  for (const [id, schema] of z.globalRegistry._idmap) {
    inputs.add(schema, { id });
    outputs.add(schema, { id });
  }
  const bodyId = (r: AnyRoute) => z.globalRegistry.get(r.body!)?.id ?? `${r.operationId}Body`;
  const queryId = (r: AnyRoute) => `${r.operationId}Query`;
  const paramsId = (r: AnyRoute) => `${r.operationId}Params`;
  const responseId = (r: AnyRoute, status: number, type = "") => `${r.operationId}Response${status}${type}`;

  for (const r of routes) {
    if (r.body && !z.globalRegistry.get(r.body)?.id) inputs.add(r.body, { id: bodyId(r) });
    if (r.query) inputs.add(r.query, { id: queryId(r) });
    if (r.params) inputs.add(r.params, { id: paramsId(r) });
    for (const [status, spec] of Object.entries(r.responses)) {
      if (spec.schema && !spec.sseEvent && !z.globalRegistry.get(spec.schema)?.id)
        outputs.add(spec.schema, { id: responseId(r, Number(status)) });
      if (spec.sseEvent && !z.globalRegistry.get(spec.sseEvent)?.id)
        outputs.add(spec.sseEvent, { id: responseId(r, Number(status), "Event") });
      for (const [type, schema] of Object.entries(spec.alternatives ?? {})) {
        if (!z.globalRegistry.get(schema)?.id)
          outputs.add(schema, { id: responseId(r, Number(status), type.replace(/[^A-Za-z0-9]/g, "")) });
      }
    }
  }
  const outputConv = convert(outputs, "output", "");
  const inputConv = convert(inputs, "input", "__in");

  // Output components that responses reach; an input component with no such twin keeps the plain name, an
  // input component that differs from its twin is named `…Input`.
  const responseRoots = new Set<string>();
  for (const r of routes) {
    for (const [status, spec] of Object.entries(r.responses)) {
      if (spec.schema)
        responseRoots.add(z.globalRegistry.get(spec.schema)?.id ?? responseId(r, Number(status)));
      if (spec.sseEvent)
        responseRoots.add(z.globalRegistry.get(spec.sseEvent)?.id ?? responseId(r, Number(status), "Event"));
      for (const [type, schema] of Object.entries(spec.alternatives ?? {})) {
        responseRoots.add(
          z.globalRegistry.get(schema)?.id ??
            responseId(r, Number(status), type.replace(/[^A-Za-z0-9]/g, "")),
        );
      }
    }
  }
  responseRoots.add("Problem");
  const outputUsed = new Set<string>();
  const pending = [...responseRoots];
  while (pending.length) {
    const id = pending.pop()!;
    if (outputUsed.has(id) || !outputConv.components[id]) continue;
    outputUsed.add(id);
    pending.push(...refsOf(outputConv.components[id]));
  }
  const components: Record<string, Json> = {};
  for (const id of outputUsed) components[id] = outputConv.components[id]!;
  const rename = new Map<string, string>();
  for (const id of Object.keys(inputConv.components)) rename.set(id, id.slice(0, -"__in".length));
  for (const [id, schema] of Object.entries(inputConv.components)) {
    const base = id.slice(0, -"__in".length);
    if (
      components[base] &&
      JSON.stringify(components[base]) !== JSON.stringify(rewriteRefs(schema, rename))
    ) {
      rename.set(id, `${base}Input`);
    }
  }
  for (const [id, schema] of Object.entries(inputConv.components)) {
    const name = rename.get(id)!;
    if (!components[name]) components[name] = rewriteRefs(schema, rename) as Json;
  }
  const inputName = (id: string) => rename.get(`${id}__in`) ?? id;

  const paths: Record<string, Record<string, Json>> = {};
  for (const { prefix, r } of entries) {
    const path = `${prefix}${openApiPath(r.path)}`;
    const parameters: Json[] = [];
    for (const [where, id] of [
      ["path", r.params ? paramsId(r) : undefined],
      ["query", r.query ? queryId(r) : undefined],
    ] as const) {
      if (!id) continue;
      const schema = components[inputName(id)] as { properties?: Record<string, Json>; required?: string[] };
      delete components[inputName(id)];
      for (const [name, prop] of Object.entries(schema.properties ?? {})) {
        const { description, ...propSchema } = prop as Json & { description?: string };
        parameters.push({
          name,
          in: where,
          required: where === "path" ? true : (schema.required ?? []).includes(name),
          ...(description ? { description } : {}),
          schema: propSchema,
        });
      }
    }
    const responses: Record<string, Json> = {};
    for (const [status, spec] of Object.entries(r.responses)) {
      const content: Json = {};
      if (spec.sseEvent) {
        // One schema per event (how OpenAPI tools read event streams): the JSON `data` line is described by
        // contentMediaType / contentSchema.
        const id = z.globalRegistry.get(spec.sseEvent)?.id ?? responseId(r, Number(status), "Event");
        content["text/event-stream"] = {
          schema: {
            type: "object",
            properties: {
              event: { type: "string" },
              data: { type: "string", contentMediaType: "application/json", contentSchema: ref(id) },
              id: { type: "string" },
              retry: { type: "integer" },
            },
            required: ["data"],
          },
        };
      } else if (spec.schema) {
        const id = z.globalRegistry.get(spec.schema)?.id ?? responseId(r, Number(status));
        content[spec.contentType ?? "application/json"] = { schema: ref(id) };
      }
      for (const [type, schema] of Object.entries(spec.alternatives ?? {})) {
        const id =
          z.globalRegistry.get(schema)?.id ??
          responseId(r, Number(status), type.replace(/[^A-Za-z0-9]/g, ""));
        content[type] = { schema: ref(id) };
      }
      const headers: Json = {};
      for (const [name, h] of Object.entries(spec.headers ?? {})) {
        headers[name] = {
          description: h.description,
          schema: z.toJSONSchema(h.schema, { unrepresentable: "any" }),
        };
      }
      responses[status] = {
        description: spec.description,
        ...(Object.keys(content).length ? { content } : {}),
        ...(Object.keys(headers).length ? { headers } : {}),
      };
    }
    const errorStatuses = new Set<number>([500, ...(r.errors ?? [])]);
    if (r.params || r.query || r.body) errorStatuses.add(400);
    if (r.role !== "public") for (const s of [401, 403, 429]) errorStatuses.add(s);
    if (r.body && r.requestContentType !== "multipart/form-data") errorStatuses.add(413).add(415);
    for (const s of [...errorStatuses].sort()) {
      const headers =
        s === 429
          ? { headers: { "Retry-After": { description: "seconds to wait", schema: { type: "integer" } } } }
          : s === 401
            ? { headers: { "WWW-Authenticate": { description: "Bearer", schema: { type: "string" } } } }
            : {};
      responses[String(s)] = {
        description: COMMON_ERRORS[s] ?? "error",
        content: { [PROBLEM_CONTENT_TYPE]: { schema: ref("Problem") } },
        ...headers,
      };
    }
    let requestBody: Json | undefined;
    if (r.body) {
      const id = inputName(bodyId(r));
      requestBody = {
        required: !r.bodyOptional,
        content: { [r.requestContentType ?? "application/json"]: { schema: ref(id) } },
      };
    }
    paths[path] ??= {};
    paths[path][r.method] = {
      operationId: r.operationId,
      summary: r.summary,
      ...(r.description ? { description: r.description } : {}),
      tags: [r.tag],
      ...(r.role === "public" ? { security: [] } : { "x-required-role": r.role }),
      ...(parameters.length ? { parameters } : {}),
      ...(requestBody ? { requestBody } : {}),
      responses,
    };
  }

  // Keep only the components something refers to.
  const used = new Set<string>();
  const queue = [...refsOf(paths)];
  while (queue.length) {
    const id = queue.pop()!;
    if (used.has(id)) continue;
    used.add(id);
    queue.push(...refsOf(components[id]));
  }
  const kept: Record<string, Json> = {};
  for (const id of Object.keys(components).sort()) if (used.has(id)) kept[id] = components[id]!;

  const text = JSON.stringify({ paths, kept });
  if (text.includes("__shared") || text.includes("__in")) {
    throw new Error(
      "OpenAPI: a schema refers to an unnamed shared definition; give it an id with .meta({ id })",
    );
  }
  return {
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
      schemas: kept,
      securitySchemes: {
        bearerAuth: {
          type: "http",
          scheme: "bearer",
          description: "an API key from `enforceai keys create --role viewer|operator|approver|admin`",
        },
      },
    },
  };
}
