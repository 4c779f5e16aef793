/**
 * IAM, CloudTrail, KMS and EC2 actions against violating resources created in moto: plan, reject, approve,
 * apply, verify with the real checks.
 */
import { CreateTrailCommand } from "@aws-sdk/client-cloudtrail";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import { CreateAccessKeyCommand, CreateUserCommand, ListAccessKeysCommand } from "@aws-sdk/client-iam";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import { CreateBucketCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.ts";
import { openStore } from "../../src/store/index.ts";
import { requireService } from "../helpers/services.ts";
import { exerciseAction } from "./flow.ts";
import { type MotoAccount, motoAccount, REGION, suffix, TestClock } from "./helpers.ts";

const moto = requireService("moto");

describe.skipIf(!moto)("IAM, CloudTrail, KMS and EC2 remediation actions against moto", () => {
  let store: Store;
  const accounts: MotoAccount[] = [];
  const account = () => {
    const a = motoAccount(moto!);
    accounts.push(a);
    return a;
  };
  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
  });
  afterAll(async () => {
    for (const a of accounts) a.destroy();
    await store?.close();
  });

  it("iam_password_policy sets a policy that meets every password check", async () => {
    const a = account();
    const { request } = await exerciseAction(store, new TestClock(), a, {
      actionId: "iam_password_policy",
      resourceId: a.accountId,
      services: ["iam"],
      expectChecks: [
        "iam_password_policy_exists",
        "iam_password_policy_min_length",
        "iam_password_policy_complexity",
        "iam_password_policy_reuse_prevention",
        "iam_password_policy_expiry",
      ],
    });
    expect(request.plan?.after).toMatchObject({
      minimumPasswordLength: 14,
      passwordReusePrevention: 24,
      maxPasswordAge: 90,
    });
  });

  it("iam_deactivate_access_key sets the never-used key to Inactive (it is not deleted)", async () => {
    const a = account();
    const iam = a.client("iam");
    const user = `enforceai-user-${suffix()}`;
    await iam.send(new CreateUserCommand({ UserName: user }));
    const key = await iam.send(new CreateAccessKeyCommand({ UserName: user }));
    const { request } = await exerciseAction(store, new TestClock(), a, {
      actionId: "iam_deactivate_access_key",
      resourceId: (await userId(a, user))!,
      services: ["iam"],
      expectChecks: ["iam_user_no_unused_initial_access_keys"],
    });
    expect(request.plan?.calls).toEqual([
      {
        service: "iam",
        operation: "UpdateAccessKey",
        region: "global",
        input: { UserName: user, AccessKeyId: key.AccessKey!.AccessKeyId, Status: "Inactive" },
      },
    ]);
    const keys = await iam.send(new ListAccessKeysCommand({ UserName: user }));
    expect(keys.AccessKeyMetadata?.map((k) => k.Status)).toEqual(["Inactive"]);
  });

  it("cloudtrail_enable_log_file_validation turns validation on for the trail", async () => {
    const a = account();
    const bucket = `enforceai-trail-${suffix()}`;
    const trail = `enforceai-trail-${suffix()}`;
    await a.client("s3").send(new CreateBucketCommand({ Bucket: bucket }));
    await a.client("cloudtrail").send(new CreateTrailCommand({ Name: trail, S3BucketName: bucket }));
    await exerciseAction(store, new TestClock(), a, {
      actionId: "cloudtrail_enable_log_file_validation",
      resourceId: trail,
      services: ["cloudtrail"],
      expectChecks: ["cloudtrail_log_file_validation"],
    });
  });

  it("kms_enable_key_rotation turns rotation on for a customer key", async () => {
    const a = account();
    const key = await a.client("kms").send(new CreateKeyCommand({ Description: "enforceai test" }));
    await exerciseAction(store, new TestClock(), a, {
      actionId: "kms_enable_key_rotation",
      resourceId: key.KeyMetadata!.KeyId!,
      services: ["kms"],
      expectChecks: ["kms_cmk_rotation_enabled"],
    });
  });

  it("ec2_ebs_encryption_by_default turns the regional default on", async () => {
    const a = account();
    await exerciseAction(store, new TestClock(), a, {
      actionId: "ec2_ebs_encryption_by_default",
      resourceId: `${a.accountId}:${REGION}`,
      services: ["ec2"],
      expectChecks: ["ec2_ebs_encryption_by_default"],
    });
  });

  it("ec2_revoke_world_ingress revokes only the world sources on the offending ports", async () => {
    const a = account();
    const ec2 = a.client("ec2");
    const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.find((v) => v.IsDefault)?.VpcId;
    const group = await ec2.send(
      new CreateSecurityGroupCommand({
        GroupName: `enforceai-sg-${suffix()}`,
        Description: "test",
        VpcId: vpc,
      }),
    );
    const GroupId = group.GroupId!;
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [
          {
            IpProtocol: "tcp",
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "ssh from anywhere" }, { CidrIp: "10.0.0.0/8" }],
          },
          { IpProtocol: "tcp", FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: "0.0.0.0/0" }] },
          { IpProtocol: "tcp", FromPort: 3389, ToPort: 3389, Ipv6Ranges: [{ CidrIpv6: "::/0" }] },
        ],
      }),
    );
    const { request } = await exerciseAction(store, new TestClock(), a, {
      actionId: "ec2_revoke_world_ingress",
      resourceId: GroupId,
      services: ["ec2"],
      expectChecks: [
        "ec2_securitygroup_no_ingress_ssh_world",
        "ec2_securitygroup_no_ingress_rdp_world",
        "ec2_securitygroup_no_ingress_admin_ports_ipv4",
        "ec2_securitygroup_no_ingress_admin_ports_ipv6",
      ],
    });
    expect(Object.keys(request.plan!.before).sort()).toEqual([
      "tcp 22-22 from 0.0.0.0/0",
      "tcp 3389-3389 from ::/0",
    ]);
    const live = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId] })))
      .SecurityGroups![0]!;
    const rules = (live.IpPermissions ?? []).flatMap((p) => [
      ...(p.IpRanges ?? []).map((r) => `${p.FromPort} ${r.CidrIp}`),
      ...(p.Ipv6Ranges ?? []).map((r) => `${p.FromPort} ${r.CidrIpv6}`),
    ]);
    expect(rules.sort()).toEqual(["22 10.0.0.0/8", "443 0.0.0.0/0"]);
    // The captured rules carry what a rollback needs, the description included.
    expect(request.priorConfiguration?.["tcp 22-22 from 0.0.0.0/0"]).toMatchObject({
      present: true,
      cidr: "0.0.0.0/0",
      description: "ssh from anywhere",
    });
  });
});

async function userId(a: MotoAccount, userName: string): Promise<string | undefined> {
  const { GetUserCommand } = await import("@aws-sdk/client-iam");
  return (await a.client("iam").send(new GetUserCommand({ UserName: userName }))).User?.UserId;
}
