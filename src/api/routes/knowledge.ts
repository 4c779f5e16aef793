/**
 * Frameworks and the knowledge base's documents: list, upload for ingestion, status, delete; the control → check
 * mappings proposed for an ingested framework, confirmed or rejected by a person.
 */
import { summarize } from "../../engine/frameworks.ts";
import { ConflictError, NotFoundError } from "../../errors.ts";
import { DOCUMENT_STATUSES, documentIdFor, type KnowledgeDocument } from "../../store/documents.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { validationProblem } from "../problem.ts";
import { frameworkDetailSchema, frameworkListSchema, idParams, queryText } from "../schemas.ts";
import { readUpload } from "../upload.ts";

const FRAMEWORK_ID = /^[a-z0-9][a-z0-9.-]*$/;

export const documentSchema = z
  .object({
    id: z.string(),
    framework: z.string(),
    version: z.string(),
    title: z.string().nullable(),
    source: z.string(),
    origin: z.enum(["bundled", "user"]),
    format: z.string().nullable(),
    bytes: z.number().nullable(),
    pages: z.number().nullable(),
    contentHash: z.string().nullable(),
    status: z.enum(DOCUMENT_STATUSES),
    error: z.string().nullable(),
    chunkCount: z.number().int(),
    embeddingModel: z.string().nullable(),
    extractionStatus: z.enum(["extracted", "failed", "skipped"]).nullable(),
    extractionError: z.string().nullable(),
    controlsExtracted: z.number().nullable(),
    createdBy: z.string().nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    indexedAt: z.string().nullable(),
  })
  .meta({ id: "KnowledgeDocument" });

const documentListSchema = z.object({ items: z.array(documentSchema) }).meta({ id: "KnowledgeDocumentList" });

const uploadSchema = z
  .object({
    file: z.string().meta({ format: "binary" }).describe("the document: Markdown, text, HTML or PDF"),
    framework: z
      .string()
      .regex(FRAMEWORK_ID)
      .describe("the framework id the document belongs to, e.g. iso-27001-2022"),
    version: z.string().max(50).optional(),
    title: z.string().max(200).optional(),
  })
  .meta({ id: "DocumentUpload" });

export const mappingSchema = z
  .object({
    framework: z.string(),
    controlId: z.string(),
    controlTitle: z.string(),
    checkId: z.string(),
    status: z.enum(["proposed", "confirmed", "rejected"]),
    origin: z.enum(["builtin", "suggested", "user"]),
    score: z.number().nullable(),
    rationale: z.string().nullable(),
    decidedBy: z.string().nullable(),
    decidedAt: z.string().nullable(),
  })
  .meta({ id: "ControlMapping" });

const mappingDecisionSchema = z
  .object({
    controlId: z.string().min(1).max(100),
    checkId: z.string().min(1).max(200),
    decision: z.enum(["confirmed", "rejected"]),
  })
  .strict()
  .meta({ id: "MappingDecision" });

const frameworkParams = z.object({
  id: z.string().min(1).max(100).regex(FRAMEWORK_ID).describe("framework id"),
});

/** Waits this long for an upload's ingestion before answering 202 (still processing). */
const INGEST_WAIT_MS = 10_000;

export function knowledgeRoutes(): AnyRoute[] {
  return [
    route({
      method: "get",
      path: "/frameworks",
      operationId: "listFrameworks",
      summary: "Frameworks EnforceAI scores (built-in, custom files, ingested)",
      tag: "frameworks",
      role: "viewer",
      responses: { 200: { description: "the frameworks", schema: frameworkListSchema } },
      async handler({ services }) {
        const catalog = await services.app.catalog();
        return { status: 200, body: { items: catalog.frameworks.map(summarize) } };
      },
    }),
    route({
      method: "get",
      path: "/frameworks/:id",
      operationId: "getFramework",
      summary: "One framework with its controls and the checks that decide them",
      tag: "frameworks",
      role: "viewer",
      params: frameworkParams,
      errors: [404],
      responses: { 200: { description: "the framework", schema: frameworkDetailSchema } },
      async handler({ params, services }) {
        const catalog = await services.app.catalog();
        const f = catalog.frameworks.find((x) => x.id === params.id);
        if (!f)
          throw new NotFoundError(`unknown framework "${params.id}"; list them with GET /api/v1/frameworks`);
        const ingested = f.source.file.startsWith("ingested:");
        return {
          status: 200,
          body: {
            ...summarize(f),
            description: f.description,
            publisher: f.publisher,
            source: ingested ? "ingested" : f.source.kind,
            controlList: f.controls.map((c) => ({
              id: c.id,
              section: c.section,
              title: c.title,
              description: c.description,
              checks: c.checks ?? [],
              manual: !c.checks,
            })),
          },
        };
      },
    }),
    route({
      method: "get",
      path: "/frameworks/:id/mappings",
      operationId: "listMappings",
      summary: "Control → check mappings of an ingested framework (proposed ones wait for a person)",
      tag: "frameworks",
      role: "viewer",
      params: frameworkParams,
      query: z.object({ status: z.enum(["proposed", "confirmed", "rejected"]).optional() }).strict(),
      responses: {
        200: {
          description: "the mappings",
          schema: z.object({ items: z.array(mappingSchema) }).meta({ id: "MappingList" }),
        },
      },
      async handler({ params, query, services }) {
        const kb = await services.knowledgeBase();
        return { status: 200, body: { items: await kb.listMappings(params.id, query.status) } };
      },
    }),
    route({
      method: "post",
      path: "/frameworks/:id/mappings",
      operationId: "decideMapping",
      summary: "Confirm or reject a control → check mapping",
      description:
        "Confirming a pair nobody proposed adds it. A confirmed mapping counts in the framework's score.",
      tag: "frameworks",
      role: "approver",
      params: frameworkParams,
      body: mappingDecisionSchema,
      errors: [404],
      responses: { 200: { description: "the mapping after the decision", schema: mappingSchema } },
      async handler({ params, body, principal, services }) {
        const kb = await services.knowledgeBase();
        const row = await kb.decideMapping({
          framework: params.id,
          controlId: body.controlId,
          checkId: body.checkId,
          decision: body.decision,
          user: principal.identity,
        });
        return { status: 200, body: row };
      },
    }),
    route({
      method: "get",
      path: "/documents",
      operationId: "listDocuments",
      summary: "Framework documents in the knowledge base and their ingestion status",
      tag: "documents",
      role: "viewer",
      query: z
        .object({
          framework: queryText("framework id", 100).optional(),
          status: z.enum(DOCUMENT_STATUSES).optional(),
        })
        .strict(),
      responses: { 200: { description: "the documents", schema: documentListSchema } },
      async handler({ query, services }) {
        const kb = await services.knowledgeBase();
        return {
          status: 200,
          body: { items: await kb.listDocuments({ framework: query.framework, status: query.status }) },
        };
      },
    }),
    route({
      method: "post",
      path: "/documents",
      operationId: "uploadDocument",
      summary: "Upload a framework document for ingestion (multipart/form-data)",
      description:
        "The document is chunked, embedded and indexed; controls of a new framework are extracted and mappings to " +
        "checks proposed. Small documents finish within the request (201); longer ones answer 202 and continue: " +
        "follow `GET /documents/{id}`. A document past a limit (its size; once read: inflated PDF content, pages, " +
        "text, passages) is refused: 413 when that is known within the wait, otherwise it ends `failed` with " +
        "the limit as its `error`.",
      tag: "documents",
      role: "operator",
      requestContentType: "multipart/form-data",
      body: uploadSchema,
      errors: [413, 415],
      responses: {
        201: { description: "ingested (or unchanged)", schema: documentSchema },
        202: {
          description: "accepted, still processing",
          schema: documentSchema,
          headers: { Location: { description: "the document's URL", schema: z.string() } },
        },
      },
      async handler({ req, principal, services }) {
        const upload = await readUpload(req, services.limits.uploadBytes);
        const parsed = uploadSchema.omit({ file: true }).strict().safeParse(upload.fields);
        if (!parsed.success) {
          throw validationProblem(
            parsed.error.issues.map((i) => ({
              path: `body.${i.path.join(".") || "(form)"}`,
              message: i.message,
            })),
          );
        }
        const kb = await services.knowledgeBase();
        // the row as ingestion last recorded it: the 202 answer does not wait for the store, which a large
        // document's indexing may keep busy (the embedded database has one connection)
        let recorded: KnowledgeDocument | undefined;
        const ingest = kb.ingestText(upload.file.filename, upload.file.bytes, {
          framework: parsed.data.framework,
          version: parsed.data.version,
          title: parsed.data.title,
          format: upload.file.format,
          user: principal.identity,
          onStatus: (event) => {
            if (event.document) recorded = event.document;
          },
        });
        let timer: NodeJS.Timeout | undefined;
        const waited = await Promise.race([
          ingest.then((r) => ({ done: true as const, result: r })),
          new Promise<{ done: false }>((resolve) => {
            timer = setTimeout(() => resolve({ done: false }), INGEST_WAIT_MS);
          }),
        ]).finally(() => clearTimeout(timer));
        if (waited.done) return { status: 201, body: waited.result.document };
        ingest.catch((error) =>
          services.app.logger.warn({ err: String(error) }, "document ingestion failed"),
        );
        const id = documentIdFor(parsed.data.framework, upload.file.filename);
        const doc = recorded ?? (await kb.getDocument(id));
        return { status: 202, body: doc, headers: { Location: `/api/v1/documents/${id}` } };
      },
    }),
    route({
      method: "get",
      path: "/documents/:id",
      operationId: "getDocument",
      summary: "A document's ingestion status",
      tag: "documents",
      role: "viewer",
      params: idParams,
      errors: [404],
      responses: { 200: { description: "the document", schema: documentSchema } },
      async handler({ params, services }) {
        const kb = await services.knowledgeBase();
        return { status: 200, body: await kb.getDocument(params.id) };
      },
    }),
    route({
      method: "delete",
      path: "/documents/:id",
      operationId: "deleteDocument",
      summary: "Remove a document and its indexed passages",
      tag: "documents",
      role: "operator",
      params: idParams,
      errors: [404, 409],
      responses: { 204: { description: "deleted" } },
      async handler({ params, principal, services }) {
        const kb = await services.knowledgeBase();
        const doc = await kb.getDocument(params.id);
        if (doc.origin === "bundled") {
          throw new ConflictError(
            `${doc.source} comes with EnforceAI and is indexed again on start; it cannot be deleted`,
          );
        }
        await kb.deleteDocument(params.id, principal.identity);
        return { status: 204 };
      },
    }),
  ];
}
