/**
 * The AWS Backup, OpenSearch Service, ElastiCache and Redshift collectors against moto, seeded by
 * scripts/seed-resilience.ts in a random account: each planted violation FAILs and its compliant twin PASSes.
 *
 * moto 5.2.1 does not model everything these checks read, so the rest is covered over stubbed SDK clients with
 * answers in the documented API shape: Backup vault access policies and backup selections (moto answers 404/500),
 * OpenSearch's VPCDerivedInfo.VPCId and ServiceSoftwareOptions (moto records neither), Redshift parameter values
 * (moto answers the engine defaults for every group) and the cache clusters of a replication group's members
 * (moto names them but does not list them). The AccessDenied paths are stubbed too: a denied detail call is a
 * `$error` marker and an ERROR verdict, a denied listing a coverage gap.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { RESILIENCE_NAMES as N, RESILIENCE_REGION, seedResilience } from "../../scripts/seed-resilience.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { backupCollector } from "../../tools/aws/backup.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { elasticacheCollector } from "../../tools/aws/elasticache.ts";
import { opensearchCollector } from "../../tools/aws/opensearch.ts";
import { redshiftCollector } from "../../tools/aws/redshift.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const NOW = new Date("2026-05-04T12:00:00.000Z");
const VAULT = "AWS::Backup::BackupVault";
const PLAN = "AWS::Backup::BackupPlan";
const DOMAIN = "AWS::OpenSearch::Domain";
const GROUP = "AWS::ElastiCache::ReplicationGroup";
const CACHE = "AWS::ElastiCache::CacheCluster";
const WAREHOUSE = "AWS::Redshift::Cluster";
const PARAMETER_GROUP = "AWS::Redshift::ClusterParameterGroup";

/** Checks whose inputs moto models, by resource type: judged on both twins of the seed. */
const MOTO_TWINS: Record<string, { legacy: string; compliant: string; checks: string[] }> = {
  [VAULT]: {
    legacy: N.legacyVault,
    compliant: N.centralVault,
    checks: ["backup_vault_lock_enabled", "backup_vault_encrypted_with_customer_managed_key"],
  },
  [DOMAIN]: {
    legacy: N.legacyDomain,
    compliant: N.appDomain,
    checks: [
      "opensearch_domain_encryption_at_rest_enabled",
      "opensearch_domain_in_vpc",
      "opensearch_domain_node_to_node_encryption_enabled",
      "opensearch_domain_error_logging_enabled",
      "opensearch_domain_audit_logging_enabled",
      "opensearch_domain_at_least_three_data_nodes",
      "opensearch_domain_fine_grained_access_control",
      "opensearch_domain_tls_1_2_policy",
      "opensearch_domain_https_required",
      "opensearch_domain_three_dedicated_master_nodes",
      "opensearch_domain_policy_no_public_access",
    ],
  },
  [GROUP]: {
    legacy: N.legacyGroup,
    compliant: N.ordersGroup,
    checks: [
      "elasticache_replication_group_automatic_backups",
      "elasticache_replication_group_automatic_failover",
      "elasticache_replication_group_multi_az",
      "elasticache_replication_group_encrypted_at_rest",
      "elasticache_replication_group_encrypted_in_transit",
    ],
  },
  [CACHE]: {
    legacy: N.legacyRedis,
    compliant: N.appRedis,
    checks: [
      "elasticache_cluster_automatic_backups",
      "elasticache_cluster_auto_minor_version_upgrade",
      "elasticache_cluster_not_default_subnet_group",
    ],
  },
  [WAREHOUSE]: {
    legacy: N.legacyWarehouse,
    compliant: N.analyticsWarehouse,
    checks: [
      "redshift_cluster_not_publicly_accessible",
      "redshift_cluster_automated_snapshots",
      "redshift_cluster_audit_logging_enabled",
      "redshift_cluster_automatic_upgrades",
      "redshift_cluster_enhanced_vpc_routing",
      "redshift_cluster_no_default_admin_username",
      "redshift_cluster_no_default_database_name",
      "redshift_cluster_encrypted_at_rest",
      "redshift_cluster_default_port_not_used",
    ],
  },
};
/** Checks judged over stubbed answers only (see the header). */
const STUB_ONLY = [
  "backup_vault_policy_no_public_access",
  "backup_vault_policy_denies_recovery_point_deletion",
  "backup_plan_has_resource_selection",
  "opensearch_domain_software_up_to_date",
  "elasticache_replication_group_redis_auth_enabled",
  "redshift_cluster_require_ssl",
];
const PLAN_TWINS = ["backup_plan_retention_at_least_seven_days"];

const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function verdict(items: ConfigurationItem[], checkId: string, item: ConfigurationItem) {
  const compiled = catalog.find((c) => c.check.id === checkId);
  if (!compiled) throw new Error(`no check ${checkId}`);
  return evaluateOne(compiled, item, createContext(items, settings, NOW))?.status;
}

const byId = (items: ConfigurationItem[], type: string, id: string) => {
  const found = items.filter((i) => i.resourceType === type && i.resourceId === id);
  expect(found, `${type} ${id}`).toHaveLength(1);
  return found[0]!;
};

it("covers every Backup, OpenSearch, ElastiCache and Redshift check of the catalog", () => {
  const ours = catalog
    .filter((c) => ["backup", "opensearch", "elasticache", "redshift"].includes(c.check.service))
    .map((c) => c.check.id)
    // What plans cover (backupPlanCovers) is judged in collectors-backup-coverage.test.ts.
    .filter((id) => !/^backup_\w+_in_plan$/.test(id))
    .sort();
  const tested = [...Object.values(MOTO_TWINS).flatMap((t) => t.checks), ...STUB_ONLY, ...PLAN_TWINS].sort();
  expect(ours).toEqual(tested);
});

serviceDescribe(
  "moto",
  "Backup, OpenSearch, ElastiCache and Redshift collectors against moto",
  (endpoint) => {
    const accountId = randomAccountId();
    const credentials = accountCredentials(endpoint, accountId);
    let inventory: DiscoveryResult;
    let items: ConfigurationItem[];
    let seeded: Awaited<ReturnType<typeof seedResilience>>;

    beforeAll(async () => {
      const set = new AwsClientSet(
        RESILIENCE_REGION,
        () => ({ region: RESILIENCE_REGION, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
        createClient,
        new ApiCallCounter(),
      );
      try {
        seeded = await seedResilience(accountId, () => set);
      } finally {
        set.destroy();
      }
      inventory = await discoverAccount({
        endpoint,
        credentials,
        regions: [RESILIENCE_REGION],
        // KMS too: the vault key check looks the vault's key up in the KMS inventory.
        services: ["backup", "opensearch", "elasticache", "redshift", "kms"],
        clock: () => NOW,
        maxAttempts: 2,
      });
      items = inventory.items;
    }, 180_000);

    it("reads the four services without a coverage gap", () => {
      expect(inventory.accountIds).toEqual([accountId]);
      expect(inventory.coverageGaps).toEqual([]);
      expect(ofType(items, VAULT, RESILIENCE_REGION).map((i) => i.resourceId)).toEqual(
        expect.arrayContaining([N.legacyVault, N.centralVault]),
      );
      expect(ofType(items, PLAN, RESILIENCE_REGION)).toHaveLength(2);
      expect(ofType(items, DOMAIN, RESILIENCE_REGION)).toHaveLength(2);
      expect(ofType(items, GROUP, RESILIENCE_REGION)).toHaveLength(2);
      expect(ofType(items, CACHE, RESILIENCE_REGION)).toHaveLength(2);
      expect(ofType(items, WAREHOUSE, RESILIENCE_REGION)).toHaveLength(2);
      expect(ofType(items, PARAMETER_GROUP, RESILIENCE_REGION).map((i) => i.resourceId)).toEqual(
        expect.arrayContaining(["default.redshift-1.0", N.tlsParameterGroup]),
      );
    });

    it("records the settings the checks read", () => {
      const vault = byId(items, VAULT, N.centralVault);
      expect(vault.arn).toBe(
        `arn:aws:backup:${RESILIENCE_REGION}:${accountId}:backup-vault:${N.centralVault}`,
      );
      expect(vault.configuration).toMatchObject({
        locked: true,
        minRetentionDays: 7,
        encryptionKeyArn: seeded.backupKeyArn,
      });
      const plan = byId(items, PLAN, seeded.planIds[N.dailyPlan]!);
      expect(plan.resourceName).toBe(N.dailyPlan);
      expect(plan.supplementaryConfiguration.plan).toMatchObject({
        backupPlanName: N.dailyPlan,
        rules: [{ targetBackupVaultName: N.centralVault, lifecycle: { deleteAfterDays: 35 } }],
      });
      const domain = byId(items, DOMAIN, N.appDomain);
      expect(domain.arn).toBe(`arn:aws:es:${RESILIENCE_REGION}:${accountId}:domain/${N.appDomain}`);
      expect(domain.supplementaryConfiguration.domain).toMatchObject({
        domainEndpointOptions: { enforceHTTPS: true, tlsSecurityPolicy: "Policy-Min-TLS-1-2-PFS-2023-10" },
        logPublishingOptions: { AUDIT_LOGS: { enabled: true }, ES_APPLICATION_LOGS: { enabled: true } },
        accessPolicies: { Statement: [{ Effect: "Allow", Action: "es:ESHttp*" }] },
      });
      const legacyDomain = byId(items, DOMAIN, N.legacyDomain).supplementaryConfiguration.domain;
      expect(legacyDomain).toMatchObject({ vpcOptions: null, logPublishingOptions: {} });
      expect(byId(items, GROUP, N.ordersGroup).configuration).toMatchObject({
        atRestEncryptionEnabled: true,
        transitEncryptionEnabled: true,
        authTokenEnabled: true,
        automaticFailover: "enabled",
        snapshotRetentionLimit: 7,
        memberClusters: expect.any(Array),
      });
      const warehouse = byId(items, WAREHOUSE, N.analyticsWarehouse);
      expect(warehouse.arn).toBe(
        `arn:aws:redshift:${RESILIENCE_REGION}:${accountId}:cluster:${N.analyticsWarehouse}`,
      );
      expect(warehouse.configuration).toMatchObject({
        encrypted: true,
        kmsKeyId: seeded.backupKeyArn,
        dbName: "analytics",
        clusterParameterGroups: [{ parameterGroupName: N.tlsParameterGroup }],
      });
      expect(warehouse.configuration.tags).toBeUndefined();
      expect(warehouse.supplementaryConfiguration.loggingStatus).toMatchObject({ loggingEnabled: true });
      const group = byId(items, PARAMETER_GROUP, N.tlsParameterGroup);
      expect(group.supplementaryConfiguration.parameters).toEqual(
        expect.arrayContaining([expect.objectContaining({ parameterName: "require_ssl" })]),
      );
    });

    it("FAILs each planted violation and PASSes its compliant twin", () => {
      for (const [type, twins] of Object.entries(MOTO_TWINS)) {
        const legacy = byId(items, type, twins.legacy);
        const compliant = byId(items, type, twins.compliant);
        for (const id of twins.checks) {
          expect(verdict(items, id, legacy), `${id} on ${twins.legacy}`).toBe("FAIL");
          expect(verdict(items, id, compliant), `${id} on ${twins.compliant}`).toBe("PASS");
        }
      }
      const legacyPlan = byId(items, PLAN, seeded.planIds[N.legacyPlan]!);
      const dailyPlan = byId(items, PLAN, seeded.planIds[N.dailyPlan]!);
      for (const id of PLAN_TWINS) {
        expect(verdict(items, id, legacyPlan), `${id} on ${N.legacyPlan}`).toBe("FAIL");
        expect(verdict(items, id, dailyPlan), `${id} on ${N.dailyPlan}`).toBe("PASS");
      }
    });

    it("records what moto does not implement as $error markers, so those checks say ERROR (not FAIL)", () => {
      const vault = byId(items, VAULT, N.centralVault);
      expect(isCallError(vault.supplementaryConfiguration.accessPolicy)).toBe(true);
      expect(verdict(items, "backup_vault_policy_no_public_access", vault)).toBe("ERROR");
      const plan = byId(items, PLAN, seeded.planIds[N.dailyPlan]!);
      expect(isCallError(plan.supplementaryConfiguration.selections)).toBe(true);
      expect(verdict(items, "backup_plan_has_resource_selection", plan)).toBe("ERROR");
    });
  },
);

describe("Backup collector over stubbed answers", () => {
  const denied = () => awsError("AccessDeniedException", "not authorized", 403);
  const vaultArn = (name: string) => `arn:aws:backup:us-east-1:111122223333:backup-vault:${name}`;
  /** A vault as ListBackupVaults documents it. */
  const vault = (name: string, extra: Record<string, unknown> = {}) => ({
    BackupVaultName: name,
    BackupVaultArn: vaultArn(name),
    VaultType: "BACKUP_VAULT",
    CreationDate: new Date("2025-01-01T00:00:00Z"),
    EncryptionKeyArn: "arn:aws:kms:us-east-1:111122223333:key/11111111-2222-3333-4444-555555555555",
    CreatorRequestId: "req-1",
    NumberOfRecoveryPoints: 12,
    Locked: false,
    ...extra,
  });
  const plan = (id: string) => ({
    BackupPlanArn: `arn:aws:backup:us-east-1:111122223333:backup-plan:${id}`,
    BackupPlanId: id,
    BackupPlanName: `plan-${id}`,
    CreationDate: new Date("2025-01-01T00:00:00Z"),
    VersionId: "v1",
  });

  it("reads vault policies and plan selections in the documented shape", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "backup:ListBackupVaults": (input) =>
          input.NextToken
            ? { BackupVaultList: [vault("open"), vault("bare")] }
            : {
                BackupVaultList: [
                  vault("guarded", { Locked: true, MinRetentionDays: 7, LockDate: new Date() }),
                ],
                NextToken: "p2",
              },
        "backup:GetBackupVaultAccessPolicy": (input) => {
          if (input.BackupVaultName === "bare")
            return awsError("ResourceNotFoundException", "Backup vault bare has no access policy", 404);
          const statement =
            input.BackupVaultName === "open"
              ? { Effect: "Allow", Principal: "*", Action: "backup:*", Resource: "*" }
              : {
                  Effect: "Deny",
                  Principal: { AWS: "*" },
                  Action: ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle"],
                  Resource: "*",
                };
          return {
            BackupVaultName: input.BackupVaultName,
            BackupVaultArn: vaultArn(String(input.BackupVaultName)),
            Policy: JSON.stringify({ Version: "2012-10-17", Statement: [statement] }),
          };
        },
        "backup:ListBackupPlans": () => ({ BackupPlansList: [plan("p-1"), plan("p-2")] }),
        "backup:GetBackupPlan": (input) => ({
          BackupPlan: {
            BackupPlanName: `plan-${input.BackupPlanId}`,
            Rules: [
              {
                RuleName: "daily",
                TargetBackupVaultName: "guarded",
                ScheduleExpression: "cron(0 5 * * ? *)",
                Lifecycle: { DeleteAfterDays: input.BackupPlanId === "p-1" ? 35 : 3 },
                CopyActions: [
                  { DestinationBackupVaultArn: vaultArn("dr"), Lifecycle: { DeleteAfterDays: 90 } },
                ],
                RuleId: "r-1",
              },
            ],
          },
          BackupPlanId: input.BackupPlanId,
        }),
        "backup:ListBackupSelections": (input) =>
          input.BackupPlanId === "p-2"
            ? { BackupSelectionsList: [] }
            : input.NextToken
              ? { BackupSelectionsList: [{ SelectionId: "s-2", SelectionName: "db", BackupPlanId: "p-1" }] }
              : {
                  BackupSelectionsList: [
                    {
                      SelectionId: "s-1",
                      SelectionName: "tagged",
                      BackupPlanId: "p-1",
                      IamRoleArn: "arn:aws:iam::111122223333:role/backup",
                    },
                  ],
                  NextToken: "s2",
                },
        // What each selection picks is read and judged in collectors-backup-coverage.test.ts.
        "backup:GetBackupSelection": () => ({ BackupSelection: { SelectionName: "any", IamRoleArn: "r" } }),
      },
      { calls },
    );
    const items = await backupCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "backup:ListBackupVaults")).toHaveLength(2);
    const [guarded, open, bare] = ["guarded", "open", "bare"].map((n) => byId(items, VAULT, n));
    expect(guarded!.configuration.creatorRequestId).toBeUndefined();
    expect(guarded!.configuration).toMatchObject({
      locked: true,
      minRetentionDays: 7,
      numberOfRecoveryPoints: 12,
    });
    expect(bare!.supplementaryConfiguration.accessPolicy).toBeNull();
    expect(verdict(items, "backup_vault_policy_no_public_access", open!)).toBe("FAIL");
    expect(verdict(items, "backup_vault_policy_no_public_access", guarded!)).toBe("PASS");
    expect(verdict(items, "backup_vault_policy_no_public_access", bare!)).toBe("PASS");
    expect(verdict(items, "backup_vault_policy_denies_recovery_point_deletion", guarded!)).toBe("PASS");
    expect(verdict(items, "backup_vault_policy_denies_recovery_point_deletion", bare!)).toBe("FAIL");
    expect(verdict(items, "backup_vault_lock_enabled", open!)).toBe("FAIL");
    // The key is not in this inventory (KMS not collected here): unknown, not a guess.
    expect(verdict(items, "backup_vault_encrypted_with_customer_managed_key", guarded!)).toBe("ERROR");
    const [p1, p2] = ["p-1", "p-2"].map((id) => byId(items, PLAN, id));
    expect(p1!.supplementaryConfiguration.selections).toMatchObject([
      { selectionId: "s-1", selectionName: "tagged", iamRoleArn: "arn:aws:iam::111122223333:role/backup" },
      { selectionId: "s-2", selectionName: "db", iamRoleArn: null },
    ]);
    expect(p1!.supplementaryConfiguration.plan).toMatchObject({
      rules: [{ copyActions: [{ destinationBackupVaultArn: vaultArn("dr"), deleteAfterDays: 90 }] }],
    });
    expect(verdict(items, "backup_plan_has_resource_selection", p1!)).toBe("PASS");
    expect(verdict(items, "backup_plan_has_resource_selection", p2!)).toBe("FAIL");
    expect(verdict(items, "backup_plan_retention_at_least_seven_days", p1!)).toBe("PASS");
    expect(verdict(items, "backup_plan_retention_at_least_seven_days", p2!)).toBe("FAIL");
  });

  it("turns denied detail calls into ERROR verdicts and denied listings into coverage gaps", async () => {
    const { ctx, gaps } = stubContext({
      "backup:ListBackupVaults": () => ({ BackupVaultList: [vault("guarded")] }),
      "backup:GetBackupVaultAccessPolicy": denied,
      "backup:ListBackupPlans": denied,
    });
    const items = await backupCollector.collect(ctx);
    expect(gaps.map((g) => g.what)).toEqual(["ListBackupPlans"]);
    const [v] = items;
    expect(isCallError(v!.supplementaryConfiguration.accessPolicy)).toBe(true);
    expect(verdict(items, "backup_vault_policy_no_public_access", v!)).toBe("ERROR");
    expect(verdict(items, "backup_vault_policy_denies_recovery_point_deletion", v!)).toBe("ERROR");
    expect(verdict(items, "backup_vault_lock_enabled", v!)).toBe("FAIL");
  });
});

describe("OpenSearch collector over stubbed answers", () => {
  /** A DomainStatus as DescribeDomain documents it (moto leaves out VPCDerivedInfo.VPCId and ServiceSoftwareOptions). */
  const status = (name: string, extra: Record<string, unknown> = {}) => ({
    DomainId: `111122223333/${name}`,
    DomainName: name,
    ARN: `arn:aws:es:us-east-1:111122223333:domain/${name}`,
    Created: true,
    Deleted: false,
    EngineVersion: "OpenSearch_2.13",
    ClusterConfig: { InstanceType: "r6g.large.search", InstanceCount: 3, ZoneAwarenessEnabled: true },
    EncryptionAtRestOptions: { Enabled: true, KmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/abc" },
    NodeToNodeEncryptionOptions: { Enabled: true },
    DomainEndpointOptions: { EnforceHTTPS: true, TLSSecurityPolicy: "Policy-Min-TLS-1-2-2019-07" },
    AdvancedSecurityOptions: { Enabled: true, InternalUserDatabaseEnabled: false },
    ServiceSoftwareOptions: {
      CurrentVersion: "OpenSearch_2_13_R20240520",
      NewVersion: "",
      UpdateAvailable: false,
      Cancellable: false,
      UpdateStatus: "COMPLETED",
      Description: "There is no software update available for this domain.",
      AutomatedUpdateDate: new Date(0),
      OptionalDeployment: true,
    },
    ...extra,
  });

  it("reads each domain's status, with VPC placement, software updates and the policy", async () => {
    const { ctx, gaps } = stubContext({
      "opensearch:ListDomainNames": () => ({
        DomainNames: [
          { DomainName: "vpc-search", EngineType: "OpenSearch" },
          { DomainName: "old-search", EngineType: "Elasticsearch" },
        ],
      }),
      "opensearch:DescribeDomain": (input) =>
        input.DomainName === "vpc-search"
          ? {
              DomainStatus: status("vpc-search", {
                Endpoints: { vpc: "vpc-search-abc.us-east-1.es.amazonaws.com" },
                VPCOptions: {
                  VPCId: "vpc-0abc",
                  SubnetIds: ["subnet-1"],
                  AvailabilityZones: ["us-east-1a"],
                  SecurityGroupIds: ["sg-1"],
                },
                AccessPolicies: JSON.stringify({
                  Version: "2012-10-17",
                  Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "es:*", Resource: "*" }],
                }),
              }),
            }
          : {
              DomainStatus: status("old-search", {
                EngineVersion: "Elasticsearch_7.10",
                Endpoint: "search-old-search-abc.us-east-1.es.amazonaws.com",
                ServiceSoftwareOptions: { UpdateAvailable: true, UpdateStatus: "ELIGIBLE" },
                AccessPolicies: JSON.stringify({
                  Version: "2012-10-17",
                  Statement: [
                    { Effect: "Allow", Principal: { AWS: "*" }, Action: "es:ESHttpGet", Resource: "*" },
                  ],
                }),
              }),
            },
    });
    const items = await opensearchCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const vpc = byId(items, DOMAIN, "vpc-search");
    const old = byId(items, DOMAIN, "old-search");
    expect(old.configuration).toEqual({ domainName: "old-search", engineType: "Elasticsearch" });
    expect(vpc.supplementaryConfiguration.domain).toMatchObject({
      vpcOptions: { vpcId: "vpc-0abc", subnetIds: ["subnet-1"] },
      serviceSoftwareOptions: { updateAvailable: false },
    });
    expect(verdict(items, "opensearch_domain_in_vpc", vpc)).toBe("PASS");
    expect(verdict(items, "opensearch_domain_in_vpc", old)).toBe("FAIL");
    // The same open policy: behind a VPC endpoint it passes, on a public endpoint it fails.
    expect(verdict(items, "opensearch_domain_policy_no_public_access", vpc)).toBe("PASS");
    expect(verdict(items, "opensearch_domain_policy_no_public_access", old)).toBe("FAIL");
    expect(verdict(items, "opensearch_domain_software_up_to_date", vpc)).toBe("PASS");
    expect(verdict(items, "opensearch_domain_software_up_to_date", old)).toBe("FAIL");
  });

  it("turns a denied DescribeDomain into ERROR verdicts and a denied listing into a coverage gap", async () => {
    const denied = () =>
      awsError("AccessDeniedException", "not authorized to perform es:DescribeDomain", 403);
    const { ctx, gaps } = stubContext({
      "opensearch:ListDomainNames": () => ({
        DomainNames: [{ DomainName: "search", EngineType: "OpenSearch" }],
      }),
      "opensearch:DescribeDomain": denied,
    });
    const items = await opensearchCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const [d] = items;
    expect(isCallError(d!.supplementaryConfiguration.domain)).toBe(true);
    for (const c of catalog.filter((c) => c.check.service === "opensearch"))
      expect(verdict(items, c.check.id, d!), c.check.id).toBe("ERROR");
    const listing = stubContext({ "opensearch:ListDomainNames": denied });
    expect(await opensearchCollector.collect(listing.ctx)).toEqual([]);
    expect(listing.gaps.map((g) => g.what)).toEqual(["ListDomainNames"]);
  });
});

describe("ElastiCache collector over stubbed answers", () => {
  const group = (id: string, extra: Record<string, unknown> = {}) => ({
    ReplicationGroupId: id,
    Description: id,
    Status: "available",
    MemberClusters: [`${id}-001`, `${id}-002`],
    AutomaticFailover: "enabled",
    MultiAZ: "enabled",
    SnapshotRetentionLimit: 1,
    AuthTokenEnabled: false,
    TransitEncryptionEnabled: true,
    AtRestEncryptionEnabled: true,
    ARN: `arn:aws:elasticache:us-east-1:111122223333:replicationgroup:${id}`,
    Engine: "redis",
    ...extra,
  });
  const cluster = (id: string, groupId: string, version: string) => ({
    CacheClusterId: id,
    ReplicationGroupId: groupId,
    Engine: "redis",
    EngineVersion: version,
    CacheSubnetGroupName: "private-cache",
    AutoMinorVersionUpgrade: true,
    SnapshotRetentionLimit: 0,
    ARN: `arn:aws:elasticache:us-east-1:111122223333:cluster:${id}`,
  });

  it("follows Marker paging and judges Redis AUTH by the members' engine version", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "elasticache:DescribeReplicationGroups": (input) =>
          input.Marker
            ? { ReplicationGroups: [group("modern")] }
            : { ReplicationGroups: [group("sessions")], Marker: "m2" },
        "elasticache:DescribeCacheClusters": (input) =>
          input.Marker
            ? {
                CacheClusters: [
                  cluster("modern-001", "modern", "7.1.0"),
                  cluster("modern-002", "modern", "7.1.0"),
                ],
              }
            : {
                CacheClusters: [
                  cluster("sessions-001", "sessions", "5.0.6"),
                  cluster("sessions-002", "sessions", "5.0.6"),
                ],
                Marker: "c2",
              },
      },
      { calls },
    );
    const items = await elasticacheCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "elasticache:DescribeReplicationGroups")).toHaveLength(2);
    expect(calls.filter((c) => c === "elasticache:DescribeCacheClusters")).toHaveLength(2);
    expect(ofType(items, CACHE)).toHaveLength(4);
    const sessions = byId(items, GROUP, "sessions");
    expect(sessions.configuration).toMatchObject({
      multiAZ: "enabled",
      memberClusters: ["sessions-001", "sessions-002"],
    });
    expect(verdict(items, "elasticache_replication_group_redis_auth_enabled", sessions)).toBe("FAIL");
    expect(
      verdict(items, "elasticache_replication_group_redis_auth_enabled", byId(items, GROUP, "modern")),
    ).toBe("PASS");
    // Members of a replication group are judged on the group, not as standalone clusters.
    expect(
      verdict(items, "elasticache_cluster_automatic_backups", byId(items, CACHE, "sessions-001")),
    ).toBeUndefined();
  });

  it("records a coverage gap for a denied listing, and the AUTH check then says ERROR", async () => {
    const { ctx, gaps } = stubContext({
      "elasticache:DescribeReplicationGroups": () => ({ ReplicationGroups: [group("sessions")] }),
      "elasticache:DescribeCacheClusters": () => awsError("AccessDenied", "not authorized", 403),
    });
    const items = await elasticacheCollector.collect(ctx);
    expect(gaps.map((g) => g.what)).toEqual(["DescribeCacheClusters"]);
    const recorded = gaps.map((g) => ({
      service: "elasticache",
      region: "us-east-1",
      error: String(g.error),
    }));
    const context = createContext(items, settings, NOW, recorded);
    const compiled = catalog.find((c) => c.check.id === "elasticache_replication_group_redis_auth_enabled")!;
    expect(evaluateOne(compiled, items[0]!, context)?.status).toBe("ERROR");
  });
});

describe("Redshift collector over stubbed answers", () => {
  const denied = () => awsError("AccessDenied", "not authorized", 403);
  const cluster = (id: string, group: string) => ({
    ClusterIdentifier: id,
    NodeType: "ra3.xlplus",
    ClusterStatus: "available",
    MasterUsername: "dwh_owner",
    DBName: "analytics",
    Endpoint: { Address: `${id}.abc.us-east-1.redshift.amazonaws.com`, Port: 5439 },
    AutomatedSnapshotRetentionPeriod: 7,
    ClusterParameterGroups: [{ ParameterGroupName: group, ParameterApplyStatus: "in-sync" }],
    AllowVersionUpgrade: true,
    PubliclyAccessible: false,
    Encrypted: true,
    KmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/abc",
    EnhancedVpcRouting: true,
    Tags: [{ Key: "team", Value: "data" }],
  });
  const parameters = (requireSsl: string) => [
    { ParameterName: "auto_analyze", ParameterValue: "true", Source: "engine-default" },
    {
      ParameterName: "require_ssl",
      ParameterValue: requireSsl,
      Source: requireSsl === "true" ? "user" : "engine-default",
    },
  ];

  it("reads require_ssl once per parameter group, with paging, and judges each cluster by its group", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "redshift:DescribeClusters": () => ({
          Clusters: [
            cluster("tls", "tls-only"),
            cluster("tls-2", "tls-only"),
            cluster("plain", "default.redshift-1.0"),
          ],
        }),
        "redshift:DescribeLoggingStatus": (input) =>
          input.ClusterIdentifier === "plain"
            ? denied()
            : {
                LoggingEnabled: true,
                LogDestinationType: "cloudwatch",
                LogExports: ["connectionlog", "userlog"],
              },
        "redshift:DescribeClusterParameterGroups": () => ({
          ParameterGroups: [
            {
              ParameterGroupName: "default.redshift-1.0",
              ParameterGroupFamily: "redshift-1.0",
              Description: "Default",
            },
            {
              ParameterGroupName: "tls-only",
              ParameterGroupFamily: "redshift-1.0",
              Description: "TLS",
              Tags: [],
            },
          ],
        }),
        "redshift:DescribeClusterParameters": (input) =>
          input.ParameterGroupName === "tls-only"
            ? input.Marker
              ? { Parameters: parameters("true").slice(1) }
              : { Parameters: parameters("true").slice(0, 1), Marker: "p2" }
            : { Parameters: parameters("false") },
      },
      { calls },
    );
    const items = await redshiftCollector.collect(ctx);
    expect(gaps).toEqual([]);
    // Two clusters share tls-only: its parameters are read once (over two pages), not per cluster.
    expect(calls.filter((c) => c === "redshift:DescribeClusterParameters")).toHaveLength(3);
    const tls = byId(items, WAREHOUSE, "tls");
    expect(tls.tags).toEqual({ team: "data" });
    expect(tls.supplementaryConfiguration.loggingStatus).toEqual({
      loggingEnabled: true,
      bucketName: null,
      logDestinationType: "cloudwatch",
      logExports: ["connectionlog", "userlog"],
    });
    expect(byId(items, PARAMETER_GROUP, "tls-only").supplementaryConfiguration.parameters).toEqual([
      { parameterName: "require_ssl", parameterValue: "true", source: "user" },
    ]);
    expect(verdict(items, "redshift_cluster_require_ssl", tls)).toBe("PASS");
    const plain = byId(items, WAREHOUSE, "plain");
    expect(verdict(items, "redshift_cluster_require_ssl", plain)).toBe("FAIL");
    expect(isCallError(plain.supplementaryConfiguration.loggingStatus)).toBe(true);
    expect(verdict(items, "redshift_cluster_audit_logging_enabled", plain)).toBe("ERROR");
    expect(verdict(items, "redshift_cluster_default_port_not_used", plain)).toBe("FAIL");
  });

  it("says ERROR for require_ssl when the group's parameters are denied, and records denied listings as gaps", async () => {
    const { ctx, gaps } = stubContext({
      "redshift:DescribeClusters": () => ({ Clusters: [cluster("tls", "tls-only")] }),
      "redshift:DescribeLoggingStatus": () => ({ LoggingEnabled: false }),
      "redshift:DescribeClusterParameterGroups": () => ({
        ParameterGroups: [{ ParameterGroupName: "tls-only" }],
      }),
      "redshift:DescribeClusterParameters": denied,
    });
    const items = await redshiftCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const tls = byId(items, WAREHOUSE, "tls");
    expect(verdict(items, "redshift_cluster_require_ssl", tls)).toBe("ERROR");
    expect(verdict(items, "redshift_cluster_audit_logging_enabled", tls)).toBe("FAIL");
    const listing = stubContext({
      "redshift:DescribeClusters": denied,
      "redshift:DescribeClusterParameterGroups": denied,
    });
    expect(await redshiftCollector.collect(listing.ctx)).toEqual([]);
    expect(listing.gaps.map((g) => g.what).sort()).toEqual([
      "DescribeClusterParameterGroups",
      "DescribeClusters",
    ]);
  });
});
