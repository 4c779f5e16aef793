/**
 * Turns an AWS account into an Inventory: runs every collector for every (service, region) with bounded
 * concurrency, records what could not be read as coverage gaps, and returns the items hashed and sorted.
 */
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { redactItem } from "../../src/domain/secrets.ts";
import { compareItems, withContentHash } from "../../src/domain/shape.ts";
import type { ConfigurationItem, CoverageGap, Inventory } from "../../src/domain/types.ts";
import { ServiceError, UsageError } from "../../src/errors.ts";
import { type AwsAccess, type AwsAccessOptions, awsAccess } from "./access.ts";
import { accessanalyzerCollector } from "./accessanalyzer.ts";
import { accountCollector, getCallerIdentity } from "./account.ts";
import { acmCollector } from "./acm.ts";
import { apigatewayCollector } from "./apigateway.ts";
import { apigatewayv2Collector } from "./apigatewayv2.ts";
import { autoscalingCollector } from "./autoscaling.ts";
import { backupCollector } from "./backup.ts";
import type { AwsClientSet, AwsCredentials, ClientFactory, ClientKind, RetryMode } from "./clients.ts";
import { cloudfrontCollector } from "./cloudfront.ts";
import { cloudtrailCollector } from "./cloudtrail.ts";
import { cloudwatchCollector } from "./cloudwatch.ts";
import {
  type Collector,
  type CollectorContext,
  errorCode,
  errorText,
  isRegionDisabledCode,
  SERVICE_NAMES,
  type ServiceName,
} from "./collector.ts";
import { mapLimit } from "./concurrency.ts";
import { configCollector } from "./config.ts";
import { dynamodbCollector } from "./dynamodb.ts";
import { ec2Collector } from "./ec2.ts";
import { ecrCollector } from "./ecr.ts";
import { ecsCollector } from "./ecs.ts";
import { efsCollector } from "./efs.ts";
import { eksCollector } from "./eks.ts";
import { elasticacheCollector } from "./elasticache.ts";
import { elbCollector } from "./elb.ts";
import { elbv2Collector } from "./elbv2.ts";
import { firehoseCollector } from "./firehose.ts";
import { guarddutyCollector } from "./guardduty.ts";
import { iamCollector } from "./iam.ts";
import { kinesisCollector } from "./kinesis.ts";
import { kmsCollector } from "./kms.ts";
import { lambdaCollector } from "./lambda.ts";
import { logsCollector } from "./logs.ts";
import { macieCollector } from "./macie.ts";
import { opensearchCollector } from "./opensearch.ts";
import { organizationsCollector } from "./organizations.ts";
import { rdsCollector } from "./rds.ts";
import { redshiftCollector } from "./redshift.ts";
import { route53Collector } from "./route53.ts";
import { s3Collector } from "./s3.ts";
import { secretsmanagerCollector } from "./secretsmanager.ts";
import { securityhubCollector } from "./securityhub.ts";
import { snsCollector } from "./sns.ts";
import type { ServiceSpec } from "./spec.ts";
import { sqsCollector } from "./sqs.ts";
import { ssmCollector } from "./ssm.ts";
import { wafv2Collector } from "./wafv2.ts";

export const COLLECTORS: Readonly<Record<ServiceName, Collector>> = {
  account: accountCollector,
  ec2: ec2Collector,
  s3: s3Collector,
  iam: iamCollector,
  rds: rdsCollector,
  lambda: lambdaCollector,
  cloudtrail: cloudtrailCollector,
  kms: kmsCollector,
  logs: logsCollector,
  cloudwatch: cloudwatchCollector,
  sns: snsCollector,
  config: configCollector,
  securityhub: securityhubCollector,
  guardduty: guarddutyCollector,
  macie: macieCollector,
  organizations: organizationsCollector,
  efs: efsCollector,
  accessanalyzer: accessanalyzerCollector,
  elb: elbCollector,
  elbv2: elbv2Collector,
  acm: acmCollector,
  wafv2: wafv2Collector,
  backup: backupCollector,
  opensearch: opensearchCollector,
  elasticache: elasticacheCollector,
  redshift: redshiftCollector,
  ecr: ecrCollector,
  ecs: ecsCollector,
  eks: eksCollector,
  secretsmanager: secretsmanagerCollector,
  ssm: ssmCollector,
  dynamodb: dynamodbCollector,
  sqs: sqsCollector,
  cloudfront: cloudfrontCollector,
  apigateway: apigatewayCollector,
  apigatewayv2: apigatewayv2Collector,
  autoscaling: autoscalingCollector,
  route53: route53Collector,
  kinesis: kinesisCollector,
  firehose: firehoseCollector,
};

export type ProgressEvent =
  | { type: "task-start"; accountId: string; service: ServiceName; region: string }
  | {
      type: "task-done";
      accountId: string;
      service: ServiceName;
      region: string;
      resourceCount: number;
      gapCount: number;
    }
  | {
      type: "task-failed";
      accountId: string;
      service: ServiceName;
      region: string;
      resourceCount: number;
      error: string;
    };

/** How the collectors run: shared by full discovery and targeted re-discovery. */
export interface RunOptions {
  /** How many (service, region) tasks run at once. */
  concurrency?: number;
  /** How many per-resource calls one task keeps in flight. */
  perResourceConcurrency?: number;
  onProgress?(event: ProgressEvent): void;
  clock?: () => Date;
  /**
   * Cancels the run: every SDK call gets it as `abortSignal`, no new task or call starts once it fired, and the
   * run rejects with its reason (an AbortError).
   */
  signal?: AbortSignal;
  /** A targeted re-read: which resources get their per-resource calls (see CollectorContext.wants). */
  wants?: CollectorContext["wants"];
}

/** Settings of an access a discovery makes for itself when it is not given one (tests, scripts). */
export interface AccessSettings {
  /** A custom endpoint for every service (an emulator). */
  endpoint?: string;
  serviceEndpoints?: Partial<Record<ClientKind, string>>;
  /** Default: the SDK's default credential chain. */
  credentials?: AwsCredentials;
  /** SDK attempts per call, first try included. */
  maxAttempts?: number;
  retryMode?: RetryMode;
  /** Region the global services (IAM, S3 listing, STS) are called in. Default: first region, else us-east-1. */
  homeRegion?: string;
  /** Builds the SDK clients; tests wrap `createClient` to add middleware. */
  clientFactory?: ClientFactory;
}

export interface DiscoverOptions extends RunOptions, AccessSettings {
  /** Regions to scan; default: every region enabled for the account (EC2 DescribeRegions). */
  regions?: string[];
  /** Services to scan (see SERVICE_NAMES); default: all. The account record is always produced. */
  services?: string[];
  /** The AWS access to scan with (its owner destroys it); without one, one is made from the settings above. */
  access?: AwsAccess;
}

/** A gap of a discovery run: which account it belongs to, next to the shared CoverageGap fields. */
export interface AccountCoverageGap extends CoverageGap {
  accountId: string;
}

export interface DiscoveryStats {
  /** SDK commands sent (a retried command counts once). */
  apiCalls: number;
  durationMs: number;
  apiCallsByOperation: Record<string, number>;
}

export interface DiscoveryResult extends Inventory {
  coverageGaps: AccountCoverageGap[];
  stats: DiscoveryStats;
}

const DEFAULTS = {
  /** Discovery retries harder than remediation: a throttled listing becomes a coverage gap only after these. */
  maxAttempts: 5,
  retryMode: "standard" as RetryMode,
  concurrency: 4,
  perResourceConcurrency: 8,
};
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

/** The access a discovery makes for itself from its settings (and destroys at its end). */
function ownAccess(opts: AccessSettings & { regions?: string[] }, extra: Partial<AwsAccessOptions> = {}) {
  return awsAccess({
    homeRegion: opts.homeRegion ?? opts.regions?.[0] ?? "us-east-1",
    endpoint: opts.endpoint,
    serviceEndpoints: opts.serviceEndpoints,
    credentials: opts.credentials,
    maxAttempts: opts.maxAttempts ?? DEFAULTS.maxAttempts,
    retryMode: opts.retryMode ?? DEFAULTS.retryMode,
    clientFactory: opts.clientFactory,
    ...extra,
  });
}

export async function discoverAccount(opts: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const services = selectServices(opts.services);
  for (const region of opts.regions ?? []) {
    if (!REGION_PATTERN.test(region))
      throw new UsageError(`"${region}" is not an AWS region name (like us-east-1)`);
  }
  opts.signal?.throwIfAborted();
  const access = opts.access ?? ownAccess(opts);
  try {
    return await discoverWith(access, services, opts);
  } finally {
    if (!opts.access) access.destroy();
  }
}

async function discoverWith(
  access: AwsAccess,
  services: ServiceName[],
  opts: DiscoverOptions,
): Promise<DiscoveryResult> {
  const started = performance.now();
  const clock = opts.clock ?? (() => new Date());
  const capturedAt = clock().toISOString();
  const callsBefore = access.counter.snapshot();
  const totalBefore = access.counter.total;
  const home = access.clientsFor(access.homeRegion).withSignal(opts.signal);
  const identity = await getCallerIdentity(home.sts).catch((error: unknown) => {
    opts.signal?.throwIfAborted();
    throw new ServiceError(
      `cannot identify the AWS account (STS GetCallerIdentity: ${errorCode(error)}: ${errorText(error)}); check the credentials and endpoint`,
      { code: errorCode(error) },
      { cause: error },
    );
  });
  const gaps: AccountCoverageGap[] = [];
  const { scan: regions, disabled } = await resolveRegions(home, opts.regions, (error) =>
    gaps.push(gapOf(identity.accountId, "ec2", access.homeRegion, error, "DescribeRegions")),
  );
  opts.signal?.throwIfAborted();
  const tasks: CollectorTask[] = [];
  for (const service of services) {
    const collector = COLLECTORS[service];
    if (collector.global) tasks.push({ service, region: "global" });
    else {
      for (const region of regions) tasks.push({ service, region });
      for (const region of disabled) {
        gaps.push({
          accountId: identity.accountId,
          service,
          region,
          code: "OptInRequired",
          error: `region ${region} is not enabled for account ${identity.accountId}`,
        });
      }
    }
  }
  const run = await runCollectors(access, { ...identity, regions }, tasks, opts);
  return {
    accountIds: [identity.accountId],
    regions: [...regions].sort(),
    capturedAt,
    items: run.items,
    coverageGaps: [...gaps, ...run.gaps].sort(compareGaps),
    stats: {
      apiCalls: access.counter.total - totalBefore,
      durationMs: Math.round(performance.now() - started),
      apiCallsByOperation: callDelta(callsBefore, access.counter.snapshot()),
    },
  };
}

function callDelta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [op, n] of Object.entries(after)) {
    const d = n - (before[op] ?? 0);
    if (d > 0) out[op] = d;
  }
  return out;
}

/** One collector in one region (`global` for the account-wide ones). */
export interface CollectorTask {
  service: ServiceName;
  region: string;
}

/** The account a run reads and the regions of the scan (S3 keeps only the buckets located in them). */
export interface RunTarget {
  accountId: string;
  partition: string;
  regions: readonly string[];
}

/**
 * The one collector runner: runs `tasks` with bounded concurrency, records what could not be read as gaps,
 * and answers the items hashed and sorted. Full discovery and targeted re-discovery both go through it.
 */
export async function runCollectors(
  access: AwsAccess,
  target: RunTarget,
  tasks: readonly CollectorTask[],
  opts: RunOptions = {},
): Promise<{ items: ConfigurationItem[]; gaps: AccountCoverageGap[] }> {
  const clock = opts.clock ?? (() => new Date());
  const signal = opts.signal;
  const clientsFor = (region: string): AwsClientSet => access.clientsFor(region).withSignal(signal);
  const { accountId } = target;
  const gaps: AccountCoverageGap[] = [];
  const results = await mapLimit(
    tasks,
    opts.concurrency ?? DEFAULTS.concurrency,
    async ({ service, region }) => {
      // Once cancelled, no new task starts; mapLimit stops on the first rejection.
      signal?.throwIfAborted();
      const collector = COLLECTORS[service];
      const callRegion = collector.global ? access.homeRegion : region;
      // Tasks run side by side: each keeps its own gaps so that its progress event counts only its own.
      const taskGaps: AccountCoverageGap[] = [];
      const ctx: CollectorContext = {
        accountId,
        partition: target.partition,
        region: callRegion,
        regions: target.regions,
        clients: clientsFor(callRegion),
        clientsFor,
        now: clock,
        perResourceConcurrency: opts.perResourceConcurrency ?? DEFAULTS.perResourceConcurrency,
        recordGap: (what, error) => taskGaps.push(gapOf(accountId, service, region, error, what)),
        wants: opts.wants,
      };
      opts.onProgress?.({ type: "task-start", accountId, service, region });
      let items: ConfigurationItem[] = [];
      try {
        items = await collector.collect(ctx);
      } catch (error) {
        taskGaps.push(gapOf(accountId, service, region, error));
      }
      // A cancelled call is not a coverage gap: the whole run ends with the abort.
      signal?.throwIfAborted();
      gaps.push(...taskGaps);
      const last = taskGaps[taskGaps.length - 1];
      if (items.length === 0 && last) {
        const hint = isRegionDisabledCode(last.code) ? " (is the region enabled for this account?)" : "";
        opts.onProgress?.({
          type: "task-failed",
          accountId,
          service,
          region,
          resourceCount: 0,
          error: `${last.code}: ${last.error}${hint}`,
        });
      } else {
        opts.onProgress?.({
          type: "task-done",
          accountId,
          service,
          region,
          resourceCount: items.length,
          gapCount: taskGaps.length,
        });
      }
      return items;
    },
  );
  signal?.throwIfAborted();
  // Every collector's items pass the one redaction (src/domain/secrets.ts) before anything judges or keeps them.
  return { items: results.flat().map(redactItem).map(withContentHash).sort(compareItems), gaps };
}

/** A resource to read again: which account and region it lives in, and its type. */
export interface ResourceRef {
  resourceType: string;
  region: string;
  accountId: string;
  /** Its ARN: the partition is taken from it. */
  arn: string;
  /**
   * With `onlyNamed`: the ids, names or ARNs that name it ([] = every resource of the type). Only the named
   * resources are read in detail.
   */
  ids?: readonly string[];
}

/** Resource types of the hand-written collectors, by the service part of the type name. */
const CODE_SERVICE_OF_TYPE: Record<string, ServiceName> = {
  S3: "s3",
  IAM: "iam",
  EC2: "ec2",
  CloudTrail: "cloudtrail",
  KMS: "kms",
  // Records that spec collectors make in code (clusters and services of ECS, API stages).
  ECS: "ecs",
  ApiGateway: "apigateway",
  ApiGatewayV2: "apigatewayv2",
};

/** The collector that reads a resource type (`AWS::S3::Bucket` → s3): spec collectors declare theirs. */
export function serviceOfType(resourceType: string): ServiceName | undefined {
  if (resourceType === "AWS::::Account") return "account";
  for (const collector of Object.values(COLLECTORS)) {
    const spec = (collector as { spec?: ServiceSpec }).spec;
    if (spec?.resources.some((r) => r.resourceType === resourceType)) return collector.service;
  }
  return CODE_SERVICE_OF_TYPE[resourceType.split("::")[1] ?? ""];
}

/**
 * Targeted re-discovery: runs, through the same runner, the collectors that cover `resources` (their service,
 * in their region) and answers every item they read. The resources belong to one account.
 */
export async function discoverResources(
  access: AwsAccess,
  resources: readonly ResourceRef[],
  opts: RunOptions & {
    /** Read in detail only the resources the refs name (their `ids`), not every one of their services. */
    onlyNamed?: boolean;
  } = {},
): Promise<{ items: ConfigurationItem[]; gaps: AccountCoverageGap[] }> {
  const first = resources[0];
  if (!first) return { items: [], gaps: [] };
  const regions = [...new Set(resources.map((r) => r.region).filter((r) => r !== "global"))].sort();
  const tasks = new Map<string, CollectorTask>();
  for (const r of resources) {
    const service = serviceOfType(r.resourceType);
    if (!service) continue;
    const region = COLLECTORS[service].global ? "global" : r.region;
    tasks.set(`${service}|${region}`, { service, region });
  }
  const { onlyNamed, ...runOpts } = opts;
  return runCollectors(
    access,
    {
      accountId: first.accountId,
      partition: first.arn.split(":")[1] || "aws",
      regions: regions.length > 0 ? regions : [access.homeRegion],
    },
    [...tasks.values()],
    { perResourceConcurrency: 4, ...runOpts, wants: onlyNamed ? namedBy(resources) : undefined },
  );
}

/** Whether a resource is one the refs name: by id, name or ARN, or any of its type for a ref without ids. */
export function namedBy(refs: readonly ResourceRef[]): NonNullable<CollectorContext["wants"]> {
  const byType = new Map<string, Set<string> | "all">();
  for (const ref of refs) {
    const known = byType.get(ref.resourceType);
    if (known === "all") continue;
    if (!ref.ids || ref.ids.length === 0) byType.set(ref.resourceType, "all");
    else byType.set(ref.resourceType, new Set([...(known ?? []), ...ref.ids]));
  }
  return (resourceType, id, name, arn) => {
    const ids = byType.get(resourceType);
    // Types no ref names are read whole: collectors that join records of several types stay right.
    if (ids === undefined) return true;
    if (ids === "all") return true;
    if (ids.has(id) || (name !== undefined && ids.has(name)) || (arn !== undefined && ids.has(arn)))
      return true;
    for (const named of ids) if (named.length > id.length && named.endsWith(`/${id}`)) return true;
    return false;
  };
}

function gapOf(
  accountId: string,
  service: string,
  region: string,
  error: unknown,
  what?: string,
): AccountCoverageGap {
  const message = errorText(error);
  return {
    accountId,
    service,
    region,
    code: errorCode(error),
    error: what ? `${what}: ${message}` : message,
  };
}

function selectServices(requested: string[] | undefined): ServiceName[] {
  if (!requested || requested.length === 0) return [...SERVICE_NAMES];
  const known = new Set<string>(SERVICE_NAMES);
  const unknown = requested.filter((s) => !known.has(s));
  if (unknown.length > 0) {
    throw new UsageError(
      `unknown service ${unknown.join(", ")}; expected some of ${SERVICE_NAMES.join(", ")}`,
    );
  }
  // The account record costs no call and account-wide checks need it, so it is always there.
  return SERVICE_NAMES.filter((s) => s === "account" || requested.includes(s));
}

/**
 * The regions to scan and the requested ones that are not enabled. Without a region list every enabled region
 * is scanned; when the list of regions cannot be read, the scan falls back to the home region and says so.
 */
async function resolveRegions(
  home: AwsClientSet,
  requested: string[] | undefined,
  onError: (error: unknown) => void,
): Promise<{ scan: string[]; disabled: string[] }> {
  let known: Map<string, boolean>;
  try {
    const answer = await home.ec2.send(new DescribeRegionsCommand({ AllRegions: true }));
    known = new Map(
      (answer.Regions ?? [])
        .filter((r) => r.RegionName)
        .map(
          (r) => [r.RegionName!, r.OptInStatus === undefined || r.OptInStatus !== "not-opted-in"] as const,
        ),
    );
  } catch (error) {
    onError(error);
    return { scan: requested ? unique(requested) : [home.region], disabled: [] };
  }
  if (!requested)
    return {
      scan: [...known]
        .filter(([, enabled]) => enabled)
        .map(([name]) => name)
        .sort(),
      disabled: [],
    };
  const scan: string[] = [];
  const disabled: string[] = [];
  for (const region of unique(requested)) {
    // A region DescribeRegions does not know is tried anyway: its own calls will say what is wrong.
    if (known.get(region) === false) disabled.push(region);
    else scan.push(region);
  }
  return { scan, disabled };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

function compareGaps(a: AccountCoverageGap, b: AccountCoverageGap): number {
  return (
    a.accountId.localeCompare(b.accountId) ||
    a.service.localeCompare(b.service) ||
    a.region.localeCompare(b.region) ||
    a.error.localeCompare(b.error)
  );
}

export interface AccountTarget {
  roleArn: string;
  externalId?: string;
}

export interface DiscoverAccountsOptions extends Omit<DiscoverOptions, "credentials" | "access"> {
  /** Credentials that assume the roles; default: the SDK's default chain. */
  credentials?: AwsCredentials;
  sessionName?: string;
}

/**
 * Scans one account per role ARN, one after another (each account already runs its regions and services in
 * parallel), and merges the inventories. An account whose role cannot be assumed becomes a coverage gap.
 */
export async function discoverAccounts(
  targets: Array<string | AccountTarget>,
  opts: DiscoverAccountsOptions = {},
): Promise<DiscoveryResult> {
  const started = performance.now();
  const clock = opts.clock ?? (() => new Date());
  const capturedAt = clock().toISOString();
  const { credentials: sourceCredentials, sessionName = "enforceai-scan", ...scanOpts } = opts;
  for (const region of opts.regions ?? []) {
    if (!REGION_PATTERN.test(region))
      throw new UsageError(`"${region}" is not an AWS region name (like us-east-1)`);
  }
  const results: DiscoveryResult[] = [];
  const failures: AccountCoverageGap[] = [];
  for (const target of targets) {
    const { roleArn, externalId } =
      typeof target === "string" ? { roleArn: target, externalId: undefined } : target;
    opts.signal?.throwIfAborted();
    // One access per account: its role's credentials, the shared endpoint, retries and home region.
    const access = ownAccess(scanOpts, {
      roleArn,
      externalId,
      sessionName,
      sourceCredentials,
    });
    try {
      results.push(await discoverAccount({ ...scanOpts, access }));
    } catch (error) {
      if (error instanceof UsageError || opts.signal?.aborted) throw error;
      failures.push({
        accountId: roleArn.split(":")[4] ?? "unknown",
        service: "sts",
        region: "global",
        code:
          error instanceof ServiceError && typeof error.details?.code === "string"
            ? error.details.code
            : errorCode(error),
        error: `AssumeRole ${roleArn}: ${errorText(error)}`,
      });
    } finally {
      access.destroy();
    }
  }
  return mergeResults(results, failures, capturedAt, Math.round(performance.now() - started));
}

/** One result of several accounts' discoveries (and the accounts that could not be entered, as gaps). */
export function mergeResults(
  results: DiscoveryResult[],
  failures: AccountCoverageGap[],
  capturedAt: string,
  durationMs: number,
): DiscoveryResult {
  const byOperation: Record<string, number> = {};
  for (const r of results) {
    for (const [op, n] of Object.entries(r.stats.apiCallsByOperation))
      byOperation[op] = (byOperation[op] ?? 0) + n;
  }
  return {
    accountIds: unique(results.flatMap((r) => r.accountIds)).sort(),
    regions: unique(results.flatMap((r) => r.regions)).sort(),
    capturedAt,
    items: results.flatMap((r) => r.items).sort(compareItems),
    coverageGaps: [...results.flatMap((r) => r.coverageGaps), ...failures].sort(compareGaps),
    stats: {
      apiCalls: results.reduce((n, r) => n + r.stats.apiCalls, 0),
      durationMs,
      apiCallsByOperation: Object.fromEntries(
        Object.entries(byOperation).sort(([a], [b]) => a.localeCompare(b)),
      ),
    },
  };
}
