import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { normalizeIdentity } from "../domain/identity.ts";
import type { ChangeRisk } from "../domain/remediation.ts";
import { ConfigError } from "../errors.ts";
import { type MaintenanceWindow, parseMaintenanceWindow } from "../planning/window.ts";

export const LLM_MODES = ["offline", "bedrock"] as const;
export const EMBEDDING_MODES = ["local", "bedrock"] as const;
export const LOG_LEVELS = ["fatal", "error", "warn", "info", "debug", "trace", "silent"] as const;

const urlWithScheme = (schemes: string[], example: string) =>
  z.string().refine(
    (value) => {
      try {
        return schemes.includes(new URL(value).protocol.replace(/:$/, ""));
      } catch {
        return false;
      }
    },
    { message: `is not a valid URL; expected the form ${example}` },
  );

const positiveInt = (_name: string, allowZero = false) =>
  z
    .string()
    .regex(/^\d+$/, { message: "is not a whole number; expected e.g. 4" })
    .transform(Number)
    .refine((n) => (allowZero ? n >= 0 : n > 0), {
      message: allowZero ? "must be 0 or more" : "must be 1 or more",
    });

const positiveNumber = (example: string) =>
  z
    .string()
    .transform(Number)
    .refine((n) => Number.isFinite(n) && n > 0, {
      message: `is not a positive number; expected e.g. ${example}`,
    });

const CHANGE_RISKS: readonly ChangeRisk[] = ["low", "medium", "high", "critical"];
const commaList = (text: string) =>
  text
    .split(",")
    .map((s) => s.trim())
    .filter(Boolean);

/**
 * The SDK's service-specific endpoint variables (`AWS_ENDPOINT_URL_<SERVICE>`), per client kind of tools/aws.
 * Resolved here once, so that no client reads the environment on its own.
 */
export const AWS_SERVICE_ENDPOINT_VARIABLES = {
  ec2: "AWS_ENDPOINT_URL_EC2",
  s3: "AWS_ENDPOINT_URL_S3",
  s3control: "AWS_ENDPOINT_URL_S3_CONTROL",
  iam: "AWS_ENDPOINT_URL_IAM",
  rds: "AWS_ENDPOINT_URL_RDS",
  lambda: "AWS_ENDPOINT_URL_LAMBDA",
  cloudtrail: "AWS_ENDPOINT_URL_CLOUDTRAIL",
  kms: "AWS_ENDPOINT_URL_KMS",
  sts: "AWS_ENDPOINT_URL_STS",
  logs: "AWS_ENDPOINT_URL_CLOUDWATCH_LOGS",
  cloudwatch: "AWS_ENDPOINT_URL_CLOUDWATCH",
  sns: "AWS_ENDPOINT_URL_SNS",
  config: "AWS_ENDPOINT_URL_CONFIG_SERVICE",
  securityhub: "AWS_ENDPOINT_URL_SECURITYHUB",
  guardduty: "AWS_ENDPOINT_URL_GUARDDUTY",
  efs: "AWS_ENDPOINT_URL_EFS",
  accessanalyzer: "AWS_ENDPOINT_URL_ACCESSANALYZER",
  account: "AWS_ENDPOINT_URL_ACCOUNT",
  organizations: "AWS_ENDPOINT_URL_ORGANIZATIONS",
  macie2: "AWS_ENDPOINT_URL_MACIE2",
  elb: "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING",
  elbv2: "AWS_ENDPOINT_URL_ELASTIC_LOAD_BALANCING_V2",
  acm: "AWS_ENDPOINT_URL_ACM",
  wafv2: "AWS_ENDPOINT_URL_WAFV2",
  secretsmanager: "AWS_ENDPOINT_URL_SECRETS_MANAGER",
  ssm: "AWS_ENDPOINT_URL_SSM",
  dynamodb: "AWS_ENDPOINT_URL_DYNAMODB",
  applicationautoscaling: "AWS_ENDPOINT_URL_APPLICATION_AUTO_SCALING",
  sqs: "AWS_ENDPOINT_URL_SQS",
  ecr: "AWS_ENDPOINT_URL_ECR",
  ecs: "AWS_ENDPOINT_URL_ECS",
  eks: "AWS_ENDPOINT_URL_EKS",
  cloudfront: "AWS_ENDPOINT_URL_CLOUDFRONT",
  apigateway: "AWS_ENDPOINT_URL_API_GATEWAY",
  apigatewayv2: "AWS_ENDPOINT_URL_APIGATEWAYV2",
  backup: "AWS_ENDPOINT_URL_BACKUP",
  opensearch: "AWS_ENDPOINT_URL_OPENSEARCH",
  elasticache: "AWS_ENDPOINT_URL_ELASTICACHE",
  redshift: "AWS_ENDPOINT_URL_REDSHIFT",
  autoscaling: "AWS_ENDPOINT_URL_AUTO_SCALING",
  route53: "AWS_ENDPOINT_URL_ROUTE_53",
  kinesis: "AWS_ENDPOINT_URL_KINESIS",
  firehose: "AWS_ENDPOINT_URL_FIREHOSE",
  eventbridge: "AWS_ENDPOINT_URL_EVENTBRIDGE",
} as const;
export type AwsService = keyof typeof AWS_SERVICE_ENDPOINT_VARIABLES;

/** Where global AWS services are called when no region is configured. */
export const DEFAULT_AWS_REGION = "us-east-1";

const endpointUrl = () =>
  optionalString.pipe(urlWithScheme(["http", "https"], "http://HOST:PORT").optional());

const optionalString = z
  .string()
  .optional()
  .transform((v) => (v === undefined || v.trim() === "" ? undefined : v.trim()));

/** The environment we read: names and meanings are part of CONTRACT.md. */
const envSchema = z.object({
  ENFORCEAI_HOME: optionalString,
  DATABASE_URL: optionalString.pipe(
    urlWithScheme(["postgres", "postgresql"], "postgres://USER:PASSWORD@HOST:5432/DATABASE").optional(),
  ),
  REDIS_URL: optionalString.pipe(urlWithScheme(["redis", "rediss"], "redis://HOST:6379/0").optional()),
  OPENSEARCH_URL: optionalString.pipe(urlWithScheme(["http", "https"], "http://HOST:9200").optional()),
  ENFORCEAI_LLM: optionalString.pipe(z.enum(LLM_MODES).optional()),
  ENFORCEAI_MODEL_ANALYSIS: optionalString,
  ENFORCEAI_MODEL_PRECHECK: optionalString,
  ENFORCEAI_EMBEDDINGS: optionalString.pipe(z.enum(EMBEDDING_MODES).optional()),
  ENFORCEAI_CHECKS_DIR: optionalString,
  ENFORCEAI_FRAMEWORKS_DIR: optionalString,
  ENFORCEAI_SETTINGS_FILE: optionalString,
  ENFORCEAI_LOG_LEVEL: optionalString.pipe(z.enum(LOG_LEVELS).optional()),
  ENFORCEAI_LOG_FORMAT: optionalString.pipe(z.enum(["json", "pretty"]).optional()),
  ENFORCEAI_BEDROCK_REGION: optionalString,
  ENFORCEAI_LLM_CONCURRENCY: optionalString.pipe(positiveInt("ENFORCEAI_LLM_CONCURRENCY").optional()),
  ENFORCEAI_LLM_TIMEOUT_MS: optionalString.pipe(positiveInt("ENFORCEAI_LLM_TIMEOUT_MS").optional()),
  ENFORCEAI_ANALYSIS_BUDGET: optionalString.pipe(positiveInt("ENFORCEAI_ANALYSIS_BUDGET", true).optional()),
  ENFORCEAI_REMEDIATION_ROLE_ARN: optionalString.pipe(
    z
      .string()
      .regex(
        /^arn:aws[a-z-]*:iam::\d{12}:role\/.+$/,
        "is not an IAM role ARN; expected arn:aws:iam::ACCOUNT:role/NAME",
      )
      .optional(),
  ),
  ENFORCEAI_REMEDIATION_PROFILE: optionalString,
  ENFORCEAI_REMEDIATION_POLICY_FILE: optionalString,
  ENFORCEAI_REMEDIATION_LEASE_SECONDS: optionalString.pipe(positiveNumber("900").optional()),
  // Identities are compared normalised (src/domain/identity.ts): ` Alice` in the list is the user `alice`.
  ENFORCEAI_USER: optionalString
    .transform((v) => (v === undefined ? undefined : normalizeIdentity(v)))
    .pipe(
      z.string().min(1, "is empty once spaces and invisible characters go; expected a user name").optional(),
    ),
  ENFORCEAI_APPROVERS: optionalString.transform((v) => {
    const names = v === undefined ? [] : [...new Set(commaList(v).map(normalizeIdentity).filter(Boolean))];
    return names.length > 0 ? names : undefined;
  }),
  ENFORCEAI_TWO_APPROVERS_FOR: optionalString.pipe(
    z
      .string()
      .transform((v) => commaList(v.toLowerCase()))
      .refine((risks) => risks.every((r) => (CHANGE_RISKS as readonly string[]).includes(r)), {
        message: `names a risk that does not exist; expected a comma-separated list of ${CHANGE_RISKS.join(", ")}`,
      })
      .transform((risks) => risks as ChangeRisk[])
      .optional(),
  ),
  ENFORCEAI_APPROVAL_EXPIRY_HOURS: optionalString.pipe(positiveNumber("72").optional()),
  ENFORCEAI_MAINTENANCE_WINDOW: optionalString,
  ENFORCEAI_WEBHOOK_URL: optionalString.pipe(
    urlWithScheme(["http", "https"], "https://hooks.slack.com/services/…").optional(),
  ),
  ENFORCEAI_RESUME_ON_START: optionalString,
  ENFORCEAI_INGEST_MAX_INFLATED_BYTES: optionalString.pipe(
    positiveInt("ENFORCEAI_INGEST_MAX_INFLATED_BYTES").optional(),
  ),
  ENFORCEAI_INGEST_MAX_TEXT_CHARS: optionalString.pipe(
    positiveInt("ENFORCEAI_INGEST_MAX_TEXT_CHARS").optional(),
  ),
  ENFORCEAI_INGEST_MAX_PAGES: optionalString.pipe(positiveInt("ENFORCEAI_INGEST_MAX_PAGES").optional()),
  ENFORCEAI_INGEST_MAX_PASSAGES: optionalString.pipe(positiveInt("ENFORCEAI_INGEST_MAX_PASSAGES").optional()),
  ENFORCEAI_EVENTS_QUEUE_URL: optionalString.pipe(
    urlWithScheme(
      ["http", "https"],
      "https://sqs.us-east-1.amazonaws.com/123456789012/enforceai-events",
    ).optional(),
  ),
  ENFORCEAI_EVENTS_WINDOW_MS: optionalString.pipe(positiveInt("ENFORCEAI_EVENTS_WINDOW_MS", true).optional()),
  ENFORCEAI_EVENTS_MAX_ATTEMPTS: optionalString.pipe(positiveInt("ENFORCEAI_EVENTS_MAX_ATTEMPTS").optional()),
  ENFORCEAI_EVENTS_VISIBILITY_SECONDS: optionalString.pipe(
    positiveInt("ENFORCEAI_EVENTS_VISIBILITY_SECONDS").optional(),
  ),
  ENFORCEAI_EVENTS_ROLE_NAME: optionalString.pipe(
    z
      .string()
      .regex(/^[\w+=,.@-]{1,64}$/, "is not an IAM role name; expected a name like EnforceAIScan")
      .optional(),
  ),
  ENFORCEAI_EVENTS_SNS_TOPIC_ARN: optionalString.pipe(
    z
      .string()
      .regex(
        /^arn:aws[a-z-]*:sns:[a-z0-9-]+:\d{12}:[\w-]+$/,
        "is not an SNS topic ARN; expected arn:aws:sns:REGION:ACCOUNT:NAME",
      )
      .optional(),
  ),
  ENFORCEAI_EVENTS_PROPOSE: optionalString.pipe(z.enum(["true", "false"]).optional()),
  ENFORCEAI_WATCH_IN_SERVE: optionalString.pipe(z.enum(["true", "false"]).optional()),
  ENFORCEAI_SCAN_SCHEDULE: optionalString,
  AWS_REGION: optionalString,
  AWS_DEFAULT_REGION: optionalString,
  AWS_ENDPOINT_URL: endpointUrl(),
  AWS_MAX_ATTEMPTS: optionalString.pipe(positiveInt("AWS_MAX_ATTEMPTS").optional()),
  AWS_RETRY_MODE: optionalString.pipe(z.enum(["standard", "adaptive"]).optional()),
  ...(Object.fromEntries(
    Object.values(AWS_SERVICE_ENDPOINT_VARIABLES).map((name) => [name, endpointUrl()]),
  ) as Record<(typeof AWS_SERVICE_ENDPOINT_VARIABLES)[AwsService], ReturnType<typeof endpointUrl>>),
});

/** The remediation settings (CONTRACT.md names the variables). */
export interface RemediationSettings {
  /** ENFORCEAI_APPROVERS: user names (normalised) with the approver role for the CLI; undefined when not configured. */
  approvers?: string[];
  /** ENFORCEAI_TWO_APPROVERS_FOR: change risks that need two approvers (default: none). */
  twoApproversFor: ChangeRisk[];
  /** ENFORCEAI_APPROVAL_EXPIRY_HOURS: how long a request waits for a decision (default: the policy's, 72). */
  expiryHours?: number;
  /** ENFORCEAI_MAINTENANCE_WINDOW: when scheduled actions may run (UTC), e.g. sat:02:00-sat:04:00. */
  maintenanceWindow?: MaintenanceWindow;
  /** ENFORCEAI_WEBHOOK_URL: where manual tasks are posted (Slack-compatible JSON). */
  webhookUrl?: string;
  /** ENFORCEAI_REMEDIATION_ROLE_ARN: the role remediation assumes through STS. */
  roleArn?: string;
  /** ENFORCEAI_REMEDIATION_PROFILE: a named profile with the remediation credentials. */
  profile?: string;
  /** ENFORCEAI_REMEDIATION_POLICY_FILE: replaces knowledge/remediation-policy.yaml. */
  policyFile?: string;
  /** ENFORCEAI_REMEDIATION_LEASE_SECONDS: after this long a `running` execution counts as abandoned (default 900). */
  leaseSeconds: number;
}

/** How EnforceAI reaches AWS, resolved once from the SDK's own variables. */
export interface AwsSettings {
  /** AWS_REGION, then AWS_DEFAULT_REGION; undefined when neither is set. */
  region?: string;
  /** Where global services (IAM, S3 listing, STS) are called: `region`, else us-east-1. */
  homeRegion: string;
  /** AWS_ENDPOINT_URL: one endpoint for every service (an emulator). */
  endpoint?: string;
  /** AWS_ENDPOINT_URL_<SERVICE>: per-service endpoints, over `endpoint`. */
  serviceEndpoints: Partial<Record<AwsService, string>>;
  /** AWS_MAX_ATTEMPTS / AWS_RETRY_MODE; undefined → each use's default. */
  maxAttempts?: number;
  retryMode?: "standard" | "adaptive";
  /** Same as `remediation.roleArn`. */
  remediationRoleArn?: string;
}

export interface Config {
  home: string;
  databaseUrl?: string;
  redisUrl?: string;
  opensearchUrl?: string;
  llm: {
    mode: (typeof LLM_MODES)[number];
    analysisModel: string;
    precheckModel: string;
    region?: string;
    /** Model calls in flight at once. */
    concurrency: number;
    timeoutMs: number;
    /** Findings per scan that get a strong-model analysis; the rest get template explanations. */
    analysisBudget: number;
    precheckBatchSize: number;
  };
  embeddings: (typeof EMBEDDING_MODES)[number];
  /** ENFORCEAI_USER (else the OS user), normalised: the CLI's identity for four eyes and the audit trail. */
  user: string;
  checksDir?: string;
  frameworksDir?: string;
  settingsFile?: string;
  log: { level: (typeof LOG_LEVELS)[number]; format: "json" | "pretty" };
  aws: AwsSettings;
  remediation: RemediationSettings;
  /** ENFORCEAI_RESUME_ON_START=true: `serve` resumes interrupted scans (always on the embedded database). */
  resumeOnStart: boolean;
  ingest: IngestLimits;
  /** Continuous compliance: the events queue `enforceai watch` consumes. */
  events: EventsSettings;
  /**
   * ENFORCEAI_SCAN_SCHEDULE: a five-field cron expression (UTC) for a scan of the configured account, run by
   * `serve` (the schedule named "default"); checked when `serve` starts.
   */
  scanSchedule?: string;
}

/**
 * Bounds on one document's ingestion, past the upload size: what its bytes may become once decompressed and
 * read. A document over one is refused, its status `failed` with the limit it broke.
 */
export interface IngestLimits {
  /** ENFORCEAI_INGEST_MAX_INFLATED_BYTES: a PDF's compressed streams, inflated, in total (default 50 MiB). */
  maxInflatedBytes: number;
  /** ENFORCEAI_INGEST_MAX_TEXT_CHARS: text read from the document (default 20 Mi characters). */
  maxTextChars: number;
  /** ENFORCEAI_INGEST_MAX_PAGES: pages of a PDF (default 2000). */
  maxPages: number;
  /** ENFORCEAI_INGEST_MAX_PASSAGES: passages (chunks) indexed for one document (default 20,000). */
  maxPassages: number;
}

export const DEFAULT_INGEST_LIMITS: IngestLimits = {
  maxInflatedBytes: 50 * 1024 * 1024,
  maxTextChars: 20 * 1024 * 1024,
  maxPages: 2000,
  maxPassages: 20_000,
};

export interface EventsSettings {
  /** ENFORCEAI_EVENTS_QUEUE_URL */
  queueUrl?: string;
  /** ENFORCEAI_EVENTS_WINDOW_MS: how long a burst of events is gathered before one evaluation (default 1000). */
  windowMs: number;
  /** ENFORCEAI_EVENTS_MAX_ATTEMPTS: attempts at a message before it goes to the dead-letter queue (default 5). */
  maxAttempts: number;
  /** ENFORCEAI_EVENTS_VISIBILITY_SECONDS: how long a received message stays hidden, extended while worked on (60). */
  visibilitySeconds: number;
  /** ENFORCEAI_EVENTS_ROLE_NAME: the role assumed in the account an event came from (default: own credentials). */
  roleName?: string;
  /** ENFORCEAI_EVENTS_SNS_TOPIC_ARN: where new failures and resolutions are published. */
  snsTopicArn?: string;
  /** ENFORCEAI_EVENTS_PROPOSE=true: a new failure is proposed as a remediation into the approval queue. */
  propose: boolean;
  /** ENFORCEAI_WATCH_IN_SERVE=true: `serve` runs the watcher too. */
  inServe: boolean;
}

export const DEFAULT_ANALYSIS_MODEL = "anthropic.claude-sonnet-4-5-20250929-v1:0";
export const DEFAULT_PRECHECK_MODEL = "anthropic.claude-haiku-4-5-20251001-v1:0";

export interface LoadConfigOptions {
  cwd?: string;
  /** Whether stderr is a terminal: chooses pretty logs by default. */
  isTTY?: boolean;
}

/**
 * The one configuration loader. A bad value stops start-up with one line that names the variable,
 * says what is wrong with the value and gives the expected form.
 */
/** The process environment; the CLI's entry point hands it to `loadConfig` (nothing else reads it). */
export function processEnvironment(): NodeJS.ProcessEnv {
  return process.env;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, options: LoadConfigOptions = {}): Config {
  const parsed = envSchema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const name = String(issue.path[0] ?? "environment");
    const value = env[name];
    throw new ConfigError(`${name}=${JSON.stringify(value)} ${describeIssue(issue)}`, { variable: name });
  }
  const e = parsed.data;
  const cwd = options.cwd ?? process.cwd();
  const mode = e.ENFORCEAI_LLM ?? "offline";
  const region = e.AWS_REGION ?? e.AWS_DEFAULT_REGION;
  const serviceEndpoints: Partial<Record<AwsService, string>> = {};
  for (const [service, name] of Object.entries(AWS_SERVICE_ENDPOINT_VARIABLES) as [AwsService, string][]) {
    const url = (e as Record<string, unknown>)[name];
    if (typeof url === "string") serviceEndpoints[service] = url;
  }
  return {
    home: path.resolve(cwd, e.ENFORCEAI_HOME ?? ".enforceai"),
    databaseUrl: e.DATABASE_URL,
    redisUrl: e.REDIS_URL,
    opensearchUrl: e.OPENSEARCH_URL,
    llm: {
      mode,
      analysisModel: e.ENFORCEAI_MODEL_ANALYSIS ?? DEFAULT_ANALYSIS_MODEL,
      precheckModel: e.ENFORCEAI_MODEL_PRECHECK ?? DEFAULT_PRECHECK_MODEL,
      region: e.ENFORCEAI_BEDROCK_REGION ?? e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
      concurrency: e.ENFORCEAI_LLM_CONCURRENCY ?? 4,
      timeoutMs: e.ENFORCEAI_LLM_TIMEOUT_MS ?? 60_000,
      analysisBudget: e.ENFORCEAI_ANALYSIS_BUDGET ?? 40,
      precheckBatchSize: 20,
    },
    embeddings: e.ENFORCEAI_EMBEDDINGS ?? (mode === "bedrock" ? "bedrock" : "local"),
    user: e.ENFORCEAI_USER ?? normalizeIdentity(safeOsUser()),
    checksDir: e.ENFORCEAI_CHECKS_DIR ? path.resolve(cwd, e.ENFORCEAI_CHECKS_DIR) : undefined,
    frameworksDir: e.ENFORCEAI_FRAMEWORKS_DIR ? path.resolve(cwd, e.ENFORCEAI_FRAMEWORKS_DIR) : undefined,
    settingsFile: e.ENFORCEAI_SETTINGS_FILE ? path.resolve(cwd, e.ENFORCEAI_SETTINGS_FILE) : undefined,
    log: {
      level: e.ENFORCEAI_LOG_LEVEL ?? "info",
      format: e.ENFORCEAI_LOG_FORMAT ?? (options.isTTY ? "pretty" : "json"),
    },
    aws: {
      region,
      homeRegion: region ?? DEFAULT_AWS_REGION,
      endpoint: e.AWS_ENDPOINT_URL,
      serviceEndpoints,
      maxAttempts: e.AWS_MAX_ATTEMPTS,
      retryMode: e.AWS_RETRY_MODE,
      remediationRoleArn: e.ENFORCEAI_REMEDIATION_ROLE_ARN,
    },
    remediation: {
      approvers: e.ENFORCEAI_APPROVERS,
      twoApproversFor: e.ENFORCEAI_TWO_APPROVERS_FOR ?? [],
      expiryHours: e.ENFORCEAI_APPROVAL_EXPIRY_HOURS,
      // Its own parser names the variable and the expected form (ConfigError) on a bad value.
      maintenanceWindow: e.ENFORCEAI_MAINTENANCE_WINDOW
        ? parseMaintenanceWindow(e.ENFORCEAI_MAINTENANCE_WINDOW)
        : undefined,
      webhookUrl: e.ENFORCEAI_WEBHOOK_URL,
      roleArn: e.ENFORCEAI_REMEDIATION_ROLE_ARN,
      profile: e.ENFORCEAI_REMEDIATION_PROFILE,
      policyFile: e.ENFORCEAI_REMEDIATION_POLICY_FILE
        ? path.resolve(cwd, e.ENFORCEAI_REMEDIATION_POLICY_FILE)
        : undefined,
      leaseSeconds: e.ENFORCEAI_REMEDIATION_LEASE_SECONDS ?? 900,
    },
    resumeOnStart: e.ENFORCEAI_RESUME_ON_START === "true",
    ingest: {
      maxInflatedBytes: e.ENFORCEAI_INGEST_MAX_INFLATED_BYTES ?? DEFAULT_INGEST_LIMITS.maxInflatedBytes,
      maxTextChars: e.ENFORCEAI_INGEST_MAX_TEXT_CHARS ?? DEFAULT_INGEST_LIMITS.maxTextChars,
      maxPages: e.ENFORCEAI_INGEST_MAX_PAGES ?? DEFAULT_INGEST_LIMITS.maxPages,
      maxPassages: e.ENFORCEAI_INGEST_MAX_PASSAGES ?? DEFAULT_INGEST_LIMITS.maxPassages,
    },
    events: {
      queueUrl: e.ENFORCEAI_EVENTS_QUEUE_URL,
      windowMs: e.ENFORCEAI_EVENTS_WINDOW_MS ?? 1_000,
      maxAttempts: e.ENFORCEAI_EVENTS_MAX_ATTEMPTS ?? 5,
      visibilitySeconds: e.ENFORCEAI_EVENTS_VISIBILITY_SECONDS ?? 60,
      roleName: e.ENFORCEAI_EVENTS_ROLE_NAME,
      snsTopicArn: e.ENFORCEAI_EVENTS_SNS_TOPIC_ARN,
      propose: e.ENFORCEAI_EVENTS_PROPOSE === "true",
      inServe: e.ENFORCEAI_WATCH_IN_SERVE === "true",
    },
    scanSchedule: e.ENFORCEAI_SCAN_SCHEDULE,
  };
}

function describeIssue(issue: z.core.$ZodIssue): string {
  if (issue.code === "invalid_value" && "values" in issue) {
    return `is not supported; expected one of ${(issue.values as unknown[]).join(", ")}`;
  }
  return issue.message;
}

function safeOsUser(): string {
  try {
    return os.userInfo().username;
  } catch {
    return "unknown";
  }
}

/** A copy safe to print or log: credentials inside URLs are masked. */
export function redactedConfig(config: Config): Config {
  const mask = (url?: string) => {
    if (!url) return url;
    try {
      const u = new URL(url);
      if (u.password) u.password = "***";
      return u.toString();
    } catch {
      return "***";
    }
  };
  return {
    ...config,
    databaseUrl: mask(config.databaseUrl),
    redisUrl: mask(config.redisUrl),
    opensearchUrl: mask(config.opensearchUrl),
  };
}
