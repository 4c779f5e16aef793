import type { Evaluator } from "./types.ts";

/** Evaluators for cloudtrail checks, by name (see docs/checks.md). */
export const cloudtrailEvaluators: Record<string, Evaluator> = {};
