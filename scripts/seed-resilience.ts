/**
 * Demo seeding for AWS Backup, OpenSearch Service, ElastiCache and Redshift (us-east-1): for each service a
 * forgotten resource that breaks the checks and its compliant twin.
 *
 * - Backup: vault `legacy-vault` (AWS managed key, no Vault Lock) and plan `legacy-plan` (recovery points kept one
 *   day); vault `central-vault` (customer managed KMS key, Vault Lock with a 7-day minimum) and plan `daily-plan`
 *   (35 days).
 * - OpenSearch: domain `legacy-search` (public endpoint with an open policy, nothing encrypted, HTTP and TLS 1.0
 *   accepted, one node, no fine-grained access control, no logs) and `app-search` (VPC, encrypted, HTTPS with TLS
 *   1.2, three data nodes in three zones, three dedicated masters, fine-grained access control, error and audit
 *   logs, a policy naming one role).
 * - ElastiCache: replication group `legacy-cache` (no encryption, no AUTH, no failover, no backups) and
 *   `orders-cache` (encrypted at rest and in transit, AUTH, failover, Multi-AZ, 7 days of snapshots); standalone
 *   clusters `legacy-redis` (no backups, no minor upgrades, default subnet group) and `app-redis` (backups, minor
 *   upgrades, its own subnet group).
 * - Redshift: cluster `legacy-warehouse` (public, unencrypted, default admin user, database name and port, one day
 *   of snapshots, no upgrades, no enhanced VPC routing, no audit logging, default parameter group) and
 *   `analytics-warehouse` (the opposite, with parameter group `tls-only`).
 *
 * What moto 5.2.1 does not model, and the collector tests cover with stubbed answers instead: Backup vault access
 * policies and backup selections (GetBackupVaultAccessPolicy, ListBackupSelections), Redshift parameter values
 * (DescribeClusterParameters answers the engine defaults whatever the group, so require_ssl reads false), and cache
 * clusters for a replication group's members. Re-running against the same account reuses what exists.
 */
import {
  CreateBackupPlanCommand,
  CreateBackupVaultCommand,
  ListBackupPlansCommand,
  ListBackupVaultsCommand,
  PutBackupVaultLockConfigurationCommand,
} from "@aws-sdk/client-backup";
import { DescribeSubnetsCommand } from "@aws-sdk/client-ec2";
import {
  CreateCacheClusterCommand,
  CreateCacheSubnetGroupCommand,
  CreateReplicationGroupCommand,
  DescribeCacheClustersCommand,
  DescribeCacheSubnetGroupsCommand,
  DescribeReplicationGroupsCommand,
} from "@aws-sdk/client-elasticache";
import { CreateAliasCommand, CreateKeyCommand, ListAliasesCommand } from "@aws-sdk/client-kms";
import { CreateDomainCommand, ListDomainNamesCommand } from "@aws-sdk/client-opensearch";
import {
  CreateClusterCommand,
  CreateClusterParameterGroupCommand,
  DescribeClusterParameterGroupsCommand,
  DescribeClustersCommand,
  EnableLoggingCommand,
} from "@aws-sdk/client-redshift";
import { CreateBucketCommand, HeadBucketCommand } from "@aws-sdk/client-s3";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const RESILIENCE_REGION = "us-east-1";
/** The names of the planted resources: `legacy*` break the checks, the others comply. */
export const RESILIENCE_NAMES = {
  legacyVault: "legacy-vault",
  centralVault: "central-vault",
  legacyPlan: "legacy-plan",
  dailyPlan: "daily-plan",
  legacyDomain: "legacy-search",
  appDomain: "app-search",
  legacyGroup: "legacy-cache",
  ordersGroup: "orders-cache",
  legacyRedis: "legacy-redis",
  appRedis: "app-redis",
  legacyWarehouse: "legacy-warehouse",
  analyticsWarehouse: "analytics-warehouse",
  tlsParameterGroup: "tls-only",
  cacheSubnetGroup: "private-cache",
  backupKeyAlias: "alias/enforceai-backup",
} as const;

export interface ResilienceSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
  backupKeyArn: string;
  /** Plan ids by plan name. */
  planIds: Record<string, string>;
}

const N = RESILIENCE_NAMES;

export async function seedResilience(
  accountId: string,
  clients: (region: string) => AwsClientSet,
): Promise<ResilienceSeed> {
  const region = RESILIENCE_REGION;
  const set = clients(region);
  const created: Record<string, number> = {};
  const count = (kind: string) => {
    created[kind] = (created[kind] ?? 0) + 1;
  };

  // ---- KMS: the customer managed key of the compliant vault, domain, cache and warehouse
  const kms = set.get("kms");
  const aliases = await kms.send(new ListAliasesCommand({}));
  let keyId = aliases.Aliases?.find((a) => a.AliasName === N.backupKeyAlias)?.TargetKeyId;
  if (!keyId) {
    const key = await kms.send(
      new CreateKeyCommand({ Description: "EnforceAI demo: backups and data stores" }),
    );
    keyId = key.KeyMetadata!.KeyId!;
    await kms.send(new CreateAliasCommand({ AliasName: N.backupKeyAlias, TargetKeyId: keyId }));
    count("kms:key");
  }
  const keyArn = `arn:aws:kms:${region}:${accountId}:key/${keyId}`;

  // ---- AWS Backup
  const backup = set.get("backup");
  const vaults = new Set(
    (await backup.send(new ListBackupVaultsCommand({}))).BackupVaultList?.map((v) => v.BackupVaultName),
  );
  if (!vaults.has(N.legacyVault)) {
    await backup.send(new CreateBackupVaultCommand({ BackupVaultName: N.legacyVault }));
    count("backup:vault");
  }
  if (!vaults.has(N.centralVault)) {
    await backup.send(
      new CreateBackupVaultCommand({ BackupVaultName: N.centralVault, EncryptionKeyArn: keyArn }),
    );
    await backup.send(
      new PutBackupVaultLockConfigurationCommand({
        BackupVaultName: N.centralVault,
        MinRetentionDays: 7,
        MaxRetentionDays: 365,
      }),
    );
    count("backup:vault");
  }
  const planIds: Record<string, string> = {};
  for (const plan of (await backup.send(new ListBackupPlansCommand({}))).BackupPlansList ?? [])
    if (plan.BackupPlanName && plan.BackupPlanId) planIds[plan.BackupPlanName] = plan.BackupPlanId;
  const plan = async (name: string, vault: string, days: number) => {
    if (planIds[name]) return;
    const answer = await backup.send(
      new CreateBackupPlanCommand({
        BackupPlan: {
          BackupPlanName: name,
          Rules: [
            {
              RuleName: `${name}-rule`,
              TargetBackupVaultName: vault,
              ScheduleExpression: "cron(0 5 * * ? *)",
              Lifecycle: { DeleteAfterDays: days },
            },
          ],
        },
      }),
    );
    planIds[name] = answer.BackupPlanId!;
    count("backup:plan");
  };
  await plan(N.legacyPlan, N.legacyVault, 1);
  await plan(N.dailyPlan, N.centralVault, 35);

  // ---- Subnets of the default VPC (the VPC domain and the cache subnet group)
  const ec2 = set.get("ec2");
  const subnets =
    (
      await ec2.send(new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }))
    ).Subnets?.map((s) => s.SubnetId!).slice(0, 3) ?? [];

  // ---- OpenSearch Service
  const opensearch = set.get("opensearch");
  const domains = new Set(
    (await opensearch.send(new ListDomainNamesCommand({}))).DomainNames?.map((d) => d.DomainName),
  );
  const domainArn = (name: string) => `arn:aws:es:${region}:${accountId}:domain/${name}`;
  const logGroup = (name: string, kind: string) =>
    `arn:aws:logs:${region}:${accountId}:log-group:/aws/opensearch/${name}/${kind}`;
  if (!domains.has(N.legacyDomain)) {
    await opensearch.send(
      new CreateDomainCommand({
        DomainName: N.legacyDomain,
        EngineVersion: "OpenSearch_1.3",
        ClusterConfig: { InstanceType: "t3.small.search", InstanceCount: 1, ZoneAwarenessEnabled: false },
        EncryptionAtRestOptions: { Enabled: false },
        NodeToNodeEncryptionOptions: { Enabled: false },
        DomainEndpointOptions: { EnforceHTTPS: false, TLSSecurityPolicy: "Policy-Min-TLS-1-0-2019-07" },
        AdvancedSecurityOptions: { Enabled: false },
        AccessPolicies: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: "*" },
              Action: "es:*",
              Resource: `${domainArn(N.legacyDomain)}/*`,
            },
          ],
        }),
      }),
    );
    count("opensearch:domain");
  }
  if (!domains.has(N.appDomain)) {
    await opensearch.send(
      new CreateDomainCommand({
        DomainName: N.appDomain,
        EngineVersion: "OpenSearch_2.13",
        ClusterConfig: {
          InstanceType: "r6g.large.search",
          InstanceCount: 3,
          ZoneAwarenessEnabled: true,
          ZoneAwarenessConfig: { AvailabilityZoneCount: 3 },
          DedicatedMasterEnabled: true,
          DedicatedMasterCount: 3,
          DedicatedMasterType: "m6g.large.search",
        },
        VPCOptions: { SubnetIds: subnets },
        EncryptionAtRestOptions: { Enabled: true, KmsKeyId: keyArn },
        NodeToNodeEncryptionOptions: { Enabled: true },
        DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10" },
        AdvancedSecurityOptions: {
          Enabled: true,
          InternalUserDatabaseEnabled: false,
          MasterUserOptions: { MasterUserARN: `arn:aws:iam::${accountId}:role/search-admin` },
        },
        LogPublishingOptions: {
          ES_APPLICATION_LOGS: { Enabled: true, CloudWatchLogsLogGroupArn: logGroup(N.appDomain, "errors") },
          AUDIT_LOGS: { Enabled: true, CloudWatchLogsLogGroupArn: logGroup(N.appDomain, "audit") },
        },
        AccessPolicies: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { AWS: `arn:aws:iam::${accountId}:role/app` },
              Action: "es:ESHttp*",
              Resource: `${domainArn(N.appDomain)}/*`,
            },
          ],
        }),
      }),
    );
    count("opensearch:domain");
  }

  // ---- ElastiCache
  const elasticache = set.get("elasticache");
  const groups = new Set(
    (await elasticache.send(new DescribeReplicationGroupsCommand({}))).ReplicationGroups?.map(
      (g) => g.ReplicationGroupId,
    ),
  );
  if (!groups.has(N.legacyGroup)) {
    await elasticache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: N.legacyGroup,
        ReplicationGroupDescription: "forgotten session cache",
        Engine: "redis",
        EngineVersion: "5.0.6",
        CacheNodeType: "cache.t3.micro",
        NumCacheClusters: 1,
        AutomaticFailoverEnabled: false,
        MultiAZEnabled: false,
        SnapshotRetentionLimit: 0,
        AtRestEncryptionEnabled: false,
        TransitEncryptionEnabled: false,
      }),
    );
    count("elasticache:replication-group");
  }
  if (!groups.has(N.ordersGroup)) {
    await elasticache.send(
      new CreateReplicationGroupCommand({
        ReplicationGroupId: N.ordersGroup,
        ReplicationGroupDescription: "orders cache",
        Engine: "redis",
        EngineVersion: "7.1",
        CacheNodeType: "cache.r7g.large",
        NumCacheClusters: 2,
        AutomaticFailoverEnabled: true,
        MultiAZEnabled: true,
        SnapshotRetentionLimit: 7,
        SnapshotWindow: "03:00-04:00",
        AtRestEncryptionEnabled: true,
        KmsKeyId: keyArn,
        TransitEncryptionEnabled: true,
        AuthToken: "enforceai-demo-token-0123456789",
      }),
    );
    count("elasticache:replication-group");
  }
  const subnetGroups = await elasticache.send(new DescribeCacheSubnetGroupsCommand({}));
  if (!subnetGroups.CacheSubnetGroups?.some((g) => g.CacheSubnetGroupName === N.cacheSubnetGroup)) {
    await elasticache.send(
      new CreateCacheSubnetGroupCommand({
        CacheSubnetGroupName: N.cacheSubnetGroup,
        CacheSubnetGroupDescription: "private subnets for caches",
        SubnetIds: subnets,
      }),
    );
    count("elasticache:subnet-group");
  }
  const cacheClusters = new Set(
    (await elasticache.send(new DescribeCacheClustersCommand({}))).CacheClusters?.map(
      (c) => c.CacheClusterId,
    ),
  );
  if (!cacheClusters.has(N.legacyRedis)) {
    await elasticache.send(
      new CreateCacheClusterCommand({
        CacheClusterId: N.legacyRedis,
        Engine: "redis",
        EngineVersion: "6.2",
        CacheNodeType: "cache.t3.micro",
        NumCacheNodes: 1,
        AutoMinorVersionUpgrade: false,
        SnapshotRetentionLimit: 0,
        CacheSubnetGroupName: "default",
      }),
    );
    count("elasticache:cache-cluster");
  }
  if (!cacheClusters.has(N.appRedis)) {
    await elasticache.send(
      new CreateCacheClusterCommand({
        CacheClusterId: N.appRedis,
        Engine: "redis",
        EngineVersion: "7.1",
        CacheNodeType: "cache.t3.small",
        NumCacheNodes: 1,
        AutoMinorVersionUpgrade: true,
        SnapshotRetentionLimit: 3,
        CacheSubnetGroupName: N.cacheSubnetGroup,
      }),
    );
    count("elasticache:cache-cluster");
  }

  // ---- Redshift
  const redshift = set.get("redshift");
  const parameterGroups = await redshift.send(new DescribeClusterParameterGroupsCommand({}));
  if (!parameterGroups.ParameterGroups?.some((g) => g.ParameterGroupName === N.tlsParameterGroup)) {
    await redshift.send(
      new CreateClusterParameterGroupCommand({
        ParameterGroupName: N.tlsParameterGroup,
        ParameterGroupFamily: "redshift-1.0",
        Description: "TLS only",
      }),
    );
    count("redshift:parameter-group");
  }
  const warehouses = new Set(
    (await redshift.send(new DescribeClustersCommand({}))).Clusters?.map((c) => c.ClusterIdentifier),
  );
  if (!warehouses.has(N.legacyWarehouse)) {
    await redshift.send(
      new CreateClusterCommand({
        ClusterIdentifier: N.legacyWarehouse,
        NodeType: "dc2.large",
        ClusterType: "single-node",
        MasterUsername: "awsuser",
        MasterUserPassword: "Legacy-Passw0rd",
        DBName: "dev",
        Port: 5439,
        PubliclyAccessible: true,
        Encrypted: false,
        EnhancedVpcRouting: false,
        AutomatedSnapshotRetentionPeriod: 1,
        AllowVersionUpgrade: false,
      }),
    );
    count("redshift:cluster");
  }
  if (!warehouses.has(N.analyticsWarehouse)) {
    await redshift.send(
      new CreateClusterCommand({
        ClusterIdentifier: N.analyticsWarehouse,
        NodeType: "ra3.xlplus",
        ClusterType: "multi-node",
        NumberOfNodes: 2,
        MasterUsername: "dwh_owner",
        MasterUserPassword: "Analytics-Passw0rd",
        DBName: "analytics",
        Port: 5577,
        PubliclyAccessible: false,
        Encrypted: true,
        KmsKeyId: keyArn,
        EnhancedVpcRouting: true,
        AutomatedSnapshotRetentionPeriod: 14,
        AllowVersionUpgrade: true,
        ClusterParameterGroupName: N.tlsParameterGroup,
      }),
    );
    count("redshift:cluster");
    const s3 = set.get("s3");
    const bucket = `enforceai-redshift-audit-${accountId}`;
    try {
      await s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await s3.send(new CreateBucketCommand({ Bucket: bucket }));
      count("s3:bucket");
    }
    await redshift.send(
      new EnableLoggingCommand({
        ClusterIdentifier: N.analyticsWarehouse,
        BucketName: bucket,
        S3KeyPrefix: "audit/",
      }),
    );
  }
  return { created, backupKeyArn: keyArn, planIds };
}
