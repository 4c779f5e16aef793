import { gunzipSync } from "node:zlib";
import {
  type AutoScalingGroup,
  DescribeAutoScalingGroupsCommand,
  DescribeLaunchConfigurationsCommand,
  type LaunchConfiguration,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeLaunchTemplatesCommand,
  DescribeLaunchTemplateVersionsCommand,
  type LaunchTemplate,
  type LaunchTemplateVersion,
} from "@aws-sdk/client-ec2";
import { isSecretReference, NOT_A_SECRET } from "../../src/domain/secrets.ts";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const NEXT_TOKEN = { input: "NextToken", output: "NextToken" };

/**
 * What a user data script tells a check, and nothing more: whether there is one, and which kinds of secret-looking
 * content it holds (an AWS access key id, a private key block, a literal assigned to a secret-like name). The
 * script's text never leaves this function; only these flags are recorded.
 */
export interface UserDataFacts {
  present: boolean;
  secretLike: boolean;
  /** Kinds of secret-looking content found (`aws-access-key-id`, `private-key`, `secret-assignment`), never values. */
  hints: string[];
}

const ACCESS_KEY_ID = /\b(AKIA|ASIA)[0-9A-Z]{16}\b/;
const PRIVATE_KEY = /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/;
/** `DB_PASSWORD=hunter2`, `"api_key": "abc…"`, `aws_secret_access_key = …` (the value captured, to judge it). */
const SECRET_ASSIGNMENT =
  /\b[\w.-]*(secret|passw(?:or)?d|pwd|token|api[_-]?key|private[_-]?key|access[_-]?key|credential)[\w.-]*["']?\s*[:=]\s*["']?([^\s"',;]+)/gi;

export function userDataFacts(encoded: string | undefined | null): UserDataFacts {
  if (!encoded) return { present: false, secretLike: false, hints: [] };
  const text = decodeUserData(encoded);
  const hints = new Set<string>();
  if (ACCESS_KEY_ID.test(text)) hints.add("aws-access-key-id");
  if (PRIVATE_KEY.test(text)) hints.add("private-key");
  for (const match of text.matchAll(SECRET_ASSIGNMENT)) {
    const value = match[2] ?? "";
    // A shell or template expansion (`$(curl …)`, `${VAR}`, `{{resolve:…}}`), a flag or a reference is no literal.
    if (value.length < 6 || /^[$`{(<]/.test(value) || NOT_A_SECRET.test(value) || isSecretReference(value))
      continue;
    hints.add("secret-assignment");
  }
  return { present: true, secretLike: hints.size > 0, hints: [...hints].sort() };
}

/** User data is base64 in the API answers; cloud-init also accepts it gzipped. */
function decodeUserData(encoded: string): string {
  const bytes = Buffer.from(encoded, "base64");
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) {
    try {
      return gunzipSync(bytes).toString("utf8");
    } catch {
      return "";
    }
  }
  return bytes.toString("utf8");
}

/**
 * Auto Scaling groups of the region: zones, health check type, what they launch from (a launch configuration, a
 * launch template or a mixed instances policy), load balancers and target groups, tags. The instance list changes
 * with every scaling activity and is not configuration; only its size is kept.
 */
const groups = resource({
  resourceType: "AWS::AutoScaling::AutoScalingGroup",
  client: "autoscaling",
  list: {
    action: "autoscaling:DescribeAutoScalingGroups",
    command: DescribeAutoScalingGroupsCommand,
    paging: NEXT_TOKEN,
    items: (page) => page.AutoScalingGroups,
  },
  id: (g: AutoScalingGroup) => g.AutoScalingGroupName,
  arn: (g, ctx) =>
    g.AutoScalingGroupARN ??
    `arn:${ctx.partition}:autoscaling:${ctx.region}:${ctx.accountId}:autoScalingGroup:*:autoScalingGroupName/${g.AutoScalingGroupName}`,
  configuration: (g) => {
    const { Tags: _tags, Instances, ...rest } = g;
    return {
      launchConfigurationName: null,
      launchTemplate: null,
      mixedInstancesPolicy: null,
      loadBalancerNames: [],
      targetGroupARNs: [],
      trafficSources: [],
      ...lowerCamelKeys(rest),
      instanceCount: Instances?.length ?? 0,
    };
  },
  tags: (g) => tagMap(g.Tags),
});

/** Launch configurations of the region. User data is reduced to `userData` facts (see `userDataFacts`). */
const launchConfigurations = resource({
  resourceType: "AWS::AutoScaling::LaunchConfiguration",
  client: "autoscaling",
  list: {
    action: "autoscaling:DescribeLaunchConfigurations",
    command: DescribeLaunchConfigurationsCommand,
    paging: NEXT_TOKEN,
    items: (page) => page.LaunchConfigurations,
  },
  id: (lc: LaunchConfiguration) => lc.LaunchConfigurationName,
  arn: (lc, ctx) =>
    lc.LaunchConfigurationARN ??
    `arn:${ctx.partition}:autoscaling:${ctx.region}:${ctx.accountId}:launchConfiguration:*:launchConfigurationName/${lc.LaunchConfigurationName}`,
  configuration: (lc) => {
    const { UserData, ...rest } = lc;
    return {
      metadataOptions: null,
      associatePublicIpAddress: null,
      blockDeviceMappings: [],
      ...lowerCamelKeys(rest),
      userData: userDataFacts(UserData),
    };
  },
});

/** What the launch template checks read of one version's data; user data again only as facts. */
function versionSummary(v: LaunchTemplateVersion, template: LaunchTemplate) {
  const data = v.LaunchTemplateData ?? {};
  return {
    versionNumber: v.VersionNumber ?? null,
    defaultVersion: v.DefaultVersion ?? false,
    latestVersion: v.VersionNumber !== undefined && v.VersionNumber === template.LatestVersionNumber,
    createTime: v.CreateTime?.toISOString() ?? null,
    imageId: data.ImageId ?? null,
    instanceType: data.InstanceType ?? null,
    metadataOptions: data.MetadataOptions ? lowerCamelKeys(data.MetadataOptions) : null,
    networkInterfaces: (data.NetworkInterfaces ?? []).map((n) => ({
      deviceIndex: n.DeviceIndex ?? null,
      associatePublicIpAddress: n.AssociatePublicIpAddress ?? null,
      subnetId: n.SubnetId ?? null,
    })),
    blockDeviceMappings: (data.BlockDeviceMappings ?? []).map((b) => ({
      deviceName: b.DeviceName ?? null,
      virtualName: b.VirtualName ?? null,
      noDevice: b.NoDevice ?? null,
      ebs: b.Ebs
        ? {
            encrypted: b.Ebs.Encrypted ?? null,
            kmsKeyId: b.Ebs.KmsKeyId ?? null,
            snapshotId: b.Ebs.SnapshotId ?? null,
            volumeType: b.Ebs.VolumeType ?? null,
          }
        : null,
    })),
    userData: userDataFacts(data.UserData),
  };
}

/**
 * EC2 launch templates of the region (read with the EC2 client, recorded by this collector), each with its
 * `$Latest` and `$Default` versions (one entry when they are the same version).
 */
const launchTemplates = resource({
  resourceType: "AWS::EC2::LaunchTemplate",
  client: "ec2",
  list: {
    action: "ec2:DescribeLaunchTemplates",
    command: DescribeLaunchTemplatesCommand,
    paging: NEXT_TOKEN,
    items: (page) => page.LaunchTemplates,
  },
  id: (t: LaunchTemplate) => t.LaunchTemplateId,
  name: (t) => t.LaunchTemplateName ?? t.LaunchTemplateId,
  arn: (t, ctx) =>
    `arn:${ctx.partition}:ec2:${ctx.region}:${ctx.accountId}:launch-template/${t.LaunchTemplateId}`,
  configuration: (t) => {
    const { Tags: _tags, ...rest } = t;
    return lowerCamelKeys(rest);
  },
  tags: (t) => tagMap(t.Tags),
  details: [
    detail({
      key: "versions",
      action: "ec2:DescribeLaunchTemplateVersions",
      command: DescribeLaunchTemplateVersionsCommand,
      paging: NEXT_TOKEN,
      input: (t: LaunchTemplate) => ({
        LaunchTemplateId: t.LaunchTemplateId,
        Versions: ["$Latest", "$Default"],
      }),
      pick: (answer, t) => {
        const seen = new Set<number | undefined>();
        return (answer.LaunchTemplateVersions ?? [])
          .filter((v) => !seen.has(v.VersionNumber) && seen.add(v.VersionNumber))
          .map((v) => versionSummary(v, t));
      },
    }),
  ],
});

export const autoscalingSpec: ServiceSpec = {
  service: "autoscaling",
  global: false,
  resources: [groups, launchConfigurations, launchTemplates],
};

/** EC2 Auto Scaling per region: groups, launch configurations, and the EC2 launch templates they launch from. */
export const autoscalingCollector = specCollector(autoscalingSpec);
