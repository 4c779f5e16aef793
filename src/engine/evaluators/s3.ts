import type { Evaluator } from "./types.ts";

/** Evaluators for s3 checks, by name (see docs/checks.md). */
export const s3Evaluators: Record<string, Evaluator> = {};
