import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";
import { ValidationError } from "../errors.ts";

const port = z.number().int().min(0).max(65535);

export const settingsSchema = z.object({
  accessKeyMaxAgeDays: z.number().int().positive(),
  credentialsUnusedDays: z.number().int().positive(),
  rootRecentUseDays: z.number().int().positive(),
  passwordMinLength: z.number().int().positive(),
  passwordReusePrevention: z.number().int().positive(),
  passwordMaxAgeDays: z.number().int().positive(),
  rdsMinBackupRetentionDays: z.number().int().nonnegative(),
  imdsMaxHopLimit: z.number().int().positive(),
  adminPorts: z.array(port),
  riskyPorts: z.array(port),
  deprecatedLambdaRuntimes: z.array(z.string()),
  logGroupMinRetentionDays: z.number().int().positive(),
  certificateExpiryWarningDays: z.number().int().nonnegative(),
  trustedAccountIds: z.array(z.string().regex(/^\d{12}$/, "a 12-digit AWS account id")),
  eksOldestSupportedVersion: z.string().regex(/^\d+\.\d+$/),
  secretUnusedDays: z.number().int().positive(),
  secretRotationMaxDays: z.number().int().positive(),
  kinesisMinRetentionHours: z.number().int().positive(),
});

export type Settings = z.infer<typeof settingsSchema>;

/** Loads the bundled thresholds, then applies the overrides in `overrideFile` (keys left out keep their value). */
export async function loadSettings(defaultsFile: string, overrideFile?: string): Promise<Settings> {
  const defaults = parse(await readFile(defaultsFile, "utf8")) as Record<string, unknown>;
  let overrides: Record<string, unknown> = {};
  if (overrideFile) {
    const parsed = parse(await readFile(overrideFile, "utf8"));
    if (parsed !== null && (typeof parsed !== "object" || Array.isArray(parsed))) {
      throw new ValidationError(
        `${overrideFile}: settings must be a YAML mapping of threshold names to values`,
      );
    }
    overrides = (parsed ?? {}) as Record<string, unknown>;
    const unknown = Object.keys(overrides).filter((k) => !(k in settingsSchema.shape));
    if (unknown.length > 0) {
      throw new ValidationError(
        `${overrideFile}: unknown setting ${unknown.join(", ")}; known settings are ${Object.keys(settingsSchema.shape).join(", ")}`,
      );
    }
  }
  const result = settingsSchema.safeParse({ ...defaults, ...overrides });
  if (!result.success) {
    const issue = result.error.issues[0]!;
    throw new ValidationError(
      `${overrideFile ?? defaultsFile}: setting ${issue.path.join(".")}: ${issue.message}`,
    );
  }
  return result.data;
}
