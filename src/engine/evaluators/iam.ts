import type { Evaluator } from "./types.ts";

/** Evaluators for iam checks, by name (see docs/checks.md). */
export const iamEvaluators: Record<string, Evaluator> = {};
