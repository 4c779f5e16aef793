/**
 * The OpenAPI builder over small route definitions: component names (a schema that reads differently as a
 * request keeps its plain name for responses and is `…Input` for requests), parameters with their descriptions,
 * request bodies, event streams, response headers, the problems each route declares, who may call it — and the
 * refusal of an unnamed shared definition.
 */
import { describe, expect, it } from "vitest";
import { type AnyRoute, route, z } from "../../src/api/http.ts";
import { buildOpenApi } from "../../src/api/openapi.ts";

// biome-ignore lint/suspicious/noExplicitAny: walking a JSON document
type Doc = any;

const noop = async () => undefined;
const item = z.object({ name: z.string(), size: z.number().default(1) }).meta({ id: "TestItem" });
const event = z.object({ step: z.string() }).meta({ id: "TestEvent" });

const routes: AnyRoute[] = [
  route({
    method: "post",
    path: "/items/:id",
    operationId: "putItem",
    summary: "store an item",
    description: "stores it",
    tag: "items",
    role: "operator",
    params: z.object({ id: z.string().describe("the item id") }),
    query: z.object({
      dryRun: z.enum(["true", "false"]).describe("only check").optional(),
      limit: z.coerce.number().int().min(1).max(9).describe("how many").default(5),
    }),
    body: item,
    errors: [404, 409],
    responses: {
      201: {
        description: "stored",
        schema: item,
        headers: { Location: { description: "the item's URL", schema: z.string() } },
      },
    },
    handler: noop,
  }),
  route({
    method: "get",
    path: "/items/:id/events",
    operationId: "itemEvents",
    summary: "follow an item",
    tag: "items",
    role: "viewer",
    params: z.object({ id: z.string() }),
    responses: { 200: { description: "events", contentType: "text/event-stream", sseEvent: event } },
    handler: noop,
  }),
  route({
    method: "get",
    path: "/probe",
    operationId: "probe",
    summary: "probe",
    tag: "operations",
    role: "public",
    responses: {
      200: { description: "ok", schema: item, alternatives: { "text/plain": z.string() } },
    },
    handler: noop,
  }),
  route({
    method: "post",
    path: "/upload",
    operationId: "upload",
    summary: "upload",
    tag: "items",
    role: "admin",
    requestContentType: "multipart/form-data",
    bodyOptional: true,
    body: z.object({ file: z.string() }).meta({ id: "TestUpload" }),
    responses: { 202: { description: "accepted" } },
    handler: noop,
  }),
];

const doc: Doc = buildOpenApi([{ prefix: "/api", routes }], { serverUrl: "http://127.0.0.1:1" });
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

describe("the OpenAPI document built from route definitions", () => {
  it("names a schema's response rendering plainly and its request rendering …Input", () => {
    const schemas = doc.components.schemas;
    expect(Object.keys(schemas).sort()).toEqual(
      ["Problem", "TestEvent", "TestItem", "TestItemInput", "TestUpload", "FieldError"].sort(),
    );
    expect(schemas.TestItem.required).toEqual(["name", "size"]);
    expect(schemas.TestItem.additionalProperties).toBe(false);
    expect(schemas.TestItemInput.required).toEqual(["name"]);
    const op = doc.paths["/api/items/{id}"].post;
    expect(op.requestBody).toEqual({
      required: true,
      content: { "application/json": { schema: ref("TestItemInput") } },
    });
    expect(op.responses["201"].content["application/json"].schema).toEqual(ref("TestItem"));
    expect(JSON.stringify(doc)).not.toContain("__");
  });

  it("states operation, tags, role and every path and query parameter with its description", () => {
    const op = doc.paths["/api/items/{id}"].post;
    expect(op).toMatchObject({
      operationId: "putItem",
      summary: "store an item",
      description: "stores it",
      tags: ["items"],
      "x-required-role": "operator",
    });
    expect(op.security).toBeUndefined();
    expect(op.parameters).toEqual([
      { in: "path", name: "id", required: true, description: "the item id", schema: { type: "string" } },
      {
        in: "query",
        name: "dryRun",
        description: "only check",
        schema: { type: "string", enum: ["true", "false"] },
      },
      {
        in: "query",
        name: "limit",
        description: "how many",
        schema: { type: "integer", minimum: 1, maximum: 9, default: 5 },
      },
    ]);
    expect(doc.paths["/api/probe"].get.security).toEqual([]);
    expect(doc.paths["/api/probe"].get["x-required-role"]).toBeUndefined();
    expect(doc.security).toEqual([{ bearerAuth: [] }]);
    expect(doc.components.securitySchemes.bearerAuth).toMatchObject({ type: "http", scheme: "bearer" });
    expect(doc.servers).toEqual([{ url: "http://127.0.0.1:1" }]);
    expect(doc.openapi).toBe("3.1.0");
  });

  it("documents response headers, alternatives and event streams", () => {
    const created = doc.paths["/api/items/{id}"].post.responses["201"];
    expect(created.headers.Location).toMatchObject({
      description: "the item's URL",
      schema: { type: "string" },
    });
    const probe = doc.paths["/api/probe"].get.responses["200"].content;
    expect(probe).toEqual({
      "application/json": { schema: ref("TestItem") },
      "text/plain": { schema: { type: "string" } },
    });
    expect(doc.paths["/api/items/{id}/events"].get.responses["200"].content).toEqual({
      "text/event-stream": {
        schema: {
          type: "object",
          properties: {
            event: { type: "string" },
            data: { type: "string", contentMediaType: "application/json", contentSchema: ref("TestEvent") },
            id: { type: "string" },
            retry: { type: "integer" },
          },
          required: ["data"],
        },
      },
    });
  });

  it("declares the problems each route can answer with, with Retry-After and WWW-Authenticate", () => {
    const statuses = (path: string, method: string) => Object.keys(doc.paths[path][method].responses);
    expect(statuses("/api/items/{id}", "post")).toEqual([
      "201",
      "400",
      "401",
      "403",
      "404",
      "409",
      "413",
      "415",
      "429",
      "500",
    ]);
    expect(statuses("/api/items/{id}/events", "get")).toEqual(["200", "400", "401", "403", "429", "500"]);
    expect(statuses("/api/probe", "get")).toEqual(["200", "500"]);
    // multipart bodies are read by the handler: no 413/415 from the JSON parser; an optional body.
    expect(statuses("/api/upload", "post")).toEqual(["202", "400", "401", "403", "429", "500"]);
    const upload = doc.paths["/api/upload"].post.requestBody;
    expect(upload).toEqual({
      required: false,
      content: { "multipart/form-data": { schema: ref("TestUpload") } },
    });
    const responses = doc.paths["/api/items/{id}"].post.responses;
    expect(responses["404"]).toEqual({
      description: "not found",
      content: { "application/problem+json": { schema: ref("Problem") } },
    });
    expect(responses["429"].headers["Retry-After"]).toEqual({
      description: "seconds to wait",
      schema: { type: "integer" },
    });
    expect(responses["401"].headers["WWW-Authenticate"]).toEqual({
      description: "Bearer",
      schema: { type: "string" },
    });
  });

  it("refuses an unnamed schema that refers to itself (it needs an id)", () => {
    type Node = { name: string; children: Node[] };
    const node: z.ZodType<Node> = z.object({
      name: z.string(),
      get children() {
        return z.array(node);
      },
    });
    const def = route({
      method: "get",
      path: "/tree",
      operationId: "tree",
      summary: "tree",
      tag: "t",
      role: "viewer",
      responses: { 200: { description: "a tree", schema: node } },
      handler: noop,
    });
    expect(() => buildOpenApi([{ prefix: "", routes: [def] }])).toThrow(/give it an id/);
  });
});
