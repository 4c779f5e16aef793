import type { Evaluator } from "./types.ts";

/** Evaluators for network checks, by name (see docs/checks.md). */
export const networkEvaluators: Record<string, Evaluator> = {};
