import { sameIdentity } from "../../domain/identity.ts";
import type { Principal } from "../../domain/roles.ts";
import { roleAtLeast } from "../../domain/roles.ts";
import { ConflictError, NotFoundError } from "../../errors.ts";
import type { ApiServices } from "../context.ts";
import { type AnyRoute, route, z } from "../http.ts";
import { toProblem } from "../problem.ts";
import { chatMessageInputSchema, chatThreadSchema, threadParams } from "../schemas.ts";
import { openSse } from "../sse.ts";

export const chatEventSchema = z
  .object({
    type: z.enum(["token", "tool_call", "tool_result", "citation", "done", "error"]),
    text: z.string().optional(),
    id: z.string().optional(),
    name: z.string().optional(),
    args: z.record(z.string(), z.unknown()).optional(),
    ok: z.boolean().optional(),
    summary: z.string().optional(),
    citation: z.record(z.string(), z.unknown()).optional(),
    threadId: z.string().optional(),
    answer: z.string().optional(),
    citations: z.array(z.record(z.string(), z.unknown())).optional(),
    mode: z.string().optional(),
    problem: z.record(z.string(), z.unknown()).optional(),
  })
  .meta({ id: "ChatEvent", description: "one server-sent event of a chat answer (the `data` line)" });

const threadListSchema = z
  .object({
    items: z.array(
      z.object({ id: z.string(), owner: z.string(), createdAt: z.string(), updatedAt: z.string() }),
    ),
  })
  .meta({ id: "ChatThreadList" });

/** A thread is visible to its owner (and, read-only, to admins); to anyone else it does not exist. */
async function ownedThread(services: ApiServices, id: string, principal: Principal, write: boolean) {
  const thread = await services.chat.threads.find(id);
  if (!thread) return undefined;
  const mine = principal.identities.some((identity) => sameIdentity(identity, thread.owner));
  if (mine || (!write && roleAtLeast(principal.role, "admin"))) return thread;
  throw new NotFoundError(`no chat thread "${id}"`);
}

export function chatRoutes(): AnyRoute[] {
  return [
    route({
      method: "post",
      path: "/chat/threads/:id/messages",
      operationId: "postChatMessage",
      summary: "Ask the chat agent; the answer streams back as server-sent events",
      description:
        "Events: `token` (answer text as it is written), `tool_call`, `tool_result`, `citation` (each finding or " +
        "passage the answer cites, checked against what the tools returned), then `done` with the whole answer; " +
        "`error` (a problem) if the turn fails. A new thread id starts a thread owned by the caller.",
      tag: "chat",
      role: "viewer",
      params: threadParams,
      body: chatMessageInputSchema,
      errors: [404, 409],
      responses: {
        200: {
          description: "text/event-stream of ChatEvent",
          contentType: "text/event-stream",
          sseEvent: chatEventSchema,
        },
      },
      async handler({ req, res, params, body, principal, services }) {
        if (params.id.startsWith("scan-")) {
          throw new ConflictError(
            'thread ids starting with "scan-" are reserved for scans; choose another id',
          );
        }
        await ownedThread(services, params.id, principal, true);
        if (services.chat.isBusy(params.id)) {
          throw new ConflictError(`thread ${params.id} is still answering the previous message; wait for it`);
        }
        await services.chat.threads.claim(params.id, principal.identity, services.app.clock());
        const abort = new AbortController();
        const sse = openSse(req, res, { onClose: () => abort.abort() });
        try {
          await services.chat.send({
            threadId: params.id,
            message: body.message,
            principal,
            signal: abort.signal,
            onEvent: (event) => sse.send(event.type, chatEventSchema.parse(event)),
          });
        } catch (error) {
          if (!sse.isClosed) {
            const { problem } = toProblem(error, req.originalUrl);
            sse.send("error", { type: "error", problem });
          }
        }
        sse.close();
        return undefined;
      },
    }),
    route({
      method: "get",
      path: "/chat/threads/:id",
      operationId: "getChatThread",
      summary: "A chat thread's messages (the owner's, or any for an admin)",
      tag: "chat",
      role: "viewer",
      params: threadParams,
      errors: [404],
      responses: { 200: { description: "the thread", schema: chatThreadSchema } },
      async handler({ params, principal, services }) {
        const thread = await ownedThread(services, params.id, principal, false);
        if (!thread) throw new NotFoundError(`no chat thread "${params.id}"`);
        return { status: 200, body: { ...thread, messages: await services.chat.history(params.id) } };
      },
    }),
    route({
      method: "get",
      path: "/chat/threads",
      operationId: "listChatThreads",
      summary: "The caller's chat threads, most recent first",
      tag: "chat",
      role: "viewer",
      responses: { 200: { description: "the threads", schema: threadListSchema } },
      async handler({ principal, services }) {
        return { status: 200, body: { items: await services.chat.threads.listOf(principal.identity) } };
      },
    }),
  ];
}
