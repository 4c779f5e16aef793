/**
 * Demo seeding for the fleet checks in `FLEET_REGION`: EC2 Auto Scaling (groups, launch configurations, EC2 launch
 * templates), Route 53 hosted zones, Kinesis data streams and Firehose delivery streams. Each violation has a
 * compliant twin:
 * - `fleet-legacy` is an Auto Scaling group in one zone that launches from a launch configuration (IMDSv1 allowed,
 *   public IPs, an unencrypted volume, a password in its user data) and sits behind a target group with EC2 health
 *   checks only; `fleet-web` spans two zones, uses ELB health checks and a mixed instances policy over the launch
 *   template `fleet-web` (IMDSv2 required, no public IP, encrypted volume, harmless user data) with two instance
 *   types. The launch template `fleet-legacy` is the template-side violation (public IP, tokens optional, plain
 *   volume).
 * - the public zone `legacy.example.com` neither logs queries nor signs; `app.example.com` logs queries to a
 *   CloudWatch Logs group (DNSSEC signing cannot be seeded in moto 5.2.1, which always answers NOT_SIGNING);
 *   `internal.example.com` is private, which the public-zone checks leave out.
 * - the Kinesis stream `fleet-clickstream-legacy` is unencrypted with the 24-hour default retention,
 *   `fleet-clickstream-managed` is encrypted with the AWS managed key, `fleet-clickstream` with a customer managed
 *   key and a week of retention.
 * - the Firehose stream `fleet-logs-legacy` has no server-side encryption, `fleet-logs` uses a customer managed key.
 *
 * Re-running against the same account reuses what already exists (names are fixed).
 */
import {
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
} from "@aws-sdk/client-auto-scaling";
import { CreateLogGroupCommand, DescribeLogGroupsCommand } from "@aws-sdk/client-cloudwatch-logs";
import {
  CreateLaunchTemplateCommand,
  DescribeLaunchTemplatesCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateTargetGroupCommand,
  DescribeTargetGroupsCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  CreateDeliveryStreamCommand,
  ListDeliveryStreamsCommand,
  StartDeliveryStreamEncryptionCommand,
} from "@aws-sdk/client-firehose";
import {
  CreateStreamCommand,
  DescribeStreamSummaryCommand,
  IncreaseStreamRetentionPeriodCommand,
  ListStreamsCommand,
  StartStreamEncryptionCommand,
} from "@aws-sdk/client-kinesis";
import {
  CreateAliasCommand,
  CreateKeyCommand,
  DescribeKeyCommand,
  ListAliasesCommand,
} from "@aws-sdk/client-kms";
import {
  CreateHostedZoneCommand,
  CreateQueryLoggingConfigCommand,
  ListHostedZonesByNameCommand,
  ListQueryLoggingConfigsCommand,
} from "@aws-sdk/client-route-53";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const FLEET_REGION = "us-east-1";
/** Names of the planted resources, for tests to find them. */
export const FLEET_NAMES = {
  legacyGroup: "fleet-legacy",
  webGroup: "fleet-web",
  legacyLaunchConfig: "fleet-legacy-lc",
  webLaunchTemplate: "fleet-web",
  legacyLaunchTemplate: "fleet-legacy",
  targetGroup: "fleet-web-tg",
  legacyZone: "legacy.example.com",
  appZone: "app.example.com",
  privateZone: "internal.example.com",
  legacyStream: "fleet-clickstream-legacy",
  managedStream: "fleet-clickstream-managed",
  stream: "fleet-clickstream",
  legacyDelivery: "fleet-logs-legacy",
  delivery: "fleet-logs",
} as const;

export interface FleetSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
  /** Hosted zone ids (without `/hostedzone/`), by zone name. */
  zoneIds: Record<string, string>;
  /** Launch template ids, by name. */
  launchTemplateIds: Record<string, string>;
  /** The customer managed key of the compliant stream and delivery stream. */
  keyArn: string;
}

const b64 = (text: string) => Buffer.from(text, "utf8").toString("base64");
const AMI = "ami-12c6146b";
const KEY_ALIAS = "alias/enforceai-demo-fleet";

export async function seedFleet(
  accountId: string,
  clients: (region: string) => AwsClientSet,
): Promise<FleetSeed> {
  const set = clients(FLEET_REGION);
  const created: Record<string, number> = {};
  const count = (kind: string) => {
    created[kind] = (created[kind] ?? 0) + 1;
  };
  const kms = set.get("kms");
  const aliases = await kms.send(new ListAliasesCommand({}));
  const aliased = aliases.Aliases?.find((a) => a.AliasName === KEY_ALIAS)?.TargetKeyId;
  let keyArn: string;
  if (aliased) keyArn = (await kms.send(new DescribeKeyCommand({ KeyId: aliased }))).KeyMetadata!.Arn!;
  else {
    const key = await kms.send(new CreateKeyCommand({ Description: "enforceai demo fleet streams" }));
    keyArn = key.KeyMetadata!.Arn!;
    await kms.send(new CreateAliasCommand({ AliasName: KEY_ALIAS, TargetKeyId: key.KeyMetadata!.KeyId! }));
    count("kms:key");
  }

  const launchTemplateIds = await seedLaunching(set, count);
  const zoneIds = await seedZones(set, accountId, count);
  await seedStreams(set, accountId, keyArn, count);
  return { created, zoneIds, launchTemplateIds, keyArn };
}

type Count = (kind: string) => void;

async function seedLaunching(set: AwsClientSet, count: Count): Promise<Record<string, string>> {
  const ec2 = set.get("ec2");
  const autoscaling = set.get("autoscaling");
  const elbv2 = set.get("elbv2");

  const template = async (name: string, data: object): Promise<string> => {
    const found = await ec2
      .send(new DescribeLaunchTemplatesCommand({ LaunchTemplateNames: [name] }))
      .catch(() => undefined);
    const existing = found?.LaunchTemplates?.[0]?.LaunchTemplateId;
    if (existing) return existing;
    const made = await ec2.send(
      new CreateLaunchTemplateCommand({ LaunchTemplateName: name, LaunchTemplateData: data }),
    );
    count("ec2:launch-template");
    return made.LaunchTemplate!.LaunchTemplateId!;
  };
  const webTemplate = await template(FLEET_NAMES.webLaunchTemplate, {
    ImageId: AMI,
    InstanceType: "t3.micro",
    MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled", HttpPutResponseHopLimit: 1 },
    NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: false }],
    BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 8, Encrypted: true } }],
    UserData: b64(
      "#!/bin/bash\nTOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token)\nsystemctl start app\n",
    ),
  });
  const legacyTemplate = await template(FLEET_NAMES.legacyLaunchTemplate, {
    ImageId: AMI,
    InstanceType: "t2.micro",
    MetadataOptions: { HttpTokens: "optional", HttpEndpoint: "enabled" },
    NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true }],
    BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 8, Encrypted: false } }],
  });

  const lcs = await autoscaling.send(
    new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: [FLEET_NAMES.legacyLaunchConfig] }),
  );
  if (!lcs.LaunchConfigurations?.length) {
    await autoscaling.send(
      new CreateLaunchConfigurationCommand({
        LaunchConfigurationName: FLEET_NAMES.legacyLaunchConfig,
        ImageId: AMI,
        InstanceType: "t2.micro",
        AssociatePublicIpAddress: true,
        MetadataOptions: { HttpTokens: "optional", HttpEndpoint: "enabled", HttpPutResponseHopLimit: 3 },
        BlockDeviceMappings: [{ DeviceName: "/dev/xvda", Ebs: { VolumeSize: 8, Encrypted: false } }],
        // A demo credential planted in user data (not a real one); the collector records only that it is there.
        UserData: b64("#!/bin/bash\nexport DB_PASSWORD=Sup3rSecretDemo!\n/opt/app/start.sh\n"),
      }),
    );
    count("autoscaling:launch-configuration");
  }

  const vpcs = await ec2.send(
    new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }),
  );
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  let targetGroupArn: string | undefined;
  if (vpcId) {
    const tgs = await elbv2
      .send(new DescribeTargetGroupsCommand({ Names: [FLEET_NAMES.targetGroup] }))
      .catch(() => undefined);
    targetGroupArn = tgs?.TargetGroups?.[0]?.TargetGroupArn;
    if (!targetGroupArn) {
      const tg = await elbv2.send(
        new CreateTargetGroupCommand({
          Name: FLEET_NAMES.targetGroup,
          Protocol: "HTTP",
          Port: 80,
          VpcId: vpcId,
        }),
      );
      targetGroupArn = tg.TargetGroups![0]!.TargetGroupArn!;
      count("elbv2:target-group");
    }
  }
  const targetGroups = targetGroupArn ? { TargetGroupARNs: [targetGroupArn] } : {};

  const groups = await autoscaling.send(
    new DescribeAutoScalingGroupsCommand({
      AutoScalingGroupNames: [FLEET_NAMES.legacyGroup, FLEET_NAMES.webGroup],
    }),
  );
  const have = new Set((groups.AutoScalingGroups ?? []).map((g) => g.AutoScalingGroupName));
  if (!have.has(FLEET_NAMES.legacyGroup)) {
    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: FLEET_NAMES.legacyGroup,
        LaunchConfigurationName: FLEET_NAMES.legacyLaunchConfig,
        MinSize: 0,
        MaxSize: 2,
        DesiredCapacity: 0,
        AvailabilityZones: [`${FLEET_REGION}a`],
        HealthCheckType: "EC2",
        ...targetGroups,
        Tags: [{ Key: "Name", Value: FLEET_NAMES.legacyGroup, PropagateAtLaunch: true }],
      }),
    );
    count("autoscaling:group");
  }
  if (!have.has(FLEET_NAMES.webGroup)) {
    await autoscaling.send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: FLEET_NAMES.webGroup,
        MixedInstancesPolicy: {
          LaunchTemplate: {
            LaunchTemplateSpecification: { LaunchTemplateId: webTemplate, Version: "$Default" },
            Overrides: [{ InstanceType: "t3.micro" }, { InstanceType: "t3a.micro" }],
          },
        },
        MinSize: 0,
        MaxSize: 4,
        DesiredCapacity: 0,
        AvailabilityZones: [`${FLEET_REGION}a`, `${FLEET_REGION}b`],
        HealthCheckType: "ELB",
        HealthCheckGracePeriod: 300,
        ...targetGroups,
        Tags: [{ Key: "Name", Value: FLEET_NAMES.webGroup, PropagateAtLaunch: true }],
      }),
    );
    count("autoscaling:group");
  }
  return { [FLEET_NAMES.webLaunchTemplate]: webTemplate, [FLEET_NAMES.legacyLaunchTemplate]: legacyTemplate };
}

async function seedZones(
  set: AwsClientSet,
  accountId: string,
  count: Count,
): Promise<Record<string, string>> {
  const route53 = set.get("route53");
  const logs = set.get("logs");
  const zoneIds: Record<string, string> = {};
  const zone = async (name: string, vpcId?: string): Promise<string> => {
    const listed = await route53.send(new ListHostedZonesByNameCommand({ DNSName: name, MaxItems: 1 }));
    const found = listed.HostedZones?.find((z) => z.Name === `${name}.`);
    if (found?.Id) return found.Id.replace(/^\/hostedzone\//, "");
    const made = await route53.send(
      new CreateHostedZoneCommand({
        Name: name,
        CallerReference: `enforceai-demo-${name}`,
        HostedZoneConfig: { Comment: "enforceai demo", PrivateZone: Boolean(vpcId) },
        ...(vpcId ? { VPC: { VPCId: vpcId, VPCRegion: FLEET_REGION } } : {}),
      }),
    );
    count("route53:hosted-zone");
    return made.HostedZone!.Id!.replace(/^\/hostedzone\//, "");
  };
  zoneIds[FLEET_NAMES.legacyZone] = await zone(FLEET_NAMES.legacyZone);
  const appZone = await zone(FLEET_NAMES.appZone);
  zoneIds[FLEET_NAMES.appZone] = appZone;
  const vpcs = await set
    .get("ec2")
    .send(new DescribeVpcsCommand({ Filters: [{ Name: "is-default", Values: ["true"] }] }));
  const vpcId = vpcs.Vpcs?.[0]?.VpcId;
  if (vpcId) zoneIds[FLEET_NAMES.privateZone] = await zone(FLEET_NAMES.privateZone, vpcId);

  // Query logs go to a log group in us-east-1 whose name starts with /aws/route53/.
  const logGroupName = `/aws/route53/${FLEET_NAMES.appZone}`;
  const groups = await logs.send(new DescribeLogGroupsCommand({ logGroupNamePrefix: logGroupName }));
  if (!groups.logGroups?.some((g) => g.logGroupName === logGroupName)) {
    await logs.send(new CreateLogGroupCommand({ logGroupName }));
    count("logs:log-group");
  }
  const configs = await route53.send(new ListQueryLoggingConfigsCommand({}));
  if (!configs.QueryLoggingConfigs?.some((c) => c.HostedZoneId?.endsWith(appZone))) {
    await route53.send(
      new CreateQueryLoggingConfigCommand({
        HostedZoneId: appZone,
        CloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${accountId}:log-group:${logGroupName}:*`,
      }),
    );
    count("route53:query-logging-config");
  }
  return zoneIds;
}

async function seedStreams(
  set: AwsClientSet,
  accountId: string,
  keyArn: string,
  count: Count,
): Promise<void> {
  const firehose = set.get("firehose");
  const kinesis = set.get("kinesis");
  const listed = await kinesis.send(new ListStreamsCommand({}));
  const have = new Set(listed.StreamNames ?? []);
  const stream = async (name: string, keyId?: string, retentionHours?: number) => {
    if (have.has(name)) return;
    await kinesis.send(
      new CreateStreamCommand({ StreamName: name, StreamModeDetails: { StreamMode: "ON_DEMAND" } }),
    );
    count("kinesis:stream");
    await kinesis.send(new DescribeStreamSummaryCommand({ StreamName: name }));
    if (keyId)
      await kinesis.send(
        new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: "KMS", KeyId: keyId }),
      );
    if (retentionHours)
      await kinesis.send(
        new IncreaseStreamRetentionPeriodCommand({ StreamName: name, RetentionPeriodHours: retentionHours }),
      );
  };
  await stream(FLEET_NAMES.legacyStream);
  await stream(FLEET_NAMES.managedStream, "alias/aws/kinesis", 168);
  await stream(FLEET_NAMES.stream, keyArn, 168);

  const deliveries = await firehose.send(new ListDeliveryStreamsCommand({ Limit: 100 }));
  const haveDelivery = new Set(deliveries.DeliveryStreamNames ?? []);
  const s3 = (prefix: string) => ({
    RoleARN: `arn:aws:iam::${accountId}:role/firehose-demo`,
    BucketARN: "arn:aws:s3:::enforceai-demo-firehose",
    Prefix: `${prefix}/`,
  });
  if (!haveDelivery.has(FLEET_NAMES.legacyDelivery)) {
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: FLEET_NAMES.legacyDelivery,
        DeliveryStreamType: "DirectPut",
        ExtendedS3DestinationConfiguration: s3("legacy"),
      }),
    );
    count("firehose:delivery-stream");
  }
  if (!haveDelivery.has(FLEET_NAMES.delivery)) {
    await firehose.send(
      new CreateDeliveryStreamCommand({
        DeliveryStreamName: FLEET_NAMES.delivery,
        DeliveryStreamType: "DirectPut",
        ExtendedS3DestinationConfiguration: s3("app"),
      }),
    );
    // moto keeps an encryption configuration given at creation without its status; turning it on afterwards
    // (which AWS also allows for DirectPut streams) records ENABLED.
    await firehose.send(
      new StartDeliveryStreamEncryptionCommand({
        DeliveryStreamName: FLEET_NAMES.delivery,
        DeliveryStreamEncryptionConfigurationInput: { KeyType: "CUSTOMER_MANAGED_CMK", KeyARN: keyArn },
      }),
    );
    count("firehose:delivery-stream");
  }
}
