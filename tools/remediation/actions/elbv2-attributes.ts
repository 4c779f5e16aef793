import { z } from "zod";
import type { ChangeRisk, PlannedCall } from "../../../src/domain/remediation.ts";
import { attributeName } from "../../aws/elbv2.ts";
import type { RemediationAction } from "../types.ts";
import { PlanError } from "../types.ts";
import { readable, targetOf } from "../util.ts";

interface AttributeSpec {
  id: string;
  title: string;
  description: string;
  fixes: readonly string[];
  risk: ChangeRisk;
  rollbackNote: string;
  /** The load balancer attribute key (`deletion_protection.enabled`) and the value the action sets. */
  key: string;
  value: string;
  /** Load balancer types the attribute exists for (`application`, `network`, `gateway`). */
  types: readonly string[];
  notes: string[];
}

function modify(arn: string, region: string, key: string, value: string): PlannedCall {
  return {
    service: "elbv2",
    operation: "ModifyLoadBalancerAttributes",
    region,
    input: { LoadBalancerArn: arn, Attributes: [{ Key: key, Value: value }] },
  };
}

/** One load balancer attribute set to one value; the field is the attribute's key as the collector names it. */
function elbv2AttributeAction(spec: AttributeSpec): RemediationAction {
  const field = attributeName(spec.key);
  return {
    id: spec.id,
    title: spec.title,
    description: spec.description,
    resourceTypes: ["AWS::ElasticLoadBalancingV2::LoadBalancer"],
    fixes: spec.fixes,
    risk: spec.risk,
    reversible: true,
    rollbackNote: spec.rollbackNote,
    operations: {
      write: ["elbv2:ModifyLoadBalancerAttributes"],
      read: ["elbv2:DescribeLoadBalancerAttributes"],
    },
    params: z.object({}).strict(),
    plan(item) {
      const type = item.configuration.type;
      if (typeof type === "string" && !spec.types.includes(type)) {
        throw new PlanError(`${spec.key} does not exist on a ${type} load balancer`);
      }
      const attributes = readable(
        item.supplementaryConfiguration.attributes,
        "the load balancer's attributes",
      ) as Record<string, unknown> | null | undefined;
      const current = attributes?.[field];
      const target = targetOf(item);
      return {
        target,
        calls: [modify(target.resourceId, target.region, spec.key, spec.value)],
        // The attribute is "false" unless someone set it; AWS answers it for every load balancer of the type.
        before: { [field]: typeof current === "string" ? current : "false" },
        after: { [field]: spec.value },
        notes: spec.notes,
      };
    },
    async read(exec, plan) {
      const answer = await exec({
        service: "elbv2",
        operation: "DescribeLoadBalancerAttributes",
        region: plan.target.region,
        input: { LoadBalancerArn: plan.target.resourceId },
      });
      const found = ((answer.Attributes as { Key?: string; Value?: string }[] | undefined) ?? []).find(
        (a) => a.Key === spec.key,
      );
      return { [field]: found?.Value ?? "false" };
    },
    rollback(plan, prior) {
      const value = prior[field];
      if (value === spec.value) return { calls: [] };
      return {
        calls: [
          modify(
            plan.target.resourceId,
            plan.target.region,
            spec.key,
            typeof value === "string" ? value : "false",
          ),
        ],
      };
    },
  };
}

export const elbv2DropInvalidHeaderFields = elbv2AttributeAction({
  id: "elbv2_drop_invalid_header_fields",
  title: "Drop HTTP headers with invalid names at the load balancer",
  description:
    "Sets routing.http.drop_invalid_header_fields.enabled on the Application Load Balancer, so headers whose names break the HTTP rules are removed before requests reach the targets.",
  fixes: ["elbv2_alb_drop_invalid_header_fields"],
  risk: "low",
  rollbackNote: "Reversible: invalid headers are passed through to the targets again.",
  key: "routing.http.drop_invalid_header_fields.enabled",
  value: "true",
  types: ["application"],
  notes: [
    "A client that sends header names with characters other than letters, digits and hyphens (e.g. underscores, X_Custom_Id) loses those headers; the request itself still goes through.",
  ],
});

export const elbv2EnableDeletionProtection = elbv2AttributeAction({
  id: "elbv2_enable_deletion_protection",
  title: "Turn on deletion protection for the load balancer",
  description:
    "Sets deletion_protection.enabled on the load balancer, so DeleteLoadBalancer fails until the attribute is turned off.",
  fixes: ["elbv2_deletion_protection_enabled"],
  risk: "low",
  rollbackNote: "Reversible: deletion protection is turned off again.",
  key: "deletion_protection.enabled",
  value: "true",
  types: ["application", "network", "gateway"],
  notes: [
    "Deleting the load balancer (also from CloudFormation, CDK or Terraform) fails until the attribute is turned off; traffic is not affected.",
  ],
});
