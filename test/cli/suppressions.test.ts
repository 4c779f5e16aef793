import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runCli } from "../helpers/cli.ts";

// Each test runs the real CLI several times (a process and an embedded database each): give it room under load.
vi.setConfig({ testTimeout: 180_000 });

let home: string;
beforeAll(async () => {
  home = await mkdtemp(path.join(os.tmpdir(), "enforceai-supp-"));
});
afterAll(async () => {
  await rm(home, { recursive: true, force: true });
});

type Report = {
  scan: { scores: Record<string, { score: number }> };
  findings: { checkId: string; status: string; suppressed: boolean; suppression?: { reason: string } }[];
};

describe("suppressions from the CLI", () => {
  it("mutes a check with reason, owner and expiry: still reported, marked, out of the score", async () => {
    const env = { ENFORCEAI_HOME: home };
    const before = JSON.parse(
      (await runCli(["demo", "--format", "json", "--frameworks", "cis-aws-3.0"], env)).stdout,
    ) as Report;
    const failing = before.findings.filter(
      (f) => f.checkId === "iam_user_mfa_enabled_console" && f.status === "FAIL",
    );
    expect(failing.length).toBeGreaterThan(0);

    const add = await runCli(
      [
        "suppressions",
        "add",
        "--check",
        "iam_user_mfa_enabled_console",
        "--reason",
        "break-glass users, reviewed quarterly",
        "--owner",
        "iam-team",
        "--expires",
        "30d",
        "--json",
      ],
      env,
    );
    expect(add.code).toBe(0);
    const created = JSON.parse(add.stdout);
    expect(created).toMatchObject({ checkId: "iam_user_mfa_enabled_console", owner: "iam-team" });

    const after = JSON.parse(
      (await runCli(["demo", "--format", "json", "--frameworks", "cis-aws-3.0"], env)).stdout,
    ) as Report;
    const muted = after.findings.filter(
      (f) => f.checkId === "iam_user_mfa_enabled_console" && f.status === "FAIL",
    );
    expect(muted.length).toBe(failing.length);
    expect(
      muted.every((f) => f.suppressed && f.suppression?.reason === "break-glass users, reviewed quarterly"),
    ).toBe(true);
    expect(after.scan.scores["cis-aws-3.0"]!.score).toBeGreaterThanOrEqual(
      before.scan.scores["cis-aws-3.0"]!.score,
    );

    const list = await runCli(["suppressions", "list"], env);
    expect(list.stdout).toContain("check=iam_user_mfa_enabled_console");
    expect((await runCli(["suppressions", "delete", created.id], env)).code).toBe(0);
    expect((await runCli(["suppressions", "list", "--json"], env)).stdout.trim()).toBe("[]");
  });

  it("refuses a suppression without reason, owner or scope, or already expired", async () => {
    const env = { ENFORCEAI_HOME: home };
    const noReason = await runCli(["suppressions", "add", "--check", "x_y", "--owner", "me"], env);
    expect(noReason.code).toBe(2);
    expect(noReason.stderr).toMatch(/--reason is required/);
    const noScope = await runCli(["suppressions", "add", "--reason", "r", "--owner", "me"], env);
    expect(noScope.stderr).toMatch(/give at least one scope/);
    const past = await runCli(
      ["suppressions", "add", "--check", "x_y", "--reason", "r", "--owner", "me", "--expires", "2001-01-01"],
      env,
    );
    expect(past.code).toBe(2);
    expect(past.stderr).toMatch(/is in the past/);
  });
});
