/**
 * invokeJson's two ways to structured output: "native" goes through LangChain's withStructuredOutput (tool
 * calling), "text" parses the answer text with the same zod schema. Both validate, repair once, then refuse.
 */
import type { BaseLanguageModelInput } from "@langchain/core/language_models/base";
import { BaseChatModel } from "@langchain/core/language_models/chat_models";
import { AIMessageChunk, type BaseMessage, HumanMessage } from "@langchain/core/messages";
import type { ChatResult } from "@langchain/core/outputs";
import type { Runnable } from "@langchain/core/runnables";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { createMemoryCache } from "../../src/cache/index.ts";
import { DEFAULT_CALL_POLICY, InvalidModelOutput, invokeJson } from "../../src/llm/invoke.ts";
import { UsageMeter } from "../../src/llm/usage.ts";
import { scriptedModel } from "../helpers/models.ts";

const schema = z.object({ verdict: z.enum(["fine", "bad"]), note: z.string().min(3) });

/** A model that answers every call by calling the tool it was given, with the scripted arguments. */
class ToolCallingModel extends BaseChatModel {
  readonly prompts: string[] = [];
  private tool = "answer";
  constructor(private readonly args: (call: number) => Record<string, unknown>) {
    super({});
  }
  _llmType() {
    return "tool-calling-test";
  }
  override bindTools(
    tools: { function?: { name: string } }[],
  ): Runnable<BaseLanguageModelInput, AIMessageChunk> {
    this.tool = tools[0]?.function?.name ?? this.tool;
    return this;
  }
  async _generate(messages: BaseMessage[]): Promise<ChatResult> {
    this.prompts.push(messages.map((m) => String(m.content)).join("\n"));
    // A chunk: the base withStructuredOutput parser reads tool calls from an AIMessageChunk.
    const message = new AIMessageChunk({
      content: "",
      tool_calls: [
        { id: `call-${this.prompts.length}`, name: this.tool, args: this.args(this.prompts.length) },
      ],
      usage_metadata: { input_tokens: 100, output_tokens: 20, total_tokens: 120 },
    });
    return { generations: [{ text: "", message }] };
  }
}

const ask = [new HumanMessage("Is it fine?")];

describe("invokeJson", () => {
  it("native: withStructuredOutput's tool call, validated, metered with the model's own usage", async () => {
    const model = new ToolCallingModel(() => ({ verdict: "fine", note: "all good" }));
    const meter = new UsageMeter("test");
    const value = await invokeJson(
      { model, id: "anthropic.claude-haiku-4-5", structuredOutput: "native" },
      ask,
      DEFAULT_CALL_POLICY,
      meter,
      { schema },
    );
    expect(value).toEqual({ verdict: "fine", note: "all good" });
    expect(meter.toJSON()).toMatchObject({ calls: 1, inputTokens: 100, outputTokens: 20 });
  });

  it("native: invalid arguments get one repair, then are refused with the reason", async () => {
    const model = new ToolCallingModel((call) =>
      call === 1 ? { verdict: "maybe", note: "?" } : { verdict: "bad", note: "repaired" },
    );
    const ref = { model, id: "m", structuredOutput: "native" } as const;
    const meter = new UsageMeter("test");
    expect(await invokeJson(ref, ask, DEFAULT_CALL_POLICY, meter, { schema })).toEqual({
      verdict: "bad",
      note: "repaired",
    });
    expect(model.prompts[1]).toContain("Your answer was not valid: verdict:");
    const never = new ToolCallingModel(() => ({ verdict: "maybe" }));
    await expect(
      invokeJson({ ...ref, model: never }, ask, DEFAULT_CALL_POLICY, meter, { schema }),
    ).rejects.toBeInstanceOf(InvalidModelOutput);
    expect(never.prompts).toHaveLength(2);
  });

  it("text (scripted models): JSON in the answer text, the extra check, the cache", async () => {
    const scripted = scriptedModel((_p, call) =>
      call === 1 ? 'Here: {"verdict":"fine","note":"nope"}' : '```json\n{"verdict":"fine","note":"yes"}\n```',
    );
    const cache = createMemoryCache();
    const meter = new UsageMeter("scripted");
    const options = {
      schema,
      check: (v: z.infer<typeof schema>) => (v.note === "nope" ? "the note says nope" : undefined),
      cache,
      cacheKey: "k",
    };
    const ref = { model: scripted.model, id: "m", structuredOutput: "text" } as const;
    expect(await invokeJson(ref, ask, DEFAULT_CALL_POLICY, meter, options)).toEqual({
      verdict: "fine",
      note: "yes",
    });
    expect(scripted.prompts[1]).toContain("Your answer was not valid: the note says nope");
    expect(await invokeJson(ref, ask, DEFAULT_CALL_POLICY, meter, options)).toEqual({
      verdict: "fine",
      note: "yes",
    });
    expect(scripted.prompts).toHaveLength(2);
    expect(meter.toJSON()).toMatchObject({ calls: 2, cacheHits: 1 });
  });
});
