import type { ConfigurationItem } from "../../domain/types.ts";
import { unreadableReason } from "./policy.ts";
import type { Evaluator } from "./types.ts";

const WEB_ACL = "AWS::WAFv2::WebACL";

/**
 * Whether a regional WAFv2 web ACL of the load balancer's account and region protects it. The WAFv2 collector
 * lists, per web ACL, the Application Load Balancers associated with it (`loadBalancerArns`), so the association
 * is read from the web ACL side: one call per web ACL rather than one per load balancer. A web ACL whose list
 * could not be read, or a WAFv2 listing gap in the region, makes the answer unknown (an error), never a FAIL.
 * WAF Classic (waf-regional) associations are not read.
 */
const loadBalancerWebAclAssociated: Evaluator = (lb, _params, ctx) => {
  const acls = ctx
    .itemsOfType(WEB_ACL, lb.accountId)
    .filter((acl: ConfigurationItem) => acl.awsRegion === lb.awsRegion);
  const unreadable: string[] = [];
  for (const acl of acls) {
    const arns = acl.supplementaryConfiguration.loadBalancerArns;
    const reason = unreadableReason(arns, `the resources of web ACL ${acl.resourceName ?? acl.resourceId}`);
    if (reason) {
      unreadable.push(reason);
      continue;
    }
    if (Array.isArray(arns) && arns.includes(lb.arn))
      return {
        pass: true,
        reason: `web ACL ${acl.resourceName ?? acl.resourceId} is associated with the load balancer`,
        evidence: { webAclArn: acl.arn },
      };
  }
  const gaps = ctx.gapsOf("wafv2", lb.accountId, lb.awsRegion);
  if (unreadable.length > 0 || gaps.length > 0)
    return {
      error: [
        ...unreadable,
        ...gaps.map((g) => `wafv2 in ${g.region} could not be read (${g.code ?? g.error})`),
      ].join("; "),
    };
  return {
    pass: false,
    reason:
      acls.length === 0
        ? `no regional WAFv2 web ACL exists in ${lb.awsRegion}; expected one associated with the load balancer`
        : `none of the ${acls.length} web ACL(s) in ${lb.awsRegion} is associated with the load balancer`,
    evidence: { webAcls: acls.map((a) => a.resourceName ?? a.resourceId) },
  };
};

export const lbEvaluators = { loadBalancerWebAclAssociated };
