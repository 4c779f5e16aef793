import { withContentHash } from "./shape.ts";
import type { ConfigurationItem } from "./types.ts";

/**
 * Secret hygiene for inventory data. Environment variable values can hold credentials; EnforceAI keeps only
 * what a check needs to know (empty, a flag, a reference to a secret store, or "some literal value") and never
 * stores, logs or sends a literal value anywhere.
 */

/** Values that point at a secret store, or KMS ciphertext, rather than holding the secret. */
export const SECRET_REFERENCE_VALUE: readonly RegExp[] = [
  /^arn:aws[\w-]*:secretsmanager:/i,
  /^arn:aws[\w-]*:ssm:/i,
  /^arn:aws[\w-]*:kms:/i,
  /^\{\{resolve:/i,
  /^\/aws\/reference\/secretsmanager\//i,
  /^(\/[\w.-]+){2,}$/, // a Parameter Store path
  /^AQ[IE]CAH[A-Za-z0-9+/=]{40,}$/, // base64 KMS ciphertext blob
];

/** Flag-like values that carry no secret. */
export const NOT_A_SECRET = /^(true|false|yes|no|on|off|none|null|enabled|disabled)$/i;

export const REDACTED_PREFIX = "[redacted literal";

export function isSecretReference(value: string): boolean {
  return SECRET_REFERENCE_VALUE.some((re) => re.test(value));
}

/** Keeps empty values, flags and references; replaces any other literal with a marker that says only its length. */
export function redactValue(raw: unknown): unknown {
  if (typeof raw !== "string") return raw;
  const value = raw.trim();
  if (
    value === "" ||
    NOT_A_SECRET.test(value) ||
    isSecretReference(value) ||
    value.startsWith(REDACTED_PREFIX)
  )
    return raw;
  return `${REDACTED_PREFIX}, ${value.length} characters]`;
}

export function redactVariables(variables: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(variables).map(([k, v]) => [k, redactValue(v)]));
}

/**
 * Where, per resource type, a configuration holds a map of variables whose values may be literal secrets (the
 * keys are names and stay; see docs/inventory.md).
 */
const VARIABLE_MAPS: Readonly<Record<string, readonly (readonly string[])[]>> = {
  "AWS::Lambda::Function": [["environment", "variables"]],
  "AWS::ApiGateway::Stage": [["variables"]],
  "AWS::ApiGatewayV2::Stage": [["stageVariables"]],
};

/**
 * The one redaction every ConfigurationItem passes before it is judged or stored, whatever brought it (live
 * discovery, targeted re-discovery for the watcher, a saved inventory, an AWS Config snapshot): literal values
 * in the variable maps above become `[redacted literal, N characters]`. Idempotent (a marker stays a marker);
 * an item it changes gets its content hash again, so the hash always describes what is kept.
 */
export function redactItem(item: ConfigurationItem): ConfigurationItem {
  let configuration = item.configuration;
  for (const path of VARIABLE_MAPS[item.resourceType] ?? []) configuration = redactAt(configuration, path);
  if (item.resourceType === ECS_TASK_DEFINITION) configuration = redactContainerEnvironments(configuration);
  return configuration === item.configuration ? item : withContentHash({ ...item, configuration });
}

const ECS_TASK_DEFINITION = "AWS::ECS::TaskDefinition";

/**
 * ECS container environments are lists of `{ name, value }` pairs. The collector keeps only names and a flag;
 * a Config snapshot or a hand-made inventory carries the values, which are redacted here like a variable map's.
 */
function redactContainerEnvironments(configuration: Record<string, unknown>): Record<string, unknown> {
  const containers = configuration.containerDefinitions;
  if (!Array.isArray(containers)) return configuration;
  let changed = false;
  const redacted = containers.map((container: unknown) => {
    if (!container || typeof container !== "object") return container;
    const environment = (container as { environment?: unknown }).environment;
    if (!Array.isArray(environment)) return container;
    const pairs = environment.map((pair: unknown) => {
      if (!pair || typeof pair !== "object" || !("value" in pair)) return pair;
      const value = redactValue((pair as { value: unknown }).value);
      if (value === (pair as { value: unknown }).value) return pair;
      changed = true;
      return { ...pair, value };
    });
    return { ...container, environment: pairs };
  });
  return changed ? { ...configuration, containerDefinitions: redacted } : configuration;
}

/** `record` with the variable map at `path` redacted; the same object when nothing changes. */
function redactAt(record: Record<string, unknown>, path: readonly string[]): Record<string, unknown> {
  const [head, ...rest] = path;
  if (head === undefined) return record;
  const child = record[head];
  if (!child || typeof child !== "object" || Array.isArray(child)) return record;
  const value = child as Record<string, unknown>;
  const next = rest.length > 0 ? redactAt(value, rest) : redactMap(value);
  return next === value ? record : { ...record, [head]: next };
}

function redactMap(variables: Record<string, unknown>): Record<string, unknown> {
  const redacted = redactVariables(variables);
  return Object.entries(redacted).every(([k, v]) => v === variables[k]) ? variables : redacted;
}

/** A URL safe to log or show: its password replaced by `***`. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = "***";
    return u.toString();
  } catch {
    return "(unparseable URL)";
  }
}
