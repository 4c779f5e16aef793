import { type Cluster, DescribeClusterCommand, ListClustersCommand } from "@aws-sdk/client-eks";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/** The control plane log types EKS can send to CloudWatch Logs. */
export const EKS_LOG_TYPES = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;

/** What the checks read of a cluster: endpoint access, logging, secrets encryption and versions. */
function clusterSettings(cluster: Cluster | undefined): Record<string, unknown> | null {
  if (!cluster) return null;
  const vpc = cluster.resourcesVpcConfig;
  const enabledLogTypes = (cluster.logging?.clusterLogging ?? [])
    .filter((setup) => setup.enabled === true)
    .flatMap((setup) => setup.types ?? []);
  return {
    arn: cluster.arn ?? null,
    status: cluster.status ?? null,
    version: cluster.version ?? null,
    platformVersion: cluster.platformVersion ?? null,
    endpointPublicAccess: vpc?.endpointPublicAccess ?? null,
    endpointPrivateAccess: vpc?.endpointPrivateAccess ?? null,
    publicAccessCidrs: vpc?.publicAccessCidrs ?? [],
    vpcId: vpc?.vpcId ?? null,
    subnetIds: vpc?.subnetIds ?? [],
    securityGroupIds: vpc?.securityGroupIds ?? [],
    clusterSecurityGroupId: vpc?.clusterSecurityGroupId ?? null,
    enabledLogTypes: [...new Set(enabledLogTypes)].sort(),
    encryptionConfig: (cluster.encryptionConfig ?? []).map((c) => ({
      resources: c.resources ?? [],
      keyArn: c.provider?.keyArn ?? null,
    })),
    accessConfig: cluster.accessConfig ? lowerCamelKeys(cluster.accessConfig) : null,
    tags: cluster.tags ?? {},
  };
}

/**
 * EKS clusters of the region. The listing gives names only; DescribeCluster (one call per cluster) gives what the
 * checks read, kept under `supplementaryConfiguration.cluster` so that a failed call is an `$error` marker there.
 */
const clusters = resource({
  resourceType: "AWS::EKS::Cluster",
  client: "eks",
  list: {
    action: "eks:ListClusters",
    command: ListClustersCommand,
    paging: { input: "nextToken", output: "nextToken" },
    items: (page) => page.clusters,
  },
  id: (name: string) => name,
  arn: (name, ctx) => `arn:${ctx.partition}:eks:${ctx.region}:${ctx.accountId}:cluster/${name}`,
  configuration: (name) => ({ name }),
  details: [
    detail({
      key: "cluster",
      action: "eks:DescribeCluster",
      command: DescribeClusterCommand,
      input: (name: string) => ({ name }),
      pick: (answer) => clusterSettings(answer.cluster),
    }),
  ],
});

export const eksSpec: ServiceSpec = { service: "eks", global: false, resources: [clusters] };

/** Amazon EKS per region: clusters with endpoint access, control plane logging, secrets encryption and version. */
export const eksCollector = specCollector(eksSpec);
