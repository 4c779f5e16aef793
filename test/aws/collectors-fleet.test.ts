/**
 * The fleet collectors (Auto Scaling with EC2 launch templates, Route 53, Kinesis, Firehose) against moto, seeded by
 * scripts/seed-fleet.ts in a random account: each planted violation FAILs and its compliant twin PASSes. Then, over
 * stubbed SDK clients, what moto 5.2.1 cannot give (a DNSSEC-signed zone, paging, AWS's answer shapes) and the
 * AccessDenied paths: a denied detail call is a `$error` marker and an ERROR verdict, a denied listing a coverage gap.
 *
 * moto speaks HTTP/1.1 only while the Kinesis client defaults to HTTP/2: the collector itself switches its client to
 * HTTP/1.1 (see tools/aws/kinesis.ts), which discovery here relies on; the seeder does the same for its own client.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { FLEET_NAMES, FLEET_REGION, seedFleet } from "../../scripts/seed-fleet.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { autoscalingCollector, userDataFacts } from "../../tools/aws/autoscaling.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { firehoseCollector } from "../../tools/aws/firehose.ts";
import { kinesisCollector } from "../../tools/aws/kinesis.ts";
import { route53Collector } from "../../tools/aws/route53.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const NOW = new Date("2026-05-04T12:00:00.000Z");
const ASG = "AWS::AutoScaling::AutoScalingGroup";
const LC = "AWS::AutoScaling::LaunchConfiguration";
const LT = "AWS::EC2::LaunchTemplate";
const ZONE = "AWS::Route53::HostedZone";
const STREAM = "AWS::Kinesis::Stream";
const DELIVERY = "AWS::KinesisFirehose::DeliveryStream";

const GROUP_CHECKS = [
  "autoscaling_group_elb_health_check",
  "autoscaling_group_multiple_az",
  "autoscaling_group_multiple_instance_types",
  "autoscaling_group_uses_launch_template",
];
const LAUNCH_CONFIG_CHECKS = [
  "autoscaling_launch_config_imdsv2_required",
  "autoscaling_launch_config_imds_hop_limit",
  "autoscaling_launch_config_no_public_ip",
  "autoscaling_launch_config_ebs_encrypted",
  "autoscaling_launch_config_no_user_data_secrets",
];
const TEMPLATE_CHECKS = [
  "autoscaling_launch_template_no_public_ip",
  "autoscaling_launch_template_imdsv2_required",
  "autoscaling_launch_template_ebs_encrypted",
];
const ZONE_CHECKS = ["route53_public_zone_query_logging_enabled", "route53_public_zone_dnssec_signing"];
const STREAM_CHECKS = [
  "kinesis_stream_encrypted_at_rest",
  "kinesis_stream_encrypted_with_cmk",
  "kinesis_stream_retention_period",
];
const DELIVERY_CHECKS = [
  "firehose_delivery_stream_encrypted_at_rest",
  "firehose_delivery_stream_encrypted_with_cmk",
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

it("covers every check of the fleet services", () => {
  const ids = catalog
    .filter((c) => ["autoscaling", "route53", "kinesis", "firehose"].includes(c.check.service))
    .map((c) => c.check.id);
  expect(ids.sort()).toEqual(
    [
      ...GROUP_CHECKS,
      ...LAUNCH_CONFIG_CHECKS,
      ...TEMPLATE_CHECKS,
      "autoscaling_launch_template_no_user_data_secrets",
      ...ZONE_CHECKS,
      ...STREAM_CHECKS,
      ...DELIVERY_CHECKS,
    ].sort(),
  );
});

describe("user data facts", () => {
  const b64 = (s: string) => Buffer.from(s).toString("base64");
  it("flags literals under secret-like names, keys and key blocks, never keeping the text", () => {
    expect(userDataFacts(undefined)).toEqual({ present: false, secretLike: false, hints: [] });
    expect(userDataFacts(b64("#!/bin/bash\nexport DB_PASSWORD=Sup3rSecretDemo!\n"))).toEqual({
      present: true,
      secretLike: true,
      hints: ["secret-assignment"],
    });
    const facts = userDataFacts(
      b64("aws_access_key_id = AKIAABCDEFGHIJKLMNOP\n-----BEGIN RSA PRIVATE KEY-----\nMIIB\n"),
    );
    expect(facts.hints).toEqual(["aws-access-key-id", "private-key", "secret-assignment"]);
    expect(JSON.stringify(facts)).not.toContain("AKIA");
  });

  it("does not count expansions, references or flags", () => {
    const script = [
      "#!/bin/bash",
      "TOKEN=$(curl -sX PUT http://169.254.169.254/latest/api/token)",
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a shell expansion in a script, not a template
      "DB_PASSWORD=${DB_PASSWORD_FROM_SSM}",
      "API_KEY_ARN=arn:aws:secretsmanager:us-east-1:111122223333:secret:app",
      "SECRET_NAME=arn:aws:ssm:us-east-1:111122223333:parameter/app/secret",
      "USE_TOKEN=true",
    ].join("\n");
    expect(userDataFacts(b64(script))).toEqual({ present: true, secretLike: false, hints: [] });
  });
});

serviceDescribe("moto", "fleet collectors against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];
  let seeded: Awaited<ReturnType<typeof seedFleet>>;
  const byId = (type: string, id: string, region = FLEET_REGION) => {
    const found = ofType(items, type, region).filter((i) => i.resourceId === id);
    expect(found, `${type} ${id}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    const set = new AwsClientSet(
      FLEET_REGION,
      () => ({ region: FLEET_REGION, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
      createClient,
      new ApiCallCounter(),
    );
    try {
      seeded = await seedFleet(accountId, () => set);
    } finally {
      set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: [FLEET_REGION],
      services: ["autoscaling", "route53", "kinesis", "firehose"],
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads every planted resource without a coverage gap", () => {
    expect(inventory.coverageGaps).toEqual([]);
    expect(ofType(items, ASG, FLEET_REGION)).toHaveLength(2);
    expect(ofType(items, LC, FLEET_REGION)).toHaveLength(1);
    expect(ofType(items, LT, FLEET_REGION)).toHaveLength(2);
    expect(ofType(items, ZONE, "global")).toHaveLength(3);
    expect(ofType(items, STREAM, FLEET_REGION)).toHaveLength(3);
    expect(ofType(items, DELIVERY, FLEET_REGION)).toHaveLength(2);
    // Query logging configurations are folded into their zones, not items of their own.
    expect(items.filter((i) => i.resourceType === "AWS::Route53::QueryLoggingConfig")).toEqual([]);
  });

  it("records the launch settings, and user data only as flags", () => {
    const lc = byId(LC, FLEET_NAMES.legacyLaunchConfig);
    expect(lc.configuration).toMatchObject({
      associatePublicIpAddress: true,
      metadataOptions: { httpTokens: "optional", httpPutResponseHopLimit: 3 },
      userData: { present: true, secretLike: true, hints: ["secret-assignment"] },
    });
    expect(JSON.stringify(lc)).not.toContain("Sup3rSecretDemo");
    const web = byId(LT, seeded.launchTemplateIds[FLEET_NAMES.webLaunchTemplate]!);
    expect(web.resourceName).toBe(FLEET_NAMES.webLaunchTemplate);
    expect(web.arn).toBe(
      `arn:aws:ec2:${FLEET_REGION}:${accountId}:launch-template/${seeded.launchTemplateIds[FLEET_NAMES.webLaunchTemplate]}`,
    );
    // moto answers $Latest and $Default separately even when they are one version: it is kept once.
    expect(web.supplementaryConfiguration.versions).toEqual([
      expect.objectContaining({
        versionNumber: 1,
        defaultVersion: true,
        latestVersion: true,
        metadataOptions: expect.objectContaining({ httpTokens: "required" }),
        networkInterfaces: [expect.objectContaining({ associatePublicIpAddress: false })],
        userData: { present: true, secretLike: false, hints: [] },
      }),
    ]);
    const group = byId(ASG, FLEET_NAMES.webGroup);
    expect(group.tags).toEqual({ Name: FLEET_NAMES.webGroup });
    expect(group.configuration).toMatchObject({ healthCheckType: "ELB", instanceCount: 0 });
    expect(group.configuration.instances).toBeUndefined();
  });

  it("FAILs each planted violation and PASSes its compliant twin", () => {
    const legacyGroup = byId(ASG, FLEET_NAMES.legacyGroup);
    const webGroup = byId(ASG, FLEET_NAMES.webGroup);
    for (const id of GROUP_CHECKS) {
      expect(verdict(items, id, legacyGroup), `${id} on ${FLEET_NAMES.legacyGroup}`).toBe("FAIL");
      expect(verdict(items, id, webGroup), `${id} on ${FLEET_NAMES.webGroup}`).toBe("PASS");
    }
    const lc = byId(LC, FLEET_NAMES.legacyLaunchConfig);
    for (const id of LAUNCH_CONFIG_CHECKS) expect(verdict(items, id, lc), id).toBe("FAIL");
    const webTemplate = byId(LT, seeded.launchTemplateIds[FLEET_NAMES.webLaunchTemplate]!);
    const legacyTemplate = byId(LT, seeded.launchTemplateIds[FLEET_NAMES.legacyLaunchTemplate]!);
    for (const id of TEMPLATE_CHECKS) {
      expect(verdict(items, id, legacyTemplate), `${id} on the legacy template`).toBe("FAIL");
      expect(verdict(items, id, webTemplate), `${id} on the web template`).toBe("PASS");
    }
    expect(verdict(items, "autoscaling_launch_template_no_user_data_secrets", webTemplate)).toBe("PASS");

    const zone = (name: string) => byId(ZONE, seeded.zoneIds[name]!, "global");
    const logging = "route53_public_zone_query_logging_enabled";
    expect(verdict(items, logging, zone(FLEET_NAMES.legacyZone))).toBe("FAIL");
    expect(verdict(items, logging, zone(FLEET_NAMES.appZone))).toBe("PASS");
    expect(verdict(items, logging, zone(FLEET_NAMES.privateZone))).toBeUndefined();
    // moto 5.2.1 always answers NOT_SIGNING; the signed case is in the stubbed tests below.
    expect(verdict(items, "route53_public_zone_dnssec_signing", zone(FLEET_NAMES.appZone))).toBe("FAIL");
    expect(zone(FLEET_NAMES.appZone).supplementaryConfiguration.queryLoggingConfigs).toEqual([
      {
        id: expect.any(String),
        cloudWatchLogsLogGroupArn: `arn:aws:logs:us-east-1:${accountId}:log-group:/aws/route53/${FLEET_NAMES.appZone}:*`,
      },
    ]);

    const legacyStream = byId(STREAM, FLEET_NAMES.legacyStream);
    const managedStream = byId(STREAM, FLEET_NAMES.managedStream);
    const stream = byId(STREAM, FLEET_NAMES.stream);
    for (const id of STREAM_CHECKS) {
      expect(verdict(items, id, legacyStream), `${id} on ${FLEET_NAMES.legacyStream}`).toBe("FAIL");
      expect(verdict(items, id, stream), `${id} on ${FLEET_NAMES.stream}`).toBe("PASS");
    }
    expect(verdict(items, "kinesis_stream_encrypted_at_rest", managedStream)).toBe("PASS");
    expect(verdict(items, "kinesis_stream_encrypted_with_cmk", managedStream)).toBe("FAIL");

    const legacyDelivery = byId(DELIVERY, FLEET_NAMES.legacyDelivery);
    const delivery = byId(DELIVERY, FLEET_NAMES.delivery);
    for (const id of DELIVERY_CHECKS) {
      expect(verdict(items, id, legacyDelivery), `${id} on ${FLEET_NAMES.legacyDelivery}`).toBe("FAIL");
      expect(verdict(items, id, delivery), `${id} on ${FLEET_NAMES.delivery}`).toBe("PASS");
    }
    expect(delivery.supplementaryConfiguration.description).toMatchObject({
      deliveryStreamType: "DirectPut",
      encryption: { status: "ENABLED", keyType: "CUSTOMER_MANAGED_CMK", keyArn: seeded.keyArn },
      destinationTypes: ["ExtendedS3", "S3"],
    });
  });
});

describe("fleet collectors over stubbed answers", () => {
  const denied = () => awsError("AccessDenied", "not authorized", 403);

  it("Route 53: follows Marker paging, reads DNSSEC for public zones only, joins query logging read once", async () => {
    // moto cannot sign a zone; AWS answers GetDNSSEC as below for a signed zone.
    const calls: string[] = [];
    const zone = (id: string, name: string, privateZone = false) => ({
      Id: `/hostedzone/${id}`,
      Name: `${name}.`,
      CallerReference: id,
      Config: { PrivateZone: privateZone },
      ResourceRecordSetCount: 4,
    });
    const { ctx, gaps } = stubContext(
      {
        "route53:ListHostedZones": (input) =>
          input.Marker === "Z2"
            ? { HostedZones: [zone("Z2", "internal.example.com", true)], IsTruncated: false, MaxItems: 100 }
            : {
                HostedZones: [zone("Z1", "example.com")],
                IsTruncated: true,
                NextMarker: "Z2",
                MaxItems: 100,
              },
        "route53:GetDNSSEC": () => ({
          Status: { ServeSignature: "SIGNING" },
          KeySigningKeys: [{ Name: "ksk1", Status: "ACTIVE", SigningAlgorithmType: 13 }],
        }),
        "route53:ListQueryLoggingConfigs": () => ({
          QueryLoggingConfigs: [
            {
              Id: "q1",
              HostedZoneId: "Z1",
              CloudWatchLogsLogGroupArn:
                "arn:aws:logs:us-east-1:111122223333:log-group:/aws/route53/example.com",
            },
          ],
        }),
      },
      { calls },
    );
    const items = await route53Collector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "route53:ListQueryLoggingConfigs")).toHaveLength(1);
    expect(calls.filter((c) => c === "route53:GetDNSSEC")).toHaveLength(1);
    const [z1, z2] = ["Z1", "Z2"].map((id) => items.find((i) => i.resourceId === id)!);
    expect(items).toHaveLength(2);
    expect(z1!.awsRegion).toBe("global");
    expect(z1!.resourceName).toBe("example.com");
    expect(z1!.arn).toBe("arn:aws:route53:::hostedzone/Z1");
    expect(z1!.supplementaryConfiguration.queryLoggingConfigs).toEqual([
      {
        id: "q1",
        cloudWatchLogsLogGroupArn: "arn:aws:logs:us-east-1:111122223333:log-group:/aws/route53/example.com",
      },
    ]);
    expect(z2!.supplementaryConfiguration).toEqual({ dnssec: null, queryLoggingConfigs: [] });
    expect(verdict(items, "route53_public_zone_dnssec_signing", z1!)).toBe("PASS");
    expect(verdict(items, "route53_public_zone_query_logging_enabled", z1!)).toBe("PASS");
    expect(verdict(items, "route53_public_zone_dnssec_signing", z2!)).toBeUndefined();
  });

  it("Route 53: a denied query logging listing marks every zone, a denied DNSSEC call that zone", async () => {
    const { ctx, gaps } = stubContext({
      "route53:ListHostedZones": () => ({
        HostedZones: [{ Id: "/hostedzone/Z1", Name: "example.com.", CallerReference: "z", Config: {} }],
      }),
      "route53:GetDNSSEC": denied,
      "route53:ListQueryLoggingConfigs": denied,
    });
    const items = await route53Collector.collect(ctx);
    expect(gaps).toEqual([]);
    const [z] = items;
    expect(isCallError(z!.supplementaryConfiguration.queryLoggingConfigs)).toBe(true);
    expect(isCallError(z!.supplementaryConfiguration.dnssec)).toBe(true);
    for (const id of ZONE_CHECKS) expect(verdict(items, id, z!), id).toBe("ERROR");
  });

  it("Auto Scaling: pages every listing and keeps launch template versions once each", async () => {
    const calls: string[] = [];
    const version = (n: number, extra: Record<string, unknown>) => ({
      LaunchTemplateId: "lt-1",
      LaunchTemplateName: "web",
      VersionNumber: n,
      DefaultVersion: n === 1,
      CreateTime: new Date("2025-01-01T00:00:00Z"),
      LaunchTemplateData: { ImageId: "ami-1", UserData: Buffer.from("echo hi").toString("base64"), ...extra },
    });
    const { ctx, gaps } = stubContext(
      {
        "autoscaling:DescribeAutoScalingGroups": (input) =>
          input.NextToken
            ? {
                AutoScalingGroups: [
                  {
                    AutoScalingGroupName: "g2",
                    LaunchConfigurationName: "lc1",
                    AvailabilityZones: ["us-east-1a"],
                    HealthCheckType: "EC2",
                    LoadBalancerNames: ["classic"],
                    Instances: [{ InstanceId: "i-1" }],
                    MinSize: 0,
                    MaxSize: 1,
                    DesiredCapacity: 1,
                    DefaultCooldown: 300,
                    CreatedTime: new Date("2025-01-01T00:00:00Z"),
                  },
                ],
              }
            : {
                AutoScalingGroups: [
                  {
                    AutoScalingGroupName: "g1",
                    AutoScalingGroupARN:
                      "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:uuid:autoScalingGroupName/g1",
                    LaunchTemplate: { LaunchTemplateId: "lt-1", Version: "$Default" },
                    AvailabilityZones: ["us-east-1a", "us-east-1b"],
                    HealthCheckType: "EC2",
                    Tags: [
                      { Key: "team", Value: "web", ResourceId: "g1", ResourceType: "auto-scaling-group" },
                    ],
                    MinSize: 0,
                    MaxSize: 1,
                    DesiredCapacity: 0,
                    DefaultCooldown: 300,
                    CreatedTime: new Date("2025-01-01T00:00:00Z"),
                  },
                ],
                NextToken: "p2",
              },
        "autoscaling:DescribeLaunchConfigurations": () => ({
          LaunchConfigurations: [
            {
              LaunchConfigurationName: "lc1",
              ImageId: "ami-1",
              InstanceType: "t3.micro",
              CreatedTime: new Date("2025-01-01T00:00:00Z"),
              UserData: Buffer.from("export GITHUB_TOKEN=ghp_abcdefghijklmnop").toString("base64"),
              MetadataOptions: { HttpTokens: "required", HttpEndpoint: "enabled" },
            },
          ],
        }),
        "ec2:DescribeLaunchTemplates": () => ({
          LaunchTemplates: [
            {
              LaunchTemplateId: "lt-1",
              LaunchTemplateName: "web",
              DefaultVersionNumber: 1,
              LatestVersionNumber: 2,
              Tags: [{ Key: "team", Value: "web" }],
            },
          ],
        }),
        "ec2:DescribeLaunchTemplateVersions": (input) => {
          expect(input).toMatchObject({ LaunchTemplateId: "lt-1", Versions: ["$Latest", "$Default"] });
          return {
            LaunchTemplateVersions: [
              version(2, { MetadataOptions: { HttpTokens: "required" } }),
              version(1, { NetworkInterfaces: [{ DeviceIndex: 0, AssociatePublicIpAddress: true }] }),
            ],
          };
        },
      },
      { calls },
    );
    const items = await autoscalingCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "autoscaling:DescribeAutoScalingGroups")).toHaveLength(2);
    const g1 = items.find((i) => i.resourceId === "g1")!;
    const g2 = items.find((i) => i.resourceId === "g2")!;
    expect(g1.tags).toEqual({ team: "web" });
    expect(g2.arn).toBe(
      "arn:aws:autoscaling:us-east-1:111122223333:autoScalingGroup:*:autoScalingGroupName/g2",
    );
    expect(g2.configuration).toMatchObject({ instanceCount: 1, launchConfigurationName: "lc1" });
    expect(verdict(items, "autoscaling_group_elb_health_check", g1)).toBeUndefined();
    expect(verdict(items, "autoscaling_group_elb_health_check", g2)).toBe("FAIL");
    expect(verdict(items, "autoscaling_group_uses_launch_template", g1)).toBe("PASS");
    expect(verdict(items, "autoscaling_group_multiple_instance_types", g1)).toBe("FAIL");
    const lc = items.find((i) => i.resourceType === LC)!;
    expect(lc.configuration.userData).toEqual({
      present: true,
      secretLike: true,
      hints: ["secret-assignment"],
    });
    expect(JSON.stringify(lc)).not.toContain("ghp_");
    expect(verdict(items, "autoscaling_launch_config_imdsv2_required", lc)).toBe("PASS");
    expect(verdict(items, "autoscaling_launch_config_no_user_data_secrets", lc)).toBe("FAIL");
    const lt = items.find((i) => i.resourceType === LT)!;
    expect(lt.tags).toEqual({ team: "web" });
    const versions = lt.supplementaryConfiguration.versions as Array<Record<string, unknown>>;
    expect(versions.map((v) => [v.versionNumber, v.latestVersion, v.defaultVersion])).toEqual([
      [2, true, false],
      [1, false, true],
    ]);
    expect(JSON.stringify(versions)).not.toContain(Buffer.from("echo hi").toString("base64"));
    // The latest version is fine, the default one (what groups launch by default) is not.
    expect(verdict(items, "autoscaling_launch_template_imdsv2_required", lt)).toBe("FAIL");
    expect(verdict(items, "autoscaling_launch_template_no_public_ip", lt)).toBe("FAIL");
  });

  it("Auto Scaling: a denied versions call is an ERROR, denied listings are coverage gaps", async () => {
    const { ctx, gaps } = stubContext({
      "autoscaling:DescribeAutoScalingGroups": denied,
      "autoscaling:DescribeLaunchConfigurations": denied,
      "ec2:DescribeLaunchTemplates": () => ({ LaunchTemplates: [{ LaunchTemplateId: "lt-1" }] }),
      "ec2:DescribeLaunchTemplateVersions": denied,
    });
    const items = await autoscalingCollector.collect(ctx);
    expect(gaps.map((g) => g.what).sort()).toEqual([
      "DescribeAutoScalingGroups",
      "DescribeLaunchConfigurations",
    ]);
    expect(items).toHaveLength(1);
    expect(isCallError(items[0]!.supplementaryConfiguration.versions)).toBe(true);
    for (const id of TEMPLATE_CHECKS) expect(verdict(items, id, items[0]!), id).toBe("ERROR");
  });

  it("Kinesis: reads stream summaries by ARN; a denied summary is an ERROR", async () => {
    const calls: string[] = [];
    const arn = (name: string) => `arn:aws:kinesis:us-east-1:111122223333:stream/${name}`;
    const { ctx, gaps } = stubContext(
      {
        "kinesis:ListStreams": (input) =>
          input.NextToken
            ? {
                StreamNames: ["s2"],
                HasMoreStreams: false,
                StreamSummaries: [{ StreamName: "s2", StreamARN: arn("s2") }],
              }
            : {
                StreamNames: ["s1"],
                HasMoreStreams: true,
                NextToken: "t2",
                StreamSummaries: [
                  {
                    StreamName: "s1",
                    StreamARN: arn("s1"),
                    StreamStatus: "ACTIVE",
                    StreamModeDetails: { StreamMode: "PROVISIONED" },
                    StreamCreationTimestamp: new Date("2025-01-01T00:00:00Z"),
                  },
                ],
              },
        "kinesis:DescribeStreamSummary": (input) =>
          input.StreamARN === arn("s2")
            ? denied()
            : {
                StreamDescriptionSummary: {
                  StreamName: "s1",
                  StreamARN: arn("s1"),
                  StreamStatus: "ACTIVE",
                  RetentionPeriodHours: 48,
                  StreamCreationTimestamp: new Date("2025-01-01T00:00:00Z"),
                  EnhancedMonitoring: [],
                  EncryptionType: "KMS",
                  KeyId: "arn:aws:kms:us-east-1:111122223333:key/1234",
                  OpenShardCount: 2,
                  ConsumerCount: 1,
                },
              },
      },
      { calls },
    );
    const items = await kinesisCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "kinesis:ListStreams")).toHaveLength(2);
    const [s1, s2] = ["s1", "s2"].map((id) => items.find((i) => i.resourceId === id)!);
    expect(s1!.configuration).toMatchObject({
      streamARN: arn("s1"),
      streamCreationTimestamp: "2025-01-01T00:00:00.000Z",
    });
    expect(verdict(items, "kinesis_stream_encrypted_with_cmk", s1!)).toBe("PASS");
    expect(verdict(items, "kinesis_stream_retention_period", s1!)).toBe("FAIL");
    for (const id of STREAM_CHECKS) expect(verdict(items, id, s2!), id).toBe("ERROR");
  });

  it("Firehose: keeps encryption and destination kinds; source-fed streams are not applicable", async () => {
    const description = (name: string, extra: Record<string, unknown>) => ({
      DeliveryStreamDescription: {
        DeliveryStreamName: name,
        DeliveryStreamARN: `arn:aws:firehose:us-east-1:111122223333:deliverystream/${name}`,
        DeliveryStreamStatus: "ACTIVE",
        DeliveryStreamType: "DirectPut",
        VersionId: "1",
        Destinations: [
          { DestinationId: "d1", HttpEndpointDestinationDescription: { EndpointConfiguration: {} } },
        ],
        HasMoreDestinations: false,
        ...extra,
      },
    });
    const { ctx, gaps } = stubContext({
      "firehose:ListDeliveryStreams": (input) => {
        expect(input.Limit).toBe(10_000);
        return { DeliveryStreamNames: ["d1", "d2", "d3"], HasMoreDeliveryStreams: false };
      },
      "firehose:DescribeDeliveryStream": (input) =>
        input.DeliveryStreamName === "d1"
          ? description("d1", {
              DeliveryStreamEncryptionConfiguration: { Status: "ENABLED", KeyType: "AWS_OWNED_CMK" },
            })
          : input.DeliveryStreamName === "d2"
            ? description("d2", {
                DeliveryStreamType: "KinesisStreamAsSource",
                Source: {
                  KinesisStreamSourceDescription: {
                    KinesisStreamARN: "arn:aws:kinesis:us-east-1:111122223333:stream/s1",
                  },
                },
              })
            : denied(),
    });
    const items = await firehoseCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const [d1, d2, d3] = ["d1", "d2", "d3"].map((id) => items.find((i) => i.resourceId === id)!);
    expect(d1!.supplementaryConfiguration.description).toMatchObject({
      encryption: { status: "ENABLED", keyType: "AWS_OWNED_CMK", keyArn: null },
      destinationTypes: ["HttpEndpoint"],
      source: null,
    });
    expect(verdict(items, "firehose_delivery_stream_encrypted_at_rest", d1!)).toBe("PASS");
    expect(verdict(items, "firehose_delivery_stream_encrypted_with_cmk", d1!)).toBe("FAIL");
    expect(d2!.supplementaryConfiguration.description).toMatchObject({
      source: { kinesisStreamArn: "arn:aws:kinesis:us-east-1:111122223333:stream/s1" },
    });
    expect(verdict(items, "firehose_delivery_stream_encrypted_at_rest", d2!)).toBeUndefined();
    for (const id of DELIVERY_CHECKS) expect(verdict(items, id, d3!), id).toBe("ERROR");
  });

  it("records a coverage gap for each denied listing and invents nothing", async () => {
    const { ctx, gaps } = stubContext({
      "kinesis:ListStreams": denied,
      "firehose:ListDeliveryStreams": denied,
      "route53:ListHostedZones": denied,
      "route53:ListQueryLoggingConfigs": () => ({ QueryLoggingConfigs: [] }),
    });
    expect(await kinesisCollector.collect(ctx)).toEqual([]);
    expect(await firehoseCollector.collect(ctx)).toEqual([]);
    expect(await route53Collector.collect(ctx)).toEqual([]);
    expect(gaps.map((g) => g.what).sort()).toEqual(["ListDeliveryStreams", "ListHostedZones", "ListStreams"]);
  });
});
