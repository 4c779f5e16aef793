/**
 * Turns an AWS account into an Inventory: runs every collector for every (service, region) with bounded
 * concurrency, records what could not be read as coverage gaps, and returns the items hashed and sorted.
 */
import { DescribeRegionsCommand } from "@aws-sdk/client-ec2";
import { AssumeRoleCommand } from "@aws-sdk/client-sts";
import { compareItems, withContentHash } from "../../src/domain/shape.ts";
import type { ConfigurationItem, CoverageGap, Inventory } from "../../src/domain/types.ts";
import { ServiceError, UsageError } from "../../src/errors.ts";
import { accountCollector, getCallerIdentity } from "./account.ts";
import {
  ApiCallCounter,
  AwsClientSet,
  type AwsCredentials,
  type ClientFactory,
  type ClientKind,
  type ClientSettings,
  createClient,
  endpointFor,
  type RetryMode,
} from "./clients.ts";
import { cloudtrailCollector } from "./cloudtrail.ts";
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
import { ec2Collector } from "./ec2.ts";
import { iamCollector } from "./iam.ts";
import { kmsCollector } from "./kms.ts";
import { lambdaCollector } from "./lambda.ts";
import { rdsCollector } from "./rds.ts";
import { s3Collector } from "./s3.ts";

export const COLLECTORS: Readonly<Record<ServiceName, Collector>> = {
  account: accountCollector,
  ec2: ec2Collector,
  s3: s3Collector,
  iam: iamCollector,
  rds: rdsCollector,
  lambda: lambdaCollector,
  cloudtrail: cloudtrailCollector,
  kms: kmsCollector,
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

export interface DiscoverOptions {
  /** Regions to scan; default: every region enabled for the account (EC2 DescribeRegions). */
  regions?: string[];
  /** Services to scan (see SERVICE_NAMES); default: all. The account record is always produced. */
  services?: string[];
  /** A custom endpoint for every service (an emulator). Default: `AWS_ENDPOINT_URL[_<SERVICE>]`. */
  endpoint?: string;
  /** Default: the SDK's default credential chain. */
  credentials?: AwsCredentials;
  /** SDK attempts per call, first try included. */
  maxAttempts?: number;
  retryMode?: RetryMode;
  /** How many (service, region) tasks run at once. */
  concurrency?: number;
  /** How many per-resource calls one task keeps in flight. */
  perResourceConcurrency?: number;
  /** Region the global services (IAM, S3 listing, STS) are called in. Default: first region, AWS_REGION, us-east-1. */
  homeRegion?: string;
  onProgress?(event: ProgressEvent): void;
  /** Cancels the discovery: the collector runner hands it to every SDK call as `abortSignal`. */
  signal?: AbortSignal;
  /** Builds the SDK clients; tests wrap `createClient` to add middleware. */
  clientFactory?: ClientFactory;
  clock?: () => Date;
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
  maxAttempts: 5,
  retryMode: "standard" as RetryMode,
  concurrency: 4,
  perResourceConcurrency: 8,
};
const REGION_PATTERN = /^[a-z]{2}(-[a-z]+)+-\d+$/;

export async function discoverAccount(opts: DiscoverOptions = {}): Promise<DiscoveryResult> {
  const started = performance.now();
  const clock = opts.clock ?? (() => new Date());
  const capturedAt = clock().toISOString();
  const services = selectServices(opts.services);
  for (const region of opts.regions ?? []) {
    if (!REGION_PATTERN.test(region))
      throw new UsageError(`"${region}" is not an AWS region name (like us-east-1)`);
  }
  const counter = new ApiCallCounter();
  const factory = opts.clientFactory ?? createClient;
  const settingsFor =
    (region: string) =>
    (kind: ClientKind): ClientSettings => ({
      region,
      endpoint: endpointFor(kind, opts.endpoint),
      credentials: opts.credentials,
      maxAttempts: opts.maxAttempts ?? DEFAULTS.maxAttempts,
      retryMode: opts.retryMode ?? DEFAULTS.retryMode,
    });
  const clientSets = new Map<string, AwsClientSet>();
  const clientsFor = (region: string): AwsClientSet => {
    let set = clientSets.get(region);
    if (!set) {
      set = new AwsClientSet(region, settingsFor(region), factory, counter);
      clientSets.set(region, set);
    }
    return set;
  };
  const homeRegion =
    opts.homeRegion ??
    opts.regions?.[0] ??
    process.env.AWS_REGION ??
    process.env.AWS_DEFAULT_REGION ??
    "us-east-1";

  try {
    const identity = await getCallerIdentity(clientsFor(homeRegion).sts).catch((error: unknown) => {
      throw new ServiceError(
        `cannot identify the AWS account (STS GetCallerIdentity: ${errorCode(error)}: ${errorText(error)}); check the credentials and endpoint`,
        { code: errorCode(error) },
        { cause: error },
      );
    });
    const gaps: AccountCoverageGap[] = [];
    const { scan: regions, disabled } = await resolveRegions(clientsFor(homeRegion), opts.regions, (error) =>
      gaps.push(gapOf(identity.accountId, "ec2", homeRegion, error, "DescribeRegions")),
    );
    const tasks: Array<{ collector: Collector; region: string }> = [];
    for (const service of services) {
      const collector = COLLECTORS[service];
      if (collector.global) tasks.push({ collector, region: "global" });
      else {
        for (const region of regions) tasks.push({ collector, region });
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

    const results = await mapLimit(
      tasks,
      opts.concurrency ?? DEFAULTS.concurrency,
      async ({ collector, region }) => {
        const service = collector.service;
        const accountId = identity.accountId;
        const callRegion = collector.global ? homeRegion : region;
        // Tasks run side by side: each keeps its own gaps so that its progress event counts only its own.
        const taskGaps: AccountCoverageGap[] = [];
        const ctx: CollectorContext = {
          accountId,
          partition: identity.partition,
          region: callRegion,
          regions,
          clients: clientsFor(callRegion),
          clientsFor,
          now: clock,
          perResourceConcurrency: opts.perResourceConcurrency ?? DEFAULTS.perResourceConcurrency,
          recordGap: (what, error) => taskGaps.push(gapOf(accountId, service, region, error, what)),
        };
        opts.onProgress?.({ type: "task-start", accountId, service, region });
        let items: ConfigurationItem[] = [];
        try {
          items = await collector.collect(ctx);
        } catch (error) {
          taskGaps.push(gapOf(accountId, service, region, error));
        }
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

    return {
      accountIds: [identity.accountId],
      regions: [...regions].sort(),
      capturedAt,
      items: results.flat().map(withContentHash).sort(compareItems),
      coverageGaps: gaps.sort(compareGaps),
      stats: {
        apiCalls: counter.total,
        durationMs: Math.round(performance.now() - started),
        apiCallsByOperation: counter.snapshot(),
      },
    };
  } finally {
    for (const set of clientSets.values()) set.destroy();
  }
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

export interface AssumeRoleOptions {
  /** Region of the STS call. */
  region?: string;
  endpoint?: string;
  /** Credentials that may call sts:AssumeRole; default: the SDK's default chain. */
  credentials?: AwsCredentials;
  clientFactory?: ClientFactory;
  durationSeconds?: number;
}

export type CredentialProvider = () => Promise<{
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
  expiration?: Date;
}>;

/** Refresh temporary credentials this long before they expire. */
const REFRESH_MARGIN_MS = 5 * 60_000;

/**
 * A credential provider that assumes `roleArn` through STS AssumeRole and refreshes the session before it
 * expires. `externalId` is the shared secret the role's trust policy may demand of a third party.
 */
export function assumeRoleCredentials(
  roleArn: string,
  externalId: string | undefined,
  sessionName: string,
  options: AssumeRoleOptions = {},
): CredentialProvider {
  if (!/^arn:aws[\w-]*:iam::\d{12}:role\/.+/.test(roleArn)) {
    throw new UsageError(`"${roleArn}" is not an IAM role ARN (arn:aws:iam::123456789012:role/NAME)`);
  }
  if (!/^[\w+=,.@-]{2,64}$/.test(sessionName)) {
    throw new UsageError(
      `session name "${sessionName}" must be 2-64 characters of letters, digits and +=,.@-`,
    );
  }
  let current: Awaited<ReturnType<CredentialProvider>> | undefined;
  let pending: ReturnType<CredentialProvider> | undefined;
  const fresh = (): boolean =>
    !!current?.expiration && current.expiration.getTime() - Date.now() > REFRESH_MARGIN_MS;

  const assume = async (): ReturnType<CredentialProvider> => {
    const region = options.region ?? process.env.AWS_REGION ?? "us-east-1";
    const sts = (options.clientFactory ?? createClient)("sts", {
      region,
      endpoint: endpointFor("sts", options.endpoint),
      credentials: options.credentials,
      maxAttempts: DEFAULTS.maxAttempts,
      retryMode: DEFAULTS.retryMode,
    });
    try {
      const answer = await sts.send(
        new AssumeRoleCommand({
          RoleArn: roleArn,
          RoleSessionName: sessionName,
          ...(externalId ? { ExternalId: externalId } : {}),
          ...(options.durationSeconds ? { DurationSeconds: options.durationSeconds } : {}),
        }),
      );
      const c = answer.Credentials;
      if (!c?.AccessKeyId || !c.SecretAccessKey)
        throw new Error(`STS AssumeRole ${roleArn} answered without credentials`);
      current = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      return current;
    } finally {
      sts.destroy();
    }
  };

  return async () => {
    if (current && fresh()) return current;
    // Concurrent callers share one AssumeRole call.
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}

export interface AccountTarget {
  roleArn: string;
  externalId?: string;
}

export interface DiscoverAccountsOptions extends Omit<DiscoverOptions, "credentials"> {
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
  const results: DiscoveryResult[] = [];
  const failures: AccountCoverageGap[] = [];
  for (const target of targets) {
    const { roleArn, externalId } =
      typeof target === "string" ? { roleArn: target, externalId: undefined } : target;
    try {
      const credentials = assumeRoleCredentials(roleArn, externalId, sessionName, {
        region: opts.homeRegion ?? opts.regions?.[0],
        endpoint: opts.endpoint,
        credentials: sourceCredentials,
        clientFactory: opts.clientFactory,
      });
      results.push(await discoverAccount({ ...scanOpts, credentials }));
    } catch (error) {
      if (error instanceof UsageError) throw error;
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
    }
  }
  return mergeResults(results, failures, capturedAt, Math.round(performance.now() - started));
}

function mergeResults(
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
