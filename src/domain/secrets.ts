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
