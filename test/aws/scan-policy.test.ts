import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

/**
 * The scan policy (docs/iam/enforceai-scan-policy.json) must name exactly the actions the collectors call.
 * The calls are read from the source: every `new XxxCommand(` and `paginateXxx(` of an `@aws-sdk/client-*` import.
 */
const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const COLLECTOR_DIR = path.join(ROOT, "tools/aws");
const POLICY_FILE = path.join(ROOT, "docs/iam/enforceai-scan-policy.json");

/** IAM's prefix for each SDK client package. */
const SERVICE_PREFIX: Record<string, string> = {
  "@aws-sdk/client-ec2": "ec2",
  "@aws-sdk/client-s3": "s3",
  "@aws-sdk/client-s3-control": "s3",
  "@aws-sdk/client-iam": "iam",
  "@aws-sdk/client-rds": "rds",
  "@aws-sdk/client-lambda": "lambda",
  "@aws-sdk/client-cloudtrail": "cloudtrail",
  "@aws-sdk/client-kms": "kms",
  "@aws-sdk/client-sts": "sts",
};

/** API operations whose IAM action has another name. */
const ACTION_NAME: Record<string, string> = {
  "@aws-sdk/client-s3:ListBuckets": "s3:ListAllMyBuckets",
  "@aws-sdk/client-s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
  "@aws-sdk/client-s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
  "@aws-sdk/client-s3-control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
};

/** Calls made with the caller's own permissions, not the scan role's (see docs/iam/README.md). */
const CALLER_ONLY = new Set(["sts:AssumeRole"]);

interface SdkCall {
  file: string;
  packageName: string;
  operation: string;
}

/** Every SDK command or paginator used in a source file, resolved through its imports (aliases included). */
function sdkCalls(file: string): SdkCall[] {
  const source = readFileSync(file, "utf8");
  const imported = new Map<string, { packageName: string; exported: string }>();
  for (const match of source.matchAll(/import\s*\{([^}]*)\}\s*from\s*"(@aws-sdk\/client-[a-z0-9-]+)"/g)) {
    const [, names = "", packageName = ""] = match;
    for (const raw of names.split(",")) {
      const spec = raw.trim().replace(/^type\s+/, "");
      if (!spec) continue;
      const [exported = "", local = exported] = spec.split(/\s+as\s+/).map((s) => s.trim());
      imported.set(local, { packageName, exported });
    }
  }
  const calls: SdkCall[] = [];
  for (const match of source.matchAll(/new\s+([A-Za-z0-9]+)\s*\(|\b(paginate[A-Za-z0-9]+)\s*\(/g)) {
    const local = match[1] ?? match[2] ?? "";
    const origin = imported.get(local);
    if (!origin) continue;
    const { packageName, exported } = origin;
    if (exported.endsWith("Command"))
      calls.push({ file, packageName, operation: exported.slice(0, -"Command".length) });
    else if (exported.startsWith("paginate"))
      calls.push({ file, packageName, operation: exported.slice("paginate".length) });
  }
  return calls;
}

function actionOf(call: SdkCall): string {
  const prefix = SERVICE_PREFIX[call.packageName];
  if (!prefix) throw new Error(`${call.file}: no IAM prefix known for ${call.packageName}`);
  return ACTION_NAME[`${call.packageName}:${call.operation}`] ?? `${prefix}:${call.operation}`;
}

function policyActions(): string[] {
  const policy = JSON.parse(readFileSync(POLICY_FILE, "utf8")) as {
    Statement: Array<{ Effect: string; Action: string | string[]; Resource: string }>;
  };
  return policy.Statement.flatMap((s) => {
    expect(s.Effect).toBe("Allow");
    return Array.isArray(s.Action) ? s.Action : [s.Action];
  });
}

const collectorFiles = readdirSync(COLLECTOR_DIR)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => path.join(COLLECTOR_DIR, f));
const calls = collectorFiles.flatMap(sdkCalls);
const called = new Set(calls.map(actionOf).filter((a) => !CALLER_ONLY.has(a)));

describe("scan policy", () => {
  it("finds the collectors' SDK calls", () => {
    // A parser that silently finds nothing would make the next two tests pass vacuously.
    expect(called.size).toBeGreaterThan(40);
    expect(called).toContain("ec2:DescribeInstances");
    expect(called).toContain("s3:GetAccountPublicAccessBlock");
    expect(called).toContain("iam:GetAccountAuthorizationDetails");
  });

  it("grants every action a collector calls", () => {
    const granted = new Set(policyActions());
    const missing = [...called].filter((a) => !granted.has(a)).sort();
    expect(missing).toEqual([]);
  });

  it("grants nothing the collectors do not call", () => {
    const extra = policyActions()
      .filter((a) => !called.has(a))
      .sort();
    expect(extra).toEqual([]);
  });

  it("is read-only: no wildcards, no write or data actions", () => {
    const actions = policyActions();
    expect(new Set(actions).size).toBe(actions.length);
    for (const action of actions) {
      expect(action).not.toContain("*");
      expect(action).toMatch(/^[a-z0-9-]+:(Describe|Get|List|GenerateCredentialReport)/);
    }
  });

  it("maps an aliased import to its own package", () => {
    // s3.ts imports S3 Control's GetPublicAccessBlockCommand under another name.
    const s3 = sdkCalls(path.join(COLLECTOR_DIR, "s3.ts")).map(actionOf);
    expect(s3).toContain("s3:GetBucketPublicAccessBlock");
    expect(s3).toContain("s3:GetAccountPublicAccessBlock");
  });
});
