import {
  type AccessPointDescription,
  DescribeAccessPointsCommand,
  DescribeBackupPolicyCommand,
  DescribeFileSystemPolicyCommand,
  DescribeFileSystemsCommand,
  DescribeLifecycleConfigurationCommand,
  DescribeMountTargetsCommand,
  type FileSystemDescription,
} from "@aws-sdk/client-efs";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { parsePolicyDocument, tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const MARKER = { input: "Marker", output: "NextMarker" };

/**
 * EFS answers `PolicyNotFound` both when a file system has no backup policy (automatic backups were never turned
 * on) and when it has no file system policy: either way "not configured", recorded as `null`.
 */
const NOT_CONFIGURED = ["PolicyNotFound"];

/**
 * File systems of the region. The listing carries encryption (`encrypted`, `kmsKeyId`), performance and throughput
 * modes, `availabilityZoneName` (set only for One Zone file systems) and the tags; per file system we read its
 * backup policy, its file system policy (the resource policy, parsed), its mount targets and its lifecycle policies.
 */
const fileSystems = resource({
  resourceType: "AWS::EFS::FileSystem",
  client: "efs",
  list: {
    action: "elasticfilesystem:DescribeFileSystems",
    command: DescribeFileSystemsCommand,
    paging: MARKER,
    items: (page) => page.FileSystems,
  },
  id: (fs: FileSystemDescription) => fs.FileSystemId,
  name: (fs) => fs.Name || fs.FileSystemId,
  arn: (fs, ctx) =>
    fs.FileSystemArn ??
    `arn:${ctx.partition}:elasticfilesystem:${ctx.region}:${ctx.accountId}:file-system/${fs.FileSystemId}`,
  configuration: (fs) => {
    // Tags are the item's `tags`; the size sample's timestamp changes on every read and is not configuration.
    const { Tags: _tags, SizeInBytes, ...rest } = fs;
    return {
      ...lowerCamelKeys(rest),
      sizeInBytes: SizeInBytes
        ? {
            value: SizeInBytes.Value ?? null,
            valueInIA: SizeInBytes.ValueInIA ?? null,
            valueInStandard: SizeInBytes.ValueInStandard ?? null,
          }
        : null,
    };
  },
  tags: (fs) => tagMap(fs.Tags),
  details: [
    detail({
      key: "backupPolicy",
      action: "elasticfilesystem:DescribeBackupPolicy",
      command: DescribeBackupPolicyCommand,
      input: (fs: FileSystemDescription) => ({ FileSystemId: fs.FileSystemId }),
      pick: (answer) => (answer.BackupPolicy ? { status: answer.BackupPolicy.Status ?? null } : null),
      absentWhen: NOT_CONFIGURED,
    }),
    detail({
      key: "policy",
      action: "elasticfilesystem:DescribeFileSystemPolicy",
      command: DescribeFileSystemPolicyCommand,
      input: (fs: FileSystemDescription) => ({ FileSystemId: fs.FileSystemId }),
      // The document keeps AWS's own keys (`Statement`, `Effect`, …) as the policy evaluators read them.
      pick: (answer) => parsePolicyDocument(answer.Policy),
      absentWhen: NOT_CONFIGURED,
    }),
    detail({
      key: "mountTargets",
      action: "elasticfilesystem:DescribeMountTargets",
      command: DescribeMountTargetsCommand,
      paging: MARKER,
      input: (fs: FileSystemDescription) => ({ FileSystemId: fs.FileSystemId }),
      pick: (answer) =>
        (answer.MountTargets ?? []).map((mt) => ({
          mountTargetId: mt.MountTargetId ?? null,
          subnetId: mt.SubnetId ?? null,
          vpcId: mt.VpcId ?? null,
          availabilityZoneName: mt.AvailabilityZoneName ?? null,
          availabilityZoneId: mt.AvailabilityZoneId ?? null,
          ipAddress: mt.IpAddress ?? null,
          networkInterfaceId: mt.NetworkInterfaceId ?? null,
          lifeCycleState: mt.LifeCycleState ?? null,
        })),
    }),
    detail({
      key: "lifecyclePolicies",
      action: "elasticfilesystem:DescribeLifecycleConfiguration",
      command: DescribeLifecycleConfigurationCommand,
      input: (fs: FileSystemDescription) => ({ FileSystemId: fs.FileSystemId }),
      pick: (answer) => (answer.LifecyclePolicies ?? []).map((p) => lowerCamelKeys(p)),
    }),
  ],
});

/** Access points of the region (every file system's), with the POSIX user and root directory they enforce. */
const accessPoints = resource({
  resourceType: "AWS::EFS::AccessPoint",
  client: "efs",
  list: {
    action: "elasticfilesystem:DescribeAccessPoints",
    command: DescribeAccessPointsCommand,
    paging: { input: "NextToken", output: "NextToken" },
    items: (page) => page.AccessPoints,
  },
  id: (ap: AccessPointDescription) => ap.AccessPointId,
  name: (ap) => ap.Name || ap.AccessPointId,
  arn: (ap, ctx) =>
    ap.AccessPointArn ??
    `arn:${ctx.partition}:elasticfilesystem:${ctx.region}:${ctx.accountId}:access-point/${ap.AccessPointId}`,
  configuration: (ap) => {
    // The client token is an idempotency string of the creating call, not configuration.
    const { Tags: _tags, ClientToken: _token, ...rest } = ap;
    return { posixUser: null, rootDirectory: null, ...lowerCamelKeys(rest) };
  },
  tags: (ap) => tagMap(ap.Tags),
});

export const efsSpec: ServiceSpec = { service: "efs", global: false, resources: [fileSystems, accessPoints] };

/** Amazon EFS per region: file systems (backup policy, file system policy, mount targets, lifecycle) and access points. */
export const efsCollector = specCollector(efsSpec);
