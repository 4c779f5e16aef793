import type { Finding } from "../../src/domain/types.ts";
import type { ScanReport } from "../../src/report/model.ts";

export const XSS_NAME = "<script>alert(1)</script>";
export const FORMULA_TAG = '=HYPERLINK("http://x")';
export const QUOTED_REASON = 'Bucket policy "Principal" is "*", expected an account ARN, got "*"';
export const PASS_EVIDENCE_MARKER = "PASS_EVIDENCE_MARKER_7f3a";

const base: Pick<Finding, "accountId" | "frameworks" | "suppressed" | "tags"> = {
  accountId: "123456789012",
  frameworks: [],
  suppressed: false,
  tags: {},
};

function finding(
  over: Partial<Finding> & Pick<Finding, "checkId" | "resourceId" | "status" | "severity">,
): Finding {
  const region = over.region ?? "us-east-1";
  const accountId = over.accountId ?? base.accountId;
  return {
    id: `${accountId}/${region}/${over.checkId}/${over.resourceId}`,
    title: over.checkId,
    reason: "",
    resourceType: "AWS::S3::Bucket",
    resourceArn: `arn:aws:s3:::${over.resourceId}`,
    resourceName: over.resourceId,
    region,
    service: "s3",
    ...base,
    ...over,
    accountId,
  };
}

/** Five findings: PASS, FAIL critical (XSS name, formula tag), FAIL high, FAIL low suppressed, ERROR. */
export function fixtureFindings(): Finding[] {
  return [
    finding({
      checkId: "s3_bucket_default_encryption",
      title: "S3 bucket has default encryption",
      status: "PASS",
      severity: "medium",
      resourceId: "logs-bucket",
      reason:
        "ServerSideEncryptionConfiguration.Rules[0].ApplyServerSideEncryptionByDefault.SSEAlgorithm is aws:kms",
      frameworks: [{ framework: "cis-aws-3.0", controlId: "2.1.1" }],
      evidence: { sseAlgorithm: PASS_EVIDENCE_MARKER },
    }),
    finding({
      checkId: "s3_bucket_public_access_blocked",
      title: "S3 bucket is not publicly accessible",
      status: "FAIL",
      severity: "critical",
      resourceId: "public-bucket",
      resourceName: XSS_NAME,
      reason: QUOTED_REASON,
      tags: { Owner: FORMULA_TAG, Env: "prod" },
      frameworks: [
        { framework: "cis-aws-3.0", controlId: "2.1.4" },
        { framework: "pci-dss-4.0", controlId: "1.4.1" },
      ],
      evidence: { "policy.Statement[0].Principal": "*" },
    }),
    finding({
      checkId: "ec2_sg_no_open_ssh",
      title: "Security group does not allow SSH from the internet",
      status: "FAIL",
      severity: "high",
      service: "ec2",
      region: "eu-west-1",
      resourceType: "AWS::EC2::SecurityGroup",
      resourceId: "sg-0abc",
      resourceArn: "arn:aws:ec2:eu-west-1:123456789012:security-group/sg-0abc",
      resourceName: "-2+3",
      reason: "IpPermissions[0] allows 0.0.0.0/0 on port 22; expected no public CIDR",
      frameworks: [{ framework: "pci-dss-4.0", controlId: "1.3.1" }],
    }),
    finding({
      checkId: "s3_bucket_access_logging",
      title: "S3 bucket has server access logging",
      status: "FAIL",
      severity: "low",
      resourceId: "scratch-bucket",
      resourceName: "+scratch",
      reason: "LoggingEnabled is absent; expected a target bucket",
      frameworks: [{ framework: "cis-aws-3.0", controlId: "2.1.3" }],
      suppressed: true,
      suppression: {
        id: "sup-1",
        reason: "Accepted risk, ticket SEC-12",
        owner: "alice",
        expiresAt: "2030-01-01",
      },
    }),
    finding({
      checkId: "kms_key_rotation_enabled",
      title: "KMS key rotation is enabled",
      status: "ERROR",
      severity: "medium",
      service: "kms",
      resourceType: "AWS::KMS::Key",
      resourceId: "key-1",
      resourceArn: "arn:aws:kms:us-east-1:123456789012:key/key-1",
      resourceName: "@SUM(A1)",
      reason: "AccessDenied: kms:GetKeyRotationStatus was denied.\nGrant it to the scan role",
      frameworks: [{ framework: "cis-aws-3.0", controlId: "3.6" }],
    }),
  ];
}

export function fixtureReport(findings: Finding[] = fixtureFindings()): ScanReport {
  return {
    scan: {
      id: "scan-0001",
      status: "completed",
      startedAt: "2026-01-02T10:00:00.000Z",
      completedAt: "2026-01-02T10:01:12.500Z",
      accounts: ["123456789012"],
      regions: ["us-east-1", "eu-west-1"],
      resourceCount: 42,
      coverageGaps: [
        {
          service: "rds",
          region: "eu-west-1",
          code: "AccessDenied",
          error: "rds:DescribeDBInstances was denied",
        },
      ],
      scores: {
        "cis-aws-3.0": { score: 71.4, passed: 40, failed: 16, manual: 6 },
        "pci-dss-4.0": { score: 50, passed: 1, failed: 1, manual: 3 },
      },
      llm: { mode: "offline", calls: 0, inputTokens: 0, outputTokens: 0 },
      source: "inventory",
      frameworks: [
        {
          id: "cis-aws-3.0",
          name: "CIS AWS Foundations Benchmark",
          version: "3.0.0",
          controls: 62,
          automatedControls: 56,
        },
        { id: "pci-dss-4.0", name: "PCI DSS", version: "4.0", controls: 5, automatedControls: 2 },
      ],
    },
    findings,
    posture: {
      totals: { findings: 5, passed: 1, failed: 2, errors: 1, suppressed: 1 },
      bySeverity: {
        critical: { passed: 0, failed: 1 },
        high: { passed: 0, failed: 1 },
        medium: { passed: 1, failed: 0 },
        low: { passed: 0, failed: 0 },
        informational: { passed: 0, failed: 0 },
      },
      byService: { ec2: { passed: 0, failed: 1, score: 0 }, s3: { passed: 1, failed: 1, score: 50 } },
      controls: [
        {
          framework: "cis-aws-3.0",
          controlId: "2.1.1",
          title: "Ensure S3 buckets employ encryption-at-rest",
          status: "PASS",
          checks: ["s3_bucket_default_encryption"],
          passed: 1,
          failed: 0,
          errors: 0,
        },
        {
          framework: "pci-dss-4.0",
          controlId: "1.3.1",
          title: "Inbound traffic to the CDE is restricted",
          status: "FAIL",
          checks: ["ec2_sg_no_open_ssh"],
          passed: 0,
          failed: 1,
          errors: 0,
          worstSeverity: "high",
        },
        {
          framework: "cis-aws-3.0",
          controlId: "2.1.4",
          title: "Ensure that S3 is configured with Block Public Access",
          status: "FAIL",
          checks: ["s3_bucket_public_access_blocked"],
          passed: 0,
          failed: 1,
          errors: 0,
          worstSeverity: "critical",
        },
        {
          framework: "cis-aws-3.0",
          controlId: "3.6",
          title: "Ensure rotation for customer-created symmetric CMKs is enabled",
          status: "ERROR",
          checks: ["kms_key_rotation_enabled"],
          passed: 0,
          failed: 0,
          errors: 1,
        },
      ],
    },
  };
}

/** `n` failing findings, for size and cap tests. */
export function manyFailing(n: number): Finding[] {
  return Array.from({ length: n }, (_, i) =>
    finding({
      checkId: `check_${i % 25}`,
      title: `Check ${i % 25}`,
      status: i % 5 === 0 ? "PASS" : "FAIL",
      severity: (["critical", "high", "medium", "low", "informational"] as const)[i % 5]!,
      resourceId: `bucket-${i}`,
      reason: `field.value is ${i}; expected something else`,
      tags: { Name: `bucket-${i}`, Team: "platform" },
      frameworks: [{ framework: "cis-aws-3.0", controlId: `2.1.${i % 7}` }],
      evidence: { "field.value": i },
    }),
  );
}
