import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import type { Collector } from "../../tools/aws/collector.ts";
import { COLLECTORS } from "../../tools/aws/discover.ts";
import { DISCOVERY_ACTIONS, scanPolicyText } from "../../tools/aws/scan-policy.ts";
import { type ServiceSpec, specActions, specCalls } from "../../tools/aws/spec.ts";

/**
 * The scan policy (docs/iam/enforceai-scan-policy.json) is generated from the actions the collectors declare.
 * Spec collectors declare an action with each command; for hand-written collectors the calls are read from the
 * source (every `new XxxCommand(` and `paginateXxx(` of an `@aws-sdk/client-*` import) and held to the list.
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
  "@aws-sdk/client-account": "account",
  "@aws-sdk/client-ecs": "ecs",
  "@aws-sdk/client-backup": "backup",
};

/** API operations whose IAM action has another name. */
const ACTION_NAME: Record<string, string> = {
  "@aws-sdk/client-s3:ListBuckets": "s3:ListAllMyBuckets",
  "@aws-sdk/client-s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
  "@aws-sdk/client-s3:GetPublicAccessBlock": "s3:GetBucketPublicAccessBlock",
  "@aws-sdk/client-s3:GetBucketLifecycleConfiguration": "s3:GetLifecycleConfiguration",
  "@aws-sdk/client-s3:GetBucketNotificationConfiguration": "s3:GetBucketNotification",
  "@aws-sdk/client-s3:GetBucketReplication": "s3:GetReplicationConfiguration",
  "@aws-sdk/client-s3:GetObjectLockConfiguration": "s3:GetBucketObjectLockConfiguration",
  "@aws-sdk/client-s3-control:GetPublicAccessBlock": "s3:GetAccountPublicAccessBlock",
};

/** Calls made with the caller's own permissions, not the scan role's (see docs/iam/README.md). */
const CALLER_ONLY = new Set(["sts:AssumeRole"]);
/** Calls discovery makes for every collector (they are in the policy through DISCOVERY_ACTIONS). */
const DISCOVERY = new Set<string>(DISCOVERY_ACTIONS);

/** Operations whose IAM action has another name, by `prefix:Operation`. */
const RENAMED: Record<string, string> = {
  "s3:ListBuckets": "s3:ListAllMyBuckets",
  "s3:GetBucketEncryption": "s3:GetEncryptionConfiguration",
  // API Gateway (v1 and v2) authorizes reads by HTTP verb on the resource path, not per operation.
  "apigateway:GetRestApis": "apigateway:GET",
  "apigateway:GetStages": "apigateway:GET",
  "apigateway:GetAuthorizers": "apigateway:GET",
  "apigateway:GetApis": "apigateway:GET",
  "apigateway:GetRoutes": "apigateway:GET",
};

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

/** Where each collector is written: its source is held to the actions it declares. */
const collectorFiles = (service: string) =>
  readdirSync(COLLECTOR_DIR)
    .filter((f) => f === `${service}.ts` || f.startsWith(`${service}-`))
    .map((f) => path.join(COLLECTOR_DIR, f));
const collectors = Object.values(COLLECTORS);
const declared = new Set(collectors.flatMap((c) => c.actions));
const specOf = (c: Collector) => (c as { spec?: ServiceSpec }).spec;
/** Calls written as code (a spec's calls are declared with their command, not written as `new …Command(`). */
const sourceCalls = collectors.flatMap((c) =>
  collectorFiles(c.service)
    .flatMap(sdkCalls)
    .map((call) => ({ service: c.service, action: actionOf(call) })),
);

describe("scan policy", () => {
  it("is generated from the collectors' declared actions (npm run iam:policy rewrites it)", () => {
    expect(readFileSync(POLICY_FILE, "utf8")).toBe(scanPolicyText(collectors));
  });

  it("finds the collectors' calls", () => {
    // A parser that silently finds nothing would make the tests below pass vacuously.
    expect(sourceCalls.length).toBeGreaterThan(30);
    expect(declared.size).toBeGreaterThan(40);
    for (const action of [
      "ec2:DescribeInstances",
      "s3:GetAccountPublicAccessBlock",
      "rds:DescribeDBSnapshots",
    ])
      expect(declared).toContain(action);
  });

  it("declares every call a collector makes in code", () => {
    const undeclared = sourceCalls
      .filter(
        ({ service, action }) =>
          !CALLER_ONLY.has(action) && !DISCOVERY.has(action) && !COLLECTORS[service].actions.includes(action),
      )
      .map(({ service, action }) => `${service}: ${action}`);
    expect(undeclared).toEqual([]);
  });

  it("declares no action a collector neither calls in code nor declares in its spec", () => {
    const called = new Set(sourceCalls.map((c) => `${c.service}:${c.action}`));
    const extra = collectors.flatMap((c) => {
      const spec = specOf(c);
      const fromSpec = new Set(spec ? specActions(spec) : []);
      return c.actions
        .filter((a) => !called.has(`${c.service}:${a}`) && !fromSpec.has(a))
        .map((a) => `${c.service}: ${a}`);
    });
    expect(extra).toEqual([]);
  });

  it("names, for every call of a spec, the IAM action of its command", () => {
    const wrong: string[] = [];
    for (const c of collectors) {
      const spec = specOf(c);
      for (const call of spec ? specCalls(spec) : []) {
        const operation = call.command.name.replace(/Command$/, "");
        const [prefix, action] = call.action.split(":");
        const expected = RENAMED[`${prefix}:${operation}`] ?? `${prefix}:${operation}`;
        if (call.action !== expected || !action)
          wrong.push(`${c.service}: ${call.action} for ${call.command.name}`);
      }
    }
    expect(wrong).toEqual([]);
    expect(collectors.some((c) => "spec" in c)).toBe(true);
  });

  it("is read-only: no wildcards, no write or data actions", () => {
    const actions = policyActions();
    expect(new Set(actions).size).toBe(actions.length);
    for (const action of actions) {
      expect(action).not.toContain("*");
      // apigateway:GET is API Gateway's one read action (its IAM actions are HTTP verbs).
      expect(action).toMatch(/^[a-z0-9-]+:(Describe|Get|List|GenerateCredentialReport)|^apigateway:GET$/);
    }
  });

  it("maps an aliased import to its own package", () => {
    // s3.ts imports S3 Control's GetPublicAccessBlockCommand under another name.
    const s3 = sdkCalls(path.join(COLLECTOR_DIR, "s3.ts")).map(actionOf);
    expect(s3).toContain("s3:GetBucketPublicAccessBlock");
    expect(s3).toContain("s3:GetAccountPublicAccessBlock");
  });
});
