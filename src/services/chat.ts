/**
 * The chat service: threads (one turn at a time per thread, owned in the store, persisted in the LangGraph
 * checkpointer under the thread id), answers streamed as tokens, tool calls and results, citation checking
 * against what the tools returned, and a thread's history. The agent itself — `createAgent` over EnforceAI's
 * tools — is the state machine in graphs/chat.ts. With no model configured, a deterministic responder drives
 * the same agent and tools and says so in every answer.
 */
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { type BaseMessage, HumanMessage } from "@langchain/core/messages";
import { unwrapToolData } from "../../graphs/chat/data.ts";
import {
  buildChatAgent,
  type ChatAgent,
  type ChatContext,
  type ChatDeps,
  DeterministicChatModel,
} from "../../graphs/chat.ts";
import type { Principal } from "../domain/roles.ts";
import { ConflictError, errorMessage } from "../errors.ts";
import type { ChatThreads } from "../store/chat-threads.ts";

export type { ChatDeps } from "../../graphs/chat.ts";
export { NO_MODEL_NOTE, routeQuestion } from "../../graphs/chat.ts";
export type { ChatThreadRecord } from "../store/chat-threads.ts";

// Citations in answers are markers — `[finding:ID]`, `[passage:ID]` — checked against what the tools returned.

export interface CitableFinding {
  kind: "finding";
  id: string;
  title?: string;
}

export interface CitablePassage {
  kind: "passage";
  id: string;
  framework?: string;
  controlId?: string | null;
  source?: string;
}

export type Citable = CitableFinding | CitablePassage;

/**
 * Everything citable in a tool result: findings (any object with an `id` and a `checkId`) and passages (the
 * objects of a `passages` list), wherever they appear.
 */
export function citablesOf(value: unknown, into = new Map<string, Citable>()): Map<string, Citable> {
  const visit = (v: unknown, key?: string) => {
    if (Array.isArray(v)) {
      for (const item of v) visit(item, key);
      return;
    }
    if (!v || typeof v !== "object") return;
    const o = v as Record<string, unknown>;
    if (typeof o.id === "string") {
      if (key === "passages") {
        into.set(`passage:${o.id}`, {
          kind: "passage",
          id: o.id,
          framework: typeof o.framework === "string" ? o.framework : undefined,
          controlId: typeof o.controlId === "string" ? o.controlId : null,
          source: typeof o.source === "string" ? o.source : undefined,
        });
        return;
      }
      if (typeof o.checkId === "string") {
        into.set(`finding:${o.id}`, {
          kind: "finding",
          id: o.id,
          title: typeof o.title === "string" ? o.title : undefined,
        });
      }
    }
    for (const [k, child] of Object.entries(o)) visit(child, k);
  };
  visit(value);
  return into;
}

const MARKER = /\[(finding|passage):([^\]\s][^\]]*)\]/g;

/** The markers in an answer, in order of first appearance. */
export function citationMarkers(text: string): { kind: "finding" | "passage"; id: string }[] {
  const seen = new Set<string>();
  const out: { kind: "finding" | "passage"; id: string }[] = [];
  for (const m of text.matchAll(MARKER)) {
    const key = `${m[1]}:${m[2]}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: m[1] as "finding" | "passage", id: m[2]!.trim() });
  }
  return out;
}

/** The answer's citations that a tool returned; markers naming anything else are dropped (and reported). */
export function checkCitations(
  text: string,
  citable: ReadonlyMap<string, Citable>,
): { citations: Citable[]; unknown: string[] } {
  const citations: Citable[] = [];
  const unknown: string[] = [];
  for (const m of citationMarkers(text)) {
    const c = citable.get(`${m.kind}:${m.id}`);
    if (c) citations.push(c);
    else unknown.push(`${m.kind}:${m.id}`);
  }
  return { citations, unknown };
}

export type ChatEvent =
  | { type: "token"; text: string }
  | { type: "tool_call"; id: string; name: string; args: Record<string, unknown> }
  | { type: "tool_result"; id: string; name: string; ok: boolean; summary: string }
  | { type: "citation"; citation: Citable }
  | { type: "done"; threadId: string; answer: string; citations: Citable[]; mode: string };

export interface ChatAnswer {
  threadId: string;
  answer: string;
  citations: Citable[];
  /** `model:<id>` or `deterministic`. */
  mode: string;
  /** Markers in the answer that name nothing the tools returned (dropped from `citations`). */
  unknownCitations: string[];
  toolCalls: string[];
}

export interface ChatTurn {
  role: "user" | "assistant" | "tool";
  content: string;
  name?: string;
  toolCalls?: { name: string; args: Record<string, unknown> }[];
}

function textOf(m: BaseMessage): string {
  if (typeof m.content === "string") return m.content;
  return m.content.map((p) => (typeof p === "object" && p && "text" in p ? String(p.text) : "")).join("");
}

function summarise(name: string, text: string): { ok: boolean; summary: string } {
  const data = unwrapToolData(text)?.value as Record<string, unknown> | undefined;
  if (!data) return { ok: false, summary: "no data" };
  if (typeof data.error === "string") return { ok: false, summary: data.error };
  if (typeof data.refused === "string") return { ok: false, summary: data.refused };
  const counts = Object.entries(data)
    .filter(([, v]) => Array.isArray(v))
    .map(([k, v]) => `${(v as unknown[]).length} ${k}`);
  return { ok: true, summary: `${name}: ${counts.join(", ") || "ok"}` };
}

export class ChatService {
  readonly threads: ChatThreads;
  private agent?: Promise<ChatAgent>;
  private readonly busy = new Set<string>();

  constructor(private readonly deps: ChatDeps) {
    this.threads = deps.store.chatThreads;
  }

  isBusy(threadId: string): boolean {
    return this.busy.has(threadId);
  }

  get mode(): string {
    return this.deps.model ? `model:${this.deps.modelId ?? "chat"}` : "deterministic";
  }

  private getAgent(): Promise<ChatAgent> {
    this.agent ??= (async () => {
      const checkpointer = await this.deps.store.checkpointer();
      const model =
        this.deps.model ?? new DeterministicChatModel(async () => (await this.deps.catalog()).frameworks);
      return buildChatAgent(this.deps, model as BaseChatModel, checkpointer);
    })().catch((error) => {
      this.agent = undefined;
      throw error;
    });
    return this.agent;
  }

  /** One turn: the question in, the answer streamed out through `onEvent`. One turn at a time per thread. */
  async send(options: {
    threadId: string;
    message: string;
    principal: Principal;
    onEvent?: (event: ChatEvent) => void;
    signal?: AbortSignal;
  }): Promise<ChatAnswer> {
    const { threadId, principal } = options;
    const emit = options.onEvent ?? (() => {});
    if (this.busy.has(threadId)) {
      throw new ConflictError(`thread ${threadId} is still answering the previous message; wait for it`);
    }
    this.busy.add(threadId);
    try {
      const agent = await this.getAgent();
      const config = {
        configurable: { thread_id: threadId },
        context: { principal } satisfies ChatContext,
        streamMode: ["messages", "updates"] as ("messages" | "updates")[],
        recursionLimit: 30,
        signal: options.signal,
      };
      const stream = await agent.stream({ messages: [new HumanMessage(options.message)] }, config);
      let answer = "";
      const toolCalls: string[] = [];
      for await (const item of stream as AsyncIterable<[string, unknown]>) {
        const [mode, data] = item;
        if (mode === "messages") {
          const [chunk, meta] = data as [BaseMessage, { langgraph_node?: string }];
          if (chunk.getType() === "ai" && (meta?.langgraph_node ?? "model_request") === "model_request") {
            const text = textOf(chunk);
            if (text) emit({ type: "token", text });
          }
          continue;
        }
        for (const update of Object.values((data ?? {}) as Record<string, { messages?: BaseMessage[] }>)) {
          for (const m of update?.messages ?? []) {
            if (m.getType() === "ai") {
              const calls = (
                m as unknown as {
                  tool_calls?: { id?: string; name: string; args: Record<string, unknown> }[];
                }
              ).tool_calls;
              if (calls?.length) {
                for (const c of calls) {
                  toolCalls.push(c.name);
                  emit({ type: "tool_call", id: c.id ?? "", name: c.name, args: c.args });
                }
              } else {
                answer = textOf(m);
              }
            } else if (m.getType() === "tool") {
              const name = (m as unknown as { name?: string }).name ?? "tool";
              const { ok, summary } = summarise(name, textOf(m));
              emit({
                type: "tool_result",
                id: (m as unknown as { tool_call_id?: string }).tool_call_id ?? "",
                name,
                ok,
                summary,
              });
            }
          }
        }
      }
      const citable = new Map<string, Citable>();
      const state = await agent.getState({ configurable: { thread_id: threadId } });
      for (const m of (state.values as { messages?: BaseMessage[] }).messages ?? []) {
        if (m.getType() !== "tool") continue;
        const data = unwrapToolData(textOf(m));
        if (data) citablesOf(data.value, citable);
      }
      const { citations, unknown } = checkCitations(answer, citable);
      if (unknown.length) {
        this.deps.logger.warn({ threadId, unknown }, "chat answer cites ids no tool returned; dropped");
      }
      for (const c of citations) emit({ type: "citation", citation: c });
      const result: ChatAnswer = {
        threadId,
        answer,
        citations,
        mode: this.mode,
        unknownCitations: unknown,
        toolCalls,
      };
      emit({ type: "done", threadId, answer, citations, mode: this.mode });
      return result;
    } catch (error) {
      this.deps.logger.warn({ threadId, err: errorMessage(error) }, "chat turn failed");
      throw error;
    } finally {
      this.busy.delete(threadId);
    }
  }

  /** The thread's conversation, oldest first. */
  async history(threadId: string): Promise<ChatTurn[]> {
    const agent = await this.getAgent();
    const state = await agent.getState({ configurable: { thread_id: threadId } });
    const messages = (state.values as { messages?: BaseMessage[] }).messages ?? [];
    return messages.map((m): ChatTurn => {
      const type = m.getType();
      if (type === "human") return { role: "user", content: textOf(m) };
      if (type === "tool") {
        const data = unwrapToolData(textOf(m));
        return {
          role: "tool",
          name: (m as unknown as { name?: string }).name ?? "tool",
          content: data ? JSON.stringify(data.value) : textOf(m),
        };
      }
      const calls = (m as unknown as { tool_calls?: { name: string; args: Record<string, unknown> }[] })
        .tool_calls;
      return {
        role: "assistant",
        content: textOf(m),
        ...(calls?.length ? { toolCalls: calls.map((c) => ({ name: c.name, args: c.args })) } : {}),
      };
    });
  }
}

export function createChatService(deps: ChatDeps): ChatService {
  return new ChatService(deps);
}
