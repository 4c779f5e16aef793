import { type CallError, callError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import type { AwsClientSet } from "./clients.ts";

export const SERVICE_NAMES = [
  "account",
  "ec2",
  "s3",
  "iam",
  "rds",
  "lambda",
  "cloudtrail",
  "kms",
  "logs",
  "cloudwatch",
  "sns",
  "config",
  "securityhub",
  "guardduty",
  "macie",
  "organizations",
  "efs",
  "accessanalyzer",
  "elb",
  "elbv2",
  "acm",
  "wafv2",
  "backup",
  "opensearch",
  "elasticache",
  "redshift",
  "ecr",
  "ecs",
  "eks",
  "secretsmanager",
  "ssm",
  "dynamodb",
  "sqs",
  "cloudfront",
  "apigateway",
  "apigatewayv2",
  "autoscaling",
  "route53",
  "kinesis",
  "firehose",
] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];

/** Everything a collector may use for one (account, region). Global collectors get the home region. */
export interface CollectorContext {
  accountId: string;
  /** `aws`, `aws-cn`, `aws-us-gov`: taken from the caller identity ARN. */
  partition: string;
  /** Region the calls go to. Global collectors record `global` on their items, not this. */
  region: string;
  /** Every region of the scan: S3 keeps only buckets located in one of them. */
  regions: readonly string[];
  clients: AwsClientSet;
  /** Clients for another region of the same account (S3 buckets are read in their own region). */
  clientsFor(region: string): AwsClientSet;
  /** Capture time source; tests pass a fixed clock. */
  now(): Date;
  /** How many per-resource calls a collector keeps in flight. */
  perResourceConcurrency: number;
  /**
   * Records that a listing could not be read (AccessDenied, throttled past retries, …). The collector carries
   * on with what it can read; the gap lands in the inventory's `coverageGaps`.
   */
  recordGap(what: string, error: unknown): void;
  /**
   * A targeted re-read (the watcher's): only the resources this answers true for get their per-resource
   * calls and an item; the listing itself still runs. Absent: every resource is read. A collector that joins
   * records of several types into one item reads without it.
   */
  wants?(resourceType: string, id: string, name?: string, arn?: string): boolean;
}

export interface Collector {
  service: ServiceName;
  /** Runs once per account (IAM, S3 listing, the account record) instead of once per region. */
  global: boolean;
  /** The IAM read actions its calls need (the scan policy is generated from them). */
  actions: readonly string[];
  collect(ctx: CollectorContext): Promise<ConfigurationItem[]>;
}

/** The short error code of an SDK error (`AccessDenied`, `NoSuchBucketPolicy`, `ThrottlingException`). */
export function errorCode(error: unknown): string {
  if (error && typeof error === "object") {
    const e = error as {
      name?: unknown;
      Code?: unknown;
      code?: unknown;
      $metadata?: { httpStatusCode?: number };
    };
    for (const candidate of [e.Code, e.name, e.code]) {
      if (typeof candidate === "string" && candidate && !GENERIC_NAMES.has(candidate)) return candidate;
    }
    // An answer the SDK could not parse (an HTML error page, an unimplemented emulator call) has only a status.
    if (e.$metadata?.httpStatusCode) return `HTTP${e.$metadata.httpStatusCode}`;
  }
  return "UnknownError";
}

// `SyntaxError`: a JSON-protocol client could not parse the answer (an emulator's error page), not an AWS code.
const GENERIC_NAMES = new Set(["Error", "UnknownError", "TypeError", "SyntaxError"]);

export function errorText(error: unknown): string {
  if (error instanceof Error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    // The SDK's message for an unparseable body (an HTML error page) says nothing useful to a reader.
    if (status && /Deserialization error|XML parse error|Unexpected token/.test(error.message)) {
      return `HTTP ${status} with a body that is not an AWS API answer (the endpoint may not implement this call)`;
    }
    return error.message || error.name;
  }
  return String(error);
}

/** Codes that mean "this identity may not read that": a coverage gap, never a finding. */
const ACCESS_DENIED_CODES = new Set([
  "AccessDenied",
  "AccessDeniedException",
  "UnauthorizedOperation",
  "AuthorizationError",
  "UnauthorizedAccess",
  "Forbidden",
]);

/** Codes that mean the region is not enabled for the account (opt-in regions). */
const REGION_DISABLED_CODES = new Set([
  "OptInRequired",
  "AuthFailure",
  "InvalidClientTokenId",
  "UnrecognizedClientException",
]);

export function isAccessDenied(error: unknown): boolean {
  return ACCESS_DENIED_CODES.has(errorCode(error));
}

export function isRegionDisabledCode(code: string | undefined): boolean {
  return code !== undefined && REGION_DISABLED_CODES.has(code);
}

/**
 * Runs a per-resource supplementary call. An answer listed in `absentWhen` (e.g. `NoSuchBucketPolicy`) means
 * "not configured" and becomes `null`; any other failure becomes a `CallError`, so that a missing permission
 * never looks like a missing setting.
 */
export async function supplementary<T>(
  call: () => Promise<T>,
  absentWhen: readonly string[] = [],
): Promise<T | null | CallError> {
  try {
    return await call();
  } catch (error) {
    const code = errorCode(error);
    if (absentWhen.includes(code)) return null;
    return callError(code, errorText(error));
  }
}

/** Like `supplementary`, for calls whose answer has no "not configured" form. */
export async function orCallError<T>(call: () => Promise<T>): Promise<T | CallError> {
  try {
    return await call();
  } catch (error) {
    return callError(errorCode(error), errorText(error));
  }
}

/**
 * Runs one listing of a collector. A failure is recorded as a coverage gap and yields no items: nothing is
 * invented for what could not be read, and the other listings of the collector still run.
 */
export async function listing(
  ctx: CollectorContext,
  what: string,
  run: () => Promise<ConfigurationItem[]>,
): Promise<ConfigurationItem[]> {
  try {
    return await run();
  } catch (error) {
    ctx.recordGap(what, error);
    return [];
  }
}

/** `[{ Key, Value }]` (EC2, IAM, RDS, S3, CloudTrail) or `[{ TagKey, TagValue }]` (KMS) → `{ key: value }`. */
export function tagMap(
  tags: ReadonlyArray<{ Key?: string; Value?: string } | { TagKey?: string; TagValue?: string }> | undefined,
): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) {
    const key = "Key" in tag ? tag.Key : "TagKey" in tag ? tag.TagKey : undefined;
    const value = "Value" in tag ? tag.Value : "TagValue" in tag ? tag.TagValue : undefined;
    if (key !== undefined) out[key] = value ?? "";
  }
  return out;
}

/**
 * A policy document as an object. IAM returns documents URL-encoded, other services as JSON text; some
 * emulators return IAM documents already decoded. A document that is not JSON is kept as `{ $raw }` rather
 * than dropped, so that a check can still say what it saw.
 */
export function parsePolicyDocument(document: string | undefined | null): Record<string, unknown> | null {
  if (document === undefined || document === null || document === "") return null;
  const text = document.trimStart().startsWith("{") ? document : safeDecode(document);
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed && typeof parsed === "object" ? (parsed as Record<string, unknown>) : { $raw: document };
  } catch {
    return { $raw: document };
  }
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}

/** Shorthand for the fields every item shares. */
export function item(
  ctx: CollectorContext,
  fields: Omit<ConfigurationItem, "accountId" | "configurationItemCaptureTime" | "tags"> & {
    tags?: Record<string, string>;
  },
): ConfigurationItem {
  return {
    ...fields,
    accountId: ctx.accountId,
    tags: fields.tags ?? {},
    configurationItemCaptureTime: ctx.now().toISOString(),
  };
}
