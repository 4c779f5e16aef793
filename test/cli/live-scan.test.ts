import { mkdtemp, readFile, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { accountCredentials, randomAccountId } from "../aws/moto-helpers.ts";
import { runCli } from "../helpers/cli.ts";
import { serviceDescribe } from "../helpers/services.ts";

// Each test runs the real CLI several times (a process and an embedded database each): give it room under load.
vi.setConfig({ testTimeout: 180_000 });

serviceDescribe("moto", "enforceai scan against a live (emulated) account", (moto) => {
  let home: string;
  const account = randomAccountId();
  const roleArn = `arn:aws:iam::${account}:role/EnforceAIScan`;
  const bucket = `live-scan-${account}`;
  const env = () => ({
    ENFORCEAI_HOME: home,
    AWS_ENDPOINT_URL: moto,
    AWS_ACCESS_KEY_ID: "testing",
    AWS_SECRET_ACCESS_KEY: "testing",
    AWS_REGION: "us-east-1",
  });

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "enforceai-live-"));
    // moto switches to the role's account on AssumeRole: a private account for this test file.
    const s3 = new S3Client({
      endpoint: moto,
      region: "us-east-1",
      forcePathStyle: true,
      credentials: accountCredentials(moto, account),
    });
    await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("scans the role's account, saves the inventory, and the saved file scans to the same findings", async () => {
    const saved = path.join(home, "inventory.json");
    const live = await runCli(
      [
        "scan",
        "--regions",
        "us-east-1",
        "--role-arn",
        roleArn,
        "--save-inventory",
        saved,
        "--format",
        "json",
      ],
      env(),
    );
    expect(live.stderr).toBe("");
    expect(live.code).toBe(0);
    const report = JSON.parse(live.stdout);
    expect(report.scan.accounts).toEqual([account]);
    expect(report.scan.regions).toEqual(["us-east-1"]);
    const bucketFindings = report.findings.filter((f: { resourceId: string }) => f.resourceId === bucket);
    expect(bucketFindings.length).toBeGreaterThan(5);
    // A fresh bucket in moto has no versioning: a real FAIL with the field named.
    expect(
      bucketFindings.find((f: { checkId: string }) => f.checkId === "s3_bucket_versioning_enabled"),
    ).toMatchObject({
      status: "FAIL",
      reason: expect.stringContaining("versioning status"),
    });

    const doc = JSON.parse(await readFile(saved, "utf8"));
    expect(doc.format).toBe("enforceai-inventory/v1");
    expect(doc.items.length).toBe(report.scan.resourceCount);
    const offline = await runCli(["scan", "--inventory", saved, "--format", "json"], env());
    expect(offline.code).toBe(0);
    const strip = (r: { findings: { id: string; status: string; reason: string }[] }) =>
      r.findings.map((f) => [f.id, f.status, f.reason]);
    expect(strip(JSON.parse(offline.stdout))).toEqual(strip(report));
  });
});
