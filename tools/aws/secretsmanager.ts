import {
  GetResourcePolicyCommand,
  ListSecretsCommand,
  type SecretListEntry,
} from "@aws-sdk/client-secrets-manager";
import { lowerCamelKeys } from "../../src/domain/shape.ts";
import { parsePolicyDocument, tagMap } from "./collector.ts";
import { detail, resource, type ServiceSpec, specCollector } from "./spec.ts";

/**
 * Secrets of the region. ListSecrets carries everything the checks read but the resource policy: rotation
 * (`rotationEnabled`, `rotationRules`, `rotationLambdaARN`), the last rotated/changed/accessed dates and the next
 * rotation date, the KMS key (absent when the AWS managed `aws/secretsmanager` key encrypts it), the owning
 * service and the tags. Secret values are never read. Per secret, GetResourcePolicy gives the resource policy
 * (parsed; `null` when the secret has none).
 */
const secrets = resource({
  resourceType: "AWS::SecretsManager::Secret",
  client: "secretsmanager",
  list: {
    action: "secretsmanager:ListSecrets",
    command: ListSecretsCommand,
    // Secrets scheduled for deletion are still secrets (and still readable until they go): list them too.
    input: { IncludePlannedDeletion: true },
    paging: { input: "NextToken", output: "NextToken" },
    items: (page) => page.SecretList,
  },
  // AWS Config names a secret by its ARN.
  id: (s: SecretListEntry) => s.ARN,
  name: (s) => s.Name,
  arn: (s) => s.ARN!,
  configuration: (s) => {
    const { Tags: _tags, ...rest } = s;
    return { rotationEnabled: false, kmsKeyId: null, ...lowerCamelKeys(rest) };
  },
  tags: (s) => tagMap(s.Tags),
  details: [
    detail({
      key: "policy",
      action: "secretsmanager:GetResourcePolicy",
      command: GetResourcePolicyCommand,
      input: (s: SecretListEntry) => ({ SecretId: s.ARN }),
      // The document keeps AWS's own keys (`Statement`, `Effect`, …) as the policy evaluators read them.
      pick: (answer) => parsePolicyDocument(answer.ResourcePolicy),
    }),
  ],
});

export const secretsmanagerSpec: ServiceSpec = {
  service: "secretsmanager",
  global: false,
  resources: [secrets],
};

/** AWS Secrets Manager per region: secrets (rotation, usage dates, KMS key, tags) and their resource policies. */
export const secretsmanagerCollector = specCollector(secretsmanagerSpec);
