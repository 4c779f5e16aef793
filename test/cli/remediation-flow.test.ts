import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { CreateKeyCommand, GetKeyRotationStatusCommand, KMSClient } from "@aws-sdk/client-kms";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { accountCredentials, randomAccountId } from "../aws/moto-helpers.ts";
import { runCli } from "../helpers/cli.ts";
import { serviceDescribe } from "../helpers/services.ts";

vi.setConfig({ testTimeout: 300_000 });

serviceDescribe(
  "moto",
  "the remediation flow from the CLI (contract: scan --auto-remediate, approvals, resume)",
  (moto) => {
    let home: string;
    let kms: KMSClient;
    let keyId: string;
    const account = randomAccountId();
    const scanRole = `arn:aws:iam::${account}:role/EnforceAIScan`;
    const env = (user: string) => ({
      ENFORCEAI_HOME: home,
      ENFORCEAI_USER: user,
      ENFORCEAI_APPROVERS: "bob",
      ENFORCEAI_REMEDIATION_ROLE_ARN: `arn:aws:iam::${account}:role/EnforceAIRemediate`,
      AWS_ENDPOINT_URL: moto,
      AWS_ACCESS_KEY_ID: "testing",
      AWS_SECRET_ACCESS_KEY: "testing",
      AWS_REGION: "us-east-1",
    });

    beforeAll(async () => {
      home = await mkdtemp(path.join(os.tmpdir(), "enforceai-remediate-"));
      kms = new KMSClient({
        endpoint: moto,
        region: "us-east-1",
        credentials: accountCredentials(moto, account),
      });
      keyId = (await kms.send(new CreateKeyCommand({ Description: "orders data key" }))).KeyMetadata!.KeyId!;
    });
    afterAll(async () => {
      await rm(home, { recursive: true, force: true });
    });

    it("proposes, refuses the requester's own approval, applies once after approval, and verifies", async () => {
      const scan = await runCli(
        [
          "scan",
          "--regions",
          "us-east-1",
          "--role-arn",
          scanRole,
          "--frameworks",
          "cis-aws-3.0",
          "--auto-remediate",
          "--format",
          "json",
        ],
        env("alice"),
      );
      expect(scan.code).toBe(0);
      expect(scan.stderr).toMatch(/is waiting for approvals/);
      const scanId = JSON.parse(scan.stdout).scan.id as string;
      expect(JSON.parse(scan.stdout).scan.status).toBe("awaiting_approval");

      const pending = JSON.parse(
        (await runCli(["approvals", "list", "--scan", scanId, "--json"], env("alice"))).stdout,
      ) as {
        id: string;
        actionId: string;
        resourceArn: string;
        status: string;
      }[];
      const rotation = pending.find(
        (a) => a.actionId === "kms_enable_key_rotation" && a.resourceArn.includes(keyId),
      );
      expect(rotation).toBeDefined();
      expect(rotation!.status).toBe("pending");

      // Four eyes: the requester cannot approve; someone who is not an approver cannot either.
      const own = await runCli(["approvals", "approve", rotation!.id, "--comment", "mine"], env("alice"));
      expect(own.code).toBe(2);
      const notApprover = await runCli(["approvals", "approve", rotation!.id], env("carol"));
      expect(notApprover.code).toBe(2);
      expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled).toBe(
        false,
      );

      expect(
        (await runCli(["approvals", "approve", rotation!.id, "--comment", "rotate it"], env("bob"))).code,
      ).toBe(0);
      for (const other of pending.filter((a) => a.id !== rotation!.id)) {
        expect(
          (await runCli(["approvals", "reject", other.id, "--comment", "not now"], env("bob"))).code,
        ).toBe(0);
      }

      const resumed = await runCli(["scan", "--resume", scanId, "--format", "json"], env("alice"));
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout).scan.status).toBe("completed");
      expect((await kms.send(new GetKeyRotationStatusCommand({ KeyId: keyId }))).KeyRotationEnabled).toBe(
        true,
      );

      const shown = JSON.parse(
        (await runCli(["approvals", "show", rotation!.id, "--json"], env("alice"))).stdout,
      );
      expect(shown.executions).toHaveLength(1);
      expect(shown.executions[0].status).toBe("succeeded");
      expect(JSON.stringify(shown)).toMatch(/PASS/);
    });
  },
);
