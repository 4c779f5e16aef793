/**
 * `scan --organization`: lists the accounts and OUs of the caller's AWS Organization (from the management account
 * or a delegated administrator), then scans every active account — the caller's own with its own credentials,
 * the others through a role of the same name in each. Not a collector (the scan-policy test reads
 * tools/aws/<service>*.ts as collectors): these calls are made with the caller's permissions, not the scan role's.
 */
import {
  DescribeOrganizationCommand,
  ListAccountsForParentCommand,
  ListOrganizationalUnitsForParentCommand,
  ListRootsCommand,
  type OrganizationsClient,
} from "@aws-sdk/client-organizations";
import {
  DEFAULT_ORGANIZATION_ROLE,
  type ListedAccount,
  type OrganizationAccount,
  type OrganizationMap,
  type OrganizationScope,
  type OrganizationUnit,
  organizationRoleArn,
  selectOrganizationAccounts,
} from "../../src/domain/organization.ts";
import { ServiceError, UsageError } from "../../src/errors.ts";
import { awsAccess } from "./access.ts";
import { getCallerIdentity } from "./account.ts";
import { errorCode, errorText } from "./collector.ts";
import {
  type DiscoverOptions,
  type DiscoveryResult,
  discoverAccount,
  discoverAccounts,
  mergeResults,
} from "./discover.ts";

/** The organisation's structure as the Organizations API answers it. */
export interface OrganizationListing {
  id: string;
  managementAccountId: string;
  ous: OrganizationUnit[];
  accounts: ListedAccount[];
}

async function allPages<T>(fetch: (token?: string) => Promise<{ items?: T[]; next?: string }>): Promise<T[]> {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    out.push(...(page.items ?? []));
    token = page.next;
  } while (token);
  return out;
}

/**
 * Walks the organisation from its root: every OU (ListOrganizationalUnitsForParent) and the accounts directly
 * under each parent (ListAccountsForParent), so each account comes with where it sits.
 */
export async function listOrganization(client: OrganizationsClient): Promise<OrganizationListing> {
  const described = await client.send(new DescribeOrganizationCommand({}));
  const roots = await allPages(async (NextToken) => {
    const r = await client.send(new ListRootsCommand({ NextToken }));
    return { items: r.Roots, next: r.NextToken };
  });
  const ous: OrganizationUnit[] = [];
  const accounts: ListedAccount[] = [];
  const queue: OrganizationUnit[] = roots
    .filter((r) => r.Id)
    .map((r) => ({ id: r.Id!, name: r.Name ?? "Root", parentId: null, path: r.Name ?? "Root" }));
  while (queue.length > 0) {
    const parent = queue.shift()!;
    ous.push(parent);
    const children = await allPages(async (NextToken) => {
      const r = await client.send(
        new ListOrganizationalUnitsForParentCommand({ ParentId: parent.id, NextToken }),
      );
      return { items: r.OrganizationalUnits, next: r.NextToken };
    });
    for (const child of children) {
      if (!child.Id) continue;
      const name = child.Name ?? child.Id;
      queue.push({ id: child.Id, name, parentId: parent.id, path: `${parent.path}/${name}` });
    }
    const direct = await allPages(async (NextToken) => {
      const r = await client.send(new ListAccountsForParentCommand({ ParentId: parent.id, NextToken }));
      return { items: r.Accounts, next: r.NextToken };
    });
    for (const a of direct) {
      accounts.push({ Id: a.Id, Name: a.Name, Status: a.Status, State: a.State, parentId: parent.id });
    }
  }
  const org = described.Organization;
  return {
    id: org?.Id ?? "unknown",
    managementAccountId: org?.MasterAccountId ?? "unknown",
    ous: ous.sort((a, b) => a.path.localeCompare(b.path)),
    accounts,
  };
}

export interface DiscoverOrganizationOptions extends Omit<DiscoverOptions, "access"> {
  scope?: OrganizationScope;
  /** The shared secret every member role's trust policy demands, if any. */
  externalId?: string;
  sessionName?: string;
}

/**
 * Scans every active account of the caller's organisation. A suspended or excluded account is listed as skipped;
 * an account whose role cannot be assumed is a coverage gap of that account (`sts` in `global`) and listed as
 * unreachable — neither fails the scan. Only a caller that cannot list the organisation fails it.
 */
export async function discoverOrganization(
  opts: DiscoverOrganizationOptions = {},
): Promise<DiscoveryResult & { organization: OrganizationMap }> {
  const started = performance.now();
  const capturedAt = (opts.clock ?? (() => new Date()))().toISOString();
  const { scope = {}, externalId, sessionName, ...scanOpts } = opts;
  const roleName = scope.roleName ?? DEFAULT_ORGANIZATION_ROLE;
  const access = awsAccess({
    homeRegion: opts.homeRegion ?? opts.regions?.[0] ?? "us-east-1",
    endpoint: opts.endpoint,
    serviceEndpoints: opts.serviceEndpoints,
    credentials: opts.credentials,
    maxAttempts: opts.maxAttempts ?? 5,
    retryMode: opts.retryMode ?? "standard",
    clientFactory: opts.clientFactory,
  });
  try {
    const home = access.clientsFor(access.homeRegion).withSignal(opts.signal);
    const caller = await getCallerIdentity(home.sts).catch((error: unknown) => {
      opts.signal?.throwIfAborted();
      throw new ServiceError(
        `cannot identify the AWS account (STS GetCallerIdentity: ${errorCode(error)}: ${errorText(error)}); check the credentials and endpoint`,
        { code: errorCode(error) },
        { cause: error },
      );
    });
    const listing = await listOrganization(home.get("organizations")).catch((error: unknown) => {
      opts.signal?.throwIfAborted();
      const code = errorCode(error);
      if (code === "AWSOrganizationsNotInUseException") {
        throw new UsageError(
          `account ${caller.accountId} is not in an AWS Organization; drop --organization, or use --role-arn per account`,
        );
      }
      throw new UsageError(
        `cannot list the organisation from account ${caller.accountId} (${code}: ${errorText(error)}); ` +
          "run --organization with the management account or a delegated administrator, allowed organizations:Describe*/List*",
        { code },
      );
    });
    const selection = selectOrganizationAccounts(listing.accounts, listing.ous, {
      callerAccountId: caller.accountId,
      scope,
    });
    const results: DiscoveryResult[] = [];
    const own = selection.accounts.find((a) => a.via === "caller");
    if (own) results.push(await discoverAccount({ ...scanOpts, access }));
    const members = selection.accounts.filter((a) => a.via === "role");
    const viaRoles = await discoverAccounts(
      members.map((a) => ({
        roleArn: organizationRoleArn(a.id, roleName, caller.partition),
        externalId,
      })),
      { ...scanOpts, sessionName },
    );
    results.push(viaRoles);
    const reached = new Set(viaRoles.accountIds);
    const accounts: OrganizationAccount[] = [...selection.accounts, ...selection.skipped]
      .map((a): OrganizationAccount => {
        if (a.state !== "scanned" || a.via === "caller" || reached.has(a.id)) return a;
        const gap = viaRoles.coverageGaps.find((g) => g.accountId === a.id && g.service === "sts");
        return {
          ...a,
          state: "unreachable",
          reason: gap ? `${gap.code ?? "Error"}: ${gap.error}` : "not read",
        };
      })
      .sort((a, b) => a.id.localeCompare(b.id));
    const merged = mergeResults(results, [], capturedAt, Math.round(performance.now() - started));
    return {
      ...merged,
      organization: {
        id: listing.id,
        managementAccountId: listing.managementAccountId,
        callerAccountId: caller.accountId,
        roleName,
        ous: listing.ous,
        accounts,
      },
    };
  } finally {
    access.destroy();
  }
}
