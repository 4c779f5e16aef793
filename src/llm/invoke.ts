/**
 * Structured model calls. LangChain does the mechanics — `withStructuredOutput` with the zod schema (native tool
 * calling) for real models, `.withRetry()` for failed calls, the call config's `timeout`, and `maxConcurrency`
 * on batches (see graphs/scan/analyse.ts) — and this module keeps EnforceAI's parts: one repair prompt after
 * invalid output (then the answer is refused with the reason), the extra `check` (e.g. citations), the answer
 * cache by key, and the usage meter.
 *
 * Scripted test models (`fakeModel`) cannot drive `withStructuredOutput`: theirs returns one fixed value and
 * ignores the prompt. A model marked `structuredOutput: "text"` therefore answers in text, and its answer is
 * parsed here and validated with the same zod schema (the documented fallback).
 */
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

export interface CallPolicy {
  /** For one model call, its retries included (the call config's `timeout`). */
  timeoutMs: number;
  /** Retries after a failed call (`.withRetry()`, exponential backoff); invalid output is not retried, repaired. */
  retries: number;
  /** Model calls one scan step keeps in flight at once (the batch config's `maxConcurrency`). */
  maxConcurrency: number;
}

export const DEFAULT_CALL_POLICY: CallPolicy = { timeoutMs: 60_000, retries: 2, maxConcurrency: 4 };

/** A chat model with the id used for prices and cache keys, and how it returns structured output. */
export interface ModelRef {
  model: BaseChatModel;
  id: string;
  /** "native": `withStructuredOutput` (tool calling); "text": JSON in the answer text (scripted models). */
  structuredOutput: "native" | "text";
}

function textOf(message: BaseMessage): string {
  const c = message.content;
  if (typeof c === "string") return c;
  return c
    .map((part) => (typeof part === "string" ? part : "text" in part ? String(part.text) : ""))
    .join("");
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

/** One answer: the raw message (for usage and the repair prompt) and what was parsed from it, or why not. */
interface Answer {
  raw: BaseMessage;
  /** The answer as text, as it goes back to the model in a repair prompt. */
  text: string;
  parsed: { ok: true; value: unknown } | { ok: false; problem: string };
}

async function ask<T>(
  ref: ModelRef,
  schema: z.ZodType<T>,
  messages: BaseMessage[],
  policy: CallPolicy,
): Promise<Answer> {
  const retry = { stopAfterAttempt: policy.retries + 1 };
  const config = { timeout: policy.timeoutMs };
  if (ref.structuredOutput === "native") {
    const structured = ref.model
      .withStructuredOutput(schema as z.ZodType<Record<string, unknown>>, {
        includeRaw: true,
        name: "answer",
      })
      .withRetry(retry);
    const { raw, parsed } = (await structured.invoke(messages, config)) as {
      raw: BaseMessage;
      parsed: unknown;
    };
    const text = parsed == null ? textOf(raw) : JSON.stringify(parsed);
    return {
      raw,
      text,
      parsed:
        parsed == null
          ? { ok: false, problem: "the answer did not call the answer tool with arguments" }
          : { ok: true, value: parsed },
    };
  }
  const raw = await ref.model.withRetry(retry).invoke(messages, config);
  const text = textOf(raw);
  try {
    return { raw, text, parsed: { ok: true, value: extractJson(text) } };
  } catch (error) {
    return { raw, text, parsed: { ok: false, problem: errorMessage(error) } };
  }
}

/** Tokens the model reported; scripted and some community models report none: then ~4 characters a token. */
function meterCall(meter: UsageMeter, modelId: string, messages: BaseMessage[], answer: Answer): void {
  const usage = (answer.raw as AIMessage).usage_metadata;
  if (usage) meter.record(modelId, usage.input_tokens, usage.output_tokens, false);
  else {
    const input = Math.ceil(messages.map(textOf).join("").length / 4);
    meter.record(modelId, input, Math.ceil(answer.text.length / 4), true);
  }
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
 * Asks for structured output, validates it with zod (and `check`), and on failure asks once more with the
 * validation error. Output that still does not validate is refused, never trusted. Valid answers are cached.
 */
export async function invokeJson<T>(
  ref: ModelRef,
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
  let text = "";
  for (let attempt = 0; attempt < 2; attempt++) {
    let answer: Answer;
    try {
      answer = await ask(ref, options.schema, conversation, policy);
    } catch (error) {
      throw new Error(`model ${ref.id} failed after ${policy.retries + 1} attempts: ${errorMessage(error)}`);
    }
    meterCall(meter, ref.id, conversation, answer);
    text = answer.text;
    const result = validate(answer, options);
    if (result.ok) {
      if (options.cache && options.cacheKey)
        await options.cache.set(options.cacheKey, result.value, options.cacheTtlSeconds);
      return result.value;
    }
    problem = result.problem;
    conversation = [
      ...messages,
      new AIMessage(text),
      new HumanMessage(
        `Your answer was not valid: ${problem}. Answer again with only the corrected JSON, in the required shape.`,
      ),
    ];
  }
  throw new InvalidModelOutput(`invalid model output after a repair attempt: ${problem}`, text);
}

function validate<T>(
  answer: Answer,
  options: JsonCallOptions<T>,
): { ok: true; value: T } | { ok: false; problem: string } {
  if (!answer.parsed.ok) return answer.parsed;
  const result = options.schema.safeParse(answer.parsed.value);
  if (!result.success) {
    return {
      ok: false,
      problem: result.error.issues
        .slice(0, 3)
        .map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`)
        .join("; "),
    };
  }
  const problem = options.check?.(result.data);
  return problem ? { ok: false, problem } : { ok: true, value: result.data };
}

export function cacheKeyOf(parts: Record<string, string>): string {
  return `llm:${createHash("sha256").update(JSON.stringify(parts)).digest("hex")}`;
}
