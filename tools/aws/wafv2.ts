import {
  GetLoggingConfigurationCommand,
  GetWebACLCommand,
  ListResourcesForWebACLCommand,
  ListWebACLsCommand,
  type Rule,
  type WebACLSummary,
} from "@aws-sdk/client-wafv2";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/** The one kind of statement at the top of a rule (`ManagedRuleGroupStatement`, `RateBasedStatement`, …). */
function ruleView(r: Rule): Record<string, unknown> {
  const statement = (r.Statement ?? {}) as Record<string, unknown>;
  const kind = Object.keys(statement).find((k) => statement[k] !== undefined) ?? null;
  const managed = r.Statement?.ManagedRuleGroupStatement;
  return {
    name: r.Name ?? null,
    priority: r.Priority ?? null,
    statementType: kind,
    managedRuleGroup: managed ? { vendorName: managed.VendorName ?? null, name: managed.Name ?? null } : null,
    action: r.Action
      ? (Object.keys(r.Action).find((k) => (r.Action as Record<string, unknown>)[k]) ?? null)
      : null,
    overrideAction: r.OverrideAction
      ? (Object.keys(r.OverrideAction).find((k) => (r.OverrideAction as Record<string, unknown>)[k]) ?? null)
      : null,
    cloudWatchMetricsEnabled: r.VisibilityConfig?.CloudWatchMetricsEnabled ?? null,
    sampledRequestsEnabled: r.VisibilityConfig?.SampledRequestsEnabled ?? null,
  };
}

/**
 * Regional web ACLs (scope REGIONAL; CloudFront's are read by the CloudFront collector). Per web ACL: its
 * definition (default action, rules without their statements' bodies), its logging configuration (none is
 * `null`) and the Application Load Balancers it protects — one call per web ACL, which bounds the cost by the
 * number of web ACLs rather than by the number of load balancers.
 */
const webAcls = resource({
  resourceType: "AWS::WAFv2::WebACL",
  client: "wafv2",
  list: {
    action: "wafv2:ListWebACLs",
    command: ListWebACLsCommand,
    input: { Scope: "REGIONAL" },
    paging: { input: "NextMarker", output: "NextMarker" },
    items: (page) => page.WebACLs,
  },
  id: (acl: WebACLSummary) => acl.Id,
  name: (acl) => acl.Name,
  arn: (acl) => acl.ARN!,
  configuration: (acl) => ({
    name: acl.Name ?? null,
    id: acl.Id ?? null,
    arn: acl.ARN ?? null,
    description: acl.Description ?? null,
    scope: "REGIONAL",
  }),
  details: [
    detail({
      key: "webAcl",
      action: "wafv2:GetWebACL",
      command: GetWebACLCommand,
      input: (acl: WebACLSummary) => ({ Name: acl.Name, Id: acl.Id, Scope: "REGIONAL" as const }),
      pick: (answer) => {
        const acl = answer.WebACL;
        if (!acl) return null;
        const rules = (acl.Rules ?? []).map(ruleView);
        return {
          defaultAction: acl.DefaultAction?.Block ? "BLOCK" : acl.DefaultAction?.Allow ? "ALLOW" : null,
          rules,
          rulesCount: rules.length,
          firewallManagerRuleGroupsCount:
            (acl.PreProcessFirewallManagerRuleGroups?.length ?? 0) +
            (acl.PostProcessFirewallManagerRuleGroups?.length ?? 0),
          capacity: acl.Capacity ?? null,
          managedByFirewallManager: acl.ManagedByFirewallManager ?? false,
          cloudWatchMetricsEnabled: acl.VisibilityConfig?.CloudWatchMetricsEnabled ?? null,
          sampledRequestsEnabled: acl.VisibilityConfig?.SampledRequestsEnabled ?? null,
        };
      },
    }),
    detail({
      key: "loggingConfiguration",
      action: "wafv2:GetLoggingConfiguration",
      command: GetLoggingConfigurationCommand,
      input: (acl: WebACLSummary) => ({ ResourceArn: acl.ARN }),
      pick: (answer) => {
        const c = answer.LoggingConfiguration;
        if (!c) return null;
        return {
          logDestinationConfigs: c.LogDestinationConfigs ?? [],
          redactedFieldsCount: c.RedactedFields?.length ?? 0,
          loggingFilter: c.LoggingFilter
            ? { defaultBehavior: c.LoggingFilter.DefaultBehavior ?? null }
            : null,
          managedByFirewallManager: c.ManagedByFirewallManager ?? false,
        };
      },
      // A web ACL that never had logging turned on.
      absentWhen: ["WAFNonexistentItemException"],
    }),
    detail({
      key: "loadBalancerArns",
      action: "wafv2:ListResourcesForWebACL",
      command: ListResourcesForWebACLCommand,
      input: (acl: WebACLSummary) => ({
        WebACLArn: acl.ARN,
        ResourceType: "APPLICATION_LOAD_BALANCER" as const,
      }),
      pick: (answer) => answer.ResourceArns ?? [],
    }),
  ],
});

export const wafv2Spec: ServiceSpec = { service: "wafv2", global: false, resources: [webAcls] };

/** AWS WAF (v2) per region: regional web ACLs, their rules, logging and the load balancers they protect. */
export const wafv2Collector = specCollector(wafv2Spec);
