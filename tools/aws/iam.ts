import {
  type AttachedPolicy,
  type EntityType,
  GetAccessKeyLastUsedCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  GetAccountPasswordPolicyCommand,
  GetAccountSummaryCommand,
  GetLoginProfileCommand,
  type IAMClient,
  type PolicyDetail,
  paginateGetAccountAuthorizationDetails,
  paginateListAccessKeys,
  paginateListMFADevices,
  paginateListPolicies,
  paginateListRoles,
  paginateListUsers,
  paginateListVirtualMFADevices,
  type User,
  type UserDetail,
} from "@aws-sdk/client-iam";
import { type CallError, callError, isCallError, lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import {
  type Collector,
  type CollectorContext,
  errorCode,
  errorText,
  item,
  listing,
  orCallError,
  parsePolicyDocument,
  supplementary,
  tagMap,
} from "./collector.ts";
import { collectPages, createLimiter, type Limiter, mapLimit } from "./concurrency.ts";
import { type CredentialReportRow, ROOT_USER, readCredentialReport } from "./iam-credential-report.ts";
import { iamProvidersCollector, iamProvidersSpec } from "./iam-providers.ts";

/**
 * IAM is global: its items carry region `global`. Users, groups, roles and customer policies come from
 * GetAccountAuthorizationDetails (one paginated sweep per entity type instead of five calls per entity);
 * only what that call does not carry is read per user (login profile, MFA devices, access keys). Server
 * certificates and the SAML and OIDC identity providers are declared as specs (iam-providers.ts) and run here.
 */
export const iamCollector: Collector & { spec: typeof iamProvidersSpec } = {
  service: "iam",
  global: true,
  spec: iamProvidersSpec,
  // The calls this code makes (test/aws/scan-policy.test.ts reads the source and holds this list to it),
  // then those of the specs.
  actions: [
    "iam:GenerateCredentialReport",
    "iam:GetAccessKeyLastUsed",
    "iam:GetAccountAuthorizationDetails",
    "iam:GetAccountPasswordPolicy",
    "iam:GetAccountSummary",
    "iam:GetCredentialReport",
    "iam:GetLoginProfile",
    "iam:ListAccessKeys",
    "iam:ListMFADevices",
    "iam:ListPolicies",
    "iam:ListRoles",
    "iam:ListUsers",
    "iam:ListVirtualMFADevices",
    ...iamProvidersCollector.actions,
  ],
  async collect(ctx) {
    const shared = new SharedReads(ctx.clients.iam);
    const parts = await Promise.all([
      listing(ctx, "ListUsers", () => users(ctx, shared)),
      listing(ctx, "GetAccountAuthorizationDetails(Group)", () => groups(ctx, shared)),
      listing(ctx, "GetAccountAuthorizationDetails(Role)", () => roles(ctx, shared)),
      listing(ctx, "ListPolicies", () => policies(ctx, shared)),
      listing(ctx, "GetAccountPasswordPolicy", () => passwordPolicy(ctx)),
      listing(ctx, "GetAccountSummary", () => accountSummary(ctx, shared)),
      // The spec runner records a failed listing as a gap itself.
      iamProvidersCollector.collect(ctx),
    ]);
    return parts.flat();
  },
};

type AuthorizationDetails = Omit<
  GetAccountAuthorizationDetailsCommandOutput,
  "$metadata" | "Marker" | "IsTruncated"
>;

/** Account-wide reads that several listings need, made once per scan. */
class SharedReads {
  private readonly details = new Map<EntityType, Promise<Required<AuthorizationDetails>>>();
  private report?: Promise<Map<string, CredentialReportRow>>;

  constructor(readonly iam: IAMClient) {}

  authorizationDetails(filter: EntityType): Promise<Required<AuthorizationDetails>> {
    let pending = this.details.get(filter);
    if (!pending) {
      pending = (async () => {
        const all: Required<AuthorizationDetails> = {
          UserDetailList: [],
          GroupDetailList: [],
          RoleDetailList: [],
          Policies: [],
        };
        for await (const page of paginateGetAccountAuthorizationDetails(
          { client: this.iam },
          { Filter: [filter] },
        )) {
          all.UserDetailList.push(...(page.UserDetailList ?? []));
          all.GroupDetailList.push(...(page.GroupDetailList ?? []));
          all.RoleDetailList.push(...(page.RoleDetailList ?? []));
          all.Policies.push(...(page.Policies ?? []));
        }
        return all;
      })();
      this.details.set(filter, pending);
    }
    return pending;
  }

  credentialReport(): Promise<Map<string, CredentialReportRow>> {
    this.report ??= readCredentialReport(this.iam);
    return this.report;
  }
}

/** Settles a promise into its value or a CallError, so one failed account-wide read marks fields, not items. */
async function settle<T>(pending: Promise<T>): Promise<T | CallError> {
  try {
    return await pending;
  } catch (error) {
    return callError(errorCode(error), errorText(error));
  }
}

function attached(policies: AttachedPolicy[] | undefined) {
  return (policies ?? []).map((p) => ({ policyName: p.PolicyName ?? null, policyArn: p.PolicyArn ?? null }));
}

function inline(policies: PolicyDetail[] | undefined) {
  return (policies ?? []).map((p) => ({
    policyName: p.PolicyName ?? null,
    policyDocument: parsePolicyDocument(p.PolicyDocument),
  }));
}

function iso(date: Date | undefined): string | null {
  return date ? date.toISOString() : null;
}

async function users(ctx: CollectorContext, shared: SharedReads): Promise<ConfigurationItem[]> {
  const iam = ctx.clients.iam;
  const [list, details, report] = await Promise.all([
    collectPages(paginateListUsers({ client: iam }, {}), (p) => p.Users),
    settle(shared.authorizationDetails("User")),
    settle(shared.credentialReport()),
  ]);
  const detailByName = isCallError(details)
    ? details
    : new Map(details.UserDetailList.map((d) => [d.UserName ?? "", d] as const));
  const limit = createLimiter(ctx.perResourceConcurrency);
  return mapLimit(
    list.filter((u) => u.UserName && u.UserId),
    ctx.perResourceConcurrency,
    (user) => userItem(ctx, user, detailByName, report, limit),
  );
}

async function userItem(
  ctx: CollectorContext,
  user: User,
  detailByName: Map<string, UserDetail> | CallError,
  report: Map<string, CredentialReportRow> | CallError,
  limit: Limiter,
): Promise<ConfigurationItem> {
  const iam = ctx.clients.iam;
  const UserName = user.UserName!;
  const [loginProfile, mfaDevices, accessKeys] = await Promise.all([
    limit(() =>
      supplementary(async () => {
        const { LoginProfile } = await iam.send(new GetLoginProfileCommand({ UserName }));
        return {
          createDate: iso(LoginProfile?.CreateDate),
          passwordResetRequired: LoginProfile?.PasswordResetRequired ?? false,
        };
      }, ["NoSuchEntity", "NoSuchEntityException"]),
    ),
    limit(() =>
      orCallError(async () => {
        const devices = await collectPages(
          paginateListMFADevices({ client: iam }, { UserName }),
          (p) => p.MFADevices,
        );
        return devices.map((d) => ({ serialNumber: d.SerialNumber ?? null, enableDate: iso(d.EnableDate) }));
      }),
    ),
    limit(() =>
      orCallError(() =>
        collectPages(paginateListAccessKeys({ client: iam }, { UserName }), (p) => p.AccessKeyMetadata),
      ),
    ),
  ]);
  const keys = isCallError(accessKeys)
    ? accessKeys
    : await Promise.all(
        accessKeys.map(async (key) => {
          const lastUsed = await limit(() =>
            orCallError(async () => {
              const answer = await iam.send(
                new GetAccessKeyLastUsedCommand({ AccessKeyId: key.AccessKeyId }),
              );
              const service = answer.AccessKeyLastUsed?.ServiceName;
              return {
                lastUsedDate: iso(answer.AccessKeyLastUsed?.LastUsedDate),
                lastUsedService: service && service !== "N/A" ? service : null,
              };
            }),
          );
          return {
            accessKeyId: key.AccessKeyId ?? null,
            status: key.Status ?? null,
            createDate: iso(key.CreateDate),
            ...(isCallError(lastUsed) ? { lastUsedDate: lastUsed, lastUsedService: lastUsed } : lastUsed),
          };
        }),
      );
  const detail = isCallError(detailByName) ? detailByName : detailByName.get(UserName);
  const supplementaryConfiguration: Record<string, unknown> = {
    loginProfile,
    mfaDevices,
    accessKeys: keys,
    attachedManagedPolicies: isCallError(detail) ? detail : attached(detail?.AttachedManagedPolicies),
    inlinePolicies: isCallError(detail) ? detail : inline(detail?.UserPolicyList),
    groups: isCallError(detail) ? detail : (detail?.GroupList ?? []),
    // A user created after the report was generated has no row yet.
    credentialReport: isCallError(report) ? report : (report.get(UserName) ?? null),
  };
  if (isCallError(detail)) supplementaryConfiguration.tags = detail;
  return item(ctx, {
    resourceType: "AWS::IAM::User",
    resourceId: user.UserId!,
    resourceName: UserName,
    arn: user.Arn ?? `arn:${ctx.partition}:iam::${ctx.accountId}:user${user.Path ?? "/"}${UserName}`,
    awsRegion: "global",
    configuration: {
      userName: UserName,
      userId: user.UserId,
      arn: user.Arn ?? null,
      path: user.Path ?? "/",
      createDate: iso(user.CreateDate),
      passwordLastUsed: iso(user.PasswordLastUsed),
    },
    supplementaryConfiguration,
    tags: isCallError(detail) ? {} : tagMap(detail?.Tags),
  });
}

async function groups(ctx: CollectorContext, shared: SharedReads): Promise<ConfigurationItem[]> {
  const [details, userDetails] = await Promise.all([
    shared.authorizationDetails("Group"),
    settle(shared.authorizationDetails("User")),
  ]);
  return details.GroupDetailList.filter((g) => g.GroupName && g.GroupId).map((group) => {
    const userNames = isCallError(userDetails)
      ? userDetails
      : userDetails.UserDetailList.filter((u) => u.GroupList?.includes(group.GroupName!))
          .map((u) => u.UserName ?? "")
          .sort();
    return item(ctx, {
      resourceType: "AWS::IAM::Group",
      resourceId: group.GroupId!,
      resourceName: group.GroupName!,
      arn: group.Arn ?? `arn:${ctx.partition}:iam::${ctx.accountId}:group/${group.GroupName}`,
      awsRegion: "global",
      configuration: {
        groupName: group.GroupName,
        groupId: group.GroupId,
        arn: group.Arn ?? null,
        path: group.Path ?? "/",
        createDate: iso(group.CreateDate),
      },
      supplementaryConfiguration: {
        attachedManagedPolicies: attached(group.AttachedManagedPolicies),
        inlinePolicies: inline(group.GroupPolicyList),
        userNames,
      },
    });
  });
}

async function roles(ctx: CollectorContext, shared: SharedReads): Promise<ConfigurationItem[]> {
  // The authorization details lack MaxSessionDuration; ListRoles lacks tags and last use. Both are sweeps.
  const [details, listed] = await Promise.all([
    shared.authorizationDetails("Role"),
    collectPages(paginateListRoles({ client: ctx.clients.iam }, {}), (p) => p.Roles),
  ]);
  const maxSession = new Map(listed.map((r) => [r.RoleId ?? "", r.MaxSessionDuration] as const));
  return details.RoleDetailList.filter((r) => r.RoleName && r.RoleId).map((role) =>
    item(ctx, {
      resourceType: "AWS::IAM::Role",
      resourceId: role.RoleId!,
      resourceName: role.RoleName!,
      arn: role.Arn ?? `arn:${ctx.partition}:iam::${ctx.accountId}:role/${role.RoleName}`,
      awsRegion: "global",
      configuration: {
        roleName: role.RoleName,
        roleId: role.RoleId,
        arn: role.Arn ?? null,
        path: role.Path ?? "/",
        createDate: iso(role.CreateDate),
        maxSessionDuration: maxSession.get(role.RoleId!) ?? null,
        assumeRolePolicyDocument: parsePolicyDocument(role.AssumeRolePolicyDocument),
        roleLastUsed: {
          lastUsedDate: iso(role.RoleLastUsed?.LastUsedDate),
          region: role.RoleLastUsed?.Region ?? null,
        },
      },
      supplementaryConfiguration: {
        attachedManagedPolicies: attached(role.AttachedManagedPolicies),
        inlinePolicies: inline(role.RolePolicyList),
      },
      tags: tagMap(role.Tags),
    }),
  );
}

async function policies(ctx: CollectorContext, shared: SharedReads): Promise<ConfigurationItem[]> {
  // ListPolicies names the customer policies; the authorization details carry their documents.
  const [listed, details] = await Promise.all([
    collectPages(paginateListPolicies({ client: ctx.clients.iam }, { Scope: "Local" }), (p) => p.Policies),
    settle(shared.authorizationDetails("LocalManagedPolicy")),
  ]);
  const documentOf = (arn: string, versionId: string | undefined): unknown => {
    if (isCallError(details)) return details;
    const policy = details.Policies.find((p) => p.Arn === arn);
    const version =
      policy?.PolicyVersionList?.find((v) => v.IsDefaultVersion) ??
      policy?.PolicyVersionList?.find((v) => v.VersionId === versionId);
    return version
      ? parsePolicyDocument(version.Document)
      : callError("NotFound", `no default version for ${arn}`);
  };
  return listed
    .filter((p) => p.PolicyId && p.Arn)
    .map((policy) =>
      item(ctx, {
        resourceType: "AWS::IAM::Policy",
        resourceId: policy.PolicyId!,
        resourceName: policy.PolicyName ?? policy.PolicyId!,
        arn: policy.Arn!,
        awsRegion: "global",
        configuration: {
          policyName: policy.PolicyName ?? null,
          policyId: policy.PolicyId,
          arn: policy.Arn,
          path: policy.Path ?? "/",
          defaultVersionId: policy.DefaultVersionId ?? null,
          attachmentCount: policy.AttachmentCount ?? 0,
          isAttachable: policy.IsAttachable ?? true,
          createDate: iso(policy.CreateDate),
          updateDate: iso(policy.UpdateDate),
        },
        supplementaryConfiguration: { policyDocument: documentOf(policy.Arn!, policy.DefaultVersionId) },
        tags: tagMap(policy.Tags),
      }),
    );
}

async function passwordPolicy(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  let configuration: Record<string, unknown>;
  try {
    const { PasswordPolicy } = await ctx.clients.iam.send(new GetAccountPasswordPolicyCommand({}));
    configuration = { ...lowerCamelKeys(PasswordPolicy ?? {}), configured: true };
  } catch (error) {
    // No password policy is a setting ("not configured"), not a failure.
    if (!["NoSuchEntity", "NoSuchEntityException"].includes(errorCode(error))) throw error;
    configuration = { configured: false };
  }
  return [
    item(ctx, {
      resourceType: "AWS::IAM::PasswordPolicy",
      resourceId: ctx.accountId,
      resourceName: ctx.accountId,
      arn: `arn:${ctx.partition}:iam::${ctx.accountId}:account-password-policy`,
      awsRegion: "global",
      configuration,
      supplementaryConfiguration: {},
    }),
  ];
}

async function accountSummary(ctx: CollectorContext, shared: SharedReads): Promise<ConfigurationItem[]> {
  const iam = ctx.clients.iam;
  const [summary, report, virtualMfa] = await Promise.all([
    iam.send(new GetAccountSummaryCommand({})),
    settle(shared.credentialReport()),
    orCallError(async () => {
      const devices = await collectPages(
        paginateListVirtualMFADevices({ client: iam }, {}),
        (p) => p.VirtualMFADevices,
      );
      return devices.map((d) => d.SerialNumber ?? "").sort();
    }),
  ]);
  return [
    item(ctx, {
      resourceType: "AWS::IAM::AccountSummary",
      resourceId: ctx.accountId,
      resourceName: ctx.accountId,
      arn: `arn:${ctx.partition}:iam::${ctx.accountId}:root`,
      awsRegion: "global",
      configuration: lowerCamelKeys(summary.SummaryMap ?? {}),
      supplementaryConfiguration: {
        rootCredentials: isCallError(report) ? report : (report.get(ROOT_USER) ?? null),
        virtualMfaDevices: virtualMfa,
      },
    }),
  ];
}
