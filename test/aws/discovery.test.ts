/**
 * Live discovery against moto: seed a believable account with the SDK, discover it, and check that every
 * seeded resource and attribute arrives — including the ones that must be absent. Then the failure paths,
 * with faults injected through SDK middleware: throttling that retries succeed, throttling past retries,
 * access denied for one service in one region, a denied per-resource call, a disabled region, an account
 * whose role cannot be assumed.
 *
 * Each run works in a random moto account (see moto-helpers.ts), so it never resets the shared server.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  DEMO_REGIONS,
  demoBucketName,
  HOSTILE_TAG_VALUES,
  type SeedResult,
  seedDemoAccount,
} from "../../scripts/seed-demo-account.ts";
import { compareItems, contentHashOf, isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { UsageError } from "../../src/errors.ts";
import {
  COLLECTORS,
  type DiscoveryResult,
  discoverAccount,
  discoverAccounts,
  type ProgressEvent,
} from "../../tools/aws/discover.ts";
import { serviceDescribe } from "../helpers/services.ts";
import {
  type Attempt,
  accountCredentials,
  awsError,
  byName,
  DUMMY_CREDENTIALS,
  faultyClientFactory,
  ofType,
  randomAccountId,
} from "./moto-helpers.ts";

const FIXED_NOW = new Date("2026-05-04T12:00:00.000Z");
const REGIONS = [...DEMO_REGIONS];

serviceDescribe("moto", "AWS discovery against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  const bucket = (purpose: string, region: (typeof DEMO_REGIONS)[number] = "us-east-1") =>
    demoBucketName(purpose, accountId, region);
  let seeded: SeedResult;
  let inventory: DiscoveryResult;
  const events: ProgressEvent[] = [];
  let items: ConfigurationItem[];

  beforeAll(async () => {
    seeded = await seedDemoAccount({ endpoint, credentials });
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: REGIONS,
      clock: () => FIXED_NOW,
      onProgress: (e) => events.push(e),
      // moto answers GetEbsDefaultKmsKeyId with an HTML 500 page; two attempts keep the test quick.
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 180_000);

  describe("the inventory", () => {
    it("is the seeded account, both regions, nothing unreadable", () => {
      expect(seeded.accountId).toBe(accountId);
      expect(inventory.accountIds).toEqual([accountId]);
      expect(inventory.regions).toEqual(["eu-west-1", "us-east-1"]);
      // moto implements no Access Analyzer call, nor SSM's DescribeInstanceInformation and
      // ListResourceComplianceSummaries (patch, association): each HTTP 500 page is a coverage gap, never a FAIL.
      expect(
        inventory.coverageGaps.filter((g) => g.service !== "accessanalyzer" && g.service !== "ssm"),
      ).toEqual([]);
      expect(inventory.coverageGaps.map((g) => `${g.service}@${g.region}:${g.code}`).sort()).toEqual(
        REGIONS.flatMap((r) => [`accessanalyzer@${r}:HTTP500`, ...Array(3).fill(`ssm@${r}:HTTP500`)]).sort(),
      );
      expect(ofType(items, "AWS::AccessAnalyzer::Analyzer")).toEqual([]);
      expect(inventory.capturedAt).toBe(FIXED_NOW.toISOString());
      expect(items.every((i) => i.accountId === accountId)).toBe(true);
      expect(items.every((i) => i.configurationItemCaptureTime === FIXED_NOW.toISOString())).toBe(true);
    });

    it("is sorted and every item carries its content hash", () => {
      expect([...items].sort(compareItems)).toEqual(items);
      for (const item of items) expect(item.contentHash).toBe(contentHashOf(item));
      const keys = items.map((i) => `${i.resourceType}|${i.awsRegion}|${i.resourceId}`);
      expect(new Set(keys).size).toBe(keys.length);
    });

    it("holds exactly as many resources of each kind as were seeded", () => {
      const count = (type: string) => ofType(items, type).length;
      const created = seeded.created;
      expect(count("AWS::S3::Bucket")).toBe(created["s3:bucket"]);
      expect(count("AWS::IAM::User")).toBe(created["iam:user"]);
      expect(count("AWS::IAM::Group")).toBe(created["iam:group"]);
      expect(count("AWS::IAM::Role")).toBe(created["iam:role"]);
      expect(count("AWS::IAM::Policy")).toBe(created["iam:policy"]);
      expect(count("AWS::Lambda::Function")).toBe(created["lambda:function"]);
      expect(count("AWS::KMS::Key")).toBe(created["kms:key"]);
      expect(count("AWS::CloudTrail::Trail")).toBe(created["cloudtrail:trail"]);
      expect(count("AWS::RDS::DBInstance")).toBe(created["rds:db-instance"]);
      expect(
        ofType(items, "AWS::RDS::DBSnapshot").filter((s) => s.configuration.snapshotType === "manual"),
      ).toHaveLength(created["rds:db-snapshot"]!);
      expect(count("AWS::EC2::Instance")).toBe(created["ec2:instance"]);
      expect(count("AWS::EC2::Snapshot")).toBe(created["ec2:snapshot"]);
      // Each region also has moto's default VPC; every VPC has a default security group and network ACL;
      // every instance has a root volume.
      expect(count("AWS::EC2::VPC")).toBe(created["ec2:vpc"]! + REGIONS.length);
      expect(count("AWS::EC2::SecurityGroup")).toBe(created["ec2:security-group"]! + count("AWS::EC2::VPC"));
      expect(count("AWS::EC2::NetworkAcl")).toBe(created["ec2:network-acl"]! + count("AWS::EC2::VPC"));
      expect(count("AWS::EC2::Volume")).toBe(created["ec2:volume"]! + created["ec2:instance"]!);
      for (const type of [
        "AWS::::Account",
        "AWS::S3::AccountPublicAccessBlock",
        "AWS::IAM::PasswordPolicy",
        "AWS::IAM::AccountSummary",
      ]) {
        expect(ofType(items, type, "global")).toHaveLength(1);
      }
      expect(
        ofType(items, "AWS::EC2::RegionalSettings")
          .map((i) => i.resourceId)
          .sort(),
      ).toEqual(REGIONS.map((r) => `${accountId}:${r}`).sort());
    });

    it("reports one task per global service and per regional service and region", () => {
      // Access Analyzer's tasks fail against moto (see above), and so do SSM's in this account without SSM
      // resources: they end as task-failed, not task-done.
      const done = events
        .filter(
          (e) =>
            e.type === "task-done" ||
            (e.type === "task-failed" && (e.service === "accessanalyzer" || e.service === "ssm")),
        )
        .map((e) => `${e.service}@${e.region}`);
      const started = events.filter((e) => e.type === "task-start").map((e) => `${e.service}@${e.region}`);
      // Every registered collector: global ones once, regional ones per region (new services need no edit here).
      const expected = Object.values(COLLECTORS)
        .flatMap((c) => (c.global ? [`${c.service}@global`] : REGIONS.map((r) => `${c.service}@${r}`)))
        .sort();
      expect(started.sort()).toEqual(expected);
      expect(done.sort()).toEqual(expected);
      const total = events.reduce((n, e) => n + (e.type === "task-done" ? e.resourceCount : 0), 0);
      expect(total).toBe(items.length);
    });

    it("counts the API calls it made", () => {
      const byOperation = inventory.stats.apiCallsByOperation;
      expect(inventory.stats.apiCalls).toBe(Object.values(byOperation).reduce((a, b) => a + b, 0));
      expect(byOperation["sts:GetCallerIdentity"]).toBe(1);
      expect(byOperation["s3:ListBuckets"]).toBe(1);
      // One per bucket, bounded by nothing else.
      expect(byOperation["s3:GetBucketPolicy"]).toBe(seeded.created["s3:bucket"]);
      expect(byOperation["ec2:DescribeInstances"]).toBe(REGIONS.length);
    });
  });

  describe("account-wide records", () => {
    it("names the account", () => {
      const account = byName(items, "AWS::::Account", accountId);
      expect(account.configuration).toEqual({ accountId });
      expect(account.arn).toBe(`arn:aws:account::${accountId}:account`);
    });

    it("reads the half-configured account public access block", () => {
      const block = byName(items, "AWS::S3::AccountPublicAccessBlock", accountId);
      expect(block.configuration).toEqual({
        configured: true,
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: false,
        restrictPublicBuckets: false,
      });
      expect(block.arn).toBe(`arn:aws:s3:::account/${accountId}/public-access-block`);
    });

    it("reads the weak password policy, leaving unset fields absent", () => {
      const policy = byName(items, "AWS::IAM::PasswordPolicy", accountId).configuration;
      expect(policy).toMatchObject({
        configured: true,
        minimumPasswordLength: 8,
        requireSymbols: false,
        requireNumbers: true,
        requireUppercaseCharacters: true,
        requireLowercaseCharacters: true,
        allowUsersToChangePassword: true,
        expirePasswords: false,
      });
      expect(policy.passwordReusePrevention).toBeUndefined();
    });

    it("reads the account summary and the virtual MFA devices", () => {
      const summary = byName(items, "AWS::IAM::AccountSummary", accountId);
      expect(summary.configuration).toMatchObject({
        users: seeded.created["iam:user"],
        groups: seeded.created["iam:group"],
        roles: seeded.created["iam:role"],
        accountMFAEnabled: 0,
        accountAccessKeysPresent: 0,
      });
      const devices = summary.supplementaryConfiguration.virtualMfaDevices as string[];
      expect(devices).toContain(`arn:aws:iam::${accountId}:mfa/alice.admin-mfa`);
      expect(devices).toHaveLength(5);
      // moto's credential report has no <root_account> row, so there is nothing to report for root.
      expect(summary.supplementaryConfiguration.rootCredentials).toBeNull();
    });

    it("reads EBS default encryption per region", () => {
      const east = byName(items, "AWS::EC2::RegionalSettings", `${accountId}:us-east-1`).configuration;
      expect(east).toEqual({ ebsEncryptionByDefault: false, ebsDefaultKmsKeyId: null });
      const west = byName(items, "AWS::EC2::RegionalSettings", `${accountId}:eu-west-1`).configuration;
      expect(west.ebsEncryptionByDefault).toBe(true);
      // moto does not implement GetEbsDefaultKmsKeyId: the failure is marked, never turned into "no key".
      const key = west.ebsDefaultKmsKeyId;
      expect(typeof key === "string" || (isCallError(key) && key.$error.code === "HTTP500")).toBe(true);
    });
  });

  describe("S3", () => {
    it("lists exactly the seeded buckets, each in its region", () => {
      const buckets = ofType(items, "AWS::S3::Bucket");
      expect(buckets.every((b) => b.resourceName?.includes(accountId))).toBe(true);
      const customerData = byName(items, "AWS::S3::Bucket", bucket("customer-data", "eu-west-1"));
      expect(customerData.awsRegion).toBe("eu-west-1");
      expect(customerData.configuration).toMatchObject({
        name: bucket("customer-data", "eu-west-1"),
        region: "eu-west-1",
      });
      expect(byName(items, "AWS::S3::Bucket", bucket("secure-data")).awsRegion).toBe("us-east-1");
    });

    it("reads every setting of the well-configured bucket", () => {
      const secure = byName(items, "AWS::S3::Bucket", bucket("secure-data"));
      const s = secure.supplementaryConfiguration;
      const appKey = byName(items, "AWS::KMS::Key", "alias/app-data", "us-east-1");
      expect(s.publicAccessBlock).toEqual({
        blockPublicAcls: true,
        ignorePublicAcls: true,
        blockPublicPolicy: true,
        restrictPublicBuckets: true,
      });
      expect(s.encryption).toEqual({
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyID: appKey.arn },
            bucketKeyEnabled: true,
          },
        ],
      });
      expect(s.versioning).toEqual({ status: "Enabled", mfaDelete: null });
      expect(s.logging).toEqual({
        targetBucket: bucket("access-logs"),
        targetPrefix: `${bucket("secure-data")}/`,
      });
      expect(s.ownershipControls).toEqual({ rules: [{ objectOwnership: "BucketOwnerEnforced" }] });
      expect(s.policy).toMatchObject({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "DenyInsecureTransport",
            Effect: "Deny",
            Action: "s3:*",
            Condition: { Bool: { "aws:SecureTransport": "false" } },
          },
        ],
      });
      expect(secure.tags).toEqual({ env: "prod", "data-classification": "confidential" });
    });

    it("stores null for every setting a bare bucket does not have", () => {
      const bare = byName(items, "AWS::S3::Bucket", bucket("unencrypted-exports")).supplementaryConfiguration;
      expect(bare.publicAccessBlock).toBeNull();
      expect(bare.policy).toBeNull();
      expect(bare.encryption).toBeNull();
      expect(bare.logging).toBeNull();
      expect(bare.ownershipControls).toBeNull();
      expect(bare.versioning).toEqual({ status: null, mfaDelete: null });
      expect(bare.tags).toBeUndefined();
      const acl = bare.acl as { grants: Array<{ grantee: { type: string }; permission: string }> };
      expect(acl.grants).toEqual([
        expect.objectContaining({
          permission: "FULL_CONTROL",
          grantee: expect.objectContaining({ type: "CanonicalUser" }),
        }),
      ]);
    });

    it("sees the public ACL, the public policy and the hostile tag as they are", () => {
      const website = byName(items, "AWS::S3::Bucket", bucket("public-website"));
      const acl = website.supplementaryConfiguration.acl as {
        grants: Array<{ grantee: { uri?: string }; permission: string }>;
      };
      expect(acl.grants).toContainEqual(
        expect.objectContaining({
          grantee: expect.objectContaining({ uri: "http://acs.amazonaws.com/groups/global/AllUsers" }),
          permission: "READ",
        }),
      );
      expect(website.tags.note).toBe(HOSTILE_TAG_VALUES[0]);
      const publicPolicy = byName(items, "AWS::S3::Bucket", bucket("public-policy"))
        .supplementaryConfiguration.policy;
      expect(publicPolicy).toMatchObject({
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "s3:GetObject" }],
      });
      const suspended = byName(
        items,
        "AWS::S3::Bucket",
        bucket("customer-data", "eu-west-1"),
      ).supplementaryConfiguration;
      expect(suspended.versioning).toEqual({ status: "Suspended", mfaDelete: null });
    });
  });

  describe("IAM", () => {
    const user = (name: string) => byName(items, "AWS::IAM::User", name);

    it("tells console users with and without MFA apart", () => {
      const bob = user("bob.console");
      expect(bob.awsRegion).toBe("global");
      expect(bob.resourceId).toBe(bob.configuration.userId);
      expect(bob.configuration).toMatchObject({ userName: "bob.console", path: "/", passwordLastUsed: null });
      expect(bob.supplementaryConfiguration).toMatchObject({
        loginProfile: { passwordResetRequired: false },
        mfaDevices: [],
        accessKeys: [],
        groups: ["developers"],
        attachedManagedPolicies: [],
        inlinePolicies: [],
        credentialReport: {
          user: "bob.console",
          passwordEnabled: true,
          mfaActive: false,
          accessKey1Active: false,
        },
      });
      const alice = user("alice.admin").supplementaryConfiguration;
      expect(alice.mfaDevices).toEqual([
        { serialNumber: `arn:aws:iam::${accountId}:mfa/alice.admin-mfa`, enableDate: expect.any(String) },
      ]);
      expect(alice.groups).toEqual(["admins"]);
    });

    it("stores null, not an error, for a user without a console password", () => {
      const svc = user("svc-reporting-0").supplementaryConfiguration;
      expect(svc.loginProfile).toBeNull();
      expect(svc.accessKeys).toEqual([
        {
          accessKeyId: expect.stringMatching(/^[A-Z0-9]{16,}$/),
          status: "Active",
          createDate: expect.any(String),
          lastUsedDate: expect.any(String),
          lastUsedService: "s3",
        },
      ]);
    });

    it("reads keys, direct attachments and inline documents", () => {
      const carol = user("carol.direct-admin").supplementaryConfiguration;
      expect(carol.attachedManagedPolicies).toEqual([
        { policyName: "AdministratorAccess", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
      ]);
      const bot = user("deploy-bot").supplementaryConfiguration;
      const keys = bot.accessKeys as Array<{ status: string; lastUsedDate: string | null }>;
      expect(keys.map((k) => k.status)).toEqual(["Active", "Active"]);
      expect(keys.filter((k) => k.lastUsedDate !== null)).toHaveLength(1);
      expect(bot.inlinePolicies).toEqual([
        {
          policyName: "deploy-bot-inline",
          policyDocument: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "s3:*", Resource: "*" }],
          },
        },
      ]);
      expect(bot.attachedManagedPolicies).toEqual([
        {
          policyName: "DeployPipelineAccess",
          policyArn: `arn:aws:iam::${accountId}:policy/DeployPipelineAccess`,
        },
      ]);
      expect(user("erin.inactive").supplementaryConfiguration.accessKeys).toEqual([
        expect.objectContaining({ status: "Inactive", lastUsedDate: null, lastUsedService: null }),
      ]);
      expect(user("mallory.contractor").tags).toEqual({
        team: "external",
        note: HOSTILE_TAG_VALUES[0],
        "review-status": HOSTILE_TAG_VALUES[1],
      });
    });

    it("reads groups with their policies and members", () => {
      const admins = byName(items, "AWS::IAM::Group", "admins");
      expect(admins.configuration).toMatchObject({
        groupName: "admins",
        arn: `arn:aws:iam::${accountId}:group/admins`,
      });
      expect(admins.supplementaryConfiguration).toEqual({
        attachedManagedPolicies: [
          { policyName: "AdministratorAccess", policyArn: "arn:aws:iam::aws:policy/AdministratorAccess" },
        ],
        inlinePolicies: [],
        userNames: ["alice.admin"],
      });
      const breakGlass = byName(items, "AWS::IAM::Group", "break-glass").supplementaryConfiguration;
      expect(breakGlass.inlinePolicies).toEqual([
        {
          policyName: "break-glass-inline",
          policyDocument: {
            Version: "2012-10-17",
            Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
          },
        },
      ]);
      expect(breakGlass.userNames).toEqual(["mallory.contractor"]);
    });

    it("reads roles: trust policies, session length, last use, tags", () => {
      const open = byName(items, "AWS::IAM::Role", "ops-public-trust");
      expect(open.configuration.assumeRolePolicyDocument).toEqual({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Principal: { AWS: "*" }, Action: "sts:AssumeRole" }],
      });
      expect(open.configuration.roleLastUsed).toEqual({ lastUsedDate: null, region: null });
      expect(open.tags).toEqual({ owner: "ops", purpose: HOSTILE_TAG_VALUES[2] });
      const partner = byName(items, "AWS::IAM::Role", "partner-audit");
      expect(partner.configuration.maxSessionDuration).toBe(7200);
      expect(JSON.stringify(partner.configuration.assumeRolePolicyDocument)).toContain("sts:ExternalId");
      expect(
        byName(items, "AWS::IAM::Role", "legacy-inline-admin").supplementaryConfiguration.inlinePolicies,
      ).toHaveLength(1);
      expect(
        byName(items, "AWS::IAM::Role", "support-role").supplementaryConfiguration.attachedManagedPolicies,
      ).toEqual([{ policyName: "AWSSupportAccess", policyArn: "arn:aws:iam::aws:policy/AWSSupportAccess" }]);
    });

    it("records customer managed policies only, with their default document", () => {
      const policies = ofType(items, "AWS::IAM::Policy");
      expect(policies.every((p) => p.arn.startsWith(`arn:aws:iam::${accountId}:policy/`))).toBe(true);
      const star = byName(items, "AWS::IAM::Policy", "FullAdminStar");
      expect(star.configuration).toMatchObject({
        policyName: "FullAdminStar",
        defaultVersionId: "v1",
        attachmentCount: 2,
      });
      expect(star.supplementaryConfiguration.policyDocument).toEqual({
        Version: "2012-10-17",
        Statement: [{ Effect: "Allow", Action: "*", Resource: "*" }],
      });
      expect(byName(items, "AWS::IAM::Policy", "UnusedBroadAccess").configuration.attachmentCount).toBe(0);
    });
  });

  describe("EC2", () => {
    const group = (name: string, region = "us-east-1") =>
      byName(items, "AWS::EC2::SecurityGroup", name, region);

    it("reads security group rules and how many interfaces use each group", () => {
      const ssh = group("ssh-bastion");
      expect(ssh.configuration.ipPermissions).toEqual([
        expect.objectContaining({
          ipProtocol: "tcp",
          fromPort: 22,
          toPort: 22,
          ipRanges: [{ cidrIp: "0.0.0.0/0" }],
        }),
      ]);
      expect(ssh.supplementaryConfiguration.networkInterfaceCount).toBe(1);
      expect(group("rdp-admin").configuration.ipPermissions).toEqual([
        expect.objectContaining({ fromPort: 3389, ipv6Ranges: [{ cidrIpv6: "::/0" }] }),
      ]);
      expect(group("legacy-all-open").configuration.ipPermissions).toEqual([
        expect.objectContaining({ ipProtocol: "-1", ipRanges: [{ cidrIp: "0.0.0.0/0" }] }),
      ]);
      expect(group("legacy-all-open").tags.Description).toBe(HOSTILE_TAG_VALUES[0]);
      expect(group("unused-0").supplementaryConfiguration.networkInterfaceCount).toBe(0);
      const quiet = group("staging-quiet").configuration;
      expect(quiet.ipPermissions).toEqual([]);
      expect(quiet.ipPermissionsEgress).toEqual([
        expect.objectContaining({ fromPort: 443, ipRanges: [{ cidrIp: "10.0.0.0/8" }] }),
      ]);
      const db = group("db-use1").configuration.ipPermissions as Array<{
        userIdGroupPairs: Array<{ groupId: string }>;
      }>;
      expect(db[0]?.userIdGroupPairs[0]?.groupId).toBe(group("web-0").resourceId);
    });

    it("keeps the default groups' rules in us-east-1 and sees them emptied in eu-west-1", () => {
      const defaults = (region: string) =>
        ofType(items, "AWS::EC2::SecurityGroup", region).filter((g) => g.resourceName === "default");
      // One default group per VPC (seed-vpc.ts adds two VPCs in us-east-1).
      expect(defaults("us-east-1")).toHaveLength(ofType(items, "AWS::EC2::VPC", "us-east-1").length);
      for (const g of defaults("us-east-1"))
        expect((g.configuration.ipPermissionsEgress as unknown[]).length).toBeGreaterThan(0);
      expect(defaults("eu-west-1")).toHaveLength(3);
      for (const g of defaults("eu-west-1")) {
        expect(g.configuration.ipPermissions).toEqual([]);
        expect(g.configuration.ipPermissionsEgress).toEqual([]);
      }
    });

    it("reads instance metadata options, profiles, public addresses and state", () => {
      const legacy = byName(items, "AWS::EC2::Instance", "legacy-app-0").configuration;
      expect(legacy.metadataOptions).toMatchObject({
        httpTokens: "optional",
        httpPutResponseHopLimit: 2,
        httpEndpoint: "enabled",
      });
      expect(legacy.publicIpAddress).toEqual(expect.any(String));
      expect(legacy.iamInstanceProfile).toBeUndefined();
      const web = byName(items, "AWS::EC2::Instance", "web-use1-0");
      expect(web.configuration).toMatchObject({
        metadataOptions: { httpTokens: "required", httpPutResponseHopLimit: 1 },
        monitoring: { state: "enabled" },
        state: { name: "running" },
        securityGroups: [{ groupId: group("web-0").resourceId, groupName: "web-0" }],
        vpcId: byName(items, "AWS::EC2::VPC", "prod-use1").resourceId,
      });
      expect(web.configuration.publicIpAddress).toBeUndefined();
      expect((web.configuration.iamInstanceProfile as { arn: string }).arn).toBe(
        `arn:aws:iam::${accountId}:instance-profile/ec2-app-profile`,
      );
      expect(web.arn).toBe(`arn:aws:ec2:us-east-1:${accountId}:instance/${web.resourceId}`);
      expect(byName(items, "AWS::EC2::Instance", "batch-worker-euw1").configuration.state).toMatchObject({
        name: "stopped",
      });
      expect(byName(items, "AWS::EC2::Instance", "legacy-app-0").tags.Description).toBe(
        HOSTILE_TAG_VALUES[0],
      );
    });

    it("reads network ACL entries with protocol numbers and port ranges", () => {
      const acl = byName(items, "AWS::EC2::NetworkAcl", "prod-public-nacl-use1").configuration;
      expect(acl.isDefault).toBe(false);
      expect(acl.entries).toContainEqual(
        expect.objectContaining({
          ruleNumber: 100,
          protocol: "6",
          ruleAction: "allow",
          egress: false,
          cidrBlock: "0.0.0.0/0",
          portRange: { from: 22, to: 22 },
        }),
      );
    });

    it("reads volume encryption and attachment, snapshot encryption and sharing", () => {
      const appKey = byName(items, "AWS::KMS::Key", "alias/app-data", "us-east-1");
      const data = byName(items, "AWS::EC2::Volume", "data-use1-0").configuration;
      expect(data).toMatchObject({
        encrypted: true,
        kmsKeyId: appKey.arn,
        size: 20,
        volumeType: "gp3",
        state: "in-use",
      });
      expect((data.attachments as Array<{ instanceId: string }>)[0]?.instanceId).toBe(
        byName(items, "AWS::EC2::Instance", "web-use1-0").resourceId,
      );
      const scratch = byName(items, "AWS::EC2::Volume", "scratch-0").configuration;
      expect(scratch).toMatchObject({ encrypted: false, attachments: [], state: "available" });
      const shared = byName(items, "AWS::EC2::Snapshot", "shared-public-0");
      expect(shared.supplementaryConfiguration.createVolumePermissions).toEqual([{ group: "all" }]);
      expect(shared.configuration.encrypted).toBe(false);
      expect(shared.arn).toBe(`arn:aws:ec2:us-east-1::snapshot/${shared.resourceId}`);
      const backup = byName(items, "AWS::EC2::Snapshot", "backup-use1-0");
      expect(backup.supplementaryConfiguration.createVolumePermissions).toEqual([]);
      expect(backup.configuration.encrypted).toBe(true);
    });

    it("reads flow logs per VPC", () => {
      const prod = byName(items, "AWS::EC2::VPC", "prod-use1");
      expect(prod.configuration).toMatchObject({
        cidrBlock: "10.10.0.0/16",
        isDefault: false,
        state: "available",
      });
      expect(prod.supplementaryConfiguration.flowLogs).toEqual([
        expect.objectContaining({
          flowLogStatus: "ACTIVE",
          trafficType: "ALL",
          logDestinationType: "s3",
          logDestination: `arn:aws:s3:::${bucket("flow-logs")}`,
          resourceId: prod.resourceId,
        }),
      ]);
      expect(byName(items, "AWS::EC2::VPC", "staging-use1").supplementaryConfiguration.flowLogs).toEqual([]);
      expect(ofType(items, "AWS::EC2::VPC").filter((v) => v.configuration.isDefault === true)).toHaveLength(
        2,
      );
    });
  });

  describe("RDS, Lambda, CloudTrail, KMS", () => {
    it("reads RDS instance settings", () => {
      const orders = byName(items, "AWS::RDS::DBInstance", "orders-db");
      expect(orders.configuration).toMatchObject({
        dbInstanceIdentifier: "orders-db",
        engine: "postgres",
        storageEncrypted: true,
        publiclyAccessible: false,
        multiAZ: true,
        deletionProtection: true,
        backupRetentionPeriod: 14,
        iamDatabaseAuthenticationEnabled: true,
        copyTagsToSnapshot: true,
        autoMinorVersionUpgrade: true,
        enabledCloudwatchLogsExports: ["postgresql", "upgrade"],
        masterUsername: "orders_owner",
      });
      // moto does not keep MonitoringInterval; collectors.test.ts shows it passes through from a real answer.
      expect(orders.arn).toBe(`arn:aws:rds:us-east-1:${accountId}:db:orders-db`);
      expect(orders.tags).toEqual({ env: "prod", "data-classification": "cardholder" });
      const legacy = byName(items, "AWS::RDS::DBInstance", "legacy-reporting-db").configuration;
      expect(legacy).toMatchObject({
        storageEncrypted: false,
        publiclyAccessible: true,
        masterUsername: "admin",
        deletionProtection: false,
      });
    });

    it("reads who may restore each DB snapshot", () => {
      const restore = (id: string) =>
        byName(items, "AWS::RDS::DBSnapshot", id).supplementaryConfiguration.restoreAccountIds;
      expect(restore("legacy-reporting-manual")).toEqual(["all"]);
      expect(restore("orders-db-pre-migration")).toEqual(["444455556666"]);
      expect(restore("customers-eu-weekly")).toEqual([]);
      expect(byName(items, "AWS::RDS::DBSnapshot", "legacy-reporting-manual").configuration).toMatchObject({
        encrypted: false,
        snapshotType: "manual",
        dbInstanceIdentifier: "legacy-reporting-db",
      });
    });

    it("reads Lambda URLs, resource policies, runtimes and environment names", () => {
      const fn = (name: string) => byName(items, "AWS::Lambda::Function", name);
      expect(fn("public-webhook").supplementaryConfiguration).toEqual({
        functionUrl: {
          functionUrl: expect.stringMatching(/^https:\/\//),
          authType: "NONE",
          cors: { allowOrigins: ["*"], allowMethods: ["GET", "POST"] },
        },
        // moto does not implement ListFunctionUrlConfigs: the alias URLs are unknown, kept as a marker, never [].
        functionUrls: { $error: expect.objectContaining({ code: expect.any(String) }) },
        policy: null,
      });
      expect(fn("public-webhook").tags).toEqual({ team: "platform", note: HOSTILE_TAG_VALUES[2] });
      expect(fn("internal-report-url").supplementaryConfiguration.functionUrl).toMatchObject({
        authType: "AWS_IAM",
        cors: null,
      });
      const callback = fn("partner-callback").supplementaryConfiguration;
      expect(callback.functionUrl).toBeNull();
      expect(callback.policy).toMatchObject({
        Statement: [
          { Sid: "public-invoke", Effect: "Allow", Principal: "*", Action: "lambda:InvokeFunction" },
        ],
      });
      expect(fn("legacy-thumbnailer").configuration.runtime).toBe("python3.7");
      expect(fn("eu-legacy-cron").awsRegion).toBe("eu-west-1");
      expect(fn("billing-export").configuration.environment).toEqual({
        variables: {
          DB_PASSWORD: "[redacted literal, 12 characters]",
          DB_HOST: "[redacted literal, 18 characters]",
        },
      });
      const orders = fn("orders-api").configuration;
      // moto's function configuration carries no KMSKeyArn or DeadLetterConfig; collectors.test.ts covers them.
      expect(orders).toMatchObject({
        runtime: "nodejs20.x",
        tracingConfig: { mode: "Active" },
        role: `arn:aws:iam::${accountId}:role/lambda-exec`,
        packageType: "Zip",
        environment: { variables: { LOG_LEVEL: "[redacted literal, 4 characters]" } },
      });
    });

    it("records each trail once, in its home region, with status and selectors", () => {
      const trails = ofType(items, "AWS::CloudTrail::Trail");
      expect(trails.map((t) => `${t.resourceId}@${t.awsRegion}`).sort()).toEqual([
        "eu-app-trail@eu-west-1",
        "org-audit-trail@us-east-1",
      ]);
      const org = byName(items, "AWS::CloudTrail::Trail", "org-audit-trail");
      expect(org.configuration).toMatchObject({
        isMultiRegionTrail: true,
        includeGlobalServiceEvents: true,
        logFileValidationEnabled: true,
        homeRegion: "us-east-1",
        s3BucketName: bucket("cloudtrail"),
        kmsKeyId: byName(items, "AWS::KMS::Key", "alias/app-data", "us-east-1").arn,
      });
      expect(org.supplementaryConfiguration.status).toMatchObject({ isLogging: true });
      expect(org.supplementaryConfiguration.eventSelectors).toEqual({
        eventSelectors: [
          expect.objectContaining({
            readWriteType: "All",
            includeManagementEvents: true,
            dataResources: [{ type: "AWS::S3::Object", values: ["arn:aws:s3"] }],
          }),
        ],
        advancedEventSelectors: [],
      });
      expect(org.tags).toEqual({ owner: "security" });
      const eu = byName(items, "AWS::CloudTrail::Trail", "eu-app-trail");
      expect(eu.configuration).toMatchObject({ isMultiRegionTrail: false, logFileValidationEnabled: false });
      expect(eu.configuration.kmsKeyId).toBeUndefined();
      expect(eu.supplementaryConfiguration.status).toMatchObject({ isLogging: false });
    });

    it("reads key rotation where it applies and null where it does not", () => {
      for (const region of REGIONS) {
        const key = (alias: string) => byName(items, "AWS::KMS::Key", `alias/${alias}`, region);
        expect(key("app-data").supplementaryConfiguration.keyRotationEnabled).toBe(true);
        expect(key("legacy-key").supplementaryConfiguration.keyRotationEnabled).toBe(false);
        const retired = key("retired-key");
        expect(retired.configuration).toMatchObject({ keyState: "PendingDeletion", keyManager: "CUSTOMER" });
        expect(retired.supplementaryConfiguration.keyRotationEnabled).toBeNull();
        const signing = key("code-signing");
        expect(signing.configuration).toMatchObject({ keySpec: "RSA_2048", keyUsage: "SIGN_VERIFY" });
        expect(signing.supplementaryConfiguration.keyRotationEnabled).toBeNull();
        const shared = key("shared-with-everyone").supplementaryConfiguration;
        expect(shared.aliases).toEqual(["alias/shared-with-everyone"]);
        expect(JSON.stringify(shared.policy)).toContain('"AWS":"*"');
        expect(key("app-data").tags).toEqual({ Name: "app-data", env: "prod" });
        expect(key("app-data").supplementaryConfiguration.policy).toMatchObject({ Version: "2012-10-17" });
      }
    });
  });

  describe("faults", () => {
    it("retries throttled calls: every resource still arrives", async () => {
      const attempts: Attempt[] = [];
      // The first two attempts of every DescribeSecurityGroups and the first of every ListUsers are throttled.
      const clientFactory = faultyClientFactory((a) => {
        if (a.operation === "DescribeSecurityGroups" && a.attempt <= 2)
          return awsError("ThrottlingException", "Rate exceeded");
        if (a.operation === "ListUsers" && a.attempt === 1) return awsError("Throttling", "Rate exceeded");
        return undefined;
      }, attempts);
      const result = await discoverAccount({
        endpoint,
        credentials,
        regions: ["us-east-1"],
        services: ["ec2", "iam"],
        clientFactory,
        maxAttempts: 4,
        clock: () => FIXED_NOW,
      });
      expect(result.coverageGaps.filter((g) => g.code !== "HTTP500")).toEqual([]);
      const tries = (op: string) => attempts.filter((a) => a.operation === op).map((a) => a.attempt);
      expect(tries("DescribeSecurityGroups")).toEqual([1, 2, 3]);
      expect(tries("ListUsers")).toEqual([1, 2]);
      // Retries are attempts, not calls.
      expect(result.stats.apiCallsByOperation["ec2:DescribeSecurityGroups"]).toBe(1);
      const hashes = (list: ConfigurationItem[], type: string, region?: string) =>
        ofType(list, type, region)
          .map((i) => i.contentHash)
          .sort();
      expect(hashes(result.items, "AWS::EC2::SecurityGroup")).toEqual(
        hashes(items, "AWS::EC2::SecurityGroup", "us-east-1"),
      );
      expect(hashes(result.items, "AWS::IAM::User")).toEqual(hashes(items, "AWS::IAM::User"));
    }, 60_000);

    it("records throttling past the retries as a gap and keeps the other listings", async () => {
      const clientFactory = faultyClientFactory((a) =>
        a.operation === "DescribeVolumes" ? awsError("ThrottlingException", "Rate exceeded") : undefined,
      );
      const result = await discoverAccount({
        endpoint,
        credentials,
        regions: ["us-east-1"],
        services: ["ec2"],
        clientFactory,
        maxAttempts: 2,
      });
      expect(result.coverageGaps).toContainEqual({
        accountId,
        service: "ec2",
        region: "us-east-1",
        code: "ThrottlingException",
        error: "DescribeVolumes: Rate exceeded",
      });
      expect(ofType(result.items, "AWS::EC2::Volume")).toEqual([]);
      expect(ofType(result.items, "AWS::EC2::Instance")).toHaveLength(
        ofType(items, "AWS::EC2::Instance", "us-east-1").length,
      );
    }, 60_000);

    it("records AccessDenied for one service in one region and invents nothing there", async () => {
      const progress: ProgressEvent[] = [];
      const clientFactory = faultyClientFactory((a) =>
        a.kind === "rds" && a.region === "eu-west-1"
          ? awsError("AccessDenied", "User is not authorized to perform: rds:DescribeDBInstances", 403)
          : undefined,
      );
      const result = await discoverAccount({
        endpoint,
        credentials,
        regions: REGIONS,
        services: ["rds", "kms", "lambda"],
        clientFactory,
        onProgress: (e) => progress.push(e),
      });
      const rdsGaps = result.coverageGaps.filter((g) => g.service === "rds");
      expect(rdsGaps.length).toBeGreaterThan(0);
      for (const gap of rdsGaps)
        expect(gap).toMatchObject({ accountId, region: "eu-west-1", code: "AccessDenied" });
      expect(result.coverageGaps.filter((g) => g.service !== "rds")).toEqual([]);
      expect(
        result.items.filter((i) => i.resourceType.startsWith("AWS::RDS::") && i.awsRegion === "eu-west-1"),
      ).toEqual([]);
      expect(ofType(result.items, "AWS::RDS::DBInstance", "us-east-1")).toHaveLength(
        ofType(items, "AWS::RDS::DBInstance", "us-east-1").length,
      );
      expect(ofType(result.items, "AWS::KMS::Key", "eu-west-1")).toHaveLength(
        ofType(items, "AWS::KMS::Key", "eu-west-1").length,
      );
      expect(ofType(result.items, "AWS::Lambda::Function", "eu-west-1")).toHaveLength(
        ofType(items, "AWS::Lambda::Function", "eu-west-1").length,
      );
      expect(progress).toContainEqual(
        expect.objectContaining({ type: "task-failed", service: "rds", region: "eu-west-1" }),
      );
      expect(progress).toContainEqual(
        expect.objectContaining({ type: "task-done", service: "rds", region: "us-east-1" }),
      );
    }, 60_000);

    it("marks a denied per-resource call on the resource instead of reporting 'not configured'", async () => {
      const clientFactory = faultyClientFactory((a) =>
        a.kind === "s3" && a.operation === "GetBucketPolicy"
          ? awsError("AccessDenied", "Access Denied", 403)
          : undefined,
      );
      const result = await discoverAccount({
        endpoint,
        credentials,
        regions: REGIONS,
        services: ["s3"],
        clientFactory,
      });
      const buckets = ofType(result.items, "AWS::S3::Bucket");
      expect(buckets).toHaveLength(seeded.created["s3:bucket"]!);
      for (const b of buckets) {
        expect(b.supplementaryConfiguration.policy).toEqual({
          $error: { code: "AccessDenied", message: "Access Denied" },
        });
      }
      // The other settings are read as usual.
      const bare = byName(
        result.items,
        "AWS::S3::Bucket",
        bucket("unencrypted-exports"),
      ).supplementaryConfiguration;
      expect(bare.encryption).toBeNull();
      expect(result.coverageGaps).toEqual([]);
    }, 60_000);

    it("skips a region that is not enabled and says so for every regional service", async () => {
      const result = await discoverAccount({
        endpoint,
        credentials,
        regions: ["us-east-1", "ap-east-1"],
        services: ["kms", "lambda"],
      });
      expect(result.regions).toEqual(["us-east-1"]);
      expect(result.coverageGaps).toEqual([
        expect.objectContaining({ service: "kms", region: "ap-east-1", code: "OptInRequired" }),
        expect.objectContaining({ service: "lambda", region: "ap-east-1", code: "OptInRequired" }),
      ]);
      expect(result.items.filter((i) => i.awsRegion === "ap-east-1")).toEqual([]);
      expect(result.stats.apiCallsByOperation["kms:ListKeys"]).toBe(1);
    }, 60_000);

    it("scans every enabled region when none is given", async () => {
      const result = await discoverAccount({ endpoint, credentials, services: ["kms"] });
      expect(result.regions.length).toBeGreaterThan(10);
      expect(result.regions).toContain("eu-west-1");
      expect(result.regions).not.toContain("ap-east-1");
      expect(ofType(result.items, "AWS::KMS::Key")).toHaveLength(seeded.created["kms:key"]!);
    }, 120_000);

    it("refuses unknown services and malformed regions before any call", async () => {
      await expect(discoverAccount({ endpoint, credentials, services: ["ec3"] })).rejects.toThrow(UsageError);
      await expect(discoverAccount({ endpoint, credentials, regions: ["US East"] })).rejects.toThrow(
        UsageError,
      );
    });
  });

  describe("several accounts", () => {
    it("merges the accounts it can assume and records the one it cannot", async () => {
      const other = randomAccountId();
      const refused = randomAccountId();
      const clientFactory = faultyClientFactory((a) =>
        a.operation === "AssumeRole" && String(a.input.RoleArn).includes(refused)
          ? awsError("AccessDenied", `not authorized to assume a role in ${refused}`, 403)
          : undefined,
      );
      const result = await discoverAccounts(
        [
          `arn:aws:iam::${accountId}:role/enforceai-scan`,
          { roleArn: `arn:aws:iam::${other}:role/enforceai-scan`, externalId: "acme-7f3c2a" },
          `arn:aws:iam::${refused}:role/enforceai-scan`,
        ],
        {
          endpoint,
          credentials: DUMMY_CREDENTIALS,
          regions: ["us-east-1"],
          services: ["kms"],
          clientFactory,
          maxAttempts: 1,
        },
      );
      expect(result.accountIds).toEqual([accountId, other].sort());
      expect(ofType(result.items, "AWS::KMS::Key").every((k) => k.accountId === accountId)).toBe(true);
      expect(result.items.filter((i) => i.accountId === other).map((i) => i.resourceType)).toContain(
        "AWS::::Account",
      );
      expect(result.coverageGaps).toEqual([
        expect.objectContaining({
          accountId: refused,
          service: "sts",
          region: "global",
          code: "AccessDenied",
        }),
      ]);
      expect([...result.items].sort(compareItems)).toEqual(result.items);
    }, 60_000);

    it("rejects a malformed role ARN", async () => {
      await expect(discoverAccounts(["arn:aws:iam::12:role/x"], { endpoint })).rejects.toThrow(UsageError);
    });
  });
});
