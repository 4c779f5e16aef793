import {
  type Cluster,
  type ContainerDefinition,
  DescribeClustersCommand,
  DescribeServicesCommand,
  DescribeTaskDefinitionCommand,
  ListClustersCommand,
  ListServicesCommand,
  ListTaskDefinitionFamiliesCommand,
  type Service,
  type TaskDefinition,
} from "@aws-sdk/client-ecs";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { secretLikeVariables } from "../../src/engine/evaluators/lambda.ts";
import { type Collector, type CollectorContext, item } from "./collector.ts";
import { mapLimit } from "./concurrency.ts";
import { detail, resource, type ServiceSpec, specActions, specCollector } from "./spec.ts";

/** DescribeClusters takes up to 100 clusters per call, DescribeServices up to 10 services. */
const CLUSTER_BATCH = 100;
const SERVICE_BATCH = 10;

/**
 * Variable names AWS FSBP ECS.8 treats as credentials whatever their value (the AWS key pair and the agent's
 * registry auth data); other names are judged by the shared secret-name test (src/engine/evaluators/lambda.ts).
 */
const CREDENTIAL_NAMES = new Set(["AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "ECS_ENGINE_AUTH_DATA"]);

/**
 * A container's environment as names and a flag, never values: `secretLike` is true when the name looks like a
 * secret and the value is a literal (not empty, not a flag, not a reference to a secret store), or when the name
 * is one of the credential names above.
 */
export function environmentNames(
  environment: ContainerDefinition["environment"],
): { name: string; secretLike: boolean }[] {
  const variables: Record<string, unknown> = {};
  for (const pair of environment ?? []) if (pair.name) variables[pair.name] = pair.value ?? "";
  const { literal } = secretLikeVariables(variables);
  const flagged = new Set(literal);
  return Object.keys(variables)
    .sort()
    .map((name) => ({ name, secretLike: flagged.has(name) || CREDENTIAL_NAMES.has(name.toUpperCase()) }));
}

/** What the checks read of one container definition. Log driver options are kept by name only (a Splunk token is one). */
function containerSettings(c: ContainerDefinition): Record<string, unknown> {
  return {
    name: c.name ?? null,
    image: c.image ?? null,
    essential: c.essential ?? null,
    privileged: c.privileged ?? null,
    user: c.user ?? null,
    readonlyRootFilesystem: c.readonlyRootFilesystem ?? null,
    environment: environmentNames(c.environment),
    environmentFiles: (c.environmentFiles ?? []).map((f) => ({
      type: f.type ?? null,
      value: f.value ?? null,
    })),
    secrets: (c.secrets ?? []).map((s) => ({ name: s.name ?? null, valueFrom: s.valueFrom ?? null })),
    logConfiguration: c.logConfiguration
      ? {
          logDriver: c.logConfiguration.logDriver ?? null,
          optionNames: Object.keys(c.logConfiguration.options ?? {}).sort(),
          secretOptions: (c.logConfiguration.secretOptions ?? []).map((s) => ({
            name: s.name ?? null,
            valueFrom: s.valueFrom ?? null,
          })),
        }
      : null,
    linuxParameters: c.linuxParameters
      ? {
          initProcessEnabled: c.linuxParameters.initProcessEnabled ?? null,
          capabilities: c.linuxParameters.capabilities
            ? lowerCamelKeys(c.linuxParameters.capabilities)
            : null,
        }
      : null,
  };
}

function taskDefinitionSettings(td: TaskDefinition | undefined): Record<string, unknown> | null {
  if (!td) return null;
  return {
    taskDefinitionArn: td.taskDefinitionArn ?? null,
    revision: td.revision ?? null,
    status: td.status ?? null,
    networkMode: td.networkMode ?? null,
    pidMode: td.pidMode ?? null,
    ipcMode: td.ipcMode ?? null,
    requiresCompatibilities: td.requiresCompatibilities ?? [],
    runtimePlatform: td.runtimePlatform ? lowerCamelKeys(td.runtimePlatform) : null,
    taskRoleArn: td.taskRoleArn ?? null,
    executionRoleArn: td.executionRoleArn ?? null,
    containerDefinitions: (td.containerDefinitions ?? []).map(containerSettings),
  };
}

/**
 * Task definitions: the latest ACTIVE revision of each family (DescribeTaskDefinition given a family name answers
 * that revision), so the calls grow with the families, not with every revision ever registered. Environment
 * values never reach the item: only names and a secret-like flag (see `environmentNames`).
 */
const taskDefinitions = resource({
  resourceType: "AWS::ECS::TaskDefinition",
  client: "ecs",
  list: {
    action: "ecs:ListTaskDefinitionFamilies",
    command: ListTaskDefinitionFamiliesCommand,
    input: { status: "ACTIVE" },
    paging: { input: "nextToken", output: "nextToken" },
    items: (page) => page.families,
  },
  id: (family: string) => family,
  arn: (family, ctx) => `arn:${ctx.partition}:ecs:${ctx.region}:${ctx.accountId}:task-definition/${family}`,
  configuration: (family) => ({ family }),
  details: [
    detail({
      key: "taskDefinition",
      action: "ecs:DescribeTaskDefinition",
      command: DescribeTaskDefinitionCommand,
      input: (family: string) => ({ taskDefinition: family }),
      pick: (answer) => taskDefinitionSettings(answer.taskDefinition),
    }),
  ],
});

const taskDefinitionSpec: ServiceSpec = { service: "ecs", global: false, resources: [taskDefinitions] };

/** Calls made in code below (batched describes need a shape the spec runner does not have). */
const CODE_ACTIONS = ["ecs:DescribeClusters", "ecs:DescribeServices", "ecs:ListClusters", "ecs:ListServices"];

type Send = (command: unknown) => Promise<unknown>;

function chunks<T>(list: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < list.length; i += size) out.push(list.slice(i, i + size));
  return out;
}

function ecsTags(tags: readonly { key?: string; value?: string }[] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const tag of tags ?? []) if (tag.key !== undefined) out[tag.key] = tag.value ?? "";
  return out;
}

/** Follows `nextToken` (stopping if an emulator answers the same token again). */
async function allPages<T>(
  fetch: (token: string | undefined) => Promise<{ nextToken?: string; items?: T[] }>,
) {
  const out: T[] = [];
  let token: string | undefined;
  do {
    const page = await fetch(token);
    out.push(...(page.items ?? []));
    token = page.nextToken && page.nextToken !== token ? page.nextToken : undefined;
  } while (token);
  return out;
}

function clusterItem(ctx: CollectorContext, cluster: Cluster): ConfigurationItem {
  // Task and instance counts change minute by minute; they are state, not configuration.
  const {
    tags,
    statistics: _statistics,
    runningTasksCount: _running,
    pendingTasksCount: _pending,
    activeServicesCount: _services,
    registeredContainerInstancesCount: _instances,
    ...rest
  } = cluster;
  return item(ctx, {
    resourceType: "AWS::ECS::Cluster",
    resourceId: cluster.clusterName!,
    resourceName: cluster.clusterName!,
    arn: cluster.clusterArn!,
    awsRegion: ctx.region,
    configuration: { settings: [], ...lowerCamelKeys(rest) },
    supplementaryConfiguration: {},
    tags: ecsTags(tags),
  });
}

function serviceItem(ctx: CollectorContext, service: Service, clusterName: string): ConfigurationItem {
  // Events, deployments and task counts are the service's running history, not its configuration.
  const {
    tags,
    events: _events,
    deployments: _deployments,
    taskSets: _taskSets,
    runningCount: _running,
    pendingCount: _pending,
    ...rest
  } = service;
  return item(ctx, {
    resourceType: "AWS::ECS::Service",
    // Service names are unique within a cluster only.
    resourceId: `${clusterName}/${service.serviceName}`,
    resourceName: service.serviceName!,
    arn: service.serviceArn!,
    awsRegion: ctx.region,
    configuration: {
      launchType: null,
      platformVersion: null,
      capacityProviderStrategy: [],
      networkConfiguration: null,
      ...lowerCamelKeys(rest),
    },
    supplementaryConfiguration: {},
    tags: ecsTags(tags),
  });
}

/**
 * Clusters (DescribeClusters, 100 per call, with settings for Container Insights) and their services
 * (DescribeServices, 10 per call). A failed listing or batch describe is a coverage gap: a cluster or service
 * whose description could not be read is left out rather than judged on a name.
 */
async function clustersAndServices(ctx: CollectorContext): Promise<ConfigurationItem[]> {
  const ecs = ctx.clients.get("ecs");
  const send: Send = (command) => ecs.send(command as never);
  let arns: string[];
  try {
    arns = await allPages(async (nextToken) => {
      const page = (await send(new ListClustersCommand({ nextToken, maxResults: 100 }))) as {
        clusterArns?: string[];
        nextToken?: string;
      };
      return { items: page.clusterArns, nextToken: page.nextToken };
    });
  } catch (error) {
    ctx.recordGap("ListClusters", error);
    return [];
  }
  const items: ConfigurationItem[] = [];
  for (const batch of chunks(arns, CLUSTER_BATCH)) {
    try {
      const answer = (await send(
        new DescribeClustersCommand({ clusters: batch, include: ["SETTINGS", "TAGS"] }),
      )) as { clusters?: Cluster[] };
      for (const cluster of answer.clusters ?? [])
        if (cluster.clusterArn && cluster.clusterName) items.push(clusterItem(ctx, cluster));
    } catch (error) {
      ctx.recordGap("DescribeClusters", error);
    }
  }
  const perCluster = await mapLimit(arns, ctx.perResourceConcurrency, (arn) => servicesOf(ctx, send, arn));
  return [...items, ...perCluster.flat()];
}

async function servicesOf(
  ctx: CollectorContext,
  send: Send,
  clusterArn: string,
): Promise<ConfigurationItem[]> {
  const clusterName = clusterArn.split("/").pop() ?? clusterArn;
  let arns: string[];
  try {
    arns = await allPages(async (nextToken) => {
      const page = (await send(
        new ListServicesCommand({ cluster: clusterArn, nextToken, maxResults: 100 }),
      )) as {
        serviceArns?: string[];
        nextToken?: string;
      };
      return { items: page.serviceArns, nextToken: page.nextToken };
    });
  } catch (error) {
    ctx.recordGap("ListServices", error);
    return [];
  }
  const items: ConfigurationItem[] = [];
  for (const batch of chunks(arns, SERVICE_BATCH)) {
    try {
      const answer = (await send(
        new DescribeServicesCommand({ cluster: clusterArn, services: batch, include: ["TAGS"] }),
      )) as { services?: Service[] };
      for (const service of answer.services ?? [])
        if (service.serviceArn && service.serviceName) items.push(serviceItem(ctx, service, clusterName));
    } catch (error) {
      ctx.recordGap("DescribeServices", error);
    }
  }
  return items;
}

const taskDefinitionCollector = specCollector(taskDefinitionSpec);

/** Amazon ECS per region: clusters (settings), services (network and platform) and task definitions (latest). */
export const ecsCollector: Collector & { spec: ServiceSpec } = {
  spec: taskDefinitionSpec,
  service: "ecs",
  global: false,
  actions: [...new Set([...specActions(taskDefinitionSpec), ...CODE_ACTIONS])].sort(),
  async collect(ctx) {
    const [definitions, rest] = await Promise.all([
      taskDefinitionCollector.collect(ctx),
      clustersAndServices(ctx),
    ]);
    return [...definitions, ...rest];
  },
};
