import {
  DescribeLoadBalancerAttributesCommand,
  DescribeLoadBalancerPoliciesCommand,
  DescribeLoadBalancersCommand,
  type LoadBalancerDescription,
  type PolicyDescription,
} from "@aws-sdk/client-elastic-load-balancing";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/** Listener protocols that terminate TLS on the load balancer. */
const TLS_PROTOCOLS = new Set(["HTTPS", "SSL"]);

function listenersOf(lb: LoadBalancerDescription) {
  return (lb.ListenerDescriptions ?? []).map((d) => ({
    protocol: d.Listener?.Protocol?.toUpperCase() ?? null,
    loadBalancerPort: d.Listener?.LoadBalancerPort ?? null,
    instanceProtocol: d.Listener?.InstanceProtocol?.toUpperCase() ?? null,
    instancePort: d.Listener?.InstancePort ?? null,
    sslCertificateId: d.Listener?.SSLCertificateId ?? null,
    policyNames: d.PolicyNames ?? [],
  }));
}

const hasTlsListener = (lb: LoadBalancerDescription) =>
  listenersOf(lb).some((l) => l.protocol !== null && TLS_PROTOCOLS.has(l.protocol));

/**
 * For each HTTPS/SSL listener, the SSL negotiation policy it uses (the load balancer's policies, matched by the
 * listener's policy names): the predefined policy it was made from (`Reference-Security-Policy`) and the protocols
 * it enables. A TLS listener without such a policy gets `policyName: null`.
 */
function sslPolicies(policies: PolicyDescription[], lb: LoadBalancerDescription) {
  const negotiation = new Map(
    policies
      .filter((p) => p.PolicyTypeName === "SSLNegotiationPolicyType" && p.PolicyName)
      .map((p) => [p.PolicyName!, p] as const),
  );
  return listenersOf(lb)
    .filter((l) => l.protocol !== null && TLS_PROTOCOLS.has(l.protocol))
    .map((l) => {
      const policy = l.policyNames.map((n) => negotiation.get(n)).find((p) => p !== undefined);
      const attrs = policy?.PolicyAttributeDescriptions ?? [];
      return {
        loadBalancerPort: l.loadBalancerPort,
        protocol: l.protocol,
        policyName: policy?.PolicyName ?? null,
        referenceSecurityPolicy:
          attrs.find((a) => a.AttributeName === "Reference-Security-Policy")?.AttributeValue ?? null,
        protocols: attrs
          .filter((a) => a.AttributeName?.startsWith("Protocol-") && a.AttributeValue === "true")
          .map((a) => a.AttributeName!.slice("Protocol-".length)),
      };
    });
}

/**
 * Classic Load Balancers of the region. The listing carries listeners (protocol, ports, certificate), zones,
 * scheme and registered instances; per load balancer we read its attributes (cross-zone, access log, connection
 * draining, desync mode) and, when it has an HTTPS/SSL listener, its SSL negotiation policies.
 */
const loadBalancers = resource({
  resourceType: "AWS::ElasticLoadBalancing::LoadBalancer",
  client: "elb",
  list: {
    action: "elasticloadbalancing:DescribeLoadBalancers",
    command: DescribeLoadBalancersCommand,
    paging: { input: "Marker", output: "NextMarker" },
    items: (page) => page.LoadBalancerDescriptions,
  },
  id: (lb: LoadBalancerDescription) => lb.LoadBalancerName,
  arn: (lb, ctx) =>
    `arn:${ctx.partition}:elasticloadbalancing:${ctx.region}:${ctx.accountId}:loadbalancer/${lb.LoadBalancerName}`,
  configuration: (lb) => {
    const { ListenerDescriptions: _listeners, ...rest } = lb;
    return {
      availabilityZones: [],
      subnets: [],
      ...lowerCamelKeys(rest),
      listeners: listenersOf(lb),
    };
  },
  details: [
    detail({
      key: "attributes",
      action: "elasticloadbalancing:DescribeLoadBalancerAttributes",
      command: DescribeLoadBalancerAttributesCommand,
      input: (lb: LoadBalancerDescription) => ({ LoadBalancerName: lb.LoadBalancerName }),
      pick: (answer) => {
        const a = answer.LoadBalancerAttributes ?? {};
        const additional = Object.fromEntries(
          (a.AdditionalAttributes ?? []).filter((x) => x.Key).map((x) => [x.Key!, x.Value ?? null] as const),
        );
        return {
          crossZoneLoadBalancing: { enabled: a.CrossZoneLoadBalancing?.Enabled ?? null },
          accessLog: a.AccessLog ? lowerCamelKeys(a.AccessLog) : { enabled: null },
          connectionDraining: a.ConnectionDraining
            ? lowerCamelKeys(a.ConnectionDraining)
            : { enabled: null, timeout: null },
          connectionSettings: a.ConnectionSettings ? lowerCamelKeys(a.ConnectionSettings) : null,
          // `elb.http.desyncmitigationmode` is the one additional attribute AWS answers today.
          desyncMitigationMode: additional["elb.http.desyncmitigationmode"] ?? null,
          additionalAttributes: additional,
        };
      },
    }),
    detail({
      key: "sslPolicies",
      action: "elasticloadbalancing:DescribeLoadBalancerPolicies",
      command: DescribeLoadBalancerPoliciesCommand,
      when: hasTlsListener,
      otherwise: [],
      input: (lb: LoadBalancerDescription) => ({ LoadBalancerName: lb.LoadBalancerName }),
      pick: (answer, lb) => sslPolicies(answer.PolicyDescriptions ?? [], lb),
    }),
  ],
});

export const elbSpec: ServiceSpec = { service: "elb", global: false, resources: [loadBalancers] };

/** Classic Elastic Load Balancing per region: load balancers, their attributes and SSL negotiation policies. */
export const elbCollector = specCollector(elbSpec);
