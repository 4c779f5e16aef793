/**
 * The catalog without AWS: every action is wired to real checks, calls only registered commands, and the IAM
 * policy document is exactly the registry. Plan logic that moto cannot show (ages, partial overlaps, stricter
 * existing values, unsafe rollbacks) is checked on synthetic items.
 */
import { readFileSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { ValidationError } from "../../src/errors.ts";
import { PACKAGE_ROOT } from "../../src/paths.ts";
import {
  ACTIONS,
  actionForCheck,
  buildPlan,
  COMMANDS,
  commandSpec,
  mergeTlsOnlyStatement,
  type PlanContext,
  PlanError,
  planHash,
  requireAction,
  TLS_ONLY_SID,
  tlsOnlyStatement,
} from "../../tools/remediation/index.ts";
import { catalog } from "./helpers.ts";

const NOW = new Date("2026-06-01T00:00:00Z");
const k = await catalog();
const checkById = new Map(k.checks.map((c) => [c.check.id, c.check] as const));

function ctx(checkIds: string[], items: ConfigurationItem[] = []): PlanContext {
  return {
    settings: k.settings,
    now: NOW,
    checks: checkIds.map((id) => checkById.get(id)!),
    itemsOfType: (t) => items.filter((i) => i.resourceType === t),
  };
}

function item(resourceType: string, partial: Partial<ConfigurationItem>): ConfigurationItem {
  const resourceId = partial.resourceId ?? "res-1";
  return {
    resourceType,
    resourceId,
    arn: `arn:aws:test:us-east-1:111122223333:${resourceId}`,
    awsRegion: "us-east-1",
    accountId: "111122223333",
    configuration: {},
    supplementaryConfiguration: {},
    tags: {},
    configurationItemCaptureTime: NOW.toISOString(),
    ...partial,
  };
}

const daysAgo = (n: number) => new Date(NOW.getTime() - n * 86_400_000).toISOString();

describe("remediation catalog", () => {
  it("has at least 15 actions with unique ids, each fixing checks that name it", () => {
    expect(ACTIONS.length).toBeGreaterThanOrEqual(15);
    expect(new Set(ACTIONS.map((a) => a.id)).size).toBe(ACTIONS.length);
    for (const action of ACTIONS) {
      expect(action.fixes.length, action.id).toBeGreaterThan(0);
      for (const checkId of action.fixes) {
        const check = checkById.get(checkId);
        expect(check, `${action.id} fixes ${checkId}, which is not in the check catalog`).toBeDefined();
        expect(actionForCheck(checkId)?.id, `${checkId} is fixed by another action too`).toBe(action.id);
      }
    }
  });

  it("declares the check↔action link once: by the actions, not again in the built-in checks", () => {
    for (const c of k.checks) {
      if (c.check.source.kind === "builtin") expect(c.check.remediation.action, c.check.id).toBeUndefined();
    }
  });

  it("has an action for every remediation.action the checks reference", () => {
    const referenced = new Set(
      k.checks.map((c) => c.check.remediation.action).filter((a): a is string => !!a),
    );
    for (const id of referenced) expect(requireAction(id).id).toBe(id);
    for (const c of k.checks) {
      if (c.check.remediation.action) expect(actionForCheck(c.check.id)?.id).toBe(c.check.remediation.action);
    }
  });

  it("declares only registered commands, writes as writes and reads as reads", () => {
    for (const action of ACTIONS) {
      for (const key of action.operations.write) {
        const [service, operation] = key.split(":");
        expect(commandSpec(service!, operation!)?.write, `${action.id} ${key}`).toBe(true);
      }
      for (const key of action.operations.read) {
        const [service, operation] = key.split(":");
        expect(commandSpec(service!, operation!)?.write, `${action.id} ${key}`).toBe(false);
      }
    }
    const declared = new Set(ACTIONS.flatMap((a) => [...a.operations.write, ...a.operations.read]));
    for (const c of COMMANDS)
      expect(declared.has(`${c.service}:${c.operation}`), `${c.operation} is unused`).toBe(true);
  });

  it("the IAM policy document grants exactly the registry's actions", () => {
    const doc = JSON.parse(
      readFileSync(path.join(PACKAGE_ROOT, "docs", "iam", "enforceai-remediation-policy.json"), "utf8"),
    ) as { Statement: { Sid: string; Effect: string; Action: string[]; Resource: string }[] };
    const of = (write: boolean) =>
      [...new Set(COMMANDS.filter((c) => c.write === write).map((c) => c.iamAction))].sort();
    const write = doc.Statement.find((s) => s.Sid === "EnforceAIRemediationWrite")!;
    const read = doc.Statement.find((s) => s.Sid === "EnforceAIRemediationReadBeforeChange")!;
    expect(doc.Statement).toHaveLength(2);
    expect([...write.Action].sort()).toEqual(of(true));
    expect([...read.Action].sort()).toEqual(of(false));
    expect(write.Effect).toBe("Allow");
  });
});

describe("TLS-only bucket policy merge", () => {
  const existing = {
    Version: "2012-10-17",
    Id: "keep-me",
    Statement: [
      {
        Sid: "A",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "s3:GetObject",
        Resource: "arn:aws:s3:::b/*",
      },
    ],
  };

  it("keeps every existing statement and field, appends the statement once", () => {
    const first = mergeTlsOnlyStatement(existing, "b");
    expect(first.added).toBe(true);
    expect(first.policy).toEqual({ ...existing, Statement: [...existing.Statement, tlsOnlyStatement("b")] });
    const second = mergeTlsOnlyStatement(first.policy, "b");
    expect(second).toEqual({ policy: first.policy, added: false });
  });

  it("recognises the statement under another Sid and a single Statement object", () => {
    const { Sid: _s, ...withoutSid } = tlsOnlyStatement("b");
    expect(
      mergeTlsOnlyStatement({ Version: "2012-10-17", Statement: [{ ...withoutSid, Sid: "Mine" }] }, "b")
        .added,
    ).toBe(false);
    const single = mergeTlsOnlyStatement({ Version: "2012-10-17", Statement: existing.Statement[0] }, "b");
    expect(single.policy.Statement).toEqual([existing.Statement[0], tlsOnlyStatement("b")]);
    expect(mergeTlsOnlyStatement(null, "b").policy).toEqual({
      Version: "2012-10-17",
      Statement: [tlsOnlyStatement("b")],
    });
  });

  it("refuses to plan over an unreadable or unparseable policy, and when the statement is already there", () => {
    const action = requireAction("s3_bucket_tls_only_policy");
    const bucket = (policy: unknown) =>
      item("AWS::S3::Bucket", {
        resourceId: "b",
        arn: "arn:aws:s3:::b",
        supplementaryConfiguration: { policy },
      });
    expect(() =>
      buildPlan(action, bucket({ $error: { code: "AccessDenied", message: "no" } }), ctx([])),
    ).toThrow(/could not read/);
    expect(() => buildPlan(action, bucket({ $raw: "{oops" }), ctx([]))).toThrow(PlanError);
    const merged = mergeTlsOnlyStatement(existing, "b").policy;
    expect(() => buildPlan(action, bucket(merged), ctx([]))).toThrow(new RegExp(TLS_ONLY_SID));
  });
});

describe("security group plan", () => {
  const action = requireAction("ec2_revoke_world_ingress");
  const group = (ipPermissions: unknown[]) =>
    item("AWS::EC2::SecurityGroup", {
      resourceId: "sg-1",
      configuration: { groupId: "sg-1", ipPermissions },
    });

  it("revokes only world sources of rules that open the checks' ports, in the checks' families", () => {
    const sg = group([
      {
        ipProtocol: "tcp",
        fromPort: 20,
        toPort: 30,
        ipRanges: [{ cidrIp: "0.0.0.0/0" }, { cidrIp: "192.168.0.0/16" }],
      },
      { ipProtocol: "tcp", fromPort: 443, toPort: 443, ipRanges: [{ cidrIp: "0.0.0.0/0" }] },
      {
        ipProtocol: "tcp",
        fromPort: 3389,
        toPort: 3389,
        ipv6Ranges: [{ cidrIpv6: "::/0" }],
        ipRanges: [{ cidrIp: "0.0.0.0/0" }],
      },
      { ipProtocol: "-1", userIdGroupPairs: [{ groupId: "sg-1" }] },
    ]);
    const plan = buildPlan(action, sg, ctx(["ec2_securitygroup_no_ingress_admin_ports_ipv4"]));
    expect(plan.params).toEqual({ targets: [{ ports: [22, 3389], family: "ipv4" }] });
    expect(plan.calls).toEqual([
      {
        service: "ec2",
        operation: "RevokeSecurityGroupIngress",
        region: "us-east-1",
        input: {
          GroupId: "sg-1",
          IpPermissions: [
            { IpProtocol: "tcp", FromPort: 20, ToPort: 30, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
            { IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
          ],
        },
      },
    ]);
    const all = buildPlan(
      action,
      group([{ ipProtocol: "-1", ipRanges: [{ cidrIp: "0.0.0.0/0" }] }]),
      ctx(["ec2_securitygroup_no_ingress_all_ports_world"]),
    );
    expect(all.calls[0]?.input.IpPermissions).toEqual([
      { IpProtocol: "-1", IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
    ]);
    expect(() =>
      buildPlan(
        action,
        group([{ ipProtocol: "tcp", fromPort: 443, toPort: 443, ipRanges: [{ cidrIp: "0.0.0.0/0" }] }]),
        ctx(["ec2_securitygroup_no_ingress_ssh_world"]),
      ),
    ).toThrow(PlanError);
  });

  it("rolls back by authorising the captured rules with their descriptions", () => {
    const sg = group([
      {
        ipProtocol: "tcp",
        fromPort: 22,
        toPort: 22,
        ipRanges: [{ cidrIp: "0.0.0.0/0", description: "ops" }],
      },
    ]);
    const plan = buildPlan(action, sg, ctx(["ec2_securitygroup_no_ingress_ssh_world"]));
    const rollback = action.rollback(plan, plan.before);
    expect(rollback).toEqual({
      calls: [
        {
          service: "ec2",
          operation: "AuthorizeSecurityGroupIngress",
          region: "us-east-1",
          input: {
            GroupId: "sg-1",
            IpPermissions: [
              {
                IpProtocol: "tcp",
                FromPort: 22,
                ToPort: 22,
                IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "ops" }],
              },
            ],
          },
        },
      ],
    });
  });
});

describe("access key plan", () => {
  const action = requireAction("iam_deactivate_access_key");
  const user = item("AWS::IAM::User", {
    resourceId: "AIDA1",
    configuration: { userName: "deploy" },
    supplementaryConfiguration: {
      accessKeys: [
        { accessKeyId: "AKIAOLD", status: "Active", createDate: daysAgo(200), lastUsedDate: daysAgo(1) },
        { accessKeyId: "AKIAIDLE", status: "Active", createDate: daysAgo(60), lastUsedDate: daysAgo(50) },
        { accessKeyId: "AKIANEVER", status: "Active", createDate: daysAgo(2), lastUsedDate: null },
        { accessKeyId: "AKIAOFF", status: "Inactive", createDate: daysAgo(400), lastUsedDate: null },
        { accessKeyId: "AKIAFRESH", status: "Active", createDate: daysAgo(3), lastUsedDate: daysAgo(0.5) },
      ],
    },
  });
  const chosen = (checks: string[], params?: Record<string, unknown>) =>
    buildPlan(action, user, ctx(checks), params).calls.map((c) => c.input.AccessKeyId);

  it("selects by age, idleness, never-used and the number of active keys", () => {
    expect(chosen(["iam_user_access_key_rotated"])).toEqual(["AKIAOLD"]);
    expect(chosen(["iam_user_credentials_unused"])).toEqual(["AKIAIDLE"]);
    expect(chosen(["iam_user_no_unused_initial_access_keys"])).toEqual(["AKIANEVER"]);
    // Keep the most recently used key only.
    expect(chosen(["iam_user_single_active_access_key"]).sort()).toEqual([
      "AKIAIDLE",
      "AKIANEVER",
      "AKIAOLD",
    ]);
    expect(chosen([], { maxAgeDays: 30 }).sort()).toEqual(["AKIAIDLE", "AKIAOLD"]);
    expect(() => chosen([], { maxAgeDays: 1000 })).toThrow(PlanError);
    expect(() => chosen([], { maxAgeDays: -1 })).toThrow(ValidationError);
  });

  it("rollback reactivates only the keys that were active", () => {
    const plan = buildPlan(action, user, ctx(["iam_user_access_key_rotated"]));
    expect(action.rollback(plan, { "accessKey:AKIAOLD": "Active" })).toEqual({
      calls: [
        {
          service: "iam",
          operation: "UpdateAccessKey",
          region: "global",
          input: { UserName: "deploy", AccessKeyId: "AKIAOLD", Status: "Active" },
        },
      ],
    });
  });
});

describe("other plans", () => {
  it("the password policy keeps stricter existing values", () => {
    const action = requireAction("iam_password_policy");
    const policy = item("AWS::IAM::PasswordPolicy", {
      configuration: {
        configured: true,
        minimumPasswordLength: 20,
        passwordReusePrevention: 5,
        maxPasswordAge: 30,
        allowUsersToChangePassword: false,
      },
    });
    const plan = buildPlan(action, policy, ctx(["iam_password_policy_reuse_prevention"]));
    expect(plan.after).toMatchObject({
      minimumPasswordLength: 20,
      passwordReusePrevention: 24,
      maxPasswordAge: 30,
      allowUsersToChangePassword: false,
    });
    expect(action.rollback(plan, { configured: false })).toEqual({
      calls: [{ service: "iam", operation: "DeleteAccountPasswordPolicy", region: "global", input: {} }],
    });
  });

  it("backup retention cannot be rolled back to 0, which would delete the backups", () => {
    const action = requireAction("rds_set_backup_retention");
    const db = item("AWS::RDS::DBInstance", {
      resourceId: "db1",
      configuration: {
        dbInstanceIdentifier: "db1",
        dbInstanceStatus: "available",
        backupRetentionPeriod: 0,
        engine: "postgres",
      },
    });
    const plan = buildPlan(action, db, ctx(["rds_instance_backup_enabled"]));
    expect(plan.calls[0]?.input).toEqual({
      DBInstanceIdentifier: "db1",
      BackupRetentionPeriod: 7,
      ApplyImmediately: true,
    });
    expect(action.rollback(plan, { backupRetentionPeriod: 0 })).toMatchObject({
      unsafe: expect.stringMatching(/delete/),
    });
    expect(action.rollback(plan, { backupRetentionPeriod: 3 })).toMatchObject({
      calls: [{ input: { BackupRetentionPeriod: 3 } }],
    });
    const busy = { ...db, configuration: { ...db.configuration, dbInstanceStatus: "modifying" } };
    expect(() => buildPlan(action, busy, ctx([]))).toThrow(/modifying/);
  });

  it("a trail's log bucket is planned through the inventory, and a missing log target is a manual task", () => {
    const bucket = item("AWS::S3::Bucket", {
      resourceId: "trail-logs",
      arn: "arn:aws:s3:::trail-logs",
      supplementaryConfiguration: { publicAccessBlock: null, logging: null },
    });
    const trail = item("AWS::CloudTrail::Trail", {
      resourceId: "main",
      configuration: { s3BucketName: "trail-logs" },
    });
    const pab = buildPlan(
      requireAction("s3_bucket_public_access_block"),
      trail,
      ctx(["cloudtrail_bucket_not_public"], [bucket]),
    );
    expect(pab.target.arn).toBe("arn:aws:s3:::trail-logs");
    expect(() => buildPlan(requireAction("s3_bucket_public_access_block"), trail, ctx([]))).toThrow(
      /not in the inventory/,
    );
    expect(() => buildPlan(requireAction("s3_bucket_enable_logging"), bucket, ctx([]))).toThrow(
      /targetBucket/,
    );
  });

  it("the plan hash changes with the calls and not with notes", () => {
    const action = requireAction("ec2_ebs_encryption_by_default");
    const settings = item("AWS::EC2::RegionalSettings", { configuration: { ebsEncryptionByDefault: false } });
    const plan = buildPlan(action, settings, ctx([]));
    expect(planHash({ ...plan, notes: ["other"] } as typeof plan)).toBe(planHash(plan));
    expect(planHash({ ...plan, calls: [{ ...plan.calls[0]!, region: "eu-west-1" }] })).not.toBe(
      planHash(plan),
    );
    expect(() =>
      buildPlan(
        action,
        item("AWS::EC2::RegionalSettings", { configuration: { ebsEncryptionByDefault: true } }),
        ctx([]),
      ),
    ).toThrow(/nothing to change/);
  });
});
