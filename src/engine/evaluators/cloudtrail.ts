import type { ConfigurationItem } from "../../domain/types.ts";
import { quote, unreadableReason } from "./policy.ts";
import { bucketPublicVerdict } from "./s3.ts";
import type { EvaluationContext, Evaluator, EvaluatorResult } from "./types.ts";

const TRAIL = "AWS::CloudTrail::Trail";

interface ClassicSelector {
  readWriteType?: string | null;
  includeManagementEvents?: boolean | null;
  dataResources?: { type?: string; values?: string[] }[] | null;
}

interface FieldSelector {
  field?: string;
  equals?: string[];
  startsWith?: string[];
  endsWith?: string[];
  notEquals?: string[];
  notStartsWith?: string[];
  notEndsWith?: string[];
}

interface AdvancedSelector {
  name?: string;
  fieldSelectors?: FieldSelector[];
}

/** A trail's verdict on one requirement: met, not met (with what was seen), or not readable. */
export type Judgement = { ok: true; text: string } | { ok: false; text: string } | { error: string };

function selectorsOf(
  trail: ConfigurationItem,
): { classic: ClassicSelector[]; advanced: AdvancedSelector[] } | { error: string } {
  const value = trail.supplementaryConfiguration.eventSelectors;
  const error = unreadableReason(value, "supplementaryConfiguration.eventSelectors");
  if (error) return { error };
  const v = (value ?? {}) as {
    eventSelectors?: ClassicSelector[] | null;
    advancedEventSelectors?: AdvancedSelector[] | null;
  };
  return { classic: v.eventSelectors ?? [], advanced: v.advancedEventSelectors ?? [] };
}

function fieldOf(selector: AdvancedSelector, field: string): FieldSelector[] {
  return (selector.fieldSelectors ?? []).filter((f) => f.field?.toLowerCase() === field.toLowerCase());
}

/** The values of `readOnly` an advanced selector admits (`true`, `false`, or both when it does not restrict it). */
function readOnlyValues(selector: AdvancedSelector): Set<string> {
  const values = new Set(["true", "false"]);
  for (const f of fieldOf(selector, "readOnly")) {
    if (f.equals && f.equals.length > 0) {
      const eq = new Set(f.equals.map((e) => e.toLowerCase()));
      for (const v of [...values]) if (!eq.has(v)) values.delete(v);
    }
    for (const n of f.notEquals ?? []) values.delete(n.toLowerCase());
  }
  return values;
}

function equalsIncludes(selector: AdvancedSelector, field: string, value: string): boolean {
  return fieldOf(selector, field).some((f) => (f.equals ?? []).includes(value));
}

function selectorName(selector: AdvancedSelector, index: number): string {
  return selector.name ? `advanced selector ${quote(selector.name)}` : `advanced selector #${index + 1}`;
}

/** Management events, both reads and writes. */
export function managementEventsAll(trail: ConfigurationItem): Judgement {
  const sel = selectorsOf(trail);
  if ("error" in sel) return sel;
  const seen: string[] = [];
  for (const [i, s] of sel.classic.entries()) {
    const rw = s.readWriteType ?? "All";
    const mgmt = s.includeManagementEvents !== false;
    if (mgmt && rw === "All")
      return { ok: true, text: `event selector #${i + 1} logs management events with readWriteType "All"` };
    seen.push(
      mgmt
        ? `event selector #${i + 1} logs management events with readWriteType ${quote(rw)}`
        : `event selector #${i + 1} has includeManagementEvents false`,
    );
  }
  for (const [i, a] of sel.advanced.entries()) {
    if (!equalsIncludes(a, "eventCategory", "Management")) continue;
    const ro = readOnlyValues(a);
    if (ro.size === 2)
      return { ok: true, text: `${selectorName(a, i)} logs management events with no readOnly filter` };
    seen.push(
      `${selectorName(a, i)} logs management events only where readOnly is ${[...ro].join(", ") || "nothing"}`,
    );
  }
  if (sel.classic.length === 0 && sel.advanced.length === 0) seen.push("the trail has no event selectors");
  else if (seen.length === 0) seen.push("no event selector logs management events");
  return { ok: false, text: seen.join("; ") };
}

const ALL_BUCKETS = /^arn:aws[\w-]*:s3(:::)?$/;

/** S3 object-level data events of one direction, for every bucket. */
function s3DataEvents(trail: ConfigurationItem, access: "write" | "read"): Judgement {
  const sel = selectorsOf(trail);
  if ("error" in sel) return sel;
  const wanted = access === "write" ? "WriteOnly" : "ReadOnly";
  const seen: string[] = [];
  for (const [i, s] of sel.classic.entries()) {
    const rw = s.readWriteType ?? "All";
    for (const d of s.dataResources ?? []) {
      if (d.type !== "AWS::S3::Object") continue;
      const values = d.values ?? [];
      const everyBucket = values.some((v) => ALL_BUCKETS.test(v));
      const direction = rw === "All" || rw === wanted;
      if (everyBucket && direction) {
        return {
          ok: true,
          text: `event selector #${i + 1} logs AWS::S3::Object data events for all buckets with readWriteType ${quote(rw)}`,
        };
      }
      seen.push(
        `event selector #${i + 1} logs AWS::S3::Object data events ${everyBucket ? "for all buckets" : `only for ${quote(values)}`} with readWriteType ${quote(rw)}`,
      );
    }
  }
  for (const [i, a] of sel.advanced.entries()) {
    if (
      !equalsIncludes(a, "eventCategory", "Data") ||
      !equalsIncludes(a, "resources.type", "AWS::S3::Object")
    )
      continue;
    const ro = readOnlyValues(a);
    const direction = ro.has(access === "write" ? "false" : "true");
    const scoped = fieldOf(a, "resources.ARN").length > 0;
    if (direction && !scoped) {
      return {
        ok: true,
        text: `${selectorName(a, i)} logs AWS::S3::Object data events for all buckets (readOnly ${[...ro].join(" or ")})`,
      };
    }
    seen.push(
      `${selectorName(a, i)} logs AWS::S3::Object data events ${scoped ? "only for some buckets (it filters resources.ARN)" : "for all buckets"} where readOnly is ${[...ro].join(" or ") || "nothing"}`,
    );
  }
  if (seen.length === 0) seen.push("no event selector logs S3 object data events");
  return { ok: false, text: seen.join("; ") };
}

export function isLogging(trail: ConfigurationItem): Judgement {
  const status = trail.supplementaryConfiguration.status;
  const error = unreadableReason(status, "supplementaryConfiguration.status");
  if (error) return { error };
  const on = (status as { isLogging?: unknown } | null)?.isLogging;
  return on === true
    ? { ok: true, text: "is logging" }
    : { ok: false, text: `status.isLogging is ${quote(on)}` };
}

export function trailName(trail: ConfigurationItem): string {
  return quote((trail.configuration as { name?: string }).name ?? trail.resourceId);
}

/** Combines requirements: any unmet one decides; otherwise any unreadable one makes it unknown. */
function combine(parts: Judgement[]): Judgement {
  const failed = parts.filter((p): p is { ok: false; text: string } => "ok" in p && !p.ok);
  if (failed.length > 0) return { ok: false, text: failed.map((p) => p.text).join(", ") };
  const errors = parts.filter((p): p is { error: string } => "error" in p);
  if (errors.length > 0) return { error: errors.map((e) => e.error).join("; ") };
  return { ok: true, text: parts.map((p) => (p as { text: string }).text).join(", ") };
}

/** PASS when one trail of the account meets `judge`; FAIL naming what each trail lacks; ERROR when unreadable. */
function accountTrailVerdict(
  item: ConfigurationItem,
  ctx: EvaluationContext,
  judge: (trail: ConfigurationItem) => Judgement,
  expected: string,
): EvaluatorResult {
  const trails = ctx.itemsOfType(TRAIL, item.accountId);
  if (trails.length === 0)
    return { pass: false, reason: `account ${item.accountId} has no CloudTrail trail; expected ${expected}` };
  const misses: string[] = [];
  const unknown: string[] = [];
  for (const trail of trails) {
    const j = judge(trail);
    if ("error" in j) unknown.push(`trail ${trailName(trail)}: ${j.error}`);
    else if (j.ok)
      return { pass: true, reason: `trail ${trailName(trail)} ${j.text}`, evidence: { trail: trail.arn } };
    else misses.push(`trail ${trailName(trail)}: ${j.text}`);
  }
  if (unknown.length > 0) {
    return { error: `no trail is known to qualify (${[...misses, ...unknown].join("; ")})` };
  }
  return { pass: false, reason: `${misses.join("; ")}; expected ${expected}` };
}

const cloudtrailMultiRegionLogging: Evaluator = (item, _params, ctx) =>
  accountTrailVerdict(
    item,
    ctx,
    (trail) => {
      const multi = (trail.configuration as { isMultiRegionTrail?: unknown }).isMultiRegionTrail;
      const region: Judgement =
        multi === true
          ? { ok: true, text: "is multi-region" }
          : { ok: false, text: `isMultiRegionTrail is ${quote(multi)}` };
      return combine([region, isLogging(trail), managementEventsAll(trail)]);
    },
    "a multi-region trail that is logging and records read and write management events",
  );

const cloudtrailS3DataEvents: Evaluator = (item, params, ctx) => {
  const access = params.access === "read" ? "read" : "write";
  return accountTrailVerdict(
    item,
    ctx,
    (trail) => combine([isLogging(trail), s3DataEvents(trail, access)]),
    `a logging trail that records S3 object-level ${access} events for all buckets`,
  );
};

/** The S3 bucket the trail delivers to, looked up by name across the whole inventory. */
function trailBucket(
  trail: ConfigurationItem,
  ctx: EvaluationContext,
): { bucket: ConfigurationItem; name: string } | { error: string } {
  const name = (trail.configuration as { s3BucketName?: string }).s3BucketName;
  if (!name) return { error: "the trail names no S3 bucket (configuration.s3BucketName is not set)" };
  const bucket = ctx
    .itemsOfType("AWS::S3::Bucket")
    .find((b) => b.resourceId === name || (b.configuration as { name?: string }).name === name);
  if (!bucket) return { error: `bucket ${name} is not in this inventory (another account?)` };
  return { bucket, name };
}

const cloudtrailBucketLogging: Evaluator = (item, _params, ctx) => {
  const found = trailBucket(item, ctx);
  if ("error" in found) return found;
  const logging = found.bucket.supplementaryConfiguration.logging;
  const error = unreadableReason(logging, `supplementaryConfiguration.logging of bucket ${found.name}`);
  if (error) return { error };
  const target = (logging as { targetBucket?: string | null; targetPrefix?: string } | null)?.targetBucket;
  if (target) {
    const prefix = (logging as { targetPrefix?: string }).targetPrefix ?? "";
    return {
      pass: true,
      reason: `the trail's bucket ${quote(found.name)} writes access logs to bucket ${quote(target)}${prefix ? ` under prefix ${quote(prefix)}` : ""}`,
    };
  }
  return {
    pass: false,
    reason: `the trail's bucket ${quote(found.name)} has no server access logging (logging target bucket is not set); expected access logging on the bucket that stores the trail's logs`,
  };
};

const cloudtrailBucketNotPublic: Evaluator = (item, _params, ctx) => {
  const found = trailBucket(item, ctx);
  if ("error" in found) return found;
  const verdict = bucketPublicVerdict(found.bucket, ctx);
  if ("error" in verdict) return { ...verdict, error: `the trail's bucket: ${verdict.error}` };
  return { ...verdict, reason: `the trail's log bucket: ${verdict.reason}` };
};

/** The trail records management events, reads and writes (basic or advanced event selectors). */
const cloudtrailManagementEventsAll: Evaluator = (item) => {
  const j = managementEventsAll(item);
  if ("error" in j) return j;
  return j.ok
    ? { pass: true, reason: j.text }
    : {
        pass: false,
        reason: `${j.text}; expected a selector that logs management events with readWriteType "All" (or an advanced selector on eventCategory "Management" without a readOnly filter)`,
      };
};

export const cloudtrailEvaluators: Record<string, Evaluator> = {
  cloudtrailManagementEventsAll,
  cloudtrailMultiRegionLogging,
  cloudtrailS3DataEvents,
  cloudtrailBucketLogging,
  cloudtrailBucketNotPublic,
};
