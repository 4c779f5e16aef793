import { backupCoverageEvaluators } from "./backup-coverage.ts";
import { cloudtrailEvaluators } from "./cloudtrail.ts";
import { configEvaluators } from "./config.ts";
import { containersEvaluators } from "./containers.ts";
import { dataEvaluators } from "./data.ts";
import { iamEvaluators } from "./iam.ts";
import { kmsEvaluators } from "./kms.ts";
import { lambdaEvaluators } from "./lambda.ts";
import { lbEvaluators } from "./lb.ts";
import { monitoringEvaluators } from "./monitoring.ts";
import { networkEvaluators } from "./network.ts";
import { resilienceEvaluators } from "./resilience.ts";
import { s3Evaluators } from "./s3.ts";
import type { Evaluator } from "./types.ts";

/** Every named evaluator a check may call. A name defined twice is a programming error. */
export function builtinEvaluators(): ReadonlyMap<string, Evaluator> {
  const registry = new Map<string, Evaluator>();
  for (const group of [
    iamEvaluators,
    s3Evaluators,
    networkEvaluators,
    cloudtrailEvaluators,
    lambdaEvaluators,
    kmsEvaluators,
    monitoringEvaluators,
    configEvaluators,
    lbEvaluators,
    resilienceEvaluators,
    containersEvaluators,
    dataEvaluators,
    backupCoverageEvaluators,
  ]) {
    for (const [name, evaluator] of Object.entries(group)) {
      if (registry.has(name)) throw new Error(`evaluator "${name}" is defined twice`);
      registry.set(name, evaluator);
    }
  }
  return registry;
}
