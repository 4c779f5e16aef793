/**
 * Demo seeding for load balancing, certificates and WAF (us-east-1), each violation next to its compliant twin:
 *
 * - ACM: an imported certificate with a 1024-bit RSA key (`legacy-api.example.com`) and an imported 2048-bit one
 *   (`api.example.com`) that the compliant listeners present; a requested certificate that opted out of
 *   certificate transparency logs (`shop.example.com`) and one that did not (`www.example.com`).
 * - ELBv2: an Application Load Balancer serving plain HTTP with every attribute left weak (`web-legacy`) and one
 *   that redirects HTTP to HTTPS, drops invalid headers, logs, resists deletion, is strict about desync and sits
 *   behind a web ACL (`web-hardened`); a Network Load Balancer in one zone with a TLS 1.0 policy and a plain TCP
 *   listener (`tcp-legacy`) and a two-zone TLS 1.3 one with cross-zone balancing (`tls-hardened`).
 * - Classic ELB: one in a single zone with HTTP and an HTTPS listener on an IAM certificate and an old policy,
 *   no draining, logs or cross-zone, desync monitor (`classic-legacy`), and its twin on ACM with the TLS 1.2 policy.
 * - WAFv2: a web ACL with a managed rule group, metrics and logging, associated with `web-hardened`
 *   (`web-protection`), and an empty one without metrics or logging (`empty-acl`).
 *
 * The certificates are throwaway self-signed ones made once with openssl for these seeds (keys included; they
 * protect nothing), valid 2025-01-01 to 2126-01-01. moto refuses to import an expired certificate and answers
 * ListResourcesForWebACL with an error, so the expiry and the WAF association verdicts are tested over stubs.
 * The access log bucket and the WAF log group are referenced by name only. Re-running reuses what the names find.
 */
import {
  ImportCertificateCommand,
  ListCertificatesCommand,
  RequestCertificateCommand,
} from "@aws-sdk/client-acm";
import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateLoadBalancerCommand as CreateClassicCommand,
  CreateLoadBalancerPolicyCommand,
  DescribeLoadBalancersCommand as DescribeClassicCommand,
  ModifyLoadBalancerAttributesCommand as ModifyClassicAttributesCommand,
  SetLoadBalancerPoliciesOfListenerCommand,
} from "@aws-sdk/client-elastic-load-balancing";
import {
  type Action,
  CreateListenerCommand,
  CreateLoadBalancerCommand,
  CreateTargetGroupCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  ModifyLoadBalancerAttributesCommand,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { UploadServerCertificateCommand } from "@aws-sdk/client-iam";
import {
  AssociateWebACLCommand,
  CreateWebACLCommand,
  ListWebACLsCommand,
  PutLoggingConfigurationCommand,
} from "@aws-sdk/client-wafv2";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const LB_REGION = "us-east-1";
export const ALB_LEGACY = "web-legacy";
export const ALB_HARDENED = "web-hardened";
export const NLB_LEGACY = "tcp-legacy";
export const NLB_HARDENED = "tls-hardened";
export const CLASSIC_LEGACY = "classic-legacy";
export const CLASSIC_HARDENED = "classic-hardened";
export const WEB_ACL_HARDENED = "web-protection";
export const WEB_ACL_EMPTY = "empty-acl";
export const CERT_WEAK = "legacy-api.example.com";
export const CERT_STRONG = "api.example.com";
export const CERT_NO_CT = "shop.example.com";
export const CERT_CT = "www.example.com";
/** The IAM server certificate the legacy classic load balancer presents. */
export const IAM_CERTIFICATE = "classic-legacy-iam";

const WEAK_PEM = `
-----BEGIN CERTIFICATE-----
MIIB/jCCAWegAwIBAgIBEDANBgkqhkiG9w0BAQsFADAhMR8wHQYDVQQDDBZsZWdh
Y3ktYXBpLmV4YW1wbGUuY29tMCAXDTI1MDEwMTAwMDAwMFoYDzIxMjYwMTAxMDAw
MDAwWjAhMR8wHQYDVQQDDBZsZWdhY3ktYXBpLmV4YW1wbGUuY29tMIGfMA0GCSqG
SIb3DQEBAQUAA4GNADCBiQKBgQDgN39vtVDp5/4FFWZASkJcWLq5/yXK0mGAXsM0
XVlLtFlrs0wDyY1ysfzLT0Lvs8lYhwapmXU6H/pI0G/Fs2aqkj3As+ASPDqNI2KD
lBfj+Ce7P81FcSmPBuqZSdxpd88uXEgUXz+Id9Rpivv4hkPo2+xPgosY+KgZ6/Rl
drdO+wIDAQABo0QwQjAhBgNVHREEGjAYghZsZWdhY3ktYXBpLmV4YW1wbGUuY29t
MB0GA1UdDgQWBBR7mRTsOanKMqfQbrRn+E/W9nxn2TANBgkqhkiG9w0BAQsFAAOB
gQA7ZRHdK4V4T1FzdhaExFTZUsiVb9WasuRfEh4B/AyV2AFFA1ZkeHKfILvoHTcd
UQjZr6wTotA96TBUNTGEJJ3xbKYstHejRCdCIZhCqqGd0Hu65ko21RNJLkah6pvd
+RbSoID/TJeQNBMDXIzTuccjOlCju8iG1pmaKh65IwoShQ==
-----END CERTIFICATE-----
`;
const WEAK_KEY = `
-----BEGIN PRIVATE KEY-----
MIICdgIBADANBgkqhkiG9w0BAQEFAASCAmAwggJcAgEAAoGBAOA3f2+1UOnn/gUV
ZkBKQlxYurn/JcrSYYBewzRdWUu0WWuzTAPJjXKx/MtPQu+zyViHBqmZdTof+kjQ
b8WzZqqSPcCz4BI8Oo0jYoOUF+P4J7s/zUVxKY8G6plJ3Gl3zy5cSBRfP4h31GmK
+/iGQ+jb7E+Cixj4qBnr9GV2t077AgMBAAECgYAGueN6yGeq/KikImY024VuG8NO
PRc3JGSEY1NbyMka+kgMcQ6AtpUlsa0xtCj/49bQbwyGHfJkUf1CHe6ccatMuEAj
z0t4F3NWMwZBxHsm9Rjy+CdCB9mddRY/2RDK7zXic0+8oUC6koJvMiEX3U82VIo8
s+RU13pMQseobWAm8QJBAPhj1rtt8GNT1ppzzvvqJdCIN4ODmlcdbe7Sjdzphm8E
noWcvIPXS+qloSPMgFBNx2WrIVa0tRuWnaP1+ASGV+cCQQDnFhCWW9C8EXf8Pghb
HnNhMJBaVmfEabZ86t51+vXI4UNgq98mfmVG/ym6vrST1eJ4hkrNKu704RR9pwb2
rF3NAkB67laRDpkhX5XffR9cmAa9DR2EbjaNlNgakYR6Z+0LttqJwAegrIY7DFwS
7pw2ojfkPmzSj77ud31vb0WfX6nTAkEA0aBvfaZerSx/lr/DHr151zGR0ZFOYpuv
IpSBJ6935TmLwJdJQAcq4oO4HCLBdtZwsfrIwmNvD49a4j1xkLV+BQJAXktwclqO
25yoHeKOOESPMbE0T5+pAJJJ/CIYW8tTsqS+sefyqg9F1pGZALvyCDFyBUHwaIy2
dTZEwsfYpqnyWg==
-----END PRIVATE KEY-----
`;
const STRONG_PEM = `
-----BEGIN CERTIFICATE-----
MIIC7jCCAdagAwIBAgIBETANBgkqhkiG9w0BAQsFADAaMRgwFgYDVQQDDA9hcGku
ZXhhbXBsZS5jb20wIBcNMjUwMTAxMDAwMDAwWhgPMjEyNjAxMDEwMDAwMDBaMBox
GDAWBgNVBAMMD2FwaS5leGFtcGxlLmNvbTCCASIwDQYJKoZIhvcNAQEBBQADggEP
ADCCAQoCggEBAM/hQz2cmAaxZLi9OGXYjFdCXVB7aKGAL+W7P/w4udJRWXu2RsKi
ScghDOCxkRiPO7FF0ZOWRX1Qdo+3rOpu+FCdRaTEThi7WWNFsOdoanUHKNv1IcoR
iQjleqB7DMMIgzRjtUxAs1lcafQap3A0T1dBmvnjD1nuWMN7CmMnxDFqU4sniit1
K/7+jiLR/WTva1tnoRXmC0DSNPbXH2AvweTRe5eN3jMfTUUFeJJuc2HNW4b9YEY8
hCIxvE8hPrfFf4GiTvGrS4rnPIzhEPkIEW9L+f/jqZz74FzkjSq9ZSEreUX5KFOy
76ohCcJhvMX4dD/lByOGXU1uZs87AEC7aYECAwEAAaM9MDswGgYDVR0RBBMwEYIP
YXBpLmV4YW1wbGUuY29tMB0GA1UdDgQWBBQjN4Oy2WOec13mM+41JQ3zJEFpkTAN
BgkqhkiG9w0BAQsFAAOCAQEAF8Ok8jGPeYbr+AN50BXpBnQMyviP9vfd0B2lVtC/
zKUpNVYOHx70Qlg41QXIFov9H9+RECmK23w4Zq4xVXcN61X0oXhbiqBcKtYdQZPj
qZEDvOiXbv6F38StzXooeVlb36yRp87IE4eERzNVIM0X3tV7eEjzhX28CYO074eZ
ktTrIiYCPJbgQuVxW6HV1Dh2D1a2/0Ey2juY1Ys1fPkN9uH1Fjuik58OMe+/XeBt
fcrxQRvrfzujVYwi52+nllPnzBCfQorvT2EQLRno0LRtjfM/jYA3OHKWFcOf4X5d
XwZO7sbzFz+8FWKBhfs9WrhBQuurPGDR/S009qnPgPWjcw==
-----END CERTIFICATE-----
`;
const STRONG_KEY = `
-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDP4UM9nJgGsWS4
vThl2IxXQl1Qe2ihgC/luz/8OLnSUVl7tkbCoknIIQzgsZEYjzuxRdGTlkV9UHaP
t6zqbvhQnUWkxE4Yu1ljRbDnaGp1Byjb9SHKEYkI5XqgewzDCIM0Y7VMQLNZXGn0
GqdwNE9XQZr54w9Z7ljDewpjJ8QxalOLJ4ordSv+/o4i0f1k72tbZ6EV5gtA0jT2
1x9gL8Hk0XuXjd4zH01FBXiSbnNhzVuG/WBGPIQiMbxPIT63xX+Bok7xq0uK5zyM
4RD5CBFvS/n/46mc++Bc5I0qvWUhK3lF+ShTsu+qIQnCYbzF+HQ/5Qcjhl1NbmbP
OwBAu2mBAgMBAAECggEARbTrr0VLVTM26xvIRZ6PsNL4J3y6YS1y4j4f/pum8/eD
YhCFOc7hntI2V0IzvWCKS691z1+cfaD1oMuemB4N9jpGmDGbXn+0Qa2k3HQO/p8f
/GH+qpumr+0DabzZUq0QEgk9SgyIF3b9sHUfoGhqEoBVT2XsR+O8sBAaM5WqHEdH
+PwYI/nAZAqGeu8tClojK/hdTlOdO4eRH/6TPwU4LBBhojYQSU4c27Ua2SJpgv7B
HC44lJugyaFO4oiAq+JpXqUI28rfI3UwGSnTOIN4W1ZmokQqWOTGJ1M6PRxLGYl7
gTo95huwR5V3WwDJjRs/E/0V6nBUyaIqFkRRztI3YQKBgQD5w7CpqgBUr54IS6gA
6o74SkCpH+4wSw+q7Ec3lgqWQHYShZhg3MJcNO8ULqnH80Y5rGBRyOzNm4aoudXA
yordo0zZgo9gLmVHFoKCJ0KTnLGbif0txxscswNWdkQhSx1jnwfsKIV9HNWTXEih
YGPRkhUV/J6uYBkj29W2DJsPLwKBgQDVEeC7Cp0kf82fN+zaKlV7Sjzyekp5xSaS
5lBPcqHHQjgGKaIldtAOTdntT2QXYQMH0azALL50w5eAA7w3s5mgpQn6gN2KFng5
stQ1g4FDrzRM1uGVf2fPuxqx/qwNb9zR9nY7I7QhKB0oe/8lfHM5SX0SVYWPf5B9
GRBj+ztmTwKBgCu+QDSW15P9Zfoh9fyjGAMYThbQxtCidM4Er7xmhNgn1gYMa9Gb
GFc51h18xrOEQepb7EqmnAKumHj4gx1O299ReGYn3aCEv6whnx3YbmqX6OtK0ZKw
6miuWYlNEUWbeDw4YBTWS/rLkARNB1NsJE9R/GtrYQc9QWnsWJOXxZh1AoGAX19E
P5TNqCPIz2cCDtl6L9iYFVVl9sGntYOAGT/PaFicqS2Dlc9r66svTAkIXWqgJ6TT
9aVRjwRp0PRbEHfE4WJeaBG8mG3cXL9OO7Hkb36CI47fpMJFnnc6yMedDdqvdhAi
9e/SVjEVdCSknYvqK49Ye5dqVEQeUdChRI+VFAMCgYEAorT4XFXIsYRXw6r5/wKA
pF/EmM9JZRC/CYsNKNbfGhix8dXgWgb8DEDxkJR9aPa/IaBxgV3A10n6Y0GYIuv7
7t70Kq4goYNYJGj8BwruW1O4zvht0O9vN5GHG6SsXM1eSOYjgTr6sKVs1M8ThBUl
A0MKsykWOSeH4R34hE1TIw8=
-----END PRIVATE KEY-----
`;

export interface LbSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
  certificateArns: Record<string, string>;
  loadBalancerArns: Record<string, string>;
  webAclArns: Record<string, string>;
}

const enc = (text: string) => new TextEncoder().encode(text.trim());

export async function seedLb(accountId: string, clients: (region: string) => AwsClientSet): Promise<LbSeed> {
  const set = clients(LB_REGION);
  const acm = set.get("acm");
  const elbv2 = set.get("elbv2");
  const elb = set.get("elb");
  const ec2 = set.get("ec2");
  const wafv2 = set.get("wafv2");
  const iam = set.get("iam");
  const created: Record<string, number> = {};
  const count = (kind: string) => {
    created[kind] = (created[kind] ?? 0) + 1;
  };

  // ---- ACM
  const listed = await acm.send(
    new ListCertificatesCommand({
      Includes: {
        keyTypes: ["RSA_1024", "RSA_2048", "RSA_3072", "RSA_4096", "EC_prime256v1", "EC_secp384r1"],
      },
    }),
  );
  const existing = (domain: string) =>
    listed.CertificateSummaryList?.find((c) => c.DomainName === domain)?.CertificateArn;
  const imported = async (domain: string, pem: string, key: string) => {
    const found = existing(domain);
    if (found) return found;
    const answer = await acm.send(
      new ImportCertificateCommand({
        Certificate: enc(pem),
        PrivateKey: enc(key),
        Tags: [{ Key: "Name", Value: domain }],
      }),
    );
    count("acm:certificate");
    return answer.CertificateArn!;
  };
  const requested = async (domain: string, transparency: "ENABLED" | "DISABLED") => {
    const found = existing(domain);
    if (found) return found;
    const answer = await acm.send(
      new RequestCertificateCommand({
        DomainName: domain,
        ValidationMethod: "DNS",
        // Export is AWS's default spelled out: moto 5.2.1 fails ListCertificates for options without it.
        Options: { CertificateTransparencyLoggingPreference: transparency, Export: "DISABLED" },
      }),
    );
    count("acm:certificate");
    return answer.CertificateArn!;
  };
  const certificateArns: Record<string, string> = {
    [CERT_WEAK]: await imported(CERT_WEAK, WEAK_PEM, WEAK_KEY),
    [CERT_STRONG]: await imported(CERT_STRONG, STRONG_PEM, STRONG_KEY),
    [CERT_NO_CT]: await requested(CERT_NO_CT, "DISABLED"),
    [CERT_CT]: await requested(CERT_CT, "ENABLED"),
  };
  const strongCert = certificateArns[CERT_STRONG]!;
  const weakCert = certificateArns[CERT_WEAK]!;

  // ---- Subnets: the default VPC's default subnets of two zones.
  const subnets = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }),
  );
  const byZone = [...(subnets.Subnets ?? [])].sort((a, b) =>
    (a.AvailabilityZone ?? "").localeCompare(b.AvailabilityZone ?? ""),
  );
  const [subnetA, subnetB] = byZone;
  if (!subnetA?.SubnetId || !subnetB?.SubnetId || !subnetA.VpcId)
    throw new Error(`seed-lb: the default VPC of ${LB_REGION} needs default subnets in two zones`);
  const vpcId = subnetA.VpcId;

  // ---- ELBv2
  const targetGroup = async (name: string, protocol: "HTTP" | "TCP" | "TLS", port: number) => {
    const found = await elbv2
      .send(new DescribeTargetGroupsCommand({ Names: [name] }))
      .then((a) => a.TargetGroups?.[0]?.TargetGroupArn)
      .catch(() => undefined);
    if (found) return found;
    const answer = await elbv2.send(
      new CreateTargetGroupCommand({
        Name: name,
        Protocol: protocol,
        Port: port,
        VpcId: vpcId,
        TargetType: "instance",
      }),
    );
    count("elbv2:target-group");
    return answer.TargetGroups![0]!.TargetGroupArn!;
  };
  const httpTargets = await targetGroup("web-targets", "HTTP", 80);
  const tcpTargets = await targetGroup("tcp-targets", "TCP", 443);
  // The compliant twin of both: TLS all the way to the targets.
  await targetGroup("tls-targets", "TLS", 443);
  const forward = (arn: string): Action[] => [{ Type: "forward", TargetGroupArn: arn }];

  const loadBalancerArns: Record<string, string> = {};
  const v2 = async (
    name: string,
    type: "application" | "network",
    subnetIds: string[],
    attributes: Record<string, string>,
    listeners: Array<Omit<ConstructorParameters<typeof CreateListenerCommand>[0], "LoadBalancerArn">>,
  ) => {
    const found = await elbv2
      .send(new DescribeLoadBalancersCommand({ Names: [name] }))
      .then((a) => a.LoadBalancers?.[0]?.LoadBalancerArn)
      .catch(() => undefined);
    let arn = found;
    if (!arn) {
      const answer = await elbv2.send(
        new CreateLoadBalancerCommand({
          Name: name,
          Type: type,
          Scheme: "internet-facing",
          Subnets: subnetIds,
          Tags: [{ Key: "Name", Value: name }],
        }),
      );
      arn = answer.LoadBalancers![0]!.LoadBalancerArn!;
      count("elbv2:load-balancer");
      for (const listener of listeners) {
        await elbv2.send(new CreateListenerCommand({ ...listener, LoadBalancerArn: arn }));
        count("elbv2:listener");
      }
    }
    await elbv2.send(
      new ModifyLoadBalancerAttributesCommand({
        LoadBalancerArn: arn,
        Attributes: Object.entries(attributes).map(([Key, Value]) => ({ Key, Value })),
      }),
    );
    loadBalancerArns[name] = arn;
    return arn;
  };
  const logBucket = `enforceai-demo-lb-logs-${accountId}`;
  await v2(
    ALB_LEGACY,
    "application",
    [subnetA.SubnetId, subnetB.SubnetId],
    {
      "routing.http.drop_invalid_header_fields.enabled": "false",
      "routing.http.desync_mitigation_mode": "monitor",
      "deletion_protection.enabled": "false",
      "waf.fail_open.enabled": "true",
      "access_logs.s3.enabled": "false",
    },
    [{ Protocol: "HTTP", Port: 80, DefaultActions: forward(httpTargets) }],
  );
  const hardenedAlb = await v2(
    ALB_HARDENED,
    "application",
    [subnetA.SubnetId, subnetB.SubnetId],
    {
      "routing.http.drop_invalid_header_fields.enabled": "true",
      "routing.http.desync_mitigation_mode": "strictest",
      "deletion_protection.enabled": "true",
      "waf.fail_open.enabled": "false",
      "access_logs.s3.enabled": "true",
      "access_logs.s3.bucket": logBucket,
      "access_logs.s3.prefix": ALB_HARDENED,
    },
    [
      {
        Protocol: "HTTP",
        Port: 80,
        DefaultActions: [
          { Type: "redirect", RedirectConfig: { Protocol: "HTTPS", Port: "443", StatusCode: "HTTP_301" } },
        ],
      },
      {
        Protocol: "HTTPS",
        Port: 443,
        SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        Certificates: [{ CertificateArn: strongCert }],
        DefaultActions: forward(httpTargets),
      },
    ],
  );
  await v2(
    NLB_LEGACY,
    "network",
    [subnetA.SubnetId],
    { "deletion_protection.enabled": "false", "load_balancing.cross_zone.enabled": "false" },
    [
      {
        Protocol: "TLS",
        Port: 443,
        SslPolicy: "ELBSecurityPolicy-2016-08",
        Certificates: [{ CertificateArn: weakCert }],
        DefaultActions: forward(tcpTargets),
      },
      { Protocol: "TCP", Port: 8080, DefaultActions: forward(tcpTargets) },
    ],
  );
  await v2(
    NLB_HARDENED,
    "network",
    [subnetA.SubnetId, subnetB.SubnetId],
    { "deletion_protection.enabled": "true", "load_balancing.cross_zone.enabled": "true" },
    [
      {
        Protocol: "TLS",
        Port: 443,
        SslPolicy: "ELBSecurityPolicy-TLS13-1-2-2021-06",
        Certificates: [{ CertificateArn: strongCert }],
        DefaultActions: forward(tcpTargets),
      },
    ],
  );

  // ---- Classic ELB, behind a security group of their own (without one, EC2 makes a group per load balancer).
  const groups = await ec2.send(
    new DescribeSecurityGroupsCommand({
      Filters: [
        { Name: "group-name", Values: ["classic-load-balancers"] },
        { Name: "vpc-id", Values: [vpcId] },
      ],
    }),
  );
  let classicGroup = groups.SecurityGroups?.[0]?.GroupId;
  if (!classicGroup) {
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: "classic-load-balancers",
        Description: "Classic Load Balancers of the demo",
        VpcId: vpcId,
      }),
    );
    classicGroup = group.GroupId!;
    count("ec2:security-group");
  }
  const classicExists = async (name: string) =>
    elb
      .send(new DescribeClassicCommand({ LoadBalancerNames: [name] }))
      .then((a) => (a.LoadBalancerDescriptions?.length ?? 0) > 0)
      .catch(() => false);
  if (!(await classicExists(CLASSIC_LEGACY))) {
    const upload = await iam.send(
      new UploadServerCertificateCommand({
        ServerCertificateName: IAM_CERTIFICATE,
        CertificateBody: WEAK_PEM.trim(),
        PrivateKey: WEAK_KEY.trim(),
      }),
    );
    count("iam:server-certificate");
    await elb.send(
      new CreateClassicCommand({
        LoadBalancerName: CLASSIC_LEGACY,
        AvailabilityZones: [subnetA.AvailabilityZone!],
        SecurityGroups: [classicGroup],
        Listeners: [
          { Protocol: "HTTP", LoadBalancerPort: 80, InstanceProtocol: "HTTP", InstancePort: 80 },
          {
            Protocol: "HTTPS",
            LoadBalancerPort: 443,
            InstanceProtocol: "HTTP",
            InstancePort: 80,
            SSLCertificateId: upload.ServerCertificateMetadata!.Arn!,
          },
        ],
      }),
    );
    count("elb:load-balancer");
    // The old default policy: TLS 1.0 and 1.1 still on.
    await elb.send(
      new CreateLoadBalancerPolicyCommand({
        LoadBalancerName: CLASSIC_LEGACY,
        PolicyName: "ELBSecurityPolicy-2016-08",
        PolicyTypeName: "SSLNegotiationPolicyType",
        PolicyAttributes: [
          { AttributeName: "Reference-Security-Policy", AttributeValue: "ELBSecurityPolicy-2016-08" },
          { AttributeName: "Protocol-TLSv1", AttributeValue: "true" },
          { AttributeName: "Protocol-TLSv1.1", AttributeValue: "true" },
          { AttributeName: "Protocol-TLSv1.2", AttributeValue: "true" },
        ],
      }),
    );
    await elb.send(
      new SetLoadBalancerPoliciesOfListenerCommand({
        LoadBalancerName: CLASSIC_LEGACY,
        LoadBalancerPort: 443,
        PolicyNames: ["ELBSecurityPolicy-2016-08"],
      }),
    );
  }
  await elb.send(
    new ModifyClassicAttributesCommand({
      LoadBalancerName: CLASSIC_LEGACY,
      LoadBalancerAttributes: {
        CrossZoneLoadBalancing: { Enabled: false },
        ConnectionDraining: { Enabled: false },
        AccessLog: { Enabled: false },
        AdditionalAttributes: [{ Key: "elb.http.desyncmitigationmode", Value: "monitor" }],
      },
    }),
  );
  if (!(await classicExists(CLASSIC_HARDENED))) {
    await elb.send(
      new CreateClassicCommand({
        LoadBalancerName: CLASSIC_HARDENED,
        AvailabilityZones: [subnetA.AvailabilityZone!, subnetB.AvailabilityZone!],
        SecurityGroups: [classicGroup],
        Listeners: [
          {
            Protocol: "HTTPS",
            LoadBalancerPort: 443,
            InstanceProtocol: "HTTP",
            InstancePort: 80,
            SSLCertificateId: strongCert,
          },
        ],
      }),
    );
    count("elb:load-balancer");
    await elb.send(
      new CreateLoadBalancerPolicyCommand({
        LoadBalancerName: CLASSIC_HARDENED,
        PolicyName: "tls-1-2-only",
        PolicyTypeName: "SSLNegotiationPolicyType",
        PolicyAttributes: [
          { AttributeName: "Reference-Security-Policy", AttributeValue: "ELBSecurityPolicy-TLS-1-2-2017-01" },
          { AttributeName: "Protocol-TLSv1.2", AttributeValue: "true" },
        ],
      }),
    );
    await elb.send(
      new SetLoadBalancerPoliciesOfListenerCommand({
        LoadBalancerName: CLASSIC_HARDENED,
        LoadBalancerPort: 443,
        PolicyNames: ["tls-1-2-only"],
      }),
    );
  }
  await elb.send(
    new ModifyClassicAttributesCommand({
      LoadBalancerName: CLASSIC_HARDENED,
      LoadBalancerAttributes: {
        CrossZoneLoadBalancing: { Enabled: true },
        ConnectionDraining: { Enabled: true, Timeout: 300 },
        AccessLog: {
          Enabled: true,
          S3BucketName: logBucket,
          S3BucketPrefix: CLASSIC_HARDENED,
          EmitInterval: 60,
        },
        AdditionalAttributes: [{ Key: "elb.http.desyncmitigationmode", Value: "defensive" }],
      },
    }),
  );

  // ---- WAFv2 (regional)
  const acls = await wafv2.send(new ListWebACLsCommand({ Scope: "REGIONAL" }));
  const webAcl = async (name: string, withRules: boolean) => {
    const found = acls.WebACLs?.find((a) => a.Name === name)?.ARN;
    if (found) return found;
    const answer = await wafv2.send(
      new CreateWebACLCommand({
        Name: name,
        Scope: "REGIONAL",
        DefaultAction: { Allow: {} },
        Rules: withRules
          ? [
              {
                Name: "aws-common",
                Priority: 0,
                Statement: {
                  ManagedRuleGroupStatement: { VendorName: "AWS", Name: "AWSManagedRulesCommonRuleSet" },
                },
                OverrideAction: { None: {} },
                VisibilityConfig: {
                  SampledRequestsEnabled: true,
                  CloudWatchMetricsEnabled: true,
                  MetricName: "aws-common",
                },
              },
            ]
          : [],
        VisibilityConfig: {
          SampledRequestsEnabled: withRules,
          CloudWatchMetricsEnabled: withRules,
          MetricName: name,
        },
      }),
    );
    count("wafv2:web-acl");
    return answer.Summary!.ARN!;
  };
  const protection = await webAcl(WEB_ACL_HARDENED, true);
  const empty = await webAcl(WEB_ACL_EMPTY, false);
  await wafv2.send(
    new PutLoggingConfigurationCommand({
      LoggingConfiguration: {
        ResourceArn: protection,
        LogDestinationConfigs: [
          `arn:aws:logs:${LB_REGION}:${accountId}:log-group:aws-waf-logs-${WEB_ACL_HARDENED}`,
        ],
        RedactedFields: [{ SingleHeader: { Name: "authorization" } }],
      },
    }),
  );
  await wafv2.send(new AssociateWebACLCommand({ WebACLArn: protection, ResourceArn: hardenedAlb }));

  return {
    created,
    certificateArns,
    loadBalancerArns,
    webAclArns: { [WEB_ACL_HARDENED]: protection, [WEB_ACL_EMPTY]: empty },
  };
}
