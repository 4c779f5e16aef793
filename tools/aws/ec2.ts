import {
  DescribeSnapshotAttributeCommand,
  type FlowLog,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  type NetworkInterface,
  paginateDescribeFlowLogs,
  paginateDescribeInstances,
  paginateDescribeNetworkAcls,
  paginateDescribeNetworkInterfaces,
  paginateDescribeSecurityGroups,
  paginateDescribeSnapshots,
  paginateDescribeVolumes,
  paginateDescribeVpcs,
} from "@aws-sdk/client-ec2";
import { type CallError, callError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import {
  type Collector,
  type CollectorContext,
  errorCode,
  errorText,
  item,
  listing,
  orCallError,
  tagMap,
} from "./collector.ts";
import { collectPages, mapLimit } from "./concurrency.ts";
import {
  type Shared,
  shared,
  type Topology,
  topology,
  topologyItems,
  VPC_TOPOLOGY_ACTIONS,
  vpcRelations,
} from "./ec2-vpc.ts";

/**
 * Regional EC2, VPC (with subnets, route tables, peering connections, endpoints and internet gateways: see
 * ec2-vpc.ts) and EBS resources, plus the region's EBS default-encryption setting.
 */
export const ec2Collector: Collector = {
  service: "ec2",
  global: false,
  // The calls this code makes (test/aws/scan-policy.test.ts reads the source and holds this list to it).
  actions: [
    "ec2:DescribeFlowLogs",
    "ec2:DescribeInstances",
    "ec2:DescribeNetworkAcls",
    "ec2:DescribeNetworkInterfaces",
    "ec2:DescribeSecurityGroups",
    "ec2:DescribeSnapshotAttribute",
    "ec2:DescribeSnapshots",
    "ec2:DescribeVolumes",
    "ec2:DescribeVpcs",
    "ec2:GetEbsDefaultKmsKeyId",
    "ec2:GetEbsEncryptionByDefault",
    ...VPC_TOPOLOGY_ACTIONS,
  ].sort(),
  async collect(ctx) {
    // One listing of the region's network interfaces serves the security groups and the VPCs.
    const enis = shared(() =>
      collectPages(
        paginateDescribeNetworkInterfaces({ client: ctx.clients.ec2 }, {}),
        (p) => p.NetworkInterfaces,
      ),
    );
    const network = topology(ctx.clients.ec2, enis);
    const parts = await Promise.all([
      listing(ctx, "DescribeInstances", () => instances(ctx)),
      listing(ctx, "DescribeSecurityGroups", () => securityGroups(ctx, enis)),
      listing(ctx, "DescribeNetworkAcls", () => networkAcls(ctx)),
      listing(ctx, "DescribeVolumes", () => volumes(ctx)),
      listing(ctx, "DescribeSnapshots", () => snapshots(ctx)),
      listing(ctx, "DescribeVpcs", () => vpcs(ctx, network)),
      ...topologyItems(ctx, network),
      listing(ctx, "GetEbsEncryptionByDefault", () => regionalSettings(ctx)),
    ]);
    return parts.flat();
  },
};

function arn(ctx: CollectorContext, resource: string, withAccount = true): string {
  return `arn:${ctx.partition}:ec2:${ctx.region}:${withAccount ? ctx.accountId : ""}:${resource}`;
}

async function instances(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const reservations = await collectPages(
    paginateDescribeInstances({ client: ctx.clients.ec2 }, {}),
    (p) => p.Reservations,
  );
  return (
    reservations
      .flatMap((r) => r.Instances ?? [])
      // A terminated instance lingers in the API for about an hour; it is gone, not a resource to judge.
      .filter((i) => i.InstanceId && i.State?.Name !== "terminated")
      .map((instance) => {
        const tags = tagMap(instance.Tags);
        return item(ctx, {
          resourceType: "AWS::EC2::Instance",
          resourceId: instance.InstanceId!,
          resourceName: tags.Name ?? instance.InstanceId!,
          arn: arn(ctx, `instance/${instance.InstanceId}`),
          awsRegion: ctx.region,
          configuration: lowerCamelKeys(instance),
          supplementaryConfiguration: {},
          tags,
        });
      })
  );
}

async function securityGroups(
  ctx: CollectorContext,
  enis: Shared<NetworkInterface>,
): Promise<ConfigurationItem[]> {
  const ec2 = ctx.clients.ec2;
  const [groups, usage] = await Promise.all([
    collectPages(paginateDescribeSecurityGroups({ client: ec2 }, {}), (p) => p.SecurityGroups),
    networkInterfacesPerGroup(enis),
  ]);
  return groups
    .filter((g) => g.GroupId)
    .map((group) => {
      const tags = tagMap(group.Tags);
      return item(ctx, {
        resourceType: "AWS::EC2::SecurityGroup",
        resourceId: group.GroupId!,
        resourceName: group.GroupName ?? group.GroupId!,
        arn: arn(ctx, `security-group/${group.GroupId}`),
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(group),
        supplementaryConfiguration: {
          networkInterfaceCount: usage instanceof Map ? (usage.get(group.GroupId!) ?? 0) : usage,
        },
        tags,
      });
    });
}

/** One listing of the region's network interfaces answers "is this group in use" for every group at once. */
async function networkInterfacesPerGroup(
  list: Shared<NetworkInterface>,
): Promise<Map<string, number> | CallError> {
  try {
    const enis = await list();
    const counts = new Map<string, number>();
    for (const eni of enis) {
      for (const group of eni.Groups ?? []) {
        if (group.GroupId) counts.set(group.GroupId, (counts.get(group.GroupId) ?? 0) + 1);
      }
    }
    return counts;
  } catch (error) {
    return callError(errorCode(error), errorText(error));
  }
}

async function networkAcls(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const acls = await collectPages(
    paginateDescribeNetworkAcls({ client: ctx.clients.ec2 }, {}),
    (p) => p.NetworkAcls,
  );
  return acls
    .filter((a) => a.NetworkAclId)
    .map((acl) => {
      const tags = tagMap(acl.Tags);
      return item(ctx, {
        resourceType: "AWS::EC2::NetworkAcl",
        resourceId: acl.NetworkAclId!,
        resourceName: tags.Name ?? acl.NetworkAclId!,
        arn: arn(ctx, `network-acl/${acl.NetworkAclId}`),
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(acl),
        supplementaryConfiguration: {},
        tags,
      });
    });
}

async function volumes(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const list = await collectPages(paginateDescribeVolumes({ client: ctx.clients.ec2 }, {}), (p) => p.Volumes);
  return list
    .filter((v) => v.VolumeId)
    .map((volume) => {
      const tags = tagMap(volume.Tags);
      return item(ctx, {
        resourceType: "AWS::EC2::Volume",
        resourceId: volume.VolumeId!,
        resourceName: tags.Name ?? volume.VolumeId!,
        arn: arn(ctx, `volume/${volume.VolumeId}`),
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(volume),
        supplementaryConfiguration: {},
        tags,
      });
    });
}

async function snapshots(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const ec2 = ctx.clients.ec2;
  // Only the account's own snapshots: without OwnerIds the API lists every public snapshot in the region.
  const list = await collectPages(
    paginateDescribeSnapshots({ client: ec2 }, { OwnerIds: ["self"] }),
    (p) => p.Snapshots,
  );
  // "self" should already mean this account; emulators (moto) ignore the filter and list their AMI snapshots.
  const owned = list.filter((s) => s.SnapshotId && (!s.OwnerId || s.OwnerId === ctx.accountId));
  return mapLimit(owned, ctx.perResourceConcurrency, async (snapshot) => {
    const tags = tagMap(snapshot.Tags);
    const permissions = await orCallError(async () => {
      const answer = await ec2.send(
        new DescribeSnapshotAttributeCommand({
          SnapshotId: snapshot.SnapshotId,
          Attribute: "createVolumePermission",
        }),
      );
      return lowerCamelKeys<unknown[]>(answer.CreateVolumePermissions ?? []);
    });
    return item(ctx, {
      resourceType: "AWS::EC2::Snapshot",
      resourceId: snapshot.SnapshotId!,
      resourceName: tags.Name ?? snapshot.SnapshotId!,
      // Snapshot ARNs carry no account id.
      arn: arn(ctx, `snapshot/${snapshot.SnapshotId}`, false),
      awsRegion: ctx.region,
      configuration: lowerCamelKeys(snapshot),
      supplementaryConfiguration: { createVolumePermissions: permissions },
      tags,
    });
  });
}

async function vpcs(ctx: CollectorContext, network: Topology): Promise<ConfigurationItem[]> {
  const ec2 = ctx.clients.ec2;
  const [list, flowLogs, relationsOf] = await Promise.all([
    collectPages(paginateDescribeVpcs({ client: ec2 }, {}), (p) => p.Vpcs),
    orCallError(() => collectPages(paginateDescribeFlowLogs({ client: ec2 }, {}), (p) => p.FlowLogs)),
    vpcRelations(network),
  ]);
  const flowLogsOf = (vpcId: string): unknown =>
    Array.isArray(flowLogs)
      ? lowerCamelKeys<unknown[]>(flowLogs.filter((f: FlowLog) => f.ResourceId === vpcId))
      : flowLogs;
  return list
    .filter((v) => v.VpcId)
    .map((vpc) => {
      const tags = tagMap(vpc.Tags);
      return item(ctx, {
        resourceType: "AWS::EC2::VPC",
        resourceId: vpc.VpcId!,
        resourceName: tags.Name ?? vpc.VpcId!,
        arn: arn(ctx, `vpc/${vpc.VpcId}`),
        awsRegion: ctx.region,
        configuration: lowerCamelKeys(vpc),
        supplementaryConfiguration: { flowLogs: flowLogsOf(vpc.VpcId!), ...relationsOf(vpc.VpcId!) },
        tags,
      });
    });
}

async function regionalSettings(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const ec2 = ctx.clients.ec2;
  const byDefault = await ec2.send(new GetEbsEncryptionByDefaultCommand({}));
  const encrypted = byDefault.EbsEncryptionByDefault === true;
  // The default key only matters while default encryption is on; a failed read is marked, not guessed.
  const defaultKey = encrypted
    ? await orCallError(async () => (await ec2.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId ?? null)
    : null;
  return [
    item(ctx, {
      resourceType: "AWS::EC2::RegionalSettings",
      resourceId: `${ctx.accountId}:${ctx.region}`,
      resourceName: `${ctx.accountId}:${ctx.region}`,
      arn: `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:regional-settings`,
      awsRegion: ctx.region,
      configuration: {
        ebsEncryptionByDefault: encrypted,
        ebsDefaultKmsKeyId: defaultKey,
      },
      supplementaryConfiguration: {},
    }),
  ];
}
