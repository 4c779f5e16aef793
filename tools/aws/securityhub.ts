import {
  DescribeHubCommand,
  type DescribeHubCommandOutput,
  GetEnabledStandardsCommand,
} from "@aws-sdk/client-securityhub";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

type Hub = Partial<DescribeHubCommandOutput> & { $none?: true };

/** One item per region: the hub when subscribed, else a `hubEnabled: false` item that a check can FAIL. */
const hubs = resource({
  resourceType: "AWS::SecurityHub::Hub",
  client: "securityhub",
  list: {
    action: "securityhub:DescribeHub",
    command: DescribeHubCommand,
    items: (page) => [page as Hub],
    // Security Hub answers InvalidAccessException ("not subscribed") in a region where it is off.
    absentWhen: ["InvalidAccessException", "ResourceNotFoundException"],
    absent: () => [{ $none: true } as Hub],
  },
  id: (_hub: Hub, ctx) => `${ctx.accountId}:${ctx.region}`,
  name: (_hub, ctx) => `Security Hub ${ctx.region}`,
  arn: (hub, ctx) =>
    hub.HubArn ?? `arn:${ctx.partition}:securityhub:${ctx.region}:${ctx.accountId}:hub/default`,
  configuration: (hub) => ({
    hubEnabled: !hub.$none,
    hubArn: hub.HubArn ?? null,
    subscribedAt: hub.SubscribedAt ?? null,
    autoEnableControls: hub.AutoEnableControls ?? null,
    controlFindingGenerator: hub.ControlFindingGenerator ?? null,
  }),
  details: [
    detail({
      key: "enabledStandards",
      action: "securityhub:GetEnabledStandards",
      command: GetEnabledStandardsCommand,
      paging: { input: "NextToken", output: "NextToken" },
      when: (hub: Hub) => !hub.$none,
      otherwise: [],
      input: () => ({}),
      pick: (answer) =>
        (answer.StandardsSubscriptions ?? []).map((s) => ({
          standardsArn: s.StandardsArn ?? null,
          standardsSubscriptionArn: s.StandardsSubscriptionArn ?? null,
          standardsStatus: s.StandardsStatus ?? null,
        })),
    }),
  ],
});

export const securityhubSpec: ServiceSpec = { service: "securityhub", global: false, resources: [hubs] };

/** Security Hub per region: subscribed or not, and its enabled standards. */
export const securityhubCollector = specCollector(securityhubSpec);
