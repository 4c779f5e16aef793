import type { LlmUsage } from "../domain/scan.ts";

/** USD per million tokens (input, output), for the cost estimate shown in reports. Public list prices. */
const PRICES: [RegExp, number, number][] = [
  [/haiku-4|haiku-4-5/, 1, 5],
  [/haiku/, 0.8, 4],
  [/sonnet/, 3, 15],
  [/opus/, 15, 75],
];

export function priceOf(modelId: string): { input: number; output: number } {
  const hit = PRICES.find(([re]) => re.test(modelId));
  return hit ? { input: hit[1], output: hit[2] } : { input: 0, output: 0 };
}

/** Counts calls, tokens and cost for one scan; the numbers end up in `scan.llm`. */
export class UsageMeter {
  calls = 0;
  inputTokens = 0;
  outputTokens = 0;
  cacheHits = 0;
  estimatedCostUsd = 0;
  /** True when a model did not report usage and tokens were estimated from text length. */
  estimated = false;

  constructor(
    readonly mode: string,
    initial?: Partial<LlmUsage>,
  ) {
    if (initial) {
      this.calls = initial.calls ?? 0;
      this.inputTokens = initial.inputTokens ?? 0;
      this.outputTokens = initial.outputTokens ?? 0;
      this.cacheHits = initial.cacheHits ?? 0;
      this.estimatedCostUsd = initial.estimatedCostUsd ?? 0;
    }
  }

  record(modelId: string, inputTokens: number, outputTokens: number, estimated: boolean): void {
    this.calls++;
    this.inputTokens += inputTokens;
    this.outputTokens += outputTokens;
    this.estimated ||= estimated;
    const p = priceOf(modelId);
    this.estimatedCostUsd += (inputTokens * p.input + outputTokens * p.output) / 1_000_000;
  }

  hit(): void {
    this.cacheHits++;
  }

  toJSON(): LlmUsage {
    return {
      mode: this.mode,
      calls: this.calls,
      inputTokens: this.inputTokens,
      outputTokens: this.outputTokens,
      cacheHits: this.cacheHits,
      estimatedCostUsd: Math.round(this.estimatedCostUsd * 10_000) / 10_000,
    };
  }
}
