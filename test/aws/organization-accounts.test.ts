/**
 * `scan --organization`'s adapter (tools/aws/organization-accounts.ts) against an organisation made in moto:
 * the listing walks every OU, the scan reads each active member through the role (its items carry the member's
 * account id), the caller's own account with its own credentials, skips the suspended one, and an account whose
 * role is refused becomes a gap of that account. moto's AssumeRole accepts any role ARN (the role need not exist),
 * so the refused role is an AccessDenied — AWS's answer for a missing role or a trust policy that does not name
 * the caller — injected on that one account's AssumeRole through the SDK's own middleware stack.
 */
import { OrganizationsClient } from "@aws-sdk/client-organizations";
import { beforeAll, expect, it, vi } from "vitest";
import { discoverOrganization, listOrganization } from "../../tools/aws/organization-accounts.ts";
import { serviceDescribe } from "../helpers/services.ts";
import {
  type Attempt,
  accountCredentials,
  awsError,
  faultyClientFactory,
  randomAccountId,
} from "./moto-helpers.ts";
import { createMotoOrganization, type MotoOrganization } from "./moto-organization.ts";

vi.setConfig({ testTimeout: 120_000, hookTimeout: 60_000 });

serviceDescribe("moto", "organisation discovery against moto", (endpoint) => {
  const management = randomAccountId();
  const credentials = accountCredentials(endpoint, management);
  let org: MotoOrganization;

  beforeAll(async () => {
    org = await createMotoOrganization(endpoint, management);
  });

  it("lists every OU with its path and every account under the parent it sits in", async () => {
    const client = new OrganizationsClient({ endpoint, region: "us-east-1", credentials });
    try {
      const listing = await listOrganization(client);
      expect(listing.managementAccountId).toBe(management);
      expect(listing.ous.map((o) => [o.id, o.path])).toEqual([
        [org.rootId, "Root"],
        [org.ous.dev, "Root/Dev"],
        [org.ous.prod, "Root/Prod"],
        [org.ous.web, "Root/Prod/Web"],
      ]);
      const where = Object.fromEntries(listing.accounts.map((a) => [a.Id, a.parentId]));
      expect(where).toEqual({
        [management]: org.rootId,
        [org.accounts.web]: org.ous.web,
        [org.accounts.db]: org.ous.prod,
        [org.accounts.dev]: org.ous.dev,
        [org.accounts.closed]: org.ous.dev,
      });
      expect(listing.accounts.find((a) => a.Id === org.accounts.closed)).toMatchObject({
        Status: "SUSPENDED",
      });
    } finally {
      client.destroy();
    }
  });

  it("scans each active account through its role, the caller's own directly; a refused role is that account's gap", async () => {
    const attempts: Attempt[] = [];
    const refusedRole = `arn:aws:iam::${org.accounts.dev}:role/OrganizationAccountAccessRole`;
    const clientFactory = faultyClientFactory(
      (a) =>
        a.operation === "AssumeRole" && a.input.RoleArn === refusedRole
          ? awsError(
              "AccessDenied",
              `User: arn:aws:sts::${management}:assumed-role/enforceai-test/scan is not authorized to perform: sts:AssumeRole on resource: ${refusedRole}`,
              403,
            )
          : undefined,
      attempts,
    );
    const result = await discoverOrganization({
      endpoint,
      credentials,
      regions: ["us-east-1"],
      services: ["s3"],
      maxAttempts: 1,
      clientFactory,
    });

    // Every active account but the refused one was read, each in its own account.
    expect(result.accountIds).toEqual([management, org.accounts.web, org.accounts.db].sort());
    for (const id of [org.accounts.web, org.accounts.db]) {
      const bucket = result.items.find(
        (i) => i.resourceType === "AWS::S3::Bucket" && i.resourceName === `org-member-${id}`,
      );
      expect(bucket?.accountId, `bucket of ${id}`).toBe(id);
    }
    expect(
      result.items
        .filter((i) => i.resourceType === "AWS::::Account")
        .map((i) => i.accountId)
        .sort(),
    ).toEqual([management, org.accounts.web, org.accounts.db].sort());

    // Roles were assumed in the members only: never in the caller's account, never in the closed one.
    const assumed = attempts
      .filter((a) => a.operation === "AssumeRole")
      .map((a) => String(a.input.RoleArn).split(":")[4]);
    expect(new Set(assumed)).toEqual(new Set([org.accounts.web, org.accounts.db, org.accounts.dev]));

    // The refused role is a coverage gap of that account, not a failure of the scan.
    expect(result.coverageGaps).toContainEqual(
      expect.objectContaining({
        accountId: org.accounts.dev,
        service: "sts",
        region: "global",
        code: "AccessDenied",
      }),
    );
    const state = Object.fromEntries(
      result.organization.accounts.map((a) => [a.id, [a.state, a.via ?? null]]),
    );
    expect(state).toEqual({
      [management]: ["scanned", "caller"],
      [org.accounts.web]: ["scanned", "role"],
      [org.accounts.db]: ["scanned", "role"],
      [org.accounts.dev]: ["unreachable", "role"],
      [org.accounts.closed]: ["skipped", null],
    });
    const closed = result.organization.accounts.find((a) => a.id === org.accounts.closed);
    expect(closed).toMatchObject({ status: "SUSPENDED", reason: "account is SUSPENDED", ouPath: "Root/Dev" });
    // A skipped account is no gap.
    expect(result.coverageGaps.some((g) => g.accountId === org.accounts.closed)).toBe(false);
  });

  it("scans only the accounts under --ou, less --exclude-account, through the named role and external id", async () => {
    const attempts: Attempt[] = [];
    const result = await discoverOrganization({
      endpoint,
      credentials,
      regions: ["us-east-1"],
      services: ["s3"],
      externalId: "shared-secret",
      scope: { roleName: "AuditReader", ous: [org.ous.prod], excludeAccounts: [org.accounts.db] },
      clientFactory: faultyClientFactory(() => undefined, attempts),
    });
    expect(result.accountIds).toEqual([org.accounts.web]);
    expect(attempts.filter((a) => a.operation === "AssumeRole").map((a) => a.input)).toEqual([
      expect.objectContaining({
        RoleArn: `arn:aws:iam::${org.accounts.web}:role/AuditReader`,
        ExternalId: "shared-secret",
      }),
    ]);
    expect(result.organization.accounts.map((a) => [a.id, a.state])).toEqual(
      [
        [org.accounts.web, "scanned"],
        [org.accounts.db, "skipped"],
      ].sort(([a], [b]) => a!.localeCompare(b!)),
    );
  });

  it("says so when the caller's account is not in an organisation", async () => {
    await expect(
      discoverOrganization({
        endpoint,
        credentials: accountCredentials(endpoint, randomAccountId()),
        regions: ["us-east-1"],
        services: ["s3"],
      }),
    ).rejects.toThrow(/not in an AWS Organization/);
  });
});
