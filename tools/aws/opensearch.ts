import {
  DescribeDomainCommand,
  type DomainInfo,
  type DomainStatus,
  ListDomainNamesCommand,
} from "@aws-sdk/client-opensearch";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { parsePolicyDocument } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * The settings of one domain as the checks read them. `LogPublishingOptions` keeps AWS's log type names as keys
 * (`AUDIT_LOGS`, `ES_APPLICATION_LOGS`, …) and the access policy keeps AWS's own keys (`Statement`, `Effect`, …)
 * for the shared policy evaluators; everything else is lowerCamel.
 */
export function domainSettings(status: DomainStatus): Record<string, unknown> {
  const { AccessPolicies, LogPublishingOptions, ...rest } = status;
  const logs: Record<string, unknown> = {};
  for (const [type, option] of Object.entries(LogPublishingOptions ?? {}))
    logs[type] = {
      enabled: option?.Enabled ?? false,
      cloudWatchLogsLogGroupArn: option?.CloudWatchLogsLogGroupArn ?? null,
    };
  return {
    ...lowerCamelKeys(rest),
    // Absent blocks are recorded as null so that a check reads "not set", never a missing path.
    vpcOptions: rest.VPCOptions ? lowerCamelKeys(rest.VPCOptions) : null,
    logPublishingOptions: logs,
    accessPolicies: parsePolicyDocument(AccessPolicies),
  };
}

/**
 * OpenSearch Service domains of the region (OpenSearch and legacy Elasticsearch engines alike). ListDomainNames
 * names them; DescribeDomain per domain gives the status the checks read: encryption at rest and node to node,
 * endpoint options (HTTPS, TLS policy), VPC placement, fine-grained access control, log publishing, cluster
 * layout, service software state and the access policy (parsed).
 */
const domains = resource({
  resourceType: "AWS::OpenSearch::Domain",
  client: "opensearch",
  list: {
    action: "es:ListDomainNames",
    command: ListDomainNamesCommand,
    items: (page) => page.DomainNames,
  },
  id: (d: DomainInfo) => d.DomainName,
  arn: (d, ctx) => `arn:${ctx.partition}:es:${ctx.region}:${ctx.accountId}:domain/${d.DomainName}`,
  configuration: (d) => ({ domainName: d.DomainName ?? null, engineType: d.EngineType ?? null }),
  details: [
    detail({
      key: "domain",
      action: "es:DescribeDomain",
      command: DescribeDomainCommand,
      input: (d: DomainInfo) => ({ DomainName: d.DomainName }),
      pick: (answer) => (answer.DomainStatus ? domainSettings(answer.DomainStatus) : null),
    }),
  ],
});

export const opensearchSpec: ServiceSpec = { service: "opensearch", global: false, resources: [domains] };

/** Amazon OpenSearch Service per region: domains with their security, logging and cluster settings. */
export const opensearchCollector = specCollector(opensearchSpec);
