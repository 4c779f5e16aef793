import type { FieldChange, FieldState, RemediationTarget } from "../../src/domain/remediation.ts";
import { canonicalJson, isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { errorCode } from "../aws/collector.ts";
import { PlanError } from "./types.ts";

/** JSON equality with `undefined` read as `null` and object keys in any order. */
export function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a ?? null) === canonicalJson(b ?? null);
}

/** The fields whose value the plan changes. */
export function fieldChanges(before: FieldState, after: FieldState): FieldChange[] {
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return fields
    .filter((f) => !sameValue(before[f], after[f]))
    .map((field) => ({ field, before: before[field] ?? null, after: after[field] ?? null }));
}

export function targetOf(item: ConfigurationItem): RemediationTarget {
  return {
    resourceType: item.resourceType,
    resourceId: item.resourceId,
    arn: item.arn,
    region: item.awsRegion,
    accountId: item.accountId,
  };
}

/** A supplementary value the scan could not read: no plan can be built on a guess. */
export function readable<T>(value: T, what: string): Exclude<T, { $error: unknown }> {
  if (isCallError(value)) {
    throw new PlanError(
      `the scan could not read ${what} (${value.$error.code}: ${value.$error.message}); grant the read permission and scan again`,
    );
  }
  return value as Exclude<T, { $error: unknown }>;
}

/** Runs a read that answers "not configured" with one of `absent` codes; those become `undefined`. */
export async function readOrAbsent<T>(
  read: () => Promise<T>,
  absent: readonly string[],
): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (absent.includes(errorCode(error))) return undefined;
    throw error;
  }
}

export const PUBLIC_ACCESS_BLOCK_FLAGS = [
  "blockPublicAcls",
  "ignorePublicAcls",
  "blockPublicPolicy",
  "restrictPublicBuckets",
] as const;

/** `{ configured, blockPublicAcls, … }` from a lowerCamel or SDK-cased public access block (or none). */
export function publicAccessBlockState(config: Record<string, unknown> | null | undefined): FieldState {
  const state: FieldState = { configured: !!config };
  for (const flag of PUBLIC_ACCESS_BLOCK_FLAGS) {
    const sdkName = flag.charAt(0).toUpperCase() + flag.slice(1);
    state[flag] = config ? (config[flag] ?? config[sdkName]) === true : false;
  }
  return state;
}

export const ALL_BLOCKED: FieldState = {
  configured: true,
  blockPublicAcls: true,
  ignorePublicAcls: true,
  blockPublicPolicy: true,
  restrictPublicBuckets: true,
};

/** `{ BlockPublicAcls, IgnorePublicAcls, … }` for the SDK. */
export function publicAccessBlockInput(state: FieldState): Record<string, boolean> {
  return {
    BlockPublicAcls: state.blockPublicAcls === true,
    IgnorePublicAcls: state.ignorePublicAcls === true,
    BlockPublicPolicy: state.blockPublicPolicy === true,
    RestrictPublicBuckets: state.restrictPublicBuckets === true,
  };
}

/** Age in whole days between an ISO date and `now`; undefined when there is no date. */
export function ageInDays(iso: unknown, now: Date): number | undefined {
  if (typeof iso !== "string" || iso === "") return undefined;
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return undefined;
  return (now.getTime() - t) / 86_400_000;
}
