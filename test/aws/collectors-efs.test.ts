/**
 * The EFS collector against moto, seeded by scripts/seed-efs.ts in a random account: each planted violation (the
 * forgotten file system and its access point) FAILs and its compliant twin PASSes. Then, over stubbed SDK clients,
 * paging and answers in the documented API shape, and the AccessDenied paths: a denied detail call is a `$error`
 * marker and an ERROR verdict, a denied listing a coverage gap.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { EFS_HARDENED, EFS_ONE_ZONE, EFS_PLAIN, EFS_REGION, seedEfs } from "../../scripts/seed-efs.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { efsCollector } from "../../tools/aws/efs.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const NOW = new Date("2026-05-04T12:00:00.000Z");
const FS = "AWS::EFS::FileSystem";
const AP = "AWS::EFS::AccessPoint";

/** The file system checks and the access point checks; every one is judged on both twins. */
const FILE_SYSTEM_CHECKS = [
  "efs_encryption_at_rest_enabled",
  "efs_automatic_backups_enabled",
  "efs_file_system_policy_no_public_access",
  "efs_file_system_policy_secure_transport",
  "efs_lifecycle_policy_configured",
];
const ACCESS_POINT_CHECKS = [
  "efs_access_point_enforce_root_directory",
  "efs_access_point_enforce_user_identity",
  "efs_access_point_tagged",
];

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

it("covers every EFS check of the catalog", () => {
  const efs = catalog.filter((c) => c.check.service === "efs").map((c) => c.check.id);
  expect(efs.sort()).toEqual([...FILE_SYSTEM_CHECKS, "efs_not_one_zone", ...ACCESS_POINT_CHECKS].sort());
});

serviceDescribe("moto", "EFS collector against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];
  let seeded: Awaited<ReturnType<typeof seedEfs>>;
  const byId = (type: string, id: string) => {
    const found = ofType(items, type, EFS_REGION).filter((i) => i.resourceId === id);
    expect(found, `${type} ${id}`).toHaveLength(1);
    return found[0]!;
  };
  const accessPointOf = (fileSystemId: string) => {
    const found = ofType(items, AP, EFS_REGION).filter((i) => i.configuration.fileSystemId === fileSystemId);
    expect(found, `access point of ${fileSystemId}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    const counter = new ApiCallCounter();
    const clients = (region: string) =>
      new AwsClientSet(
        region,
        () => ({ region, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
        createClient,
        counter,
      );
    const set = clients(EFS_REGION);
    try {
      seeded = await seedEfs(accountId, () => set);
    } finally {
      set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: [EFS_REGION],
      services: ["efs"],
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads the file systems and access points without a coverage gap", () => {
    expect(inventory.accountIds).toEqual([accountId]);
    expect(inventory.coverageGaps).toEqual([]);
    expect(ofType(items, FS, EFS_REGION)).toHaveLength(seeded.created["efs:file-system"]!);
    expect(ofType(items, AP, EFS_REGION)).toHaveLength(seeded.created["efs:access-point"]!);
  });

  it("records the listing's settings and every detail of the compliant twin", () => {
    const fs = byId(FS, seeded.hardenedFileSystemId);
    expect(fs.resourceName).toBe(EFS_HARDENED);
    expect(fs.arn).toBe(
      `arn:aws:elasticfilesystem:${EFS_REGION}:${accountId}:file-system/${seeded.hardenedFileSystemId}`,
    );
    expect(fs.tags).toEqual({ Name: EFS_HARDENED });
    expect(fs.configuration).toMatchObject({ encrypted: true, performanceMode: "generalPurpose" });
    expect(fs.configuration.availabilityZoneName).toBeUndefined();
    expect(fs.configuration.tags).toBeUndefined();
    const sup = fs.supplementaryConfiguration;
    expect(sup.backupPolicy).toEqual({ status: "ENABLED" });
    expect(sup.policy).toMatchObject({
      Version: "2012-10-17",
      Statement: [
        { Sid: "AppMount", Effect: "Allow" },
        { Sid: "DenyWithoutTls", Effect: "Deny", Condition: { Bool: { "aws:SecureTransport": "false" } } },
      ],
    });
    expect(sup.lifecyclePolicies).toEqual([{ transitionToIA: "AFTER_30_DAYS" }]);
    const mountTargets = sup.mountTargets as Array<Record<string, unknown>>;
    // moto's default VPC has default subnets, so the seeder always finds one for the mount target.
    expect(seeded.created["efs:mount-target"]).toBe(1);
    expect(mountTargets).toHaveLength(1);
    for (const mt of mountTargets) {
      expect(mt.subnetId).toMatch(/^subnet-/);
      expect(mt.availabilityZoneName).toMatch(new RegExp(`^${EFS_REGION}`));
      expect(mt.ipAddress).toMatch(/^\d+\.\d+\.\d+\.\d+$/);
    }
    const ap = accessPointOf(seeded.hardenedFileSystemId);
    expect(ap.configuration).toMatchObject({
      posixUser: { uid: 1000, gid: 1000 },
      rootDirectory: { path: "/app", creationInfo: { ownerUid: 1000, ownerGid: 1000, permissions: "750" } },
    });
    expect(ap.configuration.clientToken).toBeUndefined();
    expect(ap.tags).toEqual({ Name: EFS_HARDENED });
  });

  it("records what the forgotten file system lacks as absent, not as errors", () => {
    const fs = byId(FS, seeded.plainFileSystemId);
    expect(fs.resourceName).toBe(EFS_PLAIN);
    expect(fs.configuration).toMatchObject({ encrypted: false });
    expect(fs.configuration.availabilityZoneName).toBeUndefined();
    // DescribeBackupPolicy and DescribeFileSystemPolicy answer PolicyNotFound: "not configured", so null.
    expect(fs.supplementaryConfiguration).toMatchObject({
      backupPolicy: null,
      policy: null,
      mountTargets: [],
      lifecyclePolicies: [],
    });
    const ap = accessPointOf(seeded.plainFileSystemId);
    expect(ap.configuration.posixUser).toBeNull();
    expect(ap.configuration.rootDirectory).toEqual({ path: "/" });
  });

  it("FAILs each planted violation and PASSes its compliant twin", () => {
    const plain = byId(FS, seeded.plainFileSystemId);
    const hardened = byId(FS, seeded.hardenedFileSystemId);
    for (const id of FILE_SYSTEM_CHECKS) {
      expect(verdict(items, id, plain), `${id} on ${EFS_PLAIN}`).toBe("FAIL");
      expect(verdict(items, id, hardened), `${id} on ${EFS_HARDENED}`).toBe("PASS");
    }
    const oneZone = byId(FS, seeded.oneZoneFileSystemId);
    expect(oneZone.resourceName).toBe(EFS_ONE_ZONE);
    expect(oneZone.configuration.availabilityZoneName).toBe(`${EFS_REGION}a`);
    expect(verdict(items, "efs_not_one_zone", oneZone)).toBe("FAIL");
    expect(verdict(items, "efs_not_one_zone", hardened)).toBe("PASS");
    expect(verdict(items, "efs_not_one_zone", plain)).toBe("PASS");
    const plainAp = accessPointOf(seeded.plainFileSystemId);
    const hardenedAp = accessPointOf(seeded.hardenedFileSystemId);
    for (const id of ACCESS_POINT_CHECKS) {
      expect(verdict(items, id, plainAp), `${id} on the root access point`).toBe("FAIL");
      expect(verdict(items, id, hardenedAp), `${id} on the /app access point`).toBe("PASS");
    }
  });
});

describe("EFS collector over stubbed answers", () => {
  const denied = () => awsError("AccessDeniedException", "not authorized", 403);
  const notFound = () => awsError("PolicyNotFound", "No policy found", 404);
  const arn = (id: string) => `arn:aws:elasticfilesystem:us-east-1:111122223333:file-system/${id}`;
  /** A file system as the EFS API documents DescribeFileSystems' answer. */
  const fileSystem = (id: string, extra: Record<string, unknown> = {}) => ({
    OwnerId: "111122223333",
    CreationToken: `token-${id}`,
    FileSystemId: id,
    FileSystemArn: arn(id),
    CreationTime: new Date("2025-01-01T00:00:00Z"),
    LifeCycleState: "available",
    Name: id,
    NumberOfMountTargets: 0,
    SizeInBytes: { Value: 6144, Timestamp: new Date("2026-01-02T03:00:00Z"), ValueInStandard: 6144 },
    PerformanceMode: "generalPurpose",
    Encrypted: true,
    KmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ThroughputMode: "elastic",
    Tags: [{ Key: "Name", Value: id }],
    FileSystemProtection: { ReplicationOverwriteProtection: "ENABLED" },
    ...extra,
  });

  it("follows Marker/NextMarker and keeps the documented fields of each answer", async () => {
    // moto answers these calls too, but not with a second page of mount targets nor every lifecycle field.
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "efs:DescribeFileSystems": (input) =>
          input.Marker === "page-2"
            ? { FileSystems: [fileSystem("fs-2", { Encrypted: false, KmsKeyId: undefined })] }
            : { FileSystems: [fileSystem("fs-1")], NextMarker: "page-2" },
        "efs:DescribeBackupPolicy": (input) =>
          input.FileSystemId === "fs-1" ? { BackupPolicy: { Status: "ENABLED" } } : notFound(),
        "efs:DescribeFileSystemPolicy": (input) =>
          input.FileSystemId === "fs-1"
            ? {
                FileSystemId: "fs-1",
                Policy: JSON.stringify({
                  Version: "2012-10-17",
                  Statement: [
                    {
                      Effect: "Deny",
                      Principal: { AWS: "*" },
                      Action: "*",
                      Resource: arn("fs-1"),
                      Condition: { Bool: { "aws:SecureTransport": "false" } },
                    },
                    {
                      Effect: "Allow",
                      Principal: { AWS: "*" },
                      Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
                      Resource: arn("fs-1"),
                    },
                  ],
                }),
              }
            : notFound(),
        "efs:DescribeMountTargets": (input) =>
          input.FileSystemId !== "fs-1"
            ? { MountTargets: [] }
            : input.Marker === "mt-2"
              ? {
                  MountTargets: [
                    {
                      MountTargetId: "fsmt-2",
                      FileSystemId: "fs-1",
                      SubnetId: "subnet-2",
                      LifeCycleState: "available",
                      IpAddress: "10.0.2.10",
                      AvailabilityZoneName: "us-east-1b",
                      AvailabilityZoneId: "use1-az2",
                      VpcId: "vpc-1",
                    },
                  ],
                }
              : {
                  MountTargets: [
                    {
                      MountTargetId: "fsmt-1",
                      FileSystemId: "fs-1",
                      SubnetId: "subnet-1",
                      LifeCycleState: "available",
                      IpAddress: "10.0.1.10",
                      NetworkInterfaceId: "eni-1",
                      AvailabilityZoneName: "us-east-1a",
                      AvailabilityZoneId: "use1-az1",
                      VpcId: "vpc-1",
                    },
                  ],
                  NextMarker: "mt-2",
                },
        "efs:DescribeLifecycleConfiguration": (input) => ({
          LifecyclePolicies:
            input.FileSystemId === "fs-1"
              ? [
                  { TransitionToIA: "AFTER_30_DAYS" },
                  { TransitionToPrimaryStorageClass: "AFTER_1_ACCESS" },
                  { TransitionToArchive: "AFTER_90_DAYS" },
                ]
              : [],
        }),
        "efs:DescribeAccessPoints": (input) =>
          input.NextToken
            ? {
                AccessPoints: [
                  {
                    AccessPointId: "fsap-2",
                    AccessPointArn: "arn:aws:elasticfilesystem:us-east-1:111122223333:access-point/fsap-2",
                    FileSystemId: "fs-2",
                    RootDirectory: { Path: "/" },
                    LifeCycleState: "available",
                  },
                ],
              }
            : {
                AccessPoints: [
                  {
                    ClientToken: "token",
                    Name: "app",
                    Tags: [{ Key: "Name", Value: "app" }],
                    AccessPointId: "fsap-1",
                    AccessPointArn: "arn:aws:elasticfilesystem:us-east-1:111122223333:access-point/fsap-1",
                    FileSystemId: "fs-1",
                    PosixUser: { Uid: 1000, Gid: 1000, SecondaryGids: [1001] },
                    RootDirectory: {
                      Path: "/app",
                      CreationInfo: { OwnerUid: 1000, OwnerGid: 1000, Permissions: "750" },
                    },
                    OwnerId: "111122223333",
                    LifeCycleState: "available",
                  },
                ],
                NextToken: "ap-2",
              },
      },
      { calls },
    );
    const items = await efsCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "efs:DescribeFileSystems")).toHaveLength(2);
    expect(calls.filter((c) => c === "efs:DescribeAccessPoints")).toHaveLength(2);
    const [fs1, fs2] = ["fs-1", "fs-2"].map((id) => items.find((i) => i.resourceId === id)!);
    expect(fs1!.configuration).toMatchObject({
      encrypted: true,
      kmsKeyId: "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      throughputMode: "elastic",
      creationTime: "2025-01-01T00:00:00.000Z",
      sizeInBytes: { value: 6144, valueInIA: null, valueInStandard: 6144 },
      fileSystemProtection: { replicationOverwriteProtection: "ENABLED" },
    });
    expect(fs1!.supplementaryConfiguration.mountTargets).toEqual([
      expect.objectContaining({
        mountTargetId: "fsmt-1",
        subnetId: "subnet-1",
        availabilityZoneName: "us-east-1a",
      }),
      expect.objectContaining({ mountTargetId: "fsmt-2", subnetId: "subnet-2", networkInterfaceId: null }),
    ]);
    expect(fs1!.supplementaryConfiguration.lifecyclePolicies).toEqual([
      { transitionToIA: "AFTER_30_DAYS" },
      { transitionToPrimaryStorageClass: "AFTER_1_ACCESS" },
      { transitionToArchive: "AFTER_90_DAYS" },
    ]);
    expect(verdict(items, "efs_encryption_at_rest_enabled", fs1!)).toBe("PASS");
    expect(verdict(items, "efs_encryption_at_rest_enabled", fs2!)).toBe("FAIL");
    expect(verdict(items, "efs_automatic_backups_enabled", fs2!)).toBe("FAIL");
    // TLS is enforced, but the Allow to "*" makes the file system open to any client that reaches it.
    expect(verdict(items, "efs_file_system_policy_secure_transport", fs1!)).toBe("PASS");
    expect(verdict(items, "efs_file_system_policy_no_public_access", fs1!)).toBe("FAIL");
    expect(verdict(items, "efs_lifecycle_policy_configured", fs1!)).toBe("PASS");
    const [ap1, ap2] = ["fsap-1", "fsap-2"].map((id) => items.find((i) => i.resourceId === id)!);
    expect(ap1!.resourceType).toBe("AWS::EFS::AccessPoint");
    expect(ap1!.configuration.posixUser).toEqual({ uid: 1000, gid: 1000, secondaryGids: [1001] });
    expect(ap2!.resourceName).toBe("fsap-2");
    expect(verdict(items, "efs_access_point_enforce_user_identity", ap1!)).toBe("PASS");
    expect(verdict(items, "efs_access_point_enforce_user_identity", ap2!)).toBe("FAIL");
    expect(verdict(items, "efs_access_point_enforce_root_directory", ap2!)).toBe("FAIL");
  });

  it("turns a denied detail call into a $error marker and an ERROR verdict, never a FAIL", async () => {
    const { ctx, gaps } = stubContext({
      "efs:DescribeFileSystems": () => ({ FileSystems: [fileSystem("fs-1")] }),
      "efs:DescribeBackupPolicy": denied,
      "efs:DescribeFileSystemPolicy": denied,
      "efs:DescribeMountTargets": denied,
      "efs:DescribeLifecycleConfiguration": denied,
      "efs:DescribeAccessPoints": () => ({ AccessPoints: [] }),
    });
    const items = await efsCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const [fs] = items;
    for (const key of ["backupPolicy", "policy", "mountTargets", "lifecyclePolicies"])
      expect(isCallError(fs!.supplementaryConfiguration[key]), key).toBe(true);
    for (const id of [
      "efs_automatic_backups_enabled",
      "efs_file_system_policy_no_public_access",
      "efs_file_system_policy_secure_transport",
      "efs_lifecycle_policy_configured",
    ])
      expect(verdict(items, id, fs!), id).toBe("ERROR");
    // What the listing itself carries is still judged.
    expect(verdict(items, "efs_encryption_at_rest_enabled", fs!)).toBe("PASS");
  });

  it("records a coverage gap for a denied listing and invents nothing", async () => {
    const { ctx, gaps } = stubContext({
      "efs:DescribeFileSystems": denied,
      "efs:DescribeAccessPoints": denied,
    });
    expect(await efsCollector.collect(ctx)).toEqual([]);
    expect(gaps.map((g) => g.what).sort()).toEqual(["DescribeAccessPoints", "DescribeFileSystems"]);
  });
});
