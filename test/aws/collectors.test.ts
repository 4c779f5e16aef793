/**
 * Collectors against stubbed SDK answers: what moto cannot show — fields it does not model, AWS's own
 * encodings (URL-encoded IAM documents, the root row of the credential report), partial permissions — and
 * the concurrency bounds. No network.
 */
import { describe, expect, it } from "vitest";
import { callError, isCallError } from "../../src/domain/shape.ts";
import { cloudtrailCollector } from "../../tools/aws/cloudtrail.ts";
import { errorCode, parsePolicyDocument } from "../../tools/aws/collector.ts";
import { createLimiter, mapLimit } from "../../tools/aws/concurrency.ts";
import { discoverAccount } from "../../tools/aws/discover.ts";
import { ec2Collector } from "../../tools/aws/ec2.ts";
import { iamCollector } from "../../tools/aws/iam.ts";
import { parseCredentialReport } from "../../tools/aws/iam-credential-report.ts";
import { kmsCollector } from "../../tools/aws/kms.ts";
import { lambdaCollector } from "../../tools/aws/lambda.ts";
import { rdsCollector } from "../../tools/aws/rds.ts";
import { s3Collector } from "../../tools/aws/s3.ts";
import { awsError, DUMMY_CREDENTIALS } from "./moto-helpers.ts";
import { type StubAnswers, stubClientFactory, stubContext } from "./stub-sdk.ts";

const notFound = (name: string) => () => awsError(name, `${name}: not configured`, 404);
const denied =
  (name = "AccessDenied") =>
  () =>
    awsError(name, "not authorized", 403);
const encoded = (doc: object) => encodeURIComponent(JSON.stringify(doc));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("Lambda collector", () => {
  it("keeps fields moto lacks, environment names as data, and marks a denied policy read", async () => {
    const { ctx } = stubContext({
      "lambda:ListFunctions": () => ({
        Functions: [
          {
            FunctionName: "orders-api",
            FunctionArn: "arn:aws:lambda:us-east-1:111122223333:function:orders-api",
            Runtime: "nodejs20.x",
            KMSKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k1",
            DeadLetterConfig: { TargetArn: "arn:aws:sqs:us-east-1:111122223333:dlq" },
            Environment: { Variables: { API_KEY: "x", db_Password: "y" } },
            VpcConfig: { SubnetIds: ["subnet-1"], SecurityGroupIds: ["sg-1"] },
          },
        ],
      }),
      "lambda:GetFunctionUrlConfig": notFound("ResourceNotFoundException"),
      "lambda:GetPolicy": denied("AccessDeniedException"),
      "lambda:ListTags": () => ({ Tags: { Team: "payments" } }),
    });
    const [fn] = await lambdaCollector.collect(ctx);
    expect(fn?.configuration).toMatchObject({
      kmsKeyArn: "arn:aws:kms:us-east-1:111122223333:key/k1",
      deadLetterConfig: { targetArn: "arn:aws:sqs:us-east-1:111122223333:dlq" },
      // Names are kept as data; literal values never enter the inventory.
      environment: {
        variables: {
          API_KEY: "[redacted literal, 1 characters]",
          db_Password: "[redacted literal, 1 characters]",
        },
      },
      vpcConfig: { subnetIds: ["subnet-1"], securityGroupIds: ["sg-1"] },
    });
    expect(fn?.supplementaryConfiguration.functionUrl).toBeNull();
    expect(fn?.supplementaryConfiguration.policy).toEqual(
      callError("AccessDeniedException", "not authorized"),
    );
    expect(fn?.tags).toEqual({ Team: "payments" });
  });
});

describe("RDS collector", () => {
  it("passes monitoring settings and tags through and asks no attributes of automated snapshots", async () => {
    const calls: string[] = [];
    const { ctx } = stubContext(
      {
        "rds:DescribeDBInstances": () => ({
          DBInstances: [
            {
              DBInstanceIdentifier: "orders",
              DBInstanceArn: "arn:aws:rds:us-east-1:111122223333:db:orders",
              MonitoringInterval: 60,
              MultiAZ: true,
              TagList: [{ Key: "env", Value: "prod" }],
            },
          ],
        }),
        "rds:DescribeDBSnapshots": () => ({
          DBSnapshots: [
            { DBSnapshotIdentifier: "rds:orders-2026-01-01-00-00", SnapshotType: "automated" },
            { DBSnapshotIdentifier: "manual-1", SnapshotType: "manual" },
          ],
        }),
        "rds:DescribeDBSnapshotAttributes": (input) => ({
          DBSnapshotAttributesResult: {
            DBSnapshotIdentifier: input.DBSnapshotIdentifier,
            DBSnapshotAttributes: [{ AttributeName: "restore", AttributeValues: ["all"] }],
          },
        }),
      },
      { calls },
    );
    const items = await rdsCollector.collect(ctx);
    const db = items.find((i) => i.resourceType === "AWS::RDS::DBInstance");
    expect(db?.configuration).toMatchObject({
      monitoringInterval: 60,
      multiAZ: true,
      dbInstanceIdentifier: "orders",
    });
    expect(db?.tags).toEqual({ env: "prod" });
    const restore = Object.fromEntries(
      items
        .filter((i) => i.resourceType === "AWS::RDS::DBSnapshot")
        .map((i) => [i.resourceId, i.supplementaryConfiguration.restoreAccountIds]),
    );
    expect(restore).toEqual({ "rds:orders-2026-01-01-00-00": [], "manual-1": ["all"] });
    expect(calls.filter((c) => c === "rds:DescribeDBSnapshotAttributes")).toHaveLength(1);
    // A snapshot without an ARN in the answer still gets the documented one.
    expect(items.find((i) => i.resourceId === "manual-1")?.arn).toBe(
      "arn:aws:rds:us-east-1:111122223333:snapshot:manual-1",
    );
  });
});

const REPORT = [
  "user,arn,user_creation_time,password_enabled,password_last_used,mfa_active,access_key_1_active,access_key_1_last_used_date",
  "<root_account>,arn:aws:iam::111122223333:root,2020-01-01T00:00:00+00:00,not_supported,2026-01-01T00:00:00+00:00,true,false,N/A",
  '"ops,admin",arn:aws:iam::111122223333:user/ops,2021-01-01T00:00:00+00:00,true,no_information,false,true,2025-12-31T00:00:00+00:00',
].join("\n");

function iamAnswers(overrides: StubAnswers = {}): StubAnswers {
  const adminDoc = { Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }] };
  return {
    // Server certificates and identity providers (iam-providers.ts): none in this account.
    "iam:ListServerCertificates": () => ({ ServerCertificateMetadataList: [] }),
    "iam:ListSAMLProviders": () => ({ SAMLProviderList: [] }),
    "iam:ListOpenIDConnectProviders": () => ({ OpenIDConnectProviderList: [] }),
    "iam:ListUsers": () => ({
      Users: [
        {
          UserName: "ops,admin",
          UserId: "AIDAOPS",
          Arn: "arn:aws:iam::111122223333:user/ops",
          Path: "/",
          CreateDate: new Date("2021-01-01"),
        },
      ],
    }),
    "iam:GetAccountAuthorizationDetails": (input) => {
      const filter = (input.Filter as string[])[0];
      if (filter === "User") {
        return {
          UserDetailList: [
            {
              UserName: "ops,admin",
              UserPolicyList: [{ PolicyName: "inline", PolicyDocument: encoded(adminDoc) }],
              AttachedManagedPolicies: [
                { PolicyName: "ReadOnlyAccess", PolicyArn: "arn:aws:iam::aws:policy/ReadOnlyAccess" },
              ],
              GroupList: ["ops"],
              Tags: [{ Key: "team", Value: "ops" }],
            },
          ],
        };
      }
      if (filter === "Group") {
        return {
          GroupDetailList: [
            {
              GroupName: "ops",
              GroupId: "AGPAOPS",
              Arn: "arn:aws:iam::111122223333:group/ops",
              GroupPolicyList: [],
            },
          ],
        };
      }
      if (filter === "Role") {
        return {
          RoleDetailList: [
            {
              RoleName: "deployer",
              RoleId: "AROADEPLOY",
              Arn: "arn:aws:iam::111122223333:role/deployer",
              AssumeRolePolicyDocument: encoded({
                Version: "2012-10-17",
                Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
              }),
              RoleLastUsed: { LastUsedDate: new Date("2026-01-01T00:00:00Z"), Region: "eu-west-1" },
            },
          ],
        };
      }
      return {
        Policies: [
          {
            Arn: "arn:aws:iam::111122223333:policy/admin",
            DefaultVersionId: "v2",
            PolicyVersionList: [
              {
                VersionId: "v1",
                IsDefaultVersion: false,
                Document: encoded({ Version: "2012-10-17", Statement: [] }),
              },
              { VersionId: "v2", IsDefaultVersion: true, Document: encoded(adminDoc) },
            ],
          },
        ],
      };
    },
    "iam:GenerateCredentialReport": () => ({ State: "COMPLETE" }),
    "iam:GetCredentialReport": () => ({
      Content: new TextEncoder().encode(REPORT),
      ReportFormat: "text/csv",
    }),
    "iam:GetLoginProfile": notFound("NoSuchEntity"),
    "iam:ListMFADevices": () => ({ MFADevices: [] }),
    "iam:ListAccessKeys": () => ({
      AccessKeyMetadata: [
        { AccessKeyId: "AKIAOPS", Status: "Active", CreateDate: new Date("2025-01-01T00:00:00Z") },
      ],
    }),
    "iam:GetAccessKeyLastUsed": () => ({ AccessKeyLastUsed: { ServiceName: "N/A", Region: "N/A" } }),
    "iam:ListRoles": () => ({
      Roles: [{ RoleName: "deployer", RoleId: "AROADEPLOY", MaxSessionDuration: 43200 }],
    }),
    "iam:ListPolicies": () => ({
      Policies: [
        {
          PolicyName: "admin",
          PolicyId: "ANPAADMIN",
          Arn: "arn:aws:iam::111122223333:policy/admin",
          DefaultVersionId: "v2",
          AttachmentCount: 1,
        },
      ],
    }),
    "iam:GetAccountPasswordPolicy": notFound("NoSuchEntity"),
    "iam:GetAccountSummary": () => ({ SummaryMap: { AccountMFAEnabled: 1, AccountAccessKeysPresent: 0 } }),
    "iam:ListVirtualMFADevices": () => ({
      VirtualMFADevices: [{ SerialNumber: "arn:aws:iam::111122223333:mfa/root-account-mfa-device" }],
    }),
    ...overrides,
  };
}

describe("IAM collector", () => {
  it("decodes AWS's URL-encoded documents and reads the credential report, root row included", async () => {
    const { ctx, gaps } = stubContext(iamAnswers());
    const items = await iamCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const user = items.find((i) => i.resourceType === "AWS::IAM::User");
    expect(user?.supplementaryConfiguration).toMatchObject({
      loginProfile: null,
      inlinePolicies: [{ policyName: "inline", policyDocument: { Statement: [{ Action: "*" }] } }],
      groups: ["ops"],
      accessKeys: [
        {
          accessKeyId: "AKIAOPS",
          status: "Active",
          createDate: "2025-01-01T00:00:00.000Z",
          lastUsedDate: null,
          lastUsedService: null,
        },
      ],
      credentialReport: {
        user: "ops,admin",
        passwordEnabled: true,
        passwordLastUsed: null,
        accessKey1LastUsedDate: "2025-12-31T00:00:00+00:00",
      },
    });
    expect(user?.tags).toEqual({ team: "ops" });
    const role = items.find((i) => i.resourceType === "AWS::IAM::Role");
    expect(role?.configuration).toMatchObject({
      maxSessionDuration: 43200,
      assumeRolePolicyDocument: { Statement: [{ Principal: { AWS: "*" } }] },
      roleLastUsed: { lastUsedDate: "2026-01-01T00:00:00.000Z", region: "eu-west-1" },
    });
    const group = items.find((i) => i.resourceType === "AWS::IAM::Group");
    expect(group?.supplementaryConfiguration.userNames).toEqual(["ops,admin"]);
    const policy = items.find((i) => i.resourceType === "AWS::IAM::Policy");
    expect(policy?.supplementaryConfiguration.policyDocument).toMatchObject({ Statement: [{ Action: "*" }] });
    expect(items.find((i) => i.resourceType === "AWS::IAM::PasswordPolicy")?.configuration).toEqual({
      configured: false,
    });
    const summary = items.find((i) => i.resourceType === "AWS::IAM::AccountSummary");
    expect(summary?.configuration).toEqual({ accountMFAEnabled: 1, accountAccessKeysPresent: 0 });
    expect(summary?.supplementaryConfiguration).toEqual({
      rootCredentials: expect.objectContaining({
        user: "<root_account>",
        passwordEnabled: null,
        mfaActive: true,
        accessKey1Active: false,
      }),
      virtualMfaDevices: ["arn:aws:iam::111122223333:mfa/root-account-mfa-device"],
    });
  });

  it("keeps users when their authorization details are denied, marking what could not be read", async () => {
    const { ctx, gaps } = stubContext(
      iamAnswers({
        "iam:GetAccountAuthorizationDetails": denied(),
        "iam:GenerateCredentialReport": denied(),
      }),
    );
    const items = await iamCollector.collect(ctx);
    const user = items.find((i) => i.resourceType === "AWS::IAM::User");
    const marked = callError("AccessDenied", "not authorized");
    expect(user?.supplementaryConfiguration).toMatchObject({
      attachedManagedPolicies: marked,
      inlinePolicies: marked,
      groups: marked,
      tags: marked,
      credentialReport: marked,
      loginProfile: null,
    });
    expect(user?.tags).toEqual({});
    expect(
      items.find((i) => i.resourceType === "AWS::IAM::AccountSummary")?.supplementaryConfiguration
        .rootCredentials,
    ).toEqual(marked);
    // Groups, roles and policies come from the denied call: gaps, and no invented items.
    expect(items.filter((i) => ["AWS::IAM::Group", "AWS::IAM::Role"].includes(i.resourceType))).toEqual([]);
    expect(gaps.map((g) => g.what).sort()).toEqual([
      "GetAccountAuthorizationDetails(Group)",
      "GetAccountAuthorizationDetails(Role)",
    ]);
    expect(
      items.find((i) => i.resourceType === "AWS::IAM::Policy")?.supplementaryConfiguration.policyDocument,
    ).toEqual(marked);
  });
});

describe("S3 collector", () => {
  const bucketAnswers = (overrides: StubAnswers = {}): StubAnswers => ({
    "s3:ListBuckets": () => ({
      Buckets: [
        { Name: "in-scope", CreationDate: new Date("2025-01-01T00:00:00Z"), BucketRegion: "us-east-1" },
        { Name: "elsewhere", CreationDate: new Date("2025-01-01T00:00:00Z"), BucketRegion: "ap-south-1" },
        { Name: "legacy-eu", CreationDate: new Date("2025-01-01T00:00:00Z") },
      ],
    }),
    "s3:GetBucketLocation": () => ({ LocationConstraint: "EU" }),
    "s3:GetPublicAccessBlock": () => ({ PublicAccessBlockConfiguration: { BlockPublicAcls: true } }),
    "s3:GetBucketAcl": () => ({
      Owner: { ID: "o1" },
      Grants: [
        {
          Grantee: { Type: "Group", URI: "http://acs.amazonaws.com/groups/global/AllUsers" },
          Permission: "READ",
        },
      ],
    }),
    "s3:GetBucketPolicy": notFound("NoSuchBucketPolicy"),
    "s3:GetBucketEncryption": notFound("ServerSideEncryptionConfigurationNotFoundError"),
    "s3:GetBucketVersioning": () => ({}),
    "s3:GetBucketLogging": denied(),
    "s3:GetBucketOwnershipControls": notFound("OwnershipControlsNotFoundError"),
    "s3:GetBucketTagging": notFound("NoSuchTagSet"),
    "s3:GetBucketLifecycleConfiguration": notFound("NoSuchLifecycleConfiguration"),
    "s3:GetObjectLockConfiguration": notFound("ObjectLockConfigurationNotFoundError"),
    "s3:GetBucketNotificationConfiguration": () => ({}),
    "s3:GetBucketReplication": notFound("ReplicationConfigurationNotFoundError"),
    "s3control:GetPublicAccessBlock": notFound("NoSuchPublicAccessBlockConfiguration"),
    ...overrides,
  });

  it("keeps buckets of the scanned regions only, finds legacy EU buckets, separates absent from denied", async () => {
    const calls: string[] = [];
    const { ctx } = stubContext(bucketAnswers(), { regions: ["us-east-1", "eu-west-1"], calls });
    const items = await s3Collector.collect(ctx);
    const buckets = items.filter((i) => i.resourceType === "AWS::S3::Bucket");
    expect(buckets.map((b) => `${b.resourceId}@${b.awsRegion}`).sort()).toEqual([
      "in-scope@us-east-1",
      "legacy-eu@eu-west-1",
    ]);
    // Only the bucket without a region in the listing needed GetBucketLocation.
    expect(calls.filter((c) => c === "s3:GetBucketLocation")).toHaveLength(1);
    const s = buckets[0]!.supplementaryConfiguration;
    expect(s).toEqual({
      publicAccessBlock: {
        blockPublicAcls: true,
        ignorePublicAcls: false,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      },
      acl: {
        owner: { id: "o1" },
        grants: [
          {
            grantee: { type: "Group", uri: "http://acs.amazonaws.com/groups/global/AllUsers" },
            permission: "READ",
          },
        ],
      },
      policy: null,
      encryption: null,
      versioning: { status: null, mfaDelete: null },
      logging: callError("AccessDenied", "not authorized"),
      ownershipControls: null,
      lifecycle: null,
      objectLock: null,
      notifications: {
        topicConfigurations: [],
        queueConfigurations: [],
        lambdaFunctionConfigurations: [],
        eventBridgeEnabled: false,
      },
      replication: null,
    });
    expect(buckets[0]!.tags).toEqual({});
    expect(items.find((i) => i.resourceType === "AWS::S3::AccountPublicAccessBlock")?.configuration).toEqual({
      configured: false,
      blockPublicAcls: false,
      ignorePublicAcls: false,
      blockPublicPolicy: false,
      restrictPublicBuckets: false,
    });
  });

  it("bounds the per-bucket calls", async () => {
    let inFlight = 0;
    let peak = 0;
    const slow = (answer: object) => async () => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await sleep(5);
      inFlight -= 1;
      return answer;
    };
    const many = Array.from({ length: 30 }, (_, i) => ({ Name: `b${i}`, BucketRegion: "us-east-1" }));
    const { ctx } = stubContext(
      bucketAnswers({
        "s3:ListBuckets": () => ({ Buckets: many }),
        "s3:GetBucketAcl": slow({ Grants: [] }),
        "s3:GetBucketVersioning": slow({ Status: "Enabled" }),
        "s3:GetBucketLogging": slow({}),
        "s3:GetPublicAccessBlock": slow({}),
      }),
      { perResourceConcurrency: 3 },
    );
    const items = await s3Collector.collect(ctx);
    expect(items.filter((i) => i.resourceType === "AWS::S3::Bucket")).toHaveLength(30);
    expect(peak).toBeLessThanOrEqual(3);
    expect(peak).toBeGreaterThan(1);
  });
});

describe("EC2 collector", () => {
  it("reads the default EBS key, skips terminated instances and foreign snapshots, marks denied listings", async () => {
    const { ctx } = stubContext({
      "ec2:DescribeInstances": () => ({
        Reservations: [
          {
            Instances: [
              { InstanceId: "i-live", State: { Name: "running" }, Tags: [{ Key: "Name", Value: "web" }] },
              { InstanceId: "i-gone", State: { Name: "terminated" } },
            ],
          },
        ],
      }),
      "ec2:DescribeSecurityGroups": () => ({ SecurityGroups: [{ GroupId: "sg-1", GroupName: "web" }] }),
      "ec2:DescribeNetworkInterfaces": denied("UnauthorizedOperation"),
      "ec2:DescribeNetworkAcls": () => ({ NetworkAcls: [] }),
      "ec2:DescribeVolumes": () => ({ Volumes: [] }),
      "ec2:DescribeSnapshots": () => ({
        Snapshots: [
          { SnapshotId: "snap-mine", OwnerId: "111122223333" },
          { SnapshotId: "snap-theirs", OwnerId: "999999999999" },
        ],
      }),
      "ec2:DescribeSnapshotAttribute": () => ({ CreateVolumePermissions: [{ UserId: "444455556666" }] }),
      "ec2:DescribeVpcs": () => ({ Vpcs: [{ VpcId: "vpc-1", IsDefault: true }] }),
      "ec2:DescribeFlowLogs": denied("UnauthorizedOperation"),
      "ec2:GetEbsEncryptionByDefault": () => ({ EbsEncryptionByDefault: true }),
      "ec2:GetEbsDefaultKmsKeyId": () => ({ KmsKeyId: "alias/aws/ebs" }),
    });
    const items = await ec2Collector.collect(ctx);
    const ids = items.map((i) => i.resourceId);
    expect(ids).toContain("i-live");
    expect(ids).not.toContain("i-gone");
    expect(ids).not.toContain("snap-theirs");
    expect(items.find((i) => i.resourceId === "snap-mine")?.supplementaryConfiguration).toEqual({
      createVolumePermissions: [{ userId: "444455556666" }],
    });
    expect(
      items.find((i) => i.resourceId === "sg-1")?.supplementaryConfiguration.networkInterfaceCount,
    ).toEqual(callError("UnauthorizedOperation", "not authorized"));
    expect(items.find((i) => i.resourceId === "vpc-1")?.supplementaryConfiguration.flowLogs).toEqual(
      callError("UnauthorizedOperation", "not authorized"),
    );
    expect(items.find((i) => i.resourceType === "AWS::EC2::RegionalSettings")?.configuration).toEqual({
      ebsEncryptionByDefault: true,
      ebsDefaultKmsKeyId: "alias/aws/ebs",
    });
    expect(items.find((i) => i.resourceId === "i-live")?.resourceName).toBe("web");
  });
});

describe("KMS collector", () => {
  it("asks rotation and tags of customer keys only and keeps going when one key cannot be described", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "kms:ListKeys": () => ({
          Keys: [{ KeyId: "aws-managed" }, { KeyId: "customer" }, { KeyId: "hidden" }],
        }),
        "kms:ListAliases": denied("AccessDeniedException"),
        "kms:DescribeKey": (input) =>
          input.KeyId === "hidden"
            ? awsError("AccessDeniedException", "not authorized", 403)
            : {
                KeyMetadata: {
                  KeyId: input.KeyId,
                  Arn: `arn:aws:kms:us-east-1:111122223333:key/${input.KeyId}`,
                  KeyManager: input.KeyId === "aws-managed" ? "AWS" : "CUSTOMER",
                  KeySpec: "SYMMETRIC_DEFAULT",
                  KeyState: "Enabled",
                },
              },
        "kms:GetKeyRotationStatus": () => ({ KeyRotationEnabled: true }),
        "kms:GetKeyPolicy": () => ({ Policy: JSON.stringify({ Version: "2012-10-17", Statement: [] }) }),
        "kms:ListResourceTags": () => ({ Tags: [{ TagKey: "team", TagValue: "data" }] }),
      },
      { calls },
    );
    const items = await kmsCollector.collect(ctx);
    expect(items.map((i) => i.resourceId).sort()).toEqual(["aws-managed", "customer"]);
    const awsManaged = items.find((i) => i.resourceId === "aws-managed")!;
    expect(awsManaged.supplementaryConfiguration.keyRotationEnabled).toBeNull();
    expect(awsManaged.tags).toEqual({});
    const customer = items.find((i) => i.resourceId === "customer")!;
    expect(customer.supplementaryConfiguration).toMatchObject({
      keyRotationEnabled: true,
      policy: { Version: "2012-10-17" },
      aliases: callError("AccessDeniedException", "not authorized"),
    });
    expect(customer.tags).toEqual({ team: "data" });
    expect(calls.filter((c) => c === "kms:GetKeyRotationStatus")).toHaveLength(1);
    expect(calls.filter((c) => c === "kms:ListResourceTags")).toHaveLength(1);
    expect(gaps.map((g) => g.what)).toEqual(["DescribeKey hidden"]);
  });
});

describe("CloudTrail collector", () => {
  it("records trails in their home region only and reads tags twenty ARNs at a time", async () => {
    const calls: string[] = [];
    const trails = Array.from({ length: 25 }, (_, i) => ({
      Name: `t${i}`,
      TrailARN: `arn:aws:cloudtrail:us-east-1:111122223333:trail/t${i}`,
      HomeRegion: "us-east-1",
    }));
    const { ctx } = stubContext(
      {
        "cloudtrail:DescribeTrails": () => ({
          trailList: [
            ...trails,
            {
              Name: "shadow",
              TrailARN: "arn:aws:cloudtrail:eu-west-1:111122223333:trail/shadow",
              HomeRegion: "eu-west-1",
            },
          ],
        }),
        "cloudtrail:ListTags": (input) => {
          const ids = input.ResourceIdList as string[];
          expect(ids.length).toBeLessThanOrEqual(20);
          return {
            ResourceTagList: ids.map((ResourceId) => ({
              ResourceId,
              TagsList: [{ Key: "owner", Value: "sec" }],
            })),
          };
        },
        "cloudtrail:GetTrailStatus": () => ({ IsLogging: true }),
        "cloudtrail:GetEventSelectors": () => ({
          EventSelectors: [{ ReadWriteType: "All", IncludeManagementEvents: true }],
        }),
      },
      { calls },
    );
    const items = await cloudtrailCollector.collect(ctx);
    expect(items).toHaveLength(25);
    expect(items.some((i) => i.resourceId === "shadow")).toBe(false);
    expect(calls.filter((c) => c === "cloudtrail:ListTags")).toHaveLength(2);
    expect(items[0]?.tags).toEqual({ owner: "sec" });
    expect(items[0]?.supplementaryConfiguration.status).toEqual({ isLogging: true });
  });
});

describe("discoverAccount orchestration", () => {
  it("bounds the (service, region) tasks in flight and always records the account", async () => {
    let inFlight = 0;
    let peak = 0;
    const regions = ["us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-central-1"];
    const factory = stubClientFactory({
      "sts:GetCallerIdentity": () => ({
        Account: "111122223333",
        Arn: "arn:aws:iam::111122223333:user/scanner",
      }),
      "ec2:DescribeRegions": () => ({
        Regions: regions.map((RegionName) => ({ RegionName, OptInStatus: "opt-in-not-required" })),
      }),
      "kms:ListKeys": async () => {
        inFlight += 1;
        peak = Math.max(peak, inFlight);
        await sleep(10);
        inFlight -= 1;
        return { Keys: [] };
      },
      "kms:ListAliases": () => ({ Aliases: [] }),
    });
    const result = await discoverAccount({
      services: ["kms"],
      concurrency: 2,
      clientFactory: factory,
      credentials: DUMMY_CREDENTIALS,
      homeRegion: "us-east-1",
    });
    expect(result.regions).toEqual([...regions].sort());
    expect(peak).toBe(2);
    expect(result.items.map((i) => i.resourceType)).toEqual(["AWS::::Account"]);
    expect(result.stats.apiCallsByOperation["kms:ListKeys"]).toBe(regions.length);
  });

  it("fails with one clear line when the account cannot be identified", async () => {
    const factory = stubClientFactory({
      "sts:GetCallerIdentity": () => awsError("InvalidClientTokenId", "The security token is invalid", 403),
    });
    const failure = discoverAccount({
      clientFactory: factory,
      credentials: DUMMY_CREDENTIALS,
      regions: ["us-east-1"],
    });
    await expect(failure).rejects.toThrow(/cannot identify the AWS account.*InvalidClientTokenId/);
    await expect(failure).rejects.not.toThrow(/\n/);
  });
});

describe("helpers", () => {
  it("parses the credential report's quoted cells and N/A-like values", () => {
    const rows = parseCredentialReport(REPORT);
    expect([...rows.keys()]).toEqual(["<root_account>", "ops,admin"]);
    expect(rows.get("<root_account>")).toMatchObject({
      passwordEnabled: null,
      accessKey1LastUsedDate: null,
      mfaActive: true,
    });
  });

  it("parses policy documents in every form services return", () => {
    const doc = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: "s3:Get*", Resource: "arn:aws:s3:::a/100%" }],
    };
    expect(parsePolicyDocument(JSON.stringify(doc))).toEqual(doc);
    expect(parsePolicyDocument(encodeURIComponent(JSON.stringify(doc)))).toEqual(doc);
    expect(parsePolicyDocument("not a policy")).toEqual({ $raw: "not a policy" });
    expect(parsePolicyDocument(undefined)).toBeNull();
  });

  it("reads error codes from SDK errors, including unparseable answers", () => {
    expect(errorCode(awsError("NoSuchBucketPolicy", "none"))).toBe("NoSuchBucketPolicy");
    expect(
      errorCode(Object.assign(new Error("Deserialization error"), { $metadata: { httpStatusCode: 500 } })),
    ).toBe("HTTP500");
    expect(errorCode("weird")).toBe("UnknownError");
    expect(isCallError(callError("A", "b"))).toBe(true);
  });

  it("mapLimit keeps order and bound; the limiter never exceeds its slots", async () => {
    let inFlight = 0;
    let peak = 0;
    const out = await mapLimit([5, 1, 4, 2, 3], 2, async (n) => {
      inFlight += 1;
      peak = Math.max(peak, inFlight);
      await sleep(n);
      inFlight -= 1;
      return n * 10;
    });
    expect(out).toEqual([50, 10, 40, 20, 30]);
    expect(peak).toBe(2);
    const limit = createLimiter(3);
    inFlight = 0;
    peak = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        limit(async () => {
          inFlight += 1;
          peak = Math.max(peak, inFlight);
          await sleep(1);
          inFlight -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
  });
});
