/**
 * What an SQS message from the events queue says: a change to follow, something to ignore (and why), or a
 * message we cannot read (it goes to the dead-letter queue with the reason). Bodies come as EventBridge
 * envelopes (`detail-type` "AWS API Call via CloudTrail" or "Config Configuration Item Change"), possibly
 * wrapped in an SNS notification, or as a bare CloudTrail record. Nothing in a payload is trusted for state:
 * the watcher only learns *which* resources to read again, and who did what.
 */
import { type EventTable, identifiersOf } from "./table.ts";

/** Who made the change, from CloudTrail's `userIdentity`. */
export interface Actor {
  /** IAMUser, AssumedRole, Root, AWSService, … */
  type: string;
  /** The caller's ARN (for an assumed role, the session ARN), or the invoking service. */
  arn: string;
  /** A short name for people: the user name, the role session, or the service. */
  name: string;
  sourceIp?: string;
}

/** A resource an event names: its type and the ids that may match its id, name or ARN. */
export interface ChangedRef {
  resourceType: string;
  accountId: string;
  region: string;
  /** Empty: the single record of that type in the account (or region). */
  ids: string[];
  /** Types whose checks look at this one: judged again (from the known inventory) when it changes. */
  dependents?: readonly string[];
  /** The ids name a part kept inside known items of the type, at this path (see the table's `via`). */
  via?: string;
}

export interface ChangeEvent {
  eventId: string;
  source: string;
  eventName: string;
  /** When the call was made (CloudTrail eventTime), ISO-8601. */
  at: string;
  accountId: string;
  region: string;
  actor: Actor;
  refs: ChangedRef[];
  kind: "cloudtrail" | "config";
}

export type IgnoreReason = "read-only" | "failed-call" | "unknown-event" | "unknown-resource-type";

export type ParsedMessage =
  | { kind: "change"; event: ChangeEvent }
  | { kind: "ignored"; reason: IgnoreReason; eventId?: string; source?: string; eventName?: string }
  | { kind: "malformed"; reason: string };

const CLOUDTRAIL_DETAIL_TYPE = "AWS API Call via CloudTrail";
const CONFIG_DETAIL_TYPE = "Config Configuration Item Change";
const ACCOUNT_ID = /^\d{12}$/;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const text = (v: unknown): string | undefined => (typeof v === "string" && v.length > 0 ? v : undefined);

/**
 * Reads one message body. `knownTypes` are the resource types our collectors read (Config notifications for
 * other types are ignored).
 */
export function parseMessage(
  body: string,
  table: EventTable,
  knownTypes: ReadonlySet<string>,
): ParsedMessage {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return { kind: "malformed", reason: "the body is not JSON" };
  }
  // An SNS → SQS subscription without raw delivery wraps the event in a notification.
  if (isObject(value) && value.Type === "Notification" && typeof value.Message === "string") {
    try {
      value = JSON.parse(value.Message);
    } catch {
      return { kind: "malformed", reason: "the SNS notification's Message is not JSON" };
    }
  }
  if (!isObject(value)) return { kind: "malformed", reason: "the body is not a JSON object" };
  const detailType = value["detail-type"];
  if (detailType !== undefined) {
    if (!isObject(value.detail))
      return { kind: "malformed", reason: "the EventBridge event has no detail object" };
    if (detailType === CLOUDTRAIL_DETAIL_TYPE) return cloudTrailRecord(value.detail, table, text(value.id));
    if (detailType === CONFIG_DETAIL_TYPE) return configChange(value, knownTypes);
    return {
      kind: "malformed",
      reason: `detail-type "${String(detailType).slice(0, 80)}" is not one the watcher follows (expected "${CLOUDTRAIL_DETAIL_TYPE}" or "${CONFIG_DETAIL_TYPE}")`,
    };
  }
  if (text(value.eventSource) && text(value.eventName)) return cloudTrailRecord(value, table, undefined);
  return {
    kind: "malformed",
    reason:
      "neither an EventBridge event (detail-type, detail) nor a CloudTrail record (eventSource, eventName)",
  };
}

function cloudTrailRecord(record: Json, table: EventTable, envelopeId: string | undefined): ParsedMessage {
  const source = text(record.eventSource);
  const eventName = text(record.eventName);
  if (!source || !eventName) {
    return { kind: "malformed", reason: "the CloudTrail record has no eventSource or eventName" };
  }
  const eventId = text(record.eventID) ?? envelopeId;
  if (!eventId) return { kind: "malformed", reason: "the CloudTrail record has no eventID" };
  const base = { eventId, source, eventName };
  if (record.errorCode !== undefined && record.errorCode !== null) {
    return { kind: "ignored", reason: "failed-call", ...base };
  }
  if (record.readOnly === true || record.readOnly === "true")
    return { kind: "ignored", reason: "read-only", ...base };
  const rules = table.rulesFor(source, eventName);
  if (rules.length === 0) return { kind: "ignored", reason: "unknown-event", ...base };
  const accountId =
    text(record.recipientAccountId) ?? text((record.userIdentity as Json | undefined)?.accountId);
  const region = text(record.awsRegion);
  if (!accountId || !ACCOUNT_ID.test(accountId)) {
    return { kind: "malformed", reason: "the CloudTrail record has no 12-digit recipientAccountId" };
  }
  if (!region) return { kind: "malformed", reason: "the CloudTrail record has no awsRegion" };
  const at = text(record.eventTime);
  if (!at || Number.isNaN(Date.parse(at))) {
    return { kind: "malformed", reason: "the CloudTrail record has no valid eventTime" };
  }
  const refs: ChangedRef[] = [];
  for (const rule of rules) {
    const ids = identifiersOf(rule, record);
    // A rule with id paths that named nothing (a call shape we do not know) cannot point at a resource.
    if (rule.ids.length > 0 && ids.length === 0) continue;
    refs.push({
      resourceType: rule.resourceType,
      accountId,
      region,
      ids,
      dependents: rule.dependents,
      ...(rule.via ? { via: rule.via } : {}),
    });
  }
  if (refs.length === 0) return { kind: "ignored", reason: "unknown-resource-type", ...base };
  return {
    kind: "change",
    event: {
      ...base,
      at: new Date(at).toISOString(),
      accountId,
      region,
      actor: actorOf(record),
      refs,
      kind: "cloudtrail",
    },
  };
}

function actorOf(record: Json): Actor {
  const identity = isObject(record.userIdentity) ? record.userIdentity : {};
  const type = text(identity.type) ?? "Unknown";
  const issuer = isObject(identity.sessionContext) ? identity.sessionContext.sessionIssuer : undefined;
  const arn = text(identity.arn) ?? text(identity.invokedBy) ?? text(record.sourceIPAddress) ?? "unknown";
  const name =
    text(identity.userName) ??
    (isObject(issuer) ? text(issuer.userName) : undefined) ??
    text(identity.invokedBy) ??
    arn.split("/").pop() ??
    arn;
  return { type, arn, name, sourceIp: text(record.sourceIPAddress) };
}

function configChange(envelope: Json, knownTypes: ReadonlySet<string>): ParsedMessage {
  const detail = envelope.detail as Json;
  const item = isObject(detail.configurationItem) ? detail.configurationItem : undefined;
  const eventId = text(envelope.id);
  if (!item) return { kind: "malformed", reason: "the Config notification has no configurationItem" };
  if (!eventId) return { kind: "malformed", reason: "the Config notification has no event id" };
  const resourceType = text(item.resourceType);
  const accountId = text(item.awsAccountId) ?? text(envelope.account);
  const region = text(item.awsRegion) ?? text(envelope.region);
  if (!resourceType || !accountId || !region || !ACCOUNT_ID.test(accountId)) {
    return {
      kind: "malformed",
      reason: "the Config notification's configurationItem lacks resourceType, awsAccountId or awsRegion",
    };
  }
  const base = { eventId, source: "config.amazonaws.com", eventName: "ConfigurationItemChange" };
  if (!knownTypes.has(resourceType)) return { kind: "ignored", reason: "unknown-resource-type", ...base };
  const ids = [
    ...new Set(
      [text(item.resourceId), text(item.ARN), text(item.resourceName)].filter(
        (v): v is string => v !== undefined,
      ),
    ),
  ];
  const at = text(item.configurationItemCaptureTime) ?? text(envelope.time) ?? new Date(0).toISOString();
  return {
    kind: "change",
    event: {
      ...base,
      at: Number.isNaN(Date.parse(at)) ? new Date(0).toISOString() : new Date(at).toISOString(),
      accountId,
      region,
      actor: { type: "AWSService", arn: "config.amazonaws.com", name: "AWS Config" },
      refs: [{ resourceType, accountId, region, ids }],
      kind: "config",
    },
  };
}
