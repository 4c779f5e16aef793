/**
 * `enforceai approvals` in process, on an embedded store in a temporary ENFORCEAI_HOME, acting as
 * ENFORCEAI_USER: list, show (with executions), approve, reject, and execute with --dry-run and for real
 * (against moto, with the remediation role).
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { PassThrough } from "node:stream";
import { CreateBucketCommand, GetBucketVersioningCommand } from "@aws-sdk/client-s3";
import { Command, CommanderError } from "commander";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { registerApprovals } from "../../src/cli/commands/approvals.ts";
import type { Io } from "../../src/cli/output.ts";
import { EnforceAIError } from "../../src/errors.ts";
import { openStore } from "../../src/store/index.ts";
import { requireService } from "../helpers/services.ts";
import { type MotoAccount, motoAccount, scanAccount, serviceFor, suffix, TestClock } from "./helpers.ts";

const moto = requireService("moto");

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `enforceai approvals …` the way main() does: exit code from the error class, one line on stderr. */
async function cli(env: Record<string, string>, ...args: string[]): Promise<Run> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (d) => {
    stdout += d;
  });
  err.on("data", (d) => {
    stderr += d;
  });
  const io: Io = { stdout: out, stderr: err, env: { ...env, ENFORCEAI_LOG_LEVEL: "silent" } };
  const program = new Command("enforceai")
    .option("--verbose")
    .exitOverride()
    .configureOutput({ writeOut: (s) => out.write(s), writeErr: (s) => err.write(s) });
  registerApprovals(program, io, () => program.opts());
  let code = 0;
  try {
    await program.parseAsync(["node", "enforceai", ...args]);
  } catch (error) {
    if (error instanceof CommanderError) code = error.exitCode === 0 ? 0 : 2;
    else if (error instanceof EnforceAIError) {
      code = error.exitCode;
      stderr += `enforceai: ${error.message.split("\n")[0]}\n`;
    } else throw error;
  }
  return { code, stdout, stderr };
}

describe.skipIf(!moto)("enforceai approvals", () => {
  let home: string;
  let account: MotoAccount;
  let bucket: string;
  let scanId: string;
  let env: Record<string, string>;
  const as = (user: string) => ({ ...env, ENFORCEAI_USER: user });

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "enforceai-cli-rem-"));
    account = motoAccount(moto!);
    bucket = `enforceai-cli-${suffix()}`;
    await account.client("s3").send(new CreateBucketCommand({ Bucket: bucket }));
    const store = await openStore({ home });
    const clock = new TestClock();
    scanId = (await scanAccount(store, account, ["s3"], clock)).scanId;
    await (await serviceFor(store, clock)).proposeForScan(scanId, undefined, "alice");
    await store.close();
    env = {
      ENFORCEAI_HOME: home,
      ENFORCEAI_APPROVERS: "bob,carol",
      ENFORCEAI_REMEDIATION_ROLE_ARN: account.roleArn,
      AWS_ENDPOINT_URL: moto!,
      AWS_REGION: "us-east-1",
    };
    // The role is assumed with the default chain's credentials: moto accepts any.
    process.env.AWS_ACCESS_KEY_ID ??= "testing";
    process.env.AWS_SECRET_ACCESS_KEY ??= "testing";
  });
  afterAll(async () => {
    account?.destroy();
    if (home) await rm(home, { recursive: true, force: true });
  });

  const listed = async () =>
    JSON.parse((await cli(as("bob"), "approvals", "list", "--json", "--scan", scanId)).stdout) as {
      id: string;
      actionId: string;
      status: string;
      resourceId: string;
    }[];
  const idOf = async (actionId: string) => (await listed()).find((a) => a.actionId === actionId)!.id;

  it("lists the queue as JSON and as a table, filtered by status", async () => {
    const list = await listed();
    expect(list.map((a) => a.actionId)).toEqual(
      expect.arrayContaining(["s3_bucket_enable_versioning", "s3_bucket_public_access_block"]),
    );
    expect(list.every((a) => a.status === "pending")).toBe(true);
    const table = await cli(as("bob"), "approvals", "list", "--status", "pending");
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+STATUS\s+ACTION/);
    const bad = await cli(as("bob"), "approvals", "list", "--status", "maybe");
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--status maybe is not a status/);
  });

  it("refuses the requester's own approval and a non-approver, with exit code 2 and one line", async () => {
    const id = await idOf("s3_bucket_enable_versioning");
    const own = await cli(as("alice"), "approvals", "approve", id);
    expect(own.code).toBe(2);
    expect(own.stderr).toMatch(/does not have the approver role|cannot approve/);
    const mallory = await cli(as("mallory"), "approvals", "approve", id);
    expect(mallory.code).toBe(2);
    expect(mallory.stderr).toMatch(/mallory does not have the approver role/);
    const withAlice = await cli(
      { ...as("alice"), ENFORCEAI_APPROVERS: "alice,bob" },
      "approvals",
      "approve",
      id,
    );
    expect(withAlice.stderr).toMatch(/alice requested .* cannot approve it/);
    const missing = await cli(as("bob"), "approvals", "show", "apr-nope");
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/does not exist/);
  });

  it("approves, dry-runs, executes once and shows the execution", async () => {
    const id = await idOf("s3_bucket_enable_versioning");
    const approved = await cli(
      as("bob"),
      "approvals",
      "approve",
      id,
      "--comment",
      "lifecycle rule is in place",
    );
    expect(approved.code).toBe(0);
    expect(approved.stdout).toContain(`${id}: approved by bob`);

    const dry = await cli(as("bob"), "approvals", "execute", id, "--dry-run");
    expect(dry.code).toBe(0);
    expect(dry.stdout).toContain("dry run, nothing sent");
    expect(dry.stdout).toContain(`would call s3:PutBucketVersioning us-east-1 {"Bucket":"${bucket}"`);
    const s3 = account.client("s3");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBeUndefined();

    const run = await cli(as("bob"), "approvals", "execute", id, "--no-verify");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(": done");
    expect((await s3.send(new GetBucketVersioningCommand({ Bucket: bucket }))).Status).toBe("Enabled");
    const again = await cli(as("bob"), "approvals", "execute", id, "--no-verify");
    expect(again.stdout).toContain("already-executed");

    const shown = JSON.parse((await cli(as("bob"), "approvals", "show", id, "--json")).stdout);
    expect(shown.executions).toHaveLength(1);
    expect(shown.executions[0]).toMatchObject({ status: "succeeded" });
    expect(shown.decisions[0]).toMatchObject({ decidedBy: "bob", comment: "lifecycle rule is in place" });
    expect(shown.plan.calls[0]).toMatchObject({ service: "s3", operation: "PutBucketVersioning" });
    const text = (await cli(as("bob"), "approvals", "show", id)).stdout;
    expect(text).toContain("calls (exactly these are sent)");
    expect(text).toContain("executions");
  });

  it("rejects with a comment; a rejected request never runs", async () => {
    const id = await idOf("s3_bucket_public_access_block");
    const rejected = await cli(as("carol"), "approvals", "reject", id, "--comment", "public website");
    expect(rejected.code).toBe(0);
    const run = await cli(as("carol"), "approvals", "execute", id);
    expect(run.stdout).toContain("skipped");
    const shown = JSON.parse((await cli(as("carol"), "approvals", "show", id, "--json")).stdout);
    expect(shown).toMatchObject({ status: "rejected", executions: [] });
    const usage = await cli(as("carol"), "approvals", "execute");
    expect(usage.code).toBe(2);
  });
});
