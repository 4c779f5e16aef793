import {
  DescribeListenersCommand,
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancersCommand,
  DescribeTargetGroupsCommand,
  type Listener,
  type LoadBalancer,
  type TargetGroup,
} from "@aws-sdk/client-elastic-load-balancing-v2";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

const MARKER = { input: "Marker", output: "NextMarker" };

/**
 * An attribute key as a plain property name: `routing.http.drop_invalid_header_fields.enabled` becomes
 * `routingHttpDropInvalidHeaderFieldsEnabled`, so that checks read it with a simple dotted path. Values stay the
 * strings AWS answers (`"true"`, `"defensive"`).
 */
export function attributeName(key: string): string {
  const words = key.split(/[._]/).filter(Boolean);
  return words.map((w, i) => (i === 0 ? w : w.charAt(0).toUpperCase() + w.slice(1))).join("");
}

/** The listener fields the checks read: protocol and port, TLS policy and certificates, default actions. */
function listenerView(l: Listener): Record<string, unknown> {
  return {
    listenerArn: l.ListenerArn ?? null,
    port: l.Port ?? null,
    protocol: l.Protocol ?? null,
    sslPolicy: l.SslPolicy ?? null,
    certificates: (l.Certificates ?? []).map((c) => ({
      certificateArn: c.CertificateArn ?? null,
      isDefault: c.IsDefault ?? null,
    })),
    // Redirect and forward configurations keep their own fields (`redirectConfig.protocol`, `statusCode`, …).
    defaultActions: (l.DefaultActions ?? []).map((a) => lowerCamelKeys(a)),
    alpnPolicy: l.AlpnPolicy ?? [],
    mutualAuthenticationMode: l.MutualAuthentication?.Mode ?? null,
  };
}

/**
 * Application, Network and Gateway Load Balancers of the region. The listing carries type, scheme and the zones;
 * per load balancer we read its attributes (access logs, deletion protection, header handling, desync mode,
 * cross-zone) and its listeners. Listener rules are not read (a call per listener): the HTTP→HTTPS check judges
 * the default action, which is where a redirect of all HTTP traffic lives.
 */
const loadBalancers = resource({
  resourceType: "AWS::ElasticLoadBalancingV2::LoadBalancer",
  client: "elbv2",
  list: {
    action: "elasticloadbalancing:DescribeLoadBalancers",
    command: DescribeLoadBalancersCommand,
    paging: MARKER,
    items: (page) => page.LoadBalancers,
  },
  id: (lb: LoadBalancer) => lb.LoadBalancerArn,
  name: (lb) => lb.LoadBalancerName,
  arn: (lb) => lb.LoadBalancerArn!,
  configuration: (lb) => ({ availabilityZones: [], securityGroups: [], ...lowerCamelKeys(lb) }),
  details: [
    detail({
      key: "attributes",
      action: "elasticloadbalancing:DescribeLoadBalancerAttributes",
      command: DescribeLoadBalancerAttributesCommand,
      input: (lb: LoadBalancer) => ({ LoadBalancerArn: lb.LoadBalancerArn }),
      pick: (answer) =>
        Object.fromEntries(
          (answer.Attributes ?? [])
            .filter((a) => a.Key)
            .map((a) => [attributeName(a.Key!), a.Value ?? null] as const),
        ),
    }),
    detail({
      key: "listeners",
      action: "elasticloadbalancing:DescribeListeners",
      command: DescribeListenersCommand,
      paging: MARKER,
      input: (lb: LoadBalancer) => ({ LoadBalancerArn: lb.LoadBalancerArn }),
      pick: (answer) => (answer.Listeners ?? []).map(listenerView),
    }),
  ],
});

/** Target groups: how the load balancer talks to its targets (protocol, health checks); one paged listing per region. */
const targetGroups = resource({
  resourceType: "AWS::ElasticLoadBalancingV2::TargetGroup",
  client: "elbv2",
  list: {
    action: "elasticloadbalancing:DescribeTargetGroups",
    command: DescribeTargetGroupsCommand,
    paging: MARKER,
    items: (page) => page.TargetGroups,
  },
  id: (tg: TargetGroup) => tg.TargetGroupArn,
  name: (tg) => tg.TargetGroupName,
  arn: (tg) => tg.TargetGroupArn!,
  configuration: (tg) => ({ loadBalancerArns: [], ...lowerCamelKeys(tg) }),
});

export const elbv2Spec: ServiceSpec = {
  service: "elbv2",
  global: false,
  resources: [loadBalancers, targetGroups],
};

/** Elastic Load Balancing v2 per region: load balancers with their attributes and listeners. */
export const elbv2Collector = specCollector(elbv2Spec);
