/**
 * Demo seeding for the wider RDS, S3 and Lambda coverage (Aurora clusters and their snapshots, database ports,
 * bucket lifecycle / Object Lock / notifications / replication): each violation next to its compliant twin, all
 * in us-east-1 (the replica bucket of the twin lives in eu-west-1).
 *
 * - `legacy-aurora` (Aurora MySQL): unencrypted, no deletion protection, no IAM authentication, no tag copying,
 *   no backtracking, no log export, default port, `admin` master user, one day of backups, no automatic minor
 *   upgrades, a single zone; its manual snapshot is public. `orders-aurora` is the opposite on every count, with
 *   a writer and a reader in two zones; its manual snapshot is shared with no one.
 * - `ledger-default-port-db` listens on PostgreSQL's 5432, `ledger-db` on 15432.
 * - bucket `bare-archive-…` has none of the four bucket features; `records-vault-…` has a lifecycle rule, Object
 *   Lock with a default retention, an SNS notification and replication to `records-dr-…` in eu-west-1.
 */
import {
  CreateDBClusterCommand,
  type CreateDBClusterCommandInput,
  CreateDBClusterSnapshotCommand,
  CreateDBInstanceCommand,
  ModifyDBClusterSnapshotAttributeCommand,
} from "@aws-sdk/client-rds";
import {
  CreateBucketCommand,
  PutBucketLifecycleConfigurationCommand,
  PutBucketNotificationConfigurationCommand,
  PutBucketReplicationCommand,
  PutBucketVersioningCommand,
  PutObjectLockConfigurationCommand,
} from "@aws-sdk/client-s3";
import { CreateTopicCommand } from "@aws-sdk/client-sns";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const EXTRA_REGION = "us-east-1";
export const EXTRA_REPLICA_REGION = "eu-west-1";

/** The planted resources' names, for tests: each violation and its twin. */
export const EXTRA = {
  clusterBad: "legacy-aurora",
  clusterGood: "orders-aurora",
  clusterSnapshotBad: "legacy-aurora-export",
  clusterSnapshotGood: "orders-aurora-dr",
  instanceDefaultPort: "ledger-default-port-db",
  instanceCustomPort: "ledger-db",
  bucketBare: (accountId: string) => `bare-archive-${accountId}`,
  bucketVault: (accountId: string) => `records-vault-${accountId}`,
  bucketReplica: (accountId: string) => `records-dr-${accountId}`,
} as const;

export interface ExtraSeedOptions {
  clients: (region: string) => AwsClientSet;
  accountId: string;
  /** Counts what was created, by `service:kind` (the demo seeder's counts). */
  count?: (kind: string, n?: number) => void;
}

const PASSWORD = "Demo-Passw0rd-42";

export async function seedExtra(options: ExtraSeedOptions): Promise<void> {
  const count = options.count ?? (() => {});
  await Promise.all([seedRds(options, count), seedS3(options, count)]);
}

async function seedRds(options: ExtraSeedOptions, count: (kind: string, n?: number) => void): Promise<void> {
  const rds = options.clients(EXTRA_REGION).rds;
  const cluster = async (input: CreateDBClusterCommandInput) => {
    await rds.send(new CreateDBClusterCommand(input));
    count("rds:db-cluster");
  };
  await cluster({
    DBClusterIdentifier: EXTRA.clusterBad,
    Engine: "aurora-mysql",
    MasterUsername: "admin",
    MasterUserPassword: PASSWORD,
    Port: 3306,
    StorageEncrypted: false,
    DeletionProtection: false,
    EnableIAMDatabaseAuthentication: false,
    CopyTagsToSnapshot: false,
    BacktrackWindow: 0,
    BackupRetentionPeriod: 1,
    AutoMinorVersionUpgrade: false,
    Tags: [{ Key: "owner", Value: "bi" }],
  });
  await cluster({
    DBClusterIdentifier: EXTRA.clusterGood,
    Engine: "aurora-mysql",
    MasterUsername: "orders_owner",
    MasterUserPassword: PASSWORD,
    Port: 13306,
    StorageEncrypted: true,
    DeletionProtection: true,
    EnableIAMDatabaseAuthentication: true,
    CopyTagsToSnapshot: true,
    BacktrackWindow: 86400,
    BackupRetentionPeriod: 14,
    AutoMinorVersionUpgrade: true,
    EnableCloudwatchLogsExports: ["audit", "error"],
    Tags: [{ Key: "env", Value: "prod" }],
  });
  // A writer and a reader in two zones make the twin a Multi-AZ cluster.
  for (const [suffix, zone] of [
    ["a", "us-east-1a"],
    ["b", "us-east-1b"],
  ] as const) {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: `${EXTRA.clusterGood}-${suffix}`,
        DBClusterIdentifier: EXTRA.clusterGood,
        Engine: "aurora-mysql",
        DBInstanceClass: "db.r6g.large",
        AvailabilityZone: zone,
      }),
    );
    count("rds:db-instance");
  }
  await rds.send(
    new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: EXTRA.clusterBad,
      DBClusterSnapshotIdentifier: EXTRA.clusterSnapshotBad,
    }),
  );
  await rds.send(
    new ModifyDBClusterSnapshotAttributeCommand({
      DBClusterSnapshotIdentifier: EXTRA.clusterSnapshotBad,
      AttributeName: "restore",
      ValuesToAdd: ["all"],
    }),
  );
  await rds.send(
    new CreateDBClusterSnapshotCommand({
      DBClusterIdentifier: EXTRA.clusterGood,
      DBClusterSnapshotIdentifier: EXTRA.clusterSnapshotGood,
    }),
  );
  count("rds:db-cluster-snapshot", 2);

  for (const [id, port] of [
    [EXTRA.instanceDefaultPort, 5432],
    [EXTRA.instanceCustomPort, 15432],
  ] as const) {
    await rds.send(
      new CreateDBInstanceCommand({
        DBInstanceIdentifier: id,
        DBInstanceClass: "db.t3.medium",
        Engine: "postgres",
        EngineVersion: "16.3",
        AllocatedStorage: 20,
        MasterUsername: "ledger_owner",
        MasterUserPassword: PASSWORD,
        Port: port,
        StorageEncrypted: true,
        DeletionProtection: true,
        BackupRetentionPeriod: 7,
        CopyTagsToSnapshot: true,
        Tags: [{ Key: "env", Value: "prod" }],
      }),
    );
    count("rds:db-instance");
  }
}

async function seedS3(options: ExtraSeedOptions, count: (kind: string, n?: number) => void): Promise<void> {
  const { accountId } = options;
  const s3 = options.clients(EXTRA_REGION).s3;
  const replicaS3 = options.clients(EXTRA_REPLICA_REGION).s3;
  const bare = EXTRA.bucketBare(accountId);
  const vault = EXTRA.bucketVault(accountId);
  const replica = EXTRA.bucketReplica(accountId);

  await s3.send(new CreateBucketCommand({ Bucket: bare }));
  await s3.send(new CreateBucketCommand({ Bucket: vault, ObjectLockEnabledForBucket: true }));
  await replicaS3.send(
    new CreateBucketCommand({
      Bucket: replica,
      CreateBucketConfiguration: { LocationConstraint: EXTRA_REPLICA_REGION },
    }),
  );
  count("s3:bucket", 3);

  for (const [client, Bucket] of [
    [s3, vault],
    [replicaS3, replica],
  ] as const)
    await client.send(
      new PutBucketVersioningCommand({ Bucket, VersioningConfiguration: { Status: "Enabled" } }),
    );
  await s3.send(
    new PutObjectLockConfigurationCommand({
      Bucket: vault,
      ObjectLockConfiguration: {
        ObjectLockEnabled: "Enabled",
        Rule: { DefaultRetention: { Mode: "GOVERNANCE", Days: 30 } },
      },
    }),
  );
  await s3.send(
    new PutBucketLifecycleConfigurationCommand({
      Bucket: vault,
      LifecycleConfiguration: {
        Rules: [
          {
            ID: "retention",
            Status: "Enabled",
            Filter: { Prefix: "" },
            NoncurrentVersionExpiration: { NoncurrentDays: 90 },
            AbortIncompleteMultipartUpload: { DaysAfterInitiation: 7 },
          },
        ],
      },
    }),
  );
  const topic = await options
    .clients(EXTRA_REGION)
    .get("sns")
    .send(new CreateTopicCommand({ Name: "records-vault-events" }));
  count("sns:topic");
  await s3.send(
    new PutBucketNotificationConfigurationCommand({
      Bucket: vault,
      NotificationConfiguration: {
        TopicConfigurations: [{ TopicArn: topic.TopicArn, Events: ["s3:ObjectRemoved:*"] }],
      },
    }),
  );
  await s3.send(
    new PutBucketReplicationCommand({
      Bucket: vault,
      ReplicationConfiguration: {
        Role: `arn:aws:iam::${accountId}:role/s3-replication`,
        Rules: [
          {
            ID: "to-dr-region",
            Status: "Enabled",
            Priority: 1,
            Filter: { Prefix: "" },
            DeleteMarkerReplication: { Status: "Enabled" },
            Destination: { Bucket: `arn:aws:s3:::${replica}` },
          },
        ],
      },
    }),
  );
}
