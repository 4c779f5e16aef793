/**
 * The ECR, ECS and EKS collectors against moto, seeded by scripts/seed-containers.ts in a random account: each
 * planted violation FAILs and its compliant twin PASSes. Then, over stubbed SDK clients, what moto does not
 * model (DescribeClusters batching past 100, DescribeServices past 10, paging tokens, an unparseable lifecycle
 * policy) with answers in the documented API shape, and the AccessDenied paths: a denied detail call is a
 * `$error` marker and an ERROR verdict, a denied listing or batch describe a coverage gap.
 */
import { beforeAll, describe, expect, it } from "vitest";
import {
  APP_EKS_VERSION,
  CONTAINERS_REGION,
  CONTAINER_NAMES as N,
  seedContainers,
} from "../../scripts/seed-containers.ts";
import { isCallError } from "../../src/domain/shape.ts";
import type { ConfigurationItem } from "../../src/domain/types.ts";
import { type CompiledCheck, loadChecks } from "../../src/engine/checks.ts";
import { createContext, evaluateOne } from "../../src/engine/evaluate.ts";
import { builtinEvaluators } from "../../src/engine/evaluators/index.ts";
import { loadSettings } from "../../src/engine/settings.ts";
import { BUILTIN_CHECKS_DIR, SETTINGS_FILE } from "../../src/paths.ts";
import { ApiCallCounter, AwsClientSet, createClient } from "../../tools/aws/clients.ts";
import { type DiscoveryResult, discoverAccount } from "../../tools/aws/discover.ts";
import { ecrCollector } from "../../tools/aws/ecr.ts";
import { ecsCollector, environmentNames } from "../../tools/aws/ecs.ts";
import { eksCollector } from "../../tools/aws/eks.ts";
import { serviceDescribe } from "../helpers/services.ts";
import { accountCredentials, awsError, ofType, randomAccountId } from "./moto-helpers.ts";
import { stubContext } from "./stub-sdk.ts";

const NOW = new Date("2026-05-04T12:00:00.000Z");
const REPO = "AWS::ECR::Repository";
const REGISTRY = "AWS::ECR::RegistryScanningConfiguration";
const CLUSTER = "AWS::ECS::Cluster";
const SERVICE = "AWS::ECS::Service";
const TASK = "AWS::ECS::TaskDefinition";
const EKS = "AWS::EKS::Cluster";

const REPOSITORY_CHECKS = [
  "ecr_repository_image_scanning_enabled",
  "ecr_repository_enhanced_scanning_enabled",
  "ecr_repository_tag_immutability_enabled",
  "ecr_repository_lifecycle_policy_configured",
  "ecr_repository_policy_not_public",
  "ecr_repository_encrypted_with_kms",
];
const TASK_CHECKS = [
  "ecs_task_definition_host_network_secure_user",
  "ecs_task_definition_no_privileged_containers",
  "ecs_task_definition_no_host_pid_mode",
  "ecs_task_definition_no_host_ipc_mode",
  "ecs_task_definition_readonly_root_filesystem",
  "ecs_task_definition_no_secrets_in_environment",
  "ecs_task_definition_logging_configured",
  "ecs_task_definition_containers_non_root",
  "ecs_task_definition_awsvpc_network_mode",
];
const SERVICE_CHECKS = ["ecs_service_no_public_ip", "ecs_service_fargate_latest_platform_version"];
const CLUSTER_CHECKS = ["ecs_cluster_container_insights_enabled"];
const EKS_CHECKS = [
  "eks_cluster_endpoint_not_public",
  "eks_cluster_public_endpoint_cidrs_restricted",
  "eks_cluster_private_endpoint_enabled",
  "eks_cluster_kubernetes_version_supported",
  "eks_cluster_secrets_encrypted_with_kms",
  "eks_cluster_audit_logging_enabled",
  "eks_cluster_control_plane_logging_all_types",
];
/** Checks the compliant twin is not judged by (it has no public endpoint; its tasks are not in host mode). */
const NOT_APPLICABLE_TO_TWIN = new Set([
  "eks_cluster_public_endpoint_cidrs_restricted",
  "ecs_task_definition_host_network_secure_user",
]);

const settings = await loadSettings(SETTINGS_FILE);
const catalog: CompiledCheck[] = await loadChecks(
  { builtinDir: BUILTIN_CHECKS_DIR },
  { settings, evaluators: builtinEvaluators() },
);

function verdict(items: ConfigurationItem[], checkId: string, item: ConfigurationItem) {
  const compiled = catalog.find((c) => c.check.id === checkId);
  if (!compiled) throw new Error(`no check ${checkId}`);
  return evaluateOne(compiled, item, createContext(items, settings, NOW))?.status;
}

function expectTwins(
  items: ConfigurationItem[],
  checks: readonly string[],
  violation: ConfigurationItem,
  twin: ConfigurationItem,
) {
  for (const id of checks) {
    expect(verdict(items, id, violation), `${id} on ${violation.resourceId}`).toBe("FAIL");
    expect(verdict(items, id, twin), `${id} on ${twin.resourceId}`).toBe(
      NOT_APPLICABLE_TO_TWIN.has(id) ? undefined : "PASS",
    );
  }
}

it("covers every ECR, ECS and EKS check of the catalog", () => {
  const ours = catalog.filter((c) => ["ecr", "ecs", "eks"].includes(c.check.service)).map((c) => c.check.id);
  expect(ours.sort()).toEqual(
    [...REPOSITORY_CHECKS, ...TASK_CHECKS, ...SERVICE_CHECKS, ...CLUSTER_CHECKS, ...EKS_CHECKS].sort(),
  );
});

it("keeps environment variable names and a flag, never values", () => {
  const names = environmentNames([
    { name: "DB_PASSWORD", value: "hunter2-Sup3rS3cret" },
    { name: "AWS_ACCESS_KEY_ID", value: "AKIAEXAMPLE" },
    { name: "API_TOKEN", value: "arn:aws:secretsmanager:us-east-1:111122223333:secret:x" },
    { name: "LOG_LEVEL", value: "debug" },
    { name: "SMTP_PASSWORD", value: "" },
  ]);
  expect(names).toEqual([
    { name: "API_TOKEN", secretLike: false },
    { name: "AWS_ACCESS_KEY_ID", secretLike: true },
    { name: "DB_PASSWORD", secretLike: true },
    { name: "LOG_LEVEL", secretLike: false },
    { name: "SMTP_PASSWORD", secretLike: false },
  ]);
  expect(JSON.stringify(names)).not.toContain("hunter2");
});

serviceDescribe("moto", "container collectors against moto", (endpoint) => {
  const accountId = randomAccountId();
  const credentials = accountCredentials(endpoint, accountId);
  let inventory: DiscoveryResult;
  let items: ConfigurationItem[];
  let seeded: Awaited<ReturnType<typeof seedContainers>>;
  const byId = (type: string, id: string) => {
    const found = ofType(items, type, CONTAINERS_REGION).filter((i) => i.resourceId === id);
    expect(found, `${type} ${id}`).toHaveLength(1);
    return found[0]!;
  };

  beforeAll(async () => {
    const clients = (region: string) =>
      new AwsClientSet(
        region,
        () => ({ region, endpoint, credentials, maxAttempts: 3, retryMode: "standard" }),
        createClient,
        new ApiCallCounter(),
      );
    const set = clients(CONTAINERS_REGION);
    try {
      seeded = await seedContainers(accountId, () => set);
    } finally {
      set.destroy();
    }
    inventory = await discoverAccount({
      endpoint,
      credentials,
      regions: [CONTAINERS_REGION],
      services: ["ecr", "ecs", "eks"],
      clock: () => NOW,
      maxAttempts: 2,
    });
    items = inventory.items;
  }, 120_000);

  it("reads every planted resource without a coverage gap", () => {
    expect(inventory.accountIds).toEqual([accountId]);
    expect(inventory.coverageGaps).toEqual([]);
    expect(ofType(items, REPO, CONTAINERS_REGION)).toHaveLength(seeded.created["ecr:repository"]!);
    expect(ofType(items, REGISTRY, CONTAINERS_REGION)).toHaveLength(1);
    expect(ofType(items, CLUSTER, CONTAINERS_REGION)).toHaveLength(seeded.created["ecs:cluster"]!);
    expect(ofType(items, SERVICE, CONTAINERS_REGION)).toHaveLength(seeded.created["ecs:service"]!);
    expect(ofType(items, TASK, CONTAINERS_REGION)).toHaveLength(seeded.created["ecs:task-definition"]!);
    expect(ofType(items, EKS, CONTAINERS_REGION)).toHaveLength(seeded.created["eks:cluster"]!);
  });

  it("records what the checks read", () => {
    const app = byId(REPO, N.appRepository);
    expect(app.arn).toBe(`arn:aws:ecr:${CONTAINERS_REGION}:${accountId}:repository/${N.appRepository}`);
    expect(app.configuration).toMatchObject({
      imageTagMutability: "IMMUTABLE",
      imageScanningConfiguration: { scanOnPush: true },
      encryptionConfiguration: { encryptionType: "KMS" },
    });
    expect(app.supplementaryConfiguration.lifecyclePolicy).toMatchObject({
      rules: [{ rulePriority: 1, action: { type: "expire" } }],
    });
    expect(app.supplementaryConfiguration.policy).toMatchObject({ Statement: [{ Sid: "OrgPull" }] });
    const legacy = byId(REPO, N.legacyRepository);
    // LifecyclePolicyNotFoundException: "not configured", so null.
    expect(legacy.supplementaryConfiguration.lifecyclePolicy).toBeNull();
    const registry = ofType(items, REGISTRY, CONTAINERS_REGION)[0]!;
    expect(registry.resourceId).toBe(`${accountId}:${CONTAINERS_REGION}`);
    expect(registry.configuration).toMatchObject({
      scanType: "ENHANCED",
      rules: [
        {
          scanFrequency: "CONTINUOUS_SCAN",
          repositoryFilters: [{ filter: "app-*", filterType: "WILDCARD" }],
        },
      ],
    });

    const cluster = byId(CLUSTER, N.appCluster);
    expect(cluster.configuration.settings).toEqual([{ name: "containerInsights", value: "enabled" }]);
    expect(cluster.configuration.runningTasksCount).toBeUndefined();
    const service = byId(SERVICE, `${N.appCluster}/${N.appService}`);
    expect(service.configuration).toMatchObject({
      launchType: "FARGATE",
      platformVersion: "LATEST",
      networkConfiguration: { awsvpcConfiguration: { assignPublicIp: "DISABLED" } },
    });
    expect(service.configuration.events).toBeUndefined();

    const task = byId(TASK, N.legacyTask).supplementaryConfiguration.taskDefinition as Record<
      string,
      unknown
    >;
    expect(task).toMatchObject({ networkMode: "host", pidMode: "host", ipcMode: "host", status: "ACTIVE" });
    const [web] = task.containerDefinitions as Array<Record<string, unknown>>;
    expect(web!.environment).toEqual([
      { name: "AWS_SECRET_ACCESS_KEY", secretLike: true },
      { name: "DB_PASSWORD", secretLike: true },
      { name: "REGION", secretLike: false },
    ]);
    // No value of the environment reaches the inventory.
    expect(JSON.stringify(items)).not.toContain("demo-password");
    expect(JSON.stringify(items)).not.toContain("demo-not-a-real-key");
    const appTask = byId(TASK, N.appTask).supplementaryConfiguration.taskDefinition as Record<
      string,
      unknown
    >;
    expect((appTask.containerDefinitions as Array<Record<string, unknown>>)[0]).toMatchObject({
      user: "1000:1000",
      readonlyRootFilesystem: true,
      secrets: [{ name: "DB_PASSWORD" }],
      logConfiguration: {
        logDriver: "awslogs",
        optionNames: ["awslogs-group", "awslogs-region", "awslogs-stream-prefix"],
      },
    });

    const eks = byId(EKS, N.appEks).supplementaryConfiguration.cluster as Record<string, unknown>;
    expect(eks).toMatchObject({
      version: APP_EKS_VERSION,
      endpointPublicAccess: false,
      endpointPrivateAccess: true,
      enabledLogTypes: ["api", "audit", "authenticator", "controllerManager", "scheduler"],
      encryptionConfig: [{ resources: ["secrets"] }],
    });
    const legacyEks = byId(EKS, N.legacyEks).supplementaryConfiguration.cluster as Record<string, unknown>;
    expect(legacyEks).toMatchObject({
      version: "1.27",
      publicAccessCidrs: ["0.0.0.0/0"],
      enabledLogTypes: [],
    });
  });

  it("FAILs each planted violation and PASSes its compliant twin", () => {
    expectTwins(items, REPOSITORY_CHECKS, byId(REPO, N.legacyRepository), byId(REPO, N.appRepository));
    expectTwins(items, TASK_CHECKS, byId(TASK, N.legacyTask), byId(TASK, N.appTask));
    expectTwins(
      items,
      SERVICE_CHECKS,
      byId(SERVICE, `${N.legacyCluster}/${N.legacyService}`),
      byId(SERVICE, `${N.appCluster}/${N.appService}`),
    );
    expectTwins(items, CLUSTER_CHECKS, byId(CLUSTER, N.legacyCluster), byId(CLUSTER, N.appCluster));
    expectTwins(items, EKS_CHECKS, byId(EKS, N.legacyEks), byId(EKS, N.appEks));
  });
});

describe("container collectors over stubbed answers", () => {
  const denied = () => awsError("AccessDeniedException", "not authorized", 403);
  const repository = (name: string, extra: Record<string, unknown> = {}) => ({
    repositoryArn: `arn:aws:ecr:us-east-1:111122223333:repository/${name}`,
    registryId: "111122223333",
    repositoryName: name,
    repositoryUri: `111122223333.dkr.ecr.us-east-1.amazonaws.com/${name}`,
    createdAt: new Date("2025-01-01T00:00:00Z"),
    imageTagMutability: "MUTABLE",
    imageScanningConfiguration: { scanOnPush: false },
    encryptionConfiguration: { encryptionType: "AES256" },
    ...extra,
  });

  it("ECR: pages repositories, reads the registry once, and keeps an unparseable lifecycle text visible", async () => {
    const calls: string[] = [];
    const { ctx, gaps } = stubContext(
      {
        "ecr:DescribeRepositories": (input) =>
          input.nextToken === "p2"
            ? { repositories: [repository("prod-api", { imageTagMutability: "IMMUTABLE_WITH_EXCLUSION" })] }
            : { repositories: [repository("tools")], nextToken: "p2" },
        "ecr:GetLifecyclePolicy": (input) =>
          input.repositoryName === "tools"
            ? awsError("LifecyclePolicyNotFoundException", "no lifecycle policy", 400)
            : {
                repositoryName: "prod-api",
                lifecyclePolicyText: "not json",
                lastEvaluatedAt: new Date("2026-01-01T00:00:00Z"),
              },
        "ecr:GetRepositoryPolicy": () => awsError("RepositoryPolicyNotFoundException", "no policy", 400),
        // moto answers this too, but not with several rules nor filters on a BASIC registry.
        "ecr:GetRegistryScanningConfiguration": () => ({
          registryId: "111122223333",
          scanningConfiguration: {
            scanType: "BASIC",
            rules: [
              {
                scanFrequency: "SCAN_ON_PUSH",
                repositoryFilters: [{ filter: "prod-*", filterType: "WILDCARD" }],
              },
            ],
          },
        }),
      },
      { calls },
    );
    const items = await ecrCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(calls.filter((c) => c === "ecr:GetRegistryScanningConfiguration")).toHaveLength(1);
    const tools = items.find((i) => i.resourceId === "tools")!;
    const prod = items.find((i) => i.resourceId === "prod-api")!;
    expect(tools.supplementaryConfiguration).toEqual({ lifecyclePolicy: null, policy: null });
    expect(prod.supplementaryConfiguration.lifecyclePolicy).toEqual({
      rules: [],
      lastEvaluatedAt: "2026-01-01T00:00:00.000Z",
      unparsed: true,
    });
    expect(prod.configuration.createdAt).toBe("2025-01-01T00:00:00.000Z");
    // A BASIC registry rule for prod-* scans prod-api on push; tools has neither the rule nor the flag.
    expect(verdict(items, "ecr_repository_image_scanning_enabled", prod)).toBe("PASS");
    expect(verdict(items, "ecr_repository_image_scanning_enabled", tools)).toBe("FAIL");
    expect(verdict(items, "ecr_repository_tag_immutability_enabled", prod)).toBe("PASS");
    expect(verdict(items, "ecr_repository_policy_not_public", tools)).toBe("PASS");
  });

  it("ECR: a denied detail call is an ERROR verdict; a denied registry read leaves scan-on-push repositories judged", async () => {
    const { ctx, gaps } = stubContext({
      "ecr:DescribeRepositories": () => ({
        repositories: [
          repository("a"),
          repository("b", { imageScanningConfiguration: { scanOnPush: true } }),
        ],
      }),
      "ecr:GetLifecyclePolicy": denied,
      "ecr:GetRepositoryPolicy": denied,
      "ecr:GetRegistryScanningConfiguration": denied,
    });
    const items = await ecrCollector.collect(ctx);
    expect(gaps.map((g) => g.what)).toEqual(["GetRegistryScanningConfiguration"]);
    const a = items.find((i) => i.resourceId === "a")!;
    const b = items.find((i) => i.resourceId === "b")!;
    expect(isCallError(a.supplementaryConfiguration.policy)).toBe(true);
    expect(isCallError(a.supplementaryConfiguration.lifecyclePolicy)).toBe(true);
    expect(verdict(items, "ecr_repository_policy_not_public", a)).toBe("ERROR");
    expect(verdict(items, "ecr_repository_lifecycle_policy_configured", a)).toBe("ERROR");
    expect(verdict(items, "ecr_repository_image_scanning_enabled", a)).toBe("ERROR");
    expect(verdict(items, "ecr_repository_image_scanning_enabled", b)).toBe("PASS");
    expect(verdict(items, "ecr_repository_tag_immutability_enabled", a)).toBe("FAIL");
  });

  it("ECS: describes clusters 100 at a time and services 10 at a time", async () => {
    // moto answers every batch size, so the batching is proven here, with the documented answer shapes.
    const calls: string[] = [];
    const clusterArns = Array.from(
      { length: 150 },
      (_, i) => `arn:aws:ecs:us-east-1:111122223333:cluster/c${i}`,
    );
    const batches: number[] = [];
    const serviceBatches: number[] = [];
    const { ctx, gaps } = stubContext(
      {
        "ecs:ListTaskDefinitionFamilies": (input) => {
          expect(input.status).toBe("ACTIVE");
          return { families: [] };
        },
        "ecs:ListClusters": (input) =>
          input.nextToken
            ? { clusterArns: clusterArns.slice(100) }
            : { clusterArns: clusterArns.slice(0, 100), nextToken: "t2" },
        "ecs:DescribeClusters": (input) => {
          const asked = input.clusters as string[];
          batches.push(asked.length);
          expect(input.include).toEqual(["SETTINGS", "TAGS"]);
          return {
            clusters: asked.map((arn) => ({
              clusterArn: arn,
              clusterName: arn.split("/").pop(),
              status: "ACTIVE",
              runningTasksCount: 3,
              settings: [{ name: "containerInsights", value: arn.endsWith("/c0") ? "enabled" : "disabled" }],
              tags: [{ key: "team", value: "core" }],
            })),
            failures: [],
          };
        },
        "ecs:ListServices": (input) =>
          input.cluster === clusterArns[0]
            ? {
                serviceArns: Array.from(
                  { length: 12 },
                  (_, i) => `arn:aws:ecs:us-east-1:111122223333:service/c0/s${i}`,
                ),
              }
            : { serviceArns: [] },
        "ecs:DescribeServices": (input) => {
          const asked = input.services as string[];
          serviceBatches.push(asked.length);
          return {
            services: asked.map((arn) => ({
              serviceArn: arn,
              serviceName: arn.split("/").pop(),
              clusterArn: clusterArns[0],
              launchType: "FARGATE",
              platformVersion: "1.4.0",
              platformFamily: "Linux",
              networkConfiguration: {
                awsvpcConfiguration: { subnets: ["subnet-1"], assignPublicIp: "ENABLED" },
              },
              events: [{ id: "e1", message: "steady state" }],
            })),
            failures: [],
          };
        },
      },
      { calls },
    );
    const items = await ecsCollector.collect(ctx);
    expect(gaps).toEqual([]);
    expect(batches).toEqual([100, 50]);
    expect(serviceBatches).toEqual([10, 2]);
    expect(ofType(items, CLUSTER)).toHaveLength(150);
    expect(ofType(items, SERVICE)).toHaveLength(12);
    const c0 = items.find((i) => i.resourceId === "c0")!;
    expect(c0.tags).toEqual({ team: "core" });
    expect(c0.configuration.runningTasksCount).toBeUndefined();
    expect(verdict(items, "ecs_cluster_container_insights_enabled", c0)).toBe("PASS");
    const s0 = items.find((i) => i.resourceId === "c0/s0")!;
    expect(s0.configuration.events).toBeUndefined();
    expect(verdict(items, "ecs_service_no_public_ip", s0)).toBe("FAIL");
    expect(verdict(items, "ecs_service_fargate_latest_platform_version", s0)).toBe("PASS");
  });

  it("ECS: a denied task definition read is an ERROR verdict; denied listings and describes are coverage gaps", async () => {
    const { ctx, gaps } = stubContext({
      "ecs:ListTaskDefinitionFamilies": () => ({ families: ["web"] }),
      "ecs:DescribeTaskDefinition": denied,
      "ecs:ListClusters": () => ({ clusterArns: ["arn:aws:ecs:us-east-1:111122223333:cluster/c0"] }),
      "ecs:DescribeClusters": denied,
      "ecs:ListServices": denied,
    });
    const items = await ecsCollector.collect(ctx);
    expect(gaps.map((g) => g.what).sort()).toEqual(["DescribeClusters", "ListServices"]);
    expect(items.map((i) => i.resourceType)).toEqual([TASK]);
    const [task] = items;
    expect(isCallError(task!.supplementaryConfiguration.taskDefinition)).toBe(true);
    for (const id of TASK_CHECKS.filter((c) => c !== "ecs_task_definition_host_network_secure_user"))
      expect(verdict(items, id, task!), id).toBe("ERROR");

    const denyAll = stubContext({ "ecs:ListTaskDefinitionFamilies": denied, "ecs:ListClusters": denied });
    expect(await ecsCollector.collect(denyAll.ctx)).toEqual([]);
    expect(denyAll.gaps.map((g) => g.what).sort()).toEqual(["ListClusters", "ListTaskDefinitionFamilies"]);
  });

  it("EKS: reads logging and encryption in the documented shape; a denied DescribeCluster is an ERROR verdict", async () => {
    // moto fills logging with its own defaults; the mixed enabled/disabled groups AWS answers are stubbed here.
    const { ctx, gaps } = stubContext({
      "eks:ListClusters": (input) =>
        input.nextToken ? { clusters: ["b"] } : { clusters: ["a"], nextToken: "n" },
      "eks:DescribeCluster": (input) =>
        input.name === "b"
          ? denied()
          : {
              cluster: {
                name: "a",
                arn: "arn:aws:eks:us-east-1:111122223333:cluster/a",
                version: "1.31",
                platformVersion: "eks.20",
                status: "ACTIVE",
                resourcesVpcConfig: {
                  endpointPublicAccess: true,
                  endpointPrivateAccess: true,
                  publicAccessCidrs: ["203.0.113.0/24"],
                  subnetIds: ["subnet-1"],
                },
                logging: {
                  clusterLogging: [
                    { types: ["api", "audit"], enabled: true },
                    { types: ["authenticator", "controllerManager", "scheduler"], enabled: false },
                  ],
                },
                encryptionConfig: [
                  {
                    resources: ["secrets"],
                    provider: { keyArn: "arn:aws:kms:us-east-1:111122223333:key/k" },
                  },
                ],
              },
            },
    });
    const items = await eksCollector.collect(ctx);
    expect(gaps).toEqual([]);
    const [a, b] = ["a", "b"].map((id) => items.find((i) => i.resourceId === id)!);
    expect(a!.supplementaryConfiguration.cluster).toMatchObject({
      enabledLogTypes: ["api", "audit"],
      encryptionConfig: [{ resources: ["secrets"], keyArn: "arn:aws:kms:us-east-1:111122223333:key/k" }],
    });
    expect(verdict(items, "eks_cluster_audit_logging_enabled", a!)).toBe("PASS");
    expect(verdict(items, "eks_cluster_control_plane_logging_all_types", a!)).toBe("FAIL");
    expect(verdict(items, "eks_cluster_public_endpoint_cidrs_restricted", a!)).toBe("PASS");
    expect(verdict(items, "eks_cluster_endpoint_not_public", a!)).toBe("FAIL");
    // 1.31 is below the bundled eksOldestSupportedVersion.
    expect(verdict(items, "eks_cluster_kubernetes_version_supported", a!)).toBe("FAIL");
    for (const id of EKS_CHECKS) expect(verdict(items, id, b!), id).toBe("ERROR");

    const denyAll = stubContext({ "eks:ListClusters": denied });
    expect(await eksCollector.collect(denyAll.ctx)).toEqual([]);
    expect(denyAll.gaps.map((g) => g.what)).toEqual(["ListClusters"]);
  });
});
