/**
 * The load balancing collectors (classic ELB, ELBv2, ACM, regional WAFv2) against moto, seeded by
 * scripts/seed-lb.ts in a random account: each planted violation FAILs and its compliant twin PASSes. Then, over
 * stubbed SDK clients, what moto does not model — ListResourcesForWebACL (moto 5.2.1 answers HTTP 500), a
 * certificate about to expire (moto refuses to import an expired one and issues for a year), paging — and the
 * AccessDenied paths: a denied detail call is a `$error` marker and an ERROR verdict, a denied listing a gap.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  ALB_HARDENED,
  ALB_LEGACY,
  CERT_CT,
  CERT_NO_CT,
  CERT_STRONG,
  CERT_WEAK,
  CLASSIC_HARDENED,
  CLASSIC_LEGACY,
  LB_REGION,
  NLB_HARDENED,
  NLB_LEGACY,
  seedLb,
  WEB_ACL_EMPTY,
  WEB_ACL_HARDENED,
} from "../../scripts/seed-lb.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { acmCollector } from "../../tools/aws/acm.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { elbCollector } from "../../tools/aws/elb.ts";
import { elbv2Collector } from "../../tools/aws/elbv2.ts";
import { wafv2Collector } from "../../tools/aws/wafv2.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const NOW = new Date("2026-05-04T12:00:00.000Z");
const V2 = "AWS::ElasticLoadBalancingV2::LoadBalancer";
const CLASSIC = "AWS::ElasticLoadBalancing::LoadBalancer";
const CERT = "AWS::ACM::Certificate";
const ACL = "AWS::WAFv2::WebACL";

const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function verdict(items: ConfigurationItem[], checkId: string, item: ConfigurationItem, now = NOW) {
  const compiled = catalog.find((c) => c.check.id === checkId);
  if (!compiled) throw new Error(`no check ${checkId}`);
  return evaluateOne(compiled, item, createContext(items, settings, now))?.status;
}

/** Checks judged on a violating/compliant pair, by resource type: [check, violation, twin]. */
const PAIRS: Array<[string, string, string, string]> = [
  [V2, "elbv2_alb_http_redirects_to_https", ALB_LEGACY, ALB_HARDENED],
  [V2, "elbv2_alb_drop_invalid_header_fields", ALB_LEGACY, ALB_HARDENED],
  [V2, "elbv2_alb_logging_enabled", ALB_LEGACY, ALB_HARDENED],
  [V2, "elbv2_alb_desync_mitigation_mode", ALB_LEGACY, ALB_HARDENED],
  [V2, "elbv2_alb_waf_fail_open_disabled", ALB_LEGACY, ALB_HARDENED],
  [V2, "elbv2_deletion_protection_enabled", ALB_LEGACY, ALB_HARDENED],
  [V2, "elbv2_deletion_protection_enabled", NLB_LEGACY, NLB_HARDENED],
  [V2, "elbv2_multi_az", NLB_LEGACY, NLB_HARDENED],
  [V2, "elbv2_listeners_recommended_tls_policy", NLB_LEGACY, NLB_HARDENED],
  [V2, "elbv2_listeners_tls12_minimum", NLB_LEGACY, NLB_HARDENED],
  [V2, "elbv2_listeners_encrypted", NLB_LEGACY, NLB_HARDENED],
  [V2, "elbv2_listeners_encrypted", ALB_LEGACY, ALB_HARDENED],
  [V2, "elbv2_nlb_cross_zone_enabled", NLB_LEGACY, NLB_HARDENED],
  [CLASSIC, "elb_ssl_listeners_use_acm_certificate", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CLASSIC, "elb_listeners_encrypted", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CLASSIC, "elb_logging_enabled", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CLASSIC, "elb_connection_draining_enabled", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CLASSIC, "elb_ssl_listeners_strong_policy", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CLASSIC, "elb_ssl_listeners_no_legacy_protocols", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CLASSIC, "elb_cross_zone_enabled", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CLASSIC, "elb_multi_az", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CLASSIC, "elb_desync_mitigation_mode", CLASSIC_LEGACY, CLASSIC_HARDENED],
  [CERT, "acm_certificate_rsa_key_length", CERT_WEAK, CERT_STRONG],
  [CERT, "acm_certificate_transparency_logging_enabled", CERT_NO_CT, CERT_CT],
  [ACL, "wafv2_web_acl_logging_enabled", WEB_ACL_EMPTY, WEB_ACL_HARDENED],
  [ACL, "wafv2_web_acl_has_rules", WEB_ACL_EMPTY, WEB_ACL_HARDENED],
  [
    "AWS::ElasticLoadBalancingV2::TargetGroup",
    "elbv2_target_group_encrypted_to_targets",
    "web-targets",
    "tls-targets",
  ],
];

it("judges every check of the four services somewhere in this file", () => {
  const ours = catalog
    .filter((c) => ["elb", "elbv2", "acm", "wafv2"].includes(c.check.service))
    .map((c) => c.check.id);
  expect(ours.length).toBeGreaterThanOrEqual(30);
  const covered = new Set([
    ...PAIRS.map((p) => p[1]),
    "elbv2_alb_waf_acl_attached",
    "elbv2_listeners_acm_certificates",
    "acm_certificate_expiration_check",
    "acm_certificate_not_failed",
    "acm_certificate_managed_renewal_not_failed",
    "wafv2_web_acl_rules_metrics_enabled",
  ]);
  expect(ours.filter((id) => !covered.has(id))).toEqual([]);
});

serviceDescribe("moto", "load balancing collectors against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];
  let seeded: Awaited<ReturnType<typeof seedLb>>;
  const byName = (type: string, name: string) => {
    const found = ofType(items, type, LB_REGION).filter((i) => i.resourceName === name);
    expect(found, `${type} ${name}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    const set = new AwsClientSet(
      LB_REGION,
      () => ({ region: LB_REGION, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
      createClient,
      new ApiCallCounter(),
    );
    try {
      seeded = await seedLb(accountId, () => set);
    } finally {
      set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: [LB_REGION],
      services: ["elb", "elbv2", "acm", "wafv2"],
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads load balancers, certificates and web ACLs without a coverage gap", () => {
    expect(inventory.accountIds).toEqual([accountId]);
    expect(inventory.coverageGaps).toEqual([]);
    expect(ofType(items, V2, LB_REGION)).toHaveLength(4);
    expect(ofType(items, CLASSIC, LB_REGION)).toHaveLength(2);
    expect(ofType(items, CERT, LB_REGION)).toHaveLength(4);
    expect(ofType(items, ACL, LB_REGION)).toHaveLength(2);
    expect(
      ofType(items, "AWS::ElasticLoadBalancingV2::TargetGroup", LB_REGION)
        .map((t) => t.resourceName)
        .sort(),
    ).toEqual(["tcp-targets", "tls-targets", "web-targets"]);
    expect(seeded.created["elbv2:load-balancer"]).toBe(4);
  });

  it("records listeners, attributes, policies and certificate details in the documented shape", () => {
    const alb = byName(V2, ALB_HARDENED);
    expect(alb.resourceId).toBe(seeded.loadBalancerArns[ALB_HARDENED]);
    expect(alb.configuration).toMatchObject({ type: "application", scheme: "internet-facing" });
    expect(alb.supplementaryConfiguration.attributes).toMatchObject({
      deletionProtectionEnabled: "true",
      routingHttpDropInvalidHeaderFieldsEnabled: "true",
      routingHttpDesyncMitigationMode: "strictest",
      accessLogsS3Enabled: "true",
    });
    const listeners = alb.supplementaryConfiguration.listeners as Array<Record<string, unknown>>;
    expect(listeners).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          protocol: "HTTP",
          port: 80,
          defaultActions: [
            expect.objectContaining({
              type: "redirect",
              redirectConfig: expect.objectContaining({ protocol: "HTTPS" }),
            }),
          ],
        }),
        expect.objectContaining({
          protocol: "HTTPS",
          sslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
          certificates: [expect.objectContaining({ certificateArn: seeded.certificateArns[CERT_STRONG] })],
        }),
      ]),
    );
    const classic = byName(CLASSIC, CLASSIC_LEGACY);
    expect(classic.supplementaryConfiguration.sslPolicies).toEqual([
      {
        loadBalancerPort: 443,
        protocol: "HTTPS",
        policyName: "ELBSecurityPolicy-2016-08",
        referenceSecurityPolicy: "ELBSecurityPolicy-2016-08",
        protocols: ["TLSv1", "TLSv1.1", "TLSv1.2"],
      },
    ]);
    expect(classic.supplementaryConfiguration.attributes).toMatchObject({
      crossZoneLoadBalancing: { enabled: false },
      desyncMitigationMode: "monitor",
    });
    const weak = byName(CERT, CERT_WEAK);
    expect(weak.configuration).toMatchObject({
      type: "IMPORTED",
      keyAlgorithm: "RSA_1024",
      status: "ISSUED",
    });
    const noCt = byName(CERT, CERT_NO_CT);
    expect(noCt.supplementaryConfiguration.certificate).toMatchObject({
      certificateTransparencyLoggingPreference: "DISABLED",
    });
    const acl = byName(ACL, WEB_ACL_HARDENED);
    expect(acl.supplementaryConfiguration.webAcl).toMatchObject({
      defaultAction: "ALLOW",
      rulesCount: 1,
      rules: [expect.objectContaining({ name: "aws-common", statementType: "ManagedRuleGroupStatement" })],
    });
    expect(acl.supplementaryConfiguration.loggingConfiguration).toMatchObject({ redactedFieldsCount: 1 });
    // GetLoggingConfiguration answers WAFNonexistentItemException: "never configured", so null.
    expect(byName(ACL, WEB_ACL_EMPTY).supplementaryConfiguration.loggingConfiguration).toBeNull();
  });

  it("FAILs each planted violation and PASSes its compliant twin", () => {
    for (const [type, id, bad, good] of PAIRS) {
      expect(verdict(items, id, byName(type, bad)), `${id} on ${bad}`).toBe("FAIL");
      expect(verdict(items, id, byName(type, good)), `${id} on ${good}`).toBe("PASS");
    }
    expect(verdict(items, "wafv2_web_acl_rules_metrics_enabled", byName(ACL, WEB_ACL_EMPTY))).toBe("FAIL");
    expect(verdict(items, "wafv2_web_acl_rules_metrics_enabled", byName(ACL, WEB_ACL_HARDENED))).toBe("PASS");
    expect(verdict(items, "elbv2_listeners_acm_certificates", byName(V2, ALB_HARDENED))).toBe("PASS");
    expect(verdict(items, "acm_certificate_expiration_check", byName(CERT, CERT_STRONG))).toBe("PASS");
    for (const name of [CERT_WEAK, CERT_STRONG, CERT_CT])
      expect(verdict(items, "acm_certificate_not_failed", byName(CERT, name)), name).toBe("PASS");
  });

  it("gives ERROR, not FAIL, for the WAF association where moto cannot list a web ACL's resources", () => {
    // moto 5.2.1 does not implement ListResourcesForWebACL; the stubbed tests below cover the real answer.
    const acl = byName(ACL, WEB_ACL_HARDENED);
    if (isCallError(acl.supplementaryConfiguration.loadBalancerArns))
      expect(verdict(items, "elbv2_alb_waf_acl_attached", byName(V2, ALB_HARDENED))).toBe("ERROR");
    else expect(verdict(items, "elbv2_alb_waf_acl_attached", byName(V2, ALB_HARDENED))).toBe("PASS");
  });
});

describe("load balancing collectors over stubbed answers (what moto does not model)", () => {
  const denied = () => awsError("AccessDeniedException", "not authorized", 403);
  const albArn = (name: string) =>
    `arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/${name}/0123456789abcdef`;
  const aclArn =
    "arn:aws:wafv2:us-east-1:111122223333:regional/webacl/web/11111111-2222-3333-4444-555555555555";
  /** A load balancer as DescribeLoadBalancers documents it. */
  const alb = (name: string) => ({
    LoadBalancerArn: albArn(name),
    DNSName: `${name}-1234.us-east-1.elb.amazonaws.com`,
    CanonicalHostedZoneId: "Z35SXDOTRQ7X7K",
    CreatedTime: new Date("2025-01-01T00:00:00Z"),
    LoadBalancerName: name,
    Scheme: "internet-facing",
    VpcId: "vpc-1",
    State: { Code: "active" },
    Type: "application",
    AvailabilityZones: [
      { ZoneName: "us-east-1a", SubnetId: "subnet-a" },
      { ZoneName: "us-east-1b", SubnetId: "subnet-b" },
    ],
    SecurityGroups: ["sg-1"],
    IpAddressType: "ipv4",
  });

  it("reads the web ACL's load balancers and judges the association from them (ELB.16)", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "elbv2:DescribeTargetGroups": () => ({ TargetGroups: [] }),
        "elbv2:DescribeLoadBalancers": (input) =>
          input.Marker
            ? { LoadBalancers: [alb("unprotected")] }
            : { LoadBalancers: [alb("shop")], NextMarker: "p2" },
        "elbv2:DescribeLoadBalancerAttributes": () => ({
          Attributes: [
            { Key: "deletion_protection.enabled", Value: "true" },
            { Key: "routing.http.drop_invalid_header_fields.enabled", Value: "true" },
            { Key: "routing.http.desync_mitigation_mode", Value: "defensive" },
            { Key: "access_logs.s3.enabled", Value: "false" },
            { Key: "waf.fail_open.enabled", Value: "false" },
          ],
        }),
        "elbv2:DescribeListeners": (input) => ({
          Listeners: [
            {
              ListenerArn: `${input.LoadBalancerArn}/listener/1`,
              LoadBalancerArn: input.LoadBalancerArn,
              Port: 443,
              Protocol: "HTTPS",
              SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
              Certificates: [{ CertificateArn: "arn:aws:iam::111122223333:server-certificate/www" }],
              DefaultActions: [{ Type: "forward", TargetGroupArn: "tg", Order: 1 }],
            },
          ],
        }),
        "wafv2:ListWebACLs": (input) => {
          expect(input.Scope).toBe("REGIONAL");
          return {
            WebACLs: [
              { Name: "web", Id: "11111111-2222-3333-4444-555555555555", ARN: aclArn, LockToken: "t" },
            ],
          };
        },
        "wafv2:GetWebACL": () => ({
          WebACL: {
            Name: "web",
            Id: "11111111-2222-3333-4444-555555555555",
            ARN: aclArn,
            DefaultAction: { Block: {} },
            Rules: [
              {
                Name: "rate",
                Priority: 1,
                Statement: { RateBasedStatement: { Limit: 1000, AggregateKeyType: "IP" } },
                Action: { Block: {} },
                VisibilityConfig: {
                  SampledRequestsEnabled: true,
                  CloudWatchMetricsEnabled: false,
                  MetricName: "r",
                },
              },
            ],
            VisibilityConfig: {
              SampledRequestsEnabled: true,
              CloudWatchMetricsEnabled: true,
              MetricName: "web",
            },
            Capacity: 2,
          },
          LockToken: "t",
        }),
        "wafv2:GetLoggingConfiguration": () => awsError("WAFNonexistentItemException", "not found"),
        "wafv2:ListResourcesForWebACL": (input) => {
          expect(input.ResourceType).toBe("APPLICATION_LOAD_BALANCER");
          return { ResourceArns: [albArn("shop")] };
        },
      },
      { calls },
    );
    const items = [...(await elbv2Collector.collect(ctx)), ...(await wafv2Collector.collect(ctx))];
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "elbv2:DescribeLoadBalancers")).toHaveLength(2);
    const shop = items.find((i) => i.resourceName === "shop")!;
    const unprotected = items.find((i) => i.resourceName === "unprotected")!;
    const acl = items.find((i) => i.resourceType === ACL)!;
    expect(acl.supplementaryConfiguration).toMatchObject({
      webAcl: {
        defaultAction: "BLOCK",
        rulesCount: 1,
        rules: [
          {
            name: "rate",
            statementType: "RateBasedStatement",
            action: "Block",
            cloudWatchMetricsEnabled: false,
          },
        ],
      },
      loggingConfiguration: null,
      loadBalancerArns: [albArn("shop")],
    });
    // The evaluation context holds only what this inventory holds; the scan's gaps are not involved here.
    expect(verdict(items, "elbv2_alb_waf_acl_attached", shop)).toBe("PASS");
    expect(verdict(items, "elbv2_alb_waf_acl_attached", unprotected)).toBe("FAIL");
    expect(verdict(items, "elbv2_listeners_acm_certificates", shop)).toBe("FAIL");
    expect(verdict(items, "elbv2_alb_logging_enabled", shop)).toBe("FAIL");
    expect(verdict(items, "wafv2_web_acl_rules_metrics_enabled", acl)).toBe("FAIL");
    expect(verdict(items, "wafv2_web_acl_logging_enabled", acl)).toBe("FAIL");
  });

  it("asks ACM for every key type, follows NextToken and warns before a certificate expires (ACM.1)", async () => {
    const cert = (id: string, extra: Record<string, unknown>) => ({
      CertificateArn: `arn:aws:acm:us-east-1:111122223333:certificate/${id}`,
      DomainName: `${id}.example.com`,
      Status: "ISSUED",
      Type: "IMPORTED",
      KeyAlgorithm: "RSA_2048",
      InUse: true,
      RenewalEligibility: "INELIGIBLE",
      NotBefore: new Date("2025-06-01T00:00:00Z"),
      ...extra,
    });
    const { ctx, gaps } = stubContext({
      "acm:ListCertificates": (input) => {
        expect((input.Includes as { keyTypes: string[] }).keyTypes).toEqual(
          expect.arrayContaining(["RSA_1024", "RSA_2048", "RSA_4096", "EC_prime256v1", "EC_secp521r1"]),
        );
        return input.NextToken
          ? { CertificateSummaryList: [cert("later", { NotAfter: new Date("2027-05-01T00:00:00Z") })] }
          : {
              CertificateSummaryList: [
                cert("soon", { NotAfter: new Date("2026-05-20T00:00:00Z") }),
                cert("failed", { Status: "FAILED", Type: "AMAZON_ISSUED", NotAfter: undefined }),
              ],
              NextToken: "next",
            };
      },
      "acm:DescribeCertificate": (input) => ({
        Certificate: {
          CertificateArn: input.CertificateArn,
          InUseBy: ["arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop/1"],
          Options: { CertificateTransparencyLoggingPreference: "ENABLED" },
          ...(String(input.CertificateArn).endsWith("failed")
            ? { FailureReason: "CAA_ERROR", RenewalSummary: undefined }
            : {}),
        },
      }),
    });
    const items = await acmCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const [soon, failed, later] = ["soon", "failed", "later"].map(
      (id) => items.find((i) => i.resourceId.endsWith(`/${id}`))!,
    );
    expect(soon!.configuration.notAfter).toBe("2026-05-20T00:00:00.000Z");
    expect(soon!.supplementaryConfiguration.certificate).toMatchObject({
      inUseBy: ["arn:aws:elasticloadbalancing:us-east-1:111122223333:loadbalancer/app/shop/1"],
    });
    expect(failed!.supplementaryConfiguration.certificate).toMatchObject({ failureReason: "CAA_ERROR" });
    expect(verdict(items, "acm_certificate_expiration_check", soon!)).toBe("FAIL");
    expect(verdict(items, "acm_certificate_expiration_check", later!)).toBe("PASS");
    expect(verdict(items, "acm_certificate_expiration_check", failed!)).toBeUndefined();
    expect(verdict(items, "acm_certificate_not_failed", failed!)).toBe("FAIL");
  });

  it("turns denied detail calls into $error markers and ERROR verdicts, never a FAIL", async () => {
    const { ctx, gaps } = stubContext({
      "elbv2:DescribeLoadBalancers": () => ({ LoadBalancers: [alb("shop")] }),
      "elbv2:DescribeTargetGroups": () => ({ TargetGroups: [] }),
      "elbv2:DescribeLoadBalancerAttributes": denied,
      "elbv2:DescribeListeners": denied,
      "elb:DescribeLoadBalancers": () => ({
        LoadBalancerDescriptions: [
          {
            LoadBalancerName: "classic",
            ListenerDescriptions: [
              {
                Listener: {
                  Protocol: "HTTPS",
                  LoadBalancerPort: 443,
                  InstanceProtocol: "HTTP",
                  InstancePort: 80,
                  SSLCertificateId: "arn:aws:acm:us-east-1:111122223333:certificate/abc",
                },
                PolicyNames: ["ELBSecurityPolicy-TLS-1-2-2017-01"],
              },
            ],
            AvailabilityZones: ["us-east-1a", "us-east-1b"],
            Scheme: "internet-facing",
          },
        ],
      }),
      "elb:DescribeLoadBalancerAttributes": denied,
      "elb:DescribeLoadBalancerPolicies": denied,
      "acm:ListCertificates": () => ({
        CertificateSummaryList: [
          {
            CertificateArn: "arn:aws:acm:us-east-1:111122223333:certificate/abc",
            DomainName: "www.example.com",
            Type: "AMAZON_ISSUED",
            Status: "ISSUED",
            KeyAlgorithm: "RSA_2048",
            NotAfter: new Date("2027-01-01T00:00:00Z"),
          },
        ],
      }),
      "acm:DescribeCertificate": denied,
      "wafv2:ListWebACLs": () => ({ WebACLs: [{ Name: "web", Id: "1", ARN: aclArn }] }),
      "wafv2:GetWebACL": denied,
      "wafv2:GetLoggingConfiguration": denied,
      "wafv2:ListResourcesForWebACL": denied,
    });
    const items = (
      await Promise.all(
        [elbv2Collector, elbCollector, acmCollector, wafv2Collector].map((c) => c.collect(ctx)),
      )
    ).flat();
    expect(gaps).toEqual([]);
    const expectations: Array<[string, string[], string[]]> = [
      [
        V2,
        ["attributes", "listeners"],
        [
          "elbv2_alb_http_redirects_to_https",
          "elbv2_deletion_protection_enabled",
          "elbv2_alb_waf_acl_attached",
        ],
      ],
      [CLASSIC, ["attributes", "sslPolicies"], ["elb_logging_enabled", "elb_ssl_listeners_strong_policy"]],
      [
        CERT,
        ["certificate"],
        ["acm_certificate_transparency_logging_enabled", "acm_certificate_managed_renewal_not_failed"],
      ],
      [
        ACL,
        ["webAcl", "loggingConfiguration", "loadBalancerArns"],
        ["wafv2_web_acl_has_rules", "wafv2_web_acl_logging_enabled"],
      ],
    ];
    for (const [type, keys, checks] of expectations) {
      const item = items.find((i) => i.resourceType === type)!;
      for (const key of keys)
        expect(isCallError(item.supplementaryConfiguration[key]), `${type} ${key}`).toBe(true);
      for (const id of checks) expect(verdict(items, id, item), id).toBe("ERROR");
    }
    // What the listings carry is still judged.
    expect(verdict(items, "elbv2_multi_az", items.find((i) => i.resourceType === V2)!)).toBe("PASS");
    expect(verdict(items, "elb_listeners_encrypted", items.find((i) => i.resourceType === CLASSIC)!)).toBe(
      "PASS",
    );
  });

  it("records a coverage gap for each denied listing and invents nothing", async () => {
    const { ctx, gaps } = stubContext({
      "elbv2:DescribeLoadBalancers": denied,
      "elbv2:DescribeTargetGroups": denied,
      "elb:DescribeLoadBalancers": denied,
      "acm:ListCertificates": denied,
      "wafv2:ListWebACLs": denied,
    });
    for (const c of [elbv2Collector, elbCollector, acmCollector, wafv2Collector])
      expect(await c.collect(ctx)).toEqual([]);
    expect(gaps.map((g) => g.what).sort()).toEqual([
      "DescribeLoadBalancers",
      "DescribeLoadBalancers",
      "DescribeTargetGroups",
      "ListCertificates",
      "ListWebACLs",
    ]);
  });
});
