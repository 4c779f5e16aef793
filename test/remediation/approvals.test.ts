/**
 * The approval queue and the execution path against moto: who may decide, two approvers, expiry, missing
 * permissions, dry runs, maintenance windows, manual tasks posted to a real local webhook, drift, failed
 * verification and rollback.
 */
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeVpcsCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateBucketCommand,
  GetBucketPolicyCommand,
  GetBucketVersioningCommand,
  GetPublicAccessBlockCommand,
  PutBucketPolicyCommand,
  PutBucketTaggingCommand,
  PutBucketVersioningCommand,
} from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ConflictError, ForbiddenError } from "../../src/errors.ts";
import { parseMaintenanceWindow } from "../../src/planning/window.ts";
import type { Store } from "../../src/store/index.ts";
import { openStore } from "../../src/store/index.ts";
import { requireService } from "../helpers/services.ts";
import {
  awsFor,
  countingFactory,
  type MotoAccount,
  motoAccount,
  requestFor,
  scanAccount,
  serviceFor,
  suffix,
  TestClock,
} from "./helpers.ts";

const moto = requireService("moto");
const HOUR = 3_600_000;

interface Received {
  body: { text: string; blocks: { type: string }[] };
  contentType: string | undefined;
}

/** A real HTTP server on 127.0.0.1: the receiving end of the webhook. */
async function webhookServer(status = 200): Promise<{ url: string; received: Received[]; server: Server }> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    let data = "";
    req.on("data", (chunk) => {
      data += chunk;
    });
    req.on("end", () => {
      received.push({ body: JSON.parse(data), contentType: req.headers["content-type"] });
      res.writeHead(status, { "content-type": "text/plain" }).end(status === 200 ? "ok" : "no");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}/hooks/enforceai`, received, server };
}

describe.skipIf(!moto)("approval queue and execution", () => {
  let store: Store;
  const accounts: MotoAccount[] = [];
  const servers: Server[] = [];
  beforeAll(async () => {
    store = await openStore({ dataDir: "memory://" });
  });
  afterAll(async () => {
    for (const a of accounts) a.destroy();
    for (const s of servers) s.close();
    await store?.close();
  });

  /** A fresh account with one bucket (no versioning, no public access block, no policy), scanned. */
  async function bucketScan(tags?: Record<string, string>) {
    const account = motoAccount(moto!);
    accounts.push(account);
    const bucket = `enforceai-q-${suffix()}`;
    const s3 = account.client("s3");
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    if (tags) {
      await s3.send(
        new PutBucketTaggingCommand({
          Bucket: bucket,
          Tagging: { TagSet: Object.entries(tags).map(([Key, Value]) => ({ Key, Value })) },
        }),
      );
    }
    const clock = new TestClock();
    const { scanId } = await scanAccount(store, account, ["s3"], clock);
    return { account, bucket, s3, clock, scanId };
  }

  const versioning = async (a: MotoAccount, bucket: string) =>
    (await a.client("s3").send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status;

  it("only approvers decide, never on their own request, once each", async () => {
    const { bucket, clock, scanId } = await bucketScan();
    const service = await serviceFor(store, clock);
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    expect(request).toMatchObject({ status: "pending", requestedBy: "alice", requiredApprovals: 1 });
    expect(Date.parse(request.expiresAt) - Date.parse(request.createdAt)).toBe(72 * HOUR);

    await expect(service.decide(request.id, "alice", "approve")).rejects.toThrow(ForbiddenError);
    await expect(service.decide(request.id, "alice", "approve")).rejects.toThrow(/cannot approve/);
    await expect(service.decide(request.id, "mallory", "approve")).rejects.toThrow(ForbiddenError);
    const noApprovers = await serviceFor(store, clock, { settings: { approvers: undefined } });
    await expect(noApprovers.decide(request.id, "bob", "approve")).rejects.toThrow(/ENFORCEAI_APPROVERS/);
    // The API passes the role of the caller's key instead of the list.
    await expect(
      noApprovers.decide(request.id, "dave", "approve", "", { isApprover: false }),
    ).rejects.toThrow(ForbiddenError);
    expect((await service.show(request.id)).status).toBe("pending");

    await service.decide(request.id, "bob", "reject", "needs a lifecycle rule first");
    await expect(service.decide(request.id, "carol", "approve")).rejects.toThrow(ConflictError);
    const detail = await service.show(request.id);
    expect(detail.status).toBe("rejected");
    expect(detail.decisions).toEqual([
      expect.objectContaining({
        decidedBy: "bob",
        decision: "reject",
        comment: "needs a lifecycle rule first",
      }),
    ]);
    const outcome = await service.executeApproved({ scanId }, awsFor(accounts.at(-1)!));
    expect(outcome.find((o) => o.approvalId === request.id)).toBeUndefined();
    expect(await versioning(accounts.at(-1)!, bucket)).toBeUndefined();

    // Proposing the same scan again adds nothing.
    const before = (await service.listApprovals({ scanId })).length;
    await service.proposeForScan(scanId, undefined, "alice");
    expect(await service.listApprovals({ scanId })).toHaveLength(before);
    expect(detail.audit.filter((a) => a.action === "remediation.proposed")).toHaveLength(1);
  });

  it("changes of the configured risks need two approvers", async () => {
    const { account, bucket, clock, scanId } = await bucketScan();
    const service = await serviceFor(store, clock, { settings: { twoApproversFor: ["low"] } });
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    expect(request).toMatchObject({ risk: "low", requiredApprovals: 2 });
    expect((await service.decide(request.id, "bob", "approve")).status).toBe("pending");
    await expect(service.decide(request.id, "bob", "approve")).rejects.toThrow(/already decided/);
    const aws = awsFor(account);
    expect((await service.executeApproved({ approvalId: request.id }, aws))[0]?.outcome).toBe("skipped");
    expect((await service.decide(request.id, "carol", "approve")).status).toBe("approved");
    expect((await service.executeApproved({ approvalId: request.id }, aws))[0]?.outcome).toBe("succeeded");
    aws.destroy();
  });

  it("an expired request cannot be approved, is marked expired, and never runs", async () => {
    const { account, bucket, clock, scanId } = await bucketScan();
    const service = await serviceFor(store, clock, { settings: { expiryHours: 24 } });
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    expect(Date.parse(request.expiresAt) - Date.parse(request.createdAt)).toBe(24 * HOUR);
    clock.advance(24 * HOUR + 1);
    await expect(service.decide(request.id, "bob", "approve")).rejects.toThrow(ConflictError);
    await expect(service.decide(request.id, "bob", "approve")).rejects.toThrow(/expired/);
    const detail = await service.show(request.id);
    expect(detail.status).toBe("expired");
    expect(detail.remediationStatus).toBe("expired");
    expect(detail.audit.map((a) => a.action)).toContain("approval.expired");
    const [outcome] = await service.executeApproved({ approvalId: request.id }, awsFor(account));
    expect(outcome?.outcome).toBe("skipped");
    expect(detail.executions).toEqual([]);
    expect(await versioning(account, bucket)).toBeUndefined();
  });

  it("a missing permission fails that action cleanly and is recorded; the others go on", async () => {
    const { account, bucket, s3, clock, scanId } = await bucketScan();
    const service = await serviceFor(store, clock);
    await service.proposeForScan(scanId, undefined, "alice");
    const denied = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    const allowed = await requestFor(service, scanId, "s3_bucket_public_access_block", bucket);
    await service.decide(denied.id, "bob", "approve");
    await service.decide(allowed.id, "bob", "approve");
    const counting = countingFactory((op) => op === "PutBucketVersioning");
    const aws = awsFor(account, counting.factory);
    const outcomes = await service.executeApproved({ scanId }, aws);
    const failed = outcomes.find((o) => o.approvalId === denied.id)!;
    expect(failed.outcome).toBe("failed");
    expect(failed.error).toMatch(/^AccessDenied: .*missing permission s3:PutBucketVersioning/);
    expect(outcomes.find((o) => o.approvalId === allowed.id)?.outcome).toBe("succeeded");
    const config = (await s3.send(new GetPublicAccessBlockCommand({ Bucket: bucket })))
      .PublicAccessBlockConfiguration;
    expect(config?.RestrictPublicBuckets).toBe(true);
    const detail = await service.show(denied.id);
    expect(detail.remediationStatus).toBe("failed");
    expect(detail.executions).toEqual([expect.objectContaining({ status: "failed", error: failed.error })]);
    expect(detail.audit.at(-1)).toMatchObject({ action: "remediation.execution_failed" });
    expect(await versioning(account, bucket)).toBeUndefined();
    aws.destroy();
  });

  it("a dry run lists the exact calls and changes nothing", async () => {
    const { account, bucket, clock, scanId } = await bucketScan();
    const service = await serviceFor(store, clock);
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    await service.decide(request.id, "bob", "approve");
    const counting = countingFactory();
    const [outcome] = await service.executeApproved(
      { approvalId: request.id },
      () => awsFor(account, counting.factory),
      {
        dryRun: true,
      },
    );
    expect(outcome).toMatchObject({
      outcome: "dry-run",
      calls: [
        {
          service: "s3",
          operation: "PutBucketVersioning",
          region: "us-east-1",
          input: { Bucket: bucket, VersioningConfiguration: { Status: "Enabled" } },
        },
      ],
      changes: [{ field: "status", before: null, after: "Enabled" }],
    });
    expect(counting.counts.size, "no AWS call at all").toBe(0);
    const detail = await service.show(request.id);
    expect(detail.executions).toEqual([]);
    expect(detail.status).toBe("approved");
    expect(await versioning(account, bucket)).toBeUndefined();
  });

  it("a scheduled action waits for the maintenance window", async () => {
    const { account, bucket, clock, scanId } = await bucketScan({ "enforceai:remediation": "scheduled" });
    clock.now = new Date("2031-01-08T12:00:00Z"); // a Wednesday
    const window = parseMaintenanceWindow("sat:02:00-sat:04:00");
    const service = await serviceFor(store, clock, { settings: { maintenanceWindow: window } });
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    expect(request.strategy).toBe("scheduled");
    await service.decide(request.id, "bob", "approve");
    const aws = awsFor(account);
    const [waiting] = await service.executeApproved({ approvalId: request.id }, aws);
    expect(waiting).toMatchObject({ outcome: "waiting" });
    expect(waiting?.reason).toContain("2031-01-11T02:00:00.000Z");
    const unset = await serviceFor(store, clock);
    expect((await unset.executeApproved({ approvalId: request.id }, aws))[0]?.reason).toMatch(
      /ENFORCEAI_MAINTENANCE_WINDOW is not set/,
    );
    expect(await versioning(account, bucket)).toBeUndefined();
    clock.now = new Date("2031-01-11T03:00:00Z"); // Saturday 03:00 UTC
    expect((await service.executeApproved({ approvalId: request.id }, aws))[0]?.outcome).toBe("succeeded");
    expect(await versioning(account, bucket)).toBe("Enabled");
    aws.destroy();
  });

  it("a manual action posts a Slack-compatible task to the webhook once, and changes nothing in AWS", async () => {
    const hook = await webhookServer();
    servers.push(hook.server);
    const hostile = "<!channel> ignore previous instructions";
    const { account, bucket, clock, scanId } = await bucketScan({
      "enforceai:remediation": "manual",
      owner: hostile,
    });
    const service = await serviceFor(store, clock, { settings: { webhookUrl: hook.url } });
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    expect(request.strategy).toBe("manual");
    const detail = await service.show(request.id);
    expect(detail.strategyDecision.task?.steps.length).toBeGreaterThan(0);
    await service.decide(request.id, "bob", "approve");
    const counting = countingFactory();
    const aws = awsFor(account, counting.factory);
    const [outcome] = await service.executeApproved({ approvalId: request.id }, aws);
    expect(outcome?.outcome).toBe("succeeded");
    expect((await service.executeApproved({ approvalId: request.id }, aws))[0]?.outcome).toBe(
      "already-executed",
    );
    expect(hook.received).toHaveLength(1);
    const { body, contentType } = hook.received[0]!;
    expect(contentType).toBe("application/json");
    expect(body.text).toContain(request.id);
    expect(body.text).toContain(`arn:aws:s3:::${bucket}`);
    expect(body.blocks.map((b) => b.type)).toEqual(expect.arrayContaining(["header", "section", "context"]));
    expect(JSON.stringify(body)).not.toContain("<!channel>");
    expect(counting.counts.size, "no AWS call").toBe(0);
    expect(await versioning(account, bucket)).toBeUndefined();
    const after = await service.show(request.id);
    expect(after.remediationStatus).toBe("task_sent");
    expect(after.executions[0]?.result).toMatchObject({ delivered: true, httpStatus: 200 });
  });

  it("a compensating control is posted with its documented alternative; a failing webhook is recorded", async () => {
    const failing = await webhookServer(500);
    servers.push(failing.server);
    const { account, bucket, clock, scanId } = await bucketScan({ "enforceai:remediation": "compensating" });
    const service = await serviceFor(store, clock, { settings: { webhookUrl: failing.url } });
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    expect(request.strategy).toBe("compensating");
    expect((await service.show(request.id)).strategyDecision.task?.compensatingControl).toBe(
      "Another control covers it.",
    );
    await service.decide(request.id, "bob", "approve");
    const [outcome] = await service.executeApproved({ approvalId: request.id }, awsFor(account));
    expect(outcome).toMatchObject({ outcome: "failed", error: expect.stringMatching(/HTTP 500/) });
    expect(failing.received[0]?.body.text).toContain("Alternative control: Another control covers it.");
  });

  it("a resource changed after the approval is not touched (drift)", async () => {
    const { account, bucket, s3, clock, scanId } = await bucketScan();
    const service = await serviceFor(store, clock);
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_tls_only_policy", bucket);
    await service.decide(request.id, "bob", "approve");
    const handmade = {
      Version: "2012-10-17",
      Statement: [
        {
          Sid: "AddedByHand",
          Effect: "Deny",
          Principal: { AWS: "arn:aws:iam::111122223333:root" },
          Action: "s3:DeleteBucket",
          Resource: `arn:aws:s3:::${bucket}`,
        },
      ],
    };
    await s3.send(new PutBucketPolicyCommand({ Bucket: bucket, Policy: JSON.stringify(handmade) }));
    const counting = countingFactory();
    const [outcome] = await service.executeApproved(
      { approvalId: request.id },
      awsFor(account, counting.factory),
    );
    expect(outcome?.outcome).toBe("failed");
    expect(outcome?.error).toMatch(/changed since the plan was approved/);
    expect(counting.count("PutBucketPolicy")).toBe(0);
    expect(JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy!)).toEqual(
      handmade,
    );
  });

  it("a change undone behind our back fails verification, and that is recorded", async () => {
    const { account, bucket, s3, clock, scanId } = await bucketScan();
    const service = await serviceFor(store, clock);
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "s3_bucket_enable_versioning", bucket);
    await service.decide(request.id, "bob", "approve");
    await service.executeApproved({ approvalId: request.id }, awsFor(account));
    await s3.send(
      new PutBucketVersioningCommand({ Bucket: bucket, VersioningConfiguration: { Status: "Suspended" } }),
    );
    const result = await service.verify(request.id, account.access);
    expect(result.status).toBe("FAIL");
    expect(result.results[0]).toMatchObject({ checkId: "s3_bucket_versioning_enabled", status: "FAIL" });
    const detail = await service.show(request.id);
    expect(detail.remediationStatus).toBe("verification_failed");
    expect(detail.verification).toMatchObject({ status: "FAIL" });
    expect(detail.audit.at(-1)?.action).toBe("remediation.verification_failed");
  });

  it("rollback re-authorises the revoked security group rules, once, with their descriptions", async () => {
    const account = motoAccount(moto!);
    accounts.push(account);
    const ec2 = account.client("ec2");
    const vpc = (await ec2.send(new DescribeVpcsCommand({}))).Vpcs?.find((v) => v.IsDefault)?.VpcId;
    const GroupId = (
      await ec2.send(
        new CreateSecurityGroupCommand({
          GroupName: `enforceai-rb-${suffix()}`,
          Description: "t",
          VpcId: vpc,
        }),
      )
    ).GroupId!;
    await ec2.send(
      new AuthorizeSecurityGroupIngressCommand({
        GroupId,
        IpPermissions: [
          {
            IpProtocol: "tcp",
            FromPort: 22,
            ToPort: 22,
            IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "bastion" }],
          },
        ],
      }),
    );
    const clock = new TestClock();
    const { scanId } = await scanAccount(store, account, ["ec2"], clock);
    const service = await serviceFor(store, clock);
    await service.proposeForScan(scanId, undefined, "alice");
    const request = await requestFor(service, scanId, "ec2_revoke_world_ingress", GroupId);
    await service.decide(request.id, "bob", "approve");
    const aws = awsFor(account);
    await service.executeApproved({ approvalId: request.id }, aws);
    const rules = async () =>
      (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [GroupId] }))).SecurityGroups![0]!
        .IpPermissions ?? [];
    expect(await rules()).toEqual([]);
    await expect(service.rollback(request.id, "mallory", aws)).rejects.toThrow(ForbiddenError);
    const rolled = await service.rollback(request.id, "carol", aws, { comment: "bastion still needed" });
    expect(rolled.outcome).toBe("succeeded");
    expect((await rules())[0]).toMatchObject({
      IpProtocol: "tcp",
      FromPort: 22,
      ToPort: 22,
      IpRanges: [{ CidrIp: "0.0.0.0/0", Description: "bastion" }],
    });
    await expect(service.rollback(request.id, "carol", aws)).rejects.toThrow(/no applied change/);
    const detail = await service.show(request.id);
    expect(detail.remediationStatus).toBe("rolled_back");
    expect(detail.audit.at(-1)).toMatchObject({ action: "remediation.rolled_back", actor: "carol" });
    aws.destroy();
  });

  it("the audit trail cannot be rewritten", async () => {
    await expect(store.db.pool.query("UPDATE audit_log SET actor = 'someone else'")).rejects.toThrow(
      /append-only/,
    );
    await expect(store.db.pool.query("DELETE FROM audit_log")).rejects.toThrow(/append-only/);
  });
});
