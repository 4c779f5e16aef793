import type { BaseChatModel } from "@langchain/core/language_models/chat_models";
import type { Config } from "../config/index.ts";
import { ConfigError } from "../errors.ts";
import type { ModelRef } from "./invoke.ts";

/** The two models a scan uses: a fast one for batched triage, a strong one for reasoning with retrieval. */
export interface ModelPair {
  mode: string;
  precheck: ModelRef;
  analysis: ModelRef;
}

/**
 * The one model factory. `offline` (the default) returns undefined: the graph then writes template
 * explanations and says so. Other LangChain chat models come in through `overrides` (tests pass scripted
 * models this way) or through a provider added here.
 */
export async function createModels(
  config: Config,
  overrides?: { precheck: BaseChatModel; analysis: BaseChatModel; mode?: string },
): Promise<ModelPair | undefined> {
  if (overrides) {
    return {
      mode: overrides.mode ?? "scripted",
      // Overrides are scripted test models (or community ones): they answer JSON in text.
      precheck: { model: overrides.precheck, id: config.llm.precheckModel, structuredOutput: "text" },
      analysis: { model: overrides.analysis, id: config.llm.analysisModel, structuredOutput: "text" },
    };
  }
  if (config.llm.mode === "offline") return undefined;
  if (config.llm.mode === "bedrock") {
    if (!config.llm.region) {
      throw new ConfigError(
        "ENFORCEAI_LLM=bedrock needs a region: set ENFORCEAI_BEDROCK_REGION (or AWS_REGION), e.g. us-east-1",
      );
    }
    // Imported here so that offline runs never load the Bedrock client.
    const { ChatBedrockConverse } = await import("@langchain/aws");
    const make = (model: string, maxTokens: number) =>
      // Retries are the runnable's (`withRetry` in src/llm/invoke.ts), not the client's as well.
      new ChatBedrockConverse({ model, region: config.llm.region, temperature: 0, maxTokens, maxRetries: 0 });
    return {
      mode: "bedrock",
      precheck: {
        model: make(config.llm.precheckModel, 2_000),
        id: config.llm.precheckModel,
        structuredOutput: "native",
      },
      analysis: {
        model: make(config.llm.analysisModel, 2_000),
        id: config.llm.analysisModel,
        structuredOutput: "native",
      },
    };
  }
  throw new ConfigError(
    `ENFORCEAI_LLM="${config.llm.mode}" is not supported; expected one of offline, bedrock`,
  );
}
