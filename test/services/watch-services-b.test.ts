/**
 * The watcher, service by service (second half; the first in watch-services-a.test.ts): a compliant resource
 * in moto is made non-compliant with a real call, the CloudTrail record of that call is published, and the
 * finding turns FAIL with a drift record naming the caller; the revert and its record resolve it.
 *
 * Not covered by either file, and why:
 * - acm: moto has no UpdateCertificateOptions, and the other certificate checks (expiry, status, key length)
 *   cannot be changed by a call on an existing certificate.
 * - elasticache: moto implements no ModifyReplicationGroup or ModifyCacheCluster.
 * - macie: moto answers GetMacieSession with an HTML page, so the collector records a coverage gap and no
 *   session (no macie_enabled finding to follow).
 * - organizations: AttachPolicy of a customer SCP to the root leaves organizations_scp_attached FAIL at the
 *   baseline under moto ("none of 1 entry in customer-managed SCP qualifies"): not a compliant start.
 * - route53: covered by its own test below (DeleteQueryLoggingConfig names only the config, which our zone
 *   records hold: the table finds the zone `via` it); DNSSEC signing, the zone's other check, is not
 *   implemented by moto.
 * - apigateway / apigatewayv2: their API-level checks depend on authorizers and routes, whose calls
 *   (CreateAuthorizer, CreateRoute, UpdateRoute) the event table does not follow; the stage checks have no
 *   collector answering for the Stage types yet.
 * - accessanalyzer: its one analyzer record is either there or replaced by a "no analyzer" placeholder under
 *   another id, so DeleteAnalyzer makes the finding GONE, not FAIL.
 * - cloudwatch: DisableAlarmActions/EnableAlarmActions are answered by moto with an HTML page; the scenario
 *   puts the alarm again with ActionsEnabled false/true instead (PutMetricAlarm).
 */
import { randomUUID } from "node:crypto";
import {
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DescribeAutoScalingGroupsCommand,
  UpdateAutoScalingGroupCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  CreateBackupVaultCommand,
  DeleteBackupVaultLockConfigurationCommand,
  PutBackupVaultLockConfigurationCommand,
} from "@aws-sdk/client-backup";
import {
  CreateDistributionCommand,
  GetDistributionConfigCommand,
  UpdateDistributionCommand,
} from "@aws-sdk/client-cloudfront";
import { PutMetricAlarmCommand } from "@aws-sdk/client-cloudwatch";
import { CreateLogGroupCommand } from "@aws-sdk/client-cloudwatch-logs";
import { PutConfigurationRecorderCommand } from "@aws-sdk/client-config-service";
import { CreateSubnetCommand, CreateVpcCommand } from "@aws-sdk/client-ec2";
import { RegisterTaskDefinitionCommand } from "@aws-sdk/client-ecs";
import {
  CreateClusterCommand as CreateEksClusterCommand,
  UpdateClusterConfigCommand,
} from "@aws-sdk/client-eks";
import {
  CreateLoadBalancerCommand as CreateClassicLoadBalancerCommand,
  ModifyLoadBalancerAttributesCommand as ModifyClassicAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing";
import {
  CreateLoadBalancerCommand,
  ModifyLoadBalancerAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import {
  CreateDeliveryStreamCommand,
  StartDeliveryStreamEncryptionCommand,
  StopDeliveryStreamEncryptionCommand,
} from "@aws-sdk/client-firehose";
import { CreateDetectorCommand, UpdateDetectorCommand } from "@aws-sdk/client-guardduty";
import { CreateRoleCommand } from "@aws-sdk/client-iam";
import {
  CreateStreamCommand,
  StartStreamEncryptionCommand,
  StopStreamEncryptionCommand,
} from "@aws-sdk/client-kinesis";
import { CreateDomainCommand, UpdateDomainConfigCommand } from "@aws-sdk/client-opensearch";
import {
  CreateClusterCommand as CreateRedshiftClusterCommand,
  ModifyClusterCommand,
} from "@aws-sdk/client-redshift";
import {
  CreateHostedZoneCommand,
  CreateQueryLoggingConfigCommand,
  DeleteQueryLoggingConfigCommand,
} from "@aws-sdk/client-route-53";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { DisableSecurityHubCommand, EnableSecurityHubCommand } from "@aws-sdk/client-securityhub";
import {
  CreateWebACLCommand,
  DeleteLoggingConfigurationCommand,
  PutLoggingConfigurationCommand,
} from "@aws-sdk/client-wafv2";
import { afterAll, beforeAll, expect, it } from "vitest";
import type { Finding } from "../../src/domain/types.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { REGION, type WatchHarness, watchHarness } from "./watch-harness.ts";
import {
  assumeRolePolicy,
  runScenario,
  type Scenario,
  type SeedContext,
  type Seeded,
} from "./watch-seeds.ts";

/** Two subnets in two zones of a new VPC (load balancers and EKS want them). */
async function network({ clients }: SeedContext, second: number): Promise<string[]> {
  const ec2 = clients.get("ec2");
  const vpc = await ec2.send(new CreateVpcCommand({ CidrBlock: `10.${second}.0.0/16` }));
  const subnets: string[] = [];
  for (const [i, zone] of ["a", "b"].entries()) {
    const subnet = await ec2.send(
      new CreateSubnetCommand({
        VpcId: vpc.Vpc!.VpcId!,
        CidrBlock: `10.${second}.${i + 1}.0/24`,
        AvailabilityZone: `${REGION}${zone}`,
      }),
    );
    subnets.push(subnet.Subnet!.SubnetId!);
  }
  return subnets;
}

const scenarios: Scenario[] = [
  {
    service: "elbv2",
    change: "deletion protection turned off on a load balancer",
    checkId: "elbv2_deletion_protection_enabled",
    async seed(ctx) {
      const subnets = await network(ctx, 61);
      const lb = await ctx.clients
        .get("elbv2")
        .send(new CreateLoadBalancerCommand({ Name: `watch-${ctx.suffix}`, Subnets: subnets }));
      const arn = lb.LoadBalancers![0]!.LoadBalancerArn!;
      await ctx.clients.get("elbv2").send(
        new ModifyLoadBalancerAttributesCommand({
          LoadBalancerArn: arn,
          Attributes: [{ Key: "deletion_protection.enabled", Value: "true" }],
        }),
      );
      return { resourceId: arn, arn };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("elbv2").send(
          new ModifyLoadBalancerAttributesCommand({
            LoadBalancerArn: s.arn,
            Attributes: [{ Key: "deletion_protection.enabled", Value: "false" }],
          }),
        ),
      source: "elasticloadbalancing.amazonaws.com",
      eventName: "ModifyLoadBalancerAttributes",
      params: {
        loadBalancerArn: s.arn,
        attributes: [{ key: "deletion_protection.enabled", value: "false" }],
      },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("elbv2").send(
          new ModifyLoadBalancerAttributesCommand({
            LoadBalancerArn: s.arn,
            Attributes: [{ Key: "deletion_protection.enabled", Value: "true" }],
          }),
        ),
      source: "elasticloadbalancing.amazonaws.com",
      eventName: "ModifyLoadBalancerAttributes",
      params: { loadBalancerArn: s.arn, attributes: [{ key: "deletion_protection.enabled", value: "true" }] },
    }),
  },
  {
    service: "elb",
    change: "cross-zone load balancing turned off on a classic load balancer",
    checkId: "elb_cross_zone_enabled",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      await clients.get("elb").send(
        new CreateClassicLoadBalancerCommand({
          LoadBalancerName: name,
          Listeners: [{ Protocol: "HTTP", LoadBalancerPort: 80, InstancePort: 80 }],
          AvailabilityZones: [`${REGION}a`],
        }),
      );
      await clients.get("elb").send(
        new ModifyClassicAttributesCommand({
          LoadBalancerName: name,
          LoadBalancerAttributes: { CrossZoneLoadBalancing: { Enabled: true } },
        }),
      );
      return {
        resourceId: name,
        arn: `arn:aws:elasticloadbalancing:${REGION}:${accountId}:loadbalancer/${name}`,
      };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("elb").send(
          new ModifyClassicAttributesCommand({
            LoadBalancerName: s.resourceId,
            LoadBalancerAttributes: { CrossZoneLoadBalancing: { Enabled: false } },
          }),
        ),
      source: "elasticloadbalancing.amazonaws.com",
      eventName: "ModifyLoadBalancerAttributes",
      params: {
        loadBalancerName: s.resourceId,
        loadBalancerAttributes: { crossZoneLoadBalancing: { enabled: false } },
      },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("elb").send(
          new ModifyClassicAttributesCommand({
            LoadBalancerName: s.resourceId,
            LoadBalancerAttributes: { CrossZoneLoadBalancing: { Enabled: true } },
          }),
        ),
      source: "elasticloadbalancing.amazonaws.com",
      eventName: "ModifyLoadBalancerAttributes",
      params: {
        loadBalancerName: s.resourceId,
        loadBalancerAttributes: { crossZoneLoadBalancing: { enabled: true } },
      },
    }),
  },
  {
    service: "kinesis",
    change: "stream encryption stopped",
    checkId: "kinesis_stream_encrypted_at_rest",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      await clients.get("kinesis").send(new CreateStreamCommand({ StreamName: name, ShardCount: 1 }));
      await clients
        .get("kinesis")
        .send(
          new StartStreamEncryptionCommand({ StreamName: name, EncryptionType: "KMS", KeyId: KINESIS_KEY }),
        );
      return { resourceId: name, arn: `arn:aws:kinesis:${REGION}:${accountId}:stream/${name}` };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("kinesis").send(
          new StopStreamEncryptionCommand({
            StreamName: s.resourceId,
            EncryptionType: "KMS",
            KeyId: KINESIS_KEY,
          }),
        ),
      source: "kinesis.amazonaws.com",
      eventName: "StopStreamEncryption",
      params: { streamName: s.resourceId, encryptionType: "KMS", keyId: KINESIS_KEY },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("kinesis").send(
          new StartStreamEncryptionCommand({
            StreamName: s.resourceId,
            EncryptionType: "KMS",
            KeyId: KINESIS_KEY,
          }),
        ),
      source: "kinesis.amazonaws.com",
      eventName: "StartStreamEncryption",
      params: { streamName: s.resourceId, encryptionType: "KMS", keyId: KINESIS_KEY },
    }),
  },
  {
    service: "firehose",
    change: "delivery stream encryption stopped",
    checkId: "firehose_delivery_stream_encrypted_at_rest",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      const bucket = `watch-firehose-${suffix}`;
      await clients.get("s3").send(new CreateBucketCommand({ Bucket: bucket }));
      await clients.get("firehose").send(
        new CreateDeliveryStreamCommand({
          DeliveryStreamName: name,
          ExtendedS3DestinationConfiguration: {
            RoleARN: `arn:aws:iam::${accountId}:role/firehose`,
            BucketARN: `arn:aws:s3:::${bucket}`,
          },
        }),
      );
      await clients.get("firehose").send(
        new StartDeliveryStreamEncryptionCommand({
          DeliveryStreamName: name,
          DeliveryStreamEncryptionConfigurationInput: { KeyType: "AWS_OWNED_CMK" },
        }),
      );
      return { resourceId: name, arn: `arn:aws:firehose:${REGION}:${accountId}:deliverystream/${name}` };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients
          .get("firehose")
          .send(new StopDeliveryStreamEncryptionCommand({ DeliveryStreamName: s.resourceId })),
      source: "firehose.amazonaws.com",
      eventName: "StopDeliveryStreamEncryption",
      params: { deliveryStreamName: s.resourceId },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("firehose").send(
          new StartDeliveryStreamEncryptionCommand({
            DeliveryStreamName: s.resourceId,
            DeliveryStreamEncryptionConfigurationInput: { KeyType: "AWS_OWNED_CMK" },
          }),
        ),
      source: "firehose.amazonaws.com",
      eventName: "StartDeliveryStreamEncryption",
      params: {
        deliveryStreamName: s.resourceId,
        deliveryStreamEncryptionConfigurationInput: { keyType: "AWS_OWNED_CMK" },
      },
    }),
  },
  {
    service: "redshift",
    change: "a cluster made publicly accessible",
    checkId: "redshift_cluster_not_publicly_accessible",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      await clients.get("redshift").send(
        new CreateRedshiftClusterCommand({
          ClusterIdentifier: name,
          NodeType: "dc2.large",
          MasterUsername: "watcher",
          MasterUserPassword: "NotReal-Passw0rd",
          PubliclyAccessible: false,
        }),
      );
      return { resourceId: name, arn: `arn:aws:redshift:${REGION}:${accountId}:cluster:${name}` };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients
          .get("redshift")
          .send(new ModifyClusterCommand({ ClusterIdentifier: s.resourceId, PubliclyAccessible: true })),
      source: "redshift.amazonaws.com",
      eventName: "ModifyCluster",
      params: { clusterIdentifier: s.resourceId, publiclyAccessible: true },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients
          .get("redshift")
          .send(new ModifyClusterCommand({ ClusterIdentifier: s.resourceId, PubliclyAccessible: false })),
      source: "redshift.amazonaws.com",
      eventName: "ModifyCluster",
      params: { clusterIdentifier: s.resourceId, publiclyAccessible: false },
    }),
  },
  {
    service: "opensearch",
    change: "HTTPS no longer enforced on a domain",
    checkId: "opensearch_domain_https_required",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      await clients
        .get("opensearch")
        .send(new CreateDomainCommand({ DomainName: name, DomainEndpointOptions: { EnforceHTTPS: true } }));
      return { resourceId: name, arn: `arn:aws:es:${REGION}:${accountId}:domain/${name}` };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("opensearch").send(
          new UpdateDomainConfigCommand({
            DomainName: s.resourceId,
            DomainEndpointOptions: { EnforceHTTPS: false },
          }),
        ),
      source: "es.amazonaws.com",
      eventName: "UpdateDomainConfig",
      params: { domainName: s.resourceId, domainEndpointOptions: { enforceHTTPS: false } },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("opensearch").send(
          new UpdateDomainConfigCommand({
            DomainName: s.resourceId,
            DomainEndpointOptions: { EnforceHTTPS: true },
          }),
        ),
      source: "es.amazonaws.com",
      eventName: "UpdateDomainConfig",
      params: { domainName: s.resourceId, domainEndpointOptions: { enforceHTTPS: true } },
    }),
  },
  {
    service: "eks",
    change: "the cluster endpoint opened to the internet",
    checkId: "eks_cluster_endpoint_not_public",
    async seed(ctx) {
      const { clients, accountId, suffix } = ctx;
      const name = `watch-${suffix}`;
      const subnets = await network(ctx, 62);
      const role = await clients.get("iam").send(
        new CreateRoleCommand({
          RoleName: `watch-eks-${suffix}`,
          AssumeRolePolicyDocument: assumeRolePolicy("eks.amazonaws.com"),
        }),
      );
      await clients.get("eks").send(
        new CreateEksClusterCommand({
          name,
          roleArn: role.Role!.Arn!,
          resourcesVpcConfig: {
            subnetIds: subnets,
            endpointPublicAccess: false,
            endpointPrivateAccess: true,
          },
        }),
      );
      return { resourceId: name, arn: `arn:aws:eks:${REGION}:${accountId}:cluster/${name}` };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("eks").send(
          new UpdateClusterConfigCommand({
            name: s.resourceId,
            resourcesVpcConfig: { endpointPublicAccess: true },
          }),
        ),
      source: "eks.amazonaws.com",
      eventName: "UpdateClusterConfig",
      params: { name: s.resourceId, resourcesVpcConfig: { endpointPublicAccess: true } },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("eks").send(
          new UpdateClusterConfigCommand({
            name: s.resourceId,
            resourcesVpcConfig: { endpointPublicAccess: false },
          }),
        ),
      source: "eks.amazonaws.com",
      eventName: "UpdateClusterConfig",
      params: { name: s.resourceId, resourcesVpcConfig: { endpointPublicAccess: false } },
    }),
  },
  {
    service: "ecs",
    change: "a task definition revision with a privileged container",
    checkId: "ecs_task_definition_no_privileged_containers",
    async seed({ clients, accountId, suffix }) {
      const family = `watch-${suffix}`;
      await clients.get("ecs").send(taskDefinition(family, false));
      return { resourceId: family, arn: `arn:aws:ecs:${REGION}:${accountId}:task-definition/${family}` };
    },
    breakIt: ({ clients }, s) => ({
      call: () => clients.get("ecs").send(taskDefinition(s.resourceId, true)),
      source: "ecs.amazonaws.com",
      eventName: "RegisterTaskDefinition",
      params: { family: s.resourceId, containerDefinitions: [{ name: "app", privileged: true }] },
    }),
    revert: ({ clients }, s) => ({
      call: () => clients.get("ecs").send(taskDefinition(s.resourceId, false)),
      source: "ecs.amazonaws.com",
      eventName: "RegisterTaskDefinition",
      params: { family: s.resourceId, containerDefinitions: [{ name: "app", privileged: false }] },
    }),
  },
  {
    service: "cloudwatch",
    change: "an alarm's actions disabled",
    checkId: "cloudwatch_alarm_actions_enabled",
    async seed({ clients, accountId, suffix }) {
      const name = `watch-${suffix}`;
      await clients.get("cloudwatch").send(alarm(name, accountId, true));
      return { resourceId: name, arn: `arn:aws:cloudwatch:${REGION}:${accountId}:alarm:${name}` };
    },
    // moto answers DisableAlarmActions/EnableAlarmActions with an HTML page, so the alarm is put again instead.
    breakIt: ({ clients, accountId }, s) => ({
      call: () => clients.get("cloudwatch").send(alarm(s.resourceId, accountId, false)),
      source: "monitoring.amazonaws.com",
      eventName: "PutMetricAlarm",
      params: { alarmName: s.resourceId, actionsEnabled: false },
    }),
    revert: ({ clients, accountId }, s) => ({
      call: () => clients.get("cloudwatch").send(alarm(s.resourceId, accountId, true)),
      source: "monitoring.amazonaws.com",
      eventName: "PutMetricAlarm",
      params: { alarmName: s.resourceId, actionsEnabled: true },
    }),
  },
  {
    service: "config",
    change: "the recorder narrowed to one resource type",
    checkId: "config_recorder_all_resource_types",
    async seed({ clients, accountId }) {
      await clients.get("config").send(recorder(accountId, true));
      return { resourceId: "default", arn: `arn:aws:config:${REGION}:${accountId}:config-recorder/default` };
    },
    breakIt: ({ clients, accountId }) => ({
      call: () => clients.get("config").send(recorder(accountId, false)),
      source: "config.amazonaws.com",
      eventName: "PutConfigurationRecorder",
      params: {
        configurationRecorder: {
          name: "default",
          recordingGroup: { allSupported: false, resourceTypes: ["AWS::S3::Bucket"] },
        },
      },
    }),
    revert: ({ clients, accountId }) => ({
      call: () => clients.get("config").send(recorder(accountId, true)),
      source: "config.amazonaws.com",
      eventName: "PutConfigurationRecorder",
      params: { configurationRecorder: { name: "default", recordingGroup: { allSupported: true } } },
    }),
  },
  {
    service: "guardduty",
    change: "findings published every six hours",
    checkId: "guardduty_findings_frequent_publishing",
    async seed({ clients, accountId }) {
      const detector = await clients
        .get("guardduty")
        .send(new CreateDetectorCommand({ Enable: true, FindingPublishingFrequency: "FIFTEEN_MINUTES" }));
      const id = detector.DetectorId!;
      return { resourceId: id, arn: `arn:aws:guardduty:${REGION}:${accountId}:detector/${id}` };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients
          .get("guardduty")
          .send(
            new UpdateDetectorCommand({ DetectorId: s.resourceId, FindingPublishingFrequency: "SIX_HOURS" }),
          ),
      source: "guardduty.amazonaws.com",
      eventName: "UpdateDetector",
      params: { detectorId: s.resourceId, findingPublishingFrequency: "SIX_HOURS" },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("guardduty").send(
          new UpdateDetectorCommand({
            DetectorId: s.resourceId,
            FindingPublishingFrequency: "FIFTEEN_MINUTES",
          }),
        ),
      source: "guardduty.amazonaws.com",
      eventName: "UpdateDetector",
      params: { detectorId: s.resourceId, findingPublishingFrequency: "FIFTEEN_MINUTES" },
    }),
  },
  {
    service: "securityhub",
    change: "Security Hub disabled",
    checkId: "securityhub_enabled",
    async seed({ clients, accountId }) {
      await clients.get("securityhub").send(new EnableSecurityHubCommand({ EnableDefaultStandards: false }));
      return {
        resourceId: `${accountId}:${REGION}`,
        arn: `arn:aws:securityhub:${REGION}:${accountId}:hub/default`,
      };
    },
    breakIt: ({ clients }) => ({
      call: () => clients.get("securityhub").send(new DisableSecurityHubCommand({})),
      source: "securityhub.amazonaws.com",
      eventName: "DisableSecurityHub",
      params: null as unknown as Record<string, unknown>,
    }),
    revert: ({ clients }) => ({
      call: () =>
        clients.get("securityhub").send(new EnableSecurityHubCommand({ EnableDefaultStandards: false })),
      source: "securityhub.amazonaws.com",
      eventName: "EnableSecurityHub",
      params: { enableDefaultStandards: false },
    }),
  },
  {
    service: "backup",
    change: "a vault's lock removed",
    checkId: "backup_vault_lock_enabled",
    async seed({ clients, suffix }) {
      const name = `watch-${suffix}`;
      const vault = await clients.get("backup").send(new CreateBackupVaultCommand({ BackupVaultName: name }));
      await clients
        .get("backup")
        .send(new PutBackupVaultLockConfigurationCommand({ BackupVaultName: name, MinRetentionDays: 7 }));
      return { resourceId: name, arn: vault.BackupVaultArn! };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients
          .get("backup")
          .send(new DeleteBackupVaultLockConfigurationCommand({ BackupVaultName: s.resourceId })),
      source: "backup.amazonaws.com",
      eventName: "DeleteBackupVaultLockConfiguration",
      params: { backupVaultName: s.resourceId },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("backup").send(
          new PutBackupVaultLockConfigurationCommand({
            BackupVaultName: s.resourceId,
            MinRetentionDays: 7,
          }),
        ),
      source: "backup.amazonaws.com",
      eventName: "PutBackupVaultLockConfiguration",
      params: { backupVaultName: s.resourceId, minRetentionDays: 7 },
    }),
  },
  {
    service: "autoscaling",
    change: "a group narrowed to one Availability Zone",
    checkId: "autoscaling_group_multiple_az",
    async seed({ clients, suffix }) {
      const name = `watch-${suffix}`;
      await clients.get("autoscaling").send(
        new CreateLaunchConfigurationCommand({
          LaunchConfigurationName: name,
          ImageId: "ami-12c6146b",
          InstanceType: "t3.micro",
        }),
      );
      await clients.get("autoscaling").send(
        new CreateAutoScalingGroupCommand({
          AutoScalingGroupName: name,
          LaunchConfigurationName: name,
          MinSize: 0,
          MaxSize: 1,
          AvailabilityZones: TWO_ZONES,
        }),
      );
      const groups = await clients
        .get("autoscaling")
        .send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }));
      return { resourceId: name, arn: groups.AutoScalingGroups![0]!.AutoScalingGroupARN! };
    },
    breakIt: ({ clients }, s) => ({
      call: () =>
        clients.get("autoscaling").send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: s.resourceId,
            AvailabilityZones: ONE_ZONE,
          }),
        ),
      source: "autoscaling.amazonaws.com",
      eventName: "UpdateAutoScalingGroup",
      params: { autoScalingGroupName: s.resourceId, availabilityZones: ONE_ZONE },
    }),
    revert: ({ clients }, s) => ({
      call: () =>
        clients.get("autoscaling").send(
          new UpdateAutoScalingGroupCommand({
            AutoScalingGroupName: s.resourceId,
            AvailabilityZones: TWO_ZONES,
          }),
        ),
      source: "autoscaling.amazonaws.com",
      eventName: "UpdateAutoScalingGroup",
      params: { autoScalingGroupName: s.resourceId, availabilityZones: TWO_ZONES },
    }),
  },
  {
    service: "wafv2",
    change: "a web ACL's logging removed",
    checkId: "wafv2_web_acl_logging_enabled",
    async seed({ clients, accountId, suffix }) {
      const acl = await clients.get("wafv2").send(
        new CreateWebACLCommand({
          Name: `watch-${suffix}`,
          Scope: "REGIONAL",
          DefaultAction: { Allow: {} },
          VisibilityConfig: {
            SampledRequestsEnabled: true,
            CloudWatchMetricsEnabled: true,
            MetricName: "watch",
          },
        }),
      );
      const arn = acl.Summary!.ARN!;
      await clients.get("wafv2").send(wafLogging(arn, accountId, suffix));
      return { resourceId: acl.Summary!.Id!, arn, suffix };
    },
    breakIt: ({ clients }, s) => ({
      call: () => clients.get("wafv2").send(new DeleteLoggingConfigurationCommand({ ResourceArn: s.arn })),
      source: "wafv2.amazonaws.com",
      eventName: "DeleteLoggingConfiguration",
      params: { resourceArn: s.arn },
    }),
    revert: ({ clients, accountId }, s) => ({
      call: () => clients.get("wafv2").send(wafLogging(s.arn, accountId, s.suffix!)),
      source: "wafv2.amazonaws.com",
      eventName: "PutLoggingConfiguration",
      params: {
        loggingConfiguration: {
          resourceArn: s.arn,
          logDestinationConfigs: [wafLogDestination(accountId, s.suffix!)],
        },
      },
    }),
  },
  {
    service: "cloudfront",
    change: "a distribution's default root object removed",
    checkId: "cloudfront_distribution_default_root_object",
    async seed({ clients, suffix }) {
      const made = await clients.get("cloudfront").send(
        new CreateDistributionCommand({
          DistributionConfig: {
            CallerReference: `watch-${suffix}`,
            Comment: "watched",
            Enabled: true,
            DefaultRootObject: "index.html",
            Origins: {
              Quantity: 1,
              Items: [
                {
                  Id: "origin",
                  DomainName: "origin.example.com",
                  CustomOriginConfig: { HTTPPort: 80, HTTPSPort: 443, OriginProtocolPolicy: "https-only" },
                },
              ],
            },
            DefaultCacheBehavior: {
              TargetOriginId: "origin",
              ViewerProtocolPolicy: "redirect-to-https",
              ForwardedValues: { QueryString: false, Cookies: { Forward: "none" } },
              MinTTL: 0,
            },
          },
        }),
      );
      const id = made.Distribution!.Id!;
      return { resourceId: id, arn: made.Distribution!.ARN!, region: "global" };
    },
    breakIt: ({ clients }, s) => ({
      call: () => setRootObject(clients, s.resourceId, ""),
      source: "cloudfront.amazonaws.com",
      eventName: "UpdateDistribution2020_05_31",
      params: { id: s.resourceId, distributionConfig: { defaultRootObject: "" } },
    }),
    revert: ({ clients }, s) => ({
      call: () => setRootObject(clients, s.resourceId, "index.html"),
      source: "cloudfront.amazonaws.com",
      eventName: "UpdateDistribution2020_05_31",
      params: { id: s.resourceId, distributionConfig: { defaultRootObject: "index.html" } },
    }),
  },
];

const TWO_ZONES = [`${REGION}a`, `${REGION}b`];
const ONE_ZONE = [`${REGION}a`];
const KINESIS_KEY = "alias/aws/kinesis";

const alarm = (name: string, accountId: string, actionsEnabled: boolean) =>
  new PutMetricAlarmCommand({
    AlarmName: name,
    Namespace: "AWS/EC2",
    MetricName: "CPUUtilization",
    Statistic: "Average",
    Period: 60,
    EvaluationPeriods: 1,
    Threshold: 80,
    ComparisonOperator: "GreaterThanThreshold",
    ActionsEnabled: actionsEnabled,
    AlarmActions: [`arn:aws:sns:${REGION}:${accountId}:alerts`],
  });

const taskDefinition = (family: string, privileged: boolean) =>
  new RegisterTaskDefinitionCommand({
    family,
    containerDefinitions: [{ name: "app", image: "nginx:1.27", memory: 128, privileged }],
  });

const recorder = (accountId: string, allSupported: boolean) =>
  new PutConfigurationRecorderCommand({
    ConfigurationRecorder: {
      name: "default",
      roleARN: `arn:aws:iam::${accountId}:role/aws-service-role/config.amazonaws.com/AWSServiceRoleForConfig`,
      recordingGroup: allSupported
        ? { allSupported: true, includeGlobalResourceTypes: true }
        : { allSupported: false, includeGlobalResourceTypes: false, resourceTypes: ["AWS::S3::Bucket"] },
    },
  });

const wafLogDestination = (accountId: string, suffix: string) =>
  `arn:aws:firehose:${REGION}:${accountId}:deliverystream/aws-waf-logs-${suffix}`;
const wafLogging = (arn: string, accountId: string, suffix: string) =>
  new PutLoggingConfigurationCommand({
    LoggingConfiguration: { ResourceArn: arn, LogDestinationConfigs: [wafLogDestination(accountId, suffix)] },
  });

async function setRootObject(clients: SeedContext["clients"], id: string, root: string): Promise<void> {
  const cloudfront = clients.get("cloudfront");
  const current = await cloudfront.send(new GetDistributionConfigCommand({ Id: id }));
  await cloudfront.send(
    new UpdateDistributionCommand({
      Id: id,
      IfMatch: current.ETag,
      DistributionConfig: { ...current.DistributionConfig!, DefaultRootObject: root },
    }),
  );
}

serviceDescribe("moto", "the watcher, per service (b)", (endpoint) => {
  let h: WatchHarness;
  let ctx: SeedContext;
  let baseline: Finding[];
  const seeded = new Map<Scenario, Seeded | Error>();

  beforeAll(async () => {
    h = await watchHarness(endpoint);
    ctx = { clients: h.access.clientsFor(REGION), accountId: h.accountId, suffix: randomUUID().slice(0, 8) };
    for (const scenario of scenarios) seeded.set(scenario, await scenario.seed(ctx).catch((e: Error) => e));
    ({ findings: baseline } = await h.baseline([...new Set(scenarios.map((s) => s.service))]));
  }, 120_000);
  afterAll(async () => h?.close());

  for (const scenario of scenarios) {
    it(`${scenario.service}: ${scenario.change} FAILs ${scenario.checkId}; reverting resolves it`, async () => {
      const seed = seeded.get(scenario)!;
      if (seed instanceof Error) throw new Error(`seeding failed: ${seed.name}: ${seed.message}`);
      await runScenario(h, ctx, scenario, seed, baseline);
    }, 30_000);
  }

  it("route53: a zone's query logging deleted FAILs route53_public_zone_query_logging_enabled (the zone found through the config it held); re-created resolves", async () => {
    const route53 = ctx.clients.get("route53");
    const logs = ctx.clients.get("logs");
    const zone = await route53.send(
      new CreateHostedZoneCommand({
        Name: `watch-${ctx.suffix}.example.com`,
        CallerReference: `watch-${ctx.suffix}`,
      }),
    );
    const zoneId = zone.HostedZone!.Id!.split("/").pop()!;
    const logGroup = `/aws/route53/watch-${ctx.suffix}`;
    await logs.send(new CreateLogGroupCommand({ logGroupName: logGroup }));
    const logGroupArn = `arn:aws:logs:${REGION}:${h.accountId}:log-group:${logGroup}:*`;
    const config = await route53.send(
      new CreateQueryLoggingConfigCommand({ HostedZoneId: zoneId, CloudWatchLogsLogGroupArn: logGroupArn }),
    );
    await h.publish(
      h.record(
        "route53.amazonaws.com",
        "CreateQueryLoggingConfig",
        { hostedZoneId: zoneId, cloudWatchLogsLogGroupArn: logGroupArn },
        {
          responseElements: { queryLoggingConfig: { id: config.QueryLoggingConfig!.Id } },
        },
      ),
    );
    await h.watcher().run({ untilEmpty: true });
    const id = `${h.accountId}/global/route53_public_zone_query_logging_enabled/${zoneId}`;
    expect((await h.store.findings.life(id))?.status).toBe("PASS");

    await route53.send(new DeleteQueryLoggingConfigCommand({ Id: config.QueryLoggingConfig!.Id }));
    await h.publish(
      h.record("route53.amazonaws.com", "DeleteQueryLoggingConfig", { id: config.QueryLoggingConfig!.Id }),
    );
    await h.watcher().run({ untilEmpty: true });
    expect((await h.store.findings.life(id))?.status).toBe("FAIL");
    // The call names only the config; the zone that held it is the resource read again and changed.
    const [changed] = await h.store.events.drift({ arn: `arn:aws:route53:::hostedzone/${zoneId}` });
    expect(changed).toMatchObject({ change: "modified", eventName: "DeleteQueryLoggingConfig" });
    expect(changed!.transitions.map((t) => `${t.checkId}:${t.to}`)).toContain(
      "route53_public_zone_query_logging_enabled:FAIL",
    );

    const again = await route53.send(
      new CreateQueryLoggingConfigCommand({ HostedZoneId: zoneId, CloudWatchLogsLogGroupArn: logGroupArn }),
    );
    await h.publish(
      h.record(
        "route53.amazonaws.com",
        "CreateQueryLoggingConfig",
        { hostedZoneId: zoneId, cloudWatchLogsLogGroupArn: logGroupArn },
        {
          responseElements: { queryLoggingConfig: { id: again.QueryLoggingConfig!.Id } },
        },
      ),
    );
    await h.watcher().run({ untilEmpty: true });
    const resolved = await h.store.findings.life(id);
    expect(resolved?.status).toBe("PASS");
    expect(resolved?.resolvedAt).not.toBeNull();
  }, 60_000);
});
