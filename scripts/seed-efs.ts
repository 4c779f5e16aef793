/**
 * Demo seeding for Amazon EFS (us-east-1): a forgotten file system (unencrypted, no automatic backups, no file
 * system policy, no lifecycle policy) with an access point that enforces nothing, a One Zone scratch file system,
 * and their compliant twin
 * (encrypted, Regional, backups ENABLED, a policy that names its client and refuses non-TLS mounts, files moving to
 * Infrequent Access, an access point with its own root directory and POSIX user, a mount target in the default VPC).
 *
 * moto 5.2.1 does not implement PutBackupPolicy, so the twin's backups are turned on at creation (`Backup: true`,
 * which AWS also accepts). Re-running the seeder against the same account reuses what the creation tokens name.
 */
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSubnetsCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateAccessPointCommand,
  CreateFileSystemCommand,
  CreateMountTargetCommand,
  DescribeAccessPointsCommand,
  DescribeFileSystemsCommand,
  DescribeMountTargetsCommand,
  PutFileSystemPolicyCommand,
  PutLifecycleConfigurationCommand,
} from "@aws-sdk/client-efs";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const EFS_REGION = "us-east-1";
/** Names (the `Name` tag) of the planted file systems and access points. */
export const EFS_PLAIN = "legacy-shared-files";
export const EFS_HARDENED = "app-shared-files";
export const EFS_ONE_ZONE = "scratch-one-zone";

export interface EfsSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
  plainFileSystemId: string;
  hardenedFileSystemId: string;
  oneZoneFileSystemId: string;
}

export async function seedEfs(
  accountId: string,
  clients: (region: string) => AwsClientSet,
): Promise<EfsSeed> {
  const set = clients(EFS_REGION);
  const efs = set.get("efs");
  const ec2 = set.get("ec2");

  const fileSystem = async (
    name: string,
    input: Omit<ConstructorParameters<typeof CreateFileSystemCommand>[0], "CreationToken">,
  ): Promise<string> => {
    const token = `enforceai-demo-${name}`;
    const existing = await efs.send(new DescribeFileSystemsCommand({ CreationToken: token }));
    const found = existing.FileSystems?.[0]?.FileSystemId;
    if (found) return found;
    const created = await efs.send(
      new CreateFileSystemCommand({ ...input, CreationToken: token, Tags: [{ Key: "Name", Value: name }] }),
    );
    return created.FileSystemId!;
  };

  // The forgotten one: unencrypted, no backups, no policy, no lifecycle.
  const plain = await fileSystem(EFS_PLAIN, {
    Encrypted: false,
    Backup: false,
    PerformanceMode: "generalPurpose",
  });
  // A scratch file system in a single zone (One Zone file systems get automatic backups unless told otherwise;
  // moto turns them on even when told otherwise, so the One Zone plant is a file system of its own).
  const oneZone = await fileSystem(EFS_ONE_ZONE, {
    Encrypted: true,
    AvailabilityZoneName: `${EFS_REGION}a`,
    PerformanceMode: "generalPurpose",
  });
  // Its twin: encrypted (AWS managed key), Regional, automatic backups on.
  const hardened = await fileSystem(EFS_HARDENED, {
    Encrypted: true,
    Backup: true,
    PerformanceMode: "generalPurpose",
    ThroughputMode: "elastic",
  });

  const appRole = `arn:aws:iam::${accountId}:role/app-efs-client`;
  await efs.send(
    new PutFileSystemPolicyCommand({
      FileSystemId: hardened,
      Policy: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "AppMount",
            Effect: "Allow",
            Principal: { AWS: appRole },
            Action: ["elasticfilesystem:ClientMount", "elasticfilesystem:ClientWrite"],
            Resource: `arn:aws:elasticfilesystem:${EFS_REGION}:${accountId}:file-system/${hardened}`,
          },
          {
            Sid: "DenyWithoutTls",
            Effect: "Deny",
            Principal: { AWS: "*" },
            Action: "*",
            Resource: `arn:aws:elasticfilesystem:${EFS_REGION}:${accountId}:file-system/${hardened}`,
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      }),
    }),
  );
  await efs.send(
    new PutLifecycleConfigurationCommand({
      FileSystemId: hardened,
      LifecyclePolicies: [{ TransitionToIA: "AFTER_30_DAYS" }],
    }),
  );

  const accessPoint = async (
    fileSystemId: string,
    name: string,
    input: Pick<
      ConstructorParameters<typeof CreateAccessPointCommand>[0],
      "PosixUser" | "RootDirectory" | "Tags"
    >,
  ) => {
    const listed = await efs.send(new DescribeAccessPointsCommand({ FileSystemId: fileSystemId }));
    if (listed.AccessPoints?.some((ap) => ap.ClientToken === `enforceai-demo-${name}`)) return;
    await efs.send(
      new CreateAccessPointCommand({
        FileSystemId: fileSystemId,
        ClientToken: `enforceai-demo-${name}`,
        ...input,
      }),
    );
  };
  // An access point at the file system root that trusts whatever identity the client claims, untagged…
  await accessPoint(plain, "plain-root", {});
  // …and one confined to /app that runs every client as uid/gid 1000.
  await accessPoint(hardened, "app", {
    PosixUser: { Uid: 1000, Gid: 1000 },
    RootDirectory: { Path: "/app", CreationInfo: { OwnerUid: 1000, OwnerGid: 1000, Permissions: "750" } },
    Tags: [{ Key: "Name", Value: EFS_HARDENED }],
  });

  // A mount target for the twin in a default subnet, behind a security group of its own that admits NFS from the
  // VPC only (the default group stays untouched for the EC2 checks).
  let securityGroups = 0;
  let mountTargets = 0;
  const mounted = await efs.send(new DescribeMountTargetsCommand({ FileSystemId: hardened }));
  if (!mounted.MountTargets?.length) {
    const subnets = await ec2.send(
      new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }),
    );
    const subnet =
      subnets.Subnets?.find((s) => s.AvailabilityZone === `${EFS_REGION}a`) ?? subnets.Subnets?.[0];
    if (subnet?.SubnetId && subnet.VpcId) {
      const group = await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: "efs-mount-targets",
          Description: "NFS from inside the VPC to the EFS mount targets",
          VpcId: subnet.VpcId,
        }),
      );
      securityGroups = 1;
      const vpcs = await ec2.send(new DescribeVpcsCommand({ VpcIds: [subnet.VpcId] }));
      const vpcCidr = vpcs.Vpcs?.[0]?.CidrBlock ?? subnet.CidrBlock!;
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: group.GroupId,
          IpPermissions: [
            { IpProtocol: "tcp", FromPort: 2049, ToPort: 2049, IpRanges: [{ CidrIp: vpcCidr }] },
          ],
        }),
      );
      await efs.send(
        new CreateMountTargetCommand({
          FileSystemId: hardened,
          SubnetId: subnet.SubnetId,
          SecurityGroups: [group.GroupId!],
        }),
      );
      mountTargets = 1;
    }
  }

  return {
    created: {
      "efs:file-system": 3,
      "efs:access-point": 2,
      ...(mountTargets ? { "efs:mount-target": mountTargets } : {}),
      ...(securityGroups ? { "ec2:security-group": securityGroups } : {}),
    },
    plainFileSystemId: plain,
    hardenedFileSystemId: hardened,
    oneZoneFileSystemId: oneZone,
  };
}
