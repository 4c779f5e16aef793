import {
  DescribeRepositoriesCommand,
  GetLifecyclePolicyCommand,
  GetRegistryScanningConfigurationCommand,
  type GetRegistryScanningConfigurationCommandOutput,
  GetRepositoryPolicyCommand,
  type Repository,
} from "@aws-sdk/client-ecr";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { parsePolicyDocument } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * Private repositories of the region. The listing carries scan-on-push, tag mutability (with its exclusion
 * filters) and the encryption configuration; per repository we read its lifecycle policy (the rules, parsed) and
 * its repository policy (parsed, for the shared public-grant test). Either may be absent: `null`, not an error.
 */
const repositories = resource({
  resourceType: "AWS::ECR::Repository",
  client: "ecr",
  list: {
    action: "ecr:DescribeRepositories",
    command: DescribeRepositoriesCommand,
    paging: { input: "nextToken", output: "nextToken" },
    items: (page) => page.repositories,
  },
  id: (r: Repository) => r.repositoryName,
  arn: (r, ctx) =>
    r.repositoryArn ??
    `arn:${ctx.partition}:ecr:${ctx.region}:${ctx.accountId}:repository/${r.repositoryName}`,
  configuration: (r) => ({
    imageScanningConfiguration: null,
    encryptionConfiguration: null,
    ...lowerCamelKeys(r),
  }),
  details: [
    detail({
      key: "lifecyclePolicy",
      action: "ecr:GetLifecyclePolicy",
      command: GetLifecyclePolicyCommand,
      input: (r: Repository) => ({ repositoryName: r.repositoryName, registryId: r.registryId }),
      pick: (answer) => {
        const document = parsePolicyDocument(answer.lifecyclePolicyText);
        const rules = document && Array.isArray(document.rules) ? document.rules : [];
        return {
          rules: rules.map((rule: Record<string, unknown>) => ({
            rulePriority: rule.rulePriority ?? null,
            description: rule.description ?? null,
            selection: rule.selection ?? null,
            action: rule.action ?? null,
          })),
          lastEvaluatedAt: answer.lastEvaluatedAt?.toISOString() ?? null,
          ...(document && "$raw" in document ? { unparsed: true } : {}),
        };
      },
      absentWhen: ["LifecyclePolicyNotFoundException"],
    }),
    detail({
      key: "policy",
      action: "ecr:GetRepositoryPolicy",
      command: GetRepositoryPolicyCommand,
      input: (r: Repository) => ({ repositoryName: r.repositoryName, registryId: r.registryId }),
      // The document keeps AWS's own keys (`Statement`, `Effect`, …) as the policy evaluators read them.
      pick: (answer) => parsePolicyDocument(answer.policyText),
      absentWhen: ["RepositoryPolicyNotFoundException"],
    }),
  ],
});

type RegistryScanning = GetRegistryScanningConfigurationCommandOutput;

/**
 * The registry's scanning configuration: one per account and region (one call, however many repositories).
 * `scanType` is BASIC or ENHANCED (Amazon Inspector); its rules name the repositories (by wildcard filters) that
 * are scanned on push or continuously. The image scanning check of each repository reads it from here.
 */
const registryScanning = resource({
  resourceType: "AWS::ECR::RegistryScanningConfiguration",
  client: "ecr",
  list: {
    action: "ecr:GetRegistryScanningConfiguration",
    command: GetRegistryScanningConfigurationCommand,
    items: (page): RegistryScanning[] => [page],
  },
  id: (r: RegistryScanning, ctx) => `${r.registryId ?? ctx.accountId}:${ctx.region}`,
  name: (_r, ctx) => `registry scanning in ${ctx.region}`,
  arn: (r, ctx) =>
    `arn:${ctx.partition}:ecr:${ctx.region}:${ctx.accountId}:registry/${r.registryId ?? ctx.accountId}`,
  configuration: (r, ctx) => ({
    registryId: r.registryId ?? ctx.accountId,
    scanType: r.scanningConfiguration?.scanType ?? "BASIC",
    rules: (r.scanningConfiguration?.rules ?? []).map((rule) => ({
      scanFrequency: rule.scanFrequency ?? null,
      repositoryFilters: (rule.repositoryFilters ?? []).map((f) => ({
        filter: f.filter ?? null,
        filterType: f.filterType ?? null,
      })),
    })),
  }),
});

export const ecrSpec: ServiceSpec = {
  service: "ecr",
  global: false,
  resources: [repositories, registryScanning],
};

/** Amazon ECR per region: private repositories (lifecycle and repository policies) and registry scanning. */
export const ecrCollector = specCollector(ecrSpec);
