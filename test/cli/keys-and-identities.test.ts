/**
 * The real `enforceai` bin in child processes on an embedded store: `keys create | list | revoke` (each with
 * its audit entry, actor ENFORCEAI_USER normalised), a key name that is another holder's identity (exit 2
 * unless --same-holder), and four eyes on the CLI with ENFORCEAI_USER / ENFORCEAI_APPROVERS written in any
 * case, width or spacing.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/app.ts";
import { loadConfig } from "../../src/config/index.ts";
import { createLogger } from "../../src/logger.ts";
import { remediationService } from "../../src/services/remediation.ts";
import { startScan } from "../../src/services/scan-service.ts";
import { openStore } from "../../src/store/index.ts";
import { runCli } from "../helpers/cli.ts";

let home: string;
const env = () => ({ ENFORCEAI_HOME: home, ENFORCEAI_USER: "  Root-Admin " });

beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-cli-keys-"));
});
afterAll(async () => {
  if (home) await rm(home, { recursive: true, force: true });
});

describe("enforceai keys", () => {
  it("creates, lists and revokes keys, refusing another holder's identity without --same-holder", async () => {
    const created = await runCli(
      ["keys", "create", "--role", "approver", "--name", " Alice ", "--json"],
      env(),
    );
    expect(created.code).toBe(0);
    // The contract's shape ({id, key, role}); the normalised name shows in `keys list` below.
    const alice = JSON.parse(created.stdout) as { id: string; key: string; role: string };
    expect(Object.keys(alice).sort()).toEqual(["id", "key", "role"]);
    expect(alice).toMatchObject({ role: "approver", key: expect.stringMatching(/^eai_/) });

    // Full-width capitals: the same identity once normalised.
    const impostor = await runCli(["keys", "create", "--role", "admin", "--name", "ＡＬＩＣＥ"], env());
    expect(impostor.code).toBe(2);
    expect(impostor.stderr).toMatch(/identity "alice" of the holder of key .*--same-holder/);
    expect(impostor.stdout).toBe("");

    const again = await runCli(
      ["keys", "create", "--role", "viewer", "--name", "ＡＬＩＣＥ", "--same-holder", "--json"],
      env(),
    );
    expect(again.code).toBe(0);
    const second = JSON.parse(again.stdout) as { id: string };

    const listed = await runCli(["keys", "list", "--json"], env());
    expect(listed.code).toBe(0);
    const keys = JSON.parse(listed.stdout) as {
      id: string;
      role: string;
      name: string;
      revokedAt: string | null;
    }[];
    expect(keys.map((k) => [k.id, k.role, k.name, k.revokedAt])).toEqual([
      [alice.id, "approver", "alice", null],
      [second.id, "viewer", "alice", null],
    ]);
    expect(listed.stdout).not.toContain(alice.key);

    const revoked = await runCli(["keys", "revoke", second.id], env());
    expect(revoked.code).toBe(0);
    expect(revoked.stderr).toContain(`API key ${second.id} revoked`);
    const table = await runCli(["keys", "list"], env());
    expect(table.code).toBe(0);
    expect(table.stdout.split("\n")[0]).toMatch(/^ID\s+ROLE\s+NAME\s+CREATED\s+LAST USED\s+REVOKED$/);
    const row = table.stdout.split("\n").find((l) => l.startsWith(second.id))!;
    expect(row).toMatch(/\d{4}-\d\d-\d\dT[\d:.]+Z$/);

    const twice = await runCli(["keys", "revoke", second.id], env());
    expect(twice.code).toBe(2);
    expect(twice.stderr).toMatch(/no active API key/);

    const store = await openStore({ home });
    try {
      expect(await store.apiKeys.authenticate(alice.key)).toMatchObject({ id: alice.id, name: "alice" });
      const trail = await store.audit.forSubject("api_key", second.id);
      expect(trail.map((e) => [e.actor, e.action])).toEqual([
        ["root-admin", "api_key.created"],
        ["root-admin", "api_key.revoked"],
      ]);
    } finally {
      await store.close();
    }
  }, 120_000);
});

describe("four eyes on the CLI", () => {
  let requestId: string;

  beforeAll(async () => {
    const app = await createApp(loadConfig({ ENFORCEAI_HOME: home }), {
      logger: createLogger({ level: "silent", format: "json" }),
    });
    try {
      const scan = await startScan(app, { source: { kind: "demo" }, requestedBy: "alice" });
      const requests = await (await remediationService(app)).proposeForScan(scan.id, undefined, "alice");
      requestId = requests[0]!.id;
    } finally {
      await app.close();
    }
  }, 120_000);

  it("ENFORCEAI_USER `ALICE ` is alice and cannot approve alice's request; approvers match in any case", async () => {
    const approvers = "ＢＯＢ , Alice";
    const own = await runCli(["approvals", "approve", requestId], {
      ENFORCEAI_HOME: home,
      ENFORCEAI_USER: "ALICE ",
      ENFORCEAI_APPROVERS: approvers,
    });
    expect(own.code).toBe(2);
    expect(own.stderr).toMatch(/alice requested .* cannot approve it/);

    const bob = await runCli(["approvals", "approve", requestId, "--json"], {
      ENFORCEAI_HOME: home,
      ENFORCEAI_USER: "Bob",
      ENFORCEAI_APPROVERS: approvers,
    });
    expect(bob.stderr).toBe("");
    expect(bob.code).toBe(0);
    const detail = JSON.parse(bob.stdout) as { status: string; decisions: { decidedBy: string }[] };
    expect(detail.status).toBe("approved");
    expect(detail.decisions.map((d) => d.decidedBy)).toEqual(["bob"]);
  }, 120_000);
});
