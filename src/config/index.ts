import os from "node:os";
import path from "node:path";
import { z } from "zod";
import { ConfigError } from "../errors.ts";

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
  ENFORCEAI_USER: optionalString,
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
  AWS_REGION: optionalString,
  AWS_DEFAULT_REGION: optionalString,
  AWS_ENDPOINT_URL: optionalString.pipe(urlWithScheme(["http", "https"], "http://HOST:PORT").optional()),
});

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
  user: string;
  checksDir?: string;
  frameworksDir?: string;
  settingsFile?: string;
  log: { level: (typeof LOG_LEVELS)[number]; format: "json" | "pretty" };
  aws: { region?: string; endpoint?: string; remediationRoleArn?: string };
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
    user: e.ENFORCEAI_USER ?? safeOsUser(),
    checksDir: e.ENFORCEAI_CHECKS_DIR ? path.resolve(cwd, e.ENFORCEAI_CHECKS_DIR) : undefined,
    frameworksDir: e.ENFORCEAI_FRAMEWORKS_DIR ? path.resolve(cwd, e.ENFORCEAI_FRAMEWORKS_DIR) : undefined,
    settingsFile: e.ENFORCEAI_SETTINGS_FILE ? path.resolve(cwd, e.ENFORCEAI_SETTINGS_FILE) : undefined,
    log: {
      level: e.ENFORCEAI_LOG_LEVEL ?? "info",
      format: e.ENFORCEAI_LOG_FORMAT ?? (options.isTTY ? "pretty" : "json"),
    },
    aws: {
      region: e.AWS_REGION ?? e.AWS_DEFAULT_REGION,
      endpoint: e.AWS_ENDPOINT_URL,
      remediationRoleArn: e.ENFORCEAI_REMEDIATION_ROLE_ARN,
    },
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
