/**
 * The wider RDS, S3 and Lambda coverage against moto, seeded by scripts/seed-extra.ts in a random account: each
 * planted violation FAILs and its compliant twin PASSes. Then, over stubbed SDK clients, what moto does not
 * model (a VPC Lambda function: moto checks its subnets against EC2, which the seed does not create) and the
 * AccessDenied paths.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { EXTRA, EXTRA_REGION, EXTRA_REPLICA_REGION, seedExtra } from "../../scripts/seed-extra.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { lambdaCollector } from "../../tools/aws/lambda.ts";
import { rdsCollector } from "../../tools/aws/rds.ts";
import { s3Collector } from "../../tools/aws/s3.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, byName, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const REGIONS = [EXTRA_REGION, EXTRA_REPLICA_REGION];
const NOW = new Date("2026-05-04T12:00:00.000Z");

const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function verdict(items: ConfigurationItem[], checkId: string, item: ConfigurationItem) {
  const compiled = catalog.find((c) => c.check.id === checkId);
  if (!compiled) throw new Error(`no check ${checkId}`);
  // `undefined`: the check's `where` leaves the item out (not judged).
  return evaluateOne(compiled, item, createContext(items, settings, NOW))?.status;
}

const CLUSTER_CHECKS = [
  "rds_cluster_storage_encrypted",
  "rds_cluster_deletion_protection",
  "rds_cluster_iam_authentication",
  "rds_cluster_multi_az",
  "rds_cluster_copy_tags_to_snapshots",
  "rds_cluster_backtrack_enabled",
  "rds_cluster_auto_minor_version_upgrade",
  "rds_cluster_logs_exported",
  "rds_cluster_aurora_mysql_audit_logs_exported",
  "rds_cluster_default_port_not_used",
  "rds_cluster_no_default_admin_username",
  "rds_cluster_backup_retention_at_least_setting",
];
const BUCKET_CHECKS = [
  "s3_bucket_lifecycle_configured",
  "s3_bucket_object_lock_enabled",
  "s3_bucket_event_notifications_enabled",
  "s3_bucket_cross_region_replication",
];

serviceDescribe("moto", "RDS clusters, database ports and bucket features against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  const created = new Map<string, number>();
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];

  beforeAll(async () => {
    const counter = new ApiCallCounter();
    const sets = new Map<string, AwsClientSet>();
    const clients = (region: string) => {
      let set = sets.get(region);
      if (!set) {
        set = new AwsClientSet(
          region,
          () => ({ region, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
          createClient,
          counter,
        );
        sets.set(region, set);
      }
      return set;
    };
    try {
      await seedExtra({
        clients,
        accountId,
        count: (kind, n = 1) => created.set(kind, (created.get(kind) ?? 0) + n),
      });
    } finally {
      for (const set of sets.values()) set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: REGIONS,
      services: ["rds", "s3"],
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads the clusters, cluster snapshots, instances and buckets without a coverage gap", () => {
    expect(inventory.accountIds).toEqual([accountId]);
    expect(inventory.coverageGaps).toEqual([]);
    const ofType = (type: string) => items.filter((i) => i.resourceType === type);
    expect(ofType("AWS::RDS::DBCluster")).toHaveLength(created.get("rds:db-cluster")!);
    expect(ofType("AWS::RDS::DBInstance")).toHaveLength(created.get("rds:db-instance")!);
    expect(
      ofType("AWS::RDS::DBClusterSnapshot").filter((s) => s.configuration.snapshotType === "manual"),
    ).toHaveLength(created.get("rds:db-cluster-snapshot")!);
    expect(ofType("AWS::S3::Bucket")).toHaveLength(created.get("s3:bucket")!);
  });

  it("records a cluster with its settings, ARN and tags", () => {
    const good = byName(items, "AWS::RDS::DBCluster", EXTRA.clusterGood, EXTRA_REGION);
    expect(good.arn).toBe(`arn:aws:rds:${EXTRA_REGION}:${accountId}:cluster:${EXTRA.clusterGood}`);
    expect(good.configuration).toMatchObject({
      engine: "aurora-mysql",
      storageEncrypted: true,
      deletionProtection: true,
      iamDatabaseAuthenticationEnabled: true,
      backtrackWindow: 86400,
      port: 13306,
      multiAZ: true,
      enabledCloudwatchLogsExports: ["audit", "error"],
    });
    expect(good.tags).toEqual({ env: "prod" });
  });

  it("FAILs each planted cluster violation and PASSes its twin", () => {
    const bad = byName(items, "AWS::RDS::DBCluster", EXTRA.clusterBad, EXTRA_REGION);
    const good = byName(items, "AWS::RDS::DBCluster", EXTRA.clusterGood, EXTRA_REGION);
    for (const id of CLUSTER_CHECKS) {
      expect(verdict(items, id, bad), `${id} on ${EXTRA.clusterBad}`).toBe("FAIL");
      expect(verdict(items, id, good), `${id} on ${EXTRA.clusterGood}`).toBe("PASS");
    }
  });

  it("FAILs the public, unencrypted cluster snapshot and PASSes the private, encrypted one", () => {
    const bad = byName(items, "AWS::RDS::DBClusterSnapshot", EXTRA.clusterSnapshotBad, EXTRA_REGION);
    const good = byName(items, "AWS::RDS::DBClusterSnapshot", EXTRA.clusterSnapshotGood, EXTRA_REGION);
    expect(bad.supplementaryConfiguration.restoreAccountIds).toEqual(["all"]);
    expect(good.supplementaryConfiguration.restoreAccountIds).toEqual([]);
    for (const id of ["rds_cluster_snapshot_not_public", "rds_cluster_snapshot_encrypted"]) {
      expect(verdict(items, id, bad), id).toBe("FAIL");
      expect(verdict(items, id, good), id).toBe("PASS");
    }
    // Automated cluster snapshots are not asked for their attributes and cannot be public.
    const automated = items.find(
      (i) => i.resourceType === "AWS::RDS::DBClusterSnapshot" && i.configuration.snapshotType === "automated",
    );
    if (automated) expect(verdict(items, "rds_cluster_snapshot_not_public", automated)).toBeUndefined();
  });

  it("FAILs the instance on the default port and PASSes the one on a custom port; skips Aurora members", () => {
    const id = "rds_instance_default_port_not_used";
    const onDefault = byName(items, "AWS::RDS::DBInstance", EXTRA.instanceDefaultPort, EXTRA_REGION);
    const onCustom = byName(items, "AWS::RDS::DBInstance", EXTRA.instanceCustomPort, EXTRA_REGION);
    expect(verdict(items, id, onDefault)).toBe("FAIL");
    expect(verdict(items, id, onCustom)).toBe("PASS");
    const member = byName(items, "AWS::RDS::DBInstance", `${EXTRA.clusterGood}-a`, EXTRA_REGION);
    expect(verdict(items, id, member)).toBeUndefined();
  });

  it("FAILs the bare bucket and PASSes the vault on lifecycle, Object Lock, notifications and replication", () => {
    const bare = byName(items, "AWS::S3::Bucket", EXTRA.bucketBare(accountId), EXTRA_REGION);
    const vault = byName(items, "AWS::S3::Bucket", EXTRA.bucketVault(accountId), EXTRA_REGION);
    expect(bare.supplementaryConfiguration).toMatchObject({
      lifecycle: null,
      objectLock: null,
      replication: null,
      notifications: {
        topicConfigurations: [],
        queueConfigurations: [],
        lambdaFunctionConfigurations: [],
      },
    });
    expect(vault.supplementaryConfiguration).toMatchObject({
      lifecycle: { rules: [expect.objectContaining({ id: "retention", status: "Enabled" })] },
      objectLock: { objectLockEnabled: "Enabled", defaultRetention: { mode: "GOVERNANCE", days: 30 } },
      replication: {
        role: `arn:aws:iam::${accountId}:role/s3-replication`,
        rules: [expect.objectContaining({ status: "Enabled" })],
      },
      notifications: {
        topicConfigurations: [
          expect.objectContaining({
            topicArn: `arn:aws:sns:${EXTRA_REGION}:${accountId}:records-vault-events`,
          }),
        ],
      },
    });
    for (const id of BUCKET_CHECKS) {
      expect(verdict(items, id, bare), `${id} on the bare bucket`).toBe("FAIL");
      expect(verdict(items, id, vault), `${id} on the vault`).toBe("PASS");
    }
    // The replica is read in its own region.
    expect(byName(items, "AWS::S3::Bucket", EXTRA.bucketReplica(accountId)).awsRegion).toBe(
      EXTRA_REPLICA_REGION,
    );
  });
});

describe("wider coverage over stubbed answers (what moto does not model) and denied calls", () => {
  const denied = () => awsError("AccessDenied", "not authorized", 403);

  it("judges a VPC Lambda function by its subnet count (moto needs real subnets for VpcConfig)", async () => {
    // ListFunctions as AWS documents it: VpcConfig with SubnetIds, SecurityGroupIds and VpcId.
    const fn = (name: string, subnets: string[]) => ({
      FunctionName: name,
      FunctionArn: `arn:aws:lambda:us-east-1:111122223333:function:${name}`,
      Runtime: "nodejs20.x",
      VpcConfig: { SubnetIds: subnets, SecurityGroupIds: subnets.length ? ["sg-1"] : [], VpcId: "vpc-1" },
    });
    const notFound = () => awsError("ResourceNotFoundException", "not found", 404);
    const { ctx } = stubContext({
      "lambda:ListFunctions": () => ({
        Functions: [
          fn("two-zones", ["subnet-a", "subnet-b"]),
          fn("one-zone", ["subnet-a"]),
          fn("no-vpc", []),
        ],
      }),
      "lambda:GetFunctionUrlConfig": notFound,
      "lambda:GetPolicy": notFound,
      "lambda:ListTags": () => ({ Tags: {} }),
    });
    const items = await lambdaCollector.collect(ctx);
    const byFn = (name: string) => items.find((i) => i.resourceId === name)!;
    expect(verdict(items, "lambda_function_multi_az_vpc", byFn("two-zones"))).toBe("PASS");
    expect(verdict(items, "lambda_function_multi_az_vpc", byFn("one-zone"))).toBe("FAIL");
    expect(verdict(items, "lambda_function_multi_az_vpc", byFn("no-vpc"))).toBeUndefined();
  });

  it("records a gap for a denied DescribeDBClusters and ERROR for a denied cluster snapshot attribute", async () => {
    const { ctx, gaps } = stubContext({
      "rds:DescribeDBInstances": () => ({ DBInstances: [] }),
      "rds:DescribeDBSnapshots": () => ({ DBSnapshots: [] }),
      "rds:DescribeDBClusters": denied,
      "rds:DescribeDBClusterSnapshots": () => ({
        DBClusterSnapshots: [
          { DBClusterSnapshotIdentifier: "manual-1", SnapshotType: "manual", StorageEncrypted: true },
          { DBClusterSnapshotIdentifier: "rds:auto-1", SnapshotType: "automated", StorageEncrypted: true },
        ],
      }),
      "rds:DescribeDBClusterSnapshotAttributes": denied,
    });
    const items = await rdsCollector.collect(ctx);
    expect(gaps.map((g) => g.what)).toEqual(["DescribeDBClusters"]);
    expect(items.filter((i) => i.resourceType === "AWS::RDS::DBCluster")).toEqual([]);
    const manual = items.find((i) => i.resourceId === "manual-1")!;
    expect(manual.arn).toBe("arn:aws:rds:us-east-1:111122223333:cluster-snapshot:manual-1");
    expect(isCallError(manual.supplementaryConfiguration.restoreAccountIds)).toBe(true);
    expect(verdict(items, "rds_cluster_snapshot_not_public", manual)).toBe("ERROR");
    expect(verdict(items, "rds_cluster_snapshot_encrypted", manual)).toBe("PASS");
    const automated = items.find((i) => i.resourceId === "rds:auto-1")!;
    expect(automated.supplementaryConfiguration.restoreAccountIds).toEqual([]);
  });

  it("turns denied bucket feature reads into $error markers and ERROR verdicts, EventBridge into a pass", async () => {
    const notFound = (code: string) => () => awsError(code, "not found", 404);
    const { ctx } = stubContext({
      "s3:ListBuckets": () => ({ Buckets: [{ Name: "b1", BucketRegion: "us-east-1" }] }),
      "s3:GetPublicAccessBlock": notFound("NoSuchPublicAccessBlockConfiguration"),
      "s3:GetBucketAcl": () => ({ Grants: [] }),
      "s3:GetBucketPolicy": notFound("NoSuchBucketPolicy"),
      "s3:GetBucketEncryption": notFound("ServerSideEncryptionConfigurationNotFoundError"),
      "s3:GetBucketVersioning": () => ({}),
      "s3:GetBucketLogging": () => ({}),
      "s3:GetBucketOwnershipControls": notFound("OwnershipControlsNotFoundError"),
      "s3:GetBucketTagging": notFound("NoSuchTagSet"),
      "s3:GetBucketLifecycleConfiguration": denied,
      "s3:GetObjectLockConfiguration": denied,
      "s3:GetBucketReplication": denied,
      // As AWS answers for a bucket that sends its events to EventBridge (moto does not echo this one).
      "s3:GetBucketNotificationConfiguration": () => ({ EventBridgeConfiguration: {} }),
      "s3control:GetPublicAccessBlock": notFound("NoSuchPublicAccessBlockConfiguration"),
    });
    const items = await s3Collector.collect(ctx);
    const bucket = items.find((i) => i.resourceType === "AWS::S3::Bucket")!;
    for (const id of [
      "s3_bucket_lifecycle_configured",
      "s3_bucket_object_lock_enabled",
      "s3_bucket_cross_region_replication",
    ])
      expect(verdict(items, id, bucket), id).toBe("ERROR");
    expect(verdict(items, "s3_bucket_event_notifications_enabled", bucket)).toBe("PASS");
  });
});
