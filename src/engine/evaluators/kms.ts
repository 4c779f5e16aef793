import type { Evaluator } from "./types.ts";

/** Evaluators for kms checks, by name (see docs/checks.md). */
export const kmsEvaluators: Record<string, Evaluator> = {};
