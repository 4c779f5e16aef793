/**
 * `enforceai scan --organization` end to end, the real CLI against an organisation made in moto (a management
 * account of this file's own, four members in three OUs, one closed): every account is found, each active member
 * is scanned through the role (its findings carry its account id), the suspended one is skipped, and the JSON
 * report carries each account's score per framework, the organisation's, the worst accounts and the score per
 * OU — which `enforceai report SCAN_ID` rebuilds the same from the store. A refused role (a gap of that account)
 * needs a fault moto does not make; test/aws/organization-accounts.test.ts injects it below the CLI.
 */
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, expect, it, vi } from "vitest";
import { randomAccountId } from "../aws/moto-helpers.ts";
import { createMotoOrganization, type MotoOrganization, sessionKeysFor } from "../aws/moto-organization.ts";
import { runCli } from "../helpers/cli.ts";
import { serviceDescribe } from "../helpers/services.ts";

vi.setConfig({ testTimeout: 300_000, hookTimeout: 60_000 });

interface OrgJson {
  id: string;
  managementAccountId: string;
  roleName: string;
  score: number | null;
  scores: Record<string, { score: number }>;
  worstAccounts: string[];
  accounts: {
    id: string;
    state: string;
    status: string;
    ouPath: string;
    reason?: string;
    score: number | null;
    scores: Record<string, { score: number; passed: number; failed: number }>;
  }[];
  ous: {
    id: string;
    path: string;
    accounts: number;
    scanned: number;
    score: number | null;
    scores: object;
  }[];
}

serviceDescribe("moto", "enforceai scan --organization against an emulated organisation", (moto) => {
  let home: string;
  let org: MotoOrganization;
  const management = randomAccountId();
  let env: Record<string, string>;

  beforeAll(async () => {
    home = await mkdtemp(path.join(os.tmpdir(), "enforceai-org-"));
    org = await createMotoOrganization(moto, management);
    // The CLI runs as the management account: moto maps these session keys to it.
    const keys = await sessionKeysFor(moto, management);
    env = {
      ENFORCEAI_HOME: home,
      AWS_ENDPOINT_URL: moto,
      AWS_ACCESS_KEY_ID: keys.accessKeyId,
      AWS_SECRET_ACCESS_KEY: keys.secretAccessKey,
      AWS_SESSION_TOKEN: keys.sessionToken,
      AWS_REGION: "us-east-1",
    };
  });
  afterAll(async () => {
    await rm(home, { recursive: true, force: true });
  });

  it("scans every active account, skips the suspended one, and rolls scores up per account and OU", async () => {
    const run = await runCli(
      ["scan", "--organization", "--regions", "us-east-1", "--frameworks", "cis-aws-3.0", "--format", "json"],
      env,
    );
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    const active = [management, org.accounts.web, org.accounts.db, org.accounts.dev].sort();
    expect(report.scan.accounts).toEqual(active);
    // Findings carry each member's own account id; the bucket made in a member is judged in that member.
    const findingAccounts = new Set(report.findings.map((f: { accountId: string }) => f.accountId));
    expect([...findingAccounts].sort()).toEqual(active);
    for (const id of [org.accounts.web, org.accounts.db, org.accounts.dev]) {
      const bucket = report.findings.filter(
        (f: { resourceName: string }) => f.resourceName === `org-member-${id}`,
      );
      expect(bucket.length, `findings of the bucket of ${id}`).toBeGreaterThan(0);
      expect(new Set(bucket.map((f: { accountId: string }) => f.accountId))).toEqual(new Set([id]));
    }
    expect(findingAccounts.has(org.accounts.closed)).toBe(false);

    const o = report.scan.organization as OrgJson;
    expect(o).toMatchObject({ managementAccountId: management, roleName: "OrganizationAccountAccessRole" });
    const byId = Object.fromEntries(o.accounts.map((a) => [a.id, a]));
    expect(Object.keys(byId).sort()).toEqual([...active, org.accounts.closed].sort());
    expect(byId[org.accounts.closed]).toMatchObject({
      state: "skipped",
      status: "SUSPENDED",
      score: null,
      reason: "account is SUSPENDED",
    });
    // Suspended is not a coverage gap.
    expect(
      report.scan.coverageGaps.some((g: { accountId?: string }) => g.accountId === org.accounts.closed),
    ).toBe(false);
    for (const id of active) {
      const a = byId[id]!;
      expect(a.state, id).toBe("scanned");
      expect(a.scores["cis-aws-3.0"]?.score, id).toEqual(expect.any(Number));
      expect(a.score, id).toBe(a.scores["cis-aws-3.0"]!.score);
    }
    expect(byId[org.accounts.web]!.ouPath).toBe("Root/Prod/Web");
    expect(byId[org.accounts.db]!.ouPath).toBe("Root/Prod");
    expect(byId[management]!.ouPath).toBe("Root");

    // The organisation's score is the scan's score (every account was read); the worst account comes first.
    expect(o.scores["cis-aws-3.0"]!.score).toBe(report.scan.scores["cis-aws-3.0"].score);
    const scored = o.accounts.filter((a) => a.score !== null).map((a) => a.score!);
    expect(byId[o.worstAccounts[0]!]!.score).toBe(Math.min(...scored));

    const ou = Object.fromEntries(o.ous.map((u) => [u.path, u]));
    expect(Object.keys(ou).sort()).toEqual(["Root", "Root/Dev", "Root/Prod", "Root/Prod/Web"]);
    expect(ou["Root/Prod"]).toMatchObject({
      id: org.ous.prod,
      accounts: 2,
      scanned: 2,
      score: expect.any(Number),
    });
    expect(ou["Root/Prod/Web"]).toMatchObject({
      accounts: 1,
      scanned: 1,
      score: byId[org.accounts.web]!.score,
    });
    expect(ou["Root/Dev"]).toMatchObject({ accounts: 2, scanned: 1, score: byId[org.accounts.dev]!.score });
    expect(ou.Root).toMatchObject({ accounts: 5, scanned: 4, score: o.score });

    // The report of the stored scan shows the same roll-up; the table and the HTML show it too.
    const again = await runCli(["report", report.scan.id, "--format", "json"], env);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout).scan.organization).toEqual(o);
    const table = await runCli(["report", report.scan.id, "--format", "table"], env);
    expect(table.stdout).toContain(`Organization ${o.id}`);
    expect(table.stdout).toContain("Score per OU");
    expect(table.stdout).toMatch(new RegExp(`${org.accounts.closed}\\s+closed\\s+Root/Dev\\s+skipped`));
    const html = await runCli(["report", report.scan.id, "--format", "html"], env);
    expect(html.stdout).toContain('id="organization"');
    expect(html.stdout).toContain("Root/Prod/Web");
  });

  it("refuses the organisation options without --organization, and --organization with --role-arn", async () => {
    const stray = await runCli(["scan", "--ou", org.ous.prod], env);
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain("add --organization");
    const both = await runCli(
      ["scan", "--organization", "--role-arn", `arn:aws:iam::${org.accounts.web}:role/X`],
      env,
    );
    expect(both.code).toBe(2);
    expect(both.stderr).toContain("drop --resume, --inventory, --role-arn");
    const unknownOu = await runCli(
      ["scan", "--organization", "--regions", "us-east-1", "--ou", "ou-zzzz-nothere1"],
      env,
    );
    expect(unknownOu.code).toBe(2);
    expect(unknownOu.stderr).toContain("is not an OU of the organisation");
  });
});
