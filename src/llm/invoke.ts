import { createHash } from "node:crypto";
import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessage, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { z } from "zod";
import type { Cache } from "../cache/index.ts";
import { errorMessage } from "../errors.ts";
import type { UsageMeter } from "./usage.ts";

/** A model answer that did not validate even after one repair attempt. */
export class InvalidModelOutput extends Error {
  constructor(
    message: string,
    readonly raw: string,
  ) {
    super(message);
  }
}

/** Bounds how many model calls run at once, across the whole process. */
export class Semaphore {
  private active = 0;
  private readonly waiting: (() => void)[] = [];
  constructor(private readonly limit: number) {}

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.active >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    this.active++;
    try {
      return await fn();
    } finally {
      this.active--;
      this.waiting.shift()?.();
    }
  }
}

export interface CallPolicy {
  timeoutMs: number;
  retries: number;
  /** First backoff; doubles per retry. */
  backoffMs: number;
  semaphore: Semaphore;
  sleep?: (ms: number) => Promise<void>;
}

export const DEFAULT_CALL_POLICY: Omit<CallPolicy, "semaphore"> = {
  timeoutMs: 60_000,
  retries: 2,
  backoffMs: 500,
};

function textOf(message: BaseMessage): string {
  const c = message.content;
  if (typeof c === "string") return c;
  return c
    .map((part) => (typeof part === "string" ? part : "text" in part ? String(part.text) : ""))
    .join("");
}

/** One model call with a timeout, retries with exponential backoff, the concurrency limit and accounting. */
export async function callModel(
  model: BaseChatModel,
  modelId: string,
  messages: BaseMessage[],
  policy: CallPolicy,
  meter: UsageMeter,
): Promise<string> {
  const sleep = policy.sleep ?? ((ms: number) => new Promise((r) => setTimeout(r, ms)));
  let lastError: unknown;
  for (let attempt = 0; attempt <= policy.retries; attempt++) {
    if (attempt > 0) await sleep(policy.backoffMs * 2 ** (attempt - 1));
    try {
      const answer = await policy.semaphore.run(() =>
        model.invoke(messages, { signal: AbortSignal.timeout(policy.timeoutMs) }),
      );
      const text = textOf(answer);
      const usage = (answer as AIMessage).usage_metadata;
      if (usage) meter.record(modelId, usage.input_tokens, usage.output_tokens, false);
      else {
        // Scripted and some community models report no usage: estimate ~4 characters per token.
        const input = Math.ceil(messages.map(textOf).join("").length / 4);
        meter.record(modelId, input, Math.ceil(text.length / 4), true);
      }
      return text;
    } catch (error) {
      lastError = error;
    }
  }
  throw new Error(`model ${modelId} failed after ${policy.retries + 1} attempts: ${errorMessage(lastError)}`);
}

/** The first JSON value in a model's text (models like to wrap JSON in prose or code fences). */
export function extractJson(text: string): unknown {
  const fenced = /```(?:json)?\s*([\s\S]*?)```/.exec(text);
  const candidate = (fenced ? fenced[1]! : text).trim();
  const start = candidate.search(/[[{]/);
  if (start < 0) throw new Error("the answer contains no JSON");
  const open = candidate[start]!;
  const close = open === "{" ? "}" : "]";
  const end = candidate.lastIndexOf(close);
  if (end <= start) throw new Error("the answer's JSON is not closed");
  return JSON.parse(candidate.slice(start, end + 1));
}

export interface JsonCallOptions<T> {
  schema: z.ZodType<T>;
  /** Extra validation beyond the schema (e.g. citations must be among the retrieved passages). */
  check?: (value: T) => string | undefined;
  cache?: Cache;
  cacheKey?: string;
  cacheTtlSeconds?: number;
}

/**
 * Asks for JSON, validates it with zod (and `check`), and on failure asks once more with the validation
 * error. Output that still does not validate is refused, never trusted. Valid answers are cached by key.
 */
export async function invokeJson<T>(
  model: BaseChatModel,
  modelId: string,
  messages: BaseMessage[],
  policy: CallPolicy,
  meter: UsageMeter,
  options: JsonCallOptions<T>,
): Promise<T> {
  if (options.cache && options.cacheKey) {
    const hit = await options.cache.get<T>(options.cacheKey);
    if (hit !== undefined) {
      meter.hit();
      return hit;
    }
  }
  let conversation = messages;
  let problem = "";
  let raw = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    raw = await callModel(model, modelId, conversation, policy, meter);
    problem = validate(raw, options);
    if (!problem) {
      const value = options.schema.parse(extractJson(raw));
      if (options.cache && options.cacheKey)
        await options.cache.set(options.cacheKey, value, options.cacheTtlSeconds);
      return value;
    }
    conversation = [
      ...messages,
      new AIMessage(raw),
      new HumanMessage(
        `Your answer was not valid: ${problem}. Answer again with only the corrected JSON, in the required shape.`,
      ),
    ];
  }
  throw new InvalidModelOutput(`invalid model output after a repair attempt: ${problem}`, raw);
}

function validate<T>(raw: string, options: JsonCallOptions<T>): string {
  let parsed: unknown;
  try {
    parsed = extractJson(raw);
  } catch (error) {
    return errorMessage(error);
  }
  const result = options.schema.safeParse(parsed);
  if (!result.success) {
    return result.error.issues
      .slice(0, 3)
      .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
      .join("; ");
  }
  return options.check?.(result.data) ?? "";
}

export function cacheKeyOf(parts: Record<string, string>): string {
  return `llm:${createHash("sha256").update(JSON.stringify(parts)).digest("hex")}`;
}
