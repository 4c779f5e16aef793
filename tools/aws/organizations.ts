import {
  DescribeOrganizationCommand,
  ListPoliciesForTargetCommand,
  type Organization,
} from "@aws-sdk/client-organizations";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

type Org = Organization & { $none?: true };

/**
 * The account's membership, one item per account (global). Not in an organisation → an item with
 * `inOrganization: false`. The SCP listing needs the management account (or a delegated administrator): from a
 * member account it is denied, which is a `$error` under `serviceControlPolicies`, never a FAIL.
 */
const organization = resource({
  resourceType: "AWS::Organizations::Organization",
  client: "organizations",
  list: {
    action: "organizations:DescribeOrganization",
    command: DescribeOrganizationCommand,
    items: (page) => (page.Organization ? [page.Organization as Org] : []),
    absentWhen: ["AWSOrganizationsNotInUseException"],
    absent: () => [{ $none: true } as Org],
  },
  id: (_o: Org, ctx) => ctx.accountId,
  name: (o, ctx) => (o.$none ? `${ctx.accountId} (no organization)` : (o.Id ?? ctx.accountId)),
  arn: (o, ctx) =>
    o.Arn ?? `arn:${ctx.partition}:organizations::${ctx.accountId}:account/none/${ctx.accountId}`,
  configuration: (o) => ({
    inOrganization: !o.$none,
    id: o.Id ?? null,
    arn: o.Arn ?? null,
    featureSet: o.FeatureSet ?? null,
    masterAccountId: o.MasterAccountId ?? null,
  }),
  details: [
    detail({
      key: "serviceControlPolicies",
      action: "organizations:ListPoliciesForTarget",
      command: ListPoliciesForTargetCommand,
      paging: { input: "NextToken", output: "NextToken" },
      // SCPs exist only with all features enabled; a consolidated-billing organisation has none.
      when: (o: Org) => !o.$none && o.FeatureSet === "ALL",
      otherwise: [],
      input: (_o, ctx) => ({ TargetId: ctx.accountId, Filter: "SERVICE_CONTROL_POLICY" as const }),
      pick: (answer) =>
        (answer.Policies ?? []).map((p) => ({
          id: p.Id ?? null,
          name: p.Name ?? null,
          awsManaged: p.AwsManaged ?? null,
        })),
    }),
  ],
});

export const organizationsSpec: ServiceSpec = {
  service: "organizations",
  global: true,
  resources: [organization],
};

/** Whether the account is in an AWS Organization, and the SCPs attached to it directly. */
export const organizationsCollector = specCollector(organizationsSpec);
