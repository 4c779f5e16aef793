/**
 * Data services (Secrets Manager, Systems Manager, DynamoDB, SQS): resource policies read through the shared
 * public-grant test, KMS keys told apart (customer managed or AWS managed), rotation on schedule, and the joins a
 * single item cannot answer alone (an EC2 instance and its SSM node, a table and its autoscaling targets, a queue
 * that is another queue's dead-letter queue).
 */
import type { ConfigurationItem } from "../../domain/types.ts";
import { compilePath, type Getter } from "../path.ts";
import { lambdaEvaluators } from "./lambda.ts";
import { quote, unreadableReason } from "./policy.ts";
import type { EvaluationContext, Evaluator } from "./types.ts";

const getters = new Map<string, Getter>();
/** Reads a path of the item; a `$error` marker on the way raises UnreadableValue (an ERROR verdict). */
function read(item: ConfigurationItem, path: string): unknown {
  let getter = getters.get(path);
  if (!getter) {
    getter = compilePath(path);
    getters.set(path, getter);
  }
  return getter(item);
}

/**
 * Coverage gaps of a service in the item's region, as a sentence. With `listing`, only the gaps of that listing
 * (the collectors record them as `Listing: message`) and those of a collector that failed as a whole count.
 */
function gapText(
  ctx: EvaluationContext,
  service: string,
  item: ConfigurationItem,
  listing?: string,
): string | undefined {
  const gaps = ctx
    .gapsOf(service, item.accountId, item.awsRegion)
    .filter((g) => !listing || g.error.startsWith(`${listing}:`) || !/^[A-Z][A-Za-z]+: /.test(g.error));
  if (gaps.length === 0) return undefined;
  return `${service} in ${item.awsRegion} could not be read (${gaps.map((g) => g.code ?? g.error).join(", ")})`;
}

const policyPublic = lambdaEvaluators.lambdaPolicyPublic!;

/**
 * The resource policy at `params.key` (default `supplementaryConfiguration.policy`) judged by the same test as the
 * Lambda, EFS and S3 "not public" checks: FAIL on an Allow to "*" without a condition that narrows the caller, and
 * (unless `serviceWithoutSource: false`) on a service principal without a source condition. No policy passes.
 * `params.what` names the resource in the reasons ("secret", "queue").
 */
const resourcePolicyNotPublic: Evaluator = (item, params, ctx) => {
  const key = typeof params.key === "string" ? params.key : "supplementaryConfiguration.policy";
  const what = typeof params.what === "string" ? params.what : "resource";
  const policy = read(item, key);
  if (
    policy === null ||
    policy === undefined ||
    (typeof policy === "object" && !Object.keys(policy).length)
  ) {
    return {
      pass: true,
      reason: `the ${what} has no resource policy; only principals this account's IAM policies allow can use it`,
    };
  }
  const shaped = {
    ...item,
    supplementaryConfiguration: { ...item.supplementaryConfiguration, policy },
  };
  const result = policyPublic(shaped, { serviceWithoutSource: params.serviceWithoutSource }, ctx);
  // The shared test words a service grant for functions; say it of any resource.
  if ("reason" in result)
    return { ...result, reason: result.reason.replaceAll("can invoke it for", `can use the ${what} for`) };
  return result;
};

/** The region and account of an ARN (`arn:aws:kms:eu-west-1:111122223333:key/…`). */
function arnParts(arn: string): { region: string; accountId: string; resource: string } | undefined {
  const m = /^arn:[^:]+:kms:([^:]*):(\d{12}):(.+)$/.exec(arn);
  return m ? { region: m[1]!, accountId: m[2]!, resource: m[3]! } : undefined;
}

/**
 * The KMS key reference at `params.key` (a key ARN, key id, alias name or alias ARN) names a customer managed key.
 * Absent means the service's AWS managed or AWS owned key; `alias/aws/…` is an AWS managed key. A key ARN or id is
 * looked up among the scanned KMS keys (their `keyManager`); a key of another account can only be customer managed,
 * since AWS managed keys cannot be shared. `params.what` names the default ("the AWS managed aws/sqs key").
 */
const kmsKeyCustomerManaged: Evaluator = (item, params, ctx) => {
  const key = String(params.key);
  const fallback = typeof params.default === "string" ? params.default : "an AWS managed or AWS owned key";
  const ref = read(item, key);
  if (ref === null || ref === undefined || ref === "")
    return {
      pass: false,
      reason: `no KMS key is set, so ${fallback} is used; expected a customer managed key`,
    };
  const text = String(ref);
  const alias = /(?:^|:)(alias\/.+)$/.exec(text)?.[1];
  if (alias) {
    if (alias.startsWith("alias/aws/"))
      return {
        pass: false,
        reason: `the key is ${quote(alias)}, an AWS managed key; expected a customer managed key`,
      };
    return { pass: true, reason: `the key is the customer alias ${quote(alias)}` };
  }
  const parts = text.startsWith("arn:") ? arnParts(text) : undefined;
  if (parts && parts.accountId !== item.accountId)
    return {
      pass: true,
      reason: `the key ${quote(text)} belongs to account ${parts.accountId}; only customer managed keys can be used across accounts`,
    };
  const keyId = parts ? parts.resource.replace(/^key\//, "") : text;
  const region = parts?.region || item.awsRegion;
  const found = ctx
    .itemsOfType("AWS::KMS::Key", item.accountId)
    .find((k) => k.arn === text || (k.resourceId === keyId && k.awsRegion === region));
  if (found) {
    const manager = (found.configuration as { keyManager?: unknown }).keyManager;
    if (manager === "CUSTOMER") return { pass: true, reason: `the key ${quote(text)} is customer managed` };
    if (manager === "AWS")
      return {
        pass: false,
        reason: `the key ${quote(text)} is AWS managed${found.resourceName && found.resourceName !== found.resourceId ? ` (${found.resourceName})` : ""}; expected a customer managed key`,
      };
  }
  const gap = gapText(ctx, "kms", { ...item, awsRegion: region });
  return {
    error: gap
      ? `the key ${quote(text)} could not be classified: ${gap}`
      : `the key ${quote(text)} is not among the scanned KMS keys of ${region}; scan KMS in that region to tell whether it is customer managed`,
  };
};

const DAY_MS = 86_400_000;

/** Days between rotations from `automaticallyAfterDays` or a `rate(N days|hours)` schedule; cron answers undefined. */
function rotationIntervalDays(rules: unknown): number | undefined {
  if (!rules || typeof rules !== "object") return undefined;
  const r = rules as { automaticallyAfterDays?: unknown; scheduleExpression?: unknown };
  if (typeof r.automaticallyAfterDays === "number" && r.automaticallyAfterDays > 0)
    return r.automaticallyAfterDays;
  const rate = /^rate\((\d+)\s+(day|days|hour|hours)\)$/.exec(String(r.scheduleExpression ?? "").trim());
  if (rate) return rate[2]!.startsWith("hour") ? Number(rate[1]) / 24 : Number(rate[1]);
  return undefined;
}

/** An interval in days as words: "30 days", "4 hours". */
function every(days: number): string {
  if (days < 1) {
    const hours = Math.round(days * 24);
    return `${hours} hour${hours === 1 ? "" : "s"}`;
  }
  return `${days} day${days === 1 ? "" : "s"}`;
}

/**
 * A secret with rotation turned on has rotated, and on schedule: it has a last rotated date, that date is no older
 * than its rotation interval plus `params.graceDays` (1 by default), and its next rotation date is not more than
 * the grace in the past. A cron schedule has no fixed interval; then only the next rotation date is judged.
 */
const secretRotatedOnSchedule: Evaluator = (item, params, ctx) => {
  const c = item.configuration as {
    lastRotatedDate?: unknown;
    nextRotationDate?: unknown;
    rotationRules?: unknown;
  };
  const grace = typeof params.graceDays === "number" ? params.graceDays : 1;
  const last = typeof c.lastRotatedDate === "string" ? new Date(c.lastRotatedDate) : undefined;
  if (!last || Number.isNaN(last.getTime()))
    return {
      pass: false,
      reason:
        "rotation is turned on but the secret has never rotated (no last rotated date); expected a successful first rotation",
    };
  const age = (ctx.now.getTime() - last.getTime()) / DAY_MS;
  const interval = rotationIntervalDays(c.rotationRules);
  if (interval !== undefined && age > interval + grace)
    return {
      pass: false,
      reason: `last rotated ${Math.floor(age)} days ago (${c.lastRotatedDate}) while the schedule rotates every ${every(interval)}; the last rotations failed or did not run`,
    };
  const next = typeof c.nextRotationDate === "string" ? new Date(c.nextRotationDate) : undefined;
  if (next && !Number.isNaN(next.getTime()) && (ctx.now.getTime() - next.getTime()) / DAY_MS > grace)
    return {
      pass: false,
      reason: `the next rotation was due ${c.nextRotationDate} and has not happened; last rotated ${c.lastRotatedDate}`,
    };
  return {
    pass: true,
    reason: `last rotated ${Math.floor(age)} days ago (${c.lastRotatedDate})${interval !== undefined ? `, within its schedule of ${every(interval)}` : ""}`,
  };
};

const SECRET_NAME =
  /(secret|passw(or)?d|passwd|pwd|token|api[_-]?key|apikey|private[_-]?key|access[_-]?key|credential|connection[_-]?string)/i;
/** Names that point at a secret or describe one, rather than hold it (`/app/db/password-arn`, `token_ttl`). */
const REFERENCE_NAME =
  /([_-]|^)(arn|name|id|path|ref|url|uri|endpoint|region|ttl|length|header|type|enabled|policy|rotation)$/i;

/**
 * For a `where`: the parameter's name (`params.key`, default `configuration.name`; its last path segment is what
 * counts) looks like it holds a secret. `params.namePattern` replaces the default words.
 */
const ssmParameterNameSecretLike: Evaluator = (item, params) => {
  const name = String(read(item, typeof params.key === "string" ? params.key : "configuration.name") ?? "");
  let pattern = SECRET_NAME;
  if (params.namePattern !== undefined) {
    try {
      pattern = new RegExp(String(params.namePattern), "i");
    } catch {
      return { error: `params.namePattern is not a valid regular expression: ${String(params.namePattern)}` };
    }
  }
  const leaf = name.split("/").filter(Boolean).pop() ?? name;
  const secretLike = pattern.test(leaf) && !REFERENCE_NAME.test(leaf);
  return {
    pass: secretLike,
    reason: secretLike
      ? `the name ${quote(name)} suggests it holds a secret`
      : `the name ${quote(name)} does not suggest a secret`,
  };
};

/**
 * FSBP SSM.1: a running EC2 instance is a managed node of Systems Manager, i.e. DescribeInstanceInformation of its
 * account and region lists it. ERROR when that listing could not be read (a gap of ssm there).
 */
const ec2InstanceManagedBySsm: Evaluator = (item, _params, ctx) => {
  const instanceId = item.resourceId;
  const nodes = ctx
    .itemsOfType("AWS::SSM::ManagedInstanceInventory", item.accountId)
    .filter((n) => n.awsRegion === item.awsRegion);
  const node = nodes.find((n) => n.resourceId === instanceId);
  if (node) {
    const ping = (node.configuration as { pingStatus?: unknown }).pingStatus;
    return {
      pass: true,
      reason: `Systems Manager lists ${instanceId} as a managed node${typeof ping === "string" ? ` (ping status ${ping})` : ""}`,
      evidence: { managedNode: node.resourceId, pingStatus: ping ?? null },
    };
  }
  const gap = gapText(ctx, "ssm", item, "DescribeInstanceInformation");
  if (gap) return { error: `whether ${instanceId} is a managed node is unknown: ${gap}` };
  return {
    pass: false,
    reason: `Systems Manager does not list ${instanceId} among the ${nodes.length} managed node${nodes.length === 1 ? "" : "s"} of ${item.awsRegion}; expected the SSM Agent to be running and registered with an instance profile that allows it`,
  };
};

interface TableShape {
  billingModeSummary?: { billingMode?: unknown } | null;
  globalSecondaryIndexes?: Array<{ indexName?: unknown }> | null;
}

/**
 * FSBP DynamoDB.1: an on-demand table scales by itself; a provisioned one needs Application Auto Scaling targets
 * for its read and write capacity, and so does each of its global secondary indexes. The targets are the region's
 * `AWS::ApplicationAutoScaling::ScalableTarget` items (read once per region by the DynamoDB collector).
 */
const dynamodbTableAutoscaling: Evaluator = (item, _params, ctx) => {
  const table = read(item, "supplementaryConfiguration.table") as TableShape | null;
  if (!table) return { error: "the table description (DescribeTable) is missing" };
  if (table.billingModeSummary?.billingMode === "PAY_PER_REQUEST")
    return {
      pass: true,
      reason: "the table uses on-demand capacity (PAY_PER_REQUEST), which scales with demand",
    };
  const gap = gapText(ctx, "dynamodb", item, "DescribeScalableTargets");
  if (gap) return { error: `the autoscaling targets are unknown: ${gap}` };
  const targets = new Set(
    ctx
      .itemsOfType("AWS::ApplicationAutoScaling::ScalableTarget", item.accountId)
      .filter((t) => t.awsRegion === item.awsRegion)
      .map((t) => {
        const c = t.configuration as { resourceId?: unknown; scalableDimension?: unknown };
        return `${String(c.resourceId)}|${String(c.scalableDimension)}`;
      }),
  );
  const name = item.resourceId;
  const wanted: Array<[string, string, string]> = [[`table/${name}`, "dynamodb:table", "the table"]];
  for (const index of table.globalSecondaryIndexes ?? [])
    if (typeof index.indexName === "string")
      wanted.push([`table/${name}/index/${index.indexName}`, "dynamodb:index", `index ${index.indexName}`]);
  const missing: string[] = [];
  for (const [resourceId, prefix, label] of wanted) {
    for (const unit of ["Read", "Write"]) {
      if (!targets.has(`${resourceId}|${prefix}:${unit}CapacityUnits`))
        missing.push(`${label} has no ${unit.toLowerCase()} capacity target`);
    }
  }
  if (missing.length === 0)
    return {
      pass: true,
      reason: `provisioned capacity with autoscaling targets for reads and writes of ${wanted.map((w) => w[2]).join(", ")}`,
    };
  return {
    pass: false,
    reason: `provisioned capacity without autoscaling: ${missing.join("; ")}; expected on-demand capacity or Application Auto Scaling targets`,
  };
};

/**
 * The queue sends messages it cannot process to a dead-letter queue (its redrive policy names a target), or it is
 * itself the dead-letter queue of another queue of the account and region (a DLQ needs no DLQ of its own).
 */
const sqsQueueHasDlq: Evaluator = (item, _params, ctx) => {
  const attributes = item.supplementaryConfiguration.attributes;
  const unreadable = unreadableReason(attributes, "supplementaryConfiguration.attributes");
  if (unreadable) return { error: unreadable };
  const redrive = (attributes as { redrivePolicy?: { deadLetterTargetArn?: unknown } } | null)?.redrivePolicy;
  const target = redrive?.deadLetterTargetArn;
  if (typeof target === "string" && target)
    return { pass: true, reason: `the redrive policy sends failed messages to ${quote(target)}` };
  const arn = (item.configuration as { queueArn?: unknown }).queueArn ?? item.arn;
  const source = ctx.itemsOfType("AWS::SQS::Queue", item.accountId).find(
    (q) =>
      q.awsRegion === item.awsRegion &&
      (
        q.supplementaryConfiguration.attributes as {
          redrivePolicy?: { deadLetterTargetArn?: unknown };
        } | null
      )?.redrivePolicy?.deadLetterTargetArn === arn,
  );
  if (source)
    return { pass: true, reason: `the queue is the dead-letter queue of ${quote(source.resourceName)}` };
  return {
    pass: false,
    reason:
      "the queue has no redrive policy, so messages that keep failing are retried until they expire; expected a dead-letter queue",
  };
};

export const dataEvaluators: Record<string, Evaluator> = {
  resourcePolicyNotPublic,
  kmsKeyCustomerManaged,
  secretRotatedOnSchedule,
  ssmParameterNameSecretLike,
  ec2InstanceManagedBySsm,
  dynamodbTableAutoscaling,
  sqsQueueHasDlq,
};
