/**
 * The organisation roll-up (src/engine/rollup.ts) and the account selection it starts from
 * (src/domain/organization.ts): which accounts a scan reads, each account's score per framework, the worst
 * accounts, and the score per OU over the accounts under it at any depth.
 */
import { describe, expect, it } from "vitest";
import {
  ancestorsOf,
  type ListedAccount,
  type OrganizationMap,
  type OrganizationUnit,
  selectOrganizationAccounts,
} from "../../src/domain/organization.ts";
import type { Finding } from "../../src/domain/types.ts";
import type { Framework } from "../../src/engine/frameworks.ts";
import { rollUpOrganization } from "../../src/engine/rollup.ts";
import { UsageError } from "../../src/errors.ts";

const OUS: OrganizationUnit[] = [
  { id: "r-ab12", name: "Root", parentId: null, path: "Root" },
  { id: "ou-ab12-prod0001", name: "Prod", parentId: "r-ab12", path: "Root/Prod" },
  { id: "ou-ab12-web00001", name: "Web", parentId: "ou-ab12-prod0001", path: "Root/Prod/Web" },
  { id: "ou-ab12-dev00001", name: "Dev", parentId: "r-ab12", path: "Root/Dev" },
];

/** Accounts in the shape ListAccountsForParent documents (Status deprecated in favour of State). */
const LISTED: ListedAccount[] = [
  { Id: "100000000000", Name: "management", Status: "ACTIVE", State: "ACTIVE", parentId: "r-ab12" },
  { Id: "200000000000", Name: "prod-web", Status: "ACTIVE", State: "ACTIVE", parentId: "ou-ab12-web00001" },
  { Id: "300000000000", Name: "prod-db", Status: "ACTIVE", parentId: "ou-ab12-prod0001" },
  { Id: "400000000000", Name: "dev", Status: "ACTIVE", State: "ACTIVE", parentId: "ou-ab12-dev00001" },
  {
    Id: "500000000000",
    Name: "closed",
    Status: "SUSPENDED",
    State: "SUSPENDED",
    parentId: "ou-ab12-dev00001",
  },
  { Id: "600000000000", Name: "closing", Status: "ACTIVE", State: "PENDING_CLOSURE", parentId: "r-ab12" },
];

describe("selectOrganizationAccounts", () => {
  const select = (scope = {}) =>
    selectOrganizationAccounts(LISTED, OUS, { callerAccountId: "100000000000", scope });

  it("reads the active accounts, the caller's own with its credentials, and skips the rest without a gap", () => {
    const { accounts, skipped } = select();
    expect(accounts.map((a) => [a.id, a.via, a.ouPath])).toEqual([
      ["100000000000", "caller", "Root"],
      ["200000000000", "role", "Root/Prod/Web"],
      ["300000000000", "role", "Root/Prod"],
      ["400000000000", "role", "Root/Dev"],
    ]);
    // State wins over the deprecated Status: PENDING_CLOSURE is not active although Status still says so.
    expect(skipped.map((a) => [a.id, a.state, a.reason])).toEqual([
      ["500000000000", "skipped", "account is SUSPENDED"],
      ["600000000000", "skipped", "account is PENDING_CLOSURE"],
    ]);
  });

  it("keeps the accounts under an OU at any depth, and lists excluded accounts as skipped", () => {
    const { accounts, skipped } = select({ ous: ["ou-ab12-prod0001"], excludeAccounts: ["300000000000"] });
    expect(accounts.map((a) => a.id)).toEqual(["200000000000"]);
    expect(skipped).toEqual([
      expect.objectContaining({ id: "300000000000", reason: expect.stringContaining("excluded") }),
    ]);
  });

  it("refuses an OU id the organisation does not have, naming the ones it has", () => {
    expect(() => select({ ous: ["ou-ab12-nothere1"] })).toThrow(UsageError);
    expect(() => select({ ous: ["ou-ab12-nothere1"] })).toThrow(/Root\/Prod\/Web/);
  });

  it("walks an OU's ancestors from the root", () => {
    expect(ancestorsOf("ou-ab12-web00001", OUS)).toEqual(["r-ab12", "ou-ab12-prod0001", "ou-ab12-web00001"]);
  });
});

function finding(accountId: string, checkId: string, status: Finding["status"], suppressed = false): Finding {
  return {
    id: `${accountId}/us-east-1/${checkId}/b`,
    checkId,
    title: checkId,
    severity: "high",
    status,
    reason: "r",
    resourceType: "AWS::S3::Bucket",
    resourceId: "b",
    resourceArn: "arn:aws:s3:::b",
    resourceName: "b",
    region: "us-east-1",
    accountId,
    service: "s3",
    tags: {},
    frameworks: [],
    suppressed,
  };
}

const FRAMEWORK: Framework = {
  id: "fw",
  name: "Test framework",
  version: "1",
  description: "A framework for tests.",
  controls: [
    { id: "1", title: "Encryption", description: "a", checks: ["a"] },
    { id: "2", title: "Versioning", description: "b", checks: ["b"] },
  ],
  source: { kind: "builtin", file: "fw.yaml" },
};

describe("rollUpOrganization", () => {
  const { accounts, skipped } = selectOrganizationAccounts(LISTED, OUS, {
    callerAccountId: "100000000000",
    scope: {},
  });
  const map: OrganizationMap = {
    id: "o-ab12cd34ef",
    managementAccountId: "100000000000",
    callerAccountId: "100000000000",
    roleName: "OrganizationAccountAccessRole",
    ous: OUS,
    accounts: [
      ...accounts.map((a) =>
        a.id === "400000000000"
          ? { ...a, state: "unreachable" as const, reason: "AccessDenied: AssumeRole" }
          : a,
      ),
      ...skipped,
    ].sort((a, b) => a.id.localeCompare(b.id)),
  };
  const findings = [
    // management: both controls pass
    finding("100000000000", "a", "PASS"),
    finding("100000000000", "b", "PASS"),
    // prod-web: one of two fails
    finding("200000000000", "a", "PASS"),
    finding("200000000000", "b", "FAIL"),
    // prod-db: both fail (one of them suppressed: it leaves the score)
    finding("300000000000", "a", "FAIL"),
    finding("300000000000", "b", "FAIL"),
    finding("300000000000", "b", "FAIL", true),
  ];
  const rollup = rollUpOrganization(findings, [FRAMEWORK], map);
  const account = (id: string) => rollup.accounts.find((a) => a.id === id)!;
  const ou = (id: string) => rollup.ous.find((o) => o.id === id)!;

  it("scores each read account per framework from its own findings", () => {
    expect(account("100000000000")).toMatchObject({ state: "scanned", score: 100, failed: 0 });
    expect(account("200000000000").scores.fw).toEqual({ score: 50, passed: 1, failed: 1, manual: 0 });
    expect(account("300000000000")).toMatchObject({ score: 0, failed: 2, ouPath: "Root/Prod" });
  });

  it("gives an unreachable or skipped account no score, and says why", () => {
    expect(account("400000000000")).toMatchObject({ state: "unreachable", score: null, scores: {} });
    expect(account("400000000000").reason).toContain("AccessDenied");
    expect(account("500000000000")).toMatchObject({
      state: "skipped",
      score: null,
      reason: "account is SUSPENDED",
    });
  });

  it("names the worst read accounts, worst first", () => {
    expect(rollup.worstAccounts).toEqual(["300000000000", "200000000000", "100000000000"]);
  });

  it("scores each OU over the read accounts under it at any depth", () => {
    // Prod holds prod-db directly and prod-web through Web: control 1 fails (prod-db), control 2 fails.
    expect(ou("ou-ab12-prod0001")).toMatchObject({ accounts: 2, scanned: 2, score: 0, path: "Root/Prod" });
    expect(ou("ou-ab12-web00001")).toMatchObject({ accounts: 1, scanned: 1, score: 50 });
    // Dev: one unreachable, one suspended: nothing read, no score.
    expect(ou("ou-ab12-dev00001")).toMatchObject({ accounts: 2, scanned: 0, score: null, scores: {} });
    expect(ou("r-ab12")).toMatchObject({ accounts: 6, scanned: 3 });
  });

  it("scores the organisation over every read account", () => {
    expect(rollup.scores.fw).toEqual({ score: 0, passed: 0, failed: 2, manual: 0 });
    expect(rollup).toMatchObject({ id: "o-ab12cd34ef", managementAccountId: "100000000000", score: 0 });
  });
});
