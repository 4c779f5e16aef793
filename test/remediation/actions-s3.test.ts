/**
 * S3 actions, each against a violating resource created in moto (an account of the test's own): plan, reject,
 * approve, apply, verify with the real checks.
 */
import { CreateBucketCommand, GetBucketPolicyCommand, PutBucketPolicyCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Store } from "../../src/store/index.ts";
import { openStore } from "../../src/store/index.ts";
import { TLS_ONLY_SID } from "../../tools/remediation/index.ts";
import { requireService } from "../helpers/services.ts";
import { exerciseAction } from "./flow.ts";
import { type MotoAccount, motoAccount, suffix, TestClock } from "./helpers.ts";

const moto = requireService("moto");

describe.skipIf(!moto)("S3 remediation actions against moto", () => {
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

  it("s3_account_public_access_block turns on the four account-level settings", async () => {
    const a = account();
    await exerciseAction(store, new TestClock(), a, {
      actionId: "s3_account_public_access_block",
      resourceId: a.accountId,
      services: ["s3"],
      expectChecks: ["s3_account_public_access_block"],
    });
  });

  it("s3_bucket_public_access_block blocks public access on the bucket", async () => {
    const a = account();
    const bucket = `enforceai-pab-${suffix()}`;
    await a.client("s3").send(new CreateBucketCommand({ Bucket: bucket }));
    await exerciseAction(store, new TestClock(), a, {
      actionId: "s3_bucket_public_access_block",
      resourceId: bucket,
      services: ["s3"],
      expectChecks: ["s3_bucket_public_access_block"],
    });
  });

  it("s3_bucket_default_encryption sets SSE-KMS when the KMS check fails too", async () => {
    const a = account();
    const bucket = `enforceai-enc-${suffix()}`;
    await a.client("s3").send(new CreateBucketCommand({ Bucket: bucket }));
    const { request } = await exerciseAction(store, new TestClock(), a, {
      actionId: "s3_bucket_default_encryption",
      resourceId: bucket,
      services: ["s3"],
      expectChecks: ["s3_bucket_default_encryption", "s3_bucket_kms_encryption"],
    });
    expect(request.plan?.after.sseAlgorithm).toBe("aws:kms");
  });

  it("s3_bucket_enable_versioning turns versioning on", async () => {
    const a = account();
    const bucket = `enforceai-ver-${suffix()}`;
    await a.client("s3").send(new CreateBucketCommand({ Bucket: bucket }));
    await exerciseAction(store, new TestClock(), a, {
      actionId: "s3_bucket_enable_versioning",
      resourceId: bucket,
      services: ["s3"],
      expectChecks: ["s3_bucket_versioning_enabled"],
    });
  });

  it("s3_bucket_enable_logging sends access logs to the configured log bucket", async () => {
    const a = account();
    const s3 = a.client("s3");
    const bucket = `enforceai-log-src-${suffix()}`;
    const logs = `enforceai-log-dst-${suffix()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    await s3.send(new CreateBucketCommand({ Bucket: logs }));
    // moto (like S3) wants the log bucket to let the logging service write.
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: logs,
        Policy: JSON.stringify({
          Version: "2012-10-17",
          Statement: [
            {
              Effect: "Allow",
              Principal: { Service: "logging.s3.amazonaws.com" },
              Action: "s3:PutObject",
              Resource: `arn:aws:s3:::${logs}/*`,
            },
          ],
        }),
      }),
    );
    const { request } = await exerciseAction(store, new TestClock(), a, {
      actionId: "s3_bucket_enable_logging",
      resourceId: bucket,
      services: ["s3"],
      params: { s3_bucket_enable_logging: { targetBucket: logs } },
      expectChecks: ["s3_bucket_access_logging_enabled"],
    });
    expect(request.plan?.after).toEqual({ targetBucket: logs, targetPrefix: `${bucket}/` });
  });

  it("s3_bucket_tls_only_policy merges the statement into the existing policy and keeps every statement", async () => {
    const a = account();
    const s3 = a.client("s3");
    const bucket = `enforceai-tls-${suffix()}`;
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
    const existing = [
      {
        Sid: "ReadForPartner",
        Effect: "Allow",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "s3:GetObject",
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
      {
        Sid: "NoDeletes",
        Effect: "Deny",
        Principal: { AWS: "arn:aws:iam::111122223333:root" },
        Action: "s3:DeleteObject",
        Resource: `arn:aws:s3:::${bucket}/*`,
      },
    ];
    await s3.send(
      new PutBucketPolicyCommand({
        Bucket: bucket,
        Policy: JSON.stringify({ Version: "2012-10-17", Statement: existing }),
      }),
    );
    const { request } = await exerciseAction(store, new TestClock(), a, {
      actionId: "s3_bucket_tls_only_policy",
      resourceId: bucket,
      services: ["s3"],
      expectChecks: ["s3_bucket_secure_transport_policy"],
    });
    expect(request.plan?.calls[0]?.operation).toBe("PutBucketPolicy");
    const live = JSON.parse((await s3.send(new GetBucketPolicyCommand({ Bucket: bucket }))).Policy ?? "{}");
    expect(live.Statement).toHaveLength(3);
    expect(live.Statement.slice(0, 2)).toEqual(existing);
    expect(live.Statement[2].Sid).toBe(TLS_ONLY_SID);
    expect(request.priorConfiguration).toEqual({ policy: { Version: "2012-10-17", Statement: existing } });
  });
});
