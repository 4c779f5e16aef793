import type { Evaluator } from "./types.ts";

/** Evaluators for lambda checks, by name (see docs/checks.md). */
export const lambdaEvaluators: Record<string, Evaluator> = {};
