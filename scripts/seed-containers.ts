/**
 * Demo seeding for the container checks (ECR, ECS, EKS) in `CONTAINERS_REGION`. Each service gets a forgotten
 * resource holding the violations and its compliant twin:
 * - ECR: `legacy-images` (mutable tags, no scan on push, AES256, no lifecycle policy, a policy open to everyone)
 *   and `app-images` (immutable, KMS, a lifecycle policy, pulls limited to the organisation); the registry uses
 *   enhanced scanning with a continuous rule for `app-*` only.
 * - ECS: `legacy-cluster` (Container Insights off) running `legacy-service` (Fargate 1.3.0, public IPs) and
 *   `app-cluster` (Insights on) running `app-service` (Fargate LATEST, private); task definition `legacy-task`
 *   (host network, PID and IPC modes, a privileged container, root, writable root file system, credentials in the
 *   environment, no log driver) and `app-task` (awsvpc, non-root, read-only, secrets from Secrets Manager, awslogs).
 * - EKS: `legacy-eks` (Kubernetes 1.27, public endpoint open to 0.0.0.0/0, no private access, no logs, no
 *   secrets encryption) and `app-eks` (current version, private endpoint only, every log type, KMS secrets).
 *
 * Re-running against the same account reuses what exists (task definitions get a new, identical revision).
 */
import {
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  DescribeSubnetsCommand,
} from "@aws-sdk/client-ec2";
import {
  CreateRepositoryCommand,
  PutLifecyclePolicyCommand,
  PutRegistryScanningConfigurationCommand,
  SetRepositoryPolicyCommand,
} from "@aws-sdk/client-ecr";
import {
  CreateClusterCommand,
  CreateServiceCommand,
  type KeyValuePair,
  RegisterTaskDefinitionCommand,
} from "@aws-sdk/client-ecs";
import { CreateClusterCommand as CreateEksClusterCommand } from "@aws-sdk/client-eks";
import { CreateKeyCommand } from "@aws-sdk/client-kms";
import type { AwsClientSet } from "../tools/aws/clients.ts";

export const CONTAINERS_REGION = "us-east-1";
/** The names of the planted resources, for tests to find them. */
export const CONTAINER_NAMES = {
  legacyRepository: "legacy-images",
  appRepository: "app-images",
  legacyCluster: "legacy-cluster",
  appCluster: "app-cluster",
  legacyService: "legacy-service",
  appService: "app-service",
  legacyTask: "legacy-task",
  appTask: "app-task",
  legacyEks: "legacy-eks",
  appEks: "app-eks",
} as const;
/** The twin's Kubernetes version: at or above the eksOldestSupportedVersion setting. */
export const APP_EKS_VERSION = "1.34";

export interface ContainersSeed {
  /** What was created, by `service:kind`, for the seeder's counts. */
  created: Record<string, number>;
}

/** Creation calls that fail because the thing is already there (a re-run) are not errors. */
async function unlessExists(call: () => Promise<unknown>): Promise<boolean> {
  try {
    await call();
    return true;
  } catch (error) {
    const name = (error as { name?: string }).name ?? "";
    const message = (error as { message?: string }).message ?? "";
    if (/AlreadyExists|ResourceInUse/.test(name) || /already exists|not idempotent/i.test(message))
      return false;
    throw error;
  }
}

export async function seedContainers(
  accountId: string,
  clients: (region: string) => AwsClientSet,
): Promise<ContainersSeed> {
  const set = clients(CONTAINERS_REGION);
  const ecr = set.get("ecr");
  const ecs = set.get("ecs");
  const eks = set.get("eks");
  const ec2 = set.get("ec2");
  const kms = set.get("kms");
  const created: Record<string, number> = {};
  const count = (kind: string) => {
    created[kind] = (created[kind] ?? 0) + 1;
  };
  const key = await kms.send(new CreateKeyCommand({ Description: "enforceai demo: containers" }));
  const keyArn = key.KeyMetadata!.Arn!;
  count("kms:key");

  // ---- ECR
  if (
    await unlessExists(() =>
      ecr.send(
        new CreateRepositoryCommand({
          repositoryName: CONTAINER_NAMES.legacyRepository,
          imageTagMutability: "MUTABLE",
          imageScanningConfiguration: { scanOnPush: false },
          encryptionConfiguration: { encryptionType: "AES256" },
        }),
      ),
    )
  )
    count("ecr:repository");
  await ecr.send(
    new SetRepositoryPolicyCommand({
      repositoryName: CONTAINER_NAMES.legacyRepository,
      policyText: JSON.stringify({
        Version: "2012-10-17",
        Statement: [{ Sid: "Everyone", Effect: "Allow", Principal: "*", Action: ["ecr:*"] }],
      }),
    }),
  );
  if (
    await unlessExists(() =>
      ecr.send(
        new CreateRepositoryCommand({
          repositoryName: CONTAINER_NAMES.appRepository,
          imageTagMutability: "IMMUTABLE",
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: "KMS", kmsKey: keyArn },
        }),
      ),
    )
  )
    count("ecr:repository");
  await ecr.send(
    new PutLifecyclePolicyCommand({
      repositoryName: CONTAINER_NAMES.appRepository,
      lifecyclePolicyText: JSON.stringify({
        rules: [
          {
            rulePriority: 1,
            description: "expire untagged images after 14 days",
            selection: {
              tagStatus: "untagged",
              countType: "sinceImagePushed",
              countUnit: "days",
              countNumber: 14,
            },
            action: { type: "expire" },
          },
        ],
      }),
    }),
  );
  await ecr.send(
    new SetRepositoryPolicyCommand({
      repositoryName: CONTAINER_NAMES.appRepository,
      policyText: JSON.stringify({
        Version: "2012-10-17",
        Statement: [
          {
            Sid: "OrgPull",
            Effect: "Allow",
            Principal: "*",
            Action: ["ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
            Condition: { StringEquals: { "aws:PrincipalOrgID": "o-enforceaidemo" } },
          },
        ],
      }),
    }),
  );
  await ecr.send(
    new PutRegistryScanningConfigurationCommand({
      scanType: "ENHANCED",
      rules: [
        {
          scanFrequency: "CONTINUOUS_SCAN",
          repositoryFilters: [{ filter: "app-*", filterType: "WILDCARD" }],
        },
      ],
    }),
  );
  count("ecr:registry-scanning-configuration");

  // ---- ECS: task definitions (the secret-looking values are fake; the collector never keeps them)
  const env = (pairs: Record<string, string>): KeyValuePair[] =>
    Object.entries(pairs).map(([name, value]) => ({ name, value }));
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: CONTAINER_NAMES.legacyTask,
      networkMode: "host",
      pidMode: "host",
      ipcMode: "host",
      requiresCompatibilities: ["EC2"],
      containerDefinitions: [
        {
          name: "web",
          image: "nginx:1.19",
          memory: 256,
          essential: true,
          privileged: false,
          environment: env({
            AWS_SECRET_ACCESS_KEY: "demo-not-a-real-key",
            DB_PASSWORD: "demo-password",
            REGION: "us-east-1",
          }),
        },
        { name: "dind", image: "docker:dind", memory: 256, essential: false, privileged: true },
      ],
    }),
  );
  count("ecs:task-definition");
  await ecs.send(
    new RegisterTaskDefinitionCommand({
      family: CONTAINER_NAMES.appTask,
      networkMode: "awsvpc",
      requiresCompatibilities: ["FARGATE"],
      cpu: "256",
      memory: "512",
      containerDefinitions: [
        {
          name: "app",
          image: `${accountId}.dkr.ecr.${CONTAINERS_REGION}.amazonaws.com/${CONTAINER_NAMES.appRepository}:1.0.0`,
          essential: true,
          user: "1000:1000",
          readonlyRootFilesystem: true,
          environment: env({ LOG_LEVEL: "info" }),
          secrets: [
            {
              name: "DB_PASSWORD",
              valueFrom: `arn:aws:secretsmanager:${CONTAINERS_REGION}:${accountId}:secret:app/db-password`,
            },
          ],
          logConfiguration: {
            logDriver: "awslogs",
            options: {
              "awslogs-group": "/ecs/app",
              "awslogs-region": CONTAINERS_REGION,
              "awslogs-stream-prefix": "app",
            },
          },
        },
      ],
    }),
  );
  count("ecs:task-definition");

  // ---- ECS: clusters and services (in the default VPC's first subnet)
  for (const [name, insights] of [
    [CONTAINER_NAMES.legacyCluster, "disabled"],
    [CONTAINER_NAMES.appCluster, "enabled"],
  ] as const) {
    await ecs.send(
      new CreateClusterCommand({
        clusterName: name,
        settings: [{ name: "containerInsights", value: insights }],
      }),
    );
    count("ecs:cluster");
  }
  const subnets = await ec2.send(
    new DescribeSubnetsCommand({ Filters: [{ Name: "default-for-az", Values: ["true"] }] }),
  );
  const subnetId = subnets.Subnets?.[0]?.SubnetId;
  if (!subnetId) throw new Error(`seed-containers: no default subnet in ${CONTAINERS_REGION}`);
  const vpcId = subnets.Subnets![0]!.VpcId!;
  const groupName = "enforceai-demo-ecs-service";
  const existingGroup = await ec2.send(
    new DescribeSecurityGroupsCommand({ Filters: [{ Name: "group-name", Values: [groupName] }] }),
  );
  let groupId = existingGroup.SecurityGroups?.[0]?.GroupId;
  if (!groupId) {
    const group = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: groupName, Description: "demo ECS service", VpcId: vpcId }),
    );
    groupId = group.GroupId!;
    count("ec2:security-group");
  }
  for (const [cluster, service, platformVersion, assignPublicIp] of [
    [CONTAINER_NAMES.legacyCluster, CONTAINER_NAMES.legacyService, "1.3.0", "ENABLED"],
    [CONTAINER_NAMES.appCluster, CONTAINER_NAMES.appService, "LATEST", "DISABLED"],
  ] as const) {
    if (
      await unlessExists(() =>
        ecs.send(
          new CreateServiceCommand({
            cluster,
            serviceName: service,
            taskDefinition: CONTAINER_NAMES.appTask,
            desiredCount: 1,
            launchType: "FARGATE",
            platformVersion,
            networkConfiguration: {
              awsvpcConfiguration: { subnets: [subnetId], securityGroups: [groupId], assignPublicIp },
            },
          }),
        ),
      )
    )
      count("ecs:service");
  }

  // ---- EKS
  const roleArn = `arn:aws:iam::${accountId}:role/enforceai-demo-eks-cluster`;
  const allLogTypes = ["api", "audit", "authenticator", "controllerManager", "scheduler"] as const;
  if (
    await unlessExists(() =>
      eks.send(
        new CreateEksClusterCommand({
          name: CONTAINER_NAMES.legacyEks,
          version: "1.27",
          roleArn,
          resourcesVpcConfig: {
            subnetIds: [subnetId],
            endpointPublicAccess: true,
            endpointPrivateAccess: false,
            publicAccessCidrs: ["0.0.0.0/0"],
          },
          logging: { clusterLogging: [{ types: [...allLogTypes], enabled: false }] },
        }),
      ),
    )
  )
    count("eks:cluster");
  if (
    await unlessExists(() =>
      eks.send(
        new CreateEksClusterCommand({
          name: CONTAINER_NAMES.appEks,
          version: APP_EKS_VERSION,
          roleArn,
          resourcesVpcConfig: {
            subnetIds: [subnetId],
            endpointPublicAccess: false,
            endpointPrivateAccess: true,
          },
          logging: { clusterLogging: [{ types: [...allLogTypes], enabled: true }] },
          encryptionConfig: [{ resources: ["secrets"], provider: { keyArn } }],
        }),
      ),
    )
  )
    count("eks:cluster");
  return { created };
}
